"""Admin credentials: account names tidied alike everywhere, passwords kept as self-describing scrypt hashes."""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import secrets
import unicodedata

N, R, P = 2**14, 8, 1  # scrypt's cost: 16 MiB and about 50 ms per check, a guess costs the guesser as much
SALT_BYTES, HASH_BYTES = 16, 32
MIN_LENGTH = 12  # characters; the login limit slows guessing, the length is what stops it
MAX_MEMORY = 64 * 2**20  # bytes; a stored string asking for more would let one login exhaust the memory
SCHEME = "scrypt"
NAME_MAX = 40  # characters, as the table's CHECK says
# Who acted on ADMIN_TOKEN: a browser that logged in with it, a script that sent it as a bearer token.
# The dashboard shows these where it shows an account's name, so no account may be called so.
SHARED, SCRIPT = "共用密碼", "程式（共用密碼）"


def clean_name(name: str) -> str:
    """An account name as stored and as looked up: NFC (see _derive), no surrounding spaces."""
    return unicodedata.normalize("NFC", name).strip()


def name_problem(name: str) -> str | None:
    """What is wrong with a cleaned account name, in words for staff; None when it may be used."""
    if not name:
        return "請給帳號一個名字，例如：python -m bot admin add 王小明"
    if len(name) > NAME_MAX:
        return f"名字太長了：最多 {NAME_MAX} 個字。"
    if any(unicodedata.category(c).startswith("C") for c in name):
        return "名字裡不能有控制字元（例如 Tab 或換行）。"
    if name in (SHARED, SCRIPT):
        return f"「{name}」是系統用來稱呼共用密碼的，請換一個名字。"
    return None


def _derive(password: str, salt: bytes, n: int, r: int, p: int, length: int) -> bytes:
    # NFC: the same password typed in a terminal and in a browser may arrive as different code
    # points (a composed or decomposed character); both must give the same hash.
    data = unicodedata.normalize("NFC", password).encode("utf-8")
    return hashlib.scrypt(data, salt=salt, n=n, r=r, p=p, dklen=length, maxmem=2 * MAX_MEMORY)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def hash_password(password: str) -> str:
    """'scrypt$n$r$p$salt_b64$hash_b64' of a password, with a new random salt."""
    salt = secrets.token_bytes(SALT_BYTES)
    return "$".join((SCHEME, str(N), str(R), str(P), _b64(salt), _b64(_derive(password, salt, N, R, P, HASH_BYTES))))


def verify(password: str, stored: str) -> bool:
    """Whether the password gives the stored hash (its own n, r, p and salt); a malformed string never matches."""
    try:
        scheme, n, r, p, salt, expected = stored.split("$")
        n, r, p = int(n), int(r), int(p)
        salt_bytes, expected_bytes = base64.b64decode(salt, validate=True), base64.b64decode(expected, validate=True)
    except (ValueError, TypeError):
        return False
    sane = 1 < n and n & (n - 1) == 0 and 0 < r and 0 < p <= 16 and 128 * r * n <= MAX_MEMORY
    if scheme != SCHEME or not sane or not expected_bytes:
        return False
    return hmac.compare_digest(_derive(password, salt_bytes, n, r, p, len(expected_bytes)), expected_bytes)


@functools.lru_cache(maxsize=1)
def _decoy() -> str:
    return hash_password(secrets.token_urlsafe(16))


def waste_time(password: str) -> None:
    """Spend what a real check costs, for an unknown name: the answer's timing must not say which names exist."""
    verify(password, _decoy())

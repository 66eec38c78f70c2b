"""Who may see the dashboard: named accounts and the shared ADMIN_TOKEN, the session cookie, CSRF and the
failed-login limit."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import secrets
import threading
import time
from collections import deque
from datetime import timedelta

from flask import Flask, current_app, g, request, session
from flask.sessions import SecureCookieSessionInterface

from bot.review import passwords

FAILURES_ALLOWED = 5  # wrong passwords per client address …
FAILURE_WINDOW = 300  # … within this many seconds; then 429 until the oldest failure is old enough
SESSION_HOURS = 12  # a login lasts one working day
TRACKED_ADDRESSES = 10_000  # bounds the limiter's memory when many addresses guess
SHARED, SCRIPT = passwords.SHARED, passwords.SCRIPT  # who acted on ADMIN_TOKEN: a browser, a bearer script
HEADERS = {
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    # Nothing from elsewhere: charts are inline SVG with presentation attributes, CSS is our own file.
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'none';"
                               " form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
}


class FailureLimiter:
    """Failed logins per client address in a sliding window, in this process's memory: the stand-in
    for SharedLimiter while the database cannot count."""

    def __init__(self, allowed: int = FAILURES_ALLOWED, window: float = FAILURE_WINDOW):
        """An empty limiter."""
        self.allowed, self.window = allowed, window
        self._failures: dict[str, deque] = {}
        self._lock = threading.Lock()

    def retry_after(self, address: str, now: float | None = None) -> int:
        """Seconds until this address may try again; 0 when it may try now."""
        now = time.time() if now is None else now
        with self._lock:
            times = self._failures.get(address)
            while times and times[0] <= now - self.window:
                times.popleft()
            if not times or len(times) < self.allowed:
                return 0
            return max(1, int(times[0] + self.window - now + 0.999))

    def fail(self, address: str, now: float | None = None) -> None:
        """Count one failure."""
        now = time.time() if now is None else now
        with self._lock:
            if address not in self._failures and len(self._failures) >= TRACKED_ADDRESSES:
                self._failures.pop(next(iter(self._failures)))  # forget the address tracked longest
            self._failures.setdefault(address, deque(maxlen=self.allowed)).append(now)

    def forget(self, address: str) -> None:
        """A correct login clears the address's failures."""
        with self._lock:
            self._failures.pop(address, None)


class SharedLimiter:
    """The same limit counted in the store, so every worker and instance sees every failure; the
    address is kept only as a keyed hash. With the database down it counts in memory instead."""

    def __init__(self, store, key: str, allowed: int = FAILURES_ALLOWED, window: float = FAILURE_WINDOW):
        """A limiter over `store`; `key` hashes the addresses."""
        self.store, self.key, self.allowed, self.window = store, key.encode(), allowed, window
        self.fallback = FailureLimiter(allowed, window)

    def _hash(self, address: str) -> str:
        return hmac.new(self.key, address.encode(), hashlib.sha256).hexdigest()[:32]

    def retry_after(self, address: str, now: float | None = None) -> int:
        """Seconds until this address may try again; 0 when it may try now."""
        now = time.time() if now is None else now
        try:
            times = self.store.login_failures(self._hash(address), int(now - self.window))
        except Exception:  # noqa: BLE001 - any database error: this process's own count
            return self.fallback.retry_after(address, now)
        if len(times) < self.allowed:
            return 0
        return max(1, int(times[-self.allowed] + self.window - now + 0.999))

    def fail(self, address: str, now: float | None = None) -> None:
        """Count one failure."""
        now = time.time() if now is None else now
        try:
            self.store.add_login_failure(self._hash(address), int(now), int(now - self.window))
        except Exception:  # noqa: BLE001 - any database error
            self.fallback.fail(address, now)

    def forget(self, address: str) -> None:
        """A correct login clears the address's failures."""
        self.fallback.forget(address)
        with contextlib.suppress(Exception):
            self.store.clear_login_failures(self._hash(address))


class _AdminSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie session, marked Secure whenever the request came over HTTPS."""

    def open_session(self, app: Flask, request):
        """Only under the cookie's path: elsewhere (LINE's webhook) no cookie comes, and building the
        signer for nothing cost about 0.1 ms of every event (Flask then uses a null session)."""
        if not request.path.startswith(app.config["SESSION_COOKIE_PATH"]):
            return None
        return super().open_session(app, request)

    def get_cookie_secure(self, app: Flask) -> bool:
        """Secure on HTTPS; plain http://127.0.0.1 (make run) must still be able to log in."""
        return request.is_secure or bool(app.config.get("SESSION_COOKIE_SECURE"))


def session_key(token: str) -> str:
    """The cookie-signing key: derived from ADMIN_TOKEN, so every worker agrees and a new token logs all out."""
    return hmac.new(token.encode(), b"line-service-desk admin session", hashlib.sha256).hexdigest()


def signing_key(settings) -> str:
    """The cookie-signing key of this deployment: from ADMIN_TOKEN when it is set; "" when there is nothing to
    derive one from (the dashboard then stays off)."""
    if settings.admin_token:
        return session_key(settings.admin_token)
    if not settings.user_hash_key:
        return ""
    # Without ADMIN_TOKEN (named accounts only) the key comes from USER_HASH_KEY: every worker and
    # instance must already share it (.env), so all of them accept each other's cookies, as with the
    # token. The HMAC under its own label keeps the two uses apart: a cookie key says nothing of the
    # key that hashes LINE user ids.
    return hmac.new(settings.user_hash_key.encode(), b"line-service-desk admin session, accounts only",
                    hashlib.sha256).hexdigest()


def configure(app: Flask, key: str) -> None:
    """Set up the session cookie and the limiter of an app whose dashboard can be on; `key` signs the cookies."""
    app.secret_key = key
    app.config.update(SESSION_COOKIE_NAME="admin_session", SESSION_COOKIE_PATH="/admin",
                      SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Strict",
                      PERMANENT_SESSION_LIFETIME=timedelta(hours=SESSION_HOURS))
    app.session_interface = _AdminSessions()
    app.extensions["admin_limiter"] = SharedLimiter(app.config["STORE"], key)


def enabled() -> bool:
    """The dashboard is on with ADMIN_TOKEN, or without it once an account is enabled (asked once per request;
    a database error propagates: the page then says the system has a problem, rather than that it is gone)."""
    if current_app.config["SETTINGS"].admin_token:
        return True
    if "admin_limiter" not in current_app.extensions:  # no key to sign sessions with
        return False
    if "admin_enabled" not in g:
        g.admin_enabled = current_app.config["STORE"].has_admins()
    return g.admin_enabled


def limiter() -> SharedLimiter:
    """The app's failed-login limiter."""
    return current_app.extensions["admin_limiter"]


def address() -> str:
    """The client address the limit is kept for (behind a proxy: the client's when TRUSTED_PROXIES
    says how many proxies to believe, else the proxy's)."""
    return request.remote_addr or "unknown"


def token_matches(given: str) -> bool:
    """Constant-time comparison with ADMIN_TOKEN; an empty token never matches."""
    token = current_app.config["SETTINGS"].admin_token
    return bool(token) and hmac.compare_digest(given.encode(), token.encode())


def bearer() -> str | None:
    """The token of an `Authorization: Bearer …` header (scripts), or None."""
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" else None


def _fingerprint(password_hash: str) -> str:
    """What the session keeps of the account's password hash: a new password ends the older sessions."""
    return hmac.new(str(current_app.secret_key).encode(), password_hash.encode(), hashlib.sha256).hexdigest()[:22]


def _still_allowed(store) -> bool:
    """The session's account is still enabled with the same password (one primary-key lookup), or the
    session is the shared token's and the token is still set."""
    who = session.get("who") or ""
    if not who:
        return bool(current_app.config["SETTINGS"].admin_token)
    stored = store.admin_hash(who)
    return stored is not None and hmac.compare_digest(_fingerprint(stored), str(session.get("pw", "")))


def signed_in() -> bool:
    """True for a logged-in browser session: the cookie is signed with the deployment's key, its session
    was not logged out and its account was not disabled since (both checked in the store, so on every
    worker; closed when the store cannot say). Asked once per request."""
    if "admin_signed_in" in g:
        return g.admin_signed_in
    g.admin_signed_in = False
    if session.get("admin") is not True or not session.get("sid"):
        return False
    store = current_app.config["STORE"]
    try:
        g.admin_signed_in = not store.session_revoked(session["sid"]) and _still_allowed(store)
    except Exception:  # noqa: BLE001 - any database error: not signed in
        g.admin_signed_in = False
    return g.admin_signed_in


def log_in(name: str, password: str) -> bool:
    """Check a login form and start a session when it is right: an enabled account's name and password, or
    no name and ADMIN_TOKEN. An unknown name costs as long as a wrong password."""
    if not name:
        if not token_matches(password):
            return False
        sign_in("", "")
        return True
    stored = current_app.config["STORE"].admin_hash(name)
    if stored is None:
        passwords.waste_time(password)
        return False
    if not passwords.verify(password, stored):
        return False
    sign_in(name, _fingerprint(stored))
    return True


def sign_in(who: str = "", fingerprint: str = "") -> None:
    """Start a fresh session with its own id and CSRF token, remembering who (an account's name, or "" for
    the shared token)."""
    session.clear()
    session.permanent = True
    session.update(admin=True, sid=secrets.token_urlsafe(24), csrf=secrets.token_urlsafe(32), who=who,
                   pw=fingerprint)
    g.pop("admin_signed_in", None)


def current_admin() -> str:
    """Who is acting: the account's name, SHARED for a browser on ADMIN_TOKEN, SCRIPT for a bearer script;
    "" for nobody."""
    given = bearer()
    if given is not None:
        return SCRIPT if token_matches(given) else ""
    if not signed_in():
        return ""
    return session.get("who") or SHARED


def sign_out() -> None:
    """End the session here and for any copy of its cookie."""
    sid = session.get("sid")
    if sid:
        current_app.config["STORE"].revoke_session(sid, int(time.time()) + SESSION_HOURS * 3600)
    session.clear()
    g.pop("admin_signed_in", None)


def csrf_token() -> str:
    """The session's CSRF token, put into every form."""
    return session.get("csrf", "")


def csrf_ok(given: str) -> bool:
    """A POST is genuine when it carries the session's token; bearer scripts are not browsers and need none."""
    if bearer() is not None:
        return True
    expected = csrf_token()
    return bool(expected) and hmac.compare_digest(given.encode(), expected.encode())


def secure(response):
    """Add the admin pages' security headers."""
    response.headers.update(HEADERS)
    return response

"""Who may see the dashboard: the ADMIN_TOKEN login, its session cookie, CSRF and the failed-login limit."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import secrets
import threading
import time
from collections import deque
from datetime import timedelta

from flask import Flask, current_app, request, session
from flask.sessions import SecureCookieSessionInterface

FAILURES_ALLOWED = 5  # wrong passwords per client address …
FAILURE_WINDOW = 300  # … within this many seconds; then 429 until the oldest failure is old enough
SESSION_HOURS = 12  # a login lasts one working day
TRACKED_ADDRESSES = 10_000  # bounds the limiter's memory when many addresses guess
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

    def get_cookie_secure(self, app: Flask) -> bool:
        """Secure on HTTPS; plain http://127.0.0.1 (make run) must still be able to log in."""
        return request.is_secure or bool(app.config.get("SESSION_COOKIE_SECURE"))


def session_key(token: str) -> str:
    """The cookie-signing key: derived from ADMIN_TOKEN, so every worker agrees and a new token logs all out."""
    return hmac.new(token.encode(), b"line-service-desk admin session", hashlib.sha256).hexdigest()


def configure(app: Flask, token: str) -> None:
    """Set up the session cookie and the limiter of an app whose dashboard is on."""
    app.secret_key = session_key(token)
    app.config.update(SESSION_COOKIE_NAME="admin_session", SESSION_COOKIE_PATH="/admin",
                      SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Strict",
                      PERMANENT_SESSION_LIFETIME=timedelta(hours=SESSION_HOURS))
    app.session_interface = _AdminSessions()
    app.extensions["admin_limiter"] = SharedLimiter(app.config["STORE"], session_key(token))


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


def signed_in() -> bool:
    """True for a logged-in browser session: the cookie is signed with the token-derived key and
    its session was not logged out (checked in the store, so on every worker; closed when the
    store cannot say)."""
    if session.get("admin") is not True or not session.get("sid"):
        return False
    try:
        return not current_app.config["STORE"].session_revoked(session["sid"])
    except Exception:  # noqa: BLE001 - any database error: not signed in
        return False


def sign_in() -> None:
    """Start a fresh session with its own id and CSRF token."""
    session.clear()
    session.permanent = True
    session.update(admin=True, sid=secrets.token_urlsafe(24), csrf=secrets.token_urlsafe(32))


def sign_out() -> None:
    """End the session here and for any copy of its cookie."""
    sid = session.get("sid")
    if sid:
        current_app.config["STORE"].revoke_session(sid, int(time.time()) + SESSION_HOURS * 3600)
    session.clear()


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

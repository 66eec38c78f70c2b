"""LINE API clients per office: a long-lived token, or stateless tokens issued from the channel id and
secret and renewed before they expire (each process keeps its own)."""

from __future__ import annotations

import logging
import threading
import time

from linebot.v3.messaging import ApiClient, Configuration
from linebot.v3.oauth import ApiClient as OAuthClient, ChannelAccessToken, Configuration as OAuthConfiguration

from bot.settings import Channel, Settings

RENEW_AT = 0.8  # renew once 80% of a token's life has passed (12 of LINE's 15 minutes)

log = logging.getLogger(__name__)


class TokenSource:
    """The access token of one channel: its long-lived token, or a stateless one kept fresh."""

    def __init__(self, channel: Channel, host: str, timeout: float):
        """A source for `channel`, asking LINE at `host` with `timeout` seconds per call."""
        self.channel, self.host, self.timeout = channel, host, timeout
        self._lock = threading.Lock()
        self._token, self._renew_at, self._expires_at = "", 0.0, 0.0

    def token(self) -> str:
        """A token valid now; issues a new stateless one when the current one is due for renewal. If
        LINE cannot issue one, the current token is used while it is still valid, else the error rises."""
        if self.channel.token or not self.channel.channel_id:
            return self.channel.token
        with self._lock:
            now = time.monotonic()
            if now >= self._renew_at:
                try:
                    self._issue(now)
                except Exception as exc:
                    what = getattr(exc, "status", None) or type(exc).__name__
                    if now >= self._expires_at:
                        log.warning("stateless token could not be issued (check LINE_CHANNEL_ID and the secret) "
                                    "channel=%s error=%s", self.channel.channel_id, what)
                        raise
                    log.warning("stateless token renewal failed, the current one is still valid error=%s", what)
            return self._token

    def _issue(self, now: float) -> None:
        config = OAuthConfiguration(host=self.host)
        config.retries = 0  # no hidden retries: each would take the whole timeout again
        with OAuthClient(config) as client:
            issued = ChannelAccessToken(client).issue_stateless_channel_token(
                grant_type="client_credentials", client_id=self.channel.channel_id,
                client_secret=self.channel.secret, _request_timeout=self.timeout)
        self._token = issued.access_token
        self._expires_at = now + issued.expires_in
        self._renew_at = now + issued.expires_in * RENEW_AT
        log.info("stateless token issued, valid %d s", issued.expires_in)


class LineApis:
    """One SDK client per office and host in this process (their HTTP pools are reused), each given a
    fresh token before every call."""

    def __init__(self, settings: Settings):
        """Clients for the offices of `settings`, made on first use."""
        self.settings = settings
        self._lock = threading.Lock()
        self._sources: dict[str, TokenSource] = {}
        self._clients: dict[tuple[str, str], ApiClient] = {}

    def source(self, agency_id: str) -> TokenSource:
        """The office's token source."""
        with self._lock:
            if agency_id not in self._sources:
                s = self.settings
                self._sources[agency_id] = TokenSource(s.channel(agency_id), s.line_api_base_url, s.api_timeout)
            return self._sources[agency_id]

    def client(self, agency_id: str, host: str | None = None) -> ApiClient:
        """The office's client for `host` (the API host by default), carrying a valid token."""
        host = host or self.settings.line_api_base_url
        token = self.source(agency_id).token()
        with self._lock:
            client = self._clients.get((agency_id, host))
            if client is None:
                config = Configuration(access_token=token, host=host)
                config.retries = 0
                client = self._clients[(agency_id, host)] = ApiClient(config)
        client.configuration.access_token = token
        return client

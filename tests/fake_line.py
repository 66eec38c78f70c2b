"""A fake LINE Messaging API on 127.0.0.1 that records what the bot sends (the only fake allowed)."""

from __future__ import annotations

import functools
import itertools
import json
import secrets
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

RICHMENU = "/v2/bot/richmenu"
REPLY = "/v2/bot/message/reply"


def conforms(body: dict) -> bool:
    """A reply body is what the SDK's own ReplyMessageRequest accepts and serialises back unchanged,
    within LINE's limits (at most 5 messages)."""
    from linebot.v3.messaging import ReplyMessageRequest

    try:
        back = ReplyMessageRequest.from_dict(body).to_dict()
    except Exception:  # noqa: BLE001 - the SDK's validation errors
        return False
    back.pop("notificationDisabled", None)  # the SDK adds its default
    return back == body and 1 <= len(body.get("messages") or []) <= 5


def received_conforms(body: dict) -> bool:
    """`conforms` for a body as received (parsed JSON). Any string is a reply token to the SDK, so bodies
    that differ only in theirs are judged once: a validation costs a millisecond or more, and a test's
    thousand replies to one question are alike."""
    if not isinstance(body, dict) or not isinstance(body.get("replyToken"), str):
        return conforms(body)
    return _conforms_json(json.dumps({**body, "replyToken": "t"}, ensure_ascii=False, sort_keys=True))


@functools.lru_cache(maxsize=4096)
def _conforms_json(body: str) -> bool:
    return conforms(json.loads(body))


STATELESS = "/oauth2/v3/token"


@dataclass(frozen=True)
class Call:
    """One request as received: method, path, headers that matter and the raw body."""

    method: str
    path: str
    authorization: str
    content_type: str
    body: bytes


class FakeLine:
    """Records every request; answers with `status` (or `path_status` for paths containing a key) after `delay` seconds."""

    def __init__(self):
        self.requests: list[tuple[str, dict]] = []  # (path, JSON body); a binary body is {"bytes": n}
        self.calls: list[Call] = []  # every request in order, raw (images, headers, DELETE too)
        self.status = 200
        self.path_status: dict[str, int] = {}  # e.g. {"/content": 500}: fail only the image upload
        self.delay = 0.0
        # Stateless channel access tokens: channel id -> secret LINE knows; tokens issued live this long,
        # and while `channels` is set a reply is accepted only with a token issued and not yet expired.
        self.channels: dict[str, str] = {}
        self.token_seconds = 900
        self.issued: dict[str, float] = {}  # token -> when it expires (time.monotonic)
        self.invalid: list[dict] = []  # reply bodies the SDK's ReplyMessageRequest would refuse
        ids = itertools.count(1)
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _record(self) -> tuple[dict, int] | None:
                """The request's payload and the status to answer, or None for a request cut short."""
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                if len(body) < length:  # the sender died mid-request (a test's kill -9): LINE drops it too
                    self.close_connection = True
                    return None
                content_type = self.headers.get("Content-Type") or ""
                fake.calls.append(Call(self.command, self.path, self.headers.get("Authorization") or "",
                                       content_type, body))
                if content_type.startswith("image/"):  # the rich menu image: kept raw in `calls`
                    payload = {"bytes": len(body)}
                else:
                    try:
                        payload = json.loads(body or b"{}")
                    except ValueError:
                        payload = {"raw": body.decode("latin-1")}
                if self.command == "POST":
                    fake.requests.append((self.path, payload))
                time.sleep(fake.delay)
                status = next((s for part, s in fake.path_status.items() if part in self.path), fake.status)
                return payload, status

            def _token_status(self) -> int:
                if not fake.channels or self.path == STATELESS:
                    return 200
                token = (self.headers.get("Authorization") or "").removeprefix("Bearer ")
                return 200 if fake.issued.get(token, 0) > time.monotonic() else 401

            def do_POST(self):  # noqa: N802 - http.server's naming
                recorded = self._record()
                if recorded is None:
                    return
                payload, status = recorded
                status = status if status != 200 else self._token_status()
                if status == 200 and self.path == STATELESS:  # issue a stateless token (form-encoded request)
                    form = {k: v[0] for k, v in parse_qs(payload.get("raw", "")).items()}
                    if form.get("grant_type") != "client_credentials" or \
                            fake.channels.get(form.get("client_id", "")) != form.get("client_secret"):
                        status = 400
                if status != 200:
                    reply = json.dumps({"message": "fake error"}).encode()
                elif self.path == REPLY:  # the shape LINE answers with
                    if not received_conforms(payload):
                        fake.invalid.append(payload)
                    sent = [{"id": str(i), "quoteToken": f"q{i}"} for i, _ in enumerate(payload.get("messages", []))]
                    reply = json.dumps({"sentMessages": sent}).encode()
                elif self.path == STATELESS:
                    token = f"stateless-{secrets.token_hex(8)}"
                    fake.issued[token] = time.monotonic() + fake.token_seconds
                    reply = json.dumps({"access_token": token, "expires_in": fake.token_seconds,
                                        "token_type": "Bearer"}).encode()
                elif self.path == RICHMENU:
                    reply = json.dumps({"richMenuId": f"richmenu-{next(ids):032x}"}).encode()
                else:  # validate, image upload, set default: LINE answers {}
                    reply = b"{}"
                self._send(status, reply)

            def do_DELETE(self):  # noqa: N802 - deleting a rich menu
                recorded = self._record()
                if recorded is not None:
                    status = recorded[1]
                    self._send(status, b"{}" if status == 200 else json.dumps({"message": "fake error"}).encode())

            def _send(self, status: int, reply: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args):
                pass

        class Server(ThreadingHTTPServer):
            # socketserver's default backlog is 5: under load (four workers replying at once on a busy
            # machine) the kernel reset connections LINE itself would have taken.
            request_queue_size = 128

            def handle_error(self, request, client_address):
                pass  # the bot hung up after its timeout: expected in the slow-API test

        self.server = Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def replies(self) -> list[dict]:
        """The bodies of every reply call received so far."""
        return [body for path, body in self.requests if path == REPLY]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

"""A fake LINE Messaging API on 127.0.0.1 that records what the bot sends (the only fake allowed)."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FakeLine:
    """Records every request; answers with `status` after `delay` seconds."""

    def __init__(self):
        self.requests: list[tuple[str, dict]] = []
        self.status = 200
        self.delay = 0.0
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's naming
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                try:
                    payload = json.loads(body or b"{}")
                except ValueError:
                    payload = {"raw": body.decode("latin-1")}
                fake.requests.append((self.path, payload))
                time.sleep(fake.delay)
                if fake.status != 200:
                    reply = json.dumps({"message": "fake error"}).encode()
                elif self.path == "/v2/bot/message/reply":  # the shape LINE answers with
                    sent = [{"id": str(i), "quoteToken": f"q{i}"} for i, _ in enumerate(payload.get("messages", []))]
                    reply = json.dumps({"sentMessages": sent}).encode()
                else:
                    reply = b"{}"
                self.send_response(fake.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args):
                pass

        class Server(ThreadingHTTPServer):
            def handle_error(self, request, client_address):
                pass  # the bot hung up after its timeout: expected in the slow-API test

        self.server = Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def replies(self) -> list[dict]:
        """The bodies of every reply call received so far."""
        return [body for path, body in self.requests if path == "/v2/bot/message/reply"]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

"""Benchmark baseline: the line-bot-sdk v3 echo bot (not project code).

The SDK's canonical pattern: verify the signature with `WebhookHandler`, then reply with the same
text inside the request, synchronously, through `MessagingApi`. One API client per process (as our
bot keeps one per office), so the baseline does not pay for a new client on every event.

    gunicorn -c gunicorn.conf.py "bench.echo_app:create_app()"
"""

from __future__ import annotations

import os

from flask import Flask, abort, request
from linebot.v3 import WebhookHandler
from linebot.v3.exceptions import InvalidSignatureError
from linebot.v3.messaging import ApiClient, Configuration, MessagingApi, ReplyMessageRequest, TextMessage
from linebot.v3.webhooks import MessageEvent, TextMessageContent


def create_app() -> Flask:
    """The echo app; reads LINE_CHANNEL_SECRET, LINE_CHANNEL_ACCESS_TOKEN and LINE_API_BASE_URL."""
    handler = WebhookHandler(os.environ["LINE_CHANNEL_SECRET"])
    config = Configuration(access_token=os.environ["LINE_CHANNEL_ACCESS_TOKEN"],
                           host=os.environ.get("LINE_API_BASE_URL", "https://api.line.me"))
    api = MessagingApi(ApiClient(config))
    app = Flask(__name__)

    @handler.add(MessageEvent, message=TextMessageContent)
    def echo(event: MessageEvent) -> None:
        """Reply with the text received."""
        api.reply_message(ReplyMessageRequest(reply_token=event.reply_token,
                                              messages=[TextMessage(text=event.message.text)]))

    @app.post("/callback")
    def callback():
        """Verify the signature and handle every event before answering 200."""
        try:
            handler.handle(request.get_data(as_text=True), request.headers.get("X-Line-Signature", ""))
        except InvalidSignatureError:
            abort(400)
        return "OK"

    @app.get("/healthz")
    def healthz():
        """Readiness probe for the benchmark."""
        return "ok"

    return app

"""gunicorn settings: PORT and WEB_CONCURRENCY as a PaaS sets them."""

import os

from bot.settings import load_env_file

load_env_file()  # .env first: PORT, WEB_CONCURRENCY and FORWARDED_ALLOW_IPS may be set there
bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
# Threads, not one sync process per request: a client that sends its request slowly (or never
# finishes it) holds one thread, not a whole worker, so LINE's webhooks are still answered. A
# reverse proxy that buffers requests (docs in the README) protects further.
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "16"))
timeout = 30
# Set here, not left to gunicorn's default: that one is read from the environment before .env is loaded.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
accesslog = None  # access lines carry no message bodies, but we log our own per-event line instead


def post_worker_init(worker):
    """Each worker looks in the inbox for events a dead worker left (the desk's app only)."""
    app = worker.wsgi
    if "INBOX" in getattr(app, "config", {}):
        app.config["INBOX"].start()

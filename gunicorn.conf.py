"""gunicorn settings: PORT and WEB_CONCURRENCY as a PaaS sets them."""

import os

bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
timeout = 30
accesslog = None  # access lines carry no message bodies, but we log our own per-event line instead

"""create_app: settings → knowledge → store → blueprints; no logic of its own."""

from __future__ import annotations

import atexit
import logging
import os
from concurrent.futures import ThreadPoolExecutor

from flask import Flask, jsonify

from bot.core.answerer import Desk
from bot.core.knowledge import load_dir
from bot.settings import Settings, knowledge_dir
from bot.store import open_store
from bot.webhook import bp as webhook_bp


def _log_to_stderr() -> None:
    """One INFO line per event on stderr, unless the host (gunicorn, pytest) configured logging."""
    logger = logging.getLogger("bot")
    if not logger.handlers and not logging.getLogger().handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
        logger.addHandler(handler)
    logger.setLevel(logging.INFO)


def create_app(overrides: dict | None = None) -> Flask:
    """Build the web app. `overrides` replaces environment variables (used by tests)."""
    env = {**os.environ, **(overrides or {})}
    _log_to_stderr()
    agencies, problems = load_dir(knowledge_dir(env))
    for p in problems:
        logging.getLogger("bot.app").error("knowledge: %s", p)
    settings = Settings.from_env(env, agency_ids=sorted(agencies))
    app = Flask(__name__)
    app.config.update(
        SETTINGS=settings,
        DESK=Desk(agencies),
        DEFAULT_AGENCY=settings.default_agency or (sorted(agencies)[0] if agencies else ""),
        STORE=open_store(settings.database_url),
        POOL=ThreadPoolExecutor(max_workers=4, thread_name_prefix="events"),
        LINE_APIS={},
        KNOWLEDGE_VERSIONS={aid: a.version for aid, a in agencies.items()},
    )
    atexit.register(app.config["POOL"].shutdown, wait=True)

    app.register_blueprint(webhook_bp)

    @app.get("/healthz")
    def healthz():
        """200 with the loaded offices and knowledge versions; 503 with no knowledge."""
        versions = app.config["KNOWLEDGE_VERSIONS"]
        return jsonify(ok=bool(versions), offices=versions), (200 if versions else 503)

    return app


"""create_app: settings → knowledge → store → blueprints; no logic of its own."""

from __future__ import annotations

import atexit
import collections
import contextlib
import datetime
import logging
import threading
from concurrent.futures import ThreadPoolExecutor

from flask import Flask, abort, jsonify, redirect, url_for
from werkzeug.middleware.proxy_fix import ProxyFix

from bot.core import hours, weights
from bot.core.live import LiveDesk
from bot.line.api import LineApis
from bot.review.dashboard import bp as admin_bp
from bot.review.teaching import bp as teach_bp
from bot.settings import Settings, environment, knowledge_cache_dir, knowledge_dir, snapshot_dir
from bot.simulator import bp as simulator_bp
from bot.store import Deferred, open_store
from bot.store.group_commit import GroupWriter
from bot.store.spool import Spool
from bot.webhook import bp as webhook_bp, poll_inbox, replay_spool

# Deliveries waiting for the pool; more wait in the inbox for the next poll.
MAX_BACKLOG = 4


def _log_to_stderr() -> None:
    """One INFO line per event on stderr, unless the host (gunicorn, pytest) configured logging."""
    logger = logging.getLogger("bot")
    if not logger.handlers and not logging.getLogger().handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
        logger.addHandler(handler)
    logger.setLevel(logging.INFO)


def _log_knowledge(events: list[str], problems: list) -> None:
    """Say what a knowledge (re)load did; a broken file is an error naming file, line and field."""
    log = logging.getLogger("bot.knowledge")
    for event in events:
        log.info("knowledge %s", event)
    for problem in problems:
        log.error("knowledge problem: %s", problem)


def warm(environ: dict | None = None) -> None:
    """Build what every worker needs and none changes (the modules, the word tables, each knowledge
    file's answerer) once in gunicorn's master, before it forks: a worker then starts in a fraction
    of a second and shares those pages. The app itself is still made in each worker, after the fork:
    its threads and database connections must not cross one. A file changed later is built anew by
    the workers (answerers are kept by content), so nothing built here can be served stale."""
    env = environment(environ)
    # As a worker loads (several big offices compiled at once); a broken file is each worker's to
    # report, with file, line and field. Answerers read from the compiled cache have not touched the
    # word tables, which every question needs: read them here too.
    LiveDesk(knowledge_dir(env), cache=knowledge_cache_dir(env))
    weights.load()
    hours.preload(datetime.datetime.now(hours.TAIPEI).date())


def _open_store(url: str, timeout: float):
    """The store; when the database is down at start, a stand-in that keeps trying (the bot still answers)."""
    try:
        return open_store(url, timeout)
    except ValueError:  # a DATABASE_URL of an unknown kind is a configuration mistake: stop here
        raise
    except Exception as exc:  # noqa: BLE001 - any driver error: log it, start anyway
        logging.getLogger("bot.app").error("database unavailable at start (%s); retrying on use", type(exc).__name__)
        return Deferred(url, timeout=timeout)


class InboxPoller:
    """A daemon thread that hands the inbox's abandoned events (their worker died, or no worker had
    room) to this worker, every INBOX_POLL_SECONDS, and at once when this worker left events there
    for lack of room (they then wait for a free slot, not for the next poll); gunicorn starts it."""

    def __init__(self, app: Flask):
        self.app, self.thread = app, None
        self.waiting = threading.Event()  # set when events were left in the inbox for lack of room
        # Those events, kept and leased by this worker: handed to the pool as slots free, before any
        # other worker could take them (a row is never takeable while the worker that wrote it may
        # still answer it: that is how an event got answered twice).
        self.overflow: collections.deque = collections.deque()

    def start(self) -> None:
        """Start polling (once per process)."""
        if self.thread is None:
            self.thread = threading.Thread(target=self._run, name="inbox", daemon=True)
            self.thread.start()

    def _run(self) -> None:
        settings = self.app.config["SETTINGS"]
        while True:
            with contextlib.suppress(Exception):  # poll_inbox logs; the loop must never die
                replay_spool(self.app)
                while poll_inbox(self.app):
                    pass
            self.waiting.wait(settings.inbox_poll_seconds)
            self.waiting.clear()


def create_app(overrides: dict | None = None) -> Flask:
    """Build the web app. `overrides` replaces environment variables (used by tests)."""
    env = environment(overrides)
    _log_to_stderr()
    knowledge = LiveDesk(knowledge_dir(env), on_change=_log_knowledge, snapshots=snapshot_dir(env),
                         cache=knowledge_cache_dir(env))
    settings = Settings.from_env(env, agency_ids=knowledge.file_ids)
    knowledge.every = settings.reload_seconds
    app = Flask(__name__)
    app.config.update(
        SETTINGS=settings,
        KNOWLEDGE=knowledge,
        DEFAULT_AGENCY=settings.default_agency or (settings.agencies[0] if settings.agencies else ""),
        STORE=_open_store(settings.database_url, settings.database_timeout),
        POOL=ThreadPoolExecutor(max_workers=4, thread_name_prefix="events"),
        INBOX=InboxPoller(app),
        INBOX_WRITER=GroupWriter(lambda: app.config["STORE"]),
        SPOOL=Spool(settings.spool_dir),
        BACKLOG=threading.BoundedSemaphore(MAX_BACKLOG),
        LINE_APIS=LineApis(settings),
    )
    atexit.register(app.config["POOL"].shutdown, wait=True)
    knowledge.use_edits(app.config["STORE"])  # staff's dashboard edits, laid over the files

    if settings.trusted_proxies:
        # Behind nginx the client's address and scheme come in X-Forwarded-For/-Proto; trusting exactly
        # the proxies we have means a client cannot spoof them (the admin login limit counts per address).
        n = settings.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n)
    app.register_blueprint(webhook_bp)
    app.register_blueprint(simulator_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(teach_bp)

    @app.get("/healthz")
    def healthz():
        """200 with the served offices and their knowledge versions, and the offices served from an older
        version because their file is broken (with file, line and field); 503 with no knowledge."""
        answerers = knowledge.current().answerers
        versions = {aid: answerers[aid].agency.version for aid in settings.agencies if aid in answerers}
        degraded = {aid: [str(p) for p in problems] for aid, problems in knowledge.degraded.items()}
        problems = [str(p) for p in knowledge.problems]
        silent = [aid for aid in settings.agencies if aid not in answerers]  # broken with no good copy at all
        body = dict(ok=bool(versions) and not silent, offices=versions, degraded=degraded, silent=silent,
                    problems=problems)
        return jsonify(body), (200 if versions else 503)

    @app.get("/")
    def index():
        """The simulator when it is on (make run), else nothing to see here."""
        if not settings.simulator:
            abort(404)
        return redirect(url_for("simulator.page"))

    return app


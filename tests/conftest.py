"""Shared fixtures: the real knowledge, a desk over it, and a helper to run the CLI as a process."""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from unittest import mock

import pytest

from bot.core.answerer import Desk
from bot.core.knowledge import load_dir

ROOT = Path(__file__).resolve().parent.parent
KNOWLEDGE = ROOT / "knowledge"
DATA = Path(__file__).resolve().parent / "data"
SHARED_COMPILED = "DESK_TEST_COMPILED_DIR"  # set by the run's controller, read by its pytest -n workers


def pytest_configure(config):
    """The controller of a run (alone, or the one that starts `pytest -n` workers) makes the compiled-
    knowledge folder; workers inherit it in their environment, so the knowledge is compiled once per
    run, not once per worker."""
    if not hasattr(config, "workerinput"):
        os.environ[SHARED_COMPILED] = tempfile.mkdtemp(prefix="desk-compiled-")


def pytest_unconfigure(config):
    """The controller removes the folder once every worker is done."""
    if not hasattr(config, "workerinput"):
        shutil.rmtree(os.environ.pop(SHARED_COMPILED, ""), ignore_errors=True)


@pytest.fixture(scope="session")
def agencies():
    """The shipped knowledge, loaded once (it must load without problems)."""
    loaded, problems = load_dir(KNOWLEDGE)
    assert problems == []
    return loaded


@pytest.fixture(scope="session")
def desk(agencies):
    """The answer engine over the shipped knowledge."""
    return Desk(agencies)


def run_cli(*args: str, stdin: str | None = None, env: dict | None = None,
            process: bool = False) -> subprocess.CompletedProcess:
    """Run `python -m bot ARGS` and capture its output: by default the same `main()` in this process (a
    new interpreter costs seconds of imports per call); `process=True` where the process itself is
    under test (its exit code, its encoding, `python -m bot` as an operator types it)."""
    if process:
        full_env = {**os.environ, "PYTHONIOENCODING": "utf-8", **(env or {})}
        return subprocess.run([sys.executable, "-m", "bot", *args], input=stdin, capture_output=True,
                              text=True, encoding="utf-8", cwd=ROOT, env=full_env, timeout=120)
    from bot.cli import main

    out, err = io.StringIO(), io.StringIO()
    with mock.patch.dict(os.environ, env or {}), mock.patch.object(sys, "stdin", io.StringIO(stdin or "")), \
            contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), contextlib.chdir(ROOT):
        try:
            code = main(list(args))
        except SystemExit as exc:  # argparse's usage errors (2) and --help (0), as the process would exit
            code = exc.code if isinstance(exc.code, int) else int(exc.code is not None)
    return subprocess.CompletedProcess(["python", "-m", "bot", *args], code, out.getvalue(), err.getvalue())


FIXTURES = DATA / "line"  # LINE's own payloads, copied into the project (tests/data/line/README.md)
SECRET = "test-channel-secret"  # the default channel: taoyuan-vac's (DEFAULT_AGENCY) and any test folder's office
OWN_CHANNELS = ("fengshan-household", "kaohsiung-military-service", "pingtung-vac", "sanmin-district")
# A developer's own .env must never reach the tests' servers and commands (tests that read one say so).
os.environ["ENV_FILE"] = os.devnull


def secret_for(office: str) -> str:
    """The channel secret of an office in the test servers: one channel per office, as LINE requires."""
    return f"{SECRET}-{office}" if office in OWN_CHANNELS else SECRET


def channel_env() -> dict:
    """Every bundled office but taoyuan-vac on a channel of its own (taoyuan-vac uses the default pair)."""
    env = {}
    for office in OWN_CHANNELS:
        suffix = office.upper().replace("-", "_")
        env[f"LINE_CHANNEL_SECRET_{suffix}"] = secret_for(office)
        env[f"LINE_CHANNEL_ACCESS_TOKEN_{suffix}"] = f"test-token-{office}"
    return env


def sign(body: bytes, secret: str = SECRET) -> str:
    """The X-Line-Signature of a body (the function is checked against LINE's documented vector)."""
    from bot.webhook import signature

    return signature(secret, body)


def _fake_line():
    """A fake LINE API server on 127.0.0.1 (the fixtures below), closed afterwards."""
    from fake_line import FakeLine

    fake = FakeLine()
    yield fake
    fake.close()
    # Every reply the bot sent must be one LINE accepts (the SDK's ReplyMessageRequest, LINE's limits).
    assert not fake.invalid, f"{len(fake.invalid)} reply bodies LINE would refuse, e.g. {fake.invalid[0]}"


@pytest.fixture()
def fake_line():
    """A fake LINE API server on 127.0.0.1, closed after the test."""
    yield from _fake_line()


@pytest.fixture(scope="module")
def module_fake_line():
    """One fake LINE API for the servers a module's tests share (each test tells its replies apart)."""
    yield from _fake_line()


def compiled_dir() -> Path:
    """One compiled-knowledge folder for the whole run: each test server's master loads the knowledge
    compiled instead of compiling it afresh (a second and more per boot). The cache is keyed by each
    file's bytes and the engine's source, so a server on other content compiles its own, and a server
    never reads a stale one (test_compiled.py tests the cache itself)."""
    return Path(os.environ[SHARED_COMPILED])


def server_env(tmp_path: Path, line_url: str = "http://127.0.0.1:9", **extra: str) -> dict:
    """The environment of a test server: test credentials, a fresh SQLite file, the fake LINE API."""
    return {"LINE_CHANNEL_SECRET": SECRET, "LINE_CHANNEL_ACCESS_TOKEN": "test-token", **channel_env(),
            "USER_HASH_KEY": "test-user-hash-key", "LINE_API_BASE_URL": line_url,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}", "DEFAULT_AGENCY": "taoyuan-vac",
            "KNOWLEDGE_SNAPSHOT_DIR": str(tmp_path / "snapshots"), "KNOWLEDGE_CACHE_DIR": str(compiled_dir()),
            "SPOOL_DIR": str(tmp_path / "spool"),
            **extra}


@pytest.fixture()
def app(tmp_path, fake_line):
    """A fresh app on the real knowledge, a fresh SQLite file and the fake LINE API."""
    from bot.app import create_app

    app = create_app(server_env(tmp_path, fake_line.url, LINE_API_TIMEOUT="1"))
    yield app
    app.config["POOL"].shutdown(wait=True)


def drain(app) -> None:
    """Wait until every event handed to the app's thread pool has been handled."""
    pool = app.config["POOL"]
    pool.shutdown(wait=True)
    from concurrent.futures import ThreadPoolExecutor

    app.config["POOL"] = ThreadPoolExecutor(max_workers=4)


@pytest.fixture(scope="session")
def pg_url():
    """A throwaway PostgreSQL server for the session; its `postgres` database URL. Fails, never skips."""
    from pg_server import start, stop

    try:
        server = start()
    except Exception as exc:  # the reason and the server log are in the message
        pytest.fail(f"PostgreSQL could not be started: {exc}", pytrace=False)
    yield server.url
    stop(server)


def _pg_database(pg_url):
    """A fresh PostgreSQL database (the fixtures below), (name, URL), dropped afterwards."""
    from pg_server import drop_database, fresh_database

    name, url = fresh_database(pg_url)
    yield name, url
    drop_database(pg_url, name)


@pytest.fixture()
def pg_db(pg_url):
    """A fresh PostgreSQL database, (name, URL), dropped afterwards."""
    yield from _pg_database(pg_url)


@pytest.fixture(scope="module")
def module_pg_db(pg_url):
    """A fresh PostgreSQL database for the servers a module's tests share, (name, URL), dropped afterwards."""
    yield from _pg_database(pg_url)


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    """An empty database of each kind: a new SQLite file or a new PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'bot.db'}"
    return request.getfixturevalue("pg_db")[1]

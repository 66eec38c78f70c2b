"""Shared fixtures: the real knowledge, a desk over it, and a helper to run the CLI as a process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.core.answerer import Desk
from bot.core.knowledge import load_dir

ROOT = Path(__file__).resolve().parent.parent
KNOWLEDGE = ROOT / "knowledge"
SHARED = ROOT.parent / "shared"
DATA = Path(__file__).resolve().parent / "data"


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


def run_cli(*args: str, stdin: str | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run `python -m bot ARGS` as a real process and capture its output."""
    full_env = {**os.environ, "PYTHONIOENCODING": "utf-8", **(env or {})}
    return subprocess.run([sys.executable, "-m", "bot", *args], input=stdin, capture_output=True,
                          text=True, encoding="utf-8", cwd=ROOT, env=full_env, timeout=120)


FIXTURES = SHARED / "fixtures" / "line"
SECRET = "test-channel-secret"


def sign(body: bytes, secret: str = SECRET) -> str:
    """The X-Line-Signature of a body."""
    import base64
    import hashlib
    import hmac

    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


@pytest.fixture()
def fake_line():
    """A fake LINE API server on 127.0.0.1, closed after the test."""
    from fake_line import FakeLine

    fake = FakeLine()
    yield fake
    fake.close()


@pytest.fixture()
def app(tmp_path, fake_line):
    """A fresh app on the real knowledge, a fresh SQLite file and the fake LINE API."""
    from bot.app import create_app

    app = create_app({
        "LINE_CHANNEL_SECRET": SECRET, "LINE_CHANNEL_ACCESS_TOKEN": "test-token",
        "LINE_API_BASE_URL": fake_line.url, "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}",
        "DEFAULT_AGENCY": "taoyuan-vac", "LINE_API_TIMEOUT": "1",
    })
    yield app
    app.config["POOL"].shutdown(wait=True)


def drain(app) -> None:
    """Wait until every event handed to the app's thread pool has been handled."""
    pool = app.config["POOL"]
    pool.shutdown(wait=True)
    from concurrent.futures import ThreadPoolExecutor

    app.config["POOL"] = ThreadPoolExecutor(max_workers=4)

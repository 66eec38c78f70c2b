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

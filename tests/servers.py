"""Real server processes for end-to-end tests (a free port, a readiness wait, a clean stop) and headless Chromium."""

from __future__ import annotations

import contextlib
import os
import random
import shutil
import socket
import subprocess
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor, wait
from pathlib import Path

from conftest import ROOT


LOW_PORTS = range(20000, 32768)  # below the kernel's ephemeral range, where outgoing connections take theirs
_handed_out: set[int] = set()
_pick = random.SystemRandom()


def free_port() -> int:
    """A loopback port nobody listens on now, never handed out before in this run, picked at random below
    the kernel's ephemeral range: no outgoing connection can take it before the server binds it, and
    two test processes (pytest-xdist workers, a colleague's run) rarely pick the same one."""
    for _ in range(500):
        port = _pick.choice(LOW_PORTS)
        if port in _handed_out:
            continue
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        _handed_out.add(port)
        return port
    raise RuntimeError("no free loopback port found")


def wait_for(predicate, seconds: float = 10.0) -> bool:
    """Poll until the predicate holds or the time is up; the last answer is returned."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


def pending(store) -> int:
    """How many events of the server's inbox are not marked done yet. At 0 every event was handled and
    answered, and no worker's poller will take one again: no late duplicate can come after."""
    return store._run("SELECT COUNT(*) FROM inbox WHERE done_at IS NULL").fetchone()[0]


def _healthy(base: str) -> bool:
    try:
        return urllib.request.urlopen(base + "/healthz", timeout=1).status == 200
    except OSError:
        return False


@contextlib.contextmanager
def running(argv: list[str], env: dict, port: int, log_path: Path):
    """Run a server process until /healthz answers; yield (base URL, log file); stop it afterwards."""
    log = log_path.open("w+", encoding="utf-8")
    proc = subprocess.Popen(argv, cwd=ROOT, env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        # 90 s, not gunicorn's 30: the master builds the knowledge before it forks, and on a machine
        # busy with other work that alone took over 30 s (a CI run beside four other test runs).
        assert wait_for(lambda: _healthy(base) or proc.poll() is not None, 90) and proc.poll() is None, \
            "server did not start:\n" + log_path.read_text(encoding="utf-8")
        yield base, log
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()


@contextlib.contextmanager
def side_by_side(*servers):
    """Enter the `running` servers at once and stop them at once (each start and stop is mostly waiting);
    a server that did start is stopped even when another did not."""
    with ThreadPoolExecutor(len(servers)) as pool:
        starts = [pool.submit(server.__enter__) for server in servers]
        wait(starts)
    up = [server for server, start in zip(servers, starts) if start.exception() is None]
    try:
        yield [start.result() for start in starts]  # the first failure to start, raised
    finally:
        with ThreadPoolExecutor(len(servers)) as pool:
            for stop in [pool.submit(server.__exit__, None, None, None) for server in up]:
                stop.result()


@contextlib.contextmanager
def slow_clients(n: int, connect, head: bytes):
    """n clients (`connect()` opens each) that send a request's headers (`head`) and the first byte of
    a 1,000-byte body, then stall; yields a check that all are still connected (each sends one more byte)."""
    conns = []
    try:
        for _ in range(n):
            conn = connect()
            conn.sendall(head + b"Content-Length: 1000\r\n\r\n{")
            conns.append(conn)
        yield lambda: all(c.send(b" ") == 1 for c in conns)
    finally:
        for conn in conns:
            conn.close()


def chromium(size: str = "900,1100"):
    """Headless Debian Chromium (window `size` "W,H") driven through chromedriver; never downloads a browser."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    assert shutil.which("chromium") and shutil.which("chromedriver"), \
        "Debian's chromium and chromium-driver are missing: run scripts/system-deps.sh (make test does)"
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium")
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-extensions", "--no-first-run",
                 f"--window-size={size}", "--lang=zh-TW"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)

"""A throwaway PostgreSQL server for the tests: its own data directory, a unix socket, no fsync."""

from __future__ import annotations

import ctypes
import glob
import os
import pwd
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

PORT = 5432  # only names the socket file; the socket sits in a private directory, so it never collides
PREFIX = "pg-test-"
_LIBC = ctypes.CDLL(None) if sys.platform == "linux" else None  # loaded here: no dlopen between fork and exec


@dataclass
class PgServer:
    """A running server: its process, its directory (data, socket, log) and the URL of its `postgres` db."""

    proc: subprocess.Popen | None  # None when initdb failed
    base: Path
    url: str
    child: dict = field(default_factory=dict)  # how postgres is run (its user), for `resume`

    @property
    def log(self) -> str:
        return (self.base / "server.log").read_text(encoding="utf-8", errors="replace")


def _bindir() -> Path:
    candidates = glob.glob("/usr/lib/postgresql/*/bin/initdb")
    if candidates:
        # The newest major version: compare numerically, so 16 beats 9.6.
        newest = max(candidates, key=lambda p: [int(n) for n in re.findall(r"\d+", Path(p).parent.parent.name)])
        return Path(newest).parent
    on_path = shutil.which("initdb")
    if on_path:
        return Path(on_path).parent
    raise RuntimeError("no PostgreSQL binaries: /usr/lib/postgresql/*/bin/initdb is missing and initdb is "
                       "not on PATH (scripts/system-deps.sh installs Debian's postgresql)")


def _die_with_parent() -> None:
    # In the server's process before exec: when the thread that started it dies without stop() (SIGKILL,
    # a CI timeout), the kernel sends the server SIGINT, its fast shutdown, instead of leaving it running.
    _LIBC.prctl(1, signal.SIGINT)  # 1 = PR_SET_PDEATHSIG


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    return True


def _sweep() -> None:
    # The directories of runs killed outright, whose servers have since shut down: remove them.
    for base in Path(tempfile.gettempdir()).glob(PREFIX + "*"):
        try:
            owner = int((base / "owner.pid").read_text())
            postmaster = base / "data" / "postmaster.pid"
            if not _alive(owner) and not (postmaster.exists() and _alive(int(postmaster.read_text().split()[0]))):
                shutil.rmtree(base, ignore_errors=True)
        except (OSError, ValueError, IndexError):
            continue  # another run still setting up, or not one of ours


def start(timeout: float = 30.0) -> PgServer:
    """Start a server in a new temp directory (call from the main thread); RuntimeError with the log if not."""
    _sweep()
    bindir = _bindir()
    base = Path(tempfile.mkdtemp(prefix=PREFIX))
    (base / "owner.pid").write_text(str(os.getpid()))
    child: dict = {"preexec_fn": _die_with_parent} if _LIBC is not None else {}
    if os.geteuid() == 0:
        # initdb and postgres refuse to run as root: run them as Debian's `postgres` system user.
        try:
            owner = pwd.getpwnam("postgres")
        except KeyError:
            raise RuntimeError("running as root and there is no 'postgres' system user to run the server as")
        os.chown(base, owner.pw_uid, owner.pw_gid)
        child.update(user=owner.pw_uid, group=owner.pw_gid, extra_groups=[])
    log_path = base / "server.log"
    server = PgServer(None, base, f"postgresql://postgres@/postgres?host={quote(str(base))}&port={PORT}")
    with log_path.open("w", encoding="utf-8") as log:
        init = subprocess.run([bindir / "initdb", "-D", base / "data", "-U", "postgres", "--auth=trust",
                               "--encoding=UTF8", "--no-locale", "--no-sync"],
                              stdout=log, stderr=subprocess.STDOUT, timeout=120, **child)
        if init.returncode != 0:
            return _failed(server, f"initdb ({bindir}) exited {init.returncode}")
    return _launch(server, bindir, child, timeout)


def _launch(server: PgServer, bindir: Path, child: dict, timeout: float) -> PgServer:
    """Run postgres on the server's data directory and wait until it takes connections."""
    with (server.base / "server.log").open("a", encoding="utf-8") as log:
        # No TCP at all (listen_addresses=''): nothing else on the machine can reach or collide with it.
        server.proc = subprocess.Popen(
            [bindir / "postgres", "-D", server.base / "data", "-k", server.base, "-p", str(PORT),
             "-c", "listen_addresses=", "-c", "fsync=off", "-c", "synchronous_commit=off",
             "-c", "full_page_writes=off", "-c", "max_connections=200"],
            stdout=log, stderr=subprocess.STDOUT, **child)
    server.child = child
    import psycopg

    deadline = time.monotonic() + timeout
    while True:
        try:
            psycopg.connect(server.url, connect_timeout=2).close()
            return server
        except psycopg.OperationalError as exc:
            if server.proc.poll() is not None or time.monotonic() > deadline:
                return _failed(server, f"postgres ({bindir}) exit code {server.proc.poll()}, last error: {exc}")
            time.sleep(0.05)


def halt(server: PgServer) -> None:
    """Shut the server down (a database outage) and keep its data for `resume`."""
    server.proc.send_signal(signal.SIGINT)
    server.proc.wait(timeout=20)


def resume(server: PgServer, timeout: float = 30.0) -> PgServer:
    """Start a halted server again on the same data; returns once it takes connections."""
    return _launch(server, _bindir(), server.child, timeout)


def _failed(server: PgServer, what: str):
    log = server.log
    stop(server)
    raise RuntimeError(f"{what}\n--- server log ---\n{log}")


def stop(server: PgServer) -> None:
    """Fast-shut the server down (SIGINT, then SIGKILL) and delete its directory."""
    if server.proc is not None and server.proc.poll() is None:
        server.proc.send_signal(signal.SIGINT)  # fast shutdown: disconnects whatever a test left open
        try:
            server.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.proc.kill()
            server.proc.wait()
    shutil.rmtree(server.base, ignore_errors=True)


def fresh_database(url: str) -> tuple[str, str]:
    """Create an empty database on the server; return its name and URL."""
    import psycopg

    name = f"test_{secrets.token_hex(6)}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    return name, url.replace("/postgres?", f"/{name}?", 1)


def drop_database(url: str, name: str) -> None:
    """Drop a database made by `fresh_database`, cutting off connections a test left open."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

"""Events acknowledged while the database could not keep them, in local files until the inbox can."""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import uuid
from pathlib import Path

log = logging.getLogger(__name__)

SUFFIX = ".events.json"
READY = "ready"  # the name's owner part of a file any worker may move into the inbox


class Spool:
    """A folder of synced files, one per delivery that LINE got its 200 for while the inbox write
    failed. The worker that wrote a file handles its events from memory and then removes it; a file
    whose worker died first is moved into the inbox by another worker once the database is back.

    A worker holds an exclusive lock on its own owner file for as long as it lives, so "its worker
    died" is the lock being free (a process id could be reused; a lock dies with its process)."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self._pid, self._token, self._owner = None, "", None

    def _own_token(self) -> str:
        """This process's owner token, its lock taken on first use (a forked worker takes its own)."""
        while self._pid != os.getpid():
            self.folder.mkdir(parents=True, exist_ok=True)
            token = uuid.uuid4().hex
            lock = self.folder / f"owner-{token}.lock"
            owner = os.open(lock, os.O_RDWR | os.O_CREAT, 0o600)
            fcntl.flock(owner, fcntl.LOCK_EX)
            # Between the open and the lock another worker may have taken the new file for a dead one's
            # and removed it; a lock on a removed file protects nothing, so start again.
            if lock.exists() and os.stat(lock).st_ino == os.fstat(owner).st_ino:
                self._pid, self._token, self._owner = os.getpid(), token, owner
            else:
                os.close(owner)
        return self._token

    def keep(self, agency: str, rows: list[tuple[str, str]], received_at: int) -> Path:
        """Write a delivery's (event id, stored JSON) rows to a new file, synced before it returns."""
        path = self.folder / f"{self._own_token()}-{uuid.uuid4().hex}{SUFFIX}"
        return self._write(path, {"agency": agency, "received_at": received_at, "rows": rows})

    def _write(self, path: Path, kept: dict) -> Path:
        partial = path.with_name("." + path.name + ".partial")
        data = json.dumps(kept).encode()
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        partial.replace(path)  # never half a file under the final name
        _sync_folder(self.folder)
        return path

    def settle(self, path: Path | None, retry: list[str]) -> None:
        """A file's events were handled from memory: forget it, or keep only the events in `retry`
        (their writes failed) for any worker to move into the inbox, marked handled (no reply)."""
        if path is None:
            return
        if retry:
            kept, retry = json.loads(path.read_bytes()), set(retry)
            kept["rows"] = [row for row in kept["rows"] if row[0] in retry]
            kept["handled"] = True
            self._write(self.folder / f"{READY}-{uuid.uuid4().hex}{SUFFIX}", kept)
        with contextlib.suppress(FileNotFoundError):
            path.unlink()

    def orphans(self) -> list[Path]:
        """The files to move into the inbox, oldest first: those whose worker died before handling
        their events, and the handled events whose writes failed."""
        files = sorted(self.folder.glob("*" + SUFFIX), key=_age)
        alive: dict[str, bool] = {self._token: True}
        out = []
        for path in files:
            token = path.name.split("-", 1)[0]
            if token == READY:
                out.append(path)
                continue
            if token not in alive:
                alive[token] = _locked(self.folder / f"owner-{token}.lock")
            if not alive[token]:
                out.append(path)
        return out

    def replay(self, enqueue) -> int:
        """Move the orphaned files' events into the inbox with `enqueue(agency, rows, lease_until,
        received_at)` (a redelivered id is skipped there), removing each file once its events are in;
        returns how many events moved. A file the database refuses stays for the next try."""
        if not self.folder.is_dir():  # nothing was ever spooled here (every poll asks)
            return 0
        moved = 0
        for path in self.orphans():
            try:
                kept = json.loads(path.read_bytes())
                rows = [(str(event_id), str(body)) for event_id, body in kept["rows"]]
                # Takeable at once. Events answered from memory already count as received at the epoch's
                # first second: handled again, their long-expired reply token sends nothing twice.
                enqueue(str(kept["agency"]), rows, 0, 1 if kept.get("handled") else int(kept["received_at"]))
            except FileNotFoundError:  # another worker moved it first
                continue
            except (ValueError, KeyError, TypeError):  # not ours to guess at: kept aside for a person
                log.error("spool file unreadable, set aside: %s", path.name)
                with contextlib.suppress(FileNotFoundError):
                    path.rename(path.with_name(path.name + ".unreadable"))
                continue
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
            moved += len(rows)
        self._forget_dead_owners()
        return moved

    def _forget_dead_owners(self) -> None:
        """Remove the lock files of dead workers that have no file left."""
        waiting = {p.name.split("-", 1)[0] for p in self.folder.glob("*" + SUFFIX)}
        for lock in self.folder.glob("owner-*.lock"):
            token = lock.name[len("owner-"):-len(".lock")]
            if token != self._token and token not in waiting and not _locked(lock):
                with contextlib.suppress(FileNotFoundError):
                    lock.unlink()

    def close(self) -> None:
        """Let go of this process's owner lock (as when it dies): its files become orphans."""
        if self._owner is not None and self._pid == os.getpid():
            os.close(self._owner)
        self._pid, self._token, self._owner = None, "", None


def _age(path: Path) -> float:
    """A file's modification time (0 when another worker just moved it)."""
    try:
        return path.stat().st_mtime
    except FileNotFoundError:
        return 0.0


def _locked(lock: Path) -> bool:
    """Whether a live worker holds this owner lock."""
    try:
        fd = os.open(lock, os.O_RDWR)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)  # closing releases a lock taken here
    return False


def _sync_folder(folder: Path) -> None:
    """Sync the folder, so the new file's name survives a power cut too."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)

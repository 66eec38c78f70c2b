"""Knowledge kept fresh: a changed file is reloaded; a broken file keeps its last good version, across
restarts too (a copy of each office's last good file is kept in a snapshot folder)."""

from __future__ import annotations

import contextlib
import ctypes
import hashlib
import multiprocessing
import os
import tempfile
import threading
import time
from collections import OrderedDict
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from bot.core import compiled, weights
from bot.core.answerer import Answerer, Desk
from bot.core.knowledge import KnowledgeError, Problem, read_file
from bot.core.teach import Change, as_json, overlaid_text

# Several offices this big in all are compiled at once, one process per core, when a process starts
# (a city's dozens of offices: its workers are ready in about half the time on two cores); below it,
# starting the processes would cost more than it saves.
PARALLEL_BYTES = 4 << 20
BUILT_KEPT = 16  # answerers this process keeps by file name and content (the five offices, with room)
_built: OrderedDict[tuple[str, str], Answerer] = OrderedDict()
_built_lock = threading.Lock()


def answerer_for(path: Path, edits: tuple[Change, ...] = (), cache: Path | None = None) -> Answerer:
    """The Answerer of a knowledge file with staff's dashboard edits laid over it; one whose name,
    content and edits this process already built is reused (a second app in the process, a file
    edited back), since building is most of a load; else it comes compiled from the `cache`
    folder when that holds the same content, or is built (and kept there)."""
    data = read_file(path)
    # The hash is what Agency.version is; edits count by what they say (ids repeat across databases).
    said = "".join(f"{e.id}{e.active}{as_json(e.before)}{as_json(e.after)}" for e in edits)
    key = (path.name, hashlib.sha256(data).hexdigest()[:12], hashlib.sha256(said.encode()).hexdigest()[:16])
    with _built_lock:
        if key in _built:
            _built.move_to_end(key)
            return _built[key]
    if edits:
        text = overlaid_text(data.decode("utf-8", errors="replace"), list(edits))[0]
        data = text.encode("utf-8")
    answerer = compiled.answerer(path, data, cache)  # KnowledgeError for a broken file: nothing kept
    with _built_lock:
        _built[key] = answerer
        while len(_built) > BUILT_KEPT:
            _built.popitem(last=False)
    return answerer


def _compile(path: Path, edits: tuple[Change, ...], cache: Path) -> None:
    """In a pool process: compile one office into the cache folder (a broken file is reported by the
    parent's own load)."""
    with contextlib.suppress(KnowledgeError, OSError):
        answerer_for(path, edits, cache)


def compile_at_once(jobs: list[tuple[Path, tuple[Change, ...]]], cache: Path) -> None:
    """Compile several offices' files into the cache folder in parallel, one forked process per core
    (sharing the word weights already in memory), in the order given (the biggest first, so that no
    core is left with one big file at the end); the caller then loads each from the cache
    (unpickling is a fraction of building). Only for a process without other threads: a lock held
    by another thread would stay held in the child (and spawned processes re-run the main module,
    which a server's is not written for)."""
    weights.load()  # read once here for every forked process
    workers = min(len(jobs), os.cpu_count() or 1)
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
        list(pool.map(_compile, *zip(*jobs), [cache] * len(jobs)))


def _give_back_freed_memory() -> None:
    """Hand the memory a load freed back to the system: glibc keeps freed heap pages for reuse, and
    after a big load they stay in the worker's resident memory (some 30 MiB at 50 times the shipped
    knowledge). Other C libraries have no malloc_trim: nothing to do there."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None).malloc_trim(0)


class LiveDesk:
    """The current Desk of a knowledge folder, re-checked at most every `every` seconds."""

    def __init__(self, directory: Path, every: float = 5.0, on_change=None, snapshots: Path | None = None,
                 edits=None, cache: Path | None = None, parallel_bytes: int = PARALLEL_BYTES):
        self.directory = Path(directory)
        self.parallel_bytes = parallel_bytes  # at least this much to load at once: compiled in parallel
        self.cache = Path(cache) if cache else None  # compiled knowledge by content (bot/core/compiled.py)
        # Where staff's dashboard edits are kept (the store: changes_version(), changes(agency)), or None.
        self.edits = edits
        self._edits_seen: object = None
        self._edits: dict[str, tuple[Change, ...]] = {}  # office -> its edits as last read
        self.snapshots = Path(snapshots) if snapshots else None
        self.every = every
        self._on_change = on_change  # called with (events, problems) after each reload
        self._lock = threading.Lock()
        self._stamps: dict[Path, tuple[int, int]] = {}
        self._answerers: dict[str, Answerer] = {}
        self._problems: dict[str, list[Problem]] = {}  # file stem -> problems of its newest version
        self._checked = float("-inf")
        self._desk = Desk({})
        self.refresh(force=True)

    @property
    def problems(self) -> list[Problem]:
        """The problems of every file whose newest version could not be loaded."""
        missing = [] if self.directory.is_dir() else [Problem(str(self.directory), 0, "", "找不到知識庫資料夾")]
        return missing + [p for stem in sorted(self._problems) for p in self._problems[stem]]

    @property
    def file_ids(self) -> list[str]:
        """The office ids of every knowledge file, loadable or not."""
        return sorted(path.stem for path in self._stamps)

    @property
    def degraded(self) -> dict[str, list[Problem]]:
        """Offices served from an older version because their newest file is broken."""
        return {stem: problems for stem, problems in self._problems.items() if stem in self._answerers}

    def _keep_snapshot(self, path: Path) -> None:
        """Copy a file that just loaded well into the snapshot folder (atomically: a crash never
        leaves half a snapshot)."""
        if self.snapshots is None:
            return
        data = path.read_bytes()
        target = self.snapshots / path.name
        try:
            if target.exists() and target.read_bytes() == data:
                return
            self.snapshots.mkdir(parents=True, exist_ok=True)
            partial = target.with_suffix(".partial")
            partial.write_bytes(data)
            partial.replace(target)
        except OSError:  # a read-only var/: serving goes on, only the restart safety net is missing
            pass

    def _from_snapshot(self, stem: str) -> Answerer | None:
        """The office's last good version from the snapshot folder, if there is one."""
        target = self.snapshots / f"{stem}.yaml" if self.snapshots else None
        if target is None or not target.exists():
            return None
        try:
            return compiled.answerer(target, cache=self.cache)
        except (KnowledgeError, OSError):
            return None

    @property
    def loaded(self) -> Desk:
        """The desk as last loaded, without looking for changes: for a caller that must not wait on
        the store's edits check (LINE's 200 with the database down); answering looks, as before."""
        return self._desk

    def current(self) -> Desk:
        """The desk to answer with now (reloading changed files first when it is time to look)."""
        self.refresh()
        return self._desk

    def _scan(self) -> dict[Path, tuple[int, int]]:
        stamps = {}
        for path in sorted(self.directory.glob("*.yaml")):
            try:
                st = path.stat()
            except OSError:  # removed between glob and stat
                continue
            stamps[path] = (st.st_mtime_ns, st.st_size)
        return stamps

    def _read_edits(self) -> dict[str, tuple[Change, ...]]:
        """Every office's dashboard edits; the ones last read while the store cannot say (an outage must
        not take back what staff taught), and read again only when the store's version moved."""
        if self.edits is None:
            return {}
        try:
            version = self.edits.changes_version()
            if version == self._edits_seen:
                return self._edits
            edits: dict[str, list[Change]] = {}
            for change in self.edits.changes():
                edits.setdefault(change.agency, []).append(change)
            self._edits_seen = version
            return {agency: tuple(changes) for agency, changes in edits.items()}
        except Exception:  # noqa: BLE001 - any database error: keep serving what was read last
            return self._edits

    def use_edits(self, edits) -> None:
        """Lay the edits kept in `edits` over the files from now on (at once, not at the next look)."""
        self.edits = edits
        self.refresh_now()

    def refresh_now(self) -> bool:
        """Look for changed files and edits at once, not at the next look (staff just saved or undid an
        edit); only what changed is rebuilt."""
        self._checked = float("-inf")
        return self.refresh()

    def refresh(self, force: bool = False) -> bool:
        """Reload the files that changed since the last look; True when the desk changed."""
        now = time.monotonic()
        if not force and now - self._checked < self.every:
            return False
        with self._lock:
            self._checked = now
            stamps = self._scan()
            edits = self._read_edits()
            if stamps == self._stamps and edits == self._edits and not force:
                return False
            answerers = {aid: a for aid, a in self._answerers.items() if self.directory / f"{aid}.yaml" in stamps}
            changed = [path for path, stamp in stamps.items() if force or stamp != self._stamps.get(path)
                       or edits.get(path.stem, ()) != self._edits.get(path.stem, ())]
            with self._cache_for(changed, edits) as cache:
                events = self._load(stamps, edits, changed, answerers, cache)
            self._stamps, self._edits = stamps, edits
            self._answerers = answerers
            self._desk = Desk.of(answerers)
        _give_back_freed_memory()
        if self._on_change:
            self._on_change(events, self.problems)
        return True

    @contextlib.contextmanager
    def _cache_for(self, changed: list[Path], edits: dict[str, tuple[Change, ...]]):
        """The compiled cache to load the changed files from: compiled at once first when they are
        several and big and this process has no other thread (into a temporary folder when the desk
        keeps no cache)."""
        sized = sorted(((path.stat().st_size, path) for path in changed if path.is_file()), reverse=True)
        alone = threading.active_count() == 1  # (a serving process reloads one office at a time anyway)
        if len(sized) < 2 or sum(size for size, _ in sized) < self.parallel_bytes or (os.cpu_count() or 1) < 2 \
                or not alone:
            yield self.cache
            return
        with contextlib.ExitStack() as stack:
            cache = self.cache or Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="knowledge-")))
            compile_at_once([(path, edits.get(path.stem, ())) for _, path in sized], cache)
            yield cache

    def _load(self, stamps, edits, changed, answerers, cache) -> list[str]:
        """Load the changed files into `answerers` (a broken one keeps its last good version); the events."""
        self._problems = {s: p for s, p in self._problems.items() if self.directory / f"{s}.yaml" in stamps}
        events = [f"removed {aid}" for aid in self._answerers if aid not in answerers]
        for path in changed:
            mine = edits.get(path.stem, ())
            try:
                answerer = answerer_for(path, mine, cache)
            except KnowledgeError as exc:  # broken, or removed or unreadable since the scan
                # Keep serving the last good version; the problems say file, line and field.
                self._problems[path.stem] = list(exc.problems)
                kept = answerers.get(path.stem)
                if kept is None and (kept := self._from_snapshot(path.stem)) is not None:
                    answerers[path.stem] = kept  # a restart with a broken file: the last good copy
                    events.append(f"kept {path.stem} {kept.agency.version} from its snapshot")
                    continue
                events.append(f"kept {path.stem} {kept.agency.version}" if kept else f"broken {path.stem}")
                continue
            self._problems.pop(path.stem, None)
            self._keep_snapshot(path)
            answerers[path.stem] = answerer
            events.append(f"loaded {path.stem} {answerer.agency.version}")
        return events

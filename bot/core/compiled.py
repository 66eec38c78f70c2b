"""A knowledge file compiled (validated and indexed) once, kept on disk with its content's hash."""

from __future__ import annotations

import contextlib
import ctypes
import gc
import hashlib
import os
import pickle
import sys
import threading
from functools import lru_cache
from importlib import metadata
from pathlib import Path

from bot.core.answerer import Answerer
from bot.core.knowledge import load_agency, read_file

# The version of the cached structures. The engine's own sources are hashed into the key too (see
# engine()), so any change to bot/core invalidates the cache even if nobody bumps this number.
FORMAT = 1
MAGIC = b"line-service-desk compiled knowledge"
_DIGEST = 64  # hex characters of a sha256
# What a compiled file is made with besides our code: folding (opencc), word weights (wordfreq), YAML.
_PACKAGES = ("opencc", "wordfreq", "pyyaml")


@lru_cache(maxsize=1)
def engine() -> str:
    """A digest of what compiling depends on: FORMAT, Python's version, the packages above and the
    source of every module of bot/core (an answer text in phrases.py is baked into the practical
    entries, a weight into the index)."""
    digest = hashlib.sha256(f"{FORMAT} {sys.version_info[:2]}".encode())
    for name in _PACKAGES:
        with contextlib.suppress(metadata.PackageNotFoundError):
            digest.update(f" {name} {metadata.version(name)}".encode())
    for source in sorted(Path(__file__).resolve().parent.glob("*.py")):
        digest.update(source.name.encode() + b"\0" + source.read_bytes())
    return digest.hexdigest()


def build(path: Path, data: bytes) -> Answerer:
    """Validate and index a knowledge file's bytes (KnowledgeError for a broken file)."""
    # Compiling makes hundreds of thousands of lists and dicts and no cycle: a collection on the
    # way would walk them all again and again (a third of the time at 50 times the shipped size).
    paused = gc.isenabled()
    gc.disable()
    try:
        return Answerer(load_agency(path, data))
    finally:
        if paused:
            gc.enable()


def answerer(path: Path, data: bytes | None = None, cache: Path | None = None) -> Answerer:
    """The Answerer of a knowledge file: from the cache folder when it holds this very content
    compiled by this very engine, else built (KnowledgeError for a broken file) and cached."""
    path = Path(path)
    data = read_file(path) if data is None else data
    target = Path(cache) / f"{path.stem}.compiled" if cache else None
    header = b" ".join([MAGIC, engine().encode(), hashlib.sha256(data).hexdigest().encode()])
    cached = _read(target, header) if target else None
    if cached is not None:
        return cached
    built = build(path, data)
    if target:
        _write(target, header, built)
    _release_free_memory()
    return built


def _release_free_memory() -> None:
    """Hand the C heap's free pages back to the system. A build frees its many megabytes of working
    lists, but glibc keeps freed pages of big blocks in the process (its mmap threshold rises as they
    are freed): some 30 MiB of a worker's memory at 50 times the shipped knowledge, for nothing."""
    with contextlib.suppress(OSError, AttributeError):  # not glibc: nothing to do
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def _read(target: Path, header: bytes) -> Answerer | None:
    """The Answerer a cache file holds, None unless it is whole and made from the same content by
    the same engine: a missing, old, foreign or damaged file is never trusted over the knowledge.

    Pickle is safe here because only this program writes these files, into a folder of its own
    under var/ (made owner-only, each file 0600): unpickling runs what a file says, and whoever can
    write there can already change the code beside it. The digest catches damage, not an attacker."""
    try:
        raw = memoryview(target.read_bytes())
        start, end = len(header) + 1, len(raw) - _DIGEST - 1
        if raw[:start] != header + b"\n" or raw[end:] != b"\n" + hashlib.sha256(raw[start:end]).hexdigest().encode():
            return None
        loaded = pickle.loads(raw[start:end])
    except Exception:  # noqa: BLE001 - unreadable or damaged: compiled again, and the file replaced
        return None
    return loaded if isinstance(loaded, Answerer) else None


class _Digesting:
    """A file that keeps the digest of what is written to it (the pickle is streamed, not held)."""

    def __init__(self, out):
        self.out, self.digest = out, hashlib.sha256()

    def write(self, data) -> int:
        self.digest.update(data)
        return self.out.write(data)


def _write(target: Path, header: bytes, built: Answerer) -> None:
    """Keep a compiled Answerer: the header, the pickle, its digest. Atomically: a crash leaves the
    old file or the new one, never half of one. The cache only saves time: a read-only or full disk,
    or anything else going wrong, costs the next start a compile and nothing more."""
    partial = target.with_name(f"{target.name}.{os.getpid()}-{threading.get_ident()}.partial")
    try:
        target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        with open(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as out:
            out.write(header + b"\n")
            payload = _Digesting(out)
            pickle.dump(built, payload, protocol=pickle.HIGHEST_PROTOCOL)
            out.write(b"\n" + payload.digest.hexdigest().encode())
        os.replace(partial, target)
    except Exception:  # noqa: BLE001 - see above
        with contextlib.suppress(OSError):
            partial.unlink()

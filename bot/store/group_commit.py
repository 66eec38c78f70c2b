"""Inbox writes from one thread, every delivery waiting at that moment in one commit."""

from __future__ import annotations

import queue
import threading
from concurrent.futures import Future
from typing import Callable

MAX_BATCH = 64  # deliveries in one commit; a burst larger than this takes a few commits


class GroupWriter:
    """Keeps webhook deliveries in the inbox, in the order they came, each with a Future of its
    inbox ids. The acknowledged write must reach the disk (one sync per commit, ~2 ms here) and
    holds SQLite's write lock meanwhile: deliveries that arrive while one commits are written together
    in the next commit, so a burst pays one sync instead of one per delivery."""

    def __init__(self, store: Callable, max_batch: int = MAX_BATCH):
        self.store = store  # the store to write to, asked at each commit (the app's, whatever it is then)
        self.max_batch = max_batch
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def submit(self, agency: str, rows: list[tuple[str, str]], lease_until: int, now: int) -> Future:
        """Queue one delivery for the store's `enqueue_many`; the Future gives its inbox ids (None for a
        redelivered event id) or the write's error."""
        future: Future = Future()
        self._start()
        self._queue.put(((agency, rows, lease_until, now), future))
        return future

    def _start(self) -> None:
        # Started on first use, not at import: a gunicorn master that forks keeps no thread.
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="inbox-write", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while True:
            batch = [self._queue.get()]
            while len(batch) < self.max_batch:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            self._write([item for item in batch if item[1].set_running_or_notify_cancel()])

    def _write(self, items: list) -> None:
        if not items:
            return
        try:
            results = self.store().enqueue_many([delivery for delivery, _ in items])
        except BaseException as exc:  # noqa: BLE001 - every waiting webhook learns of it and answers from memory
            for _, future in items:
                future.set_exception(exc)
            return
        for (_, future), ids in zip(items, results):
            future.set_result(ids)

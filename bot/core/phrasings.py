"""An entry's example questions or keywords: a tuple of short texts kept as one string."""

from __future__ import annotations

from collections.abc import Sequence


class Phrases(Sequence):
    """A tuple of short texts (an entry's questions or keywords) kept as one string. A city's knowledge
    has a few hundred thousand of them, and a str object costs some 75 bytes besides its characters:
    joined, an entry's phrasings cost that once (at 50 times the shipped knowledge, 24 MiB a worker).
    They are read whole (indexing, checks) far more often than one by one."""

    __slots__ = ("_text",)
    _SEP = "\x1f"  # the ASCII unit separator: never in a YAML scalar a person typed

    def __init__(self, items=()):
        items = tuple(items)
        self._text = self._SEP.join(items) if items else None

    def _items(self) -> list[str]:
        return [] if self._text is None else self._text.split(self._SEP)

    def __getitem__(self, at):
        items = self._items()
        return tuple(items[at]) if isinstance(at, slice) else items[at]

    def __len__(self) -> int:
        return 0 if self._text is None else self._text.count(self._SEP) + 1

    def __iter__(self):
        return iter(self._items())

    def __eq__(self, other) -> bool:
        return isinstance(other, (Phrases, tuple, list)) and tuple(self) == tuple(other)

    def __hash__(self) -> int:
        return hash(tuple(self))

    def __repr__(self) -> str:
        return repr(tuple(self))

    def __getstate__(self):
        return (self._text,)  # (a None state would skip __setstate__: an empty one would have no text)

    def __setstate__(self, state) -> None:
        self._text = state[0]

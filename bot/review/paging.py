"""Pages of a long list on the dashboard: which items one page shows and what its links need."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

PER_PAGE = 20  # unanswered groups per page: a few screens of large type, not sixteen thousand pixels


@dataclass(frozen=True)
class Page:
    """One page of a list; numbers count from 1, as the reader does."""

    items: list
    number: int
    count: int  # pages in all (1 for an empty list: the page that says there is nothing)
    total: int  # items in all
    first: int  # position of the page's first item in the whole list (0 when empty)

    @property
    def last(self) -> int:
        """Position of the page's last item."""
        return self.first + len(self.items) - 1 if self.items else 0

    @property
    def previous(self) -> int | None:
        """The page before, if any."""
        return self.number - 1 if self.number > 1 else None

    @property
    def next(self) -> int | None:
        """The page after, if any."""
        return self.number + 1 if self.number < self.count else None


def page_number(requested: str | None) -> int:
    """The page a query asks for; anything but a positive number is the first page."""
    text = (requested or "").strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) < 7 and int(text) > 0 else 1


def page_of(items: Sequence, number: int, size: int = PER_PAGE) -> Page:
    """The `number`th page; past the end it is the last page (a group marked on it may have emptied it)."""
    count = max(1, -(-len(items) // size))
    number = min(max(1, number), count)
    start = (number - 1) * size
    shown = list(items[start:start + size])
    return Page(items=shown, number=number, count=count, total=len(items), first=start + 1 if shown else 0)

"""The unanswered-question queue: fallbacks and 👎-rated questions, similar phrasings grouped."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from bot.core.text import match_key

# fuzz.ratio between two keys at which they are one question. 85 kept 「停車位在哪裡」 and
# 「停車場在哪裡」 apart (83); at 80 a one-character change merges only from 5 characters up.
SIMILAR = 80
MAX_TEXTS = 5  # phrasings kept per group for the reader


@dataclass(frozen=True)
class Unanswered:
    """A group of similar questions the bot could not answer (or answered and got 👎)."""

    key: str  # stable id of the group: the key of its most frequent phrasing (staff mark groups by it)
    example: str  # the most frequent wording, as the citizen typed it (redacted)
    count: int  # questions in the group
    last_at: int  # Unix seconds of the latest
    down_votes: int  # 👎 ratings on its questions
    status: str | None  # None while open; "added" or "not_ours" once staff handled it
    texts: tuple[str, ...] = ()  # distinct wordings, most frequent first


def question_key(text: str) -> str:
    """The grouping key of a question: its match key without spaces ('' when it has no letters)."""
    return re.sub(r"\s+", "", match_key(text))


def _clusters(by_key: dict[str, list[dict]]) -> list[list[str]]:
    """Keys merged greedily, most asked first: a key joins the group holding its nearest similar key."""
    order = sorted(by_key, key=lambda k: (-len(by_key[k]), by_key[k][0]["asked_at"], k))
    clusters: list[list[str]] = []
    members: list[str] = []  # every key placed so far, and the cluster each one is in
    owner: list[int] = []
    for key in order:
        # Against every member, not only the leader: 「停車場在哪裡」 is near 「停車位在哪裡」, not 「停車位在哪」.
        best = process.extractOne(key, members, scorer=fuzz.ratio, score_cutoff=SIMILAR) if members else None
        if best is None:
            clusters.append([key])
            index = len(clusters) - 1
        else:
            index = owner[best[2]]
            clusters[index].append(key)
        members.append(key)
        owner.append(index)
    return clusters


def _group(keys: list[str], by_key: dict[str, list[dict]], down: Counter, reviews: dict) -> Unanswered:
    """One group's figures; its status follows any member key staff marked, the leader's first."""
    rows = [q for k in keys for q in by_key[k]]
    first_seen = {}
    for q in sorted(rows, key=lambda q: (q["asked_at"], q["id"])):
        first_seen.setdefault(q["text"], q["asked_at"])
    counts = Counter(q["text"] for q in rows)
    texts = sorted(counts, key=lambda t: (-counts[t], first_seen[t], t))
    status = next((reviews[k] for k in keys if k in reviews), None)
    return Unanswered(key=keys[0], example=texts[0], count=len(rows), last_at=max(q["asked_at"] for q in rows),
                      down_votes=sum(down[q["id"]] for q in rows), status=status, texts=tuple(texts[:MAX_TEXTS]))


def unanswered(questions: list[dict], ratings: list[dict], reviews: dict[str, str]) -> list[Unanswered]:
    """The groups of fallback or 👎-rated questions: open ones first, then the most asked."""
    down = Counter(r["question_id"] for r in ratings if r["rating"] == "down" and r.get("question_id") is not None)
    by_key: dict[str, list[dict]] = {}
    for q in questions:
        if q["outcome"] == "fallback" or q["id"] in down:
            key = question_key(q["text"])
            if key:  # emoji or punctuation alone: nothing a supervisor could add to the knowledge
                by_key.setdefault(key, []).append(q)
    groups = [_group(keys, by_key, down, reviews) for keys in _clusters(by_key)]
    return sorted(groups, key=lambda g: (g.status is not None, -g.count, -g.last_at, g.key))

"""How much a character or bigram says in everyday Chinese: specificity from wordfreq's frequencies.

Citizens wrap a question in everyday words (我、想、要、請問、現在、一個) that every entry shares
or none does; an office's knowledge is too small to learn that by itself (its idf knows only its
own few hundred phrasings). wordfreq's Chinese list (Simplified, the same script as our match
keys) gives each word's frequency in general text; docs/term-weighting.md shows the method and
its evidence.
"""

from __future__ import annotations

import math
from collections import defaultdict
from functools import lru_cache

# log10 frequencies at which a term starts to carry meaning (LOW) and carries it fully (HIGH).
# 我 (10^-2.1) and 現在 (10^-2.9) weigh nothing; 請問 (10^-4.5) some; 護照 (10^-4.6) and rarer
# words nearly fully. Chosen with `python -m bot calibrate` (docs/term-weighting.md).
LOW, HIGH = 2.6, 5.0
WORDLIST = "large"  # wordfreq's 334k Chinese words: the small list misses 役男-like rare words


@lru_cache(maxsize=1)
def _tables() -> tuple[dict[str, float], dict[str, float], dict[str, float]]:
    """Word frequencies, character specificities (from their frequencies) and in-word bigram
    frequencies (each bigram summed over the words holding it)."""
    from wordfreq import get_frequency_dict  # imported late: 0.2 s, paid once per process

    words = get_frequency_dict("zh", WORDLIST)
    chars: dict[str, float] = defaultdict(float)
    bigrams: dict[str, float] = defaultdict(float)
    for word, freq in words.items():
        for ch in word:
            chars[ch] += freq
        for a, b in zip(word, word[1:]):
            bigrams[a + b] += freq
    return words, {ch: _scale(freq) for ch, freq in chars.items()}, dict(bigrams)


def load() -> None:
    """Read the word tables now rather than at the first question: in a server's master before it
    forks, so that its workers share them (and its pool processes, bot/core/live.py)."""
    _tables()


def _scale(freq: float) -> float:
    """0 for the commonest terms, 1 for rare ones, linear in log frequency between."""
    return min(1.0, max(0.0, (-math.log10(freq) - LOW) / (HIGH - LOW)))


@lru_cache(maxsize=65536)
def specificity(term: str) -> float:
    """0..1: how much a unigram or bigram of a match key says on its own (see specificities)."""
    return specificities((term,))[0]


def specificities(terms) -> list[float]:
    """0..1 for each unigram or bigram of a match key: how much it says on its own (a whole
    vocabulary at once, as an index is built, without a call per term).

    A character weighs by how often it occurs in running text (的、我 → 0). A bigram that is a
    word weighs by that frequency (現在 → 0.1, 護照 → 0.8). Any other bigram weighs as its less
    specific character, so a seam of two everyday characters (幫他, 去哪) weighs nothing. Latin
    words and digits weigh 1.
    """
    words, chars, bigrams = _tables()
    out = []
    for term in terms:
        if not term or not ("\u4e00" <= min(term) and max(term) <= "\u9fff"):  # any character outside CJK
            out.append(1.0)
        elif len(term) == 1:
            out.append(chars.get(term, 1.0))
        elif term in words:
            out.append(_scale(words[term]))
        else:
            # Not a word: a seam between two words (幫他, 去哪) or a piece of a longer word (民證). It
            # says no more than its less specific character, whatever rare words it sits in.
            by_chars = min(chars.get(term[0], 1.0), chars.get(term[1], 1.0))
            out.append(by_chars if term not in bigrams else min(by_chars, _scale(bigrams[term])))
    return out

"""Text normalisation and character n-grams for matching short zh-TW questions."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import opencc

# Longest question text we match on; a 10,000-character paste is cut, not rejected.
MAX_MATCH_CHARS = 200

# Variants that OpenCC's t2s leaves apart (checked against opencc 1.1+). Keys and values are
# already in the t2s key space, so the map is applied after the conversion.
_VARIANTS = {
    "身份": "身分",
    "甚么": "什么",
    "柜檯": "柜台",
    "看版": "看板",
    "帐号": "账号",
    "妳": "你",
    "您": "你",
    "祢": "你",
    "麽": "么",
    "着": "著",
    "週": "周",
}
_VARIANT_RE = re.compile("|".join(sorted(map(re.escape, _VARIANTS), key=len, reverse=True)))

# Characters kept for matching: letters and digits of any script (CJK ideographs are letters).
_WORD_RUN = re.compile(r"[^\W_]+")
_LATIN_OR_DIGIT = re.compile(r"[a-z0-9]+")
# A space between two CJK characters is noise (「區長 信箱」); between Latin words it separates.
_CJK_SPACE = re.compile(r"(?<=[^\x00-\x7f]) (?=[^\x00-\x7f])")


@lru_cache(maxsize=1)
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def clean(text: str) -> str:
    """Fold width and case, drop control characters; the result is still readable text."""
    text = unicodedata.normalize("NFKC", text or "")
    text = "".join(ch if unicodedata.category(ch)[0] != "C" else " " for ch in text)
    return " ".join(text.split()).lower()


def match_key(text: str) -> str:
    """The matching key of a text: cleaned, Simplified-folded, variants merged, no punctuation.

    The key is only for comparison; it is never shown to anyone (t2s output is Simplified).
    """
    text = clean(text)[: MAX_MATCH_CHARS * 2]
    text = _t2s().convert(text)
    text = _VARIANT_RE.sub(lambda m: _VARIANTS[m.group(0)], text)
    return _CJK_SPACE.sub("", " ".join(_WORD_RUN.findall(text)))[:MAX_MATCH_CHARS]


def _units(key: str) -> list[str]:
    """Split a match key into units: one per CJK character, one per Latin/digit word."""
    units: list[str] = []
    for chunk in key.split(" "):
        pos = 0
        for m in _LATIN_OR_DIGIT.finditer(chunk):
            units.extend(chunk[pos : m.start()])
            units.append(m.group(0))
            pos = m.end()
        units.extend(chunk[pos:])
        units.append(" ")  # a space stops bigrams across words
    return units


def grams(key: str) -> list[str]:
    """Unigrams and bigrams of a match key (bigrams never span a space)."""
    units = _units(key)
    out = [u for u in units if u != " "]
    out.extend(a + b for a, b in zip(units, units[1:]) if a != " " and b != " ")
    return out

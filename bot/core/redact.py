"""Redact personal data (IDs, phones, e-mails, cards) from citizens' text before it is stored."""

from __future__ import annotations

import re
from collections.abc import Callable

# ASCII control characters except tab and newline; CR goes too, so CRLF becomes LF. They are
# dropped before matching so that one hidden inside a number cannot shield it from redaction.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")

# Width fold for matching only: NFKC restricted to full-width letters, digits, the symbols the
# formats use and the ideographic space. It maps one character to one character, so an index in
# the folded copy is an index in the original, and what we do not replace stays as typed. Full
# NFKC would shift indexes (「㈱」→「(株)」) and turn ① or ² into digits. Chinese sentence marks
# (，；：！？) are not folded: 「，」 is a clause break, never a thousands comma or part of a URL.
_FOLDED = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz+-()@.#_%"
_WIDTH = {ord(ch) + 0xFEE0: ch for ch in _FOLDED}  # U+FF01-FF5E is ASCII + 0xFEE0
_WIDTH[0x3000] = " "
# Not NFKC, but also one to one: phones autocorrect "-" into look-alike dashes (‐ ‑ ‒ – — ― −).
_WIDTH.update({cp: "-" for cp in (*range(0x2010, 0x2016), 0x2212)})
# Digits of other scripts (Arabic-Indic ٠١٢, Persian ۰۱۲, Devanagari ०१२) read as the same number.
_WIDTH.update({base + i: str(i) for base in (0x0660, 0x06F0, 0x0966) for i in range(10)})
# Zero-width characters hide nothing: read as a space, which every number rule accepts between
# digits (one to one, so indexes stay).
_WIDTH.update({cp: " " for cp in (0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF)})
_WIDTH_TABLE = str.maketrans(_WIDTH)

# Fills a claimed span of the folded copy so that later rules cannot reuse its digits. Control
# characters are gone by then, so no rule matches it and it reads as a boundary.
_MASK = "\x00"

# A match never starts inside a word or a longer number: 「第3號」 or a 12-digit run cannot lend
# its tail to a phone rule. Each pattern can start only once per run, which keeps matching linear.
_START = r"(?<![0-9A-Za-z])"
_FLAGS = re.ASCII | re.IGNORECASE

# URLs are kept whole (an address like cp-1604-943-115.html is not personal data). The look-behind
# stops "user@www.example.com" from losing its domain to this rule before the e-mail rule runs.
_URL = re.compile(r"(?<![\w.@%+-])(?:https?://|www\.)[\w\-.~:/?#\[\]@!$&'()*+;=%]+", _FLAGS)
# The look-behind lets a local part start only at the beginning of its run (no quadratic rescans).
# The @ may be written (at) or [at] or have spaces around it; the domain may be in Chinese
# (例子.台灣), so this rule is the one that is not ASCII-only.
_EMAIL = re.compile(r"(?<![a-z0-9_.%+-])[a-z0-9_.%+-]+ ?(?:@|\(at\)|\[at\]) ?(?:[^\W_]|-)+(?:\.(?:[^\W_]|-)+)+",
                    re.IGNORECASE)
# 身分證字號: letter, 1 or 2 (sex), 8 digits. Spaces or dashes between digits are accepted because
# people group the number when they read it out. No checksum: a mistyped ID is still personal data.
_NATIONAL_ID = re.compile(_START + r"[a-z][ -]?[12](?:[ -]?\d){8}(?!\d)", _FLAGS)
# 居留證 / UI numbers: old format letter + A-D + 8 digits, new format (2021) letter + 8/9 + 8 digits.
_RESIDENCE_ID = re.compile(_START + r"[a-z](?:[a-d]|[ -]?[89])(?:[ -]?\d){8}(?!\d)", _FLAGS)
# Mobile: 09xx-xxx-xxx, also written +886 9xx... or 886 9xx... without the trunk 0, and grouped
# any way a person reads it out (09 10 14 56 78, 09 1015 5678): one separator between digits.
_MOBILE = re.compile(
    _START + r"(?:0|(?:\+|00)?886[ .-]?)[ .-]?9(?:[ .-]?\d){8}(?!\d)", _FLAGS
)
# Landline and toll-free: with the trunk 0 every Taiwanese number has 9 or 10 digits, so the local
# part is 7-8 digits after a two-digit code (02, 07), 6-7 after three (037, 049) and 5-6 after
# four (0826, 0800). An 8-digit 統一編號 starting with 0 therefore never matches, and short
# service numbers (1999, 1957, 110) have no trunk 0. A local number without its area code
# (2345-6789) is left alone: it has the shape of a year range such as 2020-2026.
_LANDLINE = re.compile(
    _START + r"(?:\(?0|(?:\+|00)?886[ .-]?\(?)"
    r"(?:[2-8]\)?[ .-]?\d{3,4}[ .-]?\d{4}"
    r"|[2-8]\d\)?[ .-]?\d{3}[ .-]?\d{3,4}"
    r"|[2-8]\d{2}\)?[ .-]?\d{2,3}[ .-]?\d{3})"
    r"(?: ?(?:#|ext\.?|分機|轉) ?\d{1,5})?(?!\d)",
    _FLAGS,
)
# Card or bank account: one unbroken run, or groups of 3-7 digits joined by one space or dash
# (the last may be a 1-2 digit check digit); at least 12 digits in all (_card_length). Groups are
# capped at 7 so that two unrelated numbers ("12345678 1999") do not join into one. Neither a
# decimal point nor a thousands comma may touch it, so amounts and decimals are not cards. The
# atomic group gives back nothing: a run that fails the end check is not cut into a shorter card.
_CARD = re.compile(
    r"(?<![0-9A-Za-z.,])(?>\d{12,}|\d{3,7}(?:[ -]\d{3,7})+(?:[ -]\d{1,2})?)(?![.,]?[0-9A-Za-z])",
    _FLAGS,
)


def _always(_: str) -> bool:
    """Accept every match of a rule that needs no extra check."""
    return True


def _card_length(match: str) -> bool:
    """Tell whether a digit run is long enough (12+ digits) to be a card or account number.

    A plain 8-digit run such as a 統一編號 (company tax id, not personal data) stays below this.
    There is no upper bound at 19: two cards typed one after the other with a space between
    form one longer run, and both must go.
    """
    return sum(ch.isdigit() for ch in match) >= 12


# Ordered: URLs first (kept), then e-mails and IDs, so the phone and card rules that come later
# cannot eat their digits; phones before cards, so "886 912 345 678" is a phone, not 12 digits.
_Rule = tuple[str | None, re.Pattern[str], Callable[[str], bool]]
_RULES: list[_Rule] = [
    (None, _URL, _always),
    ("〔電子郵件〕", _EMAIL, _always),
    ("〔身分證號〕", _NATIONAL_ID, _always),
    ("〔居留證號〕", _RESIDENCE_ID, _always),
    ("〔電話〕", _MOBILE, _always),
    ("〔電話〕", _LANDLINE, _always),
    ("〔卡號〕", _CARD, _card_length),
]


def _claim(folded: str, rule: _Rule, spans: list[tuple[int, int, str]]) -> str:
    """Record where one rule matches and mask those characters; return the masked copy."""
    label, pattern, accept = rule

    def mask(match: re.Match[str]) -> str:
        if not accept(match.group()):
            return match.group()
        if label is not None:
            spans.append((match.start(), match.end(), label))
        return _MASK * (match.end() - match.start())

    return pattern.sub(mask, folded)


def _splice(text: str, spans: list[tuple[int, int, str]]) -> str:
    """Rebuild text with each span replaced by its label (spans never overlap)."""
    parts, pos = [], 0
    for start, end, label in sorted(spans):
        parts += [text[pos:start], label]
        pos = end
    parts.append(text[pos:])
    return "".join(parts)


def redact(text: str) -> str:
    """Return text without control characters and with personal data replaced by labels.

    Matching runs on a width-folded copy (full-width digits and letters count); everything that
    is not replaced is kept as typed.
    """
    text = _CONTROL.sub("", text)
    folded = text.translate(_WIDTH_TABLE)
    spans: list[tuple[int, int, str]] = []
    for rule in _RULES:
        folded = _claim(folded, rule, spans)
    return _splice(text, spans)

"""Recognise greetings, thanks, good-byes and 'what can you do' so they get a friendly reply."""

from __future__ import annotations

import re

from bot.core.text import match_key

_KINDS = {
    "greeting": ["你好", "您好", "哈囉", "哈啰", "嗨", "hi", "hello", "hey", "早安", "午安", "晚安",
                 "安安", "在嗎", "有人在嗎", "有人嗎", "請問", "不好意思", "打擾了", "哈喽"],
    "thanks": ["謝謝", "謝謝你", "謝啦", "感謝", "多謝", "感恩", "3q", "thx", "thanks", "thank you",
               "好的", "好", "ok", "okay", "了解", "知道了", "收到", "讚", "很好", "太好了"],
    "bye": ["再見", "掰掰", "拜拜", "bye", "byebye", "晚點再問", "先這樣"],
    "help": ["選單", "主選單", "功能", "幫助", "help", "你會做什麼", "你能做什麼", "你會什麼",
             "可以問什麼", "能問什麼", "怎麼用", "使用說明", "開始", "menu", "start"],
}
# Filler that carries no question: particles and laughter.
_FILLER = re.compile(r"[啊呀喔哦嗯呢的了吧唷哟啰啦嘛耶哈呵欸诶唉~]+")
_PHRASES = sorted(
    ((match_key(p).replace(" ", ""), kind) for kind, words in _KINDS.items() for p in words),
    key=lambda pk: len(pk[0]), reverse=True,
)
# Most questions neither open nor end with one: one search says so, instead of a pass over them all.
_AT_EITHER_END = re.compile("|".join(f"^{re.escape(p)}|{re.escape(p)}$" for p, _ in _PHRASES))


def split_smalltalk(key: str) -> tuple[str | None, str]:
    """Strip leading/trailing social phrases from a match key.

    Returns (kind, rest): kind is the kind of the first social phrase found (or None) and rest
    is what remains to be answered; an empty rest means the message was only social talk.
    """
    kind = None
    rest = key.replace(" ", "")
    changed = bool(_AT_EITHER_END.search(rest))
    while changed and rest:
        changed = False
        for phrase, pkind in _PHRASES:
            if rest.startswith(phrase) or rest.endswith(phrase):
                rest = rest[len(phrase):] if rest.startswith(phrase) else rest[: -len(phrase)]
                kind = kind or pkind
                changed = True
                break
    if kind and not _FILLER.sub("", rest):
        return kind, ""
    return kind, key if kind is None else rest

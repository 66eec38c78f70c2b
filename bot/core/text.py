"""Text normalisation, character n-grams and clauses for matching short zh-TW questions."""

from __future__ import annotations

import operator
import re
import unicodedata
from functools import lru_cache
from itertools import chain

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
    # Taiwanese-Mandarin words elderly citizens type, as the Mandarin the knowledge is written in
    # (only forms with no other everyday meaning: not 阮, a surname, nor 厝, in place names).
    "啥米": "什么",
    "啥": "什么",
    "按怎": "怎么",
    "甘有": "有没有",
    "甘是": "是不是",
    "甘会": "会不会",
    "甘爱": "要不要",
    "甘要": "要不要",
    "袂": "不会",
    "做兵": "当兵",
    "做兵籍": "做兵籍",  # (「做兵籍調查」「做兵調」 are no 當兵: the longer form wins and stays as it is)
    "做兵调": "做兵调",
    "做兵役": "做兵役",
    "孙仔": "孙子",
    "拢无": "都没有",
    "厝内": "家里",
    "破病": "生病",
    "叨位": "哪里",
    "甘有法度": "有没有办法",
    "有法度": "有办法",
    "无法度": "没办法",
    "爱带": "要带",
    "歹势": "不好意思",
    "拍谢": "不好意思",
    # Homophone typos of 注音 input (選字錯誤) in the words citizens ask about most; only forms that are
    # no other word (not 千 for 遷: it is a thousand). Collected in tests/data/real-more-*-59.yaml.
    "户藉": "户籍",
    "伸请": "申请",
    "荣民正": "荣民证",
    "补半": "补办",
    "正明": "证明",
    "退物": "退伍",
    "流学": "留学",
    "冰单": "兵单",
    "延其": "延期",
    "腾本": "誊本",
    "警老卡": "敬老卡",
    "老咔": "老卡",
    "收入护": "收入户",
    "印见": "印鉴",
    "名子": "名字",
    "过护": "过户",
    "服助": "扶助",
    "体捡": "体检",
    "报明": "报名",
    "救住": "救助",
    "成积": "成绩",
    "补住": "补助",
    "掉解": "调解",
    # … and round 60's, near-form characters and voice input too (tests/data/real-more-*-60.yaml); a
    # form that is also a real word elsewhere is folded only inside a longer phrase (出鏡, 退五, 形照).
    "收样": "收养",
    "出领身分证": "初领身分证",
    "结昏": "结婚",
    "规化": "归化",
    "出声证明": "出生证明",
    "出声登记": "出生登记",
    "机车形照": "机车行照",
    "汽车形照": "汽车行照",
    "形照地址": "行照地址",
    "换形照": "换行照",
    "补形照": "补行照",
    "护找": "护照",
    "津帖": "津贴",
    "水勾": "水沟",
    "经老卡": "敬老卡",
    "替待役": "替代役",
    "役男出镜": "役男出境",
    "出镜申请": "出境申请",
    "替代疫": "替代役",
    "安加费": "安家费",
    "在营证名": "在营证明",
    "提前退五": "提前退伍",
    "退五令": "退伍令",
    "教昭": "教召",
    "军宝": "军保",
    "荣民症": "荣民证",
    "助听气": "助听器",
    "遗倦": "遗眷",
    "训炼": "训练",
    "假芽": "假牙",
    "就样金": "就养金",
    "生活金贴": "生活津贴",
    "丧葬金贴": "丧葬津贴",
    "名薄": "名簿",
    "迁徒": "迁徙",
    "印监": "印鉴",
    "建保卡": "健保卡",
    "建保费": "健保费",
    "捕发": "补发",
    "辨理": "办理",
    "手策": "手册",
    "丧藏": "丧葬",
    "障爱": "障碍",
    "户口名部": "户口名簿",
    # … and round 61's: the office's own name typed wrong (榮復處), and services no earlier round typed.
    "送参服务": "送餐服务",
    "荣民送参": "荣民送餐",
    "午参补助": "午餐补助",
    "午参费": "午餐费",
    "助厅器": "助听器",
    "遗卷证": "遗眷证",
    "容民证": "荣民证",
    "分护登记": "分户登记",
    "门排证明": "门牌证明",
    "门排号码": "门牌号码",
    "荣复处": "荣服处",
    "远洋鱼船": "远洋渔船",
    "鱼船上": "渔船上",
    "延期反国": "延期返国",
    "体见": "体检",
    "身章": "身障",
    "兵疫": "兵役",
    "社惠课": "社会课",
    "户正所": "户政所",
    "区工所": "区公所",
    "公索": "公所",
    # Bopomofo typed for a final particle (「掉ㄌ」「要錢ㄇ」), as the character it stands for.
    "ㄌ": "了",
    "ㄇ": "吗",
    "ㄉ": "的",
    "ㄋ": "呢",
    "ㄅ": "吧",
    "ㄚ": "啊",
}
# English words new immigrants mix into their Chinese (「法院判決我跟老公 divorce 了」), as the Chinese
# the knowledge uses; whole words only (「arc」 is the 居留證 foreigners carry, not a piece of 「search」).
_ENGLISH = {
    "divorce": "离婚",
    "divorced": "离婚",
    "married": "结婚",
    "marry": "结婚",
    "marriage": "结婚",
    "wedding": "结婚",
    "baby": "宝宝",
    "passport": "护照",
    "arc": "居留证",
    "visa": "签证",
}
_ENGLISH_RE = re.compile(r"(?<![a-z])(?:" + "|".join(_ENGLISH) + r")(?![a-z])")
_VARIANT_RE = re.compile("|".join(sorted(map(re.escape, _VARIANTS), key=len, reverse=True)))

# Characters kept for matching: letters and digits of any script (CJK ideographs are letters).
_NON_WORD = re.compile(r"[\W_]+")
_UNIT = re.compile(r"[a-z0-9]+|.")  # a Latin/digit word, else one character
_LATIN_OR_SPACE = re.compile(r"[a-z0-9 ]")
# A space between two CJK characters is noise (「區長 信箱」); between Latin words it separates.
_CJK_SPACE = re.compile(r"(?<=[^\x00-\x7f]) (?=[^\x00-\x7f])")


@lru_cache(maxsize=1)
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def clean(text: str) -> str:
    """Fold width and case, drop control characters; the result is still readable text."""
    text = unicodedata.normalize("NFKC", text or "")
    folded = " ".join(text.split())
    # Whitespace controls (\n, \t) go with the split; the walk over the characters is needed only
    # when another control or format character is left (on any other text it changes nothing).
    if not folded.isprintable():
        folded = " ".join("".join(ch if unicodedata.category(ch)[0] != "C" else " " for ch in text).split())
    return folded.lower()


def match_key(text: str) -> str:
    """The matching key of a text: cleaned, Simplified-folded, variants merged, no punctuation.

    The key is only for comparison; it is never shown to anyone (t2s output is Simplified).
    """
    return match_keys((text,))[0]


def match_keys(texts) -> list[str]:
    """The match keys of many texts. Building an index folds hundreds of thousands of texts:
    the conversion and the regular expressions run once over the texts joined by newlines (which
    no cleaned text holds, and which no conversion or pattern reaches across)."""
    joined = "\n".join(clean(t)[: MAX_MATCH_CHARS * 2] for t in texts)
    joined = _VARIANT_RE.sub(lambda m: _VARIANTS[m.group(0)], _t2s().convert(joined))
    joined = _ENGLISH_RE.sub(lambda m: _ENGLISH[m.group(0)], joined)
    # Each run of other characters is one space inside a text and nothing at its ends.
    joined = _NON_WORD.sub(lambda m: "\n" * m.group().count("\n") or " ", joined)
    return [k.strip(" ")[:MAX_MATCH_CHARS] for k in _CJK_SPACE.sub("", joined).split("\n")]


def grams(key: str) -> list[str]:
    """Unigrams and bigrams of a match key (bigrams never span a space). A unit is one CJK
    character or one Latin/digit word; the unigrams come first, then the bigrams, in key order."""
    if not _LATIN_OR_SPACE.search(key):  # the common case: every character is a unit
        return [*key, *map(operator.add, key, key[1:])]
    words = [_UNIT.findall(chunk) for chunk in key.split(" ")]
    return [*chain.from_iterable(words), *chain.from_iterable(map(operator.add, w, w[1:]) for w in words)]


# A long message's clauses (「萬丹鄉公所叫我來問，榮民證要帶什麼？」): split where the citizen paused.
_CLAUSES = re.compile(r"[，,。．.？?！!；;、~～\n]+")
CLAUSE_CHARS = 4  # a shorter piece (「請問」「謝謝」) asks nothing on its own
WORD_SPACED = 3  # pieces between spaces this short on average are words (「我老公 在 當兵」), not clauses


def split_clauses(question: str) -> list[str]:
    """The clauses of a message. A space is a pause between clauses (「身分證掉了 要帶什麼」) unless the
    citizen spaces every word (「我 一個人 顧 2個 小孩」); a piece too short to ask anything (「要錢嗎」)
    belongs to the clause before it."""
    found = []
    for part in _CLAUSES.split(question):
        pieces = part.split()
        if len(pieces) > 1 and sum(map(len, pieces)) < WORD_SPACED * len(pieces):
            pieces = [" ".join(pieces)]
        for i, piece in enumerate(pieces):
            if i and len(piece) < CLAUSE_CHARS:
                found[-1] += " " + piece
            else:
                found.append(piece)
    return found

"""The answer engine: a question's text in, an Answer (answer, clarify, fallback or smalltalk) out."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field, replace
from functools import lru_cache

from bot.core import confidence, hours, intents, phrases, practical
from bot.core.decision import MAX_CHOICES, decide
from bot.core.index import Candidate, Index
from bot.core.knowledge import Agency, Entry
from bot.core.neighbours import benefit_terms, brought, neighbour_topic, own_terms, terms_in, within
from bot.core.places import (PLACE_KEYS, city_districts, districts_in, foreign_place, other_district_office, places_in,
                              residence_elsewhere, township_office)
from bot.core.smalltalk import split_smalltalk
from bot.core.text import CLAUSE_CHARS, match_key, match_keys, split_clauses

# No "which item?" when this share of the question's specific words is unknown to every entry. On the
# labelled sets but the reported half (docs/term-weighting.md, 2026-12-02) "which item?" replies are
# mostly out of scope (66 of 97); 0.35 turns 34 of those into the honest fallback for 3 right first
# choices (0.5: none; 0.3: 48 for 6).
UNKNOWN_CLARIFY = 0.35
# Offices that serve the citizens registered in their area (a 區公所's 社會救助 and 兵役, a city's 兵役處):
# to them 「我戶籍在楠梓」 or 「我們戶籍在台中大里」 is another area's question, unless the question also
# puts someone in their own area (「戶籍在外縣市，在高雄代檢」 is the 兵役處's). Not a household office
# (戶政 serves anyone anywhere) nor a 榮服處 (a veteran may be served where he lives).
BY_REGISTRATION = {"district-office", "military-service"}
# Of those, the ones whose services follow the registration alone: a relative registered elsewhere who
# has moved in with the citizen is still served there (a 兵役處 examines a son registered elsewhere: 代檢).
REGISTERED_ONLY = {"district-office"}
# Offices where any citizen may apply whatever area they are registered in (戶政's 全國跨區通辦): to
# them 「一定要回台東的戶政所辦嗎」 asks whether to go back, which their own entries answer.
ANYWHERE = {"household-registration"}
_GO_BACK = re.compile("|".join(map(match_key, ("一定要回", "要回", "得回", "需要回", "必須回", "不用回", "不必回", "不回",
                                                # or whether another area's office may do it: 「可以在台中的戶政所一次辦好嗎」
                                                "可以在", "能在", "可不可以在", "能不能在"))))
ANSWER_CACHE = 4096  # answers kept per office
BROAD_CHARS = 3  # a question this short, fully contained in MAX_CHOICES entries, is a category
OUTCOMES = ("answer", "clarify", "fallback", "smalltalk")
# What a citizen compares with or does meanwhile is not what they ask about: 「工商憑證是跟自然人憑證一樣去
# 戶政所辦嗎」 asks about 工商憑證, 「換身分證的時候健保卡可以一起換嗎」 about 健保卡.
_ASIDES = re.compile(f"(?:{match_key('跟')}|{match_key('和')}|{match_key('像')}).{{1,12}}?{match_key('一樣')}|.{{1,8}}?{match_key('的時候')}")
_NAME_CODEC = "utf-16-le"  # two bytes a character: the slices of a question start at even offsets
# A clause that asks where or how to apply (not 「要帶退伍令嗎」, a detail of the office's own service),
# or who issues it or can do it for them (「這張證明是兵役處開的嗎」「可以請人到家裡幫她辦補發身分證嗎」).
_WHERE_HOW = re.compile("|".join(map(match_key, ("哪裡", "去哪", "哪個單位", "找誰", "如何", "是去", "是在", "是跟", "是找", "是向",
                                                  "辦的嗎", "開的嗎", "發的嗎", "審的嗎", "要的嗎", "可以請", "幫我辦", "幫忙辦")))
                        # 「要怎麼重新加保」 asks how to do it; 「退伍令不見了怎麼辦」 only what to do now.
                        + f"|{match_key('怎麼')}(?!{match_key('辦')}(?:{'|'.join(map(match_key, '呢啊啦嗎'))}|{match_key('才好')})?$)")
_YES_NO = match_key("嗎")
BARE_WHERE = 6  # 「要去哪裡辦」「還是要找誰」 ask nothing else; 「要怎麼申請免役」 names what it asks about
# A document brought along or a duty avoided (「拿護照去臨櫃辦嗎」「不用去教召」) is a detail of the
# service asked about, and a counter or window is this office's: a where-clause after them asks about ours.
_DETAIL = re.compile("|".join(map(match_key, ("拿", "帶", "附", "還要", "不用", "不必", "櫃台", "櫃檯", "窗口"))))
# A clause that opens with 「這個」「那張」 asks about what the clause before it named: 「…還有每個月的育兒津貼，
# 這個也是在戶政所申請嗎」.
_ANAPHOR = re.compile("^(?:" + "|".join(map(match_key, ("這個", "這張", "這種", "這份", "這項", "這筆", "這些", "那個", "那張",
                                                          "那種", "那份", "那筆", "那些", "這也", "那也"))) + ")")
# A clause that points back at a paper (「這張證明」「那兩張」): the document to attach, asked about itself.
_PAPER = re.compile("^[" + match_key("這那") + "][" + match_key("兩幾") + "]?[" + match_key("張份") + "]")
# A clause that asks something (not one that only tells: 「我要辦低收入戶」).
_ASKS = re.compile("|".join(map(match_key, ("嗎", "呢", "怎麼", "什麼", "哪", "多少", "幾", "要不要", "可不可以", "能不能",
                                             "有沒有", "如何"))))
# A "which item?" becomes the answer when one clause alone is this sure of the best entry. Measured on
# the calibration sets (docs/term-weighting.md): at 0.9, real-fit's right answers rose from 83.6% to
# 86.8% with no more wrong ones; at 0.6 three more were wrong; from a fallback, out-of-scope
# questions got answered.
CLAUSE_P = 0.9


@dataclass(frozen=True)
class Answer:
    """What the bot replies to one question, independent of how it is delivered."""

    agency: str
    question: str
    outcome: str
    text: str
    entry: Entry | None = None
    score: float = 0.0
    choices: tuple[Entry, ...] = ()  # "did you mean" entries (clarify only)
    related: tuple[Entry, ...] = ()  # follow-up topics: related entries, or the main topics
    smalltalk: str = ""  # greeting | thanks | bye | help, for a smalltalk outcome
    candidates: tuple[Candidate, ...] = field(default=(), compare=False, repr=False)

    @property
    def entry_id(self) -> str | None:
        """The answering entry's id (None unless the outcome is answer)."""
        return self.entry.id if self.entry else None

    def to_dict(self) -> dict:
        """The `ask --json` record (the contract other tools depend on)."""
        return {
            "agency": self.agency,
            "question": self.question,
            "outcome": self.outcome,
            "entry_id": self.entry_id,
            "score": round(self.score, 3),
            "answer": self.text,
            "choices": [{"id": e.id, "title": e.title} for e in self.choices],
            "source": self.entry.source if self.entry else None,
        }


class Answerer:
    """Answers questions for one office from its knowledge."""

    def __init__(self, agency: Agency):
        # The office block's practical entries (where, phone, hours) are matched like the others.
        agency = replace(agency, entries=agency.entries + practical.entries(agency))
        self.agency = agency
        # Entries by id, as Agency.entry finds them (the first of an id), without a walk through them all.
        self._entries = {e.id: e for e in reversed(agency.entries)}
        self.main_topics = tuple(e for e in map(self._entries.get, agency.main_topics) if e)
        self.office_asks = practical.OfficeAsks(agency)
        self.name_places = places_in(match_key(f"{agency.name} {agency.short_name}"))
        # Every text of the office folded at once (a large office has hundreds of thousands).
        texts = dict.fromkeys([agency.name, agency.short_name, *(
            t for e in agency.entries for t in (e.title, e.answer, *e.questions, *e.keywords))])
        keys = dict(zip(texts, match_keys(texts)))
        self.index = Index(agency.entries, keys)
        # Areas this office's knowledge is asked about; a question naming another area is not ours.
        # Not its answers: 「以臺北市的說明為例」 in one does not make 臺北's offices ours.
        # (Keys hold no newline, so a name found in the joined keys is a name found in one key.)
        said = [agency.name, *(t for e in agency.entries for t in (e.title, *e.questions, *e.keywords))]
        self.home_places = places_in("\n".join(map(keys.__getitem__, said)))
        # The office's own town or district, as its name gives it (高雄縣鳳山市 → 鳳山).
        self.home_districts = {match_key(m) for m in re.findall(r"([\u4e00-\u9fff]{2})[市區鄉鎮]", agency.name)}
        # Where the citizens it serves are registered: its own district, or every district of its
        # city when its name gives no district of its own (高雄市政府兵役處 serves 鳳山 and 六龜).
        self.home_areas = self.home_districts | self.home_places
        self.citywide = not self.home_districts - set(PLACE_KEYS)
        if self.citywide:
            self.home_areas |= city_districts(self.name_places)
        # Other agencies' documents this office has entries about (a household office: 身分證):
        # named in a title, a keyword or an example question, not merely mentioned in an answer.
        topics = [t for e in agency.entries for t in (e.title, *e.questions, *e.keywords)]
        own = own_terms(agency.kind)
        self.home_terms = terms_in("\n".join(map(keys.__getitem__, topics))) | own
        # Of those, the ones it handles itself: named by the office or one of its titles (戶政's 身分證).
        self.title_terms = terms_in("\n".join(keys[t] for t in (agency.name, agency.short_name, *(
            e.title for e in agency.entries)))) | own
        # Names of this office's own services (titles and keywords of three characters or more):
        # 「要帶退伍令嗎」 in a question about 榮民證 is a detail, not another agency's business.
        # (The office's own names and the practical entries' words, 禮拜六、幾點開, name no service.)
        generic = " ".join(keys[w] for w in (agency.name, agency.short_name, *(
            t for e in agency.entries if e.id in practical.IDS for t in (e.title, *e.keywords, *e.questions))))
        # Kept as UTF-16 bytes: a large office has a hundred thousand names, and a bytes object is
        # some 40 bytes smaller than its str (slices of a question's UTF-16 are looked up the same way).
        self.own_names = {k.encode(_NAME_CODEC) for e in agency.entries if e.id not in practical.IDS
                          for k in map(keys.__getitem__, (e.title, *e.keywords)) if len(k) >= 3 and k not in generic}
        self._name_lengths = sorted(set(map(len, self.own_names)))  # in bytes
        self.benefit_terms = benefit_terms(agency.entries, keys, self.home_terms)
        # Citizens ask the same few things in the same words; an Answer is immutable and this
        # Answerer is replaced when its knowledge changes, so a repeated question costs a lookup.
        self._cached = lru_cache(maxsize=ANSWER_CACHE)(self._ask)

    def __getstate__(self) -> dict:
        """What a compiled cache keeps (bot/core/compiled.py): everything but the answers asked."""
        return {k: v for k, v in self.__dict__.items() if k != "_cached"}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._cached = lru_cache(maxsize=ANSWER_CACHE)(self._ask)

    def _names_in(self, key: str) -> set[str]:
        """The office's own service names that occur in a question: its slices of each name length
        looked up, rather than every name searched for (a large office has a hundred thousand)."""
        units = key.encode(_NAME_CODEC)
        found = {units[i:i + n] for n in self._name_lengths for i in range(0, len(units) - n + 1, 2)} & self.own_names
        return {name.decode(_NAME_CODEC) for name in found}

    def ask(self, question: str, now: dt.datetime | None = None) -> Answer:
        """Answer one question; `now` (Taipei time by default) only matters for opening hours."""
        answer = self._cached(question)
        if answer.entry_id == practical.HOURS:  # "is it open now" must not come from the cache
            answer = replace(answer, text=self._text(answer.entry, now))
        return answer

    def _text(self, entry: Entry, now: dt.datetime | None = None) -> str:
        """An entry's reply text; the opening hours are computed at the moment of asking."""
        if entry.id == practical.HOURS:
            return practical.hours_text(self.agency, now or hours.now_taipei())
        return phrases.answer_text(entry, self.agency)

    def _ask(self, question: str) -> Answer:
        """Answer one question; never raises on odd input."""
        key = match_key(question)
        if not key:
            return self._fallback(question, phrases.EMPTY)
        numbers = (intents.typed_choice(question), intents.typed_stars(question))
        if key.replace(" ", "").isdigit() or numbers != (None, None):
            # A bare number picks a choice or gives stars; with neither pending it asks nothing
            # (「5」 is not a question about 2-to-5-year-olds).
            return self._fallback(question, phrases.NUMBER_ONLY)
        social, rest = split_smalltalk(key)
        if social and not rest:
            return self._smalltalk(question, social)
        named = self._names_in(rest)  # the office's own services it names
        not_ours = self._not_ours(question, rest, named)
        if not_ours:
            return self._fallback(question, not_ours)
        candidates = tuple(self.index.search(rest, limit=MAX_CHOICES + 2))
        office_ask = self.office_asks.asked(rest)
        other_office = not office_ask and self.office_asks.other_office(rest)
        if other_office:  # its hours or phone are not ours to give, nor is any of our services the answer
            return self._fallback(question, phrases.other_office(self.agency, other_office), candidates=candidates)
        # Not when another place is named: 「台北市兵役局的電話」「平鎮的關懷據點在哪裡」 are not this office,
        # nor is 「趁午休去苓雅的戶政所報戶口」 unless its own district is named too; to a household office,
        # which serves anyone anywhere, another district named is where the citizen means to go.
        if office_ask and not self._names_elsewhere(rest) and (not named or self.office_asks.named(rest)):
            # 「三民區公所中午有休息嗎？我要辦低收入戶」 asks when the office is open, whatever it brings; but
            # 「榮民證掉了要怎麼補？禮拜六有開嗎」 asks about the card first, the hours a tap away.
            office = self._entries[office_ask]
            service = office_ask != practical.PHONE and self._sure_clause(question)  # (who asks the phone wants it)
            if service:
                return self.answer_entry(service[0], question, service[1], candidates, first=office)
            return self.answer_entry(office, question, 1.0, candidates)
        if named:  # 「榮民證要去哪裡辦」 asks about 榮民證, not about the office's address
            candidates = tuple(c for c in candidates if c.entry.id not in practical.IDS)
        elif practical.citizens_address(rest):  # 「領俸通知單的地址要去哪裡改」: not where we are
            candidates = tuple(c for c in candidates if c.entry.id != practical.ADDRESS)
        candidates = candidates[:MAX_CHOICES + 1]
        if not candidates:
            return self._fallback(question)
        best = candidates[0]
        # A bare word that several entries share (「補助」) names a category, not one entry: offer choices.
        broad = tuple(c.entry for c in candidates if c.coverage >= 0.999)
        if len(rest.replace(" ", "")) <= BROAD_CHARS and len(broad) >= MAX_CHOICES:
            return Answer(self.agency.id, question, "clarify", phrases.clarify_text(list(broad[:MAX_CHOICES])),
                          score=best.score, choices=broad[:MAX_CHOICES], candidates=candidates)
        p = confidence.MODEL.probability(confidence.features(list(candidates), key))
        outcome, choices = decide(candidates, p)
        sure = outcome == "clarify" and choices[0] is best.entry and self._sure_clause(question, best.entry)
        if sure:
            outcome, p = "answer", sure[1]
        elif outcome == "clarify" and best.unknown >= UNKNOWN_CLARIFY:
            # A third of its specific words unknown to every entry: the question is about something else
            # (高鐵 discounts, 復康巴士, another county's 忠靈塔); choices sharing its common words would mislead.
            outcome = "fallback"
        if outcome == "answer":
            return self.answer_entry(best.entry, question, p, candidates)
        if outcome == "clarify":
            return Answer(self.agency.id, question, "clarify", phrases.clarify_text(list(choices)),
                          score=p, choices=choices, candidates=candidates)
        return self._fallback(question, score=p, candidates=candidates)

    def _names_elsewhere(self, rest: str) -> bool:
        """Whether the question names another area's place or district, so that an office word in it
        (「午休」「電話」) is not about this office."""
        if places_in(rest) - self.name_places:
            return True
        districts = districts_in(rest)
        return bool(districts - self.home_areas) and (
            self.agency.kind in ANYWHERE or not districts & self.home_districts)

    def _not_ours(self, question: str, rest: str, named: set[str]) -> str | None:
        """The lead of a fallback when the question is about another area's office or another
        agency's document, else None."""
        elsewhere = foreign_place(rest, self.home_places | self.home_districts)
        if elsewhere and not (self.agency.kind in ANYWHERE and _GO_BACK.search(rest)):
            return phrases.elsewhere(self.agency, elsewhere)
        district = other_district_office(rest, self.home_districts)
        # To an office of a whole city, one of its districts' offices is where a letter came from or
        # where the citizen was sent (「三民區公所寄來徵兵檢查通知書」), not another area's office; unless
        # the question asks that office's own address, phone or hours. (Asked only then: most
        # questions name no district office.)
        if district and self.citywide and not self.office_asks.asked(rest):
            district = other_district_office(rest, self.home_areas)
        if not district and self.home_districts:  # an office of a city that has only districts
            district = township_office(question)
        if not district and self.agency.kind in BY_REGISTRATION:
            district = residence_elsewhere(rest, self.home_areas, self.agency.kind in REGISTERED_ONLY)
            # Where one lives says nothing of this office's own address or hours: 「我住鳳山，要搭捷運去
            # 三民區公所，地址是什麼」. (Asked only then: most questions name no residence.)
            if district and self.office_asks.named(rest) and self.office_asks.asked(rest):
                district = None
        if district:
            return phrases.elsewhere(self.agency, district)
        neighbour = neighbour_topic(rest, self.home_terms)
        named = self._names_in(_ASIDES.sub(" ", rest)) if neighbour else named
        if neighbour and within(neighbour[0], named, rest, self.benefit_terms):
            return phrases.other_agency(self.agency, *neighbour)
        # 「寶寶報好戶口了，育嬰留職停薪津貼要去哪裡申請？」: our service is only the context when the
        # clause that asks where or how to apply names the other agency's and none of ours. Here a
        # term the office only mentions counts as the other's too: a 兵役處 that accepts a 重大傷病證明
        # does not issue one (「重大傷病證明是要去哪裡辦」). (Clauses are read only when the whole
        # message has both: most questions never pay for the split.)
        maybe = _WHERE_HOW.search(rest) and neighbour_topic(rest, self.title_terms)
        before = ""
        for key in map(match_key, split_clauses(question) if maybe else ()):
            # 「要附除戶謄本，這張要去哪裡申請」 asks about the paper itself, whatever it is attached to.
            paper = _PAPER.match(key) and not terms_in(key) and not self.office_asks.named(before)
            clause = key
            if paper or self._asks_about_before(key, before):
                key = before + key
            before = key
            asked = _WHERE_HOW.search(key) and (neighbour_topic(key, self.title_terms, last=True) if paper
                                                else neighbour_topic(key, self.title_terms | brought(key)))
            if asked and within(asked[0], self._names_in(clause if paper else key), key, self.benefit_terms):
                return phrases.other_agency(self.agency, *asked)
        return None

    def _asks_about_before(self, key: str, before: str) -> bool:
        """Whether a clause names nothing itself and asks about what the clause before it says:
        「他的健保要不要先停保？要去哪裡辦」, 「…還有育兒津貼，這個也是在戶政所申請嗎」, 「…還要辦健保卡，是在
        區公所一起辦嗎」 (whether this office does it; not 「要怎麼去戶政所登記」, how to do our part). Not when the clause
        before is a detail of ours (a document brought, a duty avoided) or names this office (「健保說要請
        戶政補上紀錄，這個是在戶政所辦嗎」 asks about this office's part)."""
        where, before_ours = _WHERE_HOW.search(key), self.office_asks.named(before)
        points_back = _ANAPHOR.match(key) and not before_ours
        bare = len(key) <= BARE_WHERE and where
        ours = where and key.endswith(_YES_NO) and self.office_asks.named(key) and not before_ours
        return bool(points_back or bare or ours) and not terms_in(key) and not _DETAIL.search(before + key)

    def _sure_clause(self, question: str, entry: Entry | None = None) -> tuple[Entry, float] | None:
        """(entry, confidence) when one clause of a long message, asked alone, is surely answered by
        `entry` (the one the whole message ranks first), or with no entry given, when a clause that
        asks beside a question about the office would be answered alone; None when no clause is. Every clause of
        context (where the citizen lives, who sent them) pulls the whole message's coverage down, but
        the clause that asks is as clear as a short question. No clause may be about another office."""
        clauses = [(c, split_smalltalk(match_key(c))[1]) for c in split_clauses(question) if len(c) >= CLAUSE_CHARS]
        if len(clauses) < 2 or any(self._not_ours(c, rest, self._names_in(rest)) for c, rest in clauses):
            return None  # 「台北市兵役局的電話幾號？我兒子人在高雄」: one clause is another office's
        for _, rest in clauses:
            if entry is None and (self.office_asks.asked(rest) or not _ASKS.search(rest)):
                continue  # the office's hours, or a clause that only tells (「我要辦低收入戶」)
            candidates = tuple(self.index.search(rest, limit=MAX_CHOICES + 2))[:MAX_CHOICES + 1]
            best = candidates[0].entry if candidates else None
            if best and (best.id == entry.id if entry else best.id not in practical.IDS):
                p = confidence.MODEL.probability(confidence.features(list(candidates), rest))
                if (entry is None or p >= CLAUSE_P) and decide(candidates, p)[0] == "answer":
                    return best, p
        return None

    def answer_entry(self, entry: Entry, question: str = "", score: float = 1.0, candidates: tuple = (),
                     now: dt.datetime | None = None, first: Entry | None = None) -> Answer:
        """The answer of one entry (also used when a citizen taps a choice); `first` leads its related
        topics (the office's hours asked beside it)."""
        related = tuple(e for e in map(self._entries.get, entry.related) if e)
        if not related:  # fall back to the next-best entries as related topics
            related = tuple(c.entry for c in candidates[1:] if c.entry.id != entry.id)
        if first:
            related = (first, *(e for e in related if e.id != first.id))
        return Answer(self.agency.id, question, "answer", self._text(entry, now), entry=entry,
                      score=score, related=related[:MAX_CHOICES], candidates=candidates)

    def _smalltalk(self, question: str, kind: str) -> Answer:
        if kind == "thanks":
            text = phrases.THANKS
        elif kind == "bye":
            text = phrases.BYE
        else:
            text = phrases.greeting(self.agency)
        return Answer(self.agency.id, question, "smalltalk", text, related=self.main_topics, smalltalk=kind)

    def _fallback(self, question: str, lead: str | None = None, score: float = 0.0,
                  candidates: tuple = ()) -> Answer:
        examples = [e.questions[0] for e in self.main_topics[:2]]
        text = phrases.fallback_text(self.agency, examples, lead)
        return Answer(self.agency.id, question, "fallback", text, score=score,
                      related=self.main_topics, candidates=candidates)


class Desk:
    """The engine for every loaded office: one Answerer per agency id."""

    def __init__(self, agencies: dict[str, Agency]):
        self.answerers = {aid: Answerer(a) for aid, a in sorted(agencies.items())}

    @classmethod
    def of(cls, answerers: dict[str, Answerer]) -> "Desk":
        """A desk over answerers already built (a reload rebuilds only the offices that changed)."""
        desk = cls({})
        desk.answerers = dict(sorted(answerers.items()))
        return desk

    @property
    def agency_ids(self) -> list[str]:
        """The ids of the loaded offices, sorted."""
        return list(self.answerers)

    def ask(self, agency_id: str, question: str, now: dt.datetime | None = None) -> Answer:
        """Answer a question for one office (KeyError for an unknown id)."""
        return self.answerers[agency_id].ask(question, now)

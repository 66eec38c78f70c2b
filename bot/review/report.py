"""Per-office monthly figures from the stored feedback: usage, 👍 rate, satisfaction, unanswered questions."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from bot.review.demo import is_demo
from bot.review.unanswered import Unanswered, unanswered

TAIPEI = ZoneInfo("Asia/Taipei")
FEW = 20  # fewer answers than this: too few to judge
GAP = 30 * 60  # a pause this long (seconds) starts a new conversation
TOTAL = "合計"
MAX_MONTHS = 120  # a longer range is a typo, not a report anyone reads
TOP_ENTRIES = 10
KINDS = ("questions", "ratings", "surveys", "survey_offers", "opinions")
# What each stored outcome counts as. "choice" (a tapped topic or "did you mean" button) is kept apart
# from typed questions: a tap cannot fail, so folding it into "answered" would flatter the answer rate.
OUTCOMES = {"answer": "answered", "clarify": "clarified", "fallback": "fallback", "choice": "chosen"}
_MONTH_RE = re.compile(r"(\d{4})-(\d{1,2})")


class ReportError(Exception):
    """Bad input for a report or an export; the message is zh-TW, for the user."""


@dataclass(frozen=True)
class Month:
    """One month's figures of one office (or the range's total, month == '合計')."""

    month: str
    conversations: int
    questions: int  # typed questions: answer + clarify + fallback (small talk not counted)
    answered: int
    clarified: int
    fallback: int
    chosen: int  # taps on a topic/choice button
    thumbs_up: int
    thumbs_down: int
    survey_n: int
    survey_dist: dict
    survey_offers: int
    opinions: int = 0

    @property
    def up_rate(self) -> float | None:
        """Share of 👍 among 👍 and 👎."""
        rated = self.thumbs_up + self.thumbs_down
        return self.thumbs_up / rated if rated else None

    @property
    def survey_mean(self) -> float | None:
        """Mean stars of the survey answers."""
        return sum(s * n for s, n in self.survey_dist.items()) / self.survey_n if self.survey_n else None

    @property
    def response_rate(self) -> float | None:
        """Survey answers per survey offer (None when it was never offered)."""
        return self.survey_n / self.survey_offers if self.survey_offers else None

    @property
    def fallback_share(self) -> float | None:
        """Share of typed questions the bot could not answer."""
        return self.fallback / self.questions if self.questions else None

    @property
    def few_ratings(self) -> bool:
        """Too few 👍/👎 to judge the 👍 rate."""
        return self.thumbs_up + self.thumbs_down < FEW

    @property
    def few_surveys(self) -> bool:
        """Too few survey answers to judge the satisfaction mean."""
        return self.survey_n < FEW

    @property
    def few_offers(self) -> bool:
        """Too few survey offers to judge the response rate."""
        return self.survey_offers < FEW

    @property
    def few_questions(self) -> bool:
        """Too few typed questions to judge the fallback share."""
        return self.questions < FEW


@dataclass(frozen=True)
class OfficeReport:
    """One office's report over a month range."""

    agency: str
    name: str
    kind: str
    start: str
    end: str
    months: list[Month]  # every month of the range, zero-filled
    total: Month
    unanswered: list[Unanswered]  # open ones first, then by count desc
    top_entries: list[tuple[str, str, int]]  # (entry_id, title, count), most asked first
    short_name: str = ""
    synthetic: bool = False  # some records were made by demo-data, not by citizens

    @property
    def empty(self) -> bool:
        """Nothing at all was recorded for this office in the range."""
        t = self.total
        return not (t.conversations or t.questions or t.chosen or t.thumbs_up or t.thumbs_down or t.survey_n
                    or t.survey_offers or t.opinions or self.unanswered)


def _parse_month(text: str, label: str) -> tuple[int, int]:
    """'2026-01' → (2026, 1); anything else is a ReportError naming the bound."""
    m = _MONTH_RE.fullmatch(text.strip())
    if not m or not 1 <= int(m[2]) <= 12 or int(m[1]) < 1970:
        raise ReportError(f"{label}月份看不懂：{text}（請寫成 YYYY-MM，例如 2026-01）")
    return int(m[1]), int(m[2])


def _shift(month: tuple[int, int], n: int) -> tuple[int, int]:
    """The month n months after (negative: before)."""
    year, index = divmod(month[0] * 12 + month[1] - 1 + n, 12)
    return year, index + 1


def _label(month: tuple[int, int]) -> str:
    return f"{month[0]:04d}-{month[1]:02d}"


def month_range(start: str | None, end: str | None, today: dt.date | None = None) -> tuple[str, str]:
    """Inclusive 'YYYY-MM' bounds; by default the 12 months ending with this month (Taipei time)."""
    today = today or dt.datetime.now(TAIPEI).date()
    first = _parse_month(start, "起始") if start else None
    last = _parse_month(end, "結束") if end else None
    if last is None:
        last = max((today.year, today.month), first or (0, 0))
    if first is None:
        first = _shift(last, -11)
    if first > last:
        raise ReportError(f"月份範圍前後顛倒：起始 {_label(first)} 晚於結束 {_label(last)}")
    if _span(first, last) > MAX_MONTHS:
        raise ReportError(f"月份範圍太長：{_label(first)} 至 {_label(last)}（一次最多 {MAX_MONTHS} 個月）")
    return _label(first), _label(last)


def _span(first: tuple[int, int], last: tuple[int, int]) -> int:
    return (last[0] - first[0]) * 12 + last[1] - first[1] + 1


def months_between(start: str, end: str) -> list[str]:
    """Every month label from start to end inclusive."""
    first, last = _parse_month(start, "起始"), _parse_month(end, "結束")
    return [_label(_shift(first, i)) for i in range(_span(first, last))]


def so_far(month: str, today: dt.date | None = None) -> str:
    """The days this Taipei month covers so far, 「1–3 日」 (「1 日」 on its first day); "" for any other month.
    A young month's figures rest on a few days: the reader is told how few."""
    today = today or dt.datetime.now(TAIPEI).date()
    if month != _label((today.year, today.month)):
        return ""
    return "1 日" if today.day == 1 else f"1–{today.day} 日"


def bounds(start: str, end: str) -> tuple[int, int]:
    """[since, until) in Unix seconds: the first instant of start and of the month after end, in Taipei."""
    first, after = _parse_month(start, "起始"), _shift(_parse_month(end, "結束"), 1)
    return tuple(int(dt.datetime(y, m, 1, tzinfo=TAIPEI).timestamp()) for y, m in (first, after))


def month_of(at: int) -> str:
    """The Taipei month of a Unix time."""
    return dt.datetime.fromtimestamp(at, TAIPEI).strftime("%Y-%m")


def pick(agencies: dict, agency: str | None) -> list:
    """The offices a report covers; an unknown id is a ReportError listing the valid ones."""
    if agency is None:
        return list(agencies.values())
    if agency not in agencies:
        raise ReportError(f"不認得的機關代碼：{agency}\n可用的代碼：{', '.join(sorted(agencies)) or '（沒有）'}")
    return [agencies[agency]]


def load(store, agency: str, since: int, until: int) -> dict[str, list[dict]]:
    """An office's records in [since, until), plus "lead_in": its questions of the half hour before."""
    data = {kind: store.records(kind, agency=agency, since=since, until=until) for kind in KINDS}
    # A conversation under way when the range opens began before it: the lead-in shows that.
    data["lead_in"] = store.records("questions", agency=agency, since=since - GAP, until=since)
    return data


def conversation_starts(questions: list[dict]) -> list[int]:
    """When each conversation began: a user's questions less than GAP apart are one conversation."""
    last: dict[str, int] = {}
    starts = []
    for q in questions:  # oldest first
        previous = last.get(q["user_hash"])
        if previous is None or q["asked_at"] - previous >= GAP:
            starts.append(q["asked_at"])
        last[q["user_hash"]] = q["asked_at"]
    return starts


def _tally(data: dict[str, list[dict]], since: int) -> dict[str, Counter]:
    """month → counts of every figure (survey stars under the int keys 1..5)."""
    tally: dict[str, Counter] = defaultdict(Counter)
    for at in conversation_starts(data["lead_in"] + data["questions"]):
        if at >= since:
            tally[month_of(at)]["conversations"] += 1
    for q in data["questions"]:
        tally[month_of(q["asked_at"])][OUTCOMES.get(q["outcome"], "other")] += 1
    for r in data["ratings"]:
        tally[month_of(r["rated_at"])]["thumbs_up" if r["rating"] == "up" else "thumbs_down"] += 1
    for s in data["surveys"]:
        tally[month_of(s["rated_at"])][s["stars"]] += 1
    for o in data["survey_offers"]:
        tally[month_of(o["offered_at"])]["survey_offers"] += 1
    for o in data["opinions"]:
        tally[month_of(o["created_at"])]["opinions"] += 1
    return tally


def _month(label: str, c: Counter) -> Month:
    """A Month from its counts."""
    dist = {stars: c[stars] for stars in range(1, 6)}
    return Month(month=label, conversations=c["conversations"],
                 questions=c["answered"] + c["clarified"] + c["fallback"], answered=c["answered"],
                 clarified=c["clarified"], fallback=c["fallback"], chosen=c["chosen"], thumbs_up=c["thumbs_up"],
                 thumbs_down=c["thumbs_down"], survey_n=sum(dist.values()), survey_dist=dist,
                 survey_offers=c["survey_offers"], opinions=c["opinions"])


def _top_entries(questions: list[dict], agency) -> list[tuple[str, str, int]]:
    """The entries answered most often (typed or tapped), with their current titles."""
    counts = Counter(q["entry_id"] for q in questions if q["outcome"] in ("answer", "choice") and q["entry_id"])
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:TOP_ENTRIES]
    # An entry removed from the knowledge since keeps its id as its title.
    return [(eid, getattr(agency.entry(eid), "title", eid), n) for eid, n in ranked]


def office_report(store, agency, start: str, end: str) -> OfficeReport:
    """One office's report over an already checked month range."""
    since, until = bounds(start, end)
    data = load(store, agency.id, since, until)
    tally = _tally(data, since)
    labels = months_between(start, end)
    total = sum((tally[m] for m in labels), Counter())
    return OfficeReport(
        agency=agency.id, name=agency.name, kind=agency.kind, start=start, end=end,
        months=[_month(m, tally[m]) for m in labels], total=_month(TOTAL, total),
        unanswered=unanswered(data["questions"], data["ratings"], store.reviews(agency.id)),
        top_entries=_top_entries(data["questions"], agency), short_name=agency.short_name,
        synthetic=any(is_demo(row["user_hash"]) for rows in data.values() for row in rows))


def build(store, agencies: dict, agency: str | None = None, start: str | None = None,
          end: str | None = None) -> list[OfficeReport]:
    """The reports of every office (or one), in the order of `agencies`."""
    start, end = month_range(start, end)
    return [office_report(store, a, start, end) for a in pick(agencies, agency)]


def peer_groups(reports: list[OfficeReport]) -> list[list[OfficeReport]]:
    """Offices of the same kind (two or more), e.g. the two veterans' service offices."""
    by_kind: dict[str, list[OfficeReport]] = {}
    for r in reports:
        by_kind.setdefault(r.kind, []).append(r)
    return [group for group in by_kind.values() if len(group) > 1]


def render_text(reports: list[OfficeReport]) -> str:
    """The report as zh-TW text for the terminal (laid out by bot/review/render.py)."""
    from bot.review.render import text  # render.py imports this module: import it on use

    return text(reports)

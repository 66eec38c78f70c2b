"""Read and validate knowledge YAML files into immutable objects (the only module that reads YAML)."""

from __future__ import annotations

import datetime as _dt
import hashlib
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from bot.core.office import ENTRY_IDS, PHONE_RE, Office, parse_office
from bot.core.phrasings import Phrases
from bot.core.staff_errors import explain_yaml, field_name

SECTIONS = {"windows": "window", "single_window": "single_window", "channels": "channel", "faqs": "faq"}  # -> kind
AGENCY_KINDS = ("veterans-service", "military-service", "household-registration", "district-office")
MAX_ANSWER_CHARS, MAX_TITLE_CHARS, MIN_QUESTIONS, MIN_KEYWORDS = 300, 20, 3, 2
_ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_SOURCE_RE = re.compile(r"^(\d{3}_[0-9a-f]{16}\.txt\s+\S|https?://\S)")

# Field specs: name -> (type, required). Types: text, texts (list of text), int_or_null, date.
_COMMON = {"id": ("text", True), "title": ("text", True), "questions": ("texts", True), "keywords": ("texts", True),
           "answer": ("text", True), "source": ("text", True), "related": ("texts", False), "as_of": ("text", False),
           "review_by": ("date", False)}
_ENTRY_FIELDS = {
    "window": {**_COMMON, "where": ("text", False), "hours": ("text", False), "phone": ("text", False),
               "services": ("texts", False)},
    "single_window": {**_COMMON, "window": ("text", False), "bring": ("texts", False)},
    "channel": {**_COMMON, "how": ("text", False), "who": ("text", False), "reply_days": ("int_or_null", False)},
    "faq": dict(_COMMON)}
_AGENCY_FIELDS = {"id": ("text", True), "name": ("text", True), "short_name": ("text", True), "kind": ("text", True),
                  "plan": ("text", True), "as_of": ("text", True), "updated": ("date", True),
                  "main_topics": ("texts", True)}
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's if PyYAML has it: same semantics, faster
_TYPE_NAMES = {"text": "文字", "texts": "文字清單", "int_or_null": "整數或 null",
               "date": "日期（例如 \"2026-11-23\"）", "mapping": "欄位表（key: value）"}


@dataclass(frozen=True)
class Problem:
    """One thing wrong (or worth a look) in a knowledge file, located by file, line and field."""

    file: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file} 第 {self.line} 行" if self.line else self.file
        return f"{where}：{self.field} {self.message}" if self.field else f"{where}：{self.message}"


class KnowledgeError(Exception):
    """A knowledge file could not be loaded; `problems` lists every reason."""

    def __init__(self, problems: list[Problem]):
        super().__init__("\n".join(map(str, problems)))
        self.problems = problems


@dataclass(frozen=True, slots=True)  # slots: a city's thousands of entries without a dict each
class Entry:
    """One thing a citizen can ask about: a window, a single-window item, a channel or an FAQ."""

    id: str
    kind: str
    title: str
    questions: tuple[str, ...] | Phrases  # read from a file: Phrases
    keywords: tuple[str, ...] | Phrases
    answer: str
    source: str
    related: tuple[str, ...] = ()
    where: str = ""
    hours: str = ""
    phone: str = ""
    services: tuple[str, ...] = ()
    window: str = ""
    bring: tuple[str, ...] = ()
    how: str = ""
    who: str = ""
    reply_days: int | None = None
    as_of: str = ""  # the year (or date) its facts were true, when it rests on a dated figure
    review_by: str = ""  # YYYY-MM-DD: staff check the entry again by then


@dataclass(frozen=True)
class Agency:
    """One office's knowledge: its facts and its entries, in file order."""

    id: str
    name: str
    short_name: str
    kind: str
    plan: str
    as_of: str  # the plan's year: how old the facts of an entry without its own as_of are
    updated: str
    office: Office
    main_topics: tuple[str, ...]
    entries: tuple[Entry, ...]
    version: str = ""  # short hash of the file's bytes
    entry_lines: dict = field(default_factory=dict, compare=False, hash=False)

    def entry(self, entry_id: str) -> Entry | None:
        """The entry with this id, or None."""
        return next((e for e in self.entries if e.id == entry_id), None)


def _line_map(node: yaml.Node, path: str, lines: dict[str, int], problems: list, fname: str) -> None:
    """Record the 1-based line of every path in the node tree; report duplicate keys."""
    lines[path], seen = node.start_mark.line + 1, set()
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = str(key_node.value)
            sub = f"{path}.{key}" if path else key
            if key in seen:
                problems.append(Problem(fname, key_node.start_mark.line + 1, sub, "重複出現"))
            seen.add(key)
            _line_map(value_node, sub, lines, problems, fname)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _line_map(item, f"{path}[{i}]", lines, problems, fname)


def _stream(text: str) -> tuple[object, dict[str, int]]:
    """What _parse gives a plain file (mappings, lists, scalars, aliases) from libyaml's events, without the
    node tree (several times faster; a large file's tree is most of a load's memory), but lines only down
    to the entries' starts. ValueError for anything else (tags, merge keys, a key twice)."""
    loader, lines, anchors, firsts = _SafeLoader(text), {}, {}, _SafeLoader.yaml_implicit_resolvers

    def value(ev, path: str | None, depth: int):
        kind, line = type(ev), ev.start_mark.line + 1
        if kind is yaml.AliasEvent and depth >= 2 and ev.anchor in anchors:  # shared, as SafeLoader does
            out, line = anchors[ev.anchor]
        elif kind is yaml.ScalarEvent and ev.tag is None:
            out = ev.value if not ev.implicit[0] or ev.value[:1] not in firsts else loader.construct_object(  # text
                yaml.ScalarNode(loader.resolve(yaml.ScalarNode, ev.value, ev.implicit), ev.value, ev.start_mark))
        elif kind in (yaml.SequenceStartEvent, yaml.MappingStartEvent) and ev.tag is None:
            out = [] if kind is yaml.SequenceStartEvent else {}
            while type(item := loader.get_event()) not in (yaml.SequenceEndEvent, yaml.MappingEndEvent):
                if kind is yaml.SequenceStartEvent:
                    out.append(value(item, f"{path}[{len(out)}]" if depth < 2 else None, depth + 1))
                elif type(item) is not yaml.ScalarEvent or (key := value(item, None, 3)) in out:
                    raise ValueError("a key that is not text, or a key twice")
                else:
                    sub = (f"{path}.{item.value}" if path else item.value) if depth < 2 else None
                    out[key] = value(loader.get_event(), sub, depth + 1)
        else:  # a tag, or an alias of an entry or more
            raise ValueError(f"{ev} at line {line}")
        if kind is not yaml.AliasEvent and ev.anchor is not None:
            if ev.anchor in anchors:
                raise ValueError(f"anchor {ev.anchor} twice")
            anchors[ev.anchor] = (out, line)
        lines[path] = line  # (a path deeper than an entry is None)
        return out

    try:
        data = value(loader.get_event(), "", 0) if type(loader.get_event()) is yaml.StreamStartEvent and type(
            loader.get_event()) is yaml.DocumentStartEvent and None not in firsts else None
        if data is None or [type(loader.get_event()) for _ in "12"] != [yaml.DocumentEndEvent, yaml.StreamEndEvent]:
            raise ValueError("empty, or not one document")
        return data, lines
    finally:  # (value() refers to itself: a cycle a paused collector would keep, with all it read)
        loader, value = loader.dispose(), None


def _parse(text: str, fname: str) -> tuple[object, dict[str, int], list[Problem]]:
    """safe_load the text, keeping a path -> line map; YAML errors become Problems."""
    problems, lines, loader = [], {}, _SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, lines, [Problem(fname, 1, "", "檔案是空的")]
        _line_map(node, "", lines, problems, fname)
        data = loader.construct_document(node)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        reason = explain_yaml(getattr(exc, "problem", None) or str(exc))
        return None, lines, [Problem(fname, mark.line + 1 if mark else 0, "", reason)]
    finally:
        loader.dispose()
    return data, lines, problems


class _Checker:
    """Collects problems while turning parsed YAML into typed values."""

    def __init__(self, fname: str, lines: dict[str, int], problems: list[Problem] | None = None):
        self.fname, self.lines, self.problems = fname, lines, list(problems or [])
        self.ids: dict[str, str] = {}  # "windows[0]" -> that entry's id, to name it in messages

    def add(self, path: str, message: str) -> None:
        """Record a problem at the nearest known line of `path`, its field named for staff."""
        probe = path
        while probe and probe not in self.lines:
            probe = re.sub(r"(\.[^.\[]+|\[\d+\])$", "", probe)
        self.problems.append(Problem(self.fname, self.lines.get(probe, 0), field_name(path, self.ids), message))

    def fields(self, data: object, path: str, spec: dict) -> dict:
        """Check a mapping against a field spec; return the typed values of the good fields."""
        if not isinstance(data, dict):
            return self.add(path, f"應該是{_TYPE_NAMES['mapping']}") or {}
        out = {}
        for key in (key for key in data if key not in spec):
            self.add(f"{path}.{key}", f"不是認得的欄位（可用：{'、'.join(spec)}）")
        for name, (kind, required) in spec.items():
            sub = f"{path}.{name}"
            if name not in data or data[name] is None and kind != "int_or_null":
                if required:
                    self.add(sub, "不可空白" if name in data else "是必填欄位，請補上")
                continue
            value = self._typed(data[name], kind, sub, required)
            if value is not None:
                out[name] = value
        return out

    def _typed(self, value: object, kind: str, path: str, required: bool):
        if kind == "text" and isinstance(value, (str, int, float)) and not isinstance(value, bool):
            value = sys.intern(str(value).strip())  # interned: a text repeated across entries is kept once
            return self.add(path, "不可空白") if required and not value else value
        if kind == "texts" and isinstance(value, list):
            items = []
            for i, item in enumerate(value):
                if not isinstance(item, (str, int, float)) or isinstance(item, bool) or not str(item).strip():
                    self.add(f"{path}[{i}]", "應該是不空白的文字")
                else:
                    items.append(str(item).strip())  # (not interned: joined into one string below)
            return Phrases(items)  # compact: a city has a few hundred thousand of these texts
        if kind == "int_or_null" and (value is None or isinstance(value, int) and not isinstance(value, bool) and value >= 0):
            return value
        if kind == "date" and isinstance(value, _dt.date):
            return value.isoformat()
        if kind == "date" and isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
            return value.strip()
        if kind == "mapping" and isinstance(value, dict):
            return value
        if kind not in _TYPE_NAMES:
            raise ValueError(kind)
        return self.add(path, f"應該是{_TYPE_NAMES[kind]}")


def _check_entry(chk: _Checker, kind: str, path: str, values: dict) -> Entry | None:
    """Validate one entry's values beyond their types; build the Entry when complete."""
    if "id" in values and not _ID_RE.match(values["id"]):
        chk.add(f"{path}.id", "只能用小寫英文字母、數字和 -（例如 veteran-id-card）")
    if len(values.get("title", "")) > MAX_TITLE_CHARS:
        chk.add(f"{path}.title", f"超過 {MAX_TITLE_CHARS} 字（目前 {len(values['title'])} 字）")
    if "questions" in values and len(values["questions"]) < MIN_QUESTIONS:
        chk.add(f"{path}.questions", f"至少要有 {MIN_QUESTIONS} 個例句（目前 {len(values['questions'])} 個）")
    if "keywords" in values and len(values["keywords"]) < MIN_KEYWORDS:
        chk.add(f"{path}.keywords", f"至少要有 {MIN_KEYWORDS} 個關鍵字（目前 {len(values['keywords'])} 個）")
    if len(values.get("answer", "")) > MAX_ANSWER_CHARS:
        chk.add(f"{path}.answer", f"超過 {MAX_ANSWER_CHARS} 字（目前 {len(values['answer'])} 字），請寫短一點")
    if values.get("phone") and not PHONE_RE.match(values["phone"]):  # the card's tel: button dials it
        chk.add(f"{path}.phone", f"「{values['phone']}」不像電話號碼（例如 07-7400141 或 07-7400141轉2208）")
    if "source" in values and not _SOURCE_RE.match(values["source"]):
        chk.add(f"{path}.source", "應寫計畫檔名和章節（例如 001_189702aaad6cbd20.txt 貳、四），或官方網址和查閱日期")
    missing = any(required and name not in values for name, (_, required) in _ENTRY_FIELDS[kind].items())
    return None if missing else Entry(kind=kind, **values)


def _check_agency(chk: _Checker, data: dict, stem: str) -> dict:
    """Validate the agency header."""
    values = chk.fields(data.get("agency"), "agency", _AGENCY_FIELDS)
    if "id" in values and values["id"] != stem:
        chk.add("agency.id", f"應該和檔名一樣（{stem}）")
    if "kind" in values and values["kind"] not in AGENCY_KINDS:
        chk.add("agency.kind", f"應該是 {'、'.join(AGENCY_KINDS)} 其中之一")
    if "office" not in data:
        chk.add("office", "是必填段落：機關的名稱、地址、電話、服務時間（不知道的留空）")
    values["office"] = parse_office(chk, data.get("office") or {}, "office")
    return values


def _check_references(chk: _Checker, entries: list[tuple[str, Entry]], header: dict) -> None:
    """Ids are unique; related and main_topics point at existing entries; examples are not shared."""
    ids, examples = {i: "office" for i in ENTRY_IDS}, {}  # id -> where it is; example -> its entry
    for path, entry in entries:
        if entry.id in ENTRY_IDS:
            chk.add(f"{path}.id", f"「{entry.id}」是機關資料（office 段落）自動產生的項目，請換一個 id")
        elif entry.id in ids:
            chk.add(f"{path}.id", f"「{entry.id}」重複了（{ids[entry.id]} 已經用過）")
        ids.setdefault(entry.id, path)
        for i, q in enumerate(entry.questions):
            key = "".join(q.split())
            if key in examples and examples[key] != entry.id:
                chk.add(f"{path}.questions[{i}]", f"「{q}」也是 {examples[key]} 的例句，同一句只能放在一個項目")
            examples.setdefault(key, entry.id)
    for path, entry in entries:
        for i, rid in enumerate(entry.related):
            if rid not in ids or rid == entry.id:
                chk.add(f"{path}.related[{i}]", f"找不到項目「{rid}」")
    for i, tid in enumerate(header.get("main_topics", ())):
        if tid not in ids:
            chk.add(f"agency.main_topics[{i}]", f"找不到項目「{tid}」")


def parse_agency(text: str, fname: str, quick: bool = False) -> Agency:
    """Validate one knowledge file's text; raise KnowledgeError listing every problem (`quick`: see _stream)."""
    data, lines, problems = (*_stream(text), []) if quick else _parse(text, fname)
    chk = _Checker(fname, lines, problems)
    if data is not None and not isinstance(data, dict):
        chk.add("", "最外層應該是欄位表（agency:、office:、windows:、single_window:、channels:、faqs:）")
    if chk.problems or data is None:
        raise KnowledgeError(chk.problems)
    for key in (key for key in data if key not in ("agency", "office", *SECTIONS)):
        chk.add(str(key), f"不是認得的段落（可用：agency、office、{'、'.join(SECTIONS)}）")
    header = _check_agency(chk, data, Path(fname).stem)
    entries: list[tuple[str, Entry]] = []
    for section, kind in SECTIONS.items():
        items = data.get(section) or []
        if not isinstance(items, list):
            chk.add(section, "應該是清單（每個項目以 - 開頭）")
            continue
        for i, item in enumerate(items):
            path = f"{section}[{i}]"
            if isinstance(item, dict) and isinstance(item.get("id"), str):
                chk.ids[path] = item["id"]
            entry = _check_entry(chk, kind, path, chk.fields(item, path, _ENTRY_FIELDS[kind]))
            if entry is not None:
                entries.append((path, entry))
    if not entries and not chk.problems:
        chk.add("", "沒有任何項目（windows、single_window、channels、faqs 都是空的）")
    _check_references(chk, entries, header)
    if chk.problems:
        raise KnowledgeError(chk.problems)
    version = hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]
    entry_lines = {e.id: lines.get(p, 0) for p, e in entries} | {"office": lines.get("office", 0)}
    return Agency(entries=tuple(e for _, e in entries), version=version, entry_lines=entry_lines, **header)


def read_file(path: Path) -> bytes:
    """A knowledge file's bytes; KnowledgeError naming the file when it cannot be read."""
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise KnowledgeError([Problem(Path(path).name, 0, "", f"無法讀取：{exc.strerror}")]) from None


def load_agency(path: Path, data: bytes | None = None) -> Agency:
    """Read and validate one knowledge file (`data`: its bytes, when the caller has read them)."""
    try:
        text = (read_file(path) if data is None else data).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise KnowledgeError([Problem(Path(path).name, 0, "", f"不是 UTF-8 編碼的文字檔（{exc.reason}）")]) from None
    try:  # a large file loads in a fraction of the time; anything unusual or wrong is read again in full
        return parse_agency(text, Path(path).name, quick=True)
    except Exception:  # noqa: BLE001 - the full reading says what is wrong, or raises what did
        return parse_agency(text, Path(path).name)


def load_dir(directory: Path, only: str | None = None) -> tuple[dict[str, Agency], list[Problem]]:
    """Load every `*.yaml` in a folder: the good agencies and the problems of the bad files."""
    agencies, problems = {}, [] if Path(directory).is_dir() else [Problem(str(directory), 0, "", "找不到知識庫資料夾")]
    for path in (p for p in sorted(Path(directory).glob("*.yaml")) if not only or p.stem == only):
        try:
            agencies[path.stem] = load_agency(path)
        except KnowledgeError as exc:
            problems.extend(exc.problems)
    return agencies, problems


@dataclass(frozen=True)
class RegressionCase:
    """A staff regression question: the entry that must answer it, or None for "no answer"."""

    file: str
    line: int
    question: str
    expect: str | None


def load_regressions(path: Path, entry_ids: set[str]) -> tuple[list[RegressionCase], list[Problem]]:
    """Read `knowledge/tests/<office>.yaml`: a list of {q: question, expect: entry id or none}."""
    fname = f"tests/{Path(path).name}"
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return [], [Problem(fname, 0, "", f"無法讀取：{exc}")]
    data, lines, problems = _parse(text, fname)
    if problems or data is None:
        return [], [Problem(fname, p.line, p.field, p.message) for p in problems]
    chk = _Checker(fname, lines)
    if not isinstance(data, list):
        chk.add("", "應該是清單：- {q: 問題, expect: 項目id 或 none}")
        return [], chk.problems
    cases = []
    for path, item in ((f"[{i}]", item) for i, item in enumerate(data)):
        if not isinstance(item, dict) or set(item) != {"q", "expect"} or not str(item.get("q") or "").strip():
            chk.add(path, "要寫成 {q: 問題, expect: 項目id 或 none}")
            continue
        expect = None if str(item["expect"]).strip().lower() in ("none", "null", "") else str(item["expect"]).strip()
        if expect is not None and expect not in entry_ids:
            chk.add(f"{path}.expect", f"找不到項目「{expect}」")
            continue
        cases.append(RegressionCase(fname, lines.get(path, 0), str(item["q"]).strip(), expect))
    return cases, chk.problems

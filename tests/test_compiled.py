"""The compiled knowledge cache: a hit answers exactly as a build; a changed, damaged, old or unwritable
cache is never trusted over the file."""

import datetime as dt
import os
import shutil
from collections import OrderedDict

import pytest
from conftest import DATA, KNOWLEDGE

from bot.core import compiled, live
from bot.core.live import LiveDesk

NOW = dt.datetime(2026, 12, 2, 10, 0)  # the hours entry answers for a moment; fix it
OFFICE = "demo-office"


@pytest.fixture()
def source(tmp_path):
    """A real knowledge file in a folder of its own."""
    folder = tmp_path / "knowledge"
    folder.mkdir()
    shutil.copy(DATA / f"{OFFICE}.yaml", folder / f"{OFFICE}.yaml")
    return folder / f"{OFFICE}.yaml"


def _no_build(monkeypatch):
    """Make a build fail: what answers then comes from the cache."""
    def build(path, data):
        raise AssertionError(f"{path} compiled again")
    monkeypatch.setattr(compiled, "build", build)


def _questions(answerer) -> list[str]:
    """Every example question of the office, its titles, and a few it does not know."""
    entries = answerer.agency.entries
    return [q for e in entries for q in e.questions] + [e.title for e in entries] + [
        "護照過期要去哪裡換", "你好", "比特幣怎麼買", "星期六有上班嗎", "榮民"]


def _record(answer) -> tuple:
    """Everything an answer decides, with every candidate's scores."""
    return answer, [(c.entry.id, c.score, c.bm25, c.coverage, c.fuzzy, c.phrase, c.anchored, c.unknown)
                    for c in answer.candidates]


def test_a_cache_hit_answers_exactly_as_a_build(source, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    built = compiled.answerer(source, cache=cache)
    assert [p.name for p in cache.iterdir()] == [f"{OFFICE}.compiled"]  # no partial file left behind
    assert (cache / f"{OFFICE}.compiled").stat().st_mode & 0o777 == 0o600
    _no_build(monkeypatch)
    loaded = compiled.answerer(source, cache=cache)
    assert loaded is not built and loaded.agency == built.agency
    for question in _questions(built):
        assert _record(loaded.ask(question, NOW)) == _record(built.ask(question, NOW))


def test_a_changed_file_is_compiled_again(source, tmp_path):
    cache = tmp_path / "cache"
    before = compiled.answerer(source, cache=cache)
    source.write_text(source.read_text(encoding="utf-8").replace("榮民證", "榮民卡"), encoding="utf-8")
    after = compiled.answerer(source, cache=cache)
    assert after.agency.version != before.agency.version
    assert after.agency == compiled.build(source, source.read_bytes()).agency


@pytest.mark.parametrize("damage", [
    lambda raw: raw[:len(raw) // 2],  # cut short
    lambda raw: raw[:-100] + bytes(b ^ 0xFF for b in raw[-100:]),  # bits flipped in the payload
    lambda raw: b"not a cache at all",
    lambda raw: b"",
])
def test_a_damaged_cache_is_ignored_and_written_again(source, tmp_path, monkeypatch, damage):
    cache = tmp_path / "cache"
    good = compiled.answerer(source, cache=cache)
    target = cache / f"{OFFICE}.compiled"
    target.write_bytes(damage(target.read_bytes()))
    assert compiled.answerer(source, cache=cache).agency == good.agency
    _no_build(monkeypatch)  # written again: the next start is a hit
    assert compiled.answerer(source, cache=cache).agency == good.agency


def test_a_cache_of_another_engine_version_is_ignored(source, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    with monkeypatch.context() as m:
        m.setattr(compiled, "engine", lambda: "an older engine")
        compiled.answerer(source, cache=cache)
    calls = []
    real = compiled.build
    monkeypatch.setattr(compiled, "build", lambda path, data: calls.append(path) or real(path, data))
    compiled.answerer(source, cache=cache)
    assert calls == [source]
    assert compiled.FORMAT and compiled.engine() != "an older engine"


def test_without_a_writable_cache_folder_knowledge_still_loads(source, tmp_path):
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder", encoding="utf-8")  # (a file, not a mode: the tests may run as root)
    answerer = compiled.answerer(source, cache=blocked / "cache")
    assert answerer.ask("榮民證要去哪裡辦？", NOW).outcome == "answer"
    assert blocked.read_text(encoding="utf-8") == "not a folder"


def test_a_live_desk_restarts_from_its_cache(source, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    first = LiveDesk(source.parent, every=0, cache=cache).current().ask(OFFICE, "榮民證要去哪裡辦？", NOW)
    assert (cache / f"{OFFICE}.compiled").is_file()
    monkeypatch.setattr(live, "_built", OrderedDict())  # a new process: nothing built in memory
    _no_build(monkeypatch)
    again = LiveDesk(source.parent, every=0, cache=cache).current().ask(OFFICE, "榮民證要去哪裡辦？", NOW)
    assert _record(again) == _record(first)


@pytest.mark.parametrize("cache", [True, False])
def test_several_big_offices_compile_in_parallel_and_answer_as_one_by_one(tmp_path, monkeypatch, cache):
    folder = tmp_path / "knowledge"
    folder.mkdir()
    for office in ("taoyuan-vac", "sanmin-district"):
        shutil.copy(KNOWLEDGE / f"{office}.yaml", folder / f"{office}.yaml")
    monkeypatch.setattr(live, "_built", OrderedDict())
    alone = LiveDesk(folder, every=0).current()
    monkeypatch.setattr(live, "_built", OrderedDict())  # nothing built in this process ...
    here, build = os.getpid(), compiled.build

    def elsewhere(path, data):  # (a forked pool process inherits this patch; it may build)
        assert os.getpid() != here, f"{path} built in the parent"
        return build(path, data)

    monkeypatch.setattr(compiled, "build", elsewhere)
    # ... so every office comes from the pool's processes, through the cache folder (or a temporary one).
    folder_cache = tmp_path / "cache" if cache else None
    together = LiveDesk(folder, every=0, cache=folder_cache, parallel_bytes=0).current()
    assert together.agency_ids == alone.agency_ids == ["sanmin-district", "taoyuan-vac"]
    for office, answerer in alone.answerers.items():
        assert together.answerers[office].agency.version == answerer.agency.version
        for q in _questions(answerer)[:80]:
            assert _record(together.ask(office, q, NOW)) == _record(alone.ask(office, q, NOW))
    assert sorted(p.name for p in (folder_cache.iterdir() if cache else ())) == (
        ["sanmin-district.compiled", "taoyuan-vac.compiled"] if cache else [])

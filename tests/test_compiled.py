"""The compiled knowledge cache: a hit answers exactly as a build; a changed, damaged, old or unwritable
cache is never trusted over the file."""

import datetime as dt
import shutil
import subprocess
import sys
import threading
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


PARALLEL_CHECK = """
import os, sys
from collections import OrderedDict
from pathlib import Path
from bot.core import compiled, live
from bot.core.live import LiveDesk
folder, cache = Path(sys.argv[1]), Path(sys.argv[2])
alone = LiveDesk(folder, every=0).current()
live._built.clear()  # nothing built in this process ...
here, build = os.getpid(), compiled.build
def elsewhere(path, data):  # (the forked pool processes inherit this patch; they may build)
    assert os.getpid() != here, f"{path} built in the parent"
    return build(path, data)
compiled.build = elsewhere
# ... so every office comes from the pool's processes, through the cache folder (or a temporary one).
for kept in (cache, None):
    live._built.clear()
    together = LiveDesk(folder, every=0, cache=kept, parallel_bytes=0).current()
    assert together.agency_ids == alone.agency_ids == ["sanmin-district", "taoyuan-vac"], together.agency_ids
    for office, answerer in alone.answerers.items():
        assert together.answerers[office].agency.version == answerer.agency.version
        for e in answerer.agency.entries:
            for q in e.questions:
                a, b = alone.ask(office, q), together.ask(office, q)
                assert (a.outcome, a.entry_id, a.score, a.text) == (b.outcome, b.entry_id, b.score, b.text), q
print("same")
"""


def test_several_big_offices_compile_in_parallel_and_answer_as_one_by_one(tmp_path):
    # In a process of its own: the pool forks only a process without other threads, as a server's
    # master is when it loads (this test process may have threads left by other tests).
    folder = tmp_path / "knowledge"
    folder.mkdir()
    for office in ("taoyuan-vac", "sanmin-district"):
        shutil.copy(KNOWLEDGE / f"{office}.yaml", folder / f"{office}.yaml")
    cache = tmp_path / "cache"  # with a cache folder, then with none (a temporary one is used)
    run = subprocess.run([sys.executable, "-c", PARALLEL_CHECK, str(folder), str(cache)],
                         check=False, capture_output=True, text=True, cwd=KNOWLEDGE.parent, timeout=120)
    assert run.returncode == 0 and run.stdout.strip() == "same", run.stderr[-2000:]
    assert sorted(p.name for p in cache.iterdir()) == ["sanmin-district.compiled", "taoyuan-vac.compiled"]


def test_a_process_with_other_threads_loads_one_by_one(tmp_path, monkeypatch):
    monkeypatch.setattr(live, "compile_at_once", lambda jobs, cache: pytest.fail("forked with threads alive"))
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        desk = LiveDesk(KNOWLEDGE, every=0, parallel_bytes=0).current()
    finally:
        stop.set()
        thread.join()
    assert len(desk.agency_ids) == 5

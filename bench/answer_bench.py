"""Benchmark of the answer engine: loading (cold and from the compiled cache) against a bare YAML parse,
a worker's memory after loading, answer latency p50/p99.

Runs on the shipped knowledge and on a synthetic knowledge base 50 times larger (made by
mutating copies of the real entries, written as YAML and loaded the normal way).
Prints figures only; nothing here asserts a timing.

    .venv/bin/python bench/answer_bench.py [--questions 1000] [--scale 50]
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.core import live  # noqa: E402
from bot.core.answerer import Desk  # noqa: E402
from bot.core.evaluation import load_cases  # noqa: E402
from bot.core.live import LiveDesk  # noqa: E402

SEED = 20261123
RUNS = 3  # each load is timed this many times; the best run counts


def bare_parse(folder: Path) -> float:
    """Seconds to read and yaml.load (libyaml's CSafeLoader) every file of the folder, nothing else."""
    start = time.perf_counter()
    for path in sorted(folder.glob("*.yaml")):
        yaml.load(path.read_bytes(), Loader=yaml.CSafeLoader)
    return time.perf_counter() - start


def load(folder: Path, cache: Path | None = None) -> tuple[Desk, float]:
    """Load a knowledge folder as a worker does (without a cache: validate and index every file);
    return the desk and the seconds taken."""
    live._built.clear()  # what this process built before is not reused: a worker starts afresh
    start = time.perf_counter()
    desk = LiveDesk(folder, cache=cache).current()  # several big offices are compiled at once
    return desk, time.perf_counter() - start


def best(measure) -> float:
    """The fastest of RUNS runs of `measure` (a function returning seconds), garbage freed between."""
    times = []
    for _ in range(RUNS):
        gc.collect()
        times.append(measure())
    return min(times)


def peak_memory(folder: Path, cache: Path | None = None) -> int:
    """Peak bytes allocated while loading (traced separately: tracing slows it)."""
    gc.collect()
    tracemalloc.start()
    desk = load(folder, cache)[0]
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    del desk
    return peak


def worker_rss(folder: Path, cache: Path | None) -> float:
    """A fresh process's resident memory (MiB) once it has loaded the folder and answered a question
    per office (the word tables load with the first question): what a gunicorn worker holds."""
    out = subprocess.run([sys.executable, __file__, "--rss", str(folder), "--cache", str(cache or "")],
                         capture_output=True, text=True, check=True).stdout
    return float(out.split()[-1])


def _rss_now() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _rss_child(folder: Path, cache: Path | None) -> None:
    desk = load(folder, cache)[0]
    for answerer in desk.answerers.values():
        answerer.ask(answerer.agency.entries[0].questions[0])
    gc.collect()
    print(f"{_rss_now():.1f}")


def questions(desk: Desk, n: int) -> list[tuple[str, str]]:
    """n (agency, question) pairs: labelled questions plus examples with a character dropped."""
    rng = random.Random(SEED)
    pool: list[tuple[str, str]] = []
    for path in sorted((ROOT / "tests" / "data").glob("calibration-*.yaml")):
        pool += [(c.agency, c.q) for c in load_cases(path) if c.agency in desk.answerers]
    for aid, answerer in desk.answerers.items():
        for entry in answerer.agency.entries:
            for q in entry.questions:
                cut = rng.randrange(len(q))
                pool.append((aid, q[:cut] + q[cut + 1:]))
    return [rng.choice(pool) for _ in range(n)]


def latency(desk: Desk, qs: list[tuple[str, str]]) -> tuple[float, float]:
    """p50 and p99 of answering, in milliseconds, bypassing the answer cache: the median of RUNS passes
    (after a warm-up), with the loaded knowledge frozen out of the collector as gunicorn.conf.py does."""
    for aid, q in qs[:50]:
        desk.answerers[aid]._ask(q)
    gc.collect()
    gc.freeze()
    passes = []
    try:
        for _ in range(RUNS):
            times = []
            for aid, q in qs:
                start = time.perf_counter_ns()
                desk.answerers[aid]._ask(q)  # the engine's own cost; a repeated question is a cache lookup
                times.append((time.perf_counter_ns() - start) / 1e6)
            cuts = statistics.quantiles(times, n=100)
            passes.append((cuts[49], cuts[98]))
    finally:
        gc.unfreeze()
    return statistics.median(p for p, _ in passes), statistics.median(p for _, p in passes)


def _mutate(text: str, rng: random.Random, alphabet: str) -> str:
    chars = list(text)
    for i in range(len(chars)):
        if rng.random() < 0.3:
            chars[i] = rng.choice(alphabet)
    return "".join(chars)


def synthesize(src: Path, dst: Path, scale: int) -> None:
    """Write knowledge files `scale` times larger: each entry copied with 30% of characters changed."""
    rng = random.Random(SEED)
    for path in sorted(src.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        alphabet = "".join(sorted({ch for ch in path.read_text(encoding="utf-8") if "\u4e00" <= ch <= "\u9fff"}))
        for section in ("windows", "single_window", "channels", "faqs"):
            items = data.get(section) or []
            copies = []
            for k in range(1, scale):
                for item in items:
                    c = dict(item, id=f"{item['id']}-x{k}", related=[])
                    for fld in ("title", "answer"):
                        c[fld] = _mutate(item[fld], rng, alphabet)
                    c["questions"] = [_mutate(str(q), rng, alphabet) + f"{k}" for q in item["questions"]]
                    c["keywords"] = [_mutate(str(w), rng, alphabet) for w in item["keywords"]]
                    copies.append(c)
            data[section] = items + copies
        (dst / path.name).write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def report(label: str, folder: Path, n: int) -> dict:
    """Measure and print one knowledge folder's figures; return them."""
    with tempfile.TemporaryDirectory() as tmp:
        cache = Path(tmp) / "compiled"
        bare = best(lambda: bare_parse(folder))
        cold = best(lambda: load(folder)[1])
        desk = load(folder, cache)[0]  # compiles once into the cache
        warm = best(lambda: load(folder, cache)[1])
        peak, warm_peak = peak_memory(folder), peak_memory(folder, cache)
        rss = {"cold": worker_rss(folder, None), "warm": worker_rss(folder, cache)}
    entries = sum(len(a.agency.entries) for a in desk.answerers.values())
    p50, p99 = latency(desk, questions(desk, n))
    print(f"{label:5s} {entries:6d} entries  bare YAML parse {bare * 1000:8.1f} ms\n"
          f"      load+index, cold (no cache) {cold * 1000:8.1f} ms = {cold / bare:4.2f} x bare;  "
          f"warm (from cache) {warm * 1000:7.1f} ms = {warm / bare:4.2f} x bare\n"
          f"      worker RSS after load: cold {rss['cold']:6.1f} MiB, warm {rss['warm']:6.1f} MiB;  "
          f"peak traced memory: cold {peak / 2**20:6.1f} MiB, warm {warm_peak / 2**20:6.1f} MiB\n"
          f"      answer p50 {p50:6.3f} ms  p99 {p99:6.3f} ms")
    return rss


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=1000)
    parser.add_argument("--scale", type=int, default=50)
    parser.add_argument("--rss", type=Path, help=argparse.SUPPRESS)  # the child process of worker_rss
    parser.add_argument("--cache", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.rss:
        return _rss_child(args.rss, Path(args.cache) if args.cache else None)
    print(f"python {sys.version.split()[0]}; {args.questions} questions per run; seed {SEED}; "
          f"loads timed {RUNS} times, the best counts")
    real = report("real", ROOT / "knowledge", args.questions)
    with tempfile.TemporaryDirectory() as tmp:
        synthesize(ROOT / "knowledge", Path(tmp), args.scale)
        large = report(f"{args.scale}x", Path(tmp), args.questions)
    print(f"worker RSS {args.scale}x minus real: cold {large['cold'] - real['cold']:+.1f} MiB, "
          f"warm {large['warm'] - real['warm']:+.1f} MiB")


if __name__ == "__main__":
    main()

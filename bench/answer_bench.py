"""Benchmark of the answer engine: load+index time, answer latency p50/p99, peak memory.

Runs on the shipped knowledge and on a synthetic knowledge base 50 times larger (made by
mutating copies of the real entries, written as YAML and loaded the normal way).
Prints figures only; nothing here asserts a timing.

    .venv/bin/python bench/answer_bench.py [--questions 1000] [--scale 50]
"""

from __future__ import annotations

import argparse
import random
import resource
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.core.answerer import Desk  # noqa: E402
from bot.core.evaluation import load_cases  # noqa: E402
from bot.core.knowledge import load_dir  # noqa: E402

SEED = 20261123


def load(folder: Path) -> tuple[Desk, float]:
    """Load and index a knowledge folder; return the desk and the seconds taken."""
    start = time.perf_counter()
    agencies, problems = load_dir(folder)
    desk = Desk(agencies)
    seconds = time.perf_counter() - start
    if problems:
        raise SystemExit("\n".join(map(str, problems)))
    return desk, seconds


def peak_memory(folder: Path) -> int:
    """Peak bytes allocated while loading and indexing (traced separately: tracing slows it)."""
    tracemalloc.start()
    desk = load(folder)[0]
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    del desk
    return peak


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
    """p50 and p99 of answering, in milliseconds (after one warm-up pass), bypassing the answer cache."""
    for aid, q in qs[:50]:
        desk.answerers[aid]._ask(q)
    times = []
    for aid, q in qs:
        start = time.perf_counter_ns()
        desk.answerers[aid]._ask(q)  # the engine's own cost; a repeated question is a cache lookup
        times.append((time.perf_counter_ns() - start) / 1e6)
    cuts = statistics.quantiles(times, n=100)
    return cuts[49], cuts[98]


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


def report(label: str, folder: Path, n: int) -> None:
    """Measure and print one knowledge folder's figures."""
    loads = []
    for _ in range(3):
        desk, seconds = load(folder)
        loads.append(seconds)
    peak = peak_memory(folder)
    entries = sum(len(a.agency.entries) for a in desk.answerers.values())
    p50, p99 = latency(desk, questions(desk, n))
    print(f"{label:10s} entries {entries:6d}  load+index {min(loads) * 1000:8.1f} ms  "
          f"answer p50 {p50:6.3f} ms  p99 {p99:6.3f} ms  peak traced memory {peak / 2**20:7.1f} MiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=1000)
    parser.add_argument("--scale", type=int, default=50)
    args = parser.parse_args()
    print(f"python {sys.version.split()[0]}; {args.questions} questions per run; seed {SEED}")
    report("real", ROOT / "knowledge", args.questions)
    with tempfile.TemporaryDirectory() as tmp:
        synthesize(ROOT / "knowledge", Path(tmp), args.scale)
        report(f"{args.scale}x", Path(tmp), args.questions)
    print(f"process max RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.1f} MiB")


if __name__ == "__main__":
    main()

"""A clone of the repository, alone in a folder of its own, collects every test; and no test or tool
reaches outside the project folder: the project carries every file its tests read."""

import re
import subprocess
import sys

from conftest import ROOT

# A path that leaves the project: a parent of ROOT, or a relative path climbing out of it.
OUTSIDE = re.compile(r"ROOT\.parent|\.parent\.parent\.parent|['\"]\.\./")


def test_a_clone_alone_collects_every_test(tmp_path):
    clone = tmp_path / "clone"  # nothing else in tmp_path: whatever lay beside the project is absent
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True, timeout=120)
    assert [p.name for p in tmp_path.iterdir()] == ["clone"]
    # --assert=plain: rewriting every test module's asserts afresh (a clone has no bytecode cache) takes
    # seconds, and this run only collects; the suite's own run imports the rewritten modules.
    got = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider",
                          "--assert=plain"], cwd=clone, capture_output=True, text=True, timeout=300)
    assert got.returncode == 0, got.stdout[-3000:] + got.stderr[-3000:]
    assert "error" not in got.stdout.lower().split("\n")[-2], got.stdout[-1000:]
    tests = [line for line in got.stdout.splitlines() if "::" in line]
    assert len(tests) > 400


def test_no_test_or_tool_reads_outside_the_project():
    offenders = []
    for path in [*ROOT.glob("tests/*.py"), *ROOT.glob("bench/*.py"), *ROOT.glob("bot/**/*.py"),
                 *ROOT.glob("handlers/*.py"), ROOT / "Makefile", ROOT / ".ci" / "run"]:
        if path.name != "test_self_contained.py" and OUTSIDE.search(path.read_text(encoding="utf-8")):
            offenders.append(path.relative_to(ROOT))
    assert offenders == [], offenders

"""A clone of the repository, alone in a folder (no reading-material folder beside it), collects
every test: the project carries every file its tests read."""

import subprocess
import sys

from conftest import ROOT

# The reading material's folder name, put together so that this file does not name its path.
MATERIAL = "shared"


def test_a_clone_alone_collects_every_test(tmp_path):
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True, timeout=120)
    assert not (clone.parent / MATERIAL).exists()
    got = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider"],
                         cwd=clone, capture_output=True, text=True, timeout=300)
    assert got.returncode == 0, got.stdout[-3000:] + got.stderr[-3000:]
    assert "error" not in got.stdout.lower().split("\n")[-2], got.stdout[-1000:]
    tests = [line for line in got.stdout.splitlines() if "::" in line]
    assert len(tests) > 400


def test_no_test_or_tool_reads_the_reading_material():
    needles = ("/".join(("..", MATERIAL)), f'parent / "{MATERIAL}"')
    offenders = []
    for path in [*ROOT.glob("tests/*.py"), *ROOT.glob("bot/**/*.py"), *ROOT.glob("handlers/*.py"),
                 ROOT / "Makefile", ROOT / ".ci" / "run"]:
        if any(needle in path.read_text(encoding="utf-8") for needle in needles):
            offenders.append(path.relative_to(ROOT))
    assert offenders == [], offenders

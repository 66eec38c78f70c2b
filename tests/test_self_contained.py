"""A clone of the repository, in a folder with no ../shared beside it, collects every test: the
project carries every file its tests read (shared/ is reading material, never a test dependency)."""

import subprocess
import sys

from conftest import ROOT


def test_a_clone_without_shared_collects_every_test(tmp_path):
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True, timeout=120)
    assert not (clone.parent / "shared").exists()
    got = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider"],
                         cwd=clone, capture_output=True, text=True, timeout=300)
    assert got.returncode == 0, got.stdout[-3000:] + got.stderr[-3000:]
    assert "error" not in got.stdout.lower().split("\n")[-2], got.stdout[-1000:]
    tests = [line for line in got.stdout.splitlines() if "::" in line]
    assert len(tests) > 400


def test_no_test_or_tool_reads_the_shared_folder():
    offenders = []
    for path in [*ROOT.glob("tests/*.py"), *ROOT.glob("bot/**/*.py"), *ROOT.glob("handlers/*.py"),
                 ROOT / "Makefile", ROOT / ".ci" / "run"]:
        if path.name == "test_self_contained.py":
            continue
        text = path.read_text(encoding="utf-8")
        if "../shared" in text or "parent / \"shared\"" in text:
            offenders.append(path.relative_to(ROOT))
    assert offenders == [], offenders

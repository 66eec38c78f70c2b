"""The operator's guide (docs/deploy.md) is run, not just read: every line of its ```sh blocks runs,
verbatim and in order, in a copy of the project beside a real gunicorn (its port swapped for a free
one); every variable its ```dotenv blocks set is one the server reads. (Its ```nginx block: test_proxy.py.)"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import stat
import subprocess
import sys

from conftest import ROOT, server_env
from servers import free_port, running

GUIDE = ROOT / "docs" / "deploy.md"
ARGV = [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "bot.app:create_app()"]


def blocks(kind: str) -> list[str]:
    return re.findall(rf"```{kind}\n(.*?)```", GUIDE.read_text(encoding="utf-8"), re.S)


def commands() -> list[str]:
    return [line.strip() for block in blocks("sh") for line in block.splitlines()
            if line.strip() and not line.strip().startswith("#")]


def distinct(lines: list[str]) -> list[str]:
    """Each line once, where the guide last has it: by then every line the guide has before it has run.
    The lines it repeats (`kb check`, `db upgrade`, the health check) would find nothing new to check
    in an earlier run, which would cost seconds each (`kb check` builds every office's answerer)."""
    return list(reversed(dict.fromkeys(reversed(lines))))


def test_the_guide_is_linked_from_the_readme_and_has_its_commands():
    assert "docs/deploy.md" in (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(commands()) >= 8 and blocks("nginx")


def test_every_command_of_the_guide_runs(tmp_path, fake_line):
    project = tmp_path / "project"
    project.mkdir()
    (project / ".env.example").write_bytes((ROOT / ".env.example").read_bytes())
    (project / ".venv").symlink_to(ROOT / ".venv")
    port = free_port()
    env = {**os.environ, **server_env(tmp_path, fake_line.url, ENV_FILE=str(project / ".env"), PORT=str(port))}
    outputs = {}
    with running([*ARGV, "--bind", f"127.0.0.1:{port}"], env, port, tmp_path / "gunicorn.log"):
        for command in distinct(commands()):
            line = command.replace("127.0.0.1:8000", f"127.0.0.1:{port}")
            done = subprocess.run(line, shell=True, cwd=project, env=env, capture_output=True, text=True, timeout=120)
            assert done.returncode == 0, f"{command}\n{done.stdout}\n{done.stderr}"
            outputs[command] = done.stdout
    assert stat.S_IMODE((project / ".env").stat().st_mode) == 0o600
    health = json.loads(next(out for cmd, out in outputs.items() if "healthz" in cmd))
    assert health["ok"] and "taoyuan-vac" in health["offices"]
    (backup,) = (project / "backup").glob("*.db")
    with sqlite3.connect(backup) as db:
        assert db.execute("SELECT COUNT(*) FROM schema_migrations").fetchone()[0] > 0
    assert (project / "menu.png").read_bytes()[:4] == b"\x89PNG"


def test_every_variable_the_guide_sets_is_one_the_server_reads():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    gunicorn_own = {"FORWARDED_ALLOW_IPS", "WEB_CONCURRENCY", "PORT", "GUNICORN_THREADS"}
    for block in blocks("dotenv"):
        for name in re.findall(r"^([A-Z][A-Z0-9_]*)=", block, re.M):
            generic = re.sub(r"_(TAOYUAN_VAC|PINGTUNG_VAC|FENGSHAN_HOUSEHOLD|SANMIN_DISTRICT|KAOHSIUNG_MILITARY_SERVICE)$",
                             "_<ID>", name)
            assert f"`{generic}`" in readme or generic in gunicorn_own or f"`{generic}" in readme, name

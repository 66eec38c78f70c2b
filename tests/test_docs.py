"""The docs match the code: every command is in the README, the README's commands exist."""

import re

from bot.cli import build_parser
from conftest import ROOT


def _commands() -> list[str]:
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    names = []
    for name, p in sub.choices.items():
        nested = [a for a in p._actions if getattr(a, "choices", None) and a.dest.endswith("_command")]
        names += [f"{name} {n}" for a in nested for n in a.choices] or [name]
    return names


def test_every_command_is_documented_in_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for command in _commands():
        assert f"`{command}" in readme, f"README does not document `{command}`"


def test_the_readme_shows_the_two_commands_and_ci_calls_the_test_one():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "make run" in readme and "make test" in readme
    assert re.search(r"^make test$", (ROOT / ".ci" / "run").read_text(), re.M)


def test_every_environment_variable_read_is_documented():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    code = "".join(p.read_text(encoding="utf-8") for p in (ROOT / "bot").rglob("*.py"))
    for name in set(re.findall(r"""env(?:iron)?\.get\(["']([A-Z_]+)""", code)):
        assert f"`{name}`" in readme, name

"""The import rule: bot/core knows nothing of LINE, Flask or the database; modules stay small."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN = ("flask", "linebot", "bot.store", "bot.app", "bot.webhook", "handlers", "sqlite3", "psycopg")


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_core_imports_no_transport_or_storage():
    core = sorted((ROOT / "bot" / "core").glob("*.py"))
    assert core
    for path in core:
        bad = [n for n in _imports(path) if n.split(".")[0] in FORBIDDEN or n in FORBIDDEN
               or any(n.startswith(f + ".") for f in FORBIDDEN)]
        assert bad == [], f"{path.name} imports {bad}"


def test_only_the_knowledge_module_reads_yaml():
    readers = [p.relative_to(ROOT).as_posix() for p in sorted((ROOT / "bot").rglob("*.py"))
               if "yaml" in _imports(p)]
    # evaluation.py reads question files (not knowledge); knowledge.py is the only knowledge reader.
    assert set(readers) <= {"bot/core/knowledge.py", "bot/core/evaluation.py"}


def test_every_module_has_a_docstring_and_stays_small():
    for path in sorted((ROOT / "bot").rglob("*.py")) + sorted((ROOT / "handlers").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        assert ast.get_docstring(tree), f"{path} has no module docstring"
        assert len(path.read_text(encoding="utf-8").splitlines()) < 400, f"{path} is too long"

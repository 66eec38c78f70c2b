"""The import rule: bot/core knows nothing of LINE, Flask or the database; the terminal's commands and the
review import each other in no circle; only settings reads the environment; modules stay small."""

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
    # evaluation.py reads question files (not knowledge); knowledge.py is the only knowledge reader and
    # checker; teach.py lays the dashboard's edits over a file's data and hands the text back to it.
    assert set(readers) <= {"bot/core/knowledge.py", "bot/core/evaluation.py", "bot/core/teach.py"}


def test_every_module_has_a_docstring_and_stays_small():
    for path in sorted((ROOT / "bot").rglob("*.py")) + sorted((ROOT / "handlers").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        assert ast.get_docstring(tree), f"{path} has no module docstring"
        assert len(path.read_text(encoding="utf-8").splitlines()) < 400, f"{path} is too long"


def _modules() -> dict[str, Path]:
    """Every module of bot/ and handlers/ by its dotted name (a package by its __init__.py)."""
    found = {}
    for path in sorted((ROOT / "bot").rglob("*.py")) + sorted((ROOT / "handlers").rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def _graph() -> dict[str, set[str]]:
    """module -> the project modules it imports, at the top or inside a function (a lazy import still ties)."""
    modules = _modules()
    graph = {}
    for name, path in modules.items():
        targets = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets.update(a.name for a in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module:
                # `from bot.richmenu import layout` imports the module bot.richmenu.layout
                subs = {f"{node.module}.{a.name}" for a in node.names} & modules.keys()
                targets.update(subs or {node.module})
        graph[name] = {t for t in targets if t in modules and t != name}
    return graph


def _circles(graph: dict[str, set[str]]) -> list[set[str]]:
    """The groups of modules that import one another round a loop (strongly connected, two or more)."""
    reach = {m: _reachable(graph, m) for m in graph}
    circles = {frozenset(n for n in reach[m] if m in reach[n]) | {m} for m in graph if m in reach[m]}
    return [set(c) for c in circles if len(c) > 1]


def _reachable(graph: dict[str, set[str]], start: str) -> set[str]:
    """Every module `start` imports, directly or through others."""
    seen, todo = set(), list(graph[start])
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo += graph[name]
    return seen


TERMINAL = ("bot.cli", "bot.commands")  # python -m bot: the entry point and the command modules


def _is(name: str, prefixes: tuple) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def test_the_commands_and_the_review_import_each_other_in_no_circle():
    circles = [c for c in _circles(_graph()) if any(_is(m, TERMINAL) for m in c)]
    assert circles == [], f"import circles through the command line: {circles}"


def test_the_review_never_imports_the_command_line():
    # The terminal calls the review (report, export); the review is also the dashboard's, and knows no terminal.
    graph = _graph()
    bad = {m: sorted(t for t in graph[m] if _is(t, TERMINAL)) for m in graph if _is(m, ("bot.review",))}
    assert {m: t for m, t in bad.items() if t} == {}


def _reads_environment(path: Path) -> list[str]:
    """os.environ / os.getenv / os.putenv uses (or `from os import environ`), as line numbers and names."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "os"
                and node.attr in ("environ", "environb", "getenv", "getenvb", "putenv", "unsetenv")):
            found.append(f"{node.lineno}: os.{node.attr}")
        elif isinstance(node, ast.ImportFrom) and node.module == "os":
            found += [f"{node.lineno}: from os import {a.name}" for a in node.names if "env" in a.name]
    return found


def test_only_settings_reads_the_environment():
    # Settings (or its small helpers) is the one place that says which variables exist and what they default to.
    paths = sorted((ROOT / "bot").rglob("*.py")) + sorted((ROOT / "handlers").rglob("*.py")) + [ROOT / "gunicorn.conf.py"]
    readers = {p.relative_to(ROOT).as_posix(): r for p in paths if (r := _reads_environment(p))}
    assert readers.keys() == {"bot/settings.py"}, readers


def test_the_rich_menu_layout_is_pure():
    # Which topics on which rectangles is decided without Pillow, the LINE SDK or the network: the layout
    # module and everything it imports, inside the project too.
    graph = _graph()
    modules = _modules()
    closure = {"bot.richmenu.layout"} | _reachable(graph, "bot.richmenu.layout")
    outside = {n.split(".")[0] for m in closure for n in _imports(modules[m])}
    assert outside.isdisjoint({"PIL", "linebot", "urllib3", "requests", "flask", "handlers"}), closure


def test_actions_are_built_only_by_the_message_builders():
    # A rich menu button and a quick reply that ask for the same thing must send the same action: every
    # postback or message action comes from handlers/messages.py, never a dict written by hand elsewhere.
    for path in sorted((ROOT / "bot").rglob("*.py")) + sorted((ROOT / "handlers").rglob("*.py")):
        if path == ROOT / "handlers" / "messages.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Dict):
                keys = {k.value: v for k, v in zip(node.keys, node.values) if isinstance(k, ast.Constant)}
                kind = keys.get("type")
                assert not ("label" in keys and isinstance(kind, ast.Constant) and kind.value in ("postback", "message")), \
                    f"{path.relative_to(ROOT)}:{node.lineno} builds an action by hand"

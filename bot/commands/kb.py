"""`python -m bot kb check`: validate the knowledge files; list what staff must fix and what to look at."""

from __future__ import annotations

from bot.commands.common import EXIT_FAIL, EXIT_OK, EXIT_USAGE, FORMATTER, CliError, configured_store
from bot.core import hours
from bot.core.answerer import Answerer
from bot.core.checks import (dead_end_warnings, gap_warnings, regression_failures, review_warnings,
                             routing_warnings)
from bot.core.knowledge import KnowledgeError, load_dir, load_regressions
from bot.core.writeback import export
from bot.settings import knowledge_dir


def cmd_kb_check(args) -> int:
    """Validate knowledge files, run the staff's regression questions, report routing problems,
    dead ends, entries due for review and fact gaps."""
    folder = knowledge_dir()
    agencies, problems = load_dir(folder, only=args.agency)
    if args.agency and args.agency not in agencies and not problems:
        raise CliError(f"不認得的機關代碼：{args.agency}（資料夾：{folder}）", EXIT_USAGE)
    warnings = []
    today = hours.now_taipei().date().isoformat()
    for agency in agencies.values():
        answerer = Answerer(agency)
        tests = folder / "tests" / f"{agency.id}.yaml"
        if tests.is_file():
            cases, bad = load_regressions(tests, {e.id for e in answerer.agency.entries})
            problems += bad + regression_failures(answerer, cases)
        warnings += routing_warnings(agency, answerer) + dead_end_warnings(agency) + review_warnings(agency, today)
        if not args.no_gaps:
            warnings += gap_warnings(agency)
    for p in problems:
        print(f"錯誤 {p}")
    for w in warnings:
        print(f"提醒 {w}")
    n_entries = sum(len(a.entries) for a in agencies.values())
    print(f"{len(agencies)} 個機關、{n_entries} 個項目：{len(problems)} 個錯誤、{len(warnings)} 個提醒")
    return EXIT_FAIL if problems else EXIT_OK


def cmd_kb_export(args) -> int:
    """Write the dashboard's edits into the knowledge files (for version control); list the conflicts."""
    folder = knowledge_dir()
    store = configured_store()
    by_office: dict[str, list] = {}
    for change in store.changes(args.agency):
        by_office.setdefault(change.agency, []).append(change)
    conflicts = 0
    for agency, changes in sorted(by_office.items()):
        path = folder / f"{agency}.yaml"
        if not path.is_file():
            print(f"略過 {agency}：找不到 {path}")
            continue
        try:
            written, clashing = export(path, changes)
        except KnowledgeError as exc:
            raise CliError(f"{path.name} 寫入後會有錯誤，所以沒有寫入：\n{exc}") from None
        for c in written:
            print(f"已寫入 {path.name}：第 {c.id} 筆 {c.note}（{c.who}）")
        for c in clashing:
            print(f"沒有寫入 {path.name}：第 {c.id} 筆 {c.note}。檔案裡的「{c.entry_id}」在這筆修改之後被改過，"
                  "請到儀表板的修改紀錄看看，再決定怎麼改。")
        conflicts += len(clashing)
    print("沒有需要寫入的修改。" if not by_office else f"完成。{conflicts} 筆有衝突。")
    return EXIT_FAIL if conflicts else EXIT_OK


def register(sub) -> None:
    """Add kb check and kb export to the main parser's subcommands."""
    p = sub.add_parser("kb", help="knowledge base tools", formatter_class=FORMATTER,
                       epilog="example:\n  python -m bot kb check --agency taoyuan-vac")
    kb = p.add_subparsers(dest="kb_command", metavar="KB_COMMAND", required=True)
    p = kb.add_parser("check", help="validate knowledge files; list errors, routing problems and gaps",
                      formatter_class=FORMATTER, epilog="example:\n  python -m bot kb check --agency taoyuan-vac\n"
                                                        "exit 0 when valid, 1 with the list of errors otherwise")
    p.add_argument("--agency", help="only this office")
    p.add_argument("--no-gaps", action="store_true", help="do not list empty phone/address/hours")
    p.set_defaults(func=cmd_kb_check)
    p = kb.add_parser("export", help="write the dashboard's knowledge edits into the YAML files",
                      formatter_class=FORMATTER, epilog="example:\n  python -m bot kb export --agency taoyuan-vac\n"
                                                        "exit 0 when every edit was written or already there, "
                                                        "1 when some conflict with a newer file edit")
    p.add_argument("--agency", help="only this office")
    p.set_defaults(func=cmd_kb_export)

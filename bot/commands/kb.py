"""`python -m bot kb check`: validate the knowledge files; list what staff must fix and what to look at."""

from __future__ import annotations

from bot.commands.common import EXIT_FAIL, EXIT_OK, EXIT_USAGE, FORMATTER, CliError
from bot.core import hours
from bot.core.answerer import Answerer
from bot.core.checks import (dead_end_warnings, gap_warnings, regression_failures, review_warnings,
                             routing_warnings)
from bot.core.knowledge import load_dir, load_regressions
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


def register(sub) -> None:
    """Add kb check to the main parser's subcommands."""
    p = sub.add_parser("kb", help="knowledge base tools", formatter_class=FORMATTER,
                       epilog="example:\n  python -m bot kb check --agency taoyuan-vac")
    kb = p.add_subparsers(dest="kb_command", metavar="KB_COMMAND", required=True)
    p = kb.add_parser("check", help="validate knowledge files; list errors, routing problems and gaps",
                      formatter_class=FORMATTER, epilog="example:\n  python -m bot kb check --agency taoyuan-vac\n"
                                                        "exit 0 when valid, 1 with the list of errors otherwise")
    p.add_argument("--agency", help="only this office")
    p.add_argument("--no-gaps", action="store_true", help="do not list empty phone/address/hours")
    p.set_defaults(func=cmd_kb_check)

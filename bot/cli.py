"""The `python -m bot` command line: ask, chat, eval, kb check (errors are messages, not tracebacks)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from bot.core import calibration, evaluation
from bot.core.answerer import Answer, Desk
from bot.core.checks import gap_warnings, routing_warnings
from bot.core.knowledge import load_dir
from bot.settings import knowledge_dir

EXIT_OK, EXIT_FAIL, EXIT_USAGE = 0, 1, 2


class CliError(Exception):
    """A user-facing error: printed as a message with an exit code, never a traceback."""

    def __init__(self, message: str, code: int = EXIT_FAIL):
        super().__init__(message)
        self.code = code


def _desk(agency: str | None = None) -> Desk:
    """Load the knowledge (KNOWLEDGE_DIR or the bundled folder) for one agency or all of them."""
    folder = knowledge_dir()
    agencies, problems = load_dir(folder, only=agency)
    if agency and agency not in agencies and not problems:
        known, _ = load_dir(folder)
        raise CliError(f"不認得的機關代碼：{agency}\n可用的代碼：{', '.join(sorted(known)) or '（沒有）'}",
                       EXIT_USAGE)
    if problems:
        raise CliError("知識庫有錯誤，請先修正：\n" + "\n".join(map(str, problems)))
    return Desk(agencies)


def _plain(answer: Answer) -> str:
    """An answer as a citizen reads it, with its buttons listed under it."""
    buttons = [e.title for e in (answer.choices or answer.related)]
    return answer.text + (f"\n［按鈕］{'｜'.join(buttons)}" if buttons else "")


def cmd_ask(args) -> int:
    """Answer one question, or one per stdin line with --json."""
    desk = _desk(args.agency)
    if args.question == "-":
        for line in sys.stdin:
            answer = desk.ask(args.agency, line.rstrip("\r\n"))
            print(json.dumps(answer.to_dict(), ensure_ascii=False) if args.json else _plain(answer), flush=True)
        return EXIT_OK
    answer = desk.ask(args.agency, args.question)
    print(json.dumps(answer.to_dict(), ensure_ascii=False) if args.json else _plain(answer))
    return EXIT_OK


def cmd_chat(args) -> int:
    """Talk to the bot in the terminal until an empty line or Ctrl-D."""
    desk = _desk(args.agency)
    print(f"（{args.agency}）請輸入問題，空白行結束。")
    for line in sys.stdin:
        if not line.strip():
            break
        print(_plain(desk.ask(args.agency, line.strip())) + "\n", flush=True)
    return EXIT_OK


def cmd_eval(args) -> int:
    """Score a question file and print per-office accuracy and every failure."""
    try:
        cases = evaluation.load_cases(Path(args.file))
    except (OSError, ValueError) as exc:
        raise CliError(f"無法讀取題目檔：{exc}") from None
    if args.agency:
        cases = [c for c in cases if c.agency == args.agency]
    results = evaluation.evaluate(_desk(), cases)
    for r in results:
        if not r.ok and not args.quiet:
            kind = "oos " if r.case.oos else ""
            print(f"FAIL {kind}[{r.case.agency}] {r.case.q!r}: {r.why} (score {r.answer.score:.2f})")
    s = evaluation.summary(results)
    for aid, (ok, n) in sorted(s["per_agency"].items()):
        print(f"{aid:28s} {ok:4d}/{n:<4d} {ok / n:6.1%}")
    (iok, inn), (ook, on) = s["in_scope"], s["oos"]
    rate = lambda a, b: a / b if b else 1.0  # noqa: E731
    print(f"in scope {iok}/{inn} = {rate(iok, inn):.1%} (wrong answers {s['wrong_answers']}); "
          f"out of scope rejected {ook}/{on} = {rate(ook, on):.1%}")
    if args.require and (rate(iok, inn) < args.require or rate(ook, on) < args.require):
        return EXIT_FAIL
    return EXIT_OK


def cmd_calibrate(args) -> int:
    """Search answer thresholds on labelled question files and print the trade-off."""
    cases = []
    for name in args.files:
        try:
            cases += evaluation.load_cases(Path(name))
        except (OSError, ValueError) as exc:
            raise CliError(f"無法讀取題目檔：{exc}") from None
    results = calibration.sweep(calibration.observe(_desk(), cases))
    best = calibration.best_setting(results, args.min_rejection, args.max_wrong)
    now = calibration.current(results)
    print("answer_at margin  in-scope correct  wrong  out-of-scope rejected")
    for label, r in (("best", best), ("current", now)):
        if r:
            print(f"{label:8s} {r.answer_at:.2f} {r.margin:.2f}  {r.correct}/{r.in_scope} = {r.accuracy:.1%}"
                  f"  {r.wrong}  {r.oos_rejected}/{r.oos} = {r.rejection:.1%}")
    return EXIT_OK


def cmd_kb_check(args) -> int:
    """Validate knowledge files and report routing and fact gaps."""
    folder = knowledge_dir()
    agencies, problems = load_dir(folder, only=args.agency)
    if args.agency and args.agency not in agencies and not problems:
        raise CliError(f"不認得的機關代碼：{args.agency}（資料夾：{folder}）", EXIT_USAGE)
    for p in problems:
        print(f"錯誤 {p}")
    warnings = []
    for agency in agencies.values():
        warnings += routing_warnings(agency)
        if not args.no_gaps:
            warnings += gap_warnings(agency)
    for w in warnings:
        print(f"提醒 {w}")
    n_entries = sum(len(a.entries) for a in agencies.values())
    print(f"{len(agencies)} 個機關、{n_entries} 個項目：{len(problems)} 個錯誤、{len(warnings)} 個提醒")
    return EXIT_FAIL if problems else EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    """The argument parser, with help text and an example for every command."""
    fmt = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(
        prog="python -m bot", formatter_class=fmt,
        description="LINE Service Desk: answers citizens' questions for government offices from "
                    "knowledge/<agency-id>.yaml (KNOWLEDGE_DIR overrides the folder).",
        epilog="example:\n  python -m bot ask --agency taoyuan-vac \"榮民證要去哪裡辦？\"")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    p = sub.add_parser("ask", help="answer a question as a citizen would read it", formatter_class=fmt,
                       epilog="examples:\n  python -m bot ask --agency taoyuan-vac \"處長信箱幾天會回？\"\n"
                              "  printf '榮民證\\n安家費\\n' | python -m bot ask --agency taoyuan-vac --json -")
    p.add_argument("--agency", required=True, help="office id, e.g. taoyuan-vac")
    p.add_argument("--json", action="store_true", help="print one JSON object per question")
    p.add_argument("question", help="the question, or - to read one question per line from stdin")
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("chat", help="talk to the bot in the terminal", formatter_class=fmt,
                       epilog="example:\n  python -m bot chat --agency sanmin-district")
    p.add_argument("--agency", required=True, help="office id")
    p.set_defaults(func=cmd_chat)

    p = sub.add_parser("eval", help="score a question file (format of shared/eval/dev.yaml)", formatter_class=fmt,
                       epilog="example:\n  python -m bot eval ../shared/eval/dev.yaml")
    p.add_argument("file", help="YAML list of {agency, q, all/any | oos: true}")
    p.add_argument("--agency", help="only this office's questions")
    p.add_argument("--quiet", action="store_true", help="do not list failures")
    p.add_argument("--require", type=float, metavar="RATE",
                   help="exit 1 when in-scope accuracy or out-of-scope rejection is below RATE (e.g. 0.95)")
    p.set_defaults(func=cmd_eval)

    p = sub.add_parser("calibrate", help="search answer thresholds on labelled question files",
                       formatter_class=fmt, epilog="example:\n  python -m bot calibrate tests/data/calibration-*.yaml")
    p.add_argument("files", nargs="+", help="question files (format of shared/eval/dev.yaml)")
    p.add_argument("--min-rejection", type=float, default=0.97, help="required out-of-scope rejection")
    p.add_argument("--max-wrong", type=float, default=0.03, help="allowed share of wrong answers in scope")
    p.set_defaults(func=cmd_calibrate)

    p = sub.add_parser("kb", help="knowledge base tools", formatter_class=fmt,
                       epilog="example:\n  python -m bot kb check --agency taoyuan-vac")
    kb = p.add_subparsers(dest="kb_command", metavar="KB_COMMAND", required=True)
    p = kb.add_parser("check", help="validate knowledge files; list errors, routing problems and gaps",
                      formatter_class=fmt, epilog="example:\n  python -m bot kb check --agency taoyuan-vac\n"
                                                  "exit 0 when valid, 1 with the list of errors otherwise")
    p.add_argument("--agency", help="only this office")
    p.add_argument("--no-gaps", action="store_true", help="do not list empty phone/address/hours")
    p.set_defaults(func=cmd_kb_check)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one command; return its exit code."""
    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(encoding="utf-8")
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except CliError as exc:
        print(str(exc), file=sys.stderr)
        return exc.code
    except KeyboardInterrupt:
        return 130

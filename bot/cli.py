"""The `python -m bot` command line: ask, chat, eval, kb check, report, export (errors are messages, not tracebacks)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from bot.core import calibration, confidence, evaluation, hours, intents
from bot.core.answerer import Answer, Answerer, Desk
from bot.core.checks import (dead_end_warnings, gap_warnings, regression_failures, review_warnings,
                             routing_warnings)
from bot.core.knowledge import load_dir, load_regressions
from bot.local import local_environment
from bot.settings import ROOT, Settings, SettingsError, knowledge_dir, load_env_file

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
    choices: tuple = ()  # the last "which item?" list: a typed 「1」 picks from it
    for line in sys.stdin:
        if not line.strip():
            break
        number = intents.typed_choice(line)
        if choices and number is not None and 1 <= number <= len(choices):
            answer = desk.answerers[args.agency].answer_entry(choices[number - 1], line.strip())
        else:
            answer = desk.ask(args.agency, line.strip())
        choices = answer.choices
        print(_plain(answer) + "\n", flush=True)
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
    r = evaluation.rates(s)
    print(f"in scope: answered correctly {r['correct']:.1%}, right entry first {r['right_first']:.1%}, "
          f"wrong answers {r['wrong']:.1%}; out of scope: honest fallback {r['oos_fallback']:.1%}, "
          f"answered {r['oos_answered']:.1%}")
    if args.require and (rate(iok, inn) < args.require or rate(ook, on) < args.require):
        return EXIT_FAIL
    missed = evaluation.missed_targets(s) if args.targets else []
    for line in missed:
        print(f"MISSED {line}")
    return EXIT_FAIL if missed else EXIT_OK


def cmd_calibrate(args) -> int:
    """Fit the confidence model on labelled question files, search the thresholds, print both."""
    cases = []
    for name in args.files:
        try:
            cases += evaluation.load_cases(Path(name))
        except (OSError, ValueError) as exc:
            raise CliError(f"無法讀取題目檔：{exc}") from None
    observations = calibration.observe(_desk(), cases)
    model = confidence.fit(calibration.training_rows(observations))
    best = calibration.best_setting(calibration.cross_validated(observations), args.cost)
    now = calibration.current(observations)
    print("                  answer_p clarify_p  in scope: correct  wrong  right first   out of scope: fallback  answered")
    for label, r in (("best (5-fold)", best), ("current", now)):
        print(f"{label:16s}  {r.answer_p:8.2f} {r.clarify_p:9.2f}  {r.correct:4d}/{r.in_scope} = {r.accuracy:5.1%}"
              f"  {r.wrong:5d}  {r.right_first:5d}/{r.in_scope}   {r.fallback:4d}/{r.oos}  {r.answered:4d}/{r.oos}")
    print("\n# the fitted model, for bot/core/confidence.py:\n" + confidence.as_python(model))
    return EXIT_OK


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


def cmd_serve(args) -> int:
    """Start the web server under gunicorn; without LINE credentials, a local server with the simulator."""
    env = dict(os.environ)
    agencies = sorted(p.stem for p in knowledge_dir(env).glob("*.yaml"))
    local = local_environment(env, agencies)
    if local:
        env.update(local)
    try:
        Settings.from_env(env, agencies)
    except SettingsError as exc:
        raise CliError(f"設定有誤：{exc}") from None
    url = f"http://{'127.0.0.1' if args.host in ('0.0.0.0', '') else args.host}:{args.port}"
    if local:
        password = ("您設定的 ADMIN_TOKEN" if os.environ.get("ADMIN_TOKEN")  # never echo a password someone chose
                    else f"{env['ADMIN_TOKEN']}（也存在 var/local-secrets.json）")
        print(f"本機試用模式（沒有設定 LINE 憑證，回覆不會送到 LINE）\n"
              f"  模擬器：{url}/simulator\n  管理頁面：{url}/admin　密碼：{password}\n"
              f"  健康檢查：{url}/healthz\n  按 Ctrl-C 結束", flush=True)
    argv = [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"), "--chdir", str(ROOT),
            "--bind", f"{args.host}:{args.port}", "bot.app:create_app()"]
    os.execve(sys.executable, argv, env)
    return EXIT_OK  # not reached: execve replaces this process


def cmd_richmenu_create(args) -> int:
    """Draw the office's rich menu of main topics; upload it and make it the default unless --dry-run."""
    from bot import richmenu  # Pillow and the LINE SDK take seconds to import: load them only here

    agency = _desk(args.agency).answerers[args.agency].agency
    try:
        # Credentials first, so a missing token stops before any drawing; only this office's channel is needed.
        settings = None if args.dry_run else Settings.from_env(
            {**os.environ, "AGENCIES": agency.id}, agency_ids=[agency.id], required=())
        png, areas = richmenu.draw(agency, args.size)
        menu = richmenu.menu_request(agency, areas, args.size)
        if args.output:
            _write(Path(args.output), png)
        if settings is None:
            print(json.dumps(menu.to_dict(), ensure_ascii=False, indent=2))
            return EXIT_OK
        menu_id = richmenu.upload(settings, agency.id, menu, png, set_default=not args.no_default)
    except SettingsError as exc:
        raise CliError(f"設定有誤：{exc}（richmenu create 需要與伺服器相同的 LINE 憑證）") from None
    except richmenu.RichMenuError as exc:
        raise CliError(str(exc)) from None
    done = "已上傳" if args.no_default else "已上傳並設為所有使用者的預設選單"
    print(f"{agency.short_name}：{done}（{len(areas)} 個按鈕）", file=sys.stderr)
    print(menu_id)
    return EXIT_OK


def _write(path: Path, data: bytes) -> None:
    """Write a file for staff; a bad path is a message, not a traceback."""
    try:
        path.write_bytes(data)
    except OSError as exc:
        raise CliError(f"無法寫入 {path}：{exc.strerror or exc}") from None
    print(f"圖片已寫入：{path}", file=sys.stderr)


def _store_from_env():
    """The store DATABASE_URL names (or the default SQLite file), migrated to the newest schema."""
    from bot.settings import DEFAULT_DATABASE_URL
    from bot.store import open_store

    url = os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL
    try:
        return open_store(url)
    except Exception as exc:  # noqa: BLE001 - bad URL or unreachable server: say which
        raise CliError(f"無法開啟資料庫（{url.split('@')[-1]}）：{type(exc).__name__}: {exc}") from None


def cmd_db_backup(args) -> int:
    """Copy the SQLite database consistently while the server runs; PostgreSQL has pg_dump."""
    store = _store_from_env()
    if store.dialect != "sqlite":
        raise CliError("PostgreSQL 請用它自己的備份工具：pg_dump --format=custom --file=備份檔 \"$DATABASE_URL\"",
                       EXIT_USAGE)
    store.backup(Path(args.output))
    print(f"已備份到 {args.output}")
    return EXIT_OK


def _age_seconds(text: str) -> int:
    """'365d', '12h', '30m' or a number of days → seconds."""
    units = {"d": 86400, "h": 3600, "m": 60}
    number, unit = (text[:-1], text[-1]) if text and text[-1] in units else (text, "d")
    try:
        value = float(number)
    except ValueError:
        raise CliError(f"看不懂的時間長度：{text}（例如 365d、12h）", EXIT_USAGE) from None
    if value <= 0:
        raise CliError("時間長度要大於 0", EXIT_USAGE)
    return int(value * units[unit])


def cmd_db_upgrade(args) -> int:
    """Create or migrate the database schema."""
    applied = _store_from_env().applied  # opening a store applies what is missing
    print("資料庫已是最新版本" + (f"（剛套用：{', '.join(applied)}）" if applied else "（沒有要套用的變更）"))
    return EXIT_OK


def cmd_purge(args) -> int:
    """Delete personal records older than the retention period."""
    import time

    store = _store_from_env()
    counts = store.purge(int(time.time()) - _age_seconds(args.older_than))
    for table, n in counts.items():
        print(f"{table:20s} 刪除 {n} 筆")
    return EXIT_OK


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
                       epilog="example:\n  python -m bot eval tests/data/dev.yaml")
    p.add_argument("file", help="YAML list of {agency, q, all/any | oos: true}")
    p.add_argument("--agency", help="only this office's questions")
    p.add_argument("--quiet", action="store_true", help="do not list failures")
    p.add_argument("--require", type=float, metavar="RATE",
                   help="exit 1 when in-scope accuracy or out-of-scope rejection is below RATE (e.g. 0.95)")
    p.add_argument("--targets", action="store_true",
                   help="exit 1 unless the real-question targets hold (correct ≥ 85%%, right entry first ≥ 97%%, "
                        "wrong ≤ 2%%; out of scope: honest fallback ≥ 85%%, answered ≤ 2%%)")
    p.set_defaults(func=cmd_eval)

    p = sub.add_parser("calibrate", help="fit the confidence model and its thresholds on labelled questions",
                       formatter_class=fmt, epilog="example:\n  python -m bot calibrate tests/data/calibration-*.yaml "
                       "tests/data/real-fit.yaml")
    p.add_argument("files", nargs="+", help="question files (format of shared/eval/dev.yaml)")
    p.add_argument("--cost", type=float, default=2.0,
                   help="how many missed answers one wrong answer (or one out-of-scope question answered) costs")
    p.set_defaults(func=cmd_calibrate)

    p = sub.add_parser("serve", help="start the web server (local simulator when no LINE credentials)",
                       formatter_class=fmt, epilog="examples:\n  python -m bot serve            # what make run does\n"
                                                   "  PORT=8080 python -m bot serve --host 0.0.0.0")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=int(os.environ.get("PORT") or 8000), help="port (default PORT or 8000)")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("db", help="database tools", formatter_class=fmt,
                       epilog="example:\n  DATABASE_URL=postgresql://bot@localhost/bot python -m bot db upgrade")
    db = p.add_subparsers(dest="db_command", metavar="DB_COMMAND", required=True)
    p = db.add_parser("upgrade", help="create or migrate the schema (the server also does it at start)")
    p.set_defaults(func=cmd_db_upgrade)
    p = db.add_parser("backup", help="a consistent copy of the SQLite database, safe while the server runs")
    p.add_argument("--output", required=True, help="the backup file to write (its folder is made)")
    p.set_defaults(func=cmd_db_backup)

    p = sub.add_parser("purge", help="delete personal records older than the retention period",
                       formatter_class=fmt, epilog="example:\n  python -m bot purge --older-than 365d   # run daily")
    p.add_argument("--older-than", default=f"{os.environ.get('RETENTION_DAYS') or 365}d",
                   help="age such as 365d, 90d or 12h (default RETENTION_DAYS or 365d)")
    p.set_defaults(func=cmd_purge)

    from bot.review.commands import add_parsers  # it imports this module: only once this one is loaded

    add_parsers(sub, fmt)  # report, export, demo-data

    p = sub.add_parser("kb", help="knowledge base tools", formatter_class=fmt,
                       epilog="example:\n  python -m bot kb check --agency taoyuan-vac")
    kb = p.add_subparsers(dest="kb_command", metavar="KB_COMMAND", required=True)
    p = kb.add_parser("check", help="validate knowledge files; list errors, routing problems and gaps",
                      formatter_class=fmt, epilog="example:\n  python -m bot kb check --agency taoyuan-vac\n"
                                                  "exit 0 when valid, 1 with the list of errors otherwise")
    p.add_argument("--agency", help="only this office")
    p.add_argument("--no-gaps", action="store_true", help="do not list empty phone/address/hours")
    p.set_defaults(func=cmd_kb_check)

    p = sub.add_parser("richmenu", help="LINE rich menu tools", formatter_class=fmt,
                       epilog="example:\n  python -m bot richmenu create --agency taoyuan-vac")
    rm = p.add_subparsers(dest="richmenu_command", metavar="RICHMENU_COMMAND", required=True)
    p = rm.add_parser("create", help="draw the office's main topics as a rich menu, upload it, make it the default",
                      formatter_class=fmt,
                      epilog="examples:\n  python -m bot richmenu create --agency taoyuan-vac --dry-run --output menu.png\n"
                             "  python -m bot richmenu create --agency taoyuan-vac     # prints the rich menu id\n"
                             "needs the server's LINE variables; the font: RICHMENU_FONT or apt-get install fonts-noto-cjk")
    p.add_argument("--agency", required=True, help="office id, e.g. taoyuan-vac")
    p.add_argument("--size", choices=("large", "compact"), default="large",
                   help="large 2500×1686 (default) or compact 2500×843")
    p.add_argument("--output", metavar="FILE.png", help="also write the image to this file")
    p.add_argument("--dry-run", action="store_true", help="do not call LINE: print the rich menu JSON instead")
    p.add_argument("--no-default", action="store_true", help="upload only; do not make it every user's menu")
    p.set_defaults(func=cmd_richmenu_create)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one command; return its exit code."""
    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(encoding="utf-8")
    load_env_file()
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except CliError as exc:
        print(str(exc), file=sys.stderr)
        return exc.code
    except KeyboardInterrupt:
        return 130

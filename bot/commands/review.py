"""`python -m bot report`, `export` and `demo-data`: the supervisors' feedback from the terminal."""

from __future__ import annotations

import argparse
import sys

from bot.commands.common import EXIT_OK, EXIT_USAGE, FORMATTER, CliError, configured_store, load_desk
from bot.core.knowledge import load_dir
from bot.review.report import ReportError, build, month_range, pick, render_text
from bot.settings import knowledge_dir


def _scope(args) -> tuple[dict, str, str]:
    """The offices and month range asked for, checked before the database is opened."""
    agencies, problems = load_dir(knowledge_dir())
    for p in problems:  # the feedback is in the database: a broken file only leaves its office out
        print(f"提醒 知識庫有錯誤，這個機關略過：{p}", file=sys.stderr)
    try:
        start, end = month_range(args.start, args.end)
        pick(agencies, args.agency)
    except ReportError as exc:
        raise CliError(str(exc), EXIT_USAGE) from None
    return agencies, start, end


def cmd_report(args) -> int:
    """Print the feedback report per office and month, then offices side by side."""
    agencies, start, end = _scope(args)
    print(render_text(build(configured_store(), agencies, args.agency, start, end)), end="")
    return EXIT_OK


def cmd_export(args) -> int:
    """Write the feedback tables as one xlsx workbook or as one CSV file per table."""
    from bot.review import export  # openpyxl is only needed here

    agencies, start, end = _scope(args)
    write = export.export_xlsx if args.format == "xlsx" else export.export_csv
    try:
        counts = write(configured_store(), agencies, args.output, args.agency, start, end)
    except OSError as exc:
        raise CliError(f"無法寫入 {args.output}：{exc.strerror or exc}") from None
    rows = "、".join(f"{export.TITLES[name]} {n} 筆" for name, n in counts.items())
    print(f"已寫入 {args.output}（{start} 至 {end}）：{rows}", file=sys.stderr)
    return EXIT_OK


def cmd_demo_data(args) -> int:
    """Fill the store with synthetic feedback (marked as such), or remove it."""
    from bot.review import demo

    store = configured_store()
    if args.remove:
        counts = demo.remove(store)
        print(f"已刪除示範資料 {sum(counts.values())} 筆")
        return EXIT_OK
    if args.days <= 0:
        raise CliError("--days 要大於 0", EXIT_USAGE)
    try:
        counts = demo.fill(store, load_desk(), args.days, args.seed)
    except demo.DemoError:
        raise CliError("這個資料庫已經有真實紀錄，示範資料不會混進去。\n"
                       "請用另一個資料庫，例如：DATABASE_URL=sqlite:///var/demo.db python -m bot demo-data") from None
    print(f"已加入 {args.days} 天的示範資料（合成，不是真實民眾的意見）："
          f"提問 {counts['questions']}、評分 {counts['ratings']}、滿意度 {counts['surveys']}、意見 {counts['opinions']} 筆。\n"
          "刪除：python -m bot demo-data --remove")
    return EXIT_OK


def _range_options(p: argparse.ArgumentParser) -> None:
    """--agency, --from and --to, shared by both commands."""
    p.add_argument("--agency", help="only this office, e.g. taoyuan-vac")
    p.add_argument("--from", dest="start", metavar="YYYY-MM", help="first month (default: 11 months before --to)")
    p.add_argument("--to", dest="end", metavar="YYYY-MM", help="last month, inclusive (default: this month)")


def register(sub) -> None:
    """Add report, export and demo-data to the main parser's subcommands."""
    p = sub.add_parser("report", help="feedback report per office and month (Taipei time)", formatter_class=FORMATTER,
                       epilog="examples:\n  python -m bot report                # the last 12 months, every office\n"
                              "  python -m bot report --agency taoyuan-vac --from 2026-01 --to 2026-06\n"
                              "figures from fewer than 20 answers are marked 樣本太少 (too few to judge)")
    _range_options(p)
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("export", help="write ratings, survey answers, comments and unanswered questions to files",
                       formatter_class=FORMATTER,
                       epilog="examples:\n  python -m bot export --format xlsx --output feedback.xlsx\n"
                              "  python -m bot export --format csv --output feedback/ --agency pingtung-vac \\\n"
                              "      --from 2026-01\n"
                              "CSV files are UTF-8 with BOM (Excel on Windows shows the Chinese)\n"
                              "no user ids are written")
    p.add_argument("--format", choices=("xlsx", "csv"), default="xlsx",
                   help="xlsx (default): one workbook, a sheet per table; csv: <table>.csv files in a folder")
    p.add_argument("--output", required=True, metavar="FILE|DIR", help="the workbook file, or the folder for CSV")
    _range_options(p)
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("demo-data", help="fill the store with synthetic feedback for a demo dashboard",
                       formatter_class=FORMATTER, epilog="examples:\n  python -m bot demo-data --days 90\n"
                                                   "  python -m bot demo-data --remove")
    p.add_argument("--days", type=int, default=90, help="how many past days to fill (default 90)")
    p.add_argument("--seed", type=int, default=1, help="random seed: the same seed gives the same data")
    p.add_argument("--remove", action="store_true", help="delete the synthetic records instead")
    p.set_defaults(func=cmd_demo_data)

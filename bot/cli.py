"""The `python -m bot` command line: one parser from every command module's `register`; errors are messages,
not tracebacks."""

from __future__ import annotations

import argparse
import os
import sys

from bot.commands import admin, ask, db, kb, review, richmenu, scoring, serve
from bot.commands.common import FORMATTER, CliError
from bot.settings import load_env_file

# Every command module, in the order `python -m bot --help` lists its commands.
COMMANDS = (
    ask,       # ask, chat
    scoring,   # eval, calibrate
    serve,     # serve
    db,        # db upgrade, db backup, purge
    review,    # report, export, demo-data
    kb,        # kb check
    richmenu,  # richmenu create
    admin,     # admin add, admin list, admin disable
)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser, with help text and an example for every command."""
    parser = argparse.ArgumentParser(
        prog="python -m bot", formatter_class=FORMATTER,
        description="LINE Service Desk: answers citizens' questions for government offices from "
                    "knowledge/<agency-id>.yaml (KNOWLEDGE_DIR overrides the folder).",
        epilog="example:\n  python -m bot ask --agency taoyuan-vac \"榮民證要去哪裡辦？\"")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in COMMANDS:
        module.register(sub)
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
    except BrokenPipeError:  # `ask … | head`: the reader left; no traceback, and none at exit either
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1

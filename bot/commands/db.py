"""`python -m bot db upgrade`, `db backup` and `purge`: the database's schema, copies and retention."""

from __future__ import annotations

import time
from pathlib import Path

from bot.commands.common import EXIT_OK, EXIT_USAGE, FORMATTER, CliError, configured_store
from bot.settings import retention_days


def cmd_db_upgrade(args) -> int:
    """Create or migrate the database schema."""
    applied = configured_store().applied  # opening a store applies what is missing
    print("資料庫已是最新版本" + (f"（剛套用：{', '.join(applied)}）" if applied else "（沒有要套用的變更）"))
    return EXIT_OK


def cmd_db_backup(args) -> int:
    """Copy the SQLite database consistently while the server runs; PostgreSQL has pg_dump."""
    store = configured_store()
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


def cmd_purge(args) -> int:
    """Delete personal records older than the retention period."""
    store = configured_store()
    counts = store.purge(int(time.time()) - _age_seconds(args.older_than))
    for table, n in counts.items():
        print(f"{table:20s} 刪除 {n} 筆")
    return EXIT_OK


def register(sub) -> None:
    """Add db (upgrade, backup) and purge to the main parser's subcommands."""
    p = sub.add_parser("db", help="database tools", formatter_class=FORMATTER,
                       epilog="example:\n  DATABASE_URL=postgresql://bot@localhost/bot python -m bot db upgrade")
    db = p.add_subparsers(dest="db_command", metavar="DB_COMMAND", required=True)
    p = db.add_parser("upgrade", help="create or migrate the schema (the server also does it at start)")
    p.set_defaults(func=cmd_db_upgrade)
    p = db.add_parser("backup", help="a consistent copy of the SQLite database, safe while the server runs")
    p.add_argument("--output", required=True, help="the backup file to write (its folder is made)")
    p.set_defaults(func=cmd_db_backup)

    p = sub.add_parser("purge", help="delete personal records older than the retention period",
                       formatter_class=FORMATTER, epilog="example:\n  python -m bot purge --older-than 365d   # run daily")
    p.add_argument("--older-than", default=f"{retention_days()}d",
                   help="age such as 365d, 90d or 12h (default RETENTION_DAYS or 365d)")
    p.set_defaults(func=cmd_purge)

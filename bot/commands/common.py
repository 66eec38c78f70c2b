"""What every command shares: exit codes, the error that is a message (not a traceback), the desk and the store."""

from __future__ import annotations

import argparse

from bot.core.answerer import Desk
from bot.core.knowledge import load_dir
from bot.settings import database_url, knowledge_dir
from bot.store import open_store

EXIT_OK, EXIT_FAIL, EXIT_USAGE = 0, 1, 2
FORMATTER = argparse.RawDescriptionHelpFormatter  # keeps the line breaks of each command's examples


class CliError(Exception):
    """A user-facing error: printed as a message with an exit code, never a traceback."""

    def __init__(self, message: str, code: int = EXIT_FAIL):
        super().__init__(message)
        self.code = code


def load_desk(agency: str | None = None) -> Desk:
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


def configured_store():
    """The store DATABASE_URL names (or the default SQLite file), migrated to the newest schema."""
    url = database_url()
    try:
        return open_store(url)
    except Exception as exc:  # noqa: BLE001 - bad URL or unreachable server: say which
        raise CliError(f"無法開啟資料庫（{url.split('@')[-1]}）：{type(exc).__name__}: {exc}") from None

"""`python -m bot admin add`, `admin list` and `admin disable`: the dashboard's named accounts."""

from __future__ import annotations

import getpass
import sys
import time
import unicodedata
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.commands.common import (
    EXIT_OK,
    EXIT_USAGE,
    FORMATTER,
    CliError,
    configured_store,
)
from bot.review import passwords

TAIPEI = ZoneInfo("Asia/Taipei")


def _name(text: str) -> str:
    """The account name as stored; a CliError saying what is wrong with a bad one."""
    name = passwords.clean_name(text)
    problem = passwords.name_problem(name)
    if problem:
        raise CliError(problem, EXIT_USAGE)
    return name


def _password() -> str:
    """Twice from the terminal, hidden; from a script (stdin not a terminal), its first line."""
    if sys.stdin.isatty():
        try:
            first = getpass.getpass("請輸入密碼（至少 12 個字）：")
            second = getpass.getpass("請再輸入一次：")
        except EOFError:
            raise CliError("沒有讀到密碼，帳號沒有建立。", EXIT_USAGE) from None
        if first != second:
            raise CliError("兩次輸入的密碼不一樣，帳號沒有建立。請再試一次。", EXIT_USAGE)
        password = first
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    if not password:
        raise CliError("沒有讀到密碼，帳號沒有建立。", EXIT_USAGE)
    if len(password) < passwords.MIN_LENGTH:
        raise CliError(f"密碼太短了：至少要 {passwords.MIN_LENGTH} 個字。帳號沒有建立。", EXIT_USAGE)
    return password


def cmd_admin_add(args) -> int:
    """Create a named account (or give a disabled one a new password and enable it again)."""
    name = _name(args.name)
    store = configured_store()
    taken = CliError(f"已經有「{name}」這個帳號了。要換密碼，請先停用（admin disable），再重新建立。", EXIT_USAGE)
    if store.admin_hash(name) is not None:  # say so before asking for a password
        raise taken
    password = _password()
    was_disabled = any(n == name and disabled for n, _, disabled in store.list_admins())
    if not store.add_admin(name, passwords.hash_password(password), int(time.time())):
        raise taken  # added by someone else meanwhile
    if was_disabled:
        print(f"已重新啟用帳號「{name}」，改用剛才輸入的密碼。")
    else:
        print(f"已建立帳號「{name}」。請用這個帳號和密碼登入 /admin。")
    return EXIT_OK


def _day(at: int | None) -> str:
    return datetime.fromtimestamp(at, TAIPEI).strftime("%Y/%m/%d") if at else ""


def _columns(text: str) -> int:
    """Terminal columns the text takes: a Chinese character takes two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - _columns(text))


def cmd_admin_list(args) -> int:
    """Print every account: name, when it was created, and whether it is disabled."""
    admins = configured_store().list_admins()
    if not admins:
        print("還沒有任何帳號。用 python -m bot admin add 名字 建立。")
        return EXIT_OK
    width = max(_columns("帳號"), *(_columns(name) for name, _, _ in admins))
    print(f"{_pad('帳號', width)}  建立日期    狀態")
    for name, created, disabled in admins:
        state = f"已停用（{_day(disabled)}）" if disabled else "使用中"
        print(f"{_pad(name, width)}  {_day(created)}  {state}")
    return EXIT_OK


def cmd_admin_disable(args) -> int:
    """Disable an account; its open dashboard pages are logged out at their next request."""
    name = passwords.clean_name(args.name)
    if not configured_store().disable_admin(name, int(time.time())):
        raise CliError(f"沒有「{name}」這個使用中的帳號。可以用 python -m bot admin list 查看。", EXIT_USAGE)
    print(f"已停用帳號「{name}」。已經開著的後台頁面，下次操作時就會要求重新登入。")
    return EXIT_OK


def register(sub) -> None:
    """Add admin (add, list, disable) to the main parser's subcommands."""
    p = sub.add_parser("admin", help="named accounts of the /admin dashboard", formatter_class=FORMATTER,
                       epilog="example:\n  python -m bot admin add 王小明   # asks for the password twice\n"
                              "  echo \"$PASSWORD\" | python -m bot admin add 王小明   # from a script")
    admin = p.add_subparsers(dest="admin_command", metavar="ADMIN_COMMAND", required=True)
    p = admin.add_parser("add", help="create an account (password from the terminal, or one line of stdin)")
    p.add_argument("name", help="the person's name as the dashboard shows it, 1 to 40 characters")
    p.set_defaults(func=cmd_admin_add)
    p = admin.add_parser("list", help="every account, when it was created, whether it is disabled")
    p.set_defaults(func=cmd_admin_list)
    p = admin.add_parser("disable", help="disable an account; its open sessions end at their next request")
    p.add_argument("name", help="the account's name")
    p.set_defaults(func=cmd_admin_disable)

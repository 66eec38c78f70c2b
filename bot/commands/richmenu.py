"""`python -m bot richmenu create`: lay out, draw and upload an office's rich menu of main topics."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from bot.commands.common import EXIT_OK, FORMATTER, CliError, load_desk
from bot.settings import Settings, SettingsError, environment


def cmd_richmenu_create(args) -> int:
    """Draw the office's rich menu of main topics; upload it and make it the default unless --dry-run."""
    # Pillow and the LINE SDK take seconds to import: load them only here, not for every command.
    from bot.line import richmenu as line_menu
    from bot.richmenu import drawing, layout

    agency = load_desk(args.agency).answerers[args.agency].agency
    try:
        # Credentials first, so a missing token stops before any drawing; only this office's channel is needed.
        settings = None if args.dry_run else Settings.from_env(
            environment({"AGENCIES": agency.id}), agency_ids=[agency.id], required=())
        areas = layout.layout(agency, args.size)
        png = drawing.draw(areas, args.size)
        menu = line_menu.menu_request(agency, areas, args.size)
        if args.output:
            _write(Path(args.output), png)
        if settings is None:
            print(json.dumps(menu.to_dict(), ensure_ascii=False, indent=2))
            return EXIT_OK
        menu_id = line_menu.upload(settings, agency.id, menu, png, set_default=not args.no_default)
    except SettingsError as exc:
        raise CliError(f"設定有誤：{exc}（richmenu create 需要與伺服器相同的 LINE 憑證）") from None
    except layout.RichMenuError as exc:
        raise CliError(str(exc)) from None
    done = "已上傳" if args.no_default else "已上傳並設為所有使用者的預設選單"
    print(f"{agency.short_name}：{done}（{len(areas)} 個按鈕）", file=sys.stderr)
    print(menu_id)
    return EXIT_OK


def _write(path: Path, data: bytes) -> None:
    """Write the image for staff; a bad path is a message, not a traceback."""
    try:
        path.write_bytes(data)
    except OSError as exc:
        raise CliError(f"無法寫入 {path}：{exc.strerror or exc}") from None
    print(f"圖片已寫入：{path}", file=sys.stderr)


def register(sub) -> None:
    """Add richmenu create to the main parser's subcommands."""
    p = sub.add_parser("richmenu", help="LINE rich menu tools", formatter_class=FORMATTER,
                       epilog="example:\n  python -m bot richmenu create --agency taoyuan-vac")
    rm = p.add_subparsers(dest="richmenu_command", metavar="RICHMENU_COMMAND", required=True)
    p = rm.add_parser("create", help="draw the office's main topics as a rich menu, upload it, make it the default",
                      formatter_class=FORMATTER,
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

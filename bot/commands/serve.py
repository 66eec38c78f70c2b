"""`python -m bot serve`: the web server under gunicorn; without LINE credentials, a local one with the simulator."""

from __future__ import annotations

import os
import sys

from bot.commands.common import EXIT_OK, FORMATTER, CliError
from bot.local import local_environment
from bot.settings import ROOT, Settings, SettingsError, environment, knowledge_dir, port


def cmd_serve(args) -> int:
    """Start the web server under gunicorn; without LINE credentials, a local server with the simulator."""
    env = environment()
    # Read before the local defaults join: a password someone chose is never echoed.
    chosen_password = env.get("ADMIN_TOKEN")
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
        password = ("您設定的 ADMIN_TOKEN" if chosen_password
                    else f"{env['ADMIN_TOKEN']}（也存在 var/local-secrets.json）")
        print(f"本機試用模式（沒有設定 LINE 憑證，回覆不會送到 LINE）\n"
              f"  模擬器：{url}/simulator\n  管理頁面：{url}/admin　密碼：{password}\n"
              f"  健康檢查：{url}/healthz\n  按 Ctrl-C 結束", flush=True)
    argv = [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"), "--chdir", str(ROOT),
            "--bind", f"{args.host}:{args.port}", "bot.app:create_app()"]
    os.execve(sys.executable, argv, env)
    return EXIT_OK  # not reached: execve replaces this process


def register(sub) -> None:
    """Add serve to the main parser's subcommands."""
    p = sub.add_parser("serve", help="start the web server (local simulator when no LINE credentials)",
                       formatter_class=FORMATTER,
                       epilog="examples:\n  python -m bot serve            # what make run does\n"
                              "  PORT=8080 python -m bot serve --host 0.0.0.0")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=port(), help="port (default PORT or 8000)")
    p.set_defaults(func=cmd_serve)

"""`python -m bot ask` and `chat`: the bot's replies in the terminal, as a citizen reads them."""

from __future__ import annotations

import json
import sys

from bot.commands.common import EXIT_OK, FORMATTER, load_desk
from bot.core import intents
from bot.core.answerer import Answer


def _plain(answer: Answer) -> str:
    """An answer as a citizen reads it, with its buttons listed under it."""
    buttons = [e.title for e in (answer.choices or answer.related)]
    return answer.text + (f"\n［按鈕］{'｜'.join(buttons)}" if buttons else "")


def cmd_ask(args) -> int:
    """Answer one question, or one per stdin line with --json."""
    desk = load_desk(args.agency)
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
    desk = load_desk(args.agency)
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


def register(sub) -> None:
    """Add ask and chat to the main parser's subcommands."""
    p = sub.add_parser("ask", help="answer a question as a citizen would read it", formatter_class=FORMATTER,
                       epilog="examples:\n  python -m bot ask --agency taoyuan-vac \"處長信箱幾天會回？\"\n"
                              "  printf '榮民證\\n安家費\\n' | python -m bot ask --agency taoyuan-vac --json -")
    p.add_argument("--agency", required=True, help="office id, e.g. taoyuan-vac")
    p.add_argument("--json", action="store_true", help="print one JSON object per question")
    p.add_argument("question", help="the question, or - to read one question per line from stdin")
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("chat", help="talk to the bot in the terminal", formatter_class=FORMATTER,
                       epilog="example:\n  python -m bot chat --agency sanmin-district")
    p.add_argument("--agency", required=True, help="office id")
    p.set_defaults(func=cmd_chat)

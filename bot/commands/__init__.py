"""The commands of `python -m bot`, one module per group, each registering its own parsers (bot/cli.py lists them)."""

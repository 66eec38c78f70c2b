"""Embedded defaults for `make run` without LINE credentials: local secrets kept in var/, simulator on."""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path

from bot.settings import ROOT

SECRETS_FILE = ROOT / "var" / "local-secrets.json"


def _make_secrets() -> dict:
    """Fresh random values for every secret a local server needs."""
    return {
        "LINE_CHANNEL_SECRET": secrets.token_hex(16),
        "LINE_CHANNEL_ACCESS_TOKEN": "local-" + secrets.token_urlsafe(24),
        "USER_HASH_KEY": secrets.token_hex(32),
        "ADMIN_TOKEN": secrets.token_urlsafe(18),  # the local /admin password (make run prints it)
    }


def local_environment(env: dict, path: Path = SECRETS_FILE) -> dict | None:
    """Variables that make a local-only server, or None when LINE credentials are configured.

    The secrets are made once and kept (mode 600) so restarts keep the same ones; values already in
    the environment win.
    """
    if env.get("LINE_CHANNEL_SECRET") or env.get("LINE_CHANNEL_ACCESS_TOKEN"):
        return None
    kept = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    fresh = {**_make_secrets(), **kept}
    if fresh != kept:  # a newer version may need a secret an older file lacks
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(fresh, indent=2), encoding="utf-8")
        os.chmod(path, 0o600)
    local = {"SIMULATOR": "1", **fresh}
    return {**local, **{k: env[k] for k in local if env.get(k)}}

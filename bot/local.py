"""Embedded defaults for `make run` without LINE credentials: local secrets kept in var/, simulator on."""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path

from bot.settings import ROOT, agency_suffix

SECRETS_FILE = ROOT / "var" / "local-secrets.json"


def _make_secrets(agency_ids) -> dict:
    """Fresh random values for every secret a local server needs: a made-up channel per office, as
    a real deployment has one LINE channel per office."""
    made = {"USER_HASH_KEY": secrets.token_hex(32),
            "ADMIN_TOKEN": secrets.token_urlsafe(18)}  # the local /admin password (make run prints it)
    for aid in agency_ids:
        made[f"LINE_CHANNEL_SECRET_{agency_suffix(aid)}"] = secrets.token_hex(16)
        made[f"LINE_CHANNEL_ACCESS_TOKEN_{agency_suffix(aid)}"] = "local-" + secrets.token_urlsafe(24)
    return made


def local_environment(env: dict, agency_ids=(), path: Path = SECRETS_FILE) -> dict | None:
    """Variables that make a local-only server, or None when any LINE credential is configured.

    The secrets are made once and kept (mode 600) so restarts keep the same ones; values already in
    the environment win.
    """
    if any(name.startswith("LINE_CHANNEL_") and value for name, value in env.items()):
        return None
    kept = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    kept = {k: v for k, v in kept.items() if k not in ("LINE_CHANNEL_SECRET", "LINE_CHANNEL_ACCESS_TOKEN")}
    fresh = {**_make_secrets(agency_ids), **kept}
    if fresh != kept:  # a newer version may need a secret an older file lacks
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(fresh, indent=2), encoding="utf-8")
        os.chmod(path, 0o600)
    local = {"SIMULATOR": "1", **fresh}
    return {**local, **{k: env[k] for k in local if env.get(k)}}

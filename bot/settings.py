"""Settings from the environment, read in one place and only when asked."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_KNOWLEDGE_DIR = ROOT / "knowledge"
DEFAULT_DATABASE_URL = f"sqlite:///{ROOT / 'var' / 'bot.db'}"
LINE_API = "https://api.line.me"


class SettingsError(Exception):
    """The environment is incomplete; the message lists every missing or bad variable."""


def knowledge_dir(environ: dict | None = None) -> Path:
    """KNOWLEDGE_DIR when set, else the bundled knowledge/ folder."""
    env = os.environ if environ is None else environ
    return Path(env.get("KNOWLEDGE_DIR") or DEFAULT_KNOWLEDGE_DIR)


def agency_suffix(agency_id: str) -> str:
    """The environment-variable suffix of an agency id: taoyuan-vac → TAOYUAN_VAC."""
    return agency_id.upper().replace("-", "_")


@dataclass(frozen=True)
class Channel:
    """One LINE channel's credentials."""

    secret: str
    token: str


@dataclass(frozen=True)
class Settings:
    """Everything the app needs from its environment."""

    knowledge_dir: Path
    database_url: str
    line_api_base_url: str
    default_agency: str
    channels: dict = field(default_factory=dict)  # agency id -> Channel ("" key: the default pair)
    api_timeout: float = 1.5
    group_prefix: str = "小幫手"

    def channel(self, agency_id: str) -> Channel:
        """The agency's own credentials, or the default pair."""
        return self.channels.get(agency_id) or self.channels[""]

    @classmethod
    def from_env(cls, environ: dict | None = None, agency_ids: list[str] | tuple = ()) -> "Settings":
        """Read the settings; raise SettingsError naming every missing or bad variable."""
        env = dict(os.environ if environ is None else environ)
        problems = [name for name in ("LINE_CHANNEL_SECRET", "LINE_CHANNEL_ACCESS_TOKEN") if not env.get(name)]
        channels = {"": Channel(env.get("LINE_CHANNEL_SECRET", ""), env.get("LINE_CHANNEL_ACCESS_TOKEN", ""))}
        for aid in agency_ids:
            secret = env.get(f"LINE_CHANNEL_SECRET_{agency_suffix(aid)}")
            token = env.get(f"LINE_CHANNEL_ACCESS_TOKEN_{agency_suffix(aid)}")
            if secret and token:
                channels[aid] = Channel(secret, token)
            elif secret or token:
                missing = "ACCESS_TOKEN" if secret else "SECRET"
                problems.append(f"LINE_CHANNEL_{missing}_{agency_suffix(aid)}")
        try:
            timeout = float(env.get("LINE_API_TIMEOUT") or 1.5)
        except ValueError:
            problems.append("LINE_API_TIMEOUT (not a number)")
            timeout = 1.5
        if problems:
            raise SettingsError("missing or invalid environment variables: " + ", ".join(problems))
        return cls(
            knowledge_dir=knowledge_dir(env),
            database_url=env.get("DATABASE_URL") or DEFAULT_DATABASE_URL,
            line_api_base_url=(env.get("LINE_API_BASE_URL") or LINE_API).rstrip("/"),
            default_agency=env.get("DEFAULT_AGENCY", ""),
            channels=channels,
            api_timeout=timeout,
            group_prefix=env.get("GROUP_PREFIX") or "小幫手",
        )

"""Settings from the environment, read in one place and only when asked."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_KNOWLEDGE_DIR = ROOT / "knowledge"
DEFAULT_DATABASE_URL = f"sqlite:///{ROOT / 'var' / 'bot.db'}"
LINE_API = "https://api.line.me"
SERVER_REQUIRES = ("USER_HASH_KEY",)
ENV_FILE = ROOT / ".env"
ADMIN_TOKEN_MIN = 16
LINE_API_DATA = "https://api-data.line.me"  # LINE serves uploads and downloads (images) from its own host


class SettingsError(Exception):
    """The environment is incomplete; the message lists every missing or bad variable."""


def load_env_file(path: Path | None = None) -> bool:
    """Read `.env` (ENV_FILE, else the project's) into the environment; a variable already set in the
    real environment always wins. Called where a process starts: the CLI and gunicorn's config."""
    from dotenv import load_dotenv

    return load_dotenv(path or os.environ.get("ENV_FILE") or ENV_FILE, override=False)


def knowledge_dir(environ: dict | None = None) -> Path:
    """KNOWLEDGE_DIR when set, else the bundled knowledge/ folder."""
    env = os.environ if environ is None else environ
    return Path(env.get("KNOWLEDGE_DIR") or DEFAULT_KNOWLEDGE_DIR)


def snapshot_dir(environ: dict | None = None) -> Path:
    """KNOWLEDGE_SNAPSHOT_DIR, where each office's last good knowledge file is kept (var/ by default)."""
    env = os.environ if environ is None else environ
    return Path(env.get("KNOWLEDGE_SNAPSHOT_DIR") or ROOT / "var" / "knowledge-snapshots")


def knowledge_cache_dir(environ: dict | None = None) -> Path:
    """KNOWLEDGE_CACHE_DIR, where each office's compiled knowledge is kept for a fast start (var/ by default)."""
    env = os.environ if environ is None else environ
    return Path(env.get("KNOWLEDGE_CACHE_DIR") or ROOT / "var" / "knowledge-cache")


def richmenu_font(environ: dict | None = None) -> str:
    """RICHMENU_FONT (a font file for the rich menu image), or "" to search the usual places."""
    env = os.environ if environ is None else environ
    return env.get("RICHMENU_FONT") or ""


def environment(overrides: dict | None = None) -> dict:
    """A copy of the process environment with `overrides` on top: what a caller reads settings from
    (tests override variables) or hands on to a process it starts (serve starts gunicorn)."""
    return {**os.environ, **(overrides or {})}


def database_url(environ: dict | None = None) -> str:
    """DATABASE_URL, else the SQLite file under var/."""
    env = os.environ if environ is None else environ
    return env.get("DATABASE_URL") or DEFAULT_DATABASE_URL


def spool_dir(environ: dict | None = None) -> Path:
    """SPOOL_DIR, where events acknowledged while the database was down wait for it: beside a
    SQLite file by default (a second bot on the machine has its own), else under var/."""
    env = os.environ if environ is None else environ
    url = database_url(env)
    default = Path(url[len("sqlite:///"):]).parent / "spool" if url.startswith("sqlite:///") else ROOT / "var" / "spool"
    return Path(env.get("SPOOL_DIR") or default)


def port(environ: dict | None = None) -> int:
    """PORT, the port a PaaS tells the server to listen on (8000 when unset)."""
    env = os.environ if environ is None else environ
    return int(env.get("PORT") or 8000)


def retention_days(environ: dict | None = None) -> str:
    """RETENTION_DAYS as written (purge checks it as an age), "365" when unset; Settings has it as a number."""
    env = os.environ if environ is None else environ
    return env.get("RETENTION_DAYS") or "365"


def gunicorn_options(environ: dict | None = None) -> dict:
    """gunicorn's settings from the variables a PaaS or the operator sets (gunicorn.conf.py applies them)."""
    env = os.environ if environ is None else environ
    return {
        "bind": f"0.0.0.0:{port(env)}",
        "workers": int(env.get("WEB_CONCURRENCY") or 2),
        "threads": int(env.get("GUNICORN_THREADS") or 16),
        # .get with a default, not `or`: an empty value is meaningful here (believe no proxy at all)
        "forwarded_allow_ips": env.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1"),
    }


def agency_suffix(agency_id: str) -> str:
    """The environment-variable suffix of an agency id: taoyuan-vac → TAOYUAN_VAC."""
    return agency_id.upper().replace("-", "_")


def _number(env: dict, name: str, default: float, problems: list[str]) -> float:
    """A non-negative number from the environment; a bad value is added to `problems`."""
    try:
        value = float(env.get(name) or default)
    except ValueError:
        value = -1.0
    if value < 0:
        problems.append(f"{name} (not a non-negative number)")
        return default
    return value


@dataclass(frozen=True)
class Channel:
    """One LINE channel's credentials: the secret, and a long-lived token or the channel id (with
    which the bot issues short-lived stateless tokens itself and renews them)."""

    secret: str
    token: str = ""
    channel_id: str = ""


def _channel(env: dict, suffix: str, problems: list[str]) -> Channel | None:
    """The channel of LINE_CHANNEL_*{suffix}, None when none of its variables is set."""
    secret, token, channel_id = (env.get(f"LINE_CHANNEL_{part}{suffix}", "").strip()
                                 for part in ("SECRET", "ACCESS_TOKEN", "ID"))
    if not (secret or token or channel_id):
        return None
    if not secret:
        problems.append(f"LINE_CHANNEL_SECRET{suffix}")
    if not (token or channel_id):
        problems.append(f"LINE_CHANNEL_ACCESS_TOKEN{suffix} or LINE_CHANNEL_ID{suffix}")
    if channel_id and not (channel_id.isascii() and channel_id.isdigit()):
        problems.append(f"LINE_CHANNEL_ID{suffix} (the channel's number)")
    return Channel(secret, token, channel_id)


def served_agencies(env: dict, agency_ids, problems: list[str]) -> list[str]:
    """AGENCIES (the offices this server serves), else every office with a knowledge file."""
    listed = [a.strip() for a in env.get("AGENCIES", "").split(",") if a.strip()]
    unknown = [a for a in listed if a not in agency_ids]
    if unknown:
        problems.append(f"AGENCIES (no knowledge file for {', '.join(unknown)})")
    return [a for a in listed if a in agency_ids] or list(agency_ids)


def shared_channel_message(groups: list[list[str]]) -> str:
    """The refusal when offices would share a LINE channel, in the operator's words."""
    shared = "；".join("、".join(group) for group in groups)
    return (f"這些機關會共用同一個 LINE 頻道：{shared}。一個頻道只能設一個 Webhook 網址，只有一個機關"
            "收得到訊息。請給每個機關自己的 LINE_CHANNEL_SECRET_<代碼> 和 LINE_CHANNEL_ID_<代碼>"
            "（或 LINE_CHANNEL_ACCESS_TOKEN_<代碼>），或用 AGENCIES 只列出這台伺服器服務的機關。")


@dataclass(frozen=True)
class Settings:
    """Everything the app needs from its environment."""

    knowledge_dir: Path
    database_url: str
    line_api_base_url: str
    default_agency: str
    channels: dict = field(default_factory=dict)  # agency id -> Channel ("" key: the default pair)
    agencies: tuple = ()  # the offices this server serves
    api_timeout: float = 1.5
    group_prefix: str = "小幫手"
    line_api_data_base_url: str = LINE_API_DATA
    reload_seconds: float = 5.0  # how often knowledge files are checked for changes
    simulator: bool = False  # the local chat page; off unless SIMULATOR=1
    user_hash_key: str = ""  # HMAC key for LINE user ids: raw ids are never stored
    survey_every_days: float = 30.0  # offer the satisfaction survey at most this often per user
    state_minutes: float = 15.0  # a waiting flow (comment, opinion, stars) is forgotten after this
    retention_days: float = 365.0  # purge's default age for personal records
    admin_token: str = ""  # the /admin dashboard's password; empty: the dashboard is off
    inbox_lease_seconds: int = 60  # an event a worker took and did not finish is taken again after this
    inbox_poll_seconds: float = 5.0  # how often each worker looks for such events
    inbox_write_seconds: float = 1.6  # LINE's 200 waits this long for the inbox write, then spools the events
    spool_dir: Path = Path("var/spool")  # events acknowledged while the database was down (settings.spool_dir)
    database_timeout: float = 3.0  # PostgreSQL: a call waits this long for a pooled connection, then fails
    trusted_proxies: int = 0  # reverse proxies in front (nginx: 1) whose X-Forwarded-For/-Proto are believed

    def channel(self, agency_id: str) -> Channel:
        """The agency's own credentials, or the default pair (empty when there is none)."""
        return self.channels.get(agency_id) or self.channels.get("") or Channel("")

    @classmethod
    def from_env(cls, environ: dict | None = None, agency_ids: list[str] | tuple = (),
                 required: tuple = SERVER_REQUIRES, line: bool = True) -> "Settings":
        """Read the settings; raise SettingsError naming every missing or bad variable. With `line`,
        every served office needs a LINE channel, and no two may share one."""
        env = dict(os.environ if environ is None else environ)
        problems = [name for name in required if not env.get(name)]
        served = served_agencies(env, agency_ids, problems)
        channels = {aid: c for aid in ["", *agency_ids]
                    if (c := _channel(env, aid and "_" + agency_suffix(aid), problems))}
        if line:
            problems += [f"LINE_CHANNEL_SECRET_{agency_suffix(a)} (or the default LINE_CHANNEL_SECRET)"
                         for a in served if a not in channels and "" not in channels]
        timeout = _number(env, "LINE_API_TIMEOUT", 1.5, problems)
        reload_seconds = _number(env, "KNOWLEDGE_RELOAD_SECONDS", 5.0, problems)
        survey_days = _number(env, "SURVEY_EVERY_DAYS", 30.0, problems)
        state_minutes = _number(env, "STATE_MINUTES", 15.0, problems)
        retention_days = _number(env, "RETENTION_DAYS", 365.0, problems)
        lease = _number(env, "INBOX_LEASE_SECONDS", 60.0, problems)
        poll = _number(env, "INBOX_POLL_SECONDS", 5.0, problems)
        write = _number(env, "INBOX_WRITE_SECONDS", 1.6, problems)
        database_timeout = _number(env, "DATABASE_TIMEOUT", 3.0, problems)
        proxies = _number(env, "TRUSTED_PROXIES", 0, problems)
        admin_token = env.get("ADMIN_TOKEN", "").strip()
        if admin_token and len(admin_token) < ADMIN_TOKEN_MIN:  # a short one could be guessed despite the limit
            problems.append(f"ADMIN_TOKEN (at least {ADMIN_TOKEN_MIN} characters)")
        if problems:
            raise SettingsError("missing or invalid environment variables: " + ", ".join(problems))
        by_secret: dict[str, list[str]] = {}
        for aid in served:
            by_secret.setdefault((channels.get(aid) or channels.get("") or Channel("")).secret, []).append(aid)
        shared = [group for group in by_secret.values() if len(group) > 1]
        if line and shared:  # LINE allows one webhook URL per channel: all but one office would be silent
            raise SettingsError(shared_channel_message(shared))
        return cls(
            knowledge_dir=knowledge_dir(env),
            database_url=database_url(env),
            line_api_base_url=(env.get("LINE_API_BASE_URL") or LINE_API).rstrip("/"),
            default_agency=env.get("DEFAULT_AGENCY", ""),
            channels=channels,
            agencies=tuple(served),
            api_timeout=timeout,
            reload_seconds=reload_seconds,
            group_prefix=env.get("GROUP_PREFIX") or "小幫手",
            line_api_data_base_url=(env.get("LINE_API_DATA_BASE_URL") or LINE_API_DATA).rstrip("/"),
            simulator=env.get("SIMULATOR", "").strip().lower() in ("1", "true", "yes", "on"),
            user_hash_key=env.get("USER_HASH_KEY", ""),
            survey_every_days=survey_days,
            state_minutes=state_minutes,
            retention_days=retention_days,
            admin_token=admin_token,
            inbox_lease_seconds=max(1, int(lease)),
            inbox_poll_seconds=poll,
            inbox_write_seconds=write,
            spool_dir=spool_dir(env),
            database_timeout=database_timeout,
            trusted_proxies=int(proxies),
        )

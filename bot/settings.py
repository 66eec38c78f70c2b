"""Settings from the environment, read in one place and only when asked."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

DEFAULT_KNOWLEDGE_DIR = Path(__file__).resolve().parent.parent / "knowledge"


def knowledge_dir(environ: dict | None = None) -> Path:
    """KNOWLEDGE_DIR when set, else the bundled knowledge/ folder."""
    env = os.environ if environ is None else environ
    return Path(env.get("KNOWLEDGE_DIR") or DEFAULT_KNOWLEDGE_DIR)


@dataclass(frozen=True)
class Settings:
    """Everything the app needs from its environment."""

    knowledge_dir: Path

    @classmethod
    def from_env(cls, environ: dict | None = None) -> "Settings":
        """Read the settings from the environment (or a given mapping)."""
        return cls(knowledge_dir=knowledge_dir(environ))

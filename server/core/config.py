"""Settings read once from the environment.

A bad value stops start-up with :class:`ConfigError`, whose message is one line naming the
variable, so an operator sees what to fix rather than a traceback.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlparse

ENVIRONMENTS = ("development", "production", "test")
DEFAULT_DATABASE_URL = "sqlite://var/patron.db"
DEFAULT_BASE_URL = "http://127.0.0.1:8000"


class ConfigError(Exception):
    """A configuration value is missing or malformed; the message names the variable."""


@dataclass(frozen=True)
class Settings:
    database_url: str
    secret_key: str
    env: str
    program_path: Path | None
    base_url: str
    var_dir: Path
    lifecycle_interval: int = 3600

    @property
    def production(self) -> bool:
        return self.env == "production"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite://")


def _database_url(environ: dict[str, str]) -> str:
    url = environ.get("DATABASE_URL", "").strip() or DEFAULT_DATABASE_URL
    scheme = url.split("://", 1)[0] if "://" in url else ""
    if scheme not in ("sqlite", "postgres", "postgresql", "asyncpg"):
        raise ConfigError(
            "DATABASE_URL must start with sqlite:// or postgres:// "
            f"(got {url.split('://', 1)[0]!r})"
        )
    if scheme != "sqlite":
        parsed = urlparse(url)
        if not parsed.hostname or not parsed.path.strip("/"):
            raise ConfigError("DATABASE_URL must name a host and a database, e.g. postgres://user@host:5432/patron")
    elif url == "sqlite://":
        raise ConfigError("DATABASE_URL must name a file, e.g. sqlite://var/patron.db")
    return url


def _secret_key(environ: dict[str, str], env: str, var_dir: Path) -> str:
    key = environ.get("PATRON_SECRET_KEY", "").strip()
    if key:
        if len(key) < 32:
            raise ConfigError("PATRON_SECRET_KEY must be at least 32 characters long")
        return key
    if env == "production":
        raise ConfigError("PATRON_SECRET_KEY is required when PATRON_ENV=production")
    # Development: keep one generated key so sessions survive a restart.
    key_file = var_dir / "secret_key"
    try:
        return key_file.read_text().strip()
    except FileNotFoundError:
        var_dir.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48)
        key_file.write_text(key)
        key_file.chmod(0o600)
        return key


def _lifecycle_interval(environ: dict[str, str], env: str) -> int:
    """Seconds between lifecycle sweeps inside ``patron serve`` (0 turns them off; off in tests)."""
    raw = environ.get("PATRON_LIFECYCLE_INTERVAL", "").strip()
    if not raw:
        return 0 if env == "test" else 3600
    if not raw.isdigit():
        raise ConfigError(f"PATRON_LIFECYCLE_INTERVAL must be a whole number of seconds (got {raw!r})")
    return int(raw)


def load_settings(environ: dict[str, str] | None = None) -> Settings:
    """Build settings from ``environ`` (default ``os.environ``); raises :class:`ConfigError`."""
    environ = dict(os.environ if environ is None else environ)
    env = environ.get("PATRON_ENV", "").strip() or "development"
    if env not in ENVIRONMENTS:
        raise ConfigError(f"PATRON_ENV must be one of {', '.join(ENVIRONMENTS)} (got {env!r})")
    var_dir = Path(environ.get("PATRON_VAR_DIR", "").strip() or "var")
    program = environ.get("PATRON_PROGRAM", "").strip()
    program_path = Path(program) if program else None
    if program_path is not None and not program_path.is_file():
        raise ConfigError(f"PATRON_PROGRAM must be a readable TOML file (no file at {program})")
    base_url = (environ.get("PATRON_BASE_URL", "").strip() or DEFAULT_BASE_URL).rstrip("/")
    if urlparse(base_url).scheme not in ("http", "https"):
        raise ConfigError(f"PATRON_BASE_URL must be an http(s) URL (got {base_url!r})")
    return Settings(
        database_url=_database_url(environ),
        secret_key=_secret_key(environ, env, var_dir),
        env=env,
        program_path=program_path,
        base_url=base_url,
        var_dir=var_dir,
        lifecycle_interval=_lifecycle_interval(environ, env),
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read on first use."""
    return load_settings()

"""Settings read once from the environment.

A bad value stops start-up with :class:`ConfigError`, whose message is one line naming the
variable, so an operator sees what to fix rather than a traceback.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from datetime import timedelta
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
    jobs_interval: int = 60
    outbox_interval: float = 2.0
    clock_offset: timedelta = timedelta(0)

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


def _jobs_interval(environ: dict[str, str], env: str) -> int:
    """Seconds between the scheduler's passes inside ``patron serve`` (0 turns it off; off in tests).

    ``PATRON_LIFECYCLE_INTERVAL`` is the older name of the same setting and is still read.
    """
    for name in ("PATRON_JOBS_INTERVAL", "PATRON_LIFECYCLE_INTERVAL"):
        raw = environ.get(name, "").strip()
        if raw:
            if not raw.isdigit():
                raise ConfigError(f"{name} must be a whole number of seconds (got {raw!r})")
            return int(raw)
    return 0 if env == "test" else 60


def _outbox_interval(environ: dict[str, str]) -> float:
    """Seconds between the outbox sender's passes in ``patron serve`` (0 turns it off)."""
    raw = environ.get("PATRON_OUTBOX_INTERVAL", "").strip()
    if not raw:
        return 2.0
    try:
        value = float(raw)
    except ValueError:
        value = -1
    if not 0 <= value <= 3600:
        raise ConfigError(f"PATRON_OUTBOX_INTERVAL must be a number of seconds from 0 to 3600 (got {raw!r})")
    return value


def _clock_offset(environ: dict[str, str], env: str) -> timedelta:
    """``PATRON_CLOCK_OFFSET``: shift the whole app's clock to rehearse the calendar on a staging copy."""
    import isodate

    raw = environ.get("PATRON_CLOCK_OFFSET", "").strip()
    if not raw:
        return timedelta(0)
    if env == "production":
        raise ConfigError("PATRON_CLOCK_OFFSET must not be set when PATRON_ENV=production")
    try:
        offset = isodate.parse_duration(raw)
    except (isodate.ISO8601Error, ValueError):
        offset = None
    if not isinstance(offset, timedelta):  # years and months have no fixed length
        raise ConfigError(
            f"PATRON_CLOCK_OFFSET must be a signed ISO-8601 duration in weeks, days or hours, "
            f"such as P400D or -PT6H (got {raw!r})"
        )
    return offset


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
        jobs_interval=_jobs_interval(environ, env),
        outbox_interval=_outbox_interval(environ),
        clock_offset=_clock_offset(environ, env),
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read on first use."""
    return load_settings()

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
SMTP_SCHEMES = ("smtp", "smtps")


class ConfigError(Exception):
    """A configuration value is missing or malformed; the message names the variable."""


@dataclass(frozen=True)
class SmtpServer:
    """Where e-mail goes: ``PATRON_SMTP_URL`` taken apart (``smtps://`` is TLS from the first byte)."""

    host: str
    port: int
    username: str | None = None
    password: str | None = None
    implicit_tls: bool = False
    starttls: bool = False

    def __repr__(self) -> str:  # never print the password into a log
        return f"SmtpServer({self.host}:{self.port}, tls={self.implicit_tls}, starttls={self.starttls})"


@dataclass(frozen=True)
class Settings:
    database_url: str
    secret_key: str
    env: str
    program_path: Path | None
    public_url: str
    var_dir: Path
    jobs_interval: int = 60
    outbox_interval: float = 2.0
    clock_offset: timedelta = timedelta(0)
    smtp: SmtpServer | None = None
    mail_from: str = "no-reply@localhost"
    public_url_set: bool = True
    metrics_token: str | None = None
    json_logs: bool = False

    @property
    def production(self) -> bool:
        return self.env == "production"

    @property
    def base_url(self) -> str:
        """The older name of :attr:`public_url` (share links were its first use)."""
        return self.public_url

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


def _public_url(environ: dict[str, str]) -> tuple[str, bool]:
    """``PATRON_PUBLIC_URL`` (older name ``PATRON_BASE_URL``): the base of every link Patron hands out.

    Returns the URL and whether it was set; unset, it is the development default (``patron
    serve`` sets it to the address it listens on).
    """
    for name in ("PATRON_PUBLIC_URL", "PATRON_BASE_URL"):
        raw = environ.get(name, "").strip()
        if raw:
            url = raw.rstrip("/")
            parsed = urlparse(url)
            if parsed.scheme not in ("http", "https") or not parsed.hostname:
                raise ConfigError(f"{name} must be an http(s) URL such as https://loyalty.example.com (got {raw!r})")
            if parsed.query or parsed.fragment:
                raise ConfigError(f"{name} must not carry a query or fragment (got {raw!r})")
            return url, True
    return DEFAULT_BASE_URL, False


def _smtp(environ: dict[str, str]) -> SmtpServer | None:
    """``PATRON_SMTP_URL``: ``smtp://user:pass@host:port`` (``?starttls=true``) or ``smtps://…``."""
    from urllib.parse import parse_qs, unquote

    raw = environ.get("PATRON_SMTP_URL", "").strip()
    if not raw:
        return None
    shown = raw.split("@", 1)[-1] if "@" in raw else raw  # never echo a password
    try:
        parsed = urlparse(raw)
        port = parsed.port
    except ValueError:
        raise ConfigError(f"PATRON_SMTP_URL has an invalid port (…@{shown})") from None
    if parsed.scheme not in SMTP_SCHEMES or not parsed.hostname:
        raise ConfigError(f"PATRON_SMTP_URL must look like smtp://user:password@host:587 or smtps://… (got …{shown})")
    options = {key.lower(): values[-1].lower() for key, values in parse_qs(parsed.query).items()}
    unknown = set(options) - {"starttls"}
    if unknown:
        raise ConfigError(f"PATRON_SMTP_URL: unknown option {sorted(unknown)[0]!r} (only starttls=true|false)")
    starttls = options.get("starttls", "false")
    if starttls not in ("true", "false", "1", "0", "yes", "no"):
        raise ConfigError(f"PATRON_SMTP_URL: starttls must be true or false (got {starttls!r})")
    implicit = parsed.scheme == "smtps"
    if implicit and starttls in ("true", "1", "yes"):
        raise ConfigError("PATRON_SMTP_URL: smtps:// is already TLS; drop ?starttls=true or use smtp://")
    return SmtpServer(
        host=parsed.hostname,
        port=port or (465 if implicit else 25),
        username=unquote(parsed.username) if parsed.username else None,
        password=unquote(parsed.password) if parsed.password else None,
        implicit_tls=implicit,
        starttls=starttls in ("true", "1", "yes"),
    )


def _mail_from(environ: dict[str, str], public_url: str) -> str:
    """``PATRON_MAIL_FROM``: the sender address (``Name <address>`` or a bare address)."""
    from email.utils import parseaddr

    raw = environ.get("PATRON_MAIL_FROM", "").strip()
    if not raw:
        host = urlparse(public_url).hostname or "localhost"
        local = host in ("localhost",) or host.replace(".", "").isdigit() or ":" in host
        return f"no-reply@{'localhost' if local else host}"
    _name, address = parseaddr(raw)
    if "@" not in address or any(ch in raw for ch in "\r\n"):
        raise ConfigError(f"PATRON_MAIL_FROM must be an e-mail address such as no-reply@example.com (got {raw!r})")
    return raw


def _metrics_token(environ: dict[str, str]) -> str | None:
    """``PATRON_METRICS_TOKEN``: the bearer token /metrics answers to in production (unset: closed)."""
    raw = environ.get("PATRON_METRICS_TOKEN", "").strip()
    if not raw:
        return None
    if len(raw) < 16:
        raise ConfigError("PATRON_METRICS_TOKEN must be at least 16 characters long")
    return raw


def _json_logs(environ: dict[str, str], env: str) -> bool:
    """``PATRON_LOG_FORMAT``: ``json`` (the production default) or ``text`` (the default elsewhere)."""
    raw = environ.get("PATRON_LOG_FORMAT", "").strip().lower()
    if raw not in ("", "json", "text"):
        raise ConfigError(f"PATRON_LOG_FORMAT must be json or text (got {raw!r})")
    return raw == "json" or (not raw and env == "production")


def require_for_serving(settings: Settings) -> None:
    """What a production server needs beyond what every command needs: a way to send mail and
    the public address links point at. Checked when ``patron serve`` (or a worker) starts."""
    if not settings.production:
        return
    if settings.smtp is None:
        raise ConfigError("PATRON_SMTP_URL is required when PATRON_ENV=production (e-mail cannot be delivered)")
    if not settings.public_url_set:
        raise ConfigError("PATRON_PUBLIC_URL is required when PATRON_ENV=production (the base of links in e-mails)")
    if not settings.public_url.startswith("https://"):
        raise ConfigError(
            f"PATRON_PUBLIC_URL must be an https URL when PATRON_ENV=production (got {settings.public_url})"
        )


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
    public_url, public_url_set = _public_url(environ)
    return Settings(
        database_url=_database_url(environ),
        secret_key=_secret_key(environ, env, var_dir),
        env=env,
        program_path=program_path,
        public_url=public_url,
        public_url_set=public_url_set,
        var_dir=var_dir,
        jobs_interval=_jobs_interval(environ, env),
        outbox_interval=_outbox_interval(environ),
        clock_offset=_clock_offset(environ, env),
        smtp=_smtp(environ),
        mail_from=_mail_from(environ, public_url),
        metrics_token=_metrics_token(environ),
        json_logs=_json_logs(environ, env),
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read on first use."""
    return load_settings()

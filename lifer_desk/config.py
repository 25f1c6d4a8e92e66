"""The one settings object: environment first, then `.env`, all keys prefixed `LIFER_`."""

from __future__ import annotations

import io
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import platformdirs
from dotenv.parser import parse_stream

from lifer_desk.domain.identity import Field as IdentityField
from lifer_desk.domain.identity import VerificationPolicy
from lifer_desk.domain.sla import SlaConfigError, SlaPolicy

APP_NAME = "lifer-desk"
PREFIX = "LIFER_"
SANDBOX_PREFIX = "LIFER_SANDBOX_"


class ConfigError(Exception):
    """A setting is missing, malformed or invalid; `key` names it."""

    def __init__(self, key: str, problem: str) -> None:
        super().__init__(f"{key}: {problem}")
        self.key = key
        self.problem = problem


class Secret:
    """Holds a secret so that printing, logging or repr-ing it never shows the value."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('**********')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


def data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def default_database_url() -> str:
    return f"sqlite:///{data_dir() / 'desk.db'}"


@dataclass(frozen=True)
class Settings:
    database_url: str = field(default_factory=default_database_url)
    admin_url: str | None = None
    admin_token: Secret | None = None
    timezone: ZoneInfo = field(default_factory=lambda: ZoneInfo("Asia/Shanghai"))
    agent: str | None = None
    audit_key: Secret | None = None
    admin_connect_timeout: float = 3.0
    admin_read_timeout: float = 10.0
    verification_ttl_hours: float = 24.0
    lang: str = "en"
    sla_policy: SlaPolicy = field(default_factory=SlaPolicy.default)
    verification_policy: VerificationPolicy = field(default_factory=VerificationPolicy)

    @property
    def uses_sandbox(self) -> bool:
        return self.admin_url is None


def read_env_file(path: Path) -> dict[str, str]:
    """Parse a `.env` file strictly: a line python-dotenv cannot parse is an error, not a warning."""
    try:
        content = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[: exc.start].count(b"\n") + 1
        raise ConfigError(f"{path.name} line {line}", "is not UTF-8 text") from None
    except OSError as exc:
        raise ConfigError(str(path), f"cannot read: {exc.strerror or exc}") from None
    values: dict[str, str] = {}
    for binding in parse_stream(io.StringIO(content)):
        if binding.error:
            line = binding.original.line
            text = binding.original.string.strip().split("\n", 1)[0]
            key = text.split("=", 1)[0].strip() or "(blank)"
            raise ConfigError(f"{path.name} line {line}", f"cannot parse {key!r}")
        if binding.key is not None and binding.key.startswith(SANDBOX_PREFIX):
            # Not desk settings: the sandbox reads its fault switches from the process environment (served or
            # in-process), so one written in .env would be silently ignored.
            raise ConfigError(
                binding.key,
                f"a sandbox fault switch is read from the environment only ({path.name} line "
                f"{binding.original.line}); see README",
            )
        if binding.key is not None and binding.key.startswith(PREFIX) and binding.key not in KEYS:
            # A misspelt key would otherwise be ignored without a word, and its default silently used.
            raise ConfigError(
                binding.key, f"unknown setting ({path.name} line {binding.original.line}); see .env.example"
            )
        if binding.key is not None and binding.value is not None:
            values[binding.key] = binding.value
    return values


def _positive_float(key: str, raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(key, f"expected a number, got {raw!r}") from None
    if not math.isfinite(value) or value <= 0:
        raise ConfigError(key, f"must be a finite number greater than 0, got {raw!r}")
    return value


def _database_url(key: str, raw: str) -> str:
    if not raw.startswith(("sqlite://", "postgresql://", "postgresql+psycopg://", "postgres://")):
        raise ConfigError(key, "must start with sqlite:// or postgresql://")
    if raw.startswith("postgres:") or raw.startswith("postgresql:"):
        # One driver everywhere: psycopg 3.
        raw = "postgresql+psycopg:" + raw.split(":", 1)[1]
    # Checked with urllib, not SQLAlchemy's parser, so that reading settings (the admin-API client does) loads
    # no database library; the store parses the URL when it opens the database.
    try:
        url = urlsplit(raw)
        _ = url.port  # raises ValueError for a port that is not a number from 0 to 65535
    except ValueError:
        # The parser's own message may quote the URL, password included.
        raise ConfigError(key, "is not a valid database URL (check the host, port and path)") from None
    if url.scheme == "sqlite" and url.path.removeprefix("/") in ("", ":memory:"):
        # Each command is its own process, so an in-memory database would forget everything on exit.
        raise ConfigError(key, "names no database file; use sqlite:////absolute/path/desk.db")
    return raw


def _admin_url(key: str, raw: str) -> str:
    if not raw.startswith(("http://", "https://")):
        raise ConfigError(key, "must be an http:// or https:// URL")
    return raw.rstrip("/")


def _timezone(key: str, raw: str) -> ZoneInfo:
    try:
        return ZoneInfo(raw)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(key, f"unknown time zone {raw!r}") from None


def _name(key: str, raw: str) -> str:
    if not raw.replace("-", "").replace("_", "").replace(".", "").isalnum():
        raise ConfigError(key, f"not a valid agent name: {raw!r}")
    return raw


def _lang(key: str, raw: str) -> str:
    if raw not in ("en", "zh_CN"):
        raise ConfigError(key, f"unsupported language {raw!r} (en or zh_CN)")
    return raw


def _sla_policy(key: str, raw: str) -> SlaPolicy:
    try:
        return SlaPolicy.parse(raw)
    except SlaConfigError as exc:
        raise ConfigError(key, str(exc)) from None


def _min_fields(key: str, raw: str) -> int:
    if not raw.strip().isdigit():
        raise ConfigError(key, f"expected a whole number of fields, got {raw!r}")
    return int(raw)


def _uncounted(key: str, raw: str) -> frozenset[IdentityField]:
    try:
        return frozenset(IdentityField(name.strip()) for name in raw.split(",") if name.strip())
    except ValueError:
        names = ", ".join(f.value for f in IdentityField)
        raise ConfigError(key, f"expected a comma-separated list of {names}, got {raw!r}") from None


MIN_FIELDS_KEY = f"{PREFIX}VERIFICATION_MIN_FIELDS"
UNCOUNTED_KEY = f"{PREFIX}VERIFICATION_UNCOUNTED"


def _verification_policy(merged: dict[str, str]) -> VerificationPolicy | None:
    """The policy from its two keys; checked as a whole, since each key limits the other."""
    options: dict[str, object] = {}
    if merged.get(MIN_FIELDS_KEY):
        options["min_fields"] = _min_fields(MIN_FIELDS_KEY, merged[MIN_FIELDS_KEY])
    if merged.get(UNCOUNTED_KEY):
        options["uncounted_fields"] = _uncounted(UNCOUNTED_KEY, merged[UNCOUNTED_KEY])
    if not options:
        return None
    try:
        return VerificationPolicy(**options)  # type: ignore[arg-type]  # each value typed by its parser above
    except ValueError as exc:
        raise ConfigError(MIN_FIELDS_KEY if "min_fields" in str(exc) else UNCOUNTED_KEY, str(exc)) from None


def _secret(key: str, raw: str) -> Secret:
    if not raw.strip():
        raise ConfigError(key, "is empty")
    return Secret(raw)


_PARSERS = {
    "DATABASE_URL": ("database_url", _database_url),
    "ADMIN_URL": ("admin_url", _admin_url),
    "ADMIN_TOKEN": ("admin_token", _secret),
    "TIMEZONE": ("timezone", _timezone),
    "AGENT": ("agent", _name),
    "AUDIT_KEY": ("audit_key", _secret),
    "ADMIN_CONNECT_TIMEOUT": ("admin_connect_timeout", _positive_float),
    "ADMIN_READ_TIMEOUT": ("admin_read_timeout", _positive_float),
    "VERIFICATION_TTL_HOURS": ("verification_ttl_hours", _positive_float),
    "LANG": ("lang", _lang),
    "SLA_POLICY": ("sla_policy", _sla_policy),
}

# Every key a `.env` file may hold (LIFER_ENV_FILE itself is read from the environment only).
KEYS = frozenset({PREFIX + suffix for suffix in _PARSERS} | {MIN_FIELDS_KEY, UNCOUNTED_KEY})


def load_settings(env: dict[str, str] | None = None, env_file: Path | None = None) -> Settings:
    """Build settings from `env` (default: the process environment) over the `.env` file.

    The `.env` file is `LIFER_ENV_FILE` if set, else `.env` in the working directory if present.
    """
    environ = dict(os.environ if env is None else env)
    if env_file is None:
        named = environ.get(f"{PREFIX}ENV_FILE")
        env_file = Path(named) if named else Path.cwd() / ".env"
        if named and not env_file.is_file():
            raise ConfigError(f"{PREFIX}ENV_FILE", f"no such file: {named}")
    merged: dict[str, str] = {}
    if env_file.is_file():
        merged.update(read_env_file(env_file))
    merged.update({k: v for k, v in environ.items() if k.startswith(PREFIX)})
    values: dict[str, object] = {}
    for suffix, (attr, parse) in _PARSERS.items():
        key = PREFIX + suffix
        raw = merged.get(key)
        if raw is None or raw == "":
            continue
        values[attr] = parse(key, raw)
    policy = _verification_policy(merged)
    if policy is not None:
        values["verification_policy"] = policy
    return Settings(**values)  # type: ignore[arg-type]  # each value typed by its parser in KEYS

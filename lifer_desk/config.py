"""The one settings object: environment first, then the settings file, all keys prefixed `LIFER_`.

The settings file is `LIFER_ENV_FILE`, else the user's `settings.env` in the user config directory, else a
`.env` in the working directory (deprecated, with a notice; see `find_env_file`). Whichever it is, a file
that someone else owns or can write, or whose secrets others can read, is refused (DESIGN 4).
"""

from __future__ import annotations

import grp
import io
import json
import math
import os
import pwd
import shlex
import stat
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from types import MappingProxyType
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import platformdirs
from dotenv.parser import parse_stream

from lifer_desk.domain.feedback import DEFAULT_TAGS, MAX_TAG
from lifer_desk.domain.identity import Field as IdentityField
from lifer_desk.domain.identity import VerificationPolicy
from lifer_desk.domain.requests import APPROVAL_WAIT, EXECUTION_WINDOW
from lifer_desk.domain.sla import SlaConfigError, SlaPolicy
from lifer_desk.i18n import install_language

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
    # The OS account of the hardened deployment (DESIGN 4); like root, it operates the host and manages agents.
    service_account: str | None = None
    audit_key: Secret | None = None
    # Where the audit pane's `C` writes signed checkpoints: a directory outside the database, so that a
    # rewritten database cannot rewrite them too. Unset: the desk refuses `C` and says which key to set.
    audit_checkpoint_dir: Path | None = None
    admin_connect_timeout: float = 3.0
    admin_read_timeout: float = 10.0
    verification_ttl_hours: float = 24.0
    # The two expiries of a request (issue 9): approval not given within, and approval not acted on within.
    request_approval_hours: float = APPROVAL_WAIT / timedelta(hours=1)
    request_execution_hours: float = EXECUTION_WINDOW / timedelta(hours=1)
    lang: str = "en"
    sla_policy: SlaPolicy = field(default_factory=SlaPolicy.default)
    verification_policy: VerificationPolicy = field(default_factory=VerificationPolicy)
    # LIFER_KEYMAP: binding id -> keys, e.g. {"ticket.reply": "ctrl+r", "app.quit": "ctrl+q"}; the keys replace
    # the binding's defaults (Textual's `App.set_keymap`). The ids are checked where the bindings are known,
    # when the desk opens (`lifer_desk.ui.key_help.checked_keymap`).
    keymap: Mapping[str, str] = field(default_factory=dict)
    # Mail (issue 14): the hosted mailbox read by `mail fetch`, the submission server replies leave by, and
    # the team's own address, which signs replies and from which no ticket is ever made.
    imap_url: str | None = None
    imap_password: Secret | None = None
    # Processed mail is moved here; with none, it is flagged ($LiferDesk) where it is.
    imap_done_folder: str | None = None
    imap_poll_seconds: float = 60.0
    smtp_url: str | None = None
    smtp_password: Secret | None = None
    mail_address: str | None = None
    mail_name: str = "Customer service"
    mail_signature: str = ""
    mail_auto_ack: bool = False
    mail_attachment_max_bytes: int = 10 * 1024 * 1024
    mail_dead_letter_dir: Path = field(default_factory=lambda: data_dir() / "dead-letter")
    # LIFER_MOUSE: off by default, since over SSH every mouse motion is bytes on the wire (3.1 KB each).
    mouse: bool = False
    # How often every open desk asks the admin API for new feedback, and the tags agents may give feedback.
    feedback_sync_seconds: float = 60.0
    feedback_tags: tuple[str, ...] = DEFAULT_TAGS
    # The service account's authorized_keys, where `agents add --ssh-key` installs keys; None: its ~/.ssh.
    authorized_keys: Path | None = None
    # Minutes without a key before the desk hides customer data behind its privacy screen.
    idle_lock_minutes: float = 10.0
    # LIFER_LAUNCHER: the service account's SSH sessions fork their desks from one process that has imported
    # the desk already (lifer_desk.launcher); off, each session starts its desk from scratch.
    launcher: bool = True

    @property
    def uses_sandbox(self) -> bool:
        return self.admin_url is None


SERVICE_ACCOUNT_KEY = f"{PREFIX}SERVICE_ACCOUNT"
# Settings whose value is a secret by name; any key naming a password, token or secret counts too (`_is_secret`).
SECRET_KEYS = frozenset(
    {f"{PREFIX}ADMIN_TOKEN", f"{PREFIX}AUDIT_KEY", f"{PREFIX}IMAP_PASSWORD", f"{PREFIX}SMTP_PASSWORD"}
)
_SECRET_WORDS = ("PASSWORD", "TOKEN", "SECRET")


def _owner(uid: int) -> str:
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return f"uid {uid}"


def _is_secret(key: str, value: str) -> bool:
    if not value.strip():
        return False
    if key in SECRET_KEYS or any(word in key.upper() for word in _SECRET_WORDS):
        return True
    if key == f"{PREFIX}DATABASE_URL":
        # postgresql://user:password@host/db carries the database password.
        try:
            return bool(urlsplit(value).password)
        except ValueError:
            return False
    return False


def group_holds_only(gid: int, user: str) -> bool:
    """Whether nobody but `user` is in group `gid` (a user-private group, or a service account's)."""
    try:
        members = set(grp.getgrgid(gid).gr_mem)
    except KeyError:
        return False
    members |= {entry.pw_name for entry in pwd.getpwall() if entry.pw_gid == gid}
    return members <= {user}


def _group_is_only_me(gid: int) -> bool:
    return group_holds_only(gid, _owner(os.getuid()))


def _check_file(path: Path, status: os.stat_result) -> None:
    """Refuse a settings file someone else could have written: OpenSSH's rule for its own files."""
    quoted = shlex.quote(str(path))
    if status.st_uid not in (os.getuid(), 0):
        problem = f"is owned by {_owner(status.st_uid)}, not by you or root; refusing to read it"
        raise ConfigError(str(path), f"{problem} (fix: chown {_owner(os.getuid())} {quoted}, or remove it)")
    if status.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        raise ConfigError(str(path), f"is writable by others; refusing to read it (fix: chmod go-w {quoted})")


def _check_secrets(path: Path, status: os.stat_result, values: dict[str, str]) -> None:
    """Refuse a file whose secrets others can read, as OpenSSH refuses a loose private key."""
    readable = status.st_mode & stat.S_IROTH or (status.st_mode & stat.S_IRGRP and not _group_is_only_me(status.st_gid))
    secret = next((key for key, value in values.items() if _is_secret(key, value)), None)
    if readable and secret is not None:
        problem = f"holds {secret} and is readable by others; refusing to read it"
        raise ConfigError(str(path), f"{problem} (fix: chmod 600 {shlex.quote(str(path))})")
    if values.get(SERVICE_ACCOUNT_KEY) and status.st_uid != 0:
        # Naming the service account makes it an operator of the host, so only root may write that name down.
        raise ConfigError(
            SERVICE_ACCOUNT_KEY,
            f"is honoured only in a settings file owned by root ({path} is owned by {_owner(status.st_uid)})",
        )


def read_env_file(path: Path) -> dict[str, str]:
    """Read a settings file: refused unless safe (`_check_file`, `_check_secrets`), then parsed strictly.

    The checks use the status of the file as opened, so a file swapped after the check is never read.
    """
    try:
        with path.open("rb") as file:
            status = os.fstat(file.fileno())
            _check_file(path, status)
            raw = file.read()
    except OSError as exc:
        raise ConfigError(str(path), f"cannot read: {exc.strerror or exc}") from None
    try:
        content = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ConfigError(f"{path.name} line {line}", "is not UTF-8 text") from None
    values = _parse_env(path, content)
    _check_secrets(path, status, values)
    return values


def _parse_env(path: Path, content: str) -> dict[str, str]:
    """Parse `.env` text strictly: a line python-dotenv cannot parse is an error, not a warning."""
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


def _tags(key: str, raw: str) -> tuple[str, ...]:
    tags = tuple(dict.fromkeys(tag.strip().lower() for tag in raw.split(",") if tag.strip()))
    if not tags:
        raise ConfigError(key, "expected a comma-separated list of tags, such as bug,praise,other")
    if too_long := [tag for tag in tags if len(tag) > MAX_TAG]:
        raise ConfigError(key, f"a tag can be at most {MAX_TAG} characters, got {too_long[0]!r}")
    return tags


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
KEYMAP_KEY = f"{PREFIX}KEYMAP"


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


def _keymap(key: str, raw: str) -> Mapping[str, str]:
    example = '{"ticket.reply": "ctrl+r"}'
    try:
        parsed = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ConfigError(key, f"is not valid JSON ({exc.msg} at character {exc.pos}); e.g. {example}") from None
    if not isinstance(parsed, dict) or not all(isinstance(keys, str) and keys.strip() for keys in parsed.values()):
        raise ConfigError(key, f"must be a JSON object of binding id to keys, e.g. {example}")
    return MappingProxyType(dict(parsed))


def _mail_url(schemes: tuple[str, ...]) -> Callable[[str, str], str]:
    def parse(key: str, raw: str) -> str:
        try:
            url = urlsplit(raw)
            _ = url.port
        except ValueError:
            raise ConfigError(key, "is not a valid URL (check the host and port)") from None
        if url.scheme not in schemes or not url.hostname:
            raise ConfigError(key, f"must look like {schemes[0]}://user@host, got a {url.scheme or 'bare'} URL")
        if url.password:
            # A password in the URL would be printed wherever the URL is; it has its own secret setting.
            raise ConfigError(key, f"holds a password: put it in {key.removesuffix('URL')}PASSWORD instead")
        return raw

    return parse


def _address(key: str, raw: str) -> str:
    local, at, domain = raw.strip().partition("@")
    if not (local and at and "." in domain) or any(ch.isspace() or ch in "<>," for ch in raw.strip()):
        raise ConfigError(key, f"expected an email address such as support@example.com, got {raw!r}")
    return raw.strip().lower()


def _bool(key: str, raw: str) -> bool:
    value = raw.strip().lower()
    if value not in ("true", "false", "1", "0", "yes", "no", "on", "off"):
        raise ConfigError(key, f"expected true or false, got {raw!r}")
    return value in ("true", "1", "yes", "on")


def _bytes(key: str, raw: str) -> int:
    if not raw.strip().isdigit() or int(raw) <= 0:
        raise ConfigError(key, f"expected a whole number of bytes greater than 0, got {raw!r}")
    return int(raw)


def _text(_key: str, raw: str) -> str:
    """Free text as given; a double-quoted .env value writes its line breaks as \\n."""
    return raw


def _absolute_path(key: str, raw: str) -> Path:
    path = Path(raw).expanduser()
    if not path.is_absolute():
        raise ConfigError(key, f"must be an absolute path, got {raw!r}")
    return path


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
    "SERVICE_ACCOUNT": ("service_account", _name),
    "AUDIT_KEY": ("audit_key", _secret),
    "AUDIT_CHECKPOINT_DIR": ("audit_checkpoint_dir", _absolute_path),
    "ADMIN_CONNECT_TIMEOUT": ("admin_connect_timeout", _positive_float),
    "ADMIN_READ_TIMEOUT": ("admin_read_timeout", _positive_float),
    "VERIFICATION_TTL_HOURS": ("verification_ttl_hours", _positive_float),
    "REQUEST_APPROVAL_HOURS": ("request_approval_hours", _positive_float),
    "REQUEST_EXECUTION_HOURS": ("request_execution_hours", _positive_float),
    "LANG": ("lang", _lang),
    "SLA_POLICY": ("sla_policy", _sla_policy),
    "KEYMAP": ("keymap", _keymap),
    "IMAP_URL": ("imap_url", _mail_url(("imaps", "imap"))),
    "IMAP_PASSWORD": ("imap_password", _secret),
    "IMAP_DONE_FOLDER": ("imap_done_folder", _text),
    "IMAP_POLL_SECONDS": ("imap_poll_seconds", _positive_float),
    "SMTP_URL": ("smtp_url", _mail_url(("smtps", "smtp"))),
    "SMTP_PASSWORD": ("smtp_password", _secret),
    "MAIL_ADDRESS": ("mail_address", _address),
    "MAIL_NAME": ("mail_name", _text),
    "MAIL_SIGNATURE": ("mail_signature", _text),
    "MAIL_AUTO_ACK": ("mail_auto_ack", _bool),
    "MAIL_ATTACHMENT_MAX_BYTES": ("mail_attachment_max_bytes", _bytes),
    "MAIL_DEAD_LETTER_DIR": ("mail_dead_letter_dir", lambda _key, raw: Path(raw).expanduser()),
    "MOUSE": ("mouse", _bool),
    "FEEDBACK_SYNC_SECONDS": ("feedback_sync_seconds", _positive_float),
    "FEEDBACK_TAGS": ("feedback_tags", _tags),
    "AUTHORIZED_KEYS": ("authorized_keys", _absolute_path),
    "IDLE_LOCK_MINUTES": ("idle_lock_minutes", _positive_float),
    "LAUNCHER": ("launcher", _bool),
}

# Every key a `.env` file may hold (LIFER_ENV_FILE itself is read from the environment only).
KEYS = frozenset({PREFIX + suffix for suffix in _PARSERS} | {MIN_FIELDS_KEY, UNCOUNTED_KEY})


def user_env_file() -> Path:
    """The settings file of the user running the desk, e.g. ~/.config/lifer-desk/settings.env."""
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)) / "settings.env"


def find_env_file(environ: dict[str, str]) -> tuple[Path | None, bool]:
    """The settings file to read, and whether it is the deprecated `./.env`: `LIFER_ENV_FILE`, else the user's
    settings file, else `.env` in the working directory.

    The working directory decides nothing for the plain `lifer-desk` command once a settings file exists:
    where an agent happens to stand (a shared directory, a colleague's project) must not choose the admin API
    that receives the token. A `.env` there is still read when no other file is configured, so that existing
    setups keep working for this release, after the same ownership and mode checks and with a notice.
    """
    named = environ.get(f"{PREFIX}ENV_FILE")
    if named:
        path = Path(named)
        if not path.is_file():
            raise ConfigError(f"{PREFIX}ENV_FILE", f"no such file: {named}")
        return path, False
    user_file = user_env_file()
    if user_file.is_file():
        return user_file, False
    legacy = Path.cwd() / ".env"
    return (legacy, True) if legacy.is_file() else (None, False)


def load_settings(
    env: dict[str, str] | None = None, env_file: Path | None = None, *, announce: bool = True
) -> Settings:
    """Build settings from `env` (default: the process environment) over the settings file.

    The settings file is `env_file` if given, else the one `find_env_file` picks. Loading settings also
    installs their interface language, so that a `LIFER_LANG` written in the file takes effect. `announce`
    off leaves the deprecation of a working directory's `.env` to the next load (the CLI loads twice).
    """
    environ = dict(os.environ if env is None else env)
    if environ.get(SERVICE_ACCOUNT_KEY):
        raise ConfigError(SERVICE_ACCOUNT_KEY, "is read only from a settings file owned by root, not the environment")
    path, legacy = find_env_file(environ) if env_file is None else (env_file, False)
    merged: dict[str, str] = {}
    if path is not None and path.is_file():
        merged.update(read_env_file(path))
    if legacy and announce:
        # Only once the file proved safe and readable: a refusal stays one line.
        print(
            f"lifer-desk: reading {path} from the working directory is deprecated; move it to {user_env_file()} "
            "or set LIFER_ENV_FILE",
            file=sys.stderr,
        )
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
    settings = Settings(**values)  # type: ignore[arg-type]  # each value typed by its parser in KEYS
    install_language(settings.lang)
    return settings

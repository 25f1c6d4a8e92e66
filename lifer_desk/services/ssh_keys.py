"""The service account's `authorized_keys` on disk: keys installed, removed and listed (issue 16 item 1).

The file is replaced atomically (a private temporary file in the same directory, fsync, rename), and only if
it still holds what was read: an operator editing it meanwhile, or a second `agents add`, makes this one stop
with nothing written rather than lose the other change.
"""

from __future__ import annotations

import os
import pwd
import shutil
import sys
import tempfile
from pathlib import Path

from lifer_desk.config import Settings
from lifer_desk.domain.authorized_keys import (
    AuthorizedKeys,
    KeyEntry,
    KeyFileError,
    PublicKey,
    desk_entry,
    parse_authorized_keys,
    parse_public_key,
)
from lifer_desk.private_files import DIR_MODE, FILE_MODE
from lifer_desk.services.errors import Refused


def authorized_keys_path(settings: Settings) -> Path:
    """`LIFER_AUTHORIZED_KEYS`, else `~/.ssh/authorized_keys` of the service account (or of whoever runs this)."""
    if settings.authorized_keys is not None:
        return settings.authorized_keys
    home = Path.home()
    if settings.service_account:
        try:
            home = Path(pwd.getpwnam(settings.service_account).pw_dir)
        except KeyError:
            raise Refused(f"the service account {settings.service_account!r} is not a user of this host") from None
    return home / ".ssh" / "authorized_keys"


def desk_program() -> str:
    """The absolute path of the `lifer-desk` command, for the forced command: sshd's PATH is not the operator's."""
    found = shutil.which("lifer-desk")
    return str(Path(found or sys.argv[0]).resolve())


def read_public_key(path: Path) -> PublicKey:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise Refused(f"cannot read the key file {path}: {getattr(exc, 'strerror', None) or exc}") from None
    try:
        return parse_public_key(text)
    except KeyFileError as exc:
        raise Refused(f"{path}: {exc}") from None


def _read(path: Path) -> tuple[str, AuthorizedKeys]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        text = ""
    try:
        return text, parse_authorized_keys(text)
    except KeyFileError as exc:
        raise Refused(f"{path}: {exc}; fix the file by hand") from None


def _replace(path: Path, seen: str, content: str) -> None:
    if not path.parent.exists():
        path.parent.mkdir(mode=DIR_MODE, parents=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".authorized_keys.", text=True)
    try:
        os.fchmod(fd, FILE_MODE)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(content)
            out.flush()
            os.fsync(out.fileno())
        if _read(path)[0] != seen:
            raise Refused(f"{path} changed while lifer-desk was editing it; nothing was written, try again")
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def check_installable(path: Path, key: PublicKey) -> None:
    """Refuse a key that is already in the file (in the block or outside it): one key, one agent."""
    _text, keys = _read(path)
    if key.fingerprint in keys.fingerprints():
        owner = next((entry.agent for entry in keys.entries if entry.key.fingerprint == key.fingerprint), None)
        where = f"agent {owner!r}" if owner else "a line outside the lifer-desk block"
        raise Refused(f"the key {key.fingerprint} is already in {path}, for {where}")


def install_key(path: Path, agent: str, key: PublicKey, program: str) -> KeyEntry:
    check_installable(path, key)
    text, keys = _read(path)
    entry = desk_entry(agent, program, key)
    _replace(path, text, keys.with_entries((*keys.entries, entry)).render())
    return entry


def remove_keys(path: Path, agent: str) -> list[KeyEntry]:
    """Remove every key line of `agent`; returns the removed entries."""
    text, keys = _read(path)
    removed = [entry for entry in keys.entries if entry.agent == agent]
    if removed:
        _replace(path, text, keys.with_entries(e for e in keys.entries if e not in removed).render())
    return removed


def list_keys(path: Path, agent: str | None = None) -> list[KeyEntry]:
    return [entry for entry in _read(path)[1].entries if agent is None or entry.agent == agent]

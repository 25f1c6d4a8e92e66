"""The service-account deployment on this host (issue 16 item 1): `deploy check`, and ending an agent's sessions.

Every desk of that deployment is a process of the service account running `lifer-desk --agent NAME` (the
forced command of NAME's key), so an agent's sessions are found by their command line and ended with SIGTERM,
on which the desk gives back its claims and exits.
"""

from __future__ import annotations

import glob
import os
import pwd
import signal
import stat
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

from lifer_desk.config import Settings, find_env_file, group_holds_only
from lifer_desk.domain import sshd_config
from lifer_desk.domain.authorized_keys import KeyFileError, parse_authorized_keys
from lifer_desk.i18n import _
from lifer_desk.launcher.protocol import MAX_SOCKET_PATH, launcher_dir, socket_path
from lifer_desk.services.ssh_keys import authorized_keys_path

SSHD_DIR = Path("/etc/ssh")
DEFAULT_SSHD_CONFIG = SSHD_DIR / "sshd_config"
# sshd's own limit on nested Include files.
MAX_INCLUDE_DEPTH = 16


@dataclass(frozen=True)
class Finding:
    subject: str
    problem: str


def _owner_name(uid: int) -> str:
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return f"uid {uid}"


def _check_private(path: Path, owner: str, mode: int, findings: list[Finding]) -> None:
    try:
        status = path.stat()
    except FileNotFoundError:
        findings.append(Finding(str(path), "does not exist"))
        return
    loose = stat.S_IMODE(status.st_mode) & ~mode
    if loose:
        findings.append(Finding(str(path), f"mode {stat.S_IMODE(status.st_mode):04o}; make it {mode:04o}"))
    if _owner_name(status.st_uid) != owner:
        findings.append(Finding(str(path), f"owned by {_owner_name(status.st_uid)}, not {owner}"))


def _check_token_file(path: Path, owner: str, findings: list[Finding]) -> None:
    """The settings file with the admin token: only the account may read it. Root owns it (only root may name
    the service account), so the account reads it as owner of the file or through a group of its own."""
    status = path.stat()
    mode = stat.S_IMODE(status.st_mode)
    if mode & 0o007 or (mode & 0o070 and not group_holds_only(status.st_gid, owner)):
        problem = _("mode {mode} lets others read the admin token; make it 0640 in a group of {owner} alone")
        findings.append(Finding(str(path), problem.format(mode=f"{mode:04o}", owner=owner)))


def _database_file(settings: Settings) -> Path | None:
    url = make_url(settings.database_url)
    if url.get_backend_name() != "sqlite" or not url.database:
        return None
    return Path(url.database.removeprefix("file:").split("?", 1)[0])


def _check_keys(path: Path, findings: list[Finding]) -> None:
    try:
        keys = parse_authorized_keys(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        findings.append(Finding(str(path), f"cannot be read: {getattr(exc, 'strerror', None) or exc}"))
        return
    except KeyFileError as exc:
        findings.append(Finding(str(path), str(exc)))
        return
    if not keys.entries:
        findings.append(Finding(str(path), "holds no lifer-desk key yet (lifer-desk agents add NAME --ssh-key FILE)"))
    for entry in keys.entries:
        if not (Path(entry.program).is_file() and os.access(entry.program, os.X_OK)):
            # sshd would run it and fail: written by an `agents add` from an install this account cannot reach.
            problem = _(
                "the key of {agent} runs {program}, which is not a program this account can run; "
                "add the key again with the service account's lifer-desk"
            )
            findings.append(Finding(str(path), problem.format(agent=entry.agent, program=entry.program)))
        if entry.missing_options:
            missing = ", ".join(entry.missing_options)
            findings.append(
                Finding(str(path), f"the key of {entry.agent} lacks {missing} (the line needs restrict,pty)")
            )


def _check_launcher(owner: str, findings: list[Finding]) -> None:
    """Where the sessions' launcher listens (lifer_desk.launcher): a directory of the account's alone, and a
    socket path the kernel can bind. Either wrong, every session starts its desk from scratch instead."""
    directory = launcher_dir()
    if directory.exists():
        _check_private(directory, owner, 0o700, findings)
    length = len(str(socket_path(directory)).encode())
    if length > MAX_SOCKET_PATH:
        problem = _(
            "the launcher's socket path is {length} bytes, over the {limit} a Unix socket may have; sessions "
            "start without it (set XDG_RUNTIME_DIR or a shorter home)"
        )
        findings.append(Finding(str(directory), problem.format(length=length, limit=MAX_SOCKET_PATH)))


def read_sshd_config(path: Path, depth: int = 0) -> str:
    """sshd_config as sshd reads it: each `Include` replaced where it stands by the files it names (globs,
    sorted; a relative path is under /etc/ssh). Debian's own file includes sshd_config.d/*.conf first thing."""
    if depth > MAX_INCLUDE_DEPTH:
        raise ValueError(_("Include nests more than {depth} deep").format(depth=MAX_INCLUDE_DEPTH))
    lines = []
    for line in path.read_text(encoding="utf-8").splitlines():
        words = line.split("#", 1)[0].replace("=", " ", 1).split()
        if not words or words[0].lower() != "include":
            lines.append(line)
            continue
        for pattern in words[1:]:
            for included in sorted(glob.glob(str(SSHD_DIR / pattern))):
                lines.append(read_sshd_config(Path(included), depth + 1))
    return "\n".join(lines)


def check_host(settings: Settings, sshd_config_path: Path = DEFAULT_SSHD_CONFIG) -> list[Finding]:
    """Everything wrong with this host for the service-account deployment; empty when it is ready."""
    findings: list[Finding] = []
    owner = settings.service_account or _owner_name(os.getuid())
    if settings.service_account is None:
        findings.append(Finding("LIFER_SERVICE_ACCOUNT", "is not set (in a root-owned settings file)"))
    database = _database_file(settings)
    if database is not None:
        _check_private(database.parent, owner, 0o700, findings)
        _check_private(database, owner, 0o600, findings)
    env_file, _legacy = find_env_file(dict(os.environ))
    if env_file is not None and settings.admin_token is not None:
        _check_token_file(env_file, owner, findings)
    keys = authorized_keys_path(settings)
    _check_private(keys.parent, owner, 0o700, findings)
    _check_private(keys, owner, 0o600, findings)
    if keys.exists():
        _check_keys(keys, findings)
    if settings.launcher:
        _check_launcher(owner, findings)
    try:
        sshd_text = read_sshd_config(sshd_config_path)
    except (OSError, ValueError) as exc:
        findings.append(Finding(str(sshd_config_path), f"cannot be read: {getattr(exc, 'strerror', None) or exc}"))
    else:
        findings += [Finding(str(sshd_config_path), problem) for problem in sshd_config.problems(sshd_text)]
    return findings


def _desk_agent(pid: str) -> str | None:
    """The agent of a `lifer-desk --agent NAME` process, or None for any other process."""
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return None
    words = [word.decode(errors="replace") for word in argv]
    if "--agent" not in words or not any(Path(word).name == "lifer-desk" for word in words):
        return None
    index = words.index("--agent")
    return words[index + 1] if index + 1 < len(words) else None


def end_sessions(agent: str) -> int:
    """Send SIGTERM to every desk of `agent` this user may signal; returns how many were told to stop."""
    ended = 0
    for pid in filter(str.isdigit, os.listdir("/proc")):
        if int(pid) == os.getpid() or _desk_agent(pid) != agent:
            continue
        try:
            os.kill(int(pid), signal.SIGTERM)
        except (ProcessLookupError, PermissionError):
            continue
        ended += 1
    return ended

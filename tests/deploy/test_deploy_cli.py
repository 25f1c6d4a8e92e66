"""The deployment through the real command: keys added, listed and removed with the agent; `--agent` only for the
service account under sshd; `deploy check` (issue 16 item 1)."""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from lifer_desk.config import Settings
from lifer_desk.domain import sshd_config
from lifer_desk.services.errors import PermissionDenied
from lifer_desk.services.identity import current_agent
from lifer_desk.store.db import Database
from tests.agent_support import enrol
from tests.cli.test_cli_identity import _run as run_cli
from tests.deploy.keys_support import make_key

REAL_USER = pwd.getpwuid(os.getuid()).pw_name
# The desk's own program, as `agents add` writes it into a forced command.
DESK = str(Path(sys.executable).with_name("lifer-desk"))
GOOD_SSHD = "ClientAliveInterval 15\nClientAliveCountMax 4\nPermitTTY yes\nAcceptEnv LANG LC_*\n"


def _run(tmp_path: Path, db_url: str, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    return run_cli(tmp_path, db_url, *args, LIFER_AUTHORIZED_KEYS=str(tmp_path / "ssh" / "authorized_keys"), **extra)


@pytest.mark.skipif(os.getuid() != 0, reason="the host's operator is root here")
def test_agents_add_with_a_key_then_keys_then_deactivate(tmp_path: Path, sqlite_url: str) -> None:
    pub, fingerprint = make_key(tmp_path, "alice")
    added = _run(tmp_path, sqlite_url, "agents", "add", "alice", "--role", "agent", "--ssh-key", str(pub))
    assert added.returncode == 0, added.stderr
    keys_file = tmp_path / "ssh" / "authorized_keys"
    assert '--agent alice",restrict,pty ssh-ed25519' in keys_file.read_text()
    assert keys_file.stat().st_mode & 0o777 == 0o600

    listed = _run(tmp_path, sqlite_url, "agents", "keys")
    assert listed.stdout.splitlines() == ["AGENT  TYPE         FINGERPRINT", f"alice  ssh-ed25519  {fingerprint}"]

    again = _run(tmp_path, sqlite_url, "agents", "add", "bob", "--role", "agent", "--ssh-key", str(pub))
    assert again.returncode == 2
    assert again.stderr == f"lifer-desk: the key {fingerprint} is already in {keys_file}, for agent 'alice'\n"
    assert "bob" not in _run(tmp_path, sqlite_url, "agents", "list").stdout

    gone = _run(tmp_path, sqlite_url, "agents", "deactivate", "alice")
    assert gone.returncode == 0, gone.stderr
    assert "alice" not in keys_file.read_text()
    assert _run(tmp_path, sqlite_url, "agents", "keys").stdout == f"no lifer-desk keys in {keys_file}\n"
    db = Database(sqlite_url)
    with db.read() as session:
        actions = session.connection().exec_driver_sql("SELECT action, details FROM audit_event").all()
    db.dispose()
    assert [a for a, _d in actions] == ["agent.add", "agent.key_add", "agent.deactivate", "agent.key_remove"]
    assert fingerprint in actions[1][1] and fingerprint in actions[3][1]


def test_agent_option_is_refused_outside_the_service_account(tmp_path: Path, sqlite_url: str) -> None:
    result = _run(tmp_path, sqlite_url, "--agent", "alice", SSH_CONNECTION="127.0.0.1 5000 127.0.0.1 22")
    assert result.returncode == 2
    assert "may act as another agent ('alice')" in result.stderr


def test_a_command_asked_for_by_the_client_is_refused(tmp_path: Path, sqlite_url: str) -> None:
    result = _run(tmp_path, sqlite_url, "--agent", "alice", SSH_ORIGINAL_COMMAND="bash")
    assert result.returncode == 2
    assert result.stderr == (
        "lifer-desk: this SSH key opens the desk only; connect without a command (ssh -t lifer@HOST)\n"
    )


def test_agent_option_counts_only_for_the_service_account_started_by_sshd(db: Database) -> None:
    enrol(db, "alice")
    service = Settings(database_url=db.url, service_account=REAL_USER)
    sshd = {"SSH_CONNECTION": "127.0.0.1 5000 127.0.0.1 22"}
    assert current_agent(db, service, as_agent="alice", environ=sshd).name == "alice"
    with pytest.raises(PermissionDenied, match="under sshd"):
        current_agent(db, service, as_agent="alice", environ={})
    with pytest.raises(PermissionDenied, match="under sshd"):
        current_agent(db, Settings(database_url=db.url, service_account="lifer"), as_agent="alice", environ=sshd)


def _host(tmp_path: Path, sqlite_url: str, sshd: str) -> tuple[Path, Path]:
    settings = tmp_path / "settings.env"
    settings.write_text(f"LIFER_SERVICE_ACCOUNT={REAL_USER}\n")
    settings.chmod(0o600)
    sshd_config = tmp_path / "sshd_config"
    sshd_config.write_text(sshd)
    keys_dir = tmp_path / "ssh"
    keys_dir.mkdir(mode=0o700)
    pub, _fingerprint = make_key(tmp_path, "alice")
    kind, blob = pub.read_text().split()[:2]
    (keys_dir / "authorized_keys").write_text(
        f'# lifer-desk start\ncommand="{DESK} --agent alice",restrict,pty {kind} {blob}\n# lifer-desk end\n'
    )
    (keys_dir / "authorized_keys").chmod(0o600)
    Path(sqlite_url.removeprefix("sqlite:///")).chmod(0o600)
    tmp_path.chmod(0o700)
    return settings, sshd_config


def _check(tmp_path: Path, sqlite_url: str, sshd_config: Path, settings: Path) -> subprocess.CompletedProcess[str]:
    args = ("deploy", "check", "--sshd-config", str(sshd_config))
    return _run(tmp_path, sqlite_url, *args, LIFER_ENV_FILE=str(settings))


@pytest.mark.skipif(os.getuid() != 0, reason="LIFER_SERVICE_ACCOUNT needs a root-owned settings file")
def test_deploy_check_passes_a_ready_host(tmp_path: Path, sqlite_url: str) -> None:
    settings, sshd_config = _host(tmp_path, sqlite_url, GOOD_SSHD)
    result = _run(
        tmp_path, sqlite_url, "deploy", "check", "--sshd-config", str(sshd_config), LIFER_ENV_FILE=str(settings)
    )
    assert (result.returncode, result.stdout) == (0, "ok: this host is ready for the service-account deployment\n")


@pytest.mark.skipif(os.getuid() != 0, reason="LIFER_SERVICE_ACCOUNT needs a root-owned settings file")
def test_deploy_check_finds_a_loose_mode_a_missing_pty_and_no_client_alive(tmp_path: Path, sqlite_url: str) -> None:
    settings, sshd_config = _host(tmp_path, sqlite_url, "PermitTTY yes\nAcceptEnv LIFER_*\n")
    database = Path(sqlite_url.removeprefix("sqlite:///"))
    database.chmod(0o644)
    keys_file = tmp_path / "ssh" / "authorized_keys"
    keys_file.write_text(keys_file.read_text().replace(",restrict,pty", ",restrict"))
    result = _run(
        tmp_path, sqlite_url, "deploy", "check", "--sshd-config", str(sshd_config), LIFER_ENV_FILE=str(settings)
    )
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        f"problem: {database}: mode 0644; make it 0600",
        f"problem: {keys_file}: the key of alice lacks pty (the line needs restrict,pty)",
        f"problem: {sshd_config}: ClientAliveInterval is not set: a dropped connection keeps its claims; "
        "set ClientAliveInterval 15 and ClientAliveCountMax 4",
        f"problem: {sshd_config}: AcceptEnv LIFER_* lets a client set the desk's LIFER_* settings; accept none of them",
    ]


@pytest.mark.skipif(os.getuid() != 0, reason="LIFER_SERVICE_ACCOUNT needs a root-owned settings file")
@pytest.mark.parametrize("case", ["a launcher directory others can open", "a socket path too long"])
def test_deploy_check_finds_where_the_launcher_cannot_listen(tmp_path: Path, sqlite_url: str, case: str) -> None:
    settings, sshd_config = _host(tmp_path, sqlite_url, GOOD_SSHD)
    # The open directory's socket path must be short enough to bind, whatever pytest's tmp_path is (in a
    # parallel run under CI it is long enough to be refused for its length first).
    short = Path(tempfile.mkdtemp(prefix="ld-run-"))
    runtime = short if case == "a launcher directory others can open" else tmp_path / ("long" * 25)
    try:
        (runtime / "lifer-desk").mkdir(parents=True, mode=0o700)
        if case == "a launcher directory others can open":
            (runtime / "lifer-desk").chmod(0o755)
        args = ("deploy", "check", "--sshd-config", str(sshd_config))
        result = _run(tmp_path, sqlite_url, *args, LIFER_ENV_FILE=str(settings), XDG_RUNTIME_DIR=str(runtime))
    finally:
        shutil.rmtree(short)
    assert result.returncode == 1
    if case == "a launcher directory others can open":
        assert result.stdout == f"problem: {runtime / 'lifer-desk'}: mode 0755; make it 0700\n"
    else:
        assert result.stdout.startswith(f"problem: {runtime / 'lifer-desk'}: the launcher's socket path is ")
        assert "sessions start without it" in result.stdout


@pytest.mark.skipif(os.getuid() != 0, reason="LIFER_SERVICE_ACCOUNT needs a root-owned settings file")
def test_deploy_check_passes_a_token_readable_by_the_service_accounts_group_alone(
    tmp_path: Path, sqlite_url: str
) -> None:
    # Root owns the file (it names the service account), so the account reads it through its own group:
    # the layout the real sshd deployment needs, where 0600 would lock the desk out of its settings.
    settings, sshd_config = _host(tmp_path, sqlite_url, GOOD_SSHD)
    settings.write_text(settings.read_text() + "LIFER_ADMIN_TOKEN=s3cret-token\n")
    os.chown(settings, 0, pwd.getpwnam(REAL_USER).pw_gid)
    settings.chmod(0o640)
    result = _check(tmp_path, sqlite_url, sshd_config, settings)
    assert (result.returncode, result.stdout) == (0, "ok: this host is ready for the service-account deployment\n")
    assert "s3cret" not in result.stdout + result.stderr


@pytest.mark.skipif(os.getuid() != 0, reason="LIFER_SERVICE_ACCOUNT needs a root-owned settings file")
def test_deploy_check_finds_a_forced_command_that_cannot_run(tmp_path: Path, sqlite_url: str) -> None:
    settings, sshd_config = _host(tmp_path, sqlite_url, GOOD_SSHD)
    keys_file = tmp_path / "ssh" / "authorized_keys"
    # An `agents add` run from an install the account cannot reach (root's own venv) writes its path.
    keys_file.write_text(keys_file.read_text().replace(DESK, "/nowhere/bin/lifer-desk"))
    result = _check(tmp_path, sqlite_url, sshd_config, settings)
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        f"problem: {keys_file}: the key of alice runs /nowhere/bin/lifer-desk, which is not a program this account "
        "can run; add the key again with the service account's lifer-desk"
    ]


@pytest.mark.skipif(os.getuid() != 0, reason="LIFER_SERVICE_ACCOUNT needs a root-owned settings file")
def test_deploy_check_reads_the_files_sshd_config_includes(tmp_path: Path, sqlite_url: str) -> None:
    # Debian's sshd_config includes sshd_config.d/*.conf first thing, where the README puts the desk's settings.
    settings, sshd_config = _host(tmp_path, sqlite_url, "")
    (tmp_path / "sshd_config.d").mkdir()
    (tmp_path / "sshd_config.d" / "lifer-desk.conf").write_text(GOOD_SSHD)
    sshd_config.write_text(f"Include {tmp_path}/sshd_config.d/*.conf\nKbdInteractiveAuthentication no\nUsePAM yes\n")
    result = _check(tmp_path, sqlite_url, sshd_config, settings)
    assert (result.returncode, result.stdout) == (0, "ok: this host is ready for the service-account deployment\n")


def test_the_readme_sshd_snippet_passes_deploy_check() -> None:
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    snippet = readme.split("# /etc/ssh/sshd_config.d/lifer-desk.conf\n", 1)[1].split("```", 1)[0]
    assert "ClientAliveInterval 15" in snippet
    assert sshd_config.problems(snippet) == []

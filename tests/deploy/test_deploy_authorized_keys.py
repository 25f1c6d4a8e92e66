"""authorized_keys: the marked block, written atomically; duplicates and concurrent edits refused (issue 16 item 1)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from lifer_desk.domain.authorized_keys import KeyFileError, parse_authorized_keys, parse_public_key
from lifer_desk.services import ssh_keys
from lifer_desk.services.errors import Refused
from tests.deploy.keys_support import make_key

OPERATOR_LINE = "# the operator's own key, kept as it is\n"


@pytest.fixture
def keys_file(tmp_path: Path) -> Path:
    path = tmp_path / "ssh" / "authorized_keys"
    path.parent.mkdir(mode=0o700)
    own, _fingerprint = make_key(tmp_path, "operator")
    path.write_text(OPERATOR_LINE + own.read_text())
    path.chmod(0o600)
    return path


def test_a_key_is_installed_in_the_marked_block_with_its_forced_command(tmp_path: Path, keys_file: Path) -> None:
    before = keys_file.read_text()
    pub, fingerprint = make_key(tmp_path, "alice")
    entry = ssh_keys.install_key(keys_file, "alice", ssh_keys.read_public_key(pub), "/opt/desk/bin/lifer-desk")
    assert entry.key.fingerprint == fingerprint
    text = keys_file.read_text()
    assert text.startswith(before)
    kind, blob = pub.read_text().split()[:2]
    assert text[len(before) :] == (
        "# lifer-desk start\n"
        f'command="/opt/desk/bin/lifer-desk --agent alice",restrict,pty {kind} {blob} lifer-desk:alice\n'
        "# lifer-desk end\n"
    )
    assert keys_file.stat().st_mode & 0o777 == 0o600
    assert [(e.agent, e.key.fingerprint) for e in ssh_keys.list_keys(keys_file)] == [("alice", fingerprint)]


def test_a_key_already_there_is_refused_inside_or_outside_the_block(tmp_path: Path, keys_file: Path) -> None:
    pub, fingerprint = make_key(tmp_path, "alice")
    key = ssh_keys.read_public_key(pub)
    ssh_keys.install_key(keys_file, "alice", key, "/usr/bin/lifer-desk")
    written = keys_file.read_text()
    with pytest.raises(Refused, match=rf"the key {re.escape(fingerprint)} is already in .* for agent 'alice'"):
        ssh_keys.install_key(keys_file, "bob", key, "/usr/bin/lifer-desk")
    operator = ssh_keys.read_public_key(tmp_path / "operator.pub")
    with pytest.raises(Refused, match="for a line outside the lifer-desk block"):
        ssh_keys.install_key(keys_file, "bob", operator, "/usr/bin/lifer-desk")
    assert keys_file.read_text() == written


def test_a_file_changed_meanwhile_aborts_the_write(
    tmp_path: Path, keys_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pub, _fingerprint = make_key(tmp_path, "alice")
    real_mkstemp = ssh_keys.tempfile.mkstemp

    def operator_edits_meanwhile(**kwargs: str) -> tuple[int, str]:
        keys_file.write_text(keys_file.read_text() + "# edited by hand\n")
        return real_mkstemp(**kwargs)

    monkeypatch.setattr(ssh_keys.tempfile, "mkstemp", operator_edits_meanwhile)
    with pytest.raises(Refused, match="changed while lifer-desk was editing it; nothing was written"):
        ssh_keys.install_key(keys_file, "alice", ssh_keys.read_public_key(pub), "/usr/bin/lifer-desk")
    assert keys_file.read_text().endswith("# edited by hand\n")
    assert "lifer-desk start" not in keys_file.read_text()
    assert sorted(p.name for p in keys_file.parent.iterdir()) == ["authorized_keys"]


def test_removing_an_agents_keys_keeps_everyone_else(tmp_path: Path, keys_file: Path) -> None:
    for name in ("alice", "bob"):
        pub, _fingerprint = make_key(tmp_path, name)
        ssh_keys.install_key(keys_file, name, ssh_keys.read_public_key(pub), "/usr/bin/lifer-desk")
    removed = ssh_keys.remove_keys(keys_file, "alice")
    assert [entry.agent for entry in removed] == ["alice"]
    assert [entry.agent for entry in ssh_keys.list_keys(keys_file)] == ["bob"]
    assert keys_file.read_text().startswith(OPERATOR_LINE)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n", "private key"),
        ('command="sh" ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA== x\n', "without options"),
        ("ssh-ed25519 AAAAB3NzaC1yc2EAAAADAQAB x\n", "not a ssh-ed25519 key"),
        ("ssh-ed25519 not*base64 x\n", "not valid base64"),
        ("", "holds 0"),
    ],
)
def test_a_bad_public_key_file_is_refused(text: str, message: str) -> None:
    with pytest.raises(KeyFileError, match=message):
        parse_public_key(text)


def test_a_broken_block_is_refused_rather_than_rewritten() -> None:
    with pytest.raises(KeyFileError, match="one '# lifer-desk start'"):
        parse_authorized_keys("# lifer-desk start\nssh-ed25519 AAAA\n")
    with pytest.raises(KeyFileError, match='no command="lifer-desk --agent NAME"'):
        parse_authorized_keys(
            "# lifer-desk start\nssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4\n"
            "# lifer-desk end\n"
        )

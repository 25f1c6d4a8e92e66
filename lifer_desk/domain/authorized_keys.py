"""The service account's `authorized_keys`, as pure text (issue 16, DESIGN 4): parsed, checked and rendered.

lifer-desk owns one marked block of the file; everything outside it (the operator's own keys) is kept byte for
byte. Each line of the block is a forced command for one agent, in gitolite's style:

    command="/usr/local/bin/lifer-desk --agent alice",restrict,pty ssh-ed25519 AAAA... lifer-desk:alice

`restrict` turns off forwarding, agent forwarding, X11 and `~/.ssh/rc`; `pty` gives back only the terminal the
desk needs. The client's own comment is not copied: it is text the key's owner chose, and the agent's name
is what the operator needs to read there.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import shlex
import struct
from collections.abc import Iterable
from dataclasses import dataclass

BLOCK_START = "# lifer-desk start"
BLOCK_END = "# lifer-desk end"
# The options every desk line must carry; `deploy check` reports a line missing one.
REQUIRED_OPTIONS = ("restrict", "pty")
KEY_TYPES = frozenset(
    {
        "ssh-ed25519",
        "ssh-rsa",
        "ecdsa-sha2-nistp256",
        "ecdsa-sha2-nistp384",
        "ecdsa-sha2-nistp521",
        "sk-ssh-ed25519@openssh.com",
        "sk-ecdsa-sha2-nistp256@openssh.com",
    }
)
_AGENT = r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}"
_COMMAND = re.compile(rf'^command="(?P<program>[^"\s]+) --agent (?P<agent>{_AGENT})"$')


class KeyFileError(ValueError):
    """A public key or the lifer-desk block of authorized_keys is not what it must be; says why in one sentence."""


@dataclass(frozen=True)
class PublicKey:
    kind: str
    blob: str  # base64, as written in the file

    @property
    def fingerprint(self) -> str:
        """OpenSSH's SHA256 fingerprint (`ssh-keygen -l`): unpadded base64 of the blob's digest."""
        digest = hashlib.sha256(base64.b64decode(self.blob)).digest()
        return "SHA256:" + base64.b64encode(digest).decode().rstrip("=")


@dataclass(frozen=True)
class KeyEntry:
    """One line of the lifer-desk block."""

    agent: str
    program: str
    options: tuple[str, ...]
    key: PublicKey

    def render(self) -> str:
        options = ",".join((f'command="{self.program} --agent {self.agent}"', *self.options))
        return f"{options} {self.key.kind} {self.key.blob} lifer-desk:{self.agent}"

    @property
    def missing_options(self) -> tuple[str, ...]:
        return tuple(option for option in REQUIRED_OPTIONS if option not in self.options)


@dataclass(frozen=True)
class AuthorizedKeys:
    """The file split around lifer-desk's block; `before` and `after` are kept as they were."""

    before: tuple[str, ...]
    entries: tuple[KeyEntry, ...]
    after: tuple[str, ...]
    other_keys: tuple[PublicKey, ...]

    def fingerprints(self) -> set[str]:
        return {entry.key.fingerprint for entry in self.entries} | {key.fingerprint for key in self.other_keys}

    def with_entries(self, entries: Iterable[KeyEntry]) -> AuthorizedKeys:
        return AuthorizedKeys(self.before, tuple(entries), self.after, self.other_keys)

    def render(self) -> str:
        block = (BLOCK_START, *(entry.render() for entry in self.entries), BLOCK_END)
        return "".join(line + "\n" for line in (*self.before, *block, *self.after))


def _decode_blob(kind: str, blob: str) -> None:
    try:
        raw = base64.b64decode(blob, validate=True)
    except (binascii.Error, ValueError):
        raise KeyFileError("the key is not valid base64") from None
    # The blob starts with its own type, length-prefixed: a pasted fragment or a mismatched type fails here.
    if len(raw) < 4 or raw[4 : 4 + struct.unpack(">I", raw[:4])[0]] != kind.encode():
        raise KeyFileError(f"the key's data is not a {kind} key")


def parse_public_key(text: str) -> PublicKey:
    """A `.pub` file's one line: `TYPE BASE64 [comment]`; options, private keys and several keys are refused."""
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    if "PRIVATE KEY" in text:
        raise KeyFileError("this is a private key; give the .pub file")
    if len(lines) != 1:
        raise KeyFileError(f"a public key file holds exactly one key line, this one holds {len(lines)}")
    fields = lines[0].split()
    if len(fields) < 2 or fields[0] not in KEY_TYPES:
        raise KeyFileError("not an OpenSSH public key line (TYPE BASE64 [comment]) of a known type, without options")
    _decode_blob(fields[0], fields[1])
    return PublicKey(fields[0], fields[1])


def _split_options(text: str) -> tuple[list[str], str]:
    """Split `opt,opt="a,b" rest` into the options and the rest of the line (quotes may hold commas and spaces)."""
    options, current, quoted = [], "", False
    for index, char in enumerate(text):
        if char == '"':
            quoted = not quoted
        if not quoted and char in ", ":
            options.append(current)
            current = ""
            if char == " ":
                return options, text[index + 1 :].lstrip()
            continue
        current += char
    raise KeyFileError("a key line ends inside its options")


def _parse_key_line(line: str) -> tuple[list[str], PublicKey]:
    fields = line.split()
    options: list[str]
    if fields[0] in KEY_TYPES:
        options, rest = [], line
    else:
        options, rest = _split_options(line)
    kind, _sep, remainder = rest.partition(" ")
    blob = remainder.split()[0] if remainder.split() else ""
    if kind not in KEY_TYPES:
        raise KeyFileError(f"a key line has an unknown key type {shlex.quote(kind)}")
    _decode_blob(kind, blob)
    return options, PublicKey(kind, blob)


def parse_entry(line: str) -> KeyEntry:
    options, key = _parse_key_line(line)
    commands = [option for option in options if option.startswith("command=")]
    match = _COMMAND.match(commands[0]) if len(commands) == 1 else None
    if match is None:
        raise KeyFileError('a line of the lifer-desk block has no command="lifer-desk --agent NAME"')
    rest = tuple(option for option in options if not option.startswith("command="))
    return KeyEntry(match["agent"], match["program"], rest, key)


def parse_authorized_keys(text: str) -> AuthorizedKeys:
    """Split the file around the block (none yet: an empty block at the end) and parse the block's lines."""
    lines = text.splitlines()
    starts = [i for i, line in enumerate(lines) if line.strip() == BLOCK_START]
    ends = [i for i, line in enumerate(lines) if line.strip() == BLOCK_END]
    if len(starts) > 1 or len(ends) > 1 or len(starts) != len(ends) or (starts and ends[0] < starts[0]):
        raise KeyFileError(f"authorized_keys must hold one '{BLOCK_START}' ... '{BLOCK_END}' block at most")
    if starts:
        before, inside, after = lines[: starts[0]], lines[starts[0] + 1 : ends[0]], lines[ends[0] + 1 :]
    else:
        before, inside, after = lines, [], []
    entries = tuple(parse_entry(line) for line in inside if line.strip() and not line.lstrip().startswith("#"))
    others = []
    for line in (*before, *after):
        if line.strip() and not line.lstrip().startswith("#"):
            try:
                others.append(_parse_key_line(line)[1])
            except KeyFileError:
                # Not ours to judge: sshd skips a line it cannot read, and so does the duplicate check.
                continue
    return AuthorizedKeys(tuple(before), entries, tuple(after), tuple(others))


def desk_entry(agent: str, program: str, key: PublicKey) -> KeyEntry:
    return KeyEntry(agent, program, REQUIRED_OPTIONS, key)

"""Test SSH keys, made by ssh-keygen so that the fingerprints are OpenSSH's own."""

from __future__ import annotations

import subprocess
from pathlib import Path


def make_key(directory: Path, name: str) -> tuple[Path, str]:
    """A fresh ed25519 key pair `directory/name`; returns the .pub path and ssh-keygen's SHA256 fingerprint."""
    private = directory / name
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", f"{name}@laptop", "-f", str(private)], check=True
    )
    listed = subprocess.run(["ssh-keygen", "-l", "-f", f"{private}.pub"], check=True, capture_output=True, text=True)
    return Path(f"{private}.pub"), listed.stdout.split()[1]

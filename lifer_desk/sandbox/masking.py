"""How the sandbox masks registration data before it leaves the service."""

from __future__ import annotations


def mask_email(email: str) -> str:
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain}"


def mask_username(username: str) -> str:
    tail = username[-1] if len(username) > 3 else ""
    return f"{username[:1]}***{tail}"

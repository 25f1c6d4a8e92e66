"""Personal data inside free text (feedback): email addresses, phone numbers and ID-card numbers, masked.

Feedback is whatever a person typed, so it carries contacts and ID numbers nobody asked for. The list and the
detail view show them masked; the raw text needs a reason and an audit event (services.feedback.reveal_text).

One pattern with one alternative per kind, so that a run of digits is read once, as the longest kind it can be:
an 18-character ID-card number is not also a phone number followed by digits.
"""

from __future__ import annotations

import re

from lifer_desk.domain.masking import MASK, mask_email

# Mainland ID cards: 17 digits and a check character (digit or X), or the older 15 digits.
_ID_CARD = r"(?<![0-9A-Za-z])(?:\d{17}[\dXx]|\d{15})(?![0-9A-Za-z])"
# Mainland mobiles (1[3-9] and nine digits, optionally +86 and spaced 3-4-4), and other numbers written with a
# country code or as an area code and a number.
_CN_MOBILE = r"(?<!\d)(?:(?:\+|00)?86[ -]?)?1[3-9]\d(?:[ -]?\d{4}){2}(?!\d)"
_PHONE = r"(?<![\d+])(?:\+\d{1,3}[ -]?\d(?:[ -]?\d){6,12}|0\d{2,3}-\d{7,8})(?!\d)"
_EMAIL = r"[A-Za-z0-9._%+-]+[@＠][A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
_PII = re.compile(f"(?P<id>{_ID_CARD})|(?P<mobile>{_CN_MOBILE})|(?P<phone>{_PHONE})|(?P<email>{_EMAIL})")


def _digits(value: str) -> str:
    return "".join(ch for ch in value if ch.isdigit())


def _masked(match: re.Match[str]) -> str:
    value = match.group()
    if match.lastgroup == "email":
        return mask_email(value.replace("＠", "@"))
    if match.lastgroup == "id":
        # The region code's first digit and the check character say "an ID number was here" and no more.
        return f"{value[0]}{MASK}{value[-1]}"
    digits = _digits(value)
    # The last four digits, as receipts and bank statements show them: enough to tell two numbers apart.
    return f"{MASK}{digits[-4:]}"


def mask_free_text(text: str) -> str:
    """`text` with every email, phone number and ID-card number masked; masking it again changes nothing."""
    return _PII.sub(_masked, text)


def has_personal_data(text: str) -> bool:
    return _PII.search(text) is not None

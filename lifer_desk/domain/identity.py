"""Identity verification against registration data (issue 5): what a caller states, and the policy.

The desk never sees registration data; it sends what the caller states to the admin API's verify
endpoint, which answers match, mismatch or absent per field. This module decides, before that call,
whether the statement is usable (`parse_claims`, `check_stated`) and, after it, what the answers add up
to (`evaluate`), plus the lockout and expiry rules as functions of timestamps.

The default policy is the issue's: three stated fields, all matching, one of them email or username.
Gender counts towards the three, but it can never be the field that identifies the account, so gender
alone never verifies anyone. With three values of which one is usually guessable, gender adds about one
bit; a stricter desk sets `LIFER_VERIFICATION_UNCOUNTED=gender`, after which a caller must state email,
username and birthday. A gender mismatch fails the verification either way.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import TypeVar

from lifer_desk.domain.timeutil import require_aware
from lifer_desk.i18n import _

MAX_FAILED = 3
LOCK_WINDOW = timedelta(hours=24)
VERIFIED_TTL = timedelta(hours=24)
EARLIEST_BIRTHDAY = date(1900, 1, 1)

T = TypeVar("T")


class Field(StrEnum):
    EMAIL = "email"
    USERNAME = "username"
    BIRTHDAY = "birthday"
    GENDER = "gender"


class Gender(StrEnum):
    MALE = "male"
    FEMALE = "female"
    OTHER = "other"


class FieldResult(StrEnum):
    MATCH = "match"
    MISMATCH = "mismatch"
    ABSENT = "absent"


class Outcome(StrEnum):
    VERIFIED = "verified"
    FAILED = "failed"
    # Recorded by the service when the attempt limit refuses an attempt; `evaluate` never returns it.
    LOCKED = "locked"


def field_label(name: Field) -> str:
    return {
        Field.EMAIL: _("email"),
        Field.USERNAME: _("username"),
        Field.BIRTHDAY: _("birthday"),
        Field.GENDER: _("gender"),
    }[name]


def _labels(fields: Iterable[Field]) -> str:
    chosen = set(fields)
    return ", ".join(field_label(f) for f in Field if f in chosen)


# --- what the caller states -------------------------------------------------------------------------


class ClaimError(ValueError):
    """One stated value is refused; shown next to the input where it was typed."""

    def __init__(self, name: Field, message: str) -> None:
        super().__init__(f"{name}: {message}")
        self.field = name
        self.message = message


class ClaimsInvalid(ValueError):
    """Some stated values are refused; `errors` holds one message per field."""

    def __init__(self, errors: Mapping[Field, str]) -> None:
        super().__init__("; ".join(f"{name}: {message}" for name, message in errors.items()))
        self.errors = dict(errors)


def _prepare(name: Field, raw: str) -> str:
    # NFKC folds what Chinese input methods produce (full-width digits, "＠", "＊") into plain forms.
    value = unicodedata.normalize("NFKC", raw).strip()
    if not value:
        raise ClaimError(name, _("is empty"))
    if "*" in value:
        raise ClaimError(name, _("looks masked (contains *): ask the caller for the full value"))
    return value


_EMAIL_ATOM = r"[\w!#$%&'+/=?^`{|}~-]+"
_EMAIL_LABEL = r"[^\W_](?:[\w-]*[^\W_])?"
_EMAIL_TLD = r"(?:[^\W\d_]{2,}|xn--[a-z0-9-]+)"
_EMAIL = re.compile(rf"(?P<local>{_EMAIL_ATOM}(?:\.{_EMAIL_ATOM})*)@(?:{_EMAIL_LABEL}\.)+{_EMAIL_TLD}")


def normalise_email(raw: str) -> str:
    value = _prepare(Field.EMAIL, raw).lower()
    match = _EMAIL.fullmatch(value)
    if match is None or len(match["local"]) > 64 or len(value) > 254:
        raise ClaimError(Field.EMAIL, _("is not a valid email address"))
    return value


def normalise_username(raw: str) -> str:
    value = _prepare(Field.USERNAME, raw)
    if not value.isprintable():
        raise ClaimError(Field.USERNAME, _("contains control characters"))
    return value


_BIRTHDAY_FORMATS = (
    re.compile(r"(?P<y>[0-9]{4})(?P<sep>[-/.])(?P<m>[0-9]{1,2})(?P=sep)(?P<d>[0-9]{1,2})"),
    re.compile(r"(?P<y>[0-9]{4})(?P<m>[0-9]{2})(?P<d>[0-9]{2})"),
    re.compile(r"(?P<y>[0-9]{4})\s*年\s*(?P<m>[0-9]{1,2})\s*月\s*(?P<d>[0-9]{1,2})\s*[日号]?"),
)


def parse_birthday(raw: str, *, today: date) -> date:
    """`1990-05-17`, `1990/5/17`, `19900517`, `1990年5月17日`; refused if not a real, past date."""
    value = _prepare(Field.BIRTHDAY, raw)
    match = next((m for p in _BIRTHDAY_FORMATS if (m := p.fullmatch(value))), None)
    if match is None:
        raise ClaimError(Field.BIRTHDAY, _("write it as 1990-05-17, 1990/5/17, 19900517 or 1990年5月17日"))
    try:
        birthday = date(int(match["y"]), int(match["m"]), int(match["d"]))
    except ValueError:
        raise ClaimError(Field.BIRTHDAY, _("is not a real date")) from None
    if birthday > today:
        raise ClaimError(Field.BIRTHDAY, _("is in the future"))
    if birthday < EARLIEST_BIRTHDAY:
        raise ClaimError(Field.BIRTHDAY, _("is before 1900"))
    return birthday


_GENDERS = {
    "male": Gender.MALE,
    "男": Gender.MALE,
    "男性": Gender.MALE,
    "female": Gender.FEMALE,
    "女": Gender.FEMALE,
    "女性": Gender.FEMALE,
    "other": Gender.OTHER,
    "其他": Gender.OTHER,
}


def parse_gender(raw: str) -> Gender:
    value = _prepare(Field.GENDER, raw).casefold()
    try:
        return _GENDERS[value]
    except KeyError:
        raise ClaimError(Field.GENDER, _("must be male, female or other (男, 女, 其他)")) from None


@dataclass(frozen=True)
class Claims:
    """What a caller stated, normalised; None means not stated."""

    email: str | None = None
    username: str | None = None
    birthday: date | None = None
    gender: Gender | None = None

    @property
    def stated(self) -> frozenset[Field]:
        return frozenset(self.normalised())

    def normalised(self) -> dict[Field, str]:
        """The stated values as text, as the verify endpoint receives them."""
        values = {
            Field.EMAIL: self.email,
            Field.USERNAME: self.username,
            Field.BIRTHDAY: self.birthday.isoformat() if self.birthday else None,
            Field.GENDER: self.gender.value if self.gender else None,
        }
        return {name: value for name, value in values.items() if value is not None}


def parse_claims(raw: Mapping[Field, str], *, today: date) -> Claims:
    """Normalise every stated value (blank means not stated); raise ClaimsInvalid naming each bad field."""
    errors: dict[Field, str] = {}

    def stated(name: Field, parse: Callable[[str], T]) -> T | None:
        text = raw.get(name, "")
        if not text.strip():
            return None
        try:
            return parse(text)
        except ClaimError as exc:
            errors[name] = exc.message
            return None

    claims = Claims(
        email=stated(Field.EMAIL, normalise_email),
        username=stated(Field.USERNAME, normalise_username),
        birthday=stated(Field.BIRTHDAY, lambda text: parse_birthday(text, today=today)),
        gender=stated(Field.GENDER, parse_gender),
    )
    if errors:
        raise ClaimsInvalid(errors)
    return claims


# --- the policy -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class VerificationPolicy:
    """Verified needs every answered field to match, at least `min_fields` matches among the counted
    fields, and a match on one of `identifying_fields`."""

    min_fields: int = 3
    identifying_fields: frozenset[Field] = field(default=frozenset({Field.EMAIL, Field.USERNAME}))
    uncounted_fields: frozenset[Field] = field(default=frozenset())

    def __post_init__(self) -> None:
        counted = len(Field) - len(self.uncounted_fields)
        if not 1 <= self.min_fields <= counted:
            raise ValueError(f"min_fields must be between 1 and {counted}, got {self.min_fields}")
        if not self.identifying_fields:
            raise ValueError("identifying_fields must name at least one field")
        if Field.GENDER in self.identifying_fields:
            raise ValueError("gender cannot identify an account")
        if self.identifying_fields & self.uncounted_fields:
            raise ValueError("an identifying field must count towards the minimum")

    def counted(self, fields: Iterable[Field]) -> frozenset[Field]:
        return frozenset(fields) - self.uncounted_fields

    def rule(self) -> str:
        """The policy in one sentence, for explanations."""
        text = _("at least {n} matching fields, including one of {identifying}").format(
            n=self.min_fields, identifying=_labels(self.identifying_fields)
        )
        if self.uncounted_fields:
            text += _(" ({uncounted} checked but not counted)").format(uncounted=_labels(self.uncounted_fields))
        return text


class InsufficientClaims(ValueError):
    """Too few fields stated to ever verify: refused before any API call, no attempt counted."""


def check_stated(policy: VerificationPolicy, claims: Claims) -> None:
    stated = claims.stated
    counted = policy.counted(stated)
    if len(counted) < policy.min_fields:
        raise InsufficientClaims(
            _("Too few fields stated ({stated}): the policy needs {rule}.").format(
                stated=_labels(stated) or _("none"), rule=policy.rule()
            )
        )
    if not stated & policy.identifying_fields:
        raise InsufficientClaims(
            _("State one of {identifying} as well: the policy needs {rule}.").format(
                identifying=_labels(policy.identifying_fields), rule=policy.rule()
            )
        )


@dataclass(frozen=True)
class Decision:
    outcome: Outcome
    explanation: str
    matched: tuple[Field, ...]
    mismatched: tuple[Field, ...]


def evaluate(policy: VerificationPolicy, results: Mapping[Field, FieldResult | str]) -> Decision:
    """Combine the verify endpoint's per-field answers; a field missing from `results` counts as absent.

    "absent" (nothing on record to compare) neither fails nor helps: it does not count as a match.
    """
    answers = {Field(name): FieldResult(value) for name, value in results.items()}
    matched = tuple(f for f in Field if answers.get(f) == FieldResult.MATCH)
    mismatched = tuple(f for f in Field if answers.get(f) == FieldResult.MISMATCH)
    counted = policy.counted(matched)
    if mismatched:
        explanation = _(
            "Not verified: {fields} did not match, and the policy needs every stated field to match. "
            "Do not tell the caller which field was wrong."
        ).format(fields=_labels(mismatched))
    elif len(counted) < policy.min_fields:
        explanation = _("Not verified: only {matched} matched; the policy needs {rule}.").format(
            matched=_labels(matched) or _("no field"), rule=policy.rule()
        )
    elif not counted & policy.identifying_fields:
        explanation = _("Not verified: neither of {identifying} matched; the policy needs {rule}.").format(
            identifying=_labels(policy.identifying_fields), rule=policy.rule()
        )
    else:
        explanation = _("Verified: {matched} matched, meeting the policy ({rule}).").format(
            matched=_labels(matched), rule=policy.rule()
        )
        return Decision(Outcome.VERIFIED, explanation, matched, mismatched)
    return Decision(Outcome.FAILED, explanation, matched, mismatched)


# --- attempt limit and expiry -----------------------------------------------------------------------


def failures_in_window(
    failed_at: Iterable[datetime],
    now: datetime,
    *,
    unlocked_at: datetime | None = None,
    window: timedelta = LOCK_WINDOW,
) -> int:
    """Failed attempts that count towards a lock at `now`: younger than `window`, after the last unlock."""
    require_aware(now, "now")
    floor = now - window if unlocked_at is None else max(now - window, unlocked_at)
    return sum(1 for t in failed_at if floor < t <= now)


def verification_expires_at(verified_at: datetime, ttl: timedelta = VERIFIED_TTL) -> datetime:
    return require_aware(verified_at, "verified_at") + ttl


def is_verification_current(verified_at: datetime, expires_at: datetime, now: datetime) -> bool:
    """Whether a verification made at `verified_at` still stands at `now`.

    It takes the expiry recorded with the verification, not the TTL configured now, so a changed setting
    neither revives nor cuts short a verification already given.
    """
    return verified_at <= require_aware(now, "now") < expires_at

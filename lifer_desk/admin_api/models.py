"""Pydantic schemas of every request and response in the admin API v1 (DESIGN section 5).

The sandbox serves these same models, so the client and the reference server cannot disagree.
Registration data appears here only masked: no model carries a raw email, username or birthday.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from lifer_desk.domain.identity import Gender


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True)


class AccountStatus(StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"


class UserSummary(_Model):
    id: str
    email_masked: str
    username_masked: str
    registered_at: datetime
    status: AccountStatus
    minor: bool
    under_14: bool
    guardian_consent: bool | None = Field(description="Only stated for under-14s; null when not required.")
    etag: str


class UserProfile(UserSummary):
    language: Literal["zh", "en"]
    image_count: int
    diary_entry_count: int
    payment_link_count: int


class VerifyClaims(_Model):
    """What a caller claims; only the fields stated are compared."""

    email: str | None = Field(default=None, max_length=320)
    username: str | None = Field(default=None, max_length=128)
    birthday: str | None = Field(
        default=None, max_length=32, description="1990-05-17, 1990/5/17, 19900517, 1990年5月17日"
    )
    gender: str | None = Field(default=None, max_length=16, description="male, female, other, 男, 女")


FieldOutcome = Literal["match", "mismatch", "absent"]


class VerifyResult(_Model):
    """Per stated field: match, mismatch, or absent (nothing stored to compare with)."""

    user_id: str
    email: FieldOutcome | None = None
    username: FieldOutcome | None = None
    birthday: FieldOutcome | None = None
    gender: FieldOutcome | None = None


class UserChanges(_Model):
    email: str | None = Field(default=None, max_length=320)
    username: str | None = Field(default=None, max_length=128)
    birthday: date | None = None
    gender: Gender | None = None


class Image(_Model):
    id: str
    uploaded_at: datetime
    bytes: int


class ImageList(_Model):
    items: list[Image]


class ImageDeletion(_Model):
    image_id: str
    deleted_at: datetime


ErasureScope = Literal["account", "images", "diary", "payment_links"]
ErasureStatus = Literal["pending", "running", "completed", "failed"]
ErasedKind = Literal["account", "image", "diary_entry", "payment_link", "feedback"]


class NotifyTemplate(StrEnum):
    """What lifer mails an account's address of record about; the desk never sees that address (issue 14)."""

    DELETION_DONE = "deletion_done"
    CORRECTION_DONE = "correction_done"
    VERIFICATION_CODE = "verification_code"


class NotifyRequest(_Model):
    template: NotifyTemplate
    # Ids, dates and ticket numbers for the template: short values, no free text from an agent.
    params: dict[str, str] = Field(default_factory=dict, max_length=20)


class ErasureRequest(_Model):
    scope: list[ErasureScope] = Field(min_length=1, max_length=4)
    reason: str = Field(min_length=1, max_length=500)
    notify: NotifyRequest | None = Field(
        default=None,
        description=(
            "A mail lifer sends to the account's address of record once the erasure completed, just before that"
            " address is erased with the rest: the only moment a confirmation can still reach the person."
        ),
    )


class ReceiptItem(_Model):
    kind: ErasedKind
    id: str
    deleted_at: datetime


class Erasure(_Model):
    id: str
    user_id: str
    scope: list[ErasureScope]
    status: ErasureStatus
    requested_at: datetime
    completed_at: datetime | None = None
    receipt: list[ReceiptItem]
    retry_after: int | None = Field(
        default=None,
        ge=1,
        description="While pending or running: seconds until it is expected to have ended; read it again then, "
        "not sooner. None once it ended.",
    )


class FeedbackItem(_Model):
    id: str
    channel: Literal["app", "web"]
    submitted_at: datetime
    user_id: str | None
    text: str = Field(description="Untrusted customer text: display as plain text only.")
    app_version: str | None = Field(default=None, max_length=32, description="The app's version, from the app.")
    platform: str | None = Field(default=None, max_length=16, description="android, ios or web, where known.")


class FeedbackPage(_Model):
    items: list[FeedbackItem]
    next_cursor: str | None = Field(description="Pass as `after` to continue; null only when there is nothing yet.")
    has_more: bool
    remaining: int | None = Field(default=None, ge=0, description="About how many items follow this page.")


class Health(_Model):
    status: Literal["ok"]


class Problem(BaseModel):
    """RFC 9457 problem details; extension members are kept."""

    model_config = ConfigDict(extra="allow")

    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None


class Notification(_Model):
    id: str
    user_id: str
    template: NotifyTemplate
    queued_at: datetime

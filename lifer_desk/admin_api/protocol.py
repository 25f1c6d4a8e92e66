"""`AdminApi`: every admin-API call the desk makes, as a Protocol.

Services type what they act on as `AdminApi`, so the httpx `AdminClient` and the tests' in-memory fake meet one
interface (as harlequin's adapters do), and a fake that drifts from the client fails the type check. Importing
this module loads no httpx: it needs only the pydantic models.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from lifer_desk.admin_api.models import (
    Erasure,
    ErasureScope,
    FeedbackPage,
    Health,
    Image,
    ImageDeletion,
    Notification,
    NotifyRequest,
    NotifyTemplate,
    UserChanges,
    UserProfile,
    UserSummary,
    VerifyClaims,
    VerifyResult,
)


@runtime_checkable
class AdminApi(Protocol):
    """lifer's admin API (DESIGN section 5) as the desk uses it; errors are `AdminApiError` subclasses."""

    @property
    def in_process(self) -> bool:
        """True for the in-process sandbox, which the desk says on screen: it is not the live service."""
        ...

    async def health(self) -> Health: ...

    async def lookup_user(
        self, *, email: str | None = None, username: str | None = None, id: str | None = None
    ) -> UserSummary:
        """Exact lookup by exactly one of email, username or id; only a masked summary comes back."""
        ...

    async def get_user(self, user_id: str) -> UserProfile: ...

    async def verify(self, user_id: str, claims: VerifyClaims) -> VerifyResult:
        """Match, mismatch or absent per stated field; never a stored value."""
        ...

    async def update_user(
        self, user_id: str, changes: UserChanges, *, etag: str, idempotency_key: str
    ) -> UserProfile: ...

    async def list_images(self, user_id: str) -> list[Image]: ...

    async def delete_image(self, user_id: str, image_id: str, *, idempotency_key: str) -> ImageDeletion: ...

    async def start_erasure(
        self,
        user_id: str,
        scope: list[ErasureScope],
        reason: str,
        *,
        idempotency_key: str,
        notify: NotifyRequest | None = None,
    ) -> Erasure: ...

    async def get_erasure(self, erasure_id: str) -> Erasure: ...

    async def list_feedback(self, after: str | None = None, limit: int = 100) -> FeedbackPage: ...

    async def notify(
        self, user_id: str, template: NotifyTemplate, params: dict[str, str], *, idempotency_key: str
    ) -> Notification:
        """Have lifer mail the account's address of record (a privacy action done, a code)."""
        ...

    async def aclose(self) -> None: ...

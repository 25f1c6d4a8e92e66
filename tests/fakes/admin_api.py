"""`FakeAdminApi`: the admin API in memory, typed as `AdminApi`, for service and UI tests.

It knows the accounts it is given (looked up by exact email, username or id, as the real API does), answers
verify with whatever `answer` says per field, and counts what it was asked. `error` makes every call fail as an
outage or a refusal would; `hold` is awaited by each verify call, so a test can keep calls out at the same time.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from lifer_desk.admin_api import (
    AdminApi,
    AdminApiError,
    Erasure,
    ErasureScope,
    FeedbackItem,
    FeedbackPage,
    Health,
    Image,
    ImageDeletion,
    NotFound,
    Notification,
    NotifyRequest,
    NotifyTemplate,
    UserChanges,
    UserProfile,
    UserSummary,
    VerifyClaims,
    VerifyResult,
)
from lifer_desk.services.context import AdminApiProvider, DeskContext

# When the fake says something happened: fixed, so snapshots and receipts are the same on every run.
FAKE_NOW = datetime(2025, 3, 3, 4, 0, tzinfo=UTC)


@dataclass
class FakeAccount:
    summary: UserSummary
    email: str | None = None
    username: str | None = None
    images: list[Image] = field(default_factory=list)


class FakeAdminApi:
    """An in-memory admin API; `calls` names every call in order, `verify_calls` counts the verify calls."""

    def __init__(self, *accounts: FakeAccount, in_process: bool = True) -> None:
        self._in_process = in_process
        self.accounts = {account.summary.id: account for account in accounts}
        self.answer: Mapping[str, str] = {}
        self.error: AdminApiError | None = None
        self.hold: Callable[[], Awaitable[None]] | None = None
        self.feedback: list[FeedbackItem] = []
        self.erasures: dict[str, Erasure] = {}
        self.calls: list[str] = []
        self.closed = False
        # What `notify` was asked to mail: (account id, template, parameters).
        self.notified: list[tuple[str, NotifyTemplate, dict[str, str]]] = []

    @property
    def in_process(self) -> bool:
        return self._in_process

    @property
    def verify_calls(self) -> int:
        return self.calls.count("verify")

    def put(self, summary: UserSummary) -> None:
        """Replace what the API says about an account it knows."""
        self.accounts[summary.id].summary = summary

    def _called(self, name: str) -> None:
        self.calls.append(name)
        if self.error is not None:
            raise self.error

    def _account(self, user_id: str) -> FakeAccount:
        if user_id not in self.accounts:
            raise NotFound(404, "Not Found", "no such user")
        return self.accounts[user_id]

    async def health(self) -> Health:
        self._called("health")
        return Health(status="ok")

    async def lookup_user(
        self, *, email: str | None = None, username: str | None = None, id: str | None = None
    ) -> UserSummary:
        self._called("lookup_user")
        given = [value for value in (email, username, id) if value is not None]
        if len(given) != 1:
            raise ValueError("look a user up by exactly one of email, username or id")
        for account in self.accounts.values():
            if (email, username, id) in (
                (account.email, None, None),
                (None, account.username, None),
                (None, None, account.summary.id),
            ):
                return account.summary
        raise NotFound(404, "Not Found", "no such user")

    async def get_user(self, user_id: str) -> UserProfile:
        self._called("get_user")
        account = self._account(user_id)
        return UserProfile(
            **account.summary.model_dump(),
            language="zh",
            image_count=len(account.images),
            diary_entry_count=0,
            payment_link_count=0,
        )

    async def verify(self, user_id: str, claims: VerifyClaims) -> VerifyResult:
        self._called("verify")
        if self.hold is not None:
            await self.hold()
        stated = claims.model_dump(exclude_none=True)
        answers = {name: self.answer[name] for name in stated if name in self.answer}
        return VerifyResult.model_validate({"user_id": user_id, **answers})

    async def update_user(self, user_id: str, changes: UserChanges, *, etag: str, idempotency_key: str) -> UserProfile:
        self._called("update_user")
        self._account(user_id)
        return await self.get_user(user_id)

    async def list_images(self, user_id: str) -> list[Image]:
        self._called("list_images")
        return list(self._account(user_id).images)

    async def delete_image(self, user_id: str, image_id: str, *, idempotency_key: str) -> ImageDeletion:
        self._called("delete_image")
        account = self._account(user_id)
        account.images = [image for image in account.images if image.id != image_id]
        return ImageDeletion(image_id=image_id, deleted_at=FAKE_NOW)

    async def start_erasure(
        self,
        user_id: str,
        scope: list[ErasureScope],
        reason: str,
        *,
        idempotency_key: str,
        notify: NotifyRequest | None = None,
    ) -> Erasure:
        self._called("start_erasure")
        self._account(user_id)
        erasure = Erasure(
            id=f"era_{idempotency_key}",
            user_id=user_id,
            scope=scope,
            status="pending",
            requested_at=FAKE_NOW,
            receipt=[],
        )
        return self.erasures.setdefault(erasure.id, erasure)

    async def get_erasure(self, erasure_id: str) -> Erasure:
        self._called("get_erasure")
        if erasure_id not in self.erasures:
            raise NotFound(404, "Not Found", "no such erasure")
        return self.erasures[erasure_id]

    async def list_feedback(self, after: str | None = None, limit: int = 100) -> FeedbackPage:
        self._called("list_feedback")
        start = 0 if after is None else int(after)
        items = self.feedback[start : start + limit]
        end = start + len(items)
        return FeedbackPage(items=items, next_cursor=str(end), has_more=end < len(self.feedback))

    async def notify(
        self, user_id: str, template: NotifyTemplate, params: dict[str, str], *, idempotency_key: str
    ) -> Notification:
        self._called("notify")
        self._account(user_id)
        self.notified.append((user_id, template, dict(params)))
        return Notification(id=f"ntf-{len(self.notified)}", user_id=user_id, template=template, queued_at=FAKE_NOW)

    async def aclose(self) -> None:
        self.closed = True


def with_admin(ctx: DeskContext, api: AdminApi) -> DeskContext:
    """`ctx` with `api` as its admin API (a fresh provider: opened on first use, as the desk's is)."""
    return replace(ctx, admin=AdminApiProvider(lambda: api))

"""Client of lifer's admin API (DESIGN section 5). Imports no Textual, store, services or UI.

The models and exceptions load with the package; the client, which needs httpx, loads on first use, so the
desk paints its first queue page without paying for an HTTP stack it may never need in that session.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from lifer_desk.admin_api.errors import (
    AdminApiError,
    Conflict,
    InFlight,
    Invalid,
    KeyReused,
    NotFound,
    PreconditionFailed,
    ProblemType,
    RateLimited,
    TryLater,
    Unauthorized,
    Unavailable,
)
from lifer_desk.admin_api.models import (
    AccountStatus,
    Erasure,
    ErasureRequest,
    ErasureScope,
    FeedbackItem,
    FeedbackPage,
    Health,
    Image,
    ImageDeletion,
    ImageList,
    Notification,
    NotifyRequest,
    NotifyTemplate,
    Problem,
    ReceiptItem,
    UserChanges,
    UserProfile,
    UserSummary,
    VerifyClaims,
    VerifyResult,
)
from lifer_desk.admin_api.protocol import AdminApi
from lifer_desk.domain.identity import Gender

if TYPE_CHECKING:
    from lifer_desk.admin_api.client import AdminClient
    from lifer_desk.admin_api.factory import open_admin_client
    from lifer_desk.admin_api.retry import RetryPolicy

_LAZY = {
    "AdminClient": "lifer_desk.admin_api.client",
    "open_admin_client": "lifer_desk.admin_api.factory",
    "RetryPolicy": "lifer_desk.admin_api.retry",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "AccountStatus",
    "AdminApi",
    "AdminApiError",
    "AdminClient",
    "Conflict",
    "Erasure",
    "ErasureRequest",
    "ErasureScope",
    "FeedbackItem",
    "FeedbackPage",
    "Gender",
    "Health",
    "Image",
    "ImageDeletion",
    "ImageList",
    "InFlight",
    "Invalid",
    "KeyReused",
    "NotFound",
    "Notification",
    "NotifyRequest",
    "NotifyTemplate",
    "PreconditionFailed",
    "Problem",
    "ProblemType",
    "RateLimited",
    "ReceiptItem",
    "RetryPolicy",
    "TryLater",
    "Unauthorized",
    "Unavailable",
    "UserChanges",
    "UserProfile",
    "UserSummary",
    "VerifyClaims",
    "VerifyResult",
    "open_admin_client",
]

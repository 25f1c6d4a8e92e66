"""The canonical payload of a deletion or correction request, and the hash an approval binds (DESIGN 4).

A supervisor approves exactly what will run: the kind, the account, the scope or the changes, and the ETag the
desk read when it prepared them. The hash is SHA-256 over a canonical JSON form (sorted keys, no spaces,
UTF-8, image ids sorted and de-duplicated), so the same request always hashes the same, on any host, and
anything that differs at execution time (a row edited in the database, a fresh read of the account) gives
another hash and is refused as "changed since approval".
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

from lifer_desk.domain.identity import ClaimsInvalid, Field, parse_claims
from lifer_desk.domain.requests import DeletionScope, RequestKind, needs_approval
from lifer_desk.i18n import _


class PayloadInvalid(ValueError):
    """A request payload that cannot be executed as written."""


@dataclass(frozen=True)
class RequestPayload:
    kind: RequestKind
    account_id: str
    etag: str | None
    scope: DeletionScope | None = None
    image_ids: tuple[str, ...] = ()
    changes: Mapping[Field, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.account_id:
            raise PayloadInvalid(_("a request needs an account"))
        if self.kind is RequestKind.DELETE:
            if self.scope is None:
                raise PayloadInvalid(_("a deletion needs a scope"))
            if self.changes:
                raise PayloadInvalid(_("a deletion carries no changes"))
            if (self.scope is DeletionScope.IMAGES) != bool(self.image_ids):
                raise PayloadInvalid(_("an image deletion names its images, and only it does"))
        else:
            if self.scope is not None or self.image_ids:
                raise PayloadInvalid(_("a correction has no deletion scope"))
            if not self.changes:
                raise PayloadInvalid(_("a correction changes at least one field"))
        # Canonical order from the start, so equal requests compare equal as well as hash equal.
        object.__setattr__(self, "image_ids", tuple(sorted(set(self.image_ids))))
        object.__setattr__(self, "changes", {Field(k): v for k, v in sorted(self.changes.items())})

    @property
    def changed_fields(self) -> frozenset[Field]:
        return frozenset(self.changes)

    @property
    def needs_approval(self) -> bool:
        return needs_approval(self.kind, self.changed_fields)

    def overlaps(self, other: RequestPayload) -> bool:
        """Whether `other`, a request still open, already asks for some of what this one asks: the same kind on
        the same account, and the same deletion scope (sharing an image, for images) or a changed field in
        common. Two such requests would each need approving, and the second would find its work done or its
        read stale. Requests of different scopes may stand together: an erasure cancels the account's others
        once it is done (`services.requests.cancel_after_erasure`)."""
        if other.account_id != self.account_id or other.kind is not self.kind:
            return False
        if self.kind is RequestKind.CORRECT:
            return bool(self.changed_fields & other.changed_fields)
        if self.scope is not other.scope:
            return False
        return self.scope is not DeletionScope.IMAGES or bool(set(self.image_ids) & set(other.image_ids))

    def canonical(self) -> dict[str, object]:
        body: dict[str, object] = {"kind": str(self.kind), "account_id": self.account_id, "etag": self.etag}
        if self.kind is RequestKind.DELETE:
            body["scope"] = str(self.scope)
            if self.image_ids:
                body["image_ids"] = list(self.image_ids)
        else:
            body["changes"] = {str(name): value for name, value in self.changes.items()}
        return body

    def to_json(self) -> str:
        return canonical_json(self.canonical())

    @property
    def hash(self) -> str:
        return payload_hash(self.canonical())

    @classmethod
    def from_json(cls, text: str) -> RequestPayload:
        """Read back what `to_json` wrote (a stored request); a malformed row is refused, never guessed."""
        try:
            body = json.loads(text)
            kind = RequestKind(body["kind"])
            scope = DeletionScope(body["scope"]) if "scope" in body else None
            changes = {Field(k): str(v) for k, v in body.get("changes", {}).items()}
            return cls(
                kind=kind,
                account_id=str(body["account_id"]),
                etag=body.get("etag"),
                scope=scope,
                image_ids=tuple(str(i) for i in body.get("image_ids", ())),
                changes=changes,
            )
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise PayloadInvalid(_("stored payload is malformed: {problem}").format(problem=exc)) from None


def canonical_json(value: object) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def payload_hash(canonical: Mapping[str, object]) -> str:
    return hashlib.sha256(canonical_json(dict(canonical)).encode("utf-8")).hexdigest()


def deletion(account_id: str, etag: str | None, scope: DeletionScope, image_ids: Iterable[str] = ()) -> RequestPayload:
    return RequestPayload(RequestKind.DELETE, account_id, etag, scope=scope, image_ids=tuple(image_ids))


def correction(account_id: str, etag: str | None, changes: Mapping[Field, str]) -> RequestPayload:
    return RequestPayload(RequestKind.CORRECT, account_id, etag, changes=dict(changes))


def parse_changes(raw: Mapping[Field, str], *, today: date) -> dict[Field, str]:
    """The new values of a correction, normalised as verification normalises a statement (so an email is
    checked for syntax, a birthday must be a real past date, a gender one of the known values); blank means
    unchanged. Raises ClaimsInvalid naming each bad field, as the verify dialog does."""
    masked = {name: _("a masked value cannot be a new value") for name, text in raw.items() if "*" in text}
    if masked:
        raise ClaimsInvalid(masked)
    changes = parse_claims(raw, today=today).normalised()
    if not changes:
        raise PayloadInvalid(_("give at least one new value"))
    return changes

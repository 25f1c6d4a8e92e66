"""Bulk triage: the same actions as on one item, over items picked one by one or "all N matching this filter".

A filter's items are never loaded as a list: each batch reads the next ids by keyset in its own write
transaction and applies the action there, so a batch is applied whole or not at all, and cancelling between
batches leaves only whole batches done. Only actions valid for every item of the selection are offered, and
one that is not is refused before the first batch.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from lifer_desk.domain.feedback import FeedbackFilter, TriageAction, valid_actions
from lifer_desk.i18n import _
from lifer_desk.services import feedback
from lifer_desk.services.context import DeskContext
from lifer_desk.services.errors import Refused
from lifer_desk.services.writing import writing
from lifer_desk.store import feedback as store

BATCH_SIZE = 500


@dataclass(frozen=True)
class Selection:
    """Items picked one by one (`ids`), or every item matching `matching`."""

    ids: tuple[int, ...] = ()
    matching: FeedbackFilter | None = None


@dataclass(frozen=True)
class SelectionSummary:
    count: int
    actions: tuple[TriageAction, ...]


@dataclass(frozen=True)
class BulkProgress:
    done: int
    total: int


@dataclass(frozen=True)
class BulkResult:
    changed: int
    batches: int
    cancelled: bool


def summarise(ctx: DeskContext, selection: Selection) -> SelectionSummary:
    """How many items the selection holds and the actions valid for all of them, for the confirmation."""
    with ctx.db.read() as session:
        if selection.matching is not None:
            total = store.count(session, selection.matching)
            boxes = store.mailboxes_of(session, selection.matching) if total else set()
        else:
            total = len(selection.ids)
            boxes = store.mailboxes_of_ids(session, selection.ids)
    return SelectionSummary(total, valid_actions(boxes, bulk=True))


def run_bulk(
    ctx: DeskContext,
    selection: Selection,
    action: TriageAction,
    *,
    tag: str | None = None,
    batch_size: int = BATCH_SIZE,
    progress: Callable[[BulkProgress], object] | None = None,
    cancelled: Callable[[], bool] = lambda: False,
) -> BulkResult:
    """Apply `action` batch by batch until the selection is done or `cancelled()` says stop (checked between
    batches, never inside one)."""
    summary = summarise(ctx, selection)
    if action not in summary.actions:
        raise Refused(_("{action} does not apply to every selected item.").format(action=action.label))
    chosen_tag = feedback.checked_tag(ctx, action, tag)
    done = changed = batches = 0
    after: int | None = None
    pending = list(selection.ids)
    while True:
        if cancelled():
            return BulkResult(changed, batches, cancelled=True)
        with writing(ctx) as session:
            if selection.matching is not None:
                ids = store.ids_after(session, selection.matching, after, batch_size)
            else:
                ids, pending = pending[:batch_size], pending[batch_size:]
            if not ids:
                break
            changed += len(feedback.apply_in(session, ctx, action, ids, chosen_tag))
        after = ids[-1]
        done += len(ids)
        batches += 1
        if progress is not None:
            progress(BulkProgress(done, summary.count))
    return BulkResult(changed, batches, cancelled=False)

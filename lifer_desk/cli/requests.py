"""`lifer-desk requests ...`: list, show, raise, approve, reject and cancel deletion and correction requests.

The same services as the desk, so the same rules: a request waits for a current verification, four-eyes is
enforced, and the acting agent is the OS user. `--json` prints `RequestView.to_json()` (see the README).
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import typer

from lifer_desk.config import load_settings
from lifer_desk.domain.identity import Field
from lifer_desk.domain.requests import DeletionScope, RequestKind, RequestState
from lifer_desk.i18n import _, format_moment
from lifer_desk.services import outbox, request_intake, requests
from lifer_desk.services.context import DeskContext
from lifer_desk.services.database import open_database
from lifer_desk.services.errors import Refused
from lifer_desk.services.identity import current_agent
from lifer_desk.services.request_views import RequestView, get_request, list_requests
from lifer_desk.services.verification import ClaimsRefused

requests_app = typer.Typer(
    help="Deletion and correction requests: list, show, raise, approve, reject, cancel, receipt."
)

_DURATION = re.compile(r"^\s*(\d+)\s*([dhm])\s*$")
_UNITS = {"d": "days", "h": "hours", "m": "minutes"}


def cli_context() -> DeskContext:
    """The context of a command run by the OS user, who must be an active agent."""
    settings = load_settings()
    db = open_database(settings)
    agent = current_agent(db, settings)
    return DeskContext(db=db, settings=settings, agent=agent.name, role=agent.role)


def _duration(text: str) -> timedelta:
    match = _DURATION.match(text)
    if match is None:
        raise Refused(_("--due-within takes a number and d, h or m, such as 3d; got {text!r}").format(text=text))
    return timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})


def _choice(enum: type[Any], value: str, option: str) -> Any:
    try:
        return enum(value)
    except ValueError:
        allowed = ", ".join(str(member) for member in enum)
        raise Refused(_("{option} must be one of {allowed}; got {value!r}").format(
            option=option, allowed=allowed, value=value
        )) from None  # fmt: skip


def _at(value: datetime | None) -> str:
    return format_moment(value, UTC) if value else "-"


def _line(view: RequestView) -> str:
    cells = [
        str(view.id),
        str(view.state),
        str(view.kind),
        view.account_id,
        f"#{view.ticket_id}" if view.ticket_id is not None else "-",
        view.requested_by,
        _at(view.due_working),
        _at(view.due_calendar),
    ]
    return "\t".join(cells)


def _print(view: RequestView, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(view.to_json(), ensure_ascii=False, sort_keys=True))
    else:
        typer.echo(_("request #{id} is {state} (payload {hash})").format(
            id=view.id, state=view.state, hash=(view.payload_hash or "-")[:12]
        ))  # fmt: skip


def _all(ctx: DeskContext, state: RequestState | None, due_within: timedelta | None) -> Iterator[RequestView]:
    page = list_requests(ctx, state=state, due_within=due_within)
    yield from page.rows
    while page.next_cursor is not None:
        page = list_requests(ctx, state=state, due_within=due_within, after=page.next_cursor)
        yield from page.rows


@requests_app.command("list")
def list_command(
    state: str | None = typer.Option(None, "--state", help="Only requests in this state."),
    due_within: str | None = typer.Option(None, "--due-within", help="Only those due on either clock within, e.g. 3d."),
    as_json: bool = typer.Option(False, "--json", help="A JSON array of requests."),
) -> None:
    """Requests, nearest legal deadline first."""
    wanted = _choice(RequestState, state, "--state") if state is not None else None
    within = _duration(due_within) if due_within is not None else None
    ctx = cli_context()
    # What expired since a desk last looked is marked so first (a batch at a time): nothing listed is stale.
    while requests.expire_due(ctx):
        pass
    rows = _all(ctx, wanted, within)
    if as_json:
        typer.echo(json.dumps([view.to_json() for view in rows], ensure_ascii=False, sort_keys=True))
        return
    typer.echo("\t".join(["ID", "STATE", "KIND", "ACCOUNT", "TICKET", "BY", "DUE_WORKING", "DUE_CALENDAR"]))
    for view in rows:
        typer.echo(_line(view))


@requests_app.command("show")
def show_command(
    request_id: int = typer.Argument(..., metavar="ID"),
    as_json: bool = typer.Option(False, "--json", help="The request and its history as JSON."),
) -> None:
    """One request: its payload, hash, deadlines and history."""
    detail = get_request(cli_context(), request_id)
    if as_json:
        typer.echo(json.dumps(detail.to_json(), ensure_ascii=False, sort_keys=True))
        return
    shown = detail.request.to_json()
    for key in ("id", "kind", "state", "priority", "account_id", "ticket_id", "requested_by", "approved_by"):
        typer.echo(f"{key}: {shown[key] if shown[key] is not None else '-'}")
    due = _("due_working: {working}  due_calendar: {calendar}")
    typer.echo(due.format(working=_at(detail.request.due_working), calendar=_at(detail.request.due_calendar)))
    typer.echo(_("payload: {payload}").format(payload=json.dumps(shown["payload"], ensure_ascii=False, sort_keys=True)))
    typer.echo(_("payload_hash: {digest}").format(digest=shown["payload_hash"] or "-"))
    if detail.request.reject_reason:
        typer.echo(_("reject_reason: {reason}").format(reason=detail.request.reject_reason))
    for entry in detail.history:
        typer.echo(f"  {_at(entry.at)}  {entry.actor}  {entry.action}")


def _changes(values: list[str]) -> dict[Field, str]:
    changes: dict[Field, str] = {}
    for item in values:
        name, sep, value = item.partition("=")
        if not sep:
            raise Refused(_("--set takes field=value; got {item!r}").format(item=item))
        changes[_choice(Field, name.strip(), "--set field")] = value
    return changes


def _scope(text: str) -> tuple[DeletionScope, tuple[str, ...]]:
    name, _sep, ids = text.partition(":")
    scope = _choice(DeletionScope, name.strip(), "--scope")
    return scope, tuple(part.strip() for part in ids.split(",") if part.strip())


async def _raise(ctx: DeskContext, ticket: int, kind: RequestKind, scope: str | None, values: list[str]) -> RequestView:
    from lifer_desk.admin_api import AdminApiError
    from lifer_desk.cli.sandbox import open_admin

    try:
        async with open_admin(ctx.settings) as api:
            if kind is RequestKind.DELETE:
                if scope is None or values:
                    raise Refused(_("a deletion takes --scope and no --set"))
                chosen, image_ids = _scope(scope)
                return await request_intake.raise_deletion(ctx, api, ticket, chosen, image_ids)
            if scope is not None or not values:
                raise Refused(_("a correction takes --set field=value and no --scope"))
            return await request_intake.raise_correction(ctx, api, ticket, _changes(values))
    except AdminApiError as exc:
        raise Refused(_("the admin API refused: {problem}").format(problem=exc)) from None
    except ClaimsRefused as exc:
        problems = "; ".join(f"{name}: {problem}" for name, problem in exc.errors.items())
        raise Refused(f"{exc} {problems}".strip()) from None


@requests_app.command("new")
def new_command(
    ticket: int = typer.Option(..., "--ticket", help="The ticket the caller is on (its account must be linked)."),
    kind: str = typer.Option(..., "--kind", help="delete or correct."),
    scope: str | None = typer.Option(None, "--scope", help="account, images:ID,..., diary or payment_links."),
    values: list[str] = typer.Option([], "--set", help="field=value for a correction (repeatable)."),
    as_json: bool = typer.Option(False, "--json", help="Print the new request as JSON."),
) -> None:
    """Raise a deletion or correction; it waits for verification when the caller is not verified."""
    chosen = {"delete": RequestKind.DELETE, "correct": RequestKind.CORRECT}.get(kind)
    if chosen is None:
        raise Refused(_("--kind must be delete or correct; got {kind!r}").format(kind=kind))
    _print(asyncio.run(_raise(cli_context(), ticket, chosen, scope, values)), as_json)


@requests_app.command("approve")
def approve_command(
    request_id: int = typer.Argument(..., metavar="ID"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Approve as a supervisor who did not raise it."""
    _print(requests.approve(cli_context(), request_id), as_json)


@requests_app.command("reject")
def reject_command(
    request_id: int = typer.Argument(..., metavar="ID"),
    reason: str = typer.Option(..., "--reason", help="Shown to the requester as a note on the ticket."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Reject as a supervisor, with a reason."""
    _print(requests.reject(cli_context(), request_id, reason), as_json)


@requests_app.command("receipt")
def receipt_command(
    request_id: int = typer.Argument(..., metavar="ID"),
    as_json: bool = typer.Option(False, "--json", help="request_id, state and items (kind, id, at, ...)."),
) -> None:
    """What a request removed or changed, object by object, with the Idempotency-Key that did it."""
    receipt = outbox.receipt(cli_context(), request_id)
    if as_json:
        typer.echo(json.dumps(receipt.to_json(), ensure_ascii=False, sort_keys=True))
        return
    typer.echo(_("request #{id} is {state}").format(id=receipt.request_id, state=receipt.state))
    for item in receipt.items:
        absent = _("already absent") if item.absent else ""
        typer.echo("\t".join([item.kind, item.id, _at(item.at), item.idempotency_key, absent]).rstrip())


@requests_app.command("cancel")
def cancel_command(
    request_id: int = typer.Argument(..., metavar="ID"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Withdraw a request before it runs (the agent who raised it, or a supervisor)."""
    _print(requests.cancel(cli_context(), request_id), as_json)


@requests_app.command("retry")
def retry_command(
    request_id: int = typer.Argument(..., metavar="ID"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Run a failed request again, from what it has not done yet (a supervisor)."""
    _print(requests.retry(cli_context(), request_id), as_json)


@requests_app.command("resubmit")
def resubmit_command(
    request_id: int = typer.Argument(..., metavar="ID"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Submit an expired request again; it needs approval anew (the agent who raised it, or a supervisor)."""
    _print(requests.resubmit(cli_context(), request_id), as_json)

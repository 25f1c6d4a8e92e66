"""Screen text for identity verification: the account's masked summary, the outcome, and the ticket header line.

Values the admin API gave (ids, masked email and username) are untrusted and go through `customer_line`; the
rest is the desk's own vocabulary.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from rich.text import Text

from lifer_desk.admin_api import AdminApiError, NotFound, UserSummary
from lifer_desk.domain.identity import MAX_FAILED, Field, FieldResult, Outcome, field_label, is_verification_current
from lifer_desk.domain.sla import countdown_label
from lifer_desk.i18n import N_, _
from lifer_desk.services.verification import AccountCheck, CurrentVerification, VerificationResult
from lifer_desk.services.verification_locks import LockState
from lifer_desk.ui.text.cells import customer_line, short_time
from lifer_desk.ui.text.errors import api_problem

REMINDER = N_("Never tell the caller which field did not match, or what is on record.")

# A failure stands out under NO_COLOR too: reversed out, a mismatch underlined, besides their words.
_RESULT_STYLES = {
    FieldResult.MATCH: "green",
    FieldResult.MISMATCH: "bold underline red",
    FieldResult.ABSENT: "yellow",
}
# Said in the agent's language: a mismatch must read at a glance, in either.
_RESULT_LABELS = {
    FieldResult.MATCH: N_("match"),
    FieldResult.MISMATCH: N_("mismatch"),
    FieldResult.ABSENT: N_("absent"),
}
_OUTCOME_STYLES = {
    Outcome.VERIFIED: "bold green",
    Outcome.FAILED: "bold red reverse",
    Outcome.LOCKED: "bold red reverse",
}
_OUTCOME_LABELS = {Outcome.VERIFIED: N_("VERIFIED"), Outcome.FAILED: N_("FAILED"), Outcome.LOCKED: N_("LOCKED")}


def minor_text(summary: UserSummary) -> Text | None:
    """The minor flags the admin API set, or None for an adult."""
    if summary.under_14 and summary.guardian_consent is not True:
        return Text("⚠ " + _("minor under 14, no guardian consent"), style="bold red", end="")
    if summary.under_14:
        return Text("⚠ " + _("minor under 14, guardian consent on record"), style="bold yellow", end="")
    if summary.minor:
        return Text("⚠ " + _("minor (under 18)"), style="bold yellow", end="")
    return None


def lock_text(lock: LockState, supervisor: bool) -> Text:
    if not lock.locked:
        return Text(
            _("attempts left: {n} of {max} in 24 h").format(n=lock.attempts_left, max=MAX_FAILED), style="dim", end=""
        )
    text = Text(
        _("LOCKED for verification after {max} failed attempts.").format(max=MAX_FAILED), style="bold red", end=""
    )
    hint = _(" Press ctrl+o to unlock with a reason.") if supervisor else _(" A supervisor can unlock it.")
    text.append(hint)
    return text


def account_text(check: AccountCheck, supervisor: bool) -> Text:
    summary = check.account.summary
    top = Text(_("account "), style="dim", end="")
    top.append_text(customer_line(summary.id))
    for masked in (summary.email_masked, summary.username_masked):
        top.append(" · ")
        top.append_text(customer_line(masked))
    if check.account.in_process:
        top.append(_(" (sandbox)"), style="italic")
    lines = [top]
    if (minor := minor_text(summary)) is not None:
        if check.minor_ticket_offered:
            minor.append(_(" · ctrl+t opens an urgent minor-data ticket"), style="")
        lines.append(minor)
    lines.append(lock_text(check.lock, supervisor))
    return Text("\n", end="").join(lines)


def check_problem(error: AdminApiError) -> Text:
    """Why a submitted statement got no answer; the desk records no attempt without one."""
    gone = isinstance(error, NotFound)
    message = _("The admin API no longer finds this account.") if gone else api_problem(error)
    return Text(message + " " + _("This attempt was not counted."), style="bold yellow", end="")


def result_text(result: VerificationResult) -> Text:
    text = Text(end="")
    text.append(_(_OUTCOME_LABELS[result.outcome]), style=_OUTCOME_STYLES[result.outcome])
    for name in Field:
        if name in result.results:
            answer = result.results[name]
            text.append(f"  {field_label(name)} ")
            text.append(_(_RESULT_LABELS[answer]), style=_RESULT_STYLES[answer])
    text.append("\n" + result.explanation)
    if result.outcome is Outcome.FAILED and not result.locked:
        text.append("\n" + _("attempts left: {n}").format(n=result.attempts_left), style="dim")
    return text


def identity_text(
    current: CurrentVerification | None,
    linked: UserSummary | None,
    now: datetime,
    zone: ZoneInfo,
) -> Text:
    """The ticket header's identity line: the standing verification and the linked account's minor flag."""
    text = Text(_("identity "), style="dim", end="")
    # The header can be repainted long after the verification was loaded; an expired one must not read as valid.
    if current is None or not is_verification_current(current.verified_at, current.expires_at, now):
        text.append(_("not verified (v to verify)"))
    else:
        text.append(
            _("verified by {agent} at {at}, expires in {left}").format(
                agent=current.agent,
                at=short_time(current.verified_at, now, zone),
                left=countdown_label(current.expires_at - now),
            ),
            style="green",
        )
        if linked is None or linked.id != current.account_id:
            text.append(" (")
            text.append_text(customer_line(current.account_id))
            if linked is not None:
                # The caller proved to be someone other than the ticket's account holder: worth a second look.
                text.append(_(", not the linked account"), style="bold yellow")
            text.append(")")
    if linked is not None and (minor := minor_text(linked)) is not None:
        text.append("  ")
        text.append_text(minor)
    return text

"""`lifer-desk demo`: a ready desk on the embedded default, with tickets written by sandbox accounts."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Protocol

from sqlalchemy import func, select

from lifer_desk.config import Settings, data_dir
from lifer_desk.domain.tickets import Category, Channel, Priority
from lifer_desk.i18n import _
from lifer_desk.services.agents import Actor, add_agent, find_agent
from lifer_desk.services.context import DeskContext
from lifer_desk.services.database import open_database
from lifer_desk.services.errors import Refused
from lifer_desk.services.macros import NewMacro, add_macro, list_macros
from lifer_desk.services.seed import seed_tickets
from lifer_desk.services.synthetic import Requester
from lifer_desk.services.tickets import TicketDraft, open_ticket
from lifer_desk.store.db import Database
from lifer_desk.store.models import Ticket

DEMO_TICKETS = 5_000
DEMO_CONTACTS = 400
DEMO_AGENTS = (
    ("demo-agent", "agent", "Demo Agent"),
    ("demo-supervisor", "supervisor", "Demo Supervisor"),
    ("li.wei", "agent", "李伟"),
    ("emma.w", "agent", "Emma Wang"),
)
# `demo --as agent|supervisor` name these; any other value of --as (or LIFER_AGENT) names a seeded agent itself.
DEMO_AS = {"agent": "demo-agent", "supervisor": "demo-supervisor"}
# The canned replies a desk needs on day one, in both languages: (name, status it sets, zh text, en text).
DEMO_MACROS = (
    (
        "verify-steps",
        None,
        "{requester_name}您好：为保护您的账号，处理前需要核实身份。请回复您注册时使用的邮箱或用户名、出生日期和性别。"
        "\n\n{agent}（工单 {ticket}）",
        "Hello {requester_name}, to protect your account we need to verify your identity first. Please reply with the "
        "email or username you registered with, your date of birth and your gender.\n\n{agent} (ticket {ticket})",
    ),
    (
        "deletion-received",
        None,
        "{requester_name}您好：我们已收到您删除账号数据的申请（工单 {ticket}），"
        "将在 {legal_due} 前完成处理。\n\n{agent}",
        "Hello {requester_name}, we have received your request to delete your account data (ticket {ticket}) and will "
        "complete it by {legal_due}.\n\n{agent}",
    ),
    (
        "deletion-completed",
        "resolved",
        "{requester_name}您好：您的账号数据已于 {today} 删除完毕。"
        "如有疑问请直接回复本邮件。\n\n{agent}（工单 {ticket}）",
        "Hello {requester_name}, your account data was deleted on {today}. Reply to this message with any "
        "question.\n\n{agent} (ticket {ticket})",
    ),
    (
        "correction-done",
        "resolved",
        "{requester_name}您好：您要求更正的信息已于 {today} 更新。\n\n{agent}（工单 {ticket}）",
        "Hello {requester_name}, the details you asked us to correct were updated on {today}.\n\n{agent} "
        "(ticket {ticket})",
    ),
    (
        "more-info",
        "pending_customer",
        "{requester_name}您好：为了继续处理工单 {ticket}，请补充更多信息（例如截图、订单号或发生时间）。\n\n{agent}",
        "Hello {requester_name}, to go on with ticket {ticket} we need a little more information (a screenshot, an "
        "order number, or when it happened).\n\n{agent}",
    ),
)
# The demo seeds its own database, so it operates that desk as the host operator would.
DEMO_OPERATOR = Actor("demo", operator=True)


class DemoContact(Protocol):
    """A customer of the demo: an account of the admin API the demo runs on, so lookups and verify find it."""

    @property
    def email(self) -> str: ...
    @property
    def username(self) -> str: ...
    @property
    def display_name(self) -> str: ...
    @property
    def language(self) -> str: ...
    @property
    def minor(self) -> bool: ...
    @property
    def birthday(self) -> str: ...
    @property
    def gender(self) -> str | None: ...
    @property
    def images(self) -> int: ...


# The first `limit` accounts of the sandbox at the path, seeding it if needed. Handed in by `cli`, which alone
# may import the sandbox.
ContactSource = Callable[[Path, int], Sequence[DemoContact]]


@dataclass(frozen=True)
class DemoDesk:
    ctx: DeskContext
    settings: Settings
    sandbox_path: Path


def _requesters(contacts: Sequence[DemoContact]) -> list[Requester]:
    """Every third contact writes in with a username instead of an email, as callers do."""
    return [
        Requester(
            contact=c.username if n % 3 == 2 else c.email,
            name=c.display_name,
            language=c.language,
        )
        for n, c in enumerate(contacts)
    ]


# Customer text that tries its luck, so that a reviewer sees it rendered as plain text: Rich/Textual markup, a
# clickable link, terminal escape sequences (colour, window title, clear screen), bidi overrides and C0 controls.
DEMO_HOSTILE = (
    ("[bold red]紧急[/] [link=https://evil.example]点击领取退款[/link]", "[reverse]请立即处理[/reverse] $(rm -rf ~)"),
    ("\x1b[31mRED ALERT\x1b[0m \x1b]0;pwned\x07 account locked", "\x1b[2J\x1b[Hscreen cleared? \x1b[5mblink\x1b[0m"),
    ("invoice \u202egpj.exe\u202c attached", "see \u2066\u202eelif_lufmrah\u202c\u2069 and \u200b zero-width"),
    ("bell\x07 backspace\x08\x08 nul\x00 tab\tend", "line one\rline two\x7f\x85 C1 next-line"),
)


def _add_hostile_tickets(ctx: DeskContext, requesters: Sequence[Requester]) -> None:
    for (subject, body), requester in zip(DEMO_HOSTILE, requesters, strict=False):
        draft = TicketDraft(
            Channel.EMAIL, subject, body, requester.contact, requester.name, Category.COMPLAINT, Priority.HIGH
        )
        open_ticket(ctx, draft)


# Callers who state their registration details, as real callers do, so that whoever tries the demo can verify
# them and raise a request (there is no other way to learn a sandbox account's birthday): (language, category,
# subject, body). The body names the fields it states; the policy needs three, email or username among them.
DEMO_SELF_VERIFYING = (
    (
        "zh",
        Category.DELETION,
        "注销账号并删除我的全部数据",
        "您好，我不再使用 lifer 了，请注销我的账号并删除全部日记、图片和支付绑定。"
        "核实身份用：注册邮箱 {email}，生日 {birthday}，性别 {gender}。",
    ),
    (
        "en",
        Category.DELETION,
        "Please delete the photos I uploaded",
        "Hello, please delete the images I uploaded to my diary; keep the account. To verify me: registered email "
        "{email}, date of birth {birthday}, gender {gender}.",
    ),
    (
        "en",
        Category.CORRECTION,
        "Please correct my username",
        "Hello, I would like a new username, say {username}2027. To verify me: registered email {email}, username "
        "{username}, date of birth {birthday}.",
    ),
)
_GENDER_WORDS = {"zh": {"male": "男", "female": "女", "other": "其他"}, "en": {}}


def _add_self_verifying_tickets(ctx: DeskContext, contacts: Sequence[DemoContact]) -> None:
    # Adults with a gender on record and images to delete, each writing in their own language: a minor's account
    # is the guardian's to ask about, "not stated" cannot be verified, and a preview of nothing shows little.
    callers = [c for c in contacts if not c.minor and c.gender is not None and c.images > 0]
    for language, category, subject, body in DEMO_SELF_VERIFYING:
        caller = next((c for c in callers if c.language == language), None)
        if caller is None:
            continue
        callers.remove(caller)
        gender = caller.gender or ""
        text = body.format(
            email=caller.email,
            username=caller.username,
            birthday=caller.birthday,
            gender=_GENDER_WORDS[language].get(gender, gender),
        )
        draft = TicketDraft(Channel.EMAIL, subject, text, caller.email, caller.display_name, category, Priority.NORMAL)
        open_ticket(ctx, draft)


def _add_demo_macros(db: Database) -> None:
    if list_macros(db):
        return
    for name, status, zh, en in DEMO_MACROS:
        for language, body in (("zh", zh), ("en", en)):
            add_macro(db, DEMO_OPERATOR, NewMacro(name, language, body, status=status))


def prepare_demo(settings: Settings, *, agent: str, contacts: ContactSource, home: Path | None = None) -> DemoDesk:
    """Create or reuse the demo database and sandbox under `home` (the user data directory), and act as `agent`:
    "agent", "supervisor", or the name of any seeded agent."""
    home = home or data_dir()
    settings = replace(settings, database_url=f"sqlite:///{home / 'demo.db'}", admin_url=None)
    sandbox_path = home / "demo-sandbox.db"
    db = open_database(settings, migrate=True)
    for name, agent_role, display in DEMO_AGENTS:
        if find_agent(db, name) is None:
            add_agent(db, actor=DEMO_OPERATOR, name=name, role=agent_role, display_name=display)
    _add_demo_macros(db)
    found = find_agent(db, DEMO_AS.get(agent, agent))
    if found is None or not found.active:
        names = ", ".join([*DEMO_AS, *(name for name, _role, _display in DEMO_AGENTS)])
        raise Refused(_("{agent!r} is not a demo agent; choose one of {names}").format(agent=agent, names=names))
    ctx = DeskContext(db=db, settings=settings, agent=found.name, role=found.role)
    with db.read() as session:
        has_tickets = session.execute(select(func.count()).select_from(Ticket)).scalar_one() > 0
    if not has_tickets:
        agents = [name for name, _role, _display in DEMO_AGENTS]
        known = contacts(sandbox_path, DEMO_CONTACTS)
        requesters = _requesters(known)
        seed_tickets(ctx, DEMO_TICKETS, seed=2026, requesters=requesters, agents=agents)
        _add_hostile_tickets(ctx, requesters)
        _add_self_verifying_tickets(ctx, known)
    return DemoDesk(ctx, settings, sandbox_path)

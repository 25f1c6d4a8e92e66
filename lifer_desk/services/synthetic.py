"""Deterministic synthetic tickets for demos, tests and benchmarks: Chinese and English, realistic mix."""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from lifer_desk.domain.legal_clocks import legal_deadlines
from lifer_desk.domain.sla import SlaPolicy
from lifer_desk.domain.tickets import LEGAL_CATEGORIES, OPEN_STATUSES, Category, Channel, Priority, TicketStatus


@dataclass(frozen=True)
class Requester:
    contact: str
    name: str
    language: str  # "zh" or "en"
    account_id: str | None = None


@dataclass(frozen=True)
class SyntheticTicket:
    requester: Requester
    channel: str
    category: Category
    priority: Priority
    status: TicketStatus
    subject: str
    thread: tuple[tuple[str, str, str, datetime], ...]  # (kind, author, body, at), oldest first; first inbound
    created_at: datetime
    first_response_due: datetime
    resolution_due: datetime
    assignee: str | None
    legal_due_calendar: datetime | None
    legal_due_working: datetime | None


_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
_GIVEN = ["伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "洋", "艳", "勇", "军", "杰", "娟", "涛", "明", "超"]
_FIRST = ["Emma", "Liam", "Olivia", "Noah", "Ava", "Lucas", "Mia", "Ethan", "Chloe", "Daniel", "Grace", "Ryan"]
_LAST = ["Smith", "Brown", "Wilson", "Taylor", "Lee", "Martin", "Clark", "Walker", "Young", "King", "Wright"]
_DOMAINS = ["qq.com", "163.com", "126.com", "gmail.com", "outlook.com", "foxmail.com", "sina.com"]

_SUBJECTS: dict[Category, tuple[tuple[str, ...], tuple[str, ...]]] = {
    Category.ACCOUNT_RECOVERY: (
        ("无法登录账号", "忘记密码怎么找回", "手机号更换后无法验证", "账号被锁定"),
        ("Cannot log in to my account", "Forgot my password", "Locked out after phone change", "Account locked"),
    ),
    Category.DELETION: (
        ("申请删除账号", "请删除我的个人信息", "注销账号并删除日记"),
        ("Please delete my account", "Request to erase my personal data", "Close account and delete diary"),
    ),
    Category.CORRECTION: (
        ("生日信息填写错误", "请更正我的邮箱", "用户名需要修改"),
        ("My birthday is wrong", "Please correct my email address", "Need to change my username"),
    ),
    Category.MINOR_DATA: (
        ("我孩子未满十四岁注册了账号", "家长要求删除未成年人信息"),
        ("My child under 14 signed up", "Parent asks to delete minor's data"),
    ),
    Category.IMAGE_DELETION: (
        ("请删除我上传的照片", "图片删除申请"),
        ("Please delete my uploaded photos", "Image deletion request"),
    ),
    Category.PAYMENT: (
        ("退款申请", "会员重复扣费", "支付成功但未开通会员", "发票申请"),
        ("Refund request", "Charged twice for premium", "Paid but premium not active", "Invoice request"),
    ),
    Category.PRIVACY_QUESTION: (
        ("你们如何使用我的数据", "隐私政策问题", "数据保存多久"),
        ("How do you use my data", "Question about the privacy policy", "How long do you keep my data"),
    ),
    Category.COMPLAINT: (
        ("客服回复太慢", "对服务不满意", "日记同步失败投诉"),
        ("Support is too slow", "Unhappy with the service", "Complaint: diary sync keeps failing"),
    ),
    Category.FEEDBACK: (
        ("建议增加夜间模式", "希望支持导出日记", "安卓版闪退"),
        ("Please add a dark mode", "Wish I could export my diary", "Android app crashes on start"),
    ),
    Category.OTHER: (("其他问题咨询", "合作咨询"), ("General question", "Partnership enquiry")),
}

_BODIES = (
    (
        "您好，{subject}。我的日记里有很多重要内容，请尽快帮我处理，谢谢。",
        "{subject}，已经等了好几天了，麻烦尽快回复。",
        "你好，关于{subject}的问题，我在安卓手机上操作时遇到了困难。",
    ),
    (
        "Hello, {subject}. My diary holds a lot of personal notes, please help me soon. Thanks.",
        "Hi team, regarding '{subject}': I tried the web page and the Android app, neither worked.",
        "{subject}. I have been waiting for days for an answer, please reply.",
    ),
)
_REPLIES = (
    ("您好，我们已收到您的请求，正在处理中。", "请提供注册时使用的邮箱以便核实身份。", "问题已经解决，请您确认。"),
    (
        "Thanks, we have received your request.",
        "Could you confirm the email you registered with?",
        "This is fixed now.",
    ),
)
_NOTES = ("需要主管审批", "Checked payment logs, nothing unusual", "客户情绪激动，注意措辞", "Escalated to engineering")

_CATEGORY_WEIGHTS = {
    Category.ACCOUNT_RECOVERY: 20,
    Category.DELETION: 8,
    Category.CORRECTION: 6,
    Category.MINOR_DATA: 2,
    Category.IMAGE_DELETION: 6,
    Category.PAYMENT: 15,
    Category.PRIVACY_QUESTION: 8,
    Category.COMPLAINT: 10,
    Category.FEEDBACK: 15,
    Category.OTHER: 10,
}
_PRIORITY_WEIGHTS = {Priority.URGENT: 5, Priority.HIGH: 20, Priority.NORMAL: 55, Priority.LOW: 20}
_STATUS_WEIGHTS = {
    TicketStatus.NEW: 15,
    TicketStatus.OPEN: 25,
    TicketStatus.PENDING_CUSTOMER: 10,
    TicketStatus.RESOLVED: 20,
    TicketStatus.CLOSED: 30,
}


def synthetic_requester(rng: random.Random) -> Requester:
    if rng.random() < 0.6:
        name = rng.choice(_SURNAMES) + rng.choice(_GIVEN)
        handle = f"user{rng.randrange(10**7):07d}"
        return Requester(f"{handle}@{rng.choice(_DOMAINS)}", name, "zh")
    first, last = rng.choice(_FIRST), rng.choice(_LAST)
    return Requester(
        f"{first.lower()}.{last.lower()}{rng.randrange(1000)}@{rng.choice(_DOMAINS)}", f"{first} {last}", "en"
    )


def generate(
    count: int,
    *,
    seed: int,
    now: datetime,
    agents: Sequence[str],
    requesters: Sequence[Requester] = (),
    sla: SlaPolicy | None = None,
) -> Iterator[SyntheticTicket]:
    """`count` tickets, the same ones for the same seed, now and inputs."""
    rng = random.Random(seed)
    policy = sla or SlaPolicy.default()
    categories, category_weights = list(_CATEGORY_WEIGHTS), list(_CATEGORY_WEIGHTS.values())
    priorities, priority_weights = list(_PRIORITY_WEIGHTS), list(_PRIORITY_WEIGHTS.values())
    statuses, status_weights = list(_STATUS_WEIGHTS), list(_STATUS_WEIGHTS.values())
    legal_cache: dict[object, tuple[datetime, datetime]] = {}
    for _ in range(count):
        requester = rng.choice(requesters) if requesters else synthetic_requester(rng)
        category = rng.choices(categories, category_weights)[0]
        priority = rng.choices(priorities, priority_weights)[0]
        status = rng.choices(statuses, status_weights)[0]
        target = policy.target(category, priority)
        # Open tickets spread around their due time (about a quarter breached); finished ones are older.
        span = target.resolution.total_seconds() * (1.3 if status in OPEN_STATUSES else 6)
        created = now - timedelta(seconds=int(rng.random() * span) + 60)
        zh = requester.language == "zh"
        subject = rng.choice(_SUBJECTS[category][0 if zh else 1])
        body = rng.choice(_BODIES[0 if zh else 1]).format(subject=subject)
        assignee = (
            None
            if status == TicketStatus.NEW or (rng.random() < 0.3 and status in OPEN_STATUSES)
            else rng.choice(agents)
        )
        thread: list[tuple[str, str, str, datetime]] = [("inbound", requester.name, body, created)]
        at = created
        for _step in range(rng.randint(0, 5)):
            # Minutes to hours apart, never in the future.
            at = min(at + timedelta(minutes=rng.randint(5, 600)), now)
            kind = rng.choice(("reply", "inbound", "note")) if assignee else "inbound"
            if kind == "reply":
                thread.append(("reply", assignee or "", rng.choice(_REPLIES[0 if zh else 1]), at))
            elif kind == "note":
                thread.append(("note", assignee or "", rng.choice(_NOTES), at))
            else:
                text = rng.choice(_BODIES[0 if zh else 1]).format(subject=subject)
                thread.append(("inbound", requester.name, text, at))
        legal_calendar = legal_working = None
        if category in LEGAL_CATEGORIES:
            day = created.date()
            if day not in legal_cache:
                legal = legal_deadlines(created)
                legal_cache[day] = (legal.reply_due, legal.delete_due)
            legal_calendar, legal_working = legal_cache[day]
        yield SyntheticTicket(
            requester=requester,
            channel=rng.choice(list(Channel)),
            category=category,
            priority=priority,
            status=status,
            subject=subject,
            thread=tuple(thread),
            created_at=created,
            first_response_due=created + target.first_response,
            resolution_due=created + target.resolution,
            assignee=assignee,
            legal_due_calendar=legal_calendar,
            legal_due_working=legal_working,
        )

"""Reading customer mail and writing the desk's replies: pure rules, no I/O.

Parsing stands on the standard library's `email` package with `policy.default` (MIME, RFC 2047, quoted-printable
and base64 are its job); what it does not know is done here: Chinese clients' charset labels, the signs of
automated mail (RFC 3834, list headers, DSNs), the quoted history of replies, and our threading tags. HTML-only
mail is turned into text by inscriptis (Apache-2.0, maintained, keeps lists and tables readable, never runs
scripts), rather than by a hand-written HTML walker.
"""

from __future__ import annotations

import functools
import hashlib
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from email import policy
from email.header import decode_header
from email.message import EmailMessage, Message
from email.parser import BytesParser
from email.policy import EmailPolicy
from email.utils import formataddr, parseaddr
from typing import Any

from lifer_desk.domain.text_safety import storable

# Chinese clients label GBK (and GB18030) text as GB2312, of which both are supersets; decoding every label of
# the family as GB18030 reads all of them. Big5 mail from Hong Kong carries HKSCS characters the same way.
_CHARSET_ALIASES = {
    "gb2312": "gb18030",
    "gb_2312-80": "gb18030",
    "euc-cn": "gb18030",
    "x-euc-cn": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "cp936": "gb18030",
    "big5": "big5hkscs",
    "x-big5": "big5hkscs",
    "cn-big5": "big5hkscs",
}

TICKET_TAG = re.compile(r"\[#(\d{1,12})\]")
_REPLY_PREFIX = re.compile(r"^\s*((re|fw|fwd|aw|回复|答复|转发)\s*[:：]\s*)+", re.IGNORECASE)
_NOREPLY = re.compile(r"^(no[-_.]?reply|do[-_.]?not[-_.]?reply|mailer-daemon|postmaster)([+-].*)?$", re.IGNORECASE)
_AUTH_FAILED = re.compile(r"\b(dmarc|spf)\s*=\s*(fail|softfail|permerror)\b", re.IGNORECASE)
# Where a reply's quoted history starts: the attribution lines of common clients, English and Chinese.
_QUOTE_START = re.compile(
    r"^\s*(?:"
    r"-{2,}\s*(?:original message|原始邮件|原始郵件|original)\s*-{2,}"
    r"|on\b.{0,200}\bwrote:\s*$"
    r"|在\s?.{0,100}写道[:：]\s*$"
    r"|(?:from|发件人|寄件者)\s*[:：].+$"
    r"|_{10,}\s*$"
    r")",
    re.IGNORECASE,
)


class MalformedMail(ValueError):
    """The bytes are not a message the desk can read (no headers, no sender)."""


@dataclass(frozen=True)
class Attachment:
    """A file sent with a message. `content` is None when it was over the size cap: listed, never stored."""

    filename: str
    content_type: str
    size: int
    content: bytes | None


@dataclass(frozen=True)
class ParsedMail:
    message_id: str
    in_reply_to: tuple[str, ...]
    references: tuple[str, ...]
    sender: str
    sender_name: str
    subject: str
    body: str
    quoted: str
    attachments: tuple[Attachment, ...]
    # Why no auto-reply may answer this message (RFC 3834 and friends), or None for a person's mail.
    automated: str | None
    # The receiving server's Authentication-Results said DMARC or SPF failed.
    unauthenticated: bool
    # A delivery status notification: the Message-IDs of what bounced and the status the report gave.
    bounced: tuple[str, ...] = ()
    bounce_status: str = ""
    dedup_key: str = ""

    @property
    def is_bounce(self) -> bool:
        return bool(self.bounced) or self.automated == "bounce"

    @property
    def ticket_tag(self) -> int | None:
        match = TICKET_TAG.search(self.subject)
        return int(match.group(1)) if match else None


def codec_for(charset: str | None) -> str:
    """The codec to decode text labelled `charset` with: GB2312 as GB18030, Big5 as Big5-HKSCS, unknown as UTF-8."""
    name = (charset or "utf-8").strip().strip('"').lower()
    name = _CHARSET_ALIASES.get(name, name)
    try:
        "".encode(name)
    except LookupError:
        return "utf-8"
    return name


def _unescape_8bit(raw: str) -> str:
    """Raw 8-bit bytes in a header (no RFC 2047), which the parser keeps as surrogates: UTF-8, else GB18030, the
    two that unlabelled Chinese headers are written in."""
    if not any("\udc80" <= ch <= "\udcff" for ch in raw):
        return raw
    data = raw.encode("utf-8", errors="surrogateescape")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("gb18030", errors="replace")


def _decode_header(raw: str) -> str:
    """An RFC 2047 header decoded with `codec_for`; whatever cannot be decoded shows as U+FFFD, never fails."""
    raw = _unescape_8bit(raw)
    try:
        parts = decode_header(raw)
    except (ValueError, LookupError):
        return storable(raw)
    text = []
    for chunk, charset in parts:
        if isinstance(chunk, bytes):
            text.append(chunk.decode(codec_for(charset) if charset else "utf-8", errors="replace"))
        else:
            text.append(chunk)
    # Folded headers keep their line breaks in raw form; a subject is one line.
    return storable(re.sub(r"\s*[\r\n]+\s*", " ", "".join(text)).strip())


def _raw_header(msg: Message, name: str) -> str | None:
    for key, value in msg.raw_items():
        if key.lower() == name.lower():
            return str(value)
    return None


def _ids(value: str | None) -> tuple[str, ...]:
    return tuple(re.findall(r"<[^<>\s]+>", _unescape_8bit(value or "")))


def _text_of(part: Message) -> str:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    return payload.decode(codec_for(part.get_content_charset()), errors="replace")


def _filename(part: Message) -> str | None:
    raw = part.get_param("filename", header="content-disposition") or part.get_param("name")
    if raw is None:
        return None
    if isinstance(raw, tuple):  # RFC 2231: (charset, language, value)
        charset, _language, value = raw
        return storable(value.encode("latin-1", errors="replace").decode(codec_for(charset), errors="replace"))
    return _decode_header(str(raw))


def _walk(msg: Message, cap: int) -> tuple[str, str, list[Attachment]]:
    """(plain text, HTML, attachments) of a message; forwarded messages and reports count as attachments."""
    plain: list[str] = []
    html: list[str] = []
    files: list[Attachment] = []
    for part in msg.walk():
        if part.is_multipart():
            continue
        kind = part.get_content_type()
        name = _filename(part)
        disposition = (part.get_content_disposition() or "").lower()
        if name is None and disposition != "attachment" and kind in ("text/plain", "text/html"):
            (plain if kind == "text/plain" else html).append(_text_of(part))
            continue
        if kind.startswith("message/") or kind == "text/rfc822-headers":
            continue  # a bounce's report parts: read by _bounce, not attachments a person sent
        data = part.get_payload(decode=True)
        content = data if isinstance(data, bytes) else b""
        files.append(
            Attachment(
                filename=name or "attachment",
                content_type=kind,
                size=len(content),
                content=content if len(content) <= cap else None,
            )
        )
    return "\n".join(plain), "\n".join(html), files


def html_to_text(html: str) -> str:
    # Imported here: the desk loads this module with every reply it records, and lxml only matters for HTML mail.
    from inscriptis import get_text

    return str(get_text(html)).strip()


def split_quoted(body: str) -> tuple[str, str]:
    """(what the person wrote, the quoted history under it): from the first attribution line or `>` block."""
    lines = body.split("\n")
    for index, line in enumerate(lines):
        if _QUOTE_START.match(line) or (line.startswith(">") and all(rest.startswith(">") or not rest.strip()
                                                                         for rest in lines[index:])):  # fmt: skip
            head = "\n".join(lines[:index]).rstrip()
            if head:
                return head, "\n".join(lines[index:]).strip()
            break
    return body.strip(), ""


def automated_reason(msg: Message, sender: str) -> str | None:
    """Why this message must never get an auto-reply: RFC 3834, Precedence, list headers or a no-reply sender."""
    # Raw values: these are keywords, and policy.default's header objects cost more than the rest of the parse.
    headers = {key.lower(): str(value).strip() for key, value in msg.raw_items()}
    if msg.get_content_type() == "multipart/report" or sender.partition("@")[0] in ("mailer-daemon", "postmaster"):
        return "bounce"
    if not headers.get("auto-submitted", "no").lower().startswith("no"):
        return "auto-submitted"
    if headers.get("precedence", "").lower() in ("bulk", "list", "junk", "auto_reply"):
        return "precedence"
    if any(headers.get(name) for name in ("list-id", "list-unsubscribe", "list-post")):
        return "mailing-list"
    if (
        headers.get("x-autoreply")
        or headers.get("x-autorespond")
        or headers.get("x-auto-response-suppress")
        in (
            "All",
            "OOF",
        )
    ):
        return "auto-reply"
    if _NOREPLY.match(sender.partition("@")[0]):
        return "noreply-sender"
    return None


def _bounce(msg: Message) -> tuple[tuple[str, ...], str]:
    """The Message-IDs of the mail a DSN reports on, and its first Status, from its report parts."""
    ids: list[str] = []
    status = ""
    for part in msg.walk():
        kind = part.get_content_type()
        if kind == "message/delivery-status":
            text = "\n".join(str(p) for p in part.get_payload()) if part.is_multipart() else _text_of(part)
            found = re.search(r"^Status:\s*([245]\.\d+\.\d+)", text, re.MULTILINE | re.IGNORECASE)
            status = status or (found.group(1) if found else "")
        elif kind in ("message/rfc822", "text/rfc822-headers"):
            inner = part.get_payload(0) if part.is_multipart() else None
            if isinstance(inner, Message):
                ids.extend(_ids(_raw_header(inner, "Message-ID")))
            else:
                found = re.search(r"^Message-ID:\s*(<[^>]+>)", _text_of(part), re.MULTILINE | re.IGNORECASE)
                if found:
                    ids.append(found.group(1))
    return tuple(ids), status


def _dedup_key(raw: bytes, message_id: str) -> str:
    """Message-ID plus a hash of the body: a redelivery (new Received lines) matches, a reused Message-ID does not."""
    _headers, _sep, body = raw.replace(b"\r\n", b"\n").partition(b"\n\n")
    return hashlib.sha256(message_id.encode() + b"\0" + hashlib.sha256(body).digest()).hexdigest()


class _HeadersParsedOnce(EmailPolicy):
    """`policy.default`, except that a header read again is not parsed again.

    The `email` package parses a header on every read, and reading one message asks for its Content-Type half a
    dozen times (type, charset, name, the payload's decoding): that was a third of the parse (bench/mail.py).
    Header objects are immutable, so one parse serves every read of the same text. The cache lives for one
    message (`parse_mail` empties it): its keys are header values, attachment names among them, which a
    long-running `mail fetch` must not keep after their message, nor after their person is erased.
    """

    @functools.lru_cache(maxsize=256)  # noqa: B019  # one module-level instance: nothing is kept alive by it
    def header_fetch_parse(self, name: str, value: str) -> Any:
        return super().header_fetch_parse(name, value)


_PARSING = _HeadersParsedOnce()


def parse_mail(raw: bytes, *, attachment_cap: int) -> ParsedMail:
    """Read one RFC 5322 message. Raises MalformedMail when it has no headers or no sender address."""
    try:
        return _read_mail(raw, attachment_cap)
    finally:
        _HeadersParsedOnce.header_fetch_parse.cache_clear()


def _read_mail(raw: bytes, attachment_cap: int) -> ParsedMail:
    if not raw.strip() or b":" not in raw.split(b"\n", 1)[0]:
        raise MalformedMail("the message has no header lines")
    msg = BytesParser(policy=_PARSING).parsebytes(raw)
    # Split before decoding: a display name may decode to commas, brackets or quotes that an address parser
    # would take for syntax.
    raw_name, sender = parseaddr(re.sub(r"\s*[\r\n]+\s*", " ", _unescape_8bit(_raw_header(msg, "From") or "")))
    name = _decode_header(raw_name)
    sender = sender.strip().lower()
    if "@" not in sender:
        raise MalformedMail("the message has no sender address")
    message_id = (_ids(_raw_header(msg, "Message-ID")) or ("",))[0]
    if not message_id:
        # A message without one is still mail; a stable id from its content keeps ingest idempotent.
        message_id = f"<{hashlib.sha256(raw).hexdigest()[:32]}@no-message-id.invalid>"
    plain, html, files = _walk(msg, attachment_cap)
    text = plain.strip() or (html_to_text(html) if html else "")
    body, quoted = split_quoted(storable(text.replace("\r\n", "\n")))
    auth = _raw_header(msg, "Authentication-Results") or ""
    bounced, status = _bounce(msg) if msg.get_content_type() == "multipart/report" else ((), "")
    return ParsedMail(
        message_id=message_id,
        in_reply_to=_ids(_raw_header(msg, "In-Reply-To")),
        references=_ids(_raw_header(msg, "References")),
        sender=storable(sender),
        sender_name=storable(name),
        subject=_decode_header(_raw_header(msg, "Subject") or "") or "(no subject)",
        body=body,
        quoted=quoted,
        attachments=tuple(files),
        automated=automated_reason(msg, sender),
        unauthenticated=bool(_AUTH_FAILED.search(auth)),
        bounced=bounced,
        bounce_status=status,
        dedup_key=_dedup_key(raw, message_id),
    )


def looks_chinese(text: str) -> bool:
    return re.search(r"[\u4e00-\u9fff]", text) is not None


def reply_subject(subject: str, ticket_id: int) -> str:
    """`Re: <subject> [#N]`, without piling up prefixes or tags on a long thread."""
    bare = TICKET_TAG.sub("", _REPLY_PREFIX.sub("", subject)).strip() or "(no subject)"
    return f"Re: {bare} [#{ticket_id}]"


def new_message_id(domain: str) -> str:
    return f"<desk.{uuid.uuid4().hex}@{domain}>"


def address_domain(address: str) -> str:
    return address.rpartition("@")[2] or "localhost"


@dataclass(frozen=True)
class OutgoingMail:
    message_id: str
    sender: str
    sender_name: str
    recipient: str
    subject: str
    body: str
    in_reply_to: str | None = None
    references: tuple[str, ...] = ()
    # RFC 3834: "auto-replied" for the acknowledgement, so that other robots do not answer it.
    auto_submitted: str | None = None


def compose(mail: OutgoingMail) -> bytes:
    """The message as sent: plain text, UTF-8, threading headers set."""
    msg = EmailMessage(policy=policy.SMTP)
    msg["From"] = formataddr((mail.sender_name, mail.sender)) if mail.sender_name else mail.sender
    msg["To"] = mail.recipient
    msg["Subject"] = mail.subject
    msg["Message-ID"] = mail.message_id
    if mail.in_reply_to:
        msg["In-Reply-To"] = mail.in_reply_to
    if mail.references:
        msg["References"] = " ".join(mail.references)
    if mail.auto_submitted:
        msg["Auto-Submitted"] = mail.auto_submitted
        msg["X-Auto-Response-Suppress"] = "All"
    msg.set_content(mail.body, charset="utf-8")
    return msg.as_bytes()


def with_signature(body: str, signature: str) -> str:
    return f"{body}\n\n-- \n{signature}" if signature.strip() else body


def thread_references(references: Iterable[str], parent: str | None) -> tuple[str, ...]:
    """References for a reply: the parent's chain then the parent, at most 20 ids (RFC 5322 suggests trimming)."""
    chain = [ref for ref in references if ref]
    if parent and parent not in chain:
        chain.append(parent)
    return tuple(chain[-20:])

"""domain.mail on the corpus: what each realistic message reads as."""

from __future__ import annotations

import gc
import uuid
from email import message_from_bytes, policy

import pytest

from lifer_desk.domain.mail import (
    MalformedMail,
    OutgoingMail,
    codec_for,
    compose,
    parse_mail,
    reply_subject,
    split_quoted,
)
from lifer_desk.domain.text_safety import safe_text
from tests.mail.mail_support import corpus, message

CAP = 5_000


def parsed(name: str):
    return parse_mail(corpus(name), attachment_cap=CAP)


def test_outlook_html_only_mail_becomes_text_without_markup_or_script() -> None:
    mail = parsed("outlook_html.eml")
    assert "I cannot log in to my diary since Tuesday" in mail.body
    assert "resetting the password" in mail.body
    assert "<" not in mail.body and "alert" not in mail.body and "MsoNormal" not in mail.body
    assert (mail.sender, mail.sender_name) == ("emma.clarke@outlook.com", "Emma Clarke")
    assert not mail.unauthenticated and mail.automated is None


def test_qq_mail_in_gb18030_base64_decodes_and_its_quoted_history_is_set_apart() -> None:
    mail = parsed("qq_gb18030.eml")
    assert mail.subject == "账号无法登录，请帮忙"
    assert mail.sender_name == "小明"
    assert mail.body.startswith("您好，我的账号无法登录")
    assert "原始邮件" not in mail.body and "验证链接" not in mail.body
    assert mail.quoted.startswith("------------------ 原始邮件")
    assert "验证链接已过期" in mail.quoted


def test_foxmail_declaring_gb2312_over_gbk_text_is_read_as_gb18030() -> None:
    raw = corpus("foxmail_gb2312.eml")
    with pytest.raises(UnicodeEncodeError):
        "镕".encode("gb2312")  # the corpus relies on characters GB2312 lacks
    mail = parse_mail(raw, attachment_cap=CAP)
    assert "朱镕基" in mail.body and "王喆" in mail.body
    assert mail.subject == "更正邮箱（王喆）" and mail.sender_name == "王喆"
    assert "\ufffd" not in mail.body + mail.subject


@pytest.mark.parametrize(("label", "codec"), [("GB2312", "gb18030"), ("gbk", "gb18030"), ("Big5", "big5hkscs"),
                                              ("utf-8", "utf-8"), ("x-made-up", "utf-8"), (None, "utf-8")])  # fmt: skip
def test_charset_labels_map_to_the_codec_that_reads_them(label: str | None, codec: str) -> None:
    assert codec_for(label) == codec


@pytest.mark.parametrize("codec", ["utf-8", "gbk"])
def test_raw_8bit_chinese_headers_without_rfc2047_decode(codec: str) -> None:
    raw = ("From: 客户 <c@qq.com>\nSubject: 账号问题\n\nhi\n").encode(codec)
    mail = parse_mail(raw, attachment_cap=CAP)
    assert (mail.sender_name, mail.subject) == ("客户", "账号问题")


def test_big5_mail_decodes() -> None:
    raw = b"From: a@example.hk\nSubject: x\nContent-Type: text/plain; charset=big5\n\n" + "帳號無法登入".encode("big5")
    assert parse_mail(raw, attachment_cap=CAP).body == "帳號無法登入"


def test_apple_mail_attachment_is_listed_with_its_rfc2231_chinese_name_and_kept() -> None:
    mail = parsed("apple_attachment.eml")
    assert [(a.filename, a.content_type, a.size) for a in mail.attachments] == [
        ("截图 2026-12-01.png", "image/png", 1024)
    ]
    assert mail.attachments[0].content == bytes(range(256)) * 4
    assert mail.sender_name == "Li Léi"


def test_an_attachment_over_the_cap_is_listed_but_not_kept() -> None:
    (attachment,) = parsed("oversize_attachment.eml").attachments
    assert (attachment.filename, attachment.size, attachment.content) == ("diary-export.zip", 6000, None)


def test_out_of_office_is_automated_and_carries_the_ticket_tag() -> None:
    mail = parsed("out_of_office.eml")
    assert mail.automated == "auto-submitted"
    assert mail.ticket_tag == 1


def test_dsn_names_the_message_that_bounced_and_its_status() -> None:
    mail = parsed("dsn_bounce.eml")
    assert mail.is_bounce
    assert mail.bounced == ("<desk.bounced0001@lifer.example>",)
    assert mail.bounce_status == "5.5.0"


@pytest.mark.parametrize(
    ("headers", "sender", "reason"),
    [
        ("Auto-Submitted: auto-generated\n", "jane@qq.com", "auto-submitted"),
        ("Auto-Submitted: no\n", "jane@qq.com", None),
        ("Precedence: bulk\n", "jane@qq.com", "precedence"),
        ("Precedence: junk\n", "jane@qq.com", "precedence"),
        ("List-Id: <x.example.org>\n", "jane@qq.com", "mailing-list"),
        ("", "noreply@shop.example", "noreply-sender"),
        ("", "no-reply+abc@shop.example", "noreply-sender"),
        ("", "mailer-daemon@mx.example", "bounce"),
        ("", "jane@qq.com", None),
    ],
)
def test_automated_mail_is_recognised(headers: str, sender: str, reason: str | None) -> None:
    assert parse_mail(message(sender=sender, headers=headers), attachment_cap=CAP).automated == reason


def test_a_mailing_list_message_is_automated() -> None:
    assert parsed("mailing_list.eml").automated == "precedence"


def test_malformed_headers_are_read_as_far_as_they_go() -> None:
    mail = parsed("malformed_headers.eml")
    assert mail.sender == "zhangsan@example.cn" and mail.sender_name == "张三"
    assert "删除账号" in mail.subject
    assert "请删除" in mail.body
    assert mail.message_id.endswith("@no-message-id.invalid>")


@pytest.mark.parametrize("raw", [corpus("garbage.eml"), b"", b"Subject: no sender\n\nhello\n"])
def test_what_is_not_mail_is_refused_as_malformed(raw: bytes) -> None:
    with pytest.raises(MalformedMail):
        parse_mail(raw, attachment_cap=CAP)


def test_markup_and_escape_sequences_in_subject_names_and_file_names_are_kept_as_text_and_made_safe() -> None:
    mail = parsed("markup_subject.eml")
    assert mail.subject.startswith("[bold red]URGENT[/]")
    assert mail.sender_name.startswith("[link=http://x]Admin[/link]")
    assert mail.unauthenticated
    for text in (mail.subject, mail.sender_name, mail.body, mail.attachments[0].filename):
        shown = safe_text(text)
        assert "\x1b" not in shown and "\x07" not in shown and "\u202e" not in shown


def test_redelivery_with_new_received_lines_has_the_same_dedup_key_and_another_body_does_not() -> None:
    raw = message()
    again = b"Received: from relay2 by mx; Tue, 1 Dec 2026\n" + raw
    other = message(body="something else")
    key = parse_mail(raw, attachment_cap=CAP).dedup_key
    assert parse_mail(again, attachment_cap=CAP).dedup_key == key
    assert parse_mail(other, attachment_cap=CAP).dedup_key != key


def test_quoted_history_of_a_plain_reply_is_split_at_the_attribution_line() -> None:
    body = "Thanks, that worked.\n\nOn Tue, 1 Dec 2026 at 10:00, Support <support@lifer.example> wrote:\n> Try again"
    assert split_quoted(body) == ("Thanks, that worked.", "On Tue, 1 Dec 2026 at 10:00, Support "
                                  "<support@lifer.example> wrote:\n> Try again")  # fmt: skip
    assert split_quoted("> only a quote") == ("> only a quote", "")


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        ("Cannot log in", "Re: Cannot log in [#7]"),
        ("Re: Cannot log in [#7]", "Re: Cannot log in [#7]"),
        ("RE: Fwd: 回复：退款 [#7]", "Re: 退款 [#7]"),
        ("", "Re: (no subject) [#7]"),
    ],
)
def test_reply_subject_has_one_re_and_one_tag(subject: str, expected: str) -> None:
    assert reply_subject(subject, 7) == expected


def test_composed_reply_is_plain_utf8_text_with_threading_headers() -> None:
    raw = compose(
        OutgoingMail(
            message_id="<desk.1@lifer.example>",
            sender="support@lifer.example",
            sender_name="客服",
            recipient="jane@qq.com",
            subject="Re: 退款 [#7]",
            body="您好，已处理。",
            in_reply_to="<m1@qq.com>",
            references=("<m0@qq.com>", "<m1@qq.com>"),
        )
    )
    mail = message_from_bytes(raw, policy=policy.default)
    assert mail["Message-ID"] == "<desk.1@lifer.example>"
    assert mail["In-Reply-To"] == "<m1@qq.com>"
    assert mail["References"] == "<m0@qq.com> <m1@qq.com>"
    assert mail["Subject"] == "Re: 退款 [#7]"
    assert mail.get_content_type() == "text/plain"
    assert mail.get_content().strip() == "您好，已处理。"
    assert "Auto-Submitted" not in mail


def test_no_header_of_a_parsed_message_is_kept_in_the_process_after_it() -> None:
    """The parse caches headers (one Content-Type is read half a dozen times), for that message only: a
    long-running `mail fetch` must not hold a customer's file name or other header after their message, or
    after their erasure."""
    # Made here, so that no constant of this test's code holds it.
    unique = f"kept-nowhere-{uuid.uuid4().hex}.pdf"
    raw = (
        "From: Jane <jane.doe@qq.com>\nSubject: my file\nMessage-ID: <kept@qq.com>\n"
        'Content-Type: multipart/mixed; boundary="b"\n\n--b\nContent-Type: text/plain\n\nsee the file\n'
        f'--b\nContent-Type: application/pdf; name="{unique}"\n'
        f'Content-Disposition: attachment; filename="{unique}"\n\nPDF\n--b--\n'
    ).encode()
    mail = parse_mail(raw, attachment_cap=CAP)
    assert [file.filename for file in mail.attachments] == [unique]
    del mail, raw
    gc.collect()
    holders = [
        o
        for o in gc.get_objects()
        if isinstance(o, (tuple, list)) and any(isinstance(item, str) and unique in item for item in o)
    ]
    assert holders == []

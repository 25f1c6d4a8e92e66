"""Personal data in feedback text: emails, phone numbers (mainland mobiles included) and ID-card numbers are
masked wherever they stand in Chinese or English text, and masking twice changes nothing."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lifer_desk.domain.feedback_masking import has_personal_data, mask_free_text

# Surrounding text that cannot itself look like a contact: CJK, letters, spaces and punctuation, no digits or @.
_AROUND = st.text(alphabet=st.sampled_from(list("退款申请谢谢你好账号 ，。！abcXYZ ,.!?-")), max_size=12)
_MOBILES = st.builds(
    lambda second, rest, sep: f"1{second}{rest[0]}{sep}{rest[1:5]}{sep}{rest[5:]}",
    st.sampled_from("3456789"),
    st.text(alphabet="0123456789", min_size=9, max_size=9),
    st.sampled_from(["", " ", "-"]),
)
_IDS = st.builds(
    lambda digits, check: digits + check,
    st.text(alphabet="0123456789", min_size=17, max_size=17).filter(lambda d: d[0] != "0"),
    st.sampled_from("0123456789X"),
)
_EMAILS = st.builds(
    lambda local, domain, tld: f"{local}@{domain}.{tld}",
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789._", min_size=1, max_size=12).filter(
        lambda s: s[0].isalnum() and s[-1].isalnum()
    ),
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=10),
    st.sampled_from(["com", "cn", "org", "com.cn"]),
)


@given(before=_AROUND, secret=st.one_of(_MOBILES, _IDS, _EMAILS), after=_AROUND)
def test_personal_data_never_survives_masking(before: str, secret: str, after: str) -> None:
    # Spaced, so that letters before an email are not read as part of its address.
    text = f"{before} {secret} {after}"
    masked = mask_free_text(text)
    assert secret not in masked
    assert has_personal_data(text)
    assert mask_free_text(masked) == masked
    # Nothing but the personal data changes: the text around it reads as written.
    assert masked.startswith(before) and masked.endswith(after)


@given(st.text(alphabet=st.sampled_from(list("退款申请谢谢你好 ，。abc XYZ,.!?1234")), max_size=40))
def test_text_without_personal_data_is_left_alone(text: str) -> None:
    if not has_personal_data(text):
        assert mask_free_text(text) == text


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("我的手机号是13812345678，请联系我", "我的手机号是***5678，请联系我"),
        ("请打 +86 139 8765 4321 谢谢", "请打 ***4321 谢谢"),
        ("身份证号11010519491231002X，帮我找回", "身份证号1***X，帮我找回"),
        ("Write to jane.doe@example.org please", "Write to j***@example.org please"),
        ("邮箱zhang.wei88@qq.com谢谢", "邮箱z***@qq.com谢谢"),
        ("Call +44 20 7946 0958 today", "Call ***0958 today"),
        ("office 010-62345678 ok", "office ***5678 ok"),
        ("order 12345 of version 3.4.0", "order 12345 of version 3.4.0"),
    ],
)
def test_each_kind_is_masked_as_the_desk_shows_it(text: str, masked: str) -> None:
    assert mask_free_text(text) == masked

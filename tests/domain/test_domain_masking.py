import pytest
from hypothesis import given
from hypothesis import strategies as st

from lifer_desk.domain.masking import mask_contact, mask_email, mask_fragment, mask_name, mask_username


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("jane.doe@qq.com", "j***@qq.com"),
        ("  Jane.Doe@QQ.COM ", "J***@qq.com"),
        ("j***@qq.com", "j***@qq.com"),
        ("***@qq.com", "***@qq.com"),
        ("a@163.com", "***@163.com"),  # one character would be the whole local part
        ("@qq.com", "***@qq.com"),
        ("张伟@example.cn", "张***@example.cn"),
        ("odd@name@qq.com", "o***@qq.com"),
        ("no-domain@", "n***"),
        ("jane@qq.com\x1b]52;c;eA==\x07", "j***@qq.com"),
        ("", ""),
    ],
)
def test_mask_email(value: str, expected: str) -> None:
    assert mask_email(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("lucky_cat", "l***"),
        ("张三丰", "张***"),
        ("张三", "张***"),
        ("张", "***"),
        ("x", "***"),
        ("l***", "l***"),
        ("***", "***"),
        ("*abc", "***"),
        ("\u202eevil", "***"),
        ("   ", ""),
    ],
)
def test_mask_username_and_name(value: str, expected: str) -> None:
    assert mask_username(value) == expected
    assert mask_name(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("jane.doe@qq.com", "j***@qq.com"),
        ("jane.doe＠QQ.com", "j***@qq.com"),  # full-width at sign from a Chinese keyboard
        ("+86 138 1234 5678", "+***"),
        ("王小明", "王***"),
        ("", ""),
    ],
)
def test_mask_contact_detects_emails(value: str, expected: str) -> None:
    assert mask_contact(value) == expected


@given(st.text())
def test_mask_fragment_reveals_at_most_the_first_character(value: str) -> None:
    masked = mask_fragment(value)
    stripped = value.strip()
    assert masked in {"", "***", stripped[:1] + "***"}
    assert mask_fragment(masked) == masked


@given(st.text(min_size=1), st.from_regex(r"[a-z]{1,10}\.(com|cn)", fullmatch=True))
def test_mask_email_keeps_only_first_character_and_domain(local: str, domain: str) -> None:
    masked = mask_email(f"{local}@{domain}")
    assert masked.endswith("@" + domain)
    head = masked.removesuffix("@" + domain)
    assert head in {"***", local.strip()[:1] + "***"}
    assert mask_email(masked) == masked

from datetime import date

import pytest

from lifer_desk.domain.identity import (
    ClaimError,
    Claims,
    ClaimsInvalid,
    Field,
    Gender,
    normalise_email,
    normalise_username,
    parse_birthday,
    parse_claims,
    parse_gender,
)

TODAY = date(2025, 6, 1)


@pytest.mark.parametrize(
    "raw",
    [
        "1990-05-17",
        "1990-5-17",
        "1990/5/17",
        "1990/05/17",
        "1990.5.17",
        "19900517",
        "1990年5月17日",
        "1990年05月17日",
        "1990 年 5 月 17 日",
        "1990年5月17号",
        "１９９０年５月１７日",  # full-width digits from a Chinese input method
        "  1990-05-17\t",
    ],
)
def test_birthday_formats(raw: str) -> None:
    assert parse_birthday(raw, today=TODAY) == date(1990, 5, 17)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("1990-02-30", "not a real date"),
        ("19901317", "not a real date"),
        ("2000/2/29", None),  # leap day: valid
        ("2001/2/29", "not a real date"),
        ("2025-06-02", "in the future"),
        ("1899-12-31", "before 1900"),
        ("17/05/1990", "write it as"),
        ("1990-05/17", "write it as"),
        ("1990517", "write it as"),
        ("May 17 1990", "write it as"),
        ("1990-**-17", "masked"),
        ("1990年*月17日", "masked"),
        ("", "empty"),
    ],
)
def test_birthday_refusals(raw: str, message: str | None) -> None:
    if message is None:
        parse_birthday(raw, today=TODAY)
        return
    with pytest.raises(ClaimError, match=message) as info:
        parse_birthday(raw, today=TODAY)
    assert info.value.field is Field.BIRTHDAY


def test_birthday_today_is_not_future() -> None:
    assert parse_birthday("2025-06-01", today=TODAY) == TODAY


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("jane.doe@qq.com", "jane.doe@qq.com"),
        ("  Jane.Doe@QQ.com ", "jane.doe@qq.com"),
        ("jane+diary@mail.example.cn", "jane+diary@mail.example.cn"),
        ("jane＠qq．com", "jane@qq.com"),  # full-width punctuation
        ("o'neil_x@sub-domain.example.org", "o'neil_x@sub-domain.example.org"),
        ("user@例子.中国", "user@例子.中国"),
        ("user@example.xn--fiqs8s", "user@example.xn--fiqs8s"),
    ],
)
def test_email_normalised(raw: str, expected: str) -> None:
    assert normalise_email(raw) == expected


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("j***@qq.com", "masked"),
        ("jane.doe@*.com", "masked"),
        ("jane.doe", "not a valid email"),
        ("jane.doe@qq", "not a valid email"),
        ("@qq.com", "not a valid email"),
        ("jane@@qq.com", "not a valid email"),
        ("jane doe@qq.com", "not a valid email"),
        ("jane..doe@qq.com", "not a valid email"),
        (".jane@qq.com", "not a valid email"),
        ("jane@-qq.com", "not a valid email"),
        ("jane@qq.c", "not a valid email"),
        ("jane@qq.com.", "not a valid email"),
        ("a" * 65 + "@qq.com", "not a valid email"),
        ("jane@qq.com\x1b[2J", "not a valid email"),
        ("   ", "empty"),
    ],
)
def test_email_refusals(raw: str, message: str) -> None:
    with pytest.raises(ClaimError, match=message) as info:
        normalise_email(raw)
    assert info.value.field is Field.EMAIL


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  lucky_cat ", "lucky_cat"),
        ("ｌｕｃｋｙ＿ｃａｔ", "lucky_cat"),  # NFKC folds full-width forms
        ("小猫咪", "小猫咪"),
        ("Lucky Cat", "Lucky Cat"),  # case and inner spaces are the service's business
    ],
)
def test_username_normalised(raw: str, expected: str) -> None:
    assert normalise_username(raw) == expected


@pytest.mark.parametrize(("raw", "message"), [("l***", "masked"), ("luc＊y", "masked"), ("a\x00b", "control")])
def test_username_refusals(raw: str, message: str) -> None:
    with pytest.raises(ClaimError, match=message):
        normalise_username(raw)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("male", Gender.MALE),
        ("MALE", Gender.MALE),
        (" Female ", Gender.FEMALE),
        ("other", Gender.OTHER),
        ("男", Gender.MALE),
        ("女", Gender.FEMALE),
        ("女性", Gender.FEMALE),
        ("其他", Gender.OTHER),
    ],
)
def test_gender(raw: str, expected: Gender) -> None:
    assert parse_gender(raw) is expected


@pytest.mark.parametrize("raw", ["m", "man", "*", "unknown"])
def test_gender_refusals(raw: str) -> None:
    with pytest.raises(ClaimError):
        parse_gender(raw)


def test_parse_claims_skips_blank_fields_and_normalises() -> None:
    claims = parse_claims(
        {Field.EMAIL: " Jane@QQ.com", Field.USERNAME: "", Field.BIRTHDAY: "1990年5月17日", Field.GENDER: "  "},
        today=TODAY,
    )
    assert claims == Claims(email="jane@qq.com", birthday=date(1990, 5, 17))
    assert claims.stated == {Field.EMAIL, Field.BIRTHDAY}
    assert claims.normalised() == {Field.EMAIL: "jane@qq.com", Field.BIRTHDAY: "1990-05-17"}


def test_parse_claims_reports_every_bad_field() -> None:
    with pytest.raises(ClaimsInvalid) as info:
        parse_claims(
            {Field.EMAIL: "j***@qq.com", Field.USERNAME: "ok", Field.BIRTHDAY: "2030-01-01", Field.GENDER: "x"},
            today=TODAY,
        )
    assert set(info.value.errors) == {Field.EMAIL, Field.BIRTHDAY, Field.GENDER}
    assert "masked" in info.value.errors[Field.EMAIL]
    assert "future" in info.value.errors[Field.BIRTHDAY]


def test_claims_normalised_covers_every_field() -> None:
    claims = Claims(email="a@b.cn", username="u", birthday=date(2000, 1, 2), gender=Gender.OTHER)
    assert claims.normalised() == {
        Field.EMAIL: "a@b.cn",
        Field.USERNAME: "u",
        Field.BIRTHDAY: "2000-01-02",
        Field.GENDER: "other",
    }

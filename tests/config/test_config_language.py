"""The interface language comes from the settings, including a `LIFER_LANG` written in the settings file (issue 8)."""

from __future__ import annotations

import struct
from collections.abc import Iterator
from pathlib import Path

import pytest

from lifer_desk import i18n
from lifer_desk.config import Settings, load_settings
from lifer_desk.services import tickets
from lifer_desk.services.context import DeskContext
from lifer_desk.services.errors import NotFound
from lifer_desk.store.db import Database

CATALOGUE = {"": "Content-Type: text/plain; charset=UTF-8\n", "no ticket #{id}": "没有工单 #{id}"}


def _write_mo(path: Path, messages: dict[str, str]) -> None:
    """A GNU gettext catalogue (the .mo layout msgfmt writes), so the test needs no compiler."""
    keys = sorted(messages)
    originals = [key.encode() for key in keys]
    translations = [messages[key].encode() for key in keys]
    start = 7 * 4 + 2 * 8 * len(keys)
    tables, blobs = [], b""
    for strings in (originals, translations):
        table = []
        for text in strings:
            table.append((len(text), start + len(blobs)))
            blobs += text + b"\0"
        tables.append(table)
    header = struct.pack("<7I", 0x950412DE, 0, len(keys), 7 * 4, 7 * 4 + 8 * len(keys), 0, 0)
    body = b"".join(struct.pack("<2I", *entry) for table in tables for entry in table)
    path.parent.mkdir(parents=True)
    path.write_bytes(header + body + blobs)


@pytest.fixture
def chinese_catalogue(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    _write_mo(tmp_path / "locale" / "zh_CN" / "LC_MESSAGES" / "lifer_desk.mo", CATALOGUE)
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path / "locale", raising=False)
    yield
    load_settings(env={}, env_file=tmp_path / "absent")  # back to English for the tests that follow


def test_lifer_lang_in_the_settings_file_translates_the_services(
    tmp_path: Path, sqlite_url: str, chinese_catalogue: None
) -> None:
    settings_file = tmp_path / "settings.env"
    settings_file.write_text("LIFER_LANG=zh_CN\n", encoding="utf-8")
    settings = load_settings(env={}, env_file=settings_file)
    db = Database(sqlite_url)
    ctx = DeskContext(db=db, settings=Settings(database_url=db.url), agent="alice", role="agent")
    with pytest.raises(NotFound) as refused:
        tickets.get_ticket(ctx, 999)
    db.dispose()
    assert settings.lang == "zh_CN"
    assert str(refused.value) == "没有工单 #999"


def test_english_is_the_default(tmp_path: Path, chinese_catalogue: None) -> None:
    load_settings(env={}, env_file=tmp_path / "absent")
    assert i18n._("no ticket #{id}") == "no ticket #{id}"

"""`audit verify` checks the chain in ranges (PostgreSQL hashing them itself, SQLite in worker processes), and must
say exactly what the row-by-row walk says."""

from __future__ import annotations

from json.encoder import encode_basestring

import pytest
from sqlalchemy import text

from lifer_desk.store import audit
from lifer_desk.store.db import Database
from tests.audit_support import drop_triggers

# What JSON escapes and what it must leave alone, in the names the canonical form quotes.
AWKWARD = ('say "hi"', "back\\slash", "line\nbreak\ttab", "bell\x07\x1f", "王*明", "\u2028\u202e😀", "del\x7f")


def _append_awkward(db: Database) -> None:
    for n, name in enumerate(AWKWARD, start=1):
        with db.write() as session:
            audit.append(
                session, actor=name, action=f"ticket.{name}", entity_type=name, entity_id=name, details={"n": n}
            )


def test_postgresql_quotes_every_character_as_the_canonical_form_does(pg_url: str) -> None:
    # JSON escapes each character on its own, so one string holding every character (PostgreSQL text holds all
    # but NUL) proves `to_json` and `encode_basestring` agree on every string.
    every = "".join(chr(code) for code in range(1, 0x110000) if not 0xD800 <= code <= 0xDFFF)
    db = Database(pg_url)
    with db.read() as session:
        quoted = session.execute(text("SELECT to_json(CAST(:s AS text))::text"), {"s": every}).scalar_one()
    db.dispose()
    assert quoted == encode_basestring(every)


@pytest.mark.parametrize("split", [{}, {"chunk_rows": 2, "workers": 1}, {"chunk_rows": 2, "workers": 2}])
def test_names_that_need_escaping_verify_and_an_edit_among_them_is_found(db: Database, split: dict[str, int]) -> None:
    _append_awkward(db)
    report = audit.verify_chain(db, **split)
    assert report.ok and report.count == len(AWKWARD)
    drop_triggers(db)
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE audit_event SET entity_id = :id WHERE seq = 5"), {"id": "王*明 "})
    report = audit.verify_chain(db, **split)
    assert (report.broken_seq, report.problem, report.count) == (5, "edited", 4)


def test_progress_hears_each_range_as_it_is_checked(db: Database) -> None:
    _append_awkward(db)
    heard: list[int] = []
    audit.verify_chain(db, heard.append, chunk_rows=3)
    assert heard == [3, 6, 7]


def test_a_text_seq_on_sqlite_is_found_by_the_walk(sqlite_url: str) -> None:
    # SQLite keeps text in an INTEGER column; it sorts after every number, so the ranges cannot hold it.
    db = Database(sqlite_url)
    _append_awkward(db)
    drop_triggers(db)
    with db.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE audit_event SET seq = 'last' WHERE seq = 7")
    report = audit.verify_chain(db, chunk_rows=2, workers=2)
    db.dispose()
    assert (report.broken_seq, report.problem, report.count) == (7, "missing", 6)

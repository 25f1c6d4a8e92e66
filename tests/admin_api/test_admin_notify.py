"""`POST /v1/users/{id}/notify` through the typed client: lifer mails the address of record, never shown to the desk."""

from __future__ import annotations

import json
import sqlite3

import pytest

from lifer_desk.admin_api import AdminClient, KeyReused, NotFound, NotifyTemplate
from tests.admin_api.admin_test_support import pick_user


async def test_notify_queues_a_mail_to_the_address_of_record_and_names_no_address(
    client: AdminClient, db: sqlite3.Connection
) -> None:
    user = pick_user(db)
    params = {"ticket": "42", "request": "7"}
    done = await client.notify(user["id"], NotifyTemplate.DELETION_DONE, params, idempotency_key="ntf-1")
    assert (done.user_id, done.template) == (user["id"], NotifyTemplate.DELETION_DONE)
    assert user["email"] not in done.model_dump_json()
    (row,) = db.execute("SELECT user_id, template, params FROM notification").fetchall()
    assert (row["user_id"], row["template"], json.loads(row["params"])) == (user["id"], "deletion_done", params)


async def test_notify_is_idempotent_on_its_key(client: AdminClient, db: sqlite3.Connection) -> None:
    user = pick_user(db)
    first = await client.notify(user["id"], NotifyTemplate.CORRECTION_DONE, {}, idempotency_key="ntf-2")
    again = await client.notify(user["id"], NotifyTemplate.CORRECTION_DONE, {}, idempotency_key="ntf-2")
    assert again == first
    assert db.execute("SELECT count(*) FROM notification").fetchone()[0] == 1
    with pytest.raises(KeyReused):
        await client.notify(user["id"], NotifyTemplate.DELETION_DONE, {}, idempotency_key="ntf-2")


async def test_notify_for_an_unknown_account_is_not_found(client: AdminClient) -> None:
    with pytest.raises(NotFound):
        await client.notify("usr-none", NotifyTemplate.DELETION_DONE, {}, idempotency_key="ntf-3")

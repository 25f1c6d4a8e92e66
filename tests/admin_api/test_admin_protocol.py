"""`AdminApi` names every call the client makes, and the client and the tests' fake meet it call for call."""

from __future__ import annotations

import inspect

from lifer_desk.admin_api import AdminApi, AdminClient
from lifer_desk.config import Secret
from tests.fakes.admin_api import FakeAdminApi


def calls(cls: type) -> dict[str, inspect.Signature]:
    return {
        name: inspect.signature(member)
        for name, member in vars(cls).items()
        if not name.startswith("_") and inspect.iscoroutinefunction(member)
    }


def test_the_protocol_names_every_call_of_the_client() -> None:
    assert calls(AdminClient).keys() == calls(AdminApi).keys()


def test_the_client_and_the_fake_take_what_the_protocol_says() -> None:
    protocol = calls(AdminApi)
    assert calls(AdminClient) == protocol
    assert {name: sig for name, sig in calls(FakeAdminApi).items() if name in protocol} == protocol


async def test_both_are_admin_apis_at_run_time() -> None:
    async with AdminClient("http://admin.test", Secret("t"), in_process=True) as client:
        assert isinstance(client, AdminApi) and client.in_process
    assert isinstance(FakeAdminApi(), AdminApi)

"""The admin API the desk context provides: opened once on first use, in a thread, retried after a bad setting,
named as a sandbox to whoever listens, and closed once."""

from __future__ import annotations

import asyncio
import threading

import pytest

from lifer_desk.admin_api import AdminApi
from lifer_desk.config import ConfigError
from lifer_desk.services.context import AdminApiProvider
from tests.fakes.admin_api import FakeAdminApi


async def test_simultaneous_first_uses_open_one_client_off_the_event_loop() -> None:
    api = FakeAdminApi()
    opened_on: list[threading.Thread] = []

    def factory() -> AdminApi:
        opened_on.append(threading.current_thread())
        return api

    provider = AdminApiProvider(factory)
    heard: list[bool] = []
    provider.on_open(heard.append)
    first, second = await asyncio.gather(provider.get(), provider.get())
    assert first is api and second is api
    assert len(opened_on) == 1 and opened_on[0] is not threading.main_thread()
    assert heard == [True]
    await provider.aclose()
    assert api.closed


async def test_a_setting_that_fails_is_tried_again_on_the_next_use() -> None:
    api = FakeAdminApi(in_process=False)
    outcomes: list[ConfigError | AdminApi] = [ConfigError("LIFER_ADMIN_TOKEN", "is required"), api]

    def factory() -> AdminApi:
        outcome = outcomes.pop(0)
        if isinstance(outcome, ConfigError):
            raise outcome
        return outcome

    provider = AdminApiProvider(factory)
    with pytest.raises(ConfigError):
        await provider.get()
    assert await provider.get() is api
    heard: list[bool] = []
    provider.on_open(heard.append)  # a listener that comes late still hears what was opened
    assert heard == [False]


async def test_a_context_built_without_an_admin_api_says_so() -> None:
    with pytest.raises(RuntimeError, match="without an admin API"):
        await AdminApiProvider().get()
    await AdminApiProvider().aclose()  # nothing opened, nothing to close

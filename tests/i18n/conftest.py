from __future__ import annotations

from collections.abc import Iterator

import pytest

from lifer_desk.i18n import SOURCE_LANGUAGE, install_language


@pytest.fixture(autouse=True)
def back_to_english() -> Iterator[None]:
    """A test here may leave its process speaking Chinese; the tests after it expect the source language."""
    yield
    install_language(SOURCE_LANGUAGE)


# The UI tests' desk fixtures (a fresh database, a fixed clock, tickets, fake admin API), for the Chinese desk.
from tests.ui.conftest import (  # noqa: E402
    bob,  # noqa: F401
    ctx,  # noqa: F401
    database,  # noqa: F401
    desk_app,  # noqa: F401
    fake_admin,  # noqa: F401
    make_ticket,  # noqa: F401
    settle_fixture,  # noqa: F401
)

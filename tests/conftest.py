"""Database fixtures: every store test runs on SQLite and on PostgreSQL.

PostgreSQL cases run when LIFER_TEST_PG_URL is set and fail (not skip) when it is unreachable. Each
test gets a fresh database cloned from a migrated template, so tests stay independent and fast.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import make_url

from lifer_desk.sandbox.seed import ensure_seeded
from lifer_desk.store.db import Database
from lifer_desk.store.migrate import upgrade

PG_URL = os.environ.get("LIFER_TEST_PG_URL")
TEMPLATE = f"lifer_tpl_{os.getpid()}"


def _pg_admin_dsn() -> str:
    assert PG_URL is not None
    return make_url(PG_URL).set(drivername="postgresql").render_as_string(hide_password=False)


def _drop_database(name: str) -> None:
    """Drop a test database even when an autovacuum worker has just started in it.

    FORCE terminates leftover sessions, but PostgreSQL refuses to terminate an autovacuum worker for a role
    without pg_signal_backend (.ci/run grants it). A plain DROP stops autovacuum workers itself, so it is the
    fallback for a role that lacks the grant.
    """
    with psycopg.connect(_pg_admin_dsn(), autocommit=True) as admin:
        try:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        except psycopg.errors.InsufficientPrivilege:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}"')


def _pg_url_for(name: str) -> str:
    assert PG_URL is not None
    return make_url(PG_URL).set(drivername="postgresql+psycopg", database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str]:
    if not PG_URL:
        pytest.skip("LIFER_TEST_PG_URL is not set")
    try:
        admin = psycopg.connect(_pg_admin_dsn(), autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        pytest.fail(f"LIFER_TEST_PG_URL is set but PostgreSQL is unreachable: {exc}")
    with admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{TEMPLATE}"')
        admin.execute(f'CREATE DATABASE "{TEMPLATE}"')
    db = Database(_pg_url_for(TEMPLATE))
    upgrade(db)
    db.dispose()
    yield TEMPLATE
    _drop_database(TEMPLATE)


@pytest.fixture
def pg_url(pg_template: str) -> Iterator[str]:
    name = f"lifer_t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(_pg_admin_dsn(), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{pg_template}"')
    yield _pg_url_for(name)
    _drop_database(name)


@pytest.fixture(scope="session")
def sandbox_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One seeded admin-API sandbox per session; seeding takes a moment, copying it does not."""
    path = tmp_path_factory.mktemp("sandbox-template") / "sandbox.db"
    ensure_seeded(path)
    return path


@pytest.fixture
def sandbox_db(sandbox_template: Path, tmp_path: Path) -> Path:
    path = tmp_path / "sandbox.db"
    shutil.copyfile(sandbox_template, path)
    return path


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'desk.db'}"
    db = Database(url)
    upgrade(db)
    db.dispose()
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest) -> str:
    return request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url")


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    database = Database(db_url)
    yield database
    database.dispose()

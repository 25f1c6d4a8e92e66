"""The PostgreSQL role the suite runs as must be able to clean up after every test."""

from __future__ import annotations

from sqlalchemy import create_engine, text


def test_test_role_can_stop_an_autovacuum_worker_when_dropping_a_database(pg_url: str) -> None:
    # Each test's database is dropped WITH (FORCE); an autovacuum worker that happens to be running there
    # can only be terminated by a superuser or a member of pg_signal_backend (.ci/run grants it).
    engine = create_engine(pg_url)
    with engine.connect() as conn:
        allowed = conn.execute(
            text(
                "SELECT rolsuper OR pg_has_role(current_user, 'pg_signal_backend', 'USAGE')"
                " FROM pg_roles WHERE rolname = current_user"
            )
        ).scalar_one()
    engine.dispose()
    assert allowed, "grant pg_signal_backend to the role in LIFER_TEST_PG_URL"

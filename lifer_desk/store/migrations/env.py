"""Alembic environment: the engine comes from `store.migrate`, never from an ini file."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import lifer_desk.store.models  # noqa: F401  (registers the tables on SQLModel.metadata)
from lifer_desk.store.migrate import include_name


def run() -> None:
    engine = context.config.attributes["engine"]
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=SQLModel.metadata,
            render_as_batch=engine.dialect.name == "sqlite",
            include_name=include_name,
            compare_type=True,
            transaction_per_migration=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


run()

"""Alembic driven from code: no alembic.ini to find at run time."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory

from lifer_desk.store.db import Database

MIGRATIONS = Path(__file__).parent / "migrations"

# Dialect-specific objects that the migrations create by hand and the models do not describe.
UNMODELLED = {"ticket_fts", "ticket_search", "feedback_fts", "feedback_search"}
# The dashboard's partial indexes, on PostgreSQL only (migration 0022).
UNMODELLED_INDEXES = {"ix_ticket_open_by_assignee", "ix_ticket_open_resolution_due", "ix_ticket_closed_updated"}


def include_name(name: str | None, type_: str, _parent: object) -> bool:
    """Keeps autogenerate (and the drift test) away from the hand-written search tables."""
    if type_ == "table":
        return name not in UNMODELLED and not (name or "").startswith(("ticket_fts_", "feedback_fts_"))
    if type_ == "index":
        # The audit pane's expression indexes (migration 0011): no model can describe them on both dialects; and
        # the dashboard's PostgreSQL-only ones.
        return not (name or "").startswith("ix_audit_event_detail_") and name not in UNMODELLED_INDEXES
    return True


def alembic_config(db: Database) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = db.engine
    return cfg


def upgrade(db: Database, revision: str = "head") -> None:
    command.upgrade(alembic_config(db), revision)


def head_revision(db: Database) -> str | None:
    """The head of the migrations directory, as Alembic sees it (`schema_version.HEAD_REVISION` must match)."""
    return ScriptDirectory.from_config(alembic_config(db)).get_current_head()

"""Suppressions of forgotten people (keyed hashes of account ids and contacts) and the key they are made with.

The key is generated here, once per database, so that every desk on it hashes alike and a restored backup
still recognises whom it suppressed. Why it lives in the database rather than beside it: docs/security.md.

Revision ID: 0009
Revises: 0007 (other branches add 0008; the migrations are chained when merged)
"""

import secrets
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import lifer_desk.store.types

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "suppression",
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=True),
        sa.Column("created_at", lifer_desk.store.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["request_id"], ["data_request.id"]),
        sa.PrimaryKeyConstraint("digest"),
    )
    key_table = op.create_table(
        "suppression_key",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.bulk_insert(key_table, [{"id": 1, "key": secrets.token_hex(32)}])


def downgrade() -> None:
    op.drop_table("suppression_key")
    op.drop_table("suppression")

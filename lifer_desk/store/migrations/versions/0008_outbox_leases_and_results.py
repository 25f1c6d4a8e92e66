"""The outbox gets what a deliverer needs: a lease (who holds a row, until when), when a row began failing (for
"admin API failing since"), and the row's result (an erasure's id while it runs; the per-object receipt items
once it is done). The request id is indexed: completion asks for every row of one request.

Revision ID: 0008
Revises: 0007
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import lifer_desk.store.types

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("leased_by", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("leased_until", lifer_desk.store.types.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("failing_since", lifer_desk.store.types.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("result", sa.Text(), nullable=True))
        batch_op.create_index("ix_outbox_request", ["request_id", "state"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_request")
        for name in ("result", "failing_since", "leased_until", "leased_by"):
            batch_op.drop_column(name)

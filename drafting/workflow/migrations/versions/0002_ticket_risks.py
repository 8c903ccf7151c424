"""Tickets carry their risk reasons (injection, anger, VIP) for the review queue and second approvals.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tickets") as batch:
        # Existing tickets get an empty list: their risks are computed again when they are next drafted.
        batch.add_column(sa.Column("risks", sa.JSON(), nullable=False, server_default=sa.text("'[]'")))


def downgrade() -> None:
    with op.batch_alter_table("tickets") as batch:
        batch.drop_column("risks")

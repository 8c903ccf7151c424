"""Inbound events by their sender's id (Chatwoot message ids), so a replayed or retried webhook changes nothing.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "inbound_events",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("source", sa.String(60), nullable=False),
        sa.Column("event_id", sa.String(200), nullable=False),
        sa.Column("ticket_id", sa.Integer()),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("source", "event_id", name="uq_inbound_event_source_event_id"),
    )


def downgrade() -> None:
    op.drop_table("inbound_events")

"""Exports: the per-installation secret of viewer pseudonyms; poll answers in (poll, id) order.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "app_secrets",
        sa.Column("name", sa.String(32), nullable=False),
        sa.Column("value", sa.String(128), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_app_secrets"),
    )
    op.create_index("ix_poll_votes_poll_id_id", "poll_votes", ["poll_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_poll_votes_poll_id_id", table_name="poll_votes")
    op.drop_table("app_secrets")

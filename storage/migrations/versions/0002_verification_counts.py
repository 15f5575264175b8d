"""verification counts in a narrow table of their own

Counting a scan used to add one to ``confirmations.verify_count``: every flush of the counts
rewrote one wide confirmation row, a whole database page, per confirmation scanned. The counts
now live in ``verification_counts`` (serial, count), one short row per confirmation ever
checked; the existing counts are carried over.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "verification_counts",
        sa.Column("serial", sa.Integer(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["serial"],
            ["confirmations.serial"],
            name=op.f("fk_verification_counts_serial_confirmations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("serial", name=op.f("pk_verification_counts")),
    )
    op.execute(
        "INSERT INTO verification_counts (serial, count) "
        "SELECT serial, verify_count FROM confirmations WHERE verify_count > 0"
    )
    # Plain ALTER TABLE … DROP COLUMN (PostgreSQL; SQLite since 3.35): a batch copy of the
    # table would drop the old one, which with foreign keys on deletes the counts just copied.
    op.execute("ALTER TABLE confirmations DROP COLUMN verify_count")


def downgrade() -> None:
    op.add_column(
        "confirmations",
        sa.Column("verify_count", sa.Integer(), nullable=False, server_default="0"),
    )
    op.execute(
        "UPDATE confirmations SET verify_count = (SELECT count FROM verification_counts "
        "WHERE verification_counts.serial = confirmations.serial) "
        "WHERE serial IN (SELECT serial FROM verification_counts)"
    )
    op.drop_table("verification_counts")

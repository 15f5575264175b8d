"""staff official titles, and the title each act was recorded under

A signer's documents print their official name and title. Staff records gain the title
(``staff_roles.title``, kept alike on each of a person's roles, as the name is), and the audit
trail the title the actor had when acting (``audit.actor_title``), as it already keeps the
name: a later change of title does not change what an earlier signature printed.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ALTER TABLE … ADD COLUMN on both dialects: no batch copy of the tables.
    op.add_column("staff_roles", sa.Column("title", sa.String(length=200), nullable=True))
    op.add_column("audit", sa.Column("actor_title", sa.String(length=200), nullable=True))


def downgrade() -> None:
    # As in 0002: plain DROP COLUMN (PostgreSQL; SQLite since 3.35), never a batch copy.
    op.execute("ALTER TABLE audit DROP COLUMN actor_title")
    op.execute("ALTER TABLE staff_roles DROP COLUMN title")

"""reserved for later changes

Revision ID: 0010_reserved
Revises: 0009_access_purpose
Create Date: 2026-12-01
"""

from collections.abc import Sequence

revision: str = "0010_reserved"
down_revision: str | None = "0009_access_purpose"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass

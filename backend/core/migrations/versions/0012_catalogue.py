"""the kommune's measure catalogue (tiltakskatalog)

Revision ID: 0012_catalogue
Revises: 0011_plan
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from backend.core.database import UTCDateTime

revision: str = "0012_catalogue"
down_revision: str | None = "0011_plan"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PLAN_MEASURE_FK = "fk_plan_measure_catalogue_measure_id_catalogue_measure"


def upgrade() -> None:
    op.create_table(
        "catalogue_measure",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("municipality_id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.String(length=4000), nullable=True),
        sa.Column("life_areas", sa.JSON(), nullable=False),
        sa.Column("evidence_level", sa.String(length=32), nullable=False),
        sa.Column("provider", sa.String(length=200), nullable=True),
        sa.Column("provision", sa.String(length=24), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=True),
        sa.Column("monthly_cost", sa.Integer(), nullable=True),
        sa.Column("in_house_alternative_id", sa.Uuid(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["municipality_id"], ["municipality.id"]),
        sa.ForeignKeyConstraint(["in_house_alternative_id"], ["catalogue_measure.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("catalogue_measure", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_catalogue_measure_municipality_id"), ["municipality_id"], unique=False
        )
    # A plan's measure names the entry it was picked from (the plan's migration comes first);
    # the index serves `inUse`, counted per entry.
    with op.batch_alter_table("plan_measure", schema=None) as batch_op:
        batch_op.create_foreign_key(
            PLAN_MEASURE_FK, "catalogue_measure", ["catalogue_measure_id"], ["id"]
        )
        batch_op.create_index(
            batch_op.f("ix_plan_measure_catalogue_measure_id"),
            ["catalogue_measure_id"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("plan_measure", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plan_measure_catalogue_measure_id"))
        batch_op.drop_constraint(PLAN_MEASURE_FK, type_="foreignkey")
    with op.batch_alter_table("catalogue_measure", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_catalogue_measure_municipality_id"))
    op.drop_table("catalogue_measure")

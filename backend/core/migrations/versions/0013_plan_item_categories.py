"""a category (and the service whose record it is) for the child's voice and disagreements

Revision ID: 0013_plan_item_categories
Revises: 0012_catalogue
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013_plan_item_categories"
down_revision: str | None = "0012_catalogue"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("plan_voice", "plan_disagreement")


def _fk(table: str) -> str:
    return f"fk_{table}_service_id_service_provider"


# Existing rows keep what they were read as: their goal's or measure's (a disagreement with an
# evaluation: the evaluation's goal's or measure's), else general.
_DERIVE = {
    "plan_voice": """
        UPDATE plan_voice SET
          category = COALESCE(
            (SELECT g.category FROM plan_goal g WHERE g.id = plan_voice.goal_id),
            (SELECT m.category FROM plan_measure m WHERE m.id = plan_voice.measure_id),
            'general'),
          service_id = COALESCE(
            (SELECT g.service_id FROM plan_goal g WHERE g.id = plan_voice.goal_id),
            (SELECT m.service_id FROM plan_measure m WHERE m.id = plan_voice.measure_id))
    """,
    "plan_disagreement": """
        UPDATE plan_disagreement SET
          category = COALESCE(
            (SELECT m.category FROM plan_measure m WHERE m.id = plan_disagreement.measure_id),
            (SELECT g.category FROM plan_evaluation e JOIN plan_goal g ON g.id = e.goal_id
              WHERE e.id = plan_disagreement.evaluation_id),
            (SELECT m.category FROM plan_evaluation e JOIN plan_measure m ON m.id = e.measure_id
              WHERE e.id = plan_disagreement.evaluation_id),
            'general'),
          service_id = COALESCE(
            (SELECT m.service_id FROM plan_measure m WHERE m.id = plan_disagreement.measure_id),
            (SELECT g.service_id FROM plan_evaluation e JOIN plan_goal g ON g.id = e.goal_id
              WHERE e.id = plan_disagreement.evaluation_id),
            (SELECT m.service_id FROM plan_evaluation e JOIN plan_measure m
              ON m.id = e.measure_id WHERE e.id = plan_disagreement.evaluation_id))
    """,
}


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column(
                    "category",
                    sa.String(length=16),
                    nullable=False,
                    server_default=sa.text("'general'"),
                )
            )
            batch_op.add_column(sa.Column("service_id", sa.Uuid(), nullable=True))
            batch_op.create_foreign_key(_fk(table), "service_provider", ["service_id"], ["id"])
        op.execute(_DERIVE[table])
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column("category", server_default=None)


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(_fk(table), type_="foreignkey")
            batch_op.drop_column("service_id")
            batch_op.drop_column("category")

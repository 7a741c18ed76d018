"""The events table the collector writes and report reads."""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None


def upgrade() -> None:
    op.create_table(
        "engage_events",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("event", sa.String(32), nullable=False),
        sa.Column("visitor", sa.String(128), nullable=False),
        sa.Column("rule", sa.String(200)),
        sa.Column("interaction", sa.String(200)),
        sa.Column("arm", sa.String(16)),
        sa.Column("time", sa.BigInteger, nullable=False),
        sa.Column("value", sa.Float),
        sa.Column("currency", sa.String(8)),
        sa.Column("name", sa.String(200)),
        sa.Column("split", sa.Float),
        sa.Column("received", sa.BigInteger, nullable=False),
    )
    op.create_index("engage_events_rule", "engage_events", ["rule", "event"])
    op.create_index("engage_events_visitor", "engage_events", ["visitor", "event"])
    op.create_index("engage_events_time", "engage_events", ["time"])


def downgrade() -> None:
    op.drop_table("engage_events")

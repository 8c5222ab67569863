"""The row-level count trigger steps aside for an import that counts per batch

Revision ID: 7c1e4b9d2a60
Revises: 5e2c9a71d4b3
Create Date: 2026-12-03 09:30:00

On a Citus cluster the customer counts are kept by the row-level
``customer_counts_apply_row`` (``clientbook distribute``), one upsert of the counts shard
per row: an import of 5,000 customers a batch wrote 5,000 of them. The importer now sets
``clientbook.customer_counts`` to ``by_batch`` in its transaction (carried to the shards
by ``citus.propagate_set_commands``) and adds the batch's customers to
``customer_counts`` in one upsert itself; the trigger does nothing while that is set.
The statement-level triggers of plain PostgreSQL do not look at the setting.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "7c1e4b9d2a60"
down_revision: str | None = "5e2c9a71d4b3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Kept in step with 5e2c9a71d4b3's ROW_FUNCTION, the setting's check added first.
_BODY = """
    CREATE OR REPLACE FUNCTION customer_counts_apply_row() RETURNS trigger AS $$
    DECLARE
      store uuid;
      live int := 0;
      active int := 0;
      target text := 'customer_counts';
    BEGIN
      {skip}
      IF TG_OP <> 'DELETE' THEN
        store := NEW.store_id;
        live := (NEW.deleted_at IS NULL)::int;
        active := (NEW.deleted_at IS NULL AND NEW.is_active)::int;
      END IF;
      IF TG_OP <> 'INSERT' THEN
        store := OLD.store_id;
        live := live - (OLD.deleted_at IS NULL)::int;
        active := active - (OLD.deleted_at IS NULL AND OLD.is_active)::int;
      END IF;
      IF TG_TABLE_NAME <> 'customers' THEN
        target := shard_name('customer_counts'::regclass,
          get_shard_id_for_distribution_column('customer_counts', store));
      END IF;
      EXECUTE format(
        'INSERT INTO %s AS c (store_id, slot, total, active, writes) '
        'VALUES ($1, pg_backend_pid() %% 16, $2, $3, 1) '
        'ON CONFLICT (store_id, slot) DO UPDATE SET total = c.total + EXCLUDED.total, '
        'active = c.active + EXCLUDED.active, writes = c.writes + 1', target)
      USING store, live, active;
      RETURN NULL;
    END $$ LANGUAGE plpgsql
"""
SKIP = """
      IF current_setting('clientbook.customer_counts', true) = 'by_batch' THEN
        RETURN NULL;
      END IF;
"""


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_BODY.format(skip=SKIP))


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_BODY.format(skip=""))

"""Ready for Citus: store-leading unique keys on customer secrets; counts kept per row

Revision ID: 5e2c9a71d4b3
Revises: d4c7a2e9f013
Create Date: 2026-12-03 06:30:00

On a Citus cluster every store-owned table is distributed by ``store_id``, and a unique
key there must lead with it. The HMACs of cookie sessions, refresh tokens and one-time
codes were unique across stores; every lookup already names the store, so they become
unique per store (a collision of two HMAC-SHA256 values is not a case to design for).

The customer counts are kept by statement-level triggers with transition tables (one
upsert per COPY, not per row), which Citus cannot run on a distributed table. A
row-level function doing the same arithmetic is added here; ``clientbook distribute``
puts it in place of the statement-level triggers on a cluster only, so the import on
plain PostgreSQL keeps its speed. Both it and ``purchase_writes_apply`` write the counts
through the colocated shard when they fire on a shard (on a Citus worker a trigger may
not run a distributed query), and through the table everywhere else.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "5e2c9a71d4b3"
down_revision: str | None = "d4c7a2e9f013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KEYS = {
    "customer_sessions": "cookie_hmac",
    "customer_refresh_tokens": "token_hmac",
    "customer_codes": "code_hmac",
}

# On a shard (customers_102008) the trigger writes the colocated counts shard; Citus's
# functions are only called there, so the function also works without Citus.
_COUNTS_TARGET = """
      IF TG_TABLE_NAME <> '{table}' THEN
        target := shard_name('customer_counts'::regclass,
          get_shard_id_for_distribution_column('customer_counts', store));
      END IF;
"""

ROW_FUNCTION = f"""
    CREATE OR REPLACE FUNCTION customer_counts_apply_row() RETURNS trigger AS $$
    DECLARE
      store uuid;
      live int := 0;
      active int := 0;
      target text := 'customer_counts';
    BEGIN
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
      {_COUNTS_TARGET.format(table="customers")}
      EXECUTE format(
        'INSERT INTO %s AS c (store_id, slot, total, active, writes) '
        'VALUES ($1, pg_backend_pid() %% 16, $2, $3, 1) '
        'ON CONFLICT (store_id, slot) DO UPDATE SET total = c.total + EXCLUDED.total, '
        'active = c.active + EXCLUDED.active, writes = c.writes + 1', target)
      USING store, live, active;
      RETURN NULL;
    END $$ LANGUAGE plpgsql
"""

PURCHASE_FUNCTION = f"""
    CREATE OR REPLACE FUNCTION purchase_writes_apply() RETURNS trigger AS $$
    DECLARE
      store uuid := COALESCE(NEW.store_id, OLD.store_id);
      target text := 'customer_counts';
    BEGIN
      {_COUNTS_TARGET.format(table="loyalty_purchase_stats")}
      EXECUTE format(
        'INSERT INTO %s AS c (store_id, slot, total, purchase_writes) '
        'VALUES ($1, pg_backend_pid() %% 16, 0, 1) '
        'ON CONFLICT (store_id, slot) DO UPDATE SET purchase_writes = c.purchase_writes + 1',
        target)
      USING store;
      RETURN NULL;
    END $$ LANGUAGE plpgsql
"""

# The function as the purchase_write_version migration made it, for the downgrade.
OLD_PURCHASE_FUNCTION = """
    CREATE OR REPLACE FUNCTION purchase_writes_apply() RETURNS trigger AS $$
    BEGIN
      INSERT INTO customer_counts (store_id, slot, total, purchase_writes)
      VALUES (COALESCE(NEW.store_id, OLD.store_id), pg_backend_pid() % 16, 0, 1)
      ON CONFLICT (store_id, slot) DO UPDATE
        SET purchase_writes = customer_counts.purchase_writes + 1;
      RETURN NULL;
    END $$ LANGUAGE plpgsql
"""


def _pg() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade() -> None:
    for table, column in KEYS.items():
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(f"uq_{table}_{column}", type_="unique")
            batch.create_unique_constraint(f"uq_{table}_store_id_{column}", ["store_id", column])
    if _pg():
        op.execute(ROW_FUNCTION)
        op.execute(PURCHASE_FUNCTION)


def downgrade() -> None:
    if _pg():
        op.execute(OLD_PURCHASE_FUNCTION)
        op.execute("DROP FUNCTION customer_counts_apply_row()")
    for table, column in KEYS.items():
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(f"uq_{table}_store_id_{column}", type_="unique")
            batch.create_unique_constraint(f"uq_{table}_{column}", [column])

"""Turn a migrated schema into the Citus layout of ``models/layout.py``.

Citus distributes a table only while no foreign key ties it to a table still local, or
it turns the connected tables into "citus local tables" and then refuses to distribute
them. So the one order that works: drop the foreign keys that touch a table still to do;
make the global tables reference tables; hash-distribute the store-owned tables by
``store_id``, colocated with ``customers``; add back every foreign key the models declare.
Each step checks the catalog first, so a second run (or a run after a failure, or after a
migration added a table) does only what is left.

Triggers: statement-level triggers with transition tables cannot run on a distributed
table, so the kept customer counts switch to the row-level ``customer_counts_apply_row``
here, on the cluster only (on plain PostgreSQL the statement-level ones keep COPY fast).
"""

import re
from dataclasses import dataclass, field

from sqlalchemy import ForeignKeyConstraint, text
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.schema import AddConstraint

from clientbook.models import Base
from clientbook.models.layout import (
    ANCHOR,
    DISTRIBUTION_COLUMN,
    GLOBAL_TABLES,
    STORE_OWNED_TABLES,
)

# Triggers on distributed tables are "unsafe" to Citus unless the function knows shards
# (ours write the colocated shard of customer_counts: see the migration that made them).
ALLOW_TRIGGERS = "SET citus.enable_unsafe_triggers TO on"

STATEMENT_COUNT_TRIGGERS = (
    "customer_counts_insert",
    "customer_counts_delete",
    "customer_counts_update",
)
ROW_COUNT_TRIGGER = "customer_counts_row"

# A request reads distributed tables across shards (its scope check finds the store by
# code, so it reads ``memberships`` on every shard) and may then write a reference table
# (``stores``, ``auth_sessions``, ...). Citus refuses that write after a parallel read
# ("cannot modify table ... because there was a parallel operation"), unless every
# multi-shard command runs over one connection per node. Set for the database, so every
# new connection of every worker and node has it.
SEQUENTIAL = ("citus.multi_shard_modify_mode", "sequential")


class NotCitus(Exception):
    """The database cannot be distributed (no Citus, or not migrated)."""


@dataclass
class Report:
    citus_version: str = ""
    workers: int = 0
    reference: list[str] = field(default_factory=list)
    distributed: list[str] = field(default_factory=list)
    dropped_keys: int = 0
    added_keys: int = 0
    triggers_swapped: bool = False
    sequential_set: bool = False

    @property
    def changed(self) -> bool:
        return bool(
            self.reference
            or self.distributed
            or self.dropped_keys
            or self.added_keys
            or self.triggers_swapped
            or self.sequential_set
        )

    def lines(self) -> list[str]:
        lines = [f"Citus {self.citus_version}, {self.workers} worker node(s)"]
        if self.triggers_swapped:
            lines.append("customer counts: kept by the row-level trigger customer_counts_row")
        if self.dropped_keys:
            lines.append(f"dropped {self.dropped_keys} foreign key(s) while distributing")
        if self.reference:
            lines.append("reference tables (on every node): " + ", ".join(self.reference))
        if self.distributed:
            lines.append(
                f"distributed by {DISTRIBUTION_COLUMN}, colocated with {ANCHOR}: "
                + ", ".join(self.distributed)
            )
        if self.added_keys:
            lines.append(f"added {self.added_keys} foreign key(s)")
        if self.sequential_set:
            lines.append(
                "set citus.multi_shard_modify_mode = sequential for the database: "
                "restart the API so its connections have it"
            )
        if not self.changed:
            lines.append("already distributed: nothing to do")
        return lines


@dataclass(frozen=True)
class Placement:
    """How Citus holds a table now (from ``pg_dist_partition``)."""

    name: str
    method: str  # 'h' hash-distributed, 'n' reference or citus local
    replication: str  # 't' for a reference table
    column: str | None
    colocation: int

    @property
    def is_reference(self) -> bool:
        return self.method == "n" and self.replication == "t"


async def distribute(connection: AsyncConnection) -> Report:
    """Bring the schema to the distributed layout; ``connection`` is in autocommit mode,
    so each Citus function commits on its own."""
    report = Report()
    report.citus_version = await _citus_version(connection)
    report.workers = int(
        await connection.scalar(text("SELECT count(*) FROM citus_get_active_worker_nodes()")) or 0
    )
    await _check_migrated(connection)
    await connection.execute(text(ALLOW_TRIGGERS))
    placements = await _placements(connection)
    _refuse_other_layouts(placements)
    to_reference = [t for t in GLOBAL_TABLES if not _is_reference(placements.get(t))]
    to_distribute = [t for t in STORE_OWNED_TABLES if not _is_distributed(placements.get(t))]
    report.triggers_swapped = await _swap_count_triggers(connection)
    pending = set(to_reference) | set(to_distribute)
    if pending:
        report.dropped_keys = await _drop_foreign_keys(connection, pending)
        placements = await _placements(connection)
    for table in to_reference:
        await _undo_citus_local(connection, placements.get(table))
        await connection.execute(text("SELECT create_reference_table(:t)"), {"t": table})
        report.reference.append(table)
    for table in to_distribute:
        await _undo_citus_local(connection, placements.get(table))
        await connection.execute(
            text("SELECT create_distributed_table(:t, :column, colocate_with => :with)"),
            {
                "t": table,
                "column": DISTRIBUTION_COLUMN,
                "with": "none" if table == ANCHOR else ANCHOR,
            },
        )
        report.distributed.append(table)
    report.added_keys = await _add_missing_foreign_keys(connection)
    report.sequential_set = await _set_sequential(connection)
    return report


async def _set_sequential(connection: AsyncConnection) -> bool:
    name, value = SEQUENTIAL
    settings = await connection.scalar(
        text(
            "SELECT setconfig FROM pg_db_role_setting WHERE setrole = 0 AND setdatabase = "
            "(SELECT oid FROM pg_database WHERE datname = current_database())"
        )
    )
    if f"{name}={value}" in (settings or []):
        return False
    database = await connection.scalar(text("SELECT quote_ident(current_database())"))
    await connection.execute(text(f"ALTER DATABASE {database} SET {name} TO '{value}'"))
    return True


async def _citus_version(connection: AsyncConnection) -> str:
    if connection.dialect.name != "postgresql":
        raise NotCitus("Citus runs on PostgreSQL; this database is not PostgreSQL")
    version = await connection.scalar(
        text("SELECT extversion FROM pg_extension WHERE extname = 'citus'")
    )
    if version is None:
        raise NotCitus(
            "the citus extension is not installed in this database: "
            "CREATE EXTENSION citus and add the workers first (docs/operations.md, "
            '"Scaling out")'
        )
    return str(version)


async def _check_migrated(connection: AsyncConnection) -> None:
    present = set(
        await connection.scalars(
            text(
                "SELECT relname FROM pg_class WHERE relkind IN ('r', 'p') "
                "AND relnamespace = current_schema()::regnamespace"
            )
        )
    )
    missing = sorted(set(Base.metadata.tables) - present)
    if missing:
        raise NotCitus(
            "the schema is not migrated (missing: "
            + ", ".join(missing[:5])
            + "): run `clientbook migrate` first"
        )


async def _placements(connection: AsyncConnection) -> dict[str, Placement]:
    rows = await connection.execute(
        text(
            "SELECT logicalrelid::regclass::text AS name, partmethod::text, repmodel::text, "
            "CASE WHEN partmethod = 'h' THEN column_to_column_name(logicalrelid, partkey) "
            "END AS column_name, colocationid FROM pg_dist_partition"
        )
    )
    return {
        row.name: Placement(
            row.name, row.partmethod, row.repmodel, row.column_name, row.colocationid
        )
        for row in rows
    }


def _is_reference(placement: Placement | None) -> bool:
    return placement is not None and placement.is_reference


def _is_distributed(placement: Placement | None) -> bool:
    return placement is not None and placement.method == "h"


def _refuse_other_layouts(placements: dict[str, Placement]) -> None:
    """A table distributed some other way is an operator's choice we do not undo."""
    anchor = placements.get(ANCHOR)
    wrong = [
        name
        for name in STORE_OWNED_TABLES
        if (p := placements.get(name)) is not None
        and (
            p.is_reference
            or (
                p.method == "h"
                and (
                    p.column != DISTRIBUTION_COLUMN
                    or (anchor is not None and p.colocation != anchor.colocation)
                )
            )
        )
    ]
    wrong += [name for name in GLOBAL_TABLES if (p := placements.get(name)) and p.method == "h"]
    if wrong:
        raise NotCitus(
            "these tables are already distributed otherwise than by store_id, colocated "
            f"with {ANCHOR}: {', '.join(wrong)}; undistribute_table() them first"
        )


async def _undo_citus_local(connection: AsyncConnection, placement: Placement | None) -> None:
    # Citus makes a table "citus local" when a foreign key ties it to a reference table;
    # only a plain table can be distributed.
    if placement is not None and placement.method == "n" and not placement.is_reference:
        await connection.execute(text("SELECT undistribute_table(:t)"), {"t": placement.name})


async def _swap_count_triggers(connection: AsyncConnection) -> bool:
    present = set(
        await connection.scalars(
            text("SELECT tgname FROM pg_trigger WHERE tgrelid = 'customers'::regclass")
        )
    )
    if ROW_COUNT_TRIGGER in present:
        return False
    for name in STATEMENT_COUNT_TRIGGERS:
        if name in present:
            await connection.execute(text(f"DROP TRIGGER {name} ON customers"))
    await connection.execute(
        text(
            f"CREATE TRIGGER {ROW_COUNT_TRIGGER} AFTER INSERT OR UPDATE OR DELETE ON customers "
            "FOR EACH ROW EXECUTE FUNCTION customer_counts_apply_row()"
        )
    )
    return True


async def _foreign_keys(connection: AsyncConnection) -> list[tuple[str, str, str]]:
    """(table, constraint, referred table) for every foreign key in the schema."""
    rows = await connection.execute(
        text(
            "SELECT conrelid::regclass::text, conname, confrelid::regclass::text "
            "FROM pg_constraint WHERE contype = 'f' "
            "AND connamespace = current_schema()::regnamespace"
        )
    )
    return [(row[0], row[1], row[2]) for row in rows]


async def _drop_foreign_keys(connection: AsyncConnection, pending: set[str]) -> int:
    dropped = 0
    for table, name, referred in await _foreign_keys(connection):
        if table in pending or referred in pending:
            await connection.execute(text(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"'))
            dropped += 1
    return dropped


async def _add_missing_foreign_keys(connection: AsyncConnection) -> int:
    """Every foreign key the models declare, added back where it is missing."""
    present = {(table, name) for table, name, _ in await _foreign_keys(connection)}
    added = 0
    for table in Base.metadata.sorted_tables:
        for constraint in table.constraints:
            if not isinstance(constraint, ForeignKeyConstraint):
                continue
            ddl = str(AddConstraint(constraint).compile(dialect=connection.dialect))
            match = re.search(r"ADD CONSTRAINT (\S+)", ddl)
            if match is None or (table.name, match.group(1).strip('"')) in present:
                continue
            await connection.execute(text(ddl))
            added += 1
    return added

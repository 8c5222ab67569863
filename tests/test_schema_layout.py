"""Every table is declared global or store-owned, and every store-owned table can be
distributed by ``store_id`` on Citus (``models/layout.py``): its primary key, unique keys
and foreign keys to other store-owned tables lead with ``store_id``.

A new table fails here until it is classified, and a store-owned one until its keys
lead with ``store_id`` (docs/development.md, "Migrations on a distributed database").
"""

from typing import Any

import pytest
from sqlalchemy import Column, ForeignKeyConstraint, Index, Table, UniqueConstraint, text

from clientbook.kit.db import Database
from clientbook.models import Base
from clientbook.models.layout import (
    DISTRIBUTION_COLUMN,
    GLOBAL_TABLES,
    STORE_LOOKUP_TABLES,
    STORE_OWNED_TABLES,
)

STORE_OWNED = [Base.metadata.tables[name] for name in STORE_OWNED_TABLES]


def _names(columns: Any) -> list[str]:
    return [column.name for column in columns if isinstance(column, Column)]


def test_every_table_is_global_or_store_owned() -> None:
    declared = [*GLOBAL_TABLES, *STORE_OWNED_TABLES]
    assert len(declared) == len(set(declared)), "a table is declared twice"
    unclassified = set(Base.metadata.tables) - set(declared)
    assert not unclassified, f"add these tables to models/layout.py: {sorted(unclassified)}"
    assert set(declared) <= set(Base.metadata.tables), "layout names a table that is gone"


def test_global_tables_belong_to_no_store() -> None:
    for name in set(GLOBAL_TABLES) - set(STORE_LOOKUP_TABLES):
        assert DISTRIBUTION_COLUMN not in Base.metadata.tables[name].c, name


def test_store_lookup_tables_refer_only_to_stores() -> None:
    for name in STORE_LOOKUP_TABLES:
        referred = {fk.column.table.name for fk in Base.metadata.tables[name].foreign_keys}
        assert referred <= {"stores"}, name


@pytest.mark.parametrize("table", STORE_OWNED, ids=lambda table: table.name)
def test_store_owned_table_leads_with_store_id(table: Table) -> None:
    store_id = table.c.get(DISTRIBUTION_COLUMN)
    assert store_id is not None, f"{table.name}: no store_id"
    assert not store_id.nullable, f"{table.name}: store_id must be NOT NULL"
    keys: list[tuple[str, list[str]]] = [("primary key", _names(table.primary_key.columns))]
    for constraint in table.constraints:
        if isinstance(constraint, UniqueConstraint):
            keys.append((f"unique {constraint.name}", _names(constraint.columns)))
    for index in table.indexes:
        if index.unique:
            keys.append((f"unique index {index.name}", _index_columns(index)))
    for what, columns in keys:
        assert columns[:1] == [DISTRIBUTION_COLUMN], f"{table.name}: {what} {columns}"


def _index_columns(index: Index) -> list[str]:
    # An expression (lower(email)) in first place names no column: it fails the check.
    return [getattr(expression, "name", "<expression>") for expression in index.expressions]


@pytest.mark.parametrize("table", STORE_OWNED, ids=lambda table: table.name)
def test_store_owned_foreign_keys_stay_in_the_store(table: Table) -> None:
    for fk in table.constraints:
        if not isinstance(fk, ForeignKeyConstraint):
            continue
        referred = fk.referred_table.name
        if referred in GLOBAL_TABLES:
            continue
        assert referred in STORE_OWNED_TABLES, f"{table.name} -> {referred}"
        pairs = [(element.parent.name, element.column.name) for element in fk.elements]
        assert pairs[0] == (DISTRIBUTION_COLUMN, DISTRIBUTION_COLUMN), f"{table.name}: {pairs}"
        # Citus cannot set the distribution column to NULL or a default on delete.
        assert (fk.ondelete or "").upper() not in {"SET NULL", "SET DEFAULT"}, table.name


def test_global_tables_refer_to_no_store_owned_table() -> None:
    for name in GLOBAL_TABLES:
        for fk in Base.metadata.tables[name].foreign_key_constraints:
            assert fk.referred_table.name in GLOBAL_TABLES, f"{name} -> {fk.referred_table.name}"


async def test_hand_made_unique_indexes_lead_with_store_id(database: Database) -> None:
    """Migrations may make indexes the models cannot describe: read them from the database."""
    if database.engine.dialect.name != "postgresql":
        pytest.skip("the index definitions are read from PostgreSQL's catalog")
    async with database.engine.connect() as connection:
        rows = await connection.execute(
            text(
                "SELECT c.relname AS table_name, i.relname AS index_name, "
                "a.attname AS first_column FROM pg_index x "
                "JOIN pg_class c ON c.oid = x.indrelid JOIN pg_class i ON i.oid = x.indexrelid "
                "LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = x.indkey[0] "
                "WHERE x.indisunique AND c.relnamespace = current_schema()::regnamespace "
                "AND c.relname = ANY(:tables)"
            ),
            {"tables": list(STORE_OWNED_TABLES)},
        )
        wrong = [row for row in rows if row.first_column != DISTRIBUTION_COLUMN]
    assert wrong == []

"""The migrations build exactly the schema the models describe, and can be undone."""

from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, inspect

from clientbook.kit.db import Database, create_engine
from clientbook.kit.migrate import alembic_config, upgrade
from clientbook.models import Base

# Expression indexes the models cannot describe for the comparison.
HAND_MADE_INDEXES = {
    "customers": {
        "ix_customers_search_text_trgm",
        "ix_customers_lower_first_name_trgm",
        "ix_customers_lower_last_name_trgm",
        "ix_customers_sort_name_trgm",
    },
    "customer_addresses": {
        "ix_customer_addresses_store_id_lower_city",
        "ix_customer_addresses_store_id_lower_postal_code",
    },
}


def _is_search_machinery(name: str | None, type_: str, dialect: str) -> bool:
    """Some indexes are made by hand in the migrations, not by the models."""
    if name is None:
        return False
    if dialect == "postgresql":
        return type_ == "index" and any(name in names for names in HAND_MADE_INDEXES.values())
    return type_ == "table" and (name == "customers_fts" or name.startswith("customers_fts_"))


def _diff(connection: Connection) -> list[Any]:
    dialect = connection.dialect.name

    def include_object(
        obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
    ) -> bool:
        return not _is_search_machinery(name, type_, dialect)

    context = MigrationContext.configure(
        connection,
        opts={
            "compare_type": True,
            "compare_server_default": True,
            "include_object": include_object,
        },
    )
    return list(compare_metadata(context, Base.metadata))


async def test_models_and_migrations_agree(database: Database) -> None:
    async with database.engine.connect() as connection:
        diff = await connection.run_sync(_diff)
    assert diff == []


async def test_the_comparison_sees_a_difference(database: Database) -> None:
    """Guard for the test above: a column the migrations lack is reported."""
    from sqlalchemy import Column, MetaData, String, Table

    metadata = MetaData()
    for table in Base.metadata.tables.values():
        table.to_metadata(metadata)
    Table("stores", metadata, Column("not_migrated", String(5)), extend_existing=True)

    def diff(connection: Connection) -> list[Any]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, metadata))

    async with database.engine.connect() as connection:
        found = await connection.run_sync(diff)
    assert any(
        change[0] == "add_column" and change[3].name == "not_migrated"
        for change in found
        if isinstance(change, tuple)
    ), found


async def test_search_machinery_exists(database: Database) -> None:
    """What the comparison ignores must really be there."""

    def names(connection: Connection) -> tuple[set[str], dict[str, set[str]]]:
        inspector = inspect(connection)
        indexes = {
            table: {ix["name"] or "" for ix in inspector.get_indexes(table)}
            for table in HAND_MADE_INDEXES
        }
        return set(inspector.get_table_names()), indexes

    async with database.engine.connect() as connection:
        tables, indexes = await connection.run_sync(names)
    if database.dialect == "postgresql":
        for table, made in HAND_MADE_INDEXES.items():
            assert indexes[table] >= made, table
    else:
        assert "customers_fts" in tables


def _tables(url: str) -> set[str]:
    import asyncio

    async def read() -> set[str]:
        engine = create_engine(url)
        try:
            async with engine.connect() as connection:
                return await connection.run_sync(lambda sync: set(inspect(sync).get_table_names()))
        finally:
            await engine.dispose()

    return asyncio.run(read())


def test_downgrade_to_base_and_upgrade_again(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'scratch.sqlite3'}"
    upgrade(url)
    model_tables = set(Base.metadata.tables)
    assert model_tables <= _tables(url)

    command.downgrade(alembic_config(url), "base")
    assert _tables(url) <= {"alembic_version"}

    upgrade(url)
    tables = _tables(url)
    assert model_tables <= tables
    assert "customers_fts" in tables

"""`clientbook distribute` and what Citus changes for the application (issue 14).

On a database without Citus the command refuses clearly; on a Citus cluster
(``CLIENTBOOK_TEST_CITUS_URL``, a database already migrated and distributed by
``make test-citus``) a second run finds nothing to do. The unique-violation mapping
reads shard-suffixed constraint names, and an estimate reads the shards' plans.
"""

import asyncio
import os
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from typer.testing import CliRunner

from clientbook.cli import app as cli
from clientbook.customers.totals import plan_rows
from clientbook.kit.db import Database
from clientbook.kit.integrity import UniqueRule, violated_constraint
from clientbook.settings import get_settings

runner = CliRunner()
EMAIL = UniqueRule(
    "uq_customers_store_id_email_key", "customers", ("store_id", "email_key"), "email", "taken"
)
CITUS_MESSAGE = (
    'duplicate key value violates unique constraint "uq_customers_store_id_email_key_102010"'
)


def _run(url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> tuple[int, str]:
    monkeypatch.setenv("CLIENTBOOK_DATABASE_URL", url)
    monkeypatch.setenv("CLIENTBOOK_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    try:
        result = runner.invoke(cli, ["distribute"])
    finally:
        get_settings.cache_clear()
    return result.exit_code, result.output


def test_distribute_refuses_a_database_without_citus(
    database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    if os.environ.get("CLIENTBOOK_TEST_DATABASE_READY") == "1":
        pytest.skip("this run's database is the Citus cluster")
    code, output = _run(database_url, monkeypatch, tmp_path)
    assert code == 1
    expected = "citus extension is not installed" if "postgres" in database_url else "not Post"
    assert expected in output


def test_distribute_twice_does_nothing_the_second_time(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    url = os.environ.get("CLIENTBOOK_TEST_CITUS_URL", "")
    if not url:
        pytest.skip("CLIENTBOOK_TEST_CITUS_URL is not set (make test-citus sets it)")
    code, output = _run(url, monkeypatch, tmp_path)
    assert code == 0, output
    assert "already distributed: nothing to do" in output


class _DriverError(Exception):
    def __init__(self, message: str, constraint: str | None) -> None:
        super().__init__(message)
        self.constraint_name = constraint


async def test_every_caller_of_is_citus_gets_the_answer(database_url: str) -> None:
    """The senders and the lifecycle pass ask at once when a worker starts; none may be
    told "not Citus" while the first answer is on its way."""
    citus = os.environ.get("CLIENTBOOK_TEST_DATABASE_READY") == "1"
    fresh = Database(database_url, pool_size=4)
    try:
        answers = await asyncio.gather(*(fresh.is_citus() for _ in range(4)))
    finally:
        await fresh.dispose()
    assert answers == [citus] * 4


async def test_a_distributed_database_runs_multi_shard_commands_sequentially(
    database: Database,
) -> None:
    """Else a request that read a distributed table across shards (a scope check by store
    code) could not then write a reference table such as ``stores``."""
    if os.environ.get("CLIENTBOOK_TEST_DATABASE_READY") != "1":
        pytest.skip("Citus only (make test-citus)")
    async with database.reading() as session:
        mode = await session.scalar(text("SHOW citus.multi_shard_modify_mode"))
    assert mode == "sequential"


def _integrity(message: str, constraint: str | None = None) -> IntegrityError:
    return IntegrityError("INSERT", {}, _DriverError(message, constraint))


def test_a_shard_suffixed_constraint_maps_to_its_rule() -> None:
    # Citus relays a worker's error with its message only, naming the shard's index.
    name = violated_constraint(_integrity(CITUS_MESSAGE))
    assert name == "uq_customers_store_id_email_key_102010"
    assert EMAIL.matches(CITUS_MESSAGE, name)
    assert violated_constraint(_integrity("x", "uq_customers_store_id_email_key")) == (
        "uq_customers_store_id_email_key"
    )


@pytest.mark.parametrize(
    "constraint",
    [
        "uq_customers_store_id_email_key_v2",
        "uq_customers_store_id_email_key_",
        "uq_customers_store_id_email_keys_102010",
        "uq_customers_store_id",
    ],
)
def test_only_the_index_or_its_shards_match(constraint: str) -> None:
    assert not EMAIL.matches("", constraint)


def test_sqlite_errors_still_match_by_columns() -> None:
    message = "UNIQUE constraint failed: customers.store_id, customers.email_key"
    assert violated_constraint(_integrity(message)) is None
    assert EMAIL.matches(message, None)


def test_an_estimate_on_citus_comes_from_the_shard_plans() -> None:
    task = {"Remote Plan": [[{"Plan": {"Plan Rows": 4200}}]]}
    citus = {
        "Plan Rows": 0,
        "Distributed Query": {"Job": {"Tasks Shown": "All", "Tasks": [task, task]}},
    }
    assert plan_rows(citus) == 8400
    assert plan_rows({"Plan Rows": 77}) == 77
    one_of_many = {"Plan Rows": 0, "Distributed Query": {"Job": {"Tasks Shown": "One of 32"}}}
    assert plan_rows(one_of_many) == 0  # unknown: the total is counted instead

"""Test fixtures: a real database built by migrations, on SQLite or PostgreSQL.

``CLIENTBOOK_TEST_DATABASE_URL`` picks the database (empty: a fresh SQLite file). On
PostgreSQL each run migrates a fresh database of its own. Tests don't share rows: each one
makes its own stores and users, so requests commit for real, as in production.
"""

import os
import random
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from clientbook.app import create_app
from clientbook.kit.db import Database
from clientbook.settings import Environment, Settings
from tests.factories import Factory
from tests.schema import create_test_database, drop_test_database


def _database_url(tmp_dir: Path) -> str:
    url = os.environ.get("CLIENTBOOK_TEST_DATABASE_URL", "")
    return url or f"sqlite:///{tmp_dir / 'test.sqlite3'}"


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("clientbook")


@pytest.fixture(scope="session")
def database_url(data_dir: Path) -> Iterator[str]:
    url = _database_url(data_dir)
    run_url = create_test_database(url)
    yield run_url
    drop_test_database(url, run_url)


@pytest.fixture(scope="session")
def settings(data_dir: Path, database_url: str) -> Settings:
    return Settings(
        env=Environment.test,
        data_dir=data_dir,
        database_url=database_url,
        jwt_secret="test-secret-" + "x" * 40,
        log_level="WARNING",
    )


@pytest.fixture(scope="session")
async def database(settings: Settings) -> AsyncIterator[Database]:
    db = Database(settings.database_url, pool_size=20)
    yield db
    await db.dispose()


@pytest.fixture(scope="session")
def app(settings: Settings, database: Database) -> FastAPI:
    return create_app(settings, database)


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    # Each test comes from its own address, so login throttling never leaks between tests.
    address = f"10.{random.randint(0, 255)}.{random.randint(0, 255)}.{random.randint(1, 254)}"
    transport = httpx.ASGITransport(app=app, client=(address, 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


@pytest.fixture
def factory(database: Database, settings: Settings) -> Factory:
    return Factory(database, settings)


@pytest.fixture
def dialect(database: Database) -> str:
    return database.dialect


def unique(prefix: str = "x") -> str:
    return f"{prefix}{uuid.uuid4().hex[:10]}"

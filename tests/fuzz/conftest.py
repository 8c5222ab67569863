"""Property-based fuzzing of every operation in the OpenAPI document (schemathesis).

The server runs as in production (``clientbook serve``, one worker) on this run's
database, SQLite or PostgreSQL. Each operation is called as the owner of one store (its
``{store}`` and ``x-store-id`` filled in), so it gets past 401/404 and reaches the rules.
``CLIENTBOOK_FUZZ_EXAMPLES`` sets the cases per operation: a few in ``make test``, many in
``make fuzz``.
"""

import copy
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import strategies as st

from clientbook.app import create_app
from clientbook.kit.db import Database
from clientbook.settings import Environment, Settings
from clientbook.transfer.formats import MEDIA_TYPES
from tests.factories import Factory
from tests.fuzz import hostile
from tests.server import LiveServer, serve

EXAMPLES = int(os.environ.get("CLIENTBOOK_FUZZ_EXAMPLES", "10"))

# The import's raw bodies (CSV, JSON Lines) go as the bytes generated for them.
schemathesis.serializer.alias(list(MEDIA_TYPES), "application/octet-stream")


@dataclass(frozen=True)
class FuzzStore:
    id: str
    code: str
    token: str
    customer_id: str
    customer_token: str  # the customer's own, for the self-service surfaces


@pytest.fixture(scope="session")
def fuzz_server(settings: Settings, data_dir: Path) -> Iterator[LiveServer]:
    yield from serve(settings, data_dir / "fuzz-server", workers=1)


@pytest.fixture(scope="session")
async def fuzz_store(database: Database, settings: Settings) -> FuzzStore:
    factory = Factory(database, settings)
    ctx = await factory.store(country="DE")
    customer = await factory.customer(ctx)
    customer_token = await factory.customer_token(ctx, customer.id)
    return FuzzStore(str(ctx.id), ctx.code, ctx.owner.token, str(customer.id), customer_token)


def openapi_document() -> dict[str, Any]:
    """The app's OpenAPI document, read at collection time (no database is touched); a
    copy for each caller, made once per run (both fuzz modules collect it)."""
    return copy.deepcopy(_document())


@cache
def _document() -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as scratch:
        settings = Settings(
            env=Environment.test,
            data_dir=Path(scratch),
            database_url=f"sqlite:///{scratch}/unused.sqlite3",
            jwt_secret="x" * 48,
        )
        return create_app(settings).openapi()


@schemathesis.hook
def flatmap_body(context: Any, body: Any) -> st.SearchStrategy[Any]:
    # A form cannot carry a lone surrogate or a nested value: only JSON gets those.
    raw = getattr(getattr(context.operation, "definition", None), "raw", None) or {}
    kinds = ((raw.get("requestBody") or {}).get("content") or {}).keys()
    json_only = all(kind.endswith("json") for kind in kinds)
    return hostile.poison(body, hostile.BODY if json_only else hostile.URL_SAFE)


@schemathesis.hook
def flatmap_query(context: Any, query: Any) -> st.SearchStrategy[Any]:
    return hostile.poison(query, hostile.URL_SAFE)

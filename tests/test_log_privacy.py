"""What reaches the log: no bound SQL parameters (password hashes), no personal data, ids
and dates whole, and every line one JSON object, the standard library's loggers included."""

import json
import logging as stdlib_logging
import logging.config
import uuid
from typing import Any

import httpx
import pytest
import structlog
from pydantic import BaseModel
from sqlalchemy import insert

from clientbook import logging as clientbook_logging
from clientbook.accounts.passwords import hash_password
from clientbook.app import create_app
from clientbook.deps import SessionDep
from clientbook.kit import middleware
from clientbook.kit.db import Database
from clientbook.models import User
from clientbook.settings import Settings
from tests.factories import Factory


def json_lines(text: str) -> list[dict[str, Any]]:
    lines = [line for line in text.splitlines() if line.strip()]
    assert lines, "nothing was logged"
    return [json.loads(line) for line in lines]  # fails on any line that is not JSON


class Person(BaseModel):
    birth_date: int


@pytest.fixture
def probe_app(settings: Settings, database: Database) -> Any:
    app = create_app(settings.model_copy(update={"log_level": "INFO"}), database)

    @app.post("/v1/probe/duplicate-user")
    async def duplicate_user(session: SessionDep) -> None:
        email = "probe-user@example.com"
        row = {"id": uuid.uuid4(), "email": email, "email_key": email, "name": "Ada Lovelace"}
        for _ in range(2):  # the second insert breaks the unique e-mail
            await session.execute(
                insert(User).values(**row, password_hash=hash_password("hunter2-secret"))
            )
            row["id"] = uuid.uuid4()

    @app.post("/v1/probe/personal-validation")
    async def personal_validation() -> None:
        Person.model_validate({"birth_date": "Ada Lovelace, 12 Baker Street, 1815-12-10"})

    return app


async def call(app: Any, path: str, method: str = "POST") -> httpx.Response:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        return await client.request(method, path)


async def test_a_failing_statement_logs_no_parameters(
    probe_app: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    response = await call(probe_app, "/v1/probe/duplicate-user")
    assert response.status_code == 500
    text = capsys.readouterr().err
    lines = json_lines(text)
    assert "$argon2" not in text
    assert "Ada Lovelace" not in text
    assert "probe-user" not in text
    [error] = [line for line in lines if line["event"] == "unhandled_error"]
    assert error["exception"]["type"] == "IntegrityError"
    assert error["exception"]["frames"]  # still a traceback to debug with


async def test_a_validation_error_logs_no_personal_data(
    probe_app: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert (await call(probe_app, "/v1/probe/personal-validation")).status_code == 500
    text = capsys.readouterr().err
    json_lines(text)
    for personal in ("Lovelace", "Baker Street", "1815-12-10"):
        assert personal not in text
    assert "birth_date: int_parsing" in text


async def test_ids_and_dates_in_paths_stay_whole(
    app: Any, factory: Factory, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    clientbook_logging.configure("INFO", json=True)
    # The access logger was cached at the suite's WARNING level: a fresh one logs at INFO.
    monkeypatch.setattr(middleware, "log", structlog.get_logger("clientbook.access"))
    ctx = await factory.store()
    customer_id = "12345678-1234-5678-9012-345678901234"  # digit runs a phone pattern would eat
    capsys.readouterr()
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        await client.get(f"{ctx.base}/customers/{customer_id}", headers=ctx.owner.headers)
    lines = json_lines(capsys.readouterr().err)
    [access] = [line for line in lines if line["event"] == "request"]
    assert access["path"] == f"{ctx.base}/customers/{customer_id}"
    assert access["status"] == 404
    clientbook_logging.configure("WARNING", json=True)


def test_personal_fields_are_masked_by_name(capsys: pytest.CaptureFixture[str]) -> None:
    clientbook_logging.configure("INFO", json=True)
    structlog.get_logger("test").info(
        "customer_changed",
        customer_id="d0123456-7890-1234-5678-901234567c28",
        email="ada@example.com",
        first_name="Ada",
        street="12 Baker Street",
        birth_date="1815-12-10",
        password_hash="$argon2id$v=19$...",
    )
    [line] = json_lines(capsys.readouterr().err)
    assert line["customer_id"] == "d0123456-7890-1234-5678-901234567c28"
    for field in ("email", "first_name", "street", "birth_date", "password_hash"):
        assert line[field] == "[redacted]", field


def test_standard_library_and_uvicorn_loggers_write_json(
    capsys: pytest.CaptureFixture[str],
) -> None:
    logging.config.dictConfig(clientbook_logging.uvicorn_log_config("INFO"))
    stdlib_logging.getLogger("uvicorn.error").info("Started server process [%d]", 42)
    stdlib_logging.getLogger("uvicorn.error").warning("mail from ada@example.com failed")
    clientbook_logging.configure("INFO", json=True)
    stdlib_logging.getLogger("alembic.runtime").info("Running upgrade")
    lines = json_lines(capsys.readouterr().err)
    assert [line["event"] for line in lines] == [
        "Started server process [42]",
        "mail from [email] failed",
        "Running upgrade",
    ]
    assert {line["level"] for line in lines} == {"info", "warning"}
    # leave no handler on this test's captured stream
    for name in ("", "uvicorn", "uvicorn.error", "uvicorn.access"):
        stdlib_logging.getLogger(name).handlers.clear()
    clientbook_logging.configure("WARNING", json=True)


async def test_secrets_in_open_loyalty_paths_are_masked(
    app: Any, factory: Factory, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    clientbook_logging.configure("INFO", json=True)
    monkeypatch.setattr(middleware, "log", structlog.get_logger("clientbook.access"))
    ctx = await factory.store()
    customer_id = "12345678-1234-5678-9012-345678901234"
    capsys.readouterr()
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        for path in (
            "/customer/activate/secret-link-token",
            "/customer/activate-sms/954604",
            "/customer/confirm-change/153105",
            f"/customer/{customer_id}/pushy-token/device-token-1",
        ):
            await client.post(f"/api/{ctx.code}{path}", headers=ctx.owner.headers)
    text = capsys.readouterr().err
    for secret in ("secret-link-token", "954604", "153105", "device-token-1"):
        assert secret not in text
    paths = [line["path"] for line in json_lines(text) if line["event"] == "request"]
    assert f"/api/{ctx.code}/customer/activate/[redacted]" in paths
    assert f"/api/{ctx.code}/customer/{customer_id}/pushy-token/[redacted]" in paths
    clientbook_logging.configure("WARNING", json=True)

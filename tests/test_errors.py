"""Every error is RFC 9457 problem+json, with the status a client can act on."""

import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from starlette.responses import PlainTextResponse
from starlette.types import Receive, Scope, Send

from clientbook.app import create_app
from clientbook.kit import problem
from clientbook.kit.db import Database
from clientbook.kit.errors import PayloadTooLarge
from clientbook.kit.middleware import BodyLimit
from clientbook.models import Customer, CustomerAddress
from clientbook.settings import Settings
from tests.factories import Factory, StoreCtx

JSON = {"content-type": "application/json"}


def assert_problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert isinstance(body["type"], str)
    assert body["type"]
    assert isinstance(body["title"], str)
    assert body["title"]
    assert isinstance(body["detail"], str)
    assert body["detail"]
    assert response.headers.get("x-request-id")
    return body


def assert_invalid(response: httpx.Response, field: str, *, prefix: bool = False) -> dict[str, Any]:
    """A 422 naming ``field`` (or, with ``prefix``, a field inside it)."""
    body = assert_problem(response, 422)
    assert body["title"] == "Unprocessable Content"
    assert body["errors"], body
    for error in body["errors"]:
        assert set(error) == {"field", "message"}
        assert isinstance(error["message"], str)
        assert error["message"]
    fields = [e["field"] for e in body["errors"]]
    if prefix:
        assert any(f == field or f.startswith(field + ".") for f in fields), body
    else:
        assert field in fields, body
    return body


async def customer_count(database: Database, ctx: StoreCtx) -> int:
    async with database.transaction() as session:
        total = await session.scalar(
            select(func.count()).select_from(Customer).where(Customer.store_id == ctx.id)
        )
    return int(total or 0)


async def address_count(database: Database, ctx: StoreCtx) -> int:
    async with database.transaction() as session:
        total = await session.scalar(
            select(func.count())
            .select_from(CustomerAddress)
            .where(CustomerAddress.store_id == ctx.id)
        )
    return int(total or 0)


# --- routing -------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/v1/nope", "/nope", "/v1/stores/ABC/customers/x/nothing"])
async def test_unknown_route_is_404(client: httpx.AsyncClient, factory: Factory, path: str) -> None:
    ctx = await factory.store()
    body = assert_problem(await client.get(path, headers=ctx.owner.headers), 404)
    assert body["title"] == "Not Found"
    assert body["instance"] == path


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("PUT", "/customers", {"GET", "POST"}),
        ("DELETE", "/customers", {"GET", "POST"}),
        ("POST", "/customers/{customer}", {"GET", "PATCH", "DELETE"}),
        ("PUT", "/customers/{customer}", {"GET", "PATCH", "DELETE"}),
        ("GET", "/customers/{customer}/restore", {"POST"}),
        ("PUT", "/customers/{customer}/addresses", {"GET", "POST"}),
        ("POST", "/customers/{customer}/addresses/{address}", {"GET", "PATCH", "DELETE"}),
        ("DELETE", "", {"GET", "PATCH"}),
        ("PUT", "/members", {"GET", "POST"}),
    ],
)
async def test_wrong_method_is_405_with_allow(
    client: httpx.AsyncClient,
    factory: Factory,
    database: Database,
    method: str,
    path: str,
    allowed: set[str],
) -> None:
    ctx = await factory.store()
    customer = await factory.customer(ctx)
    address = uuid.uuid4()
    url = ctx.base + path.format(customer=customer.id, address=address)
    response = await client.request(method, url, headers=ctx.owner.headers)
    body = assert_problem(response, 405)
    assert body["title"] == "Method Not Allowed"
    assert {m.strip() for m in response.headers["allow"].split(",")} == allowed
    assert await customer_count(database, ctx) == 1


# --- what the body is ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "headers"),
    [
        (b'{"first_name": "Plain"}', {"content-type": "text/plain"}),
        (b"first_name=Form", {"content-type": "application/x-www-form-urlencoded"}),
        (
            b'--b\r\nContent-Disposition: form-data; name="first_name"\r\n\r\nMulti\r\n--b--\r\n',
            {"content-type": "multipart/form-data; boundary=b"},
        ),
        (b'{"first_name": "None"}', {}),
        (b"<customer/>", {"content-type": "application/xml"}),
    ],
)
async def test_a_body_that_is_not_json_is_415(
    client: httpx.AsyncClient,
    factory: Factory,
    database: Database,
    content: bytes,
    headers: dict[str, str],
) -> None:
    ctx = await factory.store()
    customer = await factory.customer(ctx)
    h = {**ctx.seller.headers, **headers}
    response = await client.post(f"{ctx.base}/customers", content=content, headers=h)
    assert_problem(response, 415)
    assert await customer_count(database, ctx) == 1

    url = f"{ctx.base}/customers/{customer.id}"
    assert_problem(await client.patch(url, content=content, headers=h), 415)
    addresses = f"{url}/addresses"
    assert_problem(await client.post(addresses, content=content, headers=h), 415)
    assert await address_count(database, ctx) == 0
    stored = await factory.get_customer(ctx, customer.id)
    assert stored is not None
    assert stored.version == 1


async def test_json_with_a_charset_or_a_json_suffix_is_accepted(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store()
    for content_type in ("application/json; charset=utf-8", "application/merge-patch+json"):
        response = await client.post(
            f"{ctx.base}/customers",
            content=b'{"first_name": "Typed"}',
            headers={**ctx.seller.headers, "content-type": content_type},
        )
        assert response.status_code == 201, response.text


@pytest.mark.parametrize(
    "content",
    [
        b'{"first_name":',
        b"{first_name: 'x'}",
        b'{"first_name": "x"} trailing',
        b'{"first_name": "x",}',
        b"\xff\xfe\x00",
    ],
)
async def test_malformed_json_is_400(
    client: httpx.AsyncClient, factory: Factory, database: Database, content: bytes
) -> None:
    ctx = await factory.store()
    response = await client.post(
        f"{ctx.base}/customers", content=content, headers={**ctx.seller.headers, **JSON}
    )
    body = assert_problem(response, 400)
    assert body["title"] == "Bad Request"
    assert await customer_count(database, ctx) == 0


async def test_a_body_over_the_limit_is_413(
    client: httpx.AsyncClient, factory: Factory, database: Database, settings: Settings
) -> None:
    assert settings.max_body_bytes == 1024 * 1024  # the default
    ctx = await factory.store()
    padding = "x" * settings.max_body_bytes
    content = f'{{"first_name": "Big", "metadata": {{"note": "{padding}"}}}}'.encode()
    response = await client.post(
        f"{ctx.base}/customers", content=content, headers={**ctx.seller.headers, **JSON}
    )
    body = assert_problem(response, 413)
    assert str(settings.max_body_bytes) in body["detail"]
    assert await customer_count(database, ctx) == 0


async def test_a_chunked_body_over_the_limit_is_413(
    client: httpx.AsyncClient, factory: Factory, database: Database, settings: Settings
) -> None:
    ctx = await factory.store()

    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"first_name": "Big", "metadata": {"note": "'
        for _ in range(settings.max_body_bytes // 65536 + 1):
            yield b"x" * 65536
        yield b'"}}'

    response = await client.post(
        f"{ctx.base}/customers", content=chunks(), headers={**ctx.seller.headers, **JSON}
    )
    assert "content-length" not in response.request.headers
    assert_problem(response, 413)
    assert await customer_count(database, ctx) == 0


async def test_a_chunked_body_under_the_limit_is_read(
    client: httpx.AsyncClient, factory: Factory, database: Database
) -> None:
    ctx = await factory.store()

    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"first_name": '
        yield b'"Chunked"}'

    response = await client.post(
        f"{ctx.base}/customers", content=chunks(), headers={**ctx.seller.headers, **JSON}
    )
    assert response.status_code == 201, response.text
    assert response.json()["first_name"] == "Chunked"
    assert await customer_count(database, ctx) == 1


async def test_a_body_under_the_limit_reaches_validation(
    client: httpx.AsyncClient, factory: Factory, database: Database, settings: Settings
) -> None:
    """Just under the limit is not 413: it is read, and refused for what it says."""
    ctx = await factory.store()
    head = b'{"first_name": "Big", "metadata": {"note": "'
    tail = b'"}}'
    padding = b"x" * (settings.max_body_bytes - len(head) - len(tail))
    content = head + padding + tail
    assert len(content) == settings.max_body_bytes
    response = await client.post(
        f"{ctx.base}/customers", content=content, headers={**ctx.seller.headers, **JSON}
    )
    assert_invalid(response, "metadata.note")
    assert await customer_count(database, ctx) == 0


# --- what the values are -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "param"),
    [
        ("/customers/not-a-uuid", "customer_id"),
        ("/customers/1234/events", "customer_id"),
        ("/customers/{customer}/addresses/xyz", "address_id"),
        ("/customers/zzz/addresses", "customer_id"),
        ("/members/bob", "user_id"),
    ],
)
async def test_a_bad_uuid_in_the_path_is_422_naming_it(
    client: httpx.AsyncClient, factory: Factory, path: str, param: str
) -> None:
    ctx = await factory.store()
    customer = await factory.customer(ctx)
    url = ctx.base + path.format(customer=customer.id)
    method = "PATCH" if path.startswith("/members") else "GET"
    response = await client.request(method, url, json={"role": "seller"}, headers=ctx.owner.headers)
    body = assert_invalid(response, param)
    assert param in body["detail"]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"first_name": "X", "is_active": "sometimes"}, "is_active"),
        ({"first_name": "X", "is_active": [True]}, "is_active"),
        ({"first_name": 5}, "first_name"),
        ({"first_name": 5.5}, "first_name"),
        ({"first_name": True}, "first_name"),
        ({"email": 12345}, "email"),
        ({"first_name": ["X"]}, "first_name"),
        ({"first_name": "X", "company": ["ACME"]}, "company"),
        ({"first_name": "X", "company": "ACME"}, "company"),
        ({"first_name": "X", "metadata": ["a", "b"]}, "metadata"),
        ({"first_name": "X", "labels": {"key": "vip"}}, "labels"),
        ({"first_name": "X", "consents": {"agreement1": "maybe"}}, "consents.agreement1"),
        ({"first_name": "X", "company": {"name": 7}}, "company.name"),
        ({"first_name": "X", "labels": [{"key": 1}]}, "labels.0.key"),
        ({"first_name": "X", "birth_date": "yesterday"}, "birth_date"),
        ({"first_name": "X", "unknown_field": 1}, "unknown_field"),
    ],
)
async def test_a_wrong_type_is_422_naming_the_field(
    client: httpx.AsyncClient,
    factory: Factory,
    database: Database,
    payload: dict[str, Any],
    field: str,
) -> None:
    ctx = await factory.store()
    response = await client.post(f"{ctx.base}/customers", json=payload, headers=ctx.seller.headers)
    body = assert_invalid(response, field)
    assert field in body["detail"]
    assert await customer_count(database, ctx) == 0


@pytest.mark.parametrize("body", [["first_name", "X"], "X", 1, None])
async def test_a_body_that_is_not_an_object_is_422(
    client: httpx.AsyncClient, factory: Factory, database: Database, body: Any
) -> None:
    ctx = await factory.store()
    response = await client.post(f"{ctx.base}/customers", json=body, headers=ctx.seller.headers)
    assert_invalid(response, "body")
    assert await customer_count(database, ctx) == 0


async def test_a_wrong_type_in_a_patch_changes_nothing(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store()
    customer = await factory.customer(ctx, first_name="Kept")
    url = f"{ctx.base}/customers/{customer.id}"
    response = await client.patch(
        url, json={"first_name": "Changed", "is_active": "perhaps"}, headers=ctx.seller.headers
    )
    assert_invalid(response, "is_active")
    stored = await factory.get_customer(ctx, customer.id)
    assert stored is not None
    assert (stored.first_name, stored.version) == ("Kept", 1)


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"first_name": "x" * 101}, "first_name"),
        ({"last_name": "x" * 101}, "last_name"),
        ({"display_name": "x" * 201}, "display_name"),
        ({"first_name": "x" * 20_000}, "first_name"),
        ({"email": "a" * 250 + "@example.com"}, "email"),
        ({"first_name": "X", "metadata": {"note": "x" * 501}}, "metadata.note"),
        ({"first_name": "X", "metadata": {"k" * 41: "v"}}, "metadata"),
        ({"first_name": "X", "loyalty_card_number": "1" * 65}, "loyalty_card_number"),
        ({"first_name": "X", "company": {"name": "x" * 201}}, "company.name"),
    ],
)
async def test_an_oversize_string_is_422(
    client: httpx.AsyncClient,
    factory: Factory,
    database: Database,
    payload: dict[str, Any],
    field: str,
) -> None:
    ctx = await factory.store()
    response = await client.post(f"{ctx.base}/customers", json=payload, headers=ctx.seller.headers)
    assert_invalid(response, field, prefix=True)
    assert await customer_count(database, ctx) == 0


async def test_a_bad_query_parameter_is_422_naming_it(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store()
    for query, field in (
        ("limit=abc", "limit"),
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("page=0", "page"),
        ("is_active=sometimes", "is_active"),
        ("sort=password", "sort"),
        ("created_after=tuesday", "created_after"),
    ):
        response = await client.get(f"{ctx.base}/customers?{query}", headers=ctx.seller.headers)
        assert_invalid(response, field)


async def test_every_failure_of_a_create_stores_nothing(
    client: httpx.AsyncClient, factory: Factory, database: Database
) -> None:
    """One store, every kind of refusal in turn: its book stays empty."""
    ctx = await factory.store()
    url = f"{ctx.base}/customers"
    h = ctx.seller.headers
    refused = [
        await client.post(url, json={}, headers=h),  # nothing to identify the customer by
        await client.post(url, json={"email": "not-an-email"}, headers=h),
        await client.post(url, json={"phone": "call me"}, headers=h),
        await client.post(url, content=b"{", headers={**h, **JSON}),
        await client.post(url, content=b"a=b", headers={**h, "content-type": "text/plain"}),
        await client.post(url, json={"first_name": "X", "status": "deleted"}, headers=h),
        await client.post(url, json={"first_name": "X", "id": str(uuid.uuid4())}, headers=h),
        await client.post(url, json={"first_name": "X", "store_id": str(uuid.uuid4())}, headers=h),
        await client.post(url, json={"first_name": "X"}),  # anonymous
    ]
    assert [r.status_code for r in refused] == [422, 422, 422, 400, 415, 422, 422, 422, 401]
    for response in refused:
        assert_problem(response, response.status_code)
    assert await customer_count(database, ctx) == 0
    listed = await client.get(url, headers=h)
    assert listed.json()["data"] == []


async def test_401_says_how_to_authenticate(client: httpx.AsyncClient, factory: Factory) -> None:
    ctx = await factory.store()
    for headers in ({}, {"Authorization": "Bearer not-a-token"}, {"Authorization": "Basic x"}):
        response = await client.get(f"{ctx.base}/customers", headers=headers)
        assert_problem(response, 401)
        assert response.headers["www-authenticate"] == "Bearer"


# --- request ids ---------------------------------------------------------------------------


async def test_every_response_carries_a_request_id(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store()
    responses = [
        await client.get("/healthz"),
        await client.get(f"{ctx.base}/customers", headers=ctx.seller.headers),
        await client.get("/v1/nope"),
        await client.post(f"{ctx.base}/customers", content=b"x", headers={"content-type": "a/b"}),
        await client.post(
            f"{ctx.base}/customers",
            content=b"x" * (1024 * 1024 + 1),
            headers={**ctx.seller.headers, **JSON},
        ),
    ]
    ids = [r.headers.get("x-request-id") for r in responses]
    assert all(ids), ids
    assert len(set(ids)) == len(ids)
    for response in responses:
        assert len(response.headers.get_list("x-request-id")) == 1


async def test_a_safe_request_id_is_echoed_and_an_unsafe_one_replaced(
    client: httpx.AsyncClient,
) -> None:
    echoed = await client.get("/healthz", headers={"X-Request-ID": "trace-42.a_b"})
    assert echoed.headers["x-request-id"] == "trace-42.a_b"
    for unsafe in ("has space", "x" * 65, "semi;colon", ""):
        response = await client.get("/healthz", headers={"X-Request-ID": unsafe})
        assert response.headers["x-request-id"] not in (unsafe, "")
        assert len(response.headers["x-request-id"]) == 32


async def test_an_unexpected_error_is_a_500_problem_with_the_request_id(
    settings: Settings, database: Database
) -> None:
    app = create_app(settings, database)

    @app.get("/v1/boom")
    async def boom() -> None:
        raise RuntimeError("secret internals")

    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        response = await client.get("/v1/boom", headers={"X-Request-ID": "req-500"})
    body = assert_problem(response, 500)
    assert "secret" not in response.text
    assert body["title"] == "Internal Server Error"
    assert response.headers["x-request-id"] == "req-500"


async def _echo_length(scope: Scope, receive: Receive, send: Send) -> None:
    """A bare ASGI app that reads the whole body and answers with its length."""
    size = 0
    while True:
        message = await receive()
        size += len(message.get("body", b""))
        if not message.get("more_body", False):
            break
    await PlainTextResponse(str(size))(scope, receive, send)


@pytest.mark.parametrize("multipart_max_bytes", [None, 4096])
async def test_multipart_bodies_have_their_own_limit(multipart_max_bytes: int | None) -> None:
    limited = BodyLimit(
        _echo_length,
        max_bytes=1024,
        renderers=problem.Renderers(),
        multipart_max_bytes=multipart_max_bytes,
    )
    multipart = {"content-type": "multipart/form-data; boundary=b"}

    async def chunks(size: int) -> AsyncIterator[bytes]:
        for _ in range(size // 500):
            yield b"x" * 500

    transport = httpx.ASGITransport(app=limited)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        under = await client.post("/", content=b"x" * 3000, headers=multipart)
        assert (under.status_code, under.text) == (200, "3000")
        over = await client.post("/", content=b"x" * 5000, headers=multipart)
        if multipart_max_bytes is None:
            assert (over.status_code, over.text) == (200, "5000")
            streamed = await client.post("/", content=chunks(5000), headers=multipart)
            assert (streamed.status_code, streamed.text) == (200, "5000")
        else:
            assert_problem_without_request_id(over, 413)
            with pytest.raises(PayloadTooLarge):
                await client.post("/", content=chunks(5000), headers=multipart)
        # Everything else keeps the general limit.
        assert_problem_without_request_id(
            await client.post("/", content=b"x" * 2000, headers=JSON), 413
        )
        assert_problem_without_request_id(
            await client.post("/", content=chunks(2000), headers=JSON), 413
        )
        small = await client.post("/", content=chunks(1000), headers=JSON)
        assert (small.status_code, small.text) == (200, "1000")


def assert_problem_without_request_id(response: httpx.Response, status: int) -> None:
    """For the bare middleware, outside the app that adds request ids."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == status


async def test_a_route_that_declares_another_body_type_accepts_it(
    settings: Settings, database: Database
) -> None:
    app = create_app(settings, database)
    upload_body = {
        "requestBody": {"content": {"multipart/form-data": {"schema": {"type": "object"}}}}
    }

    @app.post("/v1/probe/{thing}/upload", openapi_extra=upload_body)
    async def upload(thing: str) -> dict[str, str]:
        return {"thing": thing}

    @app.post("/v1/probe/{thing}/json")
    async def json_only(thing: str) -> dict[str, str]:
        return {"thing": thing}

    multipart = {"content-type": "multipart/form-data; boundary=b"}
    content = b'--b\r\nContent-Disposition: form-data; name="f"\r\n\r\nv\r\n--b--\r\n'
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        accepted = await client.post("/v1/probe/a/upload", content=content, headers=multipart)
        assert accepted.json() == {"thing": "a"}
        assert_problem(
            await client.post("/v1/probe/a/json", content=content, headers=multipart), 415
        )
        plain = {"content-type": "text/plain"}
        assert_problem(await client.post("/v1/probe/a/upload", content=b"x", headers=plain), 415)
        # The path parameter stands for one segment only.
        assert_problem(
            await client.post("/v1/probe/a/b/upload", content=content, headers=multipart), 415
        )

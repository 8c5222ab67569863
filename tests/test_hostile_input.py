"""Input no route can keep (NUL, lone surrogates, deep nesting, huge numbers) is a 400
naming the field, in each surface's error format, on both databases, with nothing stored."""

import json
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from clientbook.kit.db import Database
from clientbook.kit.untrusted import MAX_DEPTH
from clientbook.models import Customer
from tests.factories import Factory, StoreCtx
from tests.problems import assert_problem, error_fields

NUL = "a\u0000b"
DEEP = "[" * 100_000 + "]" * 100_000


def _json(document: Any) -> dict[str, Any]:
    """Keyword arguments sending ``document`` as JSON exactly as ``json.dumps`` writes it
    (lone surrogates become ``\\ud800`` escapes, as a client's encoder writes them)."""
    return {"content": json.dumps(document), "headers": {"content-type": "application/json"}}


def _raw_json(text: str) -> dict[str, Any]:
    return {"content": text, "headers": {"content-type": "application/json"}}


async def _customer_count(database: Database, ctx: StoreCtx) -> int:
    async with database.transaction() as session:
        total = await session.scalar(
            select(func.count()).select_from(Customer).where(Customer.store_id == ctx.id)
        )
    return int(total or 0)


async def _post_customer(
    client: httpx.AsyncClient, ctx: StoreCtx, body: dict[str, Any]
) -> httpx.Response:
    sent = _json(body)
    return await client.post(
        f"{ctx.base}/customers",
        content=sent["content"],
        headers={**sent["headers"], **ctx.seller.headers},
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"first_name": NUL}, "first_name"),
        ({"first_name": "a\ud800b"}, "first_name"),
        ({"first_name": "Ann", "company": {"name": NUL}}, "company.name"),
        ({"first_name": "Ann", "labels": [{"key": "ok"}, {"key": NUL}]}, "labels.1.key"),
        ({"first_name": "Ann", "preferences": {"visits": 2**64}}, "preferences.visits"),
        ({"first_name": "Ann", "preferences": {"n": -(2**63) - 1}}, "preferences.n"),
        ({"first_name": "Ann", "metadata": {NUL: 1}}, "metadata"),
    ],
)
async def test_unusable_values_in_a_json_body_are_400_naming_the_field(
    client: httpx.AsyncClient,
    factory: Factory,
    database: Database,
    body: dict[str, Any],
    field: str,
) -> None:
    ctx = await factory.store()
    response = await _post_customer(client, ctx, body)
    problem = assert_problem(response, 400)
    assert error_fields(problem) == {field}
    assert await _customer_count(database, ctx) == 0


async def test_the_largest_64_bit_integers_are_kept(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store()
    preferences = {"max": 2**63 - 1, "min": -(2**63)}
    response = await _post_customer(client, ctx, {"first_name": "Ann", "preferences": preferences})
    assert response.status_code == 201, response.text
    assert response.json()["preferences"] == preferences


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity", "1e400"])
async def test_numbers_that_are_not_finite_are_refused(
    client: httpx.AsyncClient, factory: Factory, number: str
) -> None:
    ctx = await factory.store()
    text = '{"first_name": "Ann", "preferences": {"x": ' + number + "}}"
    response = await client.post(
        f"{ctx.base}/customers",
        content=text,
        headers={"content-type": "application/json", **ctx.seller.headers},
    )
    problem = assert_problem(response, 400)
    assert error_fields(problem) == {"preferences.x"}


async def test_nul_in_query_and_path_parameters(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store()
    query = await client.get(f"{ctx.base}/customers?q=a%00b", headers=ctx.owner.headers)
    assert error_fields(assert_problem(query, 400)) == {"q"}
    path = await client.get(f"/v1/stores/{ctx.code}%00/customers", headers=ctx.owner.headers)
    assert error_fields(assert_problem(path, 400)) == {"store"}
    group = await client.get(f"{ctx.base}/groups/x%00y", headers=ctx.owner.headers)
    assert error_fields(assert_problem(group, 400)) == {"group_id"}


@pytest.mark.parametrize("path", ["/v1/auth/token", "/v1/auth/refresh"])
async def test_deep_nesting_on_the_token_endpoints_is_400(
    client: httpx.AsyncClient, path: str
) -> None:
    response = await client.post(path, **_raw_json(DEEP))
    problem = assert_problem(response, 400)
    assert problem["errors"][0]["field"] == "body"
    assert str(MAX_DEPTH) in problem["errors"][0]["message"]


async def test_nesting_just_past_the_limit_is_refused_and_at_it_kept(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store()

    def nested(levels: int) -> Any:
        value: Any = 1
        for _ in range(levels):
            value = [value]
        return value

    # The body and ``preferences`` are two levels: the value may nest 62 more. At the
    # limit the schema answers (a preference is a scalar); past it, the depth check.
    at_limit = await _post_customer(
        client, ctx, {"first_name": "Ann", "preferences": {"x": nested(MAX_DEPTH - 2)}}
    )
    assert all(f.startswith("preferences.x") for f in error_fields(assert_problem(at_limit, 422)))
    refused = await _post_customer(
        client, ctx, {"first_name": "Ann", "preferences": {"x": nested(MAX_DEPTH - 1)}}
    )
    problem = assert_problem(refused, 400)
    assert problem["errors"][0]["field"] == "preferences.x" + ".0" * (MAX_DEPTH - 2)


async def test_form_encoded_sign_in_with_nul_is_400(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v1/auth/token",
        content="grant_type=password&username=a%00b%40example.com&password=x",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert error_fields(assert_problem(response, 400)) == {"username"}


# --- Jethings: {message, statusCode} ----------------------------------------------------


def _jethings(ctx: StoreCtx) -> dict[str, str]:
    return {**ctx.owner.headers, "x-store-id": str(ctx.id), "content-type": "application/json"}


@pytest.mark.parametrize(
    ("content", "named"),
    [
        (json.dumps({"localName": NUL}), "localName"),
        (json.dumps({"localName": "a\ud800b"}), "localName"),
        (DEEP, "body"),
    ],
)
async def test_jethings_refuses_unusable_input_in_its_format(
    client: httpx.AsyncClient, factory: Factory, content: str, named: str
) -> None:
    ctx = await factory.store()
    response = await client.post("/customers", content=content, headers=_jethings(ctx))
    assert response.status_code == 400, response.text
    body = response.json()
    assert set(body) == {"message", "statusCode"}
    assert body["statusCode"] == 400
    assert body["message"].startswith(f"{named}: ")


async def test_jethings_nul_in_a_query_parameter(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store()
    response = await client.get("/customers?search=a%00", headers=_jethings(ctx))
    assert response.status_code == 400
    assert response.json()["message"].startswith("search: ")


# --- J-Optic: {statusCode, message, error} ----------------------------------------------


def _joptic(ctx: StoreCtx) -> dict[str, str]:
    return {**ctx.seller.headers, "x-store-id": str(ctx.id)}


def _assert_joptic_400(response: httpx.Response, named: str) -> None:
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["statusCode"] == 400
    assert body["error"] == "Bad Request"
    assert body["message"].startswith(f"{named}: "), body


@pytest.mark.parametrize(
    ("json_data", "named"),
    [
        (json.dumps({"customerData": {"firstName": NUL}}), "customerData.firstName"),
        (
            json.dumps({"customerData": {"firstName": "x", "email": "a\udfffb"}}),
            "customerData.email",
        ),
        ('{"customerData": ' + DEEP + "}", "jsonData"),
        ("x\u0000" + json.dumps({"customerData": {"firstName": "x"}}), "jsonData"),
    ],
)
async def test_joptic_refuses_unusable_json_data_in_its_format(
    client: httpx.AsyncClient,
    factory: Factory,
    database: Database,
    json_data: str,
    named: str,
) -> None:
    ctx = await factory.store()
    multipart = await client.post(
        "/customer", files=[("jsonData", (None, json_data))], headers=_joptic(ctx)
    )
    _assert_joptic_400(multipart, named)
    encoded = await client.post("/customer", data={"jsonData": json_data}, headers=_joptic(ctx))
    _assert_joptic_400(encoded, named)
    assert await _customer_count(database, ctx) == 0


async def test_joptic_refuses_a_file_name_with_nul(
    client: httpx.AsyncClient, factory: Factory, database: Database
) -> None:
    ctx = await factory.store()
    # Written by hand: httpx would percent-encode the NUL in the file name.
    body = (
        b'--b\r\nContent-Disposition: form-data; name="jsonData"\r\n\r\n'
        b'{"customerData": {"firstName": "Ann"}}\r\n'
        b'--b\r\nContent-Disposition: form-data; name="prescription"; filename="scan\x00.pdf"'
        b"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.4\n%%EOF\n\r\n--b--\r\n"
    )
    headers = {**_joptic(ctx), "content-type": "multipart/form-data; boundary=b"}
    response = await client.post("/customer", content=body, headers=headers)
    _assert_joptic_400(response, "prescription")
    assert await _customer_count(database, ctx) == 0

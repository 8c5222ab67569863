"""Open Loyalty's form endpoints given hostile values: a 400 in its error shape that
names the field, and nothing written."""

import json

import httpx
import pytest

from tests.factories import Factory
from tests.surfaces.test_openloyalty import FORM, api, ol_store

NUL = "a\x00b"
HUGE = "C" * 100_000
DEEP = json.dumps({"customer": {"firstName": "A", "x": json.loads("[" * 200 + "]" * 200)}})


def _named(body: dict[str, object], field: str) -> bool:
    return field in json.dumps(body)


@pytest.mark.parametrize(
    ("method", "path", "field"),
    [
        ("POST", "/customer/register", "firstName"),
        ("POST", "/admin/customer/register", "email"),
        ("POST", "/seller/customer/register", "lastName"),
        ("PUT", "/customer/{id}", "firstName"),
        ("POST", "/pos/search/customer", "lastName"),
        ("POST", "/customer/{id}/pushy-token", "pushyToken"),
    ],
)
async def test_hostile_values_in_forms(
    client: httpx.AsyncClient, factory: Factory, method: str, path: str, field: str
) -> None:
    ctx = await ol_store(factory)
    customer = await factory.customer(ctx, first_name="Kept")
    url = api(ctx, path.format(id=customer.id))
    outer = "search" if "search" in path else "customer"
    name = f"{outer}[{field}]"
    for value in (NUL, HUGE):
        response = await client.request(
            method,
            url,
            content=httpx.QueryParams({name: value}).__str__(),
            headers={**FORM, **ctx.admin.headers},
        )
        assert response.status_code in (400, 413), (value[:5], response.text[:300])
        assert set(response.json()) in ({"error"}, {"form", "errors"}), response.text[:300]
        assert _named(response.json(), field), (value[:5], response.text[:300])
        as_json = await client.request(
            method, url, json={outer: {field: value}}, headers=ctx.admin.headers
        )
        assert as_json.status_code == 400, as_json.text[:300]
        assert _named(as_json.json(), field), as_json.text[:300]
    deep = await client.request(
        method, url, content=DEEP, headers={"Content-Type": "application/json", **ctx.admin.headers}
    )
    assert deep.status_code == 400, deep.text[:300]
    assert set(deep.json()) == {"error"}
    kept = await factory.get_customer(ctx, customer.id)
    assert kept is not None
    assert kept.first_name == "Kept"

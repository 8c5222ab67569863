"""Hostile request documents answer 4xx in the JSON:API error format, never a 500, and
write nothing."""

from typing import Any

import pytest

from tests.factories import PASSWORD, Factory
from tests.surfaces.aimeos.browser import Browser

DEEP = "[" * 5000 + "]" * 5000


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ("not json", 400),
        ("", 400),
        ('"a string"', 400),
        ('{"data": "text"}', 400),
        ('{"data": {"attributes": []}}', 400),
        ('{"data": [1, 2]}', 400),
        ('{"data": {"attributes": {"customer.email": "a\\u0000@example.com"}}}', 400),
        ('{"data": {"attributes": {"customer.email": "\\ud800@example.com"}}}', 400),
        ('{"data": {"attributes": {"customer.email": ' + DEEP + "}}}", 400),
        ('{"data": {"attributes": {"customer.longitude": 1e999}}}', 400),
        ('{"data": {"attributes": {"customer.email": 12345678901234567890123}}}', 400),
        ('{"data": {"attributes": {"customer.email": true}}}', 400),
        ('{"data": {"attributes": {"customer.email": {"$ne": null}}}}', 400),
        ('{"data": {"attributes": {"customer.email": "' + "x" * 400 + '@example.com"}}}', 400),
        ('{"data": {"attributes": {"customer.email": "' + "x" * 2_000_000 + '"}}}', 413),
    ],
)
async def test_a_hostile_sign_up_is_refused(browser: Browser, body: str, status: int) -> None:
    await browser.options()
    answer = await browser.request(
        "POST",
        browser.with_token("/jsonapi/customer"),
        content=body.encode("utf-8", "surrogatepass"),
        headers={"Content-Type": "application/json"},
    )
    assert answer.status_code == status, answer.text[:300]
    assert answer.headers["content-type"] == "application/vnd.api+json"
    assert answer.json()["errors"][0]["status"] == str(status)


@pytest.mark.parametrize(
    "query",
    [
        "related=%00",
        "related=nonsense",
        "fields[customer]=" + "a" * 5000,
        "relatedid=not-a-uuid&related=address",
        "site=%00",
    ],
)
async def test_hostile_queries_are_refused(
    factory: Factory, browser: Browser, store: Any, query: str
) -> None:
    customer = await factory.customer(store[0])
    await factory.customer_tokens(store[0], customer.id)
    await browser.sign_in(str(customer.email), PASSWORD)
    answer = await browser.request("GET", f"/jsonapi/customer?{query}")
    assert 400 <= answer.status_code < 500, answer.text
    assert answer.json()["errors"]


async def test_many_items_at_once_are_refused(
    factory: Factory, browser: Browser, store: Any
) -> None:
    customer = await factory.customer(store[0])
    await factory.customer_tokens(store[0], customer.id)
    await browser.sign_in(str(customer.email), PASSWORD)
    item = {"attributes": {"customer.property.type": "t", "customer.property.value": "v"}}
    answer = await browser.request(
        "POST", browser.with_token("/jsonapi/customer?related=property"), json={"data": [item] * 21}
    )
    assert answer.status_code == 400
    listed = await browser.request("GET", "/jsonapi/customer?related=property")
    assert listed.json()["data"] == []

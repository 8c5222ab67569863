"""Aimeos (seed 003): each request and answer of the document, as shown. The document's
host (``localhost:8000``) is the store's own host name here; its ids are Clientbook's."""

from typing import Any

import httpx
from sqlalchemy import select

from clientbook.models import Customer, CustomerAddress, CustomerCredential, Purchase
from tests.factories import PASSWORD, Factory, StoreCtx
from tests.surfaces.aimeos.browser import Browser, matches

JSONAPI = "application/vnd.api+json"

NEW_ACCOUNT = {
    "customer.code": "testuser@example.com",
    "customer.label": "Test user",
    "customer.salutation": "mr",
    "customer.company": "Example company",
    "customer.vatid": "DE123456789",
    "customer.title": "Dr.",
    "customer.firstname": "Test",
    "customer.lastname": "User",
    "customer.address1": "Test street",
    "customer.address2": "1",
    "customer.address3": "",
    "customer.postal": "12345",
    "customer.city": "Test city",
    "customer.state": "HH",
    "customer.countryid": "DE",
    "customer.languageid": "de",
    "customer.telehone": "+4912345678",
    "customer.telefax": "+49123456789",
    "customer.email": "testuser@example.com",
    "customer.website": "https://example.com",
    "customer.longitude": 10.0,
    "customer.latitude": 50.0,
    "customer.birthday": "2000-01-01",
    "customer.password": "secret123",
}
CHANGES = {**NEW_ACCOUNT, "customer.address2": "2", "customer.password": "very+secret"}


async def test_options_answers_the_csrf_token_prefix_and_resources(browser: Browser) -> None:
    answer = await browser.options("/jsonapi")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == JSONAPI
    body = answer.json()
    assert body["meta"]["csrf"] == {"name": "_token", "value": browser.csrf}
    assert body["meta"]["prefix"] == "ai"
    assert body["meta"]["resources"]["customer"] == f"{browser.base}/jsonapi/customer"


def _anonymous(base: str) -> dict[str, Any]:
    url = f"{base}/jsonapi/customer"
    return {
        "meta": {
            "total": 1,
            "prefix": None,
            "content-baseurl": f"{base}/",
            "csrf": {"name": "_token", "value": "..."},
        },
        "links": {
            "self": url,
            "customer/address": {"href": f"{url}?related=address", "allow": ["GET", "POST"]},
            "customer/property": {"href": f"{url}?related=property", "allow": ["GET", "POST"]},
            "customer/relationships": {
                "href": f"{url}?related=relationships",
                "allow": ["GET", "POST"],
            },
        },
        "data": {
            "id": None,
            "type": "customer",
            "links": {"self": {"href": url, "allow": ["DELETE", "GET", "PATCH"]}},
            "attributes": {
                "customer.id": None,
                "customer.salutation": "",
                "customer.company": "",
                "customer.vatid": "",
                "customer.title": "",
                "customer.firstname": "",
                "customer.lastname": "",
                "customer.address1": "",
                "customer.address2": "",
                "customer.address3": "",
                "customer.postal": "",
                "customer.city": "",
                "customer.state": "",
                "customer.languageid": "",
                "customer.countryid": "",
                "customer.telephone": "",
                "customer.email": "",
                "customer.telefax": "",
                "customer.website": "",
                "customer.longitude": None,
                "customer.latitude": None,
                "customer.label": "",
                "customer.code": "",
                "customer.birthday": None,
                "customer.status": 1,
                "customer.groups": [],
            },
        },
        "included": [],
    }


async def test_an_anonymous_get_is_the_empty_customer_item(browser: Browser) -> None:
    await browser.options()
    answer = await browser.request("GET", "/jsonapi/customer")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == JSONAPI
    matches(_anonymous(browser.base), answer.json())
    assert answer.json()["meta"]["csrf"]["value"] == browser.csrf


async def _documented_customer(
    factory: Factory, client: httpx.AsyncClient, ctx: StoreCtx, group: tuple[str, str]
) -> Customer:
    customer = await factory.customer(
        ctx,
        salutation="mr",
        company={"name": "Test company", "tax_id": "DE12345678"},
        title="Dr.",
        first_name="Test",
        last_name="User",
        language="de",
        phone="+49012345678",
        email="example@aimeos.org",
        fax="+490123456789",
        website="https://aimeos.org",
        birth_date="2000-01-01",
    )
    owner = ctx.owner.headers
    url = f"{ctx.base}/customers/{customer.id}"
    address = {
        "line1": "Test street",
        "line2": "1",
        "line3": "2. floor",
        "postal_code": "12345",
        "city": "Test city",
        "province": "HH",
        "country": "DE",
        "longitude": 10.0,
        "latitude": 50.0,
        "is_default": True,
    }
    assert (await client.post(f"{url}/addresses", json=address, headers=owner)).status_code == 201
    made = await client.post(
        f"{ctx.base}/groups", json={"code": group[0], "name": group[1]}, headers=owner
    )
    assert made.status_code == 201, made.text
    added = await client.post(
        f"{ctx.base}/groups/{made.json()['id']}/customers",
        json={"customer_ids": [str(customer.id)]},
        headers=owner,
    )
    assert added.status_code == 200, added.text
    await factory.customer_tokens(ctx, customer.id)  # an active account, password PASSWORD
    return customer


def _group_relationship(base: str, customer_id: str, entry: dict[str, Any]) -> dict[str, Any]:
    list_id, group_id = entry["id"], entry["attributes"]["customer.lists.refid"]
    return {
        "id": list_id,
        "type": "customer/group",
        "attributes": {
            "customer.lists.id": list_id,
            "customer.lists.domain": "customer/group",
            "customer.lists.refid": group_id,
            "customer.lists.datestart": None,
            "customer.lists.dateend": None,
            "customer.lists.config": [],
            "customer.lists.position": 0,
            "customer.lists.status": 1,
            "customer.lists.type": "default",
        },
        "links": {
            "self": {
                "href": f"{base}/jsonapi/customer?id={customer_id}&related=relationships"
                f"&relatedid={list_id}",
                "allow": [],
            }
        },
    }


async def test_a_signed_in_get_is_the_documented_account_with_its_groups(
    factory: Factory, client: httpx.AsyncClient, store: tuple[StoreCtx, str], browser: Browser
) -> None:
    ctx = store[0]
    customer = await _documented_customer(factory, client, ctx, ("admin", "Administrator"))
    signed = await browser.sign_in("example@aimeos.org", PASSWORD)
    assert signed.status_code == 200, signed.text
    answer = await browser.request("GET", "/jsonapi/customer")
    assert answer.status_code == 200, answer.text
    body, own, base = answer.json(), str(customer.id), browser.base
    url = f"{base}/jsonapi/customer"
    entry = body["data"]["relationships"]["customer/group"]["data"][0]
    group_id = entry["attributes"]["customer.lists.refid"]
    attributes = {
        "customer.id": own,
        "customer.salutation": "mr",
        "customer.company": "Test company",
        "customer.vatid": "DE12345678",
        "customer.title": "Dr.",
        "customer.firstname": "Test",
        "customer.lastname": "User",
        "customer.address1": "Test street",
        "customer.address2": "1",
        "customer.address3": "2. floor",
        "customer.postal": "12345",
        "customer.city": "Test city",
        "customer.state": "HH",
        "customer.languageid": "de",
        "customer.countryid": "DE",
        "customer.telephone": "+49012345678",
        "customer.email": "example@aimeos.org",
        "customer.telefax": "+490123456789",
        "customer.website": "https://aimeos.org",
        "customer.longitude": 10.0,
        "customer.latitude": 50.0,
        "customer.label": "Test User",
        "customer.code": "example@aimeos.org",
        "customer.birthday": "2000-01-01",
        # Not in this example (it ends in a stray comma), in the others: always answered.
        "customer.status": 1,
        "customer.groups": [group_id],
    }
    expected = {
        "meta": {
            "total": 1,
            "prefix": None,
            "content-baseurl": f"{base}/",
            "csrf": {"name": "_token", "value": "..."},
        },
        "links": {
            "self": url,
            "customer/address": {
                "href": f"{url}?id={own}&related=address",
                "allow": ["GET", "POST"],
            },
            "customer/property": {
                "href": f"{url}?id={own}&related=property",
                "allow": ["GET", "POST"],
            },
            "customer/relationships": {
                "href": f"{url}?id={own}&related=relationships",
                "allow": ["GET", "POST"],
            },
        },
        "data": {
            "id": own,
            "type": "customer",
            "links": {"self": {"href": f"{url}?id={own}", "allow": ["DELETE", "GET", "PATCH"]}},
            "attributes": attributes,
            "relationships": {"customer/group": {"data": [_group_relationship(base, own, entry)]}},
        },
        "included": [
            {
                "id": group_id,
                "type": "customer/group",
                "attributes": {
                    "customer.group.id": group_id,
                    "customer.group.code": "admin",
                    "customer.group.label": "Administrator",
                },
            }
        ],
    }
    matches(expected, body)


async def test_only_some_fields_with_fields_customer(
    factory: Factory, client: httpx.AsyncClient, store: tuple[StoreCtx, str], browser: Browser
) -> None:
    await _documented_customer(factory, client, store[0], ("admin", "Administrator"))
    await browser.sign_in("example@aimeos.org", PASSWORD)
    answer = await browser.request(
        "GET", "/jsonapi/customer?fields[customer]=customer.code,customer.email"
    )
    assert answer.json()["data"]["attributes"] == {
        "customer.email": "example@aimeos.org",
        "customer.code": "example@aimeos.org",
    }


async def test_creating_an_account_answers_only_its_id(
    factory: Factory, browser: Browser, store: tuple[StoreCtx, str]
) -> None:
    await browser.options()
    answer = await browser.request(
        "POST",
        browser.with_token("/jsonapi/customer"),
        content=_json({"data": {"attributes": NEW_ACCOUNT}}),
        headers={"Content-Type": "application/json"},
    )
    assert answer.status_code == 201, answer.text
    body = answer.json()
    own, url = body["data"]["id"], f"{browser.base}/jsonapi/customer"
    matches(
        {
            "meta": {
                "total": 1,
                "prefix": None,
                "content-baseurl": f"{browser.base}/",
                "csrf": {"name": "_token", "value": "..."},
            },
            "links": {"self": url},
            "data": {
                "id": own,
                "type": "customer",
                "links": {"self": {"href": f"{url}?id={own}", "allow": ["DELETE", "GET", "PATCH"]}},
                "attributes": {"customer.id": own},
            },
            "included": [],
        },
        body,
    )
    stored = await factory.get_customer(store[0], own)
    assert stored is not None
    assert (stored.email, stored.phone, stored.fax) == (
        "testuser@example.com",
        "+4912345678",
        "+49123456789",
    )
    assert (stored.display_name, stored.company_name, stored.company_tax_id) == (
        "Test user",
        "Example company",
        "DE123456789",
    )
    assert stored.is_active
    async with factory.database.reading() as session:
        address = (
            await session.scalars(
                select(CustomerAddress).where(
                    CustomerAddress.store_id == store[0].id,
                    CustomerAddress.customer_id == stored.id,
                )
            )
        ).one()
        credential = await session.get(CustomerCredential, (store[0].id, stored.id))
    assert (address.line1, address.line2, address.is_default) == ("Test street", "1", True)
    assert credential is not None
    assert credential.activated_at is not None
    # The account signs in with the password it was given.
    signed = await browser.sign_in("testuser@example.com", "secret123")
    assert signed.status_code == 200, signed.text


def _json(value: Any) -> str:
    import json

    return json.dumps(value)


async def test_jquery_sends_the_json_as_a_form_and_it_still_works(browser: Browser) -> None:
    """``$.ajax({data: JSON.stringify(params)})`` without a contentType sends the JSON
    text as application/x-www-form-urlencoded, as the document's example does."""
    await browser.options()
    answer = await browser.request(
        "POST",
        browser.with_token("/jsonapi/customer"),
        content=_json({"data": {"attributes": {"customer.email": "jq@example.com"}}}),
        headers={"Content-Type": "application/x-www-form-urlencoded; charset=UTF-8"},
    )
    assert answer.status_code == 201, answer.text


async def test_status_and_groups_are_ignored_on_creation(
    factory: Factory, browser: Browser, store: tuple[StoreCtx, str]
) -> None:
    await browser.options()
    body = {
        "data": {
            "attributes": {
                "customer.email": "sneaky@example.com",
                "customer.status": 0,
                "customer.groups": ["1"],
            }
        }
    }
    answer = await browser.request("POST", browser.with_token("/jsonapi/customer"), json=body)
    assert answer.status_code == 201, answer.text
    stored = await factory.get_customer(store[0], answer.json()["data"]["id"])
    assert stored is not None
    assert stored.is_active


async def test_changing_the_account_answers_the_documented_record(
    factory: Factory, browser: Browser, store: tuple[StoreCtx, str]
) -> None:
    await browser.options()
    made = await browser.request(
        "POST", browser.with_token("/jsonapi/customer"), json={"data": {"attributes": NEW_ACCOUNT}}
    )
    own = made.json()["data"]["id"]
    assert (await browser.sign_in("testuser@example.com", "secret123")).status_code == 200
    answer = await browser.request(
        "PATCH", browser.with_token("/jsonapi/customer"), json={"data": {"attributes": CHANGES}}
    )
    assert answer.status_code == 200, answer.text
    base, url = browser.base, f"{browser.base}/jsonapi/customer"
    attributes = {
        "customer.id": own,
        "customer.code": "testuser@example.com",
        "customer.label": "Test user",
        "customer.salutation": "mr",
        "customer.company": "Example company",
        "customer.vatid": "DE123456789",
        "customer.title": "Dr.",
        "customer.firstname": "Test",
        "customer.lastname": "User",
        "customer.address1": "Test street",
        "customer.address2": "2",
        "customer.address3": "",
        "customer.postal": "12345",
        "customer.city": "Test city",
        "customer.state": "HH",
        "customer.countryid": "DE",
        "customer.languageid": "de",
        "customer.telehone": "+4912345678",
        "customer.telefax": "+49123456789",
        "customer.email": "testuser@example.com",
        "customer.website": "https://example.com",
        "customer.longitude": 10.0,
        "customer.latitude": 50.0,
        "customer.birthday": "2000-01-01",
        "customer.status": 1,
        "customer.groups": [],
    }
    matches(
        {
            "meta": {
                "total": 1,
                "prefix": None,
                "content-baseurl": f"{base}/",
                "csrf": {"name": "_token", "value": "..."},
            },
            "links": {"self": f"{url}?id={own}"},
            "data": {
                "id": own,
                "type": "customer",
                "links": {"self": {"href": f"{url}?id={own}", "allow": ["DELETE", "GET", "PATCH"]}},
                "attributes": attributes,
                "relationships": {"customer/group": {"data": []}},
            },
            "included": [],
        },
        answer.json(),
    )
    # The new password counts; this session stays signed in.
    again = await browser.request("GET", "/jsonapi/customer")
    assert again.json()["data"]["id"] == own
    other = Browser(browser.client._transport.app, browser.host)  # type: ignore[attr-defined]
    assert (await other.sign_in("testuser@example.com", "very+secret")).status_code == 200
    await other.close()


async def test_a_patch_changes_only_what_it_sends(
    factory: Factory, client: httpx.AsyncClient, store: tuple[StoreCtx, str], browser: Browser
) -> None:
    await _documented_customer(factory, client, store[0], ("customer", "Customer"))
    await browser.sign_in("example@aimeos.org", PASSWORD)
    answer = await browser.request(
        "PATCH",
        browser.with_token("/jsonapi/customer"),
        json={"data": {"attributes": {"customer.address2": "7"}}},
    )
    got = answer.json()["data"]["attributes"]
    assert (got["customer.address2"], got["customer.address1"], got["customer.vatid"]) == (
        "7",
        "Test street",
        "DE12345678",
    )
    assert answer.json()["included"][0]["attributes"]["customer.group.code"] == "customer"


async def test_deleting_the_own_account_erases_it_and_keeps_its_orders(
    factory: Factory, client: httpx.AsyncClient, store: tuple[StoreCtx, str], browser: Browser
) -> None:
    ctx = store[0]
    customer = await _documented_customer(factory, client, ctx, ("admin", "Administrator"))
    bought = await client.post(
        f"{ctx.base}/purchases",
        json={
            "customer_id": str(customer.id),
            "number": "A-1",
            "status": "completed",
            "purchased_at": "2026-01-01T10:00:00Z",
            "currency": "EUR",
            "total": "10.00",
        },
        headers=ctx.owner.headers,
    )
    assert bought.status_code == 201, bought.text
    await browser.sign_in("example@aimeos.org", PASSWORD)
    answer = await browser.request(
        "DELETE", browser.with_token(f"/jsonapi/customer?id={customer.id}")
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["meta"]["total"] == 0
    again = await browser.request("GET", "/jsonapi/customer")
    assert again.json()["data"]["attributes"]["customer.id"] is None
    stored = await factory.get_customer(ctx, customer.id)
    assert stored is not None
    assert stored.anonymized_at is not None
    assert stored.email is None
    async with factory.database.reading() as session:
        left = await session.scalars(
            select(CustomerAddress).where(
                CustomerAddress.store_id == ctx.id, CustomerAddress.customer_id == customer.id
            )
        )
        orders = await session.scalars(
            select(Purchase).where(Purchase.store_id == ctx.id, Purchase.customer_id == customer.id)
        )
        assert list(left) == []
        assert len(list(orders)) == 1

"""Aimeos beyond the document's examples: CSRF, sessions, which store, related items,
sign-up rules, and what one customer can never reach of another."""

import uuid
from collections.abc import Callable
from typing import Any

import httpx
from sqlalchemy import func, select

from clientbook.models import Customer, CustomerAddress, CustomerProperty, OutboxMessage
from tests.factories import PASSWORD, Factory, StoreCtx
from tests.surfaces.aimeos.browser import Browser, shop

Browsers = Callable[[str], Browser]


async def _signed_in(factory: Factory, ctx: StoreCtx, browser: Browser, **fields: Any) -> Customer:
    customer = await factory.customer(ctx, **fields)
    await factory.customer_tokens(ctx, customer.id)  # an active account, password PASSWORD
    assert customer.email is not None
    answer = await browser.sign_in(customer.email, PASSWORD)
    assert answer.status_code == 200, answer.text
    return customer


def _error(answer: httpx.Response, status: int) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == "application/vnd.api+json"
    body: dict[str, Any] = answer.json()
    assert body["errors"][0]["status"] == str(status)
    return body["errors"][0]


# --- CSRF ---------------------------------------------------------------------------


async def test_unsafe_requests_need_the_csrf_token(browser: Browser) -> None:
    await browser.options()
    body = {"data": {"attributes": {"customer.email": "csrf@example.com"}}}
    _error(await browser.request("POST", "/jsonapi/customer", json=body), 403)
    _error(await browser.request("POST", "/jsonapi/customer?_token=wrong", json=body), 403)
    with_body = {**body, "_token": browser.csrf}
    assert (await browser.request("POST", "/jsonapi/customer", json=with_body)).status_code == 201


async def test_another_browsers_token_does_not_fit(browsers: Browsers, store: Any) -> None:
    mine, theirs = browsers(store[1]), browsers(store[1])
    await mine.options()
    await theirs.options()
    body = {"data": {"attributes": {"customer.email": "other@example.com"}}}
    answer = await mine.request("POST", f"/jsonapi/customer?_token={theirs.csrf}", json=body)
    _error(answer, 403)


async def test_a_signed_in_customer_needs_its_session_token(
    factory: Factory, browser: Browser, store: Any
) -> None:
    await browser.options()
    before = browser.csrf
    await _signed_in(factory, store[0], browser)
    assert browser.csrf != before  # sign-in gives the session's own token
    body = {"data": {"attributes": {"customer.firstname": "Changed"}}}
    _error(await browser.request("PATCH", f"/jsonapi/customer?_token={before}", json=body), 403)
    answer = await browser.request(
        "PATCH", "/jsonapi/customer", json=body, headers={"X-CSRF-Token": browser.csrf or ""}
    )
    assert answer.status_code == 200, answer.text


async def test_a_bearer_token_reads_and_writes_with_its_csrf_token(
    factory: Factory, app: Any, store: Any
) -> None:
    ctx = store[0]
    customer = await factory.customer(ctx, first_name="Bea")
    token = await factory.customer_token(ctx, customer.id)
    client = Browser(app, "anything.invalid")  # the token names the store, not the host
    auth = {"Authorization": f"Bearer {token}"}
    got = await client.request("GET", "/jsonapi/customer", headers=auth)
    assert got.json()["data"]["id"] == str(customer.id)
    body = {"data": {"attributes": {"customer.firstname": "Bee"}}}
    _error(await client.request("PATCH", "/jsonapi/customer", json=body, headers=auth), 403)
    changed = await client.request(
        "PATCH", client.with_token("/jsonapi/customer"), json=body, headers=auth
    )
    assert changed.json()["data"]["attributes"]["customer.firstname"] == "Bee"
    staff = {"Authorization": f"Bearer {ctx.owner.token}"}
    _error(await client.request("GET", "/jsonapi/customer", headers=staff), 403)
    _error(
        await client.request("GET", "/jsonapi/customer", headers={"Authorization": "Bearer x"}), 401
    )
    await client.close()


# --- sessions ---------------------------------------------------------------------


async def test_sign_in_needs_the_pre_session_token_and_the_right_password(
    factory: Factory, browser: Browser, store: Any
) -> None:
    customer = await factory.customer(store[0])
    await factory.customer_tokens(store[0], customer.id)
    body = {
        "data": {"attributes": {"customer.code": customer.email, "customer.password": PASSWORD}}
    }
    _error(await browser.request("POST", "/jsonapi/session", json=body), 403)
    wrong = await browser.sign_in(str(customer.email), "wrong password")
    _error(wrong, 401)
    assert (await browser.sign_in(str(customer.email), PASSWORD)).status_code == 200


async def test_signing_out_ends_the_session(factory: Factory, browser: Browser, store: Any) -> None:
    await _signed_in(factory, store[0], browser)
    session_cookie = dict(browser.cookies)
    out = await browser.request("DELETE", browser.with_token("/jsonapi/session"))
    assert out.status_code == 200, out.text
    assert out.json()["data"]["id"] is None
    browser.cookies = session_cookie  # an old cookie shown again reads as nobody
    again = await browser.request("GET", "/jsonapi/customer")
    assert again.json()["data"]["id"] is None


# --- which store ------------------------------------------------------------------


async def test_the_site_parameter_picks_the_store_and_stays_in_the_links(
    factory: Factory, app: Any
) -> None:
    ctx = await factory.store()
    browser = Browser(app, "unclaimed.invalid")
    answer = await browser.request("OPTIONS", f"/jsonapi?site={ctx.code}")
    assert answer.status_code == 200, answer.text
    assert answer.json()["meta"]["resources"]["customer"] == (
        f"http://unclaimed.invalid/jsonapi/customer?site={ctx.code}"
    )
    nowhere = await browser.request("GET", "/jsonapi/customer")
    assert "site" in _error(nowhere, 404)["detail"]
    _error(await browser.request("GET", "/jsonapi/customer?site=NOSUCHSTORE"), 404)
    await browser.close()


async def test_a_domain_belongs_to_the_first_store_that_claims_it(
    factory: Factory, client: httpx.AsyncClient, store: Any
) -> None:
    other = await factory.store()
    domain = store[1].split(":")[0]
    taken = await client.put(
        f"{other.base}/sites", json={"domains": [domain.upper()]}, headers=other.owner.headers
    )
    assert taken.status_code == 409, taken.text
    assert taken.json()["errors"][0]["field"] == "domains"
    bad = await client.put(
        f"{other.base}/sites",
        json={"domains": ["https://x.com/"], "cors_origins": ["x.com"]},
        headers=other.owner.headers,
    )
    assert bad.status_code == 422


async def test_a_session_of_one_store_is_nobody_on_another(
    factory: Factory, client: httpx.AsyncClient, browsers: Browsers, store: Any
) -> None:
    browser = browsers(store[1])
    await _signed_in(factory, store[0], browser)
    _, other_host = await shop(factory, client)
    elsewhere = browsers(other_host)
    elsewhere.cookies = dict(browser.cookies)
    answer = await elsewhere.request("GET", "/jsonapi/customer")
    assert answer.json()["data"]["id"] is None


# --- related items ----------------------------------------------------------------


async def test_addresses_and_properties_as_related_items(
    factory: Factory, browser: Browser, store: Any
) -> None:
    customer = await _signed_in(factory, store[0], browser)
    own = str(customer.id)
    address = {
        "data": {
            "attributes": {
                "customer.address.firstname": "Jo",
                "customer.address.address1": "Side street 2",
                "customer.address.city": "Berlin",
                "customer.address.countryid": "DE",
            }
        }
    }
    made = await browser.request(
        "POST", browser.with_token(f"/jsonapi/customer?id={own}&related=address"), json=address
    )
    assert made.status_code == 201, made.text
    item = made.json()["data"]
    assert item["type"] == "customer/address"
    assert item["attributes"]["customer.address.type"] == "shipping"
    assert item["attributes"]["customer.address.parentid"] == own
    listed = await browser.request("GET", f"/jsonapi/customer?id={own}&related=address")
    assert [i["id"] for i in listed.json()["data"]] == [item["id"]]
    changed = await browser.request(
        "PATCH",
        browser.with_token(f"/jsonapi/customer?related=address&relatedid={item['id']}"),
        json={"data": {"attributes": {"customer.address.city": "Hamburg"}}},
    )
    assert changed.json()["data"]["attributes"]["customer.address.city"] == "Hamburg"
    prop = await browser.request(
        "POST",
        browser.with_token("/jsonapi/customer?related=property"),
        json={
            "data": {
                "attributes": {
                    "customer.property.type": "newsletter",
                    "customer.property.languageid": "de",
                    "customer.property.value": "weekly",
                }
            }
        },
    )
    assert prop.status_code == 201, prop.text
    prop_id = prop.json()["data"]["id"]
    full = await browser.request(
        "GET", "/jsonapi/customer?include=customer/address,customer/property"
    )
    body = full.json()
    assert body["data"]["relationships"]["customer/address"]["data"] == [
        {"id": item["id"], "type": "customer/address"}
    ]
    assert body["data"]["relationships"]["customer/property"]["data"] == [
        {"id": prop_id, "type": "customer/property"}
    ]
    kinds = sorted(i["type"] for i in body["included"])
    assert kinds == ["customer/address", "customer/property"]
    for related, found in (("property", prop_id), ("address", item["id"])):
        url = f"/jsonapi/customer?related={related}&relatedid={found}"
        gone = await browser.request("DELETE", browser.with_token(url))
        assert gone.status_code == 200, gone.text
        _error(await browser.request("GET", url), 404)


async def test_groups_are_the_stores_to_assign(
    browser: Browser, factory: Factory, store: Any
) -> None:
    await _signed_in(factory, store[0], browser)
    url = browser.with_token("/jsonapi/customer?related=relationships")
    body = {"data": {"attributes": {"customer.lists.refid": str(uuid.uuid4())}}}
    _error(await browser.request("POST", url, json=body), 403)


async def test_setting_the_address_fields_makes_the_default_address(
    factory: Factory, browser: Browser, store: Any
) -> None:
    await _signed_in(factory, store[0], browser)
    answer = await browser.request(
        "PATCH",
        browser.with_token("/jsonapi/customer"),
        json={"data": {"attributes": {"customer.city": "Köln", "customer.countryid": "de"}}},
    )
    attributes = answer.json()["data"]["attributes"]
    assert (attributes["customer.city"], attributes["customer.countryid"]) == ("Köln", "DE")
    related = await browser.request("GET", "/jsonapi/customer?related=address")
    assert related.json()["data"] == []  # the default address is the customer's own fields


async def test_a_new_email_waits_for_its_confirmation(
    factory: Factory, browser: Browser, store: Any
) -> None:
    customer = await _signed_in(factory, store[0], browser, email="old@example.com")
    answer = await browser.request(
        "PATCH",
        browser.with_token("/jsonapi/customer"),
        json={"data": {"attributes": {"customer.email": "new@example.com"}}},
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["data"]["attributes"]["customer.email"] == "old@example.com"
    assert answer.json()["meta"]["pending"] == {"customer.email": "new@example.com"}
    stored = await factory.get_customer(store[0], customer.id)
    assert stored is not None
    assert stored.email == "old@example.com"


async def test_errors_name_the_attribute(factory: Factory, browser: Browser, store: Any) -> None:
    await _signed_in(factory, store[0], browser)
    cases = [
        ({"customer.birthday": "yesterday"}, "customer.birthday"),
        ({"customer.countryid": "XX"}, "customer.countryid"),
        ({"customer.salutation": "sir"}, "customer.salutation"),
        ({"customer.latitude": "north"}, "customer.latitude"),
        ({"customer.nickname": "x"}, "customer.nickname"),
        ({"customer.firstname": ["a"]}, "customer.firstname"),
        ({"customer.password": "short"}, "customer.password"),
    ]
    for attributes, name in cases:
        answer = await browser.request(
            "PATCH",
            browser.with_token("/jsonapi/customer"),
            json={"data": {"attributes": attributes}},
        )
        error = _error(answer, 400)
        assert error["source"] == {"pointer": f"/data/attributes/{name}"}, (name, error)


# --- sign-up --------------------------------------------------------------------------


async def _sign_up(browser: Browser, attributes: dict[str, Any]) -> httpx.Response:
    if browser.csrf is None:
        await browser.options()
    body = {"data": {"attributes": attributes}}
    return await browser.request("POST", browser.with_token("/jsonapi/customer"), json=body)


async def test_an_email_with_an_account_makes_nothing_and_tells_its_owner(
    factory: Factory, browser: Browser, store: Any
) -> None:
    ctx = store[0]
    await factory.customer(ctx, email="taken@example.com")
    answer = await _sign_up(browser, {"customer.email": "Taken@example.com"})
    assert answer.status_code == 201, answer.text  # the same answer as a new account
    async with factory.database.reading() as session:
        count = await session.scalar(
            select(func.count())
            .select_from(Customer)
            .where(Customer.store_id == ctx.id, Customer.email_key == "taken@example.com")
        )
        told = await session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(
                OutboxMessage.store_id == ctx.id,
                OutboxMessage.template == "customer_register_existing",
            )
        )
    assert (count, told) == (1, 1)


async def test_a_generated_password_is_sent_in_the_welcome(
    factory: Factory, browser: Browser, store: Any
) -> None:
    answer = await _sign_up(browser, {"customer.code": "code-only@example.com"})
    assert answer.status_code == 201, answer.text
    stored = await factory.get_customer(store[0], answer.json()["data"]["id"])
    assert stored is not None
    assert stored.email == "code-only@example.com"  # customer.code alone is the e-mail
    async with factory.database.reading() as session:
        welcome = (
            await session.scalars(
                select(OutboxMessage).where(
                    OutboxMessage.store_id == store[0].id,
                    OutboxMessage.template == "customer_welcome",
                )
            )
        ).one()
    password = welcome.context["password"]
    assert (await browser.sign_in("code-only@example.com", password)).status_code == 200


async def test_sign_up_refusals_name_the_attribute(browser: Browser) -> None:
    missing = await _sign_up(browser, {"customer.firstname": "No mail"})
    assert _error(missing, 400)["source"] == {"pointer": "/data/attributes/customer.email"}
    differ = await _sign_up(
        browser, {"customer.code": "a@example.com", "customer.email": "b@example.com"}
    )
    assert _error(differ, 400)["source"] == {"pointer": "/data/attributes/customer.code"}


async def test_three_accounts_per_address_then_429(browser: Browser, factory: Factory) -> None:
    limit = factory.settings.aimeos_signup_limit
    for n in range(limit):
        made = await _sign_up(
            browser, {"customer.email": f"n{n}-{uuid.uuid4().hex[:6]}@example.com"}
        )
        assert made.status_code == 201, made.text
    refused = await _sign_up(browser, {"customer.email": "one-more@example.com"})
    _error(refused, 429)
    assert int(refused.headers["Retry-After"]) > 0


# --- isolation --------------------------------------------------------------------


async def test_no_id_reaches_another_customer(
    factory: Factory, browsers: Browsers, client: httpx.AsyncClient, store: Any
) -> None:
    ctx, host = store
    victim = await factory.customer(ctx, first_name="Victim")
    owner = ctx.owner.headers
    victim_url = f"{ctx.base}/customers/{victim.id}"
    address = await client.post(f"{victim_url}/addresses", json={"city": "Secret"}, headers=owner)
    prop = await client.post(
        f"{victim_url}/properties", json={"type": "t", "value": "secret"}, headers=owner
    )
    address_id, prop_id = address.json()["id"], prop.json()["id"]
    browser = browsers(host)
    await _signed_in(factory, ctx, browser)
    token = browser.with_token
    _error(await browser.request("GET", f"/jsonapi/customer?id={victim.id}"), 404)
    _error(
        await browser.request(
            "PATCH",
            token(f"/jsonapi/customer?id={victim.id}"),
            json={"data": {"attributes": {"customer.firstname": "X"}}},
        ),
        404,
    )
    for related, found in (("address", address_id), ("property", prop_id)):
        url = f"/jsonapi/customer?related={related}&relatedid={found}"
        _error(await browser.request("GET", url), 404)
        _error(await browser.request("DELETE", token(url)), 404)
        patch = {
            "data": {
                "attributes": {
                    f"customer.{related}.city"
                    if related == "address"
                    else "customer.property.value": "x"
                }
            }
        }
        _error(await browser.request("PATCH", token(url), json=patch), 404)
    deleted = await browser.request("DELETE", token(f"/jsonapi/customer?id={victim.id}"))
    assert deleted.status_code == 200  # the documented success, and nothing happened
    stored = await factory.get_customer(ctx, victim.id)
    assert stored is not None
    assert stored.deleted_at is None
    async with factory.database.reading() as session:
        kept = await session.scalar(
            select(func.count())
            .select_from(CustomerProperty)
            .where(CustomerProperty.store_id == ctx.id, CustomerProperty.customer_id == victim.id)
        )
        addresses = await session.scalar(
            select(func.count())
            .select_from(CustomerAddress)
            .where(CustomerAddress.store_id == ctx.id, CustomerAddress.customer_id == victim.id)
        )
    assert (kept, addresses) == (1, 1)
    # Nor does a customer session open a staff route.
    staff = await client.get(
        f"{ctx.base}/customers/{victim.id}",
        headers={"Cookie": "; ".join(f"{k}={v}" for k, v in browser.cookies.items())},
    )
    assert staff.status_code == 401


async def test_an_anonymous_delete_answers_success_and_touches_nothing(
    factory: Factory, browser: Browser, store: Any
) -> None:
    victim = await factory.customer(store[0])
    await browser.options()
    answer = await browser.request(
        "DELETE", browser.with_token(f"/jsonapi/customer?id={victim.id}")
    )
    assert answer.status_code == 200, answer.text
    stored = await factory.get_customer(store[0], victim.id)
    assert stored is not None
    assert stored.deleted_at is None


async def test_the_default_store_and_a_trusted_proxys_host(
    factory: Factory, settings: Any, database: Any
) -> None:
    from ipaddress import ip_network

    from clientbook.app import create_app

    ctx = await factory.store()
    changed = {"default_store": ctx.code, "trusted_proxies": [ip_network("10.0.0.0/8")]}
    app = create_app(settings.model_copy(update=changed), database)
    transport = httpx.ASGITransport(app=app, client=("10.1.1.1", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://internal:9000") as c:
        answer = await c.options(
            "/jsonapi",
            headers={"X-Forwarded-Proto": "https", "X-Forwarded-Host": "shop.example.com"},
        )
        assert answer.status_code == 200, answer.text
        resources = answer.json()["meta"]["resources"]
        assert resources["customer"] == "https://shop.example.com/jsonapi/customer"
        got = await c.get("/jsonapi/customer")
        assert got.json()["data"]["id"] is None  # the default store answered

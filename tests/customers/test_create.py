"""POST /v1/stores/{store}/customers: what is accepted, what is stored, what comes back."""

import asyncio
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest

from tests.customers.helpers import create, ids, listing, problem, unique_email, url
from tests.factories import Factory

READ_ONLY_NULLS = ("default_price_list_id", "level_id", "pos_id", "seller_id", "deleted_at")


def parse_ts(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


async def test_full_body_is_stored_and_returned(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store(country="DE")
    email = unique_email("Layla.Hassan")
    before = datetime.now(UTC)
    response = await client.post(
        url(ctx),
        json={
            "first_name": "Layla",
            "last_name": "Hassan",
            "display_name": "Lay",
            "salutation": "ms",
            "title": "Dr.",
            "email": email,
            "phone": "0151 2345 678",
            "fax": "+49 30 1234567",
            "birth_date": "1990-05-17",
            "gender": "female",
            "language": "de-DE",
            "website": "https://example.com/shop",
            "preferred_currency": "eur",
            "company": {"name": "Hassan GmbH", "tax_id": "DE123456789"},
            "loyalty_card_number": "CARD-0001",
            "labels": [{"key": "vip", "value": "gold"}, {"key": "wholesale"}],
            "consents": {"agreement1": True, "email_marketing": False},
            "preferences": {"newsletter": True, "visits": 3, "color": "blue"},
            "metadata": {"crm_id": "42"},
            "status": "new",
        },
        headers=ctx.seller.headers,
    )
    after = datetime.now(UTC)
    assert response.status_code == 201, response.text
    body = response.json()
    customer_id = body["id"]
    assert response.headers["location"] == f"{ctx.base}/customers/{customer_id}"
    assert response.headers["etag"] == '"1"'

    consents = body.pop("consents")
    created_at = parse_ts(body.pop("created_at"))
    updated_at = parse_ts(body.pop("updated_at"))
    assert body == {
        "id": customer_id,
        "store_id": str(ctx.id),
        "name": "Layla Hassan",
        "first_name": "Layla",
        "last_name": "Hassan",
        "display_name": "Lay",
        "salutation": "ms",
        "title": "Dr.",
        "email": email,
        "phone": "+491512345678",
        "fax": "+49 30 1234567",
        "birth_date": "1990-05-17",
        "gender": "female",
        "language": "de-DE",
        "website": "https://example.com/shop",
        "preferred_currency": "EUR",
        "company": {"name": "Hassan GmbH", "tax_id": "DE123456789"},
        "loyalty_card_number": "CARD-0001",
        "labels": [{"key": "vip", "value": "gold"}, {"key": "wholesale", "value": ""}],
        "preferences": {"newsletter": True, "visits": 3, "color": "blue"},
        "metadata": {"crm_id": "42"},
        "status": "new",
        "is_active": True,
        "default_price_list_id": None,
        "level_id": None,
        "pos_id": None,
        "seller_id": None,
        "user_id": None,
        "linked_store_id": None,
        "deleted_at": None,
        "version": 1,
    }
    assert before <= created_at <= after
    assert created_at == updated_at

    assert set(consents) == {"agreement1", "email_marketing"}
    granted = consents["agreement1"]
    assert granted["granted"] is True
    assert before <= parse_ts(granted["granted_at"]) <= after
    assert granted["updated_at"] == granted["granted_at"]
    refused = consents["email_marketing"]
    assert refused["granted"] is False
    assert refused["granted_at"] is None
    assert before <= parse_ts(refused["updated_at"]) <= after

    # What GET returns is what POST returned.
    fetched = await client.get(response.headers["location"], headers=ctx.seller.headers)
    assert fetched.status_code == 200
    assert fetched.headers["etag"] == '"1"'
    assert fetched.json() == response.json()

    stored = await factory.get_customer(ctx, customer_id)
    assert stored is not None
    assert stored.email == email
    assert stored.email_key == email.lower()
    assert stored.phone == "0151 2345 678"
    assert stored.phone_e164 == "+491512345678"


async def test_minimal_body_gets_defaults(client: httpx.AsyncClient, factory: Factory) -> None:
    ctx = await factory.store()
    email = unique_email()
    body = await create(client, ctx, {"email": email})
    for field in (
        "first_name",
        "last_name",
        "display_name",
        "salutation",
        "title",
        "phone",
        "fax",
        "birth_date",
        "gender",
        "language",
        "website",
        "preferred_currency",
        "company",
        "loyalty_card_number",
        *READ_ONLY_NULLS,
    ):
        assert body[field] is None, field
    assert body["name"] == email
    assert body["email"] == email
    assert body["labels"] == []
    assert body["consents"] == {}
    assert body["preferences"] == {}
    assert body["metadata"] == {}
    assert body["status"] == "active"
    assert body["is_active"] is True
    assert body["version"] == 1


@pytest.mark.parametrize(
    ("fields", "name"),
    [
        ({"first_name": "Ana"}, "Ana"),
        ({"last_name": "Silva"}, "Silva"),
        ({"first_name": "Ana", "last_name": "Silva", "display_name": "AS"}, "Ana Silva"),
        ({"display_name": "Ana's Bakery", "email": "bakery@example.com"}, "Ana's Bakery"),
        ({"email": "only@example.com"}, "only@example.com"),
        ({"phone": "+4915112345678"}, ""),
    ],
)
async def test_name_falls_back_from_full_name_to_display_name_to_email(
    client: httpx.AsyncClient, factory: Factory, fields: dict[str, str], name: str
) -> None:
    ctx = await factory.store()
    assert (await create(client, ctx, fields))["name"] == name


async def test_names_are_trimmed_and_blank_becomes_null(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store()
    body = await create(
        client,
        ctx,
        {
            "first_name": "  Layla ",
            "last_name": "   ",
            "display_name": "",
            "title": None,
            "company": {"name": " ACME ", "tax_id": "  "},
            "email": unique_email(),
        },
    )
    assert body["first_name"] == "Layla"
    assert body["last_name"] is None
    assert body["display_name"] is None
    assert body["title"] is None
    assert body["company"] == {"name": "ACME", "tax_id": None}
    assert body["name"] == "Layla"
    stored = await factory.get_customer(ctx, body["id"])
    assert stored is not None
    assert (stored.first_name, stored.last_name, stored.display_name) == ("Layla", None, None)


@pytest.mark.parametrize(
    ("field", "longest"),
    [("first_name", 100), ("last_name", 100), ("display_name", 200), ("title", 64)],
)
async def test_names_have_a_maximum_length(
    client: httpx.AsyncClient, factory: Factory, field: str, longest: int
) -> None:
    ctx = await factory.store()
    ok = await create(client, ctx, {field: "x" * longest, "email": unique_email()})
    assert ok[field] == "x" * longest
    response = await client.post(
        url(ctx), json={field: "x" * (longest + 1)}, headers=ctx.seller.headers
    )
    problem(response, 422, field)


async def test_loyalty_card_and_company_have_maximum_lengths(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store()
    for body, field in (
        ({"loyalty_card_number": "9" * 65}, "loyalty_card_number"),
        ({"company": {"name": "c" * 201}}, "company.name"),
        ({"company": {"tax_id": "t" * 65}}, "company.tax_id"),
    ):
        response = await client.post(
            url(ctx), json={"first_name": "A", **body}, headers=ctx.seller.headers
        )
        problem(response, 422, field)
    assert (await listing(client, ctx))["pagination"]["total"] == 0


async def test_email_is_trimmed_and_stored_as_given(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store()
    email = unique_email("Mixed.Case").replace("example.com", "Example.COM")
    body = await create(client, ctx, {"email": f"  {email}\t"})
    assert body["email"] == email
    fetched = await client.get(url(ctx, body["id"]), headers=ctx.seller.headers)
    assert fetched.json()["email"] == email


@pytest.mark.parametrize("email", ["not-an-email", "a@", "@example.com", "a b@example.com", "   "])
async def test_invalid_email_is_422(
    client: httpx.AsyncClient, factory: Factory, email: str
) -> None:
    ctx = await factory.store()
    response = await client.post(
        url(ctx), json={"first_name": "A", "email": email}, headers=ctx.seller.headers
    )
    problem(response, 422, "email")


async def test_email_may_have_at_most_254_characters(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store()
    domain = "b" * 63 + "." + "c" * 63 + "." + "d" * 57 + ".com"
    longest = "a" * 64 + "@" + domain
    assert len(longest) == 254
    assert (await create(client, ctx, {"email": longest}))["email"] == longest
    too_long = "a" * 64 + "@" + "e" + domain
    response = await client.post(url(ctx), json={"email": too_long}, headers=ctx.seller.headers)
    problem(response, 422, "email")


async def test_email_is_unique_per_store_ignoring_case(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store()
    email = unique_email("dup")
    first = await create(client, ctx, {"email": email})
    response = await client.post(
        url(ctx),
        json={"first_name": "Other", "email": f" {email.upper()} "},
        headers=ctx.seller.headers,
    )
    body = problem(response, 409, "email")
    assert [e["field"] for e in body["errors"]] == ["email"]
    assert await ids(client, ctx) == [first["id"]]


async def test_same_email_in_another_store_is_fine(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    one, two = await factory.store(), await factory.store()
    email = unique_email("shared")
    a = await create(client, one, {"email": email})
    b = await create(client, two, {"email": email})
    assert a["id"] != b["id"]
    assert await ids(client, one) == [a["id"]]
    assert await ids(client, two) == [b["id"]]


async def test_customers_without_email_do_not_collide(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store()
    a = await create(client, ctx, {"first_name": "A"})
    b = await create(client, ctx, {"first_name": "B", "email": None})
    assert sorted(await ids(client, ctx)) == sorted([a["id"], b["id"]])


async def test_loyalty_card_is_unique_per_store(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx, other = await factory.store(), await factory.store()
    first = await create(client, ctx, {"first_name": "A", "loyalty_card_number": "LC-1"})
    response = await client.post(
        url(ctx),
        json={"first_name": "B", "loyalty_card_number": "LC-1"},
        headers=ctx.seller.headers,
    )
    problem(response, 409, "loyalty_card_number")
    assert await ids(client, ctx) == [first["id"]]
    elsewhere = await create(client, other, {"first_name": "C", "loyalty_card_number": "LC-1"})
    assert elsewhere["loyalty_card_number"] == "LC-1"


@pytest.mark.parametrize(
    ("given", "e164"),
    [
        ("0151 2345 678", "+491512345678"),
        ("+49 1512345678", "+491512345678"),
        ("(030) 123-4567", "+49301234567"),
        ("+1 202-555-0143", "+12025550143"),
        ("0049 30 1234567", "+49301234567"),
    ],
)
async def test_phone_is_read_with_the_store_country_and_returned_as_e164(
    client: httpx.AsyncClient, factory: Factory, given: str, e164: str
) -> None:
    ctx = await factory.store(country="DE")
    body = await create(client, ctx, {"phone": given})
    assert body["phone"] == e164
    stored = await factory.get_customer(ctx, body["id"])
    assert stored is not None
    assert stored.phone_e164 == e164


async def test_store_without_country_keeps_a_local_phone_as_given(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    """Without a country a local number cannot be normalised: it is kept as written, and
    compared and found by its digits; the international form is still normalised."""
    ctx = await factory.store(country=None)
    local = await create(client, ctx, {"phone": "0151 2345 678"})
    assert local["phone"] == "0151 2345 678"
    stored = await factory.get_customer(ctx, local["id"])
    assert stored is not None
    assert (stored.phone, stored.phone_e164, stored.phone_key) == (
        "0151 2345 678",
        None,
        "01512345678",
    )
    body = await create(client, ctx, {"phone": "+49 151 2345 678"})
    assert body["phone"] == "+491512345678"
    international = await factory.get_customer(ctx, body["id"])
    assert international is not None
    assert international.phone_key == "+491512345678"
    dialled = await create(client, ctx, {"phone": "0048 600 700 800"})  # 00: international
    assert dialled["phone"] == "+48600700800"
    for short_or_odd in ("123 45", "0151 2345 678 ext 9", "+49 1"):
        response = await client.post(
            url(ctx), json={"phone": short_or_odd}, headers=ctx.seller.headers
        )
        problem(response, 422, "phone")


@pytest.mark.parametrize(
    "phone",
    [
        "abc",
        "12",  # dialable only locally, without an area code
        "123",
        "",
        "   ",
        "+49 1",
        "+49 1512 3456 7890 12",  # 16 digits: longer than E.164 allows
        "+49 151 2345 6789 0123 45",
        "1" * 65,
    ],
)
async def test_invalid_phone_is_422(
    client: httpx.AsyncClient, factory: Factory, phone: str
) -> None:
    ctx = await factory.store(country="DE")
    response = await client.post(
        url(ctx), json={"first_name": "A", "phone": phone}, headers=ctx.seller.headers
    )
    problem(response, 422, "phone")
    assert (await listing(client, ctx))["pagination"]["total"] == 0


async def test_invalid_fax_is_422(client: httpx.AsyncClient, factory: Factory) -> None:
    ctx = await factory.store(country="DE")
    response = await client.post(
        url(ctx), json={"first_name": "A", "fax": "not a number"}, headers=ctx.seller.headers
    )
    problem(response, 422, "fax")


async def test_birth_date_may_be_today_but_not_in_the_future(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store()
    # A day of slack either way: the server's "today" may be in another time zone.
    yesterday = (date.today() - timedelta(days=1)).isoformat()
    ok = await create(client, ctx, {"first_name": "A", "birth_date": yesterday})
    assert ok["birth_date"] == yesterday
    future = (date.today() + timedelta(days=2)).isoformat()
    response = await client.post(
        url(ctx), json={"first_name": "B", "birth_date": future}, headers=ctx.seller.headers
    )
    problem(response, 422, "birth_date")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"gender": "other"}, "gender"),
        ({"salutation": "sir"}, "salutation"),
        ({"status": "deleted"}, "status"),
        ({"status": "archived"}, "status"),
        ({"language": "EN"}, "language"),
        ({"language": "english language"}, "language"),
        ({"preferred_currency": "EURO"}, "preferred_currency"),
        ({"preferred_currency": "ABC"}, "preferred_currency"),
        ({"website": "not a url"}, "website"),
        ({"website": "ftp://example.com"}, "website"),
        ({"website": "https://example.com/" + "p" * 250}, "website"),
        ({"birth_date": "17.05.1990"}, "birth_date"),
        ({"is_active": "sometimes"}, "is_active"),
        ({"labels": [{"value": "no key"}]}, "labels.0.key"),
        ({"labels": [{"key": ""}]}, "labels.0.key"),
        ({"labels": [{"key": f"k{i}"} for i in range(51)]}, "labels"),
        ({"consents": {"agreement9": True}}, "consents.agreement9.[key]"),
        ({"consents": {"agreement1": "maybe"}}, "consents.agreement1"),
        ({"company": {"name": "A", "vat": "x"}}, "company.vat"),
    ],
)
async def test_invalid_values_are_422_naming_the_field(
    client: httpx.AsyncClient, factory: Factory, body: dict[str, Any], field: str
) -> None:
    ctx = await factory.store()
    response = await client.post(
        url(ctx), json={"first_name": "A", **body}, headers=ctx.seller.headers
    )
    problem(response, 422, field)
    assert (await listing(client, ctx))["pagination"]["total"] == 0


@pytest.mark.parametrize(
    "field", ["favourite_color", "id", "version", "created_at", "default_price_list_id", "name"]
)
async def test_unknown_and_read_only_fields_are_422_naming_the_field(
    client: httpx.AsyncClient, factory: Factory, field: str
) -> None:
    ctx = await factory.store()
    response = await client.post(
        url(ctx), json={"first_name": "A", field: "x"}, headers=ctx.seller.headers
    )
    problem(response, 422, field)


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"title": "Dr.", "gender": "male", "loyalty_card_number": "X1"},
        {"first_name": "  ", "last_name": "", "display_name": None, "email": None},
    ],
)
async def test_a_customer_needs_a_name_email_or_phone(
    client: httpx.AsyncClient, factory: Factory, body: dict[str, Any]
) -> None:
    ctx = await factory.store()
    response = await client.post(url(ctx), json=body, headers=ctx.seller.headers)
    problem(response, 422)
    assert response.json()["errors"]
    assert (await listing(client, ctx))["pagination"]["total"] == 0


async def test_metadata_limits(client: httpx.AsyncClient, factory: Factory) -> None:
    ctx = await factory.store()
    fifty = {f"key{i}": "v" for i in range(50)}
    ok = await create(client, ctx, {"first_name": "A", "metadata": fifty})
    assert ok["metadata"] == fifty
    edge = {"k" * 40: "x" * 500}
    assert (await create(client, ctx, {"first_name": "B", "metadata": edge}))["metadata"] == edge

    for metadata in (
        {**fifty, "key50": "v"},
        {"k" * 41: "v"},
        {"key": "x" * 501},
        {"key": 1},
        {"key": None},
        {"": "v"},
    ):
        response = await client.post(
            url(ctx), json={"first_name": "C", "metadata": metadata}, headers=ctx.seller.headers
        )
        body = problem(response, 422)
        assert all(e["field"].startswith("metadata") for e in body["errors"]), body
    assert (await listing(client, ctx))["pagination"]["total"] == 2


async def test_is_active_and_status_at_creation(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store()
    inactive = await create(client, ctx, {"first_name": "A", "is_active": False})
    assert (inactive["status"], inactive["is_active"]) == ("active", False)
    blocked = await create(client, ctx, {"first_name": "B", "status": "blocked"})
    assert (blocked["status"], blocked["is_active"]) == ("blocked", False)
    new = await create(client, ctx, {"first_name": "C", "status": "new"})
    assert (new["status"], new["is_active"]) == ("new", True)


async def test_malformed_json_is_400(client: httpx.AsyncClient, factory: Factory) -> None:
    ctx = await factory.store()
    response = await client.post(
        url(ctx),
        content=b'{"first_name": "A",',
        headers={**ctx.seller.headers, "Content-Type": "application/json"},
    )
    problem(response, 400)
    assert (await listing(client, ctx))["pagination"]["total"] == 0


async def test_body_that_is_not_an_object_is_422(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store()
    response = await client.post(url(ctx), json=["first_name"], headers=ctx.seller.headers)
    problem(response, 422)


async def test_non_json_body_is_415(client: httpx.AsyncClient, factory: Factory) -> None:
    ctx = await factory.store()
    response = await client.post(url(ctx), data={"first_name": "A"}, headers=ctx.seller.headers)
    problem(response, 415)


async def test_access_needs_a_token_and_membership(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx, other = await factory.store(), await factory.store()
    response = await client.post(url(ctx), json={"first_name": "A"})
    problem(response, 401)
    response = await client.post(url(ctx), json={"first_name": "A"}, headers=other.owner.headers)
    problem(response, 404)
    assert (await listing(client, ctx))["pagination"]["total"] == 0


@pytest.mark.parametrize("role", ["owner", "admin", "seller"])
async def test_every_role_can_create(
    client: httpx.AsyncClient, factory: Factory, role: str
) -> None:
    ctx = await factory.store()
    staff = getattr(ctx, role)
    response = await client.post(url(ctx), json={"first_name": role}, headers=staff.headers)
    assert response.status_code == 201, response.text


async def test_store_can_be_addressed_by_id(client: httpx.AsyncClient, factory: Factory) -> None:
    ctx = await factory.store()
    response = await client.post(
        f"/v1/stores/{ctx.id}/customers", json={"first_name": "A"}, headers=ctx.seller.headers
    )
    assert response.status_code == 201, response.text
    assert response.headers["location"] == f"{ctx.base}/customers/{response.json()['id']}"


# --- Idempotency-Key -------------------------------------------------------------------------


async def test_idempotent_retry_returns_the_first_response(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store()
    body = {"first_name": "Retry", "email": unique_email()}
    key = {"Idempotency-Key": "order-123"}
    first = await client.post(url(ctx), json=body, headers={**ctx.seller.headers, **key})
    assert first.status_code == 201, first.text
    again = await client.post(
        url(ctx), json=dict(reversed(body.items())), headers={**ctx.seller.headers, **key}
    )
    assert again.status_code == 201, again.text
    assert again.json() == first.json()
    assert again.headers["location"] == first.headers["location"]
    assert again.headers["etag"] == first.headers["etag"]
    assert await ids(client, ctx) == [first.json()["id"]]


async def test_idempotency_key_with_a_different_body_is_409(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store()
    key = {"Idempotency-Key": "k-1"}
    first = await client.post(
        url(ctx), json={"first_name": "One"}, headers={**ctx.seller.headers, **key}
    )
    assert first.status_code == 201
    second = await client.post(
        url(ctx), json={"first_name": "Two"}, headers={**ctx.seller.headers, **key}
    )
    problem(second, 409, "Idempotency-Key")
    assert await ids(client, ctx) == [first.json()["id"]]


async def test_idempotency_keys_are_per_store(client: httpx.AsyncClient, factory: Factory) -> None:
    one, two = await factory.store(), await factory.store()
    key = {"Idempotency-Key": "same-key"}
    a = await client.post(url(one), json={"first_name": "A"}, headers={**one.seller.headers, **key})
    b = await client.post(url(two), json={"first_name": "A"}, headers={**two.seller.headers, **key})
    assert (a.status_code, b.status_code) == (201, 201)
    assert a.json()["id"] != b.json()["id"]
    assert b.json()["store_id"] == str(two.id)
    assert await ids(client, two) == [b.json()["id"]]


async def test_without_idempotency_key_each_post_creates(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store()
    a = await create(client, ctx, {"first_name": "Twin"})
    b = await create(client, ctx, {"first_name": "Twin"})
    assert a["id"] != b["id"]
    assert len(await ids(client, ctx)) == 2


async def test_a_failed_request_does_not_use_up_its_idempotency_key(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store()
    email = unique_email()
    await create(client, ctx, {"email": email})
    key = {"Idempotency-Key": "after-failure"}
    failed = await client.post(
        url(ctx), json={"email": email}, headers={**ctx.seller.headers, **key}
    )
    problem(failed, 409, "email")
    fixed = await client.post(
        url(ctx), json={"email": unique_email()}, headers={**ctx.seller.headers, **key}
    )
    assert fixed.status_code == 201, fixed.text
    assert len(await ids(client, ctx)) == 2


async def test_idempotent_replay_is_the_original_response_after_later_changes(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store()
    key = {"Idempotency-Key": "k-later"}
    first = await client.post(
        url(ctx), json={"first_name": "Before"}, headers={**ctx.seller.headers, **key}
    )
    customer_id = first.json()["id"]
    patched = await client.patch(
        url(ctx, customer_id), json={"first_name": "After"}, headers=ctx.seller.headers
    )
    assert patched.status_code == 200
    again = await client.post(
        url(ctx), json={"first_name": "Before"}, headers={**ctx.seller.headers, **key}
    )
    assert again.status_code == 201
    assert again.json() == first.json()
    assert await ids(client, ctx) == [customer_id]


async def test_concurrent_retries_with_one_idempotency_key_create_one_customer(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store()
    headers = {**ctx.seller.headers, "Idempotency-Key": "race-1"}
    body = {"first_name": "Racer", "email": unique_email()}
    responses = await asyncio.gather(
        *(client.post(url(ctx), json=body, headers=headers) for _ in range(6))
    )
    assert [r.status_code for r in responses] == [201] * 6, [r.text for r in responses]
    assert len({r.json()["id"] for r in responses}) == 1
    assert len({r.headers["location"] for r in responses}) == 1
    assert len(await ids(client, ctx)) == 1


async def test_concurrent_creates_with_one_email_make_one_customer(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store()
    email = unique_email("race")
    responses = await asyncio.gather(
        *(
            client.post(
                url(ctx), json={"first_name": f"R{i}", "email": email}, headers=ctx.seller.headers
            )
            for i in range(6)
        )
    )
    assert sorted(r.status_code for r in responses) == [201] + [409] * 5, [
        r.text for r in responses
    ]
    for response in responses:
        if response.status_code == 409:
            problem(response, 409, "email")
    assert len(await ids(client, ctx)) == 1


@pytest.mark.parametrize(("key", "status"), [("", 422), ("k" * 255, 201), ("k" * 256, 422)])
async def test_idempotency_key_length(
    client: httpx.AsyncClient, factory: Factory, key: str, status: int
) -> None:
    ctx = await factory.store()
    response = await client.post(
        url(ctx), json={"first_name": "K"}, headers={**ctx.seller.headers, "Idempotency-Key": key}
    )
    if status == 422:
        problem(response, 422, "Idempotency-Key")
    else:
        assert response.status_code == status, response.text

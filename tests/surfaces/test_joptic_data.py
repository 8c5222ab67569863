"""J-Optic: what its clients send comes back as sent (birthdays, local phone numbers)."""

import httpx
import pytest

from tests.factories import Factory
from tests.surfaces.test_joptic import EXAMPLE_1, create


def _with(**person: str) -> dict[str, object]:
    return {"customerData": {**EXAMPLE_1["customerData"], **person}}  # type: ignore[dict-item]


@pytest.mark.parametrize(
    ("sent", "day"),
    [
        ("1992-05-11T23:00:00.000Z", "1992-05-12"),  # local midnight in UTC+1
        ("1992-05-11T14:00:00.000Z", "1992-05-12"),  # local midnight in UTC+10
        ("1992-05-12T05:00:00.000Z", "1992-05-12"),  # local midnight in UTC-5
        ("1992-05-12T12:00:00.000Z", "1992-05-12"),  # noon UTC, a common way to send a day
        ("1992-05-12T00:00:00.000Z", "1992-05-12"),
    ],
)
async def test_the_birthday_instant_comes_back_as_sent(
    client: httpx.AsyncClient, factory: Factory, sent: str, day: str
) -> None:
    ctx = await factory.store()
    response = await create(client, ctx, _with(dateOfBirth=sent))
    assert response.status_code == 201, response.text
    assert response.json()["localData"]["dateOfBirth"] == sent
    customer_id = response.json()["customer"]["id"]
    canonical = await client.get(f"{ctx.base}/customers/{customer_id}", headers=ctx.seller.headers)
    assert canonical.json()["birth_date"] == day


async def test_an_instant_with_an_offset_is_the_same_instant(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store()
    response = await create(client, ctx, _with(dateOfBirth="1992-05-12T00:00:00+02:00"))
    assert response.status_code == 201, response.text
    assert response.json()["localData"]["dateOfBirth"] == "1992-05-11T22:00:00.000Z"


@pytest.mark.parametrize(
    "sent", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:00:00-14:00", "9999-12-31T23:00:00Z"]
)
async def test_a_birthday_instant_with_no_utc_day_is_refused(
    client: httpx.AsyncClient, factory: Factory, sent: str
) -> None:
    """Past year 1 or 9999 once in UTC (or its day, counted from noon, after 9999): a 400
    in J-Optic's shape, not a 500."""
    ctx = await factory.store()
    response = await create(client, ctx, _with(dateOfBirth=sent))
    assert response.status_code == 400, response.text
    assert set(response.json()) == {"statusCode", "message", "error"}


async def test_a_changed_birth_date_forgets_the_instant(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store()
    response = await create(client, ctx, _with(dateOfBirth="1992-05-11T23:00:00.000Z"))
    customer_id = response.json()["customer"]["id"]
    url = f"{ctx.base}/customers/{customer_id}"
    same = await client.patch(url, json={"birth_date": "1992-05-12"}, headers=ctx.seller.headers)
    assert same.status_code == 200
    stored = await factory.get_customer(ctx, customer_id)
    assert stored is not None
    assert stored.birth_instant is not None
    moved = await client.patch(url, json={"birth_date": "1992-06-01"}, headers=ctx.seller.headers)
    assert moved.json()["birth_date"] == "1992-06-01"
    stored = await factory.get_customer(ctx, customer_id)
    assert stored is not None
    assert (stored.birth_date.isoformat(), stored.birth_instant) == ("1992-06-01", None)


async def test_a_local_phone_number_in_a_store_without_country_is_kept(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store(country=None)
    response = await create(client, ctx, _with(phoneNumber="0612345678"))
    assert response.status_code == 201, response.text
    assert response.json()["localData"]["phoneNumber"] == "0612345678"
    customer_id = response.json()["customer"]["id"]
    found = await client.get(
        f"{ctx.base}/customers", params={"q": "0612345678"}, headers=ctx.seller.headers
    )
    assert [c["id"] for c in found.json()["data"]] == [customer_id]
    assert found.json()["data"][0]["phone"] == "0612345678"


async def test_a_local_phone_number_is_normalised_where_the_store_has_a_country(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store(country="FR")
    response = await create(client, ctx, _with(phoneNumber="06 12 34 56 78"))
    assert response.status_code == 201, response.text
    assert response.json()["localData"]["phoneNumber"] == "06 12 34 56 78"
    customer_id = response.json()["customer"]["id"]
    canonical = await client.get(f"{ctx.base}/customers/{customer_id}", headers=ctx.seller.headers)
    assert canonical.json()["phone"] == "+33612345678"

"""API keys on the staff surfaces: J-Optic and Jethings take them as a staff token, and
refuse a bad one in their own error format."""

import json

import httpx
from sqlalchemy import update

from clientbook.api_keys.keys import hash_key
from clientbook.kit.db import Database, utcnow
from clientbook.models import ApiKey
from tests.api_keys.keys import make_key
from tests.factories import Factory
from tests.surfaces.test_joptic import EXAMPLE_2

REFUSED = "The API key is invalid, revoked or expired"


def _headers(key: str, store: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}", "x-store-id": store}


async def _revoke(database: Database, key: str) -> None:
    async with database.transaction() as session:
        await session.execute(
            update(ApiKey).where(ApiKey.token_hash == hash_key(key)).values(revoked_at=utcnow())
        )


async def test_joptic_takes_a_key_and_refuses_a_revoked_one(
    client: httpx.AsyncClient, factory: Factory, database: Database
) -> None:
    ours, theirs = await factory.store(), await factory.store()
    key = await make_key(client, ours, "seller")
    form = [("jsonData", (None, json.dumps(EXAMPLE_2)))]
    made = await client.post("/customer", files=form, headers=_headers(key, ours.code))
    assert made.status_code == 201, made.text
    listed = await client.get("/customer", headers=_headers(key, str(ours.id)))
    assert listed.status_code == 200
    assert listed.json()["pagination"]["total"] == 1

    elsewhere = await client.get("/customer", headers=_headers(key, theirs.code))
    assert elsewhere.status_code == 403
    assert elsewhere.json()["message"] == "You do not have access to this store"

    await _revoke(database, key)
    refused = await client.get("/customer", headers=_headers(key, ours.code))
    assert refused.status_code == 401
    assert refused.json() == {"statusCode": 401, "message": REFUSED, "error": "Unauthorized"}


async def test_jethings_takes_a_key_and_refuses_a_revoked_one(
    client: httpx.AsyncClient, factory: Factory, database: Database
) -> None:
    ours, theirs = await factory.store(), await factory.store()
    key = await make_key(client, ours, "admin")
    made = await client.post(
        "/customers", json={"localName": "Key Customer"}, headers=_headers(key, ours.code)
    )
    assert made.status_code == 200, made.text
    listed = await client.get("/customers", headers=_headers(key, ours.code))
    assert listed.status_code == 200
    assert "Key Customer" in listed.text

    elsewhere = await client.get("/customers", headers=_headers(key, theirs.code))
    assert elsewhere.json() == {
        "message": "You do not have access to this store",
        "statusCode": 403,
    }

    await _revoke(database, key)
    refused = await client.get("/customers", headers=_headers(key, ours.code))
    assert refused.status_code == 401
    assert refused.json() == {"message": REFUSED, "statusCode": 401}
    malformed = await client.get("/customers", headers=_headers("cbk_nope", ours.code))
    assert malformed.json() == {"message": REFUSED, "statusCode": 401}

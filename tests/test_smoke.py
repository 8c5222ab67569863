import httpx

from tests.factories import Factory


async def test_healthz(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_readyz_reaches_the_database(client: httpx.AsyncClient) -> None:
    response = await client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["database"] == "ok"


async def test_create_and_read_a_customer(client: httpx.AsyncClient, factory: Factory) -> None:
    ctx = await factory.store()
    created = await client.post(
        f"{ctx.base}/customers",
        json={"first_name": "Layla", "last_name": "Hassan", "email": "layla@example.com"},
        headers=ctx.seller.headers,
    )
    assert created.status_code == 201, created.text
    body = created.json()
    fetched = await client.get(f"{ctx.base}/customers/{body['id']}", headers=ctx.seller.headers)
    assert fetched.status_code == 200
    assert fetched.json()["email"] == "layla@example.com"
    assert fetched.headers["etag"] == '"1"'

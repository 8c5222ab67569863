"""Make API keys the way a store owner does: over the canonical API."""

import uuid

import httpx

from tests.factories import StoreCtx


async def make_key(
    client: httpx.AsyncClient, ctx: StoreCtx, role: str = "seller", name: str | None = None
) -> str:
    name = name or f"key-{uuid.uuid4().hex[:8]}"
    made = await client.post(
        f"{ctx.base}/api-keys", json={"name": name, "role": role}, headers=ctx.owner.headers
    )
    assert made.status_code == 201, made.text
    key: str = made.json()["key"]
    return key


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}

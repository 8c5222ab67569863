"""``Idempotency-Key``: a retried request gets the first response instead of a duplicate."""

import hashlib
from typing import Any

from fastapi.responses import JSONResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from clientbook.kit.errors import Conflict, FieldError
from clientbook.kit.integrity import UniqueRule, unique_violations
from clientbook.kit.locks import hold_value_lock
from clientbook.models import IdempotencyRecord
from clientbook.stores.scope import StoreScope

HEADER = "Idempotency-Key"

_IN_FLIGHT = UniqueRule(
    "pk_idempotency_keys",
    "idempotency_keys",
    ("store_id", "key"),
    HEADER,
    "another request with this Idempotency-Key is being processed",
)


def request_hash(canonical_body: str) -> str:
    return hashlib.sha256(canonical_body.encode()).hexdigest()


async def replay(
    session: AsyncSession, scope: StoreScope, key: str, body_hash: str
) -> JSONResponse | None:
    """The stored response for this key, or None when the key is new.

    Concurrent requests with one key queue here until the first one ends, so a retry sent
    while the original is still running gets its response instead of a conflict.
    """
    await hold_value_lock(session, "idempotency", scope.store_id, key)
    record = await session.get(IdempotencyRecord, (scope.store_id, key))
    if record is None:
        return None
    if record.request_hash != body_hash:
        message = "this Idempotency-Key was already used with a different request body"
        raise Conflict(message, errors=[FieldError(HEADER, message)])
    return JSONResponse(record.response, status_code=record.status_code, headers=record.headers)


async def remember(
    session: AsyncSession,
    scope: StoreScope,
    key: str,
    body_hash: str,
    response: Response,
    content: Any,
) -> None:
    headers = {k: v for k, v in response.headers.items() if k.lower() in ("location", "etag")}
    session.add(
        IdempotencyRecord(
            store_id=scope.store_id,
            key=key,
            request_hash=body_hash,
            status_code=response.status_code,
            response=content,
            headers=headers,
        )
    )
    async with unique_violations([_IN_FLIGHT]):
        await session.flush()

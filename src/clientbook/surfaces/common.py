"""What the store-staff surfaces share: the ``x-store-id`` header and JavaScript dates."""

import uuid
from datetime import UTC, date, datetime, time
from typing import Annotated

from fastapi import Depends, Header

from clientbook.deps import ClaimsDep, SessionDep
from clientbook.kit.errors import BadRequest
from clientbook.stores.scope import StoreScope, resolve_store_scope

# Ids for records that Clientbook keeps as part of the customer (J-Optic's localData,
# Jethings' customer-store relation): stable, distinct, and derived from the customer id.
_DERIVED = uuid.UUID("6f1d2c3e-8a4b-4c5d-9e6f-7a8b9c0d1e2f")


def derived_id(kind: str, customer_id: uuid.UUID) -> uuid.UUID:
    return uuid.uuid5(_DERIVED, f"{kind}:{customer_id}")


async def header_store_scope(
    session: SessionDep,
    claims: ClaimsDep,
    store: Annotated[str | None, Header(alias="x-store-id", max_length=64)] = None,
) -> StoreScope:
    """The store named by ``x-store-id`` (its id or its code)."""
    if not store or not store.strip():
        raise BadRequest("The x-store-id header is required")
    return await resolve_store_scope(session, claims, store.strip())


HeaderStoreScope = Annotated[StoreScope, Depends(header_store_scope)]


def js_datetime(value: datetime | date | None) -> str | None:
    """``2024-01-15T10:00:00.000Z``, as JavaScript's ``Date.toISOString()`` writes it."""
    if value is None:
        return None
    if not isinstance(value, datetime):
        value = datetime.combine(value, time(), tzinfo=UTC)
    value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"

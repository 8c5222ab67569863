"""API key use cases: an owner or admin creates, lists and revokes a store's keys."""

import uuid

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from clientbook.api_keys.keys import SHOWN, hash_key, new_key
from clientbook.api_keys.schemas import ApiKeyCreate
from clientbook.kit.db import utcnow
from clientbook.kit.errors import FieldError, Forbidden, NotFound, ValidationFailed
from clientbook.kit.integrity import UniqueRule, unique_violations
from clientbook.models import ApiKey
from clientbook.stores.scope import Role, StoreScope

NAME_TAKEN = "a live API key with this name already exists"
UNIQUES = [
    UniqueRule(
        "uq_api_keys_store_id_name_live", "api_keys", ("store_id", "name"), "name", NAME_TAKEN
    )
]


def _require_manager(scope: StoreScope) -> None:
    """Owners and admins manage keys, signed in as themselves: a key that could mint keys
    would outlive its own revocation."""
    scope.require(Role.admin)
    if scope.api_key_id is not None:
        raise Forbidden("API keys cannot manage API keys; sign in as an owner or admin")


async def create_key(
    session: AsyncSession, scope: StoreScope, data: ApiKeyCreate
) -> tuple[ApiKey, str]:
    """A new key and its secret, which is not stored and cannot be shown again."""
    _require_manager(scope)
    if data.expires_at is not None and data.expires_at <= utcnow():
        raise ValidationFailed(
            "The key would be expired already",
            errors=[FieldError("expires_at", "must be in the future")],
        )
    secret = new_key()
    key = ApiKey(
        store_id=scope.store_id,
        id=uuid.uuid4(),
        name=data.name,
        role=data.role.value,
        token_hash=hash_key(secret),
        token_prefix=secret[:SHOWN],
        created_by=scope.user_id,
        created_at=utcnow(),
        expires_at=data.expires_at,
    )
    session.add(key)
    async with unique_violations(UNIQUES):
        await session.flush()
    return key, secret


async def list_keys(session: AsyncSession, scope: StoreScope) -> list[ApiKey]:
    """The store's keys that are not revoked (expired ones too, to be revoked), by name."""
    _require_manager(scope)
    rows = await session.scalars(
        select(ApiKey)
        .where(ApiKey.store_id == scope.store_id, ApiKey.revoked_at.is_(None))
        .order_by(ApiKey.name, ApiKey.id)
    )
    return list(rows)


async def revoke_key(session: AsyncSession, scope: StoreScope, key_id: uuid.UUID) -> None:
    """Revoke a key: the next request signed with it fails, on every worker."""
    _require_manager(scope)
    await _revoke(session, scope, ApiKey.id == key_id)


async def revoke_key_named(session: AsyncSession, scope: StoreScope, name: str) -> None:
    _require_manager(scope)
    await _revoke(session, scope, ApiKey.name == name)


async def _revoke(session: AsyncSession, scope: StoreScope, which: ColumnElement[bool]) -> None:
    revoked = await session.scalar(
        update(ApiKey)
        .where(ApiKey.store_id == scope.store_id, which, ApiKey.revoked_at.is_(None))
        .values(revoked_at=utcnow())
        .returning(ApiKey.id)
    )
    if revoked is None:
        raise NotFound("API key not found")

"""A customer's avatar: one image file of kind ``avatar``, replaced as a whole."""

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from clientbook.audit import service as audit
from clientbook.customers.service import get_customer
from clientbook.files.service import attach_files, remove_after_commit
from clientbook.files.uploads import CheckedUpload
from clientbook.kit.errors import FieldError, NotFound, UnsupportedMediaType
from clientbook.kit.storage import Storage
from clientbook.models import CustomerFile
from clientbook.stores.scope import StoreScope

AVATAR = "avatar"


async def _avatars(
    session: AsyncSession, scope: StoreScope, customer_id: uuid.UUID
) -> list[CustomerFile]:
    rows = await session.scalars(
        select(CustomerFile)
        .where(
            CustomerFile.store_id == scope.store_id,
            CustomerFile.customer_id == customer_id,
            CustomerFile.kind == AVATAR,
        )
        .order_by(CustomerFile.created_at.desc(), CustomerFile.id)
    )
    return list(rows)


async def set_avatar(
    session: AsyncSession,
    scope: StoreScope,
    storage: Storage,
    customer_id: uuid.UUID,
    upload: CheckedUpload,
) -> CustomerFile:
    """Store the image as the customer's avatar; the one before goes once committed."""
    if not upload.content_type.startswith("image/"):
        raise UnsupportedMediaType(
            "An avatar must be an image (JPEG, PNG, WebP or HEIC)",
            errors=[FieldError(AVATAR, "must be a JPEG, PNG, WebP or HEIC image")],
        )
    await get_customer(session, scope, customer_id, for_update=True)  # one change at a time
    old = await _avatars(session, scope, customer_id)
    for record in old:
        remove_after_commit(session, storage, record.storage_key)
        await session.delete(record)
    (record,) = await attach_files(session, scope, storage, customer_id, [upload])
    return record


async def get_avatar(
    session: AsyncSession, scope: StoreScope, customer_id: uuid.UUID
) -> CustomerFile:
    await get_customer(session, scope, customer_id)
    found = await _avatars(session, scope, customer_id)
    if not found:
        raise NotFound("The customer has no avatar")
    return found[0]


async def remove_avatar(
    session: AsyncSession, scope: StoreScope, storage: Storage, customer_id: uuid.UUID
) -> None:
    """Remove the avatar (none is not an error: the end state is the same)."""
    await get_customer(session, scope, customer_id, for_update=True)
    found = await _avatars(session, scope, customer_id)
    for record in found:
        remove_after_commit(session, storage, record.storage_key)
        await session.delete(record)
    if found:
        await session.flush()
        await audit.record(session, scope, customer_id, "file_deleted", ["avatar"])

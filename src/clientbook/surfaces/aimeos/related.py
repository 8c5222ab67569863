"""Writes to the signed-in customer's related items (``related=address`` or
``property``, ``relatedid=...``); its groups (``relationships``) are the store's to
assign. The default address is the customer's own fields, never an item."""

import uuid
from typing import Any

from fastapi import Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from clientbook.addresses import service as addresses
from clientbook.addresses.schemas import AddressCreate, AddressUpdate
from clientbook.kit.errors import (
    ClientbookError,
    Forbidden,
    NotFound,
)
from clientbook.properties import service as properties
from clientbook.properties.schemas import PropertyCreate, PropertyUpdate
from clientbook.stores.scope import StoreScope
from clientbook.surfaces.aimeos import attributes as attrs
from clientbook.surfaces.aimeos.access import Visitor
from clientbook.surfaces.aimeos.document import meta
from clientbook.surfaces.aimeos.items import address_item, property_item
from clientbook.surfaces.aimeos.replies import (
    GROUPS_ARE_THE_STORES,
    answer,
    related_id,
    validated,
)


def _many(body: Any) -> bool:
    return isinstance(body, dict) and isinstance(body.get("data"), list)


async def add_related(
    request: Request, session: AsyncSession, visitor: Visitor, related: str, body: Any
) -> Response:
    assert visitor.customer is not None
    scope, customer_id = visitor.scope, visitor.customer.customer_id
    if related == "relationships":
        raise Forbidden(GROUPS_ARE_THE_STORES)
    made = []
    for item in attrs.items(body, many=True):
        if related == "address":
            fields = attrs.item_input(
                item, attrs.ADDRESS_ITEM, attrs.ADDRESS_IGNORED, "customer/address"
            )
            fields["type"] = fields.get("type") or "shipping"
            try:
                data = validated(AddressCreate, {**fields, "is_default": False})
                row = await addresses.add_address(session, scope, customer_id, data)
            except ClientbookError as exc:
                raise attrs.named(exc, attrs.item_name(attrs.ADDRESS_NAMES)) from None
            made.append(address_item(request, row))
        else:
            fields = attrs.item_input(
                item, attrs.PROPERTY_ITEM, attrs.PROPERTY_IGNORED, "customer/property"
            )
            try:
                found = validated(PropertyCreate, fields)
                added = await properties.add_property(session, scope, customer_id, found)
            except ClientbookError as exc:
                raise attrs.named(exc, attrs.item_name(attrs.PROPERTY_NAMES)) from None
            made.append(property_item(request, added))
    document = {
        "meta": meta(request, total=len(made)),
        "links": {"self": str(request.url)},
        "data": made if _many(body) else made[0],
        "included": [],
    }
    location = made[0]["links"]["self"]["href"]
    return answer(visitor, document, 201, {"Location": location})


async def update_related(
    request: Request, session: AsyncSession, visitor: Visitor, related: str, body: Any
) -> Response:
    scope, customer_id, item_id = _named_item(request, visitor, related)
    item = attrs.items(body)[0]
    if related == "address":
        fields = attrs.item_input(
            item, attrs.ADDRESS_ITEM, attrs.ADDRESS_IGNORED, "customer/address"
        )
        await _other_address(session, visitor, item_id)
        try:
            changes = validated(AddressUpdate, fields)
            row = await addresses.update_address(session, scope, customer_id, item_id, changes)
        except ClientbookError as exc:
            raise attrs.named(exc, attrs.item_name(attrs.ADDRESS_NAMES)) from None
        data = address_item(request, row)
    else:
        fields = attrs.item_input(
            item, attrs.PROPERTY_ITEM, attrs.PROPERTY_IGNORED, "customer/property"
        )
        try:
            update = validated(PropertyUpdate, fields)
            changed = await properties.update_property(session, scope, customer_id, item_id, update)
        except ClientbookError as exc:
            raise attrs.named(exc, attrs.item_name(attrs.PROPERTY_NAMES)) from None
        data = property_item(request, changed)
    document = {
        "meta": meta(request, total=1),
        "links": {"self": str(request.url)},
        "data": data,
        "included": [],
    }
    return answer(visitor, document)


def _named_item(
    request: Request, visitor: Visitor, related: str
) -> tuple[StoreScope, uuid.UUID, uuid.UUID]:
    """The signed-in customer's scope and id, and the item ``relatedid`` names (400
    without one); the customer's groups are never its own to change (403)."""
    assert visitor.customer is not None
    item_id = related_id(request, required=True)
    assert item_id is not None
    if related == "relationships":
        raise Forbidden(GROUPS_ARE_THE_STORES)
    return visitor.scope, visitor.customer.customer_id, item_id


async def _other_address(session: AsyncSession, visitor: Visitor, address_id: uuid.UUID) -> None:
    """A ``customer/address`` item: the default address is the customer's own fields."""
    assert visitor.customer is not None
    found = await addresses.get_address(
        session, visitor.scope, visitor.customer.customer_id, address_id
    )
    if found.is_default:
        raise NotFound("Item not found")


async def delete_related(
    request: Request, session: AsyncSession, visitor: Visitor, related: str
) -> None:
    scope, customer_id, item_id = _named_item(request, visitor, related)
    if related == "address":
        await _other_address(session, visitor, item_id)
        await addresses.delete_address(session, scope, customer_id, item_id)
    else:
        await properties.delete_property(session, scope, customer_id, item_id)

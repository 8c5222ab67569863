"""The items of a customer's related resources, and the customer document itself."""

import uuid
from typing import Any

from fastapi import Request
from sqlalchemy.ext.asyncio import AsyncSession

from clientbook.addresses import service as addresses
from clientbook.customers.service import get_customer
from clientbook.groups.service import groups_by_customer
from clientbook.models import CustomerAddress, CustomerGroup, CustomerProperty
from clientbook.properties import service as properties
from clientbook.surfaces.aimeos.access import Visitor
from clientbook.surfaces.aimeos.document import href, item_url, meta, related_links, resource_url
from clientbook.surfaces.aimeos.params import param
from clientbook.surfaces.aimeos.serialize import (
    EMPTY_CUSTOMER,
    TELEPHONE,
    address_attributes,
    customer_attributes,
    group_item,
    group_list_attributes,
    list_id,
    property_attributes,
)

OWN_ITEM = ["DELETE", "GET", "PATCH"]


def address_item(request: Request, address: CustomerAddress) -> dict[str, Any]:
    own, found = str(address.customer_id), str(address.id)
    return {
        "id": found,
        "type": "customer/address",
        "links": {"self": {"href": item_url(request, own, "address", found), "allow": OWN_ITEM}},
        "attributes": address_attributes(address),
    }


def property_item(request: Request, found: CustomerProperty) -> dict[str, Any]:
    own, item = str(found.customer_id), str(found.id)
    return {
        "id": item,
        "type": "customer/property",
        "links": {"self": {"href": item_url(request, own, "property", item), "allow": OWN_ITEM}},
        "attributes": property_attributes(found),
    }


def group_relationship(
    request: Request, customer_id: uuid.UUID, group: CustomerGroup
) -> dict[str, Any]:
    """A customer's group, as its list entry; read-only (the store assigns groups)."""
    entry = list_id(customer_id, group.id)
    href = item_url(request, str(customer_id), "relationships", entry)
    return {
        "id": entry,
        "type": "customer/group",
        "attributes": group_list_attributes(customer_id, group.id),
        "links": {"self": {"href": href, "allow": []}},
    }


def sparse(request: Request, attributes: dict[str, Any]) -> dict[str, Any]:
    """``fields[customer]=customer.code,customer.email``: only those attributes."""
    wanted = param(request, "fields[customer]")
    if wanted is None:
        return attributes
    names = {name.strip() for name in wanted.split(",")}
    return {name: value for name, value in attributes.items() if name in names}


def included_kinds(request: Request) -> set[str]:
    given = param(request, "include") or ""
    return {kind.strip() for kind in given.split(",") if kind.strip()}


def anonymous_document(request: Request) -> dict[str, Any]:
    url = resource_url(request)
    return {
        "meta": meta(request, total=1),
        "links": {"self": url, **related_links(request, None)},
        "data": {
            "id": None,
            "type": "customer",
            "links": {"self": {"href": url, "allow": OWN_ITEM}},
            "attributes": sparse(request, dict(EMPTY_CUSTOMER)),
        },
        "included": [],
    }


async def other_addresses(session: AsyncSession, visitor: Visitor) -> list[CustomerAddress]:
    """The ``customer/address`` items: every address but the default, which is the
    customer's own ``customer.address1`` ... fields."""
    assert visitor.customer is not None
    rows = await addresses.list_addresses(session, visitor.scope, visitor.customer.customer_id)
    return [row for row in rows if not row.is_default]


async def customer_document(
    request: Request,
    session: AsyncSession,
    visitor: Visitor,
    *,
    telephone: str = TELEPHONE,
    links: dict[str, Any] | None = None,
) -> dict[str, Any]:
    assert visitor.customer is not None
    scope, customer_id = visitor.scope, visitor.customer.customer_id
    own, url = str(customer_id), resource_url(request)
    customer = await get_customer(session, scope, customer_id)
    address = await addresses.marked_default(session, scope, customer_id)
    groups = (await groups_by_customer(session, scope, [customer_id]))[customer_id]
    attributes = customer_attributes(
        customer, address, [str(g.id) for g in groups], telephone=telephone
    )
    relationships: dict[str, Any] = {
        "customer/group": {"data": [group_relationship(request, customer_id, g) for g in groups]}
    }
    included = [group_item(group) for group in groups]
    kinds = included_kinds(request)
    if "customer/address" in kinds:
        rows = await other_addresses(session, visitor)
        relationships["customer/address"] = {
            "data": [{"id": str(row.id), "type": "customer/address"} for row in rows]
        }
        included += [address_item(request, row) for row in rows]
    if "customer/property" in kinds:
        found = await properties.list_properties(session, scope, customer_id)
        relationships["customer/property"] = {
            "data": [{"id": str(row.id), "type": "customer/property"} for row in found]
        }
        included += [property_item(request, row) for row in found]
    return {
        "meta": meta(request, total=1),
        "links": links or {"self": url, **related_links(request, own)},
        "data": {
            "id": own,
            "type": "customer",
            "links": {"self": {"href": href(request, f"id={own}"), "allow": OWN_ITEM}},
            "attributes": sparse(request, attributes),
            "relationships": relationships,
        },
        "included": included,
    }

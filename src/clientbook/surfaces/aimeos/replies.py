"""How the customer resource reads a request and answers it: who is signed in, the
``related``/``relatedid`` parameters, validated input, and the JSON:API response that
carries the visitor's cookies."""

import uuid
from typing import Any, TypeVar

from fastapi import Request
from pydantic import BaseModel, ValidationError

from clientbook.customer_accounts.scope import CustomerScope
from clientbook.kit.errors import (
    BadRequest,
    FieldError,
    NotFound,
    Unauthorized,
    ValidationFailed,
    field_errors,
)
from clientbook.surfaces.aimeos.access import Visitor
from clientbook.surfaces.aimeos.document import JsonApiResponse
from clientbook.surfaces.aimeos.params import param

M = TypeVar("M", bound=BaseModel)
RELATED = ("address", "property", "relationships")
GROUPS_ARE_THE_STORES = "Groups are assigned by the store; a customer cannot change them"


def answer(
    visitor: Visitor, body: dict[str, Any], status: int = 200, headers: dict[str, str] | None = None
) -> JsonApiResponse:
    response = JsonApiResponse(
        body, status_code=status, headers={"Cache-Control": "no-store", **(headers or {})}
    )
    visitor.set_cookies(response)
    return response


def signed_in(visitor: Visitor) -> CustomerScope:
    if visitor.customer is None:
        raise Unauthorized("Sign in first")
    return visitor.customer


def check_id(request: Request, customer: CustomerScope) -> None:
    """``id`` names the signed-in customer or nobody; any other id finds nothing."""
    given = param(request, "id")
    if given is not None and given != str(customer.customer_id):
        raise NotFound("Customer not found")


def related_name(request: Request) -> str | None:
    related = param(request, "related")
    if related is not None and related not in RELATED:
        message = "must be address, property or relationships"
        raise BadRequest(f"related: {message}", errors=[FieldError("related", message)])
    return related


def related_id(request: Request, *, required: bool = False) -> uuid.UUID | None:
    given = param(request, "relatedid")
    if given is None:
        if required:
            message = "names the item to change or remove"
            raise BadRequest(f"relatedid: {message}", errors=[FieldError("relatedid", message)])
        return None
    try:
        return uuid.UUID(given)
    except ValueError:
        raise NotFound("Item not found") from None


def validated(model: type[M], values: dict[str, Any]) -> M:
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        found = field_errors(exc.errors())
        summary = "; ".join(f"{e.field}: {e.message}" for e in found)
        raise ValidationFailed(summary or "The request is not valid", errors=found) from None

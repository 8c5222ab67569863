"""Open Loyalty's error bodies. A form endpoint answers Symfony's form errors,
``{"form": {"children": {...every field...}}, "errors": [...]}``, with each failing
field's messages under it; every other error is ``{"error": "..."}``."""

from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse, Response

from clientbook.kit.errors import ClientbookError, Conflict, FieldError, RetryLater

# A form's fields: a name with None is a simple field, with a dict a compound one.
FormTree = dict[str, "FormTree | None"]

ALREADY_USED = "This value is already used."  # Symfony's UniqueEntity message
# Symfony's messages for a value of these fields the services refuse.
INVALID = {
    "phone": "This value is not a valid phone number.",
    "email": "This value is not a valid email address.",
}

# Canonical field names (services, schemas) as the Open Loyalty form names them.
FIELD_NAMES = {
    "first_name": "firstName",
    "last_name": "lastName",
    "birth_date": "birthDate",
    "created_at": "createdAt",
    "loyalty_card_number": "loyaltyCardNumber",
    "company.name": "company.name",
    "company.tax_id": "company.nip",
    "postal_code": "address.postal",
    "level_id": "levelId",
    "pos_id": "posId",
    "seller_id": "sellerId",
    "referral_code": "invitationToken",
}


def use_form(request: Request, form: FormTree, prefix: str = "") -> None:
    """From here on, this request's field errors are rendered against ``form``; field
    names under ``prefix`` (``customer.``) are the form's own."""
    request.state.ol_form = (form, prefix)


def render(request: Request, error: ClientbookError) -> Response:
    status = 400 if error.status_code == 422 else error.status_code
    headers = {"Retry-After": str(error.retry_after)} if isinstance(error, RetryLater) else {}
    form = getattr(request.state, "ol_form", None)
    submitted = getattr(error, "form_not_submitted", False)
    if form is not None and (error.errors or submitted) and status in (400, 409):
        tree, prefix = form
        return JSONResponse(form_errors(tree, prefix, error), status_code=400)
    message = error.detail
    if error.errors and status == 400:
        message = "; ".join(f"{e.field}: {e.message}" for e in error.errors)
    return JSONResponse({"error": message}, status_code=status, headers=headers)


def form_errors(tree: FormTree, prefix: str, error: ClientbookError) -> dict[str, Any]:
    by_field: dict[str, list[str]] = {}
    loose: list[str] = []
    for found in error.errors:
        name = _form_name(found, prefix)
        message = ALREADY_USED if isinstance(error, Conflict) else _symfony(name, found.message)
        if _known(tree, name):
            by_field.setdefault(name, []).append(message)
        else:
            loose.append(f"{name}: {message}" if name else message)
    return {"form": _children(tree, "", by_field), "errors": loose}


def _symfony(name: str, message: str) -> str:
    """A service's message for a form field, as Symfony words it where it has a word."""
    if message.startswith("This "):  # the surface's own, already Symfony's
        return message
    return INVALID.get(name, message)


def _form_name(found: FieldError, prefix: str) -> str:
    name = found.field
    if prefix and name.startswith(prefix):
        name = name[len(prefix) :]
    return FIELD_NAMES.get(name, name)


def _known(tree: FormTree, name: str) -> bool:
    node: FormTree | None = tree
    for part in name.split("."):
        if not isinstance(node, dict) or part not in node:
            return False
        node = node[part]
    return True


def _children(tree: FormTree, path: str, by_field: dict[str, list[str]]) -> dict[str, Any]:
    children: dict[str, Any] = {}
    for name, sub in tree.items():
        full = f"{path}{name}"
        child: dict[str, Any] = {}
        if full in by_field:
            child["errors"] = by_field[full]
        if sub is not None:
            child.update(_children(sub, f"{full}.", by_field))
        children[name] = child
    return {"children": children}

"""J-Optic's error body: ``{statusCode, message, error}`` (NestJS's shape)."""

from http import HTTPStatus

from fastapi import Request
from fastapi.responses import JSONResponse, Response

from clientbook.kit.errors import ClientbookError, Conflict, RetryLater
from clientbook.stores.scope import StoreNotAccessible

# Canonical field names as J-Optic's clients know them.
FIELD_NAMES = {
    "first_name": "customerData.firstName",
    "last_name": "customerData.lastName",
    "email": "customerData.email",
    "phone": "customerData.phoneNumber",
    "birth_date": "customerData.dateOfBirth",
    "gender": "customerData.sex",
}


def render(request: Request, error: ClientbookError) -> Response:
    status, message = error.status_code, error.detail
    if isinstance(error, StoreNotAccessible):
        status, message = 403, "You do not have access to this store"
    elif isinstance(error, Conflict) and any(e.field == "email" for e in error.errors):
        message = "Customer with this email already exists"
    elif status == 422:
        status = 400  # J-Optic answers every validation failure with 400
    if error.errors and status == 400:
        message = "; ".join(
            f"{FIELD_NAMES.get(e.field, e.field)}: {e.message}" for e in error.errors
        )
    if status == 500:
        message = "Failed to create customer" if request.method == "POST" else error.detail
    headers = {"Retry-After": str(error.retry_after)} if isinstance(error, RetryLater) else {}
    body = {"statusCode": status, "message": message, "error": HTTPStatus(status).phrase}
    return JSONResponse(body, status_code=status, headers=headers)

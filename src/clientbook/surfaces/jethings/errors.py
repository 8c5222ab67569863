"""Jethings' error body: ``{message, statusCode}``."""

from fastapi import Request
from fastapi.responses import JSONResponse, Response

from clientbook.customers.service import PriceListUnavailable
from clientbook.kit.errors import ClientbookError, RetryLater
from clientbook.stores.scope import StoreNotAccessible


def render(request: Request, error: ClientbookError) -> Response:
    status, message = error.status_code, error.detail
    if isinstance(error, StoreNotAccessible):
        status, message = 403, "You do not have access to this store"
    elif isinstance(error, PriceListUnavailable):
        status, message = 404, "Price list not found"
    elif status == 422:
        status = 400
    if error.errors and status == 400:
        message = "; ".join(f"{e.field}: {e.message}" for e in error.errors)
    headers = {"Retry-After": str(error.retry_after)} if isinstance(error, RetryLater) else {}
    return JSONResponse(
        {"message": message, "statusCode": status}, status_code=status, headers=headers
    )

"""A person's data over ``/v1``: export (202, poll, signed download) and erasure."""

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse

from clientbook.customers.anonymize import anonymize_customer
from clientbook.customers.serialize import customer_document
from clientbook.deps import SessionDep, SettingsDep, StorageDep, StoreScopeDep
from clientbook.kit.responses import FastJSON
from clientbook.privacy import exports
from clientbook.settings import Settings

router = APIRouter(prefix="/v1/stores/{store}", tags=["privacy"])
public_router = APIRouter(prefix="/v1/data-exports", tags=["privacy"])


def export_rules(settings: Settings) -> exports.ExportRules:
    return exports.ExportRules(
        secret=settings.jwt_secret,
        link_seconds=settings.data_export_link_seconds,
        keep_days=settings.data_export_keep_days,
        inline_records=settings.data_export_inline_records,
    )


@router.post("/customers/{customer_id}/data-export", status_code=202, response_model=dict[str, Any])
async def export_customer_data(
    customer_id: uuid.UUID,
    session: SessionDep,
    scope: StoreScopeDep,
    storage: StorageDep,
    settings: SettingsDep,
) -> FastJSON:
    """Start an export of everything about one customer (admin): a ZIP of JSON records
    and files. Poll ``links.self`` until ``status`` is ``ready``, then fetch the
    short-lived ``download_url`` (no credentials needed)."""
    rules = export_rules(settings)
    export = await exports.request_export(session, scope, storage, customer_id, rules)
    return FastJSON(exports.export_document(export, scope.store_code, rules), status_code=202)


@router.get("/data-exports/{export_id}", response_model=dict[str, Any])
async def get_data_export(
    export_id: uuid.UUID, session: SessionDep, scope: StoreScopeDep, settings: SettingsDep
) -> FastJSON:
    """A data export's state, with a fresh signed ``download_url`` once it is ready (admin)."""
    rules = export_rules(settings)
    export = await exports.get_export(session, scope, export_id)
    return FastJSON(exports.export_document(export, scope.store_code, rules))


@public_router.get("/{export_id}/download", response_class=StreamingResponse)
async def download_data_export(
    export_id: uuid.UUID,
    session: SessionDep,
    storage: StorageDep,
    settings: SettingsDep,
    store: Annotated[uuid.UUID, Query()],
    expires: Annotated[int, Query(ge=0, le=2**40)],
    signature: Annotated[str, Query(min_length=64, max_length=64)],
) -> StreamingResponse:
    """The archive, through the signed link a data export's ``download_url`` gives; any
    wrong or expired link is 404."""
    rules = export_rules(settings)
    export = await exports.signed_export(session, rules, export_id, store, expires, signature)
    assert export.storage_key is not None  # a ready export has its archive
    name = f"customer-{export.customer_id}.zip"
    return StreamingResponse(
        storage.get(export.storage_key),
        media_type=exports.CONTENT_TYPE,
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


@router.post("/customers/{customer_id}/erase", response_model=dict[str, Any])
async def erase_customer(
    customer_id: uuid.UUID, session: SessionDep, scope: StoreScopeDep, storage: StorageDep
) -> FastJSON:
    """Erase a customer's personal data for good (admin): personal fields, addresses,
    files, prescriptions, profiles, sign-in, exports, and the customers merged into it.
    Purchases and points stay, without the person."""
    customer = await anonymize_customer(session, scope, storage, customer_id)
    return FastJSON(customer_document(customer))

"""One person's data as a ZIP: every record about the customer as JSON, and the files.

Nothing about anyone else goes in: the trail says what kind of actor changed the record
(staff, an API key, the customer), not who; a referral says which side the customer was
on, not who the other person is.
"""

import io
import json
import tempfile
import uuid
import zipfile
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import IO, Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from clientbook.customers.serialize import customer_document
from clientbook.files.uploads import safe_filename
from clientbook.kit.db import utcnow
from clientbook.kit.storage import Storage
from clientbook.models import (
    Customer,
    CustomerAddress,
    CustomerEvent,
    CustomerFile,
    CustomerGroup,
    CustomerProfile,
    GroupMember,
    Member,
    PointsBalance,
    PointsEntry,
    Prescription,
    Purchase,
    Redemption,
    Referral,
    ReferralCode,
)
from clientbook.stores.scope import StoreScope

HIDDEN = frozenset({"store_id", "storage_key", "actor_user_id", "uploaded_by", "created_by"})


def _plain(value: Any) -> Any:
    if isinstance(value, uuid.UUID | Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def row_document(row: Any, hidden: Iterable[str] = ()) -> dict[str, Any]:
    """A model row as JSON values, without its store and the ids of other people."""
    left_out = HIDDEN | set(hidden)
    return {
        column.key: _plain(getattr(row, attribute.key))
        for attribute in row.__mapper__.column_attrs
        for column in attribute.columns
        if column.key not in left_out
    }


async def _rows(
    session: AsyncSession, model: Any, *conditions: Any, order: Any = None
) -> list[Any]:
    statement = select(model).where(*conditions)
    if order is not None:
        statement = statement.order_by(order)
    return list(await session.scalars(statement))


def _actor(event: CustomerEvent) -> str:
    if event.actor_customer_id is not None:
        return "customer"
    if event.actor_api_key_id is not None:
        return "api_key"
    if event.actor_user_id is not None:
        return "staff"
    return "clientbook"


async def collect(
    session: AsyncSession, scope: StoreScope, customer: Customer
) -> tuple[dict[str, Any], list[CustomerFile]]:
    """Every record about the customer, by file name, and its files."""
    store, me = scope.store_id, customer.id

    def mine(model: Any) -> list[Any]:
        return [model.store_id == store, model.customer_id == me]

    events = await _rows(session, CustomerEvent, *mine(CustomerEvent), order=CustomerEvent.at)
    trail = [
        {"action": e.action, "fields": e.fields, "at": _plain(e.at), "by": _actor(e)}
        for e in events
    ]
    files = await _rows(session, CustomerFile, *mine(CustomerFile), order=CustomerFile.created_at)
    groups = await session.scalars(
        select(CustomerGroup.name)
        .join(
            GroupMember,
            (GroupMember.store_id == CustomerGroup.store_id)
            & (GroupMember.group_id == CustomerGroup.id),
        )
        .where(GroupMember.store_id == store, GroupMember.customer_id == me)
        .order_by(CustomerGroup.name)
    )
    referrals = await _rows(
        session,
        Referral,
        Referral.store_id == store,
        or_(Referral.referrer_id == me, Referral.referred_id == me),
        order=Referral.created_at,
    )
    codes = await _rows(session, ReferralCode, *mine(ReferralCode))
    documents: dict[str, Any] = {
        "profile.json": customer_document(customer),
        "addresses.json": [
            row_document(a) for a in await _rows(session, CustomerAddress, *mine(CustomerAddress))
        ],
        "consents.json": {
            "current": customer.consents,
            "history": [e for e in trail if "consents" in e["fields"]],
        },
        "events.json": trail,
        "prescriptions.json": [
            row_document(p) for p in await _rows(session, Prescription, *mine(Prescription))
        ],
        "loyalty/balances.json": [
            row_document(b) for b in await _rows(session, PointsBalance, *mine(PointsBalance))
        ],
        "loyalty/ledger.json": [
            row_document(e, {"idempotency_key"})
            for e in await _rows(session, PointsEntry, *mine(PointsEntry), order=PointsEntry.at)
        ],
        "loyalty/tier.json": [row_document(m) for m in await _rows(session, Member, *mine(Member))],
        "loyalty/redemptions.json": [
            row_document(r) for r in await _rows(session, Redemption, *mine(Redemption))
        ],
        "purchases.json": [
            row_document(p)
            for p in await _rows(session, Purchase, *mine(Purchase), order=Purchase.purchased_at)
        ],
        "referrals.json": {
            "codes": [c.code for c in codes],
            "referrals": [
                {
                    "side": "referrer" if r.referrer_id == me else "referred",
                    "status": r.status,
                    "points": _plain(
                        r.referrer_points if r.referrer_id == me else r.referred_points
                    ),
                    "created_at": _plain(r.created_at),
                    "completed_at": _plain(r.completed_at),
                }
                for r in referrals
            ],
        },
        "profiles.json": [
            row_document(p) for p in await _rows(session, CustomerProfile, *mine(CustomerProfile))
        ],
        "groups.json": list(groups),
        "files.json": [row_document(f) for f in files],
    }
    return documents, files


def file_name(record: CustomerFile) -> str:
    return f"files/{record.id}-{safe_filename(record.original_name, 'bin')}"


def write_zip(
    target: IO[bytes],
    scope: StoreScope,
    customer_id: uuid.UUID,
    documents: dict[str, Any],
    files: list[CustomerFile],
    storage: Storage,
) -> None:
    """The archive: ``manifest.json``, one JSON file per kind of record, the files."""
    manifest = {
        "store": scope.store_code,
        "customer_id": str(customer_id),
        "generated_at": utcnow().isoformat(),
        "documents": sorted(documents),
        "files": [file_name(f) for f in files],
    }
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.json", json.dumps(manifest, indent=2))
        for name, document in documents.items():
            archive.writestr(name, json.dumps(document, indent=2, ensure_ascii=False, default=str))
        for record in files:
            with archive.open(file_name(record), "w") as out:
                for chunk in storage.get(record.storage_key):
                    out.write(chunk)


async def build(
    session: AsyncSession, scope: StoreScope, customer: Customer, storage: Storage
) -> IO[bytes]:
    """The customer's archive in a temporary file (kept in memory while small)."""
    documents, files = await collect(session, scope, customer)
    target = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115
    write_zip(target, scope, customer.id, documents, files, storage)
    target.seek(0)
    return target


def read_zip(data: bytes) -> dict[str, bytes]:
    """Every member of an archive (tests, the CLI's check)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}

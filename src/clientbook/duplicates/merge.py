"""Merging customers into one: a preview of every field that differs and what will be
kept, then, in one transaction, the records moved to the survivor and the merged
customers kept soft-deleted with ``merged_into``.

Every customer of the merge is locked ``FOR UPDATE`` in id order before anything is read,
so two merges of the same people (or A into B while B into A) queue: the second finds a
customer already merged and answers 409. A change to one of them waits for the merge.
"""

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from clientbook.audit import service as audit
from clientbook.customer_accounts.scope import public_store_of
from clientbook.customer_accounts.service import revoke_customer_sessions
from clientbook.customers.fields import derive
from clientbook.customers.service import UNIQUES
from clientbook.duplicates.found import queue_check
from clientbook.duplicates.merge_fields import FieldChoice, apply, plan
from clientbook.duplicates.merge_moves import count_records, move_all
from clientbook.duplicates.pairs import forget
from clientbook.kit.db import utcnow
from clientbook.kit.errors import Conflict, NotFound, ValidationFailed
from clientbook.kit.integrity import out_of_range, unique_violations
from clientbook.models import Customer
from clientbook.stores.scope import Role, StoreScope
from clientbook.webhooks.events import EventType, emit

MAX_MERGED = 20
TOO_LARGE = "together these customers' points balances or purchase totals are too large to keep"


@dataclass
class MergeResult:
    survivor: Customer
    merged: list[Customer]
    fields: list[FieldChoice]
    records: dict[str, int] = field(default_factory=dict)
    preview: bool = True

    def as_dict(self, document: dict[str, Any]) -> dict[str, Any]:
        return {
            "preview": self.preview,
            "survivor": document,
            "merged_ids": [str(c.id) for c in self.merged],
            "fields": [choice.as_dict() for choice in self.fields],
            "records": self.records,
        }


def _check_ids(survivor_id: uuid.UUID, merged_ids: Sequence[uuid.UUID]) -> list[uuid.UUID]:
    unique = list(dict.fromkeys(merged_ids))
    if not unique:
        raise ValidationFailed.field("from", "name at least one customer to merge")
    if len(unique) > MAX_MERGED:
        raise ValidationFailed.field("from", f"name at most {MAX_MERGED} customers")
    if survivor_id in unique:
        raise ValidationFailed.field("from", "cannot merge a customer into itself")
    return unique


async def _locked(
    session: AsyncSession, scope: StoreScope, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, Customer]:
    """The customers, locked in id order (so merges never deadlock), read fresh."""
    rows = await session.scalars(
        select(Customer)
        .where(Customer.store_id == scope.store_id, Customer.id.in_(ids))
        .order_by(Customer.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return {c.id: c for c in rows}


def _check_live(customer: Customer) -> None:
    if customer.merged_into is not None:
        raise Conflict(f"Customer {customer.id} was merged into {customer.merged_into}")
    if customer.anonymized_at is not None:
        raise Conflict(f"Customer {customer.id} is anonymized")
    if customer.deleted_at is not None:
        raise Conflict(f"Customer {customer.id} is deleted; restore it first")


async def merge_customers(
    session: AsyncSession,
    scope: StoreScope,
    survivor_id: uuid.UUID,
    merged_ids: Sequence[uuid.UUID],
    *,
    preview: bool,
    chosen: Mapping[str, uuid.UUID] | None = None,
) -> MergeResult:
    """Preview or carry out the merge of ``merged_ids`` into ``survivor_id`` (admin)."""
    scope.require(Role.admin)
    merged_ids = _check_ids(survivor_id, merged_ids)
    found = await _locked(session, scope, [survivor_id, *merged_ids])
    if survivor_id not in found or any(i not in found for i in merged_ids):
        raise NotFound("Customer not found")
    survivor, merged = found[survivor_id], [found[i] for i in merged_ids]
    for customer in (survivor, *merged):
        _check_live(customer)
    choices = plan(survivor, merged, chosen or {})
    if preview:
        records = await count_records(session, scope, merged_ids)
        return MergeResult(survivor, merged, choices, records, preview=True)
    now = utcnow()
    for customer in merged:
        customer.deleted_at = now
        customer.merged_into = survivor.id
        customer.is_active = False
    await session.flush()  # frees their e-mail and card for the survivor
    apply(survivor, merged, choices)
    derive(survivor)
    survivor.updated_at = now
    async with unique_violations(UNIQUES):
        await session.flush()
    async with out_of_range("from", TOO_LARGE):
        records = await move_all(session, scope, survivor.id, merged_ids)
    await revoke_customer_sessions(session, public_store_of(scope), *merged_ids)
    for customer in merged:
        await forget(session, scope, customer.id)
        await audit.record(session, scope, customer.id, "merged_into", ["merged_into"])
    # The survivor may now have other names, e-mail and post codes: look again.
    await queue_check(session, scope, survivor.id)
    changed = [choice.field for choice in choices if choice.kept_from != survivor.id]
    await audit.record(session, scope, survivor.id, "merged", ["merged_from", *changed])
    await emit(
        session,
        scope,
        EventType.customer_merged,
        survivor.id,
        {"merged_ids": [str(i) for i in merged_ids], "fields": sorted(changed)},
    )
    return MergeResult(survivor, merged, choices, records, preview=False)


async def merged_into(
    session: AsyncSession, scope: StoreScope, customer_id: uuid.UUID
) -> uuid.UUID | None:
    """Where a merged customer of this store went (None if it was not merged)."""
    found: uuid.UUID | None = await session.scalar(
        select(Customer.merged_into).where(
            Customer.store_id == scope.store_id, Customer.id == customer_id
        )
    )
    return found

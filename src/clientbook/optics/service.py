"""Prescription use cases: add one (it becomes current), read the history."""

import uuid
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from clientbook.audit import service as audit
from clientbook.customers.service import get_customer
from clientbook.kit.errors import NotFound, ValidationFailed
from clientbook.models import Prescription
from clientbook.optics.schemas import Measurements, PrescriptionCreate
from clientbook.stores.scope import StoreScope


async def add_prescription(
    session: AsyncSession, scope: StoreScope, customer_id: uuid.UUID, data: PrescriptionCreate
) -> Prescription:
    await get_customer(session, scope, customer_id)
    measurements = Measurements.model_validate(
        data.model_dump(include=set(Measurements.model_fields))
    )
    stored = measurements.model_dump(mode="json", exclude_none=True)
    if not stored:
        raise ValidationFailed.field(
            "distance_vision", "give at least one of distance, intermediate or near vision"
        )
    prescription = Prescription(
        store_id=scope.store_id,
        customer_id=customer_id,
        issued_on=data.issued_on or date.today(),
        measurements=stored,
        prescriber=data.prescriber,
        notes=data.notes,
        created_by=scope.user_id,
    )
    session.add(prescription)
    await session.flush()
    await audit.record(session, scope, customer_id, "prescription_added", ["prescriptions"])
    return prescription


async def list_prescriptions(
    session: AsyncSession, scope: StoreScope, customer_id: uuid.UUID
) -> list[Prescription]:
    """Newest first: the first one is the current prescription."""
    await get_customer(session, scope, customer_id)
    rows = await session.scalars(
        select(Prescription)
        .where(Prescription.store_id == scope.store_id, Prescription.customer_id == customer_id)
        .order_by(Prescription.issued_on.desc(), Prescription.created_at.desc())
    )
    return list(rows)


async def get_prescription(
    session: AsyncSession, scope: StoreScope, customer_id: uuid.UUID, prescription_id: uuid.UUID
) -> Prescription:
    await get_customer(session, scope, customer_id)
    prescription = await session.get(Prescription, (scope.store_id, prescription_id))
    if prescription is None or prescription.customer_id != customer_id:
        raise NotFound("Prescription not found")
    return prescription

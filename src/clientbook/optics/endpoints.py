"""``/v1/stores/{store}/customers/{id}/prescriptions``."""

import uuid

from fastapi import APIRouter, Response

from clientbook.deps import SessionDep, StoreScopeDep
from clientbook.models import Prescription
from clientbook.optics import service
from clientbook.optics.schemas import PrescriptionCreate, PrescriptionOut

router = APIRouter(
    prefix="/v1/stores/{store}/customers/{customer_id}/prescriptions", tags=["prescriptions"]
)


def prescription_out(prescription: Prescription) -> PrescriptionOut:
    m = prescription.measurements
    return PrescriptionOut.model_validate(
        {
            "id": prescription.id,
            "customer_id": prescription.customer_id,
            "issued_on": prescription.issued_on,
            "distance_vision": m.get("distance_vision"),
            "intermediate_vision": m.get("intermediate_vision"),
            "near_vision": m.get("near_vision"),
            "prescriber": prescription.prescriber,
            "notes": prescription.notes,
            "created_by": prescription.created_by,
            "created_at": prescription.created_at,
        }
    )


@router.post("", status_code=201, response_model=PrescriptionOut)
async def add_prescription(
    customer_id: uuid.UUID,
    data: PrescriptionCreate,
    session: SessionDep,
    scope: StoreScopeDep,
    response: Response,
) -> PrescriptionOut:
    """Record a prescription; the newest by date is the customer's current one."""
    prescription = await service.add_prescription(session, scope, customer_id, data)
    response.headers["Location"] = (
        f"/v1/stores/{scope.store_code}/customers/{customer_id}/prescriptions/{prescription.id}"
    )
    return prescription_out(prescription)


@router.get("", response_model=dict[str, list[PrescriptionOut]])
async def list_prescriptions(
    customer_id: uuid.UUID, session: SessionDep, scope: StoreScopeDep
) -> dict[str, list[PrescriptionOut]]:
    """The customer's prescriptions, newest first (the first is current)."""
    prescriptions = await service.list_prescriptions(session, scope, customer_id)
    return {"data": [prescription_out(p) for p in prescriptions]}


@router.get("/{prescription_id}", response_model=PrescriptionOut)
async def get_prescription(
    customer_id: uuid.UUID, prescription_id: uuid.UUID, session: SessionDep, scope: StoreScopeDep
) -> PrescriptionOut:
    """One prescription."""
    return prescription_out(
        await service.get_prescription(session, scope, customer_id, prescription_id)
    )

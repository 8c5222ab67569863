"""J-Optic's customer API over the Clientbook services."""

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from clientbook.addresses import service as addresses
from clientbook.addresses.schemas import AddressCreate
from clientbook.customers import pages, queries
from clientbook.customers import service as customers
from clientbook.customers.conditions import CustomerFilter
from clientbook.customers.fields import CustomerData, display_name
from clientbook.customers.schemas import CustomerCreate
from clientbook.deps import SessionDep, SettingsDep, StorageDep
from clientbook.files import service as files
from clientbook.groups import service as groups
from clientbook.kit import untrusted
from clientbook.kit.errors import BadRequest, FieldError, field_errors
from clientbook.kit.requests import read_multipart
from clientbook.models import Customer
from clientbook.optics import service as optics
from clientbook.optics.schemas import PrescriptionCreate
from clientbook.surfaces.common import HeaderStoreScope, derived_id, js_datetime
from clientbook.surfaces.joptic.schemas import JsonData, SortBy, SortOrder

router = APIRouter(tags=["J-Optic"])

PLACEHOLDER_NAME = "Unnamed customer"
SORTS = {
    "name": "name",
    "status": "is_active",
    "createdAt": "created_at",
    "updatedAt": "updated_at",
}


@router.post("/customer", status_code=201)
async def create_customer(
    request: Request,
    session: SessionDep,
    scope: HeaderStoreScope,
    settings: SettingsDep,
    storage: StorageDep,
) -> JSONResponse:
    """Create a customer with address, optical data and files, all or nothing."""
    body = await read_multipart(request, max_files=settings.max_upload_files)
    data = _json_data(body.fields.get("jsonData"))
    checked_files = files.check_uploads(body.files, settings.max_upload_bytes)
    person = data.customerData
    customer = await customers.create_customer(
        session,
        scope,
        CustomerCreate(
            first_name=person.firstName,
            last_name=person.lastName,
            email=person.email,
            phone=person.phoneNumber,
            birth_date=person.dateOfBirth.day,
            gender=person.sex,
        ),
        birth_instant=person.dateOfBirth.instant,
    )
    if data.address is not None and any(data.address.model_dump().values()):
        place = data.address
        await addresses.add_address(
            session,
            scope,
            customer.id,
            AddressCreate(
                street=place.street,
                city=place.city,
                postal_code=place.zipCode,
                province=place.state,
                is_default=True,
            ),
        )
    if data.opticData is not None and any(data.opticData.model_dump(exclude_none=True).values()):
        optic = data.opticData
        await optics.add_prescription(
            session,
            scope,
            customer.id,
            PrescriptionCreate.model_validate(
                {
                    "distance_vision": _vision(optic.distanceVision),
                    "intermediate_vision": _vision(optic.intermediateVision),
                    "near_vision": _vision(optic.nearVision),
                }
            ),
        )
    await files.attach_files(session, scope, storage, customer.id, checked_files)
    return JSONResponse(_created(customer), status_code=201)


def _json_data(raw: str | None) -> JsonData:
    if raw is None:
        raise BadRequest("jsonData is required", errors=[FieldError("jsonData", "is required")])
    parsed = untrusted.loads(raw, field="jsonData")
    try:
        return JsonData.model_validate(parsed)
    except ValidationError as exc:
        errors = field_errors(exc.errors(), default="jsonData")
        raise BadRequest("Invalid input data or missing required fields", errors=errors) from exc


def _vision(vision: Any) -> dict[str, Any] | None:
    if vision is None:
        return None
    return {
        "right_eye": vision.rightEye.model_dump() if vision.rightEye else None,
        "left_eye": vision.leftEye.model_dump() if vision.leftEye else None,
    }


def _created(customer: Customer) -> dict[str, Any]:
    return {
        "customer": {
            "id": str(customer.id),
            "isActive": customer.is_active,
            "createdAt": js_datetime(customer.created_at),
            "updatedAt": js_datetime(customer.updated_at),
            "deletedAt": js_datetime(customer.deleted_at),
        },
        "localData": {
            "id": str(derived_id("joptic-local-data", customer.id)),
            "firstName": customer.first_name,
            "lastName": customer.last_name,
            "email": customer.email,
            "phoneNumber": customer.phone,
            "dateOfBirth": js_datetime(customer.birth_instant or customer.birth_date),
            "sex": customer.gender,
            "customerId": str(customer.id),
        },
    }


@router.get("/customer")
async def list_customers(
    session: SessionDep,
    scope: HeaderStoreScope,
    search: Annotated[str | None, Query(max_length=100)] = None,
    name: Annotated[str | None, Query(max_length=100)] = None,
    isActive: bool | None = None,  # noqa: N803 (J-Optic's parameter names)
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    limit: Annotated[int, Query(ge=1, le=100)] = 10,
    sortBy: SortBy = "createdAt",  # noqa: N803
    sortOrder: SortOrder = "desc",  # noqa: N803
) -> dict[str, Any]:
    """The store's customers, with their groups, page by page."""
    where = CustomerFilter(q=search, name=name, is_active=isActive)
    sort = queries.Sort(SORTS[sortBy], sortOrder)
    rows, info = await pages.page_of(session, scope, where, sort, page=page, limit=limit)
    by_customer = await groups.groups_by_customer(session, scope, [c.id for c in rows])
    return {
        "data": [_list_item(c, by_customer.get(c.id, [])) for c in rows],
        "pagination": {
            "page": info.page,
            "limit": info.limit,
            "total": info.total,
            "totalPages": info.total_pages,
        },
    }


def _list_item(customer: CustomerData, customer_groups: list[Any]) -> dict[str, Any]:
    return {
        "id": str(customer.id),
        "name": display_name(customer) or PLACEHOLDER_NAME,
        "userName": customer.email,
        "groups": [{"id": str(g.id), "name": g.name} for g in customer_groups],
        "isLocal": customer.user_id is None,
        "status": "active" if customer.is_active else "unactive",
        "createdAt": js_datetime(customer.created_at),
        "updatedAt": js_datetime(customer.updated_at),
    }

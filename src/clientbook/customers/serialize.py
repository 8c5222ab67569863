"""Customer → canonical JSON."""

from clientbook.customers.fields import display_name
from clientbook.customers.schemas import CustomerOut
from clientbook.models import Customer


def customer_out(customer: Customer) -> CustomerOut:
    company = None
    if customer.company_name or customer.company_tax_id:
        company = {"name": customer.company_name, "tax_id": customer.company_tax_id}
    return CustomerOut.model_validate(
        {
            **{field: getattr(customer, field, None) for field in _PLAIN},
            "name": display_name(customer),
            "phone": customer.phone_e164,
            "company": company,
            "metadata": customer.metadata_ or {},
            "labels": customer.labels or [],
            "consents": customer.consents or {},
            "preferences": customer.preferences or {},
            "status": "deleted" if customer.deleted_at else customer.status,
        }
    )


_PLAIN = [
    name
    for name in CustomerOut.model_fields
    if name not in {"name", "phone", "company", "metadata", "labels", "consents", "preferences"}
]


def etag(customer: Customer) -> str:
    return f'"{customer.version}"'

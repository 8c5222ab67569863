"""``GET /api/{storeCode}/customer`` and ``/admin/customer``: the list's parameters, from
the query string or a form body, as a canonical filter, sort and page."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from clientbook.customers.conditions import CustomerFilter, FieldMatch
from clientbook.customers.queries import Sort
from clientbook.kit.errors import ValidationFailed, field_errors
from clientbook.kit.validators import Text
from clientbook.loyalty.filters import PurchaseFilter
from clientbook.surfaces.openloyalty.forms import as_list

SORTS = {
    "customerId": "id",
    "firstName": "first_name",
    "lastName": "last_name",
    "email": "email",
    "phone": "phone",
    "loyaltyCardNumber": "loyalty_card_number",
    "birthDate": "birth_date",
    "active": "is_active",
    "createdAt": "created_at",
    "updatedAt": "updated_at",
    "transactionsCount": "transactions_count",
    "transactionCount": "transactions_count",  # the document's own spelling of it
    "transactionsAmount": "transactions_amount",
    "transactionsAmountWithoutDeliveryCosts": "transactions_amount_without_delivery",
    "averageTransactionAmount": "average_transaction_amount",
    "lastTransactionDate": "last_transaction_date",
}
MATCHED = {
    "firstName": "first_name",
    "lastName": "last_name",
    "email": "email",
    "phone": "phone",
    "loyaltyCardNumber": "loyalty_card_number",
}


def _flag(value: Any) -> Any:
    if isinstance(value, str) and value.lower() in ("1", "true", "0", "false", ""):
        return value.lower() in ("1", "true")
    return value


def _lower(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


Needle = Annotated[Text, Field(max_length=100)]
Amount = Annotated[Decimal, Field(ge=0, le=Decimal("1e12"))]


class Label(BaseModel):
    key: Annotated[Text, Field(min_length=1, max_length=100)]
    value: Annotated[Text, Field(max_length=200)] | None = None


class ListParams(BaseModel):
    model_config = ConfigDict(extra="ignore")

    firstName: Needle | None = None  # noqa: N815 (Open Loyalty's parameter names)
    lastName: Needle | None = None  # noqa: N815
    phone: Needle | None = None
    email: Needle | None = None
    loyaltyCardNumber: Needle | None = None  # noqa: N815
    transactionsAmountFrom: Amount | None = None  # noqa: N815
    transactionsAmountTo: Amount | None = None  # noqa: N815
    averageTransactionAmountFrom: Amount | None = None  # noqa: N815
    averageTransactionAmountTo: Amount | None = None  # noqa: N815
    transactionsCountFrom: Annotated[int, Field(ge=0, le=10**9)] | None = None  # noqa: N815
    transactionsCountTo: Annotated[int, Field(ge=0, le=10**9)] | None = None  # noqa: N815
    daysFromLastTransactionTo: Annotated[int, Field(ge=0, le=36_500)] | None = None  # noqa: N815
    hoursFromLastUpdateTo: Annotated[int, Field(ge=0, le=876_000)] | None = None  # noqa: N815
    strict: Annotated[bool, BeforeValidator(_flag)] = False
    labels: list[Label] = Field(default_factory=list, max_length=20)
    page: Annotated[int, Field(ge=1, le=1_000_000)] = 1
    perPage: Annotated[int, Field(ge=1, le=500)] = 10  # noqa: N815
    sort: Literal[tuple(SORTS)] | None = None  # type: ignore[valid-type]
    direction: Annotated[Literal["asc", "desc"], BeforeValidator(_lower)] = "desc"


def parse(params: dict[str, Any]) -> ListParams:
    raw = dict(params)
    raw["labels"] = as_list(raw.get("labels"))
    raw = {key: (None if value == "" else value) for key, value in raw.items()}
    raw = {key: value for key, value in raw.items() if value is not None}
    try:
        return ListParams.model_validate(raw)
    except ValidationError as exc:
        errors = field_errors(exc.errors(), default="query")
        summary = "; ".join(f"{e.field}: {e.message}" for e in errors)
        raise ValidationFailed(summary, errors=errors) from exc


def to_filter(given: ListParams, now: datetime | None = None) -> CustomerFilter:
    now = now or datetime.now(UTC)
    fields = tuple(
        FieldMatch(field, value, exact=given.strict)
        for name, field in MATCHED.items()
        if (value := getattr(given, name))
    )
    labels = tuple(
        f"{label.key}:{label.value}" if label.value is not None else label.key
        for label in given.labels
    )
    updated_after = None
    if given.hoursFromLastUpdateTo is not None:
        updated_after = now - timedelta(hours=given.hoursFromLastUpdateTo)
    return CustomerFilter(
        fields=fields,
        labels=labels,
        updated_after=updated_after,
        purchases=PurchaseFilter(
            transactions_amount_from=given.transactionsAmountFrom,
            transactions_amount_to=given.transactionsAmountTo,
            average_transaction_amount_from=given.averageTransactionAmountFrom,
            average_transaction_amount_to=given.averageTransactionAmountTo,
            transactions_count_from=given.transactionsCountFrom,
            transactions_count_to=given.transactionsCountTo,
            days_from_last_transaction_to=given.daysFromLastTransactionTo,
        ),
    )


def to_sort(given: ListParams) -> Sort:
    return Sort(SORTS[given.sort] if given.sort else "created_at", given.direction)

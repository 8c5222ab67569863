"""The fast serializer and the documented response model describe one shape."""

import uuid
from datetime import UTC, date, datetime

import orjson

from clientbook.customers.schemas import CustomerOut
from clientbook.customers.serialize import customer_document
from clientbook.kit.responses import dumps
from clientbook.models import Customer


def _customer(**overrides: object) -> Customer:
    values: dict[str, object] = {
        "store_id": uuid.uuid4(),
        "id": uuid.uuid4(),
        "first_name": "Ada",
        "last_name": "Lovelace",
        "display_name": "Countess",
        "salutation": "ms",
        "title": "Dr.",
        "email": "ada@example.com",
        "phone_e164": "+441234567890",
        "fax": "+441234567891",
        "birth_date": date(1815, 12, 10),
        "gender": "female",
        "language": "en-GB",
        "website": "https://example.com/",
        "preferred_currency": "GBP",
        "company_name": "Analytical Engines Ltd",
        "company_tax_id": "GB123",
        "loyalty_card_number": "CARD-1",
        "labels": [{"key": "vip", "value": "gold"}],
        "consents": {
            "email_marketing": {
                "granted": True,
                "granted_at": "2026-11-23T10:00:00.120000+00:00",
                "updated_at": "2026-11-23T10:00:00.120000+00:00",
            },
            "sms_marketing": {
                "granted": False,
                "granted_at": None,
                "updated_at": "2026-11-23T10:00:00+00:00",
            },
        },
        "preferences": {"newsletter": True, "size": "M", "visits": 3},
        "metadata_": {"source": "shop"},
        "status": "active",
        "is_active": True,
        "default_price_list_id": uuid.uuid4(),
        "level_id": None,
        "pos_id": uuid.uuid4(),
        "seller_id": None,
        "user_id": uuid.uuid4(),
        "linked_store_id": None,
        "created_at": datetime(2026, 11, 23, 9, 0, 0, 123456, tzinfo=UTC),
        "updated_at": datetime(2026, 11, 23, 9, 30, tzinfo=UTC),
        "deleted_at": None,
        "version": 4,
    }
    values.update(overrides)
    return Customer(**values)


def _both(customer: Customer) -> tuple[object, object]:
    fast = orjson.loads(dumps(customer_document(customer)))
    model = CustomerOut.model_validate(customer_document(customer)).model_dump(mode="json")
    return fast, model


def test_a_full_customer_is_written_as_the_model_writes_it() -> None:
    fast, model = _both(_customer())
    assert fast == model
    assert fast["created_at"] == "2026-11-23T09:00:00.123456Z"  # type: ignore[index]
    assert fast["consents"]["email_marketing"]["granted_at"] == "2026-11-23T10:00:00.120000Z"  # type: ignore[index]


def test_a_sparse_deleted_customer_is_written_as_the_model_writes_it() -> None:
    sparse = _customer(
        first_name=None,
        last_name=None,
        display_name=None,
        company_name=None,
        company_tax_id=None,
        labels=None,
        consents=None,
        preferences=None,
        metadata_=None,
        birth_date=None,
        deleted_at=datetime(2026, 11, 23, 11, 0, tzinfo=UTC),
    )
    fast, model = _both(sparse)
    assert fast == model
    assert fast["status"] == "deleted"  # type: ignore[index]
    assert fast["company"] is None  # type: ignore[index]
    assert fast["name"] == "ada@example.com"  # type: ignore[index]

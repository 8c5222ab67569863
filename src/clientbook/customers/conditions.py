"""The customer list's filters as SQL conditions (``CustomerFilter``), dialect forms
included: shared by pages, totals and exports."""

import contextlib
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    String,
    TextClause,
    and_,
    bindparam,
    func,
    literal_column,
    or_,
    select,
    text,
    type_coerce,
)
from sqlalchemy.dialects.postgresql import JSONB

from clientbook.kit.contact import email_key, parse_phone, phone_digits
from clientbook.kit.errors import ValidationFailed
from clientbook.loyalty.filters import (
    PurchaseFilter,
    clock,
    purchase_conditions,
)
from clientbook.models import Customer, CustomerAddress, GroupMember, Member
from clientbook.stores.scope import StoreScope


@dataclass(frozen=True)
class CustomerFilter:
    q: str | None = None
    email: str | None = None
    phone: str | None = None
    name: str | None = None
    is_active: bool | None = None
    status: str | None = None
    label: str | None = None
    created_after: datetime | None = None
    created_before: datetime | None = None
    updated_after: datetime | None = None
    updated_before: datetime | None = None
    purchases: PurchaseFilter = field(default_factory=PurchaseFilter)
    # Field by field (Open Loyalty's list): "exact" matches the whole value (names and
    # e-mail case-insensitively), "contains" a substring of it.
    fields: tuple["FieldMatch", ...] = ()
    labels: tuple[str, ...] = ()  # every one must match (``key`` or ``key:value``)
    group_id: uuid.UUID | None = None  # a member of this customer group
    tier_id: uuid.UUID | None = None  # in this loyalty tier


MATCHABLE = {
    "first_name": Customer.first_name,
    "last_name": Customer.last_name,
    "email": Customer.email,
    "phone": Customer.phone,
    "loyalty_card_number": Customer.loyalty_card_number,
}


# Matched on any of the customer's addresses (Open Loyalty's POS search).
ADDRESS_MATCHABLE = {
    "city": CustomerAddress.city,
    "postal_code": CustomerAddress.postal_code,
}


@dataclass(frozen=True)
class FieldMatch:
    field: str  # a key of MATCHABLE or ADDRESS_MATCHABLE
    value: str
    exact: bool = True


def _like_pattern(text_: str) -> BindParameter[str]:
    """``%text%``, written into the SQL rather than bound: how many customers a pattern
    matches decides the plan (walk the list or probe the trigram index), and a prepared
    statement's generic plan, made without the pattern, walks the whole store for a rare
    one (half a second at a million customers)."""
    escaped = text_.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return bindparam(None, f"%{escaped}%", type_=String, literal_execute=True)


def _contains(dialect: str, needle: str) -> ColumnElement[bool]:
    """``search_text`` contains ``needle``: trigram-indexed on both backends."""
    needle = needle.lower()
    if dialect == "sqlite" and len(needle) >= 3:
        phrase = '"' + needle.replace('"', '""') + '"'
        return literal_column("customers.rowid").in_(
            text("SELECT rowid FROM customers_fts WHERE customers_fts MATCH :phrase").bindparams(
                phrase=phrase
            )
        )
    return Customer.search_text.like(_like_pattern(needle), escape="\\")


def _search(dialect: str, q: str, region: str | None) -> ColumnElement[bool]:
    """Names, e-mail and card by substring; a phone number by its digits, however written."""
    conditions = [_contains(dialect, q)]
    digits = phone_digits(q).lstrip("0")
    if len(digits) >= 3 and all(ch.isdigit() or ch in " +-()./" for ch in q.strip()):
        conditions.append(_contains(dialect, digits))
        # A whole number in the store's national form, whatever its trunk prefix ("8 912..."
        # in Russia, "06 30..." in Hungary), is found by its E.164 form.
        with contextlib.suppress(ValueError):
            conditions.append(Customer.phone_key == parse_phone(q, region).key)
    return or_(*conditions)


def _label(dialect: str, label: str) -> ColumnElement[bool]:
    """``key`` or ``key:value``."""
    key, has_value, value = label.partition(":")
    wanted = {"key": key, "value": value} if has_value else {"key": key}
    if dialect == "postgresql":
        return type_coerce(Customer.labels, JSONB).contains([wanted])
    clause = "json_extract(label.value, '$.key') = :label_key"
    if has_value:
        clause += " AND json_extract(label.value, '$.value') = :label_value"
    exists_label = text(
        f"EXISTS (SELECT 1 FROM json_each(customers.labels) AS label WHERE {clause})"  # noqa: S608
    ).bindparams(**{"label_" + k: v for k, v in wanted.items()})
    return _as_condition(exists_label)


def conditions_of(
    scope: StoreScope, dialect: str, where: CustomerFilter, now: datetime | None = None
) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [Customer.store_id == scope.store_id]
    if where.status == "deleted":
        conditions.append(Customer.deleted_at.is_not(None))
    else:
        conditions.append(Customer.deleted_at.is_(None))
        if where.status is not None:
            conditions.append(Customer.status == where.status)
    q = (where.q or "").strip()
    if q:
        conditions.append(_search(dialect, q, scope.country))
    if where.email is not None:
        conditions.append(Customer.email_key == email_key(where.email))
    if where.phone is not None:
        try:
            key = parse_phone(where.phone, scope.country).key
        except ValueError as exc:
            raise ValidationFailed.field("phone", str(exc)) from exc
        conditions.append(Customer.phone_key == key)
    name = (where.name or "").strip()
    if name:
        conditions.append(_contains(dialect, name))
        conditions.append(Customer.sort_name.like(_like_pattern(name.lower()), escape="\\"))
    if where.is_active is not None:
        conditions.append(Customer.is_active.is_(where.is_active))
    if where.label:
        conditions.append(_label(dialect, where.label))
    conditions.extend(_label(dialect, label) for label in where.labels)
    conditions.extend(_field_match(scope, dialect, match) for match in where.fields)
    if where.group_id is not None:
        conditions.append(_in_group(scope, where.group_id))
    if where.tier_id is not None:
        conditions.append(_in_tier(scope, where.tier_id))
    for column, bound, op in (
        (Customer.created_at, where.created_after, "ge"),
        (Customer.created_at, where.created_before, "lt"),
        (Customer.updated_at, where.updated_after, "ge"),
        (Customer.updated_at, where.updated_before, "lt"),
    ):
        if bound is not None:
            bound = _as_utc(bound)
            conditions.append(column >= bound if op == "ge" else column < bound)
    if where.purchases != PurchaseFilter():
        conditions.extend(purchase_conditions(scope, where.purchases, clock(now)))
    return conditions


# Fields with a trigram index of their own on ``lower(field)`` (PostgreSQL; migration
# b3e8d1f4a672): a match on one of them needs no narrowing by ``search_text``.
OWN_TRIGRAM_INDEX = frozenset({"first_name", "last_name"})


def _in_group(scope: StoreScope, group_id: uuid.UUID) -> ColumnElement[bool]:
    return (
        select(GroupMember.customer_id)
        .where(
            GroupMember.store_id == scope.store_id,
            GroupMember.group_id == group_id,
            GroupMember.customer_id == Customer.id,
        )
        .exists()
    )


def _in_tier(scope: StoreScope, tier_id: uuid.UUID) -> ColumnElement[bool]:
    return (
        select(Member.customer_id)
        .where(
            Member.store_id == scope.store_id,
            Member.customer_id == Customer.id,
            Member.tier_id == tier_id,
        )
        .exists()
    )


def _field_match(scope: StoreScope, dialect: str, match: FieldMatch) -> ColumnElement[bool]:
    """One field's whole value or a substring of it, ignoring case. The trigram-indexed
    ``search_text`` holds every matchable field, so it narrows the rows first, unless the
    field has a trigram index of its own."""
    needle = match.value.strip().lower()
    if match.field in ADDRESS_MATCHABLE:
        return _address_match(scope, match.field, needle, match.exact)
    column = func.lower(MATCHABLE[match.field])
    if match.exact:
        found: ColumnElement[bool] = column == needle
    else:
        found = column.like(_like_pattern(needle), escape="\\")
    if match.field == "phone" or not needle:
        return found
    if dialect == "postgresql" and match.field in OWN_TRIGRAM_INDEX:
        return found
    return and_(_contains(dialect, needle), found)


def _address_match(
    scope: StoreScope, field_name: str, needle: str, exact: bool
) -> ColumnElement[bool]:
    """One of the customer's addresses has the value (its whole value, or a substring)."""
    column = func.lower(ADDRESS_MATCHABLE[field_name])
    found = column == needle if exact else column.like(_like_pattern(needle), escape="\\")
    return (
        select(CustomerAddress.id)
        .where(
            CustomerAddress.store_id == scope.store_id,
            CustomerAddress.customer_id == Customer.id,
            found,
        )
        .exists()
    )


def _as_utc(moment: datetime) -> datetime:
    """A time given without an offset is read as UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _as_condition(clause: TextClause) -> ColumnElement[bool]:
    """A boolean SQL fragment, typed as the condition it is."""
    return clause.self_group()  # type: ignore[return-value]

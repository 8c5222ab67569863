"""Matching a batch's rows to the store's customers, in file order, in memory.

A row that carries an ``id`` (as an export writes it) matches the customer with that id;
else one with its e-mail, else one with its loyalty card number; a row with neither
matches by its content id (``rows.py``). A match is skipped, or in upsert mode updated
with the row's fields as ``update_customer`` would; a row that matches nothing is created.
"""

import uuid
from dataclasses import dataclass, field
from typing import Any

from clientbook.customers.fields import apply_changes, check_identifiable, derive, same_number
from clientbook.customers.service import UNIQUES
from clientbook.kit.errors import ClientbookError, Conflict, FieldError
from clientbook.models import Customer
from clientbook.stores.scope import StoreScope
from clientbook.transfer.reports import Mode, Result, RowReport
from clientbook.transfer.rows import COLUMNS, PreparedRow, error_message

_EMAIL_RULE, _CARD_RULE = UNIQUES
NO_PRICE_LIST = "default_price_list_id: no active price list with this id in the store"
SAME_ID = "a customer with this id already exists"
DELETED = "the customer with this id is deleted; restore it to import into it"


@dataclass(eq=False)
class Target:
    """A customer a batch writes: a new one (inserted) or an existing one (updated)."""

    customer: Customer
    new: bool
    row: int
    fields: set[str] = field(default_factory=set)
    reports: list[RowReport] = field(default_factory=list)


class Batch:
    """The batch's customers by e-mail, card and id, as the rows before have left them."""

    def __init__(self, scope: StoreScope, mode: Mode, existing: list[Customer]) -> None:
        self.scope = scope
        self.mode = mode
        self.by_email: dict[str, Target] = {}
        self.by_card: dict[str, Target] = {}
        self.by_id: dict[uuid.UUID, Target] = {}
        self.created: list[Target] = []
        self.updated: list[Target] = []
        for customer in existing:
            target = Target(customer, new=False, row=0)
            self.by_id[customer.id] = target
            if customer.deleted_at is None:
                self._index(target)

    def _index(self, target: Target) -> None:
        customer = target.customer
        if customer.email_key:
            self.by_email[customer.email_key] = target
        if customer.loyalty_card_number:
            self.by_card[customer.loyalty_card_number] = target

    def _unindex(self, target: Target, email_key_: str, card: str | None) -> None:
        if email_key_ and self.by_email.get(email_key_) is target:
            del self.by_email[email_key_]
        if card and self.by_card.get(card) is target:
            del self.by_card[card]

    def take(self, row: PreparedRow, usable_price_lists: set[uuid.UUID]) -> RowReport:
        if row.error is not None:
            return RowReport(row.number, row.identifier, Result.error, row.error)
        price_list = row.changes.get("default_price_list_id")
        if price_list is not None and price_list not in usable_price_lists:
            return RowReport(row.number, row.identifier, Result.error, NO_PRICE_LIST)
        by_id = self.by_id.get(row.given_id) if row.given_id else None
        if by_id is not None:
            return self._take_existing(by_id, "id", row)
        if row.content_id is not None:
            if row.content_id in self.by_id:
                message = "already imported: a customer with the same content exists"
                return RowReport(row.number, row.identifier, Result.skipped, message)
            return self._create(row)
        found = self._match(row)
        if found is None:
            return self._create(row)
        return self._take_existing(*found, row)

    def _take_existing(self, target: Target, via: str, row: PreparedRow) -> RowReport:
        if target.customer.deleted_at is not None:
            return RowReport(row.number, row.identifier, Result.skipped, DELETED)
        if self.mode is Mode.skip:
            return RowReport(row.number, row.identifier, Result.skipped, self._exists(target, via))
        return self._update(target, row)

    def _match(self, row: PreparedRow) -> tuple[Target, str] | None:
        if row.email_key and (target := self.by_email.get(row.email_key)):
            return target, "e-mail"
        if row.card and (target := self.by_card.get(row.card)):
            return target, "loyalty card number"
        return None

    @staticmethod
    def _exists(target: Target, via: str) -> str:
        if target.new:
            return f"same {via} as row {target.row}, which was imported"
        return {"e-mail": _EMAIL_RULE.message, "id": SAME_ID}.get(via, _CARD_RULE.message)

    def _create(self, row: PreparedRow) -> RowReport:
        if row.create_error is not None:
            return RowReport(row.number, row.identifier, Result.error, row.create_error)
        assert row.candidate is not None
        target = Target(row.candidate, new=True, row=row.number)
        target.fields = set(row.changes) | ({"is_active"} if row.is_active is not None else set())
        report = RowReport(row.number, row.identifier, Result.created, customer_id=row.candidate.id)
        target.reports.append(report)
        self.by_id[row.candidate.id] = target
        self._index(target)
        self.created.append(target)
        return report

    def _update(self, target: Target, row: PreparedRow) -> RowReport:
        """Write the row's fields over the customer, as ``update_customer`` does."""
        customer = target.customer
        before = snapshot(customer)
        try:
            changed = apply_changes(
                customer, self._changes(customer, row, self.scope.country), self.scope.country
            )
            if row.is_active is not None and customer.is_active != row.is_active:
                customer.is_active = row.is_active
                changed.add("is_active")
            if not changed or snapshot(customer) == before:
                # ``status: active`` with ``is_active: false`` passes through is_active=true
                restore(customer, before)
                return RowReport(row.number, row.identifier, Result.skipped, "no changes")
            check_identifiable(customer)
            self._check_unique(target)
            derive(customer)
        except ClientbookError as exc:
            restore(customer, before)
            return RowReport(row.number, row.identifier, Result.error, error_message(exc))
        self._unindex(target, before["email_key"], before["loyalty_card_number"])
        self._index(target)
        target.fields |= changed
        if not target.new and not target.reports:
            self.updated.append(target)
        report = RowReport(
            row.number,
            row.identifier,
            Result.updated,
            ", ".join(sorted(changed)),
            customer_id=customer.id,
        )
        target.reports.append(report)
        return report

    @staticmethod
    def _changes(customer: Customer, row: PreparedRow, region: str | None) -> dict[str, Any]:
        """A CSV row's company columns are separate cells: one not given is kept. The
        number the customer has, written another way (an export's E.164 form), is no
        change."""
        changes = row.changes
        phone = changes.get("phone")
        if phone is not None and same_number(customer, phone, region):
            changes = {k: v for k, v in changes.items() if k != "phone"}
        company = changes.get("company")
        if company is None or not row.company_given:
            return changes
        current = {"name": customer.company_name, "tax_id": customer.company_tax_id}
        merged = {k: company[k] if k in row.company_given else current[k] for k in current}
        return {**changes, "company": merged}

    def _check_unique(self, target: Target) -> None:
        customer = target.customer
        for rule, index, value in (
            (_EMAIL_RULE, self.by_email, customer.email_key),
            (_CARD_RULE, self.by_card, customer.loyalty_card_number),
        ):
            other = index.get(value) if value else None
            if other is not None and other is not target:
                raise _conflict(rule.field, rule.message)


def _conflict(field_name: str, message: str) -> ClientbookError:
    return Conflict(message, errors=[FieldError(field_name, message)])


def snapshot(customer: Customer) -> dict[str, Any]:
    return {key: getattr(customer, key) for _, key in COLUMNS}


def restore(customer: Customer, values: dict[str, Any]) -> None:
    for key, value in values.items():
        setattr(customer, key, value)

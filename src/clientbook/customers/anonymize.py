"""Anonymising a customer: its personal data erased for good, its history kept.

Every field that names or reaches the person is cleared (names, e-mail, phone, birth
date, company, card number, labels, consents, preferences, metadata), and with them its
addresses, properties, files (the blobs go once the transaction commits), prescriptions,
profiles, group memberships, referral code (made from the first name), duplicate pairs,
data exports (with their archives), sign-in (credential, sessions, codes, push tokens)
and the addresses its past messages went to. Customers merged into it are erased too:
they are the same person. Purchases, points and tier standing stay, so the store's
figures do not change. The customer leaves lists as a deleted one does, and can never be
restored.
"""

import uuid

from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from clientbook.audit import service as audit
from clientbook.customer_accounts.scope import public_store_of
from clientbook.customer_accounts.service import revoke_customer_sessions
from clientbook.customers.fields import derive
from clientbook.customers.service import get_customer
from clientbook.files.service import remove_after_commit
from clientbook.kit.db import utcnow
from clientbook.kit.storage import Storage
from clientbook.models import (
    Customer,
    CustomerAddress,
    CustomerCode,
    CustomerCredential,
    CustomerFile,
    CustomerProfile,
    CustomerProperty,
    CustomerPushToken,
    CustomerSession,
    DuplicateCheck,
    DuplicatePair,
    GroupMember,
    OutboxMessage,
    Prescription,
    ReferralCode,
)
from clientbook.privacy.exports import forget_customer_exports
from clientbook.stores.scope import Role, StoreScope
from clientbook.webhooks.events import EventType, emit

PERSONAL = (
    "first_name",
    "last_name",
    "display_name",
    "salutation",
    "title",
    "email",
    "phone",
    "phone_e164",
    "phone_key",
    "fax",
    "birth_date",
    "birth_instant",
    "gender",
    "language",
    "website",
    "company_name",
    "company_tax_id",
    "loyalty_card_number",
    "user_id",
)
ERASED = "anonymized"  # what a past message's recipient becomes


async def anonymize_customer(
    session: AsyncSession, scope: StoreScope, storage: Storage, customer_id: uuid.UUID
) -> Customer:
    """Erase the customer's personal data (admin); again on an anonymised one is a no-op."""
    scope.require(Role.admin)
    return await erase_personal_data(session, scope, storage, customer_id)


async def erase_personal_data(
    session: AsyncSession, scope: StoreScope, storage: Storage, customer_id: uuid.UUID
) -> Customer:
    """The erasure itself, for callers that checked who may ask: staff (above) and the
    customer closing its own account (``customer_accounts.closing``)."""
    customer = await get_customer(session, scope, customer_id, deleted=True, for_update=True)
    for merged_id in await session.scalars(
        select(Customer.id).where(
            Customer.store_id == scope.store_id,
            Customer.merged_into == customer_id,
            Customer.anonymized_at.is_(None),
        )
    ):
        await erase_personal_data(session, scope, storage, merged_id)
    if customer.anonymized_at is not None:
        return customer
    now = utcnow()
    for name in PERSONAL:
        setattr(customer, name, None)
    customer.email_key = ""
    customer.labels = []
    customer.consents = {}
    customer.preferences = {}
    customer.metadata_ = {}
    customer.is_active = False
    customer.anonymized_at = now
    customer.deleted_at = customer.deleted_at or now
    derive(customer)
    await session.flush()
    await _erase_related(session, scope, storage, customer_id)
    await revoke_customer_sessions(session, public_store_of(scope), customer_id)
    await audit.record(session, scope, customer_id, "anonymized", ["personal_data"])
    await emit(session, scope, EventType.customer_anonymised, customer_id)
    return customer


async def _erase_related(
    session: AsyncSession, scope: StoreScope, storage: Storage, customer_id: uuid.UUID
) -> None:
    store_id = scope.store_id
    files = await session.scalars(
        select(CustomerFile).where(
            CustomerFile.store_id == store_id, CustomerFile.customer_id == customer_id
        )
    )
    for record in files:
        remove_after_commit(session, storage, record.storage_key)
    for table in (
        CustomerFile,
        CustomerAddress,
        Prescription,
        CustomerProfile,
        GroupMember,
        ReferralCode,
        CustomerCode,
        CustomerPushToken,
        CustomerCredential,
        CustomerProperty,
        DuplicateCheck,
    ):
        await session.execute(
            delete(table).where(table.store_id == store_id, table.customer_id == customer_id)
        )
    await session.execute(
        delete(DuplicatePair).where(
            DuplicatePair.store_id == store_id,
            or_(DuplicatePair.customer_id == customer_id, DuplicatePair.other_id == customer_id),
        )
    )
    await forget_customer_exports(session, scope, storage, customer_id)
    await session.execute(
        update(CustomerSession)
        .where(CustomerSession.store_id == store_id, CustomerSession.customer_id == customer_id)
        .values(revoked_at=utcnow())
    )
    # Messages not yet sent are dropped; sent ones forget where they went and what they said.
    await session.execute(
        delete(OutboxMessage).where(
            OutboxMessage.store_id == store_id,
            OutboxMessage.customer_id == customer_id,
            OutboxMessage.sent_at.is_(None),
        )
    )
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.store_id == store_id, OutboxMessage.customer_id == customer_id)
        .values(recipient=ERASED, context={})
    )

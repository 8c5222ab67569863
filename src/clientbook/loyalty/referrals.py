"""Referral codes, referrals and the store's referral rule.

A code reads as the customer's first name and four digits (``LAYLA4821``). It is made when
the customer is created through the canonical API and, for anyone else (older customers,
other surfaces), the first time it is read: a code nobody has seen cannot be handed to a
friend, so nothing has to be backfilled. A referral completes on the referred customer's
first completed purchase and credits the rule's points through the ledger, with
idempotency keys per referral, so completing twice credits once.
"""

import secrets
import unicodedata
import uuid
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from clientbook.audit import service as audit
from clientbook.customers.service import get_customer
from clientbook.kit.db import utcnow
from clientbook.kit.errors import ValidationFailed
from clientbook.kit.integrity import insert_new
from clientbook.loyalty import ledger, tiers
from clientbook.loyalty.wallets import DEFAULT_CODE, wallet_by_code, wallet_by_id
from clientbook.models import Customer, Referral, ReferralCode, ReferralRule
from clientbook.models.loyalty import ZERO
from clientbook.stores.scope import Role, StoreScope

CENT = Decimal("0.01")
STEM_LENGTH = 10
ATTEMPTS = 20


def _stem(first_name: str | None) -> str:
    """The first name in capital ASCII letters (accents dropped), or FRIEND."""
    plain = unicodedata.normalize("NFKD", first_name or "").encode("ascii", "ignore").decode()
    letters = "".join(c for c in plain.upper() if "A" <= c <= "Z")[:STEM_LENGTH]
    return letters or "FRIEND"


def canonical_code(code: str) -> str:
    """Codes are matched without case or spaces: ``layla 4821`` is ``LAYLA4821``."""
    return "".join(code.split()).upper()


async def code_of(session: AsyncSession, scope: StoreScope, customer: Customer) -> str:
    """The customer's referral code, made now if it has none yet."""
    found = await session.scalar(
        select(ReferralCode.code).where(
            ReferralCode.store_id == scope.store_id, ReferralCode.customer_id == customer.id
        )
    )
    if found is not None:
        return found
    stem = _stem(customer.first_name)
    for attempt in range(ATTEMPTS):
        digits = 4 if attempt < ATTEMPTS // 2 else 6
        code = f"{stem}{secrets.randbelow(10**digits):0{digits}d}"
        row = {
            "store_id": scope.store_id,
            "customer_id": customer.id,
            "code": code,
            "created_at": utcnow(),
        }
        # ON CONFLICT DO NOTHING: a taken code (or a concurrent first read that already
        # made this customer's) leaves the transaction usable, unlike a failed INSERT.
        if await insert_new(session, ReferralCode, [row], ReferralCode.code):
            return code
        mine = await session.scalar(
            select(ReferralCode.code).where(
                ReferralCode.store_id == scope.store_id, ReferralCode.customer_id == customer.id
            )
        )
        if mine is not None:
            return mine
    raise RuntimeError("no free referral code after many attempts")


async def customer_created(
    session: AsyncSession, scope: StoreScope, customer: Customer, referral_code: str | None
) -> None:
    """Give the new customer a code and, when it came with a friend's, record the
    referral (422 on ``referral_code`` when no customer of this store has that code)."""
    await code_of(session, scope, customer)
    if referral_code is None:
        return
    code = canonical_code(referral_code)
    referrer_id = await session.scalar(
        select(ReferralCode.customer_id).where(
            ReferralCode.store_id == scope.store_id, ReferralCode.code == code
        )
    )
    if referrer_id is None or referrer_id == customer.id:
        raise ValidationFailed.field("referral_code", "no customer of this store has this code")
    referrer = await get_customer(session, scope, referrer_id)
    session.add(
        Referral(
            store_id=scope.store_id,
            referrer_id=referrer.id,
            referred_id=customer.id,
            code=code,
            status="pending",
        )
    )
    await session.flush()
    await audit.record(session, scope, referrer.id, "referral.recorded", ["referral"])
    await audit.record(session, scope, customer.id, "referral.recorded", ["referral"])


async def complete_for(session: AsyncSession, scope: StoreScope, referred_id: uuid.UUID) -> None:
    """The referred customer completed a purchase: complete a pending referral and
    credit the rule's points (once: the referral row is locked and its status checked)."""
    referral = await session.scalar(
        select(Referral)
        .where(
            Referral.store_id == scope.store_id,
            Referral.referred_id == referred_id,
            Referral.status == "pending",
        )
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if referral is None:
        return
    referral.status = "completed"
    referral.completed_at = utcnow()
    rule = await session.get(ReferralRule, scope.store_id)
    if rule is not None and rule.active:
        wallet = await wallet_by_id(session, scope, rule.wallet_id)
        for customer_id, amount, side in (
            (referral.referrer_id, rule.referrer_points, "referrer"),
            (referral.referred_id, rule.referred_points, "referred"),
        ):
            if amount <= ZERO:
                continue
            write = ledger.Write(
                customer_id,
                wallet,
                source="referral",
                key=f"referral:{referral.id}:{side}",
            )
            await ledger.earn(session, scope, write, amount)
            await tiers.recalculate(session, scope, customer_id, utcnow())
        referral.referrer_points = rule.referrer_points
        referral.referred_points = rule.referred_points
    await session.flush()
    for customer_id in (referral.referrer_id, referral.referred_id):
        await audit.record(session, scope, customer_id, "referral.completed", ["referral"])


async def referrals_of(
    session: AsyncSession, scope: StoreScope, customer_id: uuid.UUID
) -> tuple[str, list[Referral], Referral | None]:
    """The customer's code, the friends it brought (newest first), who brought it."""
    customer = await get_customer(session, scope, customer_id)
    code = await code_of(session, scope, customer)
    brought = await session.scalars(
        select(Referral)
        .where(Referral.store_id == scope.store_id, Referral.referrer_id == customer_id)
        .order_by(Referral.created_at.desc(), Referral.id)
    )
    by = await session.scalar(
        select(Referral).where(
            Referral.store_id == scope.store_id, Referral.referred_id == customer_id
        )
    )
    return code, list(brought), by


@dataclass(frozen=True)
class RuleView:
    wallet: str
    referrer_points: Decimal
    referred_points: Decimal
    active: bool


async def get_rule(session: AsyncSession, scope: StoreScope) -> RuleView:
    rule = await session.get(ReferralRule, scope.store_id)
    if rule is None:
        return RuleView(DEFAULT_CODE, ZERO, ZERO, active=False)
    wallet = await wallet_by_id(session, scope, rule.wallet_id)
    return RuleView(wallet.code, rule.referrer_points, rule.referred_points, rule.active)


async def set_rule(session: AsyncSession, scope: StoreScope, view: RuleView) -> RuleView:
    scope.require(Role.admin)
    wallet = await wallet_by_code(session, scope, view.wallet)
    await insert_new(
        session,
        ReferralRule,
        [{"store_id": scope.store_id, "wallet_id": wallet.id}],
        ReferralRule.store_id,
    )
    rule = await session.get_one(
        ReferralRule, scope.store_id, with_for_update=True, populate_existing=True
    )
    rule.wallet_id = wallet.id
    rule.referrer_points = view.referrer_points.quantize(CENT)
    rule.referred_points = view.referred_points.quantize(CENT)
    rule.active = view.active
    await session.flush()
    return RuleView(wallet.code, rule.referrer_points, rule.referred_points, rule.active)

"""What a purchase's earning needs to know, read in one statement before any write.

Recording a completed purchase used to read the customer, the programme, the member row,
the stats, the webhook subscriptions and the pending referral one statement at a time.
``read_standing`` asks for all of them at once (the customer held ``FOR KEY SHARE``, as
``get_customer`` does), and the writes after it skip what does not apply: no tier read
when the store has no tiers, no webhook read when no endpoint is active, no referral
work when the customer has no pending referral.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Row, and_, bindparam, exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from clientbook.kit.errors import NotFound
from clientbook.loyalty import tiers
from clientbook.models import (
    Customer,
    EarningRule,
    Member,
    Programme,
    PurchaseStats,
    Referral,
    Tier,
    Wallet,
    WebhookEndpoint,
)
from clientbook.models.loyalty import ZERO
from clientbook.stores.scope import StoreScope
from clientbook.webhooks.events import no_subscribers


@dataclass(frozen=True)
class Standing:
    """The customer's place before the purchase: the tier placement (computed, not
    stored), the stats as read, and whether a pending referral waits on them."""

    placement: tiers.Placement
    count: int
    total: Decimal
    listed_at: datetime  # the customer's created_at, which the stats row carries
    referral_pending: bool
    rules: list[tuple[EarningRule, Wallet]]  # the store's earning rules, each with its wallet


async def read_standing(
    session: AsyncSession,
    scope: StoreScope,
    customer_id: uuid.UUID,
    now: datetime,
    *,
    deleted: bool = False,
) -> Standing:
    """One statement for the customer (404 when missing, or deleted unless asked for),
    the programme, the member row, the stats, the flags and the store's earning rules
    (a row per rule); then the tiers and the points-mode value only when the store has
    tiers."""
    params = {"store_id": scope.store_id, "customer_id": customer_id}
    rows = (await session.execute(_STANDING, params)).all()
    if not rows or (rows[0].deleted_at is not None and not deleted):
        raise NotFound("Customer not found")
    row = rows[0]
    if not row.subscribed:
        no_subscribers(session, scope)
    programme = _programme(scope, row)
    member = Member(
        store_id=scope.store_id,
        customer_id=customer_id,
        tier_id=row.tier_id,
        manual_tier_id=row.manual_tier_id,
        evaluated_at=row.evaluated_at,
    )
    found: list[Tier] = []
    value = ZERO
    if row.has_tiers:
        found = await tiers.list_tiers(session, scope)
        if programme.tier_mode == "purchases":
            value = row.eligible_total if row.eligible_total is not None else ZERO
        else:
            value = await tiers.tier_value(session, scope, customer_id, programme, now)
    target = tiers.target(found, programme, member, value, now)
    placement = tiers.Placement(target, value, found, programme, member)
    return Standing(
        placement,
        count=row.stats_count or 0,
        total=row.total if row.total is not None else ZERO,
        listed_at=row.created_at,
        referral_pending=bool(row.referral_pending),
        rules=[(r[0], r[1]) for r in rows if r[0] is not None],
    )


def _standing_query() -> Any:
    store: Any = bindparam("store_id")
    customer_id: Any = bindparam("customer_id")
    c, p, m, s, r, w = Customer, Programme, Member, PurchaseStats, EarningRule, Wallet
    mine = and_(m.store_id == c.store_id, m.customer_id == c.id)
    stats = and_(s.store_id == c.store_id, s.customer_id == c.id)
    subscribed = exists().where(WebhookEndpoint.store_id == store, WebhookEndpoint.active)
    has_tiers = exists().where(Tier.store_id == store)
    pending = exists().where(
        Referral.store_id == store,
        Referral.referred_id == customer_id,
        Referral.status == "pending",
    )
    return (
        select(
            r,
            w,
            c.deleted_at,
            c.created_at,
            p.store_id.label("programme_store_id"),
            p.tier_mode,
            p.window_days,
            p.downgrade_mode,
            p.downgrade_days,
            m.tier_id,
            m.manual_tier_id,
            m.evaluated_at,
            s.count.label("stats_count"),
            s.total,
            s.eligible_total,
            subscribed.label("subscribed"),
            has_tiers.label("has_tiers"),
            pending.label("referral_pending"),
        )
        .select_from(c)
        .outerjoin(p, p.store_id == c.store_id)
        .outerjoin(m, mine)
        .outerjoin(s, stats)
        .outerjoin(r, r.store_id == c.store_id)
        .outerjoin(w, and_(w.store_id == r.store_id, w.id == r.wallet_id))
        .where(c.store_id == store, c.id == customer_id)
        .order_by(r.created_at, r.id)
        .with_for_update(read=True, key_share=True, of=c)
    )


_STANDING = _standing_query()  # built once: making it costs more than running it


def _programme(scope: StoreScope, row: Row) -> Programme:  # type: ignore[type-arg]
    if row.programme_store_id is None:
        return tiers.default_programme(scope)
    return Programme(
        store_id=scope.store_id,
        tier_mode=row.tier_mode,
        window_days=row.window_days,
        downgrade_mode=row.downgrade_mode,
        downgrade_days=row.downgrade_days,
    )

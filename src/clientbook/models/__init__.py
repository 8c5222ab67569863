"""Every ORM model, in one package so Alembic sees all tables."""

from clientbook.kit.db import Base
from clientbook.models.accounts import AuthSession, LoginAttempt, RefreshToken, User
from clientbook.models.api_keys import ApiKey
from clientbook.models.catalog import CustomerGroup, GroupMember, PriceList
from clientbook.models.customer_accounts import (
    CustomerCode,
    CustomerCredential,
    CustomerPushToken,
    CustomerRefreshToken,
    CustomerSession,
)
from clientbook.models.customers import Customer, CustomerAddress, CustomerCount, CustomerEvent
from clientbook.models.idempotency import IdempotencyRecord
from clientbook.models.lifecycle import DataExport, DuplicateCheck, DuplicatePair, DuplicateScan
from clientbook.models.loyalty import (
    EarningRule,
    Member,
    PointsAllocation,
    PointsBalance,
    PointsEntry,
    PointsLot,
    Programme,
    Purchase,
    PurchaseStats,
    Tier,
    Wallet,
)
from clientbook.models.messages import MessageTemplate, OutboxMessage
from clientbook.models.points_of_sale import PointOfSale, PosSeller
from clientbook.models.profiles import CustomerProfile
from clientbook.models.properties import CustomerProperty
from clientbook.models.records import CustomerFile, Prescription
from clientbook.models.referrals import Referral, ReferralCode, ReferralRule
from clientbook.models.rewards import Redemption, Reward
from clientbook.models.stores import Invitation, Membership, Store
from clientbook.models.web import StoreDomain, StoreOrigin
from clientbook.models.webhooks import WebhookAttempt, WebhookDelivery, WebhookEndpoint

__all__ = [
    "ApiKey",
    "AuthSession",
    "Base",
    "Customer",
    "CustomerAddress",
    "CustomerCode",
    "CustomerCount",
    "CustomerCredential",
    "CustomerEvent",
    "CustomerFile",
    "CustomerGroup",
    "CustomerProfile",
    "CustomerProperty",
    "CustomerPushToken",
    "CustomerRefreshToken",
    "CustomerSession",
    "DataExport",
    "DuplicateCheck",
    "DuplicatePair",
    "DuplicateScan",
    "EarningRule",
    "GroupMember",
    "IdempotencyRecord",
    "Invitation",
    "LoginAttempt",
    "Member",
    "Membership",
    "MessageTemplate",
    "OutboxMessage",
    "PointOfSale",
    "PointsAllocation",
    "PointsBalance",
    "PointsEntry",
    "PointsLot",
    "PosSeller",
    "Prescription",
    "PriceList",
    "Programme",
    "Purchase",
    "PurchaseStats",
    "Redemption",
    "Referral",
    "ReferralCode",
    "ReferralRule",
    "RefreshToken",
    "Reward",
    "Store",
    "StoreDomain",
    "StoreOrigin",
    "Tier",
    "User",
    "Wallet",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookEndpoint",
]

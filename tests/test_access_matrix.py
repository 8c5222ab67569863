"""Who may call what: every store-scoped endpoint of the canonical API, in one table.

For each endpoint (with a fresh store for each allowed write; the refusals and reads
share one, since each checks that it left the store as it was):

* anonymous → 401;
* a member of another store → 404 (the store, and anything named in it, looks absent),
  whether it names the target store or puts the target's ids under its own store;
* a seller where an admin is needed → 403;
* a signed-in customer of the store (a customer token, or a browser's session cookie
  with its CSRF token) → 401: no staff route takes one;
* the endpoint's minimum role → 2xx;
* the same with the store's API keys: an intruder store's key → 404, a seller key where
  an admin is needed → 403, a revoked, unknown or malformed key → 401, and a key of the
  endpoint's minimum role → 2xx (API keys and webhooks are managed only by signed-in staff);

and every refusal leaves both stores exactly as they were (while a read changes nothing
and an allowed write shows in the same snapshot, so the snapshot is known to see it).
"""

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from http.cookies import SimpleCookie
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Response
from sqlalchemy import func, select, update

from clientbook.api_keys.keys import hash_key, new_key
from clientbook.customer_accounts import cookies
from clientbook.customer_accounts.config import AccountConfig
from clientbook.customer_accounts.scope import find_public_store
from clientbook.kit.db import Database, utcnow
from clientbook.models import (
    ApiKey,
    Customer,
    CustomerAddress,
    CustomerCredential,
    CustomerEvent,
    CustomerFile,
    CustomerGroup,
    CustomerProperty,
    CustomerSession,
    DataExport,
    DuplicatePair,
    DuplicateScan,
    EarningRule,
    GroupMember,
    Invitation,
    Member,
    Membership,
    MessageTemplate,
    PointOfSale,
    PointsBalance,
    PosSeller,
    Prescription,
    PriceList,
    Programme,
    Purchase,
    Redemption,
    ReferralCode,
    ReferralRule,
    Reward,
    Store,
    StoreDomain,
    StoreOrigin,
    Tier,
    User,
    Wallet,
    WebhookDelivery,
    WebhookEndpoint,
)
from clientbook.stores.scope import Role
from clientbook.webhooks.events import new_event_id
from tests.api_keys.keys import bearer, make_key
from tests.factories import Factory, Staff, StoreCtx
from tests.files.samples import PDF


@dataclass
class World:
    """The target store with one of everything, and an intruder's store."""

    ctx: StoreCtx
    customer_id: uuid.UUID  # with an address, a file, a prescription, in the group
    address_id: uuid.UUID
    member: Staff  # an extra seller, to change and remove
    new_email: str  # for adding a member
    invitation_id: uuid.UUID  # pending, to revoke
    price_list_id: uuid.UUID  # the customer's default price list
    group_id: uuid.UUID
    ungrouped_customer_id: uuid.UUID  # in no group, to add to one
    file_id: uuid.UUID
    prescription_id: uuid.UUID
    intruder: StoreCtx
    intruder_customer_id: uuid.UUID
    customer_token: str  # the first customer, signed in as itself
    customer_cookie: dict[str, str]  # the same customer's cookie session, with its CSRF
    api_key_id: uuid.UUID  # the target store's "spare" key, to revoke
    keys: dict[str, str]  # admin, seller (the target's), revoked, intruder (an admin key)
    tier_id: uuid.UUID
    purchase_id: uuid.UUID
    reward_id: uuid.UUID  # redeemed once, by the customer
    spare_reward_id: uuid.UUID  # never redeemed, to delete
    redemption_id: uuid.UUID
    pos_id: uuid.UUID  # the extra seller is tied to it
    spare_pos_id: uuid.UUID  # to delete
    webhook_id: uuid.UUID  # hears only of anonymisations, so the matrix's writes queue nothing
    delivery_id: uuid.UUID  # delivered, to replay
    property_id: uuid.UUID  # the customer's property
    scan_id: uuid.UUID  # a finished duplicate scan
    export_id: uuid.UUID  # the customer's data export, ready


Body = Callable[[World], dict[str, Any]] | None
Files = Callable[[World], dict[str, tuple[str, bytes, str]]] | None


@dataclass(frozen=True)
class Endpoint:
    name: str
    method: str
    path: str  # below /v1/stores/{store}; {customer}, {address}, {member}, ... are filled in
    role: Role  # the least role that may call it
    success: int
    body: Body = None  # sent as JSON
    files: Files = None  # sent as multipart/form-data
    deleted_customer: bool = False  # the customer is soft-deleted first (for restore)
    openapi: str | None = None  # the path's template, when ``path`` names no ids
    by_key: bool = True  # an API key of the minimum role may call it

    @property
    def names_ids(self) -> bool:
        return "{" in self.path


ENDPOINTS = [
    Endpoint("store.get", "GET", "", Role.seller, 200),
    Endpoint(
        "api_keys.create",
        "POST",
        "/api-keys",
        Role.admin,
        201,
        lambda w: {"name": f"k-{uuid.uuid4().hex[:8]}", "role": "seller"},
        by_key=False,
    ),
    Endpoint("api_keys.list", "GET", "/api-keys", Role.admin, 200, by_key=False),
    Endpoint("api_keys.revoke", "DELETE", "/api-keys/{api_key}", Role.admin, 204, by_key=False),
    Endpoint("store.patch", "PATCH", "", Role.admin, 200, lambda w: {"name": "Renamed"}),
    Endpoint(
        "webhooks.create",
        "POST",
        "/webhooks",
        Role.admin,
        201,
        lambda w: {"url": "https://hooks.invalid/new", "events": ["customer.anonymised"]},
        by_key=False,
    ),
    Endpoint("webhooks.list", "GET", "/webhooks", Role.admin, 200, by_key=False),
    Endpoint("webhooks.get", "GET", "/webhooks/{webhook}", Role.admin, 200, by_key=False),
    Endpoint(
        "webhooks.patch",
        "PATCH",
        "/webhooks/{webhook}",
        Role.admin,
        200,
        lambda w: {"active": False},
        by_key=False,
    ),
    Endpoint("webhooks.delete", "DELETE", "/webhooks/{webhook}", Role.admin, 204, by_key=False),
    Endpoint(
        "webhooks.deliveries",
        "GET",
        "/webhooks/{webhook}/deliveries",
        Role.admin,
        200,
        by_key=False,
    ),
    Endpoint(
        "webhooks.replay",
        "POST",
        "/webhooks/{webhook}/deliveries/{delivery}/replay",
        Role.admin,
        202,
        by_key=False,
    ),
    Endpoint("members.list", "GET", "/members", Role.seller, 200),
    Endpoint(
        "members.add",
        "POST",
        "/members",
        Role.admin,
        202,
        lambda w: {"email": w.new_email, "role": "seller"},
    ),
    Endpoint(
        "invitations.create",
        "POST",
        "/invitations",
        Role.admin,
        201,
        lambda w: {"email": w.new_email, "role": "seller"},
    ),
    Endpoint("invitations.list", "GET", "/invitations", Role.admin, 200),
    Endpoint("invitations.revoke", "DELETE", "/invitations/{invitation}", Role.admin, 204),
    Endpoint(
        "members.patch", "PATCH", "/members/{member}", Role.admin, 200, lambda w: {"role": "admin"}
    ),
    Endpoint("members.delete", "DELETE", "/members/{member}", Role.admin, 204),
    Endpoint(
        "customers.create",
        "POST",
        "/customers",
        Role.seller,
        201,
        lambda w: {"first_name": "New", "email": f"new-{uuid.uuid4().hex[:8]}@example.com"},
    ),
    Endpoint("customers.list", "GET", "/customers", Role.seller, 200),
    Endpoint("customers.get", "GET", "/customers/{customer}", Role.seller, 200),
    Endpoint(
        "customers.patch",
        "PATCH",
        "/customers/{customer}",
        Role.seller,
        200,
        lambda w: {"first_name": "Changed"},
    ),
    Endpoint("customers.delete", "DELETE", "/customers/{customer}", Role.admin, 204),
    Endpoint(
        "customers.restore",
        "POST",
        "/customers/{customer}/restore",
        Role.admin,
        200,
        deleted_customer=True,
    ),
    Endpoint("customers.activate", "POST", "/customers/{customer}/activate", Role.seller, 200),
    Endpoint("customers.deactivate", "POST", "/customers/{customer}/deactivate", Role.seller, 200),
    Endpoint(
        "customers.password",
        "PUT",
        "/customers/{customer}/password",
        Role.admin,
        204,
        lambda w: {"password": "a new password 1"},
    ),
    Endpoint(
        "customers.activation",
        "POST",
        "/customers/{customer}/activation",
        Role.seller,
        202,
        lambda w: {"channel": "email"},
    ),
    Endpoint("customers.events", "GET", "/customers/{customer}/events", Role.seller, 200),
    Endpoint("customers.export", "GET", "/customers/export", Role.admin, 200),
    Endpoint(
        "customers.import",
        "POST",
        "/customers/import",
        Role.admin,
        200,
        files=lambda w: {
            "file": (
                "c.csv",
                f"first_name,email\nNew,imp-{uuid.uuid4().hex[:8]}@example.com\n".encode(),
                "text/csv",
            )
        },
    ),
    Endpoint("duplicates.list", "GET", "/duplicates", Role.seller, 200),
    Endpoint(
        "duplicates.dismiss",
        "POST",
        "/duplicates/dismissals",
        Role.seller,
        200,
        lambda w: {"customer_ids": [str(w.customer_id), str(w.ungrouped_customer_id)]},
    ),
    Endpoint("duplicates.start_scan", "POST", "/duplicates/scans", Role.admin, 202),
    Endpoint("duplicates.get_scan", "GET", "/duplicates/scans/{scan}", Role.admin, 200),
    Endpoint(
        "customers.merge",
        "POST",
        "/customers/{customer}/merge",
        Role.admin,
        200,
        lambda w: {"from": [str(w.ungrouped_customer_id)], "preview": False},
    ),
    Endpoint("privacy.export", "POST", "/customers/{customer}/data-export", Role.admin, 202),
    Endpoint("privacy.get_export", "GET", "/data-exports/{export}", Role.admin, 200),
    Endpoint("privacy.erase", "POST", "/customers/{customer}/erase", Role.admin, 200),
    Endpoint("addresses.list", "GET", "/customers/{customer}/addresses", Role.seller, 200),
    Endpoint(
        "addresses.add",
        "POST",
        "/customers/{customer}/addresses",
        Role.seller,
        201,
        lambda w: {"city": "New", "type": "billing", "is_default": True},
    ),
    Endpoint("addresses.get", "GET", "/customers/{customer}/addresses/{address}", Role.seller, 200),
    Endpoint(
        "addresses.patch",
        "PATCH",
        "/customers/{customer}/addresses/{address}",
        Role.seller,
        200,
        lambda w: {"city": "Changed", "is_default": False},
    ),
    Endpoint(
        "addresses.delete", "DELETE", "/customers/{customer}/addresses/{address}", Role.seller, 204
    ),
    Endpoint("price_lists.list", "GET", "/price-lists", Role.seller, 200),
    Endpoint(
        "price_lists.create",
        "POST",
        "/price-lists",
        Role.admin,
        201,
        lambda w: {"name": "Wholesale"},
    ),
    Endpoint("price_lists.get", "GET", "/price-lists/{price_list}", Role.seller, 200),
    Endpoint(
        "price_lists.patch",
        "PATCH",
        "/price-lists/{price_list}",
        Role.admin,
        200,
        lambda w: {"name": "Renamed", "is_active": False},
    ),
    Endpoint("price_lists.delete", "DELETE", "/price-lists/{price_list}", Role.admin, 204),
    Endpoint("groups.list", "GET", "/groups", Role.seller, 200),
    Endpoint("groups.create", "POST", "/groups", Role.admin, 201, lambda w: {"name": "New group"}),
    Endpoint("groups.get", "GET", "/groups/{group}", Role.seller, 200),
    Endpoint(
        "groups.patch",
        "PATCH",
        "/groups/{group}",
        Role.admin,
        200,
        lambda w: {"name": "Changed", "description": "Changed"},
    ),
    Endpoint("groups.delete", "DELETE", "/groups/{group}", Role.admin, 204),
    Endpoint("groups.members", "GET", "/groups/{group}/customers", Role.seller, 200),
    Endpoint(
        "groups.add_customers",
        "POST",
        "/groups/{group}/customers",
        Role.seller,
        200,
        lambda w: {"customer_ids": [str(w.ungrouped_customer_id)]},
    ),
    Endpoint(
        "groups.remove_customer",
        "DELETE",
        "/groups/{group}/customers/{customer}",
        Role.seller,
        204,
    ),
    Endpoint("groups.of_customer", "GET", "/customers/{customer}/groups", Role.seller, 200),
    Endpoint("files.list", "GET", "/customers/{customer}/files", Role.seller, 200),
    Endpoint(
        "files.upload",
        "POST",
        "/customers/{customer}/files",
        Role.seller,
        201,
        files=lambda w: {"prescription": ("a.pdf", PDF, "application/pdf")},
    ),
    Endpoint("files.get", "GET", "/customers/{customer}/files/{file}", Role.seller, 200),
    Endpoint(
        "files.content", "GET", "/customers/{customer}/files/{file}/content", Role.seller, 200
    ),
    Endpoint("files.delete", "DELETE", "/customers/{customer}/files/{file}", Role.admin, 204),
    Endpoint(
        "prescriptions.add",
        "POST",
        "/customers/{customer}/prescriptions",
        Role.seller,
        201,
        lambda w: {"distance_vision": {"right_eye": {"sph": "-1.25"}}},
    ),
    Endpoint("prescriptions.list", "GET", "/customers/{customer}/prescriptions", Role.seller, 200),
    Endpoint(
        "prescriptions.get",
        "GET",
        "/customers/{customer}/prescriptions/{prescription}",
        Role.seller,
        200,
    ),
    Endpoint("message_templates.list", "GET", "/message-templates", Role.admin, 200),
    Endpoint(
        "message_templates.put",
        "PUT",
        "/message-templates/test_message/sms/fr",
        Role.admin,
        200,
        lambda w: {"body": "Code {{ code }}"},
        openapi="/message-templates/{template}/{channel}/{language}",
    ),
    Endpoint(
        "message_templates.delete",
        "DELETE",
        "/message-templates/test_message/email/fr",
        Role.admin,
        204,
        openapi="/message-templates/{template}/{channel}/{language}",
    ),
    Endpoint("wallets.list", "GET", "/wallets", Role.seller, 200),
    Endpoint(
        "wallets.create",
        "POST",
        "/wallets",
        Role.admin,
        201,
        lambda w: {"code": "tokens", "name": "Tokens"},
    ),
    Endpoint(
        "points.write",
        "POST",
        "/customers/{customer}/points",
        Role.seller,
        201,
        lambda w: {"type": "earn", "amount": 5},
    ),
    Endpoint("loyalty.get", "GET", "/customers/{customer}/loyalty", Role.seller, 200),
    Endpoint("tiers.list", "GET", "/tiers", Role.seller, 200),
    Endpoint(
        "tiers.create",
        "POST",
        "/tiers",
        Role.admin,
        201,
        lambda w: {"name": "Gold", "reward_percent": "15.00", "condition_value": 20},
    ),
    Endpoint("programme.get", "GET", "/loyalty-programme", Role.seller, 200),
    Endpoint(
        "programme.put",
        "PUT",
        "/loyalty-programme",
        Role.admin,
        200,
        lambda w: {"downgrade_mode": "never"},
    ),
    Endpoint(
        "customers.tier",
        "PUT",
        "/customers/{customer}/tier",
        Role.admin,
        200,
        lambda w: {"tier_id": str(w.tier_id)},
    ),
    Endpoint(
        "purchases.create",
        "POST",
        "/purchases",
        Role.seller,
        201,
        lambda w: {
            "customer_id": str(w.customer_id),
            "number": "NEW-1",
            "status": "completed",
            "total": "84.97",
            "currency": "USD",
            "purchased_at": "2026-11-20T10:00:00Z",
        },
    ),
    Endpoint("purchases.get", "GET", "/purchases/{purchase}", Role.seller, 200),
    Endpoint(
        "purchases.status",
        "PUT",
        "/purchases/{purchase}/status",
        Role.seller,
        200,
        lambda w: {"status": "cancelled"},
    ),
    Endpoint(
        "purchases.return",
        "POST",
        "/purchases/{purchase}/returns",
        Role.seller,
        200,
        lambda w: {"amount": "1.00"},
    ),
    Endpoint("rules.list", "GET", "/earning-rules", Role.seller, 200),
    Endpoint(
        "rules.create",
        "POST",
        "/earning-rules",
        Role.admin,
        201,
        lambda w: {"name": "Double", "points_per_unit": "2"},
    ),
    Endpoint("rewards.list", "GET", "/rewards", Role.seller, 200),
    Endpoint(
        "rewards.create",
        "POST",
        "/rewards",
        Role.admin,
        201,
        lambda w: {"name": "Mug", "cost": "5"},
    ),
    Endpoint("rewards.get", "GET", "/rewards/{reward}", Role.seller, 200),
    Endpoint(
        "rewards.patch", "PATCH", "/rewards/{reward}", Role.admin, 200, lambda w: {"stock": 3}
    ),
    Endpoint(
        "rewards.delete",
        "DELETE",
        "/rewards/{spare_reward}",
        Role.admin,
        204,
        openapi="/rewards/{reward_id}",
    ),
    Endpoint(
        "rewards.redeem", "POST", "/customers/{customer}/rewards/{reward}/redeem", Role.seller, 201
    ),
    Endpoint("referrals.list", "GET", "/customers/{customer}/referrals", Role.seller, 200),
    Endpoint("profile_kinds.list", "GET", "/profile-kinds", Role.seller, 200),
    Endpoint(
        "profiles.get",
        "GET",
        "/customers/{customer}/profiles/scent",
        Role.seller,
        200,
        openapi="/customers/{customer_id}/profiles/{kind}",
    ),
    Endpoint(
        "profiles.patch",
        "PATCH",
        "/customers/{customer}/profiles/scent",
        Role.seller,
        200,
        lambda w: {"name": "Matrix", "preferences": {"intensity": "light"}},
        openapi="/customers/{customer_id}/profiles/{kind}",
    ),
    Endpoint("properties.list", "GET", "/customers/{customer}/properties", Role.seller, 200),
    Endpoint(
        "properties.add",
        "POST",
        "/customers/{customer}/properties",
        Role.seller,
        201,
        lambda w: {"type": "shoe-size", "value": "42"},
    ),
    Endpoint(
        "properties.patch",
        "PATCH",
        "/customers/{customer}/properties/{property}",
        Role.seller,
        200,
        lambda w: {"value": "New"},
    ),
    Endpoint(
        "properties.delete",
        "DELETE",
        "/customers/{customer}/properties/{property}",
        Role.seller,
        204,
    ),
    Endpoint("sites.get", "GET", "/sites", Role.seller, 200),
    Endpoint(
        "sites.put",
        "PUT",
        "/sites",
        Role.admin,
        200,
        lambda w: {
            "domains": [f"m-{uuid.uuid4().hex[:10]}.example.com"],
            "cors_origins": ["https://new.example.com"],
        },
    ),
    Endpoint("history.purchases", "GET", "/customers/{customer}/purchases", Role.seller, 200),
    Endpoint("history.entries", "GET", "/customers/{customer}/points-entries", Role.seller, 200),
    Endpoint("referral_rule.get", "GET", "/referral-rule", Role.seller, 200),
    Endpoint(
        "referral_rule.put",
        "PUT",
        "/referral-rule",
        Role.admin,
        200,
        lambda w: {"referrer_points": "25"},
    ),
    Endpoint("pos.list", "GET", "/points-of-sale", Role.seller, 200),
    Endpoint(
        "pos.create",
        "POST",
        "/points-of-sale",
        Role.admin,
        201,
        lambda w: {"name": "Kiosk", "identifier": "K-1"},
    ),
    Endpoint("pos.get", "GET", "/points-of-sale/{pos}", Role.seller, 200),
    Endpoint(
        "pos.patch", "PATCH", "/points-of-sale/{pos}", Role.admin, 200, lambda w: {"name": "X"}
    ),
    Endpoint(
        "pos.delete",
        "DELETE",
        "/points-of-sale/{spare_pos}",
        Role.admin,
        204,
        openapi="/points-of-sale/{pos_id}",
    ),
    Endpoint("pos.sellers", "GET", "/points-of-sale/{pos}/sellers", Role.seller, 200),
    Endpoint(
        "pos.tie",
        "PUT",
        "/points-of-sale/{pos}/sellers/{seller}",
        Role.admin,
        204,
        openapi="/points-of-sale/{pos_id}/sellers/{user_id}",
    ),
    Endpoint("pos.untie", "DELETE", "/points-of-sale/{pos}/sellers/{member}", Role.admin, 204),
    Endpoint("customers.pos", "GET", "/customers/{customer}/point-of-sale", Role.seller, 200),
    Endpoint(
        "customers.pos_assign",
        "PUT",
        "/customers/{customer}/point-of-sale",
        Role.seller,
        200,
        lambda w: {"pos_id": str(w.pos_id)},
    ),
    Endpoint("redemptions.list", "GET", "/customers/{customer}/redemptions", Role.seller, 200),
    Endpoint(
        "redemptions.use",
        "POST",
        "/customers/{customer}/redemptions/{redemption}/use",
        Role.seller,
        200,
    ),
]

CHECKS = [
    "anonymous",
    "customer_token",
    "other_store",
    "other_store_own_path",
    "seller_needs_admin",
    "min_role",
    "bad_key",
    "other_store_key",
    "seller_key_needs_admin",
    "key_min_role",
]
# A customer's own routes: anonymous (sign-in) or a customer token, never staff; their
# tests are in tests/customer_accounts/.
CUSTOMER_ROUTES = {
    ("POST", "/v1/stores/{store}/customer-auth/token"),
    ("POST", "/v1/stores/{store}/customer-auth/refresh"),
    ("POST", "/v1/stores/{store}/customer-auth/activate"),
    ("POST", "/v1/stores/{store}/customer-auth/logout"),
    ("GET", "/v1/stores/{store}/customer-auth/csrf"),
    ("POST", "/v1/stores/{store}/customer-auth/session"),
    ("GET", "/v1/stores/{store}/me"),
    ("PATCH", "/v1/stores/{store}/me"),
    ("PUT", "/v1/stores/{store}/me/password"),
    ("POST", "/v1/stores/{store}/me/contact"),
    ("POST", "/v1/stores/{store}/me/contact/confirm"),
    ("POST", "/v1/stores/{store}/customer-auth/register"),
    ("POST", "/v1/stores/{store}/customer-auth/activation/resend"),
    ("POST", "/v1/stores/{store}/customer-auth/password-reset"),
    ("POST", "/v1/stores/{store}/customer-auth/password-reset/confirm"),
}


def _applies(endpoint: Endpoint, check: str) -> bool:
    if check == "other_store_own_path":
        return endpoint.names_ids
    if check in ("seller_needs_admin", "seller_key_needs_admin"):
        return endpoint.role is Role.admin
    return True


CASES = [
    pytest.param(endpoint, check, id=f"{endpoint.name}-{check}")
    for endpoint in ENDPOINTS
    for check in CHECKS
    if _applies(endpoint, check)
]


def _openapi_path(endpoint: Endpoint) -> str:
    if endpoint.openapi is not None:
        return "/v1/stores/{store}" + endpoint.openapi
    path = endpoint.path.format(
        customer="{customer_id}",
        address="{address_id}",
        member="{user_id}",
        invitation="{invitation_id}",
        price_list="{price_list_id}",
        group="{group_id}",
        file="{file_id}",
        prescription="{prescription_id}",
        api_key="{key_id}",
        purchase="{purchase_id}",
        reward="{reward_id}",
        redemption="{redemption_id}",
        pos="{pos_id}",
        webhook="{webhook_id}",
        delivery="{delivery_id}",
        property="{property_id}",
        scan="{scan_id}",
        export="{export_id}",
    )
    return "/v1/stores/{store}" + path


DOCUMENT: dict[str, Any] = {}


@pytest.fixture(autouse=True)
def _document(app: FastAPI) -> None:
    if not DOCUMENT:
        DOCUMENT.update(app.openapi())


def test_the_matrix_lists_every_store_scoped_endpoint(app: FastAPI) -> None:
    served = {
        (method.upper(), path)
        for path, operations in app.openapi()["paths"].items()
        if path.startswith("/v1/stores/{store}")
        for method in operations
    }
    listed = {(e.method, _openapi_path(e)) for e in ENDPOINTS}
    assert len(listed) == len(ENDPOINTS)
    assert listed <= served, listed - served
    assert served - listed == CUSTOMER_ROUTES


# --- the world and what it looks like ------------------------------------------------------


def _made(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def _world(client: httpx.AsyncClient, factory: Factory, database: Database) -> World:
    ctx = await factory.store(country="PL")
    owner = ctx.owner.headers
    price_list = _made(
        await client.post(f"{ctx.base}/price-lists", json={"name": "Retail"}, headers=owner)
    )
    customer = await factory.customer(ctx, default_price_list_id=price_list["id"])
    ungrouped = await factory.customer(ctx)
    customer_url = f"{ctx.base}/customers/{customer.id}"
    address = _made(
        await client.post(
            f"{customer_url}/addresses",
            json={"city": "Old", "type": "billing", "is_default": True},
            headers=owner,
        )
    )
    group = _made(
        await client.post(
            f"{ctx.base}/groups", json={"name": "VIP", "description": "Old"}, headers=owner
        )
    )
    added = await client.post(
        f"{ctx.base}/groups/{group['id']}/customers",
        json={"customer_ids": [str(customer.id)]},
        headers=owner,
    )
    assert added.json() == {"added": 1}, added.text
    files = _made(
        await client.post(
            f"{customer_url}/files",
            files={"id_card": ("old.pdf", PDF, "application/pdf")},
            headers=owner,
        )
    )
    prescription = _made(
        await client.post(
            f"{customer_url}/prescriptions",
            json={"distance_vision": {"left_eye": {"sph": "+0.50"}}},
            headers=owner,
        )
    )
    template = await client.put(
        f"{ctx.base}/message-templates/test_message/email/fr",
        json={"body": "Subject: Old\nOld"},
        headers=owner,
    )
    assert template.status_code == 200, template.text
    member = await factory.user()
    async with database.transaction() as session:
        session.add(Membership(store_id=ctx.id, user_id=member.user.id, role=Role.seller))
    invitation = _made(
        await client.post(
            f"{ctx.base}/invitations",
            json={"email": f"invited-{uuid.uuid4().hex[:10]}@example.com", "role": "seller"},
            headers=owner,
        )
    )
    tier = _made(
        await client.post(
            f"{ctx.base}/tiers",
            json={"name": "Silver", "reward_percent": "5.00", "condition_value": 100},
            headers=owner,
        )
    )
    purchase = _made(
        await client.post(
            f"{ctx.base}/purchases",
            json={
                "customer_id": str(customer.id),
                "number": "OLD-1",
                "status": "completed",
                "total": "10.00",
                "currency": "USD",
                "purchased_at": "2026-11-20T10:00:00Z",
            },
            headers=owner,
        )
    )
    earned = await client.post(
        f"{ctx.base}/customers/{customer.id}/points",
        json={"type": "earn", "amount": 100},
        headers=owner,
    )
    assert earned.status_code == 201, earned.text
    reward = _made(
        await client.post(
            f"{ctx.base}/rewards", json={"name": "Coffee", "cost": "5", "stock": 10}, headers=owner
        )
    )
    # The customer's referral code is made on its first read; make it now, so the
    # matrix's reads change nothing.
    coded = await client.get(f"{ctx.base}/customers/{customer.id}/referrals", headers=owner)
    assert coded.status_code == 200, coded.text
    spare_reward = _made(
        await client.post(f"{ctx.base}/rewards", json={"name": "Spare", "cost": "1"}, headers=owner)
    )
    redemption = _made(
        await client.post(
            f"{ctx.base}/customers/{customer.id}/rewards/{reward['id']}/redeem", headers=owner
        )
    )
    pos = _made(
        await client.post(
            f"{ctx.base}/points-of-sale", json={"name": "Main", "identifier": "M-1"}, headers=owner
        )
    )
    spare_pos = _made(
        await client.post(
            f"{ctx.base}/points-of-sale", json={"name": "Spare", "identifier": "S-1"}, headers=owner
        )
    )
    tied = await client.put(
        f"{ctx.base}/points-of-sale/{pos['id']}/sellers/{member.user.id}", headers=owner
    )
    assert tied.status_code == 204, tied.text
    intruder = await factory.store(country="PL")
    intruder_customer = await factory.customer(intruder)
    keys = {
        "admin": await make_key(client, ctx, "admin"),
        "seller": await make_key(client, ctx, "seller"),
        "revoked": await make_key(client, ctx, "admin"),
        "intruder": await make_key(client, intruder, "admin"),
    }
    spare = _made(
        await client.post(
            f"{ctx.base}/api-keys", json={"name": "spare", "role": "seller"}, headers=owner
        )
    )
    async with database.transaction() as session:
        await session.execute(
            update(ApiKey)
            .where(ApiKey.token_hash == hash_key(keys["revoked"]))
            .values(revoked_at=utcnow())
        )
    customer_token = await factory.customer_token(ctx, customer.id)
    customer_cookie = await _cookie_session(factory, ctx, customer.id)
    webhook = _made(
        await client.post(
            f"{ctx.base}/webhooks",
            json={"url": "https://hooks.invalid/old", "events": ["customer.anonymised"]},
            headers=owner,
        )
    )
    delivery = WebhookDelivery(
        store_id=ctx.id,
        id=uuid.uuid4(),
        endpoint_id=uuid.UUID(webhook["id"]),
        event_id=new_event_id(),
        event_type="customer.anonymised",
        customer_id=customer.id,
        payload={"type": "customer.anonymised"},
        status="delivered",
        attempts=1,
        next_attempt_at=utcnow(),
        created_at=utcnow(),
    )
    export = await client.post(f"{customer_url}/data-export", headers=owner)
    assert export.status_code == 202, export.text
    scan = DuplicateScan(store_id=ctx.id, id=uuid.uuid4(), status="done", steps=3, done=3, pairs=0)
    async with database.transaction() as session:
        session.add(delivery)
        session.add(scan)
    prop = _made(
        await client.post(
            f"{customer_url}/properties", json={"type": "size", "value": "Old"}, headers=owner
        )
    )
    sites = await client.put(
        f"{ctx.base}/sites",
        json={
            "domains": [f"old-{uuid.uuid4().hex[:10]}.example.com"],
            "cors_origins": ["https://old.example.com"],
        },
        headers=owner,
    )
    assert sites.status_code == 200, sites.text
    return World(
        ctx=ctx,
        customer_id=customer.id,
        address_id=uuid.UUID(address["id"]),
        member=member,
        new_email=f"new-member-{uuid.uuid4().hex[:10]}@example.com",
        invitation_id=uuid.UUID(invitation["id"]),
        price_list_id=uuid.UUID(price_list["id"]),
        group_id=uuid.UUID(group["id"]),
        ungrouped_customer_id=ungrouped.id,
        file_id=uuid.UUID(files["data"][0]["id"]),
        prescription_id=uuid.UUID(prescription["id"]),
        intruder=intruder,
        intruder_customer_id=intruder_customer.id,
        customer_token=customer_token,
        customer_cookie=customer_cookie,
        api_key_id=uuid.UUID(spare["id"]),
        keys=keys,
        tier_id=uuid.UUID(tier["id"]),
        purchase_id=uuid.UUID(purchase["id"]),
        reward_id=uuid.UUID(reward["id"]),
        spare_reward_id=uuid.UUID(spare_reward["id"]),
        redemption_id=uuid.UUID(redemption["id"]),
        pos_id=uuid.UUID(pos["id"]),
        spare_pos_id=uuid.UUID(spare_pos["id"]),
        webhook_id=uuid.UUID(webhook["id"]),
        delivery_id=delivery.id,
        property_id=uuid.UUID(prop["id"]),
        scan_id=scan.id,
        export_id=uuid.UUID(export.json()["id"]),
    )


async def _cookie_session(
    factory: Factory, ctx: StoreCtx, customer_id: uuid.UUID
) -> dict[str, str]:
    """A browser's session of the customer: its Cookie and X-CSRF-Token headers."""
    async with factory.database.transaction() as session:
        store = await find_public_store(session, ctx.code)
        auth = CustomerSession(store_id=ctx.id, customer_id=customer_id)
        session.add(auth)
        await session.flush()
        response = Response()
        config = AccountConfig.of(factory.settings)
        csrf = await cookies.start(session, config, store, auth.id, response)
    jar: SimpleCookie = SimpleCookie()
    for header in response.headers.getlist("set-cookie"):
        jar.load(header)
    value = jar[cookies.SESSION_COOKIE].value
    return {"Cookie": f"{cookies.SESSION_COOKIE}={value}", cookies.CSRF_HEADER: csrf}


async def _snapshot(database: Database, store_id: uuid.UUID, new_email: str) -> dict[str, Any]:
    """Everything an endpoint could change in one store, read past the API."""
    async with database.transaction() as session:
        store = await session.get_one(Store, store_id)
        members = await session.execute(
            select(Membership.user_id, Membership.role, Membership.is_active)
            .where(Membership.store_id == store_id)
            .order_by(Membership.user_id)
        )
        customers = await session.execute(
            select(
                Customer.id,
                Customer.first_name,
                Customer.email_key,
                Customer.is_active,
                Customer.status,
                Customer.deleted_at,
                Customer.default_price_list_id,
                Customer.merged_into,
                Customer.version,
            )
            .where(Customer.store_id == store_id)
            .order_by(Customer.id)
        )
        addresses = await session.execute(
            select(
                CustomerAddress.id,
                CustomerAddress.customer_id,
                CustomerAddress.city,
                CustomerAddress.type,
                CustomerAddress.is_default,
            )
            .where(CustomerAddress.store_id == store_id)
            .order_by(CustomerAddress.id)
        )
        price_lists = await session.execute(
            select(
                PriceList.id,
                PriceList.name,
                PriceList.currency,
                PriceList.is_active,
                PriceList.updated_at,
            )
            .where(PriceList.store_id == store_id)
            .order_by(PriceList.id)
        )
        groups = await session.execute(
            select(
                CustomerGroup.id,
                CustomerGroup.code,
                CustomerGroup.name,
                CustomerGroup.description,
                CustomerGroup.updated_at,
            )
            .where(CustomerGroup.store_id == store_id)
            .order_by(CustomerGroup.id)
        )
        group_members = await session.execute(
            select(GroupMember.group_id, GroupMember.customer_id)
            .where(GroupMember.store_id == store_id)
            .order_by(GroupMember.group_id, GroupMember.customer_id)
        )
        files = await session.execute(
            select(
                CustomerFile.id,
                CustomerFile.customer_id,
                CustomerFile.kind,
                CustomerFile.original_name,
                CustomerFile.sha256,
                CustomerFile.storage_key,
            )
            .where(CustomerFile.store_id == store_id)
            .order_by(CustomerFile.id)
        )
        prescriptions = await session.execute(
            select(
                Prescription.id,
                Prescription.customer_id,
                Prescription.issued_on,
                Prescription.measurements,
                Prescription.prescriber,
                Prescription.notes,
            )
            .where(Prescription.store_id == store_id)
            .order_by(Prescription.id)
        )
        events = await session.scalar(
            select(func.count())
            .select_from(CustomerEvent)
            .where(CustomerEvent.store_id == store_id)
        )
        invitations = await session.execute(
            select(Invitation.id, Invitation.email_key, Invitation.role, Invitation.status)
            .where(Invitation.store_id == store_id)
            .order_by(Invitation.id)
        )
        credentials = await session.execute(
            select(
                CustomerCredential.customer_id,
                CustomerCredential.password_hash,
                CustomerCredential.activated_at,
            )
            .where(CustomerCredential.store_id == store_id)
            .order_by(CustomerCredential.customer_id)
        )
        customer_sessions = await session.execute(
            select(CustomerSession.id, CustomerSession.revoked_at)
            .where(CustomerSession.store_id == store_id)
            .order_by(CustomerSession.id)
        )
        templates = await session.execute(
            select(
                MessageTemplate.template,
                MessageTemplate.channel,
                MessageTemplate.language,
                MessageTemplate.body,
            )
            .where(MessageTemplate.store_id == store_id)
            .order_by(MessageTemplate.template, MessageTemplate.channel, MessageTemplate.language)
        )
        api_keys = await session.execute(
            select(ApiKey.id, ApiKey.name, ApiKey.role, ApiKey.revoked_at)
            .where(ApiKey.store_id == store_id)
            .order_by(ApiKey.id)
        )
        loyalty = [
            (await session.execute(statement.where(model.store_id == store_id))).all()
            for model, statement in (
                (Wallet, select(Wallet.code, Wallet.name).order_by(Wallet.code)),
                (Tier, select(Tier.name, Tier.condition_value).order_by(Tier.name)),
                (Programme, select(Programme.tier_mode, Programme.downgrade_mode)),
                (Member, select(Member.customer_id, Member.tier_id, Member.manual_tier_id)),
                (PointsBalance, select(PointsBalance.customer_id, PointsBalance.available)),
                (
                    Purchase,
                    select(Purchase.number, Purchase.status, Purchase.returned_amount).order_by(
                        Purchase.number
                    ),
                ),
                (EarningRule, select(EarningRule.name, EarningRule.points_per_unit)),
                (
                    ReferralRule,
                    select(ReferralRule.referrer_points, ReferralRule.active),
                ),
                (ReferralCode, select(ReferralCode.customer_id, ReferralCode.code)),
                (
                    PointOfSale,
                    select(PointOfSale.name, PointOfSale.identifier).order_by(
                        PointOfSale.identifier
                    ),
                ),
                (PosSeller, select(PosSeller.user_id, PosSeller.pos_id)),
                (Reward, select(Reward.name, Reward.cost, Reward.stock).order_by(Reward.name)),
                (
                    Redemption,
                    select(Redemption.coupon_code, Redemption.used_at).order_by(
                        Redemption.coupon_code
                    ),
                ),
            )
        ]
        webhooks = await session.execute(
            select(
                WebhookEndpoint.id,
                WebhookEndpoint.url,
                WebhookEndpoint.events,
                WebhookEndpoint.active,
            )
            .where(WebhookEndpoint.store_id == store_id)
            .order_by(WebhookEndpoint.id)
        )
        deliveries = await session.execute(
            select(WebhookDelivery.id, WebhookDelivery.status, WebhookDelivery.replayed_at)
            .where(WebhookDelivery.store_id == store_id)
            .order_by(WebhookDelivery.id)
        )
        properties = await session.execute(
            select(
                CustomerProperty.id,
                CustomerProperty.customer_id,
                CustomerProperty.type,
                CustomerProperty.value,
            )
            .where(CustomerProperty.store_id == store_id)
            .order_by(CustomerProperty.id)
        )
        domains = await session.execute(
            select(StoreDomain.domain)
            .where(StoreDomain.store_id == store_id)
            .order_by(StoreDomain.domain)
        )
        origins = await session.execute(
            select(StoreOrigin.origin)
            .where(StoreOrigin.store_id == store_id)
            .order_by(StoreOrigin.origin)
        )
        lifecycle = [
            (await session.execute(statement.where(model.store_id == store_id))).all()
            for model, statement in (
                (
                    DuplicatePair,
                    select(
                        DuplicatePair.customer_id, DuplicatePair.other_id, DuplicatePair.status
                    ).order_by(DuplicatePair.customer_id, DuplicatePair.other_id),
                ),
                (
                    DuplicateScan,
                    select(DuplicateScan.id, DuplicateScan.status).order_by(DuplicateScan.id),
                ),
                (
                    DataExport,
                    select(DataExport.id, DataExport.customer_id, DataExport.status).order_by(
                        DataExport.id
                    ),
                ),
            )
        ]
        new_users = await session.scalar(
            select(func.count()).select_from(User).where(User.email_key == new_email)
        )
        return {
            "store": (store.name, store.currency, store.timezone, store.country, store.updated_at),
            "members": members.all(),
            "invitations": invitations.all(),
            "customers": customers.all(),
            "addresses": addresses.all(),
            "price_lists": price_lists.all(),
            "groups": groups.all(),
            "group_members": group_members.all(),
            "files": files.all(),
            "prescriptions": prescriptions.all(),
            "events": events,
            "message_templates": templates.all(),
            "loyalty": loyalty,
            "new_users": new_users,
            "credentials": credentials.all(),
            "customer_sessions": customer_sessions.all(),
            "api_keys": api_keys.all(),
            "webhooks": webhooks.all(),
            "webhook_deliveries": deliveries.all(),
            "properties": properties.all(),
            "sites": (domains.all(), origins.all()),
            "lifecycle": lifecycle,
        }


async def _both(database: Database, world: World) -> tuple[dict[str, Any], dict[str, Any]]:
    return (
        await _snapshot(database, world.ctx.id, world.new_email),
        await _snapshot(database, world.intruder.id, world.new_email),
    )


def _url(endpoint: Endpoint, base: str, world: World) -> str:
    return base + endpoint.path.format(
        customer=world.customer_id,
        address=world.address_id,
        member=world.member.user.id,
        invitation=world.invitation_id,
        price_list=world.price_list_id,
        group=world.group_id,
        file=world.file_id,
        prescription=world.prescription_id,
        api_key=world.api_key_id,
        purchase=world.purchase_id,
        reward=world.reward_id,
        spare_reward=world.spare_reward_id,
        redemption=world.redemption_id,
        pos=world.pos_id,
        spare_pos=world.spare_pos_id,
        seller=world.ctx.seller.user.id,
        webhook=world.webhook_id,
        delivery=world.delivery_id,
        property=world.property_id,
        scan=world.scan_id,
        export=world.export_id,
    )


async def _call(
    client: httpx.AsyncClient, endpoint: Endpoint, url: str, world: World, headers: dict[str, str]
) -> httpx.Response:
    if endpoint.files:
        files = endpoint.files(world)
        response = await client.request(endpoint.method, url, files=files, headers=headers)
    else:
        body = endpoint.body(world) if endpoint.body else None
        response = await client.request(endpoint.method, url, json=body, headers=headers)
    _is_documented(endpoint, response)
    return response


def _is_documented(endpoint: Endpoint, response: httpx.Response) -> None:
    """The OpenAPI document names the status the endpoint answered, and the headers."""
    operation = DOCUMENT["paths"][_openapi_path(endpoint)][endpoint.method.lower()]
    documented = operation["responses"].get(str(response.status_code))
    assert documented is not None, (endpoint.name, response.status_code, response.text)
    headers = documented.get("headers", {})
    for name in ("ETag", "Location", "Retry-After", "X-Request-ID"):
        if name.lower() in response.headers:
            assert name in headers, (endpoint.name, response.status_code, name)
    if "ETag" in headers:
        assert "etag" in response.headers, (endpoint.name, "documents an ETag it did not send")


def _is_problem(response: httpx.Response, status: int) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == status


# --- the matrix ----------------------------------------------------------------------------


@pytest.mark.parametrize(("endpoint", "check"), CASES)
async def test_access(
    client: httpx.AsyncClient,
    factory: Factory,
    database: Database,
    endpoint: Endpoint,
    check: str,
) -> None:
    changes = _may_change(endpoint, check)
    world, before = await _world_for(endpoint, changes, client, factory, database)
    try:
        await _check(client, database, world, before, endpoint, check)
    except BaseException:
        _SHARED.pop(endpoint.deleted_customer, None)  # the next case starts afresh
        raise


def _may_change(endpoint: Endpoint, check: str) -> bool:
    """Whether the case is an allowed write (every other case leaves the world as it was,
    and checks so)."""
    allowed = check == "min_role" or (check == "key_min_role" and endpoint.by_key)
    return allowed and endpoint.method != "GET"


Snapshots = tuple[dict[str, Any], dict[str, Any]]
# Worlds that only refusals and reads have met, by "its customer is deleted", with their
# snapshot: building a world is most of a case's cost, and a case that leaves its world
# other than this snapshot fails (and the world is dropped).
_SHARED: dict[bool, tuple[float, World, Snapshots]] = {}
_SHARED_SECONDS = 20 * 60  # well inside the staff and customer tokens' hour


async def _world_for(
    endpoint: Endpoint,
    changes: bool,
    client: httpx.AsyncClient,
    factory: Factory,
    database: Database,
) -> tuple[World, Snapshots]:
    shared = _SHARED.get(endpoint.deleted_customer)
    if not changes and shared is not None and time.monotonic() - shared[0] < _SHARED_SECONDS:
        return shared[1], shared[2]
    world = await _world(client, factory, database)
    if endpoint.deleted_customer:
        deleted = await client.delete(
            f"{world.ctx.base}/customers/{world.customer_id}", headers=world.ctx.owner.headers
        )
        assert deleted.status_code == 204
    before = await _both(database, world)
    if not changes:
        _SHARED[endpoint.deleted_customer] = (time.monotonic(), world, before)
    return world, before


async def _check(
    client: httpx.AsyncClient,
    database: Database,
    world: World,
    before: Snapshots,
    endpoint: Endpoint,
    check: str,
) -> None:
    url = _url(endpoint, world.ctx.base, world)

    if check == "anonymous":
        _is_problem(await _call(client, endpoint, url, world, {}), 401)
    elif check == "customer_token":
        customer = {"Authorization": f"Bearer {world.customer_token}"}
        _is_problem(await _call(client, endpoint, url, world, customer), 401)
        _is_problem(await _call(client, endpoint, url, world, world.customer_cookie), 401)
    elif check == "other_store":
        for staff in (world.intruder.owner, world.intruder.seller):
            _is_problem(await _call(client, endpoint, url, world, staff.headers), 404)
    elif check == "other_store_own_path":
        # The intruder's owner may do anything in its own store: only the ids are wrong.
        own_url = _url(endpoint, world.intruder.base, world)
        _is_problem(
            await _call(client, endpoint, own_url, world, world.intruder.owner.headers), 404
        )
    elif check == "seller_needs_admin":
        _is_problem(await _call(client, endpoint, url, world, world.ctx.seller.headers), 403)
    elif check == "bad_key":
        malformed = world.keys["admin"][:-1] + "!"
        unknown = new_key()
        for key in (world.keys["revoked"], unknown, malformed):
            _is_problem(await _call(client, endpoint, url, world, bearer(key)), 401)
    elif check == "other_store_key":
        _is_problem(await _call(client, endpoint, url, world, bearer(world.keys["intruder"])), 404)
    elif check == "seller_key_needs_admin":
        _is_problem(await _call(client, endpoint, url, world, bearer(world.keys["seller"])), 403)
    elif check == "key_min_role" and not endpoint.by_key:
        key = world.keys["admin"]
        _is_problem(await _call(client, endpoint, url, world, bearer(key)), 403)
    else:
        headers = world.ctx.staff[endpoint.role].headers
        if check == "key_min_role":
            headers = bearer(world.keys[endpoint.role.value])
        response = await _call(client, endpoint, url, world, headers)
        assert response.status_code == endpoint.success, response.text
        assert 200 <= response.status_code < 300
        # The snapshot sees what a write changes, so "unchanged" above means something.
        after = await _both(database, world)
        if endpoint.method == "GET":
            assert after == before
        else:
            assert after != before
        return

    assert await _both(database, world) == before


async def test_lists_never_show_another_stores_rows(
    client: httpx.AsyncClient, factory: Factory, database: Database
) -> None:
    world = await _world(client, factory, database)
    intruder = world.intruder
    customers = await client.get(f"{intruder.base}/customers", headers=intruder.owner.headers)
    assert [c["id"] for c in customers.json()["data"]] == [str(world.intruder_customer_id)]
    searched = await client.get(
        f"{intruder.base}/customers",
        params={"q": "Test"},  # the factory's first name, shared by both stores' customers
        headers=intruder.owner.headers,
    )
    assert [c["id"] for c in searched.json()["data"]] == [str(world.intruder_customer_id)]
    members = await client.get(f"{intruder.base}/members", headers=intruder.owner.headers)
    member_ids = {m["user_id"] for m in members.json()["data"]}
    assert member_ids == {str(s.user.id) for s in (intruder.owner, intruder.admin, intruder.seller)}
    stores = await client.get("/v1/stores", headers=intruder.owner.headers)
    assert [s["code"] for s in stores.json()["data"]] == [intruder.code]

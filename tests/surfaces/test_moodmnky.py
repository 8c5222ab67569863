"""MOOD MNKY (seed 004): every documented example, errors, and isolation between customers."""

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from clientbook.customers.service import get_customer
from clientbook.kit.db import Database
from clientbook.loyalty import points, purchases, referrals, rewards, tiers, wallets
from clientbook.models import CustomerAddress, CustomerEvent, CustomerProfile
from clientbook.stores.scope import StoreScope, member_scope
from tests.factories import Factory, StoreCtx

ISO_Z = r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$"

HOME = {
    "name": "Home",
    "firstName": "Jane",
    "lastName": "Smith",
    "company": "",
    "line1": "123 Main St",
    "line2": "Apt 4B",
    "city": "New York",
    "state": "NY",
    "postalCode": "10001",
    "country": "US",
    "phone": "+1 (555) 555-1234",
    "isDefault": True,
    "type": "both",
}
WORK = {
    "name": "Work",
    "firstName": "Jane",
    "lastName": "Smith",
    "company": "Acme Inc",
    "line1": "456 Business Ave",
    "line2": "Suite 300",
    "city": "New York",
    "state": "NY",
    "postalCode": "10002",
    "country": "US",
    "phone": "+1 (555) 555-5678",
    "isDefault": False,
    "type": "shipping",
}
PARENTS = {
    "name": "Parents",
    "firstName": "Jane",
    "lastName": "Smith-Jones",
    "company": "",
    "line1": "789 Suburban Rd",
    "line2": "",
    "city": "Cleveland",
    "state": "OH",
    "postalCode": "44101",
    "country": "US",
    "phone": "+1 (555) 555-3456",
    "isDefault": False,
    "type": "shipping",
}
SCENT = {
    "name": "Jane's Profile",
    "preferences": {
        "intensity": "medium",
        "categories": ["floral", "woody"],
        "favoriteNotes": ["lavender", "bergamot", "cedar"],
        "dislikedNotes": ["patchouli", "musk"],
        "occasions": ["relaxation", "home"],
    },
    "customBlends": [
        {
            "name": "Summer Breeze",
            "description": "Light floral with citrus notes",
            "notes": ["lavender", "bergamot", "lemongrass"],
        },
        {
            "name": "Cozy Evening",
            "description": "Warm woody with vanilla undertones",
            "notes": ["cedar", "sandalwood", "vanilla"],
        },
    ],
}
ORDERS = (  # number, total, items, purchased
    ("MNKY-1001", "84.97", 2, datetime(2023, 3, 15, 14, 30, tzinfo=UTC)),
    ("MNKY-978", "54.99", 1, datetime(2023, 2, 10, 11, 20, tzinfo=UTC)),
    ("MNKY-955", "59.00", 1, datetime(2023, 1, 20, 10, 0, tzinfo=UTC)),
    ("MNKY-901", "50.00", 1, datetime(2022, 12, 5, 9, 0, tzinfo=UTC)),
)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def assert_error(response: httpx.Response, status: int, field: str | None = None) -> None:
    """The surface's one error shape, naming the field when there is one."""
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"success", "error"}
    assert body["success"] is False
    error = body["error"]
    assert set(error) == {"status", "code", "message", "field", "errors"}
    assert error["status"] == status
    assert error["message"]
    if field is not None:
        assert error["field"] == field, body
        assert field in {e["field"] for e in error["errors"]}


async def _owner_scope(factory: Factory, ctx: StoreCtx, session: Any) -> StoreScope:
    return await member_scope(session, ctx.id, ctx.owner.user.id)


async def _programme(factory: Factory, ctx: StoreCtx, jane: uuid.UUID) -> None:
    """Jane's loyalty as the document shows it: premium, 250 tokens, 125 points, four
    orders, a reward redeemed with tokens, a completed referral."""
    async with factory.database.transaction() as session:
        scope = await _owner_scope(factory, ctx, session)
        await wallets.create_wallet(
            session, scope, code="tokens", name="Tokens", expiry_days=None, pending_days=None
        )
        for name, condition in (("Premium", "100"), ("VIP", "500")):
            await tiers.create_tier(
                session,
                scope,
                name=name,
                reward_percent=Decimal(0),
                condition_value=Decimal(condition),
                active=True,
                description=None,
                perks=[],
            )
        for number, total, items, at in ORDERS:
            await purchases.record_purchase(
                session,
                scope,
                purchases.PurchaseData(
                    customer_id=jane,
                    number=number,
                    status="completed",
                    total=Decimal(total),
                    currency="USD",
                    purchased_at=at,
                    item_count=items,
                    shipping_status="delivered",
                    delivered_at=at + timedelta(days=5),
                ),
            )
        for change in (
            points.PointsChange("points", "earn", Decimal(75), reason="Welcome points"),
            points.PointsChange("points", "earn", Decimal(50), source="purchase:MNKY-1001"),
            points.PointsChange("tokens", "earn", Decimal(175), reason="Welcome tokens"),
        ):
            await points.write_points(session, scope, jane, change)
        shipping = await rewards.create_reward(
            session,
            scope,
            rewards.RewardFields("Free shipping reward", "tokens", Decimal(25), "Ships free"),
        )
        await rewards.redeem(session, scope, jane, shipping.id)
        await rewards.create_reward(
            session,
            scope,
            rewards.RewardFields(
                "10% Off Next Order",
                "points",
                Decimal(50),
                "Get 10% off your next purchase",
                valid_until=datetime(2099, 5, 31, 23, 59, 59, tzinfo=UTC),
            ),
        )
        await referrals.set_rule(
            session, scope, referrals.RuleView("tokens", Decimal(100), Decimal(0), active=True)
        )
    friend = await factory.customer(ctx, first_name="Friend", email=f"f{uuid.uuid4().hex}@x.io")
    async with factory.database.transaction() as session:
        scope = await _owner_scope(factory, ctx, session)
        code = await referrals.code_of(session, scope, await get_customer(session, scope, jane))
        await referrals.customer_created(session, scope, friend, code)
        await purchases.record_purchase(
            session,
            scope,
            purchases.PurchaseData(
                customer_id=friend.id,
                number=f"F-{uuid.uuid4().hex[:8]}",
                status="completed",
                total=Decimal("10"),
                currency="USD",
                purchased_at=datetime.now(UTC),
            ),
        )


async def jane(factory: Factory, ctx: StoreCtx) -> tuple[Any, str]:
    customer = await factory.customer(
        ctx,
        first_name="Jane",
        last_name="Smith",
        email=f"jane.{uuid.uuid4().hex[:8]}@example.com",
        phone="+1 (555) 555-1234",
    )
    return customer, await factory.customer_token(ctx, customer.id)


@pytest.fixture
async def ctx(factory: Factory) -> StoreCtx:
    return await factory.store(country="US", currency="USD")


# --- profile -------------------------------------------------------------------------


async def test_profile_documented_example(
    client: httpx.AsyncClient, factory: Factory, ctx: StoreCtx
) -> None:
    customer, token = await jane(factory, ctx)
    auth = bearer(token)
    home = (await client.post("/api/customers/addresses", json=HOME, headers=auth)).json()
    work = (await client.post("/api/customers/addresses", json=WORK, headers=auth)).json()
    scent = await client.patch("/api/customers/scent-profile", json=SCENT, headers=auth)
    assert scent.status_code == 200, scent.text
    prefs = {"emailMarketing": True, "smsMarketing": False, "preferredCurrency": "USD"}
    made = await client.patch(
        "/api/customers/profile",
        json={"preferences": {**prefs, "reminderFrequency": "weekly"}},
        headers=auth,
    )
    assert made.status_code == 200, made.text
    await _programme(factory, ctx, customer.id)

    scent = await client.get("/api/customers/scent-profile", headers=auth)
    response = await client.get("/api/customers/profile", headers=auth)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body == {
        "id": str(customer.id),
        "email": customer.email,
        "firstName": "Jane",
        "lastName": "Smith",
        "phoneNumber": "+1 (555) 555-1234",
        "createdAt": body["createdAt"],
        "updatedAt": body["updatedAt"],
        "addresses": [
            {**HOME, "id": home["id"], "phone": HOME["phone"]},
            {**WORK, "id": work["id"]},
        ],
        "preferences": {**prefs, "reminderFrequency": "weekly"},
        "scentProfile": {
            "id": scent.json()["id"],
            "name": "Jane's Profile",
            "preferences": SCENT["preferences"],
            "createdAt": scent.json()["createdAt"],
            "updatedAt": scent.json()["updatedAt"],
        },
        "orderStats": {
            "totalOrders": 4,
            "totalSpent": 248.96,
            "averageOrderValue": 62.24,
            "lastOrderDate": "2023-03-15T14:30:00Z",
        },
        "membershipTier": "premium",
        "tokens": 250,
        "loyaltyPoints": 125,
        "referralCode": body["referralCode"],
    }
    assert body["referralCode"]
    for moment in (body["createdAt"], body["updatedAt"], body["scentProfile"]["createdAt"]):
        assert moment.endswith("Z")
        assert len(moment) == 20


async def test_profile_patch_documented_example(
    client: httpx.AsyncClient, factory: Factory, ctx: StoreCtx
) -> None:
    customer, token = await jane(factory, ctx)
    auth = bearer(token)
    await client.patch(
        "/api/customers/profile",
        json={
            "preferences": {
                "emailMarketing": True,
                "smsMarketing": False,
                "preferredCurrency": "USD",
                "reminderFrequency": "weekly",
            }
        },
        headers=auth,
    )
    response = await client.patch(
        "/api/customers/profile",
        json={
            "firstName": "Jane",
            "lastName": "Smith-Jones",
            "phoneNumber": "+1 (555) 555-9876",
            "preferences": {"emailMarketing": False, "reminderFrequency": "monthly"},
        },
        headers=auth,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["id"] == str(customer.id)
    assert body["email"] == customer.email
    assert (body["firstName"], body["lastName"]) == ("Jane", "Smith-Jones")
    assert body["preferences"] == {
        "emailMarketing": False,
        "smsMarketing": False,
        "preferredCurrency": "USD",
        "reminderFrequency": "monthly",
    }
    assert body["updatedAt"].endswith("Z")
    # A new phone number counts once the code sent to it comes back (docs/mood-mnky.md).
    assert body["phoneNumber"] == "+1 (555) 555-1234"
    assert body["pendingChanges"] == {"phoneNumber": "+1 (555) 555-9876"}
    # The same number, however written, is no change.
    same = await client.patch(
        "/api/customers/profile", json={"phoneNumber": "+15555551234"}, headers=auth
    )
    assert "pendingChanges" not in same.json()


# --- addresses -----------------------------------------------------------------------


async def test_address_examples_list_add_update_delete(
    client: httpx.AsyncClient, factory: Factory, ctx: StoreCtx, database: Database
) -> None:
    _, token = await jane(factory, ctx)
    auth = bearer(token)
    home = await client.post("/api/customers/addresses", json=HOME, headers=auth)
    assert home.status_code == 201, home.text
    await client.post("/api/customers/addresses", json=WORK, headers=auth)

    added = await client.post("/api/customers/addresses", json=PARENTS, headers=auth)
    assert added.status_code == 201, added.text
    body = added.json()
    assert body == {**PARENTS, "id": body["id"], "createdAt": body["createdAt"]}
    assert body["createdAt"].endswith("Z")

    listed = await client.get("/api/customers/addresses", headers=auth)
    assert listed.status_code == 200
    assert [a["name"] for a in listed.json()["addresses"]] == ["Home", "Work", "Parents"]
    assert listed.json()["addresses"][0] == {**HOME, "id": home.json()["id"]}

    changed = await client.patch(
        f"/api/customers/addresses/{body['id']}",
        json={"line1": "789 Suburban Road", "isDefault": True},
        headers=auth,
    )
    assert changed.status_code == 200, changed.text
    assert changed.json() == {
        **PARENTS,
        "id": body["id"],
        "line1": "789 Suburban Road",
        "isDefault": True,
        "updatedAt": changed.json()["updatedAt"],
    }
    # One default: Home gave up the mark.
    defaults = [
        a["name"]
        for a in (await client.get("/api/customers/addresses", headers=auth)).json()["addresses"]
        if a["isDefault"]
    ]
    assert defaults == ["Parents"]

    deleted = await client.delete(f"/api/customers/addresses/{body['id']}", headers=auth)
    assert deleted.status_code == 200
    assert deleted.json() == {
        "success": True,
        "message": "Address successfully deleted",
        "id": body["id"],
    }
    again = await client.delete(f"/api/customers/addresses/{body['id']}", headers=auth)
    assert_error(again, 404)
    async with database.transaction() as session:
        left = await session.scalars(
            select(CustomerAddress.name).where(CustomerAddress.store_id == ctx.id)
        )
        assert sorted(n or "" for n in left) == ["Home", "Work"]


async def test_address_validation_names_the_field(
    client: httpx.AsyncClient, factory: Factory, ctx: StoreCtx
) -> None:
    _, token = await jane(factory, ctx)
    auth = bearer(token)
    for patch, field in (
        ({"postalCode": "1" * 21}, "postalCode"),
        ({"state": "x" * 101}, "state"),
        ({"type": "pigeon"}, "type"),
        ({"country": "ZZ"}, "country"),
        ({"phone": "call me"}, "phone"),
        ({"colour": "red"}, "colour"),
        ({"isDefault": "perhaps"}, "isDefault"),
    ):
        response = await client.post(
            "/api/customers/addresses", json={**PARENTS, **patch}, headers=auth
        )
        assert_error(response, 400, field)
    made = (await client.post("/api/customers/addresses", json=PARENTS, headers=auth)).json()
    nulled = await client.patch(
        f"/api/customers/addresses/{made['id']}", json={"type": None}, headers=auth
    )
    assert_error(nulled, 400, "type")
    for bad in ("not-an-id", str(uuid.uuid4())):
        assert_error(
            await client.patch(f"/api/customers/addresses/{bad}", json={}, headers=auth), 404
        )
    broken = await client.post(
        "/api/customers/addresses",
        content=b"{nope",
        headers={**auth, "Content-Type": "application/json"},
    )
    assert_error(broken, 400)


# --- orders --------------------------------------------------------------------------


async def test_orders_documented_example_and_filters(
    client: httpx.AsyncClient, factory: Factory, ctx: StoreCtx
) -> None:
    customer, token = await jane(factory, ctx)
    auth = bearer(token)
    await _programme(factory, ctx, customer.id)
    response = await client.get("/api/customers/orders", headers=auth)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["pagination"] == {"total": 4, "pages": 1, "page": 1, "limit": 10}
    first = body["orders"][0]
    assert first == {
        "id": first["id"],
        "number": "MNKY-1001",
        "status": "completed",
        "createdAt": "2023-03-15T14:30:00Z",
        "updatedAt": first["updatedAt"],
        "totalAmount": 84.97,
        "currency": "USD",
        "itemCount": 2,
        "shippingStatus": "delivered",
        "deliveredAt": "2023-03-20T14:30:00Z",
    }
    assert [o["number"] for o in body["orders"]] == [
        "MNKY-1001",
        "MNKY-978",
        "MNKY-955",
        "MNKY-901",
    ]

    paged = (await client.get("/api/customers/orders?page=2&limit=3", headers=auth)).json()
    assert [o["number"] for o in paged["orders"]] == ["MNKY-901"]
    assert paged["pagination"] == {"total": 4, "pages": 2, "page": 2, "limit": 3}
    ranged = await client.get(
        "/api/customers/orders?fromDate=2023-01-20&toDate=2023-02-10", headers=auth
    )
    assert [o["number"] for o in ranged.json()["orders"]] == ["MNKY-978", "MNKY-955"]
    timed = await client.get(
        "/api/customers/orders?fromDate=2023-02-10T11:20:00Z&toDate=2023-03-15T14:29:59Z",
        headers=auth,
    )
    assert [o["number"] for o in timed.json()["orders"]] == ["MNKY-978"]
    # The last day there is, or its last instant, as "no end": every order from the start.
    for last in ("9999-12-31", "9999-12-31T23:59:59.999999Z"):
        unbounded = await client.get(
            f"/api/customers/orders?fromDate=2023-02-10&toDate={last}", headers=auth
        )
        assert unbounded.status_code == 200, unbounded.text
        assert [o["number"] for o in unbounded.json()["orders"]] == ["MNKY-1001", "MNKY-978"]
    assert (await client.get("/api/customers/orders?status=pending", headers=auth)).json()[
        "pagination"
    ] == {"total": 0, "pages": 0, "page": 1, "limit": 10}
    for query, field in (
        ("limit=51", "limit"),
        ("limit=0", "limit"),
        ("page=0", "page"),
        ("page=x", "page"),
        ("fromDate=yesterday", "fromDate"),
        ("toDate=2023-13-01", "toDate"),
        # No such instant in UTC, where orders are kept.
        ("fromDate=0001-01-01T00:00:00%2B14:00", "fromDate"),
        ("toDate=9999-12-31T23:00:00-14:00", "toDate"),
    ):
        assert_error(await client.get(f"/api/customers/orders?{query}", headers=auth), 400, field)


# --- scent profile -------------------------------------------------------------------


async def test_scent_profile_examples(
    client: httpx.AsyncClient, factory: Factory, ctx: StoreCtx
) -> None:
    _, token = await jane(factory, ctx)
    auth = bearer(token)
    empty = await client.get("/api/customers/scent-profile", headers=auth)
    assert empty.status_code == 200
    assert empty.json()["id"] is None
    assert empty.json()["customBlends"] == []

    await client.patch("/api/customers/scent-profile", json=SCENT, headers=auth)
    response = await client.get("/api/customers/scent-profile", headers=auth)
    assert response.status_code == 200
    body = response.json()
    blends = body["customBlends"]
    assert body == {
        "id": body["id"],
        "name": "Jane's Profile",
        "preferences": SCENT["preferences"],
        "createdAt": body["createdAt"],
        "updatedAt": body["updatedAt"],
        "customBlends": [
            {
                **SCENT["customBlends"][0],
                "id": blends[0]["id"],
                "createdAt": blends[0]["createdAt"],
            },
            {
                **SCENT["customBlends"][1],
                "id": blends[1]["id"],
                "createdAt": blends[1]["createdAt"],
            },
        ],
    }
    assert blends[0]["id"] != blends[1]["id"]

    changed = await client.patch(
        "/api/customers/scent-profile",
        json={
            "name": "Jane's Updated Profile",
            "preferences": {
                "intensity": "strong",
                "favoriteNotes": ["lavender", "bergamot", "cedar", "vanilla"],
                "occasions": ["relaxation", "home", "work"],
            },
        },
        headers=auth,
    )
    assert changed.status_code == 200, changed.text
    assert changed.json() == {
        "id": body["id"],
        "name": "Jane's Updated Profile",
        "preferences": {
            "intensity": "strong",
            "categories": ["floral", "woody"],
            "favoriteNotes": ["lavender", "bergamot", "cedar", "vanilla"],
            "dislikedNotes": ["patchouli", "musk"],
            "occasions": ["relaxation", "home", "work"],
        },
        "updatedAt": changed.json()["updatedAt"],
    }
    # Blends survive a change that does not name them.
    kept = (await client.get("/api/customers/scent-profile", headers=auth)).json()
    assert kept["customBlends"] == blends
    for patch, field in (
        ({"preferences": {"intensity": "overwhelming"}}, "preferences.intensity"),
        ({"preferences": {"favoriteNotes": "cedar"}}, "preferences.favoriteNotes"),
        ({"customBlends": [{"notes": ["x"]}]}, "customBlends.0.name"),
        ({"mood": "calm"}, "mood"),
    ):
        assert_error(
            await client.patch("/api/customers/scent-profile", json=patch, headers=auth),
            400,
            field,
        )


# --- loyalty -------------------------------------------------------------------------


async def test_loyalty_documented_example(
    client: httpx.AsyncClient, factory: Factory, ctx: StoreCtx
) -> None:
    customer, token = await jane(factory, ctx)
    await _programme(factory, ctx, customer.id)
    response = await client.get("/api/customers/loyalty", headers=bearer(token))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["membershipTier"] == "premium"
    assert (body["tokens"], body["loyaltyPoints"]) == (250, 125)
    assert body["nextTier"] == {"name": "vip", "threshold": 500, "pointsNeeded": 375}
    kinds = [(t["type"], t["amount"], t["description"]) for t in body["transactions"]]
    assert ("earn", 50, "Order #MNKY-1001") in kinds
    assert ("redeem", 25, "Free shipping reward") in kinds
    assert ("earn", 100, "Referral reward") in kinds
    for transaction in body["transactions"]:
        assert set(transaction) == {"id", "type", "amount", "description", "date", "wallet"}
    assert body["availableRewards"] == [
        {
            "id": body["availableRewards"][0]["id"],
            "name": "Free shipping reward",
            "description": "Ships free",
            "cost": 25,
            "expiresAt": None,
        },
        {
            "id": body["availableRewards"][1]["id"],
            "name": "10% Off Next Order",
            "description": "Get 10% off your next purchase",
            "cost": 50,
            "expiresAt": "2099-05-31T23:59:59Z",
        },
    ]
    assert body["referralCode"]
    assert body["referralReward"] == 100
    (referral,) = body["referrals"]
    assert referral == {
        "id": referral["id"],
        "status": "completed",
        "date": referral["date"],
        "reward": 100,
    }


# --- access and isolation ------------------------------------------------------------

ROUTES = (
    ("GET", "/api/customers/profile"),
    ("PATCH", "/api/customers/profile"),
    ("GET", "/api/customers/addresses"),
    ("POST", "/api/customers/addresses"),
    ("PATCH", "/api/customers/addresses/{address}"),
    ("DELETE", "/api/customers/addresses/{address}"),
    ("GET", "/api/customers/orders"),
    ("GET", "/api/customers/scent-profile"),
    ("PATCH", "/api/customers/scent-profile"),
    ("GET", "/api/customers/loyalty"),
)


async def test_no_token_a_bad_token_or_a_staff_token_is_refused(
    client: httpx.AsyncClient, factory: Factory, ctx: StoreCtx
) -> None:
    address = str(uuid.uuid4())
    for method, path in ROUTES:
        url = path.format(address=address)
        assert_error(await client.request(method, url, json={}), 401)
        assert_error(await client.request(method, url, json={}, headers=bearer("nope")), 401)
        assert_error(await client.request(method, url, json={}, headers=ctx.owner.headers), 403)


async def test_a_customer_never_reaches_another_customers_data(
    client: httpx.AsyncClient, factory: Factory, ctx: StoreCtx, database: Database
) -> None:
    victim, victim_token = await jane(factory, ctx)
    vauth = bearer(victim_token)
    theirs = (await client.post("/api/customers/addresses", json=HOME, headers=vauth)).json()
    scent = (await client.patch("/api/customers/scent-profile", json=SCENT, headers=vauth)).json()
    blend_id = (await client.get("/api/customers/scent-profile", headers=vauth)).json()[
        "customBlends"
    ][0]["id"]
    other_store = await factory.store(country="US")
    for where in (ctx, other_store):
        attacker = await factory.customer(where, first_name="Mallory")
        auth = bearer(await factory.customer_token(where, attacker.id))
        for method in ("PATCH", "DELETE"):
            response = await client.request(
                method,
                f"/api/customers/addresses/{theirs['id']}",
                json={"city": "Gotham"},
                headers=auth,
            )
            assert_error(response, 404)
        # Ids in the body or the query are not obeyed either.
        made = await client.post(
            "/api/customers/addresses", json={**WORK, "id": theirs["id"]}, headers=auth
        )
        assert made.status_code == 201
        assert made.json()["id"] != theirs["id"]
        stolen = await client.patch(
            "/api/customers/scent-profile",
            json={"customBlends": [{"id": blend_id, "name": "Mine now"}]},
            headers=auth,
        )
        assert_error(stolen, 400, "customBlends.0.id")
        for path in (
            f"/api/customers/profile?id={victim.id}&customerId={victim.id}",
            f"/api/customers/orders?customerId={victim.id}",
            f"/api/customers/loyalty?customerId={victim.id}",
        ):
            got = await client.get(path, headers=auth)
            assert got.status_code == 200
            assert str(victim.id) not in got.text
        profile = await client.get("/api/customers/profile", headers=auth)
        assert profile.json()["id"] == str(attacker.id)
        assert [a["id"] for a in profile.json()["addresses"]] == [made.json()["id"]]
        # The customer token opens no staff route of its store.
        staff = await client.get(f"/v1/stores/{where.code}/customers", headers=auth)
        assert staff.status_code == 401
        assert (
            await client.get(f"/api/{where.code}/admin/customer", headers=auth)
        ).status_code == 403
    # The victim's data is as it was.
    mine = (await client.get("/api/customers/profile", headers=vauth)).json()
    assert [a["city"] for a in mine["addresses"]] == ["New York"]
    assert mine["scentProfile"]["id"] == scent["id"]
    async with database.transaction() as session:
        rows = list(
            await session.scalars(
                select(CustomerProfile).where(CustomerProfile.customer_id == victim.id)
            )
        )
        assert rows[0].data["custom_blends"][0]["name"] == "Summer Breeze"


async def test_a_signed_out_or_deactivated_customer_is_refused(
    client: httpx.AsyncClient, factory: Factory, ctx: StoreCtx
) -> None:
    customer, token = await jane(factory, ctx)
    assert (await client.get("/api/customers/profile", headers=bearer(token))).status_code == 200
    blocked = await client.patch(
        f"{ctx.base}/customers/{customer.id}", json={"status": "blocked"}, headers=ctx.admin.headers
    )
    assert blocked.status_code == 200, blocked.text
    assert_error(await client.get("/api/customers/profile", headers=bearer(token)), 401)


async def test_hostile_input_answers_400_naming_the_field(
    client: httpx.AsyncClient, factory: Factory, ctx: StoreCtx
) -> None:
    _, token = await jane(factory, ctx)
    auth = bearer(token)
    for method, path, body, field in (
        ("POST", "/api/customers/addresses", {**HOME, "city": "a\x00b"}, "city"),
        ("POST", "/api/customers/addresses", {**HOME, "line1": "x" * 100_000}, "line1"),
        ("PATCH", "/api/customers/scent-profile", {"name": "n\x00"}, "name"),
        ("PATCH", "/api/customers/profile", {"firstName": "x" * 5000}, "firstName"),
    ):
        response = await client.request(method, path, json=body, headers=auth)
        assert response.status_code == 400, (path, response.text)
        assert response.json()["success"] is False
        assert field in response.text, response.text
    deep: Any = "x"
    for _ in range(200):
        deep = {"a": deep}
    nested = await client.patch(
        "/api/customers/scent-profile", json={"preferences": deep}, headers=auth
    )
    assert nested.status_code == 400
    assert nested.json()["success"] is False


async def test_profile_patch_errors_name_the_documents_field(
    client: httpx.AsyncClient, factory: Factory, ctx: StoreCtx, database: Database
) -> None:
    customer, token = await jane(factory, ctx)
    auth = bearer(token)
    for body, field in (
        ({"preferences": {"reminderFrequency": "hourly"}}, "preferences.reminderFrequency"),
        ({"preferences": {"preferredCurrency": "XXQ"}}, "preferences.preferredCurrency"),
        ({"preferences": {"emailMarketing": "sometimes"}}, "preferences.emailMarketing"),
        ({"phoneNumber": "call me"}, "phoneNumber"),
        ({"email": "not-an-email"}, "email"),
        ({"membershipTier": "vip"}, "membershipTier"),
        ({"firstName": "Jo", "loyaltyPoints": 1_000_000}, "loyaltyPoints"),
    ):
        response = await client.patch("/api/customers/profile", json=body, headers=auth)
        assert_error(response, 400, field)
    # Nothing of a refused request is kept.
    assert (await factory.get_customer(ctx, customer.id)).first_name == "Jane"  # type: ignore[union-attr]
    wrong_method = await client.put("/api/customers/profile", json={}, headers=auth)
    assert_error(wrong_method, 405)
    assert_error(await client.get("/api/customers/nothing-here", headers=auth), 404)
    # An id in the body is ignored: the change is the signed-in customer's.
    other = await factory.customer(ctx, first_name="Other")
    changed = await client.patch(
        "/api/customers/profile", json={"id": str(other.id), "lastName": "Changed"}, headers=auth
    )
    assert changed.status_code == 200
    assert changed.json()["id"] == str(customer.id)
    assert (await factory.get_customer(ctx, other.id)).last_name == other.last_name  # type: ignore[union-attr]
    async with database.transaction() as session:
        actors = set(
            await session.scalars(
                select(CustomerEvent.actor_customer_id).where(
                    CustomerEvent.store_id == ctx.id,
                    CustomerEvent.customer_id == customer.id,
                    CustomerEvent.action != "created",
                )
            )
        )
    assert actors == {customer.id}

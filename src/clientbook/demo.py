"""The demo store that ``make run`` creates, and the CLI's store and staff helpers."""

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from clientbook.accounts import service as accounts
from clientbook.customers import links
from clientbook.customers import service as customers
from clientbook.customers.schemas import CustomerCreate
from clientbook.kit.errors import NotFound
from clientbook.loyalty.demo import demo_programme
from clientbook.models import Membership, Store, User
from clientbook.settings import Settings
from clientbook.stores import service as stores
from clientbook.stores.schemas import StoreCreate
from clientbook.stores.scope import Role, member_scope

DEMO_CODE = "DEMO"
DEMO_EMAIL = "owner@demo.clientbook.dev"

DEMO_CUSTOMERS = [
    {
        "first_name": "Layla",
        "last_name": "Hassan",
        "email": "layla.hassan@example.com",
        "phone": "+212 612 345 678",
        "gender": "female",
        "birth_date": "1992-05-12",
    },
    {
        "first_name": "Jane",
        "last_name": "Smith",
        "email": "jane.smith@example.com",
        "phone": "+1 212 555 1234",
        "gender": "female",
        "consents": {"agreement1": True, "email_marketing": True},
    },
    {
        "first_name": "John",
        "last_name": "Kowalski",
        "email": "john.kowalski@example.com",
        "phone": "+48 600 700 800",
        "gender": "male",
        "loyalty_card_number": "0000000001",
        "labels": [{"key": "vip", "value": "gold"}],
    },
]


async def create_store(
    session: AsyncSession,
    code: str,
    name: str,
    currency: str,
    timezone: str,
    country: str | None,
    owner_email: str | None,
) -> Store:
    data = StoreCreate(code=code, name=name, currency=currency, timezone=timezone, country=country)
    owner = await _user(session, owner_email) if owner_email else None
    return await stores.create_store(session, owner.id if owner else None, data)


async def create_member(
    session: AsyncSession, email: str, password: str, name: str | None, code: str, role: Role
) -> None:
    store = await session.scalar(select(Store).where(Store.code == code))
    if store is None:
        raise NotFound(f"no store with code {code}")
    user = await accounts.find_user(session, email)
    signed_up = user is None
    if user is None:
        user = await accounts.create_user(session, email=email, password=password, name=name)
    session.add(Membership(store_id=store.id, user_id=user.id, role=role))
    await session.flush()
    if signed_up:
        await links.create_customer_for_user(
            session, await member_scope(session, store.id, user.id), user
        )


async def _user(session: AsyncSession, email: str) -> User:
    user = await accounts.find_user(session, email)
    if user is None:
        raise NotFound(f"no user {email}")
    return user


@dataclass(frozen=True)
class DemoInfo:
    store_id: str
    email: str
    token: str


async def ensure_demo(session: AsyncSession, settings: Settings, password: str) -> DemoInfo:
    user = await accounts.find_user(session, DEMO_EMAIL)
    if user is None:
        user = await accounts.create_user(
            session, email=DEMO_EMAIL, password=password, name="Demo Owner"
        )
    store = await session.scalar(select(Store).where(Store.code == DEMO_CODE))
    if store is None:
        store = await stores.create_store(
            session,
            user.id,
            StoreCreate(code=DEMO_CODE, name="Demo Store", currency="EUR", timezone="UTC"),
        )
        scope = await member_scope(session, store.id, user.id)
        made = [
            await customers.create_customer(session, scope, CustomerCreate.model_validate(f))
            for f in DEMO_CUSTOMERS
        ]
        await demo_programme(session, scope, made[0].id, made[1], password)
    token = await accounts.issue_token_for(session, settings, user.id, timedelta(hours=24))
    return DemoInfo(str(store.id), DEMO_EMAIL, token)


def banner(info: DemoInfo, password: str, base_url: str = "http://127.0.0.1:8000") -> str:
    """What ``clientbook demo`` prints: commands that work as pasted into a shell."""
    return f"""
Clientbook demo store DEMO is ready.

  owner e-mail : {info.email}
  password     : {password}
  access token : {info.token}
                 (valid 24 h; `.venv/bin/clientbook token {info.email}` prints a new one)

Paste these into another terminal once the server is up:

  export CLIENTBOOK={base_url}
  export TOKEN={info.token}
  curl -s "$CLIENTBOOK/v1/stores/DEMO/customers" -H "Authorization: Bearer $TOKEN"

Loyalty: wallets `points` and `tokens`, tiers Bronze/Silver/Gold, an earning rule,
rewards (a coffee coupon redeemed), a referral rule, and Layla Hassan's purchases; she
referred Jane Smith, whose first purchase credited them both. See her status with

  curl -s "$CLIENTBOOK/v1/stores/DEMO/customers?q=Layla" -H "Authorization: Bearer $TOKEN"
  # then .../customers/<id>/loyalty

Layla signs in as a customer (POST /v1/stores/DEMO/customer-auth/token):

  username     : layla.hassan@example.com
  password     : {password}

Swagger UI: {base_url}/docs (Authorize: paste the access token)
Metrics: {base_url}/metrics
"""

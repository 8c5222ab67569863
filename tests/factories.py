"""Test data, always made inside a store: ``factory.store()``, ``factory.customer(store, ...)``."""

import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from clientbook.accounts import service as accounts
from clientbook.accounts.passwords import cheap_hasher
from clientbook.customer_accounts import service as customer_auth
from clientbook.customer_accounts.config import AccountConfig
from clientbook.customer_accounts.scope import find_public_store
from clientbook.customer_accounts.service import CustomerTokens
from clientbook.customers import service as customers
from clientbook.customers.schemas import CustomerCreate
from clientbook.kit.db import Database, utcnow
from clientbook.loyalty.wallets import ensure_default_wallet
from clientbook.models import (
    Customer,
    CustomerCredential,
    CustomerSession,
    Membership,
    Store,
    User,
)
from clientbook.settings import Settings
from clientbook.stores.scope import Role, member_scope

PASSWORD = "correct horse battery"
# Hashed once, at argon2's test cost (the hash carries it, so any server verifies it fast).
_PASSWORD_HASH = cheap_hasher().hash(PASSWORD)


@dataclass
class Staff:
    user: User
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    @property
    def email(self) -> str:
        return self.user.email


@dataclass
class StoreCtx:
    """A store with one staff member per role, and its path in the canonical API."""

    store: Store
    owner: Staff
    admin: Staff
    seller: Staff
    staff: dict[Role, Staff] = field(default_factory=dict)

    @property
    def id(self) -> uuid.UUID:
        return self.store.id

    @property
    def code(self) -> str:
        return self.store.code

    @property
    def base(self) -> str:
        return f"/v1/stores/{self.store.code}"


class Factory:
    def __init__(self, database: Database, settings: Settings) -> None:
        self.database = database
        self.settings = settings

    async def user(self, email: str | None = None, *, name: str | None = "Test User") -> Staff:
        email = email or f"staff-{uuid.uuid4().hex[:12]}@example.com"
        async with self.database.transaction() as session:
            user = User(
                email=email, email_key=email.lower(), password_hash=_PASSWORD_HASH, name=name
            )
            session.add(user)
            await session.flush()
            token = await accounts.issue_token_for(
                session, self.settings, user.id, timedelta(hours=1)
            )
        return Staff(user, token)

    async def store(self, *, country: str | None = None, **store_fields: Any) -> StoreCtx:
        code = store_fields.pop("code", None) or f"S{uuid.uuid4().hex[:10].upper()}"
        owner, admin, seller = await self.user(), await self.user(), await self.user()
        async with self.database.transaction() as session:
            store = Store(code=code, name=f"Store {code}", country=country, **store_fields)
            session.add(store)
            await session.flush()
            for staff, role in ((owner, Role.owner), (admin, Role.admin), (seller, Role.seller)):
                session.add(Membership(store_id=store.id, user_id=staff.user.id, role=role))
            await ensure_default_wallet(session, store.id)  # as stores.service does
        staff = {Role.owner: owner, Role.admin: admin, Role.seller: seller}
        return StoreCtx(store, owner, admin, seller, staff)

    async def customer(self, ctx: StoreCtx, **fields: Any) -> Customer:
        fields.setdefault("first_name", "Test")
        fields.setdefault("last_name", "Customer")
        fields.setdefault("email", f"c-{uuid.uuid4().hex[:12]}@example.com")
        async with self.database.transaction() as session:
            scope = await member_scope(session, ctx.store.id, ctx.owner.user.id)
            return await customers.create_customer(
                session, scope, CustomerCreate.model_validate(fields)
            )

    async def customer_token(self, ctx: StoreCtx, customer_id: uuid.UUID) -> str:
        return (await self.customer_tokens(ctx, customer_id)).access_token

    async def customer_tokens(self, ctx: StoreCtx, customer_id: uuid.UUID) -> CustomerTokens:
        """A customer's token pair, past the sign-in throttle: the customer gets an active
        account (password ``PASSWORD``) and a session."""
        config = AccountConfig.of(self.settings)
        async with self.database.transaction() as session:
            store = await find_public_store(session, ctx.code)
            credential = await session.get(CustomerCredential, (ctx.id, customer_id))
            if credential is None:
                session.add(
                    CustomerCredential(
                        store_id=ctx.id,
                        customer_id=customer_id,
                        password_hash=_PASSWORD_HASH,
                        activated_at=utcnow(),
                    )
                )
            auth = CustomerSession(store_id=ctx.id, customer_id=customer_id)
            session.add(auth)
            await session.flush()
            return await customer_auth.issue_tokens(session, config, store, auth.id)

    async def get_customer(self, ctx: StoreCtx, customer_id: uuid.UUID | str) -> Customer | None:
        """Read what is stored, bypassing the API (soft-deleted rows included)."""
        async with self.database.transaction() as session:
            return await session.get(Customer, (ctx.store.id, uuid.UUID(str(customer_id))))

"""Where a store is on the web: its domains (a request's host name picks its store) and
the browser origins answered with CORS on those domains.

A domain is one store's, the first that claims it (a unique index: a second claim is a
409 naming ``domains``). A store's origins are answered only on its own domains, so one
store's origin list can never open another store's data to a page.
"""

import re
import uuid
from dataclasses import dataclass
from typing import Annotated

from pydantic import AfterValidator, Field
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from clientbook.kit.db import Database
from clientbook.kit.integrity import UniqueRule, unique_violations
from clientbook.kit.schemas import RequestBody, ResponseBody
from clientbook.models import Store, StoreDomain, StoreOrigin
from clientbook.stores.scope import Role, StoreScope

_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_DOMAIN = re.compile(rf"^{_LABEL}(?:\.{_LABEL})*$")
_ORIGIN = re.compile(rf"^https?://{_LABEL}(?:\.{_LABEL})*(?::[0-9]{{1,5}})?$")
MAX_ENTRIES = 20
ONE_OWNER = [
    UniqueRule(
        "uq_store_domains_domain",
        "store_domains",
        ("domain",),
        "domains",
        "a domain in the list already belongs to another store",
    )
]


def _domain(value: str) -> str:
    value = value.strip().lower().rstrip(".")
    if len(value) > 253 or not _DOMAIN.fullmatch(value):
        raise ValueError("must be a host name such as shop.example.com (no scheme, no port)")
    return value


def _origin(value: str) -> str:
    value = value.strip().lower().rstrip("/")
    if len(value) > 300 or not _ORIGIN.fullmatch(value):
        raise ValueError("must be an origin such as https://shop.example.com (no path)")
    return value


Domain = Annotated[str, AfterValidator(_domain)]
Origin = Annotated[str, AfterValidator(_origin)]


class SitesIn(RequestBody):
    domains: list[Domain] = Field(default_factory=list, max_length=MAX_ENTRIES)
    cors_origins: list[Origin] = Field(default_factory=list, max_length=MAX_ENTRIES)


class SitesOut(ResponseBody):
    domains: list[str]
    cors_origins: list[str]


@dataclass(frozen=True)
class HostStore:
    id: uuid.UUID
    code: str
    country: str | None


def host_name(host: str) -> str:
    """A Host header without its port, lower-cased (``[::1]:8000`` → ``[::1]``)."""
    host = host.strip().lower()
    if host.startswith("["):
        return host.split("]")[0] + "]"
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


async def get_sites(session: AsyncSession, scope: StoreScope) -> SitesOut:
    domains = await session.scalars(
        select(StoreDomain.domain)
        .where(StoreDomain.store_id == scope.store_id)
        .order_by(StoreDomain.domain)
    )
    origins = await session.scalars(
        select(StoreOrigin.origin)
        .where(StoreOrigin.store_id == scope.store_id)
        .order_by(StoreOrigin.origin)
    )
    return SitesOut(domains=list(domains), cors_origins=list(origins))


async def put_sites(session: AsyncSession, scope: StoreScope, data: SitesIn) -> SitesOut:
    """Replace the store's domains and origins (admin)."""
    scope.require(Role.admin)
    store_id = scope.store_id
    await session.execute(delete(StoreDomain).where(StoreDomain.store_id == store_id))
    await session.execute(delete(StoreOrigin).where(StoreOrigin.store_id == store_id))
    for domain in dict.fromkeys(data.domains):
        session.add(StoreDomain(store_id=store_id, domain=domain))
    for origin in dict.fromkeys(data.cors_origins):
        session.add(StoreOrigin(store_id=store_id, origin=origin))
    async with unique_violations(ONE_OWNER):
        await session.flush()
    return await get_sites(session, scope)


async def store_by_host(reader: AsyncSession, host: str) -> HostStore | None:
    """The store that claimed this host name, if any."""
    row = (
        await reader.execute(
            select(Store.id, Store.code, Store.country)
            .join(StoreDomain, StoreDomain.store_id == Store.id)
            .where(StoreDomain.domain == host_name(host))
        )
    ).one_or_none()
    return HostStore(row.id, row.code, row.country) if row else None


async def store_by_code(reader: AsyncSession, code: str) -> HostStore | None:
    row = (
        await reader.execute(select(Store.id, Store.code, Store.country).where(Store.code == code))
    ).one_or_none()
    return HostStore(row.id, row.code, row.country) if row else None


async def origins_for_host(database: Database, host: str) -> frozenset[str]:
    """The origins of the store that owns this host name (none for an unclaimed host)."""
    async with database.reading() as reader:
        rows = await reader.scalars(
            select(StoreOrigin.origin)
            .join(StoreDomain, StoreDomain.store_id == StoreOrigin.store_id)
            .where(StoreDomain.domain == host_name(host))
        )
        return frozenset(rows)

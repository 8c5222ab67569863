"""What a loyalty list shows beside each customer of a page (purchase figures, default
address, tier, and the store's currency and time zone), joined onto the page's own
statement: a list reads one statement, not one per kind of figure."""

from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from sqlalchemy import and_, select

from clientbook.customers import reads
from clientbook.customers.conditions import CustomerFilter
from clientbook.customers.queries import Sort
from clientbook.kit.db import Database
from clientbook.kit.pagination import PageInfo
from clientbook.models import Customer, CustomerAddress, Member, PurchaseStats, Store, Tier
from clientbook.stores.scope import AnySelect, StoreScope

_STATS = ("count", "total", "total_without_delivery", "eligible_total", "average", "last_at")
_ADDRESS = ("street", "line1", "line2", "province", "city", "postal_code", "country")
_TIER = ("id", "name", "reward_percent", "condition_value")


def _labelled(prefix: str, table: Any, names: tuple[str, ...]) -> list[Any]:
    return [getattr(table, name).label(f"{prefix}{name}") for name in names]


def _own_address(store_id: Any) -> Any:
    """The join to the customer's default address, else the first one written (as
    ``default_addresses`` picks), in the store ``store_id`` names."""
    first = (
        select(CustomerAddress.id)
        .where(CustomerAddress.store_id == store_id, CustomerAddress.customer_id == Customer.id)
        .order_by(CustomerAddress.is_default.desc(), CustomerAddress.created_at, CustomerAddress.id)
        .limit(1)
        .correlate(Customer)
        .scalar_subquery()
    )
    return and_(CustomerAddress.store_id == Customer.store_id, CustomerAddress.id == first)


# Built once: making these expressions cost more than running the list's statement.
_STORE_COLUMNS = (
    Store.currency.label("store_currency"),
    Store.timezone.label("store_timezone"),
)
_FIGURE_COLUMNS = (
    PurchaseStats.customer_id.label("stats_customer_id"),
    *_labelled("stats_", PurchaseStats, _STATS),
    CustomerAddress.id.label("address_id"),
    *_labelled("address_", CustomerAddress, _ADDRESS),
    *_labelled("tier_", Tier, _TIER),
)
_STORE = Store.id == Customer.store_id
_OWN_STATS = and_(
    PurchaseStats.store_id == Customer.store_id, PurchaseStats.customer_id == Customer.id
)
_OWN_ADDRESS = _own_address(Customer.store_id)
_OWN_MEMBER = and_(Member.store_id == Customer.store_id, Member.customer_id == Customer.id)
_MEMBERS_TIER = and_(Tier.store_id == Member.store_id, Tier.id == Member.tier_id)


def _figures_joined(statement: AnySelect, own_address: Any = _OWN_ADDRESS) -> AnySelect:
    return (
        statement.add_columns(*_FIGURE_COLUMNS)
        .outerjoin(PurchaseStats, _OWN_STATS)
        .outerjoin(CustomerAddress, own_address)
        .outerjoin(Member, _OWN_MEMBER)
        .outerjoin(Tier, _MEMBERS_TIER)
    )


def with_figures(rows: AnySelect) -> AnySelect:
    """``rows`` (a statement over ``Customer``) with the figures' columns added."""
    return _figures_joined(rows.add_columns(*_STORE_COLUMNS).join(Store, _STORE))


def _with_figures_on_store(statement: AnySelect, store_id: Any) -> AnySelect:
    """The same, on a statement that reads ``Store`` already (an unfiltered page's), whose
    store is the parameter ``store_id``. The address subquery names that parameter, not
    the customer's store: Citus refuses a subquery correlated on the customers' store
    beside the ``stores`` reference table when nothing else pins the customers to it."""
    return _figures_joined(statement.add_columns(*_STORE_COLUMNS), _own_address(store_id))


_UNFILTERED = reads.unfiltered_pages(_with_figures_on_store)


def reads_unfiltered(where: CustomerFilter, sort: Sort) -> bool:
    """Whether ``unfiltered_page`` serves this list: no filter, a customer column's sort."""
    return where == CustomerFilter() and sort in _UNFILTERED


async def unfiltered_page(
    database: Database, scope: StoreScope, sort: Sort, *, page: int, limit: int
) -> tuple[list[SimpleNamespace], PageInfo]:
    """A page of the whole list with its figures and its kept total, in one statement
    built once: the page a list opens on."""
    query = _UNFILTERED[sort]
    rows = await query.within(database, scope, offset=(page - 1) * limit, limit=limit + 1)
    return reads.page_from(rows, page=page, limit=limit)


@dataclass(frozen=True)
class Figures:
    """One row's figures, read by attribute as on ``PurchaseStats``, ``CustomerAddress``
    and ``Tier``; None where the customer has none."""

    stats: Any
    address: Any
    tier: Any
    currency: str
    timezone: str


def _part(row: Any, prefix: str, names: tuple[str, ...]) -> SimpleNamespace:
    return SimpleNamespace(**{name: getattr(row, f"{prefix}{name}") for name in names})


def figures_of(row: Any) -> Figures:
    """The figures of a row read by a statement made with ``with_figures``."""
    return Figures(
        stats=None if row.stats_customer_id is None else _part(row, "stats_", _STATS),
        address=None if row.address_id is None else _part(row, "address_", _ADDRESS),
        tier=None if row.tier_id is None else _part(row, "tier_", _TIER),
        currency=row.store_currency,
        timezone=row.store_timezone,
    )

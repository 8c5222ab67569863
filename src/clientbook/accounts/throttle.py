"""Throttle sign-in guessing per account and per client address.

Each attempt is counted *before* the password is checked, with one atomic statement (an
upsert on the database, or a MULTI/EXEC on Redis), so concurrent guesses each get their own
number and no more than the limit ever reach the password check. A good password clears
the account's count and gives the address its attempt back. Counts live in the database or
in Redis, never in process memory, so every worker sees the same numbers.
"""

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from redis.asyncio import Redis
from sqlalchemy import case, delete, literal, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from clientbook.kit.db import Database, UTCDateTime, utcnow
from clientbook.kit.errors import TooManyRequests
from clientbook.models import LoginAttempt


@dataclass(frozen=True)
class Limits:
    per_account: int
    per_ip: int
    window_seconds: int


def account_key(email_key: str) -> str:
    return f"account:{email_key}"


def ip_key(ip: str, purpose: str) -> str:
    """Each purpose counts an address on its own: guessing customer codes does not lock
    the same office out of staff sign-in."""
    return f"ip:{purpose}:{ip}"


class Counter(Protocol):
    async def hit(
        self, key: str, window_seconds: int, session: AsyncSession | None = None
    ) -> tuple[int, int]:
        """Count one attempt: the count in the current window and the seconds it has left.
        With ``session`` a database count is made in that transaction (see ``attempt``)."""

    async def forgive(self, session: AsyncSession, *, clear: str, decrement: str) -> None:
        """After a good password: forget ``clear``'s attempts and take one off ``decrement``."""

    async def close(self) -> None: ...


class LoginThrottle:
    def __init__(self, counter: Counter, limits: Limits) -> None:
        self.counter = counter
        self.limits = limits

    async def attempt(
        self,
        *,
        email_key: str,
        ip: str,
        purpose: str = "staff",
        session: AsyncSession | None = None,
    ) -> None:
        """Count a sign-in attempt; 429 once the account or the address is over its limit.
        ``email_key`` already names its purpose (the callers prefix it).

        A request that already writes (on SQLite it then holds the database's only write
        lock) passes its ``session``: the count is made in its transaction, and the caller
        keeps it by refusing with ``keep_changes``."""
        window = self.limits.window_seconds
        checks = (
            (account_key(email_key), self.limits.per_account),
            (ip_key(ip, purpose), self.limits.per_ip),
        )
        for key, limit in checks:
            count, seconds_left = await self.counter.hit(key, window, session)
            if count > limit:
                raise TooManyRequests(
                    "Too many failed sign-ins; try again later", retry_after=max(seconds_left, 1)
                )

    async def succeeded(
        self, session: AsyncSession, *, email_key: str, ip: str, purpose: str = "staff"
    ) -> None:
        await self.counter.forgive(
            session, clear=account_key(email_key), decrement=ip_key(ip, purpose)
        )

    async def close(self) -> None:
        await self.counter.close()


class DatabaseCounter:
    """Counts in ``login_attempts``, one row per key, outside the request's transaction: a
    count must stand even when the request fails, and must not wait for its commit."""

    def __init__(self, database: Database) -> None:
        self.database = database

    async def hit(
        self, key: str, window_seconds: int, session: AsyncSession | None = None
    ) -> tuple[int, int]:
        now = utcnow()
        window = timedelta(seconds=window_seconds)
        table = LoginAttempt.__table__.c
        expired = table.window_start <= now - window
        insert = self._insert().values(key=key, attempts=1, window_start=now)
        statement = insert.on_conflict_do_update(
            index_elements=[table.key],
            set_={
                "attempts": case((expired, 1), else_=table.attempts + 1),
                "window_start": case(
                    (expired, literal(now, UTCDateTime())), else_=table.window_start
                ),
            },
        ).returning(table.attempts, table.window_start)
        if session is not None:
            count, started = (await session.execute(statement)).one()
        else:
            async with self.database.reading() as reader:  # autocommit: the count stands
                count, started = (await reader.execute(statement)).one()
        return int(count), _seconds_left(started, window, now)

    def _insert(self) -> Any:
        dialect = postgresql if self.database.dialect == "postgresql" else sqlite
        return dialect.insert(LoginAttempt)

    async def forgive(self, session: AsyncSession, *, clear: str, decrement: str) -> None:
        # In the request's own transaction: on SQLite another connection would wait for it.
        await session.execute(delete(LoginAttempt).where(LoginAttempt.key == clear))
        await session.execute(
            update(LoginAttempt)
            .where(LoginAttempt.key == decrement, LoginAttempt.attempts > 0)
            .values(attempts=LoginAttempt.attempts - 1)
        )

    async def close(self) -> None:
        pass  # the database is the application's to close


# Take one attempt back, but never create a key or leave it below zero.
_DECREMENT = """
local count = tonumber(redis.call('GET', KEYS[1]))
if count and count > 0 then return redis.call('DECR', KEYS[1]) end
return 0
"""


class RedisCounter:
    """Counts in Redis (``CLIENTBOOK_REDIS_URL``): a key per account or address, expiring
    with its window."""

    PREFIX = "clientbook:login:"

    def __init__(self, redis: "Redis") -> None:
        self.redis = redis

    async def hit(
        self, key: str, window_seconds: int, session: AsyncSession | None = None
    ) -> tuple[int, int]:
        name = self.PREFIX + key
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.set(name, 0, ex=window_seconds, nx=True)
            pipe.incr(name)
            pipe.ttl(name)
            _, count, ttl = await pipe.execute()
        return int(count), int(ttl)

    async def forgive(self, _session: AsyncSession, *, clear: str, decrement: str) -> None:
        await self.redis.delete(self.PREFIX + clear)
        await self.redis.eval(_DECREMENT, 1, self.PREFIX + decrement)

    async def close(self) -> None:
        await self.redis.aclose()


def _seconds_left(started: datetime, window: timedelta, now: datetime) -> int:
    return math.ceil((started + window - now).total_seconds())


def login_throttle(limits: Limits, database: Database, redis_url: str) -> LoginThrottle:
    """The throttle the settings ask for: Redis when a URL is given, else the database."""
    if redis_url:
        return LoginThrottle(RedisCounter(Redis.from_url(redis_url)), limits)
    return LoginThrottle(DatabaseCounter(database), limits)

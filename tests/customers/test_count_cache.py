"""The remembered counts behind exact totals: shared, never stale, never from a failure."""

import asyncio

import pytest

from clientbook.customers.count_cache import CountCache, Counted


class Counter:
    """A count that takes a moment, at the version it is told."""

    def __init__(self, version: int, total: int, *, shareable: bool = True) -> None:
        self.version, self.total, self.shareable = version, total, shareable
        self.calls = 0

    async def __call__(self) -> Counted:
        self.calls += 1
        await asyncio.sleep(0.01)
        return self.version, self.total, self.shareable


async def test_a_count_is_remembered_for_its_version_only() -> None:
    cache = CountCache()
    first = Counter(7, 120)
    assert await cache.count("k", 7, first) == 120
    assert await cache.count("k", 7, Counter(7, -1)) == 120  # remembered
    assert first.calls == 1
    assert await cache.count("k", 8, Counter(8, 121)) == 121  # a write: counted again


async def test_requests_at_once_share_one_count() -> None:
    cache = CountCache()
    counter = Counter(3, 50)
    totals = await asyncio.gather(*(cache.count("k", 3, counter) for _ in range(16)))
    assert totals == [50] * 16
    assert counter.calls == 1


async def test_a_count_older_than_the_caller_is_not_shared() -> None:
    cache = CountCache()
    slow, mine = Counter(3, 50), Counter(4, 51)
    started = asyncio.create_task(cache.count("k", 3, slow))
    await asyncio.sleep(0)
    assert await cache.count("k", 4, mine) == 51
    assert await started == 50
    assert mine.calls == 1


async def test_a_count_taken_in_a_writing_transaction_is_not_shared() -> None:
    cache = CountCache()
    writer, reader = Counter(5, 99, shareable=False), Counter(5, 98)
    started = asyncio.create_task(cache.count("k", 5, writer))
    await asyncio.sleep(0)
    assert await cache.count("k", 5, reader) == 98
    assert await started == 99
    assert await cache.count("k", 5, Counter(5, 98)) == 98
    assert not cache.has("k", 6)


async def test_a_failed_count_lets_the_waiters_count() -> None:
    cache = CountCache()

    async def failing() -> Counted:
        await asyncio.sleep(0.01)
        raise ConnectionError("lost")

    started = asyncio.create_task(cache.count("k", 1, failing))
    await asyncio.sleep(0)
    assert await cache.count("k", 1, Counter(1, 10)) == 10
    with pytest.raises(ConnectionError):
        await started


async def test_the_oldest_counts_are_forgotten_first() -> None:
    cache = CountCache(size=2)
    for key in ("a", "b", "c"):
        await cache.count(key, 1, Counter(1, 1))
    assert not cache.has("a", 1)
    assert cache.has("b", 1)
    assert cache.has("c", 1)

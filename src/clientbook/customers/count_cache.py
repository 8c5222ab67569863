"""Exact counts remembered with the write version of the store they were taken at."""

import asyncio
import contextlib
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable

# What a count reports: the write version its statement read, the count, and whether it
# may be shared (not taken inside a transaction that has written).
Counted = tuple[int, int, bool]


class CountCache:
    """Per process: a count is a pure function of its key and version, so workers never
    need to agree on one; each counts a search once per version of its store. Requests
    that want a count another one is taking wait for it instead of counting too."""

    def __init__(self, size: int = 4096) -> None:
        self._size = size
        self._entries: OrderedDict[Hashable, tuple[int, int]] = OrderedDict()
        self._counting: dict[Hashable, asyncio.Future[tuple[int, int]]] = {}

    def has(self, key: Hashable, version: int) -> bool:
        entry = self._entries.get(key)
        return entry is not None and entry[0] == version

    async def count(
        self, key: Hashable, version: int, counter: Callable[[], Awaitable[Counted]]
    ) -> int:
        """The count of ``key`` at ``version`` (read by the caller), or a newer one."""
        if self.has(key, version):
            self._entries.move_to_end(key)
            return self._entries[key][1]
        pending = self._counting.get(key)
        if pending is not None:
            # A count from a snapshot at least as new as the caller's is as exact as one
            # the caller would take now; an older one, or a failed one, is not used.
            with contextlib.suppress(Exception):
                counted_at, total = await asyncio.shield(pending)
                if counted_at >= version:
                    return total
            return (await counter())[1]
        return await self._count(key, counter)

    async def _count(self, key: Hashable, counter: Callable[[], Awaitable[Counted]]) -> int:
        pending: asyncio.Future[tuple[int, int]] = asyncio.get_running_loop().create_future()
        pending.add_done_callback(_retrieve)
        self._counting[key] = pending
        try:
            counted_at, total, shareable = await counter()
            if shareable:
                self._remember(key, counted_at, total)
                pending.set_result((counted_at, total))
            return total
        finally:
            del self._counting[key]
            if not pending.done():
                pending.set_exception(LookupError("no count to share"))

    def _remember(self, key: Hashable, version: int, total: int) -> None:
        self._entries[key] = (version, total)
        self._entries.move_to_end(key)
        while len(self._entries) > self._size:
            self._entries.popitem(last=False)


def _retrieve(future: asyncio.Future[tuple[int, int]]) -> None:
    """Mark a failure as seen, so that no waiter at all is not an error in the log."""
    if not future.cancelled():
        future.exception()

"""How many accounts one client address may open in a store by self sign-up (Aimeos:
three in four hours). Counted by the sign-in throttle's counter (the database, or Redis
when configured), so every worker sees the same count."""

import uuid

from clientbook.accounts.throttle import Counter
from clientbook.kit.errors import TooManyRequests


class SignupLimit:
    def __init__(self, counter: Counter, limit: int, window_seconds: int) -> None:
        self.counter = counter
        self.limit = limit
        self.window_seconds = window_seconds

    async def count(self, store_id: uuid.UUID, ip: str) -> None:
        """Count one sign-up; 429 once the address is over the limit in the window. Made
        on its own connection before the request writes (it must stand if the request
        fails, and on SQLite must not wait for the request's transaction)."""
        count, seconds_left = await self.counter.hit(f"signup:{store_id}:{ip}", self.window_seconds)
        if count > self.limit:
            raise TooManyRequests(
                "Too many accounts were created from this address; try again later",
                retry_after=max(seconds_left, 1),
            )

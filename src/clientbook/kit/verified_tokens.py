"""Signed tokens whose signature was checked, remembered until they expire."""

import time
from typing import Generic, TypeVar

Claims = TypeVar("Claims")


class VerifiedTokens(Generic[Claims]):
    """A client sends the same token with every request, and checking its signature costs
    more than the rest of a simple read. Only the signature check is remembered: whether
    the session is still live is asked of the database on every request, so signing out
    still ends it at once. Bounded: past ``MAX`` tokens it starts again empty."""

    MAX = 10_000

    def __init__(self) -> None:
        self._claims: dict[tuple[str, str], tuple[Claims, float]] = {}

    def get(self, secret: str, token: str) -> Claims | None:
        found = self._claims.get((secret, token))
        if found is None or found[1] <= time.time():
            return None
        return found[0]

    def add(self, secret: str, token: str, claims: Claims, expires: float) -> None:
        if len(self._claims) >= self.MAX:
            self._claims.clear()
        self._claims[(secret, token)] = (claims, expires)

"""Page-number and keyset (cursor) pagination shared by list endpoints."""

import base64
import json
import math
from dataclasses import dataclass
from typing import Any

from clientbook.kit.errors import ValidationFailed

MAX_LIMIT = 100


@dataclass(frozen=True)
class PageInfo:
    """``total`` is exact unless ``total_is_exact`` says it is the database's estimate.
    ``rows_follow`` says whether rows come after this page, learnt by reading one row
    past it; a list that leaves it out must give an exact ``total``."""

    page: int
    limit: int
    total: int
    total_is_exact: bool = True
    rows_follow: bool | None = None

    @property
    def total_pages(self) -> int:
        return math.ceil(self.total / self.limit) if self.total else 0

    @property
    def has_next(self) -> bool:
        if self.rows_follow is not None:
            return self.rows_follow
        return self.page < self.total_pages

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    def as_dict(self) -> dict[str, Any]:
        return {
            "page": self.page,
            "limit": self.limit,
            "total": self.total,
            "total_is_exact": self.total_is_exact,
            "total_pages": self.total_pages,
            "has_next": self.has_next,
            "has_prev": self.has_prev,
        }


def encode_cursor(values: list[Any]) -> str:
    raw = json.dumps(values, separators=(",", ":"), default=str).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, size: int) -> list[Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValidationFailed.field("cursor", "is not a cursor this API gave out") from exc
    if not isinstance(values, list) or len(values) != size:
        raise ValidationFailed.field("cursor", "is not a cursor this API gave out")
    return values

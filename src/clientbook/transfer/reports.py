"""What an import reports: each row's result, and the summary of a whole file."""

import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Mode(StrEnum):
    skip = "skip"
    upsert = "upsert"


class Result(StrEnum):
    created = "created"
    updated = "updated"
    skipped = "skipped"
    error = "error"


@dataclass
class RowReport:
    row: int
    identifier: str
    result: Result
    message: str = ""
    customer_id: uuid.UUID | None = None  # the customer created or updated

    def as_dict(self) -> dict[str, Any]:
        return {
            "row": self.row,
            "identifier": self.identifier,
            "result": self.result.value,
            "message": self.message,
        }


@dataclass
class Summary:
    created: int = 0
    updated: int = 0
    skipped: int = 0
    errors: int = 0
    started: float = field(default_factory=time.monotonic)

    def add(self, reports: Iterable[RowReport]) -> None:
        for report in reports:
            match report.result:
                case Result.created:
                    self.created += 1
                case Result.updated:
                    self.updated += 1
                case Result.skipped:
                    self.skipped += 1
                case Result.error:
                    self.errors += 1

    @property
    def rows(self) -> int:
        return self.created + self.updated + self.skipped + self.errors

    @property
    def seconds(self) -> float:
        return time.monotonic() - self.started

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds > 0 else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "skipped": self.skipped,
            "errors": self.errors,
            "seconds": round(self.seconds, 3),
            "rows_per_second": round(self.rows_per_second, 1),
        }

    def line(self) -> str:
        return (
            f"{self.rows} rows: {self.created} created, {self.updated} updated, "
            f"{self.skipped} skipped, {self.errors} errors "
            f"in {self.seconds:.1f} s ({self.rows_per_second:.0f} rows/s)"
        )

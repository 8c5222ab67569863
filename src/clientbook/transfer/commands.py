"""The work behind ``clientbook import`` and ``clientbook export``."""

import asyncio
import csv
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from sqlalchemy import case, select
from sqlalchemy.ext.asyncio import AsyncSession

from clientbook.customers.conditions import CustomerFilter
from clientbook.customers.totals import count_customers
from clientbook.kit.contact import email_key
from clientbook.kit.db import Database
from clientbook.kit.errors import ClientbookError, NotFound
from clientbook.models import Membership, Store, User
from clientbook.settings import get_settings
from clientbook.stores.scope import Role, StoreScope, member_scope
from clientbook.transfer.exporter import export_records
from clientbook.transfer.formats import (
    Format,
    csv_header,
    csv_lines,
    format_of_name,
    jsonl_lines,
    open_rows,
)
from clientbook.transfer.importer import Mode, Result, RowReport, Summary, import_rows
from clientbook.transfer.progress import progress_bar

REPORT_COLUMNS = ["row", "identifier", "result", "message"]


async def admin_scope(session: AsyncSession, store_code: str, actor: str | None) -> StoreScope:
    """The scope a command acts in: the given member's, or the store's first active owner's
    (else admin's). Imports and exports need the admin role, as over the API."""
    store_id = await session.scalar(select(Store.id).where(Store.code == store_code))
    if store_id is None:
        raise NotFound(f"no store with code {store_code}")
    query = (
        select(Membership.user_id)
        .join(User, User.id == Membership.user_id)
        .where(
            Membership.store_id == store_id,
            Membership.is_active.is_(True),
            User.is_active.is_(True),
        )
    )
    if actor:
        query = query.where(User.email_key == email_key(actor))
    else:
        first_owner = case((Membership.role == Role.owner.value, 0), else_=1)
        query = query.where(Membership.role.in_([Role.owner.value, Role.admin.value])).order_by(
            first_owner, Membership.created_at, Membership.user_id
        )
    user_id = (await session.scalars(query.limit(1))).first()
    if user_id is None:
        who = (
            f"{actor} is not an active member of {store_code}"
            if actor
            else (f"store {store_code} has no active owner or admin")
        )
        raise NotFound(f"{who}; add one with `clientbook create-user`")
    scope = await member_scope(session, store_id, user_id)
    scope.require(Role.admin)
    return scope


# --- import -------------------------------------------------------------------------------


class ImportStopped(Exception):
    """The import failed part way; the batches committed before it are kept."""

    def __init__(self, summary: Summary, cause: BaseException) -> None:
        if isinstance(cause, KeyboardInterrupt):
            message = "interrupted"
        elif isinstance(cause, ClientbookError):
            message = cause.detail
        else:
            message = (str(cause).strip().splitlines() or [type(cause).__name__])[0]
        super().__init__(message)
        self.summary = summary
        self.cause = cause


def import_file(
    path: Path,
    store_code: str,
    mode: Mode,
    fmt: Format | None,
    report_path: Path | None,
    actor: str | None,
) -> Summary:
    """Import a file; the summary of what was done. Raises ``ClientbookError`` when the file
    is refused before anything is imported, ``ImportStopped`` when it fails part way."""
    fmt = fmt or format_of_name(path.name)
    if fmt is None:
        raise ClientbookError(f"cannot tell the format of {path.name}: give --format csv|jsonl")
    summary = Summary()

    async def main() -> None:
        database = Database(get_settings().database_url)
        try:
            async with database.transaction() as session:
                scope = await admin_scope(session, store_code, actor)
            with path.open("rb") as stream:
                rows = open_rows(stream, fmt)
                size = os.fstat(stream.fileno()).st_size
                with _report(report_path) as report, progress_bar("import", size) as bar:
                    async for reports in import_rows(database, scope, rows, mode):
                        summary.add(reports)
                        report(reports)
                        bar.update(stream.tell(), summary.rows)
        finally:
            await database.dispose()

    try:
        asyncio.run(main())
    except ClientbookError as exc:
        if not summary.rows:
            raise
        raise ImportStopped(summary, exc) from exc
    except (Exception, KeyboardInterrupt) as exc:
        raise ImportStopped(summary, exc) from exc
    return summary


@contextmanager
def _report(path: Path | None) -> Iterator[Callable[[list[RowReport]], None]]:
    """Write each batch's report lines as they come: to a CSV file, or the errors to stderr."""
    if path is None:

        def to_stderr(reports: list[RowReport]) -> None:
            for r in reports:
                if r.result is Result.error:
                    print(f"row {r.row} ({r.identifier}): {r.message}", file=sys.stderr)

        yield to_stderr
        return
    with path.open("w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file, lineterminator="\n")
        writer.writerow(REPORT_COLUMNS)

        def to_file(reports: list[RowReport]) -> None:
            writer.writerows([r.row, r.identifier, r.result.value, r.message] for r in reports)
            file.flush()

        yield to_file


# --- export -------------------------------------------------------------------------------


def export_file(store_code: str, fmt: Format | None, output: Path | None, actor: str | None) -> int:
    """Write the store's customers to ``output`` (stdout when None); how many were written.

    A file is written beside its name and moved in place when complete."""
    fmt = fmt or (format_of_name(output.name) if output else None) or Format.csv
    partial = output.with_name(output.name + ".part") if output else None

    async def main() -> int:
        database = Database(get_settings().database_url)
        try:
            async with database.transaction() as session:
                scope = await admin_scope(session, store_code, actor)
                total = await count_customers(session, scope, CustomerFilter())
            with _output(partial) as out, progress_bar("export", total.value) as bar:
                count = 0
                if fmt is Format.csv:
                    out.write(csv_header())
                async for records in export_records(database, scope):
                    out.write(csv_lines(records) if fmt is Format.csv else jsonl_lines(records))
                    count += len(records)
                    bar.update(count, count)
                return count
        finally:
            await database.dispose()

    try:
        count = asyncio.run(main())
    except BaseException:
        if partial is not None:
            partial.unlink(missing_ok=True)
        raise
    if output is not None and partial is not None:
        partial.replace(output)
    return count


@contextmanager
def _output(path: Path | None) -> Iterator[IO[str]]:
    if path is None:
        yield sys.stdout
        sys.stdout.flush()
        return
    with path.open("w", encoding="utf-8", newline="") as file:
        yield file

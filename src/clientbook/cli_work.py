"""Running a command's unit of work, and failing it with a clean message."""

import asyncio
from collections.abc import Awaitable, Callable
from typing import NoReturn, TypeVar

import typer
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from clientbook.kit.db import Database
from clientbook.kit.errors import ClientbookError, field_errors
from clientbook.settings import get_settings

T = TypeVar("T")


def run_work(work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Run one unit of work in one transaction, turning domain errors into a clean exit."""

    async def main() -> T:
        database = Database(get_settings().database_url)
        try:
            async with database.transaction() as session:
                return await work(session)
        finally:
            await database.dispose()

    try:
        return asyncio.run(main())
    except ClientbookError as exc:
        fields = "".join(f"\n  {e.field}: {e.message}" for e in exc.errors)
        fail(f"{exc.detail}{fields}", exc)
    except ValidationError as exc:
        fields = "".join(f"\n  {e.field}: {e.message}" for e in field_errors(exc.errors()))
        fail(f"invalid input{fields}", exc)


def fail(message: str, cause: Exception) -> NoReturn:
    typer.secho(f"error: {message}", err=True, fg=typer.colors.RED)
    raise typer.Exit(1) from cause

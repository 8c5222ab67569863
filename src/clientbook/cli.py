"""The ``clientbook`` command: serve, migrate, and manage stores and staff."""

import asyncio
import secrets
import sys
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Annotated, NoReturn, TypeVar

import typer
import uvicorn
from pydantic import ValidationError
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession

from clientbook import demo as demo_data
from clientbook import logging
from clientbook.accounts import service as accounts
from clientbook.kit.db import Database
from clientbook.kit.errors import ClientbookError, field_errors
from clientbook.kit.migrate import upgrade
from clientbook.loyalty.tick import run_tick
from clientbook.settings import Environment, get_settings
from clientbook.stores.scope import Role
from clientbook.transfer import commands as transfer
from clientbook.transfer.formats import Format
from clientbook.transfer.importer import Mode

app = typer.Typer(
    help="Clientbook: each store's customer book, served over HTTP.", no_args_is_help=True
)
T = TypeVar("T")


def _run(work: Callable[[AsyncSession], Awaitable[T]]) -> T:
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
        _fail(f"{exc.detail}{fields}", exc)
    except ValidationError as exc:
        fields = "".join(f"\n  {e.field}: {e.message}" for e in field_errors(exc.errors()))
        _fail(f"invalid input{fields}", exc)


def _fail(message: str, cause: Exception) -> NoReturn:
    typer.secho(f"error: {message}", err=True, fg=typer.colors.RED)
    raise typer.Exit(1) from cause


@app.command()
def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: Annotated[int, typer.Option(min=1)] = 1,
    reload: bool = False,
) -> None:
    """Serve the HTTP API."""
    settings = get_settings()
    uvicorn.run(
        "clientbook.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        reload=reload,
        access_log=False,  # RequestContext logs each request, without its query string
        # Forwarded headers are read by kit/proxies.py, from CLIENTBOOK_TRUSTED_PROXIES only;
        # uvicorn's own reading would believe 127.0.0.1 by default.
        proxy_headers=False,
        server_header=False,
        log_config=logging.uvicorn_log_config(settings.log_level),
    )


@app.command()
def migrate() -> None:
    """Bring the database schema up to date."""
    settings = get_settings()
    if settings.database_url.startswith("sqlite"):
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.database_url)
    typer.echo("database is up to date")


@app.command("create-store")
def create_store(
    code: str,
    name: Annotated[str, typer.Option(help="The store's name")],
    currency: str = "EUR",
    timezone: str = "UTC",
    country: Annotated[str | None, typer.Option(help="ISO country code, for phone numbers")] = None,
    owner: Annotated[str | None, typer.Option(help="E-mail of an existing user to own it")] = None,
) -> None:
    """Create a store (optionally owned by an existing user)."""
    store = _run(
        lambda s: demo_data.create_store(s, code, name, currency, timezone, country, owner)
    )
    typer.echo(f"store {store.code} created: {store.id}")


@app.command("create-user")
def create_user(
    email: str,
    store: Annotated[str, typer.Option(help="Code of the store to join")],
    role: Annotated[Role, typer.Option()] = Role.seller,
    name: str | None = None,
    password_stdin: Annotated[bool, typer.Option(help="Read the password from stdin")] = False,
) -> None:
    """Create a staff account and make it a member of a store."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    _run(lambda s: demo_data.create_member(s, email, password, name, store, role))
    typer.echo(f"user {email} is now {role.value} of {store}")


@app.command()
def token(
    email: str,
    ttl: Annotated[int, typer.Option(min=60, help="Lifetime in seconds")] = 3600,
) -> None:
    """Print an access token for a user, for scripts."""
    settings = get_settings()

    async def work(session: AsyncSession) -> str:
        user = await accounts.find_user(session, email)
        if user is None or not user.is_active:
            raise ClientbookError(f"no active user {email}")
        return await accounts.issue_token_for(session, settings, user.id, timedelta(seconds=ttl))

    typer.echo(_run(work))


@app.command()
def demo() -> None:
    """Create (once) the DEMO store and its owner, and print how to call the API."""
    settings = get_settings()
    if settings.env is Environment.production:
        typer.secho("error: the demo store is not created in production", err=True)
        raise typer.Exit(1)
    migrate()
    password = _demo_password(settings.data_dir)
    info = _run(lambda s: demo_data.ensure_demo(s, settings, password))
    typer.echo(demo_data.banner(info, password))


@app.command("import")
def import_customers(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    store: Annotated[str, typer.Option(help="Code of the store")],
    mode: Annotated[Mode, typer.Option(help="What to do with customers that exist")] = Mode.skip,
    format_: Annotated[
        Format | None, typer.Option("--format", help="Default: from the file's extension")
    ] = None,
    report: Annotated[Path | None, typer.Option(help="Write one CSV line per row here")] = None,
    actor: Annotated[
        str | None, typer.Option("--as", help="E-mail of the owner or admin acting")
    ] = None,
) -> None:
    """Import customers from CSV or JSON Lines, in batches; run it again to resume.

    Exits 0 when every row was imported or skipped, 2 when some rows had errors, 1 when
    the file was refused or the import stopped."""
    try:
        summary = transfer.import_file(file, store, mode, format_, report, actor)
    except ClientbookError as exc:
        _fail(exc.detail, exc)
    except transfer.ImportStopped as exc:
        typer.echo(exc.summary.line())
        _fail(
            f"the import stopped: {exc}\nThe rows reported so far are saved; run the same "
            "command again to finish.",
            exc,
        )
    typer.echo(summary.line())
    if summary.errors:
        raise typer.Exit(2)


@app.command("export")
def export_customers(
    store: Annotated[str, typer.Option(help="Code of the store")],
    format_: Annotated[
        Format | None, typer.Option("--format", help="Default: from -o's extension, else csv")
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Default: standard output")
    ] = None,
    actor: Annotated[
        str | None, typer.Option("--as", help="E-mail of the owner or admin acting")
    ] = None,
) -> None:
    """Export a store's customers (not deleted) as CSV or JSON Lines."""
    try:
        count = transfer.export_file(store, format_, output, actor)
    except ClientbookError as exc:
        _fail(exc.detail, exc)
    except SQLAlchemyError as exc:
        _fail(f"the export stopped: {exc}", exc)
    if output is not None:
        typer.echo(f"{count} customers written to {output}", err=True)


loyalty = typer.Typer(help="The loyalty engine's jobs.", no_args_is_help=True)
app.add_typer(loyalty, name="loyalty")


@loyalty.command("tick")
def loyalty_tick() -> None:
    """Unlock pending points and expire old ones now, catching up on any missed time
    (``serve`` also does this every minute)."""

    async def main() -> int:
        database = Database(get_settings().database_url)
        try:
            return (await run_tick(database)).settled
        finally:
            await database.dispose()

    typer.echo(f"{asyncio.run(main())} lots settled")


def _demo_password(data_dir: Path) -> str:
    path = data_dir / "demo-password"
    if path.exists():
        return path.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    password = secrets.token_urlsafe(12)
    path.write_text(password)
    path.chmod(0o600)
    return password


if __name__ == "__main__":
    app()

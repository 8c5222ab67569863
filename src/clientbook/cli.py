"""The ``clientbook`` command: serve, migrate, and manage stores and staff."""

import asyncio
import secrets
import sys
from datetime import timedelta
from pathlib import Path
from typing import Annotated

import typer
import uvicorn
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession

from clientbook import demo as demo_data
from clientbook import logging
from clientbook.accounts import service as accounts
from clientbook.cli_keys import api_key_app
from clientbook.cli_outbox import outbox_app
from clientbook.cli_work import fail, run_work
from clientbook.distribution import citus
from clientbook.kit import metrics
from clientbook.kit.db import AUTOCOMMIT, Database, create_engine
from clientbook.kit.errors import ClientbookError
from clientbook.kit.migrate import upgrade
from clientbook.kit.storage import storage_from_url
from clientbook.loyalty.tick import TickResult, run_tick
from clientbook.privacy import commands as gdpr
from clientbook.privacy.jobs import PassResult, run_pass
from clientbook.settings import Environment, get_settings
from clientbook.stores.scope import Role
from clientbook.transfer import commands as transfer
from clientbook.transfer.formats import Format
from clientbook.transfer.importer import Mode

app = typer.Typer(
    help="Clientbook: each store's customer book, served over HTTP.", no_args_is_help=True
)
app.add_typer(outbox_app, name="outbox")
app.add_typer(api_key_app, name="api-key")


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Default: CLIENTBOOK_HOST or 127.0.0.1")] = None,
    port: Annotated[
        int | None, typer.Option(min=1, max=65535, help="Default: CLIENTBOOK_PORT or 8000")
    ] = None,
    workers: Annotated[int, typer.Option(min=1)] = 1,
    reload: bool = False,
) -> None:
    """Serve the HTTP API."""
    settings = get_settings()
    host = host or settings.host
    port = port or settings.port
    if workers > 1:
        # Each worker keeps its metrics in files there; /metrics adds them up.
        metrics.prepare_multiprocess_dir(settings.data_dir / "metrics")
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
        # The supervisor kills a worker that does not answer its health check in time,
        # also while it is still importing; on a busy machine that takes longer than
        # uvicorn's 5 s, and the workers were killed and restarted forever.
        timeout_worker_healthcheck=60,
    )


@app.command()
def migrate() -> None:
    """Bring the database schema up to date."""
    settings = get_settings()
    if settings.database_url.startswith("sqlite"):
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.database_url)
    typer.echo("database is up to date")


@app.command()
def distribute() -> None:
    """On a Citus cluster, after `migrate`: distribute the schema by store (idempotent)."""
    url = get_settings().database_url

    async def main() -> citus.Report:
        engine = create_engine(url, pool_size=1)
        try:
            async with engine.connect() as connection:
                autocommit = await connection.execution_options(isolation_level=AUTOCOMMIT)
                return await citus.distribute(autocommit)
        finally:
            await engine.dispose()

    try:
        report = asyncio.run(main())
    except citus.NotCitus as exc:
        fail(str(exc), exc)
    except SQLAlchemyError as exc:
        fail(f"Citus refused a step; run the command again once it is fixed: {exc}", exc)
    for line in report.lines():
        typer.echo(line)


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
    store = run_work(
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
    run_work(lambda s: demo_data.create_member(s, email, password, name, store, role))
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

    typer.echo(run_work(work))


@app.command()
def demo() -> None:
    """Create (once) the DEMO store and its owner, and print how to call the API."""
    settings = get_settings()
    if settings.env is Environment.production:
        typer.secho("error: the demo store is not created in production", err=True)
        raise typer.Exit(1)
    migrate()
    password = _demo_password(settings.data_dir)
    info = run_work(lambda s: demo_data.ensure_demo(s, settings, password))
    typer.echo(demo_data.banner(info, password, settings.base_url))


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
        fail(exc.detail, exc)
    except transfer.ImportStopped as exc:
        typer.echo(exc.summary.line())
        fail(
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
        fail(exc.detail, exc)
    except SQLAlchemyError as exc:
        fail(f"the export stopped: {exc}", exc)
    if output is not None:
        typer.echo(f"{count} customers written to {output}", err=True)


loyalty = typer.Typer(help="The loyalty engine's jobs.", no_args_is_help=True)
app.add_typer(loyalty, name="loyalty")


@loyalty.command("tick")
def loyalty_tick() -> None:
    """Unlock pending points, expire old ones and review tiers now, catching up on any
    missed time (``serve`` also does this every minute)."""

    async def main() -> TickResult:
        database = Database(get_settings().database_url)
        try:
            return await run_tick(database)
        finally:
            await database.dispose()

    result = asyncio.run(main())
    typer.echo(f"{result.settled} lots settled, {result.reviewed} tiers reviewed")


gdpr_app = typer.Typer(
    help="A person's data: export, erase, and the lifecycle pass.", no_args_is_help=True
)
app.add_typer(gdpr_app, name="gdpr")
StoreCode = Annotated[str, typer.Argument(help="Code of the store")]
CustomerRef = Annotated[str, typer.Argument(help="The customer's id")]
Actor = Annotated[str | None, typer.Option("--as", help="E-mail of the owner or admin acting")]


@gdpr_app.command("export")
def gdpr_export(
    store: StoreCode,
    customer_id: CustomerRef,
    output: Annotated[Path, typer.Option("--output", "-o", help="The ZIP file to write")],
    actor: Actor = None,
) -> None:
    """Write everything about one customer to a ZIP file (JSON records and the files)."""
    storage = storage_from_url(get_settings().storage_url)
    size = run_work(lambda s: gdpr.export_to_file(s, storage, store, customer_id, output, actor))
    typer.echo(f"{size} bytes written to {output}", err=True)


@gdpr_app.command("erase")
def gdpr_erase(store: StoreCode, customer_id: CustomerRef, actor: Actor = None) -> None:
    """Erase a customer's personal data for good (and the customers merged into it)."""
    storage = storage_from_url(get_settings().storage_url)
    erased = run_work(lambda s: gdpr.erase(s, storage, store, customer_id, actor))
    typer.echo(f"customer {erased} erased")


@gdpr_app.command("run")
def gdprrun_work() -> None:
    """Run the data lifecycle pass once: queued duplicate checks, duplicate scans,
    pending exports, expired archives, retention (``serve`` runs it every
    CLIENTBOOK_LIFECYCLE_JOB_SECONDS)."""
    settings = get_settings()
    storage = storage_from_url(settings.storage_url)

    async def main() -> PassResult:
        database = Database(settings.database_url)
        try:
            return await run_pass(database, storage, settings.data_export_keep_days)
        finally:
            await database.dispose()

    result = asyncio.run(main())
    typer.echo(
        f"{result.checks} duplicate checks, {result.scan_steps} scan steps, "
        f"{result.exports_built} exports built, "
        f"{result.exports_removed} expired exports removed, {result.purged_deleted} deleted "
        f"and {result.purged_unconfirmed} unconfirmed customers purged"
    )


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

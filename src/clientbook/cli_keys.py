"""``clientbook api-key``: a store's API keys, for back-ends and integrations."""

from typing import Annotated

import typer
from sqlalchemy.ext.asyncio import AsyncSession

from clientbook.api_keys import service as api_keys
from clientbook.api_keys.schemas import ApiKeyCreate, KeyRole
from clientbook.cli_work import run_work
from clientbook.stores.scope import operator_scope

api_key_app = typer.Typer(help="A store's API keys, for back-ends and integrations.")


@api_key_app.command("create")
def create_api_key(
    store: str,
    name: str,
    role: Annotated[KeyRole, typer.Option(help="What the key may do")],
) -> None:
    """Create a key and print it (only the key, on stdout): it cannot be shown again."""

    async def work(session: AsyncSession) -> str:
        data = ApiKeyCreate.model_validate({"name": name, "role": role})
        _key, secret = await api_keys.create_key(
            session, await operator_scope(session, store), data
        )
        return secret

    typer.echo(run_work(work))


@api_key_app.command("list")
def list_api_keys(store: str) -> None:
    """The store's live keys: name, prefix, role, created, last used, expires."""

    async def work(session: AsyncSession) -> list[str]:
        keys = await api_keys.list_keys(session, await operator_scope(session, store))
        return [
            "\t".join(
                [
                    key.name,
                    key.token_prefix,
                    key.role,
                    key.created_at.isoformat(),
                    key.last_used_at.isoformat() if key.last_used_at else "never",
                    key.expires_at.isoformat() if key.expires_at else "-",
                ]
            )
            for key in keys
        ]

    lines = run_work(work)
    typer.echo("\t".join(["name", "prefix", "role", "created", "last_used", "expires"]))
    for line in lines:
        typer.echo(line)


@api_key_app.command("revoke")
def revoke_api_key(store: str, name: str) -> None:
    """Revoke the store's live key of that name; it stops working at once."""
    run_work(
        lambda s: _revoke_named(s, store, name),
    )
    typer.echo(f"API key {name} of {store} revoked")


async def _revoke_named(session: AsyncSession, store: str, name: str) -> None:
    await api_keys.revoke_key_named(session, await operator_scope(session, store), name)

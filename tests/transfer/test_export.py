"""Exporting customers, and what export writes, import takes back unchanged."""

import csv
import io
import json
from typing import Any

import httpx
import pytest

from clientbook.kit.db import Database
from clientbook.transfer import formats
from clientbook.transfer.formats import Format
from clientbook.transfer.importer import Mode
from tests.factories import Factory, StoreCtx
from tests.transfer.helpers import exported, results, run_import, stored, summary_of

CUSTOMERS: list[dict[str, Any]] = [
    {
        "first_name": "Layla",
        "last_name": "Hassan",
        "display_name": "Lay",
        "salutation": "ms",
        "title": "Dr.",
        "email": "Layla.Hassan@Example.com",
        "phone": "0151 2345 678",
        "fax": "+49 30 1234567",
        "birth_date": "1990-05-17",
        "gender": "female",
        "language": "de-DE",
        "website": "https://example.com/shop",
        "preferred_currency": "eur",
        "company": {"name": "Hassan GmbH", "tax_id": "DE123456789"},
        "loyalty_card_number": "CARD-0001",
        "labels": [{"key": "vip", "value": "gold"}, {"key": "wholesale"}],
        "consents": {"agreement1": True, "email_marketing": False},
        "preferences": {"newsletter": True, "visits": 3, "color": 'blue, "quoted"'},
        "metadata": {"crm_id": "42", "note": "line one\nline two"},
        "status": "new",
    },
    {"first_name": "Walk-in", "phone": "+48 600 700 800", "is_active": False},
    {"display_name": "Only A Card", "loyalty_card_number": "CARD-0002", "status": "blocked"},
    {
        "first_name": "Zoë",
        "last_name": "Ünal",
        "email": "zoe@example.com",
        "company": {"name": "Z"},
    },
]


async def _fill(client: httpx.AsyncClient, ctx: StoreCtx) -> list[str]:
    ids = []
    for body in CUSTOMERS:
        response = await client.post(f"{ctx.base}/customers", json=body, headers=ctx.admin.headers)
        assert response.status_code == 201, response.text
        ids.append(response.json()["id"])
    gone = await client.post(
        f"{ctx.base}/customers",
        json={"first_name": "Gone", "email": "gone@example.com"},
        headers=ctx.admin.headers,
    )
    deleted = await client.delete(
        f"{ctx.base}/customers/{gone.json()['id']}", headers=ctx.admin.headers
    )
    assert deleted.status_code == 204
    return ids


def _csv_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def _without_store_specifics(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    drop = {"id", "created_at", "updated_at"}
    return [{k: v for k, v in row.items() if k not in drop} for row in rows]


async def test_csv_export_writes_the_canonical_columns(
    client: httpx.AsyncClient, factory: Factory, database: Database
) -> None:
    ctx = await factory.store(country="DE")
    ids = await _fill(client, ctx)
    text = await exported(database, ctx)
    assert text.splitlines()[0] == (
        "id,first_name,last_name,display_name,salutation,title,email,phone,fax,birth_date,"
        "gender,language,website,preferred_currency,company_name,company_tax_id,"
        "loyalty_card_number,labels,consents,preferences,metadata,default_price_list_id,"
        "status,is_active,created_at,updated_at"
    )
    rows = _csv_rows(text)
    assert [row["id"] for row in rows] == ids  # oldest first; the deleted one left out
    layla = rows[0]
    assert layla["email"] == "Layla.Hassan@Example.com"
    assert layla["phone"] == "+491512345678"
    assert (layla["company_name"], layla["company_tax_id"]) == ("Hassan GmbH", "DE123456789")
    assert json.loads(layla["consents"]) == {"agreement1": True, "email_marketing": False}
    assert json.loads(layla["labels"]) == [
        {"key": "vip", "value": "gold"},
        {"key": "wholesale", "value": ""},
    ]
    assert json.loads(layla["metadata"])["note"] == "line one\nline two"
    assert (layla["status"], layla["is_active"]) == ("new", "true")
    walk_in = rows[1]
    assert (walk_in["email"], walk_in["labels"], walk_in["is_active"]) == ("", "", "false")
    assert rows[2]["status"] == "blocked"


@pytest.mark.parametrize("fmt", list(Format))
async def test_export_import_export_gives_the_same_file(
    client: httpx.AsyncClient, factory: Factory, database: Database, fmt: Format
) -> None:
    source, target = await factory.store(country="DE"), await factory.store(country="FR")
    await _fill(client, source)
    first = await exported(database, source, fmt)

    reports = await run_import(database, target, first, fmt)
    assert summary_of(reports) == {"created": 4, "updated": 0, "skipped": 0, "errors": 0}
    second = await exported(database, target, fmt)

    if fmt is Format.csv:
        before, after = _csv_rows(first), _csv_rows(second)
    else:
        before = [json.loads(line) for line in first.splitlines()]
        after = [json.loads(line) for line in second.splitlines()]
    assert len(after) == 4

    def key(row: dict[str, Any]) -> str:
        return json.dumps(row, sort_keys=True)

    assert sorted(_without_store_specifics(after), key=key) == sorted(
        _without_store_specifics(before), key=key
    )

    # importing its own export again changes nothing, in either mode
    for mode in Mode:
        again = await run_import(database, target, second, fmt, mode)
        assert summary_of(again) == {"created": 0, "updated": 0, "skipped": 4, "errors": 0}
    assert len(await stored(database, target)) == 4


async def test_the_export_walks_the_store_page_by_page(
    factory: Factory, database: Database
) -> None:
    ctx = await factory.store()
    made = [await factory.customer(ctx, first_name=f"N{i}") for i in range(5)]
    other = await factory.store()
    await factory.customer(other, first_name="Elsewhere")
    for page_size in (1, 2, 5, 100):
        lines = (await exported(database, ctx, Format.jsonl, page_size=page_size)).splitlines()
        assert [json.loads(line)["id"] for line in lines] == [str(c.id) for c in made]


async def test_an_empty_store_exports_a_header_only(factory: Factory, database: Database) -> None:
    ctx = await factory.store()
    assert await exported(database, ctx) == ",".join(formats.CSV_COLUMNS) + "\n"
    assert await exported(database, ctx, Format.jsonl) == ""
    assert results(await run_import(database, ctx, await exported(database, ctx))) == []

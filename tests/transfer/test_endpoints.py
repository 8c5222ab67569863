"""POST /v1/stores/{store}/customers/import and GET .../export."""

import json
from typing import Any

import httpx
import pytest

from clientbook.kit.db import Database
from clientbook.settings import Settings
from clientbook.transfer.formats import Format
from tests.customers.helpers import problem
from tests.factories import Factory, StoreCtx
from tests.transfer.helpers import exported, stored

CSV = (
    "first_name,email,phone,gender\n"
    "Ada,ada@example.com,+44 20 7946 0018,female\n"
    "Bad,not-an-email,,\n"
    "Grace,grace@example.com,,robot\n"
    "Alan,alan@example.com,,male\n"
)


def import_url(ctx: StoreCtx, **params: str) -> str:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return f"{ctx.base}/customers/import" + (f"?{query}" if query else "")


def ndjson(response: httpx.Response) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/x-ndjson")
    lines = [json.loads(line) for line in response.text.splitlines()]
    *rows, last = lines
    return rows, last


async def test_import_a_raw_csv_body(
    client: httpx.AsyncClient, factory: Factory, database: Database
) -> None:
    ctx = await factory.store()
    response = await client.post(
        import_url(ctx),
        content=CSV.encode(),
        headers={**ctx.admin.headers, "Content-Type": "text/csv"},
    )
    rows, last = ndjson(response)
    assert rows == [
        {"row": 1, "identifier": "ada@example.com", "result": "created", "message": ""},
        {
            "row": 2,
            "identifier": "not-an-email",
            "result": "error",
            "message": "email: is not a valid e-mail address: "
            "An email address must have an @-sign.",
        },
        {
            "row": 3,
            "identifier": "grace@example.com",
            "result": "error",
            "message": "gender: Input should be 'male', 'female' or 'not_disclosed'",
        },
        {"row": 4, "identifier": "alan@example.com", "result": "created", "message": ""},
    ]
    summary = last["summary"]
    assert {k: summary[k] for k in ("rows", "created", "updated", "skipped", "errors")} == {
        "rows": 4,
        "created": 2,
        "updated": 0,
        "skipped": 0,
        "errors": 2,
    }
    assert "error" not in last
    assert sorted(c.email_key for c in await stored(database, ctx)) == [
        "ada@example.com",
        "alan@example.com",
    ]
    listed = await client.get(f"{ctx.base}/customers", headers=ctx.seller.headers)
    assert listed.json()["pagination"]["total"] == 2


async def test_import_a_multipart_file_in_upsert_mode(
    client: httpx.AsyncClient, factory: Factory, database: Database
) -> None:
    ctx = await factory.store()
    await factory.customer(ctx, first_name="Old", email="ada@example.com")
    content = b'{"first_name": "New", "email": "ADA@example.com"}\n{"first_name": "Grace"}\n'
    response = await client.post(
        import_url(ctx, mode="upsert"),
        files={"file": ("customers.jsonl", content, "application/octet-stream")},
        headers=ctx.owner.headers,
    )
    rows, last = ndjson(response)
    assert [(r["row"], r["result"], r["message"]) for r in rows] == [
        (1, "updated", "email, first_name"),
        (2, "created", ""),
    ]
    assert last["summary"]["updated"] == 1
    customers = await stored(database, ctx)
    assert sorted(c.first_name or "" for c in customers) == ["Grace", "New"]


async def test_the_format_parameter_wins_and_a_format_is_needed(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store()
    as_csv = await client.post(
        import_url(ctx, format="csv"),
        files={"file": ("customers.txt", b"first_name\nAda\n", "text/plain")},
        headers=ctx.admin.headers,
    )
    rows, _ = ndjson(as_csv)
    assert rows[0]["result"] == "created"
    unknown = await client.post(
        import_url(ctx),
        files={"file": ("customers.txt", b"first_name\nAda\n", "text/plain")},
        headers=ctx.admin.headers,
    )
    body = problem(unknown, 422, "format")
    assert (
        body["detail"] == "format: cannot tell the file's format: give format=csv or format=jsonl"
    )
    no_file = await client.post(
        import_url(ctx), files={"other": ("a.csv", b"x", "text/csv")}, headers=ctx.admin.headers
    )
    problem(no_file, 422, "file")


async def test_a_file_that_cannot_be_imported_is_refused_with_422(
    client: httpx.AsyncClient, factory: Factory, database: Database
) -> None:
    ctx = await factory.store()
    headers = {**ctx.admin.headers, "Content-Type": "text/csv"}
    unknown = await client.post(
        import_url(ctx), content=b"first_name,nickname\nAda,A\n", headers=headers
    )
    body = problem(unknown, 422, "file")
    assert body["detail"].startswith("unknown columns: nickname")
    latin1 = await client.post(
        import_url(ctx), content="first_name\nJosé\n".encode("latin-1"), headers=headers
    )
    assert problem(latin1, 422, "file")["detail"].startswith("the file is not UTF-8 text")
    assert await stored(database, ctx) == []


async def test_other_media_types_and_large_raw_bodies_are_refused(
    client: httpx.AsyncClient, factory: Factory, settings: Settings
) -> None:
    ctx = await factory.store()
    xml = await client.post(
        import_url(ctx),
        content=b"<customers/>",
        headers={**ctx.admin.headers, "Content-Type": "application/xml"},
    )
    problem(xml, 415)
    # a few rows, each padded by a long read-only cell (which import ignores)
    pad = b"x" * 100_000
    rows = settings.max_body_bytes // len(pad) + 1
    big = b"name,email\n" + b"".join(b"%s,c%d@example.com\n" % (pad, i) for i in range(rows))
    too_big = await client.post(
        import_url(ctx), content=big, headers={**ctx.admin.headers, "Content-Type": "text/csv"}
    )
    problem(too_big, 413)
    # the same file goes in as multipart, whose limit is CLIENTBOOK_MAX_MULTIPART_BYTES
    as_form = await client.post(
        import_url(ctx), files={"file": ("big.csv", big, "text/csv")}, headers=ctx.admin.headers
    )
    _, last = ndjson(as_form)
    assert last["summary"]["created"] == rows


@pytest.mark.parametrize("method", ["import", "export"])
async def test_who_may_import_and_export(
    client: httpx.AsyncClient, factory: Factory, database: Database, method: str
) -> None:
    ctx, other = await factory.store(), await factory.store()
    await factory.customer(ctx)

    async def call(headers: dict[str, str], store: StoreCtx = ctx) -> httpx.Response:
        if method == "export":
            return await client.get(f"{store.base}/customers/export", headers=headers)
        return await client.post(
            import_url(store),
            content=b"first_name\nIntruder\n",
            headers={**headers, "Content-Type": "text/csv"},
        )

    problem(await call({}), 401)
    problem(await call(ctx.seller.headers), 403)
    problem(await call(other.admin.headers), 404)
    assert (await call(other.admin.headers, other)).status_code == 200  # their own store
    assert len(await stored(database, ctx)) == 1  # nothing was imported by the refusals
    assert (await call(ctx.admin.headers)).status_code == 200


async def test_export_streams_csv_and_json_lines(
    client: httpx.AsyncClient, factory: Factory, database: Database
) -> None:
    ctx = await factory.store()
    for i in range(3):
        await factory.customer(ctx, first_name=f"N{i}", email=f"n{i}@example.com")
    as_csv = await client.get(f"{ctx.base}/customers/export", headers=ctx.admin.headers)
    assert as_csv.status_code == 200
    assert as_csv.headers["content-type"] == "text/csv; charset=utf-8"
    assert as_csv.headers["content-disposition"] == (
        f'attachment; filename="customers-{ctx.code}.csv"'
    )
    assert as_csv.text == await exported(database, ctx)
    as_jsonl = await client.get(
        f"{ctx.base}/customers/export", params={"format": "jsonl"}, headers=ctx.owner.headers
    )
    assert as_jsonl.headers["content-type"] == "application/x-ndjson"
    assert as_jsonl.text == await exported(database, ctx, Format.jsonl)
    assert [json.loads(line)["email"] for line in as_jsonl.text.splitlines()] == [
        "n0@example.com",
        "n1@example.com",
        "n2@example.com",
    ]
    bad = await client.get(
        f"{ctx.base}/customers/export", params={"format": "xml"}, headers=ctx.admin.headers
    )
    problem(bad, 422, "format")


async def test_export_then_import_over_the_api(
    client: httpx.AsyncClient, factory: Factory, database: Database
) -> None:
    source, target = await factory.store(), await factory.store()
    await factory.customer(source, email="ada@example.com", labels=[{"key": "vip"}])
    await factory.customer(source, email="alan@example.com", consents={"agreement2": True})
    file = await client.get(f"{source.base}/customers/export", headers=source.admin.headers)
    response = await client.post(
        import_url(target),
        files={"file": ("customers.csv", file.content, "text/csv")},
        headers=target.admin.headers,
    )
    _, last = ndjson(response)
    assert last["summary"]["created"] == 2
    again = await client.get(f"{target.base}/customers/export", headers=target.admin.headers)

    def strip(text: str) -> list[str]:
        """The data rows without their id and times (first and last two columns)."""
        return sorted(line.split(",", 1)[1].rsplit(",", 2)[0] for line in text.splitlines()[1:])

    assert strip(again.text) == strip(file.text)

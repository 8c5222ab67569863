"""Open Loyalty (seed 002): the XML customer import, its report, and hostile files."""

from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from clientbook.kit.db import Database
from clientbook.models import Customer
from tests.factories import Factory, StoreCtx
from tests.surfaces.test_openloyalty import api, ol_store


def customer_xml(
    email: str, *, gender: str | None = "male", birth: str | None = "1990-01-01", **extra: str
) -> str:
    nodes = {"firstName": "Jan", "lastName": "Kowalski", "email": email, **extra}
    if gender is not None:
        nodes["gender"] = gender
    if birth is not None:
        nodes["birthDate"] = birth
    body = "".join(f"<{k}>{v}</{k}>" for k, v in nodes.items())
    return f"<customer>{body}</customer>"


def document(*customers: str) -> bytes:
    return ("<?xml version='1.0'?><customers>" + "".join(customers) + "</customers>").encode()


async def _import(
    client: httpx.AsyncClient, ctx: StoreCtx, content: bytes, field: str = "file[file]"
) -> httpx.Response:
    return await client.post(
        api(ctx, "/admin/customer/import"),
        files={field: ("customers.xml", content, "text/xml")},
        headers=ctx.admin.headers,
    )


async def _count(database: Database, ctx: StoreCtx) -> int:
    async with database.reading() as session:
        return int(
            await session.scalar(select(func.count()).where(Customer.store_id == ctx.id)) or 0
        )


async def test_import_documented_report(
    client: httpx.AsyncClient, factory: Factory, database: Database
) -> None:
    """The document's eleven items: seven imported, three without gender, one with a
    birth date that is not Y-m-d."""
    ctx = await ol_store(factory)
    emails = [
        "aXXX2222X1@tXXXXXXXst.pl",
        "222b1222@test.pl",
        "b22221a@st.pl",
        "aa2222c@dgf.pl",
        "bz22221z@test.pl",
        "bxx2222x@teist.pl",
        "bx2222x@tetst.pl",
        "cccc2222cc@test.pl",
        "vvvv111v7@test.pl",
        "bb111bbbb@tesyyt.pl",
        "nnnjn111n@test.pl",
    ]
    nodes = []
    for email in emails:
        if email == "b22221a@st.pl":
            nodes.append(customer_xml(email, birth="01.01.1990"))
        elif email in ("bz22221z@test.pl", "cccc2222cc@test.pl", "nnnjn111n@test.pl"):
            nodes.append(customer_xml(email, gender=None))
        else:
            nodes.append(
                customer_xml(email, agreement1="true", company="<name>ACME</name><nip>1</nip>")
            )
    response = await _import(client, ctx, document(*nodes))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["totalProcessed"] == 11
    assert body["totalSuccess"] == 7
    assert body["totalFailed"] == 4
    assert [item["identifier"] for item in body["items"]] == emails
    by_email = {item["identifier"]: item for item in body["items"]}
    assert by_email["b22221a@st.pl"] == {
        "status": "error",
        "message": "Convert exception: birthDate has invalid date format (Y-m-d required)",
        "identifier": "b22221a@st.pl",
    }
    assert by_email["bz22221z@test.pl"] == {
        "status": "error",
        "message": "Convert exception: gender is required node",
        "identifier": "bz22221z@test.pl",
    }
    ok = by_email["222b1222@test.pl"]
    assert set(ok) == {"status", "processImportResult", "identifier"}
    assert ok["status"] == "success"
    details = await client.get(
        api(ctx, f"/customer/{ok['processImportResult']['object']}"), headers=ctx.admin.headers
    )
    assert details.status_code == 200
    assert details.json()["email"] == "222b1222@test.pl"
    assert details.json()["company"] == {"name": "ACME", "nip": "1"}
    assert details.json()["agreement1"] is True
    assert await _count(database, ctx) == 7
    # The same file again: every row is now an error (the customer exists), nothing added.
    again = (await _import(client, ctx, document(*nodes))).json()
    assert again["totalSuccess"] == 0
    assert await _count(database, ctx) == 7


BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;">]>
<customers><customer><firstName>&lol2;</firstName></customer></customers>"""
EXTERNAL = b"""<?xml version="1.0"?>
<!DOCTYPE c [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<customers><customer><firstName>&x;</firstName></customer></customers>"""


@pytest.mark.parametrize(
    "content",
    [
        BOMB,
        EXTERNAL,
        document(customer_xml("ok@example.com")) + b"<customer>",  # not well-formed at the end
        b"<customers><customer><firstName>A</firstName></customers>",
        b"",
        b"not xml at all",
    ],
)
async def test_hostile_and_malformed_xml_is_400_with_nothing_written(
    client: httpx.AsyncClient, factory: Factory, database: Database, content: bytes
) -> None:
    ctx = await ol_store(factory)
    response = await _import(client, ctx, content)
    assert response.status_code == 400, response.text
    assert set(response.json()) == {"error"}
    assert "file[file]" in response.json()["error"]
    assert await _count(database, ctx) == 0


async def test_import_needs_the_file_and_an_admin(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await ol_store(factory)
    wrong_field = await _import(client, ctx, document(), field="upload")
    assert wrong_field.status_code == 400
    assert "file[file]" in wrong_field.json()["error"]
    as_form = await client.post(
        api(ctx, "/admin/customer/import"),
        data={"file[file]": "C:\\fakepath\\customers.xml"},
        headers=ctx.admin.headers,
    )
    assert as_form.status_code == 400
    seller = await client.post(
        api(ctx, "/admin/customer/import"),
        files={"file[file]": ("c.xml", document(), "text/xml")},
        headers=ctx.seller.headers,
    )
    assert seller.status_code == 403
    empty = await _import(client, ctx, document())
    assert empty.json() == {"items": [], "totalProcessed": 0, "totalSuccess": 0, "totalFailed": 0}


def _many(count: int) -> Any:
    yield b"<customers>"
    for i in range(count):
        yield customer_xml(f"c{i}@example.com").encode()
    yield b"</customers>"


async def test_import_of_many_customers_in_batches(
    client: httpx.AsyncClient, factory: Factory, database: Database
) -> None:
    ctx = await ol_store(factory)
    content = b"".join(_many(12_000))  # more than two batches of the pipeline
    response = await _import(client, ctx, content)
    assert response.status_code == 200
    body = response.json()
    assert body["totalSuccess"] == 12_000
    assert len(body["items"]) == 12_000
    assert await _count(database, ctx) == 12_000

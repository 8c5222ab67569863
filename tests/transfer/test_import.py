"""Importing customers: the API's rules row by row, duplicates, resumption, bad files."""

import json
from typing import Any

import httpx
import pytest
from sqlalchemy.exc import IntegrityError

from clientbook.kit.db import Database
from clientbook.transfer import formats, importer
from clientbook.transfer.formats import FileRefused, Format
from clientbook.transfer.importer import Mode
from tests.factories import Factory
from tests.transfer.helpers import by_email, results, run_import, stored, summary_of

BAD_EMAIL = "email: is not a valid e-mail address: An email address must have an @-sign."
BAD_PHONE = "phone: is not a valid phone number"
FUTURE = "birth_date: must not be in the future"
GENDER = "gender: Input should be 'male', 'female' or 'not_disclosed'"
NOT_IDENTIFIABLE = "give at least one of first_name, last_name, display_name, email or phone"
EMAIL_TAKEN = "a customer with this e-mail already exists"
CARD_TAKEN = "a customer with this loyalty card number already exists"

FULL_ROW = {
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
    "preferences": {"newsletter": True, "visits": 3, "color": "blue"},
    "metadata": {"crm_id": "42"},
    "status": "new",
    "is_active": False,
}


def csv_of(rows: list[dict[str, Any]]) -> str:
    """A CSV file with the union of the rows' fields (company flattened, JSON in cells)."""
    flat = []
    for row in rows:
        cells: dict[str, str] = {}
        for key, value in row.items():
            if key == "company":
                cells["company_name"] = value.get("name") or ""
                cells["company_tax_id"] = value.get("tax_id") or ""
            elif key in formats.JSON_FIELDS:
                cells[key] = json.dumps(value)
            elif isinstance(value, bool):
                cells[key] = "true" if value else "false"
            else:
                cells[key] = str(value)
        flat.append(cells)
    header = list(dict.fromkeys(key for cells in flat for key in cells))
    text = formats._csv_text([header, *[[c.get(k, "") for k in header] for c in flat]])
    return text


def comparable(customer: dict[str, Any]) -> dict[str, Any]:
    """A customer's canonical JSON without what differs between two stores or writes."""
    drop = {"id", "store_id", "created_at", "updated_at"}
    out = {k: v for k, v in customer.items() if k not in drop}
    out["consents"] = {k: v["granted"] for k, v in customer["consents"].items()}
    return out


async def test_a_row_is_stored_exactly_as_the_api_stores_it(
    client: httpx.AsyncClient, factory: Factory, database: Database
) -> None:
    api_store, import_store = await factory.store(country="DE"), await factory.store(country="DE")
    posted = await client.post(
        f"{api_store.base}/customers", json=FULL_ROW, headers=api_store.admin.headers
    )
    assert posted.status_code == 201, posted.text

    reports = await run_import(database, import_store, csv_of([FULL_ROW]))
    assert results(reports) == [(1, "Layla.Hassan@Example.com", "created", "")]

    (customer,) = await stored(database, import_store)
    fetched = await client.get(
        f"{import_store.base}/customers/{customer.id}", headers=import_store.admin.headers
    )
    assert comparable(fetched.json()) == comparable(posted.json())
    assert fetched.json()["status"] == "new"
    assert fetched.json()["is_active"] is False
    assert fetched.json()["phone"] == "+491512345678"
    # the derived columns are the service's
    assert customer.email_key == "layla.hassan@example.com"
    assert customer.sort_name == "layla hassan"
    assert "hassan gmbh" in customer.search_text
    events = await client.get(
        f"{import_store.base}/customers/{customer.id}/events", headers=import_store.admin.headers
    )
    (event,) = events.json()["data"]
    assert event["action"] == "created"
    assert event["actor_user_id"] == str(import_store.owner.user.id)
    assert "email" in event["fields"]


async def test_bad_rows_are_reported_and_the_rows_around_them_imported(
    factory: Factory, database: Database
) -> None:
    ctx = await factory.store(country="DE")
    content = (
        "first_name,email,phone,birth_date,gender,labels,status,website\n"
        "Good1,good1@example.com,,,,,,\n"
        "Bad,not-an-email,,,,,,\n"
        "Bad,phone@example.com,123,,,,,\n"
        "Bad,future@example.com,,2999-01-01,,,,\n"
        "Bad,gender@example.com,,,robot,,,\n"
        "Bad,labels@example.com,,,,[oops,,\n"
        "Bad,status@example.com,,,,,deleted,\n"
        "Bad,web@example.com,,,,,,ftp://example.com\n"
        ",,,,,,,\n"
        'Good2,good2@example.com,+48 600 700 800,1980-02-29,male,"[{""key"":""a""}]",,\n'
    )
    reports = await run_import(database, ctx, content)
    assert results(reports) == [
        (1, "good1@example.com", "created", ""),
        (2, "not-an-email", "error", BAD_EMAIL),
        (3, "phone@example.com", "error", BAD_PHONE),
        (4, "future@example.com", "error", FUTURE),
        (5, "gender@example.com", "error", GENDER),
        (6, "labels@example.com", "error", "labels: is not valid JSON"),
        (7, "status@example.com", "error", "status: Input should be 'new', 'active' or 'blocked'"),
        (8, "web@example.com", "error", "website: URL scheme should be 'http' or 'https'"),
        # row 9 is empty: nothing to import, nothing reported
        (10, "good2@example.com", "created", ""),
    ]
    assert sorted(by_email(await stored(database, ctx))) == [
        "good1@example.com",
        "good2@example.com",
    ]


async def test_a_row_must_identify_its_customer(factory: Factory, database: Database) -> None:
    ctx = await factory.store()
    content = 'loyalty_card_number,metadata,title\nCARD-1,,\n,"{""a"":""b""}",Dr.\n'
    reports = await run_import(database, ctx, content)
    assert results(reports) == [
        (1, "CARD-1", "error", NOT_IDENTIFIABLE),
        (2, "row 2", "error", NOT_IDENTIFIABLE),
    ]
    assert await stored(database, ctx) == []


async def test_read_only_columns_are_ignored(factory: Factory, database: Database) -> None:
    ctx = await factory.store()
    content = (
        "id,name,first_name,email,created_at,updated_at,version,store_id,deleted_at\n"
        "not-a-uuid,Whatever,Ada,ada@example.com,yesterday,2001-01-01,7,x,now\n"
    )
    reports = await run_import(database, ctx, content)
    assert results(reports) == [(1, "ada@example.com", "created", "")]
    (customer,) = await stored(database, ctx)
    assert customer.version == 1
    assert customer.deleted_at is None
    assert customer.created_at.year > 2001


async def test_unknown_columns_refuse_the_file_before_anything_is_imported(
    factory: Factory, database: Database
) -> None:
    ctx = await factory.store()
    content = "first_name,e_mail,nickname,email\nAda,x,y,ada@example.com\n"
    with pytest.raises(FileRefused) as refused:
        await run_import(database, ctx, content)
    assert refused.value.detail.startswith("unknown columns: e_mail, nickname (")
    assert await stored(database, ctx) == []

    for header, message in [
        ("first_name,,email", "column 2 of the header row has no name"),
        ("email,first_name,email", "columns named more than once: email"),
    ]:
        with pytest.raises(FileRefused, match=message):
            await run_import(database, ctx, f"{header}\nAda,ada@example.com\n")
    with pytest.raises(FileRefused, match="the file is empty"):
        await run_import(database, ctx, "")


async def test_ragged_rows_are_errors_of_their_own(factory: Factory, database: Database) -> None:
    ctx = await factory.store()
    content = (
        "first_name,last_name,email\n"
        "Ada,Lovelace,ada@example.com\n"
        "Too,Many,many@example.com,extra\n"
        "Too few\n"
        "Alan,Turing,alan@example.com\n"
    )
    reports = await run_import(database, ctx, content)
    assert results(reports) == [
        (1, "ada@example.com", "created", ""),
        (2, "row 2", "error", "the row has 4 cells, the header row has 3"),
        (3, "row 3", "error", "the row has 1 cells, the header row has 3"),
        (4, "alan@example.com", "created", ""),
    ]


async def test_a_file_that_is_not_utf8_is_refused(factory: Factory, database: Database) -> None:
    ctx = await factory.store()
    latin1 = "first_name,email\nJosé,jose@example.com\n".encode("latin-1")
    with pytest.raises(FileRefused) as refused:
        await run_import(database, ctx, latin1)
    assert refused.value.detail == (
        "the file is not UTF-8 text (byte 0xe9 at position 20); "
        "save it as UTF-8 and import it again"
    )
    utf16 = "first_name,email\nJosé,jose@example.com\n".encode("utf-16")
    with pytest.raises(FileRefused, match="the file is not UTF-8 text"):
        await run_import(database, ctx, utf16)
    assert await stored(database, ctx) == []


async def test_a_utf8_bom_is_accepted(factory: Factory, database: Database) -> None:
    ctx = await factory.store()
    content = "\ufefffirst_name,email\nJosé,jose@example.com\n".encode()
    reports = await run_import(database, ctx, content)
    assert results(reports) == [(1, "jose@example.com", "created", "")]
    (customer,) = await stored(database, ctx)
    assert customer.first_name == "José"


async def test_bad_bytes_further_in_are_errors_of_their_rows(
    factory: Factory, database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(formats, "ENCODING_SAMPLE_BYTES", 0)  # as if far beyond the start
    ctx = await factory.store()
    content = (
        b"first_name,email\nAda,ada@example.com\nJos\xe9,jose@example.com\nAl,al@example.com\n"
    )
    reports = await run_import(database, ctx, content)
    assert results(reports) == [
        (1, "ada@example.com", "created", ""),
        (2, "row 2", "error", "the row is not UTF-8 text (byte 0xe9 at position 3)"),
        (3, "al@example.com", "created", ""),
    ]


async def test_skip_mode_skips_customers_that_exist_in_the_store_or_earlier_in_the_file(
    factory: Factory, database: Database
) -> None:
    ctx = await factory.store()
    ada = await factory.customer(ctx, first_name="Ada", email="Ada@Example.com")
    carded = await factory.customer(ctx, first_name="Card", loyalty_card_number="CARD-1")
    content = (
        "first_name,email,loyalty_card_number\n"
        "Changed,ADA@example.com ,\n"
        "Other,other@example.com,CARD-1\n"
        "New,new@example.com,CARD-2\n"
        "Second,NEW@example.com,\n"
        "Third,third@example.com,CARD-2\n"
    )
    reports = await run_import(database, ctx, content, batch_size=3)
    assert results(reports) == [
        (1, "ADA@example.com", "skipped", EMAIL_TAKEN),
        (2, "other@example.com", "skipped", CARD_TAKEN),
        (3, "new@example.com", "created", ""),
        # the first of two rows wins, in the same batch or in a batch after it
        (4, "NEW@example.com", "skipped", EMAIL_TAKEN),
        (5, "third@example.com", "skipped", CARD_TAKEN),
    ]
    reports = await run_import(database, ctx, content, batch_size=100)
    assert results(reports)[3:] == [
        (4, "NEW@example.com", "skipped", EMAIL_TAKEN),
        (5, "third@example.com", "skipped", CARD_TAKEN),
    ]
    customers = await stored(database, ctx)
    assert len(customers) == 3
    assert by_email(customers)["ada@example.com"].first_name == "Ada"
    assert {c.id for c in customers} >= {ada.id, carded.id}


async def test_in_one_batch_the_first_of_two_rows_wins(
    factory: Factory, database: Database
) -> None:
    ctx = await factory.store()
    content = "first_name,email\nFirst,dup@example.com\nSecond,DUP@example.com\n"
    reports = await run_import(database, ctx, content)
    assert results(reports) == [
        (1, "dup@example.com", "created", ""),
        (2, "DUP@example.com", "skipped", "same e-mail as row 1, which was imported"),
    ]
    (customer,) = await stored(database, ctx)
    assert customer.first_name == "First"


async def test_upsert_mode_updates_the_fields_given_only(
    client: httpx.AsyncClient, factory: Factory, database: Database
) -> None:
    ctx = await factory.store(country="DE")
    ada = await factory.customer(
        ctx,
        first_name="Ada",
        last_name="Lovelace",
        email="ada@example.com",
        phone="+44 20 7946 0018",
        company={"name": "Engines Ltd", "tax_id": "GB1"},
        consents={"agreement1": True},
    )
    carded = await factory.customer(ctx, first_name="Card", loyalty_card_number="CARD-1")
    content = (
        "first_name,email,loyalty_card_number,company_name,phone,is_active\n"
        "Augusta,ADA@example.com,,Analytical Ltd,,\n"
        "Cardholder,card@example.com,CARD-1,,,false\n"
        "New,new@example.com,,,,\n"
        "Newer,new@example.com,,,0151 2345678,\n"
        "Augusta,ada@example.com,,,,\n"
        "Clash,ada@example.com,CARD-1,,,\n"
        "Bad phone,ada@example.com,,,123,\n"
    )
    reports = await run_import(database, ctx, content, mode=Mode.upsert)
    assert results(reports) == [
        (1, "ADA@example.com", "updated", "company, email, first_name"),
        (2, "card@example.com", "updated", "email, first_name, is_active"),
        (3, "new@example.com", "created", ""),
        (4, "new@example.com", "updated", "first_name, phone"),
        (5, "ada@example.com", "updated", "email"),
        (6, "ada@example.com", "error", f"loyalty_card_number: {CARD_TAKEN}"),
        (7, "ada@example.com", "error", BAD_PHONE),
    ]
    customers = by_email(await stored(database, ctx))
    updated = customers["ada@example.com"]
    assert updated.id == ada.id
    assert (updated.first_name, updated.last_name) == ("Augusta", "Lovelace")
    assert updated.phone_e164 == "+442079460018"  # not given: kept
    # a CSV's company columns are separate cells: the tax id not given is kept
    assert (updated.company_name, updated.company_tax_id) == ("Analytical Ltd", "GB1")
    assert updated.consents["agreement1"]["granted"] is True
    assert updated.sort_name == "augusta lovelace"
    assert updated.version == 2  # one UPDATE for the batch, whatever the rows
    card = customers["card@example.com"]
    assert (card.id, card.first_name, card.is_active) == (carded.id, "Cardholder", False)
    new = customers["new@example.com"]
    assert (new.first_name, new.phone_e164) == ("Newer", "+491512345678")
    listed = await client.get(f"{ctx.base}/customers", headers=ctx.seller.headers)
    assert listed.json()["pagination"]["total"] == 3  # the store's kept count follows

    events = await client.get(f"{ctx.base}/customers/{ada.id}/events", headers=ctx.admin.headers)
    latest = events.json()["data"][0]
    assert (latest["action"], latest["fields"]) == ("updated", ["company", "email", "first_name"])

    again = await run_import(database, ctx, content, mode=Mode.upsert)
    # rows 1 and 5 (and 3 and 4) undo each other; row 2 finds its values already there
    assert [r.result.value for r in again][:5] == ["updated", "skipped", *["updated"] * 3]
    assert again[1].message == "no changes"


async def test_upsert_from_json_lines_writes_company_as_a_whole(
    factory: Factory, database: Database
) -> None:
    ctx = await factory.store()
    await factory.customer(ctx, email="ada@example.com", company={"name": "A", "tax_id": "T"})
    content = '{"email": "ada@example.com", "company": {"name": "B"}, "labels": null}\n'
    reports = await run_import(database, ctx, content, Format.jsonl, Mode.upsert)
    assert results(reports) == [(1, "ada@example.com", "updated", "company")]
    (customer,) = await stored(database, ctx)
    assert (customer.company_name, customer.company_tax_id) == ("B", None)


async def test_rows_without_email_or_card_are_never_imported_twice(
    factory: Factory, database: Database
) -> None:
    ctx = await factory.store(country="DE")
    content = (
        "first_name,last_name,phone\n"
        "Walk,In,0151 2345678\n"
        "Walk,In,0151 2345678\n"
        " Walk ,In,0151 2345678\n"
        "Walk,Out,\n"
    )
    first = await run_import(database, ctx, content)
    same = "already imported: a customer with the same content exists"
    assert results(first) == [
        (1, "row 1", "created", ""),
        (2, "row 2", "skipped", same),
        (3, "row 3", "skipped", same),  # the same content once trimmed
        (4, "row 4", "created", ""),
    ]
    for mode in Mode:
        again = await run_import(database, ctx, content, mode=mode)
        assert summary_of(again) == {"created": 0, "updated": 0, "skipped": 4, "errors": 0}
    assert len(await stored(database, ctx)) == 2
    # the id depends on the store: another store gets its own customers
    other = await factory.store(country="DE")
    await run_import(database, other, content)
    assert {c.id for c in await stored(database, other)}.isdisjoint(
        {c.id for c in await stored(database, ctx)}
    )


async def test_an_interrupted_import_resumes_without_duplicates(
    factory: Factory, database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    ctx = await factory.store()
    lines = [f"Name{i},c{i}@example.com,,," for i in range(7)]
    lines += ["Walk,,,In,", "Card,,CARD-9,,"]
    content = "first_name,email,loyalty_card_number,last_name,title\n" + "\n".join(lines) + "\n"

    real = importer._import_batch
    calls = 0

    async def dies_after_two(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls > 2:
            raise ConnectionError("the process was killed")
        return await real(*args, **kwargs)

    monkeypatch.setattr(importer, "_import_batch", dies_after_two)
    with pytest.raises(ConnectionError):
        await run_import(database, ctx, content, batch_size=2)
    assert len(await stored(database, ctx)) == 4  # two committed batches
    monkeypatch.undo()

    reports = await run_import(database, ctx, content, batch_size=2)
    assert summary_of(reports) == {"created": 5, "updated": 0, "skipped": 4, "errors": 0}
    customers = await stored(database, ctx)
    assert len(customers) == 9
    assert sorted(c.first_name or "" for c in customers) == sorted(
        [f"Name{i}" for i in range(7)] + ["Walk", "Card"]
    )
    again = await run_import(database, ctx, content, batch_size=2)
    assert summary_of(again)["skipped"] == 9


async def test_a_deleted_customers_email_can_be_imported_again(
    client: httpx.AsyncClient, factory: Factory, database: Database
) -> None:
    ctx = await factory.store()
    old = await factory.customer(ctx, email="ada@example.com")
    deleted = await client.delete(f"{ctx.base}/customers/{old.id}", headers=ctx.admin.headers)
    assert deleted.status_code == 204
    reports = await run_import(database, ctx, "first_name,email\nAda,ada@example.com\n")
    assert results(reports) == [(1, "ada@example.com", "created", "")]
    assert len(await stored(database, ctx)) == 2


async def test_a_price_list_must_be_an_active_one_of_the_store(
    client: httpx.AsyncClient, factory: Factory, database: Database
) -> None:
    ctx, other = await factory.store(), await factory.store()
    made = {}
    for name, store, active in (
        ("active", ctx, True),
        ("inactive", ctx, False),
        ("other", other, True),
    ):
        response = await client.post(
            f"{store.base}/price-lists",
            json={"name": name, "is_active": active},
            headers=store.admin.headers,
        )
        assert response.status_code == 201, response.text
        made[name] = response.json()["id"]
    content = "email,default_price_list_id\n" + "".join(
        f"{name}@example.com,{made[name]}\n" for name in ("active", "inactive", "other")
    )
    reports = await run_import(database, ctx, content)
    message = "default_price_list_id: no active price list with this id in the store"
    assert results(reports) == [
        (1, "active@example.com", "created", ""),
        (2, "inactive@example.com", "error", message),
        (3, "other@example.com", "error", message),
    ]


async def test_json_lines_rows(factory: Factory, database: Database) -> None:
    ctx = await factory.store()
    content = (
        '{"first_name": "Ada", "email": "ada@example.com", "company": {"name": "Engines"},'
        ' "id": "ignored", "created_at": "ignored"}\n'
        "\n"
        "{not json\n"
        '["a list"]\n'
        '{"first_name": "Al", "nickname": "Al"}\n'
        '{"first_name": "Grace", "consents": {"agreement1": true}, "labels": [{"key": "x"}]}\n'
    )
    reports = await run_import(database, ctx, content, Format.jsonl)
    assert [(r.row, r.identifier, r.result.value) for r in reports] == [
        (1, "ada@example.com", "created"),
        (3, "row 3", "error"),
        (4, "row 4", "error"),
        (5, "row 5", "error"),
        (6, "row 6", "created"),
    ]
    assert reports[1].message.startswith("the line is not valid JSON: ")
    assert reports[2].message == "the line is not a JSON object"
    assert reports[3].message == "nickname: Extra inputs are not permitted"
    customers = await stored(database, ctx)
    assert [c.company_name for c in customers] == ["Engines", None]
    assert customers[1].consents["agreement1"]["granted"] is True


async def test_a_customer_added_meanwhile_is_skipped_not_an_error(
    factory: Factory, database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Between the batch's lookup and its INSERT another writer adds the same e-mail: the
    INSERT's ON CONFLICT DO NOTHING skips it (simulated by a lookup that sees nothing)."""
    ctx = await factory.store()
    await factory.customer(ctx, email="raced@example.com")

    async def sees_nothing(*args: Any, **kwargs: Any) -> list[Any]:
        return []

    monkeypatch.setattr(importer, "_existing", sees_nothing)
    content = "first_name,email\nRaced,raced@example.com\nFresh,fresh@example.com\n"
    reports = await run_import(database, ctx, content)
    assert results(reports) == [
        (1, "raced@example.com", "skipped", importer.RACED),
        (2, "fresh@example.com", "created", ""),
    ]
    assert len(await stored(database, ctx)) == 2


async def test_a_batch_that_meets_a_concurrent_change_is_tried_again(
    factory: Factory, database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    ctx = await factory.store()
    await factory.customer(ctx, first_name="Old", email="ada@example.com")
    real = importer._write_batch
    calls = 0

    async def conflicts_once(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        reports = await real(*args, **kwargs)
        if calls == 1:
            raise IntegrityError("UPDATE", {}, Exception("unique"))
        return reports

    monkeypatch.setattr(importer, "_write_batch", conflicts_once)
    content = "first_name,email\nNew,ada@example.com\nMore,more@example.com\n"
    reports = await run_import(database, ctx, content, mode=Mode.upsert)
    assert results(reports) == [
        (1, "ada@example.com", "updated", "first_name"),
        (2, "more@example.com", "created", ""),
    ]
    customers = by_email(await stored(database, ctx))
    assert customers["ada@example.com"].first_name == "New"
    assert customers["ada@example.com"].version == 2
    assert len(customers) == 2

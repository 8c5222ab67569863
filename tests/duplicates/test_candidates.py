"""Duplicate candidates: each reason, its score, "not a duplicate", scans, other stores."""

import datetime
import uuid

import httpx

from clientbook.duplicates.candidates import PER_KEY, Person, judge
from clientbook.duplicates.checks import run_checks
from clientbook.duplicates.scan import SIMILAR_PER_KEY, run_scans
from clientbook.duplicates.similarity import similarity
from clientbook.kit.db import Database
from tests.factories import Factory, StoreCtx


async def _read(client: httpx.AsyncClient, ctx: StoreCtx, customer_id: object) -> dict:
    response = await client.get(
        f"{ctx.base}/duplicates",
        params={"customer_id": str(customer_id)},
        headers=ctx.seller.headers,
    )
    assert response.status_code == 200, response.text
    return response.json()


async def _check_all(database: Database) -> int:
    """Run the background check until the queue is empty (other tests queue theirs too)."""
    taken = 0
    while found := await run_checks(database):
        taken += found
    return taken


async def _candidates(client: httpx.AsyncClient, ctx: StoreCtx, customer_id: object) -> dict:
    return {c["customer_id"]: c for c in (await _read(client, ctx, customer_id))["data"]}


def test_similarity_counts_trigrams_as_pg_trgm() -> None:
    assert similarity("anna kowalska", "anna kowalska") == 1.0
    assert similarity("word", "two words") == 0.36363636363636365  # pg_trgm's documented value
    assert similarity("anna kowalska", "ana kowalska") > 0.5
    assert similarity("anna kowalska", "piotr nowak") < 0.1


async def test_each_reason_is_found_and_scored(
    client: httpx.AsyncClient, factory: Factory, database: Database
) -> None:
    ctx = await factory.store(country="PL")
    me = await factory.customer(
        ctx,
        first_name="Anna",
        last_name="Kowalska",
        email="anna@shop.example",
        phone="+48 601 234 567",
        birth_date="1990-04-01",
        loyalty_card_number="0012-3456",
    )
    phone = await factory.customer(ctx, first_name="Jan", last_name="Nowak", phone="601234567")
    birth = await factory.customer(
        ctx, first_name="anna", last_name="KOWALSKA", birth_date="1990-04-01"
    )
    card = await factory.customer(ctx, first_name="Other", loyalty_card_number="123456")
    domain = await factory.customer(
        ctx, first_name="Ana", last_name="Kowalska", email="ana.k@shop.example"
    )
    stranger = await factory.customer(ctx, first_name="Piotr", last_name="Zielinski")
    # The exact keys are found as the customers are written; the similar name only by
    # the background check, which the answer says is still to come.
    before = await _read(client, ctx, domain.id)
    assert before["pending"] is True
    assert str(me.id) not in {c["customer_id"] for c in before["data"]}
    assert await _check_all(database) >= 6
    assert (await _read(client, ctx, domain.id))["pending"] is False
    found = await _candidates(client, ctx, me.id)
    assert found[str(phone.id)]["reasons"] == ["same_phone"]
    assert found[str(phone.id)]["score"] == 0.5
    assert "same_name_and_birth_date" in found[str(birth.id)]["reasons"]
    assert found[str(card.id)]["reasons"] == ["same_loyalty_card"]
    assert found[str(domain.id)]["reasons"] == ["similar_name_same_email_domain"]
    assert str(stranger.id) not in found
    scores = [c["score"] for c in found.values()]
    assert scores == sorted(scores, reverse=True)


async def test_similar_name_at_the_same_post_code(
    client: httpx.AsyncClient, factory: Factory, database: Database
) -> None:
    ctx = await factory.store()
    a = await factory.customer(
        ctx, first_name="Katarzyna", last_name="Wisniewska", email="kw@one.example"
    )
    b = await factory.customer(
        ctx, first_name="Katarzyna", last_name="Wisniewski", email="kw@two.example"
    )
    for customer, city in ((a, "Gdansk"), (b, "GDANSK")):
        added = await client.post(
            f"{ctx.base}/customers/{customer.id}/addresses",
            json={"city": city, "postal_code": "80-001 " if customer is a else "80-001"},
            headers=ctx.seller.headers,
        )
        assert added.status_code == 201, added.text
    await _check_all(database)  # the new address queued each customer's check
    found = await _candidates(client, ctx, a.id)
    assert found[str(b.id)]["reasons"] == ["similar_name_same_postal_code"]
    assert (await _candidates(client, ctx, b.id))[str(a.id)]["score"] == 0.35


async def test_a_changed_customer_is_checked_again(
    client: httpx.AsyncClient, factory: Factory, database: Database
) -> None:
    ctx = await factory.store(country="PL")
    a = await factory.customer(
        ctx, first_name="Magdalena", last_name="Lewandowska", email="ml@firma.example"
    )
    b = await factory.customer(ctx, first_name="Tomasz", last_name="Lewandowski", email="t@x.pl")
    await _check_all(database)
    assert await _candidates(client, ctx, a.id) == {}
    changed = await client.patch(
        f"{ctx.base}/customers/{b.id}",
        json={"first_name": "Magda", "email": "magda@firma.example"},
        headers=ctx.seller.headers,
    )
    assert changed.status_code == 200, changed.text
    assert (await _read(client, ctx, b.id))["pending"] is True
    await _check_all(database)
    assert (await _candidates(client, ctx, a.id))[str(b.id)]["reasons"] == [
        "similar_name_same_email_domain"
    ]
    # Written again elsewhere: the check drops the pair it no longer finds.
    moved = await client.patch(
        f"{ctx.base}/customers/{b.id}",
        json={"email": "magda@other.example"},
        headers=ctx.seller.headers,
    )
    assert moved.status_code == 200, moved.text
    await _check_all(database)
    assert await _candidates(client, ctx, a.id) == {}
    listed = await client.get(f"{ctx.base}/duplicates", headers=ctx.seller.headers)
    assert listed.json()["data"] == []


async def test_a_scan_finds_similar_names_by_domain_and_post_code(
    client: httpx.AsyncClient, factory: Factory, database: Database
) -> None:
    ctx = await factory.store()
    a = await factory.customer(
        ctx, first_name="Jonathan", last_name="Smithers", email="j@a.example"
    )
    b = await factory.customer(
        ctx, first_name="Jonathon", last_name="Smithers", email="s@a.example"
    )
    c = await factory.customer(
        ctx, first_name="Beatrix", last_name="Kowalczyk", email="b@1.example"
    )
    d = await factory.customer(
        ctx, first_name="Beatrix", last_name="Kowalczik", email="b@2.example"
    )
    other = await factory.customer(ctx, first_name="Jonathan", last_name="Smithers")
    for customer in (c, d):
        added = await client.post(
            f"{ctx.base}/customers/{customer.id}/addresses",
            json={"city": "Poznan", "postal_code": "61-001"},
            headers=ctx.seller.headers,
        )
        assert added.status_code == 201, added.text
    # Written past the service (a bulk load): no check queued, no pair stored.
    async with database.transaction() as session:
        from sqlalchemy import delete

        from clientbook.models import DuplicateCheck, DuplicatePair

        await session.execute(delete(DuplicatePair).where(DuplicatePair.store_id == ctx.id))
        await session.execute(delete(DuplicateCheck).where(DuplicateCheck.store_id == ctx.id))
    started = await client.post(f"{ctx.base}/duplicates/scans", headers=ctx.admin.headers)
    await run_scans(database)
    polled = await client.get(started.json()["links"]["self"], headers=ctx.admin.headers)
    assert polled.json()["status"] == "done"
    listed = await client.get(f"{ctx.base}/duplicates", headers=ctx.seller.headers)
    pairs = {frozenset(p["customer_ids"]): p["reasons"] for p in listed.json()["data"]}
    assert pairs == {
        frozenset({str(a.id), str(b.id)}): ["similar_name_same_email_domain"],
        frozenset({str(c.id), str(d.id)}): ["similar_name_same_postal_code"],
    }
    assert str(other.id) not in await _candidates(client, ctx, a.id)  # no e-mail, no address


async def test_written_duplicates_are_stored_and_can_be_dismissed(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store(country="DE")
    a = await factory.customer(ctx, phone="+49 30 1234567")
    b = await factory.customer(ctx, phone="030 1234567")  # found as it is written
    listed = await client.get(f"{ctx.base}/duplicates", headers=ctx.seller.headers)
    assert listed.status_code == 200
    pairs = listed.json()["data"]
    assert [sorted(p["customer_ids"]) for p in pairs] == [sorted([str(a.id), str(b.id)])]
    assert "same_phone" in pairs[0]["reasons"]
    dismissed = await client.post(
        f"{ctx.base}/duplicates/dismissals",
        json={"customer_ids": [str(b.id), str(a.id)]},
        headers=ctx.seller.headers,
    )
    assert dismissed.status_code == 200, dismissed.text
    assert dismissed.json()["status"] == "dismissed"
    assert (await client.get(f"{ctx.base}/duplicates", headers=ctx.seller.headers)).json()[
        "data"
    ] == []
    assert await _candidates(client, ctx, a.id) == {}
    kept = await client.get(
        f"{ctx.base}/duplicates", params={"status": "dismissed"}, headers=ctx.seller.headers
    )
    assert len(kept.json()["data"]) == 1
    same = await client.post(
        f"{ctx.base}/duplicates/dismissals",
        json={"customer_ids": [str(a.id), str(a.id)]},
        headers=ctx.seller.headers,
    )
    assert same.status_code == 422
    assert same.json()["errors"][0]["field"] == "customer_ids"


async def test_a_number_shared_by_more_than_per_key_customers_is_no_evidence(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    """A shop's own number given for walk-in customers: up to PER_KEY customers holding
    it are candidates of each other; one more, and the number pairs no one new."""
    ctx = await factory.store(country="DE")
    sharing = [await factory.customer(ctx, phone="030 1234567") for _ in range(PER_KEY)]
    last = await _candidates(client, ctx, sharing[-1].id)
    assert last
    assert all("same_phone" in c["reasons"] for c in last.values())
    one_more = await factory.customer(
        ctx,
        first_name="Zygmunt",
        last_name="Ostrowski",
        email="z@elsewhere.example",
        phone="+49 30 1234567",
    )
    assert await _candidates(client, ctx, one_more.id) == {}
    listed = await client.get(
        f"{ctx.base}/duplicates", params={"limit": 100}, headers=ctx.seller.headers
    )
    assert listed.status_code == 200, listed.text
    assert not any(str(one_more.id) in p["customer_ids"] for p in listed.json()["data"])


async def test_another_stores_customers_are_never_candidates(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx, other = await factory.store(), await factory.store()
    mine = await factory.customer(ctx, first_name="Eve", phone="+33 6 12 34 56 78")
    theirs = await factory.customer(other, first_name="Eve", phone="+33 6 12 34 56 78")
    assert await _candidates(client, ctx, mine.id) == {}
    elsewhere = await client.get(
        f"{ctx.base}/duplicates", params={"customer_id": str(theirs.id)}, headers=ctx.owner.headers
    )
    assert elsewhere.status_code == 404
    dismiss = await client.post(
        f"{ctx.base}/duplicates/dismissals",
        json={"customer_ids": [str(mine.id), str(theirs.id)]},
        headers=ctx.owner.headers,
    )
    assert dismiss.status_code == 404


async def test_a_scan_finds_pairs_written_past_the_service(
    client: httpx.AsyncClient, factory: Factory, database: Database
) -> None:
    ctx = await factory.store()
    a = await factory.customer(ctx, first_name="Ola", last_name="Lis", birth_date="1980-01-02")
    b = await factory.customer(ctx, first_name="Ola", last_name="Lis")
    c = await factory.customer(ctx, loyalty_card_number="A-77")
    d = await factory.customer(ctx, loyalty_card_number="77")
    # b's birth date arrives by a path that does not look for duplicates (a bulk load).
    async with database.transaction() as session:
        from sqlalchemy import delete, update

        from clientbook.models import Customer, DuplicatePair

        await session.execute(
            update(Customer).where(Customer.id == b.id).values(birth_date=a.birth_date)
        )
        await session.execute(delete(DuplicatePair).where(DuplicatePair.store_id == ctx.id))
    started = await client.post(f"{ctx.base}/duplicates/scans", headers=ctx.admin.headers)
    assert started.status_code == 202, started.text
    scan = started.json()
    assert scan["status"] == "queued"
    assert scan["progress"] == 0
    again = await client.post(f"{ctx.base}/duplicates/scans", headers=ctx.admin.headers)
    assert again.json()["id"] == scan["id"]
    await run_scans(database)
    polled = await client.get(scan["links"]["self"], headers=ctx.admin.headers)
    assert polled.json()["status"] == "done"
    assert polled.json()["progress"] == 1.0
    listed = await client.get(f"{ctx.base}/duplicates", headers=ctx.seller.headers)
    pairs = {frozenset(p["customer_ids"]): p["reasons"] for p in listed.json()["data"]}
    assert "same_name_and_birth_date" in pairs[frozenset({str(a.id), str(b.id)})]
    # "A77" and "77" differ (both are "Test Customer" at example.com: a similar name)
    assert "same_loyalty_card" not in pairs.get(frozenset({str(c.id), str(d.id)}), [])
    seller = await client.post(f"{ctx.base}/duplicates/scans", headers=ctx.seller.headers)
    assert seller.status_code == 403


def test_judge_needs_both_names_for_the_birth_date_reason() -> None:
    born = datetime.date(1990, 1, 1)
    a = Person(uuid.uuid4(), "", "", "", born, None, None, None)
    b = Person(uuid.uuid4(), "", "", "", born, None, None, None)
    assert judge(a, b) is None


async def test_an_erased_or_merged_customer_is_no_longer_checked(
    client: httpx.AsyncClient, factory: Factory, database: Database
) -> None:
    ctx = await factory.store()
    erased = await factory.customer(ctx, first_name="Zofia", last_name="Mazur")
    merged = await factory.customer(ctx, first_name="Zofia", last_name="Mazurek")
    survivor = await factory.customer(ctx, first_name="Zofia", last_name="Mazurkiewicz")
    gone = await client.post(f"{ctx.base}/customers/{erased.id}/erase", headers=ctx.admin.headers)
    assert gone.status_code == 200, gone.text
    done = await client.post(
        f"{ctx.base}/customers/{survivor.id}/merge",
        json={"from": [str(merged.id)], "preview": False},
        headers=ctx.admin.headers,
    )
    assert done.status_code == 200, done.text
    async with database.reading() as session:
        from sqlalchemy import select

        from clientbook.models import DuplicateCheck

        queued = set(
            await session.scalars(
                select(DuplicateCheck.customer_id).where(DuplicateCheck.store_id == ctx.id)
            )
        )
    assert queued == {survivor.id}  # the merge queued the survivor again
    await _check_all(database)
    found = await _candidates(client, ctx, survivor.id)
    assert str(erased.id) not in found
    assert str(merged.id) not in found


async def test_a_scan_skips_a_similar_name_group_too_common_to_be_evidence(
    client: httpx.AsyncClient, factory: Factory, database: Database
) -> None:
    ctx = await factory.store()
    many = [
        await factory.customer(
            ctx, first_name="Maria", last_name="Garcia", email=f"m{n}@big.example"
        )
        for n in range(SIMILAR_PER_KEY + 1)
    ]
    few = [
        await factory.customer(
            ctx, first_name="Ines", last_name="Garcia", email=f"i{n}@big.example"
        )
        for n in range(2)
    ]
    async with database.transaction() as session:
        from sqlalchemy import delete

        from clientbook.models import DuplicateCheck, DuplicatePair

        await session.execute(delete(DuplicatePair).where(DuplicatePair.store_id == ctx.id))
        await session.execute(delete(DuplicateCheck).where(DuplicateCheck.store_id == ctx.id))
    await client.post(f"{ctx.base}/duplicates/scans", headers=ctx.admin.headers)
    await run_scans(database)
    listed = await client.get(f"{ctx.base}/duplicates", headers=ctx.seller.headers)
    pairs = {frozenset(p["customer_ids"]) for p in listed.json()["data"]}
    assert pairs == {frozenset({str(few[0].id), str(few[1].id)})}
    assert not any(str(m.id) in pair for m in many for pair in pairs)


async def test_a_check_changes_nothing_but_the_pairs(
    client: httpx.AsyncClient, factory: Factory, database: Database
) -> None:
    """The background check runs beside clients' edits: it must not touch the customers
    it compares (a changed version would fail their next If-Match)."""
    ctx = await factory.store(country="PL")
    one = await factory.customer(ctx, first_name="Anna", last_name="Kowalska", phone="601234567")
    two = await factory.customer(ctx, first_name="Ana", last_name="Kowalska", phone="601234567")
    url = f"{ctx.base}/customers/{{}}"
    before = [
        (await client.get(url.format(c.id), headers=ctx.seller.headers)).json() for c in (one, two)
    ]
    await _check_all(database)
    after = [
        (await client.get(url.format(c.id), headers=ctx.seller.headers)).json() for c in (one, two)
    ]
    assert after == before
    assert str(two.id) in await _candidates(client, ctx, one.id)

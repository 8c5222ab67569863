"""Open Loyalty (seed 002): register, update, activation, SMS codes, confirm-change."""

import uuid
from typing import Any

import httpx

from clientbook.kit.db import Database
from tests.customer_accounts.outbox import last_secret, messages
from tests.factories import PASSWORD, Factory, StoreCtx
from tests.surfaces.test_openloyalty import FORM, api, bearer, ol_store, signed_in_customer

EMPTY_ADDRESS = {
    "children": {
        name: {}
        for name in ("street", "address1", "address2", "postal", "city", "province", "country")
    }
}
EMPTY_COMPANY = {"children": {"name": {}, "nip": {}}}


def form_children(labels: bool, **errors: Any) -> dict[str, Any]:
    """The document's 400 form, every child empty unless given its errors."""
    names = ["firstName", "lastName", "gender", "email", "phone", "birthDate", "createdAt"]
    children: dict[str, Any] = {name: {} for name in names}
    children["address"] = EMPTY_ADDRESS
    children["company"] = EMPTY_COMPANY
    children["loyaltyCardNumber"] = {}
    if labels:
        children["labels"] = {}
    for name in ("agreement1", "agreement2", "agreement3", "levelId", "posId", "sellerId"):
        children[name] = {}
    for name, messages_ in errors.items():
        children[name] = {"errors": messages_}
    return {"form": {"children": children}, "errors": []}


async def _post_form(
    client: httpx.AsyncClient, url: str, headers: dict[str, str], pairs: list[tuple[str, str]]
) -> httpx.Response:
    return await client.post(url, data=dict(pairs), headers={**FORM, **headers})


async def _details(client: httpx.AsyncClient, ctx: StoreCtx, customer_id: str) -> dict[str, Any]:
    found = await client.get(api(ctx, f"/customer/{customer_id}"), headers=ctx.admin.headers)
    assert found.status_code == 200, found.text
    body: dict[str, Any] = found.json()
    return body


# --- registration ---------------------------------------------------------------------


async def test_register_documented_examples(client: httpx.AsyncClient, factory: Factory) -> None:
    ctx = await ol_store(factory)
    short = await _post_form(
        client,
        api(ctx, "/customer/register"),
        ctx.admin.headers,
        [
            ("customer[firstName]", "John"),
            ("customer[lastName]", "Kowalski"),
            ("customer[email]", "john4@example.com"),
            ("customer[phone]", "000000005000"),
            ("customer[agreement1]", "1"),
        ],
    )
    assert short.status_code == 200, short.text
    assert set(short.json()) == {"customerId", "email"}
    assert short.json()["email"] == "john4@example.com"
    first = await _details(client, ctx, short.json()["customerId"])
    assert first["phone"] == "000000005000"
    assert first["gender"] == "not_disclosed"
    assert first["agreement1"] is True
    assert first["agreement2"] is False

    full = await _post_form(
        client,
        api(ctx, "/customer/register"),
        ctx.admin.headers,
        [
            ("customer[firstName]", "John"),
            ("customer[lastName]", "Kowalski"),
            ("customer[email]", "john3@example.com"),
            ("customer[phone]", "000000004000"),
            ("customer[birthDate]", "1990-01-01"),
            ("customer[address][street]", "Street"),
            ("customer[address][postal]", "00-000"),
            ("customer[address][city]", "Wroclaw"),
            ("customer[address][province]", "Dolnoslaskie"),
            ("customer[address][country]", "Poland"),
            ("customer[company][nip]", "111-222-33-44"),
            ("customer[company][name]", "Company name"),
            ("customer[loyaltyCardNumber]", "00000000000000002"),
            ("customer[agreement1]", "1"),
            ("customer[agreement2]", "1"),
            ("customer[agreement3]", "1"),
        ],
    )
    assert full.status_code == 200, full.text
    assert full.json()["email"] == "john3@example.com"
    body = await _details(client, ctx, full.json()["customerId"])
    assert body["address"] == {
        "street": "Street",
        "postal": "00-000",
        "city": "Wroclaw",
        "province": "Dolnoslaskie",
        "country": "PL",
    }
    assert body["company"] == {"name": "Company name", "nip": "111-222-33-44"}
    assert body["loyaltyCardNumber"] == "00000000000000002"
    assert body["birthDate"] == "1990-01-01T00:00:00+0100"
    assert [body[f"agreement{i}"] for i in (1, 2, 3)] == [True, True, True]
    assert body["status"]["state"] == "with-card"

    empty = await client.post(api(ctx, "/customer/register"), headers={**FORM, **ctx.admin.headers})
    assert empty.status_code == 400, empty.text
    assert empty.json() == form_children(labels=False)


async def test_register_as_admin_and_seller_documented(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await ol_store(factory)
    admin = await _post_form(
        client,
        api(ctx, "/admin/customer/register"),
        ctx.admin.headers,
        [
            ("customer[firstName]", "John"),
            ("customer[lastName]", "Kowalski"),
            ("customer[email]", "john@example.com"),
            ("customer[phone]", "0665998332"),
            ("customer[agreement1]", "1"),
        ],
    )
    assert admin.status_code == 200, admin.text
    assert admin.json()["email"] == "john@example.com"
    seller = await _post_form(
        client,
        api(ctx, "/seller/customer/register"),
        ctx.seller.headers,
        [
            ("customer[firstName]", "Lady"),
            ("customer[lastName]", "Mini"),
            ("customer[email]", "test@openloyalty.com"),
            ("customer[gender]", "female"),
            ("customer[agreement1]", "1"),
        ],
    )
    assert seller.status_code == 200, seller.text
    assert seller.json()["email"] == "test@openloyalty.com"
    assert (await _details(client, ctx, seller.json()["customerId"]))["gender"] == "female"
    # A seller cannot use the admin's endpoint.
    refused = await _post_form(
        client,
        api(ctx, "/admin/customer/register"),
        ctx.seller.headers,
        [("customer[firstName]", "No")],
    )
    assert refused.status_code == 403
    assert set(refused.json()) == {"error"}


async def test_register_field_errors_in_symfony_form(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await ol_store(factory)
    url = api(ctx, "/customer/register")
    missing = await _post_form(client, url, ctx.admin.headers, [("customer[gender]", "male")])
    assert missing.status_code == 400
    assert missing.json() == form_children(
        labels=False,
        firstName=["This value should not be blank."],
        lastName=["This value should not be blank."],
        email=["This value should not be blank."],
        agreement1=["This value should be true."],
    )
    base = [
        ("customer[firstName]", "A"),
        ("customer[lastName]", "B"),
        ("customer[agreement1]", "1"),
    ]
    made = await _post_form(
        client,
        url,
        ctx.admin.headers,
        [*base, ("customer[email]", "taken@example.com"), ("customer[phone]", "600700800")],
    )
    assert made.status_code == 200, made.text
    for extra, field, message in (
        ([("customer[email]", "TAKEN@example.com")], "email", "This value is already used."),
        (
            [("customer[email]", "x1@example.com"), ("customer[phone]", "+48 600 700 800")],
            "phone",
            "This value is already used.",
        ),
        (
            [("customer[email]", "x2@example.com"), ("customer[phone]", "+440000000")],
            "phone",
            "This value is not a valid phone number.",
        ),
        ([("customer[email]", "not-an-address")], "email", None),
        ([("customer[email]", "x3@example.com"), ("customer[gender]", "robot")], "gender", None),
        (
            [("customer[email]", "x4@example.com"), ("customer[birthDate]", "soon")],
            "birthDate",
            None,
        ),
    ):
        refused = await _post_form(client, url, ctx.admin.headers, [*base, *extra])
        assert refused.status_code == 400, (extra, refused.text)
        child = refused.json()["form"]["children"][field]
        assert child["errors"], (extra, refused.text)
        if message:
            assert child["errors"] == [message]
    bad_country = await _post_form(
        client,
        url,
        ctx.admin.headers,
        [*base, ("customer[email]", "x5@example.com"), ("customer[address][country]", "Atlantis")],
    )
    assert bad_country.status_code == 400
    assert bad_country.json()["form"]["children"]["address"]["children"]["country"]["errors"]
    as_json = await client.post(
        url,
        json={
            "customer": {
                "firstName": "Jay",
                "lastName": "Son",
                "email": "json@example.com",
                "agreement1": True,
                "labels": "vip:yes;source:web",
            }
        },
        headers=ctx.admin.headers,
    )
    assert as_json.status_code == 200, as_json.text
    labels = (await _details(client, ctx, as_json.json()["customerId"]))["labels"]
    assert labels == [{"key": "vip", "value": "yes"}, {"key": "source", "value": "web"}]


# --- update ---------------------------------------------------------------------------


async def test_update_documented_examples(client: httpx.AsyncClient, factory: Factory) -> None:
    ctx = await ol_store(factory)
    customer = await factory.customer(
        ctx,
        first_name="John",
        last_name="Kowalski",
        email="john@example.com",
        phone="600700800",
        loyalty_card_number="000011",
    )
    url = api(ctx, f"/customer/{customer.id}")
    changed = await client.put(
        url,
        content="customer[email]=john4@example.com&customer[phone]=&customer[agreement2]=1",
        headers={**FORM, **ctx.admin.headers},
    )
    assert changed.status_code == 200, changed.text
    assert changed.json() == {"customerId": str(customer.id)}
    body = await _details(client, ctx, str(customer.id))
    assert body["email"] == "john4@example.com"
    assert "phone" not in body  # sent empty: removed
    assert body["agreement2"] is True
    assert body["firstName"] == "John"  # not sent: kept
    assert body["loyaltyCardNumber"] == "000011"

    bad = await client.put(
        url, content="customer[phone]=%2B440000000", headers={**FORM, **ctx.admin.headers}
    )
    assert bad.status_code == 400
    assert bad.json() == form_children(
        labels=True, phone=["This value is not a valid phone number."]
    )

    # The document's note: an emptied email is erased, a card number set, others kept.
    await client.put(
        url,
        content="customer[email]=&customer[loyaltyCardNumber]=000012",
        headers={**FORM, **ctx.admin.headers},
    )
    body = await _details(client, ctx, str(customer.id))
    assert "email" not in body
    assert body["loyaltyCardNumber"] == "000012"
    assert body["lastName"] == "Kowalski"
    # An address is replaced as a whole; labels are key:value pairs.
    await client.put(
        url,
        content="customer[address][city]=Krakow&customer[address][street]=Rynek"
        "&customer[labels]=a:1;b:2",
        headers={**FORM, **ctx.admin.headers},
    )
    await client.put(
        url, content="customer[address][city]=Gdansk", headers={**FORM, **ctx.admin.headers}
    )
    body = await _details(client, ctx, str(customer.id))
    assert body["address"] == {"city": "Gdansk"}
    assert body["labels"] == [{"key": "a", "value": "1"}, {"key": "b", "value": "2"}]
    # By card number too.
    by_card = await client.put(
        api(ctx, "/customer/000012"),
        content="customer[firstName]=Jan",
        headers={**FORM, **ctx.seller.headers},
    )
    assert by_card.status_code == 200, by_card.text
    assert (await _details(client, ctx, str(customer.id)))["firstName"] == "Jan"


async def test_customer_updates_itself_and_confirms_a_new_phone(
    client: httpx.AsyncClient, factory: Factory, database: Database
) -> None:
    ctx = await ol_store(factory)
    me, token = await signed_in_customer(
        factory, ctx, email="me@example.com", phone="600100200", first_name="Me"
    )
    other, _ = await signed_in_customer(factory, ctx)
    url = api(ctx, f"/customer/{me}")
    changed = await client.put(
        url,
        content="customer[firstName]=Maja&customer[email]=me@example.com&customer[phone]=600100300",
        headers={**FORM, **bearer(token)},
    )
    assert changed.status_code == 200, changed.text
    body = await _details(client, ctx, me)
    assert body["firstName"] == "Maja"
    assert body["phone"] == "600100200"  # not until confirmed
    sms = await last_secret(database, ctx.id, "customer_contact_change")
    assert sms["to"] == "+48600100300"
    wrong = await client.post(
        api(ctx, "/customer/confirm-change/000000"), headers={**FORM, **bearer(token)}
    )
    assert wrong.status_code == 400
    confirmed = await client.post(
        api(ctx, f"/customer/confirm-change/{sms['code']}"), headers={**FORM, **bearer(token)}
    )
    assert confirmed.status_code == 204, confirmed.text
    assert confirmed.content == b""
    assert (await _details(client, ctx, me))["phone"] == "+48600100300"
    forbidden = await client.put(
        url, content="customer[loyaltyCardNumber]=999", headers={**FORM, **bearer(token)}
    )
    assert forbidden.status_code == 403
    another = await client.put(
        api(ctx, f"/customer/{other}"),
        content="customer[firstName]=X",
        headers={**FORM, **bearer(token)},
    )
    assert another.status_code == 403
    staff = await client.post(
        api(ctx, "/customer/confirm-change/123456"), headers={**FORM, **ctx.admin.headers}
    )
    assert staff.status_code == 403


# --- activation -------------------------------------------------------------------------


async def _pending(client: httpx.AsyncClient, ctx: StoreCtx, **body: str) -> None:
    made = await client.post(
        f"{ctx.base}/customer-auth/register", json={**body, "password": PASSWORD}
    )
    assert made.status_code == 202, made.text


async def _can_sign_in(client: httpx.AsyncClient, ctx: StoreCtx, username: str) -> bool:
    signed = await client.post(
        api(ctx, "/customer/login_check"), data={"username": username, "password": PASSWORD}
    )
    return signed.status_code == 200


async def test_activate_by_link_token_and_by_sms_code(
    client: httpx.AsyncClient, factory: Factory, database: Database
) -> None:
    ctx = await ol_store(factory)
    await _pending(client, ctx, email="link@example.com")
    mail = await last_secret(database, ctx.id, "customer_activation")
    assert not await _can_sign_in(client, ctx, "link@example.com")
    bad = await client.post(api(ctx, "/customer/activate/abcde"), headers=FORM)
    assert bad.status_code == 400
    assert set(bad.json()) == {"error"}
    done = await client.post(api(ctx, f"/customer/activate/{mail['token']}"), headers=FORM)
    assert done.status_code == 200, done.text
    assert done.content == b""
    assert await _can_sign_in(client, ctx, "link@example.com")

    await _pending(client, ctx, phone="601 000 111")
    await _pending(client, ctx, phone="601 000 222")
    sms = await last_secret(database, ctx.id, "customer_activation")
    assert sms["to"] == "+48601000222"
    wrong = "000000" if sms["code"] != "000000" else "111111"
    refused = await client.post(api(ctx, f"/customer/activate-sms/{wrong}"), headers=FORM)
    assert refused.status_code == 400
    ok = await client.post(api(ctx, f"/customer/activate-sms/{sms['code']}"), headers=FORM)
    assert ok.status_code == 204, ok.text
    assert ok.content == b""
    assert await _can_sign_in(client, ctx, "601000222")
    assert not await _can_sign_in(client, ctx, "601000111")
    again = await client.post(api(ctx, f"/customer/activate-sms/{sms['code']}"), headers=FORM)
    assert again.status_code == 400
    # Another store's code does nothing here.
    elsewhere = await ol_store(factory)
    other = await client.post(api(elsewhere, f"/customer/activate-sms/{sms['code']}"), headers=FORM)
    assert other.status_code == 400


async def test_send_sms_code_as_admin_seller_and_customer(
    client: httpx.AsyncClient, factory: Factory, database: Database
) -> None:
    ctx = await ol_store(factory)
    me, token = await signed_in_customer(factory, ctx, phone="+48234234000")
    for path, headers in (
        (f"/admin/customer/{me}/send-sms-code", ctx.admin.headers),
        (f"/seller/customer/{me}/send-sms-code", ctx.seller.headers),
        ("/customer/customer-phone/send-sms-code", bearer(token)),
    ):
        before = len(await messages(database, ctx.id, "customer_activation"))
        sent = await client.post(api(ctx, path), headers={**FORM, **headers})
        assert sent.status_code == 200, (path, sent.text)
        assert sent.content == b""
        found = await messages(database, ctx.id, "customer_activation")
        assert len(found) == before + 1
        assert found[-1].recipient == "+48234234000"
        assert found[-1].channel == "sms"
    no_phone = await factory.customer(ctx, email="nophone@example.com")
    refused = await client.post(
        api(ctx, f"/admin/customer/{no_phone.id}/send-sms-code"),
        headers={**FORM, **ctx.admin.headers},
    )
    assert refused.status_code == 400
    assert "phone" in refused.json()["error"]
    missing = await client.post(
        api(ctx, f"/seller/customer/{uuid.uuid4()}/send-sms-code"),
        headers={**FORM, **ctx.seller.headers},
    )
    assert missing.status_code == 404


async def test_racing_registrations_and_pushy_tokens_never_500(
    client: httpx.AsyncClient, factory: Factory, database: Database
) -> None:
    import asyncio

    ctx = await ol_store(factory)

    async def register(n: int) -> httpx.Response:
        return await client.post(
            api(ctx, "/customer/register"),
            data={
                "customer[firstName]": "Race",
                "customer[lastName]": f"R{n}",
                "customer[email]": "RACE@example.com" if n % 2 else "race@example.com",
                "customer[agreement1]": "1",
            },
            headers={**FORM, **ctx.admin.headers},
        )

    answers = await asyncio.gather(*(register(n) for n in range(12)))
    statuses = sorted(a.status_code for a in answers)
    assert statuses.count(200) == 1, statuses
    assert set(statuses) <= {200, 400}, statuses
    refused = next(a for a in answers if a.status_code == 400)
    assert refused.json()["form"]["children"]["email"]["errors"] == ["This value is already used."]
    customer = await factory.customer(ctx)

    async def add(token: str) -> httpx.Response:
        return await client.post(
            api(ctx, f"/customer/{customer.id}/pushy-token"),
            data={"customer[pushyToken]": token},
            headers={**FORM, **ctx.admin.headers},
        )

    added = await asyncio.gather(*(add(t) for t in ["same"] * 6 + ["other"] * 6))
    assert {a.status_code for a in added} == {204}
    listed = await client.get(
        api(ctx, f"/customer/{customer.id}/pushy-token"), headers=ctx.admin.headers
    )
    assert sorted(listed.json()["tokens"]) == ["other", "same"]


async def test_register_with_an_invitation_token_records_the_referral(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await ol_store(factory)
    friend = await factory.customer(ctx)
    mine = await client.get(
        f"{ctx.base}/customers/{friend.id}/referrals", headers=ctx.admin.headers
    )
    code = mine.json()["code"]
    base = [
        ("customer[firstName]", "New"),
        ("customer[lastName]", "Friend"),
        ("customer[agreement1]", "1"),
    ]
    made = await _post_form(
        client,
        api(ctx, "/customer/register"),
        ctx.admin.headers,
        [*base, ("customer[email]", "new@example.com"), ("customer[invitationToken]", code)],
    )
    assert made.status_code == 200, made.text
    after = await client.get(
        f"{ctx.base}/customers/{friend.id}/referrals", headers=ctx.admin.headers
    )
    assert made.json()["customerId"] in after.text
    unknown = await _post_form(
        client,
        api(ctx, "/customer/register"),
        ctx.admin.headers,
        [*base, ("customer[email]", "new2@example.com"), ("customer[invitationToken]", "NOPE-1")],
    )
    assert unknown.status_code == 400, unknown.text
    assert unknown.json()["errors"]
    assert "invitationToken" in unknown.json()["errors"][0]


async def test_register_dates_in_the_documented_formats(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await ol_store(factory)
    made = await _post_form(
        client,
        api(ctx, "/admin/customer/register"),
        ctx.admin.headers,
        [
            ("customer[firstName]", "Old"),
            ("customer[lastName]", "Timer"),
            ("customer[email]", "old@example.com"),
            ("customer[agreement1]", "1"),
            ("customer[birthDate]", "2017-10-05 10:30"),
            ("customer[createdAt]", "2017-01-01 14:15:16"),
        ],
    )
    assert made.status_code == 200, made.text
    body = await _details(client, ctx, made.json()["customerId"])
    assert body["createdAt"] == "2017-01-01T14:15:16+0100"  # the store's zone (Warsaw)
    assert body["birthDate"] == "2017-10-05T00:00:00+0200"
    # Not a date; and instants with no UTC form (past year 1 or 9999 there).
    for created in ("yesterday", "0001-01-01T00:00:00+14:00", "9999-12-31T23:00:00-14:00"):
        bad = await _post_form(
            client,
            api(ctx, "/admin/customer/register"),
            ctx.admin.headers,
            [
                ("customer[firstName]", "Bad"),
                ("customer[lastName]", "Date"),
                ("customer[email]", "bad@example.com"),
                ("customer[agreement1]", "1"),
                ("customer[createdAt]", created),
            ],
        )
        assert bad.status_code == 400, (created, bad.text)
        children = bad.json()["form"]["children"]
        assert children["createdAt"] == {"errors": ["This value is not valid."]}

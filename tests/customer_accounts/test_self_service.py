"""A customer's account without staff: registration, reset, contact change, PATCH /me;
and staff (re)sending activation. Secrets are read from the outbox, as a customer would
read its mail."""

import uuid
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import func, select, update

from clientbook.accounts.throttle import ip_key
from clientbook.kit.db import Database, utcnow
from clientbook.models import Customer, CustomerCode
from clientbook.settings import Settings
from tests.api_keys.keys import bearer as key_bearer
from tests.api_keys.keys import make_key
from tests.customer_accounts.outbox import last_secret, messages
from tests.customer_accounts.test_customer_auth import PASSWORD, _account, _sign_in, bearer
from tests.factories import Factory, StoreCtx

NEW_PASSWORD = "a brand new secret"


def field_of(response: httpx.Response) -> str:
    field: str = response.json()["errors"][0]["field"]
    return field


async def _expire_codes(database: Database, ctx: StoreCtx) -> None:
    async with database.transaction() as session:
        await session.execute(
            update(CustomerCode)
            .where(CustomerCode.store_id == ctx.id)
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )


async def _customers_with_email(database: Database, ctx: StoreCtx, email: str) -> int:
    async with database.reading() as session:
        count = await session.scalar(
            select(func.count())
            .select_from(Customer)
            .where(Customer.store_id == ctx.id, Customer.email_key == email.lower())
        )
    return int(count or 0)


# --- staff (re)send activation ------------------------------------------------------------


async def test_staff_send_activation_and_its_token_confirms_the_address_once(
    client: httpx.AsyncClient, factory: Factory, database: Database
) -> None:
    ctx = await factory.store(country="PL")
    customer = await factory.customer(ctx, email="made@example.com", phone="+48 601 234 567")
    url = f"{ctx.base}/customers/{customer.id}/activation"
    sent = await client.post(url, json={"channel": "email"}, headers=ctx.seller.headers)
    assert sent.status_code == 202, sent.text
    assert sent.json() == {"channel": "email", "queued": True}
    mail = await last_secret(database, ctx.id, "customer_activation")
    assert mail["to"] == "made@example.com"
    assert mail["channel"] == "email"
    activate = f"{ctx.base}/customer-auth/activate"
    done = await client.post(activate, json={"token": mail["token"]})
    assert done.status_code == 200, done.text
    assert done.json()["customer_id"] == str(customer.id)
    again = await client.post(activate, json={"token": mail["token"]})
    assert again.status_code == 422
    assert field_of(again) == "token"

    sms = await client.post(url, json={"channel": "sms"}, headers=ctx.seller.headers)
    assert sms.status_code == 202
    text = await last_secret(database, ctx.id, "customer_activation")
    assert text["to"] == "+48601234567"
    assert len(text["code"]) == 6
    body = {"username": "made@example.com", "code": text["code"]}
    assert (await client.post(activate, json=body)).status_code == 200
    assert (await client.post(activate, json=body)).status_code == 422


async def test_staff_activation_names_the_missing_address_and_keeps_stores_apart(
    client: httpx.AsyncClient, factory: Factory, database: Database
) -> None:
    ctx = await factory.store()
    no_phone = await factory.customer(ctx, email="only-mail@example.com")
    url = f"{ctx.base}/customers/{no_phone.id}/activation"
    missing = await client.post(url, json={"channel": "sms"}, headers=ctx.owner.headers)
    assert missing.status_code == 422
    assert field_of(missing) == "phone"
    no_mail = await factory.customer(ctx, email=None, first_name="Phone", phone="+48601234567")
    missing = await client.post(
        f"{ctx.base}/customers/{no_mail.id}/activation",
        json={"channel": "email"},
        headers=ctx.owner.headers,
    )
    assert missing.status_code == 422
    assert field_of(missing) == "email"
    bad = await client.post(url, json={"channel": "pigeon"}, headers=ctx.owner.headers)
    assert bad.status_code == 422
    assert field_of(bad) == "channel"
    other = await factory.store()
    foreign = await client.post(
        f"{other.base}/customers/{no_phone.id}/activation",
        json={"channel": "email"},
        headers=other.owner.headers,
    )
    assert foreign.status_code == 404
    assert await messages(database, ctx.id, "customer_activation") == []


# --- self-registration ------------------------------------------------------------------


async def test_registration_by_email_then_activation_then_sign_in(
    client: httpx.AsyncClient, factory: Factory, database: Database
) -> None:
    ctx = await factory.store()
    url = f"{ctx.base}/customer-auth/register"
    body = {"email": "New@Example.com", "password": PASSWORD, "first_name": "Nova"}
    made = await client.post(url, json=body)
    assert made.status_code == 202, made.text
    assert (await _sign_in(client, ctx, "new@example.com")).status_code == 403  # pending
    mail = await last_secret(database, ctx.id, "customer_activation")
    assert mail["to"] == "New@Example.com"
    assert mail["name"] == "Nova"
    done = await client.post(f"{ctx.base}/customer-auth/activate", json={"token": mail["token"]})
    assert done.status_code == 200
    assert (await _sign_in(client, ctx, "new@example.com")).status_code == 200


async def test_registration_answers_alike_for_a_taken_address_and_tells_its_owner(
    client: httpx.AsyncClient, factory: Factory, database: Database
) -> None:
    ctx = await factory.store()
    await _account(factory, ctx, email="taken@example.com")
    url = f"{ctx.base}/customer-auth/register"
    taken = await client.post(url, json={"email": "TAKEN@example.com", "password": "another pw 1"})
    fresh = await client.post(url, json={"email": "fresh@example.com", "password": "another pw 1"})
    assert taken.status_code == fresh.status_code == 202
    assert taken.json() == fresh.json()
    assert await _customers_with_email(database, ctx, "taken@example.com") == 1
    told = await last_secret(database, ctx.id, "customer_register_existing")
    assert told["to"] == "taken@example.com"
    assert "token" not in told
    # The owner's password is untouched.
    assert (await _sign_in(client, ctx, "taken@example.com")).status_code == 200


async def test_registration_by_phone_is_activated_by_an_sms_code(
    client: httpx.AsyncClient, factory: Factory, database: Database
) -> None:
    ctx = await factory.store(country="PL")
    url = f"{ctx.base}/customer-auth/register"
    made = await client.post(url, json={"phone": "601 234 567", "password": PASSWORD})
    assert made.status_code == 202, made.text
    text = await last_secret(database, ctx.id, "customer_activation")
    assert text["channel"] == "sms"
    assert text["to"] == "+48601234567"
    activate = f"{ctx.base}/customer-auth/activate"
    body = {"username": "+48 601-234-567", "code": text["code"]}
    assert (await client.post(activate, json=body)).status_code == 200
    assert (await _sign_in(client, ctx, "601234567")).status_code == 200


async def test_registration_checks_its_fields(client: httpx.AsyncClient, factory: Factory) -> None:
    ctx = await factory.store()
    url = f"{ctx.base}/customer-auth/register"
    cases: list[tuple[dict[str, Any], str]] = [
        ({"password": PASSWORD}, "email"),
        ({"email": "short@example.com", "password": "short"}, "password"),
        ({"email": "not an address", "password": PASSWORD}, "email"),
        ({"email": "sms@example.com", "password": PASSWORD, "channel": "sms"}, "phone"),
        (
            {"email": "x@example.com", "password": PASSWORD, "loyalty_card_number": "1"},
            "loyalty_card_number",
        ),
    ]
    for body, field in cases:
        refused = await client.post(url, json=body)
        assert refused.status_code == 422, (body, refused.text)
        assert field_of(refused) == field, (body, refused.text)


async def test_registration_is_throttled_per_identifier(
    client: httpx.AsyncClient, factory: Factory, settings: Settings
) -> None:
    ctx = await factory.store()
    url = f"{ctx.base}/customer-auth/register"
    body = {"email": "again@example.com", "password": PASSWORD}
    statuses = [
        (await client.post(url, json=body)).status_code
        for _ in range(settings.login_max_failures_per_account + 1)
    ]
    assert statuses[-1] == 429
    assert set(statuses[:-1]) == {202}


async def test_resend_activation_sends_a_new_secret_and_the_old_one_dies(
    client: httpx.AsyncClient, factory: Factory, database: Database
) -> None:
    ctx = await factory.store()
    register = f"{ctx.base}/customer-auth/register"
    assert (
        await client.post(register, json={"email": "slow@example.com", "password": PASSWORD})
    ).status_code == 202
    first = (await last_secret(database, ctx.id, "customer_activation"))["token"]
    url = f"{ctx.base}/customer-auth/activation/resend"
    known = await client.post(url, json={"username": "slow@example.com"})
    unknown = await client.post(url, json={"username": "nobody@example.com"})
    assert known.status_code == unknown.status_code == 202
    assert known.json() == unknown.json()
    assert len(await messages(database, ctx.id, "customer_activation")) == 2
    second = (await last_secret(database, ctx.id, "customer_activation"))["token"]
    activate = f"{ctx.base}/customer-auth/activate"
    assert (await client.post(activate, json={"token": first})).status_code == 422
    assert (await client.post(activate, json={"token": second})).status_code == 200
    # An active account gets nothing more.
    assert (await client.post(url, json={"username": "slow@example.com"})).status_code == 202
    assert len(await messages(database, ctx.id, "customer_activation")) == 2


# --- password reset ---------------------------------------------------------------------


async def test_password_reset_by_link_token_works_once_and_ends_every_session(
    client: httpx.AsyncClient, factory: Factory, database: Database
) -> None:
    ctx = await factory.store()
    await _account(factory, ctx, email="forgot@example.com")
    old = (await _sign_in(client, ctx, "forgot@example.com")).json()
    url = f"{ctx.base}/customer-auth/password-reset"
    known = await client.post(url, json={"username": "forgot@example.com"})
    unknown = await client.post(url, json={"username": "nobody@example.com"})
    assert known.status_code == unknown.status_code == 202
    assert known.json() == unknown.json()
    assert len(await messages(database, ctx.id, "customer_password_reset")) == 1
    token = (await last_secret(database, ctx.id, "customer_password_reset"))["token"]
    confirm = f"{ctx.base}/customer-auth/password-reset/confirm"
    short = await client.post(confirm, json={"token": token, "password": "short"})
    assert short.status_code == 422
    assert field_of(short) == "password"
    done = await client.post(confirm, json={"token": token, "password": NEW_PASSWORD})
    assert done.status_code == 204, done.text
    again = await client.post(confirm, json={"token": token, "password": "yet another one"})
    assert again.status_code == 422
    assert field_of(again) == "token"
    assert (
        await client.get(f"{ctx.base}/me", headers=bearer(old["access_token"]))
    ).status_code == 401
    refreshed = await client.post(
        f"{ctx.base}/customer-auth/refresh", json={"refresh_token": old["refresh_token"]}
    )
    assert refreshed.status_code == 401
    assert (await _sign_in(client, ctx, "forgot@example.com")).status_code == 401
    assert (await _sign_in(client, ctx, "forgot@example.com", NEW_PASSWORD)).status_code == 200


async def test_password_reset_by_sms_code_expires(
    client: httpx.AsyncClient, factory: Factory, database: Database
) -> None:
    ctx = await factory.store(country="PL")
    await _account(factory, ctx, email="phone@example.com", phone="+48 602 000 111")
    url = f"{ctx.base}/customer-auth/password-reset"
    assert (await client.post(url, json={"username": "602000111"})).status_code == 202
    text = await last_secret(database, ctx.id, "customer_password_reset")
    assert text["channel"] == "sms"
    await _expire_codes(database, ctx)
    confirm = f"{ctx.base}/customer-auth/password-reset/confirm"
    body = {"username": "602000111", "code": text["code"], "password": NEW_PASSWORD}
    late = await client.post(confirm, json=body)
    assert late.status_code == 422
    assert field_of(late) == "code"
    assert (await client.post(url, json={"username": "602000111"})).status_code == 202
    body["code"] = (await last_secret(database, ctx.id, "customer_password_reset"))["code"]
    assert (await client.post(confirm, json=body)).status_code == 204
    assert (await _sign_in(client, ctx, "phone@example.com", NEW_PASSWORD)).status_code == 200


async def test_password_reset_requests_are_throttled_alike_for_known_and_unknown(
    client: httpx.AsyncClient, factory: Factory, settings: Settings
) -> None:
    ctx = await factory.store()
    await _account(factory, ctx, email="many@example.com")
    url = f"{ctx.base}/customer-auth/password-reset"
    for name in ("many@example.com", "none@example.com"):
        statuses = [
            (await client.post(url, json={"username": name})).status_code
            for _ in range(settings.login_max_failures_per_account + 1)
        ]
        assert statuses[-1] == 429, name
        assert set(statuses[:-1]) == {202}, name


# --- change of e-mail or phone ---------------------------------------------------------


async def test_a_new_email_counts_only_once_confirmed(
    client: httpx.AsyncClient, factory: Factory, database: Database
) -> None:
    ctx = await factory.store()
    customer_id = await _account(factory, ctx, email="old@example.com")
    token = (await _sign_in(client, ctx, "old@example.com")).json()["access_token"]
    asked = await client.post(
        f"{ctx.base}/me/contact", json={"email": "new@example.com"}, headers=bearer(token)
    )
    assert asked.status_code == 202, asked.text
    mail = await last_secret(database, ctx.id, "customer_contact_change")
    assert mail["to"] == "new@example.com"
    me = await client.get(f"{ctx.base}/me", headers=bearer(token))
    assert me.json()["email"] == "old@example.com"
    confirm = f"{ctx.base}/me/contact/confirm"
    done = await client.post(confirm, json={"token": mail["token"]}, headers=bearer(token))
    assert done.status_code == 200, done.text
    assert done.json()["email"] == "new@example.com"
    again = await client.post(confirm, json={"token": mail["token"]}, headers=bearer(token))
    assert again.status_code == 422
    events = await client.get(
        f"{ctx.base}/customers/{customer_id}/events", headers=ctx.owner.headers
    )
    latest = events.json()["data"][0]
    assert latest["fields"] == ["email"]
    assert latest["actor_customer_id"] == str(customer_id)
    assert latest["actor_user_id"] is None


async def test_a_new_email_another_customer_took_meanwhile_is_a_conflict(
    client: httpx.AsyncClient, factory: Factory, database: Database
) -> None:
    ctx = await factory.store()
    await _account(factory, ctx, email="first@example.com")
    token = (await _sign_in(client, ctx, "first@example.com")).json()["access_token"]
    await client.post(
        f"{ctx.base}/me/contact", json={"email": "wanted@example.com"}, headers=bearer(token)
    )
    mail = await last_secret(database, ctx.id, "customer_contact_change")
    await factory.customer(ctx, email="wanted@example.com")
    taken = await client.post(
        f"{ctx.base}/me/contact/confirm", json={"token": mail["token"]}, headers=bearer(token)
    )
    assert taken.status_code == 409
    assert field_of(taken) == "email"
    me = await client.get(f"{ctx.base}/me", headers=bearer(token))
    assert me.json()["email"] == "first@example.com"


async def test_a_new_phone_is_confirmed_by_code_and_another_customer_cannot_use_it(
    client: httpx.AsyncClient, factory: Factory, database: Database
) -> None:
    ctx = await factory.store(country="PL")
    await _account(factory, ctx, email="mover@example.com")
    await _account(factory, ctx, email="other@example.com")
    mine = (await _sign_in(client, ctx, "mover@example.com")).json()["access_token"]
    theirs = (await _sign_in(client, ctx, "other@example.com")).json()["access_token"]
    asked = await client.post(
        f"{ctx.base}/me/contact", json={"phone": "603 111 222"}, headers=bearer(mine)
    )
    assert asked.status_code == 202
    text = await last_secret(database, ctx.id, "customer_contact_change")
    assert text["to"] == "+48603111222"
    confirm = f"{ctx.base}/me/contact/confirm"
    stolen = await client.post(confirm, json={"code": text["code"]}, headers=bearer(theirs))
    assert stolen.status_code == 422
    done = await client.post(confirm, json={"code": text["code"]}, headers=bearer(mine))
    assert done.status_code == 200, done.text
    assert done.json()["phone"] == "+48603111222"
    neither = await client.post(f"{ctx.base}/me/contact", json={}, headers=bearer(mine))
    assert neither.status_code == 422
    staff = await client.post(
        f"{ctx.base}/me/contact", json={"email": "x@example.com"}, headers=ctx.owner.headers
    )
    assert staff.status_code == 401


# --- PATCH /me ---------------------------------------------------------------------------


async def test_a_customer_edits_a_safe_subset_of_its_own_record(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store()
    customer_id = await _account(factory, ctx, email="self@example.com", loyalty_card_number="C1")
    token = (await _sign_in(client, ctx, "self@example.com")).json()["access_token"]
    url = f"{ctx.base}/me"
    changed = await client.patch(
        url, json={"first_name": "Selma", "preferences": {"scent": "cedar"}}, headers=bearer(token)
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["first_name"] == "Selma"
    assert changed.headers["ETag"]
    for field, value in (
        ("email", "other@example.com"),
        ("phone", "+48601234567"),
        ("loyalty_card_number", "C2"),
        ("labels", [{"key": "vip"}]),
        ("status", "blocked"),
        ("metadata", {"a": "b"}),
        ("is_active", False),
    ):
        refused = await client.patch(url, json={field: value}, headers=bearer(token))
        assert refused.status_code == 422, field
        assert field_of(refused) == field, refused.text
    bad = await client.patch(url, json={"birth_date": "2999-01-01"}, headers=bearer(token))
    assert bad.status_code == 422
    assert field_of(bad) == "birth_date"
    stale = await client.patch(
        url, json={"last_name": "X"}, headers={**bearer(token), "If-Match": '"1"'}
    )
    assert stale.status_code == 412
    stored = await factory.get_customer(ctx, customer_id)
    assert stored is not None
    assert stored.loyalty_card_number == "C1"
    assert stored.email == "self@example.com"
    events = await client.get(
        f"{ctx.base}/customers/{customer_id}/events", headers=ctx.owner.headers
    )
    assert events.json()["data"][0]["actor_customer_id"] == str(customer_id)
    assert (await client.patch(url, json={}, headers=ctx.owner.headers)).status_code == 401


# --- throttles and the audit trail -----------------------------------------------------


async def test_wrong_current_passwords_are_throttled(
    client: httpx.AsyncClient, factory: Factory, settings: Settings
) -> None:
    ctx = await factory.store()
    await _account(factory, ctx, email="recheck@example.com")
    token = (await _sign_in(client, ctx, "recheck@example.com")).json()["access_token"]
    body = {"current_password": "not the one", "new_password": NEW_PASSWORD}
    statuses = [
        (await client.put(f"{ctx.base}/me/password", json=body, headers=bearer(token))).status_code
        for _ in range(settings.login_max_failures_per_account + 1)
    ]
    assert statuses[-1] == 429
    assert set(statuses[:-1]) == {422}
    right = {"current_password": PASSWORD, "new_password": NEW_PASSWORD}
    still = await client.put(f"{ctx.base}/me/password", json=right, headers=bearer(token))
    assert still.status_code == 429  # even the right one waits for the window


def test_each_purpose_counts_an_address_apart() -> None:
    keys = {ip_key("10.0.0.1", p) for p in ("staff", "customer", "customer-code")}
    assert len(keys) == 3


async def test_the_audit_trail_names_the_api_key(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store()
    key = await make_key(client, ctx, "seller", name="till-1")
    keys = await client.get(f"{ctx.base}/api-keys", headers=ctx.owner.headers)
    key_id = next(k["id"] for k in keys.json()["data"] if k["name"] == "till-1")
    made = await client.post(
        f"{ctx.base}/customers", json={"first_name": "Keyed"}, headers=key_bearer(key)
    )
    assert made.status_code == 201, made.text
    events = await client.get(
        f"{ctx.base}/customers/{made.json()['id']}/events", headers=ctx.owner.headers
    )
    event = events.json()["data"][0]
    assert event["actor_api_key_id"] == key_id
    assert event["actor_user_id"] is None


async def test_adding_a_member_sends_the_invitation_by_email(
    client: httpx.AsyncClient, factory: Factory, database: Database
) -> None:
    ctx = await factory.store()
    email = f"staff-{uuid.uuid4().hex[:8]}@example.com"
    added = await client.post(
        f"{ctx.base}/members", json={"email": email, "role": "seller"}, headers=ctx.owner.headers
    )
    assert added.status_code == 202, added.text
    mail = await last_secret(database, ctx.id, "staff_invitation")
    assert mail["to"] == email
    assert mail["invitation_id"] == added.json()["id"]
    assert mail["role"] == "seller"

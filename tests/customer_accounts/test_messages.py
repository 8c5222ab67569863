"""The messages the account flows send: each default template renders with its secret,
and the secret never reaches the log outside development."""

import json

import httpx
import pytest

from clientbook import logging as clientbook_logging
from clientbook.kit.db import Database
from tests.customer_accounts.outbox import last_secret
from tests.customer_accounts.test_customer_auth import PASSWORD, _account, _sign_in, bearer
from tests.factories import Factory
from tests.messages.helpers import Recorder, configured_sender, drain, recording_sender


async def test_every_flow_message_renders_with_its_secret(
    client: httpx.AsyncClient, factory: Factory, database: Database
) -> None:
    ctx = await factory.store(country="PL")
    customer_id = await _account(
        factory, ctx, email="all@example.com", phone="+48 604 000 111", first_name="Ala"
    )
    base = ctx.base
    staff = ctx.owner.headers
    await client.post(
        f"{base}/customers/{customer_id}/activation", json={"channel": "email"}, headers=staff
    )
    await client.post(
        f"{base}/customers/{customer_id}/activation", json={"channel": "sms"}, headers=staff
    )
    await client.post(f"{base}/customer-auth/password-reset", json={"username": "all@example.com"})
    await client.post(
        f"{base}/customer-auth/register", json={"email": "all@example.com", "password": PASSWORD}
    )
    token = (await _sign_in(client, ctx, "all@example.com")).json()["access_token"]
    await client.post(
        f"{base}/me/contact", json={"email": "next@example.com"}, headers=bearer(token)
    )
    await client.post(
        f"{base}/members", json={"email": "staff@example.com", "role": "seller"}, headers=staff
    )
    secrets = [
        (await last_secret(database, ctx.id, template)).get("token")
        or (await last_secret(database, ctx.id, template)).get("code")
        for template in ("customer_password_reset", "customer_contact_change")
    ]
    recorder = Recorder()
    await drain(recording_sender(database, recorder))
    mine = {m.template + "." + m.channel: m for m in recorder.sent if m.store_id == ctx.id}
    assert set(mine) == {
        "customer_activation.email",
        "customer_activation.sms",
        "customer_password_reset.email",
        "customer_register_existing.email",
        "customer_contact_change.email",
        "staff_invitation.email",
    }
    for secret in secrets:
        assert any(secret and secret in m.text for m in mine.values())
    assert mine["customer_activation.sms"].text.count(ctx.store.name) == 1
    assert "Hello Ala" in mine["customer_password_reset.email"].text
    assert mine["staff_invitation.email"].subject


async def test_secrets_stay_out_of_the_log_outside_development(
    client: httpx.AsyncClient,
    factory: Factory,
    database: Database,
    capsys: pytest.CaptureFixture[str],
) -> None:
    ctx = await factory.store(country="PL")
    await _account(factory, ctx, email="quiet@example.com", phone="+48 605 000 111")
    reset = f"{ctx.base}/customer-auth/password-reset"
    await client.post(reset, json={"username": "quiet@example.com"})
    token = (await last_secret(database, ctx.id, "customer_password_reset"))["token"]
    await client.post(reset, json={"username": "605000111", "channel": "sms"})
    code = (await last_secret(database, ctx.id, "customer_password_reset"))["code"]
    confirm = f"{ctx.base}/customer-auth/password-reset/confirm"
    clientbook_logging.configure("INFO", json=True)
    capsys.readouterr()
    try:
        wrong = {"username": "605000111", "code": "000000", "password": "whatever 123"}
        await client.post(confirm, json=wrong)
        await drain(configured_sender(database))
    finally:
        clientbook_logging.configure("WARNING", json=True)
    logged = capsys.readouterr().err
    lines = [json.loads(line) for line in logged.splitlines() if line.startswith("{")]
    ours = [line for line in lines if line.get("store_id") == str(ctx.id)]
    assert len([line for line in ours if line.get("event") == "message_logged"]) == 2
    assert token not in logged
    assert f"code is {code}" not in logged  # (six digits alone may be a timestamp's)
    assert "quiet@example.com" not in logged

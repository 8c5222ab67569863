"""The `clientbook` command, as `make run` and an operator use it (always on SQLite)."""

import asyncio
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from clientbook.app import create_app
from clientbook.cli import app as cli
from clientbook.settings import get_settings

runner = CliRunner()


def _request(method: str, url: str, **kwargs: Any) -> httpx.Response:
    """One request to an app on the CLI's database (these tests are synchronous)."""

    async def send() -> httpx.Response:
        transport = httpx.ASGITransport(app=create_app())
        async with httpx.AsyncClient(transport=transport, base_url="http://cli") as client:
            return await client.request(method, url, **kwargs)

    return asyncio.run(send())


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("CLIENTBOOK_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("CLIENTBOOK_DATABASE_URL", raising=False)
    monkeypatch.setenv("CLIENTBOOK_LOG_LEVEL", "WARNING")
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


def _token_from(output: str) -> str:
    match = re.search(r"access token : (\S+)", output)
    assert match, output
    return match.group(1)


def test_demo_prints_credentials_token_and_a_working_curl(workdir: Path) -> None:
    first = runner.invoke(cli, ["demo"])
    assert first.exit_code == 0, first.output
    assert "owner@demo.clientbook.dev" in first.output
    assert "export CLIENTBOOK=http://127.0.0.1:8000" in first.output
    assert "export TOKEN=" in first.output
    assert (workdir / "clientbook.sqlite3").exists()

    second = runner.invoke(cli, ["demo"])  # idempotent: same store, same password
    assert second.exit_code == 0, second.output
    password = re.search(r"password\s+: (\S+)", first.output)
    assert password
    assert password.group(1) in second.output

    headers = {"Authorization": f"Bearer {_token_from(second.output)}"}
    response = _request("GET", "/v1/stores/DEMO/customers", headers=headers)
    assert response.status_code == 200
    # the three demo customers, and the store itself (Jethings' store-as-customer)
    assert response.json()["pagination"]["total"] == 4
    login = _request(
        "POST",
        "/v1/auth/token",
        json={"email": "owner@demo.clientbook.dev", "password": password.group(1)},
    )
    assert login.status_code == 200


def test_create_store_user_and_token(workdir: Path) -> None:
    assert runner.invoke(cli, ["migrate"]).exit_code == 0
    made = runner.invoke(cli, ["create-store", "OPTIC1", "--name", "Optic One", "--country", "MA"])
    assert made.exit_code == 0, made.output
    user = runner.invoke(
        cli,
        [
            "create-user",
            "seller@optic.example",
            "--store",
            "OPTIC1",
            "--role",
            "seller",
            "--password-stdin",
        ],
        input="long enough password\n",
    )
    assert user.exit_code == 0, user.output
    token = runner.invoke(cli, ["token", "seller@optic.example"])
    assert token.exit_code == 0, token.output

    headers = {"Authorization": f"Bearer {token.output.strip()}"}
    store = _request("GET", "/v1/stores/OPTIC1", headers=headers)
    assert store.status_code == 200
    assert store.json()["country"] == "MA"
    login = _request(
        "POST",
        "/v1/auth/token",
        data={"username": "seller@optic.example", "password": "long enough password"},
    )
    assert login.status_code == 200


def test_cli_errors_are_clean_messages(workdir: Path) -> None:
    assert runner.invoke(cli, ["migrate"]).exit_code == 0
    unknown = runner.invoke(cli, ["token", "nobody@example.com"])
    assert unknown.exit_code == 1
    assert "no active user nobody@example.com" in unknown.output
    bad = runner.invoke(cli, ["create-store", "X1", "--name", "X", "--currency", "EURO"])
    assert bad.exit_code == 1
    assert "currency" in bad.output
    no_store = runner.invoke(
        cli,
        ["create-user", "a@example.com", "--store", "NOPE", "--password-stdin"],
        input="long enough password\n",
    )
    assert no_store.exit_code == 1
    assert "no store with code NOPE" in no_store.output


def test_production_refuses_to_start_without_a_secret(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CLIENTBOOK_ENV", "production")
    monkeypatch.delenv("CLIENTBOOK_JWT_SECRET", raising=False)
    with pytest.raises(ValueError, match="CLIENTBOOK_JWT_SECRET"):
        get_settings()


def test_a_store_made_without_an_owner_has_its_own_customer(workdir: Path) -> None:
    """Jethings makes the new store a customer of itself, however the store is made."""
    assert runner.invoke(cli, ["migrate"]).exit_code == 0
    made = runner.invoke(cli, ["create-store", "LONE", "--name", "Lone Optic"])
    assert made.exit_code == 0, made.output
    owner = runner.invoke(
        cli,
        ["create-user", "owner@lone.example", "--store", "LONE", "--role", "owner"],
        input="long enough password\nlong enough password\n",
    )
    assert owner.exit_code == 0, owner.output
    token = runner.invoke(cli, ["token", "owner@lone.example"]).output.strip()
    headers = {"Authorization": f"Bearer {token}"}
    store_id = _request("GET", "/v1/stores/LONE", headers=headers).json()["id"]
    listed = _request("GET", "/v1/stores/LONE/customers", headers=headers).json()["data"]
    (own,) = [c for c in listed if c["linked_store_id"] == store_id]
    assert (own["display_name"], own["user_id"]) == ("Lone Optic", None)
    events = _request("GET", f"/v1/stores/LONE/customers/{own['id']}/events", headers=headers)
    assert [(e["action"], e["actor_user_id"]) for e in events.json()["data"]] == [("created", None)]


def test_the_demo_store_has_a_loyalty_programme_and_the_tick_runs(workdir: Path) -> None:
    made = runner.invoke(cli, ["demo"])
    assert made.exit_code == 0, made.output
    headers = {"Authorization": f"Bearer {_token_from(made.output)}"}
    found = _request("GET", "/v1/stores/DEMO/customers", params={"q": "Layla"}, headers=headers)
    layla = found.json()["data"][0]["id"]
    status = _request("GET", f"/v1/stores/DEMO/customers/{layla}/loyalty", headers=headers)
    assert status.status_code == 200, status.text
    body = status.json()
    wallets = {w["wallet"]: w for w in body["wallets"]}
    # 144.91 + 79.98 earned (1 per EUR without delivery) + 50 for referring Jane; 50 spent
    # and 30 for a coffee coupon; 25 welcome tokens.
    assert (wallets["points"]["earned"], wallets["points"]["active"]) == ("274.89", "194.89")
    assert wallets["tokens"]["active"] == "25.00"
    assert (body["tier"]["name"], body["next_tier"]["name"]) == ("Silver", "Gold")
    tiers = _request("GET", "/v1/stores/DEMO/tiers", headers=headers)
    assert [t["name"] for t in tiers.json()["data"]] == ["Bronze", "Silver", "Gold"]
    rewards = _request("GET", "/v1/stores/DEMO/rewards", headers=headers)
    assert [r["name"] for r in rewards.json()["data"]] == ["Tote bag", "Free coffee"]
    coupons = _request("GET", f"/v1/stores/DEMO/customers/{layla}/redemptions", headers=headers)
    assert [c["reward_name"] for c in coupons.json()["data"]] == ["Free coffee"]
    referred = _request("GET", f"/v1/stores/DEMO/customers/{layla}/referrals", headers=headers)
    assert [r["status"] for r in referred.json()["data"]] == ["completed"]
    password = re.search(r"username\s+: layla.hassan@example.com\s+password\s+: (\S+)", made.output)
    assert password, made.output
    signed_in = _request(
        "POST",
        "/v1/stores/DEMO/customer-auth/token",
        json={"username": "layla.hassan@example.com", "password": password.group(1)},
    )
    assert signed_in.status_code == 200, signed_in.text
    tick = runner.invoke(cli, ["loyalty", "tick"])
    assert tick.exit_code == 0, tick.output
    assert "0 lots settled" in tick.output


def test_python_dash_m_clientbook_runs_the_cli() -> None:
    """`python -m clientbook` works as the `clientbook` entry point does."""
    shown = subprocess.run(
        [sys.executable, "-m", "clientbook", "--help"], capture_output=True, text=True, timeout=60
    )
    assert shown.returncode == 0, shown.stderr
    assert "Usage: clientbook" in shown.stdout
    assert "migrate" in shown.stdout

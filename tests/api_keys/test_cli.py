"""``clientbook api-key create|list|revoke``, as an operator scripts them (on SQLite)."""

from pathlib import Path

from clientbook.api_keys.keys import is_well_formed
from clientbook.cli import app as cli
from tests.test_cli import _request, runner, workdir

__all__ = ["workdir"]  # the fixture, used by name


def test_create_prints_only_the_key_list_shows_it_and_revoke_ends_it(workdir: Path) -> None:
    assert runner.invoke(cli, ["migrate"]).exit_code == 0
    assert runner.invoke(cli, ["create-store", "SHOP", "--name", "Shop"]).exit_code == 0
    made = runner.invoke(cli, ["api-key", "create", "SHOP", "erp", "--role", "admin"])
    assert made.exit_code == 0, made.output
    key = made.stdout.strip()
    assert made.stdout == f"{key}\n"
    assert is_well_formed(key)

    headers = {"Authorization": f"Bearer {key}"}
    assert _request("GET", "/v1/stores/SHOP/customers", headers=headers).status_code == 200

    listed = runner.invoke(cli, ["api-key", "list", "SHOP"])
    assert listed.exit_code == 0, listed.output
    header, row = listed.stdout.splitlines()
    assert header.split("\t") == ["name", "prefix", "role", "created", "last_used", "expires"]
    name, prefix, role, _created, last_used, expires = row.split("\t")
    assert (name, role, expires) == ("erp", "admin", "-")
    assert key.startswith(prefix)
    assert last_used != "never"
    assert key not in listed.stdout

    again = runner.invoke(cli, ["api-key", "create", "SHOP", "erp", "--role", "seller"])
    assert again.exit_code == 1
    assert "already exists" in again.output

    revoked = runner.invoke(cli, ["api-key", "revoke", "SHOP", "erp"])
    assert revoked.exit_code == 0, revoked.output
    assert _request("GET", "/v1/stores/SHOP/customers", headers=headers).status_code == 401
    assert runner.invoke(cli, ["api-key", "list", "SHOP"]).stdout.splitlines()[1:] == []
    assert runner.invoke(cli, ["api-key", "revoke", "SHOP", "erp"]).exit_code == 1


def test_refuses_an_unknown_store_or_role(workdir: Path) -> None:
    assert runner.invoke(cli, ["migrate"]).exit_code == 0
    nowhere = runner.invoke(cli, ["api-key", "create", "NOPE", "erp", "--role", "admin"])
    assert nowhere.exit_code == 1
    assert "no store NOPE" in nowhere.output
    assert runner.invoke(cli, ["create-store", "SHOP", "--name", "Shop"]).exit_code == 0
    owner = runner.invoke(cli, ["api-key", "create", "SHOP", "erp", "--role", "owner"])
    assert owner.exit_code == 2
    assert runner.invoke(cli, ["api-key", "list", "NOPE"]).exit_code == 1

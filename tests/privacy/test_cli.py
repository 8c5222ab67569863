"""`clientbook gdpr export|erase|run` (synchronous, on SQLite, like tests/test_cli.py)."""

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from clientbook.cli import app as cli
from clientbook.privacy import archive
from clientbook.settings import get_settings

runner = CliRunner()


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("CLIENTBOOK_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("CLIENTBOOK_DATABASE_URL", raising=False)
    monkeypatch.setenv("CLIENTBOOK_LOG_LEVEL", "WARNING")
    get_settings.cache_clear()
    assert runner.invoke(cli, ["migrate"]).exit_code == 0
    assert runner.invoke(cli, ["create-store", "SHOP", "--name", "Shop"]).exit_code == 0
    owner = runner.invoke(
        cli,
        ["create-user", "owner@shop.example", "--store", "SHOP", "--role", "owner"],
        input="long enough password\nlong enough password\n",
    )
    assert owner.exit_code == 0, owner.output
    data = tmp_path / "in.csv"
    data.write_text("first_name,last_name,email\nMarta,Private,marta@private.example\n")
    assert runner.invoke(cli, ["import", str(data), "--store", "SHOP"]).exit_code == 0
    yield tmp_path
    get_settings.cache_clear()


def _marta(workdir: Path) -> str:
    out = runner.invoke(cli, ["export", "--store", "SHOP", "--format", "jsonl"])
    assert out.exit_code == 0, out.output
    rows = [json.loads(line) for line in out.stdout.splitlines() if line]
    return str(next(r["id"] for r in rows if r.get("email") == "marta@private.example"))


def test_export_erase_and_run(workdir: Path) -> None:
    customer_id = _marta(workdir)
    target = workdir / "marta.zip"
    exported = runner.invoke(cli, ["gdpr", "export", "SHOP", customer_id, "-o", str(target)])
    assert exported.exit_code == 0, exported.output
    files = archive.read_zip(target.read_bytes())
    assert json.loads(files["profile.json"])["email"] == "marta@private.example"

    erased = runner.invoke(cli, ["gdpr", "erase", "SHOP", customer_id])
    assert erased.exit_code == 0, erased.output
    assert f"customer {customer_id} erased" in erased.output
    refused = runner.invoke(cli, ["gdpr", "export", "SHOP", customer_id, "-o", str(target)])
    assert refused.exit_code == 1
    assert "erased" in refused.output

    ran = runner.invoke(cli, ["gdpr", "run"])
    assert ran.exit_code == 0, ran.output
    assert "customers purged" in ran.output


def test_unknown_store_and_bad_id_fail_cleanly(workdir: Path) -> None:
    unknown = runner.invoke(cli, ["gdpr", "erase", "NOPE", "00000000-0000-0000-0000-000000000000"])
    assert unknown.exit_code == 1
    assert "NOPE" in unknown.output
    bad = runner.invoke(cli, ["gdpr", "erase", "SHOP", "not-an-id"])
    assert bad.exit_code == 1
    assert "customer_id" in bad.output

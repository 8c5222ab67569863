"""`clientbook import` and `clientbook export` (synchronous, on SQLite, like tests/test_cli.py)."""

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from clientbook.cli import app as cli
from clientbook.settings import get_settings
from clientbook.transfer import importer

runner = CliRunner()

CSV = (
    "first_name,last_name,email,phone,birth_date,loyalty_card_number\n"
    "Ada,Lovelace,ada@example.com,+44 20 7946 0018,1985-12-10,\n"
    "Bad,Mail,not-an-email,,,\n"
    "Grace,Hopper,grace@example.com,,1976-12-09,CARD-1\n"
    "Grace,Again,GRACE@example.com,,,\n"
    "Walk,In,,+48 600 700 800,,\n"
)


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
    yield tmp_path
    get_settings.cache_clear()


def _export(*args: str) -> list[dict[str, str]]:
    result = runner.invoke(cli, ["export", "--store", "SHOP", *args])
    assert result.exit_code == 0, result.output
    return list(csv.DictReader(io.StringIO(result.stdout)))


def _imported() -> list[dict[str, str]]:
    """The store's customers but the store's own and those made for its staff accounts."""
    return [
        row
        for row in _export()
        if not row["display_name"].endswith("@shop.example") and row["display_name"] != "Shop"
    ]


def test_import_reports_each_row_and_a_summary(workdir: Path) -> None:
    file = workdir / "customers.csv"
    file.write_text(CSV)
    report = workdir / "report.csv"
    result = runner.invoke(cli, ["import", str(file), "--store", "SHOP", "--report", str(report)])
    assert result.exit_code == 2, result.output  # some rows had errors
    assert result.stdout.startswith("5 rows: 3 created, 0 updated, 1 skipped, 1 errors in "), (
        result.stdout
    )
    assert "rows/s" in result.stdout
    assert list(csv.reader(report.open())) == [
        ["row", "identifier", "result", "message"],
        ["1", "ada@example.com", "created", ""],
        [
            "2",
            "not-an-email",
            "error",
            "email: is not a valid e-mail address: An email address must have an @-sign.",
        ],
        ["3", "grace@example.com", "created", ""],
        ["4", "GRACE@example.com", "skipped", "same e-mail as row 3, which was imported"],
        ["5", "row 5", "created", ""],
    ]
    assert sorted(row["first_name"] for row in _imported()) == ["Ada", "Grace", "Walk"]

    # without --report the errors go to stderr; running it again adds nothing
    again = runner.invoke(cli, ["import", str(file), "--store", "SHOP"])
    assert again.exit_code == 2
    assert "5 rows: 0 created, 0 updated, 4 skipped, 1 errors" in again.stdout
    assert "row 2 (not-an-email): email: is not a valid e-mail address" in again.stderr
    assert len(_imported()) == 3


def test_upsert_and_json_lines(workdir: Path) -> None:
    file = workdir / "customers.csv"
    file.write_text(CSV.replace("Bad,Mail,not-an-email", "Bad,Mail,bad@example.com"))
    assert runner.invoke(cli, ["import", str(file), "--store", "SHOP"]).exit_code == 0
    update = workdir / "update.data"
    update.write_text('{"email": "ada@example.com", "title": "Countess", "id": "ignored"}\n')
    no_format = runner.invoke(cli, ["import", str(update), "--store", "SHOP"])
    assert no_format.exit_code == 1
    assert "cannot tell the format of update.data: give --format csv|jsonl" in no_format.output
    result = runner.invoke(
        cli,
        ["import", str(update), "--store", "SHOP", "--format", "jsonl", "--mode", "upsert"],
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("1 rows: 0 created, 1 updated, 0 skipped, 0 errors")
    (ada,) = [row for row in _imported() if row["email"] == "ada@example.com"]
    assert (ada["first_name"], ada["title"]) == ("Ada", "Countess")


def test_export_to_stdout_and_to_a_file(workdir: Path) -> None:
    file = workdir / "customers.csv"
    file.write_text(CSV)
    runner.invoke(cli, ["import", str(file), "--store", "SHOP"])
    rows = _export()
    assert len(rows) == 5  # three imported, the store's own customer and the owner's
    assert {row["phone"] for row in rows} >= {"+442079460018", "+48600700800"}

    out = workdir / "out.jsonl"
    result = runner.invoke(cli, ["export", "--store", "SHOP", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "5 customers written to" in result.stderr
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert [line["id"] for line in lines] == [row["id"] for row in rows]
    assert not (workdir / "out.jsonl.part").exists()

    # what export writes, import takes back: into a fresh store, and again unchanged
    assert runner.invoke(cli, ["create-store", "COPY", "--name", "Copy"]).exit_code == 0
    copy_owner = runner.invoke(
        cli,
        ["create-user", "owner@copy.example", "--store", "COPY", "--role", "owner"],
        input="long enough password\nlong enough password\n",
    )
    assert copy_owner.exit_code == 0
    moved = runner.invoke(cli, ["import", str(out), "--store", "COPY"])
    assert moved.exit_code == 0, moved.output
    assert moved.stdout.startswith("5 rows: 5 created, 0 updated, 0 skipped, 0 errors")
    back = runner.invoke(cli, ["import", str(out), "--store", "COPY", "--mode", "upsert"])
    assert back.stdout.startswith("5 rows: 0 created, 0 updated, 5 skipped, 0 errors")


def test_files_and_stores_that_cannot_be_used_are_clean_errors(workdir: Path) -> None:
    latin1 = workdir / "latin1.csv"
    latin1.write_bytes("first_name,email\nJosé,jose@example.com\n".encode("latin-1"))
    result = runner.invoke(cli, ["import", str(latin1), "--store", "SHOP"])
    assert result.exit_code == 1
    assert "error: the file is not UTF-8 text (byte 0xe9 at position 20)" in result.stderr
    assert "Traceback" not in result.output

    unknown = workdir / "unknown.csv"
    unknown.write_text("first_name,nick,mail\nAda,A,a@example.com\n")
    result = runner.invoke(cli, ["import", str(unknown), "--store", "SHOP"])
    assert result.exit_code == 1
    assert "error: unknown columns: nick, mail" in result.stderr

    good = workdir / "good.csv"
    good.write_text("first_name\nAda\n")
    for args, message in [
        (["--store", "NOPE"], "no store with code NOPE"),
        (["--store", "SHOP", "--as", "nobody@example.com"], "nobody@example.com is not an"),
    ]:
        result = runner.invoke(cli, ["import", str(good), *args])
        assert result.exit_code == 1
        assert message in result.stderr
    assert runner.invoke(cli, ["create-store", "EMPTY", "--name", "No staff"]).exit_code == 0
    result = runner.invoke(cli, ["export", "--store", "EMPTY"])
    assert result.exit_code == 1
    assert "store EMPTY has no active owner or admin" in result.stderr
    seller = runner.invoke(
        cli,
        ["create-user", "seller@shop.example", "--store", "SHOP", "--role", "seller"],
        input="long enough password\nlong enough password\n",
    )
    assert seller.exit_code == 0
    result = runner.invoke(
        cli, ["import", str(good), "--store", "SHOP", "--as", "seller@shop.example"]
    )
    assert result.exit_code == 1
    assert "This needs the admin role in the store" in result.stderr
    assert _imported() == []


def test_a_stopped_import_is_finished_by_running_it_again(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    file = workdir / "customers.csv"
    file.write_text("first_name,email\n" + "".join(f"N{i},n{i}@example.com\n" for i in range(7)))
    monkeypatch.setattr(importer, "BATCH_SIZE", 2)
    real = importer._import_batch
    calls = 0

    async def killed_in_batch_three(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == 3:
            raise KeyboardInterrupt
        return await real(*args, **kwargs)

    monkeypatch.setattr(importer, "_import_batch", killed_in_batch_three)
    stopped = runner.invoke(cli, ["import", str(file), "--store", "SHOP"])
    assert stopped.exit_code == 1
    assert stopped.stdout.startswith("4 rows: 4 created")
    assert "error: the import stopped: interrupted" in stopped.stderr
    assert "run the same command again to finish" in stopped.stderr
    assert len(_imported()) == 4

    finished = runner.invoke(cli, ["import", str(file), "--store", "SHOP"])
    assert finished.exit_code == 0, finished.output
    assert finished.stdout.startswith("7 rows: 3 created, 0 updated, 4 skipped, 0 errors")
    assert sorted(row["email"] for row in _imported()) == [f"n{i}@example.com" for i in range(7)]

"""A row holding what the database cannot keep is that row's error; the others go on."""

import json

import pytest

from clientbook.kit.db import Database
from clientbook.kit.untrusted import MAX_DEPTH, NUL, TOO_DEEP
from clientbook.transfer.formats import Format
from tests.factories import Factory
from tests.transfer.helpers import by_email, results, run_import, stored


def _jsonl(*rows: object) -> str:
    return "".join(json.dumps(row) + "\n" for row in rows)


async def test_a_csv_row_with_nul_is_an_error_and_the_rest_is_imported(
    factory: Factory, database: Database
) -> None:
    ctx = await factory.store()
    content = (
        "first_name,email,labels\n"
        "Good1,good1@example.com,\n"
        "Bad\x00Name,nul@example.com,\n"
        'Bad,label@example.com,"[{""key"":""a\\u0000b""}]"\n'
        "Bad,nul\x00@example.com,\n"
        "Good2,good2@example.com,\n"
    )
    reports = await run_import(database, ctx, content, batch_size=2)
    assert results(reports) == [
        (1, "good1@example.com", "created", ""),
        (2, "nul@example.com", "error", f"first_name: {NUL}"),
        (3, "label@example.com", "error", f"labels.0.key: {NUL}"),
        (4, "row 4", "error", f"email: {NUL}"),
        (5, "good2@example.com", "created", ""),
    ]
    assert set(by_email(await stored(database, ctx))) == {
        "good1@example.com",
        "good2@example.com",
    }
    # A second run goes past the bad rows as well: nothing new, the same errors.
    again = await run_import(database, ctx, content, batch_size=2)
    assert [r.result.value for r in again] == ["skipped", "error", "error", "error", "skipped"]


@pytest.mark.parametrize("batch_size", [1, 100])
async def test_a_json_lines_row_with_nul_is_an_error_and_the_rest_is_imported(
    factory: Factory, database: Database, batch_size: int
) -> None:
    ctx = await factory.store()
    deep: object = 1
    for _ in range(MAX_DEPTH + 5):
        deep = [deep]
    content = _jsonl(
        {"first_name": "Good1", "email": "good1@example.com"},
        {"first_name": "Bad\u0000", "email": "nul@example.com"},
        {"first_name": "Big", "email": "big@example.com", "preferences": {"n": 2**70}},
        {"first_name": "Deep", "email": "deep@example.com", "metadata": {"x": deep}},
        {"first_name": "Good2", "email": "good2@example.com", "company": {"name": "Ok"}},
    )
    reports = await run_import(database, ctx, content, Format.jsonl, batch_size=batch_size)
    outcome = results(reports)
    assert outcome[0] == (1, "good1@example.com", "created", "")
    assert outcome[1] == (2, "nul@example.com", "error", f"first_name: {NUL}")
    assert outcome[2][2] == "error"  # orjson reads 2**70 as a float: the schema refuses it
    assert outcome[3][:3] == (4, "deep@example.com", "error")
    assert outcome[3][3].endswith(TOO_DEEP)
    assert outcome[4] == (5, "good2@example.com", "created", "")
    assert set(by_email(await stored(database, ctx))) == {
        "good1@example.com",
        "good2@example.com",
    }

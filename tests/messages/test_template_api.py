"""``/v1/stores/{store}/message-templates``: a store's own texts, used when it sends."""

import httpx

from clientbook.kit.db import Database
from clientbook.messages.outbox import enqueue
from tests.factories import Factory
from tests.messages.helpers import Recorder, drain, message, recording_sender
from tests.problems import assert_problem, error_fields

SMS_FR = "/message-templates/test_message/sms/fr"


async def test_owner_sets_lists_and_removes_a_text(
    client: httpx.AsyncClient, database: Database, factory: Factory
) -> None:
    ctx = await factory.store()
    body = "{{ store.name }} : votre code est {{ code }}"
    put = await client.put(ctx.base + SMS_FR, json={"body": body}, headers=ctx.admin.headers)
    assert put.status_code == 200, put.text
    assert put.json() | {"updated_at": None} == {
        "template": "test_message",
        "channel": "sms",
        "language": "fr",
        "source": "store",
        "body": body,
        "updated_at": None,
    }
    again = await client.put(
        ctx.base + SMS_FR, json={"body": body + "."}, headers=ctx.owner.headers
    )
    assert again.status_code == 200

    listed = (await client.get(ctx.base + "/message-templates", headers=ctx.admin.headers)).json()
    own = [t for t in listed["data"] if t["source"] == "store"]
    assert [(t["template"], t["channel"], t["language"], t["body"]) for t in own] == [
        ("test_message", "sms", "fr", body + ".")
    ]
    defaults = {(t["template"], t["channel"], t["language"]) for t in listed["data"]}
    assert ("test_message", "email", "en") in defaults
    assert ("layout", "email", "en") in defaults

    async with database.transaction() as session:
        message_id = await enqueue(
            session,
            store_id=ctx.id,
            channel="sms",
            to="+33612345678",
            template="test_message",
            context={"code": "555111"},
            language="fr-CA",
        )
    recorder = Recorder()
    await drain(recording_sender(database, recorder))
    [sent] = [m for m in recorder.sent if m.id == message_id]
    assert sent.text == f"{ctx.store.name} : votre code est 555111.\n"

    deleted = await client.delete(ctx.base + SMS_FR, headers=ctx.admin.headers)
    assert deleted.status_code == 204
    gone = await client.delete(ctx.base + SMS_FR, headers=ctx.admin.headers)
    assert_problem(gone, 404)


async def test_a_text_that_does_not_compile_is_refused(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store()
    broken = await client.put(
        ctx.base + SMS_FR, json={"body": "{% if code %}no end"}, headers=ctx.admin.headers
    )
    assert error_fields(assert_problem(broken, 422)) == {"body"}
    no_subject = await client.put(
        ctx.base + "/message-templates/test_message/email/en",
        json={"body": "Hello {{ name }}"},
        headers=ctx.admin.headers,
    )
    problem = assert_problem(no_subject, 422)
    assert error_fields(problem) == {"body"}
    assert "Subject:" in problem["errors"][0]["message"]
    listed = (await client.get(ctx.base + "/message-templates", headers=ctx.admin.headers)).json()
    assert [t for t in listed["data"] if t["source"] == "store"] == []


async def test_a_sandboxed_template_cannot_reach_python(
    client: httpx.AsyncClient, database: Database, factory: Factory
) -> None:
    ctx = await factory.store()
    escape = "{{ ''.__class__.__mro__[1].__subclasses__() }}"
    put = await client.put(ctx.base + SMS_FR, json={"body": escape}, headers=ctx.admin.headers)
    assert put.status_code == 200  # it compiles; rendering it fails the message instead
    async with database.transaction() as session:
        message_id = await enqueue(
            session,
            store_id=ctx.id,
            channel="sms",
            to="+33612345678",
            template="test_message",
            context={},
            language="fr",
        )
    recorder = Recorder()
    await drain(recording_sender(database, recorder))
    assert message_id not in {m.id for m in recorder.sent}
    row = await message(database, message_id)
    assert row.status == "failed"
    assert (row.last_error or "").startswith("template: rendering failed")


async def test_bad_names_in_the_path_are_422(client: httpx.AsyncClient, factory: Factory) -> None:
    ctx = await factory.store()
    for path in ("/Bad-Name/sms/fr", "/test_message/fax/fr", "/test_message/sms/not_a_tag"):
        response = await client.put(
            ctx.base + "/message-templates" + path, json={"body": "x"}, headers=ctx.admin.headers
        )
        assert_problem(response, 422)


async def test_only_owners_and_admins_of_the_store(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store()
    other = await factory.store()
    body = {"body": "x {{ code }}"}
    assert_problem(await client.put(ctx.base + SMS_FR, json=body, headers=ctx.seller.headers), 403)
    assert_problem(
        await client.get(ctx.base + "/message-templates", headers=ctx.seller.headers), 403
    )
    assert_problem(await client.put(ctx.base + SMS_FR, json=body, headers=other.owner.headers), 404)
    assert_problem(await client.get(ctx.base + "/message-templates"), 401)

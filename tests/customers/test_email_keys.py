"""E-mail uniqueness compares addresses as people read them: Unicode NFC, any case, and
the domain in its ASCII (IDNA) form; the address is stored as given."""

import unicodedata

import httpx
import pytest

from clientbook.kit.contact import email_key
from tests.customers.helpers import create, problem, url
from tests.factories import Factory

NFC = unicodedata.normalize("NFC", "zoë@bücher.example")
NFD = unicodedata.normalize("NFD", "zoë@bücher.example")


def test_the_key_is_nfc_lower_case_and_the_ascii_domain() -> None:
    assert NFC != NFD
    assert email_key(NFC) == email_key(NFD) == "zoë@xn--bcher-kva.example"
    assert email_key(" Zoë@XN--BCHER-KVA.example ") == "zoë@xn--bcher-kva.example"
    assert email_key("ada@example.com") == "ada@example.com"
    assert email_key("not an address") == "not an address"


@pytest.mark.parametrize(
    "again",
    [NFD, "zoë@xn--bcher-kva.example", "ZOË@BÜCHER.EXAMPLE", unicodedata.normalize("NFD", NFC)],
)
async def test_the_same_address_in_another_form_is_taken(
    client: httpx.AsyncClient, factory: Factory, again: str
) -> None:
    ctx = await factory.store()
    first = await create(client, ctx, {"email": NFC})
    assert first["email"] == NFC  # stored as given
    response = await client.post(url(ctx), json={"email": again}, headers=ctx.seller.headers)
    problem(response, 409, "email")
    found = await client.get(url(ctx), params={"email": again}, headers=ctx.seller.headers)
    assert [c["id"] for c in found.json()["data"]] == [first["id"]]


async def test_an_nfd_address_is_stored_as_given(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store()
    body = await create(client, ctx, {"email": NFD})
    assert body["email"] == NFD
    stored = await factory.get_customer(ctx, body["id"])
    assert stored is not None
    assert stored.email_key == "zoë@xn--bcher-kva.example"

"""The console in a real browser: Playwright driving Debian's Chromium against
``clientbook serve``. Few and fast: one server and one browser for the module, a fresh
context (cookie jar) per test. Screenshots go to ``var/artifacts/console`` (or
``CLIENTBOOK_ARTIFACTS``); docs/console.md shows copies of them."""

import os
import re
import struct
import zlib
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import delete

from clientbook.kit.db import Database
from clientbook.models import LoginAttempt
from clientbook.settings import Settings
from tests.factories import PASSWORD, Factory, Staff, StoreCtx
from tests.server import LiveServer, serve

playwright_api = pytest.importorskip("playwright.async_api")
expect = playwright_api.expect
CHROMIUM = Path(os.environ.get("CLIENTBOOK_CHROMIUM", "/usr/bin/chromium"))
ARTIFACTS = Path(os.environ.get("CLIENTBOOK_ARTIFACTS", "var/artifacts/console"))


def _png(width: int = 240, height: int = 160) -> bytes:
    """A small gradient picture, made here: something to see in the preview."""
    rows = b"".join(
        b"\x00" + bytes(v for x in range(width) for v in (40 + x // 2, 90 + y // 2, 200))
        for y in range(height)
    )

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


if not CHROMIUM.exists():  # `make test` installs it (Makefile); a bare checkout may lack it
    pytest.skip(f"no Chromium at {CHROMIUM}", allow_module_level=True)


@pytest.fixture(scope="module")
def console_server(settings: Settings, data_dir: Path) -> Iterator[LiveServer]:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    yield from serve(settings, data_dir / "console-server", workers=1)


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[object]:
    async with playwright_api.async_playwright() as driver:
        launched = await driver.chromium.launch(
            executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"]
        )
        yield launched
        await launched.close()


@pytest.fixture
async def page(
    browser: object, console_server: LiveServer, database: Database
) -> AsyncIterator[object]:
    # The suite's other live servers (the fuzzer's) guess sign-ins from this same
    # loopback address against this database: start each journey with its count clear.
    async with database.transaction() as session:
        await session.execute(delete(LoginAttempt).where(LoginAttempt.key.like("ip:%")))
    context = await browser.new_context(  # type: ignore[attr-defined]
        base_url=console_server.base_url, viewport={"width": 1280, "height": 860}
    )
    context.set_default_timeout(20_000)  # a loaded CI machine renders slowly
    tab = await context.new_page()
    yield tab
    await context.close()


async def _shot(page: object, name: str, *, full_page: bool = False) -> None:
    path = str(ARTIFACTS / f"{name}.png")
    await page.screenshot(path=path, full_page=full_page)  # type: ignore[attr-defined]


async def _sign_in(page: object, staff: Staff) -> None:
    await page.goto("/console")  # type: ignore[attr-defined]
    await page.get_by_label("E-mail").fill(staff.email)  # type: ignore[attr-defined]
    await page.get_by_label("Password").fill(PASSWORD)  # type: ignore[attr-defined]
    await page.get_by_label("Password").press("Enter")  # type: ignore[attr-defined]
    await page.wait_for_url(re.compile(r"/console/[^/]+/customers"))  # type: ignore[attr-defined]


async def _store_with_people(factory: Factory) -> StoreCtx:
    ctx = await factory.store(country="PL")
    await factory.customer(ctx, first_name="Zofia", last_name="Nowak", phone="+48 601 200 300")
    await factory.customer(ctx, first_name="Adam", last_name="Kowal", loyalty_card_number="C-77")
    await factory.customer(ctx, first_name="Irena", last_name="Wójcik", labels=[{"key": "vip"}])
    return ctx


async def test_sign_in_search_open_and_edit(page: object, factory: Factory) -> None:
    ctx = await _store_with_people(factory)
    await page.goto("/console/sign-in")  # type: ignore[attr-defined]
    await _shot(page, "sign-in")
    await _sign_in(page, ctx.seller)
    await _shot(page, "customers")
    search = page.get_by_label("Search")  # type: ignore[attr-defined]
    await search.press_sequentially("zof", delay=30)
    results = page.locator("#results")  # type: ignore[attr-defined]
    await expect(results.get_by_text("Adam Kowal")).to_have_count(0)
    await expect(results.get_by_text("Zofia Nowak")).to_have_count(1)
    await _shot(page, "search")
    await search.press("Enter")  # opens the first customer found
    await page.get_by_role("heading", name="Zofia Nowak").wait_for()  # type: ignore[attr-defined]
    email = page.get_by_label("E-mail", exact=True)  # type: ignore[attr-defined]
    await email.fill("zofia-at-example")
    await page.get_by_role("button", name="Save changes").click()  # type: ignore[attr-defined]
    error = page.locator("#e-email")  # type: ignore[attr-defined]
    await error.wait_for()
    assert "e-mail" in (await error.inner_text()).lower() or "@" in await error.inner_text()
    await _shot(page, "field-error")
    await page.get_by_label("E-mail", exact=True).fill("zofia@example.com")  # type: ignore[attr-defined]
    await page.get_by_role("button", name="Save changes").click()  # type: ignore[attr-defined]
    await page.get_by_role("status").get_by_text("Saved.").wait_for()  # type: ignore[attr-defined]


async def _optician_records(server: LiveServer, ctx: StoreCtx, customer_id: object) -> None:
    """An address and two prescriptions, through the API, for a page with a history."""
    base = f"/v1/stores/{ctx.code}/customers/{customer_id}"
    async with server.client() as api:
        headers = ctx.owner.headers
        address = {"street": "ul. Długa 5", "postal_code": "00-238", "city": "Warszawa"}
        await api.post(f"{base}/addresses", json={**address, "country": "PL"}, headers=headers)
        for issued, sph in (("2024-03-01", "-1.25"), ("2025-09-15", "-1.50")):
            eye = {"sph": sph, "cyl": "-0.50", "axis": 90}
            vision = {"right_eye": eye, "left_eye": {**eye, "axis": 85}}
            answer = await api.post(
                f"{base}/prescriptions",
                json={"issued_on": issued, "prescriber": "Dr Nowicka", "distance_vision": vision},
                headers=headers,
            )
            assert answer.status_code == 201, answer.text


async def test_add_points_and_upload_and_preview_a_file(
    page: object, factory: Factory, console_server: LiveServer
) -> None:
    ctx = await factory.store(country="PL")
    customer = await factory.customer(
        ctx,
        first_name="Marta",
        last_name="Zielińska",
        phone="601 555 123",
        loyalty_card_number="4000-1234",
        labels=[{"key": "vip"}, {"key": "source", "value": "counter"}],
        consents={"email_marketing": True},
    )
    await _optician_records(console_server, ctx, customer.id)
    await _sign_in(page, ctx.seller)
    await page.goto(f"/console/{ctx.code}/customers/{customer.id}")  # type: ignore[attr-defined]
    await page.get_by_label("Points").fill("150")  # type: ignore[attr-defined]
    await page.get_by_label("Reason").fill("Welcome bonus")  # type: ignore[attr-defined]
    await page.get_by_role("button", name="Record").click()  # type: ignore[attr-defined]
    await page.locator('[data-wallet="points"]', has_text="150").wait_for()  # type: ignore[attr-defined]
    upload = page.locator("#f-file")  # type: ignore[attr-defined]
    await upload.set_input_files({"name": "scan.png", "mimeType": "image/png", "buffer": _png()})
    link = page.get_by_role("link", name="scan.png")  # type: ignore[attr-defined]
    await link.wait_for()
    await link.click()
    preview = page.locator("#preview img")  # type: ignore[attr-defined]
    await preview.wait_for()
    assert await preview.evaluate("img => img.complete && img.naturalWidth") == 240
    await _shot(page, "customer", full_page=True)


async def test_import_a_file_and_watch_it_finish(page: object, factory: Factory) -> None:
    ctx = await factory.store()
    await _sign_in(page, ctx.admin)
    await page.get_by_role("link", name="Import & export").click()  # type: ignore[attr-defined]
    rows = "email,first_name\n" + "".join(f"p{i}@example.com,P{i}\n" for i in range(40))
    rows += "broken,Nobody\n"
    await page.get_by_label("File (.csv or .jsonl)").set_input_files(  # type: ignore[attr-defined]
        {"name": "people.csv", "mimeType": "text/csv", "buffer": rows.encode()}
    )
    await page.get_by_role("button", name="Import").click()  # type: ignore[attr-defined]
    status = page.locator("#import-status[data-finished]")  # type: ignore[attr-defined]
    await status.wait_for()
    text = await status.inner_text()
    assert "40 created" in text, text
    assert "1 failed" in text, text
    await page.get_by_role("link", name="Download the rows that failed").wait_for()  # type: ignore[attr-defined]
    await _shot(page, "import")
    await page.get_by_role("link", name="API keys").click()  # type: ignore[attr-defined]
    await page.get_by_label("Name").fill("Till 1")  # type: ignore[attr-defined]
    await page.get_by_role("button", name="Create key").click()  # type: ignore[attr-defined]
    await page.locator("#new-key").wait_for()  # type: ignore[attr-defined]
    await _shot(page, "api-keys")


async def test_a_seller_sees_no_admin_actions_nor_another_stores_customer(
    page: object, factory: Factory
) -> None:
    ctx = await _store_with_people(factory)
    other = await factory.store()
    stranger = await factory.customer(other, first_name="Secret")
    await _sign_in(page, ctx.seller)
    nav = page.get_by_role("navigation", name="Main")  # type: ignore[attr-defined]
    assert await nav.get_by_role("link", name="Customers").count() == 1
    for admin_only in ("Import & export", "Members", "API keys", "Webhooks"):
        assert await nav.get_by_role("link", name=admin_only).count() == 0
    await page.get_by_role("link", name="Adam Kowal").click()  # type: ignore[attr-defined]
    await page.get_by_role("button", name="Deactivate").wait_for()  # type: ignore[attr-defined]
    assert await page.get_by_role("button", name="Delete").count() == 0  # type: ignore[attr-defined]
    for url in (
        f"/console/{ctx.code}/customers/{stranger.id}",
        f"/console/{other.code}/customers/{stranger.id}",
    ):
        answer = await page.goto(url)  # type: ignore[attr-defined]
        assert answer.status == 404
        assert await page.get_by_text("Secret").count() == 0  # type: ignore[attr-defined]

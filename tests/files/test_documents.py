"""Which documents a store may keep: judged by content and structure, one rule for every
surface (the canonical files API and J-Optic's create)."""

import io
import json

import httpx
import pytest

from clientbook.kit import documents
from tests.factories import Factory
from tests.files import samples
from tests.surfaces.test_joptic import EXAMPLE_1, create, headers

ACCEPTED = [
    ("scan.pdf", samples.PDF, "application/pdf", "scan.pdf"),
    ("photo.jpeg", samples.JPEG, "image/jpeg", "photo.jpeg"),
    ("photo.png", samples.PNG, "image/png", "photo.png"),
    ("photo.webp", samples.WEBP, "image/webp", "photo.webp"),
    ("photo.heic", samples.HEIC, "image/heic", "photo.heic"),
    ("photo.heif", samples.HEIF, "image/heif", "photo.heif"),
    ("scan.tif", samples.TIFF, "image/tiff", "scan.tif"),
    ("scan.tiff", samples.TIFF_BIG_ENDIAN, "image/tiff", "scan.tiff"),
    ("logo.gif", samples.GIF, "image/gif", "logo.gif"),
    ("scan.bmp", samples.BMP, "image/bmp", "scan.bmp"),
    ("letter.docx", samples.DOCX, documents.DOCX.media_type, "letter.docx"),
    ("sheet.xlsx", samples.XLSX, documents.XLSX.media_type, "sheet.xlsx"),
    ("letter.odt", samples.ODT, documents.ODT.media_type, "letter.odt"),
    ("sheet.ods", samples.ODS, documents.ODS.media_type, "sheet.ods"),
    ("note.txt", samples.LETTER, "text/plain", "note.txt"),
    ("bmw.txt", samples.BM_TEXT, "text/plain", "bmw.txt"),
    # the type is the content's; a name that says otherwise gets the right extension
    ("prescription.bin", samples.TIFF, "image/tiff", "prescription.bin.tiff"),
    ("run.bat", samples.LETTER, "text/plain", "run.bat.txt"),
]
REFUSED = [
    ("invoice.pdf", samples.EXE),  # an executable named as a PDF
    ("letter.docx", samples.PLAIN_ZIP),  # a zip named as a Word document
    ("letter.docx", samples.DOCX_WITHOUT_ITS_PART),
    ("letter.docm", samples.DOCM),  # macro-enabled
    ("letter.docx", samples.DOCX_WITH_VBA),
    ("letter.odt", samples.ODT_WITH_BASIC),
    ("note.txt", samples.NOT_UTF8),
    ("note.txt", samples.CONTROL_CHARACTERS),
    ("broken.docx", samples.DOCX[:40]),  # a zip's first bytes, no archive
]


@pytest.mark.parametrize(("name", "content", "media_type", "_stored"), ACCEPTED)
def test_documents_opticians_keep_are_known_by_content(
    name: str, content: bytes, media_type: str, _stored: str
) -> None:
    found = documents.identify(io.BytesIO(content))
    assert found is not None, name
    assert found.media_type == media_type


@pytest.mark.parametrize(("name", "content"), REFUSED)
def test_executables_macros_and_disguised_files_are_not_documents(
    name: str, content: bytes
) -> None:
    assert documents.identify(io.BytesIO(content)) is None, name


@pytest.mark.parametrize(("name", "content", "media_type", "stored"), ACCEPTED)
async def test_the_files_api_keeps_every_document_type(
    client: httpx.AsyncClient,
    factory: Factory,
    name: str,
    content: bytes,
    media_type: str,
    stored: str,
) -> None:
    ctx = await factory.store()
    customer = await factory.customer(ctx)
    url = f"{ctx.base}/customers/{customer.id}/files"
    response = await client.post(
        url,
        files={"document": (name, content, "application/octet-stream")},
        headers=ctx.seller.headers,
    )
    assert response.status_code == 201, response.text
    (kept,) = response.json()["data"]
    assert (kept["content_type"], kept["original_name"]) == (media_type, stored)
    download = await client.get(f"{url}/{kept['id']}/content", headers=ctx.seller.headers)
    assert download.content == content
    assert download.headers["content-type"].startswith(media_type)


async def test_joptic_keeps_a_tiff_scan_and_a_docx_letter_with_the_customer(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store()
    response = await create(
        client,
        ctx,
        EXAMPLE_1,
        [
            ("prescription", ("scan.tiff", samples.TIFF, "image/tiff")),
            ("letter", ("letter.docx", samples.DOCX, "application/octet-stream")),
            ("note", ("note.txt", samples.LETTER, "text/plain")),
        ],
    )
    assert response.status_code == 201, response.text
    customer_id = response.json()["customer"]["id"]
    files = await client.get(
        f"{ctx.base}/customers/{customer_id}/files", headers=ctx.seller.headers
    )
    assert sorted(f["content_type"] for f in files.json()["data"]) == sorted(
        ["image/tiff", documents.DOCX.media_type, "text/plain"]
    )


@pytest.mark.parametrize(("name", "content"), REFUSED)
async def test_joptic_refuses_disguised_files_and_keeps_nothing(
    client: httpx.AsyncClient, factory: Factory, name: str, content: bytes
) -> None:
    ctx = await factory.store()
    response = await create(
        client, ctx, EXAMPLE_1, [("prescription", (name, content, "application/pdf"))]
    )
    assert response.status_code == 415
    body = response.json()
    assert body["statusCode"] == 415
    assert "prescription" in json.dumps(body)
    assert (await client.get("/customer", headers=headers(ctx))).json()["data"] == []

import hashlib
import uuid
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from clientbook.app import create_app
from clientbook.kit.db import Database
from clientbook.settings import Settings
from tests.factories import Factory
from tests.files.samples import DOCM, EXE, HEIC, JPEG, NOT_UTF8, PDF, PLAIN_ZIP, PNG, WEBP


def files_url(ctx: object, customer_id: object) -> str:
    return f"{ctx.base}/customers/{customer_id}/files"  # type: ignore[attr-defined]


async def test_upload_list_download_delete(
    client: httpx.AsyncClient, factory: Factory, settings: Settings
) -> None:
    ctx = await factory.store()
    customer = await factory.customer(ctx)
    url = files_url(ctx, customer.id)
    uploaded = await client.post(
        url,
        files=[
            ("prescription", ("scan.pdf", PDF, "application/octet-stream")),
            ("id_card", ("front.jpg", JPEG, "image/jpeg")),
        ],
        headers=ctx.seller.headers,
    )
    assert uploaded.status_code == 201, uploaded.text
    data = uploaded.json()["data"]
    assert [(f["kind"], f["original_name"], f["content_type"]) for f in data] == [
        ("prescription", "scan.pdf", "application/pdf"),
        ("id_card", "front.jpg", "image/jpeg"),
    ]
    assert data[0]["size"] == len(PDF)
    assert data[0]["sha256"] == hashlib.sha256(PDF).hexdigest()
    assert data[0]["uploaded_by"] == str(ctx.seller.user.id)

    listed = await client.get(url, params={"kind": "prescription"}, headers=ctx.seller.headers)
    assert [f["id"] for f in listed.json()["data"]] == [data[0]["id"]]

    content = await client.get(f"{url}/{data[0]['id']}/content", headers=ctx.seller.headers)
    assert content.status_code == 200
    assert content.content == PDF
    assert content.headers["content-type"] == "application/pdf"
    assert "scan.pdf" in content.headers["content-disposition"]

    stored = Path(settings.storage_dir or "") / str(ctx.id) / str(customer.id) / data[0]["id"]
    assert stored.read_bytes() == PDF

    assert (
        await client.delete(f"{url}/{data[0]['id']}", headers=ctx.seller.headers)
    ).status_code == 403
    deleted = await client.delete(f"{url}/{data[0]['id']}", headers=ctx.admin.headers)
    assert deleted.status_code == 204
    assert not stored.exists()
    gone = await client.get(f"{url}/{data[0]['id']}", headers=ctx.admin.headers)
    assert gone.status_code == 404


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (PNG, "image/png"),
        (WEBP, "image/webp"),
        (HEIC, "image/heic"),
    ],
)
async def test_type_comes_from_content(
    client: httpx.AsyncClient, factory: Factory, content: bytes, expected: str
) -> None:
    ctx = await factory.store()
    customer = await factory.customer(ctx)
    response = await client.post(
        files_url(ctx, customer.id),
        files={"document": ("whatever.bin", content, "text/plain")},
        headers=ctx.seller.headers,
    )
    assert response.status_code == 201, response.text
    assert response.json()["data"][0]["content_type"] == expected


@pytest.mark.parametrize("content", [EXE, PLAIN_ZIP, DOCM, NOT_UTF8])
async def test_other_content_is_refused_with_415_and_nothing_is_kept(
    client: httpx.AsyncClient, factory: Factory, settings: Settings, content: bytes
) -> None:
    ctx = await factory.store()
    customer = await factory.customer(ctx)
    url = files_url(ctx, customer.id)
    response = await client.post(
        url,
        files=[
            ("prescription", ("good.pdf", PDF, "application/pdf")),
            ("id_card", ("evil.pdf", content, "application/pdf")),
        ],
        headers=ctx.seller.headers,
    )
    assert response.status_code == 415
    assert response.json()["errors"][0]["field"] == "id_card"
    assert (await client.get(url, headers=ctx.seller.headers)).json()["data"] == []
    folder = Path(settings.storage_dir or "") / str(ctx.id)
    assert not folder.exists() or not any(folder.rglob("*"))


async def test_oversize_file_is_413_and_nothing_is_kept(
    factory: Factory, settings: Settings, database: Database
) -> None:
    small = settings.model_copy(update={"max_upload_bytes": 2048})
    app: FastAPI = create_app(small, database)
    transport = httpx.ASGITransport(app=app, client=("10.9.9.9", 1))
    ctx = await factory.store()
    customer = await factory.customer(ctx)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        response = await client.post(
            files_url(ctx, customer.id),
            files={"prescription": ("big.pdf", PDF + b"0" * 4096, "application/pdf")},
            headers=ctx.seller.headers,
        )
        assert response.status_code == 413
        assert response.json()["errors"][0]["field"] == "prescription"
        listed = await client.get(files_url(ctx, customer.id), headers=ctx.seller.headers)
        assert listed.json()["data"] == []


async def test_path_traversal_file_names_are_sanitised(
    client: httpx.AsyncClient, factory: Factory, settings: Settings
) -> None:
    ctx = await factory.store()
    customer = await factory.customer(ctx)
    response = await client.post(
        files_url(ctx, customer.id),
        files={"prescription": ("../../../etc/passwd\x00.pdf", PDF, "application/pdf")},
        headers=ctx.seller.headers,
    )
    assert response.status_code == 201
    record = response.json()["data"][0]
    name = record["original_name"]
    assert "/" not in name
    assert "\\" not in name
    assert not name.startswith(".")
    assert name.startswith("passwd")
    assert name.endswith(".pdf")
    assert not (Path(settings.storage_dir or "").parent / "etc").exists()
    blank = await client.post(
        files_url(ctx, customer.id),
        files={"prescription": ("..", PDF, "application/pdf")},
        headers=ctx.seller.headers,
    )
    assert blank.json()["data"][0]["original_name"] == "file.pdf"


async def test_files_need_the_same_store_access_as_the_customer(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ours, theirs = await factory.store(), await factory.store()
    customer = await factory.customer(ours)
    url = files_url(ours, customer.id)
    uploaded = await client.post(
        url, files={"prescription": ("a.pdf", PDF, "application/pdf")}, headers=ours.seller.headers
    )
    file_id = uploaded.json()["data"][0]["id"]
    for path in (url, f"{url}/{file_id}", f"{url}/{file_id}/content"):
        assert (await client.get(path, headers=theirs.owner.headers)).status_code == 404
        foreign = path.replace(ours.base, theirs.base)
        assert (await client.get(foreign, headers=theirs.owner.headers)).status_code == 404
        assert (await client.get(path)).status_code == 401
    upload_elsewhere = await client.post(
        files_url(theirs, customer.id),
        files={"prescription": ("a.pdf", PDF, "application/pdf")},
        headers=theirs.owner.headers,
    )
    assert upload_elsewhere.status_code == 404
    wrong_customer = await factory.customer(ours)
    crossed = await client.get(
        f"{files_url(ours, wrong_customer.id)}/{file_id}", headers=ours.seller.headers
    )
    assert crossed.status_code == 404


async def test_upload_needs_a_file_and_multipart(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store()
    customer = await factory.customer(ctx)
    url = files_url(ctx, customer.id)
    no_file = await client.post(url, data={"kind": "x"}, files={}, headers=ctx.seller.headers)
    assert no_file.status_code in (415, 422)
    as_json = await client.post(url, json={"file": "x"}, headers=ctx.seller.headers)
    assert as_json.status_code == 415
    unknown = await client.post(
        files_url(ctx, uuid.uuid4()),
        files={"prescription": ("a.pdf", PDF, "application/pdf")},
        headers=ctx.seller.headers,
    )
    assert unknown.status_code == 404

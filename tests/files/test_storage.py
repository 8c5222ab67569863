"""Where uploaded files live: a local directory or S3 (against moto), and picking one by URL."""

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from clientbook.kit.storage import LocalStorage, S3Storage, storage_from_url
from tests.files.samples import PDF

BIG = bytes(range(256)) * 1024  # 256 KiB: more than one chunk each way


def test_local_put_get_delete(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path / "files")
    storage.put("store/customer/file", io.BytesIO(BIG), "application/pdf")
    stored = tmp_path / "files" / "store" / "customer" / "file"
    assert stored.read_bytes() == BIG
    assert not stored.with_suffix(".partial").exists()
    chunks = list(storage.get("store/customer/file"))
    assert len(chunks) > 1
    assert b"".join(chunks) == BIG

    storage.put("store/customer/file", io.BytesIO(PDF), "application/pdf")  # replaces
    assert b"".join(storage.get("store/customer/file")) == PDF

    storage.delete("store/customer/file")
    assert not stored.exists()
    storage.delete("store/customer/file")  # already gone: no error
    with pytest.raises(FileNotFoundError):
        list(storage.get("store/customer/file"))


@pytest.mark.parametrize("key", ["../x", "a/../../x", "/etc/passwd"])
def test_local_keys_may_not_escape_the_root(tmp_path: Path, key: str) -> None:
    root = tmp_path / "files"
    storage = LocalStorage(root)
    with pytest.raises(ValueError, match="escapes the storage root"):
        storage.put(key, io.BytesIO(PDF), "application/pdf")
    with pytest.raises(ValueError, match="escapes the storage root"):
        list(storage.get(key))
    with pytest.raises(ValueError, match="escapes the storage root"):
        storage.delete(key)
    assert not (tmp_path / "x").exists()


@pytest.fixture
def s3(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket="clientbook-files")
        yield client


def _keys(client: Any) -> list[str]:
    listed = client.list_objects_v2(Bucket="clientbook-files")
    return [o["Key"] for o in listed.get("Contents", [])]


def test_s3_put_get_delete_under_a_prefix(s3: Any) -> None:
    storage = S3Storage("s3://clientbook-files/some/prefix?region=us-east-1")
    assert (storage.bucket, storage.prefix) == ("clientbook-files", "some/prefix")
    storage.put("store/customer/file", io.BytesIO(BIG), "application/pdf")

    assert _keys(s3) == ["some/prefix/store/customer/file"]
    stored = s3.get_object(Bucket="clientbook-files", Key="some/prefix/store/customer/file")
    assert stored["ContentType"] == "application/pdf"
    assert stored["Body"].read() == BIG
    assert b"".join(storage.get("store/customer/file")) == BIG

    storage.delete("store/customer/file")
    assert _keys(s3) == []


def test_s3_without_a_prefix(s3: Any) -> None:
    storage = S3Storage("s3://clientbook-files?region=us-east-1")
    storage.put("a/b", io.BytesIO(PDF), "application/pdf")
    assert _keys(s3) == ["a/b"]
    assert b"".join(storage.get("a/b")) == PDF
    storage.delete("a/b")
    assert _keys(s3) == []


def test_storage_from_url(tmp_path: Path, s3: Any) -> None:
    plain = storage_from_url(str(tmp_path / "plain"))
    assert isinstance(plain, LocalStorage)
    assert plain.root == (tmp_path / "plain").resolve()

    local = storage_from_url(f"file://{tmp_path / 'local'}")
    assert isinstance(local, LocalStorage)
    assert local.root == (tmp_path / "local").resolve()
    local.put("k", io.BytesIO(PDF), "application/pdf")
    assert (tmp_path / "local" / "k").read_bytes() == PDF

    remote = storage_from_url("s3://clientbook-files/some/prefix?region=us-east-1")
    assert isinstance(remote, S3Storage)
    assert (remote.bucket, remote.prefix) == ("clientbook-files", "some/prefix")
    remote.put("k", io.BytesIO(PDF), "application/pdf")
    assert _keys(s3) == ["some/prefix/k"]


@pytest.mark.parametrize("url", ["ftp://host/files", "gs://bucket/prefix", "http://x/y"])
def test_storage_from_url_refuses_other_schemes(url: str) -> None:
    with pytest.raises(ValueError, match="unsupported storage URL"):
        storage_from_url(url)

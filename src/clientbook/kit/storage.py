"""Where uploaded files live: a local directory (default) or S3-compatible storage.

The interface is synchronous and small; async callers run it in a worker thread.
Keys are made by Clientbook (``<store>/<customer>/<file id>``), never by clients.
"""

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, Protocol
from urllib.parse import parse_qs, urlparse

CHUNK = 64 * 1024


class Storage(Protocol):
    def put(self, key: str, source: IO[bytes], content_type: str) -> None: ...

    def get(self, key: str) -> Iterator[bytes]: ...

    def delete(self, key: str) -> None: ...


class LocalStorage:
    def __init__(self, root: Path) -> None:
        self.root = root.resolve()

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if not path.is_relative_to(self.root):
            raise ValueError(f"storage key escapes the storage root: {key!r}")
        return path

    def put(self, key: str, source: IO[bytes], content_type: str) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".partial")
        with partial.open("wb") as target:
            shutil.copyfileobj(source, target, CHUNK)
        partial.replace(path)

    def get(self, key: str) -> Iterator[bytes]:
        with self._path(key).open("rb") as source:
            while chunk := source.read(CHUNK):
                yield chunk

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)


class S3Storage:
    """Any S3-compatible store: ``s3://bucket/prefix?endpoint_url=...&region=...``.

    Credentials come from the usual AWS environment variables or instance roles.
    """

    def __init__(self, url: str) -> None:
        import boto3  # optional dependency: pip install 'clientbook[s3]'

        parsed = urlparse(url)
        options = {k: v[0] for k, v in parse_qs(parsed.query).items()}
        self.bucket = parsed.netloc
        self.prefix = parsed.path.strip("/")
        self.client: Any = boto3.client(
            "s3",
            endpoint_url=options.get("endpoint_url"),
            region_name=options.get("region"),
        )

    def _key(self, key: str) -> str:
        return f"{self.prefix}/{key}" if self.prefix else key

    def put(self, key: str, source: IO[bytes], content_type: str) -> None:
        self.client.upload_fileobj(
            source, self.bucket, self._key(key), ExtraArgs={"ContentType": content_type}
        )

    def get(self, key: str) -> Iterator[bytes]:
        body = self.client.get_object(Bucket=self.bucket, Key=self._key(key))["Body"]
        yield from body.iter_chunks(CHUNK)

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self._key(key))


def storage_from_url(url: str) -> Storage:
    parsed = urlparse(url)
    if parsed.scheme == "s3":
        return S3Storage(url)
    if parsed.scheme in ("", "file"):
        return LocalStorage(Path(parsed.path if parsed.scheme else url))
    raise ValueError(f"unsupported storage URL {url!r}: use a directory, file:// or s3://")

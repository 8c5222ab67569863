"""Checking an upload before it is stored: size, type from content, a safe file name."""

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from typing import IO

from clientbook.kit import documents
from clientbook.kit.errors import (
    FieldError,
    PayloadTooLarge,
    UnsupportedMediaType,
    ValidationFailed,
)
from clientbook.kit.requests import Upload

ALLOWED = ", ".join(kind.extension for kind in documents.KNOWN)
KIND = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
_UNSAFE = re.compile(r"[^\w.\- ()]+")
CHUNK = 64 * 1024


@dataclass(frozen=True)
class CheckedUpload:
    kind: str
    filename: str
    content_type: str
    size: int
    sha256: str
    file: IO[bytes]


def check_upload(upload: Upload, max_bytes: int) -> CheckedUpload:
    if not KIND.match(upload.kind):
        raise ValidationFailed.field(
            upload.kind or "file", "a file's form field name must be 1-64 letters, digits, _ . -"
        )
    digest, size = hashlib.sha256(), 0
    upload.file.seek(0)
    chunk = upload.file.read(CHUNK)
    while chunk:
        size += len(chunk)
        if size > max_bytes:
            raise PayloadTooLarge(
                f"{upload.kind}: the file is larger than {max_bytes} bytes",
                errors=[FieldError(upload.kind, f"must be at most {max_bytes} bytes")],
            )
        digest.update(chunk)
        chunk = upload.file.read(CHUNK)
    upload.file.seek(0)
    if size == 0:
        raise ValidationFailed.field(upload.kind, "the file is empty")
    found = documents.identify(upload.file)
    if found is None:
        raise UnsupportedMediaType(
            f"{upload.kind}: the file's content is not one of {ALLOWED}",
            errors=[
                FieldError(upload.kind, f"must be one of {ALLOWED} (judged by content; no macros)")
            ],
        )
    return CheckedUpload(
        kind=upload.kind,
        filename=found.file_name(safe_filename(upload.filename, found.extension)),
        content_type=found.media_type,
        size=size,
        sha256=digest.hexdigest(),
        file=upload.file,
    )


def safe_filename(name: str | None, extension: str) -> str:
    """The client's file name without any path, control or odd characters; never empty."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = unicodedata.normalize("NFC", base)
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C")
    base = _UNSAFE.sub("_", base).strip(" .")[:200]
    return base or f"file.{extension}"

"""What a stored document really is, judged by its content and structure, never by its name
or the type a client claims: the scans, photos, letters and sheets opticians keep.

Office files are zips: one counts as a Word or Excel document only when its
``[Content_Types].xml`` names that document's main part (and the part is there), as an
OpenDocument file only when its ``mimetype`` entry says so; any macro (``vbaProject.bin``,
a macro-enabled main part, ActiveX controls, OpenDocument Basic or scripts) refuses it.
Any other zip, an executable, or bytes that are not clean UTF-8 text are not documents.
"""

import codecs
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO

HEAD_BYTES = 64
CHUNK = 64 * 1024
MAX_MANIFEST_BYTES = 1024 * 1024  # a [Content_Types].xml or mimetype larger is no document
MAX_ZIP_ENTRIES = 10_000


@dataclass(frozen=True)
class DocumentType:
    media_type: str
    extension: str
    aliases: frozenset[str] = frozenset()  # other extensions a file of this type may have

    def file_name(self, name: str) -> str:
        """``name`` with an extension of this type: ``run.bat`` that is text becomes
        ``run.bat.txt``, so a download is never opened as something it is not."""
        extension = name.rpartition(".")[2].lower() if "." in name else ""
        if extension == self.extension or extension in self.aliases:
            return name
        return f"{name}.{self.extension}"


PDF = DocumentType("application/pdf", "pdf")
JPEG = DocumentType("image/jpeg", "jpg", frozenset({"jpeg", "jpe"}))
PNG = DocumentType("image/png", "png")
WEBP = DocumentType("image/webp", "webp")
HEIC = DocumentType("image/heic", "heic", frozenset({"heif"}))
HEIF = DocumentType("image/heif", "heif", frozenset({"heic"}))
TIFF = DocumentType("image/tiff", "tiff", frozenset({"tif"}))
GIF = DocumentType("image/gif", "gif")
BMP = DocumentType("image/bmp", "bmp")
DOCX = DocumentType(
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx"
)
XLSX = DocumentType("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx")
ODT = DocumentType("application/vnd.oasis.opendocument.text", "odt")
ODS = DocumentType("application/vnd.oasis.opendocument.spreadsheet", "ods")
TEXT = DocumentType("text/plain", "txt", frozenset({"text", "csv", "log", "md"}))

KNOWN = (PDF, JPEG, PNG, WEBP, HEIC, HEIF, TIFF, GIF, BMP, DOCX, XLSX, ODT, ODS, TEXT)

_OOXML_MAIN = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml": DOCX,
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml": XLSX,
}
_ODF_MIMETYPES = {ODT.media_type: ODT, ODS.media_type: ODS}
_OVERRIDE = re.compile(
    rb"<Override\b[^>]*?\bPartName\s*=\s*\"([^\"]+)\"[^>]*?\bContentType\s*=\s*\"([^\"]+)\"",
    re.IGNORECASE,
)
_MACRO_CONTENT = re.compile(rb"macroEnabled|vbaProject|activeX", re.IGNORECASE)
_MACRO_NAMES = re.compile(r"(^|/)(vbaProject\.bin|vbaData\.xml|activeX/)", re.IGNORECASE)
_ODF_MACRO_DIRS = ("Basic/", "Scripts/")
_HEIC_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis"}
_HEIF_BRANDS = {b"mif1", b"msf1"}
_BMP_HEADER_SIZES = {12, 40, 52, 56, 64, 108, 124}
# Control characters other than tab, line feed, form feed and carriage return.
_CONTROL = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f]")


def identify(file: IO[bytes]) -> DocumentType | None:
    """The document type of a seekable file, or None when it is none of ``KNOWN``."""
    file.seek(0)
    head = file.read(HEAD_BYTES)
    file.seek(0)
    for check in _MAGIC:
        found = check(head)
        if found is not None:
            return found
    if head.startswith(b"PK\x03\x04"):
        return _office(file)
    return TEXT if _is_text(file) else None


def _pdf(head: bytes) -> DocumentType | None:
    return PDF if head.startswith(b"%PDF-") else None


def _image(head: bytes) -> DocumentType | None:
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return GIF
    if head[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):
        return TIFF
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    return _bmp(head) or _heif(head)


def _bmp(head: bytes) -> DocumentType | None:
    """``BM``, reserved zeros and a known DIB header size (two letters alone are text)."""
    if len(head) < 18 or not head.startswith(b"BM") or head[6:10] != b"\x00" * 4:
        return None
    return BMP if int.from_bytes(head[14:18], "little") in _BMP_HEADER_SIZES else None


def _heif(head: bytes) -> DocumentType | None:
    if head[4:8] != b"ftyp":
        return None
    box_size = int.from_bytes(head[0:4], "big")
    brands = {head[8:12]} | {head[i : i + 4] for i in range(16, min(box_size, len(head)), 4)}
    if brands & _HEIC_BRANDS:
        return HEIC
    return HEIF if brands & _HEIF_BRANDS else None


_MAGIC: tuple[Callable[[bytes], DocumentType | None], ...] = (_pdf, _image)


def _office(file: IO[bytes]) -> DocumentType | None:
    try:
        with zipfile.ZipFile(file) as archive:
            entries = archive.infolist()
            if len(entries) > MAX_ZIP_ENTRIES:
                return None
            names = {entry.filename: entry for entry in entries}
            if "[Content_Types].xml" in names:
                return _ooxml(archive, names)
            if "mimetype" in names:
                return _odf(archive, names)
            return None
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError):
        return None
    finally:
        file.seek(0)


def _small_entry(archive: zipfile.ZipFile, entry: zipfile.ZipInfo) -> bytes | None:
    if entry.file_size > MAX_MANIFEST_BYTES:
        return None
    return archive.read(entry)


def _ooxml(archive: zipfile.ZipFile, names: dict[str, zipfile.ZipInfo]) -> DocumentType | None:
    if any(_MACRO_NAMES.search(name) for name in names):
        return None
    content_types = _small_entry(archive, names["[Content_Types].xml"])
    if content_types is None or _MACRO_CONTENT.search(content_types):
        return None
    for part, content_type in _OVERRIDE.findall(content_types):
        found = _OOXML_MAIN.get(content_type.decode("utf-8", "replace").strip())
        if found is not None and part.decode("utf-8", "replace").lstrip("/") in names:
            return found
    return None


def _odf(archive: zipfile.ZipFile, names: dict[str, zipfile.ZipInfo]) -> DocumentType | None:
    if any(name.startswith(_ODF_MACRO_DIRS) for name in names) or "content.xml" not in names:
        return None
    mimetype = _small_entry(archive, names["mimetype"])
    if mimetype is None:
        return None
    return _ODF_MIMETYPES.get(mimetype.decode("ascii", "replace").strip())


def _is_text(file: IO[bytes]) -> bool:
    """UTF-8 throughout, with no control characters but tab, newlines and form feed."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    file.seek(0)
    try:
        while chunk := file.read(CHUNK):
            if _CONTROL.search(decoder.decode(chunk)):
                return False
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    finally:
        file.seek(0)
    return True

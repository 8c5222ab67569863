"""Tiny files whose first bytes say what they are."""

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 64
HEIC = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 64
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 64
TEXT = b"just some text, not a document\n"
TIFF = b"II*\x00\x08\x00\x00\x00" + b"\x00" * 64
TIFF_BIG_ENDIAN = b"MM\x00*\x00\x00\x00\x08" + b"\x00" * 64
GIF = b"GIF89a\x01\x00\x01\x00\x00\x00\x00;"
BMP = b"BM" + (70).to_bytes(4, "little") + b"\x00" * 4 + (54).to_bytes(4, "little")
BMP += (40).to_bytes(4, "little") + b"\x00" * 52
HEIF = b"\x00\x00\x00\x18ftypmif1\x00\x00\x00\x00mif1miaf" + b"\x00" * 64
LETTER = "Dear Dr. Müller,\r\nplease find the prescription attached.\n\tRegards\n".encode()
NOT_UTF8 = "Café".encode("latin-1")
CONTROL_CHARACTERS = b"text with a bell \x07 in it\n"
BM_TEXT = b"BMW owners: remember your appointment\n"  # text, though it starts like a bitmap

_WORD_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
_EXCEL_MAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
_WORD_MACRO_MAIN = "application/vnd.ms-word.document.macroEnabled.main+xml"


def _zip(entries: dict[str, bytes]) -> bytes:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            kind = zipfile.ZIP_STORED if name == "mimetype" else zipfile.ZIP_DEFLATED
            archive.writestr(name, data, compress_type=kind)
    return buffer.getvalue()


def _content_types(part: str, content_type: str, extra: str = "") -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="{part}" ContentType="{content_type}"/>{extra}</Types>'
    ).encode()


def _ooxml(part: str, content_type: str, more: dict[str, bytes] | None = None) -> bytes:
    return _zip(
        {
            "[Content_Types].xml": _content_types(part, content_type),
            "_rels/.rels": b"<Relationships/>",
            part.lstrip("/"): b"<document/>",
            **(more or {}),
        }
    )


def _odf(mimetype: str, more: dict[str, bytes] | None = None) -> bytes:
    return _zip(
        {
            "mimetype": mimetype.encode(),
            "content.xml": b"<office:document-content/>",
            "META-INF/manifest.xml": b"<manifest:manifest/>",
            **(more or {}),
        }
    )


DOCX = _ooxml("/word/document.xml", _WORD_MAIN)
XLSX = _ooxml("/xl/workbook.xml", _EXCEL_MAIN)
ODT = _odf("application/vnd.oasis.opendocument.text")
ODS = _odf("application/vnd.oasis.opendocument.spreadsheet")
# refused: macros, and zips that only claim to be documents
DOCM = _ooxml("/word/document.xml", _WORD_MACRO_MAIN)
DOCX_WITH_VBA = _ooxml("/word/document.xml", _WORD_MAIN, {"word/vbaProject.bin": b"\xd0\xcf"})
ODT_WITH_BASIC = _odf(
    "application/vnd.oasis.opendocument.text", {"Basic/Standard/Module1.xml": b"<macro/>"}
)
PLAIN_ZIP = _zip({"readme.txt": b"hello", "setup.exe": EXE})
DOCX_WITHOUT_ITS_PART = _zip(
    {"[Content_Types].xml": _content_types("/word/document.xml", _WORD_MAIN)}
)

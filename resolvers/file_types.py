"""What a file is, decided from its bytes, never from its name or the type the client claims: an
`.exe` renamed `.pdf` is still a program, and is refused.

Allowed: PDF, JPEG, PNG, WebP, Office documents (Word, Excel, PowerPoint: the zip-based
.docx/.xlsx/.pptx by their main part, the legacy OLE2 .doc/.xls/.ppt by their main stream), and plain
text (UTF-8 or GB18030, no NUL bytes). Functions here block on the file: run them in a thread.
"""

from __future__ import annotations

import codecs
import zipfile
from dataclasses import dataclass
from typing import BinaryIO

CHUNK = 1024 * 1024


@dataclass(frozen=True)
class FileType:
    content_type: str
    # The extension a download is given when the uploaded name has none.
    extension: str
    image: bool = False


PDF = FileType("application/pdf", ".pdf")
JPEG = FileType("image/jpeg", ".jpg", image=True)
PNG = FileType("image/png", ".png", image=True)
WEBP = FileType("image/webp", ".webp", image=True)
DOCX = FileType("application/vnd.openxmlformats-officedocument.wordprocessingml.document", ".docx")
XLSX = FileType("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".xlsx")
PPTX = FileType("application/vnd.openxmlformats-officedocument.presentationml.presentation", ".pptx")
DOC = FileType("application/msword", ".doc")
XLS = FileType("application/vnd.ms-excel", ".xls")
PPT = FileType("application/vnd.ms-powerpoint", ".ppt")
TEXT_UTF8 = FileType("text/plain; charset=utf-8", ".txt")
TEXT_GB18030 = FileType("text/plain; charset=gb18030", ".txt")

ALLOWED_DESCRIPTION = "PDF, JPEG, PNG, WebP, Word, Excel, PowerPoint or plain text"
ALLOWED_DESCRIPTION_ZH = "PDF、JPEG、PNG、WebP、Word、Excel、PowerPoint 或纯文本"

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# The main part of each Office Open XML document.
OOXML_PARTS = (("word/document.xml", DOCX), ("xl/workbook.xml", XLSX), ("ppt/presentation.xml", PPTX))
# The main stream of each legacy Office document, as its name is written in the OLE2 directory.
OLE2_STREAMS = (("WordDocument", DOC), ("Workbook", XLS), ("Book", XLS), ("PowerPoint Document", PPT))


def sniff(file: BinaryIO) -> FileType | None:
    """The file's type, or None when it is none of the allowed ones. Leaves the file at its start."""
    try:
        file.seek(0)
        head = file.read(16)
        file.seek(0)
        if head.startswith(b"%PDF-"):
            return PDF
        if head.startswith(b"\xff\xd8\xff"):
            return JPEG
        if head.startswith(b"\x89PNG\r\n\x1a\n"):
            return PNG
        if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
            return WEBP
        if head.startswith(b"PK\x03\x04"):
            return _office_open_xml(file)
        if head.startswith(OLE2_MAGIC):
            return _ole2(file)
        return _text(file)
    finally:
        file.seek(0)


def _office_open_xml(file: BinaryIO) -> FileType | None:
    """A zip is allowed only as an Office document: it has [Content_Types].xml and a main part."""
    try:
        with zipfile.ZipFile(file) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    if "[Content_Types].xml" not in names:
        return None
    return next((kind for part, kind in OOXML_PARTS if part in names), None)


def _ole2(file: BinaryIO) -> FileType | None:
    """The directory of an OLE2 compound file names its streams in UTF-16LE; find the main one.
    Chunks overlap by the longest name, so a name split between two chunks is still found."""
    names = [(name.encode("utf-16-le") + b"\x00\x00", kind) for name, kind in OLE2_STREAMS]
    overlap = max(len(name) for name, _ in names)
    tail = b""
    while chunk := file.read(CHUNK):
        window = tail + chunk
        for name, kind in names:
            if name in window:
                return kind
        tail = window[-overlap:]
    return None


def _text(file: BinaryIO) -> FileType | None:
    for encoding, kind in (("utf-8-sig", TEXT_UTF8), ("gb18030", TEXT_GB18030)):
        file.seek(0)
        if _decodes(file, encoding):
            return kind
    return None


def _decodes(file: BinaryIO, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)()
    empty = True
    try:
        while chunk := file.read(CHUNK):
            empty = False
            if b"\x00" in chunk:
                return False
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return not empty

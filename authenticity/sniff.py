"""Content type detection. The only module that imports python-magic."""

from __future__ import annotations

import io
import sys
import threading
import zipfile

import magic

_lock = threading.Lock()
_magic: magic.Magic | None = None

#: libmagic answers that hide a more specific type we can tell from the extension/content.
_ZIP_LIKE = {"application/zip", "application/x-zip-compressed"}
_OOXML_BY_EXT = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "docm": "application/vnd.ms-word.document.macroEnabled.12",
    "dotx": "application/vnd.openxmlformats-officedocument.wordprocessingml.template",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "xlsm": "application/vnd.ms-excel.sheet.macroEnabled.12",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "pptm": "application/vnd.ms-powerpoint.presentation.macroEnabled.12",
}


def _detector() -> magic.Magic:
    global _magic
    if _magic is None:
        _magic = magic.Magic(mime=True)
    return _magic


def magic_mime(data: bytes) -> str:
    """libmagic's answer for the first MiB of ``data`` (lower case, no parameters).

    Ingest calls it once per document (``Document.sniffed_mime``); :func:`detect_mime` then
    refines it from the whole content without running libmagic again.
    """
    if not data:
        return "application/x-empty"
    with _lock:
        try:
            mime = _detector().from_buffer(data[: 1 << 20])
        except MemoryError:
            raise
        except Exception:  # MagicException, or a binding error: unknown type, never a crash
            return "application/octet-stream"
    # Interned: every document of a dump carries one, and there are few distinct values.
    return sys.intern((mime or "application/octet-stream").split(";", 1)[0].strip().lower())


def detect_mime(data: bytes, sniffed: str | None = None) -> str:
    """Detect the MIME type of content with libmagic (first 1 MiB is enough for it).

    ``sniffed`` is :func:`magic_mime` of the same content when the caller has it already;
    without it libmagic runs here. Either way the answer is refined from the whole content.
    """
    if not data:
        return "application/x-empty"
    mime = magic_mime(data) if sniffed is None else sniffed
    if mime in _ZIP_LIKE or mime == "application/octet-stream":
        refined = _refine_zip(data)
        if refined:
            return refined
    return mime


def _has(data: bytes, marker: bytes, start: int = 0, end: int | None = None) -> bool:
    """``marker in data[start:end]`` without copying the slice."""
    return data.find(marker, max(0, start), end) >= 0


def _refine_zip(data: bytes) -> str | None:
    """libmagic sometimes says application/zip for OOXML whose parts are ordered unusually.

    The zip's own member list decides: a zip *of* Office files (stored or deflated
    members carry their inner ``[Content_Types].xml`` in the outer bytes) is an archive. A
    byte scan is the fallback when the member list cannot be read (damaged packages,
    which the OOXML extractor recovers from their local headers).
    """
    if not data.startswith(b"PK\x03\x04"):
        return None
    try:
        names: list[str] | None = zipfile.ZipFile(io.BytesIO(data)).namelist()
    except Exception:  # any damage: zipfile raises many types; the byte scan decides then
        names = None
    if names is not None:
        if not any(n.casefold() == "[content_types].xml" for n in names):
            return None
        for prefix, ext in (("word/", "docx"), ("xl/", "xlsx"), ("ppt/", "pptx")):
            if any(n.startswith(prefix) for n in names):
                return _OOXML_BY_EXT[ext]
        return None
    tail = len(data) - (1 << 16)
    if not _has(data, b"[Content_Types].xml", 0, 1 << 22) and not _has(
        data, b"[Content_Types].xml", tail
    ):
        return None
    if _has(data, b"word/", 0, 1 << 16) or _has(data, b"word/", tail):
        return _OOXML_BY_EXT["docx"]
    if _has(data, b"xl/", 0, 1 << 16) or _has(data, b"xl/", tail):
        return _OOXML_BY_EXT["xlsx"]
    if _has(data, b"ppt/", 0, 1 << 16) or _has(data, b"ppt/", tail):
        return _OOXML_BY_EXT["pptx"]
    return None


def magic_version() -> int:
    return int(magic.version()) if hasattr(magic, "version") else 0

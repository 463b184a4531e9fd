"""Content type detection. The only module that imports python-magic."""

from __future__ import annotations

import threading

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


def detect_mime(data: bytes) -> str:
    """Detect the MIME type of content with libmagic (first 1 MiB is enough for it)."""
    if not data:
        return "application/x-empty"
    with _lock:
        try:
            mime = _detector().from_buffer(data[: 1 << 20])
        except magic.MagicException:
            return "application/octet-stream"
    mime = (mime or "application/octet-stream").split(";", 1)[0].strip().lower()
    if mime in _ZIP_LIKE or mime == "application/octet-stream":
        refined = _refine_zip(data)
        if refined:
            return refined
    return mime


def _refine_zip(data: bytes) -> str | None:
    """libmagic sometimes says application/zip for OOXML whose parts are ordered unusually."""
    if not data.startswith(b"PK\x03\x04"):
        return None
    head = data[: 1 << 16]
    if (
        b"[Content_Types].xml" not in data[: 1 << 22]
        and b"[Content_Types].xml" not in data[-(1 << 16) :]
    ):
        return None
    if b"word/" in head or b"word/" in data[-(1 << 16) :]:
        return _OOXML_BY_EXT["docx"]
    if b"xl/" in head or b"xl/" in data[-(1 << 16) :]:
        return _OOXML_BY_EXT["xlsx"]
    if b"ppt/" in head or b"ppt/" in data[-(1 << 16) :]:
        return _OOXML_BY_EXT["pptx"]
    return None


def magic_version() -> int:
    return int(magic.version()) if hasattr(magic, "version") else 0

"""Extractor registry: one module per format family, dispatched by detected MIME type.

Each module registers plain functions ``extract(data: bytes) -> Extraction`` with
:func:`register`. Resolution order: exact MIME, then MIME family (``image/*``), then the
file extension. Extractors raise :class:`~authenticity.errors.ExtractionError` (or
``EncryptedDocument``) for files they cannot read; any other exception is wrapped by
the caller.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass

from authenticity.model import Extraction

ExtractFn = Callable[[bytes], Extraction]


@dataclass(frozen=True)
class Registration:
    name: str
    fn: ExtractFn
    mimes: tuple[str, ...]
    extensions: tuple[str, ...]


REGISTRY: list[Registration] = []

#: Answers of libmagic too vague to pick an extractor; the extension decides then.
GENERIC_MIMES = frozenset(
    {"", "application/octet-stream", "text/plain", "application/zip", "application/x-empty"}
)


def register(
    *mimes: str, extensions: tuple[str, ...] = (), name: str | None = None
) -> Callable[[ExtractFn], ExtractFn]:
    """Register ``fn`` for the given MIME types (``image/*`` registers a family)."""

    def deco(fn: ExtractFn) -> ExtractFn:
        REGISTRY.append(
            Registration(name or fn.__module__.rsplit(".", 1)[-1], fn, tuple(mimes), extensions)
        )
        return fn

    return deco


def extractor_for(mime: str, extension: str = "") -> Registration | None:
    """Pick the extractor for a detected MIME type, falling back to the extension."""
    mime = (mime or "").split(";", 1)[0].strip().lower()
    for reg in REGISTRY:
        if mime in reg.mimes:
            return reg
    family = mime.split("/", 1)[0] + "/*"
    for reg in REGISTRY:
        if family in reg.mimes:
            return reg
    ext = extension.lower().lstrip(".")
    # The name is only a hint when libmagic gave no specific answer; otherwise a file named
    # .pdf that is really a spreadsheet would be handed to the PDF parser.
    if ext and mime in GENERIC_MIMES:
        for reg in REGISTRY:
            if ext in reg.extensions:
                return reg
    return None


# Explicit imports fill the registry (no entry points). Order matters only for ties.
FORMAT_MODULES = ("pdf", "ooxml", "odf", "ole", "image", "email", "text", "archive")
for _name in FORMAT_MODULES:
    importlib.import_module(f"authenticity.extract.{_name}")

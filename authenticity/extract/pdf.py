"""PDF extractor: Info dictionary, XMP packet, structure counters and first-pages text.

pdfminer.six parses the file; nothing in it is executed (no JavaScript, no actions) and
the XMP packet is parsed with defusedxml.
"""

from __future__ import annotations

import io
import re
from typing import Any

from pdfminer.high_level import extract_text
from pdfminer.layout import LAParams
from pdfminer.pdfdocument import PDFDocument, PDFEncryptionError, PDFPasswordIncorrect
from pdfminer.pdfpage import PDFPage
from pdfminer.pdfparser import PDFParser
from pdfminer.pdftypes import PDFObjRef, PDFStream, resolve1
from pdfminer.psparser import PSLiteral
from pdfminer.utils import decode_text

from authenticity.errors import EncryptedDocument, ExtractionError
from authenticity.extract import register
from authenticity.extract._xml import parse_xmp
from authenticity.model import Extraction, Metadata
from authenticity.timeutil import parse_iso8601, parse_pdf_date

MAX_TEXT_CHARS = 100_000
MAX_TEXT_PAGES = 10
#: The header must appear near the start (Acrobat looks in the first 1024 bytes).
_HEADER = re.compile(rb"%PDF-(\d+\.\d+)")
_MAX_DEPTH = 8
_MAX_ITEMS = 1000


def decode_pdf_string(value: bytes) -> str:
    """Decode a PDF text string: UTF-16BE/LE with BOM, UTF-8 with BOM, else PDFDocEncoding."""
    if value.startswith(b"\xfe\xff"):
        text = value[2:].decode("utf-16-be", "replace")
    elif value.startswith(b"\xff\xfe"):
        text = value[2:].decode("utf-16-le", "replace")
    elif value.startswith(b"\xef\xbb\xbf"):
        text = value[3:].decode("utf-8", "replace")
    else:
        try:
            text = decode_text(value)
        except (KeyError, IndexError, ValueError):
            text = value.decode("latin-1")
    return text.rstrip("\x00")


def _plain(value: Any, depth: int = 0) -> Any:
    """Turn a pdfminer object into JSON-friendly values, resolving indirect references."""
    if depth > _MAX_DEPTH:
        return None
    if isinstance(value, PDFObjRef):
        value = resolve1(value)
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, bytes):
        return decode_pdf_string(value)
    if isinstance(value, PSLiteral):
        name = value.name
        return name.decode("latin-1") if isinstance(name, bytes) else str(name)
    if isinstance(value, PDFStream):
        return {"stream": {k: _plain(v, depth + 1) for k, v in list(value.attrs.items())[:50]}}
    if isinstance(value, dict):
        return {str(k): _plain(v, depth + 1) for k, v in list(value.items())[:_MAX_ITEMS]}
    if isinstance(value, (list, tuple)):
        return [_plain(v, depth + 1) for v in value[:_MAX_ITEMS]]
    return str(value)


def _str(value: Any) -> str | None:
    if isinstance(value, str):
        value = value.strip()
        return value or None
    if isinstance(value, list):
        parts = [v.strip() for v in value if isinstance(v, str) and v.strip()]
        return "; ".join(parts) or None
    return None


# --- Extraction ----------------------------------------------------------------------------


def _open_document(data: bytes) -> PDFDocument:
    try:
        return PDFDocument(PDFParser(io.BytesIO(data)), password="")
    except PDFPasswordIncorrect as exc:
        raise EncryptedDocument("PDF is encrypted with a user password") from exc
    except PDFEncryptionError as exc:
        raise EncryptedDocument(f"PDF encryption is not supported: {exc}") from exc
    except MemoryError:
        raise
    except Exception as exc:
        raise ExtractionError(
            f"PDF structure cannot be parsed: {type(exc).__name__}: {exc}"
        ) from exc


def _page_count(doc: PDFDocument) -> int | None:
    pages = resolve1(doc.catalog.get("Pages"))
    if isinstance(pages, dict):
        count = resolve1(pages.get("Count"))
        if isinstance(count, int) and not isinstance(count, bool) and count >= 0:
            return count
    return sum(1 for _ in PDFPage.create_pages(doc))


def _text(data: bytes, facts: dict[str, Any]) -> str:
    try:
        # boxes_flow=None skips pdfminer's text-box grouping, which is quadratic in the
        # number of boxes per page (a 40 KB crafted page took 9 s); reading order suffers
        # slightly, which the checks do not depend on.
        text = extract_text(
            io.BytesIO(data),
            password="",
            maxpages=MAX_TEXT_PAGES,
            laparams=LAParams(boxes_flow=None),
        )
    except MemoryError:
        raise
    except Exception as exc:  # text is best effort: a broken content stream keeps the metadata
        facts["text_error"] = f"{type(exc).__name__}: {exc}"
        return ""
    return text[:MAX_TEXT_CHARS]


@register("application/pdf", "application/x-pdf", extensions=("pdf",))
def extract_pdf(data: bytes) -> Extraction:
    """Read a PDF's Info dictionary, XMP packet, structure counters and first-pages text."""
    header = _HEADER.search(data[:1024])
    if header is None:
        raise ExtractionError("no %PDF- header in the first 1024 bytes: not a PDF")
    facts: dict[str, Any] = {
        "pdf_version": header.group(1).decode("ascii"),
        "eof_markers": data.count(b"%%EOF"),
        "xref_sections": data.count(b"startxref"),
    }
    doc = _open_document(data)
    facts["encrypted"] = doc.encryption is not None

    try:
        info: dict[str, Any] = {}
        for entry in doc.info:
            entry = resolve1(entry)
            if isinstance(entry, dict):
                for key, value in _plain(entry).items():
                    info.setdefault(key, value)
        catalog = doc.catalog
        page_count = _page_count(doc)
        xmp: dict[str, Any] = {}
        stream = resolve1(catalog.get("Metadata"))
        if isinstance(stream, PDFStream):
            try:
                xmp = parse_xmp(stream.get_data())
            except ExtractionError as exc:
                facts["xmp_error"] = str(exc)
        elif stream is not None:
            facts["xmp_error"] = "catalog /Metadata is not a stream"
    except MemoryError:
        raise
    except Exception as exc:
        raise ExtractionError(f"PDF objects cannot be read: {type(exc).__name__}: {exc}") from exc

    facts["xmp_created"] = parse_iso8601(xmp.get("xmp:CreateDate"))
    facts["xmp_modified"] = parse_iso8601(xmp.get("xmp:ModifyDate"))
    facts["xmp_metadata_date"] = parse_iso8601(xmp.get("xmp:MetadataDate"))
    facts["xmp_producer"] = _str(xmp.get("pdf:Producer"))
    facts["xmp_creator_tool"] = _str(xmp.get("xmp:CreatorTool"))
    facts["has_xmp"] = bool(xmp)
    facts["info_keys"] = sorted(info)

    meta = Metadata(
        author=_str(info.get("Author")) or _str(xmp.get("dc:creator")),
        title=_str(info.get("Title")) or _str(xmp.get("dc:title")),
        subject=_str(info.get("Subject")) or _str(xmp.get("dc:description")),
        keywords=_str(info.get("Keywords")) or _str(xmp.get("pdf:Keywords")),
        created=parse_pdf_date(info.get("CreationDate")) or facts["xmp_created"],
        modified=parse_pdf_date(info.get("ModDate")) or facts["xmp_modified"],
        application=_str(info.get("Creator")) or facts["xmp_creator_tool"],
        producer=_str(info.get("Producer")) or facts["xmp_producer"],
        page_count=page_count,
        raw={"info": info, "xmp": xmp},
    )
    return Extraction(metadata=meta, text=_text(data, facts), facts=facts)

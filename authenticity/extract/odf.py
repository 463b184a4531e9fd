"""OpenDocument extractor (.odt/.ods/.odp/.odg and templates): meta.xml and content.xml text.

The package is a zip (read with the OOXML extractor's size-capped reader); every XML part
goes through defusedxml. Nothing is executed (macros in ``Basic/`` are only noted) and no
link is followed.
"""

from __future__ import annotations

import io
import re
import zipfile
from typing import Any
from xml.etree.ElementTree import Element

from defusedxml import ElementTree as SafeET
from defusedxml.common import DefusedXmlException

from authenticity.errors import EncryptedDocument, ExtractionError
from authenticity.extract import _xml, register
from authenticity.extract.ooxml import MemberTooLarge, _Package, _zip_entries
from authenticity.model import Extraction, Metadata
from authenticity.timeutil import parse_iso8601

MAX_TEXT_CHARS = 100_000
_MAX_DEPTH = 64

_OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
_META = "urn:oasis:names:tc:opendocument:xmlns:meta:1.0"
_TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
_MANIFEST = "urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"
_DC = "http://purl.org/dc/elements/1.1/"
_XLINK = "http://www.w3.org/1999/xlink"

_KINDS = {
    "text": ("odt", "ott", "fodt"),
    "spreadsheet": ("ods", "ots", "fods"),
    "presentation": ("odp", "otp", "fodp"),
    "graphics": ("odg", "otg", "fodg"),
    "chart": ("odc", "otc"),
    "formula": ("odf", "otf"),
}
_MIMES = tuple(
    f"application/vnd.oasis.opendocument.{kind}{suffix}"
    for kind in _KINDS
    for suffix in ("", "-template")
)
_EXTENSIONS = ("odt", "ott", "ods", "ots", "odp", "otp", "odg", "otg")

#: ISO 8601 duration as written in meta:editing-duration (``PT1H2M3S``, ``P1DT2H``).
_DURATION = re.compile(
    r"^\s*(-)?P(?:(\d+(?:\.\d+)?)Y)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)W)?"
    r"(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?"
    r"(?:(\d+(?:[.,]\d+)?)S)?)?\s*$"
)
_DURATION_UNITS = (365 * 86400, 30 * 86400, 7 * 86400, 86400, 3600, 60, 1)


def parse_duration(value: object) -> float | None:
    """Seconds in an ISO 8601 duration (years as 365 days, months as 30); ``None`` if invalid."""
    if not isinstance(value, str):
        return None
    m = _DURATION.match(value)
    if not m or not any(m.groups()[1:]):
        return None
    total = 0.0
    for group, unit in zip(m.groups()[1:], _DURATION_UNITS, strict=True):
        if group:
            total += float(group.replace(",", ".")) * unit
    return -total if m.group(1) else total


def _int(value: Any) -> int | None:
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def _str(value: Any) -> str | None:
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return None


def _meta_part(data: bytes) -> dict[str, Any]:
    """meta.xml's office:meta children as ``{"prefix:name": value}``.

    ``meta:document-statistic`` becomes a dict of its attributes, ``meta:user-defined``
    entries are collected under ``"user_defined"``, ``meta:keyword`` under a list.
    """
    root, prefixes = _xml.parse_with_prefixes(data, "meta.xml")
    prefixes.update({_META: "meta", _OFFICE: "office", _DC: "dc", _XLINK: "xlink"})
    meta = root.find(f"{{{_OFFICE}}}meta")
    if meta is None:
        meta = root if _xml.local(root.tag) == "meta" else None
    out: dict[str, Any] = {}
    if meta is None:
        return out
    for child in list(meta)[:1000]:
        key = _xml.qname(child.tag, prefixes)
        if key == "meta:document-statistic":
            out[key] = {_xml.qname(k, prefixes): v for k, v in child.attrib.items()}
        elif key == "meta:user-defined":
            name = child.get(f"{{{_META}}}name")
            if name:
                out.setdefault("user_defined", {}).setdefault(name, child.text or "")
        elif key == "meta:keyword":
            out.setdefault(key, []).append((child.text or "").strip())
        elif key == "meta:template":
            out[key] = {_xml.qname(k, prefixes): v for k, v in child.attrib.items()}
        else:
            out.setdefault(key, _xml.element_text(child) or "")
    return out


def _collect(elem: Element, out: list[str], depth: int = 0) -> None:
    """Text of a paragraph, honouring text:s (spaces), text:tab and text:line-break."""
    if depth > _MAX_DEPTH:
        return
    if elem.text:
        out.append(elem.text)
    for child in elem:
        tag = child.tag
        if tag == f"{{{_TEXT}}}s":
            out.append(" " * min(_int(child.get(f"{{{_TEXT}}}c")) or 1, 100))
        elif tag == f"{{{_TEXT}}}tab":
            out.append("\t")
        elif tag == f"{{{_TEXT}}}line-break":
            out.append("\n")
        elif tag not in (f"{{{_OFFICE}}}annotation", f"{{{_TEXT}}}note"):
            _collect(child, out, depth + 1)
        if child.tail:
            out.append(child.tail)


def _text(data: bytes) -> str:
    """Paragraphs and headings of content.xml, one per line, streamed and capped."""
    paragraphs = (f"{{{_TEXT}}}p", f"{{{_TEXT}}}h")
    chunks: list[str] = []
    size = 0
    try:
        for _event, elem in SafeET.iterparse(io.BytesIO(data), events=("end",)):
            if elem.tag in paragraphs:
                parts: list[str] = []
                _collect(elem, parts)
                line = "".join(parts)
                chunks.append(line + "\n")
                size += len(line) + 1
                elem.clear()
                if size >= MAX_TEXT_CHARS:
                    break
    except DefusedXmlException as exc:
        raise ExtractionError(f"content.xml uses forbidden XML constructs: {exc!r}") from exc
    except (SyntaxError, ValueError, UnicodeError) as exc:
        raise ExtractionError(f"content.xml is not well-formed XML: {exc}") from exc
    return "".join(chunks)[:MAX_TEXT_CHARS]


def _manifest(pkg: _Package, facts: dict[str, Any]) -> None:
    data = pkg.read("META-INF/manifest.xml")
    if data is None:
        facts["has_manifest"] = False
        return
    facts["has_manifest"] = True
    try:
        root = _xml.parse(data, "META-INF/manifest.xml")
    except ExtractionError as exc:
        facts.setdefault("part_errors", {})["META-INF/manifest.xml"] = str(exc)
        return
    encrypted = []
    for entry in root.iter(f"{{{_MANIFEST}}}file-entry"):
        if entry.find(f"{{{_MANIFEST}}}encryption-data") is not None:
            encrypted.append(entry.get(f"{{{_MANIFEST}}}full-path") or "")
    facts["encrypted"] = bool(encrypted)
    if encrypted:
        facts["encrypted_parts"] = encrypted[:100]


@register(*_MIMES, extensions=_EXTENSIONS)
def extract_odf(data: bytes) -> Extraction:
    """Read an OpenDocument package's meta.xml, manifest, zip directory and text."""
    try:
        try:
            zf = zipfile.ZipFile(io.BytesIO(data))
        except zipfile.BadZipFile as exc:
            raise ExtractionError(f"not a readable zip/ODF package: {exc}") from exc
        with zf:
            return _extract(_Package(zf.infolist(), zf=zf))
    except (ExtractionError, MemoryError):
        raise
    except Exception as exc:  # zlib.error, NotImplementedError (compression)...
        raise ExtractionError(f"ODF package cannot be read: {type(exc).__name__}: {exc}") from exc


def _extract(pkg: _Package) -> Extraction:
    mimetype = pkg.read("mimetype")
    facts: dict[str, Any] = {
        "zip_entries": _zip_entries(pkg.infos),
        "zip_entry_count": len(pkg.infos),
        "odf_mimetype": mimetype.decode("ascii", "replace").strip()[:200] if mimetype else None,
        "mimetype_first": bool(pkg.infos) and pkg.infos[0].filename == "mimetype",
        "has_macros": any(i.filename.lower().startswith("basic/") for i in pkg.infos),
        "has_meta": pkg.find("meta.xml") is not None,
    }
    _manifest(pkg, facts)
    raw: dict[str, Any] = {}
    meta_data = pkg.read("meta.xml")
    if meta_data is not None:
        try:
            raw = _meta_part(meta_data)
        except ExtractionError as exc:
            if facts.get("encrypted") and "meta.xml" in facts.get("encrypted_parts", []):
                raise EncryptedDocument("ODF package is encrypted (meta.xml too)") from exc
            facts.setdefault("part_errors", {})["meta.xml"] = str(exc)

    text = ""
    content = pkg.read("content.xml")
    if content is not None and "content.xml" not in facts.get("encrypted_parts", []):
        try:
            text = _text(content)
        except MemberTooLarge:
            raise
        except ExtractionError as exc:
            facts["text_error"] = str(exc)
    elif content is None and meta_data is None:
        raise ExtractionError("not an ODF package: neither meta.xml nor content.xml")

    stats = raw.get("meta:document-statistic") or {}
    template = raw.get("meta:template") or {}
    keywords = [k for k in raw.get("meta:keyword", []) if k]
    duration = raw.get("meta:editing-duration")
    facts["editing_duration"] = duration
    generator = _str(raw.get("meta:generator"))
    meta = Metadata(
        author=_str(raw.get("meta:initial-creator")),
        last_modified_by=_str(raw.get("dc:creator")),
        created=parse_iso8601(raw.get("meta:creation-date")),
        modified=parse_iso8601(raw.get("dc:date")),
        printed=parse_iso8601(raw.get("meta:print-date")),
        application=generator,
        title=_str(raw.get("dc:title")),
        subject=_str(raw.get("dc:subject")),
        keywords="; ".join(keywords) or None,
        language=_str(raw.get("dc:language")),
        revision=_int(raw.get("meta:editing-cycles")),
        edit_time=parse_duration(duration),
        page_count=_int(stats.get("meta:page-count")),
        template=_str(template.get("xlink:title")) or _str(template.get("xlink:href")),
        raw=raw,
    )
    return Extraction(metadata=meta, text=text, facts=facts)

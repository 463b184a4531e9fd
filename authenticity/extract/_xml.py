"""Safe XML parsing shared by the document extractors (XMP packets, OOXML parts).

Everything goes through :mod:`defusedxml`: entity declarations and external references are
refused, nothing is fetched. Parse failures become :class:`ExtractionError`.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from xml.etree.ElementTree import Element, ParseError

from defusedxml import ElementTree as SafeET
from defusedxml.common import DefusedXmlException

from authenticity.errors import ExtractionError

#: Canonical prefixes of the namespaces found in document metadata.
KNOWN_PREFIXES = {
    "http://purl.org/dc/elements/1.1/": "dc",
    "http://purl.org/dc/terms/": "dcterms",
    "http://purl.org/dc/dcmitype/": "dcmitype",
    "http://schemas.openxmlformats.org/package/2006/metadata/core-properties": "cp",
    "http://www.w3.org/2001/XMLSchema-instance": "xsi",
    "http://www.w3.org/XML/1998/namespace": "xml",
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#": "rdf",
    "adobe:ns:meta/": "x",
    "http://ns.adobe.com/xap/1.0/": "xmp",
    "http://ns.adobe.com/xap/1.0/mm/": "xmpMM",
    "http://ns.adobe.com/xap/1.0/rights/": "xmpRights",
    "http://ns.adobe.com/xap/1.0/sType/ResourceEvent#": "stEvt",
    "http://ns.adobe.com/xap/1.0/sType/ResourceRef#": "stRef",
    "http://ns.adobe.com/xap/1.0/t/pg/": "xmpTPg",
    "http://ns.adobe.com/pdf/1.3/": "pdf",
    "http://ns.adobe.com/pdfx/1.3/": "pdfx",
    "http://www.aiim.org/pdfa/ns/id/": "pdfaid",
    "http://www.aiim.org/pdfa/ns/extension/": "pdfaExtension",
    "http://www.aiim.org/pdfa/ns/schema#": "pdfaSchema",
    "http://www.aiim.org/pdfa/ns/property#": "pdfaProperty",
    "http://www.aiim.org/pdfua/ns/id/": "pdfuaid",
    "http://www.npes.org/pdfx/ns/id/": "pdfxid",
    "http://ns.adobe.com/photoshop/1.0/": "photoshop",
    "http://ns.adobe.com/tiff/1.0/": "tiff",
    "http://ns.adobe.com/exif/1.0/": "exif",
    "http://ns.adobe.com/xap/1.0/g/img/": "xmpGImg",
    "http://ns.adobe.com/illustrator/1.0/": "illustrator",
}


def parse(data: bytes, what: str = "XML") -> Element:
    """Parse ``data`` into an element tree, refusing entities and external references."""
    try:
        return SafeET.fromstring(data)
    except DefusedXmlException as exc:
        raise ExtractionError(f"{what} uses forbidden XML constructs: {exc!r}") from exc
    except (ParseError, ValueError, UnicodeError) as exc:
        raise ExtractionError(f"{what} is not well-formed XML: {exc}") from exc


def parse_with_prefixes(data: bytes, what: str = "XML") -> tuple[Element, dict[str, str]]:
    """Parse ``data`` and return the root plus the namespace URI -> prefix map it declares.

    Known namespaces keep their canonical prefix whatever the document calls them, so
    names stay stable (``xap:CreateDate`` is reported as ``xmp:CreateDate``).
    """
    prefixes: dict[str, str] = {}
    root: Element | None = None
    try:
        for event, item in SafeET.iterparse(io.BytesIO(data), events=("start-ns", "end")):
            if event == "start-ns":
                prefix, uri = item
                prefixes.setdefault(uri, prefix)
            else:
                root = item
    except DefusedXmlException as exc:
        raise ExtractionError(f"{what} uses forbidden XML constructs: {exc!r}") from exc
    except (ParseError, ValueError, UnicodeError) as exc:
        raise ExtractionError(f"{what} is not well-formed XML: {exc}") from exc
    if root is None:
        raise ExtractionError(f"{what} is empty")
    prefixes.update(KNOWN_PREFIXES)
    return root, prefixes


def iter_text_elements(
    data: bytes, text_tags: frozenset[str], break_tags: frozenset[str], what: str = "XML"
) -> Iterator[str]:
    """Stream the text of ``text_tags`` elements, yielding ``"\\n"`` after each ``break_tags``.

    Tags are local names (``t``, ``p``), so transitional and strict OOXML namespaces both
    match. Elements are cleared as they close, so large parts do not build a full tree;
    callers can stop early once they have enough text.
    """
    try:
        for _event, elem in SafeET.iterparse(io.BytesIO(data), events=("end",)):
            tag = local(elem.tag)
            if tag in text_tags:
                if elem.text:
                    yield elem.text
            elif tag in break_tags:
                yield "\n"
                elem.clear()
    except DefusedXmlException as exc:
        raise ExtractionError(f"{what} uses forbidden XML constructs: {exc!r}") from exc
    except (ParseError, ValueError, UnicodeError) as exc:
        raise ExtractionError(f"{what} is not well-formed XML: {exc}") from exc


def local(tag: object) -> str:
    """The local part of a Clark name (``{uri}local`` -> ``local``)."""
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1]


def namespace(tag: object) -> str:
    """The namespace URI of a Clark name ('' when there is none)."""
    if isinstance(tag, str) and tag.startswith("{"):
        return tag[1:].split("}", 1)[0]
    return ""


def qname(tag: object, prefixes: dict[str, str]) -> str:
    """``{uri}local`` -> ``prefix:local`` using ``prefixes`` (URI -> prefix)."""
    uri = namespace(tag)
    name = local(tag)
    if not uri:
        return name
    prefix = prefixes.get(uri) or KNOWN_PREFIXES.get(uri)
    return f"{prefix}:{name}" if prefix else f"{{{uri}}}{name}"


def element_text(elem: Element | None) -> str | None:
    """All text inside ``elem`` (``None`` when the element is absent)."""
    if elem is None:
        return None
    return "".join(elem.itertext())

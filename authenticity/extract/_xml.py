"""Safe XML parsing shared by the document extractors (XMP packets, OOXML parts).

Everything goes through :mod:`defusedxml`: entity declarations and external references are
refused, nothing is fetched. Parse failures become :class:`ExtractionError`.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Iterator
from typing import Any
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


# --- Internal DTD subsets -----------------------------------------------------------------

_DOCTYPE = re.compile(rb"<!DOCTYPE\b[^\[>]*(?:\[.*?\]\s*)?>", re.DOTALL)
_ENTITY_REF = re.compile(rb"&(?!(?:amp|lt|gt|quot|apos|#[0-9]+|#x[0-9a-fA-F]+);)[A-Za-z_][\w.\-]*;")


def strip_dtd(data: bytes) -> bytes | None:
    """``data`` without its DOCTYPE and with every entity reference dropped, or ``None``.

    For recovering the plain values of a part that declares entities (billion laughs, XXE):
    nothing is expanded or fetched, references to declared entities simply become empty
    text. ``None`` when there is no DOCTYPE to remove.
    """
    stripped, count = _DOCTYPE.subn(b"", data, count=1)
    if not count:
        return None
    return _ENTITY_REF.sub(b"", stripped)


# --- XMP ----------------------------------------------------------------------------------

_XMP_MAX_DEPTH = 8
_XMP_MAX_ITEMS = 1000
#: ``<?xpacket ...?>`` wrappers carry no metadata; some writers put broken bytes in them
#: (a truncated BOM in ``begin="..."``) that make the whole packet unparseable.
_XPACKET_PI = re.compile(rb"<\?xpacket\b.*?\?>", re.DOTALL)

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_RDF_RDF = f"{{{RDF}}}RDF"
_RDF_DESCRIPTION = f"{{{RDF}}}Description"
_RDF_LI = f"{{{RDF}}}li"
_RDF_ABOUT = f"{{{RDF}}}about"
_RDF_RESOURCE = f"{{{RDF}}}resource"
_RDF_PARSETYPE = f"{{{RDF}}}parseType"
_RDF_CONTAINERS = {f"{{{RDF}}}Seq", f"{{{RDF}}}Bag"}
_RDF_ALT = f"{{{RDF}}}Alt"
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def _xmp_value(elem: Element, prefixes: dict[str, str], depth: int = 0) -> Any:
    """The value of one XMP property element (simple, array, alternative or structure)."""
    if depth > _XMP_MAX_DEPTH:
        return None
    resource = elem.get(_RDF_RESOURCE)
    if resource is not None:
        return resource
    children = list(elem)
    if not children:
        struct = _xmp_attr_props(elem, prefixes, skip={_RDF_PARSETYPE})
        if struct:
            return struct
        return (elem.text or "").strip()
    if elem.get(_RDF_PARSETYPE) == "Resource":
        return _xmp_props(elem, prefixes, depth + 1)
    first = children[0]
    if first.tag in _RDF_CONTAINERS:
        return [_xmp_value(li, prefixes, depth + 1) for li in first.findall(_RDF_LI)]
    if first.tag == _RDF_ALT:
        items = first.findall(_RDF_LI)
        for li in items:
            if li.get(_XML_LANG) == "x-default":
                return _xmp_value(li, prefixes, depth + 1)
        return _xmp_value(items[0], prefixes, depth + 1) if items else None
    if first.tag == _RDF_DESCRIPTION:
        return _xmp_props(first, prefixes, depth + 1)
    return _xmp_props(elem, prefixes, depth + 1)


def _xmp_attr_props(
    elem: Element, prefixes: dict[str, str], skip: set[str] | frozenset[str] = frozenset()
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, val in elem.attrib.items():
        if key in skip or key in (_RDF_ABOUT, _XML_LANG) or namespace(key) == RDF:
            continue
        out[qname(key, prefixes)] = val
    return out


def _xmp_props(desc: Element, prefixes: dict[str, str], depth: int = 0) -> dict[str, Any]:
    """Properties of an rdf:Description: its attributes (short form) and child elements."""
    out = _xmp_attr_props(desc, prefixes)
    for child in list(desc)[:_XMP_MAX_ITEMS]:
        key = qname(child.tag, prefixes)
        if key not in out:
            out[key] = _xmp_value(child, prefixes, depth)
    return out


_XMPMETA = "{adobe:ns:meta/}xmpmeta"
_XMPTK = "{adobe:ns:meta/}xmptk"


def parse_xmp(data: bytes) -> dict[str, Any]:
    """Flatten an XMP packet into ``{"prefix:Name": value}`` (arrays as lists)."""
    data = _XPACKET_PI.sub(b"", data).strip(b"\x00 \t\r\n")
    root, prefixes = parse_with_prefixes(data, "XMP packet")
    rdf_roots = [root] if root.tag == _RDF_RDF else list(root.iter(_RDF_RDF))
    out: dict[str, Any] = {}
    # The toolkit that serialized the packet (``x:xmpmeta x:xmptk="Image::ExifTool 12.57"``).
    toolkit = root.get(_XMPTK) if root.tag == _XMPMETA else None
    if toolkit:
        out["x:xmptk"] = toolkit
    for rdf in rdf_roots:
        for desc in rdf.findall(_RDF_DESCRIPTION):
            for key, value in _xmp_props(desc, prefixes).items():
                out.setdefault(key, value)
    return out


#: History events read from one packet.
_MAX_HISTORY = 500


def xmp_history_latest(xmp: dict[str, Any]) -> dict[str, Any]:
    """The latest ``stEvt:when`` of a packet's ``xmpMM:History`` (the saves, conversions and
    derivations Adobe programs, GIMP and others log, each with its date) and the program
    that logged it, as facts; empty when the packet has no dated event."""
    from authenticity.timeutil import as_utc, parse_iso8601

    history = xmp.get("xmpMM:History")
    if not isinstance(history, list):
        return {}
    latest: tuple[Any, str] | None = None
    for event in history[:_MAX_HISTORY]:
        if not isinstance(event, dict):
            continue
        when = parse_iso8601(event.get("stEvt:when"))
        if when is not None and (latest is None or as_utc(when) > as_utc(latest[0])):
            agent = event.get("stEvt:softwareAgent")
            latest = (when, str(agent)[:200] if agent else str(event.get("stEvt:action") or ""))
    if latest is None:
        return {}
    return {"xmp_history_latest": latest[0], "xmp_history_latest_agent": latest[1]}


#: XMP properties that hold document and instance ids (top level, in the history, in the
#: derivation reference), by local name: Photoshop 7 wrote them in the older ``xapMM``
#: namespace and put the instance id in ``rdf:about``.
_ID_NAMES = frozenset(
    {"InstanceID", "DocumentID", "OriginalDocumentID", "instanceID", "documentID", "about"}
)
_UUID = re.compile(
    r"([0-9a-fA-F]{8})-?([0-9a-fA-F]{4})-?1([0-9a-fA-F]{3})-?([89abAB][0-9a-fA-F]{3})"
)
#: UUID time base: 1582-10-15, in 100 ns steps.
_UUID_EPOCH = dt.datetime(1582, 10, 15, tzinfo=dt.UTC)
#: Earliest plausible id time (XMP dates from 2001).
_UUID_MIN = dt.datetime(1995, 1, 1, tzinfo=dt.UTC)
_MAX_IDS = 500


def uuid1_time(value: str) -> dt.datetime | None:
    """The moment a time-based (version 1, RFC 4122 variant) UUID was generated, or None.
    Photoshop 7 to CS, .NET and others make their XMP document and instance ids this way,
    so the id of a save carries the machine's clock at that save."""
    found = _UUID.search(value)
    if found is None:
        return None
    low, mid, high, _variant = found.groups()
    ticks = int(high + mid + low, 16)
    when = _UUID_EPOCH + dt.timedelta(microseconds=ticks // 10)
    return when if when >= _UUID_MIN else None


def xmp_id_latest(xmp: dict[str, Any], now: dt.datetime | None = None) -> dict[str, Any]:
    """The latest generation time among a packet's time-based document and instance ids
    (``xmp_id_latest``, with the property in ``xmp_id_latest_field``); ids dated after
    ``now`` (default: the current time) are not time-based in practice and are skipped."""
    limit = now or dt.datetime.now(dt.UTC)
    latest: tuple[dt.datetime, str] | None = None
    seen = 0
    stack: list[Any] = [xmp]
    while stack and seen < _MAX_IDS:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item[:_MAX_HISTORY])
            continue
        if not isinstance(item, dict):
            continue
        for key, value in list(item.items())[:_MAX_HISTORY]:
            if isinstance(value, dict | list):
                stack.append(value)
            elif isinstance(value, str) and key.rsplit(":", 1)[-1] in _ID_NAMES:
                seen += 1
                when = uuid1_time(value)
                if when is not None and when <= limit and (latest is None or when > latest[0]):
                    latest = (when, key)
    if latest is None:
        return {}
    return {"xmp_id_latest": latest[0], "xmp_id_latest_field": latest[1]}

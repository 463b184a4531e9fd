"""OOXML extractor (.docx/.xlsx/.pptx and their macro/template variants).

Reads the package with :mod:`zipfile` and every XML part with defusedxml: core, extended
(app) and custom properties, the zip central directory, and the visible text. Members are
read with a size cap; nothing is executed and no external relationship is followed.
"""

from __future__ import annotations

import datetime as dt
import html
import io
import posixpath
import re
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterable
from typing import Any
from xml.etree.ElementTree import Element

from authenticity.errors import EncryptedDocument, ExtractionError
from authenticity.extract import _xml, register, xlsxcalc
from authenticity.model import Extraction, Finding, Metadata, Severity
from authenticity.timeutil import parse_iso8601

#: Largest uncompressed member we agree to read.
MAX_MEMBER_BYTES = 200 * 1024 * 1024
MAX_ENTRIES = 5000
MAX_TEXT_CHARS = 100_000
MAX_PARTS = 2000  # slides or sheets read for text

_MIMES = (
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.template",
    "application/vnd.ms-word.document.macroenabled.12",
    "application/vnd.ms-word.template.macroenabled.12",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.template",
    "application/vnd.ms-excel.sheet.macroenabled.12",
    "application/vnd.ms-excel.template.macroenabled.12",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "application/vnd.openxmlformats-officedocument.presentationml.template",
    "application/vnd.openxmlformats-officedocument.presentationml.slideshow",
    "application/vnd.ms-powerpoint.presentation.macroenabled.12",
    "application/vnd.ms-powerpoint.template.macroenabled.12",
    "application/vnd.ms-powerpoint.slideshow.macroenabled.12",
)
_EXTENSIONS = (
    "docx", "docm", "dotx", "dotm",
    "xlsx", "xlsm", "xltx", "xltm",
    "pptx", "pptm", "potx", "potm", "ppsx", "ppsm",
)  # fmt: skip

# Relationship types are matched on their last path segment: transitional and strict
# OOXML use different prefixes for the same relationships.
_REL_CORE = "core-properties"
_REL_APP = "extended-properties"
_REL_CUSTOM = "custom-properties"
_REL_MAIN = "officeDocument"
_DEFAULT_PARTS = {
    _REL_CORE: "docProps/core.xml",
    _REL_APP: "docProps/app.xml",
    _REL_CUSTOM: "docProps/custom.xml",
}
_SLIDE = re.compile(r"^ppt/slides/slide(\d+)\.xml$", re.IGNORECASE)
_SHEET = re.compile(r"^xl/worksheets/sheet(\d+)\.xml$", re.IGNORECASE)


class MemberTooLarge(ExtractionError):
    """A zip member is larger than we agree to decompress."""


class _Package:
    """Case-insensitive, size-capped access to the members of an OOXML zip.

    Normally backed by :class:`zipfile.ZipFile`; when the central directory is damaged,
    by the local file headers recovered from a scan of the bytes (``recovered`` is set).
    """

    def __init__(
        self,
        infos: list[zipfile.ZipInfo],
        zf: zipfile.ZipFile | None = None,
        data: bytes = b"",
        offsets: dict[int, tuple[int, int | None]] | None = None,
    ) -> None:
        self.zf = zf
        self.data = data
        self.infos = infos
        self.recovered = zf is None
        self._offsets = offsets or {}
        self.by_name: dict[str, zipfile.ZipInfo] = {}
        for info in self.infos:
            self.by_name.setdefault(_norm(info.filename), info)

    def find(self, name: str) -> zipfile.ZipInfo | None:
        return self.by_name.get(_norm(name))

    def read(self, name: str) -> bytes | None:
        info = self.find(name)
        if info is None:
            return None
        if info.file_size > MAX_MEMBER_BYTES:
            raise MemberTooLarge(
                f"zip member {info.filename!r} declares {info.file_size} bytes uncompressed "
                f"(limit {MAX_MEMBER_BYTES}); refusing to decompress it"
            )
        if info.flag_bits & 0x1:
            raise EncryptedDocument(f"zip member {info.filename!r} is password-protected")
        if self.zf is not None:
            with self.zf.open(info) as fh:
                data = fh.read(MAX_MEMBER_BYTES + 1)
        else:
            data = self._read_recovered(info)
        if len(data) > MAX_MEMBER_BYTES:
            raise MemberTooLarge(
                f"zip member {info.filename!r} inflates beyond {MAX_MEMBER_BYTES} bytes; "
                "refusing to decompress it"
            )
        return data

    def head(self, info: zipfile.ZipInfo, size: int) -> bytes:
        """The first ``size`` bytes of a member, inflating no more than needed."""
        if info.flag_bits & 0x1:
            return b""
        if self.zf is not None:
            with self.zf.open(info) as fh:
                return fh.read(size)
        chunk = self._recovered_chunk(info)
        if info.compress_type == zipfile.ZIP_STORED:
            return chunk[:size]
        if info.compress_type != zipfile.ZIP_DEFLATED:
            return b""
        return zlib.decompressobj(-15).decompress(chunk, size)

    def _recovered_chunk(self, info: zipfile.ZipInfo) -> bytes:
        """A recovered member's stored bytes (to the end of the data when its size is
        unknown)."""
        start, csize = self._offsets[id(info)]
        return self.data[start : start + csize] if csize is not None else self.data[start:]

    def _read_recovered(self, info: zipfile.ZipInfo) -> bytes:
        _start, csize = self._offsets[id(info)]
        chunk = self._recovered_chunk(info)
        if info.compress_type == zipfile.ZIP_STORED:
            if csize is None:
                raise ExtractionError(f"zip member {info.filename!r} has no recoverable size")
            return chunk
        if info.compress_type != zipfile.ZIP_DEFLATED:
            raise ExtractionError(
                f"zip member {info.filename!r} uses compression {info.compress_type}"
            )
        # A damaged stream yields what inflates before the damage (zlib.error otherwise).
        return zlib.decompressobj(-15).decompress(chunk, MAX_MEMBER_BYTES + 1)


_LOCAL_HEADER = struct.Struct("<4sHHHHHIIIHH")


def _recover_local_headers(data: bytes) -> _Package:
    """Rebuild the member list from local file headers when the central directory is bad."""
    infos: list[zipfile.ZipInfo] = []
    offsets: dict[int, tuple[int, int | None]] = {}
    pos = data.find(b"PK\x03\x04")
    while pos != -1 and len(infos) < MAX_ENTRIES * 4:
        if pos + _LOCAL_HEADER.size > len(data):
            break
        (_sig, _ver, flags, method, mtime, mdate, crc, csize, usize, nlen, xlen) = (
            _LOCAL_HEADER.unpack_from(data, pos)
        )
        name_raw = data[pos + 30 : pos + 30 + nlen]
        name = name_raw.decode("utf-8" if flags & 0x800 else "cp437", "replace")
        start = pos + 30 + nlen + xlen
        known = not (flags & 0x8) or csize > 0
        info = zipfile.ZipInfo(name)
        info.date_time = (
            (mdate >> 9) + 1980, (mdate >> 5) & 0xF, mdate & 0x1F,
            mtime >> 11, (mtime >> 5) & 0x3F, (mtime & 0x1F) * 2,
        )  # fmt: skip
        info.compress_type = method
        info.flag_bits = flags
        info.CRC = crc
        info.compress_size = csize
        info.file_size = usize
        infos.append(info)
        offsets[id(info)] = (start, csize if known else None)
        nxt = start + csize if known and csize else pos + 4
        pos = data.find(b"PK\x03\x04", max(nxt, pos + 4))
    if not infos:
        raise ExtractionError("not a readable zip/OOXML package: no local file headers")
    return _Package(infos, data=data, offsets=offsets)


def _norm(name: str) -> str:
    return name.replace("\\", "/").lstrip("/").lower()


def _int(value: Any) -> int | None:
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def _str(value: Any) -> str | None:
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return None


def _vt_value(elem: Element, depth: int = 0) -> Any:
    """Convert a docPropsVTypes value (``vt:lpwstr``, ``vt:i4``, ``vt:vector``...)."""
    kind = _xml.local(elem.tag)
    text = elem.text or ""
    if depth > 6:
        return None
    if kind in ("vector", "array"):
        return [_vt_value(child, depth + 1) for child in list(elem)[:1000]]
    if kind == "variant":
        children = list(elem)
        return _vt_value(children[0], depth + 1) if children else None
    try:
        if kind in ("i1", "i2", "i4", "i8", "int", "ui1", "ui2", "ui4", "ui8", "uint"):
            return int(text.strip())
        if kind in ("r4", "r8", "decimal", "cy"):
            return float(text.strip())
    except ValueError:
        return text
    if kind == "bool":
        return text.strip().lower() in ("true", "1")
    if kind in ("filetime", "date"):
        return parse_iso8601(text) or text
    if kind in ("blob", "oblob", "stream", "ostream", "vstream", "ostorage", "storage"):
        return {"base64": text.strip()[:4096]}
    return text


def _relationships(pkg: _Package) -> dict[str, str]:
    """Package-level relationships: last segment of the type -> part name."""
    data = pkg.read("_rels/.rels")
    out: dict[str, str] = {}
    if data is None:
        return out
    root = _xml.parse(data, "_rels/.rels")
    for rel in root:
        rel_type = (rel.get("Type") or "").rstrip("/").rsplit("/", 1)[-1]
        target = rel.get("Target") or ""
        if rel.get("TargetMode") == "External" or not rel_type or not target:
            continue
        out.setdefault(rel_type, target.lstrip("/"))
    return out


def _simple_part(data: bytes, what: str, qualified: bool) -> dict[str, Any]:
    """Children of a property part's root as ``{name: value}`` (vectors as lists)."""
    root, prefixes = _xml.parse_with_prefixes(data, what)
    out: dict[str, Any] = {}
    for child in list(root)[:1000]:
        key = _xml.qname(child.tag, prefixes) if qualified else _xml.local(child.tag)
        children = list(child)
        value = _vt_value(children[0]) if children else (child.text or "").strip()
        out.setdefault(key, value)
    return out


def _custom_part(data: bytes) -> dict[str, Any]:
    root = _xml.parse(data, "docProps/custom.xml")
    out: dict[str, Any] = {}
    for prop in list(root)[:1000]:
        name = prop.get("name")
        children = list(prop)
        if name is None:
            continue
        out.setdefault(name, _vt_value(children[0]) if children else None)
    return out


def _zip_entries(infos: list[zipfile.ZipInfo]) -> list[dict[str, Any]]:
    entries = []
    for info in infos[:MAX_ENTRIES]:
        y, mo, d, h, mi, s = info.date_time
        entries.append(
            {
                "name": info.filename,
                "date_time": f"{y:04d}-{mo:02d}-{d:02d}T{h:02d}:{mi:02d}:{s:02d}",
                "compress_type": info.compress_type,
                "flag_bits": info.flag_bits,
                "size": info.file_size,
            }
        )
    return entries


#: Deflate option bits 1-2 of the general purpose flag: Office sets both on what it deflates.
OFFICE_DEFLATE_FLAGS = 0x6
#: Entries tested for byte-exact zlib output (sizes in bytes; a few small parts suffice).
ZLIB_PROBE_ENTRIES = 8
ZLIB_PROBE_MIN, ZLIB_PROBE_MAX = 200, 64 * 1024
_ZLIB_LEVELS = (6, 9, 1, 5, 4, 3, 2, 7, 8)


def _zlib_level(data: bytes, compressed_size: int) -> int | None:
    """The zlib level whose raw deflate of ``data`` has exactly ``compressed_size`` bytes."""
    for level in _ZLIB_LEVELS:
        c = zlib.compressobj(level, zlib.DEFLATED, -15)
        if len(c.compress(data)) + len(c.flush()) == compressed_size:
            return level
    return None


def deflate_fingerprint(pkg: _Package) -> dict[str, Any]:
    """Which compressor wrote the deflated entries: Office's (flag bits 1-2 set) or zlib's
    (every probed entry's size is exactly what zlib produces at some level)."""
    deflated = [i for i in pkg.infos if i.compress_type == zipfile.ZIP_DEFLATED]
    office = sum(1 for i in deflated if i.flag_bits & OFFICE_DEFLATE_FLAGS == OFFICE_DEFLATE_FLAGS)
    out: dict[str, Any] = {"deflated": len(deflated), "office_flags": office}
    if not deflated or office * 2 >= len(deflated) or pkg.recovered:
        return out  # Office's own marker (or nothing to test): no need to recompress
    probes = [i for i in deflated if ZLIB_PROBE_MIN <= i.file_size <= ZLIB_PROBE_MAX][
        :ZLIB_PROBE_ENTRIES
    ]
    exact = 0
    for info in probes:
        try:
            data = pkg.read(info.filename)
        except ExtractionError:
            continue
        if data is not None and _zlib_level(data, info.compress_size) is not None:
            exact += 1
    out.update(zlib_probed=len(probes), zlib_exact=exact)
    return out


def _text_parts(pkg: _Package, main: str | None) -> Iterable[tuple[str, frozenset, frozenset]]:
    """(part name, text tags, paragraph tags) of the parts holding the visible text."""
    main_norm = _norm(main or "")
    if main_norm.startswith("word/") or pkg.find("word/document.xml"):
        yield (main or "word/document.xml"), frozenset({"t"}), frozenset({"p"})
    elif main_norm.startswith("xl/") or pkg.find("xl/workbook.xml"):
        if pkg.find("xl/sharedStrings.xml"):
            yield "xl/sharedStrings.xml", frozenset({"t"}), frozenset({"si"})
        else:  # writers such as openpyxl store inline strings in the sheets instead
            for name in _numbered(pkg, _SHEET):
                yield name, frozenset({"t"}), frozenset({"is"})
    elif main_norm.startswith("ppt/") or pkg.find("ppt/presentation.xml"):
        for name in _numbered(pkg, _SLIDE):
            yield name, frozenset({"t"}), frozenset({"p"})


def _numbered(pkg: _Package, pattern: re.Pattern[str]) -> list[str]:
    """Members matching ``pattern`` (one number group), in numeric order."""
    found = []
    for info in pkg.infos:
        m = pattern.match(info.filename)
        if m:
            found.append((int(m.group(1)), info.filename))
    return [name for _num, name in sorted(found)[:MAX_PARTS]]


def _text(pkg: _Package, main: str | None, facts: dict[str, Any]) -> str:
    chunks: list[str] = []
    size = 0
    try:
        for part, text_tags, break_tags in _text_parts(pkg, main):
            data = pkg.read(part)
            if data is None:
                continue
            for chunk in _xml.iter_text_elements(data, text_tags, break_tags, part):
                chunks.append(chunk)
                size += len(chunk)
                if size >= MAX_TEXT_CHARS:
                    return "".join(chunks)[:MAX_TEXT_CHARS]
            chunks.append("\n")
    except (MemberTooLarge, MemoryError):
        raise
    except Exception as exc:  # the text is best effort; the metadata stands on its own
        facts["text_error"] = f"{type(exc).__name__}: {exc}"
    return "".join(chunks)[:MAX_TEXT_CHARS]


def _read_part(
    pkg: _Package, name: str, facts: dict[str, Any], parse: Callable[[bytes], dict[str, Any]]
) -> dict[str, Any]:
    data = pkg.read(name)
    if data is None:
        return {}
    try:
        return parse(data)
    except ExtractionError as exc:
        facts.setdefault("part_errors", {})[name] = str(exc)
        error = exc
    # A part that declares entities (billion laughs, XXE) keeps its error, but its plain
    # values are still read with the DTD removed and nothing expanded, as ExifTool does.
    stripped = _xml.strip_dtd(data)
    if stripped is None or isinstance(error, MemberTooLarge):
        return {}
    try:
        values = parse(stripped)
    except ExtractionError:
        return {}
    facts.setdefault("parts_read_without_dtd", []).append(name)
    return values


# --- Word revision traces, languages, reviewers, custom XML, external targets --------------

MAX_RSIDS = 500
MAX_EXTERNAL = 200
MAX_RELS_PARTS = 500
MAX_NAMES = 200
_W_MAIN = ("word/document.xml", "word/styles.xml")
#: The tags :func:`_word_markup` reads, in one pass over each part (a 350 KB styles.xml
#: took three passes of about 1 ms each): a paragraph (``<w:p ...>``, not ``<w:pPr>``),
#: ``w:lang``, and the tracked changes and comments.
_CHANGE_KINDS = ("ins", "del", "moveFrom", "moveTo", "rPrChange", "pPrChange", "comment")
_MARKUP_TAG = re.compile(
    rb"<(?:[\w.-]+:)?(lang|p|" + "|".join(_CHANGE_KINDS).encode() + rb")\b([^>]*)>"
)
_LANG_ATTR = re.compile(rb"""(?:[\w.-]+:)?(?:val|eastAsia|bidi)\s*=\s*["']([^"']*)["']""")
_AUTHOR_ATTR = re.compile(rb"""(?:[\w.-]+:)?author\s*=\s*["']([^"']*)["']""")
_DATE_ATTR = re.compile(rb"""(?:[\w.-]+:)?date\s*=\s*["']([^"']{10,40})["']""")
#: Word's session id on a paragraph's opening tag.
_RSID_R = re.compile(rb"\s(?:[\w.-]+:)?rsidR\s*=")
_XLSX_AUTHOR = re.compile(rb"<(?:[\w.-]+:)?author>([^<]*)</(?:[\w.-]+:)?author>")


def _unxml(value: bytes) -> str:
    return html.unescape(value.decode("utf-8", "replace")).strip()


def _markup_date(attrs: bytes) -> dt.datetime | None:
    """A tracked change's or comment's ``w:date``, zone dropped: Word writes the local
    time of the editing machine followed by a "Z" it does not mean."""
    found = _DATE_ATTR.search(attrs)
    value = parse_iso8601(_unxml(found.group(1))) if found else None
    return value.replace(tzinfo=None) if value is not None else None


def _rsids(pkg: _Package, facts: dict[str, Any]) -> None:
    """Revision-save ids of word/settings.xml (``w:rsids``): one per editing session."""
    data = pkg.read("word/settings.xml")
    if data is None:
        return
    try:
        root = _xml.parse(data, "word/settings.xml")
    except ExtractionError as exc:
        facts.setdefault("part_errors", {})["word/settings.xml"] = str(exc)
        return
    values: list[str] = []
    root_rsid = None
    for elem in root.iter():
        tag = _xml.local(elem.tag)
        if tag not in ("rsid", "rsidRoot"):
            continue
        val = next((v for k, v in elem.attrib.items() if _xml.local(k) == "val"), None)
        if not val:
            continue
        if tag == "rsidRoot":
            root_rsid = val.upper()
        else:
            values.append(val.upper())
    unique = list(dict.fromkeys(values))
    facts["rsid_count"] = len(unique)
    facts["rsids"] = unique[:MAX_RSIDS]
    facts["rsid_root"] = root_rsid


def _word_markup(pkg: _Package, facts: dict[str, Any]) -> None:
    """``w:lang`` values, tracked-change and comment authors (pattern scan, no tree)."""
    langs: set[str] = set()
    change_authors: set[str] = set()
    comment_authors: set[str] = set()
    changes: dict[str, int] = {}
    latest: tuple[dt.datetime, str] | None = None
    for part in (*_W_MAIN, "word/comments.xml"):
        data = pkg.read(part)
        if data is None:
            continue
        is_document = part == "word/document.xml"
        paragraphs = without_rsid = 0
        for m in _MARKUP_TAG.finditer(data):
            kind = m.group(1).decode("ascii")
            attrs = m.group(2)
            if kind == "p":
                # Word stamps every paragraph it writes with the session's w:rsidR (when it
                # records sessions at all); a paragraph a library inserts carries none
                if is_document and (not attrs or attrs == b"/" or attrs[:1].isspace()):
                    paragraphs += 1
                    without_rsid += not _RSID_R.search(attrs)
                continue
            if kind == "lang":
                if part in _W_MAIN:
                    langs.update(v for a in _LANG_ATTR.findall(attrs) if (v := _unxml(a)))
                continue
            author = _AUTHOR_ATTR.search(attrs)
            if (stamp := _markup_date(attrs)) and (latest is None or stamp > latest[0]):
                latest = (stamp, kind)
            if kind == "comment":
                if author and len(comment_authors) < MAX_NAMES:
                    comment_authors.add(_unxml(author.group(1)))
                continue
            if part != "word/document.xml":
                continue
            changes[kind] = changes.get(kind, 0) + 1
            if author and len(change_authors) < MAX_NAMES:
                change_authors.add(_unxml(author.group(1)))
        if is_document:
            facts["paragraphs"] = paragraphs
            facts["paragraphs_without_rsid"] = without_rsid
    for info in pkg.infos[:MAX_ENTRIES]:  # spreadsheet comments: <authors><author>
        name = _norm(info.filename)
        if name.startswith("xl/comments") and name.endswith(".xml"):
            data = pkg.read(info.filename) or b""
            comment_authors.update(_unxml(a) for a in _XLSX_AUTHOR.findall(data)[:MAX_NAMES])
    facts["languages"] = sorted(langs)[:MAX_NAMES]
    facts["tracked_changes"] = changes
    if latest is not None:
        facts["markup_latest_date"], facts["markup_latest_kind"] = latest
    facts["revision_authors"] = sorted(a for a in change_authors if a)
    facts["comment_authors"] = sorted(a for a in comment_authors if a)[:MAX_NAMES]


def _external_relationships(pkg: _Package, facts: dict[str, Any]) -> None:
    """Targets of ``TargetMode="External"`` relationships in every .rels part (never fetched)."""
    external: list[dict[str, str]] = []
    rels_parts = [i.filename for i in pkg.infos if _norm(i.filename).endswith(".rels")]
    for part in rels_parts[:MAX_RELS_PARTS]:
        data = pkg.read(part)
        if not data or b"External" not in data:
            continue
        try:
            root = _xml.parse(data, part)
        except ExtractionError as exc:
            facts.setdefault("part_errors", {})[part] = str(exc)
            continue
        for rel in root:
            if rel.get("TargetMode") != "External":
                continue
            rel_type = (rel.get("Type") or "").rstrip("/").rsplit("/", 1)[-1]
            external.append({"part": part, "type": rel_type, "target": rel.get("Target") or ""})
            if len(external) >= MAX_EXTERNAL:
                break
    facts["external_relationships"] = external
    facts["has_external_relationships"] = bool(external)


#: XML parts whose declaration is read (the first bytes of each).
MAX_DECLARATIONS = 1000
_DECLARATION = re.compile(rb"\s*<\?xml\b([^?>]{0,200})\?>(\r\n|\n)?")


def _declarations(pkg: _Package, facts: dict[str, Any]) -> None:
    """How each XML part's declaration is quoted: Office, LibreOffice, Apache POI and .NET
    write ``<?xml version="1.0" ...?>``; lxml and Python's ElementTree, which python-docx,
    python-pptx and hand-made scripts serialize with, write ``version='1.0'``. Facts
    ``xml_declarations`` (counts of ``double``, ``single``, ``none``),
    ``single_quoted_parts`` and ``undeclared_parts`` (names, capped; openpyxl writes its
    parts with no declaration at all). A UTF-8 byte order mark before the declaration is
    skipped.

    Also the line break after each declaration, ``xml_declaration_breaks`` (counts of
    ``crlf``, ``lf``, ``none``) of the parts that have a declaration: Word, Excel and
    PowerPoint write CRLF; LibreOffice, lxml (python-docx) and XlsxWriter write LF."""
    counts = {"double": 0, "single": 0, "none": 0}
    breaks = {"crlf": 0, "lf": 0, "none": 0}
    single: list[str] = []
    undeclared: list[str] = []
    for info in pkg.infos[:MAX_DECLARATIONS]:
        name = _norm(info.filename)
        if not name.endswith((".xml", ".rels")) or info.file_size == 0:
            continue
        found = _DECLARATION.match(pkg.head(info, 256).removeprefix(b"\xef\xbb\xbf"))
        if found is None:
            counts["none"] += 1
            if len(undeclared) < MAX_NAMES:
                undeclared.append(info.filename)
            continue
        breaks[{b"\r\n": "crlf", b"\n": "lf"}.get(found.group(2) or b"", "none")] += 1
        if b"'" in found.group(1) and b'"' not in found.group(1):
            counts["single"] += 1
            if len(single) < MAX_NAMES:
                single.append(info.filename)
        else:
            counts["double"] += 1
    facts["xml_declarations"] = counts
    facts["xml_declaration_breaks"] = breaks
    facts["single_quoted_parts"] = single
    facts["undeclared_parts"] = undeclared


#: Embedded pictures read for their EXIF capture date, and the bytes read of each (the
#: EXIF block sits in the first segments of a JPEG).
MAX_MEDIA = 50
MEDIA_HEAD_BYTES = 256 * 1024
_MEDIA_DIRS = ("word/media/", "ppt/media/", "xl/media/")


def _media_dates(pkg: _Package, facts: dict[str, Any]) -> None:
    """The latest EXIF capture time (DateTimeOriginal, else DateTimeDigitized) of the JPEG
    photos embedded in the package: Word, PowerPoint and Excel keep an inserted JPEG's
    bytes, EXIF included, unless asked to compress pictures. Facts
    ``media_latest_capture`` and ``media_latest_capture_part``."""
    from authenticity.extract.image import exif_capture_time

    latest: tuple[dt.datetime, str] | None = None
    read = 0
    for info in pkg.infos[:MAX_ENTRIES]:
        name = _norm(info.filename)
        if not name.startswith(_MEDIA_DIRS) or not name.endswith((".jpg", ".jpeg")):
            continue
        if read >= MAX_MEDIA:
            break
        read += 1
        stamp = exif_capture_time(pkg.head(info, MEDIA_HEAD_BYTES))
        if stamp is not None and (latest is None or stamp > latest[0]):
            latest = (stamp, info.filename)
    if latest is not None:
        facts["media_latest_capture"], facts["media_latest_capture_part"] = latest


#: Sheet names read from the workbook (Excel lists each one in ``app.xml`` too).
MAX_SHEETS = 1000


def _main_or(pkg: _Package, facts: dict[str, Any], default: str) -> str | None:
    """The package's main part when it is named like ``default`` (``.../workbook.xml``),
    else ``default`` when the package holds it, else None."""
    main = facts.get("main_part") or ""
    if _norm(main).endswith(default.rsplit("/", 1)[-1]):
        return main
    return default if pkg.find(default) is not None else None


def _inventory(pkg: _Package, facts: dict[str, Any]) -> None:
    """What the package holds that Office also counts in ``app.xml`` at every save: the
    slides a presentation lists (``package_slides``, entries of ``p:sldIdLst``) and the
    sheets a workbook lists (``package_sheets``, names in order, chart sheets included).
    :func:`authenticity.heuristics.office.check_app_properties_stale` compares them."""
    presentation = _main_or(pkg, facts, "ppt/presentation.xml")
    workbook = _main_or(pkg, facts, "xl/workbook.xml") if presentation is None else None
    if presentation is not None:
        data = pkg.read(presentation)
        if data is not None:
            root = _xml.parse(data, "presentation part")
            facts["package_slides"] = sum(1 for e in root.iter() if _xml.local(e.tag) == "sldId")
            facts["custom_shows"] = any(_xml.local(e.tag) == "custShow" for e in root.iter())
            titles = _slide_titles(pkg, presentation, root)
            if titles is not None:
                facts["slide_titles"] = titles
    elif workbook is not None:
        data = pkg.read(workbook)
        if data is not None:
            root = _xml.parse(data, "workbook part")
            sheets = [
                sheet.get("name") or ""
                for group in root
                if _xml.local(group.tag) == "sheets"
                for sheet in list(group)[:MAX_SHEETS]
                if _xml.local(sheet.tag) == "sheet"
            ]
            facts["package_sheets"] = sheets[:MAX_SHEETS]
            calc = next((e for e in root if _xml.local(e.tag) == "calcPr"), None)
            facts["calc_properties"] = (
                {_xml.local(k): str(v)[:40] for k, v in list(calc.attrib.items())[:20]}
                if calc is not None
                else {}
            )
            _formula_cache(pkg, facts)


#: Presentations whose slide titles are read (PowerPoint lists them in app.xml), and the
#: slide XML read for them, all slides together (uncompressed bytes).
MAX_TITLED_SLIDES = 500
MAX_TITLE_BYTES = 64 * 1024 * 1024
_R_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_TITLE_PLACEHOLDERS = frozenset({"title", "ctrTitle"})


def _part_targets(pkg: _Package, part: str) -> dict[str, str]:
    """A part's relationships: id -> target part name (internal targets only)."""
    folder, _, name = part.rpartition("/")
    data = pkg.read(f"{folder}/_rels/{name}.rels" if folder else f"_rels/{name}.rels")
    if data is None:
        return {}
    out: dict[str, str] = {}
    for rel in list(_xml.parse(data, f"{part} relationships"))[: MAX_TITLED_SLIDES * 4]:
        target, rid = rel.get("Target") or "", rel.get("Id") or ""
        if not rid or not target or rel.get("TargetMode") == "External":
            continue
        out[rid] = posixpath.normpath(
            target.lstrip("/") if target.startswith("/") else posixpath.join(folder, target)
        )
    return out


def _slide_title(root: Element) -> str | None:
    """The text of a slide's title placeholder (line breaks and paragraphs as spaces, as
    PowerPoint lists it in app.xml); None when the slide has no title placeholder."""
    for shape in root.iter():
        if _xml.local(shape.tag) != "sp":
            continue
        placeholder = next((e for e in shape.iter() if _xml.local(e.tag) == "ph"), None)
        if placeholder is None or placeholder.get("type") not in _TITLE_PLACEHOLDERS:
            continue
        words = []
        for e in shape.iter():
            tag = _xml.local(e.tag)
            if tag == "t":
                words.append(e.text or "")
            elif tag in ("br", "p"):
                words.append(" ")
        return " ".join("".join(words).split())
    return None


def _slide_titles(pkg: _Package, presentation: str, root: Element) -> list[str | None] | None:
    """Each slide's title, in the presentation's order (``slide_titles``); None when a
    slide cannot be read or there are too many to read."""
    ids = [e.get(_R_ID) for e in root.iter() if _xml.local(e.tag) == "sldId"]
    if len(ids) > MAX_TITLED_SLIDES:
        return None
    targets = _part_targets(pkg, presentation)
    titles: list[str | None] = []
    budget = MAX_TITLE_BYTES
    for rid in ids:
        info = pkg.find(targets.get(rid or "", ""))
        if info is None or info.file_size > budget:
            return None
        data = pkg.read(info.filename)
        if data is None:
            return None
        budget -= len(data)
        titles.append(_slide_title(_xml.parse(data, "slide")))
    return titles


#: Worksheet XML read for formulas, all sheets together (uncompressed bytes).
MAX_FORMULA_BYTES = 60 * 1024 * 1024


def _formula_cache(pkg: _Package, facts: dict[str, Any]) -> None:
    """Fact ``formula_cache``: the workbook's cached formula results evaluated against
    their cells (:mod:`authenticity.extract.xlsxcalc`), sheet by sheet, within the caps."""
    budget = MAX_FORMULA_BYTES
    parts: list[tuple[str, bytes]] = []
    for name in _numbered(pkg, _SHEET)[: xlsxcalc.MAX_SHEETS]:
        info = pkg.find(name)
        if info is None or info.file_size > min(budget, xlsxcalc.MAX_SHEET_BYTES):
            continue
        data = pkg.read(name)
        if data is None:
            continue
        budget -= len(data)
        parts.append((name, data))
    facts["formula_cache"] = xlsxcalc.check_sheets(parts)


def _forensic_parts(pkg: _Package, facts: dict[str, Any]) -> None:
    custom_xml = [
        i.filename
        for i in pkg.infos
        if _norm(i.filename).startswith("customxml/") and _norm(i.filename).endswith(".xml")
    ]
    facts["has_custom_xml"] = bool(custom_xml)
    facts["custom_xml_parts"] = len(custom_xml)
    steps: tuple[Callable[[_Package, dict[str, Any]], None], ...] = (
        _declarations,
        _media_dates,
        _external_relationships,
        _inventory,
    )
    if pkg.find("word/document.xml") is not None:
        steps = (_declarations, _media_dates, _rsids, _word_markup, _external_relationships)
    elif any(_norm(i.filename).startswith("xl/comments") for i in pkg.infos):
        steps = (_declarations, _media_dates, _word_markup, _external_relationships, _inventory)
    for step in steps:
        try:
            step(pkg, facts)
        except (MemberTooLarge, MemoryError):
            raise
        except Exception as exc:  # best effort: the metadata stands on its own
            facts.setdefault("forensic_errors", {})[step.__name__.lstrip("_")] = (
                f"{type(exc).__name__}: {exc}"[:500]
            )


@register(*_MIMES, extensions=_EXTENSIONS)
def extract_ooxml(data: bytes) -> Extraction:
    """Read an OOXML package's properties, zip directory and text."""
    try:
        try:
            zf = zipfile.ZipFile(io.BytesIO(data))
        except zipfile.BadZipFile as exc:
            if not data.startswith(b"PK\x03\x04"):
                raise ExtractionError(f"not a readable zip/OOXML package: {exc}") from exc
            pkg = _recover_local_headers(data)
            extraction = _extract(pkg)
            extraction.facts["zip_error"] = str(exc)
            extraction.findings.append(
                Finding(
                    "OOXML_ZIP_DAMAGED",
                    Severity.INFO,
                    "The zip central directory is damaged; members were recovered from "
                    "their local headers, as Office's repair would do.",
                    {"zip_error": str(exc), "recovered_entries": len(pkg.infos)},
                )
            )
            return extraction
        with zf:
            return _extract(_Package(zf.infolist(), zf=zf))
    except (ExtractionError, MemoryError):
        raise
    except Exception as exc:  # zlib.error, NotImplementedError (compression), struct.error...
        raise ExtractionError(f"OOXML package cannot be read: {type(exc).__name__}: {exc}") from exc


def heading_labels(pairs: object) -> list[str]:
    """The group labels of a HeadingPairs list (``app.xml``'s, or a binary file's
    DocumentSummaryInformation's: label, count, label, count...): "Worksheets", "Листы",
    "Title", "Titre", "Slide Titles"... Office writes them in the language of its
    interface, so they tell which language's Office last saved the file, whatever its text
    is written in (fact ``office_ui_labels``; up to 10)."""
    if not isinstance(pairs, list):
        return []
    return [str(v).strip()[:60] for v in pairs[:20:2] if isinstance(v, str) and v.strip()]


def _extract(pkg: _Package) -> Extraction:
    facts: dict[str, Any] = {
        "zip_entries": _zip_entries(pkg.infos),
        "zip_entry_count": len(pkg.infos),
        "zip_recovered": pkg.recovered,
        "has_content_types": pkg.find("[Content_Types].xml") is not None,
        "has_vba": any(_norm(i.filename).endswith("vbaproject.bin") for i in pkg.infos),
    }
    try:
        facts["zip_deflate"] = deflate_fingerprint(pkg)
    except (MemoryError, EncryptedDocument):
        raise
    except Exception as exc:  # best effort: a damaged member fails the fingerprint only
        facts["zip_deflate_error"] = f"{type(exc).__name__}: {exc}"[:500]
    try:
        rels = _relationships(pkg)
    except ExtractionError as exc:
        if isinstance(exc, MemberTooLarge):
            raise
        facts.setdefault("part_errors", {})["_rels/.rels"] = str(exc)
        rels = {}
    main = rels.get(_REL_MAIN)
    facts["main_part"] = main
    parts = {kind: rels.get(kind) or default for kind, default in _DEFAULT_PARTS.items()}
    facts["property_parts"] = {k: v for k, v in parts.items() if pkg.find(v) is not None}

    core = _read_part(
        pkg, parts[_REL_CORE], facts, lambda b: _simple_part(b, "core properties", True)
    )
    app = _read_part(
        pkg, parts[_REL_APP], facts, lambda b: _simple_part(b, "extended properties", False)
    )
    custom = _read_part(pkg, parts[_REL_CUSTOM], facts, _custom_part)

    total_time = _int(app.get("TotalTime"))
    meta = Metadata(
        author=_str(core.get("dc:creator")),
        last_modified_by=_str(core.get("cp:lastModifiedBy")),
        created=parse_iso8601(core.get("dcterms:created")),
        modified=parse_iso8601(core.get("dcterms:modified")),
        printed=parse_iso8601(core.get("cp:lastPrinted")),
        title=_str(core.get("dc:title")),
        subject=_str(core.get("dc:subject")),
        keywords=_str(core.get("cp:keywords")),
        revision=_int(core.get("cp:revision")),
        language=_str(core.get("dc:language")),
        application=_str(app.get("Application")),
        app_version=_str(app.get("AppVersion")),
        company=_str(app.get("Company")),
        template=_str(app.get("Template")),
        edit_time=float(total_time * 60) if total_time is not None else None,
        page_count=_int(app.get("Pages")) if "Pages" in app else _int(app.get("Slides")),
        raw={"core": core, "app": app, "custom": custom},
    )
    labels = heading_labels(app.get("HeadingPairs"))
    if labels:
        facts["office_ui_labels"] = labels
    _forensic_parts(pkg, facts)
    return Extraction(metadata=meta, text=_text(pkg, main, facts), facts=facts)

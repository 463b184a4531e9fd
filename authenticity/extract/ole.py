"""OLE2 compound file extractor (.doc/.xls/.ppt, and encrypted OOXML packages).

olefile reads the container and the ``\\x05SummaryInformation`` /
``\\x05DocumentSummaryInformation`` property sets. Nothing is executed: VBA storages are
only reported, never read.
"""

from __future__ import annotations

import base64
import codecs
import datetime as dt
import io
import struct
from typing import Any

import olefile

from authenticity.errors import EncryptedDocument, ExtractionError
from authenticity.extract import register
from authenticity.extract.ooxml import heading_labels
from authenticity.model import Extraction, Metadata

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
MAX_STREAMS = 500
_SUMMARY = "\x05SummaryInformation"
_DOC_SUMMARY = "\x05DocumentSummaryInformation"
_VBA_STORAGES = {"MACROS", "_VBA_PROJECT_CUR", "VBA"}

#: OleMetadata attributes holding code-page strings; other bytes values are binary blobs.
_STRING_ATTRS = {
    "title", "subject", "author", "keywords", "comments", "template", "last_saved_by",
    "revision_number", "creating_application", "category", "presentation_target",
    "manager", "company", "link_base", "content_type", "content_status", "language",
    "doc_version", "heading_pairs", "titles_of_parts",
}  # fmt: skip
#: Code pages that Python names differently from ``cpNNNN``.
_CODEPAGES = {
    1200: "utf-16-le", 1201: "utf-16-be", 65001: "utf-8", 10000: "mac_roman",
    20127: "ascii", 28591: "latin-1", 20866: "koi8_r", 21866: "koi8_u",
    932: "cp932", 936: "gbk", 949: "cp949", 950: "cp950",
}  # fmt: skip


def codec_for(codepage: Any) -> str:
    """Python codec for a Windows code page number (cp1252 when unknown)."""
    if not isinstance(codepage, int) or isinstance(codepage, bool):
        return "cp1252"
    codepage &= 0xFFFF  # stored as a signed VT_I2: 65001 reads as -535
    name = _CODEPAGES.get(codepage, f"cp{codepage}")
    try:
        codecs.lookup(name)
    except LookupError:
        return "cp1252"
    return name


def _utc(value: Any) -> dt.datetime | None:
    """olefile's naive FILETIME datetimes are UTC; 1601-01-01 (zero) means unset."""
    if not isinstance(value, dt.datetime) or value.year <= 1601:
        return None
    return value.replace(tzinfo=dt.UTC)


def _plain(value: Any, codec: str, text: bool) -> Any:
    if isinstance(value, bytes):
        if text:
            return value.decode(codec, "replace").rstrip("\x00")
        return {"base64": base64.b64encode(value[:4096]).decode("ascii"), "size": len(value)}
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    if isinstance(value, (list, tuple)):
        return [_plain(v, codec, text) for v in value[:1000]]
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def _guess(value: Any, codec: str) -> Any:
    """Decode a user-defined property whose VT type olefile does not report.

    Strings come as code-page bytes, but ``_PID_GUID``-style blobs hold UTF-16LE text and
    ``_PID_HLINKS`` binary structures: keep those as UTF-16 text or base64.
    """
    if isinstance(value, (list, tuple)):
        return [_guess(v, codec) for v in value[:1000]]
    if not isinstance(value, bytes):
        return _plain(value, codec, True)
    if len(value) >= 4 and value[1::2].count(0) >= len(value) // 2 - 1:
        text = value.decode("utf-16-le", "replace").rstrip("\x00")
        if text.isprintable():
            return text
    text = value.decode(codec, "replace").rstrip("\x00")
    if text.isprintable() or all(c.isprintable() or c in "\r\n\t" for c in text):
        return text
    return _plain(value, codec, False)


def _str(value: Any) -> str | None:
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return None


def _int(value: Any) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def _app_version(value: Any) -> str | None:
    """PIDDSI_VERSION: major in the high word, build in the low word (``12.0000``)."""
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        return None
    return f"{value >> 16}.{value & 0xFFFF:04d}"


def _read_head(ole: olefile.OleFileIO, name: str, size: int) -> bytes:
    with ole.openstream(name) as fh:
        return fh.read(size)


def _legacy_encryption(ole: olefile.OleFileIO) -> str | None:
    """Encryption of the binary formats: Word FIB flag, Excel FILEPASS, PowerPoint summary."""
    if ole.exists("EncryptedSummary"):
        return "powerpoint"
    if ole.exists("WordDocument"):
        head = _read_head(ole, "WordDocument", 12)
        if len(head) >= 12 and struct.unpack_from("<H", head, 10)[0] & 0x0100:
            return "word"
    for name in ("Workbook", "Book"):
        if ole.exists(name):
            head = _read_head(ole, name, 4096)
            pos = 0
            for _ in range(64):  # FILEPASS follows BOF closely when present
                if pos + 4 > len(head):
                    break
                rec_type, rec_len = struct.unpack_from("<HH", head, pos)
                if rec_type == 0x002F:
                    return "excel"
                if rec_type == 0x000A:  # EOF of the globals substream
                    break
                pos += 4 + rec_len
            break
    return None


def _ooxml_encryption(ole: olefile.OleFileIO) -> str | None:
    if not (ole.exists("EncryptionInfo") or ole.exists("EncryptedPackage")):
        return None
    kind = "ooxml"
    if ole.exists("EncryptionInfo"):
        head = _read_head(ole, "EncryptionInfo", 4)
        if len(head) == 4:
            major, minor = struct.unpack("<HH", head)
            kind = {4: "ooxml-agile", 2: "ooxml-standard", 3: "ooxml-extensible"}.get(
                minor, f"ooxml-{major}.{minor}"
            )
    return kind


def _kind(ole: olefile.OleFileIO) -> str:
    if ole.exists("EncryptedPackage"):
        return "encrypted-ooxml"
    if ole.exists("WordDocument"):
        return "word"
    if ole.exists("Workbook") or ole.exists("Book"):
        return "excel"
    if ole.exists("PowerPoint Document"):
        return "powerpoint"
    if ole.exists("__substg1.0_0037001F") or ole.exists("__properties_version1.0"):
        return "outlook"
    return "unknown"


@register(
    "application/msword",
    "application/vnd.ms-word",
    "application/vnd.ms-excel",
    "application/vnd.ms-powerpoint",
    "application/x-ole-storage",
    "application/cdfv2",
    "application/encrypted",
    "application/vnd.ms-office",
    extensions=("doc", "dot", "xls", "xlt", "ppt", "pps", "pot"),
)
def extract_ole(data: bytes) -> Extraction:
    """Read an OLE2 file's property sets, stream list and encryption/macro markers."""
    if not data.startswith(OLE_MAGIC):
        raise ExtractionError("not an OLE2 compound file (bad signature)")
    try:
        # Always a file object: olefile treats short ``bytes`` as a file name.
        ole = olefile.OleFileIO(io.BytesIO(data))
    except MemoryError:
        raise
    except Exception as exc:
        raise ExtractionError(f"OLE2 container cannot be parsed: {exc}") from exc
    try:
        return _extract(ole)
    except (ExtractionError, MemoryError):
        raise
    except Exception as exc:  # struct.error, OSError on broken sector chains...
        raise ExtractionError(f"OLE2 streams cannot be read: {type(exc).__name__}: {exc}") from exc
    finally:
        ole.close()


MAX_STORAGE_TIMES = 200


def _storage_times(ole: olefile.OleFileIO) -> list[dict[str, Any]]:
    """Creation/modification FILETIMEs of every storage that has one (aware UTC).

    Writers stamp storages (not streams) when they are created or rewritten; the root
    entry is in ``ole_root_created``/``ole_root_modified``.
    """
    out: list[dict[str, Any]] = []
    for path in ole.listdir(streams=False, storages=True):
        created = _utc(ole.getctime(path))
        modified = _utc(ole.getmtime(path))
        if created is None and modified is None:
            continue
        out.append({"path": "/".join(path), "created": created, "modified": modified})
        if len(out) >= MAX_STORAGE_TIMES:
            break
    return out


#: A property set with more properties or sections than this is not a document's.
_MAX_PROPERTIES = 10_000
_MAX_SECTIONS = 8
VT_VECTOR = 0x1000


def property_set_problem(stream: bytes) -> str | None:
    """Why olefile must not parse this property-set stream, or None when it may.

    olefile trusts the element count of a ``VT_VECTOR`` value and loops that many times
    even past the end of the stream: a count of 2^31 in a 4 KB stream keeps it busy for
    minutes and fills memory. Every property's value must lie inside the stream, and the
    vectors cannot hold more elements than there are bytes ([MS-OLEPS] 2.20-2.21)."""
    if len(stream) < 28:
        return "property set shorter than its header"
    (sections,) = struct.unpack_from("<I", stream, 24)
    if sections > _MAX_SECTIONS:
        return f"{sections} property sections"
    elements = 0  # every vector element takes at least one byte of the stream
    # olefile reads the first section whatever the header's section count says.
    for k in range(max(sections, 1)):
        at = 28 + 20 * k + 16
        if at + 4 > len(stream):
            return "section list beyond the stream"
        (section,) = struct.unpack_from("<I", stream, at)
        if section + 8 > len(stream):
            return "section beyond the stream"
        _size, count = struct.unpack_from("<II", stream, section)
        if count > _MAX_PROPERTIES or section + 8 + 8 * count > len(stream):
            return f"{count} properties in a {len(stream)}-byte stream"
        for i in range(count):
            _pid, offset = struct.unpack_from("<II", stream, section + 8 + 8 * i)
            value = section + offset
            if value + 4 > len(stream):
                return "property value beyond the stream"
            (vtype,) = struct.unpack_from("<I", stream, value)
            if vtype & VT_VECTOR:
                if value + 8 > len(stream):
                    return "vector beyond the stream"
                (n,) = struct.unpack_from("<I", stream, value + 4)
                if n > len(stream) - value - 8:
                    return f"vector of {n} elements in a {len(stream)}-byte stream"
                elements += n
                if elements > len(stream):
                    return f"vectors of {elements} elements in all in a {len(stream)}-byte stream"
    return None


def _property_sets_problem(ole: olefile.OleFileIO) -> str | None:
    for name in (_SUMMARY, _DOC_SUMMARY):
        if ole.exists(name):
            problem = property_set_problem(ole.openstream(name).read())
            if problem:
                return f"{name.lstrip(chr(5))}: {problem}"
    return None


def _extract(ole: olefile.OleFileIO) -> Extraction:
    paths = ole.listdir(streams=True, storages=True)
    streams = ["/".join(p) for p in ole.listdir(streams=True, storages=False)]
    components = {part.upper() for path in paths for part in path}
    has_summary = ole.exists(_SUMMARY)
    facts: dict[str, Any] = {
        "ole_kind": _kind(ole),
        "ole_streams": streams[:MAX_STREAMS],
        "ole_stream_count": len(streams),
        "has_vba": bool(components & _VBA_STORAGES),
        "has_summary_information": has_summary,
        "has_document_summary_information": ole.exists(_DOC_SUMMARY),
    }
    try:
        facts["ole_root_modified"] = _utc(ole.root.getmtime())
        facts["ole_root_created"] = _utc(ole.root.getctime())
    except Exception:
        pass
    try:
        facts["ole_storage_times"] = _storage_times(ole)
    except MemoryError:
        raise
    except Exception as exc:  # a broken directory keeps the rest of the container
        facts["ole_storage_times_error"] = f"{type(exc).__name__}: {exc}"[:500]

    encryption = _ooxml_encryption(ole)
    if encryption is None:
        try:
            encryption = _legacy_encryption(ole)
        except Exception as exc:
            facts["encryption_check_error"] = f"{type(exc).__name__}: {exc}"
    facts["encrypted"] = encryption is not None
    if encryption is not None:
        facts["encryption"] = encryption
        if not has_summary:
            what = (
                "an encrypted OOXML package"
                if encryption.startswith("ooxml")
                else (f"an encrypted {encryption} document")
            )
            raise EncryptedDocument(f"{what} without readable document properties")

    meta_obj = olefile.OleMetadata()
    try:
        problem = _property_sets_problem(ole)
    except MemoryError:
        raise
    except Exception as exc:
        problem = f"{type(exc).__name__}: {exc}"
    if problem:
        facts["metadata_error"] = f"property set not read: {problem}"
    else:
        try:
            meta_obj = ole.get_metadata()
        except MemoryError:
            raise
        except Exception as exc:  # a broken property set keeps the rest of the container
            facts["metadata_error"] = f"{type(exc).__name__}: {exc}"
    codec = codec_for(meta_obj.codepage)
    facts["codec"] = codec
    # DocumentSummaryInformation states its own code page (PowerPoint writes UTF-8 there
    # under a Japanese or Western SummaryInformation); a set without one keeps the other's.
    docsum_codec = codec if meta_obj.codepage_doc is None else codec_for(meta_obj.codepage_doc)
    if docsum_codec != codec:
        facts["docsum_codec"] = docsum_codec

    raw: dict[str, Any] = {}
    for attrs, attr_codec in (
        (meta_obj.SUMMARY_ATTRIBS, codec),
        (meta_obj.DOCSUM_ATTRIBS, docsum_codec),
    ):
        for attr in attrs:
            value = getattr(meta_obj, attr, None)
            if value is None:
                continue
            if attr == "thumbnail" and isinstance(value, bytes):
                raw[attr] = {"size": len(value)}
                continue
            raw[attr] = _plain(value, attr_codec, attr in _STRING_ATTRS)
    if ole.exists(_DOC_SUMMARY) and not problem:
        try:
            user = ole.get_userdefined_properties(_DOC_SUMMARY, convert_time=True)
        except MemoryError:
            raise
        except Exception as exc:
            facts["user_defined_error"] = f"{type(exc).__name__}: {exc}"
            user = []
        custom: dict[str, Any] = {}
        for prop in user[:1000] if isinstance(user, list) else []:
            name = _plain(prop.get("property_name"), docsum_codec, True)
            if isinstance(name, str) and name not in custom:
                custom[name] = _guess(prop.get("value"), docsum_codec)
        if custom:
            raw["user_defined"] = custom

    labels = heading_labels(raw.get("heading_pairs"))  # in the language of Office's interface
    if labels:
        facts["office_ui_labels"] = labels
    edit = raw.get("total_edit_time")
    page_count = _int(raw.get("num_pages"))
    if facts["ole_kind"] == "powerpoint" and _int(raw.get("slides")) is not None:
        page_count = _int(raw.get("slides"))
    meta = Metadata(
        author=_str(raw.get("author")),
        last_modified_by=_str(raw.get("last_saved_by")),
        created=_utc(meta_obj.create_time),
        modified=_utc(meta_obj.last_saved_time),
        printed=_utc(meta_obj.last_printed),
        title=_str(raw.get("title")),
        subject=_str(raw.get("subject")),
        keywords=_str(raw.get("keywords")),
        application=_str(raw.get("creating_application")),
        app_version=_app_version(raw.get("version")),
        company=_str(raw.get("company")),
        template=_str(raw.get("template")),
        language=_str(raw.get("language")),
        revision=_int(raw.get("revision_number")),
        # olefile leaves PIDSI_EDITTIME unconverted and divides the 100 ns ticks to seconds.
        edit_time=float(edit) if _int(edit) is not None and edit >= 0 else None,
        page_count=page_count,
        raw=raw,
    )
    return Extraction(metadata=meta, text="", facts=facts)

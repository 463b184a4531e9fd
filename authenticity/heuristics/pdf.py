"""PDF internal consistency: Info dictionary vs XMP packet, incremental updates (and
whether one rewrote a page's content), writer markers, embedded fonts' build dates."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

from authenticity.heuristics.dates import latest_claimed
from authenticity.model import Finding, Metadata, Severity
from authenticity.timeutil import as_utc, parse_pdf_date

#: Writers round to the second; some store XMP and Info a moment apart.
DATE_TOLERANCE = dt.timedelta(minutes=2)
#: Wall-clock difference beyond which zone-less values certainly disagree.
NAIVE_SLACK = dt.timedelta(hours=14)


def _is_pdf(facts: dict[str, Any]) -> bool:
    return "pdf_version" in facts


def _info(meta: Metadata) -> dict[str, Any]:
    info = meta.raw.get("info") if isinstance(meta.raw, dict) else None
    return info if isinstance(info, dict) else {}


def dates_differ(a: dt.datetime, b: dt.datetime) -> bool:
    """True when two datetimes certainly name different moments.

    Both with a zone: compare instants (2 min tolerance). Otherwise the zone is unknown,
    so only a wall-clock difference beyond 14 h counts.
    """
    if a.tzinfo is not None and b.tzinfo is not None:
        return abs(as_utc(a) - as_utc(b)) > DATE_TOLERANCE
    wall_a, wall_b = a.replace(tzinfo=None), b.replace(tzinfo=None)
    return abs(wall_a - wall_b) > NAIVE_SLACK


_DATE_PAIRS = (
    ("ModDate", "xmp_modified", "xmp:ModifyDate", "last-modified"),
    ("CreationDate", "xmp_created", "xmp:CreateDate", "creation"),
)


def check_info_xmp_dates(meta: Metadata, facts: dict[str, Any]) -> Iterator[Finding]:
    if not _is_pdf(facts):
        return
    info = _info(meta)
    for info_key, fact_key, xmp_key, label in _DATE_PAIRS:
        info_value = parse_pdf_date(info.get(info_key))
        xmp_value = facts.get(fact_key)
        if not isinstance(info_value, dt.datetime) or not isinstance(xmp_value, dt.datetime):
            continue
        if dates_differ(info_value, xmp_value):
            yield Finding(
                "PDF_INFO_XMP_DATE_MISMATCH",
                Severity.MEDIUM,
                f"The PDF states two different {label} dates: Info {info_key} "
                f"{info_value.isoformat()} but XMP {xmp_key} {xmp_value.isoformat()}. "
                "Writers set both together; a tool that edits only the Info dictionary "
                "(or only the XMP) leaves them apart.",
                {f"info_{info_key}": info_value, xmp_key: xmp_value},
            )


def _norm(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    text = re.sub(r"\s+", " ", value).strip()
    return text or None


def check_info_xmp_producer(meta: Metadata, facts: dict[str, Any]) -> Iterator[Finding]:
    if not _is_pdf(facts):
        return
    info = _info(meta)
    for info_key, fact_key, xmp_key, code in (
        ("Producer", "xmp_producer", "pdf:Producer", "PDF_INFO_XMP_PRODUCER_MISMATCH"),
        ("Creator", "xmp_creator_tool", "xmp:CreatorTool", "PDF_INFO_XMP_CREATOR_MISMATCH"),
    ):
        a, b = _norm(info.get(info_key)), _norm(facts.get(fact_key))
        if a and b and a.casefold() != b.casefold():
            yield Finding(
                code,
                Severity.LOW,
                f"The Info {info_key} '{a}' and the XMP {xmp_key} '{b}' name different "
                "software: a second tool rewrote one of the two metadata copies.",
                {f"info_{info_key}": a, xmp_key: b},
            )


#: Names under which each header writer (authenticity.extract.pdf.WRITER_MARKERS) appears
#: in Producer or Creator.
WRITER_NAMES: dict[str, tuple[str, ...]] = {
    "qpdf": ("qpdf", "pikepdf", "ocrmypdf"),
    "reportlab": ("reportlab",),
    "microsoft": ("microsoft",),
    "libreoffice": ("libreoffice", "openoffice", "staroffice", "collabora", "neooffice"),
    "ghostscript": ("ghostscript", "artifex", "afpl", "pdfwrite"),
    "tex": ("tex", "dvipdf"),
    "quartz": ("quartz", "mac os", "macos", "coregraphics", "preview"),
    "weasyprint": ("weasyprint",),
}


def check_writer_mismatch(meta: Metadata, facts: dict[str, Any]) -> Iterator[Finding]:
    """The header marker of the software that wrote the file against the software the
    metadata names. Only for files written in one go (no appended update): an update
    by another tool legitimately changes Producer and leaves the header as it was."""
    writer = facts.get("header_writer")
    names = WRITER_NAMES.get(writer) if isinstance(writer, str) else None
    if not names or _sections(facts) > (2 if facts.get("linearized") else 1):
        return
    claimed = [v for v in (meta.producer, meta.application) if isinstance(v, str) and v.strip()]
    if not claimed:
        return
    text = " ".join(claimed).casefold()
    if any(name in text for name in names):
        return
    # qpdf rewrites without touching Producer by design (linearizing, repairing, pikepdf
    # scripts): a post-processing step as often as a forgery. A generator's own marker under
    # another generator's name means the file was made by one and labelled as the other.
    severity = Severity.LOW if writer == "qpdf" else Severity.MEDIUM
    yield Finding(
        "PDF_WRITER_MISMATCH",
        severity,
        f"The file's header carries the marker {writer} writes, but its metadata names "
        f"{' / '.join(repr(c) for c in claimed)}: the whole file was written by {writer} "
        "after (or instead of) the software it claims, keeping that software's name.",
        {
            "header_writer": writer,
            "header_comment": facts.get("header_comment"),
            "producer": meta.producer,
            "creator": meta.application,
        },
    )


#: Producers that typeset a PDF from scratch under a program's control (no import of another
#: application's document): whatever they name as Creator was set by that program.
TYPESETTING_LIBRARIES = re.compile(
    r"reportlab|\bfpdf|\btcpdf\b|\bmpdf\b|\bdompdf\b|\bjspdf\b|\bpdfkit\b|\bprawn\b"
    r"|\bpdfmake\b|\bpdf-lib\b|matplotlib",
    re.IGNORECASE,
)
#: Creator values of desktop authoring applications, which export through their own PDF
#: writer or a print driver, never through a programming library.
AUTHORING_APPLICATIONS = re.compile(
    r"^(?:writer|calc|impress|draw|word|excel|powerpoint|pages|keynote|numbers)$"
    r"|\bmicrosoft\W*(?:office\W*)?(?:word|excel|powerpoint|publisher|visio)\b"
    r"|\b(?:libreoffice|openoffice|staroffice|wordperfect|quarkxpress|pdfmaker)\b"
    r"|\badobe\W+(?:indesign|illustrator|framemaker|pagemaker|photoshop)\b"
    r"|\b(?:la)?tex\b",
    re.IGNORECASE,
)


def check_library_under_authoring_creator(
    meta: Metadata, facts: dict[str, Any]
) -> Iterator[Finding]:
    """A programming library's Producer under a desktop application's Creator.

    ReportLab, FPDF, TCPDF ... draw a PDF from a program's calls; Word, Writer or LaTeX
    export through their own writer or a print driver. A Creator naming such an application
    on a library-made file was copied over from another document: the file was regenerated
    by a script and given the original's metadata (pdf_regenerate, careless)."""
    if not _is_pdf(facts):
        return
    producer, creator = _norm(meta.producer), _norm(meta.application)
    if not producer or not creator or not TYPESETTING_LIBRARIES.search(producer):
        return
    if not AUTHORING_APPLICATIONS.search(creator) or TYPESETTING_LIBRARIES.search(creator):
        return
    yield Finding(
        "PDF_LIBRARY_UNDER_APPLICATION_CREATOR",
        Severity.MEDIUM,
        f"The PDF was produced by the programming library '{producer}' but its Creator names "
        f"the desktop application '{creator}', which exports PDF through its own writer or a "
        "print driver: the Creator was copied from another document onto a file a script "
        "generated.",
        {"producer": producer, "creator": creator},
    )


#: A subsetter that stamps its write time may write local time as UTC (up to 14 h), and a
#: zone-less document date may be local time anywhere (14 h more), plus some seconds.
FONT_SLACK = dt.timedelta(hours=36)
#: Beyond this gap the claimed date is far before the font existed: high.
FONT_HIGH_GAP = dt.timedelta(days=30)


def check_font_newer_than_document(meta: Metadata, facts: dict[str, Any]) -> Iterator[Finding]:
    """An embedded font program built after the latest date the PDF claims.

    The ``head`` table of a TrueType/OpenType font records when the font was built (or, for
    iText and macOS Quartz, when the subset was written): the PDF cannot be older than a
    font it embeds. Word's and PowerPoint's exports keep the vendor's build date (Calibri
    6.x: 2017-2018), so a document back-dated across a font update shows it."""
    if not _is_pdf(facts):
        return
    stamp, font = facts.get("font_newest_build"), facts.get("font_newest_build_font")
    if not isinstance(stamp, str):
        return
    try:
        built = dt.datetime.fromisoformat(stamp).replace(tzinfo=dt.UTC)
    except ValueError:
        return
    latest = latest_claimed(meta)
    if latest is None:
        return
    attr, when = latest
    gap = built - as_utc(when)
    if gap <= FONT_SLACK:
        return
    yield Finding(
        "PDF_FONT_NEWER_THAN_DOCUMENT",
        Severity.HIGH if gap > FONT_HIGH_GAP else Severity.MEDIUM,
        f"The PDF says it was {attr} on {when.isoformat()}, but it embeds the font {font!r} "
        f"whose program was built on {built.date().isoformat()} ({gap.days} days later): "
        "the file was written after the date it claims, so the date was set back.",
        {attr: when, "font": font, "font_built": built, "gap_days": gap.days},
    )


def _sections(facts: dict[str, Any]) -> int:
    counts = [facts.get("xref_sections"), facts.get("eof_markers")]
    return max((c for c in counts if isinstance(c, int) and not isinstance(c, bool)), default=0)


def check_incremental_updates(meta: Metadata, facts: dict[str, Any]) -> Iterator[Finding]:
    """Revisions appended to the file; a linearized file has two sections of its own."""
    if not _is_pdf(facts):
        return
    sections = _sections(facts)
    if sections <= 1:
        return
    yield Finding(
        "PDF_INCREMENTAL_UPDATES",
        Severity.INFO,
        f"The PDF has {sections} cross-reference sections / end-of-file markers: it was "
        "saved more than once by appending (or is linearized, which adds one); earlier "
        "revisions may still be recoverable.",
        {"xref_sections": facts.get("xref_sections"), "eof_markers": facts.get("eof_markers")},
    )
    info = _info(meta)
    created = parse_pdf_date(info.get("CreationDate"))
    modified = parse_pdf_date(info.get("ModDate"))
    if created is None:
        return
    if modified is not None and modified != created:
        return
    # Two sections are what linearization and some writers (Microsoft Office's PDF export)
    # produce in a single save: weak evidence. Three or more mean a real update.
    severity = Severity.MEDIUM if sections >= 3 else Severity.LOW
    state = "absent" if modified is None else f"equal to the creation date ({created.isoformat()})"
    yield Finding(
        "PDF_INCREMENTAL_UPDATE_UNCHANGED_MODDATE",
        severity,
        f"The PDF was saved again by appending ({sections} sections) but its ModDate is "
        f"{state}: the update did not record a modification date, as happens when a file is "
        "edited by a tool that keeps the original dates.",
        {
            "xref_sections": facts.get("xref_sections"),
            "eof_markers": facts.get("eof_markers"),
            "info_CreationDate": created,
            "info_ModDate": modified,
        },
    )


def check_content_rewritten(facts: dict[str, Any]) -> Iterator[Finding]:
    """An appended revision replaced what a page shows (its content stream)."""
    pages = facts.get("updated_content_pages")
    if not _is_pdf(facts) or not isinstance(pages, list) or not pages:
        return
    count = facts.get("updated_content_page_count")
    count = count if isinstance(count, int) else len(pages)
    listed = ", ".join(str(p) for p in pages[:10]) + (" ..." if count > 10 else "")
    yield Finding(
        "PDF_INCREMENTAL_CONTENT_EDIT",
        Severity.MEDIUM,
        f"An update appended to the PDF after it was first saved rewrote the content of "
        f"{count} page(s) ({listed}): the text or graphics shown there are not those of the "
        "first revision, which is still in the file and can be recovered to compare. Form "
        "filling, comments and signatures add annotations and leave page content alone; "
        "stamping or editing tools rewrite it.",
        {"pages": pages, "page_count": count, "revision_count": facts.get("revision_count")},
    )


def check_signature_coverage(facts: dict[str, Any]) -> Iterator[Finding]:
    """Bytes after the last signed byte range were added after signing (a later update)."""
    if facts.get("signature_range_beyond_eof"):
        yield Finding(
            "PDF_SIGNATURE_RANGE_BEYOND_EOF",
            Severity.HIGH,
            f"A signature claims to cover bytes up to offset {facts.get('signed_bytes_end')}, "
            "past the end of the file: the signed file was cut or its bytes rearranged.",
            {"signed_bytes_end": facts.get("signed_bytes_end")},
        )
    elif facts.get("appended_after_signature"):
        yield Finding(
            "PDF_MODIFIED_AFTER_SIGNATURE",
            Severity.MEDIUM,
            f"{facts.get('bytes_after_signature')} bytes were appended after the last signed "
            "byte range: the document was updated after it was signed. Validation data "
            "(DSS/LTV) is added this way too; anything else changes what the signer saw.",
            {
                "bytes_after_signature": facts.get("bytes_after_signature"),
                "signed_bytes_end": facts.get("signed_bytes_end"),
            },
        )


CHECKS = (
    lambda meta, facts, ctx: check_signature_coverage(facts),
    lambda meta, facts, ctx: check_info_xmp_dates(meta, facts),
    lambda meta, facts, ctx: check_info_xmp_producer(meta, facts),
    lambda meta, facts, ctx: check_incremental_updates(meta, facts),
    lambda meta, facts, ctx: check_content_rewritten(facts),
    lambda meta, facts, ctx: check_writer_mismatch(meta, facts),
    lambda meta, facts, ctx: check_library_under_authoring_creator(meta, facts),
    lambda meta, facts, ctx: check_font_newer_than_document(meta, facts),
)

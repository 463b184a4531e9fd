"""PDF internal consistency: Info dictionary vs XMP packet, incremental updates (and
whether one rewrote a page's content), writer markers, embedded fonts' build dates."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

from authenticity.extract.pdf import STANDARD_14
from authenticity.heuristics.dates import latest_claimed
from authenticity.model import Finding, Metadata, Severity
from authenticity.timeutil import as_utc, parse_pdf_date, stored_datetime

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


#: Descriptive fields stored twice in a PDF: Info key, XMP property, severity, label.
_NAME_PAIRS = (
    ("Author", "dc:creator", Severity.MEDIUM, "author"),
    ("Title", "dc:title", Severity.LOW, "title"),
)
_NAME_SPLIT = re.compile(r"[\s;,]+")


def _name_tokens(value: Any) -> frozenset[str]:
    """Words of a name field, case folded; an XMP array (``dc:creator`` is a sequence)
    counts all its items, so "A; B" in Info and ``[A, B]`` in XMP agree."""
    items = value if isinstance(value, list) else [value]
    words: set[str] = set()
    for item in items[:50]:
        if isinstance(item, str):
            words.update(w for w in _NAME_SPLIT.split(item.casefold()) if w)
    return frozenset(words)


def check_info_xmp_names(meta: Metadata, facts: dict[str, Any]) -> Iterator[Finding]:
    """Info ``/Author`` (``/Title``) against XMP ``dc:creator`` (``dc:title``). Writers
    fill both from the same property; a tool that edits the Info dictionary only (pypdf's
    ``add_metadata``, most "PDF metadata editors", an appended Info update) leaves the old
    name in the XMP. Words are compared as sets and one side may hold fewer of them
    (a writer that keeps only the first author), so only names with no containment differ."""
    if not _is_pdf(facts):
        return
    info = _info(meta)
    xmp = meta.raw.get("xmp") if isinstance(meta.raw, dict) else None
    if not isinstance(xmp, dict):
        return
    for info_key, xmp_key, severity, label in _NAME_PAIRS:
        a, b = _name_tokens(info.get(info_key)), _name_tokens(xmp.get(xmp_key))
        if not a or not b or a <= b or b <= a:
            continue
        shown = xmp.get(xmp_key)
        shown = "; ".join(map(str, shown)) if isinstance(shown, list) else str(shown)
        yield Finding(
            f"PDF_INFO_XMP_{info_key.upper()}_MISMATCH",
            severity,
            f"The PDF names two different {label}s: Info {info_key} "
            f"'{_norm(info.get(info_key))}' but XMP {xmp_key} '{_norm(shown)}'. Writers set "
            "both from the same property; a tool that rewrote only one copy leaves them apart.",
            {f"info_{info_key}": _norm(info.get(info_key)), xmp_key: _norm(shown)},
        )


#: Names under which each header writer (authenticity.extract.pdf.WRITER_MARKERS) appears
#: in Producer or Creator, its own and those of the tools built on it that name themselves
#: (xhtml2pdf, formerly pisa, rst2pdf and the RML renderers typeset with ReportLab and
#: write its marker under their own Producer).
WRITER_NAMES: dict[str, tuple[str, ...]] = {
    "qpdf": ("qpdf", "pikepdf", "ocrmypdf"),
    "reportlab": (
        "reportlab",
        "xhtml2pdf",
        "pisa html",
        "rst2pdf",
        "z3c.rml",
        "trml2pdf",
        "rml2pdf",
    ),
    "microsoft": ("microsoft",),
    "libreoffice": ("libreoffice", "openoffice", "staroffice", "collabora", "neooffice"),
    "ghostscript": ("ghostscript", "artifex", "afpl", "pdfwrite"),
    "tex": ("tex", "dvipdf"),
    "quartz": ("quartz", "mac os", "macos", "coregraphics", "preview"),
    "weasyprint": ("weasyprint",),
    "pypdf": ("pypdf",),  # PyPDF2, PyPDF3, PyPDF4 too
}


#: Writers that rewrite existing PDFs and keep their Producer by design (qpdf's
#: linearize/repair, pikepdf and pypdf scripts that split, merge or stamp pages).
SCRIPT_REWRITERS = frozenset({"qpdf", "pypdf"})


def _rewriting_step(writer: str, facts: dict[str, Any], sections: int) -> tuple[str, ...] | None:
    """(code, what the tool did, the step's purpose) when a script rewriter's layout comes
    from a finishing step that rewrites the whole file and keeps its Producer by design:
    "Fast Web View" (publishing pipelines linearize finished PDFs with qpdf) or encryption
    (``qpdf --encrypt`` and pypdf rewrite every string and stream). None otherwise."""
    if writer not in SCRIPT_REWRITERS:
        return None
    if _linearized_single_save(facts, sections):
        return ("PDF_LINEARIZED_BY_REWRITER", "linearized this file (Fast Web View)", "publishing")
    if facts.get("encrypted") is True:
        return ("PDF_ENCRYPTED_BY_REWRITER", "encrypted this file", "protection")
    return None


def check_writer_mismatch(meta: Metadata, facts: dict[str, Any]) -> Iterator[Finding]:
    """The header marker of the software that wrote the file against the software the
    metadata names. Only for files written in one go (no appended update): an update
    by another tool legitimately changes Producer and leaves the header as it was."""
    writer = facts.get("header_writer")
    names = WRITER_NAMES.get(writer) if isinstance(writer, str) else None
    sections = _sections(facts)
    if not names or sections > (2 if facts.get("linearized") else 1):
        return
    claimed = [v for v in (meta.producer, meta.application) if isinstance(v, str) and v.strip()]
    if not claimed:
        return
    text = " ".join(claimed).casefold()
    if any(name in text for name in names):
        return
    step = _rewriting_step(writer, facts, sections)
    if step is not None:
        code, done, purpose = step
        yield Finding(
            code,
            Severity.INFO,
            f"{writer} {done} and so rewrote all of it, keeping the name of "
            f"{' / '.join(repr(c) for c in claimed)}: a {purpose} step, which also leaves "
            "no trace of an edit made before it. Compare with other copies.",
            {"header_writer": writer, "producer": meta.producer, "creator": meta.application},
        )
        return
    # qpdf rewrites without touching Producer by design (linearizing, repairing, pikepdf
    # scripts): a post-processing step as often as a forgery. A generator's own marker under
    # another generator's name means the file was made by one and labelled as the other.
    severity = Severity.LOW if writer in SCRIPT_REWRITERS else Severity.MEDIUM
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
#: Creator values of software that writes PDF files with its own engine: print drivers,
#: converters, PDF editors and report servers. None of them hands its name to a drawing
#: library, so under a library's Producer such a Creator was copied from another file.
PDF_CONVERTERS = re.compile(
    r"\bwkhtmltopdf\b|\baspose\b|\bpscript\d*(?:\.dll)?\b|\bacrobat\b|\bdistiller\b"
    r"|\bghostscript\b|\bpdfcreator\b|reporting services|crystal reports"
    r"|\bjasperreports\b|\bapache fop\b"
    r"|\bprince(?:xml)?\b|\bfoxit\b|\bnitro\s?pdf\b|pdf-xchange|\bpdf24\b|\bbullzip\b"
    r"|\bcutepdf\b|\bdopdf\b|\bnovapdf\b|\bprimopdf\b|\bitext\b|\bpdfsharp\b"
    r"|quartz pdfcontext",
    re.IGNORECASE,
)
#: Browsers print to PDF with Skia; a JavaScript library running in a page (jsPDF,
#: pdfmake, pdf-lib, PDFKit) may be handed the browser's user agent as its Creator.
BROWSERS = re.compile(r"\bchrom(?:e|ium)\b|\bmozilla\b|\bfirefox\b|\bskia\b", re.IGNORECASE)
BROWSER_LIBRARIES = re.compile(r"\bjspdf\b|\bpdfmake\b|\bpdf-lib\b|\bpdfkit\b", re.IGNORECASE)


def check_library_under_authoring_creator(
    meta: Metadata, facts: dict[str, Any]
) -> Iterator[Finding]:
    """A programming library's Producer under a desktop application's or a PDF converter's
    Creator.

    ReportLab, FPDF, TCPDF ... draw a PDF from a program's calls; Word, Writer or LaTeX
    export through their own writer or a print driver, and converters (wkhtmltopdf, Aspose,
    a browser, Acrobat, a print driver) write the file with their own engine. A Creator
    naming either on a library-made file was copied over from another document: the file
    was regenerated by a script and given the original's metadata (pdf_regenerate,
    careless)."""
    if not _is_pdf(facts):
        return
    producer, creator = _norm(meta.producer), _norm(meta.application)
    if not producer or not creator or not TYPESETTING_LIBRARIES.search(producer):
        return
    if TYPESETTING_LIBRARIES.search(creator):
        return
    if AUTHORING_APPLICATIONS.search(creator):
        kind = "desktop application"
        how = "which exports PDF through its own writer or a print driver"
    elif PDF_CONVERTERS.search(creator) or (
        BROWSERS.search(creator) and not BROWSER_LIBRARIES.search(producer)
    ):
        kind = "PDF converter"
        how = "software that writes PDF files with its own engine, not through a library"
    else:
        return
    yield Finding(
        "PDF_LIBRARY_UNDER_APPLICATION_CREATOR",
        Severity.MEDIUM,
        f"The PDF was produced by the programming library '{producer}' but its Creator names "
        f"the {kind} '{creator}', {how}: the Creator was copied from another document onto "
        "a file a script generated.",
        {"producer": producer, "creator": creator, "creator_kind": kind},
    )


#: Producer values of libraries that open a finished PDF and write it again (edit, merge,
#: stamp, rewrite metadata); pypdf and PyPDF2 name themselves on every write.
REWRITING_LIBRARIES = re.compile(
    r"\bpypdf\d?\b|\bpikepdf\b|\bpdfrw\b|\bborb\b|\bpymupdf\b",
    re.IGNORECASE,
)


def check_rewritten_by_library(meta: Metadata, facts: dict[str, Any]) -> Iterator[Finding]:
    """A Python PDF library's Producer under a desktop application's Creator.

    Word, Writer, InDesign or LaTeX made the file and named themselves as its Creator; the
    Producer says the last program to write it was a library that opens finished PDFs and
    writes them again (pypdf, PyPDF2, pikepdf, pdfrw, borb, PyMuPDF). A script rewrote the
    document after it was made: to merge or stamp it, or to edit its text or metadata.
    Low: document pipelines do post-process PDFs that way."""
    if not _is_pdf(facts):
        return
    producer, creator = _norm(meta.producer), _norm(meta.application)
    if not producer or not creator or not REWRITING_LIBRARIES.search(producer):
        return
    if REWRITING_LIBRARIES.search(creator) or not AUTHORING_APPLICATIONS.search(creator):
        return
    yield Finding(
        "PDF_REWRITTEN_BY_LIBRARY",
        Severity.LOW,
        f"The PDF was made by the desktop application '{creator}' but last written by the "
        f"programming library '{producer}', which opens finished PDF files and writes them "
        "again: a script rewrote the document after it was made (to merge or stamp it, or "
        "to change its text or metadata).",
        {"producer": producer, "creator": creator},
    )


#: A ModDate this long after the CreationDate records a later save.
ID_SPAN = dt.timedelta(days=1)


def check_file_id(meta: Metadata, facts: dict[str, Any]) -> Iterator[Finding]:
    """The trailer's /ID against the dates and the appended updates.

    The first /ID string is fixed when a file is created; the second must be renewed
    whenever the file is updated (ISO 32000-1, 14.4): Acrobat, PDF editors and qpdf do,
    and ExifTool changes it too. Two equal strings therefore say the file was written once.
    A ModDate days after the CreationDate under equal strings was not written by a save
    (a date edited in place, or set by a script that kept the identifier); an update
    appended with the previous section's /ID repeated was written by a program that
    ignores the rule (pypdf's incremental writer keeps it)."""
    if not _is_pdf(facts):
        return
    file_id = facts.get("file_id")
    info = _info(meta)
    created = parse_pdf_date(info.get("CreationDate"))
    modified = parse_pdf_date(info.get("ModDate"))
    if (
        isinstance(file_id, list)
        and len(file_id) == 2
        and file_id[0] == file_id[1]
        and created is not None
        and modified is not None
    ):
        try:
            span = as_utc(modified) - as_utc(created)
        except (TypeError, ValueError, OverflowError):
            span = dt.timedelta(0)
        if span > ID_SPAN:
            yield Finding(
                "PDF_MODIFIED_UNDER_CREATION_ID",
                Severity.MEDIUM,
                f"The PDF says it was modified {span.days} days after it was created "
                f"(ModDate {modified.isoformat()}, CreationDate {created.isoformat()}), "
                "but both strings of its file identifier (/ID) are still the ones written "
                "when it was created: a program that saves a change renews the second. The "
                "ModDate was changed without a save that records it (edited in place, or "
                "by a script that kept the identifier).",
                {"file_id": file_id[0], "info_CreationDate": created, "info_ModDate": modified},
            )
    kept = facts.get("appended_updates_keeping_id")
    if isinstance(kept, int) and kept > 0:
        yield Finding(
            "PDF_UPDATE_KEEPS_FILE_ID",
            Severity.LOW,
            f"{kept} update(s) appended to the finished PDF repeat the file identifier "
            "(/ID) of the revision before them byte for byte: PDF editors and viewers renew "
            "its second string on every save; scripts (pypdf's incremental writer) and "
            "hand edits do not.",
            {
                "updates_keeping_id": kept,
                "appended_updates": facts.get("appended_updates"),
                "file_id": file_id[0] if isinstance(file_id, list) and file_id else None,
            },
        )


def check_content_left_uncompressed(meta: Metadata, facts: dict[str, Any]) -> Iterator[Finding]:
    """A page's content stored plain in a file whose writer compressed the rest.

    A PDF writer compresses all of a page's content or none of it, and the same for its
    font programs; a program that edits one page may store the new content plain (pypdf
    does unless told to compress; so does a script saving without compression). Plain
    content on some pages beside compressed content on others, or plain content beside
    compressed font programs, is one writer's output with another's edit in it. Low:
    some writers are configured to leave content plain while compressing fonts."""
    if not _is_pdf(facts):
        return
    plain = facts.get("content_streams_plain")
    packed = facts.get("content_streams_compressed")
    if not isinstance(plain, int) or not isinstance(packed, int) or plain < 1:
        return
    fonts = [f for f in facts.get("fonts") or [] if isinstance(f, dict)]
    fonts_packed = sum(1 for f in fonts if f.get("program_compressed") is True)
    fonts_plain = sum(1 for f in fonts if f.get("program_compressed") is False)
    if packed >= 1:
        beside = f"{packed} other content stream(s) of the file are compressed"
    elif fonts_packed >= 1 and fonts_plain == 0:
        beside = f"its {fonts_packed} embedded font program(s) are all compressed"
    else:
        return
    pages = facts.get("content_plain_pages") or []
    yield Finding(
        "PDF_CONTENT_LEFT_UNCOMPRESSED",
        Severity.LOW,
        f"{plain} page content stream(s) (page(s) {', '.join(map(str, pages[:10]))}) are "
        f"stored uncompressed while {beside}: the program that wrote the file compressed "
        "its streams, and another one, which stores what it writes plain (pypdf does by "
        "default), rewrote those pages' content afterwards.",
        {
            "plain_content_streams": plain,
            "compressed_content_streams": packed,
            "plain_pages": pages[:20],
            "compressed_font_programs": fonts_packed,
            "producer": meta.producer,
        },
    )


def check_unattributed_annotation_added(meta: Metadata, facts: dict[str, Any]) -> Iterator[Finding]:
    """A text box, note or stamp without a date or an author, in a file with an update
    appended after it was finished.

    A person who comments a PDF in a viewer (Acrobat, Foxit, PDF-XChange, Preview, Okular)
    gets an annotation dated (/M, /CreationDate) and signed (/T, the user's name); a script
    that lays text over a page (pypdf's ``FreeText``, pikepdf) writes neither. Libraries
    that make a whole document may also write bare annotations, so only an appended update
    counts: the text was put on the finished file."""
    if not _is_pdf(facts):
        return
    bare = facts.get("annotations_text_unattributed")
    appended = facts.get("appended_updates")
    if not isinstance(bare, int) or bare < 1 or not isinstance(appended, int) or appended < 1:
        return
    yield Finding(
        "PDF_ANNOTATION_ADDED_UNATTRIBUTED",
        Severity.MEDIUM,
        f"The file has {bare} text annotation(s) (a text box, note or stamp) with neither a "
        f"date nor an author, and {appended} update(s) appended after it was finished: a "
        "PDF viewer dates and signs the comments a person adds, a script that lays text over "
        "a page does neither.",
        {"unattributed_text_annotations": bare, "appended_updates": appended},
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


def _linearized_single_save(facts: dict[str, Any], sections: int) -> bool:
    """A linearized ("Fast Web View") file written in one go: its two cross-reference
    sections are the first-page section and the main one, and the revision walk found no
    update beyond them (``incremental_updates`` 0). qpdf 11's command line writes a single
    ``startxref`` for the two, pikepdf's qpdf two: one or two count."""
    return (
        facts.get("linearized") is True
        and sections in (1, 2)
        and facts.get("incremental_updates") == 0
        and not facts.get("xref_fallback")
    )


def check_incremental_updates(meta: Metadata, facts: dict[str, Any]) -> Iterator[Finding]:
    """Revisions appended to the file; a linearized file has two sections of its own."""
    if not _is_pdf(facts):
        return
    sections = _sections(facts)
    if sections <= 1 or _linearized_single_save(facts, sections):
        return  # one save (a linearized file's first-page section is not an update)
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
    appended = facts.get("appended_updates")
    appended = appended if isinstance(appended, int) else 0
    evidence = {
        "xref_sections": facts.get("xref_sections"),
        "eof_markers": facts.get("eof_markers"),
        "appended_updates": appended,
        "info_CreationDate": created,
        "info_ModDate": modified,
    }
    rewrote_info = bool(appended) and _info_rewritten(facts)
    if (created is not None and (modified is None or modified == created)) or (
        modified is None and rewrote_info
    ):
        # Two sections are what linearization and some writers (Microsoft Office's PDF
        # export) produce in a single save: weak evidence. Three or more, or a section
        # whose objects all follow the older ones, mean a real update.
        severity = Severity.MEDIUM if sections >= 3 or rewrote_info else Severity.LOW
        commented = None if rewrote_info else _dated_comments(facts, created)
        if commented is not None:
            # the update added comments that carry their own author and date (a viewer's
            # review): it is dated, by them, and left the pages and the Info alone
            severity = Severity.LOW
            evidence["annotation_latest_date"] = commented
        state = (
            "absent"
            if modified is None or created is None
            else f"equal to the creation date ({created.isoformat()})"
        )
        yield Finding(
            "PDF_INCREMENTAL_UPDATE_UNCHANGED_MODDATE",
            severity,
            f"The PDF was saved again by appending ({sections} sections) but its ModDate is "
            f"{state}: the update did not record a modification date, as happens when a file "
            "is edited by a tool that keeps the original dates."
            + (
                f" Its comments, each with an author, are dated up to {commented.isoformat()} "
                "and no page's content was rewritten: a reviewer's comments added by a viewer "
                "that does not date the file."
                if commented is not None
                else ""
            ),
            evidence,
        )
        return
    kept = _mod_date_kept(facts) if rewrote_info else None
    if kept:
        yield Finding(
            "PDF_INCREMENTAL_UPDATE_UNCHANGED_MODDATE",
            Severity.MEDIUM,
            f"{appended} update(s) were appended to the finished PDF, and none of them changed "
            f"its ModDate ({kept}, as the first revision states it): programs that save a "
            "change date it; a tool that edits the file while keeping the original dates "
            "(or a date put back) does not.",
            {**evidence, "mod_date_unchanged": kept},
        )


def check_content_rewritten(facts: dict[str, Any]) -> Iterator[Finding]:
    """An appended revision replaced what a page shows (its content stream)."""
    pages = facts.get("updated_content_pages")
    if not _is_pdf(facts) or not isinstance(pages, list) or not pages:
        return
    count = facts.get("updated_content_page_count")
    count = count if isinstance(count, int) else len(pages)
    listed = ", ".join(str(p) for p in pages[:10]) + (" ..." if count > 10 else "")
    kept = _mod_date_kept(facts)
    tail = (
        f" Every revision still states the first one's last-modified date ({kept}): the "
        "tool that changed the page did not date its change, as Acrobat, iText and Office "
        "do when they save, or the date was put back."
        if kept
        else ""
    )
    yield Finding(
        "PDF_INCREMENTAL_CONTENT_EDIT",
        Severity.HIGH if kept else Severity.MEDIUM,
        f"An update appended to the PDF after it was first saved rewrote the content of "
        f"{count} page(s) ({listed}): the text or graphics shown there are not those of the "
        "first revision, which is still in the file and can be recovered to compare. Form "
        "filling, comments and signatures add annotations and leave page content alone; "
        f"stamping or editing tools rewrite it.{tail}",
        {
            "pages": pages,
            "page_count": count,
            "revision_count": facts.get("revision_count"),
            "mod_date_unchanged": kept,
        },
    )


def _dated_comments(facts: dict[str, Any], created: dt.datetime | None) -> dt.datetime | None:
    """The latest date of the file's comments when every comment names its author and the
    latest is a day or more after the creation date, and no update rewrote a page's
    content: appended updates that only added dated, signed comments. None otherwise."""
    latest = stored_datetime(facts.get("annotation_latest_date"))
    count = facts.get("annotations_text")
    if (
        latest is None
        or created is None
        or not isinstance(count, int)
        or count < 1
        or facts.get("annotations_text_unattributed") != 0
        or facts.get("updated_content_page_count")
        or facts.get("updated_content_pages")
    ):
        return None
    if as_utc(latest) - as_utc(created) < dt.timedelta(days=1) + NAIVE_SLACK:
        return None
    return latest


def _info_rewritten(facts: dict[str, Any]) -> bool:
    """A later revision wrote the Info dictionary again (a new Info object, or the old one
    redefined): the tool that appended it edited the metadata. Form fillers and annotation
    tools append their objects and leave the Info alone."""
    revisions = facts.get("revisions")
    if not isinstance(revisions, list) or len(revisions) < 2:
        return False
    first = revisions[0].get("info_ref") if isinstance(revisions[0], dict) else None
    for rev in revisions[1:]:
        if not isinstance(rev, dict) or not rev.get("has_info"):
            continue
        ref = rev.get("info_ref")
        if ref != first or ref in (rev.get("changed") or ()) or ref in (rev.get("added") or ()):
            return True
    return False


def _mod_date_kept(facts: dict[str, Any]) -> str | None:
    """The first revision's Info ModDate when no appended update changed it (each later
    trailer names no Info, which leaves the older one in force, or an Info stating the same
    date), else None (no readable date, or a later one differs)."""
    revisions = facts.get("revisions")
    if not isinstance(revisions, list) or len(revisions) < 2:
        return None
    if not all(isinstance(r, dict) for r in revisions):
        return None
    first = revisions[0].get("info_mod_date")
    if first is None:
        return None
    for rev in revisions[1:]:
        if rev.get("has_info") and rev.get("info_mod_date") != first:
            return None
    return first.isoformat() if isinstance(first, dt.datetime) else str(first)


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


#: Office's own PDF export (Save as PDF in Word, PowerPoint, Excel, Publisher, Visio) as
#: it names itself in Producer; "Microsoft: Print To PDF" is a printer driver, not this.
OFFICE_EXPORT = re.compile(
    r"microsoft\W*(?:office\W*)?(?:word|powerpoint|excel|publisher|visio)\b", re.IGNORECASE
)
#: Producers that embed every font they draw with (a subset under the font's own name,
#: or a Type 3 font): LibreOffice and OpenOffice, macOS's Quartz, Chrome's Skia (Chrome's
#: "Save as PDF", Google Docs), WeasyPrint and cairo.
EMBEDS_EVERY_FONT = re.compile(
    r"libreoffice|openoffice|quartz\s*pdfcontext|skia/pdf|weasyprint|\bcairo\b", re.IGNORECASE
)
#: Writers that reference the standard fonts without programs by design: their own pages,
#: stamps and merges use them next to embedded fonts.
STANDARD_FONT_WRITERS = re.compile(
    r"reportlab|itext|fpdf|tcpdf|pdfkit|pdf-lib|jspdf|prawn|pdfsharp|\bfop\b|pdfbox|pypdf"
    r"|pdftk|aspose|dompdf|mpdf|wkhtmltopdf|qt\s|ghostscript|acrobat\s+pdfwriter",
    re.IGNORECASE,
)
#: Subset tags counted up from AAAAAA (LibreOffice BAAAAA, CAAAAA...; Chrome's Skia,
#: ReportLab, mPDF): Office's exporter never writes them (it writes BCDEEE, BCDFEE...).
SEQUENTIAL_SUBSET = re.compile(r"^[A-Z]AAAAA\+")


def check_fonts_unlike_office_export(meta: Metadata, facts: dict[str, Any]) -> Iterator[Finding]:
    """A PDF whose Producer is Office's own export, but whose pages use a font Office's
    exporter never writes: a standard-14 font referenced without a program (Helvetica,
    Times-Roman: what ReportLab and pypdf stamps use; Office embeds every font it
    uses, under the font's own PostScript name such as ArialMT), or a subset tag counted
    up from AAAAAA (LibreOffice, Chrome, ReportLab). The page content (or part of it)
    was written by another program under Office's name: regenerated with copied
    metadata, or stamped over."""
    producer = meta.producer or ""
    fonts = facts.get("fonts")
    if not OFFICE_EXPORT.search(producer) or not isinstance(fonts, list):
        return
    foreign = [
        name
        for font in fonts
        if isinstance(font, dict)
        and isinstance(name := font.get("name"), str)
        and (
            (not font.get("embedded") and STANDARD_14.match(name))
            or (font.get("embedded") and SEQUENTIAL_SUBSET.match(name))
        )
    ]
    if not foreign:
        return
    yield Finding(
        "PDF_FONTS_UNLIKE_PRODUCER",
        Severity.MEDIUM,
        f"The PDF names {producer!r} as its producer, but its pages use "
        f"{', '.join(repr(n) for n in foreign[:5])}: Office's PDF export embeds every font "
        "it uses under the font's own name and tags subsets BCDEEE, BCDFEE..., so "
        "another program wrote these pages (or stamped text onto them) under Office's name.",
        {"producer": producer, "foreign_fonts": foreign[:20]},
    )


def _standard_fonts(facts: dict[str, Any]) -> tuple[list[str], int]:
    """Standard-14 fonts the pages name without a program, and how many fonts are embedded."""
    fonts = facts.get("fonts")
    if not isinstance(fonts, list):
        return [], 0
    entries = [f for f in fonts if isinstance(f, dict) and isinstance(f.get("name"), str)]
    standard = [
        f["name"] for f in entries if not f.get("embedded") and STANDARD_14.match(f["name"])
    ]
    return standard, sum(1 for f in entries if f.get("embedded"))


def _pages_note(facts: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    pages = facts.get("standard_font_pages")
    total = facts.get("font_pages")
    if not isinstance(pages, list) or not pages or not isinstance(total, int) or total < 2:
        return "", {}
    shown = ", ".join(str(p) for p in pages[:10]) + (", ..." if len(pages) > 10 else "")
    where = "every page" if len(pages) >= total else f"page(s) {shown} of {total}"
    return f" They appear on {where}.", {"pages": pages, "pages_walked": total}


def check_standard_fonts_among_embedded(meta: Metadata, facts: dict[str, Any]) -> Iterator[Finding]:
    """Standard-14 fonts without a program on the pages of a file whose producer embeds
    every font (LibreOffice, Quartz, Skia, WeasyPrint, cairo: medium), or next to embedded
    fonts under any other producer that is not itself a stamping or generating library (low).

    A stamp or a line typed over a page with ReportLab, pypdf, PDFKit or a PDF editor's
    "add text" tool draws in Helvetica or Times without embedding it; the producer that made
    the page embedded its own fonts. Office's own export is
    :func:`check_fonts_unlike_office_export`.
    Routine stamps do the same (a Bates number, a court's filing header, "CONFIDENTIAL"):
    the finding says a second program drew on the pages, not what it drew.
    """
    producer = meta.producer or ""
    if not producer or OFFICE_EXPORT.search(producer) or STANDARD_FONT_WRITERS.search(producer):
        return
    standard, embedded = _standard_fonts(facts)
    if not standard:
        return
    note, where = _pages_note(facts)
    evidence = {"producer": producer, "standard_fonts": standard[:20], "embedded_fonts": embedded}
    evidence.update(where)
    names = ", ".join(repr(n) for n in standard[:5])
    if EMBEDS_EVERY_FONT.search(producer):
        yield Finding(
            "PDF_FONTS_UNLIKE_PRODUCER",
            Severity.MEDIUM,
            f"The PDF names {producer!r} as its producer, which embeds every font it draws "
            f"with, but its pages use {names} without a font program: what ReportLab, pypdf "
            'stamps and PDF editors\' "add text" tools write. Another program drew on these '
            "pages (a regeneration under copied metadata, text typed over the page, or a "
            f"stamp).{note}",
            evidence,
        )
        return
    if embedded:
        yield Finding(
            "PDF_STANDARD_FONT_AMONG_EMBEDDED",
            Severity.LOW,
            f"The pages use {names} without a font program next to {embedded} embedded "
            f"font(s): the program that made the pages ({producer!r}) embedded its fonts, "
            "and something else drew with a standard font, as a stamp, an overlay or text "
            "typed over the page does (Bates numbers and filing headers too). Some older "
            f"writers leave the standard fonts out while embedding others.{note}",
            evidence,
        )


def check_modified_without_creation(meta: Metadata, facts: dict[str, Any]) -> Iterator[Finding]:
    """The PDF states when it was modified but nowhere when it was created.

    PDF writers that date a file write both CreationDate and ModDate (and XMP's CreateDate
    with ModifyDate); a lone ModDate is what an editing tool leaves when it stamps its
    save on a file whose first writer wrote no dates (pypdf's and pikepdf's metadata
    calls, Acrobat's incremental save). The file was edited after it was first written;
    the finding says nothing about by whom."""
    keys = facts.get("info_keys")
    if not isinstance(keys, list) or "ModDate" not in keys or "CreationDate" in keys:
        return
    if meta.created is not None:  # Info CreationDate, else XMP's xmp:CreateDate
        return
    yield Finding(
        "PDF_MODIFIED_WITHOUT_CREATION",
        Severity.LOW,
        "The document information records a modification date "
        f"({meta.modified.isoformat() if meta.modified else 'unparsable'}) but no creation date, "
        "in neither the Info dictionary nor XMP: PDF writers that date their files write "
        "both, so a tool stamped its own save on a file whose first writer dated nothing. "
        "The file was edited after it was made; compare its content with other copies.",
        {"modified": meta.modified, "producer": meta.producer, "info_keys": keys[:20]},
    )


#: iText and iTextSharp append "; modified using iText x.y" to the Producer of a PDF they
#: stamp, fill, sign or otherwise rewrite (their ``PdfStamper``), after the first writer's.
_MODIFIED_USING = re.compile(r"modified using\s+(\S.*)$", re.I)


def check_producer_names_modifier(meta: Metadata, facts: dict[str, Any]) -> Iterator[Finding]:
    """The Producer records a second program that modified the file after its first writer
    ("TCPDF 6.6.2; modified using iText 5.5.13"). Stamping, form filling, signing and
    merging services do this every day; so does an edit made with an iText-based tool. Info,
    and not read by the classifier (no training document carries it): the reviewer learns
    that the file was changed after it was made, and by what."""
    if not _is_pdf(facts) or not isinstance(meta.producer, str):
        return
    producer = meta.producer.strip()
    found = _MODIFIED_USING.search(producer)
    if found is None:
        return
    original = producer[: found.start()].rstrip(" ;,") or None
    modifier = found.group(1).strip()
    first = f"names {original!r} as the program that wrote this PDF and" if original else "names"
    yield Finding(
        "PDF_PRODUCER_NAMES_MODIFIER",
        Severity.INFO,
        f"The Producer {first} {modifier!r} as one that modified it afterwards "
        "(iText appends 'modified using' "
        "when it stamps, fills, signs or rewrites an existing file): the file was changed "
        "after it was made. Stamps and signatures are routine; compare the content with "
        "other copies.",
        {"producer": meta.producer, "original_producer": original, "modifier": modifier},
    )


def check_text_covered(facts: dict[str, Any]) -> Iterator[Finding]:
    """Text hidden under a white box that has other text written on it (fact
    ``text_covered``, :mod:`authenticity.extract.pdfcover`)."""
    if not _is_pdf(facts):
        return
    found = facts.get("text_covered")
    if not isinstance(found, list) or not found:
        return
    first = found[0] if isinstance(found[0], dict) else {}
    pages = sorted({f.get("page") for f in found if isinstance(f, dict)} - {None})
    yield Finding(
        "PDF_TEXT_COVERED",
        Severity.MEDIUM,
        f"On page {first.get('page', '?')} an opaque white box is painted over text "
        f"({str(first.get('covered', ''))[:80]!r}) and other text "
        f"({str(first.get('written', ''))[:80]!r}) is written on the box: the way a figure "
        "is changed in a PDF without a program that edits its text (a white-out stamped by "
        "a script or an online editor). The covered text is still in the file, under the "
        f"box{f'; {len(found)} such boxes in all' if len(found) > 1 else ''}.",
        {"boxes": found[:10], "pages": pages[:20]},
    )


CHECKS = (
    lambda meta, facts, ctx: check_signature_coverage(facts),
    lambda meta, facts, ctx: check_text_covered(facts),
    lambda meta, facts, ctx: check_info_xmp_dates(meta, facts),
    lambda meta, facts, ctx: check_info_xmp_producer(meta, facts),
    lambda meta, facts, ctx: check_info_xmp_names(meta, facts),
    lambda meta, facts, ctx: check_incremental_updates(meta, facts),
    lambda meta, facts, ctx: check_content_rewritten(facts),
    lambda meta, facts, ctx: check_writer_mismatch(meta, facts),
    lambda meta, facts, ctx: check_library_under_authoring_creator(meta, facts),
    lambda meta, facts, ctx: check_rewritten_by_library(meta, facts),
    lambda meta, facts, ctx: check_unattributed_annotation_added(meta, facts),
    lambda meta, facts, ctx: check_file_id(meta, facts),
    lambda meta, facts, ctx: check_content_left_uncompressed(meta, facts),
    lambda meta, facts, ctx: check_font_newer_than_document(meta, facts),
    lambda meta, facts, ctx: check_fonts_unlike_office_export(meta, facts),
    lambda meta, facts, ctx: check_standard_fonts_among_embedded(meta, facts),
    lambda meta, facts, ctx: check_modified_without_creation(meta, facts),
    lambda meta, facts, ctx: check_producer_names_modifier(meta, facts),
)

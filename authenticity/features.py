"""Feature dict of one document for the classifier (see ``docs/classifier.md``).

:func:`to_features` turns what a scan already knows about a document (its analysis:
extracted metadata and facts; every finding: per-document, occurrence and dump-wide) into a
flat ``{name: value}`` dict for a ``DictVectorizer``. It runs at scan time and at training
time through the same call in :class:`authenticity.pipeline.Scan`, so both see the same
values (the analysis as loaded back from the results store).

No raw free text goes in (no names, titles, producers or paths): only kinds, presence
flags, counts, ratios, scripts of names, and finding codes with their severities. Names
are stable; renaming one makes every trained model stale (bump :data:`FEATURES_VERSION`).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from typing import Any

from authenticity import scoring
from authenticity.dumpwide.baseline import script_of
from authenticity.model import Analysis, Document, Finding, Metadata
from authenticity.timeutil import parse_iso8601

FEATURES_VERSION = "1"

Features = dict[str, float | str | bool]

#: Finding-code prefix -> evidence family (DESIGN.md "Evidence families").
FAMILIES = (
    ("TYPE_", "type"),
    ("TS_", "timeline"),
    ("PDF_", "pdf"),
    ("OFFICE_", "office"),
    ("OOXML_", "office"),
    ("EXIF_", "image"),
    ("image.", "image"),
    ("EMAIL_", "email"),
    ("email.", "email"),
    ("BASELINE_", "baseline"),
    ("NEARDUP_", "neardup"),
    ("NAME_", "names"),
    ("ARCHIVE_", "ingest"),
    ("EXTRACT_", "ingest"),
    ("DOC_", "ingest"),
)

_KINDS = (
    ("application/pdf", "pdf"),
    ("application/vnd.openxmlformats-officedocument.wordprocessingml", "word"),
    ("application/vnd.openxmlformats-officedocument.spreadsheetml", "spreadsheet"),
    ("application/vnd.openxmlformats-officedocument.presentationml", "presentation"),
    ("application/msword", "word"),
    ("application/vnd.ms-excel", "spreadsheet"),
    ("application/vnd.ms-powerpoint", "presentation"),
    ("application/vnd.ms-outlook", "email"),
    ("application/x-ole-storage", "ole"),
    ("application/cdfv2", "ole"),
    ("message/", "email"),
    ("image/", "image"),
    ("application/zip", "archive"),
    ("application/x-tar", "archive"),
    ("application/gzip", "archive"),
    ("application/x-7z", "archive"),
    ("application/mbox", "archive"),
    ("text/", "text"),
)

_PRESENCE = (
    "author",
    "last_modified_by",
    "created",
    "modified",
    "printed",
    "application",
    "app_version",
    "producer",
    "company",
    "template",
    "language",
    "title",
    "revision",
    "edit_time",
    "page_count",
    "make",
    "model",
)

_DOS_EPOCH = "1980-01-01T00:00:00"

#: Findings the classifier does not read, because the training data would teach it a
#: trait of the training set rather than of dumps:
#: - symmetric pair findings, which sit on an original and its edited copy alike: the
#:   training dump holds every forgery's source file, so the model would learn "part of a
#:   pair = forged"
#:   (``EMAIL_COPIES_DATES_DIFFER`` is one: a careful ``email_alter_signed`` moves the Date
#:   of a copy of its source, so in training every such pair holds a forgery;
#:   ``EMAIL_COPIES_BODIES_DIFFER`` likewise: two copies of one message whose texts
#:   differ, undirected);
#: - ``OOXML_RESAVED_BY_LIBRARY``: only forgeries raise it in training (the corpus has no
#:   report pipeline's output), while real dumps hold many workbooks a script filled in;
#:   the model made every such workbook of a generated 5,000-file dump likely_forged;
#: - ``NEARDUP_PDF_REWRITTEN_COPY``: directed, but it sits on forgeries that carry the
#:   library's trace in the file itself (``PDF_WRITER_MISMATCH``, fonts, layout); a model
#:   that read it (a candidate model, not shipped) leaned on the pair and weighed those single-file
#:   traces less: without the originals in the dump, recall at 2 % fell from 72.9 to 70.7 %
#:   and the outside-tools benchmark from 66 to 58 of 134. It stays a pointer for analysts.
#: - ``PDF_LINEARIZED_BY_REWRITER`` (info): a qpdf-linearized single-save file. Read, it set
#:   the PDF family's maximum severity to "info", which the model weighs as a forgery's
#:   (``family_max.pdf`` +0.74): a LibreOffice PDF linearized by qpdf scored 0.88.
#: - ``PDF_ENCRYPTED_BY_REWRITER`` (info): qpdf or pypdf encrypted a finished file, as
#:   linearizing above; read as a PDF finding, eleven qpdf-encrypted test files of pypdf
#:   (a WPS Writer PDF) scored 0.95 on the writer mismatch it replaces.
#: - ``EMAIL_AUTOMATED_SENDER`` (info): context, not evidence; it makes the model skip the
#:   ``EMAIL_WRITTEN_BY_SCRIPT`` it explains (:func:`explained`), which training ties to
#:   fabrications (16 forgeries, one authentic email): a monitoring job's alerts scored
#:   0.75-0.86 on that finding alone.
#: - ``PDF_PRODUCER_NAMES_MODIFIER`` (info): "modified using iText" in a Producer; no
#:   training document carries it, and read as an info PDF finding it would weigh like the
#:   linearization note above, on the many files signing and stamping services post-process.
UNREAD = frozenset(
    {
        "PDF_LINEARIZED_BY_REWRITER",
        "PDF_ENCRYPTED_BY_REWRITER",
        "NEARDUP_IMAGE_DATES_DIFFER",
        "NEARDUP_IMAGE_PIXELS_DIFFER",
        "EMAIL_COPIES_DATES_DIFFER",
        "EMAIL_COPIES_BODIES_DIFFER",
        "OOXML_RESAVED_BY_LIBRARY",
        "NEARDUP_PDF_REWRITTEN_COPY",
        "EMAIL_AUTOMATED_SENDER",
        "PDF_PRODUCER_NAMES_MODIFIER",
    }
)


def explained(findings: Iterable[Finding]) -> set[str]:
    """Codes another finding of the document lists under ``evidence["explains"]``: a
    dump-wide context that makes them no evidence on this document (an automated sender's
    series explains its script-built layout). The model does not read them there."""
    out: set[str] = set()
    for f in findings:
        codes = f.evidence.get("explains") if isinstance(f.evidence, dict) else None
        if isinstance(codes, list):
            out.update(str(c) for c in codes)
    return out


def family_of(code: str) -> str:
    for prefix, family in FAMILIES:
        if code.startswith(prefix):
            return family
    return "other"


#: Plain-language names of the fields behind ``has.*`` / ``script.*`` features.
_FIELD_LABELS = {
    "author": "author",
    "last_modified_by": "last editor",
    "created": "creation date",
    "modified": "modification date",
    "printed": "print date",
    "application": "application name",
    "app_version": "application version",
    "producer": "PDF producer",
    "company": "company",
    "template": "template",
    "language": "language",
    "title": "title",
    "revision": "revision number",
    "edit_time": "total editing time",
    "page_count": "page count",
    "make": "camera make",
    "model": "camera model",
}
_FAMILY_LABELS = {
    "type": "file-type",
    "timeline": "date",
    "pdf": "PDF structure",
    "office": "Office package",
    "image": "image",
    "email": "email",
    "baseline": "dump-baseline",
    "neardup": "near-duplicate",
    "ingest": "ingest",
    "other": "other",
}
_LABELS = {
    "max_severity": "severity of the strongest finding",
    "findings.count": "number of findings",
    "findings.medium_or_more": "number of medium or stronger findings",
    "rule_score": "rule-based score of all findings",
    "dump.outlier_score": "how unusual its metadata is in this dump",
    "dump.neardup_similarity": "similarity to a near-copy elsewhere in the dump",
    "dump.neardup_likely_modified": "it looks like the modified copy of a near-duplicate",
    "author_is_last_modified_by": "the author is also the last editor",
    "revision_log": "revision number",
    "page_count_log": "page count",
    "span_days_signed_log": "time from creation to last modification",
    "created_equals_modified": "created and last modified at the same second",
    "tz_differs": "creation and modification dates in different time zones",
    "edit_time_log": "total editing time",
    "edit_time_zero": "zero total editing time",
    "edit_time_span_ratio_log": "editing time against the creation-to-modification span",
    "has_xmp": "an XMP metadata packet",
    "pdf.eof_markers": "number of PDF revisions (%EOF markers)",
    "pdf.has_xmp_created": "an XMP creation date in the PDF",
    "pdf.has_xmp_modified": "an XMP modification date in the PDF",
    "pdf.has_xmp_producer": "an XMP producer in the PDF",
    "pdf.has_xmp_creator_tool": "an XMP creator tool in the PDF",
    "pdf.appended_update": "updates appended to the PDF",
    "zip.entries_log": "number of zip entries",
    "zip.dos_epoch_share": "share of zip entries dated 1980-01-01, as Office writes them",
    "zip.distinct_times_log": "number of distinct zip entry times",
    "zip.content_types_first": "[Content_Types].xml stored first, as Office does",
    "zip.sorted_by_name": "zip entries sorted by name",
    "zip.stored_entries": "uncompressed zip entries",
    "zip.core_time_differs": "docProps/core.xml zipped at another time than the other parts",
    "zip.latest_entry_minus_modified_log_h": "latest zip entry time against the stated "
    "modification date",
    "image.has_thumbnail": "an EXIF thumbnail",
    "image.exif_tag_count": "number of EXIF tags",
    "image.has_xmp_creator_tool": "an XMP creator tool",
    "image.datetime_minus_original_log": "EXIF DateTime against the capture time",
    "email.received_hops": "number of Received hops",
    "email.has_message_id": "a Message-ID",
    "email.message_id_localhost": "a Message-ID at localhost",
    "email.date_utc": "a Date header in UTC",
    "email.has_dkim_signature": "a DKIM signature",
    "email.dkim_verified": "a verified DKIM signature",
    "email.has_mailer": "a mail client named in the headers",
    "email.has_html_body": "an HTML body",
}


def describe(feature: str) -> str:
    """What a vectorized feature name (as in a scorecard's ``reasons``) stands for, in words
    a reviewer reads: ``family_max.pdf`` -> "strongest PDF structure finding"."""
    name, _, value = feature.partition("=")  # DictVectorizer's "key=value" for categories
    if name in _LABELS:
        return _LABELS[name]
    prefix, _, rest = name.partition(".")
    if prefix == "finding":
        return f"finding {rest}"
    if prefix == "family_max":
        return f"strongest {_FAMILY_LABELS.get(rest, rest)} finding"
    if prefix == "has":
        return f"{_FIELD_LABELS.get(rest, rest.replace('_', ' '))} present"
    if prefix == "script" and value:
        return f"{_FIELD_LABELS.get(rest, rest.replace('_', ' '))} written in {value} script"
    if prefix == "naive":
        return f"{_FIELD_LABELS.get(rest, rest)} without a time zone"
    if prefix == "email" and rest.startswith("dkim_result."):
        return f"DKIM result {rest.removeprefix('dkim_result.')}"
    if prefix == "pdf" and rest.startswith("has_"):
        return f"PDF {rest.removeprefix('has_').replace('_', ' ')} present"
    return feature.replace("_", " ")


def kind_of_mime(mime: str, facts: dict[str, Any] | None = None) -> str:
    if facts and facts.get("message_id") is not None and mime.startswith("text/"):
        return "email"
    for prefix, kind in _KINDS:
        if mime.startswith(prefix):
            return kind
    return "other"


def to_features(doc: Document, analysis: Analysis, findings: Iterable[Finding]) -> Features:
    """The feature dict of one document (occurrence) from its analysis and all its findings."""
    findings = list(findings)
    skip = UNREAD | explained(findings)
    findings = [f for f in findings if f.code not in skip]
    facts = analysis.facts if isinstance(analysis.facts, dict) else {}
    meta = analysis.metadata
    # The format kind, the parse status, nesting, size and calendar years are left out on
    # purpose: the generator forges only some kinds, only top-level files, and its authentic
    # sources come from a mixed corpus, so those would teach the model the training set's
    # composition instead of the traces of forgery.
    out: Features = {"rule_score": scoring.score(findings)}
    out["max_severity"] = float(max((f.severity.rank + 1 for f in findings), default=0))
    _finding_features(out, findings)
    _metadata_features(out, meta)
    _fact_features(out, facts)
    out.pop("_modified", None)
    return out


def _log(value: float | int | None) -> float:
    if value is None or value != value or value < 0:
        return 0.0
    return round(math.log1p(float(value)), 4)


def _finding_features(out: Features, findings: list[Finding]) -> None:
    n_serious = 0
    for f in findings:
        level = float(f.severity.rank + 1)  # info = 1 ... critical = 5; absent = 0
        key = f"finding.{f.code}"
        out[key] = max(float(out.get(key, 0.0)), level)
        fam = f"family_max.{family_of(f.code)}"
        out[fam] = max(float(out.get(fam, 0.0)), level)
        if f.severity.rank >= 2:
            n_serious += 1
        ev = f.evidence if isinstance(f.evidence, dict) else {}
        if f.code.startswith("BASELINE_") and isinstance(ev.get("outlier_score"), (int, float)):
            score = float(ev["outlier_score"])
            out["dump.outlier_score"] = max(float(out.get("dump.outlier_score", 0.0)), score)
        if f.code == "NEARDUP_MODIFIED_COPY" and isinstance(ev.get("similarity"), (int, float)):
            out["dump.neardup_similarity"] = max(
                float(out.get("dump.neardup_similarity", 0.0)), float(ev["similarity"])
            )
            if ev.get("likely_modified") is True:
                out["dump.neardup_likely_modified"] = True
    out["findings.count"] = float(len(findings))
    out["findings.medium_or_more"] = float(n_serious)


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


def _metadata_features(out: Features, meta: Metadata) -> None:
    for name in _PRESENCE:
        value = getattr(meta, name, None)
        if value not in (None, ""):
            out[f"has.{name}"] = True
    for name in ("author", "last_modified_by", "company"):
        script = script_of(getattr(meta, name, None))
        if script:
            out[f"script.{name}"] = script
    if meta.author and meta.last_modified_by:
        out["author_is_last_modified_by"] = (
            meta.author.strip().casefold() == meta.last_modified_by.strip().casefold()
        )
    if meta.revision is not None:
        out["revision_log"] = _log(meta.revision)
    if meta.page_count is not None:
        out["page_count_log"] = _log(meta.page_count)
    created, modified = meta.created, meta.modified
    for name in ("created", "modified"):
        value = getattr(meta, name)
        if isinstance(value, dt.datetime):
            out[f"naive.{name}"] = value.tzinfo is None
    if isinstance(created, dt.datetime) and isinstance(modified, dt.datetime):
        span = (_aware(modified) - _aware(created)).total_seconds()
        out["span_days_signed_log"] = math.copysign(_log(abs(span) / 86400.0), span)
        out["created_equals_modified"] = abs(span) < 1.0
        if created.tzinfo is not None and modified.tzinfo is not None:
            out["tz_differs"] = created.utcoffset() != modified.utcoffset()
        if meta.edit_time is not None and span > 0:
            out["edit_time_span_ratio_log"] = _log(min(meta.edit_time / span, 1e6))
    if isinstance(modified, dt.datetime):
        out["_modified"] = modified.isoformat()  # consumed by _zip_features, then dropped
    if meta.edit_time is not None:
        out["edit_time_log"] = _log(meta.edit_time)
        out["edit_time_zero"] = meta.edit_time == 0


def _fact_features(out: Features, facts: dict[str, Any]) -> None:
    # PDF
    # Only traces of editing: %%EOF count (appended updates). The PDF version and the xref
    # layout describe the producer, and the generator's producers (reportlab, qpdf) are
    # also the producers of authentic files, so those taught the tool rather than the edit.
    if isinstance(facts.get("eof_markers"), (int, float)):
        out["pdf.eof_markers"] = float(facts["eof_markers"])
    if "has_xmp" in facts:
        out["has_xmp"] = bool(facts["has_xmp"])
    if facts.get("has_xmp"):
        for key in ("xmp_created", "xmp_modified", "xmp_producer", "xmp_creator_tool"):
            out[f"pdf.has_{key}"] = facts.get(key) is not None
    if isinstance(facts.get("eof_markers"), (int, float)):
        out["pdf.appended_update"] = facts["eof_markers"] > 1
    # OOXML zip entries
    entries = facts.get("zip_entries")
    if isinstance(entries, list) and entries:
        _zip_features(out, [e for e in entries if isinstance(e, dict)])
    # Images
    for key in ("has_thumbnail",):
        if key in facts:
            out[f"image.{key}"] = bool(facts[key])
    if isinstance(facts.get("exif_tag_count"), (int, float)):
        out["image.exif_tag_count"] = float(facts["exif_tag_count"])
    if "xmp_creator_tool" in facts and "zip_entries" not in facts and "has_xmp" not in facts:
        out["image.has_xmp_creator_tool"] = facts.get("xmp_creator_tool") is not None
    exif = [facts.get(k) for k in ("exif_datetime_original", "exif_datetime")]
    if all(isinstance(v, str) for v in exif):
        a, b = (parse_iso8601(v) for v in exif)  # type: ignore[arg-type]
        if a is not None and b is not None:
            delta = (_aware(b) - _aware(a)).total_seconds()
            out["image.datetime_minus_original_log"] = math.copysign(_log(abs(delta) / 60.0), delta)
    # Email
    if "message_id" in facts or "has_dkim_signature" in facts:
        received = facts.get("received")
        out["email.received_hops"] = float(len(received)) if isinstance(received, list) else 0.0
        out["email.has_message_id"] = bool(facts.get("message_id"))
        out["email.has_dkim_signature"] = bool(facts.get("has_dkim_signature"))
        out["email.has_mailer"] = bool(facts.get("x_mailer") or facts.get("user_agent"))
        out["email.has_html_body"] = bool(facts.get("has_html_body"))
        # No attachment count (dropped in 1.25.0): the generator's fabrications carry none,
        # so the trees learnt "has attachments, so authentic" and discounted a redated
        # message's evidence for the file it carries (docs/classifier.md).
        mid = facts.get("message_id")
        if isinstance(mid, str):
            out["email.message_id_localhost"] = "@localhost" in mid.lower()
        date = facts.get("date")
        if isinstance(date, str):
            parsed = parse_iso8601(date)
            if parsed is not None and parsed.tzinfo is not None:
                out["email.date_utc"] = parsed.utcoffset() == dt.timedelta(0)
        dkim = facts.get("dkim")
        if isinstance(dkim, dict):
            out["email.dkim_verified"] = bool(dkim.get("verified"))
            sigs = dkim.get("signatures")
            if isinstance(sigs, list):
                for s in sigs:
                    if isinstance(s, dict) and isinstance(s.get("result"), str):
                        out[f"email.dkim_result.{s['result']}"] = True


#: Zip entry times in the DOS epoch's year are writers' constants, not clock readings.
_FIXED_TIME_YEAR = "1980-"
#: Seconds between a package's entry times and its modified date that are the save itself.
ZIP_SAVE_JITTER_S = 120.0


def _zip_features(out: Features, entries: list[dict[str, Any]]) -> None:
    times = [str(e.get("date_time") or "") for e in entries]
    names = [str(e.get("name") or "") for e in entries]
    n = len(entries)
    out["zip.entries_log"] = _log(n)
    out["zip.dos_epoch_share"] = round(sum(t.startswith(_DOS_EPOCH) for t in times) / n, 4)
    # Compared to the minute: a library writes its entries during one save, which may
    # straddle a 2-second DOS-time step, so seconds would tell two runs of one save apart.
    minutes = [t[:16] for t in times]
    out["zip.distinct_times_log"] = _log(len(set(minutes)))
    out["zip.content_types_first"] = names[0] == "[Content_Types].xml"
    out["zip.sorted_by_name"] = names == sorted(names) and n > 1
    methods = {e.get("compress_type") for e in entries}
    out["zip.stored_entries"] = any(m == 0 for m in methods)
    core = [t for name, t in zip(names, minutes, strict=True) if name == "docProps/core.xml"]
    if core and minutes:
        common = max(set(minutes), key=minutes.count)
        out["zip.core_time_differs"] = core[0] != common
    # Real entry times (not Office's 1980 stamp, nor another writer's fixed 1980 time:
    # XlsxWriter's 1980-01-31) against the claimed modification time: a package re-zipped
    # or patched later carries the later clock. Zip times are local and zone-less, so only
    # the size of the gap counts (hours, log scale).
    modified = parse_iso8601(out.get("_modified"))
    real = [parse_iso8601(t) for t in times if t and not t.startswith(_FIXED_TIME_YEAR)]
    real = [r for r in real if r is not None]
    if modified is not None and real:
        latest = max(r.replace(tzinfo=None) for r in real)
        gap_s = (latest - modified.replace(tzinfo=None)).total_seconds()
        # within two minutes is the save itself (DOS times step by 2 s, clocks are read
        # part by part): no sign, which a 1-second jitter would otherwise flip
        gap_h = 0.0 if abs(gap_s) <= ZIP_SAVE_JITTER_S else gap_s / 3600.0
        out["zip.latest_entry_minus_modified_log_h"] = math.copysign(_log(abs(gap_h)), gap_h)

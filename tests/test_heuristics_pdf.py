"""PDF checks: Info vs XMP, incremental updates; real files and copies edited with real tools."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
from pathlib import Path

import pikepdf
import pypdf
import pytest

from authenticity.analyse import analyse_document
from authenticity.config import Settings
from authenticity.heuristics.pdf import dates_differ
from authenticity.model import Analysis, Document
from tests.conftest import corpus_file, require_exiftool

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
#: Ghostscript PDF/A: Info and XMP agree, one xref section.
PDFA = "pdf/py-pdf__021-pdfa_crazyones-pdfa.pdf"
#: Acrobat Distiller 7 tax form with XMP, linearized (2 sections, /L = the file's length: one
#: save), ModDate later than CreationDate.
LINEARIZED = "pdf/pdfminer__samples_nonfree_i1040nr.pdf"
#: pdfTeX, four pages, a cross-reference table.
TEX_4_PAGES = "pdf/py-pdf__004-pdflatex-4-pages_pdflatex-4-pages.pdf"


def analyse(data: bytes, name: str = "a.pdf") -> Analysis:
    doc = Document(path=name, sha256=hashlib.sha256(data).hexdigest(), size=len(data), data=data)
    return analyse_document(doc, Settings(workers=0))


def codes(result: Analysis) -> dict[str, str]:
    return {f.code: f.severity.value for f in result.findings}


def pikepdf_edit(data: bytes, **info: str) -> bytes:
    """Full rewrite with pikepdf changing only the Info dictionary (XMP left as it was)."""
    out = io.BytesIO()
    with pikepdf.open(io.BytesIO(data)) as pdf:
        for key, value in info.items():
            pdf.docinfo[f"/{key}"] = value
        pdf.save(out)
    return out.getvalue()


def pypdf_update(data: bytes, info: dict[str, str]) -> bytes:
    """One incremental update by pypdf that sets the given Info entries."""
    writer = pypdf.PdfWriter(io.BytesIO(data), incremental=True)
    writer.add_metadata(info)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def pypdf_incremental(data: bytes, times: int) -> bytes:
    """Append ``times`` incremental updates that change the Title only."""
    for i in range(times):
        data = pypdf_update(data, {"/Title": f"Revised {i}"})
    return data


def test_dates_differ_respects_zones():
    import datetime as dt

    aware = dt.datetime(2020, 1, 1, 12, tzinfo=dt.UTC)
    same_instant = dt.datetime(2020, 1, 1, 14, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    assert not dates_differ(aware, same_instant)
    assert not dates_differ(aware.replace(tzinfo=None), aware + dt.timedelta(hours=10))
    assert dates_differ(aware.replace(tzinfo=None), aware + dt.timedelta(hours=20))
    assert dates_differ(aware, aware + dt.timedelta(hours=1))


def test_genuine_pdfa_is_clean():
    found = codes(analyse(corpus_file(PDFA)))
    assert not any(code.startswith("PDF_") for code in found), found


def test_info_moddate_edited_without_xmp_is_flagged():
    data = pikepdf_edit(corpus_file(PDFA), ModDate="D:20230601090000+08'00'")
    result = analyse(data)
    assert codes(result).get("PDF_INFO_XMP_DATE_MISMATCH") == "medium"
    finding = next(f for f in result.findings if f.code == "PDF_INFO_XMP_DATE_MISMATCH")
    assert "xmp:ModifyDate" in finding.evidence


def test_info_creationdate_backdated_is_flagged():
    data = pikepdf_edit(corpus_file(PDFA), CreationDate="D:20220101090000+08'00'")
    found = [f for f in analyse(data).findings if f.code == "PDF_INFO_XMP_DATE_MISMATCH"]
    assert found and "xmp:CreateDate" in found[0].evidence


def test_info_producer_changed_is_flagged():
    data = pikepdf_edit(corpus_file(PDFA), Producer="Nitro Pro 13")
    assert codes(analyse(data)).get("PDF_INFO_XMP_PRODUCER_MISMATCH") == "low"


def test_linearized_single_save_is_not_an_update():
    # A linearized file's first-page cross-reference section is part of one save.
    result = analyse(corpus_file(LINEARIZED))
    assert result.facts["linearized"] is True and result.facts["xref_sections"] == 2
    assert not {"PDF_INCREMENTAL_UPDATES", "PDF_INCREMENTAL_UPDATE_UNCHANGED_MODDATE"} & set(
        codes(result)
    )


def test_qpdf_linearized_copy_without_moddate_is_not_an_update():
    # "Fast Web View" by qpdf (pikepdf) of a PDF that records its creation date only: two
    # sections, no ModDate, yet nothing was appended.
    with pikepdf.open(io.BytesIO(corpus_file(PDFA))) as pdf:
        del pdf.docinfo["/ModDate"]
        out = io.BytesIO()
        pdf.save(out, linearize=True)
    result = analyse(out.getvalue())
    assert result.facts["linearized"] is True and result.facts["eof_markers"] == 2
    found = codes(result)
    assert not {"PDF_INCREMENTAL_UPDATES", "PDF_INCREMENTAL_UPDATE_UNCHANGED_MODDATE"} & set(found)
    # An update appended to the linearized file afterwards is one.
    appended = pypdf_incremental(out.getvalue(), times=1)
    found = codes(analyse(appended))
    assert found.get("PDF_INCREMENTAL_UPDATES") == "info"
    assert found.get("PDF_INCREMENTAL_UPDATE_UNCHANGED_MODDATE") == "medium"


def test_genuine_incremental_update_with_new_moddate_is_info_only():
    writer = pypdf.PdfWriter(io.BytesIO(corpus_file(PDFA)), incremental=True)
    writer.add_metadata({"/Title": "Revised", "/ModDate": "D:20240101090000Z"})
    out = io.BytesIO()
    writer.write(out)
    found = codes(analyse(out.getvalue()))
    assert found.get("PDF_INCREMENTAL_UPDATES") == "info"
    assert "PDF_INCREMENTAL_UPDATE_UNCHANGED_MODDATE" not in found


def test_incremental_updates_keeping_moddate_are_flagged():
    data = pypdf_incremental(corpus_file(PDFA), times=2)
    found = codes(analyse(data))
    assert found.get("PDF_INCREMENTAL_UPDATES") == "info"
    assert found.get("PDF_INCREMENTAL_UPDATE_UNCHANGED_MODDATE") == "medium"


def test_single_appended_update_keeping_moddate_is_medium():
    # One real update appended after the file was finished (its objects follow all others).
    result = analyse(pypdf_incremental(corpus_file(PDFA), times=1))
    assert result.facts["appended_updates"] == 1
    assert codes(result).get("PDF_INCREMENTAL_UPDATE_UNCHANGED_MODDATE") == "medium"


def test_office_two_section_single_save_with_moddate_equal_creation_is_low():
    # Office lays one save out in two sections (objects interleaved): weak evidence only.
    result = analyse(corpus_file("pdf/pdfminer__samples_simple4.pdf"))
    assert result.facts["appended_updates"] == 0
    assert codes(result).get("PDF_INCREMENTAL_UPDATE_UNCHANGED_MODDATE") == "low"


def test_appended_author_update_that_keeps_an_older_moddate_is_flagged():
    # The careless author swap: an appended Info update whose ModDate is the original one
    # (not equal to CreationDate, so only the revisions show that no update dated itself).
    base = pikepdf_edit(corpus_file(PDFA), ModDate="D:20210301120000Z")
    writer = pypdf.PdfWriter(io.BytesIO(base), incremental=True)
    writer.add_metadata({"/Author": "Jean Dupont"})
    out = io.BytesIO()
    writer.write(out)
    result = analyse(out.getvalue())
    found = [f for f in result.findings if f.code == "PDF_INCREMENTAL_UPDATE_UNCHANGED_MODDATE"]
    assert [f.severity.value for f in found] == ["medium"]
    assert found[0].evidence["mod_date_unchanged"].startswith("2021-03-01")
    # The same update with a new ModDate is an ordinary dated save.
    writer = pypdf.PdfWriter(io.BytesIO(base), incremental=True)
    writer.add_metadata({"/Author": "Jean Dupont", "/ModDate": "D:20220101090000Z"})
    out = io.BytesIO()
    writer.write(out)
    assert "PDF_INCREMENTAL_UPDATE_UNCHANGED_MODDATE" not in codes(analyse(out.getvalue()))


def _signed_like_pdf(extra: int = 0) -> bytes:
    """A reportlab PDF given a signature dictionary whose /ByteRange covers the whole file."""
    import re

    from tests import factories

    base = factories.make_pdf()
    placeholder = b"/ByteRange [0 0000000000 0000000000 0000000000]"
    marker = b"%%EOF"
    body = base.replace(marker, b"% sig " + placeholder + b"\n" + marker, 1)
    end = len(body)
    tail = end - end // 2 - 10 + extra
    sig = f"/ByteRange [0 {end // 2:010d} {end // 2 + 10:010d} {tail:010d}]"
    return re.sub(re.escape(placeholder), sig.encode(), body, count=1)


def test_signature_coverage_clean_and_appended():
    from authenticity.heuristics.pdf import check_signature_coverage

    signed = _signed_like_pdf()
    a = analyse(signed, "signed.pdf")
    assert a.facts["has_signature_field"] is True
    assert a.facts["appended_after_signature"] is False
    assert not list(check_signature_coverage(a.facts))
    updated = signed + b"\n1 0 obj << /Injected true >> endobj\n%%EOF\n"
    b = analyse(updated, "signed.pdf")
    codes = [f.code for f in check_signature_coverage(b.facts)]
    assert codes == ["PDF_MODIFIED_AFTER_SIGNATURE"]
    assert "PDF_MODIFIED_AFTER_SIGNATURE" in {f.code for f in b.findings}
    cut = analyse(_signed_like_pdf(extra=500), "cut.pdf")
    assert [f.code for f in check_signature_coverage(cut.facts)] == [
        "PDF_SIGNATURE_RANGE_BEYOND_EOF"
    ]


# --- writer marker vs claimed software --------------------------------------------------

LIBREOFFICE = "pdf/py-pdf__002-trivial-libre-office-writer_002-trivial-libre-office-writer.pdf"
REPORTLAB = "pdf/py-pdf__008-reportlab-inline-image_inline-image.pdf"
PDFTEX = "pdf/py-pdf__001-trivial_minimal-document.pdf"


def writer_findings(result: Analysis) -> list:
    return [f for f in result.findings if f.code == "PDF_WRITER_MISMATCH"]


@pytest.mark.parametrize(
    ("rel", "writer"),
    [
        (PDFA, "ghostscript"),
        (LIBREOFFICE, "libreoffice"),
        (REPORTLAB, "reportlab"),
        (PDFTEX, "tex"),
    ],
)
def test_genuine_files_name_their_own_writer(rel, writer):
    result = analyse(corpus_file(rel))
    assert result.facts["header_writer"] == writer
    assert writer_findings(result) == []


def test_tool_built_on_reportlab_is_not_a_writer_mismatch():
    # xhtml2pdf typesets with ReportLab (its marker) and names itself as Producer.
    data = (Path(__file__).parent / "data" / "xhtml2pdf-0.2-note.pdf").read_bytes()
    result = analyse(data)
    assert result.facts["header_writer"] == "reportlab"
    assert result.metadata.producer.startswith("xhtml2pdf")
    assert writer_findings(result) == []


def test_reportlab_file_labelled_as_word_is_medium():
    # Regenerated with reportlab, then given the original's Producer/Creator (pdf_regenerate).
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf, invariant=1)
    c.setProducer("Microsoft® Word 2016")
    c.setCreator("Microsoft® Word 2016")
    c.drawString(72, 720, "Budget 2017: 4 800 euros")
    c.showPage()
    c.save()
    result = analyse(buf.getvalue())
    (finding,) = writer_findings(result)
    assert finding.severity.value == "medium"
    assert finding.evidence["header_writer"] == "reportlab"
    assert "Word 2016" in finding.message


def test_qpdf_rewrite_keeping_the_producer_is_low():
    result = analyse(pikepdf_edit(corpus_file(LIBREOFFICE), Author="Paul Roux"))
    (finding,) = writer_findings(result)
    assert finding.severity.value == "low" and finding.evidence["header_writer"] == "qpdf"
    # OCRmyPDF and pikepdf name themselves: no mismatch then.
    named = analyse(pikepdf_edit(corpus_file(LIBREOFFICE), Producer="pikepdf 9.0"))
    assert writer_findings(named) == []


def test_incremental_update_by_another_tool_is_not_a_writer_mismatch():
    # An appended update legitimately names the updating tool and leaves the header alone.
    writer = pypdf.PdfWriter(io.BytesIO(corpus_file(LIBREOFFICE)), incremental=True)
    writer.add_metadata({"/Producer": "pypdf", "/Title": "Revised"})
    out = io.BytesIO()
    writer.write(out)
    result = analyse(out.getvalue())
    assert result.facts["header_writer"] == "libreoffice"
    assert writer_findings(result) == []


def test_rule_floor_raises_score_with_the_verdict(tmp_path):
    # A high finding the model never learnt on a forgery (no technique makes it) keeps the
    # rule-based verdict as a floor; the score is raised with it so that ranking agrees.
    import json

    from authenticity import classifier
    from authenticity.model import Verdict
    from authenticity.pipeline import Prediction, run_scan, scorecard_from

    model = classifier.resolve(None)
    assert model is not None and "PDF_SIGNATURE_RANGE_BEYOND_EOF@high" not in model.known_codes
    dump = tmp_path / "dump"
    dump.mkdir()
    (dump / "cut.pdf").write_bytes(_signed_like_pdf(extra=500))
    (dump / "plain.pdf").write_bytes(corpus_file(PDFA))
    run_scan(str(dump), tmp_path / "out", Settings(workers=0))
    cards = {
        c["path"]: c
        for c in map(json.loads, (tmp_path / "out" / "scorecards.jsonl").read_text().splitlines())
    }
    cut = cards["cut.pdf"]
    # The model weighs the unknown code through its family and severity; the floor makes
    # sure of the verdict either way, and the score agrees with it.
    assert cut["verdict"] in ("suspicious", "likely_forged")
    assert cut["score"] > model.thresholds[cut["verdict"]]
    assert cut["score"] >= cut["model_score"]
    assert cards["plain.pdf"]["score"] == cards["plain.pdf"]["model_score"]
    assert cut["score"] > cards["plain.pdf"]["score"]
    # A model that had not weighed it at all (a low score) is overruled by the floor.
    data = _signed_like_pdf(extra=500)
    own = analyse(data, "cut.pdf")
    doc = Document(path="cut.pdf", sha256=own.sha256, size=len(data))
    low = Prediction(model=model, score=0.05, reasons=[])
    card = scorecard_from(doc, own, list(own.findings), low)
    assert model.verdict(0.05) in (Verdict.CONSISTENT, Verdict.INCONCLUSIVE)
    assert card.verdict.value in ("suspicious", "likely_forged")
    assert card.score > model.thresholds[card.verdict.value] >= 0.05
    assert card.extra["model_score"] == 0.05


# --- metadata editors -------------------------------------------------------------------


@pytest.mark.parametrize("rel", [LIBREOFFICE, PDFA])
def test_exiftool_edit_of_a_pdf_names_the_editor(rel, tmp_path):
    # ExifTool edits a PDF by appending an update whose XMP packet carries its toolkit name;
    # the producer's own packet (Ghostscript's) stays in the earlier revision.
    import subprocess

    target = tmp_path / "edited.pdf"
    target.write_bytes(corpus_file(rel))
    subprocess.run(
        [
            require_exiftool(),
            "-q",
            "-overwrite_original",
            "-Author=Ivan Petrov",
            "-ModifyDate=2017:05:20 10:00:00+02:00",
            str(target),
        ],
        check=True,
    )
    result = analyse(target.read_bytes())
    assert result.facts["xmp_toolkit"].startswith("Image::ExifTool")
    assert result.metadata.author == "Ivan Petrov"
    (finding,) = [f for f in result.findings if f.code == "XMP_WRITTEN_BY_METADATA_EDITOR"]
    assert finding.severity.value == "medium" and finding.evidence["editor"] == "ExifTool"
    # The untouched original names its producer's toolkit, or has no XMP at all.
    original = analyse(corpus_file(rel))
    assert not [f for f in original.findings if f.code == "XMP_WRITTEN_BY_METADATA_EDITOR"]


def pypdf_rewrite_page(data: bytes, old: bytes, new: bytes) -> bytes:
    """An incremental update (pypdf) replacing page 1's content stream with ``old`` -> ``new``."""
    from pypdf.generic import DecodedStreamObject

    writer = pypdf.PdfWriter(io.BytesIO(data), incremental=True)
    page = writer.pages[0]
    raw = page.get_contents().get_data()
    assert old in raw
    stream = DecodedStreamObject()
    stream.set_data(raw.replace(old, new, 1))
    page.replace_contents(stream.flate_encode())
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _reportlab_pdf() -> bytes:
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    c.drawString(72, 720, "Total due: 1200 EUR")
    c.showPage()
    c.drawString(72, 720, "Page two")
    c.save()
    return buf.getvalue()


def test_incremental_update_rewriting_page_content_is_flagged():
    base = _reportlab_pdf()
    assert "PDF_INCREMENTAL_CONTENT_EDIT" not in codes(analyse(base))
    result = analyse(pypdf_rewrite_page(base, b"1200", b"9200"))
    finding = next(f for f in result.findings if f.code == "PDF_INCREMENTAL_CONTENT_EDIT")
    # pypdf's update leaves the Info dictionary (and its ModDate) as ReportLab wrote it
    assert finding.severity.value == "high"
    assert finding.evidence["mod_date_unchanged"]
    assert finding.evidence["pages"] == [1]
    assert "9200" in result.text


def test_content_edit_saved_with_a_new_moddate_is_medium():
    edited = pypdf_rewrite_page(_reportlab_pdf(), b"1200", b"9200")
    writer = pypdf.PdfWriter(io.BytesIO(edited), incremental=True)
    writer.add_metadata({"/ModDate": "D:20260101120000+00'00'"})
    out = io.BytesIO()
    writer.write(out)
    found = [
        f for f in analyse(out.getvalue()).findings if f.code == "PDF_INCREMENTAL_CONTENT_EDIT"
    ]
    assert [f.severity.value for f in found] == ["medium"]
    assert found[0].evidence["mod_date_unchanged"] is None


def test_corpus_form_rewritten_by_dated_saves_is_medium():
    # IRS form: page 5 rewritten by a later save; each save stamped a new ModDate.
    result = analyse(corpus_file("pdf/pdfminer__samples_nonfree_f1040nr.pdf"))
    assert codes(result).get("PDF_INCREMENTAL_CONTENT_EDIT") == "medium"


def test_incremental_updates_that_leave_page_content_alone_are_not_content_edits():
    # Metadata-only updates, an annotation added, and a real file updated by its producer.
    assert "PDF_INCREMENTAL_CONTENT_EDIT" not in codes(
        analyse(pypdf_incremental(corpus_file(PDFA), times=2))
    )
    from pypdf.annotations import FreeText

    writer = pypdf.PdfWriter(io.BytesIO(_reportlab_pdf()), incremental=True)
    writer.add_annotation(page_number=0, annotation=FreeText(text="OK", rect=(50, 50, 200, 80)))
    out = io.BytesIO()
    writer.write(out)
    found = codes(analyse(out.getvalue()))
    assert "PDF_INCREMENTAL_UPDATES" in found
    assert "PDF_INCREMENTAL_CONTENT_EDIT" not in found
    assert "PDF_INCREMENTAL_CONTENT_EDIT" not in codes(analyse(corpus_file(LINEARIZED)))


@pytest.mark.parametrize(
    "rel",
    [
        "pdf/pdfminer__samples_contrib_issue-449-horizontal.pdf",  # Word for Microsoft 365
        "pdf/pdfminer__samples_simple4.pdf",  # PowerPoint for Office 365
    ],
)
def test_office_two_section_exports_are_not_content_edits(rel):
    # Office ends its single save with an empty xref section pointing at an xref stream:
    # two sections, page content "defined" by the second, but nothing appended.
    result = analyse(corpus_file(rel))
    assert result.facts.get("incremental_updates") == 1
    assert "PDF_INCREMENTAL_CONTENT_EDIT" not in codes(result)


LIBRARY_CODE = "PDF_LIBRARY_UNDER_APPLICATION_CREATOR"


@pytest.mark.parametrize(
    "rel",
    [
        REPORTLAB,
        PDFTEX,
        LIBREOFFICE,
        "pdf/pdfminer__samples_contrib_issue-00352-hash-twos-complement.pdf",  # mPDF
        "pdf/pdfminer__samples_contrib_matplotlib.pdf",
        "pdf/py-pdf__024-annotations_annotated_pdf.pdf",  # FPDF2 under its author's Creator
    ],
)
def test_library_made_and_application_made_files_are_coherent(rel):
    assert LIBRARY_CODE not in codes(analyse(corpus_file(rel)))


def test_careless_regeneration_keeping_the_writer_creator_is_flagged():
    # The real generator technique: LibreOffice Writer's PDF re-typeset with reportlab, the
    # original Info (Creator "Writer") copied, reportlab's own Producer left (careless).
    from authenticity.synth import forge

    forged = forge(corpus_file(LIBREOFFICE), "a.pdf", "pdf_regenerate", seed=3, careful=False)
    assert forged is not None
    result = analyse(forged.data)
    assert codes(result)[LIBRARY_CODE] == "medium"
    finding = next(f for f in result.findings if f.code == LIBRARY_CODE)
    assert finding.evidence["creator"] == "Writer"
    assert "reportlab" in finding.evidence["producer"].casefold()


@pytest.mark.parametrize(
    ("creator", "flagged"),
    [
        ("Microsoft® Word for Microsoft 365", True),
        ("LaTeX with hyperref", True),
        ("Adobe InDesign CS2 (4.0.4)", True),
        ("invoice-service 2.3", False),
        ("Microsoft Word - reportlab export", False),
    ],
)
def test_reportlab_file_under_an_application_creator(creator, flagged):
    assert (LIBRARY_CODE in codes(reportlab_invoice(creator))) is flagged


def reportlab_invoice(creator: str, producer: str | None = None):
    """A one-line invoice drawn by reportlab under the given Creator (and Producer), analysed."""
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf, invariant=1)
    c.setCreator(creator)
    if producer:
        c.setProducer(producer)
    c.drawString(72, 720, "Invoice 2017-114: 4 800 EUR")
    c.showPage()
    c.save()
    return analyse(buf.getvalue())


@pytest.mark.parametrize(
    ("creator", "producer", "flagged"),
    [
        ("wkhtmltopdf 0.12.5", None, True),
        ("Aspose Ltd.(Jisupdf Editor)", None, True),
        ("PScript5.dll Version 5.2.2", None, True),
        ("Mozilla/5.0 (X11; Linux x86_64) HeadlessChrome/120.0.0.0 Safari/537.36", None, True),
        # jsPDF runs in a web page and may be handed the browser's user agent
        ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) Firefox/121.0", "jsPDF 2.5.1", False),
        ("Aspose export job 12", "FPDF 1.86", True),
        ("Microsoft Reporting Services 11.0.7001.0", "ReportLab PDF Library", True),
        ("order-service 4.1", None, False),
    ],
)
def test_library_file_under_a_converter_creator(creator, producer, flagged):
    result = reportlab_invoice(creator, producer)
    assert (LIBRARY_CODE in codes(result)) is flagged
    if flagged:
        finding = next(f for f in result.findings if f.code == LIBRARY_CODE)
        assert finding.evidence["creator_kind"] == "PDF converter"
        assert finding.evidence["creator"] == creator


FONT_CODE = "PDF_FONT_NEWER_THAN_DOCUMENT"
#: Word for Microsoft 365 export of 2021-11-09 embedding a Calibri subset built 2018-06-15.
WORD_365 = "pdf/pdfminer__samples_contrib_issue-449-horizontal.pdf"
#: iText file (2021-04-26, empty-password encryption) whose subsets iText stamped at writing.
ITEXT_STAMPED = "pdf/pdfminer__samples_contrib_issue-625-identity-cmap.pdf"


def set_dates(data: bytes, when: str) -> bytes:
    """Rewrite the PDF whole with both Info dates set to ``when`` (a careful back-dating)."""
    out = io.BytesIO()
    with pikepdf.open(io.BytesIO(data)) as pdf:
        pdf.docinfo["/CreationDate"] = when
        pdf.docinfo["/ModDate"] = when
        pdf.save(out)
    return out.getvalue()


def test_corpus_pdfs_are_not_older_than_their_fonts():
    checked = 0
    for path in sorted((CORPUS / "pdf").glob("*.pdf")):
        result = analyse(path.read_bytes(), path.name)
        assert FONT_CODE not in codes(result), path.name
        checked += bool(result.facts.get("font_newest_build"))
    assert checked >= 15  # Word, PowerPoint, Quartz, LibreOffice, iText, mPDF, Aspose ...


def test_word_export_backdated_before_its_calibri_build():
    original = analyse(corpus_file(WORD_365))
    assert original.facts["font_newest_build"] == "2018-06-15T14:01:51"
    assert original.facts["font_newest_build_font"].endswith("+Calibri")
    assert FONT_CODE not in codes(original)
    # Back to mid-2018: after the build, nothing to say; back to 2017: impossible.
    assert FONT_CODE not in codes(analyse(set_dates(corpus_file(WORD_365), "D:20180701090000Z")))
    result = analyse(set_dates(corpus_file(WORD_365), "D:20170310090000+01'00'"))
    finding = next(f for f in result.findings if f.code == FONT_CODE)
    assert finding.severity.value == "high"
    assert finding.evidence["font_built"].date().isoformat() == "2018-06-15"
    assert finding.evidence["gap_days"] > 400


def test_subset_stamped_at_writing_catches_a_shift_of_days():
    # iText wrote the subsets' head dates at 13:09:26 UTC, the document's own creation time.
    data = corpus_file(ITEXT_STAMPED)
    assert analyse(data).facts["font_newest_build"] == "2021-04-26T13:09:26"
    with pikepdf.open(io.BytesIO(data)) as pdf:
        assert pdf.is_encrypted  # the fonts are read through the decryption
    medium = analyse(set_dates(data, "D:20210416150926+02'00'"))  # ten days back
    assert codes(medium)[FONT_CODE] == "medium"
    high = analyse(set_dates(data, "D:20200416150926+02'00'"))
    assert codes(high)[FONT_CODE] == "high"


def _pdf_with_font_program(program: bytes, compress: bool) -> bytes:
    pdf = pikepdf.new()
    stream = pikepdf.Stream(pdf, program)
    if compress:
        import zlib

        stream.write(zlib.compress(program, 9), filter=pikepdf.Name.FlateDecode)
    descriptor = pikepdf.Dictionary(
        Type=pikepdf.Name.FontDescriptor, FontName=pikepdf.Name("/AAAAAA+Test"), FontFile2=stream
    )
    font = pikepdf.Dictionary(
        Type=pikepdf.Name.Font,
        Subtype=pikepdf.Name.TrueType,
        BaseFont=pikepdf.Name("/AAAAAA+Test"),
        FontDescriptor=descriptor,
    )
    page = pdf.add_blank_page()
    page.Resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=pdf.make_indirect(font)))
    pdf.docinfo["/CreationDate"] = "D:20170301090000Z"
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def _sfnt(head_offset: int) -> bytes:
    """A minimal sfnt: one 'head' table at ``head_offset``, built 2019-05-02 (created and
    modified), zeros in between."""
    import struct

    seconds = int((dt.datetime(2019, 5, 2, 10, 0) - dt.datetime(1904, 1, 1)).total_seconds())
    head = bytearray(54)
    struct.pack_into(">qq", head, 20, seconds, seconds)
    directory = b"\x00\x01\x00\x00" + struct.pack(">HHHH", 1, 16, 0, 0)
    directory += struct.pack(">4sLLL", b"head", 0, head_offset, len(head))
    return directory + b"\x00" * (head_offset - len(directory)) + bytes(head)


def test_font_program_dates_are_read_within_a_bounded_inflate():
    near = analyse(_pdf_with_font_program(_sfnt(64), compress=True))
    assert near.facts["font_newest_build"] == "2019-05-02T10:00:00"
    assert codes(near)[FONT_CODE] == "high"  # the file says 2017-03-01
    # The same table 64 MB into a stream that inflates from a few KB: reading stops at the
    # cap (a font stream is no decompression bomb), so no date, no finding, no hang.
    far = analyse(_pdf_with_font_program(_sfnt(64 * 1024 * 1024), compress=True))
    assert far.status == "ok" and far.facts["fonts"][0]["embedded"] is True
    assert "font_newest_build" not in far.facts
    garbage = analyse(_pdf_with_font_program(b"\x00\x01\x00\x00\x00\x40garbage", False))
    assert "font_newest_build" not in garbage.facts


#: Word-made PDF whose Info /Author and XMP dc:creator both read "Yawney, John".
AUTHORED = "pdf/pdfminer__samples_contrib_issue-449-horizontal.pdf"


def test_info_author_swapped_without_xmp_is_flagged():
    data = pikepdf_edit(corpus_file(AUTHORED), Author="Петров Иван")
    found = [f for f in analyse(data).findings if f.code == "PDF_INFO_XMP_AUTHOR_MISMATCH"]
    assert [f.severity.value for f in found] == ["medium"]
    assert found[0].evidence["dc:creator"] == "Yawney, John"


def test_info_author_swapped_with_pypdf_add_metadata_is_flagged():
    writer = pypdf.PdfWriter(clone_from=io.BytesIO(corpus_file(AUTHORED)))
    writer.add_metadata({"/Author": "Jane Miller"})
    out = io.BytesIO()
    writer.write(out)
    assert "PDF_INFO_XMP_AUTHOR_MISMATCH" in codes(analyse(out.getvalue()))


def test_author_changed_in_both_copies_or_shortened_is_not_a_mismatch():
    def both(pdf: pikepdf.Pdf) -> None:
        with pdf.open_metadata(set_pikepdf_as_editor=False) as meta:
            meta["dc:creator"] = ["Jane Miller"]
        pdf.docinfo["/Author"] = "Jane Miller"

    out = io.BytesIO()
    with pikepdf.open(io.BytesIO(corpus_file(AUTHORED))) as pdf:
        both(pdf)
        pdf.save(out)
    assert "PDF_INFO_XMP_AUTHOR_MISMATCH" not in codes(analyse(out.getvalue()))
    # A writer that keeps only the surname in one copy names the same person.
    shortened = pikepdf_edit(corpus_file(AUTHORED), Author="Yawney")
    assert "PDF_INFO_XMP_AUTHOR_MISMATCH" not in codes(analyse(shortened))


@pytest.mark.parametrize(
    "name",
    [
        AUTHORED,
        "pdf/pdfminer__samples_nonfree_dmca.pdf",
        "pdf/pdfminer__samples_nonfree_f1040nr.pdf",
        "pdf/pdfminer__samples_simple4.pdf",
    ],
)
def test_corpus_pdfs_with_both_author_copies_agree(name: str):
    assert "PDF_INFO_XMP_AUTHOR_MISMATCH" not in codes(analyse(corpus_file(name)))


def test_page_stamped_with_pypdf_under_word_producer_is_a_writer_mismatch():
    from reportlab.pdfgen import canvas

    writer = pypdf.PdfWriter(clone_from=io.BytesIO(corpus_file(AUTHORED)))
    page = writer.pages[0]
    stamp = io.BytesIO()
    pdf = canvas.Canvas(stamp, pagesize=(float(page.mediabox.width), float(page.mediabox.height)))
    pdf.drawString(72, 72, "Total: 148 500 EUR")
    pdf.save()
    page.merge_page(pypdf.PdfReader(stamp).pages[0])
    out = io.BytesIO()
    writer.write(out)
    result = analyse(out.getvalue())
    assert result.facts["header_writer"] == "pypdf"
    found = [f for f in result.findings if f.code == "PDF_WRITER_MISMATCH"]
    assert [f.severity.value for f in found] == ["low"]
    assert "Word" in found[0].evidence["producer"]


@pytest.mark.parametrize(
    "name",
    [
        "pdf/py-pdf__015-arabic_habibi-rotated.pdf",  # Producer pypdf
        "pdf/py-pdf__013-reportlab-overlay_reportlab-overlay.pdf",  # Producer PyPDF2
    ],
)
def test_files_pypdf_wrote_under_its_own_name_are_not_a_mismatch(name: str):
    result = analyse(corpus_file(name))
    assert result.facts["header_writer"] == "pypdf"
    assert "PDF_WRITER_MISMATCH" not in codes(result)


@pytest.mark.parametrize(
    "name",
    [LINEARIZED, AUTHORED, "pdf/pdfminer__samples_nonfree_dmca.pdf", PDFA],
)
def test_other_writers_are_not_taken_for_pypdf(name: str):
    assert analyse(corpus_file(name)).facts.get("header_writer") != "pypdf"


#: PDFs written by Office's own export (Word, PowerPoint), every font an embedded subset.
OFFICE_EXPORTS = [
    AUTHORED,
    "pdf/pdfminer__samples_contrib_issue-449-vertical.pdf",
    "pdf/pdfminer__samples_contrib_issue_566_test_2.pdf",
    "pdf/pdfminer__samples_simple4.pdf",
]


@pytest.mark.parametrize("name", OFFICE_EXPORTS)
def test_office_exports_use_their_own_fonts(name: str):
    result = analyse(corpus_file(name))
    assert "Microsoft" in (result.metadata.producer or "")
    assert "PDF_FONTS_UNLIKE_PRODUCER" not in codes(result)


def test_reportlab_regeneration_under_words_metadata_uses_foreign_fonts():
    from reportlab.pdfgen import canvas

    original = pypdf.PdfReader(io.BytesIO(corpus_file(AUTHORED)))
    out = io.BytesIO()
    pdf = canvas.Canvas(out)
    pdf.drawString(72, 720, original.pages[0].extract_text()[:80])
    info = original.metadata or {}
    pdf.setAuthor(str(info.get("/Author")))
    pdf.setCreator(str(info.get("/Creator")))
    pdf.setProducer(str(info.get("/Producer")))
    pdf.save()
    result = analyse(out.getvalue())
    assert "Word" in (result.metadata.producer or "")
    found = [f for f in result.findings if f.code == "PDF_FONTS_UNLIKE_PRODUCER"]
    assert [f.severity.value for f in found] == ["medium"]
    assert "Helvetica" in found[0].evidence["foreign_fonts"]


def test_a_learnt_high_finding_is_never_consistent():
    # A high finding the model learnt (no rule floor) and a model score that reads
    # "consistent": the document stating that finding still does not read "consistent".
    from authenticity import classifier
    from authenticity.model import Verdict
    from authenticity.pipeline import Prediction, scorecard_from

    model = classifier.resolve(None)
    assert model is not None and "TS_CREATED_AFTER_MODIFIED@high" in model.known_codes
    data = pikepdf_edit(corpus_file(PDFA), CreationDate="D:20300101000000Z")
    own = analyse(data, "edited.pdf")
    assert [f.code for f in own.findings if f.severity.value == "high"] == [
        "TS_CREATED_AFTER_MODIFIED"
    ]
    doc = Document(path="edited.pdf", sha256=own.sha256, size=len(data))
    card = scorecard_from(doc, own, list(own.findings), Prediction(model, 0.01, []))
    assert model.verdict(0.01) is Verdict.CONSISTENT
    assert card.verdict is Verdict.INCONCLUSIVE
    assert card.score > model.thresholds["inconclusive"]
    # Without the high finding the same model score stays consistent.
    plain = [f for f in own.findings if f.severity.value != "high"]
    assert scorecard_from(doc, own, plain, Prediction(model, 0.01, [])).verdict is (
        Verdict.CONSISTENT
    )


def test_annotation_update_without_moddate_stays_low():
    # OpenOffice PDF, then comments appended by an annotation tool that left the Info (no
    # ModDate at all) alone: a real appended update, but not a metadata edit.
    result = analyse(corpus_file("pdf/pdfminer__samples_contrib_issue-1082-annotations.pdf"))
    assert result.facts["appended_updates"] == 1
    assert codes(result).get("PDF_INCREMENTAL_UPDATE_UNCHANGED_MODDATE") == "low"


def test_author_swapped_in_an_update_of_an_undated_pdf_is_flagged():
    # A corpus PDF with no dates at all: the appended update that rewrites its Info adds no
    # ModDate either.
    data = corpus_file("pdf/pdfminer__samples_simple2.pdf")
    result = analyse(pypdf_update(data, {"/Author": "Иван Петров"}))
    assert result.metadata.created is None and result.metadata.modified is None
    assert codes(result).get("PDF_INCREMENTAL_UPDATE_UNCHANGED_MODDATE") == "medium"


def test_moddate_stamped_on_a_pdf_without_creation_date():
    # pdfminer's hand-written sample has no dates at all; an editing script (pikepdf here)
    # stamps only the ModDate.
    source = corpus_file("pdf/pdfminer__samples_simple1.pdf")
    assert "PDF_MODIFIED_WITHOUT_CREATION" not in codes(analyse(source))
    result = analyse(pikepdf_edit(source, ModDate="D:20240301120000Z"))
    assert codes(result).get("PDF_MODIFIED_WITHOUT_CREATION") == "low"
    finding = next(f for f in result.findings if f.code == "PDF_MODIFIED_WITHOUT_CREATION")
    assert "ModDate" in finding.evidence["info_keys"]
    assert finding.evidence["modified"] == dt.datetime(2024, 3, 1, 12, tzinfo=dt.UTC)
    # Both dates stamped: an ordinary dated file.
    both = pikepdf_edit(source, ModDate="D:20240301120000Z", CreationDate="D:20240301110000Z")
    assert "PDF_MODIFIED_WITHOUT_CREATION" not in codes(analyse(both))
    assert "PDF_MODIFIED_WITHOUT_CREATION" not in codes(analyse(corpus_file(PDFA)))


def test_qpdf_linearized_copy_is_a_publishing_step_not_a_writer_mismatch():
    # The same qpdf rewrite under another Producer: linearized, it is "Fast Web View" (info,
    # PDF_LINEARIZED_BY_REWRITER); saved plainly, it stays a writer mismatch (low).
    with pikepdf.open(io.BytesIO(corpus_file(PDFA))) as pdf:
        linear, plain = io.BytesIO(), io.BytesIO()
        pdf.save(linear, linearize=True)
        pdf.save(plain)
    found = codes(analyse(linear.getvalue()))
    assert found.get("PDF_LINEARIZED_BY_REWRITER") == "info"
    assert "PDF_WRITER_MISMATCH" not in found
    found = codes(analyse(plain.getvalue()))
    assert found.get("PDF_WRITER_MISMATCH") == "low"
    assert "PDF_LINEARIZED_BY_REWRITER" not in found
    # A file with cross-reference tables: qpdf writes one startxref for both sections.
    with pikepdf.open(io.BytesIO(corpus_file(TEX_4_PAGES))) as pdf:
        linear = io.BytesIO()
        pdf.save(linear, linearize=True)
    assert linear.getvalue().count(b"startxref") == 1
    found = codes(analyse(linear.getvalue()))
    assert found.get("PDF_LINEARIZED_BY_REWRITER") == "info"
    assert "PDF_WRITER_MISMATCH" not in found


def test_qpdf_encrypted_copy_is_a_protection_step_not_a_writer_mismatch():
    # Encrypting rewrites every string and stream: qpdf's layout under the first writer's
    # name is then the encryption's, not an edit's (PDF_ENCRYPTED_BY_REWRITER, info).
    with pikepdf.open(io.BytesIO(corpus_file(PDFA))) as pdf:
        locked = io.BytesIO()
        pdf.save(locked, encryption=pikepdf.Encryption(owner="owner", user="", R=6))
    found = codes(analyse(locked.getvalue()))
    assert found.get("PDF_ENCRYPTED_BY_REWRITER") == "info"
    assert "PDF_WRITER_MISMATCH" not in found
    # The classifier does not read it (as the linearization note).
    from authenticity.features import UNREAD

    assert "PDF_ENCRYPTED_BY_REWRITER" in UNREAD


def test_producer_that_records_a_modification_by_itext_is_shown_not_scored():
    # iText's PdfStamper appends "; modified using iText ..." to the first writer's Producer.
    data = Path(__file__).parent / "data"
    stamped = analyse((data / "tcpdf-6.6-invoice-itext-5.5-stamped.pdf").read_bytes())
    (finding,) = [f for f in stamped.findings if f.code == "PDF_PRODUCER_NAMES_MODIFIER"]
    assert finding.severity.value == "info"
    assert finding.evidence["original_producer"] == "TCPDF 6.6.2 (http://www.tcpdf.org)"
    assert finding.evidence["modifier"].startswith("iText® 5.5.13")
    original = analyse((data / "tcpdf-6.6-invoice.pdf").read_bytes())
    assert "PDF_PRODUCER_NAMES_MODIFIER" not in codes(original)
    # The classifier does not read it: no training document carries it.
    from authenticity.features import to_features

    doc = Document(path="a.pdf", sha256=stamped.sha256, size=stamped.size)
    features = to_features(doc, stamped, stamped.findings)
    assert not any("PDF_PRODUCER_NAMES_MODIFIER" in k for k in features)
    assert features["max_severity"] == 0.0


#: Corpus PDFs whose producer embeds every font it draws with (LibreOffice, OpenOffice,
#: Quartz, Skia, WeasyPrint, cairo).
EMBEDDING_PRODUCERS = [
    "pdf/pdfminer__samples_encryption_base.pdf",  # LibreOffice 4.1
    "pdf/pdfminer__samples_contrib_issue-1082-annotations.pdf",  # OpenOffice.org 2.1
    "pdf/pdfminer__samples_font-size-test.pdf",  # macOS Quartz PDFContext, 3 pages
    "pdf/pdfminer__samples_nonfree_nlp2004slides.pdf",  # Quartz, 31 pages
    "pdf/py-pdf__011-google-doc-document_google-doc-document.pdf",  # Skia/PDF
    "pdf/py-pdf__015-arabic_habibi.pdf",  # WeasyPrint
    "pdf/pdfminer__samples_scancode_patchelf.pdf",  # cairo
    "pdf/py-pdf__012-libreoffice-form_libreoffice-form.pdf",  # LibreOffice 6.4
]


def stamped(data: bytes, text: str = "Montant total : 148 500 EUR", page: int = 0) -> bytes:
    """A line drawn by ReportLab merged onto one page with pypdf, the metadata kept."""
    from reportlab.pdfgen import canvas

    writer = pypdf.PdfWriter(clone_from=io.BytesIO(data))
    target = writer.pages[page]
    stamp = io.BytesIO()
    c = canvas.Canvas(stamp, pagesize=(float(target.mediabox.width), float(target.mediabox.height)))
    c.drawString(72, 72, text)
    c.save()
    target.merge_page(pypdf.PdfReader(io.BytesIO(stamp.getvalue())).pages[0])
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.mark.parametrize("name", EMBEDDING_PRODUCERS)
def test_producers_that_embed_every_font_draw_with_no_standard_font(name: str):
    result = analyse(corpus_file(name))
    assert result.facts["standard_font_pages"] == []
    assert "PDF_FONTS_UNLIKE_PRODUCER" not in codes(result)
    assert "PDF_STANDARD_FONT_AMONG_EMBEDDED" not in codes(result)


@pytest.mark.parametrize(
    "name",
    [
        "pdf/pdfminer__samples_encryption_base.pdf",
        "pdf/pdfminer__samples_font-size-test.pdf",
        "pdf/py-pdf__015-arabic_habibi.pdf",
    ],
)
def test_a_stamp_on_a_page_of_a_producer_that_embeds_every_font(name: str):
    result = analyse(stamped(corpus_file(name)))
    assert result.metadata.producer == analyse(corpus_file(name)).metadata.producer
    found = [f for f in result.findings if f.code == "PDF_FONTS_UNLIKE_PRODUCER"]
    assert [f.severity.value for f in found] == ["medium"]
    assert found[0].evidence["standard_fonts"] == ["Helvetica"]
    assert result.facts["standard_font_pages"] == [1]


def test_a_stamp_on_one_page_of_a_tex_paper_next_to_its_embedded_fonts():
    name = "pdf/pdfminer__samples_contrib_pagelabels.pdf"  # pdfTeX, 5 pages, fonts embedded
    assert "PDF_STANDARD_FONT_AMONG_EMBEDDED" not in codes(analyse(corpus_file(name)))
    result = analyse(stamped(corpus_file(name), page=2))
    found = [f for f in result.findings if f.code == "PDF_STANDARD_FONT_AMONG_EMBEDDED"]
    assert [f.severity.value for f in found] == ["low"]
    assert found[0].evidence["pages"] == [3]
    assert found[0].evidence["pages_walked"] == 5
    assert found[0].evidence["embedded_fonts"] >= 1
    assert "page(s) 3 of 5" in found[0].message


@pytest.mark.parametrize(
    "name",
    [
        "pdf/py-pdf__013-reportlab-overlay_reportlab-overlay.pdf",  # PyPDF2 merged a stamp
        "pdf/pdfminer__samples_contrib_issue-625-identity-cmap.pdf",  # iText form, Helvetica
        "pdf/py-pdf__008-reportlab-inline-image_inline-image.pdf",  # ReportLab's own page
    ],
)
def test_writers_that_use_standard_fonts_by_design_are_not_flagged(name: str):
    result = analyse(corpus_file(name))
    assert result.facts["standard_font_pages"]  # the standard font is there
    assert "PDF_STANDARD_FONT_AMONG_EMBEDDED" not in codes(result)
    assert "PDF_FONTS_UNLIKE_PRODUCER" not in codes(result)


@pytest.mark.parametrize(
    "name",
    [
        "pdf/pdfminer__samples_contrib_issue-449-vertical.pdf",  # Word for Microsoft 365
        "pdf/py-pdf__002-trivial-libre-office-writer_002-trivial-libre-office-writer.pdf",
        "pdf/py-pdf__004-pdflatex-4-pages_pdflatex-4-pages.pdf",  # TeX
    ],
)
def test_a_desktop_document_rewritten_by_pypdf(name: str) -> None:
    """A new pypdf writer names pypdf as the Producer; the pages and the document's other
    metadata copied over from the original keep the desktop application's Creator."""
    data = corpus_file(name)
    assert "PDF_REWRITTEN_BY_LIBRARY" not in codes(analyse(data))
    reader = pypdf.PdfReader(io.BytesIO(data))
    writer = pypdf.PdfWriter()
    writer.append(reader)
    writer.add_metadata({k: v for k, v in (reader.metadata or {}).items() if k != "/Producer"})
    out = io.BytesIO()
    writer.write(out)
    found = analyse(out.getvalue())
    assert str(found.metadata.producer).startswith("pypdf")
    assert codes(found).get("PDF_REWRITTEN_BY_LIBRARY") == "low"


def test_a_library_made_pdf_rewritten_by_pikepdf_is_not_this_finding() -> None:
    """A reportlab file re-saved by pikepdf with its Producer named pikepdf: a library's
    file written by another library says nothing about a desktop document."""
    data = corpus_file("pdf/py-pdf__008-reportlab-inline-image_inline-image.pdf")
    found = analyse(pikepdf_edit(data, Producer="pikepdf 8.0"))
    assert "PDF_REWRITTEN_BY_LIBRARY" not in codes(found)


def _text_box(data: bytes, **attrs: str) -> bytes:
    """A FreeText box added to page 1 in an incremental update, as a pypdf script does
    (``attrs``: extra keys a viewer would write, e.g. T and M)."""
    from pypdf.annotations import FreeText
    from pypdf.generic import NameObject, TextStringObject

    writer = pypdf.PdfWriter(io.BytesIO(data), incremental=True)
    annot = FreeText(text="PAYÉ - 25 000 EUR", rect=(60, 60, 280, 84))
    for key, value in attrs.items():
        annot[NameObject(f"/{key}")] = TextStringObject(value)
    writer.add_annotation(page_number=0, annotation=annot)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_a_bare_text_box_laid_over_a_finished_pdf() -> None:
    """pypdf's text box carries no date and no author: added in an update to a Word
    export, it is pointed out; dated and signed as a viewer does, it is not; and a
    library's own bare annotation in a file never updated (FPDF2) is not either."""
    word = corpus_file("pdf/pdfminer__samples_contrib_issue-449-vertical.pdf")
    assert "PDF_ANNOTATION_ADDED_UNATTRIBUTED" not in codes(analyse(word))
    bare = analyse(_text_box(word))
    assert bare.facts["annotations_text_unattributed"] == 1
    assert codes(bare)["PDF_ANNOTATION_ADDED_UNATTRIBUTED"] == "medium"
    signed = analyse(_text_box(word, T="Marie Lefebvre", M="D:20240311101500+01'00'"))
    assert signed.facts["annotations_text"] == 1
    assert signed.facts["annotations_text_unattributed"] == 0
    assert "PDF_ANNOTATION_ADDED_UNATTRIBUTED" not in codes(signed)
    fpdf = analyse(corpus_file("pdf/py-pdf__024-annotations_annotated_pdf.pdf"))
    assert fpdf.facts["annotations_text_unattributed"] == 1
    assert "PDF_ANNOTATION_ADDED_UNATTRIBUTED" not in codes(fpdf)


def _id_pair(data: bytes) -> list[str]:
    with pikepdf.open(io.BytesIO(data)) as pdf:
        return [bytes(v).hex() for v in pdf.trailer.ID]


def test_update_appended_by_pypdf_keeps_the_file_id():
    # pdfTeX writes both /ID strings alike; pypdf's incremental writer appends the changed
    # Info with the trailer's /ID repeated, where a PDF editor renews the second string.
    source = corpus_file("pdf/py-pdf__001-trivial_minimal-document.pdf")
    result = analyse(pypdf_update(source, {"/Author": "Someone Else"}))
    assert result.facts["appended_updates"] == 1
    assert result.facts["appended_updates_keeping_id"] == 1
    assert result.facts["file_id"] == _id_pair(source)
    assert codes(result).get("PDF_UPDATE_KEEPS_FILE_ID") == "low"
    assert "PDF_UPDATE_KEEPS_FILE_ID" not in codes(analyse(source))


def test_update_appended_by_exiftool_renews_the_file_id(tmp_path):
    require_exiftool()
    import subprocess

    path = tmp_path / "a.pdf"
    path.write_bytes(corpus_file("pdf/py-pdf__001-trivial_minimal-document.pdf"))
    subprocess.run(
        ["exiftool", "-q", "-overwrite_original", "-Author=Someone Else", str(path)], check=True
    )
    result = analyse(path.read_bytes())
    assert result.facts["appended_updates"] == 1
    assert result.facts["appended_updates_keeping_id"] == 0
    assert result.facts["file_id"][0] != result.facts["file_id"][1]
    assert "PDF_UPDATE_KEEPS_FILE_ID" not in codes(result)


def test_moddate_edited_in_place_contradicts_the_file_id():
    # A date typed over in a text editor (same length, so every offset stays valid): the
    # /ID strings still say "written once", the ModDate now says "modified months later".
    source = corpus_file("pdf/py-pdf__001-trivial_minimal-document.pdf")
    first = analyse(source)
    assert first.metadata.created == first.metadata.modified
    assert "PDF_MODIFIED_UNDER_CREATION_ID" not in codes(first)
    stamp = source[source.index(b"/ModDate") :].split(b"(D:", 1)[1][:4]
    assert stamp == b"2022"
    at = source.index(b"/ModDate")
    at = source.index(b"(D:2022", at) + 3
    edited = source[:at] + b"2023" + source[at + 4 :]
    result = analyse(edited)
    assert result.metadata.modified.year == 2023
    finding = next(f for f in result.findings if f.code == "PDF_MODIFIED_UNDER_CREATION_ID")
    assert finding.severity.value == "medium"
    assert finding.evidence["file_id"] == _id_pair(source)[0]
    # A full rewrite by qpdf renews the second string: the same date is then no contradiction
    # of the identifier (the rewrite is told by other checks).
    rewritten = pikepdf_edit(source, ModDate="D:20230403180542Z")
    assert "PDF_MODIFIED_UNDER_CREATION_ID" not in codes(analyse(rewritten))


def test_corpus_pdfs_with_file_id_findings_were_modified_after_creation():
    # Corpus PDFs whose /ID says "written once" or whose updates kept it: each one's own
    # metadata shows a later change (dates days apart, or an appended update).
    flagged = {}
    for path in sorted((CORPUS / "pdf").glob("*.pdf")):
        result = analyse(path.read_bytes(), path.name)
        found = {"PDF_MODIFIED_UNDER_CREATION_ID", "PDF_UPDATE_KEEPS_FILE_ID"} & set(codes(result))
        if found:
            flagged[path.name] = (found, result)
    assert len(flagged) <= 3, sorted(flagged)
    for found, result in flagged.values():
        if "PDF_UPDATE_KEEPS_FILE_ID" in found:
            assert result.facts["appended_updates"] >= 1
        if "PDF_MODIFIED_UNDER_CREATION_ID" in found:
            span = result.metadata.modified - result.metadata.created
            assert span > dt.timedelta(days=1)


def test_page_overlaid_by_pypdf_is_left_uncompressed():
    # pdfTeX compresses every page's content; pypdf's merge_page writes the merged content
    # of the page it touches plain, the other pages keep their compressed streams.
    from reportlab.pdfgen import canvas

    source = corpus_file("pdf/py-pdf__004-pdflatex-4-pages_pdflatex-4-pages.pdf")
    first = analyse(source)
    assert first.facts["content_streams_plain"] == 0
    assert first.facts["content_streams_compressed"] == 4
    assert "PDF_CONTENT_LEFT_UNCOMPRESSED" not in codes(first)
    stamp = io.BytesIO()
    drawing = canvas.Canvas(stamp, pagesize=(612, 792))
    drawing.drawString(100, 700, "Montant : 12 400 EUR")
    drawing.save()
    writer = pypdf.PdfWriter(clone_from=io.BytesIO(source))
    writer.pages[2].merge_page(pypdf.PdfReader(io.BytesIO(stamp.getvalue())).pages[0])
    out = io.BytesIO()
    writer.write(out)
    result = analyse(out.getvalue())
    assert result.facts["content_plain_pages"] == [3]
    finding = next(f for f in result.findings if f.code == "PDF_CONTENT_LEFT_UNCOMPRESSED")
    assert finding.severity.value == "low"
    assert finding.evidence["compressed_content_streams"] == 3
    # compressed again (pypdf's compress_content_streams), the page is like the others
    for page in writer.pages:
        page.compress_content_streams()
    again = io.BytesIO()
    writer.write(again)
    assert "PDF_CONTENT_LEFT_UNCOMPRESSED" not in codes(analyse(again.getvalue()))


def test_plain_content_with_plain_fonts_is_one_writer_s_choice():
    # A writer that compresses nothing (pdfminer's hand-written sample, and Ghostscript's
    # output with compression off) is consistent: nothing to flag.
    for name in ("pdf/pdfminer__samples_simple1.pdf", "pdf/pdfminer__samples_jo.pdf"):
        result = analyse(corpus_file(name))
        assert "PDF_CONTENT_LEFT_UNCOMPRESSED" not in codes(result), name


@pytest.mark.parametrize(
    "replacement",
    [b"/ID [1 2 3]", b"/ID 99 0 R", b"/ID [(a)]", b"/ID [<00> 7]", b"/ID <00>"],
)
def test_malformed_file_identifier_is_ignored(replacement):
    # A damaged or hostile /ID (wrong count, numbers, a dangling reference): no file_id, no
    # identifier finding, and the rest of the file is read as before.
    import re

    source = corpus_file("pdf/py-pdf__001-trivial_minimal-document.pdf")
    damaged = re.sub(rb"/ID\s*\[[^\]]*\]", replacement, source, count=1)
    assert damaged != source
    result = analyse(damaged)
    assert result.error is None
    assert "file_id" not in result.facts
    assert not {"PDF_MODIFIED_UNDER_CREATION_ID", "PDF_UPDATE_KEEPS_FILE_ID"} & set(codes(result))
    assert result.metadata.producer == analyse(source).metadata.producer


def _commented(signed: bool, updates: int = 2) -> bytes:
    """A finished reportlab PDF (dated 2000-01-01, ModDate = CreationDate) given a comment in
    each of ``updates`` appended updates by pypdf, signed and dated as a viewer writes them
    (``signed``) or bare as a script adds them."""
    from pypdf.annotations import Text
    from pypdf.generic import NameObject, TextStringObject
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf, invariant=1)
    c.drawString(72, 720, "Total due: 1200 EUR")
    c.save()
    data = buf.getvalue()
    for i in range(updates):
        writer = pypdf.PdfWriter(io.BytesIO(data), incremental=True)
        note = Text(text=f"Checked {i}", rect=(50, 50 + 40 * i, 80, 80 + 40 * i))
        if signed:
            note[NameObject("/T")] = TextStringObject("Claire Martin")
            note[NameObject("/M")] = TextStringObject(f"D:2000031{i}093000+01'00'")
        writer.add_annotation(page_number=0, annotation=note)
        out = io.BytesIO()
        writer.write(out)
        # pypdf's update names no /Info in its trailer (here its xref stream's dictionary,
        # the file's last object: no offset moves) when Info did not change; a viewer's
        # names the unchanged one
        info = re.search(rb"/Info (\d+ \d+ R)", data).group(1)
        head, tail = out.getvalue()[: len(data)], out.getvalue()[len(data) :]
        data = head + tail.replace(b"/Type /XRef\n", b"/Type /XRef\n/Info " + info + b"\n", 1)
    return data


def test_updates_that_only_add_signed_dated_comments_are_low():
    # A reviewer's comments, added by a viewer that leaves ModDate alone: the comments date
    # the updates themselves.
    result = analyse(_commented(signed=True))
    (finding,) = [
        f for f in result.findings if f.code == "PDF_INCREMENTAL_UPDATE_UNCHANGED_MODDATE"
    ]
    assert finding.severity.value == "low"
    assert finding.evidence["annotation_latest_date"].isoformat().startswith("2000-03-11")
    assert "comments" in finding.message
    # Bare comments (no author, no date) as a script adds them stay medium.
    found = codes(analyse(_commented(signed=False)))
    assert found.get("PDF_INCREMENTAL_UPDATE_UNCHANGED_MODDATE") == "medium"

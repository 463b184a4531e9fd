"""PDF extractor against real files: the shared corpus and PDFs written by real libraries."""

from __future__ import annotations

import datetime as dt
import io
import json
import time
from pathlib import Path

import pikepdf
import pytest
from reportlab.pdfgen import canvas

from authenticity.errors import EncryptedDocument, ExtractionError
from authenticity.extract import extractor_for
from authenticity.extract.lang import language_facts
from authenticity.extract.pdf import decode_pdf_string, extract_pdf
from authenticity.model import Extraction, jsonable

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "pdf"
CORPUS_FILES = sorted(CORPUS.glob("*.pdf")) if CORPUS.is_dir() else []
needs_corpus = pytest.mark.skipif(not CORPUS_FILES, reason="shared corpus not available")


def tz(hours: int, minutes: int = 0) -> dt.timezone:
    return dt.timezone(dt.timedelta(hours=hours, minutes=minutes))


def corpus(name: str) -> bytes:
    return (CORPUS / name).read_bytes()


def test_registered_for_pdf_mime_and_extension() -> None:
    assert extractor_for("application/pdf").fn is extract_pdf
    assert extractor_for("application/octet-stream", "pdf").fn is extract_pdf


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b"plain", "plain"),
        (b"\xfe\xff\x04\x1f\x04\x40\x04\x38", "При"),
        (b"\xef\xbb\xbfna\xc3\xafve", "naïve"),
        (b"\x80\x93", "•ﬁ"),  # PDFDocEncoding: bullet, fi ligature
    ],
)
def test_decode_pdf_string(raw: bytes, expected: str) -> None:
    assert decode_pdf_string(raw) == expected


# --- corpus files, values confirmed with exiftool ------------------------------------------


@needs_corpus
def test_indesign_pdf_info_dictionary_and_owner_only_encryption() -> None:
    ex = extract_pdf(corpus("pdfminer__samples_contrib_issue-00352-asw-oct96-p41.pdf"))
    meta = ex.metadata
    assert meta.author == "Mark Lacagnina"
    assert meta.title == "Losing the Cabin"
    assert meta.subject == "Aviation Safety World October 2006"
    assert meta.application == "Adobe InDesign CS2 (4.0.4)"
    assert meta.producer == "Adobe PDF Library 7.0"
    assert meta.created == dt.datetime(2006, 10, 6, 16, 34, 4, tzinfo=tz(-4))
    assert meta.modified == dt.datetime(2007, 1, 9, 15, 9, 56, tzinfo=tz(-5))
    assert meta.page_count == 1
    assert meta.raw["info"]["CreationDate"] == "D:20061006163404-04'00'"
    assert meta.raw["info"]["Trapped"] == "False"
    # Standard V2 128-bit encryption with an empty user password: readable, but flagged.
    assert ex.facts["encrypted"] is True
    assert ex.facts["pdf_version"] == "1.6"
    assert "Accidents and Incidents Involving Cabin Depressurization" in ex.text


@needs_corpus
def test_incremental_updates_and_xmp_against_info() -> None:
    ex = extract_pdf(corpus("py-pdf__014-outlines_mistitled_outlines_example.pdf"))
    meta, facts = ex.metadata, ex.facts
    assert facts["pdf_version"] == "1.5"
    assert facts["eof_markers"] == 4  # saved again by PDF-XChange Viewer
    assert facts["xref_sections"] == 1
    assert facts["encrypted"] is False
    assert meta.created == dt.datetime(2022, 4, 6, 20, 15, 41, tzinfo=tz(2))
    assert meta.modified == dt.datetime(2022, 7, 16, 17, 23, 3, tzinfo=tz(-5))
    assert facts["xmp_created"] == dt.datetime(2022, 4, 6, 13, 15, 41, tzinfo=tz(-5))
    assert facts["xmp_created"] == meta.created  # same instant, different offset
    assert facts["xmp_modified"] == meta.modified
    assert facts["xmp_producer"] == "pdfTeX-1.40.23"
    assert facts["xmp_creator_tool"] == "LaTeX with hyperref"
    assert meta.raw["xmp"]["dc:format"] == "application/pdf"
    assert meta.raw["info"]["PXCViewerInfo"].startswith("PDF-XChange Viewer;2.5.316.0")
    # Empty Info strings do not become metadata values.
    assert meta.raw["info"]["Author"] == ""
    assert meta.author is None
    assert meta.page_count == 4


@needs_corpus
def test_xmp_only_metadata_fills_author_and_title() -> None:
    ex = extract_pdf(corpus("py-pdf__020-xmp_output_with_metadata_pymupdf.pdf"))
    meta = ex.metadata
    assert meta.raw["xmp"]["dc:creator"] == ["John Doe"]
    assert meta.raw["xmp"]["dc:source"] == "Martin Thoma"
    assert meta.raw["xmp"]["dc:date"] == "1990-04-28"
    assert meta.author == "John Doe"
    assert meta.title == "Sample PDF with XMP Metadata"
    assert meta.subject == "This is a text"
    assert meta.created == dt.datetime(2023, 4, 10, 7, 46, 54, tzinfo=dt.UTC)
    assert ex.text.strip() == "Hello, World!"


@needs_corpus
def test_utf16_info_strings_and_linearized_update() -> None:
    ex = extract_pdf(corpus("pdfminer__samples_contrib_issue_566_test_2.pdf"))
    meta = ex.metadata
    assert meta.application == "Microsoft® Word 适用于 Office 365(Jisupdf Editor)"
    assert meta.producer == "Microsoft® Word 适用于 Office 365"
    assert meta.raw["info"]["ICNAppName"] == "Jisupdf Editor"
    assert meta.raw["xmp"]["xmpMM:DocumentID"] == "uuid:CC421CAA-FCCC-4828-80FE-ABDBEE29E1AE"
    assert ex.facts["xmp_modified"] == dt.datetime(2021, 2, 26, 17, 9, 10, tzinfo=tz(8))
    assert ex.facts["eof_markers"] == 2
    assert ex.facts["xref_sections"] == 2
    assert "中国饮料有限公司" in ex.text


@needs_corpus
def test_naive_dates_stay_naive() -> None:
    meta = extract_pdf(corpus("py-pdf__007-imagemagick-images_imagemagick-images.pdf")).metadata
    assert meta.producer == "https://imagemagick.org"
    assert meta.created == dt.datetime(2022, 4, 15, 11, 38, 26)
    assert meta.created.tzinfo is None
    assert meta.page_count == 6
    assert "created" in meta.to_json()["naive_datetimes"]


@needs_corpus
@pytest.mark.parametrize(
    "name",
    [
        "pdfminer__samples_encryption_aes-128.pdf",
        "pdfminer__samples_encryption_aes-256-r6.pdf",
        "pdfminer__samples_encryption_rc4-40.pdf",
        "py-pdf__005-libreoffice-writer-password_libreoffice-writer-password.pdf",
    ],
)
def test_user_password_pdfs_raise_encrypted(name: str) -> None:
    with pytest.raises(EncryptedDocument):
        extract_pdf(corpus(name))


@needs_corpus
def test_empty_user_password_pdf_keeps_metadata() -> None:
    ex = extract_pdf(corpus("pdfminer__samples_encryption_encrypted_doc_no_id.pdf"))
    assert ex.facts["encrypted"] is True
    assert ex.metadata.producer == "European Patent Office"
    assert ex.metadata.page_count == 3


@needs_corpus
def test_corpus_every_file_extracts_or_fails_cleanly() -> None:
    outcomes: dict[str, str] = {}
    for path in CORPUS_FILES:
        try:
            ex = extract_pdf(path.read_bytes())
        except EncryptedDocument:
            outcomes[path.name] = "encrypted"
            continue
        except ExtractionError:
            outcomes[path.name] = "failed"
            continue
        assert isinstance(ex, Extraction)
        assert len(ex.text) <= 100_000
        json.dumps(ex.metadata.to_json())
        json.dumps(jsonable(ex.facts))
        outcomes[path.name] = "ok"
    ok = sum(1 for v in outcomes.values() if v == "ok")
    encrypted = sum(1 for v in outcomes.values() if v == "encrypted")
    # Files protected by a user password cannot yield an Extraction; everything else must.
    assert ok >= 0.95 * (len(outcomes) - encrypted), outcomes
    assert ok + encrypted >= 0.95 * len(outcomes), outcomes


# --- files written by real producer libraries ----------------------------------------------


def reportlab_pdf(**kwargs: str) -> bytes:
    buf = io.BytesIO()
    c = canvas.Canvas(buf, invariant=1)
    c.setAuthor(kwargs.get("author", "Jane Roe"))
    c.setTitle(kwargs.get("title", "Quarterly Report"))
    c.setSubject("Finance")
    c.setKeywords("budget, q3")
    c.setCreator("Report Builder 2.1")
    c.drawString(72, 720, "Revenue grew in the third quarter.")
    c.showPage()
    c.drawString(72, 720, "Second page.")
    c.showPage()
    c.save()
    return buf.getvalue()


def test_reportlab_pdf_round_trip() -> None:
    ex = extract_pdf(reportlab_pdf())
    meta = ex.metadata
    assert meta.author == "Jane Roe"
    assert meta.title == "Quarterly Report"
    assert meta.subject == "Finance"
    assert meta.keywords == "budget, q3"
    assert meta.application == "Report Builder 2.1"
    assert meta.producer.startswith("ReportLab PDF Library")
    assert meta.page_count == 2
    # invariant=1 makes ReportLab write its fixed date with a +00'00' offset.
    assert meta.created == dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
    assert "Revenue grew in the third quarter." in ex.text
    assert "Second page." in ex.text
    assert ex.facts["encrypted"] is False
    assert ex.facts["eof_markers"] == 1


def test_reportlab_utf16_author_is_decoded() -> None:
    meta = extract_pdf(reportlab_pdf(author="Иван Петров", title="Отчёт")).metadata
    assert meta.author == "Иван Петров"
    assert meta.title == "Отчёт"


def pikepdf_pdf(tmp_path: Path, encryption: pikepdf.Encryption | None = None) -> bytes:
    pdf = pikepdf.Pdf.open(io.BytesIO(reportlab_pdf()))
    with pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as xmp:
        xmp["xmp:CreatorTool"] = "Forger 1.0"
        xmp["xmp:CreateDate"] = "2019-05-06T07:08:09Z"
        xmp["dc:creator"] = ["Zoë Ångström", "Second Author"]
    pdf.docinfo["/Author"] = "Zoë Ångström"  # non-ASCII, PDFDocEncoding
    pdf.docinfo["/ModDate"] = "D:20240102030405+05'30'"
    out = tmp_path / "out.pdf"
    pdf.save(out, encryption=encryption or False)
    return out.read_bytes()


def test_pikepdf_xmp_and_info_differ(tmp_path: Path) -> None:
    ex = extract_pdf(pikepdf_pdf(tmp_path))
    meta, facts = ex.metadata, ex.facts
    assert meta.author == "Zoë Ångström"
    assert meta.modified == dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=tz(5, 30))
    assert meta.application == "Report Builder 2.1"  # Info /Creator wins over XMP
    assert facts["xmp_creator_tool"] == "Forger 1.0"
    assert facts["xmp_created"] == dt.datetime(2019, 5, 6, 7, 8, 9, tzinfo=dt.UTC)
    assert meta.raw["xmp"]["dc:creator"] == ["Zoë Ångström", "Second Author"]


def test_pikepdf_user_password_raises_encrypted(tmp_path: Path) -> None:
    data = pikepdf_pdf(tmp_path, pikepdf.Encryption(user="secret", owner="owner", R=4))
    with pytest.raises(EncryptedDocument):
        extract_pdf(data)


def test_pikepdf_owner_password_only_reads_metadata(tmp_path: Path) -> None:
    data = pikepdf_pdf(tmp_path, pikepdf.Encryption(user="", owner="owner", R=4))
    ex = extract_pdf(data)
    assert ex.facts["encrypted"] is True
    assert ex.metadata.author == "Zoë Ångström"
    assert "Revenue grew" in ex.text


# --- failure modes --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"this is not a pdf at all" * 50,
        b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Cat",
        b"\x89PNG\r\n\x1a\n" + b"\x00" * 100,
    ],
    ids=["empty", "text", "header-only", "png"],
)
def test_garbage_raises_extraction_error(data: bytes) -> None:
    with pytest.raises(ExtractionError):
        extract_pdf(data)


def test_truncated_reportlab_pdf_raises_extraction_error() -> None:
    data = reportlab_pdf()
    with pytest.raises(ExtractionError):
        extract_pdf(data[:300])


def test_broken_content_stream_keeps_metadata() -> None:
    # Damage the text content stream only: the Info dictionary must still come through.
    data = reportlab_pdf()
    start = data.index(b"stream\n") + len(b"stream\n")
    broken = data[:start] + b"\xff" * 40 + data[start + 40 :]
    ex = extract_pdf(broken)
    assert ex.metadata.author == "Jane Roe"
    assert isinstance(ex.text, str)


@needs_corpus
def test_xmp_packet_with_broken_xpacket_header_is_read() -> None:
    # The <?xpacket begin="..."?> BOM is truncated (invalid UTF-8); the packet itself is fine.
    ex = extract_pdf(corpus("pdfminer__samples_acroform_AcroForm_TEST.pdf"))
    assert "xmp_error" not in ex.facts
    assert ex.metadata.author == "LUCIFER"  # empty Info /Author, XMP dc:creator
    assert ex.metadata.producer == "Foxit Phantom - Foxit Software Inc."
    assert ex.metadata.title == "AcroForm Test"  # Info wins over XMP "Untitled"


# --- structure facts: fonts, revisions, object streams, actions, signatures ----------------


@needs_corpus
def test_revisions_follow_the_trailer_chain_with_each_info_moddate() -> None:
    facts = extract_pdf(corpus("pdfminer__samples_nonfree_f1040nr.pdf")).facts
    assert facts["revision_count"] == 3
    assert facts["incremental_updates"] == 2
    first, second, third = facts["revisions"]
    assert first["added_count"] == 1416 and first["changed"] == []
    assert first["info_mod_date"] == dt.datetime(2007, 12, 10, 8, 2, 2, tzinfo=tz(-5))
    assert second["added"] == [1423, 1424]
    assert second["changed"] == [10, 1079, 1081]
    assert second["has_info"] and second["info_ref"] == 1079
    assert second["info_mod_date"] == dt.datetime(2007, 12, 10, 8, 4, 7, tzinfo=tz(-5))
    assert third["changed"] == [1081] and third["info_ref"] == 1425
    assert third["info_mod_date"] == dt.datetime(2007, 12, 10, 8, 7, 11, tzinfo=tz(-5))
    assert facts["has_javascript"] is True
    assert facts["action_names"] == ["AA", "JS", "JavaScript"]
    json.dumps(jsonable(facts))


@needs_corpus
def test_fonts_from_page_resources() -> None:
    facts = extract_pdf(corpus("pdfminer__samples_nonfree_f1040nr.pdf")).facts
    assert facts["font_count"] == 10
    assert facts["fonts"][0] == {
        "name": "FranklinGothic-Demi",
        "subtype": "Type1",
        "subset": False,
        "embedded": True,
        "program_compressed": True,
    }
    subset = extract_pdf(corpus("pdfminer__samples_font-size-test.pdf")).facts["fonts"]
    light = next(f for f in subset if f["name"] == "OKXWSQ+Calibri-Light")
    assert {"subtype": "TrueType", "subset": True, "embedded": True}.items() <= light.items()
    # The embedded program's head table: Calibri Light, created 2011, this build 2017.
    assert light["font_created"].startswith("2011-04-26")
    assert light["font_modified"].startswith("2017-07-20")
    cjk = extract_pdf(corpus("pdfminer__samples_jo.pdf")).facts["fonts"]
    assert cjk == [
        {"name": "Ryumin-Light-Identity-V", "subtype": "Type0", "subset": False, "embedded": False}
    ]


@needs_corpus
def test_linearized_file_is_not_an_incremental_update() -> None:
    facts = extract_pdf(corpus("pdfminer__samples_nonfree_i1040nr.pdf")).facts
    assert facts["linearized"] is True
    assert facts["revision_count"] == 2
    assert facts["incremental_updates"] == 0
    assert facts["has_embedded_files"] is True
    assert facts["has_javascript"] is False


@needs_corpus
def test_object_streams_and_changed_objects() -> None:
    facts = extract_pdf(corpus("pdfminer__samples_simple4.pdf")).facts
    assert facts["has_object_streams"] is True and facts["object_stream_count"] == 1
    assert facts["has_xref_stream"] is True
    assert facts["revisions"][1]["changed_count"] == 13
    assert facts["linearized"] is False


@needs_corpus
def test_uri_and_open_action_flags() -> None:
    facts = extract_pdf(corpus("py-pdf__016-libre-office-link_libre-office-link.pdf")).facts
    assert facts["has_uri_action"] is True
    assert facts["has_open_action"] is True
    assert facts["has_launch_action"] is False
    assert facts["has_signature_field"] is False


@needs_corpus
def test_signed_corpus_file_has_nothing_after_its_byte_range() -> None:
    facts = extract_pdf(corpus("pdfminer__samples_nonfree_kampo.pdf")).facts
    assert facts["has_signature_field"] is True
    assert facts["signature_byte_ranges"] == [[0, 15475, 21975, 6266]]
    assert facts["signed_bytes_end"] == 28241
    assert facts["bytes_after_signature"] == 0
    assert facts["appended_after_signature"] is False


def _signed_pdf() -> bytes:
    """A pikepdf-written PDF with a (dummy) signature whose ByteRange covers the whole file."""
    pdf = pikepdf.open(io.BytesIO(reportlab_pdf()))
    big = 1_000_000_000  # ten digits, patched below with zero-padded real values
    pdf.Root.AcroForm = pikepdf.Dictionary(
        Fields=pikepdf.Array(
            [
                pdf.make_indirect(
                    pikepdf.Dictionary(
                        FT=pikepdf.Name.Sig,
                        V=pdf.make_indirect(
                            pikepdf.Dictionary(
                                Type=pikepdf.Name.Sig,
                                Filter=pikepdf.Name("/Adobe.PPKLite"),
                                ByteRange=pikepdf.Array([0, big, big, big]),
                                Contents=pikepdf.String(b"\x00" * 16),
                            )
                        ),
                    )
                )
            ]
        )
    )
    out = io.BytesIO()
    pdf.save(out, compress_streams=False)
    data = out.getvalue()
    old = b"/ByteRange [ 0 1000000000 1000000000 1000000000 ]"
    assert old in data
    new = f"/ByteRange [ 0 {100:010d} {200:010d} {len(data) - 200:010d} ]".encode()
    return data.replace(old, new)


def test_bytes_appended_after_the_signed_range_are_flagged() -> None:
    import pypdf

    signed = _signed_pdf()
    facts = extract_pdf(signed).facts
    assert facts["has_signature_field"] is True
    assert facts["signature_byte_ranges"] == [[0, 100, 200, len(signed) - 200]]
    assert facts["appended_after_signature"] is False

    writer = pypdf.PdfWriter(io.BytesIO(signed), incremental=True)
    writer.add_metadata({"/Author": "Mallory", "/ModDate": "D:20240102030405+01'00'"})
    out = io.BytesIO()
    writer.write(out)
    updated = out.getvalue()
    facts = extract_pdf(updated).facts
    assert facts["appended_after_signature"] is True
    assert facts["bytes_after_signature"] == len(updated) - len(signed)
    assert facts["incremental_updates"] == 1
    last = facts["revisions"][-1]
    assert last["has_info"] is True
    assert last["info_mod_date"] == dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=tz(1))
    assert last["changed_count"] >= 1


def test_javascript_open_action_written_by_pypdf() -> None:
    import pypdf
    from pypdf.actions import JavaScript

    writer = pypdf.PdfWriter(io.BytesIO(reportlab_pdf()))
    writer.add_open_action(JavaScript("app.alert('x');"))
    out = io.BytesIO()
    writer.write(out)
    facts = extract_pdf(out.getvalue()).facts
    assert facts["has_javascript"] is True
    assert facts["revision_count"] == 1 and facts["incremental_updates"] == 0
    assert facts["fonts"] == [
        {"name": "Helvetica", "subtype": "Type1", "subset": False, "embedded": False}
    ]


def test_object_streams_and_linearization_written_by_pikepdf() -> None:
    pdf = pikepdf.open(io.BytesIO(reportlab_pdf()))
    out = io.BytesIO()
    pdf.save(out, object_stream_mode=pikepdf.ObjectStreamMode.generate)
    facts = extract_pdf(out.getvalue()).facts
    assert facts["has_object_streams"] is True and facts["linearized"] is False
    out = io.BytesIO()
    pdf.save(out, linearize=True)
    facts = extract_pdf(out.getvalue()).facts
    assert facts["linearized"] is True and facts["incremental_updates"] == 0


def test_literal_string_escapes() -> None:
    from authenticity.extract.pdf import _unescape_literal

    assert _unescape_literal(rb"D\07220240102\05301\04700\047") == b"D:20240102+01'00'"
    assert _unescape_literal(rb"a\(b\)\\c\n") == b"a(b)\\c\n"


# --- text: the light text device (no layout analysis), bounded before the work -----------


@needs_corpus
def test_pdflatex_text_keeps_words_lines_and_language() -> None:
    # pdfTeX places words with TJ adjustments, not space characters.
    ex = extract_pdf(corpus("py-pdf__004-pdflatex-4-pages_pdflatex-4-pages.pdf"))
    assert "Hello, here is some text without a meaning." in ex.text
    assert "what a printed text\nwill look like" in ex.text
    assert ex.text.count("\f") == 4  # one form feed per page, as pdfminer's TextConverter
    language_facts(ex)
    assert ex.facts["text_language"] == "en"


@needs_corpus
def test_japanese_slides_text_and_language() -> None:
    ex = extract_pdf(corpus("pdfminer__samples_nonfree_nlp2004slides.pdf"))
    assert "コンパラブルな新聞記事からの\n固有表現の発見" in ex.text
    assert "New York University" in ex.text
    language_facts(ex)
    assert ex.facts["text_language"] == "ja"


def test_words_placed_apart_on_one_line_stay_separate_words() -> None:
    buf = io.BytesIO()
    c = canvas.Canvas(buf, invariant=1)
    c.drawString(72, 720, "Budget")
    c.drawString(140, 720, "2017")  # next column on the same baseline
    c.drawString(72, 700, "Second")
    c.drawString(72 + c.stringWidth("Second", "Helvetica", 12), 700, "Half")  # glued on
    c.setFont("Helvetica", 12)
    c.saveState()
    c.translate(300, 300)
    c.rotate(90)
    c.drawString(0, 0, "Rotated words here")
    c.restoreState()
    c.showPage()
    c.save()
    text = extract_pdf(buf.getvalue()).text
    assert text.split() == ["Budget", "2017", "SecondHalf", "Rotated", "words", "here"]
    assert text.index("\n") > text.index("2017")  # the second line starts a new line


def many_pages_pdf(pages: int, lines: int = 1) -> bytes:
    buf = io.BytesIO()
    c = canvas.Canvas(buf, invariant=1)
    for n in range(1, pages + 1):
        for i in range(lines):
            c.drawString(72, 720 - 12 * i, f"Page marker {n} line {i}")
        c.showPage()
    c.save()
    return buf.getvalue()


def test_text_stops_after_max_text_pages(monkeypatch: pytest.MonkeyPatch) -> None:
    from pdfminer.pdfinterp import PDFPageInterpreter

    processed: list[object] = []
    real = PDFPageInterpreter.process_page
    monkeypatch.setattr(
        PDFPageInterpreter,
        "process_page",
        lambda self, page: (processed.append(page), real(self, page)),
    )
    ex = extract_pdf(many_pages_pdf(15))
    assert ex.metadata.page_count == 15
    assert "Page marker 10 line 0" in ex.text
    assert "Page marker 11" not in ex.text
    assert len(processed) == 10  # pages past the bound are never interpreted


def test_text_stops_interpreting_once_max_text_chars_are_in(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from pdfminer.pdfinterp import PDFPageInterpreter

    from authenticity.extract import pdf

    processed: list[object] = []
    real = PDFPageInterpreter.process_page
    monkeypatch.setattr(
        PDFPageInterpreter,
        "process_page",
        lambda self, page: (processed.append(page), real(self, page)),
    )
    monkeypatch.setattr(pdf, "MAX_TEXT_CHARS", 500)
    ex = extract_pdf(many_pages_pdf(8, lines=20))
    assert len(ex.text) == 500
    assert ex.text.startswith("Page marker 1 line 0\nPage marker 1 line 1\n")
    assert len(processed) <= 2  # ~440 characters per page: the third page is never read
    assert "text_error" not in ex.facts


def test_broken_content_stream_keeps_text_read_before_the_error() -> None:
    data = reportlab_pdf()
    # Page 2's content stream is the second stream; break it, page 1 must still be read.
    first = data.index(b"stream\n")
    second = data.index(b"stream\n", data.index(b"endstream", first) + 9) + len(b"stream\n")
    broken = data[:second] + b"\xff" * 40 + data[second + 40 :]
    ex = extract_pdf(broken)
    assert ex.metadata.author == "Jane Roe"
    assert "Revenue grew in the third quarter." in ex.text
    assert "Second page." not in ex.text
    assert "Ascii85" in ex.facts["text_error"]


def test_one_huge_string_is_decoded_only_up_to_the_text_bound(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from pdfminer.pdffont import PDFSimpleFont

    from authenticity.extract import pdf

    buf = io.BytesIO()
    c = canvas.Canvas(buf, invariant=1)
    c.drawString(10, 700, "word " * 60_000)  # one Tj of 300,000 characters
    c.showPage()
    c.save()
    decoded: list[int] = []
    real = PDFSimpleFont.decode
    monkeypatch.setattr(
        PDFSimpleFont, "decode", lambda self, data: (decoded.append(len(data)), real(self, data))[1]
    )
    monkeypatch.setattr(pdf, "MAX_TEXT_CHARS", 500)
    ex = extract_pdf(buf.getvalue())
    assert ex.text == ("word " * 100)[:500]
    assert decoded and max(decoded) <= 4 * 500


def test_xref_stream_claiming_billions_of_entries_is_read_quickly():
    from authenticity.extract.pdf import extract_pdf
    from tests.conftest import corpus_file, within

    data = corpus_file("pdf/pdfminer__samples_acroform_AcroForm_TEST.pdf")
    assert data.count(b"/Index[0 56]") == 1
    # a damaged /Index: 5.7 trillion entries claimed in a stream that holds 56
    hostile = data.replace(b"/Index[0 56]", b"/Index[0 5699999999999]")
    with within(20):  # the xref stream's /Index must not be walked entry by entry
        started = time.monotonic()
        result = extract_pdf(hostile)
        elapsed = time.monotonic() - started
    assert elapsed < 5
    # the objects the stream really lists, as in the undamaged file
    assert result.facts["revisions"] == extract_pdf(data).facts["revisions"]


def test_tounicode_cmap_with_a_huge_range_is_left_out_of_the_text(tmp_path):
    """A damaged ToUnicode range (<00000000> <00FFFFFF>) would make pdfminer add 16.7
    million codes one by one (a fuzzed file took 15 s); the font is read without it."""
    from authenticity.extract.pdf import MAX_CMAP_CODES, cmap_codes, extract_pdf
    from tests.conftest import corpus_file

    data = corpus_file("pdf/pdfminer__samples_contrib_issue_566_test_2.pdf")
    clean = extract_pdf(data)
    assert "text_cmaps_skipped" not in clean.facts
    with pikepdf.open(io.BytesIO(data)) as pdf:
        font = pdf.pages[0].Resources.Font["/C2_1"]
        cmap = font.ToUnicode.read_bytes()
        assert 0 < cmap_codes(cmap) <= MAX_CMAP_CODES  # the real map: about 25,000 codes
        damaged = cmap.replace(b"endbfrange", b"<00000000> <00FFFFFF> <0041>\nendbfrange", 1)
        assert cmap_codes(damaged) > 16_000_000
        font.ToUnicode.write(damaged)
        out = tmp_path / "damaged.pdf"
        pdf.save(out)
    started = time.monotonic()
    result = extract_pdf(out.read_bytes())
    assert time.monotonic() - started < 5
    assert result.facts["text_cmaps_skipped"] == 1
    assert result.metadata.producer == clean.metadata.producer

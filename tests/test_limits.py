"""The scorecard's ``limits``: what the checks cannot show, on real files."""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path

from PIL import Image

from authenticity import synth
from authenticity.analyse import analyse_document
from authenticity.config import Settings
from authenticity.limits import limits
from authenticity.model import Document
from authenticity.pipeline import run_scan


def _codes(data: bytes, name: str) -> list[str]:
    doc = Document(name, hashlib.sha256(data).hexdigest(), len(data), data=data)
    a = analyse_document(doc, Settings(workers=0))
    return [x["code"] for x in limits(a.mime, a.metadata, a.facts, a.status)]


def test_camera_photo_and_bare_picture(corpus: Path) -> None:
    photo = (corpus / "image" / "drewnoakes__jpg_Canon_EOS_7D.jpg").read_bytes()
    assert _codes(photo, "a.jpg") == ["LIMIT_IMAGE_DATES_IN_PLACE", "LIMIT_IMAGE_PIXELS"]
    buf = io.BytesIO()
    Image.new("RGB", (32, 24), (200, 10, 10)).save(buf, "PNG")
    assert _codes(buf.getvalue(), "b.png") == ["LIMIT_IMAGE_NO_METADATA"]


def test_pdf_without_properties_and_with_an_appended_revision(corpus: Path) -> None:
    bare = (corpus / "pdf" / "pdfminer__samples_simple1.pdf").read_bytes()
    assert _codes(bare, "a.pdf") == ["LIMIT_PDF_NO_PROPERTIES", "LIMIT_PDF_SAVED_WHOLE"]
    name = "py-pdf__020-xmp_output_with_metadata_pymupdf.pdf"
    src = (corpus / "pdf" / name).read_bytes()
    assert _codes(src, name) == ["LIMIT_PDF_SAVED_WHOLE"]
    edited = synth.forge(src, name, "pdf_incremental_edit", seed=0, careful=False)
    assert edited is not None
    assert _codes(edited.data, name) == []  # its earlier revision is there to compare


def test_a_long_pdf_states_that_only_its_first_pages_are_read_as_text() -> None:
    from reportlab.pdfgen import canvas

    from authenticity.extract.pdf import MAX_TEXT_PAGES
    from authenticity.limits import PDF_TEXT_PAGES

    assert PDF_TEXT_PAGES == MAX_TEXT_PAGES

    def pdf(pages: int) -> bytes:
        buf = io.BytesIO()
        c = canvas.Canvas(buf)
        c.setAuthor("Alice Martin")
        for n in range(pages):
            c.drawString(72, 720, f"Page {n + 1}: Montant 1 250,00 EUR")
            c.showPage()
        c.save()
        return buf.getvalue()

    assert "LIMIT_PDF_TEXT_PAGES" not in _codes(pdf(PDF_TEXT_PAGES), "short.pdf")
    assert "LIMIT_PDF_TEXT_PAGES" in _codes(pdf(PDF_TEXT_PAGES + 2), "long.pdf")


def test_office_email_and_unreadable_files(corpus: Path) -> None:
    docx = (corpus / "ooxml" / "apache__test-data_document_55733.docx").read_bytes()
    assert _codes(docx, "a.docx") == ["LIMIT_OFFICE_SAME_APPLICATION"]
    mail = (corpus / "email" / "SpamScope__tests_mails_mail_test_16").read_bytes()
    assert _codes(mail, "m.eml") == ["LIMIT_EMAIL_UNSIGNED"]
    assert _codes(b"%PDF-1.4\n\x00\x01 broken", "x.pdf") == []  # unreadable: its error says why


def test_scan_writes_limits_and_the_page_shows_them_escaped(tmp_path: Path) -> None:
    dump = tmp_path / "dump"
    dump.mkdir()
    buf = io.BytesIO()
    Image.new("RGB", (16, 16)).save(buf, "JPEG")
    (dump / "pic.jpg").write_bytes(buf.getvalue())
    run_scan(str(dump), tmp_path / "out", Settings(workers=0))
    (card,) = [json.loads(x) for x in (tmp_path / "out" / "scorecards.jsonl").open()]
    assert [x["code"] for x in card["limits"]] == ["LIMIT_IMAGE_NO_METADATA", "LIMIT_IMAGE_PIXELS"]
    (page,) = (tmp_path / "out" / "docs").glob("*.html")
    html = page.read_text()
    assert "What these checks cannot show" in html
    assert "copy-move or double-compression analysis" in html
    assert "ExifTool&#39;s" not in html  # that limit is for photos with dates only

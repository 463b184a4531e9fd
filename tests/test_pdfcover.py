"""White-out edits: text hidden under a white box with new text written on it
(authenticity/extract/pdfcover.py, PDF_TEXT_COVERED); PDFs made and edited with reportlab,
pypdf and pikepdf, and the corpus's PDFs."""

from __future__ import annotations

import hashlib
import io
import random
from pathlib import Path

import pikepdf
import pypdf
import pytest
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from authenticity.analyse import analyse_document
from authenticity.config import Settings
from authenticity.extract import pdfcover
from authenticity.extract.pdf import extract_pdf
from authenticity.model import Analysis, Document
from authenticity.synth.pdf import _cover_drawing, _whiteout

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
LINES = [
    (72, 760, "Relevé de compte - mars 2017"),
    (72, 700, "Virement reçu : SCI Les Tilleuls"),
    (72, 680, "Montant : 10 000,00 EUR"),
    (72, 660, "Référence : 2017-0412"),
]


def statement(cells: bool = False) -> bytes:
    """A one-page statement; ``cells``: white table cells painted under the text first,
    and a white box that only touches a label's baseline (authentic layouts)."""
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    c.setFont("Helvetica", 11)
    if cells:
        c.setFillColorRGB(1, 1, 1)
        for _, y, _ in LINES:
            c.rect(68, y - 4, 300, 16, stroke=0, fill=1)
    c.setFillColorRGB(0, 0, 0)
    for x, y, text in LINES:
        c.drawString(x, y, text)
    if cells:
        # A label, then a white box whose top edge grazes the label's letters (its probe
        # point 0.5 pt inside the box), then text on the box.
        c.drawString(72, 645.8, "Solde : 25 000,00 EUR")
        c.setFillColorRGB(1, 1, 1)
        c.rect(72, 630, 200, 20, stroke=0, fill=1)
        c.setFillColorRGB(0, 0, 0)
        c.drawString(80, 636, "Agence Lyon Part-Dieu")
    c.showPage()
    c.save()
    return buf.getvalue()


def cover() -> bytes:
    """A page with only a white box over the amount's line and the new amount written on
    it: the training generator's own white-out drawing (reportlab)."""
    return _cover_drawing(A4, 72, 680, "Montant : 12 500,00 EUR")


def pypdf_whiteout(data: bytes) -> bytes:
    """The box and new amount merged into the page's content by pypdf, saved as an
    incremental update."""
    writer = pypdf.PdfWriter(io.BytesIO(data), incremental=True)
    overlay = pypdf.PdfReader(io.BytesIO(cover()))
    writer.pages[0].merge_page(overlay.pages[0])
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def pikepdf_whiteout(data: bytes) -> bytes:
    """The same edit stamped with pikepdf's ``add_overlay`` (the cover becomes a form
    XObject drawn at the end of the page), the file rewritten whole."""
    out = io.BytesIO()
    with (
        pikepdf.open(io.BytesIO(data)) as pdf,
        pikepdf.open(io.BytesIO(cover())) as stamp,
    ):
        pdf.pages[0].add_overlay(stamp.pages[0])
        pdf.save(out)
    return out.getvalue()


def analyse(data: bytes) -> Analysis:
    doc = Document(path="a.pdf", sha256=hashlib.sha256(data).hexdigest(), size=len(data), data=data)
    return analyse_document(doc, Settings(workers=0))


@pytest.mark.parametrize("edit", [pypdf_whiteout, pikepdf_whiteout])
def test_a_white_out_over_a_figure_is_found_with_the_hidden_text(edit) -> None:
    original = statement()
    assert "text_covered" not in extract_pdf(original).facts
    forged = edit(original)
    boxes = extract_pdf(forged).facts["text_covered"]
    assert len(boxes) == 1
    assert boxes[0]["page"] == 1
    assert boxes[0]["covered"] == "Montant : 10 000,00 EUR"
    assert boxes[0]["written"] == "Montant : 12 500,00 EUR"
    findings = {f.code: f for f in analyse(forged).findings}
    assert findings["PDF_TEXT_COVERED"].severity.value == "medium"
    assert "10 000,00" in findings["PDF_TEXT_COVERED"].message
    assert "PDF_TEXT_COVERED" not in {f.code for f in analyse(original).findings}


def test_white_backgrounds_and_boxes_touching_text_are_not_white_outs() -> None:
    """Table cells painted before their text, and a box whose edge meets a label's
    baseline, hide nothing."""
    data = statement(cells=True)
    assert "text_covered" not in extract_pdf(data).facts
    assert "PDF_TEXT_COVERED" not in {f.code for f in analyse(data).findings}


def test_a_box_over_text_without_new_text_on_it_is_not_reported() -> None:
    """A white box that only hides text (a blank redaction) is not this edit."""
    writer = pypdf.PdfWriter(io.BytesIO(statement()), incremental=True)
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    c.setFillColorRGB(1, 1, 1)
    c.rect(70, 676, 160, 16, stroke=0, fill=1)
    c.showPage()
    c.save()
    writer.pages[0].merge_page(pypdf.PdfReader(io.BytesIO(buf.getvalue())).pages[0])
    out = io.BytesIO()
    writer.write(out)
    assert "text_covered" not in extract_pdf(out.getvalue()).facts


@pytest.mark.skipif(not (CORPUS / "pdf").is_dir(), reason="shared corpus not available")
def test_no_corpus_pdf_hides_text_under_a_white_box() -> None:
    flagged = []
    for path in sorted((CORPUS / "pdf").glob("*.pdf")):
        try:
            facts = extract_pdf(path.read_bytes()).facts
        except Exception:  # encrypted or unreadable samples: not this check's concern
            continue
        if facts.get("text_covered"):
            flagged.append(path.name)
    assert flagged == []


def test_rectangle_and_white() -> None:
    square = [("m", 0.0, 0.0), ("l", 10.0, 0.0), ("l", 10.0, 5.0), ("l", 0.0, 5.0), ("h",)]
    assert pdfcover.rectangle(square) == (0.0, 0.0, 10.0, 5.0)
    skewed = [("m", 0.0, 0.0), ("l", 10.0, 1.0), ("l", 10.0, 5.0), ("l", 0.0, 5.0), ("h",)]
    assert pdfcover.rectangle(skewed) is None
    assert pdfcover.rectangle([("re", 10.0, 5.0, -10.0, 5.0)]) == (0.0, 5.0, 10.0, 10.0)
    curve = [("m", 0.0, 0.0), ("c", 1, 1, 2, 2, 3, 3), ("h",)]
    assert pdfcover.rectangle(curve) is None
    assert (
        pdfcover.is_white(1.0) and pdfcover.is_white((1, 1, 1)) and pdfcover.is_white((0, 0, 0, 0))
    )
    assert not pdfcover.is_white(0.5) and not pdfcover.is_white((1, 1, 0.5))
    assert not pdfcover.is_white((0, 0, 0, 1)) and not pdfcover.is_white(None)


def test_the_generators_white_out_covers_a_figure() -> None:
    """The training generator's white-out (synth.pdf) lays its box over a string with a
    figure, as a forger replacing an amount does, and the check finds what it hid."""
    for seed in range(5):
        writer = pypdf.PdfWriter(io.BytesIO(statement()), incremental=True)
        typed = _whiteout(writer.pages[0], random.Random(seed))
        assert typed is not None
        out = io.BytesIO()
        writer.write(out)
        boxes = extract_pdf(out.getvalue()).facts["text_covered"]
        assert boxes[0]["written"] == typed
        assert any(ch.isdigit() for ch in boxes[0]["covered"])


def test_a_page_built_to_be_quadratic_stays_bounded() -> None:
    """Thousands of strings under hundreds of overlapping boxes: the comparison stops at
    its budget; points at infinity (a hostile matrix) are ignored."""
    import time

    page = pdfcover.PageDrawing(1, 600.0 * 800.0)
    page.add_run((float("inf"), 0.0), (1.0, 1.0), (0.0, 3.0), (0, 1))
    assert page.runs == []
    for k in range(pdfcover.MAX_RUNS + 10):
        x, y = 20 + (k % 100) * 5.0, 20 + (k // 100) * 12.0
        page.add_run((x, y), (x + 4, y), (0.0, 3.0), (k, k + 1))
        if k % 10 == 0:
            page.add_box(10.0, 10.0 + k * 0.1, 500.0, 70.0 + k * 0.1)
    assert len(page.runs) == pdfcover.MAX_RUNS
    assert len(page.boxes) <= pdfcover.MAX_BOXES
    started = time.perf_counter()
    found = pdfcover.covered(page, lambda span: f"figure {span[0]}")
    assert time.perf_counter() - started < 2.0
    assert 0 < len(found) <= pdfcover.MAX_FOUND

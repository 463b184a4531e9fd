"""TS_BEFORE_SOFTWARE_RELEASE on real files and on copies with backdated metadata."""

from __future__ import annotations

import hashlib
import io
import zipfile

import pikepdf
import pytest

from authenticity.analyse import analyse_document
from authenticity.config import Settings
from authenticity.heuristics.software import releases
from authenticity.model import Analysis, Document
from tests.conftest import corpus_file, exiftool_edit

CODE = "TS_BEFORE_SOFTWARE_RELEASE"


def analyse(data: bytes, name: str) -> Analysis:
    doc = Document(path=name, sha256=hashlib.sha256(data).hexdigest(), size=len(data), data=data)
    return analyse_document(doc, Settings(workers=0))


def codes(result: Analysis) -> dict[str, str]:
    return {f.code: f.severity.value for f in result.findings}


def test_release_table_loads_with_sources():
    table = releases()
    assert len(table) > 50
    products = {r.product for r in table}
    assert {"Microsoft Office", "PDF", "LibreOffice", "macOS Quartz PDFContext"} <= products
    assert {"Adobe Photoshop", "GIMP", "Apple iPhone 12", "Canon EOS 5D Mark II"} <= products
    assert {r.kind for r in table} == {"software", "Microsoft Office", "PDF", "EXIF", "Camera"}
    assert all(r.source.startswith("https://") for r in table)


DOCX = "ooxml/apache__test-data_document_60316.docx"  # Word 16.0000, saved 2018-11-23


def _rewrite_core(data: bytes, old: bytes, new: bytes) -> bytes:
    """Copy the package entry by entry (keeping Office's entry times), editing core.xml."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            body = src.read(info)
            if info.filename == "docProps/core.xml":
                assert old in body
                body = body.replace(old, new)
            dst.writestr(info, body, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def test_genuine_word_2016_docx_is_clean():
    result = analyse(corpus_file(DOCX), "a.docx")
    assert result.metadata.app_version == "16.0000"
    assert CODE not in codes(result)


def test_word_2016_docx_backdated_to_2012_is_flagged():
    data = corpus_file(DOCX)
    data = _rewrite_core(data, b"2018-11-23T12:51:00Z", b"2012-03-01T09:00:00Z")
    data = _rewrite_core(data, b"2018-11-23T12:52:00Z", b"2012-03-01T10:00:00Z")
    result = analyse(data, "a.docx")
    assert codes(result).get(CODE) == "high"
    finding = next(f for f in result.findings if f.code == CODE)
    assert finding.evidence["app_version"] == "16.0000"
    assert finding.evidence["product"] == "Microsoft Office"


PDF = "pdf/py-pdf__002-trivial-libre-office-writer_002-trivial-libre-office-writer.pdf"


def test_genuine_libreoffice_pdf_is_clean():
    result = analyse(corpus_file(PDF), "a.pdf")
    assert result.metadata.producer == "LibreOffice 6.4"
    assert CODE not in codes(result)


def test_libreoffice_pdf_backdated_to_2015_is_flagged(tmp_path):
    out = tmp_path / "out.pdf"
    with pikepdf.open(io.BytesIO(corpus_file(PDF))) as pdf:
        pdf.docinfo["/CreationDate"] = "D:20150310120000+01'00'"
        pdf.save(out)
    result = analyse(out.read_bytes(), "a.pdf")
    assert codes(result).get(CODE) == "high"
    finding = next(f for f in result.findings if f.code == CODE)
    assert finding.evidence["product"] == "LibreOffice"


def test_pdf_version_newer_than_claimed_date_is_flagged(tmp_path):
    # pikepdf writes %PDF-1.7 when asked; a 2003 date cannot go with PDF 1.7 (2006).
    out = tmp_path / "out.pdf"
    with pikepdf.open(io.BytesIO(corpus_file(PDF))) as pdf:
        del pdf.docinfo["/Producer"]
        pdf.docinfo["/CreationDate"] = "D:20030310120000Z"
        pdf.save(out, min_version="1.7")
    result = analyse(out.read_bytes(), "a.pdf")
    finding = next(f for f in result.findings if f.code == CODE)
    assert finding.evidence["pdf_version"] == "1.7"
    assert finding.severity.value == "high"


@pytest.mark.parametrize(
    ("value", "product", "released"),
    [
        ("macOS Versie 10.14.6 (build 18G2022) Quartz PDFContext", "macOS", "2018-09-24"),
        ("Mac OS X 10.3.2 Quartz PDFContext", "macOS", "2003-10-24"),
        ("LibreOffice/7.3.6.2$Linux_X86_64 LibreOffice_project/30$Build-2", "Libre", "2022-02-02"),
        ("Acrobat Distiller 9.5.5 (Windows)", "Adobe", "2008-06-01"),
        ("iText® 5.5.13 ©2000-2018 iText Group NV (AGPL-version)", "iText", "2009-12-01"),
        ("Microsoft® Word for Microsoft 365", "Microsoft PDF", "2020-04-21"),
        ("Microsoft Excel Compatible / Openpyxl 3.1.5", "openpyxl", "2022-05-19"),
        ("Microsoft Excel Compatible / Openpyxl 2.4.11", "openpyxl", "2016-09-15"),
        ("matplotlib pdf backend 3.0.0", "matplotlib", "2018-08-28"),
        ("Matplotlib pdf backend v3.11.2", "matplotlib", "2026-04-24"),
        ("WeasyPrint 54.1", "WeasyPrint", "2021-12-13"),
        ("GPL Ghostscript 9.18", "Ghostscript", "2013-08-30"),
        ("GPL Ghostscript 10.00.0", "Ghostscript", "2022-09-21"),
        ("Skia/PDF m103 Google Docs Renderer", "Chrome Skia/PDF", "2022-03-29"),
        ("Skia/PDF m79", "Chrome Skia/PDF", "2018-10-16"),
        ("Qt 5.12.8", "Qt", "2018-12-06"),
        ("Qt 4.8.7", "Qt", "2011-12-15"),
    ],
)
def test_patterns_pick_the_right_release(value, product, released):
    hits = [r for r in releases() if r.kind == "software" and r.pattern.search(value)]
    assert len(hits) == 1, hits
    assert hits[0].product.startswith(product)
    assert hits[0].released.isoformat() == released


@pytest.mark.parametrize(
    ("value", "product", "released"),
    [
        ("Adobe Photoshop CS Windows", "Adobe Photoshop", "2003-10-01"),
        ("Adobe Photoshop CS5.1 Windows", "Adobe Photoshop", "2010-04-30"),
        ("Adobe Photoshop CS6 (Windows)", "Adobe Photoshop", "2012-05-07"),
        ("Adobe Photoshop CC (Macintosh)", "Adobe Photoshop", "2013-06-17"),
        ("Adobe Photoshop CC 2015.5 (Windows)", "Adobe Photoshop", "2015-06-15"),
        ("Adobe Photoshop 22.1 (Windows)", "Adobe Photoshop", "2020-10-20"),
        ("Adobe Photoshop Lightroom Classic 9.2 (Windows)", "Adobe Lightroom", "2017-10-18"),
        ("Adobe Photoshop Lightroom 4.4 (Windows)", "Adobe Lightroom", "2012-03-05"),
        ("GIMP 2.10.30", "GIMP", "2018-04-27"),
        ("GIMP 2.8.22", "GIMP", "2012-05-03"),
        ("paint.net 4.2.13", "paint.net", "2014-06-30"),
        ("Canon Canon EOS 5D", "Canon EOS 5D", "2005-08-22"),
        ("Canon Canon EOS 5D Mark II", "Canon EOS 5D Mark II", "2008-09-17"),
        ("Canon Canon EOS 5D Mark III", "Canon EOS 5D Mark III", "2012-03-02"),
        ("Canon Canon EOS DIGITAL REBEL XT", "Canon EOS 350D", "2005-02-17"),
        ("Canon Canon EOS 350D DIGITAL", "Canon EOS 350D", "2005-02-17"),
        ("Apple iPhone 6", "Apple iPhone 6", "2014-09-19"),
        ("Apple iPhone 6s Plus", "Apple iPhone 6s", "2015-09-25"),
        ("Apple iPhone SE (2nd generation)", "Apple iPhone SE (2nd generation)", "2020-04-24"),
        ("Apple iPhone 12 Pro Max", "Apple iPhone 12", "2020-10-23"),
        ("samsung SM-G991B", "Samsung Galaxy S21", "2021-01-14"),
        ("NIKON CORPORATION NIKON D3", "Nikon D3/D300", "2007-08-23"),
        ("NIKON CORPORATION NIKON D3000", "Nikon D3000/D300S", "2009-07-30"),
        ("NIKON CORPORATION NIKON D3100", "Nikon D3100", "2010-08-19"),
        ("Google Pixel 3a", "Google Pixel 3a", "2019-05-07"),
        ("FUJIFILM FinePixS2Pro", "Fujifilm FinePix S2 Pro", "2002-01-31"),
        ("Canon Canon PowerShot G2", "Canon PowerShot G2", "2001-08-01"),
        ("Canon Canon PowerShot G1 X", "Canon PowerShot G1 X", "2012-01-09"),
        ("Canon Canon PowerShot G12", "Canon PowerShot G12", "2010-09-14"),
    ],
)
def test_editor_and_camera_rows_pick_the_latest_matching_release(value, product, released):
    # Several rows of one product may match ("Lightroom" and "Lightroom Classic"): the check
    # reports the one the date falls short of, i.e. the latest.
    kind = "software" if product.split()[0] in ("Adobe", "GIMP", "paint.net") else "Camera"
    hits = [r for r in releases() if r.kind == kind and r.pattern.search(value)]
    assert {r.product for r in hits} == {product}, hits
    assert max(r.released for r in hits).isoformat() == released


@pytest.mark.parametrize(
    "value",
    ["Apple iPhone 15 Pro Maxi", "Canon Canon PowerShot G7 X", "HUAWEI VTR-L09", "SONY DSC-P12"],
)
def test_unknown_cameras_match_no_row(value):
    assert [r for r in releases() if r.kind == "Camera" and r.pattern.search(value)] == []


def _set_core_dates(data: bytes, when: str, *, clock: bool) -> bytes:
    """docProps/core.xml's created and modified rewritten; with ``clock``, the zip entry
    times too (the forger set the computer's clock back before saving)."""
    import re

    out = io.BytesIO()
    stamp = tuple(int(x) for x in re.findall(r"\d+", when)[:6])
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            body = src.read(info)
            if clock:
                info.date_time = stamp
            if info.filename == "docProps/core.xml":
                body = re.sub(
                    rb"(<dcterms:(?:created|modified)[^>]*>)[^<]+", rb"\g<1>" + when.encode(), body
                )
            dst.writestr(info, body)
    return out.getvalue()


def test_openpyxl_workbook_dated_before_its_openpyxl_version():
    import openpyxl

    wb = openpyxl.Workbook()
    wb.active["A1"] = 1250
    buf = io.BytesIO()
    wb.save(buf)  # openpyxl stamps "modified" with the current time and names itself
    genuine = analyse(buf.getvalue(), "budget.xlsx")
    assert "Openpyxl" in (genuine.metadata.application or "")
    assert CODE not in codes(genuine)
    backdated = _set_core_dates(buf.getvalue(), "2012-03-01T10:00:00Z", clock=True)
    finding = next(f for f in analyse(backdated, "budget.xlsx").findings if f.code == CODE)
    assert finding.severity.value == "high"
    assert finding.evidence["product"] == "openpyxl"
    # dates edited but the zip written today: carried over by a conversion, or set by hand
    edited = _set_core_dates(buf.getvalue(), "2012-03-01T10:00:00Z", clock=False)
    assert codes(analyse(edited, "budget.xlsx")).get(CODE) == "medium"


def test_matplotlib_pdf_dated_before_its_matplotlib_version():
    import datetime as dt

    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    fig = plt.figure()
    fig.gca().plot([1, 2, 3])
    pdfs = {}
    for year in (2015, 2026):
        buf = io.BytesIO()
        fig.savefig(buf, format="pdf", metadata={"CreationDate": dt.datetime(year, 5, 1)})
        pdfs[year] = analyse(buf.getvalue(), "chart.pdf")
    plt.close(fig)
    assert "pdf backend" in (pdfs[2015].metadata.producer or "")
    assert codes(pdfs[2015]).get(CODE) == "high"
    assert CODE not in codes(pdfs[2026])


def test_editor_that_keeps_the_camera_datetime_is_not_dated_by_it(tmp_path):
    # A camera photo of 2002 (Canon PowerShot S30). paint.net names itself in Software but
    # keeps DateTime as the camera wrote it: its 2014 release says nothing of the dates.
    # Photoshop sets DateTime at each save, so a 2002 date under a 2019 Photoshop is a
    # date put back.
    photo = corpus_file("image/drewnoakes__jpg_Canon_PowerShot_S30.jpg")
    kept = analyse(exiftool_edit(photo, tmp_path, "-Software=paint.net 4.0.5"), "a.jpg")
    assert "TS_BEFORE_SOFTWARE_RELEASE" not in codes(kept)
    assert codes(kept).get("EXIF_EDITOR_SOFTWARE") == "medium"
    dated = analyse(
        exiftool_edit(photo, tmp_path, "-Software=Adobe Photoshop CC 2019 (Windows)"), "a.jpg"
    )
    assert codes(dated).get("TS_BEFORE_SOFTWARE_RELEASE") == "high"

"""Forgery generator: every technique on real authentic files, careful and careless.

Each forgery must parse with the project's own extractor, show the change it claims, and
be byte-identical for the same seed (and differ for another seed).
"""

from __future__ import annotations

import hashlib
import io
import json
import tempfile
import zipfile
from pathlib import Path

import pytest
from PIL import Image, ImageChops

from authenticity.analyse import analyse_document
from authenticity.config import Settings
from authenticity.model import Analysis, Document
from authenticity.synth import TECHNIQUES, Forgery, forge, forge_many, kind_of

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample_dump"
CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"

DOCX = SAMPLE / "documents" / "note-strategie-numerique.docx"
XLSX = SAMPLE / "documents" / "programme-deplacements-avril.xlsx"
PDF = SAMPLE / "documents" / "rapport-tresorerie-avril.pdf"
EML = SAMPLE / "mail" / "0012.eml"
PDF_XMP = CORPUS / "pdf" / "pdfminer__samples_acroform_AcroForm_TEST.pdf"
PDF_GS = CORPUS / "pdf" / "pdfminer__samples_zen_of_python_corrupted.pdf"
JPEG = CORPUS / "image" / "drewnoakes__jpg_Canon_EOS_7D.jpg"
PPTX = CORPUS / "ooxml" / "apache__test-data_slideshow_61515.pptx"
SIGNED = CORPUS / "email" / "SpamScope__tests_mails_mail_test_5"
#: Unsigned, with a quoted-printable text and HTML rendering of its body.
ALTERNATIVE = CORPUS / "email" / "SpamScope__tests_mails_mail_test_7"


def _need(path: Path) -> bytes:
    if not path.exists():
        pytest.skip(f"{path} not available")
    return path.read_bytes()


def analyse(data: bytes, name: str, **settings: object) -> Analysis:
    doc = Document(name, hashlib.sha256(data).hexdigest(), len(data), data=data)
    return analyse_document(doc, Settings(workers=0, **settings))  # type: ignore[arg-type]


def made(path: Path, technique: str, careful: bool, seed: int = 1) -> tuple[Forgery, Analysis]:
    """Forge, check it parses, is reproducible, and depends on the seed."""
    data = _need(path)
    forgery = forge(data, path.name, technique, seed, careful)
    assert forgery is not None, f"{technique} not applicable to {path.name}"
    assert forgery.technique == technique and forgery.careful is careful
    assert forgery.source_sha256 == hashlib.sha256(data).hexdigest()
    assert forgery.data != data
    again = forge(data, path.name, technique, seed, careful)
    assert again is not None and again.data == forgery.data and again.notes == forgery.notes
    others = [forge(data, path.name, technique, s, careful) for s in (seed + 1, seed + 2, seed + 3)]
    assert any(o is not None and o.data != forgery.data for o in others), "seed has no effect"
    with tempfile.TemporaryDirectory() as tmp:
        extra: dict[str, object] = {}
        if forgery.notes.get("dkim_keys"):
            archive = Path(tmp) / f"keys-{forgery.sha256[:12]}.json"
            archive.write_text(json.dumps(forgery.notes["dkim_keys"]))
            extra["dkim_keys"] = str(archive)
        result = analyse(forgery.data, forgery.name, **extra)
    assert result.status == "ok", (result.status, result.error)
    assert kind_of(forgery.data, forgery.name) == kind_of(data, path.name)
    return forgery, result


def original(path: Path) -> Analysis:
    return analyse(path.read_bytes(), path.name)


CAREFUL = pytest.mark.parametrize("careful", [True, False], ids=["careful", "careless"])


def test_registry_is_complete() -> None:
    expected = {
        "pdf_incremental_edit",
        "pdf_rewrite_edit",
        "pdf_regenerate",
        "ooxml_edit_resave",
        "ooxml_rezip",
        "metadata_backdate",
        "metadata_forward_date",
        "metadata_swap_author",
        "jpeg_reencode",
        "jpeg_splice",
        "email_alter_signed",
        "email_fabricate",
        "email_redate",
        "email_edit_body",
    }
    assert expected <= set(TECHNIQUES)
    for tech in TECHNIQUES.values():
        assert tech.describe and tech.applies_to


def test_kind_of() -> None:
    assert kind_of(PDF.read_bytes(), PDF.name) == "pdf"
    assert kind_of(DOCX.read_bytes(), DOCX.name) == "docx"
    assert kind_of(XLSX.read_bytes(), XLSX.name) == "xlsx"
    assert kind_of(EML.read_bytes(), EML.name) == "email"
    assert kind_of(b"just some words", "notes.txt") is None
    # not applicable: forge says None rather than raising
    assert forge(b"just some words", "notes.txt", "pdf_regenerate", 1, True) is None


@CAREFUL
def test_pdf_incremental_edit(careful: bool) -> None:
    before = original(PDF)
    forgery, after = made(PDF, "pdf_incremental_edit", careful, seed=2)  # a content edit
    assert after.facts["eof_markers"] == before.facts["eof_markers"] + 1
    assert forgery.notes["mode"] == "content_edit"
    assert after.text != before.text and forgery.notes["new"] in after.text
    assert after.metadata.created == before.metadata.created
    if careful:
        assert after.metadata.modified > before.metadata.modified
    else:
        assert after.metadata.modified == before.metadata.modified


#: Word for Microsoft 365 export: text in TJ arrays, so no number can be edited in place.
PDF_WORD = CORPUS / "pdf" / "pdfminer__samples_contrib_issue-449-horizontal.pdf"


def test_pdf_incremental_edit_text_box_variant() -> None:
    """A quarter of the incremental edits lay a text box over a page: bare when careless,
    dated and signed as a viewer would when careful."""
    data = _need(PDF)
    seen = {}
    for seed in range(16):
        for careful in (False, True):
            forgery = forge(data, PDF.name, "pdf_incremental_edit", seed, careful)
            if forgery is not None and forgery.notes["mode"] == "annotation":
                seen.setdefault(careful, analyse(forgery.data, forgery.name))
    assert set(seen) == {False, True}
    assert seen[False].facts["annotations_text_unattributed"] == 1
    assert seen[True].facts["annotations_text"] == 1
    assert seen[True].facts["annotations_text_unattributed"] == 0


def test_pdf_incremental_edit_whites_out_when_no_number_can_be_edited() -> None:
    before = original(PDF_WORD)
    forgery, after = made(PDF_WORD, "pdf_incremental_edit", True)
    assert forgery.notes["mode"] == "whiteout"
    assert forgery.notes["new"] not in before.text.replace("\n", " ")
    assert forgery.notes["new"] in after.text.replace("\n", " ")
    # The update rewrote the page's content: that is what the scan sees.
    assert after.facts["updated_content_pages"] == [forgery.notes["page"] + 1]
    assert "PDF_INCREMENTAL_CONTENT_EDIT" in {f.code for f in after.findings}


@CAREFUL
def test_pdf_rewrite_edit(careful: bool) -> None:
    before = original(PDF)
    forgery, after = made(PDF, "pdf_rewrite_edit", careful)
    assert forgery.notes["mode"] == "content_edit"
    assert after.text != before.text and forgery.notes["new"] in after.text
    assert after.facts["eof_markers"] == 1  # written whole, no appended update
    if forgery.notes.get("writer") == "pypdf":
        # then written again by a new pypdf writer: its Producer, the rest kept
        assert not careful and after.metadata.producer == "pypdf"
        assert after.metadata.application == before.metadata.application
    else:
        # by qpdf, the metadata kept
        assert b"%\xbf\xf7\xa2\xfe" in forgery.data[:40]
        assert after.metadata.producer == before.metadata.producer
        assert "PDF_WRITER_MISMATCH" in {f.code for f in after.findings}
    assert after.metadata.author == before.metadata.author
    assert after.metadata.created == before.metadata.created
    if careful:
        assert after.metadata.modified > before.metadata.modified
    elif forgery.notes["moddate"] == "unchanged":
        assert after.metadata.modified == before.metadata.modified
    # careless leaves the edited page's content plain among the file's compressed streams
    page = forgery.notes["page"] + 1
    assert (page in after.facts["content_plain_pages"]) is not careful
    # (a one-page file with no embedded font offers nothing to compare it with)
    assert (
        before.facts["content_streams_compressed"] == 1 and not before.facts["fonts"][0]["embedded"]
    )
    assert "PDF_CONTENT_LEFT_UNCOMPRESSED" not in {f.code for f in after.findings}


def test_pdf_rewrite_edit_careless_variant_written_again_by_pypdf() -> None:
    """Some careless rewrites go through a new pypdf writer: deterministic, and the
    desktop Creator under pypdf's Producer says what happened."""
    data = _need(PDF_XMP)
    seen = []
    for seed in range(12):
        forgery = forge(data, PDF_XMP.name, "pdf_rewrite_edit", seed, False)
        if forgery is not None and forgery.notes.get("writer") == "pypdf":
            again = forge(data, PDF_XMP.name, "pdf_rewrite_edit", seed, False)
            assert again is not None and again.data == forgery.data
            seen.append(analyse(forgery.data, forgery.name))
    assert seen, "no careless rewrite went through pypdf in 12 seeds"
    for after in seen:
        assert after.metadata.producer == "pypdf"


def test_pdf_rewrite_edit_stamps_when_no_number_can_be_edited() -> None:
    before = original(PDF_WORD)
    forgery, after = made(PDF_WORD, "pdf_rewrite_edit", False)
    assert forgery.notes["mode"] == "whiteout"
    assert forgery.notes["new"] not in before.text.replace("\n", " ")
    assert forgery.notes["new"] in after.text.replace("\n", " ")
    assert after.facts["eof_markers"] == 1  # one save, not an update


@CAREFUL
def test_pdf_regenerate(careful: bool) -> None:
    before = original(PDF_GS)
    forgery, after = made(PDF_GS, "pdf_regenerate", careful)
    assert forgery.notes["new"] in after.text.replace("\n", " ")
    assert after.metadata.author == before.metadata.author
    assert after.metadata.title == before.metadata.title
    if careful:
        assert after.metadata.producer == before.metadata.producer
        assert after.metadata.created == before.metadata.created
        assert after.facts["has_xmp"]
    else:
        assert after.metadata.producer.startswith("ReportLab")
        assert after.metadata.created > before.metadata.created
        assert not after.facts["has_xmp"]


@CAREFUL
def test_ooxml_edit_resave_docx(careful: bool) -> None:
    before = original(DOCX)
    forgery, after = made(DOCX, "ooxml_edit_resave", careful)
    assert after.text != before.text and forgery.notes["new"] in after.text
    if careful:
        assert after.metadata.to_json() == before.metadata.to_json() or (
            after.metadata.modified == before.metadata.modified
            and after.metadata.last_modified_by == before.metadata.last_modified_by
        )
        names = [i.filename for i in zipfile.ZipFile(io.BytesIO(forgery.data)).infolist()]
        orig = [i.filename for i in zipfile.ZipFile(DOCX).infolist()]
        assert names[: len(orig)] == [n for n in orig if n in names]
    else:
        signed = forgery.notes.get("last_modified_by", before.metadata.last_modified_by)
        assert after.metadata.last_modified_by == signed
        assert after.metadata.modified > before.metadata.modified


def _assert_library_save(forgery: Forgery, before: Analysis, after: Analysis, careful: bool):
    """Careful: the original core properties put back. Careless: the library's save, signed
    by the forger in half of them (else the name the file had), modified at its clock."""
    if careful:
        assert after.metadata.modified == before.metadata.modified
        assert after.metadata.last_modified_by == before.metadata.last_modified_by
    else:
        signed = forgery.notes.get("last_modified_by", before.metadata.last_modified_by)
        assert after.metadata.last_modified_by == signed
        assert after.metadata.modified != before.metadata.modified


@CAREFUL
def test_ooxml_edit_resave_pptx(careful: bool) -> None:
    # A PowerPoint deck whose slides hold text: a figure (or a word) typed over with
    # python-pptx.
    deck = CORPUS / "ooxml" / "apache__test-data_integration_stress013.pptx"
    before = original(deck)
    forgery, after = made(deck, "ooxml_edit_resave", careful)
    assert forgery.notes["new"] in after.text and forgery.notes["old"] != forgery.notes["new"]
    assert after.text != before.text
    _assert_library_save(forgery, before, after, careful)


@CAREFUL
def test_ooxml_edit_resave_xlsx(careful: bool) -> None:
    import openpyxl

    before = original(XLSX)
    forgery, after = made(XLSX, "ooxml_edit_resave", careful)
    sheet, cell = forgery.notes["cell"].split("!")
    wb = openpyxl.load_workbook(io.BytesIO(forgery.data))
    assert wb[sheet][cell].value == forgery.notes["new"] != forgery.notes["old"]
    _assert_library_save(forgery, before, after, careful)


@CAREFUL
def test_ooxml_rezip(careful: bool) -> None:
    forgery, after = made(DOCX, "ooxml_rezip", careful)
    src = zipfile.ZipFile(DOCX)
    out = zipfile.ZipFile(io.BytesIO(forgery.data))
    assert sorted(out.namelist()) == sorted(src.namelist())
    for n in src.namelist():
        assert out.read(n) == src.read(n)
    if careful:
        assert out.namelist() == src.namelist()
        assert [i.date_time for i in out.infolist()] == [i.date_time for i in src.infolist()]
    else:
        assert out.namelist() == sorted(src.namelist())
        assert {i.date_time for i in out.infolist()} != {i.date_time for i in src.infolist()}
    assert after.metadata.author == original(DOCX).metadata.author


@CAREFUL
@pytest.mark.parametrize("technique", ["metadata_backdate", "metadata_forward_date"])
@pytest.mark.parametrize("path", [DOCX, PDF_XMP, JPEG, PPTX], ids=lambda p: p.suffix)
def test_metadata_dates(technique: str, path: Path, careful: bool) -> None:
    _need(path)
    before = original(path)
    _forgery, after = made(path, technique, careful)
    backward = technique == "metadata_backdate"
    c0, m0, c1, m1 = (
        before.metadata.created,
        before.metadata.modified,
        after.metadata.created,
        after.metadata.modified,
    )
    if careful:
        moved = [(c0, c1), (m0, m1)]
        for old, new in moved:
            assert (new < old) if backward else (new > old)
        assert (m1 - c1) == (m0 - c0)  # the pair shifted alike
    else:
        assert c1 > m1  # only one of the pair moved: created after modified
        if path == PDF_XMP:
            codes = {f.code for f in after.findings}
            assert "PDF_INFO_XMP_DATE_MISMATCH" in codes


@CAREFUL
@pytest.mark.parametrize("path", [DOCX, PDF, PPTX], ids=lambda p: p.suffix)
def test_metadata_swap_author(path: Path, careful: bool) -> None:
    _need(path)
    before = original(path)
    forgery, after = made(path, "metadata_swap_author", careful)
    new = forgery.notes["new"]
    if path.suffix == ".pdf":
        assert after.metadata.author == new != before.metadata.author
    elif careful:
        assert after.metadata.author == after.metadata.last_modified_by == new
    else:
        assert after.metadata.last_modified_by == new
        assert after.metadata.author == before.metadata.author


def test_swap_author_uses_other_scripts() -> None:
    data = DOCX.read_bytes()
    scripts = {
        forge(data, DOCX.name, "metadata_swap_author", s, False).notes["script"]  # type: ignore[union-attr]
        for s in range(40)
    }
    assert {"cyrillic", "latin"} <= scripts and len(scripts) >= 4


def _pixels_differ(a: bytes, b: bytes) -> bool:
    ia, ib = Image.open(io.BytesIO(a)), Image.open(io.BytesIO(b))
    if ia.size != ib.size:
        return True
    return ImageChops.difference(ia.convert("RGB"), ib.convert("RGB")).getbbox() is not None


@CAREFUL
@pytest.mark.parametrize("technique", ["jpeg_reencode", "jpeg_splice"])
def test_jpeg(technique: str, careful: bool) -> None:
    before = original(JPEG)
    forgery, after = made(JPEG, technique, careful)
    assert _pixels_differ(forgery.data, JPEG.read_bytes())
    assert after.metadata.make == before.metadata.make
    assert after.metadata.created == before.metadata.created  # DateTimeOriginal kept
    if careful:
        src = Image.open(JPEG)
        out = Image.open(io.BytesIO(forgery.data))
        assert out.info.get("exif") == src.info.get("exif")
        assert out.quantization == src.quantization
    elif forgery.notes.get("variant") == "crop":
        assert after.facts["width"] < before.facts["width"]
    elif forgery.notes.get("variant") == "script":
        src = Image.open(JPEG)
        assert Image.open(io.BytesIO(forgery.data)).info.get("exif") == src.info.get("exif")
    else:
        assert after.metadata.application == forgery.notes["software"]


def test_jpeg_reencode_careless_variants() -> None:
    data = _need(JPEG)
    variants = {
        forge(data, JPEG.name, "jpeg_reencode", s, False).notes["variant"]  # type: ignore[union-attr]
        for s in range(12)
    }
    assert variants == {"crop", "requality", "script"}


def test_jpeg_reencode_script_save_of_a_camera_original_is_compressed_twice() -> None:
    """The script variant (another quality, EXIF bytes handed back) of a camera's own
    JPEG: the double-quantization trace under camera EXIF that names no editor."""
    path = CORPUS / "image" / "drewnoakes__jpg_FujiFilm_FinePix1400Zoom_(1).jpg"
    data = _need(path)
    assert "JPEG_COMPRESSED_TWICE" not in {f.code for f in original(path).findings}
    raised = []
    for seed in range(40):
        forgery = forge(data, path.name, "jpeg_reencode", seed, False)
        if forgery is None or forgery.notes.get("variant") != "script":
            continue
        codes = {f.code for f in analyse(forgery.data, forgery.name).findings}
        raised.append((forgery.notes["quality"], "JPEG_COMPRESSED_TWICE" in codes))
        if len(raised) == 4:
            break
    # a finer table than the camera's leaves the trace; a coarser one (80, 85) a weaker one
    fine = [hit for quality, hit in raised if quality >= 90]
    assert len(raised) == 4 and fine and all(fine), raised


def _dkim(result: Analysis) -> list[str]:
    return [s["result"] for s in result.facts["dkim"]["signatures"]]


@CAREFUL
def test_email_alter_signed_with_fixture_key(careful: bool) -> None:
    before = original(EML)
    assert not before.facts.get("has_dkim_signature")
    forgery, after = made(EML, "email_alter_signed", careful)
    assert forgery.notes["signed_by_generator"]
    if careful:
        assert forgery.notes["edited"] == "header" and forgery.notes["covered"]
        assert _dkim(after) == ["signature_mismatch"]
    else:
        assert forgery.notes["edited"] == "body"
        assert _dkim(after) == ["body_hash_mismatch"]
        assert forgery.notes["new"] in after.text


def test_fixture_signature_verifies_before_alteration(tmp_path: Path) -> None:
    from authenticity.synth.email import SELECTOR, fixture_record, sign

    signed = sign(EML.read_bytes(), "campagne.example", None)
    archive = tmp_path / "keys.json"
    archive.write_text(json.dumps({f"{SELECTOR}._domainkey.campagne.example": fixture_record()}))
    assert _dkim(analyse(signed, "x.eml", dkim_keys=str(archive))) == ["pass"]


@CAREFUL
def test_email_alter_signed_corpus_message(careful: bool) -> None:
    forgery, after = made(SIGNED, "email_alter_signed", careful)
    assert "signed_by_generator" not in forgery.notes  # its own signature kept
    assert after.facts["has_dkim_signature"]


@CAREFUL
def test_email_fabricate(careful: bool) -> None:
    before = original(EML)
    _forgery, after = made(EML, "email_fabricate", careful)
    assert after.metadata.author == before.metadata.author
    assert after.metadata.title == before.metadata.title
    assert after.facts["message_id"] != before.facts["message_id"]
    assert after.metadata.created > before.metadata.created
    assert not after.facts.get("has_dkim_signature")
    if careful:
        assert after.facts["message_id"].endswith("@campagne.example>")
        assert 1 <= len(after.facts["received"]) <= len(before.facts["received"])
    else:
        assert after.facts["received"] == []
        assert after.metadata.created.utcoffset().total_seconds() == 0


@CAREFUL
def test_email_redate(careful: bool) -> None:
    """Only the dates move: the Date alone (careless), or with every relay stamp (careful);
    the body, Message-ID and the rest of the header bytes stay as they were."""
    before = original(EML)
    forgery, after = made(EML, "email_redate", careful)
    moved = after.metadata.created - before.metadata.created
    assert abs(moved.days) >= 2 and moved.days == forgery.notes["days"]
    assert after.facts["message_id"] == before.facts["message_id"]
    assert forgery.data.split(b"\n\n", 1)[1] == EML.read_bytes().split(b"\n\n", 1)[1]
    hops_before = [h["date"] for h in before.facts["received"]]
    hops_after = [h["date"] for h in after.facts["received"]]
    assert hops_before and len(hops_after) == len(hops_before)
    if careful:
        assert hops_after != hops_before
    else:
        assert hops_after == hops_before
    head_before = EML.read_bytes().split(b"\n\n", 1)[0].splitlines()
    head_after = forgery.data.split(b"\n\n", 1)[0].splitlines()
    changed = [a for a, b in zip(head_after, head_before, strict=True) if a != b]
    assert changed and all(c.startswith((b"Date:", b"Received:", b" ", b"\t")) for c in changed), (
        changed
    )


@CAREFUL
def test_email_edit_body(careful: bool) -> None:
    """A number changed in place: in the text part alone (careless: the HTML part keeps
    the old one and says so) or in both renderings (careful: nothing to see)."""
    before = original(ALTERNATIVE)
    forgery, after = made(ALTERNATIVE, "email_edit_body", careful)
    old, new = forgery.notes["old"], forgery.notes["new"]
    assert old != new and new in after.text and after.text != before.text
    assert after.facts["message_id"] == before.facts["message_id"]
    source = ALTERNATIVE.read_bytes()
    assert forgery.data.split(b"\n\n", 1)[0] == source.split(b"\n\n", 1)[0]  # headers kept
    edits = 2 if careful else 1  # the same change, in one or both renderings
    assert len(forgery.data) == len(source) + edits * (len(new) - len(old))
    codes = {f.code: f for f in after.findings}
    assert "EMAIL_ALTERNATIVES_DISAGREE" not in {f.code for f in before.findings}
    if careful:
        assert "EMAIL_ALTERNATIVES_DISAGREE" not in codes
    else:
        found = codes["EMAIL_ALTERNATIVES_DISAGREE"]
        assert found.severity.value == "high" and found.evidence["numbers_differ"]
        assert any(new in s[0] and old in s[1] for s in found.evidence["substitutions"])


def test_email_edit_body_leaves_signed_and_single_part_messages_alone() -> None:
    assert forge(_need(SIGNED), SIGNED.name, "email_edit_body", 1, False) is None
    assert forge(_need(EML), EML.name, "email_edit_body", 1, False) is None  # text only


def test_careless_office_resaves_sign_with_the_forgers_name_in_half_of_them() -> None:
    data = _need(XLSX)
    signed = [
        "last_modified_by" in forge(data, XLSX.name, "ooxml_edit_resave", seed, False).notes
        for seed in range(16)
    ]
    assert 3 <= sum(signed) <= 13


def test_forge_many_is_reproducible() -> None:
    files = [(p.name, p.read_bytes()) for p in (PDF, DOCX, XLSX, EML)]
    first = list(forge_many(files, seed=7, per_file=2))
    second = list(forge_many(files, seed=7, per_file=2))
    assert [f.data for f in first] == [f.data for f in second]
    assert len(first) == 8
    assert len({(f.source_sha256, f.technique, f.careful) for f in first}) == 8
    other = list(forge_many(files, seed=8, per_file=2))
    assert [f.data for f in other] != [f.data for f in first]
    only = list(forge_many(files, seed=7, techniques=["metadata_swap_author"]))
    assert {f.technique for f in only} == {"metadata_swap_author"} and len(only) == 3


def test_openpyxl_resave_of_a_workbook_without_creation_date_is_deterministic() -> None:
    """openpyxl writes the current time as the creation date when the source has none; the
    careless re-save takes the forger's clock instead, so the same seed gives the same bytes
    whenever it runs (apache test file 54288.xlsx has an empty core.xml)."""
    data = (CORPUS / "ooxml" / "apache__test-data_spreadsheet_54288.xlsx").read_bytes()
    assert b"dcterms:created" not in zipfile.ZipFile(io.BytesIO(data)).read("docProps/core.xml")
    forgery = forge(data, "54288.xlsx", "ooxml_edit_resave", seed=4, careful=False)
    assert forgery is not None
    core = zipfile.ZipFile(io.BytesIO(forgery.data)).read("docProps/core.xml").decode()
    created = core.split("<dcterms:created", 1)[1].split(">", 1)[1].split("<", 1)[0]
    modified = core.split("<dcterms:modified", 1)[1].split(">", 1)[1].split("<", 1)[0]
    assert created == modified  # the forger's clock, not the generating machine's


@CAREFUL
def test_email_fabricate_keeps_the_html_alternative_of_a_careful_imitation(careful: bool) -> None:
    """A real client sends text and HTML: the careful fabrication of a corpus message that
    has both carries both, with the same figure changed; the careless one is plain text."""
    from email import policy
    from email.parser import BytesParser

    source = CORPUS / "email" / "SpamScope__tests_mails_mail_test_10"
    before = original(source)
    assert before.facts["has_html_body"]
    forgery, after = made(source, "email_fabricate", careful)
    msg = BytesParser(policy=policy.default).parsebytes(forgery.data)
    html = msg.get_body(preferencelist=("html",))
    text = msg.get_body(preferencelist=("plain",)).get_content()
    assert bool(after.facts["has_html_body"]) is careful
    if careful:
        assert forgery.notes["html"] and html is not None
        new = forgery.notes["new"]
        assert new in text and new in html.get_content()
    else:
        assert html is None and "html" not in forgery.notes


def test_jpeg_redating_writes_back_by_library_or_in_place() -> None:
    """Both writers occur; the library's keeps every tag and the picture, in the canonical
    layout; the in-place patch keeps the camera's layout byte for byte outside the dates."""
    data = _need(CORPUS / "image" / "drewnoakes__jpg_Olympus_PEN_E-P3.jpg")
    before = original(CORPUS / "image" / "drewnoakes__jpg_Olympus_PEN_E-P3.jpg")
    assert before.facts["exif_layout"]["canonical"] is False
    writers: dict[str, Analysis] = {}
    for seed in range(12):
        forgery = forge(data, "P1010001.JPG", "metadata_backdate", seed, True)
        assert forgery is not None
        writers.setdefault(forgery.notes["writer"], analyse(forgery.data, "P1010001.JPG"))
        if len(forgery.data) == len(data):
            assert forgery.notes["writer"] == "in place"
    assert set(writers) == {"library", "in place"}
    rebuilt, patched = writers["library"], writers["in place"]
    assert rebuilt.facts["exif_layout"]["canonical"] is True
    assert patched.facts["exif_layout"] == before.facts["exif_layout"]
    for after in (rebuilt, patched):
        assert after.facts["jpeg_scan_digest"] == before.facts["jpeg_scan_digest"]
        assert after.metadata.created < before.metadata.created
        assert after.metadata.make == before.metadata.make
        assert after.facts["thumbnail_width"] == before.facts["thumbnail_width"]


def test_relayout_keeps_every_tag_value() -> None:
    from authenticity.synth.jpegutil import relayout_exif

    data = _need(CORPUS / "image" / "drewnoakes__jpg_Nikon_E900_(1).jpg")
    out = relayout_exif(data)
    assert out is not None and out != data
    # offsets change; the maker note moves as a blob (its own offsets may no longer fit)
    moved = ("Offset", "JPEGInterchangeFormat", "GPSInfo", "MakerNote")

    def tags(blob: bytes) -> dict:
        raw = analyse(blob, "photo.jpg").metadata.raw
        return {k: v for k, v in raw.items() if not any(m in k for m in moved)}

    assert tags(out) == tags(data)
    assert relayout_exif(b"\xff\xd8\xff\xd9") is None  # no EXIF at all
    assert relayout_exif(data.replace(b"Exif\x00\x00II", b"Exif\x00\x00XX", 1)) is None


def test_careless_pdf_rewrite_leaves_the_edited_page_plain() -> None:
    # pdfTeX compresses every page: the careless edit's plain page stands out; the careful
    # one is compressed again like the rest.
    path = CORPUS / "pdf" / "py-pdf__004-pdflatex-4-pages_pdflatex-4-pages.pdf"
    for careful in (False, True):
        forgery, after = made(path, "pdf_rewrite_edit", careful)
        plain = after.facts["content_plain_pages"]
        flagged = "PDF_CONTENT_LEFT_UNCOMPRESSED" in {f.code for f in after.findings}
        if careful:
            assert plain == [] and not flagged
        else:
            assert plain == [forgery.notes["page"] + 1] and flagged

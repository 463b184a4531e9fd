"""Property-based fuzzing of every extractor in :data:`authenticity.extract.REGISTRY`.

Real corpus files (1-2 per format; archives are built from corpus files) are mutated with
byte flips, truncations, insertions, deletions, duplications and "interesting" integers.
Each call must either return an :class:`~authenticity.model.Extraction` or raise
:class:`~authenticity.errors.ExtractionError` (or a subclass), within ``CALL_LIMIT_S``.

The default run is short and deterministic (``derandomize``). A longer, random campaign:

    AUTHENTICITY_FUZZ_EXAMPLES=2000 .venv/bin/pytest tests/test_fuzz_extractors.py

(see docs/hostile-input.md).
"""

from __future__ import annotations

import contextlib
import io
import os
import signal
import tarfile
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from authenticity.errors import ExtractionError
from authenticity.extract import REGISTRY, Registration
from authenticity.model import Extraction

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
EXAMPLES = int(os.environ.get("AUTHENTICITY_FUZZ_EXAMPLES", "40"))
CAMPAIGN = "AUTHENTICITY_FUZZ_EXAMPLES" in os.environ
CALL_LIMIT_S = float(os.environ.get("AUTHENTICITY_FUZZ_CALL_LIMIT", "10"))

#: Seed files per extractor function (paths relative to the corpus).
SEEDS: dict[str, tuple[str, ...]] = {
    "extract_pdf": (
        "pdf/pdfminer__samples_jo.pdf",
        "pdf/py-pdf__020-xmp_output_with_metadata_pymupdf.pdf",
    ),
    "extract_ooxml": (
        "ooxml/apache__test-data_document_55733.docx",
        "ooxml/apache__test-data_openxml4j_51444.xlsx",
    ),
    "extract_ole": (
        "ole/apache__test-data_document_Bug60936.doc",
        "ole/apache__test-data_spreadsheet_48325.xls",
    ),
    "extract_image": ("image/drewnoakes__jpg_Issue_609.jpg", "image/drewnoakes__jpg_beach.jpg"),
    "extract_eml": (
        "email/SpamScope__tests_mails_mail_test_9",
        "email/kitterma__dkim_tests_data_rfc6376.signed.msg",
    ),
    "extract_msg_file": (
        "email/apache__test-data_hsmf_ASCII_UTF-8_CP1252_LCID1031.msg",
        "email/apache__test-data_hsmf_HTMLBodyBinary_UTF-8.msg",
    ),
    "extract_text": ("README.md", "image/reference/drewnoakes__jpg_Nikon_E775.jpg.txt"),
}
#: Archives are built from these corpus files.
ARCHIVE_MEMBERS = ("pdf/pdfminer__samples_jo.pdf", "image/drewnoakes__jpg_Issue_609.jpg")

#: Extractors with a failure the deterministic default run finds, in code this suite may
#: not edit: {function name: reason}. Listed in docs/hostile-input.md.
KNOWN_FAILURES: dict[str, str] = {}


def _archive_seeds(kind: str) -> tuple[bytes, ...]:
    members = [(Path(p).name, (CORPUS / p).read_bytes()) for p in ARCHIVE_MEMBERS]
    if kind == "zip":
        out = []
        for method in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            buf = io.BytesIO()
            with zipfile.ZipFile(buf, "w", method) as zf:
                for name, data in members:
                    zf.writestr(zipfile.ZipInfo(name, (2017, 3, 1, 9, 0, 0)), data, method)
            out.append(buf.getvalue())
        return tuple(out)
    if kind == "tar":
        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode="w") as tf:
            for name, data in members:
                info = tarfile.TarInfo(name)
                info.size, info.mtime = len(data), 1488358800
                tf.addfile(info, io.BytesIO(data))
        return (buf.getvalue(),)
    if kind == "gzip":
        import gzip

        return (gzip.compress(members[0][1], mtime=1488358800),)
    if kind == "odf":  # no ODF file in the corpus: a minimal package per the ODF spec
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
            zf.writestr("mimetype", ODF_MIMETYPE, zipfile.ZIP_STORED)
            zf.writestr("meta.xml", ODF_META)
            zf.writestr("content.xml", ODF_CONTENT)
        return (buf.getvalue(),)
    if kind == "7z":
        import py7zr

        buf = io.BytesIO()
        with py7zr.SevenZipFile(buf, "w") as z:
            for name, data in members:
                z.writestr(data, name)
        return (buf.getvalue(),)
    raise KeyError(kind)


_ARCHIVE_KIND = {
    "extract_zip": "zip",
    "extract_tar": "tar",
    "extract_gzip": "gzip",
    "extract_7z": "7z",
    "extract_odf": "odf",
}
ODF_MIMETYPE = "application/vnd.oasis.opendocument.text"
ODF_META = (
    '<office:document-meta xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0" '
    'xmlns:dc="http://purl.org/dc/elements/1.1/" office:version="1.2"><office:meta>'
    "<meta:initial-creator>Ann</meta:initial-creator><dc:creator>Bob</dc:creator>"
    "<meta:creation-date>2020-01-02T03:04:05</meta:creation-date>"
    "<meta:editing-duration>PT1H2M3S</meta:editing-duration>"
    '<meta:document-statistic meta:page-count="2"/></office:meta></office:document-meta>'
)
ODF_CONTENT = (
    '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:text>'
    '<text:p>Hello <text:span>world</text:span><text:s text:c="2"/>again</text:p>'
    "</office:text></office:body></office:document-content>"
)


def seeds_for(reg: Registration) -> tuple[bytes, ...]:
    name = reg.fn.__name__
    if name in _ARCHIVE_KIND:
        return _archive_seeds(_ARCHIVE_KIND[name])
    assert name in SEEDS, f"no fuzz seeds for extractor {reg.name}.{name}: add some to SEEDS"
    return tuple((CORPUS / p).read_bytes() for p in SEEDS[name])


INTERESTING = (
    b"\x00",
    b"\xff",
    b"\x7f",
    b"\x80",
    b"\x00\x00\x00\x00",
    b"\xff\xff\xff\xff",
    b"\x7f\xff\xff\xff",
    b"\x80\x00\x00\x00",
    b"\xff\xff\xff\xff\xff\xff\xff\xff",
    b"-1",
    b"99999999999999999999",
    b" 0 R",
    b"<<",
    b">>",
    b"obj",
    b"endstream",
    b"%%EOF",
    b"\r\n",
    b"=?utf-8?b?",
    b"--",
    b'<!DOCTYPE x [<!ENTITY a "aaaa">]>',
    b"&a;",
    b"\xef\xbb\xbf",
    b"\xed\xa0\x80",
)


@st.composite
def mutated(draw, seeds: tuple[bytes, ...]) -> bytes:
    data = bytearray(draw(st.sampled_from(seeds)))
    for _ in range(draw(st.integers(1, 6))):
        op = draw(
            st.sampled_from(("flip", "truncate", "insert", "delete", "interesting", "duplicate"))
        )
        pos = draw(st.integers(0, max(len(data) - 1, 0)))
        if op == "flip" and data:
            data[pos] ^= 1 << draw(st.integers(0, 7))
        elif op == "truncate":
            data = data[:pos]
        elif op == "insert":
            data[pos:pos] = draw(st.binary(min_size=1, max_size=64))
        elif op == "delete":
            del data[pos : pos + draw(st.integers(1, 512))]
        elif op == "interesting":
            value = draw(st.sampled_from(INTERESTING))
            data[pos : pos + len(value)] = value
        elif op == "duplicate":
            end = pos + draw(st.integers(1, 4096))
            data[pos:pos] = data[pos:end] * draw(st.integers(1, 8))
    return bytes(data)


class CallTimeout(BaseException):
    """An extractor call ran longer than CALL_LIMIT_S (a BaseException: nothing swallows it)."""


def call_with_deadline(reg: Registration, data: bytes) -> None:
    def on_alarm(signum, frame):
        raise CallTimeout(f"{reg.fn.__name__} took more than {CALL_LIMIT_S:g} s")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, CALL_LIMIT_S)
    try:
        result = reg.fn(data)
    except ExtractionError:
        return
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert isinstance(result, Extraction), type(result)


def _params():
    for reg in REGISTRY:
        name = reg.fn.__name__
        marks = ()
        if name in KNOWN_FAILURES:
            marks = (pytest.mark.xfail(strict=not CAMPAIGN, reason=KNOWN_FAILURES[name]),)
        yield pytest.param(reg, id=f"{reg.name}.{name}", marks=marks)


@pytest.fixture(scope="module", autouse=True)
def _corpus():
    if not CORPUS.is_dir():
        pytest.skip(f"shared corpus not found at {CORPUS}")


@pytest.mark.parametrize("reg", list(_params()))
def test_extractor_survives_mutations(reg: Registration) -> None:
    seeds = seeds_for(reg)
    for seed in seeds:  # the unmutated seeds must parse (else the fuzzing proves little)
        call_with_deadline(reg, seed)

    @settings(
        max_examples=EXAMPLES,
        deadline=None,  # the per-call deadline is CALL_LIMIT_S (SIGALRM)
        derandomize=not CAMPAIGN,
        database=None,
        print_blob=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(mutated(seeds))
    def run(data: bytes) -> None:
        call_with_deadline(reg, data)

    run()


def test_every_extractor_has_seeds() -> None:
    names = {reg.fn.__name__ for reg in REGISTRY}
    assert names <= set(SEEDS) | set(_ARCHIVE_KIND), names - set(SEEDS) - set(_ARCHIVE_KIND)


# --------------------------------------------------------------------------- ingest


def _ingest_seeds() -> tuple[bytes, ...]:
    from email.message import EmailMessage

    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "a@example.org", "b@example.org", "seed"
    msg["Date"] = "Wed, 01 Mar 2017 09:00:00 +0000"
    msg.set_content("see attached")
    pdf = (CORPUS / ARCHIVE_MEMBERS[0]).read_bytes()
    msg.add_attachment(pdf, maintype="application", subtype="pdf", filename="a.pdf")
    eml = msg.as_bytes()
    mbox = b"From a@example.org Wed Mar  1 09:00:00 2017\n" + eml + b"\n"
    return (
        *_archive_seeds("zip"),
        *_archive_seeds("tar"),
        *_archive_seeds("gzip"),
        *_archive_seeds("7z"),
        eml,
        mbox * 2,
    )


def test_ingest_survives_mutations(tmp_path) -> None:
    """Containers (zip, tar, gzip, 7z, eml, mbox) mutated: ingest never raises."""
    from authenticity.ingest import IngestProblem, iter_documents

    seeds = _ingest_seeds()
    source = tmp_path / "source.bin"

    def on_alarm(signum, frame):
        raise CallTimeout(f"ingest took more than {CALL_LIMIT_S:g} s")

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=not CAMPAIGN,
        database=None,
        print_blob=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(mutated(seeds))
    def run(data: bytes) -> None:
        source.write_bytes(data)
        problems: list[IngestProblem] = []
        previous = signal.signal(signal.SIGALRM, on_alarm)
        signal.setitimer(signal.ITIMER_REAL, CALL_LIMIT_S)
        try:
            docs = list(iter_documents(source, problems=problems))
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
        paths = [d.path for d in docs]
        assert len(paths) == len(set(paths)), paths
        for text in [*paths, *(p.message for p in problems)]:
            text.encode("utf-8")

    run()


# --------------------------------------------------------------------------- regressions
# Deterministic reproducers of what the longer campaign found (docs/hostile-input.md).


def _expect_extraction_error(fn, data: bytes) -> None:
    with contextlib.suppress(ExtractionError):
        fn(data)


def test_truncated_gzip_is_an_extraction_error() -> None:
    import gzip

    from authenticity.extract.archive import extract_gzip

    data = gzip.compress(bytes(range(256)) * 64, mtime=1488358800)[:40]
    _expect_extraction_error(extract_gzip, data)


def test_zip_version_too_new_is_an_extraction_error() -> None:
    from authenticity.extract.archive import extract_zip

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("a.txt", "hello")
    data = bytearray(buf.getvalue())
    data[data.find(b"PK\x01\x02") + 6] = 148  # version needed to extract: 14.8
    _expect_extraction_error(extract_zip, bytes(data))


def text_boxes_pdf(n: int) -> bytes:
    """One page with ``n`` scattered text objects (about 40 bytes each)."""
    from tests.hostile_dump import _pdf

    ops = b"".join(
        b"BT /F1 8 Tf %d %d Td (box %d) Tj ET\n" % ((i * 37) % 560 + 10, (i * 53) % 780 + 10, i)
        for i in range(n)
    )
    return _pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
            b"/Resources << /Font << /F1 5 0 R >> >> >>",
            b"<< /Length %d >>\nstream\n" % len(ops) + ops + b"\nendstream",
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        ],
        b"<< /Size 6 /Root 1 0 R >>",
    )


def test_many_text_boxes_pdf_is_fast() -> None:
    from authenticity.extract.pdf import extract_pdf

    reg = next(r for r in REGISTRY if r.fn is extract_pdf)
    global CALL_LIMIT_S
    saved, CALL_LIMIT_S = CALL_LIMIT_S, 3.0
    try:
        call_with_deadline(reg, text_boxes_pdf(1000))
    finally:
        CALL_LIMIT_S = saved

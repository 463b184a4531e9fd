"""Archive documents: entry times from real zip/tar/gzip/7z writers."""

from __future__ import annotations

import datetime as dt
import gzip
import io
import tarfile
import zipfile

import pytest

from authenticity.errors import ExtractionError
from authenticity.extract.archive import extract_7z, extract_gzip, extract_tar, extract_zip


def test_zip_entry_time_span_ignores_dos_epoch():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr(zipfile.ZipInfo("a.txt", (2017, 4, 2, 10, 0, 0)), b"a")
        zf.writestr(zipfile.ZipInfo("b.txt", (2017, 5, 9, 8, 30, 0)), b"b")
        zf.writestr(zipfile.ZipInfo("c.txt", (1980, 1, 1, 0, 0, 0)), b"c")
    ex = extract_zip(buf.getvalue())
    assert ex.metadata.created == dt.datetime(2017, 4, 2, 10, 0)
    assert ex.metadata.modified == dt.datetime(2017, 5, 9, 8, 30)
    assert ex.facts["entry_count"] == 3
    assert [e["name"] for e in ex.metadata.raw["entries"]] == ["a.txt", "b.txt", "c.txt"]


def test_tar_and_tgz_mtimes_are_utc():
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tf:
        for name, when in (("x.pdf", 1491127200), ("y.pdf", 1491300000)):
            info = tarfile.TarInfo(name)
            info.size = 3
            info.mtime = when
            info.uname = "amartin"
            tf.addfile(info, io.BytesIO(b"abc"))
    ex = extract_gzip(buf.getvalue())
    assert ex.facts["archive_format"] == "tar"
    assert ex.metadata.created == dt.datetime.fromtimestamp(1491127200, dt.UTC)
    assert ex.metadata.modified == dt.datetime.fromtimestamp(1491300000, dt.UTC)
    assert ex.metadata.author == "amartin"


def test_plain_gzip_header_time_and_name():
    buf = io.BytesIO()
    with gzip.GzipFile(filename="budget.csv", mode="wb", fileobj=buf, mtime=1491127200) as gz:
        gz.write(b"a,b\n1,2\n")
    ex = extract_gzip(buf.getvalue())
    assert ex.metadata.modified == dt.datetime(2017, 4, 2, 10, 0, tzinfo=dt.UTC)
    assert ex.metadata.raw["name"] == "budget.csv"


def test_7z_listing():
    py7zr = pytest.importorskip("py7zr")
    buf = io.BytesIO()
    with py7zr.SevenZipFile(buf, "w") as archive:
        archive.writestr(b"hello", "notes/hello.txt")
    ex = extract_7z(buf.getvalue())
    assert ex.facts["entry_count"] == 1
    assert ex.metadata.raw["entries"][0]["name"] == "notes/hello.txt"


@pytest.mark.parametrize("fn", [extract_zip, extract_tar, extract_gzip, extract_7z])
def test_garbage_is_an_extraction_error(fn):
    with pytest.raises(ExtractionError):
        fn(b"\x1f\x8bnot really an archive at all" * 3)

"""Ingest layer: real archives, mailboxes and messages built here with the stdlib writers."""

from __future__ import annotations

import base64
import functools
import hashlib
import http.server
import io
import mailbox
import os
import tarfile
import threading
import zipfile
from email.message import EmailMessage
from pathlib import Path

import docx
import py7zr
import pytest

from authenticity.errors import SourceError
from authenticity.ingest import IngestLimits, IngestProblem, iter_documents
from authenticity.model import Document
from authenticity.sniff import detect_mime

DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
KITTERMAN_MBOX = Path("/work/shared/corpus/email/kitterma__dkim_tests_data_message.mbox")


# --------------------------------------------------------------------------- builders


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def zip_bytes(members: list[tuple[str, bytes]]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members:
            zf.writestr(name, data)
    return buf.getvalue()


def tar_bytes(members: list[tuple[str, bytes]], mode: str = "w:gz") -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode=mode) as tf:
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def docx_bytes(text: str = "Quarterly budget, confidential.") -> bytes:
    document = docx.Document()
    document.add_paragraph(text)
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def email_bytes(
    attachments: list[tuple[str, bytes, str]], subject: str = "hello", body: str = "see attached"
) -> bytes:
    msg = EmailMessage()
    msg["From"] = "alice@example.org"
    msg["To"] = "bob@example.org"
    msg["Subject"] = subject
    msg["Date"] = "Mon, 04 Mar 2024 10:00:00 +0000"
    msg["Message-ID"] = f"<{sha(subject.encode())[:12]}@example.org>"
    msg.set_content(body)
    for filename, data, mime in attachments:
        maintype, subtype = mime.split("/")
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return msg.as_bytes()


def mbox_bytes(messages: list[bytes]) -> bytes:
    out = b""
    for message in messages:
        assert message.endswith(b"\n")
        out += b"From alice@example.org Mon Mar  4 10:00:00 2024\n" + message + b"\n"
    return out


def collect(source, **kwargs) -> tuple[list[Document], list[IngestProblem]]:
    problems: list[IngestProblem] = []
    docs = list(iter_documents(str(source), problems=problems, **kwargs))
    return docs, problems


def paths(docs: list[Document]) -> list[str]:
    return [d.path for d in docs]


def assert_hashes(docs: list[Document]) -> None:
    for d in docs:
        content = d.read()
        assert d.sha256 == sha(content), d.path
        assert d.size == len(content), d.path
        assert (d.data is None) != (d.file is None), d.path


# --------------------------------------------------------------------------- directory


def test_directory_nested_sorted_and_file_backed(tmp_path: Path) -> None:
    (tmp_path / "sub" / "deeper").mkdir(parents=True)
    files = {
        "b.txt": b"bee",
        "a.txt": b"ay",
        "sub/m.txt": b"em",
        "sub/deeper/c.bin": bytes(range(256)),
        "z.txt": b"zed",
    }
    for rel, data in files.items():
        (tmp_path / rel).write_bytes(data)
    (tmp_path / "link.txt").symlink_to(tmp_path / "a.txt")
    (tmp_path / "sub" / "dirlink").symlink_to(tmp_path / "sub" / "deeper")

    docs, problems = collect(tmp_path)

    assert paths(docs) == ["a.txt", "b.txt", "sub/deeper/c.bin", "sub/m.txt", "z.txt"]
    for d in docs:
        assert d.data is None and d.file is not None and d.parent is None
        assert Path(d.file).read_bytes() == files[d.path]
        assert d.sha256 == sha(files[d.path])
    assert {(p.path, p.code) for p in problems} == {
        ("link.txt", "SYMLINK_SKIPPED"),
        ("sub/dirlink", "SYMLINK_SKIPPED"),
    }


def test_missing_source_raises_source_error(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="source not found"):
        iter_documents(str(tmp_path / "nope"))
    with pytest.raises(SourceError):
        iter_documents("nosuchprotocol://host/x.zip")


# --------------------------------------------------------------------------- archives


def test_zip_with_nested_zip(tmp_path: Path) -> None:
    inner = zip_bytes([("x.txt", b"inner text")])
    outer = zip_bytes([("docs/a.txt", b"alpha"), ("inner.zip", inner)])
    (tmp_path / "outer.zip").write_bytes(outer)

    docs, problems = collect(tmp_path)
    assert problems == []
    assert paths(docs) == [
        "outer.zip",
        "outer.zip!/docs/a.txt",
        "outer.zip!/inner.zip",
        "outer.zip!/inner.zip!/x.txt",
    ]
    assert [d.parent for d in docs] == [None, "outer.zip", "outer.zip", "outer.zip!/inner.zip"]
    assert docs[0].file is not None and docs[2].data == inner
    assert_hashes(docs)

    # The same zip given as the source is the dump root: not yielded, no prefix.
    root_docs, _ = collect(tmp_path / "outer.zip")
    assert paths(root_docs) == ["docs/a.txt", "inner.zip", "inner.zip!/x.txt"]
    assert [d.parent for d in root_docs] == [None, None, "inner.zip"]


def test_tar_gz_and_single_gzip(tmp_path: Path) -> None:
    import gzip

    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tf:
        for name, data in [("dir/one.txt", b"one"), ("two.txt", b"two")]:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
        link = tarfile.TarInfo("dir/evil-link")
        link.type = tarfile.SYMTYPE
        link.linkname = "/etc/passwd"
        tf.addfile(link)
        fifo = tarfile.TarInfo("dir/pipe")
        fifo.type = tarfile.FIFOTYPE
        tf.addfile(fifo)
    (tmp_path / "dump.tar.gz").write_bytes(buf.getvalue())
    report = b"%PDF-1.4 pretend report\n"
    (tmp_path / "report.pdf.gz").write_bytes(gzip.compress(report))

    docs, problems = collect(tmp_path)
    assert paths(docs) == [
        "dump.tar.gz",
        "dump.tar.gz!/dir/one.txt",
        "dump.tar.gz!/two.txt",
        "report.pdf.gz",
        "report.pdf.gz!/report.pdf",
    ]
    assert docs[-1].data == report and docs[-1].parent == "report.pdf.gz"
    assert_hashes(docs)
    assert sorted((p.path, p.code) for p in problems) == [
        ("dump.tar.gz!/dir/evil-link", "ARCHIVE_UNSAFE_MEMBER"),
        ("dump.tar.gz!/dir/pipe", "ARCHIVE_UNSAFE_MEMBER"),
    ]

    root_docs, _ = collect(tmp_path / "dump.tar.gz")
    assert paths(root_docs) == ["dir/one.txt", "two.txt"]


def test_7z(tmp_path: Path) -> None:
    archive = tmp_path / "box.7z"
    inner = zip_bytes([("deep.txt", b"deep")])
    with py7zr.SevenZipFile(archive, "w") as sz:
        sz.writestr(b"first member", "a/first.txt")
        sz.writestr(b"", "a/empty.txt")
        sz.writestr(inner, "nested.zip")
        sz.writestr(b"first member", "b/same-content.txt")

    docs, problems = collect(archive)
    assert problems == []
    assert paths(docs) == [
        "a/first.txt",
        "a/empty.txt",
        "nested.zip",
        "nested.zip!/deep.txt",
        "b/same-content.txt",
    ]
    by_path = {d.path: d for d in docs}
    assert by_path["a/empty.txt"].size == 0
    assert by_path["nested.zip"].data == inner
    assert by_path["a/first.txt"].sha256 == by_path["b/same-content.txt"].sha256
    assert_hashes(docs)


@pytest.mark.filterwarnings("ignore:Duplicate name")
def test_zip_member_names_are_text_and_nothing_is_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    names = ["../../escape.txt", "/etc/passwd-copy", "ok/../../x.txt", "odd!/name.txt", "dup.txt"]
    members = [(n, n.encode()) for n in names] + [("dup.txt", b"second")]
    dump = tmp_path / "dump"
    dump.mkdir()
    (dump / "evil.zip").write_bytes(zip_bytes(members))
    work = tmp_path / "work" / "a" / "b"
    work.mkdir(parents=True)
    monkeypatch.chdir(work)
    before = sorted(p for p in tmp_path.rglob("*"))

    docs, problems = collect(dump)

    assert problems == []
    assert paths(docs) == [
        "evil.zip",
        "evil.zip!/../../escape.txt",
        "evil.zip!//etc/passwd-copy",
        "evil.zip!/ok/../../x.txt",
        "evil.zip!/odd%21/name.txt",
        "evil.zip!/dup.txt",
        "evil.zip!/dup (2).txt",
    ]
    assert docs[-1].data == b"second"
    assert all(d.data is not None for d in docs[1:])
    assert_hashes(docs)
    assert sorted(p for p in tmp_path.rglob("*")) == before
    assert not Path("/etc/passwd-copy").exists()


def test_corrupt_zip_is_yielded_with_problem(tmp_path: Path) -> None:
    good = zip_bytes([("a.txt", b"a" * 1000), ("b.txt", b"b" * 1000)])
    (tmp_path / "broken.zip").write_bytes(good[: len(good) // 2])
    (tmp_path / "z.txt").write_bytes(b"after")

    docs, problems = collect(tmp_path)
    assert paths(docs) == ["broken.zip", "z.txt"]
    assert [(p.path, p.code) for p in problems] == [("broken.zip", "ARCHIVE_UNREADABLE")]

    # As the source itself it cannot be a dump root: it is yielded as a plain document.
    root_docs, root_problems = collect(tmp_path / "broken.zip")
    assert paths(root_docs) == ["broken.zip"]
    assert [p.code for p in root_problems] == ["ARCHIVE_UNREADABLE"]


def test_depth_limit_stops_recursion_and_scan_goes_on(tmp_path: Path) -> None:
    level = zip_bytes([("x.txt", b"bottom")])
    for name in ("d.zip", "c.zip", "b.zip"):
        level = zip_bytes([(name, level)])
    (tmp_path / "a.zip").write_bytes(level)
    (tmp_path / "z.txt").write_bytes(b"still scanned")

    docs, problems = collect(tmp_path, limits=IngestLimits(max_depth=2))
    assert paths(docs) == ["a.zip", "a.zip!/b.zip", "a.zip!/b.zip!/c.zip", "z.txt"]
    assert [(p.path, p.code) for p in problems] == [("a.zip!/b.zip!/c.zip", "ARCHIVE_DEPTH_LIMIT")]

    docs, problems = collect(tmp_path)
    assert paths(docs)[-2:] == ["a.zip!/b.zip!/c.zip!/d.zip!/x.txt", "z.txt"]
    assert problems == []


def test_member_count_size_and_ratio_limits(tmp_path: Path) -> None:
    bomb = b"\x00" * (3 << 20)  # deflates more than 200:1
    (tmp_path / "many.zip").write_bytes(
        zip_bytes([("1.txt", b"1"), ("2.txt", b"2"), ("3.txt", b"3")])
    )
    (tmp_path / "ratio.zip").write_bytes(zip_bytes([("zeros.bin", bomb), ("ok.txt", b"ok")]))
    (tmp_path / "big.zip").write_bytes(zip_bytes([("big.bin", os.urandom(5000)), ("s", b"s")]))

    docs, problems = collect(tmp_path, limits=IngestLimits(max_members=2, max_member_bytes=4096))
    assert paths(docs) == [
        "big.zip",
        "big.zip!/s",
        "many.zip",
        "many.zip!/1.txt",
        "many.zip!/2.txt",
        "ratio.zip",
        "ratio.zip!/ok.txt",
    ]
    assert [(p.path, p.code) for p in problems] == [
        ("big.zip!/big.bin", "ARCHIVE_SIZE_LIMIT"),
        ("many.zip", "ARCHIVE_MEMBER_LIMIT"),
        ("ratio.zip!/zeros.bin", "ARCHIVE_SIZE_LIMIT"),
    ]
    docs, problems = collect(tmp_path / "ratio.zip")
    assert paths(docs) == ["ok.txt"]
    assert [(p.path, p.code) for p in problems] == [("zeros.bin", "ARCHIVE_RATIO_LIMIT")]


def test_document_zips_are_not_recursed(tmp_path: Path) -> None:
    odt_like = zip_bytes([("mimetype", b"application/vnd.oasis.opendocument.text"), ("c", b"c")])
    (tmp_path / "memo.docx").write_bytes(docx_bytes())
    (tmp_path / "odd-name.bin").write_bytes(odt_like)
    docs, problems = collect(tmp_path)
    assert paths(docs) == ["memo.docx", "odd-name.bin"]
    assert problems == []


def test_zip_of_stored_docx_is_still_a_container(tmp_path: Path) -> None:
    # Stored (uncompressed) members put "[Content_Types].xml" and "word/" in the outer
    # zip's raw bytes; the members list, not a byte scan, decides.
    memo = docx_bytes()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("memo.docx", memo)
    (tmp_path / "stored.zip").write_bytes(buf.getvalue())
    docs, problems = collect(tmp_path)
    assert paths(docs) == ["stored.zip", "stored.zip!/memo.docx"]
    assert docs[1].data == memo
    assert problems == []
    # analysis agrees: the archive is analysed as a zip (its entry list), not as a docx
    assert detect_mime(buf.getvalue(), "application/zip") == "application/zip"
    assert detect_mime(memo, "application/zip") == DOCX_MIME


def test_sniffing_a_damaged_zip_never_raises() -> None:
    # The member list is read from the central directory, which a damaged file garbles:
    # sniffing falls back to the byte scan and always answers.
    import random

    data = docx_bytes()
    rng = random.Random(7)
    end = data.rfind(b"PK\x05\x06")
    start = data.rfind(b"PK\x01\x02", 0, end)
    assert 0 < start < end
    for _ in range(300):
        damaged = bytearray(data)
        for _ in range(rng.randint(1, 8)):
            damaged[rng.randrange(start, len(data))] = rng.randrange(256)
        assert isinstance(detect_mime(bytes(damaged), "application/zip"), str)
    assert detect_mime(data[: len(data) // 2], "application/zip") == DOCX_MIME  # recovered


def test_encrypted_7z_is_reported(tmp_path: Path) -> None:
    with py7zr.SevenZipFile(tmp_path / "a.7z", "w", password="secret") as sz:
        sz.writestr(b"hidden", "a.txt")
    with py7zr.SevenZipFile(
        tmp_path / "b.7z", "w", password="secret", header_encryption=True
    ) as sz:
        sz.writestr(b"hidden", "b.txt")
    docs, problems = collect(tmp_path)
    assert paths(docs) == ["a.7z", "b.7z"]
    assert [(p.path, p.code) for p in problems] == [
        ("a.7z", "ARCHIVE_ENCRYPTED_MEMBER"),
        ("b.7z", "ARCHIVE_ENCRYPTED_MEMBER"),
    ]


# --------------------------------------------------------------------------- email


def test_standalone_eml_with_duplicate_attachment_names(tmp_path: Path) -> None:
    pdf1, pdf2 = b"%PDF-1.4 first\n", b"%PDF-1.4 second\n"
    passwd = b"root:x:0:0\n"
    raw = email_bytes(
        [
            ("report.pdf", pdf1, "application/pdf"),
            ("report.pdf", pdf2, "application/pdf"),
            ("../../etc/passwd", passwd, "application/octet-stream"),
        ]
    )
    source = tmp_path / "msg.eml"
    source.write_bytes(raw)

    docs, problems = collect(source)
    assert problems == []
    assert paths(docs) == [
        "msg.eml",
        "msg.eml!/report.pdf",
        "msg.eml!/report (2).pdf",
        "msg.eml!/passwd",
    ]
    assert docs[0].file is not None and docs[0].parent is None and docs[0].container_mime is None
    assert [d.read() for d in docs[1:]] == [pdf1, pdf2, passwd]
    for d in docs[1:]:
        assert d.parent == "msg.eml"
        assert d.container_mime == "message/rfc822"
    assert [d.declared_mime for d in docs[1:]] == [
        "application/pdf",
        "application/pdf",
        "application/octet-stream",
    ]
    assert_hashes(docs)


def test_non_ascii_attachment_names_in_every_encoding(tmp_path: Path) -> None:
    pdf = b"%PDF-1.4 x\n"
    # EmailMessage writes a long non-ASCII name as RFC 2231 (filename*=utf-8''...); Outlook and
    # others write RFC 2047 encoded words, folded over lines; some write raw UTF-8 bytes.
    rfc2231 = email_bytes([("Протокол заседания.pdf", pdf, "application/pdf")])
    encoded_words = (
        b"From: a@example.org\nSubject: x\nMIME-Version: 1.0\n"
        b'Content-Type: multipart/mixed; boundary="B"\n\n--B\nContent-Type: text/plain\n\nhi\n'
        b'--B\nContent-Type: application/pdf\nContent-Disposition: attachment; filename="'
        b'=?UTF-8?Q?Zarz=C4=85dzenie_o_odmowie?=\n        =?UTF-8?Q?_udzia=C5=82u=2Epdf?="'
        b"\nContent-Transfer-Encoding: base64\n\n" + base64.b64encode(pdf) + b"\n--B--\n"
    )
    folded = b"=?UTF-8?Q?Zarz=C4=85dzenie_o_odmowie?=\n        =?UTF-8?Q?_udzia=C5=82u=2Epdf?="
    raw_8bit = encoded_words.replace(folded, "ФНС_РФ558.pdf".encode())
    for name, raw in (("a.eml", rfc2231), ("b.eml", encoded_words), ("c.eml", raw_8bit)):
        (tmp_path / name).write_bytes(raw)
    docs, problems = collect(tmp_path)
    assert problems == []
    assert [p for p in paths(docs) if "!/" in p] == [
        "a.eml!/Протокол заседания.pdf",
        "b.eml!/Zarządzenie o odmowie udziału.pdf",
        "c.eml!/ФНС_РФ558.pdf",
    ]
    assert all(d.read() == pdf for d in docs if "!/" in d.path)


def test_forwarded_message_is_a_document_and_recursed(tmp_path: Path) -> None:
    inner_raw = email_bytes([("inner.pdf", b"%PDF-1.7 inner\n", "application/pdf")], "inner")
    inner = EmailMessage()
    inner["From"] = "carol@example.org"
    inner["Subject"] = "fwd"
    inner.set_content("forwarding")
    outer = EmailMessage()
    outer["From"] = "dave@example.org"
    outer["Subject"] = "outer"
    outer.set_content("see forwarded")
    from email import message_from_bytes, policy

    outer.add_attachment(message_from_bytes(inner_raw, policy=policy.default))
    (tmp_path / "outer.eml").write_bytes(outer.as_bytes())

    docs, problems = collect(tmp_path)
    assert problems == []
    assert paths(docs) == ["outer.eml", "outer.eml!/part-2.eml", "outer.eml!/part-2.eml!/inner.pdf"]
    assert docs[1].declared_mime == "message/rfc822"
    assert docs[2].parent == "outer.eml!/part-2.eml"
    assert docs[2].read() == b"%PDF-1.7 inner\n"
    assert b"Subject: inner" in docs[1].read()


def test_broken_base64_attachment_does_not_crash(tmp_path: Path) -> None:
    raw = (
        b"From: a@example.org\nTo: b@example.org\nSubject: broken\nMIME-Version: 1.0\n"
        b'Content-Type: multipart/mixed; boundary="XX"\n\n'
        b"--XX\nContent-Type: text/plain\n\nhello\n"
        b'--XX\nContent-Type: application/pdf; name="bad.pdf"\n'
        b"Content-Transfer-Encoding: base64\n"
        b'Content-Disposition: attachment; filename="bad.pdf"\n\n'
        b"JVBERi0x!!LjQK*\n"  # stray characters: decoded leniently, with a defect
        b"--XX\nContent-Type: application/octet-stream\nContent-Disposition: attachment\n\n"
        b"no name\n--XX--\n"
    )
    (tmp_path / "broken.eml").write_bytes(raw)
    docs, _ = collect(tmp_path / "broken.eml")
    assert paths(docs) == ["broken.eml", "broken.eml!/bad.pdf", "broken.eml!/part-3.bin"]
    assert docs[1].read() == b"%PDF-1.4\n"
    assert_hashes(docs)


def test_mbox_with_two_messages(tmp_path: Path) -> None:
    m1 = email_bytes([], "first")
    m2 = email_bytes([("data.csv", b"a,b\n1,2\n", "text/csv")], "second")
    source = tmp_path / "box.mbox"
    source.write_bytes(mbox_bytes([m1, m2]))

    docs, problems = collect(source)
    assert problems == []
    assert paths(docs) == ["00001.eml", "00002.eml", "00002.eml!/data.csv"]
    assert [d.read() for d in docs[:2]] == [m1, m2]
    assert [d.parent for d in docs] == [None, None, "00002.eml"]
    assert docs[2].declared_mime == "text/csv"
    assert len(mailbox.mbox(str(source), create=False)) == 2
    assert_hashes(docs)


def test_key_zip_holding_mbox_with_docx_attachment(tmp_path: Path) -> None:
    memo = docx_bytes()
    loose_docx = docx_bytes("A loose document in the archive.")
    message = email_bytes([("memo.docx", memo, DOCX_MIME)], "budget")
    box = mbox_bytes([message])
    notes = b"plain notes\n"
    leak = zip_bytes([("mail/box.mbox", box), ("plan.docx", loose_docx), ("notes.txt", notes)])
    (tmp_path / "leak.zip").write_bytes(leak)

    docs, problems = collect(tmp_path)

    assert problems == []
    expected = {
        "leak.zip": (leak, None),
        "leak.zip!/mail/box.mbox": (box, "leak.zip"),
        "leak.zip!/mail/box.mbox!/00001.eml": (message, "leak.zip!/mail/box.mbox"),
        "leak.zip!/mail/box.mbox!/00001.eml!/memo.docx": (
            memo,
            "leak.zip!/mail/box.mbox!/00001.eml",
        ),
        "leak.zip!/plan.docx": (loose_docx, "leak.zip"),
        "leak.zip!/notes.txt": (notes, "leak.zip"),
    }
    assert paths(docs) == list(expected)
    for d in docs:
        content, parent = expected[d.path]
        assert d.sha256 == hashlib.sha256(content).hexdigest(), d.path
        assert d.size == len(content)
        assert d.read() == content
        assert d.parent == parent
    attachment = docs[3]
    assert attachment.declared_mime == DOCX_MIME
    assert attachment.container_mime == "message/rfc822"
    assert attachment.extension == "docx"
    assert all(d.declared_mime is None for d in docs if d is not attachment)
    assert docs[0].file is not None and all(d.data is not None for d in docs[1:])

    # The zip as the source: the same documents, relative to it.
    root_docs, _ = collect(tmp_path / "leak.zip")
    assert paths(root_docs) == [p.removeprefix("leak.zip!/") for p in list(expected)[1:]]
    assert root_docs[0].parent is None
    assert root_docs[2].parent == "mail/box.mbox!/00001.eml"


@pytest.mark.skipif(not KITTERMAN_MBOX.exists(), reason="shared corpus not available")
def test_corpus_message_named_mbox() -> None:
    # Despite its name this corpus file is one RFC 822 message (no "From " separator line):
    # mailbox finds no message in it, and ingest treats it, by content, as an email.
    assert not KITTERMAN_MBOX.read_bytes().startswith(b"From ")
    assert len(mailbox.mbox(str(KITTERMAN_MBOX), create=False)) == 0
    docs, problems = collect(KITTERMAN_MBOX)
    assert problems == []
    assert docs[0].path == KITTERMAN_MBOX.name and docs[0].file is not None
    assert not any(d.path.endswith(".eml") for d in docs)
    assert [d.path for d in docs[1:]] == [f"{KITTERMAN_MBOX.name}!/signature.asc"]
    assert docs[1].declared_mime == "application/pgp-signature"
    assert_hashes(docs)


# --------------------------------------------------------------------------- URLs


def test_file_url(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "a.zip").write_bytes(zip_bytes([("x.txt", b"x")]))
    docs, _ = collect(tmp_path.as_uri())
    assert paths(docs) == ["sub/a.zip", "sub/a.zip!/x.txt"]
    assert docs[0].file is not None
    single, _ = collect((tmp_path / "sub" / "a.zip").as_uri())
    assert paths(single) == ["x.txt"]


def test_memory_url_directory_is_walked() -> None:
    import fsspec

    fs = fsspec.filesystem("memory")
    fs.pipe("/ingest-test/dump/b/two.txt", b"two")
    fs.pipe("/ingest-test/dump/a.zip", zip_bytes([("one.txt", b"one")]))
    try:
        docs, problems = collect("memory://ingest-test/dump")
    finally:
        fs.rm("/ingest-test", recursive=True)
    assert problems == []
    assert paths(docs) == ["a.zip", "a.zip!/one.txt", "b/two.txt"]
    assert all(d.data is not None for d in docs)
    assert_hashes(docs)


@pytest.fixture
def http_root(tmp_path: Path):
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args) -> None:
            pass

    handler = functools.partial(Quiet, directory=str(tmp_path))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield tmp_path, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def test_http_url_serving_a_zip(http_root) -> None:
    root, base = http_root
    report = b"%PDF-1.4 remote\n"
    (root / "dump.zip").write_bytes(zip_bytes([("docs/report.pdf", report), ("n.txt", b"n")]))
    (root / "single.pdf").write_bytes(report)

    docs, problems = collect(f"{base}/dump.zip")
    assert problems == []
    assert paths(docs) == ["docs/report.pdf", "n.txt"]
    assert docs[0].read() == report
    assert_hashes(docs)

    single, _ = collect(f"{base}/single.pdf")
    assert paths(single) == ["single.pdf"]
    assert single[0].data == report and single[0].file is None  # survives the temp dir

    with pytest.raises(SourceError):
        list(iter_documents(f"{base}/missing.zip"))


# ------------------------------------------------------------- sniff once, read bounded


def test_every_document_is_sniffed_once_in_ingest_and_analysis_reuses_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from authenticity import sniff
    from authenticity.analyse import analyse_document
    from authenticity.config import Settings

    big = b"%PDF-1.4\n" + b"%" * (1 << 21)  # over 1 MiB: sniffed from its first MiB
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "a@example.org", "b@example.org", "budget"
    msg.set_content("see attachment")
    msg.add_attachment(docx_bytes(), maintype="application", subtype="octet-stream")
    (tmp_path / "a.zip").write_bytes(zip_bytes([("x.docx", docx_bytes()), ("n.txt", b"hi")]))
    (tmp_path / "m.eml").write_bytes(bytes(msg))
    (tmp_path / "big.pdf").write_bytes(big)
    (tmp_path / "empty").write_bytes(b"")

    calls: list[int] = []
    real = sniff.magic_mime
    monkeypatch.setattr(
        "authenticity.ingest._core.magic_mime", lambda data: (calls.append(1), real(data))[1]
    )
    docs = list(iter_documents(tmp_path))
    assert len(calls) == len(docs) == 7  # zip and its 2 members, eml and its attachment, 2 files
    for doc in docs:
        content = doc.read()
        assert doc.sniffed_mime == real(content[: 1 << 20]), doc.path
        assert detect_mime(content, doc.sniffed_mime) == detect_mime(content), doc.path

    def no_libmagic(data: bytes) -> str:
        raise AssertionError("libmagic ran again in analysis")

    monkeypatch.setattr(sniff, "magic_mime", no_libmagic)
    settings = Settings(workers=0)
    by_path = {doc.path: analyse_document(doc, settings) for doc in docs}
    assert by_path["a.zip!/x.docx"].mime == DOCX_MIME
    assert by_path["big.pdf"].mime == "application/pdf"
    assert by_path["empty"].mime == "application/x-empty"

    # A document made elsewhere (no sniffed_mime) is still sniffed in analysis.
    monkeypatch.setattr(sniff, "magic_mime", real)
    bare = Document("x.docx", sha(docx_bytes()), 0, data=docx_bytes())
    assert analyse_document(bare, settings).mime == DOCX_MIME


def test_detect_mime_refines_a_given_libmagic_answer() -> None:
    data = zip_bytes([("[Content_Types].xml", b"<Types/>"), ("word/document.xml", b"<w/>")])
    assert detect_mime(data, "application/zip") == DOCX_MIME
    assert detect_mime(data, "application/pdf") == "application/pdf"  # trusted as given
    assert detect_mime(b"", "application/pdf") == "application/x-empty"


def test_read_all_reads_the_listed_size_and_notices_growth(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import contextlib

    from authenticity.ingest._core import Node

    path = tmp_path / "f.eml"
    path.write_bytes(b"x" * 1000)
    node = Node.root(str(path), "f.eml", 1000)
    sizes: list[int] = []
    real_open = Node.open

    class Recording:
        def __init__(self, fh: io.BufferedReader) -> None:
            self.fh = fh

        def read(self, n: int = -1) -> bytes:
            sizes.append(n)
            return self.fh.read(n)

    @contextlib.contextmanager
    def recording_open(self: Node):
        with real_open(self) as fh:
            yield Recording(fh)

    monkeypatch.setattr(Node, "open", recording_open)
    limit = 512 << 20
    assert node.read_all(limit) == b"x" * 1000
    assert sizes == [1001]  # the listed size plus one byte, never a 512 MiB request
    path.write_bytes(b"x" * 3000)  # grew after it was listed: read on
    assert node.read_all(limit) == b"x" * 3000
    assert node.read_all(2000) is None  # grew past the limit
    assert max(sizes) <= 1 << 20  # growth is read in chunks of at most 1 MiB
    assert Node.root(str(path), "f.eml", 3000).read_all(2999) is None  # listed too big
    path.write_bytes(b"x" * 10)  # shrank: what is there
    assert node.read_all(limit) == b"x" * 10


def test_read_documents_reads_only_the_wanted_paths_again(tmp_path):
    import io
    import zipfile

    from authenticity.ingest import read_documents

    (tmp_path / "a.txt").write_bytes(b"alpha")
    (tmp_path / "sub").mkdir()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("in/b.txt", b"bravo")
        zf.writestr("in/c.txt", b"charlie")
    (tmp_path / "sub" / "pack.zip").write_bytes(buf.getvalue())
    (tmp_path / "z.txt").write_bytes(b"zulu")
    got: dict[str, bytes] = {}
    found = read_documents(
        tmp_path, ["sub/pack.zip!/in/c.txt", "a.txt", "gone.txt"], got.__setitem__
    )
    assert found == 2
    assert got == {"sub/pack.zip!/in/c.txt": b"charlie", "a.txt": b"alpha"}
    # the source as one archive: its members are the dump's top level
    got.clear()
    assert read_documents(tmp_path / "sub" / "pack.zip", ["in/b.txt"], got.__setitem__) == 1
    assert got == {"in/b.txt": b"bravo"}
    # nothing for a URL or a source that is gone
    assert read_documents("https://example.org/dump.zip", ["x"], got.__setitem__) == 0
    assert read_documents(tmp_path / "nope", ["x"], got.__setitem__) == 0

"""A dump built to hurt: bombs, traversal names, links, entity expansion, loops, odd names.

:func:`build_hostile_dump` writes it under ``root`` (about 5 MB on disk, built in a few
seconds) and describes each entry: its provenance path, the provenance paths that must get
a scorecard, and the ingest problem codes it must cause. Nothing large is ever written:
the 1 GiB bombs reuse one raw deflate block sequence built from 1 MiB of zeros.
"""

from __future__ import annotations

import io
import os
import struct
import tarfile
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from authenticity.ingest import IngestLimits

MiB = 1 << 20
GiB = 1 << 30

#: Markup put in metadata values: the HTML report must show it as text.
SCRIPT = '<script>alert("x")</script><img src=x onerror=alert(1)>'

#: Text that must never reach a scorecard (it would come from an XXE read of /etc/passwd).
PASSWD_MARKERS = ("root:x:0:0", "root:*:0:0", "/bin/bash", "/usr/sbin/nologin")


@dataclass
class Entry:
    kind: str  # what the entry attacks
    path: str  # provenance path of the top-level file (as the scan should report it)
    expected: list[str] = field(default_factory=list)  # provenance paths that need a card
    problems: list[str] = field(default_factory=list)  # ingest problem codes it must cause
    note: str = ""


# --------------------------------------------------------------------------- deflate bombs

_ZEROS_BLOCK: bytes | None = None


def _zeros_block() -> bytes:
    """Raw deflate of 1 MiB of zeros ending in a full flush: repeatable back to back."""
    global _ZEROS_BLOCK
    if _ZEROS_BLOCK is None:
        c = zlib.compressobj(9, zlib.DEFLATED, -15)
        _ZEROS_BLOCK = c.compress(bytes(MiB)) + c.flush(zlib.Z_FULL_FLUSH)
    return _ZEROS_BLOCK


_FINAL_EMPTY_BLOCK = b"\x03\x00"  # a final fixed-Huffman block with no symbols


def deflate_zeros(mib: int) -> tuple[bytes, int]:
    """(raw deflate stream of ``mib`` MiB of zeros, its CRC-32), without holding the zeros."""
    crc = 0
    zeros = bytes(MiB)
    for _ in range(mib):
        crc = zlib.crc32(zeros, crc)
    return _zeros_block() * mib + _FINAL_EMPTY_BLOCK, crc


def _raw_zip(members: list[tuple[str, bytes, int, int, int]]) -> bytes:
    """A zip of pre-deflated members: (name, deflate data, crc, declared size, method)."""
    out = io.BytesIO()
    central = []
    for name, data, crc, usize, method in members:
        offset = out.tell()
        raw_name = name.encode("utf-8")
        flags = 0x800  # names are UTF-8
        out.write(
            struct.pack(
                "<IHHHHHIIIHH",
                0x04034B50,
                20,
                flags,
                method,
                0,
                0x21,
                crc,
                len(data),
                usize,
                len(raw_name),
                0,
            )
        )
        out.write(raw_name)
        out.write(data)
        central.append(
            struct.pack(
                "<IHHHHHHIIIHHHHHII",
                0x02014B50,
                (3 << 8) | 20,
                20,
                flags,
                method,
                0,
                0x21,
                crc,
                len(data),
                usize,
                len(raw_name),
                0,
                0,
                0,
                0,
                (0o100644 << 16),
                offset,
            )
            + raw_name
        )
    cd_offset = out.tell()
    for rec in central:
        out.write(rec)
    cd_size = out.tell() - cd_offset
    out.write(
        struct.pack(
            "<IHHHHIIH", 0x06054B50, 0, 0, len(central), len(central), cd_size, cd_offset, 0
        )
    )
    return out.getvalue()


def zip_bomb() -> bytes:
    """1 GiB + 4 x 64 MiB of zeros, a member whose header lies about its size, a readme."""
    big, big_crc = deflate_zeros(1024)
    mid, mid_crc = deflate_zeros(64)
    members = [("readme.txt", zlib.compress(b"open me\n")[2:-4], zlib.crc32(b"open me\n"), 8, 8)]
    members.append(("zeros-1GiB.bin", big, big_crc, GiB, 8))
    members += [(f"zeros-64MiB-{i}.bin", mid, mid_crc, 64 * MiB, 8) for i in range(4)]
    members.append(("liar.bin", mid, mid_crc, 1000, 8))  # declares 1000 bytes, inflates to 64 MiB
    return _raw_zip(members)


def gzip_bomb() -> bytes:
    """A lone gzip stream of 1 GiB of zeros (about 1 MB)."""
    data, crc = deflate_zeros(1024)
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\x03"
    return header + data + struct.pack("<II", crc, GiB & 0xFFFFFFFF)


# --------------------------------------------------------------------------- other zips


def _zip(members: list[tuple[str, bytes]], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as zf:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=(2017, 3, 1, 9, 0, 0))
            info.compress_type = method
            info.external_attr = 0o100644 << 16
            zf.writestr(info, data)
    return buf.getvalue()


def nested_zips(levels: int) -> tuple[bytes, list[str]]:
    """``levels`` zips inside each other; the innermost holds ``core.txt``.

    Returns the bytes and the member chain (``level-11.zip``, ..., ``level-1.zip``,
    ``core.txt``) from the outermost member inwards.
    """
    data = _zip([("core.txt", b"the bottom of the well\n")])
    chain = ["core.txt"]
    for level in range(1, levels):
        name = f"level-{level}.zip"
        data = _zip([(name, data)])
        chain.insert(0, name)
    return data, chain


def many_members(n: int) -> bytes:
    return _zip([(f"many/{i:05d}.txt", f"member {i % 25}\n".encode()) for i in range(n)], 0)


SLIP_NAMES = [
    "../../evil.txt",
    "/etc/evil",
    "..\\..\\evil-backslash.txt",
    "ok/../../../../evil-deep.txt",
    "new\nline.txt",
]


def zip_slip() -> bytes:
    return _zip(
        [(name, b"if you can read this outside the dump, ingest wrote it\n") for name in SLIP_NAMES]
    )


# --------------------------------------------------------------------------- tar


def tar_links(*, bad_name: bool = False) -> tuple[bytes, list[str]]:
    """A tar with a regular file, symlinks, a hard link, devices, a FIFO, traversal names.

    ``bad_name`` adds a member whose name is not UTF-8 (kept out of the main dump while
    the archive extractor leaks it into metadata undecoded; see tests/test_hostile.py).
    """
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.GNU_FORMAT) as tf:

        def add(name: str | bytes, type_: bytes, data: bytes = b"", **kw) -> None:
            info = tarfile.TarInfo(os.fsdecode(name) if isinstance(name, bytes) else name)
            info.type = type_
            info.mode = 0o644
            info.mtime = 1488358800
            for k, v in kw.items():
                setattr(info, k, v)
            if type_ == tarfile.REGTYPE:
                info.size = len(data)
                tf.addfile(info, io.BytesIO(data))
            else:
                tf.addfile(info)

        add("notes.txt", tarfile.REGTYPE, b"plain member\n")
        add("passwd-link", tarfile.SYMTYPE, linkname="/etc/passwd")
        add("up-link", tarfile.SYMTYPE, linkname="../../../../../../etc")
        add("hard-passwd", tarfile.LNKTYPE, linkname="/etc/passwd")
        add("dev-null", tarfile.CHRTYPE, devmajor=1, devminor=3)
        add("dev-sda", tarfile.BLKTYPE, devmajor=8, devminor=0)
        add("fifo", tarfile.FIFOTYPE)
        add("../../evil-tar.txt", tarfile.REGTYPE, b"traversal\n")
        add("/etc/evil-tar", tarfile.REGTYPE, b"absolute\n")
        if bad_name:
            add(b"tar-bad-\xff\xfe.txt", tarfile.REGTYPE, b"invalid utf-8 name\n")
    members = ["notes.txt", "../../evil-tar.txt", "/etc/evil-tar"]
    if bad_name:
        members.append("tar-bad-\\xff\\xfe.txt")
    return buf.getvalue(), members


# --------------------------------------------------------------------------- OOXML

BILLION_LAUGHS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties"
 xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<dc:creator>&lol9;</dc:creator>
<dc:title>&lol9;</dc:title>
<dcterms:created xsi:type="dcterms:W3CDTF">2017-03-01T09:00:00Z</dcterms:created>
</cp:coreProperties>
"""

XXE_CORE = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<!DOCTYPE cp:coreProperties [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> ]>
<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties"
 xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<dc:creator>&xxe;</dc:creator>
<dc:title>XXE</dc:title>
<dcterms:created xsi:type="dcterms:W3CDTF">2017-03-01T09:00:00Z</dcterms:created>
</cp:coreProperties>
"""

XXE_DOCUMENT = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<!DOCTYPE w:document [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> ]>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">
<w:body><w:p><w:r><w:t>&xxe;</w:t></w:r></w:p></w:body></w:document>
"""

PARAMETER_XXE = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<!DOCTYPE w:document [ <!ENTITY % ext SYSTEM "file:///etc/passwd"> %ext; ]>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">
<w:body><w:p><w:r><w:t>param</w:t></w:r></w:p></w:body></w:document>
"""


def docx_with(parts: dict[str, str]) -> bytes:
    """A real python-docx document with some parts replaced."""
    from tests.factories import make_docx

    src = zipfile.ZipFile(io.BytesIO(make_docx()))
    members = [
        (info.filename, parts[info.filename].encode() if info.filename in parts else src.read(info))
        for info in src.infolist()
    ]
    return _zip(members)


# --------------------------------------------------------------------------- PDF


def _pdf(objects: list[bytes], trailer: bytes, xref_extra: bytes = b"") -> bytes:
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += (
        b"trailer\n" + trailer.replace(b"XREF", b"%d" % xref) + b"\nstartxref\n%d\n%%%%EOF\n" % xref
    )
    return bytes(out) + xref_extra


def self_referencing_pdf() -> bytes:
    """Catalog -> Pages whose /Kids holds itself; a stream whose /Length is itself; /Prev loop."""
    return _pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R /Metadata 4 0 R >>",
            b"<< /Type /Pages /Kids [2 0 R 3 0 R] /Count 2 /Parent 2 0 R >>",
            b"<< /Type /Page /Parent 2 0 R /Contents 4 0 R /Resources 3 0 R >>",
            b"<< /Length 4 0 R /Type /Metadata /Subtype /XML >>\nstream\nloop\nendstream",
            b"<< /Author 5 0 R /Title (loop) >>",
        ],
        b"<< /Size 6 /Root 1 0 R /Info 5 0 R /Prev XREF >>",
    )


# --------------------------------------------------------------------------- MIME


def nested_mime(levels: int) -> bytes:
    """A message whose body is multipart inside multipart ... ``levels`` deep."""
    head = [
        b"From: a@example.org",
        b"To: b@example.org",
        b"Subject: deep",
        b"Date: Wed, 01 Mar 2017 09:00:00 +0000",
        b"Message-ID: <deep@example.org>",
        b"MIME-Version: 1.0",
    ]
    lines = [*head, b'Content-Type: multipart/mixed; boundary="b0"', b""]
    for i in range(1, levels):
        lines += [b"--b%d" % (i - 1), b'Content-Type: multipart/mixed; boundary="b%d"' % i, b""]
    lines += [b"--b%d" % (levels - 1), b"Content-Type: text/plain", b"", b"bottom"]
    for i in range(levels - 1, -1, -1):
        lines.append(b"--b%d--" % i)
    return b"\r\n".join(lines) + b"\r\n"


TRAVERSAL_ATTACHMENTS = [
    ("../../x.pdf", "x.pdf"),
    ("..\\..\\y.pdf", "....y.pdf"),  # in a quoted string, a backslash escapes the next char
    ("/etc/evil.pdf", "evil.pdf"),
    ("..", "part-5.bin"),
    ("bad\tname.pdf", "bad_name.pdf"),
]


def broken_attachments() -> bytes:
    parts = []
    for raw, _ in TRAVERSAL_ATTACHMENTS:
        parts += [
            b"--XX",
            b"Content-Type: application/pdf",
            b"Content-Transfer-Encoding: base64",
            b'Content-Disposition: attachment; filename="' + raw.encode() + b'"',
            b"",
            b"JVBERi0xLjQK!!!not*base64@@@===\xff\xfe%%=",
            b"QUJD=RE=",
        ]
    head = [
        b"From: a@example.org",
        b"To: b@example.org",
        b"Subject: attachments",
        b"Date: Wed, 01 Mar 2017 09:00:00 +0000",
        b"MIME-Version: 1.0",
        b'Content-Type: multipart/mixed; boundary="XX"',
        b"",
        b"--XX",
        b"Content-Type: text/plain",
        b"",
        b"see attached",
    ]
    return b"\r\n".join([*head, *parts, b"--XX--", b""])


# --------------------------------------------------------------------------- the dump


def build_hostile_dump(root: Path) -> dict:
    """Write the hostile dump under ``root``; return ``{"root", "entries", "expected"}``.

    ``entries`` is a list of :class:`Entry`; ``expected`` the union of their expected
    provenance paths (every one must get a scorecard).
    """
    from tests.factories import make_pdf

    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    entries: list[Entry] = []
    max_depth = IngestLimits().max_depth

    def write(rel: str, data: bytes) -> Path:
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        return path

    write("bombs/zip-bomb.zip", zip_bomb())
    entries.append(
        Entry(
            "zip bomb (1.25 GiB expanded, one member with a lying size)",
            "bombs/zip-bomb.zip",
            ["bombs/zip-bomb.zip", "bombs/zip-bomb.zip!/readme.txt"],
            ["ARCHIVE_SIZE_LIMIT", "ARCHIVE_RATIO_LIMIT"],
        )
    )
    write("bombs/zeros.bin.gz", gzip_bomb())
    entries.append(
        Entry(
            "gzip bomb (1 GiB expanded)",
            "bombs/zeros.bin.gz",
            ["bombs/zeros.bin.gz"],
            ["ARCHIVE_RATIO_LIMIT"],
        )
    )

    data, chain = nested_zips(12)
    write("nested/nested.zip", data)
    paths = ["nested/nested.zip"]
    for name in chain[:max_depth]:
        paths.append(paths[-1] + "!/" + name)
    entries.append(Entry("12 nested zips", "nested/nested.zip", paths, ["ARCHIVE_DEPTH_LIMIT"]))

    n = 20_000
    write("many/many.zip", many_members(n))
    entries.append(
        Entry(
            f"{n}-member zip",
            "many/many.zip",
            ["many/many.zip"] + [f"many/many.zip!/many/{i:05d}.txt" for i in range(n)],
        )
    )

    write("slip/slip.zip", zip_slip())
    entries.append(
        Entry(
            "zip slip and absolute names",
            "slip/slip.zip",
            ["slip/slip.zip"]
            + ["slip/slip.zip!/" + name.replace("\\", "/") for name in SLIP_NAMES],
        )
    )

    data, members = tar_links()
    write("tar/links.tar", data)
    entries.append(
        Entry(
            "tar with symlinks, hard link, devices, FIFO and traversal names",
            "tar/links.tar",
            ["tar/links.tar"] + [f"tar/links.tar!/{m}" for m in members],
            ["ARCHIVE_UNSAFE_MEMBER"],
        )
    )

    write("ooxml/billion-laughs.docx", docx_with({"docProps/core.xml": BILLION_LAUGHS}))
    entries.append(
        Entry(
            "billion laughs in docProps/core.xml",
            "ooxml/billion-laughs.docx",
            ["ooxml/billion-laughs.docx"],
        )
    )
    write(
        "ooxml/xxe.docx",
        docx_with({"docProps/core.xml": XXE_CORE, "word/document.xml": XXE_DOCUMENT}),
    )
    entries.append(Entry("XXE to file:///etc/passwd", "ooxml/xxe.docx", ["ooxml/xxe.docx"]))
    write("ooxml/xxe-parameter.docx", docx_with({"word/document.xml": PARAMETER_XXE}))
    entries.append(
        Entry("parameter-entity XXE", "ooxml/xxe-parameter.docx", ["ooxml/xxe-parameter.docx"])
    )

    pdf = make_pdf()
    write("pdf/truncated.pdf", pdf[: len(pdf) // 2])
    entries.append(Entry("truncated PDF", "pdf/truncated.pdf", ["pdf/truncated.pdf"]))
    write("pdf/self-reference.pdf", self_referencing_pdf())
    entries.append(
        Entry("self-referencing PDF", "pdf/self-reference.pdf", ["pdf/self-reference.pdf"])
    )
    write("pdf/script-author.pdf", make_pdf(author=SCRIPT, title=SCRIPT))
    entries.append(
        Entry(
            "markup in metadata (HTML report)", "pdf/script-author.pdf", ["pdf/script-author.pdf"]
        )
    )
    write("pdf/ls.pdf", Path("/bin/ls").read_bytes())
    entries.append(Entry("an executable named .pdf", "pdf/ls.pdf", ["pdf/ls.pdf"]))

    write("mail/nested-3000.eml", nested_mime(3000))
    entries.append(
        Entry("3000-level nested MIME", "mail/nested-3000.eml", ["mail/nested-3000.eml"])
    )
    write("mail/attachments.eml", broken_attachments())
    entries.append(
        Entry(
            "broken base64 attachments with traversal names",
            "mail/attachments.eml",
            ["mail/attachments.eml"]
            + [f"mail/attachments.eml!/{safe}" for _, safe in TRAVERSAL_ATTACHMENTS],
        )
    )

    names = root / "names"
    names.mkdir()
    (names / "new\nline.txt").write_bytes(b"a name with a newline\n")
    with open(os.path.join(os.fsencode(names), b"bad-\xff\xfe-utf8.txt"), "wb") as fh:
        fh.write(b"a name that is not UTF-8\n")
    with open(os.path.join(os.fsencode(names), b"latin1-caf\xe9.pdf"), "wb") as fh:
        fh.write(pdf)
    long_name = "n" * 251 + ".pdf"
    assert len(long_name.encode()) == 255
    (names / long_name).write_bytes(pdf)
    entries.append(
        Entry(
            "file names with a newline, invalid UTF-8, 255 bytes",
            "names",
            [
                "names/new\nline.txt",
                "names/bad-\\xff\\xfe-utf8.txt",
                "names/latin1-caf\\xe9.pdf",
                f"names/{long_name}",
            ],
        )
    )

    deep = root / "deep"
    rel = "deep"
    for _ in range(150):
        deep = deep / "d"
        rel += "/d"
    deep.mkdir(parents=True)
    (deep / "bottom.txt").write_bytes(b"150 directories down\n")
    entries.append(Entry("150-level directory tree", rel + "/bottom.txt", [rel + "/bottom.txt"]))

    expected: set[str] = set()
    for entry in entries:
        expected.update(entry.expected)
    return {"root": root, "entries": entries, "expected": expected}

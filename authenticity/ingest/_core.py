"""Shared machinery of the ingest layer: limits, problems, sniffing and the recursion engine.

Container handlers (``archives``, ``email``) only list the direct members of one container;
:func:`expand` does the recursion, so depth accounting and error containment live in one place.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import re
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import BinaryIO

from authenticity.model import MEMBER_SEP, Document, last_segment
from authenticity.sniff import detect_mime, magic_mime

log = logging.getLogger("authenticity.ingest")

MiB = 1 << 20
GiB = 1 << 30
#: Per-member ratio checks only apply above this decompressed size.
RATIO_MIN_BYTES = 1 * MiB
_CHUNK = 1 * MiB


@dataclass(frozen=True)
class IngestLimits:
    """Safety limits of one ingest run. Exceeding one never raises: it records a problem."""

    max_depth: int = 8  # nesting levels of containers below the dump root
    max_members: int = 50_000  # members listed per container
    max_member_bytes: int = 512 * MiB  # decompressed size of one member
    max_total_bytes: int = 8 * GiB  # decompressed bytes per container
    max_ratio: float = 200.0  # decompressed/compressed per member (members > 1 MiB only)


@dataclass(frozen=True)
class IngestProblem:
    """Something the ingest layer skipped or could not read, at a provenance path."""

    path: str
    code: str
    message: str


class Unreadable(Exception):
    """Raised by a container handler, before its first member, when it cannot open it."""

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.code = code


@dataclass
class Context:
    limits: IngestLimits
    problems: list[IngestProblem] | None = None
    #: Called with (provenance path, stat) for each file of a directory source before it
    #: is read; returning True skips the file (an incremental rescan reuses its results).
    file_seen: Callable[[str, os.stat_result], bool] | None = None

    def problem(self, path: str, code: str, message: str) -> None:
        path, message = printable_text(path), printable_text(message)
        log.info("%s: %s: %s", path, code, message)
        if self.problems is not None:
            self.problems.append(IngestProblem(path=path, code=code, message=message))


@dataclass
class Node:
    """A container about to be opened: where its bytes are and how its members are named."""

    path: str  # provenance path of the container (the source file name for the dump root)
    prefix: str  # prepended to member names: ``path + MEMBER_SEP``, or "" at the dump root
    parent: str | None  # ``parent`` of the members (None at the dump root)
    size: int
    file: str | None = None
    data: bytes | None = None
    sniffed: str | None = None  # libmagic's answer for the first MiB, when already known
    _names: dict[str, int] = field(default_factory=dict)

    @classmethod
    def of(cls, doc: Document) -> Node:
        return cls(
            path=doc.path,
            prefix=doc.path + MEMBER_SEP,
            parent=doc.path,
            size=doc.size,
            file=doc.file,
            data=doc.data,
            sniffed=doc.sniffed_mime,
        )

    @classmethod
    def root(cls, file: str, name: str, size: int) -> Node:
        return cls(path=name, prefix="", parent=None, size=size, file=file)

    @property
    def name(self) -> str:
        """Last path segment of the container (used to name a decompressed single member)."""
        return last_segment(self.path)

    @contextmanager
    def open(self) -> Iterator[BinaryIO]:
        if self.data is not None:
            yield io.BytesIO(self.data)
        else:
            assert self.file is not None
            with open(self.file, "rb") as fh:
                yield fh

    def read_all(self, limit: int) -> bytes | None:
        """Whole content, or None when it is larger than ``limit``.

        Reads the size the file had when it was listed plus one byte; only a file that grew
        since is read on, in chunks, up to ``limit`` + 1 bytes. Never asks for ``limit``
        bytes at once: CPython allocates a read's whole buffer first (512 MiB per call).
        """
        if self.data is not None:
            return self.data if len(self.data) <= limit else None
        if self.size > limit:
            return None
        with self.open() as fh:
            data = fh.read(self.size + 1)
            if len(data) > self.size:  # it grew: the rest, but never past the limit
                chunks, total = [data], len(data)
                while total <= limit and (chunk := fh.read(min(_CHUNK, limit + 1 - total))):
                    chunks.append(chunk)
                    total += len(chunk)
                data = b"".join(chunks)
        return data if len(data) <= limit else None

    def unique(self, name: str) -> str:
        """``name`` made unique within this container: ``a.pdf``, ``a (2).pdf``, ..."""
        seen = self._names.get(name, 0)
        self._names[name] = seen + 1
        if not seen:
            return name
        n = seen + 1
        while True:
            stem, dot, ext = _split_ext(name)
            candidate = f"{stem} ({n}){dot}{ext}"
            if candidate not in self._names:
                self._names[candidate] = 1
                return candidate
            n += 1

    def member(
        self,
        name: str,
        data: bytes,
        *,
        declared_mime: str | None = None,
        container_mime: str | None = None,
    ) -> Document:
        return Document(
            path=self.prefix + name,
            sha256=hashlib.sha256(data).hexdigest(),
            size=len(data),
            data=data,
            parent=self.parent,
            declared_mime=declared_mime,
            container_mime=container_mime,
            sniffed_mime=magic_mime(data),
        )


def _split_ext(name: str) -> tuple[str, str, str]:
    base = last_segment(name)
    if "." in base.strip("."):
        stem, ext = name.rsplit(".", 1)
        return stem, ".", ext
    return name, "", ""


def printable_text(text: str) -> str:
    """``text`` made encodable as UTF-8: bytes that were not UTF-8 become ``\\xNN`` text.

    File names read from disk or from tar headers reach Python as surrogate escapes
    (``\\udcff`` for the byte 0xff); such a str cannot be written as UTF-8 JSON nor stored
    in a database. Provenance keeps the information as the four characters ``\\xff``
    (other lone surrogates become ``\\udNNN``). Valid text is returned unchanged.
    """
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        pass
    else:
        return text
    out = []
    for ch in text:
        code = ord(ch)
        if 0xDC80 <= code <= 0xDCFF:
            out.append(f"\\x{code - 0xDC00:02x}")
        elif 0xD800 <= code <= 0xDFFF:
            out.append(f"\\u{code:04x}")
        else:
            out.append(ch)
    return "".join(out)


def member_name(raw: str, index: int) -> str:
    """Archive member name as provenance text: '/' separators, no MEMBER_SEP inside.

    Absolute names and '..' components are kept verbatim: they are text, never disk paths.
    Bytes that are not UTF-8 become ``\\xNN`` text (:func:`printable_text`).
    """
    name = raw.replace("\\", "/").replace("\x00", "_").replace(MEMBER_SEP, "%21/")
    return printable_text(name) or f"member-{index}"


_UNSAFE_SEGMENT = re.compile(r"[\x00-\x1f\x7f]")


def safe_filename(raw: str | None) -> str:
    """Reduce an untrusted file name (email attachment) to one harmless path segment."""
    if not raw:
        return ""
    name = str(raw).replace("\x00", "")
    name = re.split(r"[/\\]", name)[-1]
    name = printable_text(_UNSAFE_SEGMENT.sub("_", name).strip())
    if name in {".", ".."}:
        return ""
    return name


# --------------------------------------------------------------------------- documents


def file_document(path: str, rel: str, parent: str | None = None) -> Document:
    """A file on disk, stream-hashed (never loaded whole) and sniffed from its first chunk."""
    h = hashlib.sha256()
    size = 0
    head = b""
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            if not size:
                head = chunk  # the first MiB, as classify() and analysis see it
            h.update(chunk)
            size += len(chunk)
    return Document(
        path=rel,
        sha256=h.hexdigest(),
        size=size,
        file=path,
        parent=parent,
        sniffed_mime=magic_mime(head),
    )


def data_document(rel: str, data: bytes, parent: str | None = None) -> Document:
    return Document(
        path=rel,
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        data=data,
        parent=parent,
        sniffed_mime=magic_mime(data),
    )


# --------------------------------------------------------------------------- sniffing

ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
SEVENZ_MAGIC = b"7z\xbc\xaf\x27\x1c"
XZ_MAGIC = b"\xfd7zXZ\x00"
_ZIP_MIMES = {"application/zip", "application/x-zip-compressed", "application/x-zip"}
_GZIP_MIMES = {"application/gzip", "application/x-gzip"}
_DOC_ZIP_PREFIXES = (
    "application/vnd.openxmlformats",
    "application/vnd.oasis.opendocument",
    "application/vnd.ms-",
    "application/epub",
    "application/java-archive",
    "application/x-java-archive",
    "application/vnd.android",
)


def is_document_zip(names: list[str]) -> bool:
    """OOXML (``[Content_Types].xml``), ODF/EPUB (``mimetype``) or JAR (manifest first)."""
    if "[Content_Types].xml" in names or "mimetype" in names:
        return True
    return "META-INF/MANIFEST.MF" in names[:3]


_KNOWN_HEADERS = {
    "from",
    "to",
    "date",
    "subject",
    "received",
    "message-id",
    "return-path",
    "mime-version",
    "delivered-to",
    "x-mailer",
    "dkim-signature",
}
_HEADER_LINE = re.compile(r"^([!-9;-~]+)[ \t]*:")
_FROM_LINE = re.compile(rb"^From \S+")

#: Container kinds, handled by ``archives`` (zip, tar, 7z, gzip, bzip2, xz) or ``email``.
ARCHIVE_KINDS = ("zip", "tar", "7z", "gzip", "bzip2", "xz", "mbox")


def looks_like_headers(head: bytes) -> bool:
    """The start of ``head`` is an RFC 5322 header block naming at least one mail header."""
    text = head[:16384].decode("latin-1")
    count = 0
    known = False
    for i, line in enumerate(text.splitlines()):
        if i > 200 or not line.strip():
            break
        if line[0] in " \t":
            if not count:
                return False
            continue
        m = _HEADER_LINE.match(line)
        if not m:
            return False
        count += 1
        known = known or m.group(1).lower() in _KNOWN_HEADERS
    return count >= 2 and known


def looks_like_mbox(head: bytes) -> bool:
    if not _FROM_LINE.match(head):
        return False
    nl = head.find(b"\n")
    return nl > 0 and looks_like_headers(head[nl + 1 :])


def tar_header_ok(block: bytes) -> bool:
    if len(block) < 512 or block[0] == 0:
        return False
    if block[257:262] == b"ustar":
        return True
    raw = block[148:156].replace(b"\x00", b" ").strip()
    try:
        stored = int(raw, 8)
    except ValueError:
        return False
    unsigned = sum(block[:148]) + 256 + sum(block[156:512])
    return stored == unsigned


def _decompressed_head(kind: str, fh: BinaryIO, n: int = 1024) -> bytes:
    import bz2
    import gzip
    import lzma

    try:
        if kind == "gzip":
            return gzip.GzipFile(fileobj=fh).read(n)
        if kind == "bzip2":
            return bz2.BZ2File(fh).read(n)
        return lzma.LZMAFile(fh).read(n)
    except Exception:
        return b""


def classify(node: Node) -> str | None:
    """Container kind of some content (from its bytes, never from its name), or None."""
    with node.open() as fh:
        head = fh.read(_CHUNK)
        if not head:
            return None
        mime = detect_mime(node.data if node.data is not None else head, node.sniffed)
        if head.startswith(SEVENZ_MAGIC) or mime == "application/x-7z-compressed":
            return "7z"
        if head.startswith(ZIP_MAGICS) or mime in _ZIP_MIMES:
            fh.seek(0)
            try:
                with zipfile.ZipFile(fh) as zf:
                    names = zf.namelist()
            except Exception:
                # Unreadable: a broken container if it starts like a zip and libmagic does
                # not name a zip-based document format.
                if mime.startswith(_DOC_ZIP_PREFIXES) or not head.startswith(ZIP_MAGICS):
                    return None
                return "zip"
            return None if is_document_zip(names) else "zip"
        kind = None
        if head.startswith(b"\x1f\x8b") or mime in _GZIP_MIMES:
            kind = "gzip"
        elif (head.startswith(b"BZh") and head[4:10] == b"1AY&SY") or mime == "application/x-bzip2":
            kind = "bzip2"
        elif head.startswith(XZ_MAGIC) or mime == "application/x-xz":
            kind = "xz"
        if kind:
            fh.seek(0)
            return "tar" if tar_header_ok(_decompressed_head(kind, fh)) else kind
    if mime == "application/x-tar" or tar_header_ok(head[:512]):
        return "tar"
    if mime == "application/mbox" or looks_like_mbox(head):
        return "mbox"
    if mime == "message/rfc822" or (mime.startswith("text/") and looks_like_headers(head)):
        return "email"
    return None


# --------------------------------------------------------------------------- recursion

Handler = Callable[[Context, Node], Iterator[Document]]


def _handlers() -> dict[str, Handler]:
    from authenticity.ingest import archives, email

    return {
        "zip": archives.iter_zip,
        "tar": archives.iter_tar,
        "7z": archives.iter_7z,
        "gzip": archives.iter_compressed,
        "bzip2": archives.iter_compressed,
        "xz": archives.iter_compressed,
        "mbox": email.iter_mbox,
        "email": email.iter_email,
    }


def _unreadable_code(kind: str) -> str:
    return "EMAIL_PARSE_ERROR" if kind == "email" else "ARCHIVE_UNREADABLE"


def run_container(
    ctx: Context, node: Node, kind: str, member_depth: int, *, on_unreadable=None
) -> Iterator[Document]:
    """Yield the members of one container, each followed by its own members.

    ``on_unreadable(exc)`` is called instead of recording a problem when the container
    cannot be opened at all (the dump root uses it to fall back to a plain document).
    """
    gen = _handlers()[kind](ctx, node)
    while True:
        try:
            member = next(gen)
        except StopIteration:
            return
        except Unreadable as exc:
            if on_unreadable is not None:
                yield from on_unreadable(exc)
            else:
                ctx.problem(
                    node.path, exc.code or _unreadable_code(kind), f"Cannot open the {kind}: {exc}."
                )
            return
        except Exception as exc:  # a library bug or an exotic corruption: stop this container
            ctx.problem(
                node.path,
                _unreadable_code(kind),
                f"Reading the {kind} failed ({type(exc).__name__}: {one_line(exc)}); "
                "the rest of it was skipped.",
            )
            return
        yield member
        yield from expand(ctx, member, member_depth)


def expand(ctx: Context, doc: Document, depth: int) -> Iterator[Document]:
    """Members of ``doc`` (at nesting ``depth``) if it is a container; nothing otherwise."""
    node = Node.of(doc)
    try:
        kind = classify(node)
    except Exception as exc:
        ctx.problem(doc.path, "ARCHIVE_UNREADABLE", f"Cannot sniff the content: {one_line(exc)}.")
        return
    if kind is None:
        return
    if depth + 1 > ctx.limits.max_depth:
        ctx.problem(
            doc.path,
            "ARCHIVE_DEPTH_LIMIT",
            f"The {kind} is nested deeper than {ctx.limits.max_depth} levels; "
            "its members were not listed.",
        )
        return
    yield from run_container(ctx, node, kind, depth + 1)


def iter_local_file(
    ctx: Context, path: str, name: str, *, detach: bool = False
) -> Iterator[Document]:
    """A single file given as the source: the dump root if it is an archive/mbox, else a document.

    ``detach`` makes top-level documents carry ``data`` instead of ``file`` (for temporary
    downloads that are deleted after the run).
    """
    size = os.path.getsize(path)
    node = Node.root(path, name, size)
    kind = classify(node)

    def as_document(exc: Exception | None = None) -> Iterator[Document]:
        doc = file_document(path, name)
        if detach:
            data = node.read_all(ctx.limits.max_member_bytes)
            if data is not None:
                doc = data_document(name, data)
            else:
                ctx.problem(
                    name,
                    "ARCHIVE_SIZE_LIMIT",
                    "The downloaded file is larger than max_member_bytes; its content is only "
                    "available while the scan runs.",
                )
        if exc is not None:
            code = getattr(exc, "code", None) or _unreadable_code(kind or "")
            ctx.problem(name, code, f"Cannot open the {kind}: {exc}.")
        yield doc
        if exc is None:
            yield from expand(ctx, doc, 0)

    if kind in ARCHIVE_KINDS:
        yield from run_container(ctx, node, kind, 0, on_unreadable=as_document)
    else:
        yield from as_document()


def one_line(exc: BaseException | str) -> str:
    text = " ".join(str(exc).split())
    return text[:300] or type(exc).__name__

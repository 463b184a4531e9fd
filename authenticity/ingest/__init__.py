"""Ingest: turn a dump (directory, archive, mailbox, URL) into a stream of :class:`Document`.

Public API: :func:`iter_documents`, :class:`IngestLimits`, :class:`IngestProblem`.

Design decisions
----------------
* **Provenance paths.** Every document's ``path`` is relative to the dump root with ``/``
  separators; members of a container are joined with ``MEMBER_SEP`` (``!/``), e.g.
  ``mail/12.eml!/budget.xlsx`` or ``dump.zip!/inner/a.zip!/x.pdf``. ``parent`` is the
  provenance path of the containing document (None at the top level).
* **The dump root.** A directory source: its files, relative to it. A single file that is
  an archive or an mbox: that file *is* the root; its members carry no prefix and the file
  itself is not yielded (if it cannot be opened at all it is yielded as a plain document
  with ARCHIVE_UNREADABLE). Any other single file (PDF, ``.eml``): yielded under its file
  name, followed by its members (``name.eml!/att.pdf``).
* **Containers are documents too.** A zip/tar/7z/gz/bz2/xz/mbox/message found *inside* the
  dump is yielded first, then its members (depth-first, archive order). Container-ness is
  decided from content (libmagic via :func:`authenticity.sniff.detect_mime` plus magic bytes
  and header checks), never from the name. Zips holding ``[Content_Types].xml`` (OOXML)
  or ``mimetype`` (ODF, EPUB), or starting with ``META-INF/MANIFEST.MF`` (JAR), are
  documents, not containers; this is decided from the member list, not libmagic's answer
  (a zip of *stored* .docx files contains the OOXML marker bytes too). A compressed tar
  is one container (``x.tar.gz!/a.pdf``), not two; a lone
  gzip/bzip2/xz stream has one member named after the file minus its suffix.
* **Content.** Files on disk are stream-hashed and carried as ``file=`` (never loaded);
  archive members, attachments and mbox messages are carried as ``data=``. Nothing is ever
  written under a member's own name: 7z members and URL downloads go through
  ``tempfile.TemporaryDirectory`` with generated names, removed when the iteration ends;
  top-level documents of URL sources therefore carry ``data=`` too.
* **Member names** are provenance text only: ``\\`` becomes ``/``, NUL becomes ``_``, a
  ``!/`` inside a name becomes ``%21/``; absolute names and ``..`` are kept verbatim.
  Repeated names within one container get `` (2)``, `` (3)``... before the extension (so
  every path is unique). Names are always valid UTF-8 text: a byte that is not UTF-8 (a
  directory entry or tar member name, which Python decodes with surrogate escapes) is
  shown as the four characters ``\\xNN``; a directory entry whose shown name collides
  with another gets `` (2)``. Email attachment names are reduced to one segment (directories
  and control characters stripped; empty, ``.`` or ``..`` become ``part-<k>.bin``).
* **Email.** Attachments are non-multipart parts with Content-Disposition ``attachment``,
  or ``inline`` with a file name, or any non-text part with a file name; ``declared_mime``
  is the part's Content-Type (None when the part has no Content-Type header) and
  ``container_mime`` is ``message/rfc822``. ``message/rfc822`` parts become
  ``<name or part-k>.eml`` and are recursed into; their bytes are re-serialized by the
  ``email`` package with the outer message's line ending (the parser keeps no offsets).
  mbox messages become ``00001.eml``, ``00002.eml``... (every ``From `` line starts one,
  as in :mod:`mailbox`; the From_ line and the separating blank line are not part of the
  message; ``>From`` quoting is left alone). Content starting with a From_ line followed
  by headers is an mbox even when named ``.eml``; text whose first lines form a mail
  header block (libmagic often says text/plain for mail) is parsed as a message.
* **Limits never raise.** Depth, member count and total bytes stop the container (members
  listed so far are kept); an oversized member, a member over the compression ratio, an
  unsafe tar/zip/7z member (link, device, FIFO) or an encrypted one is skipped and the
  scan goes on. Each case is an :class:`IngestProblem` in the optional ``problems`` list.
  Depth counts container levels below the dump root: documents at the top level have
  depth 0 and a container at depth ``d`` is opened only if ``d + 1 <= max_depth``.
  For compressed tars and solid 7z blocks the ratio is judged on the bytes decompressed
  so far against the whole archive's compressed size.
* **Errors.** A missing local source or a URL that cannot be resolved raises
  :class:`~authenticity.errors.SourceError` when :func:`iter_documents` is called; a URL
  that fails to download raises it on the first ``next()``. Nothing inside the dump raises:
  corrupt containers are yielded with ARCHIVE_UNREADABLE, broken MIME with
  EMAIL_PARSE_ERROR, and unreadable directory entries with FILE_UNREADABLE.
* **Order and memory.** Directory entries are sorted by name; members follow archive
  order. Everything is a generator; at most one member per open container level is held
  in memory.

Problem codes: ARCHIVE_DEPTH_LIMIT, ARCHIVE_MEMBER_LIMIT, ARCHIVE_SIZE_LIMIT,
ARCHIVE_RATIO_LIMIT, ARCHIVE_UNREADABLE, ARCHIVE_UNSAFE_MEMBER, ARCHIVE_ENCRYPTED_MEMBER,
SYMLINK_SKIPPED, SPECIAL_FILE_SKIPPED, FILE_UNREADABLE, DIRECTORY_UNREADABLE,
EMAIL_PARSE_ERROR, REMOTE_FETCH_FAILED.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator

from authenticity.errors import SourceError
from authenticity.ingest._core import (
    Context,
    IngestLimits,
    IngestProblem,
    iter_local_file,
    printable_text,
)
from authenticity.ingest.directory import iter_directory
from authenticity.ingest.remote import is_url, iter_remote, local_path, resolve
from authenticity.model import MEMBER_SEP, Document

__all__ = ["IngestLimits", "IngestProblem", "iter_documents", "read_documents"]

_DEFAULT_LIMITS = IngestLimits()


def iter_documents(
    source: str | os.PathLike[str],
    limits: IngestLimits = _DEFAULT_LIMITS,
    problems: list[IngestProblem] | None = None,
    file_seen: Callable[[str, os.stat_result], bool] | None = None,
) -> Iterator[Document]:
    """Every document of the dump at ``source``, containers followed by their members.

    ``source`` is a local path (directory, archive, mbox, message or any file) or an fsspec
    URL. Problems (skipped or unreadable content) are appended to ``problems`` if given.
    ``file_seen(path, stat)`` is called for every file of a local directory source before
    it is read; when it returns True the file (and everything inside it) is skipped.
    Raises :class:`SourceError` for a source that does not exist or cannot be opened.
    """
    ctx = Context(limits=limits, problems=problems, file_seen=file_seen)
    text = os.fspath(source)
    if is_url(text):
        fs, path = resolve(text)
        if not local_path(fs):
            return iter_remote(ctx, text, fs, path)
        text = path
    return _iter_local(ctx, _check_local(text))


def read_documents(
    source: str | os.PathLike[str],
    paths: Iterable[str],
    sink: Callable[[str, bytes], None],
    *,
    limits: IngestLimits = _DEFAULT_LIMITS,
    max_bytes: int = 64 * 1024 * 1024,
) -> int:
    """Read the documents at these provenance paths again from a local ``source`` and pass
    ``(path, content)`` to ``sink``; return how many were found.

    For the few documents a dump-wide check needs whole after the scan (two copies of a
    photo to compare). Only the top-level files that hold a wanted path are opened (a
    directory source's other files are skipped unread); a single-archive source is walked
    until every wanted path was seen. URL sources are not fetched again (nothing is read).
    Documents larger than ``max_bytes`` are left out; nothing raises for a path that is
    gone or a source that cannot be read.
    """
    wanted = set(paths)
    text = os.fspath(source)
    if not wanted or is_url(text) or not os.path.exists(text):
        return 0
    tops = {p.split(MEMBER_SEP, 1)[0] for p in wanted}

    def skip(path: str, st: os.stat_result) -> bool:
        return path not in tops

    found = 0
    try:
        ctx = Context(limits=limits, problems=None, file_seen=skip)
        for doc in _iter_local(ctx, _check_local(text)):
            if doc.path not in wanted or doc.size > max_bytes:
                continue
            if doc.data is not None:
                data = doc.data
            elif doc.file is not None:
                with open(doc.file, "rb") as fh:
                    data = fh.read(max_bytes + 1)
            else:
                continue
            sink(doc.path, data)
            found += 1
            if found == len(wanted):
                break
    except (OSError, SourceError):
        pass
    return found


def _check_local(path: str) -> str:
    if not os.path.lexists(path):
        raise SourceError(f"source not found: {path}")
    if not os.path.isdir(path) and not os.path.isfile(path):
        raise SourceError(f"source is not a file or directory: {path}")
    if not os.access(path, os.R_OK):
        raise SourceError(f"source is not readable: {path}")
    return path


def _iter_local(ctx: Context, path: str) -> Iterator[Document]:
    if os.path.isdir(path):
        yield from iter_directory(ctx, path)
        return
    name = printable_text(os.path.basename(os.path.normpath(path))) or "source"
    try:
        yield from iter_local_file(ctx, os.path.abspath(path), name)
    except OSError as exc:
        if isinstance(exc, SourceError):
            raise
        raise SourceError(f"cannot read {path}: {exc}") from exc

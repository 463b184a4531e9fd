"""Archive containers: zip, tar (plain or compressed), 7z, and single-file gzip/bzip2/xz.

Each ``iter_*`` lists the direct members of one container as in-memory documents, in
archive order, enforcing the per-container limits. Nothing is ever written under a
member's own name: 7z members go through temporary files with generated names.
"""

from __future__ import annotations

import bz2
import gzip
import lzma
import os
import stat
import tarfile
import tempfile
import zipfile
from collections.abc import Iterator

from authenticity.ingest._core import (
    RATIO_MIN_BYTES,
    Context,
    MiB,
    Node,
    Unreadable,
    member_name,
    one_line,
)
from authenticity.model import Document


class _Budget:
    """Per-container counters: members listed and decompressed bytes."""

    def __init__(self, ctx: Context, node: Node, kind: str) -> None:
        self.ctx, self.node, self.kind = ctx, node, kind
        self.limits = ctx.limits
        self.count = 0
        self.total = 0

    def admit(self) -> bool:
        """Count one more member; False (and a problem) once there are too many."""
        self.count += 1
        if self.count > self.limits.max_members:
            self.ctx.problem(
                self.node.path,
                "ARCHIVE_MEMBER_LIMIT",
                f"The {self.kind} has more than {self.limits.max_members} members; "
                "the rest were skipped.",
            )
            return False
        return True

    def member_too_big(self, path: str, size: int, *, at_least: bool = False) -> bool:
        if size > self.limits.max_member_bytes:
            self.ctx.problem(
                path,
                "ARCHIVE_SIZE_LIMIT",
                f"The member is {'at least ' if at_least else ''}{size} bytes decompressed, "
                f"over the "
                f"{self.limits.max_member_bytes}-byte limit; it was skipped.",
            )
            return True
        return False

    def total_exceeded(self, size: int) -> bool:
        if self.total + size > self.limits.max_total_bytes:
            self.ctx.problem(
                self.node.path,
                "ARCHIVE_SIZE_LIMIT",
                f"The {self.kind} decompresses to more than {self.limits.max_total_bytes} "
                "bytes; the rest was skipped.",
            )
            return True
        return False

    def ratio_exceeded(self, path: str, size: int, compressed: int, *, stop: bool = False) -> bool:
        """``size`` over ``compressed`` beyond max_ratio (for sizes over 1 MiB only)."""
        if size <= RATIO_MIN_BYTES:
            return False
        ratio = size / max(compressed, 1)
        if ratio > self.limits.max_ratio:
            self.ctx.problem(
                path,
                "ARCHIVE_RATIO_LIMIT",
                f"Compression ratio {ratio:.0f}:1 exceeds {self.limits.max_ratio:.0f}:1 "
                f"(possible decompression bomb); {'the rest was' if stop else 'it was'} skipped.",
            )
            return True
        return False

    def unsafe(self, path: str, what: str) -> None:
        self.ctx.problem(path, "ARCHIVE_UNSAFE_MEMBER", f"The member is a {what}; it was skipped.")

    def unreadable(self, path: str, exc: BaseException | str) -> None:
        self.ctx.problem(path, "ARCHIVE_UNREADABLE", f"The member cannot be read: {one_line(exc)}.")


# --------------------------------------------------------------------------- zip


def iter_zip(ctx: Context, node: Node) -> Iterator[Document]:
    with node.open() as fh:
        try:
            zf = zipfile.ZipFile(fh)
        except Exception as exc:
            raise Unreadable(one_line(exc)) from exc
        with zf:
            budget = _Budget(ctx, node, "zip")
            for index, info in enumerate(zf.infolist(), 1):
                if info.is_dir():
                    continue
                name = node.unique(member_name(info.filename, index))
                path = node.prefix + name
                if not budget.admit():
                    return
                mode = info.external_attr >> 16
                if info.create_system == 3 and stat.S_IFMT(mode) not in (0, stat.S_IFREG):
                    budget.unsafe(path, "symbolic link" if stat.S_ISLNK(mode) else "special file")
                    continue
                if info.flag_bits & 0x1:
                    ctx.problem(
                        path,
                        "ARCHIVE_ENCRYPTED_MEMBER",
                        "The member is encrypted; its content cannot be read.",
                    )
                    continue
                if budget.member_too_big(path, info.file_size):
                    continue
                if budget.total_exceeded(info.file_size):
                    return
                if budget.ratio_exceeded(path, info.file_size, info.compress_size):
                    continue
                try:
                    with zf.open(info) as member:
                        data = member.read(ctx.limits.max_member_bytes + 1)
                except Exception as exc:
                    budget.unreadable(path, exc)
                    continue
                if budget.member_too_big(path, len(data)) or budget.total_exceeded(len(data)):
                    continue
                budget.total += len(data)
                yield node.member(name, data)


# --------------------------------------------------------------------------- tar


def iter_tar(ctx: Context, node: Node) -> Iterator[Document]:
    """Plain or gzip/bzip2/xz-compressed tar, read as a stream (members in archive order)."""
    with node.open() as fh:
        try:
            tf = tarfile.open(fileobj=fh, mode="r|*")  # noqa: SIM115 - closed below
        except Exception as exc:
            raise Unreadable(one_line(exc)) from exc
        budget = _Budget(ctx, node, "tar")
        index = 0
        with tf:
            while True:
                try:
                    info = tf.next()
                except Exception as exc:
                    ctx.problem(
                        node.path,
                        "ARCHIVE_UNREADABLE",
                        f"The tar is corrupt after {budget.count} members "
                        f"({one_line(exc)}); the rest was skipped.",
                    )
                    return
                if info is None:
                    return
                index += 1
                if info.isdir():
                    continue
                name = node.unique(member_name(info.name, index))
                path = node.prefix + name
                if not budget.admit():
                    return
                if not info.isfile():
                    budget.unsafe(path, _tar_kind(info))
                    continue
                if budget.member_too_big(path, info.size):
                    continue
                if budget.total_exceeded(info.size):
                    return
                # Per-member compressed sizes are unknown in a compressed stream: judge the
                # bytes decompressed so far against the whole archive, at large members.
                if info.size > RATIO_MIN_BYTES and budget.ratio_exceeded(
                    node.path, budget.total + info.size, node.size, stop=True
                ):
                    return
                try:
                    member = tf.extractfile(info)
                    data = member.read(info.size) if member is not None else b""
                except Exception as exc:
                    budget.unreadable(path, exc)
                    return  # a stream cannot resync after a broken member
                budget.total += len(data)
                yield node.member(name, data)


def _tar_kind(info: tarfile.TarInfo) -> str:
    if info.issym():
        return f"symbolic link (to {info.linkname!r})"
    if info.islnk():
        return f"hard link (to {info.linkname!r})"
    if info.ischr() or info.isblk():
        return "device node"
    if info.isfifo():
        return "FIFO"
    return f"member of unsupported type {info.type!r}"


# --------------------------------------------------------------------------- 7z


class _TempWriter:
    """py7zr writer: one temporary file with a generated name, capped at ``cap`` bytes."""

    def __init__(self, path: str, cap: int) -> None:
        self.path = path
        self.cap = cap
        self.written = 0
        self.truncated = False
        self._fh = open(path, "wb")  # noqa: SIM115 - closed by close() or the factory

    def write(self, s: bytes | bytearray) -> int:
        if self.written + len(s) > self.cap:
            self.truncated = True
        elif not self._fh.closed:
            self._fh.write(s)
            self.written += len(s)
        return len(s)

    def read(self, size: int | None = None) -> bytes:
        return b""

    def seek(self, offset: int, whence: int = 0) -> int:
        return 0

    def flush(self) -> None:
        if not self._fh.closed:
            self._fh.flush()

    def size(self) -> int:
        return self.written

    def close(self) -> None:
        self._fh.close()


def _factory(tmpdir: str, cap: int):
    import py7zr.io

    class Factory(py7zr.io.WriterFactory):
        def __init__(self) -> None:
            self.products: dict[str, _TempWriter] = {}

        def create(self, filename: str) -> _TempWriter:  # type: ignore[override]
            path = os.path.join(tmpdir, f"{len(self.products):06d}.bin")
            writer = _TempWriter(path, cap)
            self.products[filename] = writer
            return writer

        def close_all(self) -> None:
            for writer in self.products.values():
                writer.close()

    return Factory()


def iter_7z(ctx: Context, node: Node) -> Iterator[Document]:
    import py7zr
    from py7zr.helpers import get_sanitized_output_path

    limits = ctx.limits
    with node.open() as fh:
        try:
            archive = py7zr.SevenZipFile(fh, mode="r")
            infos = archive.list()
        except py7zr.PasswordRequired as exc:
            raise Unreadable(
                "its header is encrypted and needs a password", "ARCHIVE_ENCRYPTED_MEMBER"
            ) from exc
        except Exception as exc:
            raise Unreadable(one_line(exc)) from exc
        with archive:
            budget = _Budget(ctx, node, "7z")
            selected: list[tuple[str, int, int]] = []  # (member name, index in infos, size)
            planned = 0
            for index, info in enumerate(infos, 1):
                if info.is_directory:
                    continue
                name = node.unique(member_name(info.filename, index))
                path = node.prefix + name
                if not budget.admit():
                    break
                if info.is_symlink or not info.is_file:
                    budget.unsafe(path, "symbolic link" if info.is_symlink else "special file")
                    continue
                size = info.uncompressed or 0
                if budget.member_too_big(path, size):
                    continue
                if planned + size > limits.max_total_bytes:
                    budget.total_exceeded(planned + size)
                    break
                compressed = info.compressed if info.compressed else node.size
                if size > RATIO_MIN_BYTES and not info.compressed:
                    # Solid block: per-member sizes are unknown, judge the archive as a whole.
                    if budget.ratio_exceeded(node.path, planned + size, node.size, stop=True):
                        break
                elif budget.ratio_exceeded(path, size, compressed):
                    continue
                try:
                    get_sanitized_output_path(info.filename, None)
                except Exception:
                    budget.unsafe(path, "path py7zr refuses to extract (absolute or '..')")
                    continue
                planned += size
                selected.append((name, index - 1, size))
            if not selected:
                return
            if archive.needs_password():
                ctx.problem(
                    node.path,
                    "ARCHIVE_ENCRYPTED_MEMBER",
                    "The 7z is password-protected; its members cannot be read.",
                )
                return
            yield from _extract_7z(ctx, node, archive, infos, selected, budget)


def _extract_7z(ctx, node, archive, infos, selected, budget) -> Iterator[Document]:
    from py7zr.helpers import get_sanitized_output_path

    targets = {infos[i].filename for _, i, _ in selected}
    # py7zr keys its writers by sanitized output name, suffixing repeated names "_<n>"
    # (counting every targeted entry, directories included); replay that naming.
    seen: dict[str, int] = {}
    key_at: dict[int, str] = {}
    for i, info in enumerate(infos):
        if info.filename not in targets:
            continue
        if info.filename not in seen:
            out, seen[info.filename] = info.filename, 0
        else:
            out = f"{info.filename}_{seen[info.filename]}"
            seen[info.filename] += 1
        key_at[i] = get_sanitized_output_path(out, None).as_posix()

    with tempfile.TemporaryDirectory(prefix="authenticity-7z-") as tmpdir:
        factory = _factory(tmpdir, ctx.limits.max_member_bytes)
        failure: Exception | None = None
        try:
            archive.reset()
            archive.extract(targets=targets, factory=factory)
        except Exception as exc:
            failure = exc
        finally:
            factory.close_all()
        if failure is not None:
            ctx.problem(
                node.path,
                "ARCHIVE_UNREADABLE",
                f"Extracting the 7z failed ({one_line(failure)}); only complete members were kept.",
            )
        for name, i, size in selected:
            path = node.prefix + name
            writer = factory.products.get(key_at[i])
            if writer is None:
                if size == 0 and failure is None:
                    yield node.member(name, b"")
                else:
                    budget.unreadable(path, "not extracted")
                continue
            if writer.truncated:
                budget.member_too_big(path, ctx.limits.max_member_bytes + 1, at_least=True)
                continue
            if failure is not None and writer.written != size:
                budget.unreadable(path, "extraction stopped inside this member")
                continue
            with open(writer.path, "rb") as fh:
                data = fh.read()
            os.unlink(writer.path)
            if budget.total_exceeded(len(data)):
                return
            budget.total += len(data)
            yield node.member(name, data)


# --------------------------------------------------------------------------- gz / bz2 / xz

_SUFFIXES = {
    ".tgz": ".tar",
    ".tbz2": ".tar",
    ".tbz": ".tar",
    ".txz": ".tar",
    ".gz": "",
    ".gzip": "",
    ".bz2": "",
    ".bz": "",
    ".xz": "",
    ".lzma": "",
}


def decompressed_name(name: str) -> str:
    lower = name.lower()
    for suffix, repl in _SUFFIXES.items():
        if lower.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)] + repl
    return name


def iter_compressed(ctx: Context, node: Node) -> Iterator[Document]:
    """A single gzip/bzip2/xz stream: one member named after the container minus its suffix."""
    with node.open() as fh:
        head = fh.read(6)
        fh.seek(0)
        stream: gzip.GzipFile | bz2.BZ2File | lzma.LZMAFile
        if head.startswith(b"\x1f\x8b"):
            stream = gzip.GzipFile(fileobj=fh)
        elif head.startswith(b"BZh"):
            stream = bz2.BZ2File(fh)
        else:
            stream = lzma.LZMAFile(fh)  # noqa: SIM115
        name = node.unique(decompressed_name(node.name))
        path = node.prefix + name
        budget = _Budget(ctx, node, "compressed file")
        chunks: list[bytes] = []
        total = 0
        with stream:
            while True:
                try:
                    chunk = stream.read(MiB)
                except Exception as exc:
                    if not chunks:
                        raise Unreadable(one_line(exc)) from exc
                    budget.unreadable(path, exc)
                    return
                if not chunk:
                    break
                chunks.append(chunk)
                total += len(chunk)
                if budget.member_too_big(path, total, at_least=True):
                    return
                if budget.ratio_exceeded(path, total, node.size):
                    return
        yield node.member(name, b"".join(chunks))

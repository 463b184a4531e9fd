"""Walk a local directory: sorted, depth-first, never following symbolic links."""

from __future__ import annotations

import os
from collections.abc import Iterator

from authenticity.ingest._core import Context, expand, file_document, one_line, printable_text
from authenticity.model import Document


def iter_directory(ctx: Context, root: str) -> Iterator[Document]:
    """Every regular file under ``root`` (paths relative to it), each followed by its members.

    Entries are visited in sorted name order. Names that are not UTF-8 are shown with
    ``\\xNN`` for each undecodable byte (made unique within their directory if that
    spelling is taken); the file itself is still read under its real name. Symbolic links
    (to files or directories) are skipped with SYMLINK_SKIPPED; sockets, FIFOs and devices
    with SPECIAL_FILE_SKIPPED.
    """
    yield from _walk(ctx, os.path.abspath(root), "")


def _walk(ctx: Context, directory: str, rel: str) -> Iterator[Document]:
    try:
        with os.scandir(directory) as it:
            entries = sorted(it, key=lambda e: e.name)
    except OSError as exc:
        ctx.problem(
            rel or ".", "DIRECTORY_UNREADABLE", f"Cannot list the directory: {one_line(exc)}."
        )
        return
    taken = {entry.name for entry in entries}
    for entry in entries:
        name = _display_name(entry.name, taken)
        path = f"{rel}/{name}" if rel else name
        try:
            if entry.is_symlink():
                target = _readlink(entry.path)
                ctx.problem(
                    path, "SYMLINK_SKIPPED", f"Symbolic link to {target!r} was not followed."
                )
                continue
            is_dir = entry.is_dir(follow_symlinks=False)
            is_file = entry.is_file(follow_symlinks=False)
        except OSError as exc:
            ctx.problem(path, "FILE_UNREADABLE", f"Cannot stat the entry: {one_line(exc)}.")
            continue
        if is_dir:
            yield from _walk(ctx, entry.path, path)
            continue
        if not is_file:
            ctx.problem(
                path, "SPECIAL_FILE_SKIPPED", "Not a regular file (socket, FIFO or device)."
            )
            continue
        if ctx.file_seen is not None:
            try:
                if ctx.file_seen(path, entry.stat(follow_symlinks=False)):
                    continue
            except OSError as exc:
                ctx.problem(path, "FILE_UNREADABLE", f"Cannot stat the file: {one_line(exc)}.")
                continue
        try:
            doc = file_document(entry.path, path)
        except OSError as exc:
            ctx.problem(path, "FILE_UNREADABLE", f"Cannot read the file: {one_line(exc)}.")
            continue
        yield doc
        yield from expand(ctx, doc, 0)


def _display_name(name: str, taken: set[str]) -> str:
    """``name`` as UTF-8 provenance text, not colliding with another entry's name."""
    shown = printable_text(name)
    if shown == name:
        return name
    candidate, n = shown, 1
    while candidate in taken:
        n += 1
        candidate = f"{shown} ({n})"
    taken.add(candidate)
    return candidate


def _readlink(path: str) -> str:
    try:
        return os.readlink(path)
    except OSError:
        return "?"

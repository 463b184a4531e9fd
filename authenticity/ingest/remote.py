"""Sources given as fsspec URLs (``file://``, ``http(s)://``, ``s3://``, ``memory://``, ...).

``file://`` URLs are ingested in place like local paths. Anything else is streamed into a
temporary file with a generated name (deleted when the iteration ends) and ingested from
there; documents at the top level then carry ``data`` so they stay readable afterwards.
A URL naming a directory on a filesystem that can list (not HTTP) is walked in sorted order.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterator
from typing import Any
from urllib.parse import unquote, urlparse

from authenticity.errors import SourceError
from authenticity.ingest._core import (
    Context,
    data_document,
    expand,
    iter_local_file,
    one_line,
    safe_filename,
)
from authenticity.model import Document

_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*://")
_COPY_CHUNK = 1 << 20


def is_url(source: str) -> bool:
    return bool(_URL.match(source)) or "::" in source


def resolve(url: str) -> tuple[Any, str]:
    """(filesystem, path) for ``url``; SourceError for an unknown protocol or bad URL."""
    import fsspec.core

    try:
        return fsspec.core.url_to_fs(url)
    except Exception as exc:
        raise SourceError(f"cannot open {url}: {one_line(exc)}") from exc


def local_path(fs: Any) -> bool:
    from fsspec.implementations.local import LocalFileSystem

    return isinstance(fs, LocalFileSystem)


def _is_http(fs: Any) -> bool:
    protocols = fs.protocol if isinstance(fs.protocol, (tuple, list)) else (fs.protocol,)
    return any(p in ("http", "https") for p in protocols)


def _name(path: str) -> str:
    if "://" in path:
        path = urlparse(path).path
    return safe_filename(unquote(path.rstrip("/").rsplit("/", 1)[-1])) or "download"


class _TooLarge(OSError):
    pass


def _download(fs: Any, path: str, target: str, limit: int) -> None:
    copied = 0
    with fs.open(path, "rb") as src, open(target, "wb") as dst:
        while chunk := src.read(_COPY_CHUNK):
            copied += len(chunk)
            if copied > limit:
                raise _TooLarge(f"larger than the {limit}-byte limit")
            dst.write(chunk)


def iter_remote(ctx: Context, url: str, fs: Any, path: str) -> Iterator[Document]:
    with tempfile.TemporaryDirectory(prefix="authenticity-url-") as tmp:
        if not _is_http(fs):
            try:
                info = fs.info(path)
            except FileNotFoundError as exc:
                raise SourceError(f"source not found: {url}") from exc
            except Exception as exc:
                raise SourceError(f"cannot open {url}: {one_line(exc)}") from exc
            if info.get("type") == "directory":
                yield from _walk(ctx, fs, path, tmp)
                return
        target = os.path.join(tmp, "download.bin")
        try:
            _download(fs, path, target, ctx.limits.max_total_bytes)
        except FileNotFoundError as exc:
            raise SourceError(f"source not found: {url}") from exc
        except Exception as exc:
            raise SourceError(f"cannot fetch {url}: {one_line(exc)}") from exc
        yield from iter_local_file(ctx, target, _name(path), detach=True)


def _walk(ctx: Context, fs: Any, root: str, tmp: str) -> Iterator[Document]:
    root = root.rstrip("/")
    try:
        files = fs.find(root, withdirs=False, detail=False)
    except Exception as exc:
        raise SourceError(f"cannot list {root}: {one_line(exc)}") from exc
    for i, remote in enumerate(sorted(files)):
        rel = remote[len(root) :].lstrip("/") if remote.startswith(root) else remote
        target = os.path.join(tmp, f"{i:06d}.bin")
        try:
            _download(fs, remote, target, ctx.limits.max_member_bytes)
            with open(target, "rb") as fh:
                data = fh.read()
        except _TooLarge as exc:
            ctx.problem(rel, "ARCHIVE_SIZE_LIMIT", f"The file is {exc}; it was skipped.")
            continue
        except Exception as exc:
            ctx.problem(rel, "REMOTE_FETCH_FAILED", f"Cannot fetch the file: {one_line(exc)}.")
            continue
        finally:
            if os.path.exists(target):
                os.unlink(target)
        doc = data_document(rel, data)
        yield doc
        yield from expand(ctx, doc, 0)

"""Archives as documents: entry listing and entry times (members are ingested separately).

The newest entry time is the archive's ``modified`` and the oldest its ``created``, so the
timeline checks see an archive packed after the leak. Nothing is decompressed except what
listing a compressed tar requires (bounded by the worker's time limit).
"""

from __future__ import annotations

import datetime as dt
import io
import struct
import tarfile
import zipfile
import zlib
from typing import Any

from authenticity.errors import ExtractionError
from authenticity.extract import register
from authenticity.model import Extraction, Metadata

MAX_ENTRIES = 10_000
RAW_ENTRIES = 200
#: DOS timestamps of 1980-01-01 mean "no time recorded" (Office writes them on purpose).
_DOS_EPOCH_YEAR = 1980


def _span(times: list[dt.datetime]) -> tuple[dt.datetime | None, dt.datetime | None]:
    return (min(times), max(times)) if times else (None, None)


@register("application/zip", "application/x-zip-compressed", extensions=("zip",))
def extract_zip(data: bytes) -> Extraction:
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()[:MAX_ENTRIES]
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, NotImplementedError) as exc:
        raise ExtractionError(f"not a readable zip archive: {exc}") from exc
    entries: list[dict[str, Any]] = []
    times: list[dt.datetime] = []
    for info in infos:
        try:
            stamp = dt.datetime(*info.date_time)
        except ValueError:
            stamp = None
        if stamp is not None and stamp.year > _DOS_EPOCH_YEAR:
            times.append(stamp)
        if len(entries) < RAW_ENTRIES:
            entries.append(
                {
                    "name": info.filename,
                    "date_time": stamp,
                    "size": info.file_size,
                    "compressed": info.compress_size,
                    "method": info.compress_type,
                }
            )
    created, modified = _span(times)
    raw = {
        "entries": entries,
        "entry_count": len(infos),
        "comment": zf.comment.decode("utf-8", "replace"),
    }
    return Extraction(
        metadata=Metadata(created=created, modified=modified, raw=raw),
        facts={
            "archive_format": "zip",
            "entry_count": len(infos),
            "encrypted_entries": sum(1 for i in infos if i.flag_bits & 0x1),
        },
    )


@register("application/x-tar", extensions=("tar",))
def extract_tar(data: bytes) -> Extraction:
    entries: list[dict[str, Any]] = []
    times: list[dt.datetime] = []
    count = 0
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:*") as tf:
            for member in tf:
                count += 1
                if count > MAX_ENTRIES:
                    break
                stamp = None
                if member.mtime and member.mtime > 0:
                    try:
                        stamp = dt.datetime.fromtimestamp(member.mtime, dt.UTC)
                    except (OverflowError, OSError, ValueError):
                        stamp = None
                if stamp is not None:
                    times.append(stamp)
                if len(entries) < RAW_ENTRIES:
                    entries.append(
                        {
                            "name": member.name,
                            "mtime": stamp,
                            "size": member.size,
                            "type": member.type.decode("latin-1", "replace"),
                            "uname": member.uname,
                            "gname": member.gname,
                        }
                    )
    except (tarfile.TarError, OSError, EOFError, ValueError) as exc:
        if count == 0:
            raise ExtractionError(f"not a readable tar archive: {exc}") from exc
    created, modified = _span(times)
    owners = sorted({e["uname"] for e in entries if e.get("uname")})
    return Extraction(
        metadata=Metadata(
            created=created,
            modified=modified,
            author=owners[0] if len(owners) == 1 else None,
            raw={"entries": entries, "entry_count": count, "owners": owners},
        ),
        facts={"archive_format": "tar", "entry_count": count},
    )


@register("application/gzip", "application/x-gzip", extensions=("gz", "tgz"))
def extract_gzip(data: bytes) -> Extraction:
    if len(data) < 18 or data[:3] != b"\x1f\x8b\x08":
        raise ExtractionError("not a gzip stream")
    try:
        zlib.decompressobj(wbits=31).decompress(data[: 1 << 16], 1 << 16)
    except zlib.error as exc:
        raise ExtractionError(f"corrupt gzip stream: {exc}") from exc
    flags = data[3]
    (mtime,) = struct.unpack("<I", data[4:8])
    name = None
    if flags & 0x08:  # FNAME: original file name, NUL-terminated, after optional FEXTRA
        pos = 10
        if flags & 0x04 and len(data) >= 12:
            pos += 2 + struct.unpack("<H", data[10:12])[0]
        end = data.find(b"\x00", pos, pos + 4096)
        if end > pos:
            name = data[pos:end].decode("latin-1")
    stamp = dt.datetime.fromtimestamp(mtime, dt.UTC) if mtime else None
    try:
        is_tar = tarfile.is_tarfile(io.BytesIO(data))
    except (EOFError, OSError, zlib.error, tarfile.TarError) as exc:
        raise ExtractionError(f"truncated or corrupt gzip stream: {exc}") from exc
    if is_tar:
        inner = extract_tar(data)
        inner.metadata.raw["gzip"] = {"mtime": stamp, "name": name}
        return inner
    return Extraction(
        metadata=Metadata(modified=stamp, raw={"mtime": stamp, "name": name, "os": data[9]}),
        facts={"archive_format": "gzip"},
    )


@register("application/x-7z-compressed", extensions=("7z",))
def extract_7z(data: bytes) -> Extraction:
    import py7zr

    try:
        with py7zr.SevenZipFile(io.BytesIO(data), mode="r") as archive:
            infos = archive.list()[:MAX_ENTRIES]
    except Exception as exc:  # py7zr raises many unrelated types on bad input
        raise ExtractionError(f"not a readable 7z archive: {type(exc).__name__}: {exc}") from exc
    times = [i.creationtime for i in infos if isinstance(i.creationtime, dt.datetime)]
    entries = [
        {"name": i.filename, "time": i.creationtime, "size": i.uncompressed}
        for i in infos[:RAW_ENTRIES]
    ]
    created, modified = _span(times)
    return Extraction(
        metadata=Metadata(
            created=created, modified=modified, raw={"entries": entries, "entry_count": len(infos)}
        ),
        facts={"archive_format": "7z", "entry_count": len(infos)},
    )

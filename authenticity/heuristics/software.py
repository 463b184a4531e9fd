"""Timeline check: a file cannot have been written before the software that wrote it existed.

Release dates live in ``authenticity/data/software_releases.csv`` (product, version_pattern,
release_date, source_url). ``version_pattern`` is a regular expression searched in:

- ``Microsoft Office`` rows: the AppVersion / PIDDSI_VERSION (``16.0000``) of a file whose
  application name starts with "Microsoft" (OOXML ``app.xml``, OLE2 document summary);
- ``PDF`` rows: the version in the ``%PDF-x.y`` header;
- ``EXIF`` rows: the ExifVersion tag (``0230``) of an image: a camera or editor writes the
  version of the standard it implements, which cannot postdate the EXIF block's dates;
- every other row: the application, producer and XMP CreatorTool strings (office suites, PDF
  writers, image editors).

Cameras live in ``authenticity/data/camera_releases.csv`` (camera, model_pattern, announced,
source_url): ``model_pattern`` is searched in "Make Model" of a photo's EXIF (``Canon Canon EOS
5D Mark II``, ``Apple iPhone 12 Pro``, ``samsung SM-G991B``), and the date compared is the
announcement: a photo cannot be taken with a camera that did not exist yet. A camera whose
clock was never set (or was reset) stamps its factory default, usually the first days of a
January; photo dates in the first week of January are therefore not compared for the camera
or the Exif version.

The date compared is the latest one the file claims (modified, else created): the claimed
software saved the file last, so at least that save must come after the release. Betas and
previews circulate before a release, so a date is only flagged when it is more than
:data:`TOLERANCE` (six months; twelve for Microsoft Office, whose public betas run about a
year ahead) before the release date.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from typing import Any

from authenticity.heuristics.dates import latest_claimed
from authenticity.model import Finding, Metadata, Severity
from authenticity.timeutil import as_utc

CODE = "TS_BEFORE_SOFTWARE_RELEASE"
TOLERANCE = dt.timedelta(days=183)
#: Products whose public betas/previews ran well ahead of the release date.
PRODUCT_TOLERANCE = {"Microsoft Office": dt.timedelta(days=366)}
#: Image editors that write their name into EXIF Software but keep the photo's DateTime as
#: the camera wrote it, so their release says nothing of the dates: paint.net 4.0.3 and
#: 4.0.5 saves of a 2006 Casio photo (piexif's test images) keep its 2006 DateTime.
#: Photoshop, Lightroom and GIMP set DateTime to the time of the save.
EDITORS_KEEPING_DATETIME = frozenset({"paint.net"})
#: Zone-less dates may be local time anywhere: 14 h either way.
_NAIVE_SLACK = dt.timedelta(hours=14)


#: Claim kinds compared with rows of their own product name; every other software row is
#: compared with the application/producer strings ("software").
_VERSION_KINDS = ("Microsoft Office", "PDF", "EXIF")
#: Kinds whose dates come from a device clock, which falls back to a factory default.
_CLOCK_KINDS = ("EXIF", "Camera")


@dataclass(frozen=True)
class Release:
    product: str
    pattern: re.Pattern[str]
    released: dt.date
    source: str
    kind: str = "software"


def _table(name: str) -> list[dict[str, str]]:
    text = resources.files("authenticity").joinpath(f"data/{name}").read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(text)))


@functools.cache
def releases() -> tuple[Release, ...]:
    """The release tables shipped as package data: software versions, then cameras."""
    out = [
        Release(
            product=row["product"],
            pattern=re.compile(row["version_pattern"], re.IGNORECASE),
            released=dt.date.fromisoformat(row["release_date"]),
            source=row["source_url"],
            kind=row["product"] if row["product"] in _VERSION_KINDS else "software",
        )
        for row in _table("software_releases.csv")
    ]
    out += [
        Release(
            product=row["camera"],
            pattern=re.compile(row["model_pattern"], re.IGNORECASE),
            released=dt.date.fromisoformat(row["announced"]),
            source=row["source_url"],
            kind="Camera",
        )
        for row in _table("camera_releases.csv")
    ]
    return tuple(out)


def _camera(meta: Metadata) -> str | None:
    """ "Make Model" with whitespace (and the NULs some cameras pad with) collapsed."""
    model = " ".join((meta.model or "").replace("\x00", " ").split())
    if not model:
        return None
    make = " ".join((meta.make or "").replace("\x00", " ").split())
    return f"{make} {model}".strip()


def _clock_default(when: dt.datetime) -> bool:
    """The first week of January: where a camera with an unset or reset clock starts."""
    return when.month == 1 and when.day <= 7


def _claims(meta: Metadata, facts: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(kind, field name, value) of every software claim the file makes."""
    claims: list[tuple[str, str, str]] = []
    app = (meta.application or "").strip()
    if meta.app_version and app.lower().startswith("microsoft"):
        claims.append(("Microsoft Office", "app_version", meta.app_version.strip()))
    for kind, key in (("PDF", "pdf_version"), ("EXIF", "exif_version")):
        version = facts.get(key)
        if isinstance(version, str) and version:
            claims.append((kind, key, version))
    camera = _camera(meta)
    if camera:
        claims.append(("Camera", "camera", camera))
    seen: set[str] = set()
    for name, value in (
        ("application", meta.application),
        ("producer", meta.producer),
        ("xmp_creator_tool", facts.get("xmp_creator_tool")),
        ("xmp_producer", facts.get("xmp_producer")),
    ):
        if isinstance(value, str) and value.strip() and value.strip() not in seen:
            seen.add(value.strip())
            claims.append(("software", name, value.strip()))
    return claims


def _matches(kind: str, release: Release) -> bool:
    return release.kind == kind


@functools.lru_cache(maxsize=8192)
def _matching(kind: str, value: str) -> tuple[Release, ...]:
    """The releases of ``kind`` whose pattern ``value`` matches, in table order (a dump
    repeats a few producer strings thousands of times: each is matched once)."""
    return tuple(r for r in releases() if _matches(kind, r) and r.pattern.search(value))


def _zip_written(facts: dict[str, Any]) -> dt.datetime | None:
    """Latest real (not 1980 DOS-epoch) zip entry time of an OOXML package, if any."""
    latest = None
    for entry in facts.get("zip_entries") or ():
        stamp = entry.get("date_time") if isinstance(entry, dict) else None
        if not isinstance(stamp, str) or stamp.startswith("1980-01-01"):
            continue
        try:
            value = dt.datetime.fromisoformat(stamp)
        except ValueError:
            continue
        latest = value if latest is None or value > latest else latest
    return latest


def check_before_release(meta: Metadata, facts: dict[str, Any]) -> Iterator[Finding]:
    latest = latest_claimed(meta)
    if latest is None:
        return
    attr, when = latest
    when_utc = as_utc(when)
    slack = _NAIVE_SLACK if when.tzinfo is None else dt.timedelta(0)
    reported: set[str] = set()
    for kind, field_name, value in _claims(meta, facts):
        if kind in _CLOCK_KINDS and _clock_default(when):
            continue
        for release in _matching(kind, value):
            if release.product in reported:
                continue
            if release.product in EDITORS_KEEPING_DATETIME and "exif_tag_count" in facts:
                continue
            tolerance = PRODUCT_TOLERANCE.get(release.product, TOLERANCE)
            cutoff = dt.datetime.combine(release.released, dt.time(), tzinfo=dt.UTC) - tolerance
            if when_utc + slack >= cutoff:
                continue
            reported.add(release.product)
            evidence = {
                attr: when,
                field_name: value,
                "product": release.product,
                "release_date": release.released,
                "tolerance_days": tolerance.days,
                "source": release.source,
            }
            written = _zip_written(facts)
            if written is not None and written + _NAIVE_SLACK >= cutoff.replace(tzinfo=None):
                # The zip entry times (local time of the writer) say the package was written
                # after the release: the dates were carried over from an older version.
                evidence["zip_written"] = written
                yield Finding(
                    CODE,
                    Severity.MEDIUM,
                    f"The file says it was {attr} on {when.isoformat()}, before "
                    f"{release.product} matching '{value}' was released "
                    f"({release.released.isoformat()}); its zip entries were written on "
                    f"{written.isoformat()}, so the dates were carried over by a conversion "
                    "or set by hand.",
                    evidence,
                )
            elif release.kind == "Camera":
                yield Finding(
                    CODE,
                    Severity.HIGH,
                    f"The photo says it was {attr} on {when.isoformat()}, but it names the "
                    f"camera '{value}' ({release.product}), announced "
                    f"{release.released.isoformat()} (more than {tolerance.days} days later): "
                    "the date or the camera tags were altered.",
                    evidence,
                )
            else:
                yield Finding(
                    CODE,
                    Severity.HIGH,
                    f"The file says it was {attr} on {when.isoformat()}, but it claims to be "
                    f"written by {release.product} ({field_name} '{value}'), released "
                    f"{release.released.isoformat()} (more than {tolerance.days} days later): "
                    "the date or the software claim was altered.",
                    evidence,
                )
            break


#: XMP toolkits of metadata editors: a packet they serialized was written after the file's
#: producer by someone editing metadata (producers write their own toolkit string, e.g.
#: "Adobe XMP Core 5.6-c015").
METADATA_EDITORS = (
    ("exiftool", "ExifTool"),
    ("exiv2", "Exiv2"),
    ("exempi", "Exempi"),
)


def check_metadata_editor_toolkit(
    meta: Metadata, facts: dict[str, Any], mime: str
) -> Iterator[Finding]:
    """The XMP packet was serialized by a metadata editor (ExifTool, Exiv2, Exempi)."""
    toolkit = facts.get("xmp_toolkit")
    if not isinstance(toolkit, str):
        return
    folded = toolkit.casefold()
    editor = next((name for key, name in METADATA_EDITORS if key in folded), None)
    if editor is None:
        return
    # Photographers tag, geotag and caption with these tools as a matter of course;
    # documents (PDF, office files) are rarely touched by them outside forensics.
    image = mime.startswith("image/")
    yield Finding(
        "XMP_WRITTEN_BY_METADATA_EDITOR",
        Severity.LOW if image else Severity.MEDIUM,
        f"The file's XMP metadata was last written by {editor} (toolkit '{toolkit}'), a "
        "metadata editor, not by the software that made the file: its metadata was edited "
        "afterwards" + (" (common for photos: captions, geotags, copyright)." if image else "."),
        {"xmp_toolkit": toolkit, "editor": editor, "producer": meta.producer},
    )


CHECKS = (
    lambda meta, facts, ctx: check_before_release(meta, facts),
    lambda meta, facts, ctx: check_metadata_editor_toolkit(meta, facts, ctx.mime),
)

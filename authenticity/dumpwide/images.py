"""Dump-level image evidence: one camera shot present twice, with a difference.

A JPEG's compressed picture (the bytes from the first scan on, ``jpeg_scan_digest``) and
its EXIF block (``exif_digest``) are fingerprinted by the image extractor. Two distinct
files of a dump that share one of them come from the same shot:

``NEARDUP_IMAGE_DATES_DIFFER`` (info): the same compressed picture, byte for byte, with
different EXIF dates (``DateTimeOriginal``, ``DateTimeDigitized`` or ``DateTime``). Only
the metadata was rewritten, in one of the two copies: the trace of a date shift made with
a metadata editor or a hex editor, which leaves nothing inside the edited file itself.

``NEARDUP_IMAGE_PIXELS_DIFFER`` (info): the same EXIF block, byte for byte (capture time,
camera, settings, thumbnail), on two pictures of the same size whose compressed data differ.
A resize or a re-export by a viewer rewrites the EXIF (new size, new software); a picture
re-encoded *keeping* the camera's EXIF as it was is what a careful retouch or splice
leaves.

Neither check can tell which copy is the edited one; both copies get the finding, with
the other's sha256 and paths in the evidence. They are pointers for the analyst, so
``info``, and the classifier does not read them (:data:`authenticity.features.UNREAD`): in
the training dump every forgery's source file is present, which would teach it that a
pair means forgery; in a real dump the original is usually the authentic side. Groups
larger than :data:`MAX_GROUP` are ignored (a picture or EXIF block that many files share
is a template, not a shot).

``NEARDUP_IMAGE_REENCODED_COPY`` (medium) is the one that does tell: for a pixels-differ
pair with the same quantization tables, :mod:`authenticity.dumpwide.jpegorder` re-encodes
both copies and names the one that is a generation later (decoded and saved again after
the other: the retouched copy). Only that copy gets it, with the changed area's bounding
box. It needs the two files' bytes again, which the resolver provides when it can
(``compare_jpegs``; a scan reads them back from the source and decodes them in an
isolated process); at most :data:`MAX_ORDERED_PAIRS` pairs per dump are compared.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from authenticity.dumpwide._common import Resolver
from authenticity.dumpwide.jpegorder import Order
from authenticity.model import Analysis, Finding, Severity

MAX_GROUP = 20
#: Pixels-differ pairs whose generation order is checked (each decodes two pictures).
MAX_ORDERED_PAIRS = 200
#: Other copies listed per finding.
MAX_LISTED = 5
_DATE_KEYS = ("exif_datetime_original", "exif_datetime_digitized", "exif_datetime")
_DATE_NAMES = ("DateTimeOriginal", "DateTimeDigitized", "DateTime")


@dataclass(frozen=True, slots=True)
class _Shot:
    sha256: str
    scan: str | None
    exif: str | None
    dates: tuple[str | None, ...]
    size: tuple[Any, Any]
    #: The quantization tables as extracted (compared as they are), or None.
    tables: str | None = None


def _iso(value: Any) -> str | None:
    if isinstance(value, dt.datetime):
        return value.isoformat()
    return value if isinstance(value, str) and value else None


class ImageCollector:
    """Streaming form of the image pass: a small record per JPEG with a fingerprint."""

    def __init__(self) -> None:
        self.shots: list[_Shot] = []

    def add(self, sha256: str, analysis: Analysis) -> None:
        facts = analysis.facts if isinstance(analysis.facts, dict) else {}
        scan, exif = facts.get("jpeg_scan_digest"), facts.get("exif_digest")
        if not isinstance(scan, str) and not isinstance(exif, str):
            return
        self.shots.append(
            _Shot(
                sha256,
                scan if isinstance(scan, str) else None,
                exif if isinstance(exif, str) else None,
                tuple(_iso(facts.get(k)) for k in _DATE_KEYS),
                (facts.get("width"), facts.get("height")),
                _tables_key(facts.get("jpeg_quant_tables")),
            )
        )

    def findings(self, resolver: Resolver | None = None) -> dict[str, list[Finding]]:
        """sha256 -> NEARDUP_IMAGE_DATES_DIFFER / NEARDUP_IMAGE_PIXELS_DIFFER findings."""
        out: dict[str, list[Finding]] = {}
        pairs: list[tuple[str, _Shot, list[_Shot]]] = []
        for code, key, differs in (
            ("NEARDUP_IMAGE_DATES_DIFFER", "scan", _dates_differ),
            ("NEARDUP_IMAGE_PIXELS_DIFFER", "exif", _pixels_differ),
        ):
            for group in _groups(self.shots, key):
                for shot in group:
                    others = [o for o in group if o.sha256 != shot.sha256 and differs(shot, o)]
                    if others:
                        pairs.append((code, shot, others))
        later = _later_copies(self.shots, resolver)
        if not pairs and not later:
            return out
        wanted = {o.sha256 for _c, _s, others in pairs for o in others[:MAX_LISTED]}
        wanted |= {earlier for earlier, _order in later.values()}
        paths = resolver.paths(wanted) if resolver is not None else {}
        for code, shot, others in pairs:
            out.setdefault(shot.sha256, []).append(_finding(code, shot, others, paths))
        for sha, (earlier, order) in later.items():
            out.setdefault(sha, []).append(_reencoded_finding(earlier, order, paths))
        return out


def _tables_key(tables: Any) -> str | None:
    return repr(tables) if tables else None


def _groups(shots: Iterable[_Shot], key: str) -> list[list[_Shot]]:
    groups: dict[str, list[_Shot]] = {}
    for shot in shots:
        value = getattr(shot, key)
        if value is not None:
            groups.setdefault(value, []).append(shot)
    return [g for g in groups.values() if 2 <= len(g) <= MAX_GROUP]


def _dates_differ(a: _Shot, b: _Shot) -> bool:
    pairs = zip(a.dates, b.dates, strict=True)
    return any(x is not None and y is not None and x != y for x, y in pairs)


def _pixels_differ(a: _Shot, b: _Shot) -> bool:
    return (
        a.scan is not None
        and b.scan is not None
        and a.scan != b.scan
        and a.size == b.size
        and None not in a.size
        and a.dates[0] is not None  # a camera shot: EXIF with a capture time
    )


def _finding(code: str, shot: _Shot, others: list[_Shot], paths: dict[str, list[str]]) -> Finding:
    listed = others[:MAX_LISTED]
    other_paths = [p for o in listed for p in paths.get(o.sha256, [])[:1]]
    where = ", ".join(other_paths) if other_paths else f"{len(others)} other file(s)"
    if code == "NEARDUP_IMAGE_DATES_DIFFER":
        message = (
            f"The same compressed picture, byte for byte, is also in the dump as {where}, "
            f"with other EXIF dates (here taken {shot.dates[0] or shot.dates[2]}, there "
            f"{listed[0].dates[0] or listed[0].dates[2]}): the dates of one of the copies "
            "were rewritten. This check cannot tell which."
        )
    else:
        message = (
            f"The same EXIF block, byte for byte (camera, capture time {shot.dates[0]}, "
            f"thumbnail), is also in the dump as {where} on a picture of the same size "
            "with different pixels: one of the two was re-encoded keeping the camera's "
            "EXIF untouched, as a careful retouch does. This check cannot tell which."
        )
    evidence: dict[str, Any] = {
        "other_sha256": [o.sha256 for o in listed],
        "other_paths": other_paths,
        "others": len(others),
        "dates": dict(zip(_DATE_NAMES, shot.dates, strict=True)),
        "other_dates": dict(zip(_DATE_NAMES, listed[0].dates, strict=True)),
    }
    return Finding(code, Severity.INFO, message, evidence)


def _later_copies(shots: list[_Shot], resolver: Resolver | None) -> dict[str, tuple[str, Order]]:
    """sha256 of each copy found to be the later generation -> (the earlier copy, the
    comparison). Candidates: two pictures of one size with the same EXIF block and different
    compressed data (as for NEARDUP_IMAGE_PIXELS_DIFFER, but any EXIF block, with or
    without a capture time), when the resolver can compare them."""
    compare = getattr(resolver, "compare_jpegs", None)
    if compare is None:
        return {}
    candidates: list[tuple[str, str]] = []
    for group in _groups(shots, "exif"):
        for i, a in enumerate(group):
            for b in group[i + 1 :]:
                if None in (a.scan, b.scan, *a.size) or a.scan == b.scan or a.size != b.size:
                    continue
                if a.tables != b.tables:  # re-encoded with other tables: nothing to compare
                    continue
                if len(candidates) < MAX_ORDERED_PAIRS:
                    candidates.append((min(a.sha256, b.sha256), max(a.sha256, b.sha256)))
    out: dict[str, tuple[str, Order]] = {}
    for (a, b), order in compare(candidates).items():
        if order is None or order.later is None:
            continue
        later, earlier = (a, b) if order.later == "a" else (b, a)
        out.setdefault(later, (earlier, order))
    return out


def _reencoded_finding(earlier: str, order: Order, paths: dict[str, list[str]]) -> Finding:
    other_paths = paths.get(earlier, [])[:1]
    where = other_paths[0] if other_paths else "another file of the dump"
    mine, theirs = (
        (order.residual_a, order.residual_b)
        if order.later == "a"
        else (order.residual_b, order.residual_a)
    )
    area = (
        f"; the pictures differ in {order.changed:.1%} of the pixels, within the box "
        f"{tuple(order.changed_box)} (left, top, right, bottom)"
        if order.changed_box
        else "; no pixel differs by more than the recompression noise"
    )
    message = (
        f"This picture is a re-encoded copy of {where}: both carry the same EXIF block, byte "
        "for byte, and the same quantization tables, and encoding each again with those "
        f"tables changes this one less (mean change {mine:.3f} against {theirs:.3f}), so it "
        "went through the encoder once more: it was decoded and saved again after the "
        f"other copy, with the camera's EXIF copied over, as a retouch or splice does{area}."
    )
    evidence: dict[str, Any] = {
        "other_sha256": [earlier],
        "other_paths": other_paths,
        "residual": round(mine, 4),
        "other_residual": round(theirs, 4),
        "agree": round(order.agree, 4),
        "changed": round(order.changed, 4),
        "changed_box": list(order.changed_box) if order.changed_box else None,
    }
    return Finding("NEARDUP_IMAGE_REENCODED_COPY", Severity.MEDIUM, message, evidence)

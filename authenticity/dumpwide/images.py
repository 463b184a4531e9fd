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

``NEARDUP_IMAGE_REENCODED_COPY`` (medium) is the one that does tell: for two JPEGs of one
size that carry the same EXIF block (with or without a capture time) or the same picture
hash (``picture_hash``: a 64-bit difference hash from the extractor; at most
:data:`MAX_HASH_DISTANCE` bits apart, so a copy whose EXIF was rewritten or dropped pairs
too), :mod:`authenticity.dumpwide.jpegorder` remakes each copy from the other and names the
one that was made from the other (decoded and saved again after it: the retouched copy).
Only that copy gets it, with the changed area's bounding box. It needs the two files'
bytes again, which the resolver provides when it can (``compare_jpegs``; a scan reads them
back from the source and decodes them in an isolated process); at most
:data:`MAX_ORDERED_PAIRS` pairs per dump are compared, same-EXIF pairs first, then by
picture-hash distance.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from authenticity.dumpwide._common import Resolver, other_copy
from authenticity.dumpwide.jpegorder import MIN_CROP_SIDE, Crop, Order
from authenticity.model import Analysis, Finding, Severity

MAX_GROUP = 20
#: Pixels-differ pairs whose generation order is checked (each decodes two pictures).
MAX_ORDERED_PAIRS = 200
#: Largest picture-hash distance (bits of 64) at which two pictures are compared.
MAX_HASH_DISTANCE = 12
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
    #: The extractor's picture hash (16 hex digits), or None.
    phash: str | None = None


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
                _hash_or_none(facts.get("picture_hash")),
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
        later, crops = _directed_pairs(self.shots, resolver)
        if not pairs and not later and not crops:
            return out
        wanted = {o.sha256 for _c, _s, others in pairs for o in others[:MAX_LISTED]}
        wanted |= {earlier for earlier, _order, _same in later.values()}
        wanted |= {large for large, _crop in crops.values()}
        paths = resolver.paths(wanted) if resolver is not None else {}
        for code, shot, others in pairs:
            out.setdefault(shot.sha256, []).append(_finding(code, shot, others, paths))
        size = {shot.sha256: list(shot.size) for shot in self.shots}
        for sha, (earlier, order, same_exif) in later.items():
            found_order = _reencoded_finding(earlier, order, same_exif, paths, size[sha])
            out.setdefault(sha, []).append(found_order)
        for sha, (large, found) in crops.items():  # the region lies in the larger picture
            out.setdefault(sha, []).append(_cropped_finding(large, found, paths, size[large]))
        return out


def _hash_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) and len(value) == 16 else None


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


def _recoded(a: _Shot, b: _Shot) -> bool:
    """Two pictures of one known size whose compressed data differ."""
    return None not in (a.scan, b.scan, *a.size) and a.scan != b.scan and a.size == b.size


def _pixels_differ(a: _Shot, b: _Shot) -> bool:
    return _recoded(a, b) and a.dates[0] is not None  # a camera shot: EXIF with a capture time


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


def _directed_pairs(
    shots: list[_Shot], resolver: Resolver | None
) -> tuple[dict[str, tuple[str, Order, bool]], dict[str, tuple[str, Crop]]]:
    """The candidate pairs compared by the resolver, in one call (a scan reads the files
    again once): sha256 of each copy made from another -> (that other copy, the comparison,
    whether the two share their EXIF block); sha256 of each crop -> (the larger picture,
    where)."""
    compare = getattr(resolver, "compare_jpegs", None)
    if compare is None:
        return {}, {}
    calls = [("order", a, b) for a, b in _order_candidates(shots)]
    calls += [("crop", large, small) for large, small in _crop_candidates(shots)]
    if not calls:
        return {}, {}
    exif = {shot.sha256: shot.exif for shot in shots}
    later: dict[str, tuple[str, Order, bool]] = {}
    crops: dict[str, tuple[str, Crop]] = {}
    for (_kind, a, b), result in compare(calls).items():
        if isinstance(result, Order) and result.later is not None:
            copy, earlier = (a, b) if result.later == "a" else (b, a)
            same_exif = exif.get(a) is not None and exif.get(a) == exif.get(b)
            later.setdefault(copy, (earlier, result, same_exif))
        elif isinstance(result, Crop) and result.box is not None:
            crops.setdefault(b, (a, result))
    return later, crops


def _order_candidates(shots: list[_Shot]) -> list[tuple[str, str]]:
    """Pairs (sorted sha256s) of JPEGs of one size with different compressed data that
    share their EXIF block, then pairs whose picture hashes share one of four 16-bit bands
    and are at most MAX_HASH_DISTANCE bits apart (closest first); MAX_ORDERED_PAIRS at most."""

    out: dict[tuple[str, str], None] = {}
    for group in _groups(shots, "exif"):
        for i, a in enumerate(group):
            for b in group[i + 1 :]:
                if _recoded(a, b):
                    out[(min(a.sha256, b.sha256), max(a.sha256, b.sha256))] = None
    near: dict[tuple[str, str], int] = {}
    buckets: dict[tuple[int, str], list[_Shot]] = {}
    for shot in shots:
        if shot.phash is not None:
            for band in range(4):
                buckets.setdefault((band, shot.phash[4 * band : 4 * band + 4]), []).append(shot)
    for bucket in buckets.values():
        if not 2 <= len(bucket) <= MAX_GROUP:
            continue
        for i, a in enumerate(bucket):
            for b in bucket[i + 1 :]:
                assert a.phash is not None and b.phash is not None
                distance = (int(a.phash, 16) ^ int(b.phash, 16)).bit_count()
                if distance <= MAX_HASH_DISTANCE and _recoded(a, b):
                    near[(min(a.sha256, b.sha256), max(a.sha256, b.sha256))] = distance
    for pair in sorted(near, key=lambda p: (near[p], p)):
        out.setdefault(pair, None)
    return list(out)[:MAX_ORDERED_PAIRS]


def _reencoded_finding(
    earlier: str, order: Order, same_exif: bool, paths: dict[str, list[str]], size: list[Any]
) -> Finding:
    other_paths, where = other_copy(paths, earlier, "another file of the dump")
    mine, theirs = (
        (order.remake_a, order.remake_b) if order.later == "a" else (order.remake_b, order.remake_a)
    )
    paired = (
        "both carry the same EXIF block, byte for byte"
        if same_exif
        else "both show the same picture at the same size (their EXIF differs or is absent)"
    )
    area = (
        f" The two differ in {order.changed:.1%} of the picture's 8x8 blocks, within the box "
        f"{tuple(order.changed_box)} (left, top, right, bottom): what was changed."
        if order.changed_box
        else " No block differs by more than recompression noise: a re-save, no visible edit."
    )
    message = (
        f"This picture was made from {where}: {paired}, and encoding that copy with this "
        f"file's quantization tables gives back this file's pixels (mean difference "
        f"{mine:.3f}) much more closely than encoding this file with that copy's tables "
        f"gives back that copy ({theirs:.3f}). It was decoded and saved again after the other "
        f"copy, not the other way round, as a retouch, a splice or a re-export does.{area}"
    )
    evidence: dict[str, Any] = {
        "other_sha256": [earlier],
        "other_paths": other_paths,
        "same_exif": same_exif,
        "remake_error": round(mine, 4),
        "other_remake_error": round(theirs, 4),
        "agree": round(order.agree, 4),
        "changed": round(order.changed, 4),
        "changed_box": list(order.changed_box) if order.changed_box else None,
        "picture_size": size,
    }
    return Finding("NEARDUP_IMAGE_REENCODED_COPY", Severity.MEDIUM, message, evidence)


def _crop_candidates(shots: list[_Shot]) -> list[tuple[str, str]]:
    """(larger, smaller) pairs with the same EXIF block, the smaller at least MIN_CROP_SIDE
    of the larger's width and height; MAX_ORDERED_PAIRS at most."""
    out: list[tuple[str, str]] = []
    for group in _groups(shots, "exif"):
        for a in group:
            for b in group:
                (wa, ha), (wb, hb) = a.size, b.size
                if None in (wa, ha, wb, hb) or (wa, ha) == (wb, hb) or a.scan == b.scan:
                    continue
                if MIN_CROP_SIDE * wa <= wb <= wa and MIN_CROP_SIDE * ha <= hb <= ha:
                    out.append((a.sha256, b.sha256))
    return out[:MAX_ORDERED_PAIRS]


def _cropped_finding(
    large: str, found: Crop, paths: dict[str, list[str]], size: list[Any]
) -> Finding:
    other_paths, where = other_copy(paths, large, "another file of the dump")
    assert found.box is not None
    message = (
        f"This picture is a crop of {where}: both carry the same EXIF block, byte for byte, "
        f"and this picture is the region {tuple(found.box)} (left, top, right, bottom) of "
        f"that one at the same scale (mean grey difference {found.diff:.1f} there, "
        f"{found.nearby:.1f} a few pixels off). It was cut out of the other and saved with "
        "the camera's EXIF copied over unchanged, which still describes the whole frame."
    )
    evidence: dict[str, Any] = {
        "other_sha256": [large],
        "other_paths": other_paths,
        "region": list(found.box),
        "diff": round(found.diff, 3),
        "nearby_diff": round(found.nearby, 3),
        "picture_size": size,
    }
    return Finding("NEARDUP_IMAGE_CROPPED_COPY", Severity.MEDIUM, message, evidence)

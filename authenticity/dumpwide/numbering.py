"""Dump-level photo evidence: a camera's file counter against its capture times.

Cameras and phones number the pictures they take: ``IMG_0412.JPG`` (Canon, iPhone),
``DSC_0412.JPG`` / ``_DSC0412.JPG`` (Nikon), ``DSC00412.JPG`` (Sony), ``DSCF0412.JPG``
(Fujifilm), ``DSCN0412.JPG``, ``P1010412.JPG`` (Panasonic), ``IMGP0412.JPG`` (Pentax),
``100_0412.JPG`` (Kodak), ``_MG_0412.JPG``... Within one camera a higher number was taken
later. A date tool (``exiftool -AllDates+=``, a metadata editor) moves the dates inside
the file and leaves its name alone; one photo of a series moved in time then stands out
against the photos numbered around it, which no single-file check can see.

``TS_OUT_OF_CAMERA_SEQUENCE``: among the dump's photos with the same name prefix, camera
make and model (and body serial number, when the EXIF has one), the ones numbered within
:data:`WINDOW` of a photo run in capture order among themselves (at least
:data:`MIN_NEIGHBOURS` of them, allowing :data:`TOLERANCE` for clock and time-zone
changes), and at least :data:`MIN_CONTRADICTED` of them (one, if the photo is numbered
between two of them) contradict the photo's own capture time: photos numbered before it
were taken more than :data:`TOLERANCE` after it, or photos numbered after it more than
that before it. Its dates were changed after
capture (or it was renamed from another photo's name). High when every photo compared
carries the same body serial number; medium without one, because another camera of the
same model whose counter overlaps gives the same picture (two staff members' phones of
one model, or one phone's counter that wrapped round after 9,999 pictures).

Only the photo that breaks an otherwise ordered run is named: if the photos around it are
not in order among themselves (several cameras of one model interleaved, counters that
were reset), nothing is said. A forward shift of the highest-numbered photo of a run, or
a back shift of the lowest, contradicts nothing and is not seen.
"""

from __future__ import annotations

import bisect
import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from authenticity.dumpwide._common import Resolver, camera_label
from authenticity.model import Analysis, Finding, Severity, last_segment
from authenticity.timeutil import stored_datetime

#: How far apart (in counter steps) two photos may be numbered to be compared.
WINDOW = 100
#: Photos numbered around one (itself excluded) that must run in capture order.
MIN_NEIGHBOURS = 3
#: Of those, how many must contradict its capture time.
MIN_CONTRADICTED = 2
#: Clock corrections, time-zone changes, a day's slack.
TOLERANCE = dt.timedelta(days=2)
#: Neighbours listed in a finding's evidence.
MAX_LISTED = 5

#: A camera's name for a picture: a short letter prefix (or a letter and a folder number,
#: or a folder number and an underscore) and a 4- or 5-digit counter, with an optional
#: " (1)" that a download or a mail client adds to a repeated name.
_COUNTER_NAME = re.compile(
    r"^(?P<prefix>[A-Za-z_]{1,5}|[A-Za-z]\d{2,3}|\d{3}[_-])[_-]?(?P<n>\d{4,5})"
    r"(?:\s*\(\d{1,3}\))?$"
)
#: Raw EXIF keys (exifread's names) that carry the camera body's serial number.
_SERIAL_KEYS = (
    "EXIF BodySerialNumber",
    "Image BodySerialNumber",
    "MakerNote SerialNumber",
    "EXIF CameraSerialNumber",
    "Image CameraSerialNumber",
)


def camera_counter(name: str) -> tuple[str, int] | None:
    """(prefix, counter) of a camera-numbered file name, e.g. ``IMG_0412.JPG`` -> ("IMG",
    412); None for other names (dates, words, copies renamed by a person)."""
    base = last_segment(name)
    stem, dot, _ext = base.rpartition(".")
    match = _COUNTER_NAME.match(stem.strip()) if dot else None
    if match is None:
        return None
    return match["prefix"].upper().rstrip("_-") or "_", int(match["n"])


@dataclass(frozen=True, slots=True)
class _Photo:
    sha256: str
    camera: tuple[str, str, str]  # make, model, serial ("" when the EXIF has none)
    taken: dt.datetime  # EXIF capture time, local clock (naive)
    label: str = ""  # make and model as the EXIF writes them, for messages


@dataclass(frozen=True, slots=True)
class _Numbered:
    photo: _Photo
    prefix: str
    counter: int
    path: str


def _camera(analysis: Analysis) -> tuple[str, str, str] | None:
    meta = analysis.metadata
    make = " ".join((meta.make or "").split()).lower()
    model = " ".join((meta.model or "").split()).lower()
    if not make and not model:
        return None
    raw = meta.raw if isinstance(meta.raw, dict) else {}
    serial = next((str(raw[k]).strip() for k in _SERIAL_KEYS if str(raw.get(k) or "").strip()), "")
    return make, model, serial


class NumberingCollector:
    """Streaming form of the pass: make, model, serial and capture time per photo."""

    def __init__(self) -> None:
        self.photos: list[_Photo] = []

    def add(self, sha256: str, analysis: Analysis) -> None:
        if not (analysis.mime or "").startswith("image/"):
            return
        facts = analysis.facts if isinstance(analysis.facts, dict) else {}
        taken = stored_datetime(facts.get("exif_datetime_original"))
        camera = _camera(analysis)
        if taken is None or camera is None:
            return
        meta = analysis.metadata
        label = camera_label(meta.make, meta.model)
        self.photos.append(_Photo(sha256, camera, taken.replace(tzinfo=None), label))

    def findings(self, resolver: Resolver | None = None) -> dict[str, list[Finding]]:
        """sha256 -> TS_OUT_OF_CAMERA_SEQUENCE findings."""
        by_model: dict[tuple[str, str], list[_Photo]] = {}
        for photo in self.photos:
            by_model.setdefault(photo.camera[:2], []).append(photo)
        candidates = [
            p for group in by_model.values() if len(group) > MIN_NEIGHBOURS for p in group
        ]
        if not candidates or resolver is None:
            return {}
        paths = resolver.paths(p.sha256 for p in candidates)
        return out_of_sequence(_numbered(candidates, paths))


def _numbered(photos: Iterable[_Photo], paths: dict[str, list[str]]) -> Iterable[_Numbered]:
    """Each photo whose names give it one camera counter (a content held under two
    different counter names is left out)."""
    for photo in photos:
        names = {p: camera_counter(p) for p in paths.get(photo.sha256, [])}
        counters = {c for c in names.values() if c is not None}
        if len(counters) == 1:
            (prefix, n), path = next(iter(counters)), min(p for p, c in names.items() if c)
            yield _Numbered(photo, prefix, n, path)


def out_of_sequence(numbered: Iterable[_Numbered]) -> dict[str, list[Finding]]:
    """sha256 -> finding for each photo that breaks its camera's numbered run."""
    series: dict[tuple[str, tuple[str, str, str]], list[_Numbered]] = {}
    for item in numbered:
        series.setdefault((item.prefix, item.photo.camera), []).append(item)
    out: dict[str, list[Finding]] = {}
    for (prefix, camera), items in series.items():
        if len(items) <= MIN_NEIGHBOURS:
            continue
        items.sort(key=lambda i: (i.counter, i.photo.taken))
        counters = [i.counter for i in items]
        for item in items:
            lo = bisect.bisect_left(counters, item.counter - WINDOW)
            hi = bisect.bisect_right(counters, item.counter + WINDOW)
            around = [o for o in items[lo:hi] if o.counter != item.counter]
            found = _check(item, around, prefix, camera)
            if found is not None:
                out.setdefault(item.photo.sha256, []).append(found)
    return out


def in_order(items: list[_Numbered]) -> bool:
    """Whether photos sorted by counter were taken in that order (within the tolerance);
    photos with one counter must agree with each other too."""
    latest_before: dt.datetime | None = None  # latest capture among lower counters
    i = 0
    while i < len(items):
        j = i
        while j < len(items) and items[j].counter == items[i].counter:
            j += 1
        times = [it.photo.taken for it in items[i:j]]
        if max(times) - min(times) > TOLERANCE:
            return False
        if latest_before is not None and min(times) < latest_before - TOLERANCE:
            return False
        latest_before = max(times) if latest_before is None else max(latest_before, *times)
        i = j
    return True


def _between(item: _Numbered, around: list[_Numbered]) -> bool:
    """Whether photos of the ordered run are numbered both before and after ``item``: one
    contradiction then sits between photos that agree with each other, so ``item`` is the
    odd one out, not its neighbour."""
    return any(o.counter < item.counter for o in around) and any(
        o.counter > item.counter for o in around
    )


def _check(
    item: _Numbered, around: list[_Numbered], prefix: str, camera: tuple[str, str, str]
) -> Finding | None:
    """The finding for ``item`` if it breaks the ordered run ``around`` it (the photos of
    its series numbered within :data:`WINDOW`, itself and its own number excluded)."""
    if len(around) < MIN_NEIGHBOURS or not in_order(around):
        return None
    taken = item.photo.taken
    later_before = [
        o for o in around if o.counter < item.counter and o.photo.taken > taken + TOLERANCE
    ]
    earlier_after = [
        o for o in around if o.counter > item.counter and o.photo.taken < taken - TOLERANCE
    ]
    contradicted = later_before + earlier_after
    if not contradicted or (len(contradicted) < MIN_CONTRADICTED and not _between(item, around)):
        return None
    make, model, serial = camera
    who = item.photo.label or " ".join(w for w in (make, model) if w) or "camera"
    if later_before:
        how = (
            f"{len(later_before)} photo(s) numbered before it were taken after it (the nearest, "
            f"{later_before[-1].path}, on {later_before[-1].photo.taken.isoformat(sep=' ')})"
        )
    else:
        how = (
            f"{len(earlier_after)} photo(s) numbered after it were taken before it (the nearest, "
            f"{earlier_after[0].path}, on {earlier_after[0].photo.taken.isoformat(sep=' ')})"
        )
    if serial:
        why = (
            "They all carry the same camera body serial number, so its capture date was "
            "changed after it was taken (or the file was renamed from another photo's name)."
        )
    else:
        why = (
            "A camera numbers its pictures as it takes them, so its capture date was changed "
            "after it was taken, or it was renamed, or it comes from another camera of the "
            "same model whose numbering overlaps (the EXIF has no serial number to tell)."
        )
    message = (
        f"Its name numbers it {item.counter} in a {who}'s series ({prefix}); the "
        f"{len(around)} photos of that camera numbered within {WINDOW} of it in this dump "
        f"run in capture order, but it says it was taken on "
        f"{taken.isoformat(sep=' ')} while {how}. {why}"
    )
    listed = sorted(contradicted, key=lambda o: abs(o.counter - item.counter))[:MAX_LISTED]
    evidence: dict[str, Any] = {
        "counter": item.counter,
        "prefix": prefix,
        "camera": {"make": make, "model": model, "serial": serial or None},
        "taken": taken.isoformat(),
        "neighbours": len(around),
        "contradicted": len(contradicted),
        "other_paths": [o.path for o in listed],
        "other_sha256": [o.photo.sha256 for o in listed],
        "other_counters": [o.counter for o in listed],
        "other_taken": [o.photo.taken.isoformat() for o in listed],
        "first_counter": min(o.counter for o in around),
        "last_counter": max(o.counter for o in around),
    }
    severity = Severity.HIGH if serial else Severity.MEDIUM
    return Finding("TS_OUT_OF_CAMERA_SEQUENCE", severity, message, evidence)

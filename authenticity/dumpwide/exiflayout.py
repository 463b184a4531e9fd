"""Dump-level photo evidence: a photo whose EXIF layout differs from its camera's others.

A camera's firmware lays out every photo's EXIF block the same way; metadata tools that
rewrite EXIF (ExifTool, piexif, Pillow, exiv2) rebuild it in the canonical TIFF layout,
each directory followed by its own values (:mod:`authenticity.extract.exiflayout`). About
half of the cameras write otherwise. So among the dump's photos of one camera model and
firmware (EXIF Make, Model and Software), a photo laid out canonically while at least
:data:`MIN_SIBLINGS` others, a majority, are laid out the camera's own way was rewritten
by a tool after it left the camera: a date shifted with ``exiftool -AllDates``, a tag
edited with piexif, even when the result is consistent in every field.
``EXIF_LAYOUT_UNLIKE_SAME_CAMERA``, medium: the layout shows the rewrite, not what was
changed (a photographer's own ExifTool run to add a copyright or fix a clock looks the
same).

Limits: cameras that write the canonical layout themselves show nothing (a tool's rewrite
looks like the original); a photo alone, or with fewer than :data:`MIN_SIBLINGS` siblings
of its model and firmware, is not compared; photos with fewer than :data:`MIN_VALUES`
out-of-line values look canonical whoever wrote them and are left out.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from authenticity.dumpwide._common import Resolver, camera_label
from authenticity.model import Analysis, Finding, Severity

#: Photos laid out the camera's own way needed to compare against.
MIN_SIBLINGS = 2
#: Out-of-line EXIF values a photo needs for its layout to say anything.
MIN_VALUES = 5
#: Siblings listed in a finding's evidence.
MAX_LISTED = 5


@dataclass(frozen=True, slots=True)
class _Photo:
    sha256: str
    canonical: bool
    order: str


def _key(analysis: Analysis) -> tuple[str, str, str] | None:
    meta = analysis.metadata
    make = " ".join((meta.make or "").split()).casefold()
    model = " ".join((meta.model or "").split()).casefold()
    if not make or not model:
        return None
    return make, model, " ".join((meta.application or "").split()).casefold()


class ExifLayoutCollector:
    """Streaming form of the pass: camera, firmware and EXIF layout per photo."""

    def __init__(self) -> None:
        self.groups: dict[tuple[str, str, str], list[_Photo]] = {}
        self.labels: dict[tuple[str, str, str], tuple[str, str, str]] = {}

    def add(self, sha256: str, analysis: Analysis) -> None:
        if not (analysis.mime or "").startswith("image/"):
            return
        facts = analysis.facts if isinstance(analysis.facts, dict) else {}
        layout = facts.get("exif_layout")
        key = _key(analysis)
        if not isinstance(layout, dict) or key is None:
            return
        if not isinstance(layout.get("values"), int) or layout["values"] < MIN_VALUES:
            return
        photo = _Photo(sha256, bool(layout.get("canonical")), str(layout.get("order") or ""))
        self.groups.setdefault(key, []).append(photo)
        meta = analysis.metadata
        self.labels.setdefault(key, (meta.make or "", meta.model or "", meta.application or ""))

    def findings(self, resolver: Resolver | None = None) -> dict[str, list[Finding]]:
        """sha256 -> EXIF_LAYOUT_UNLIKE_SAME_CAMERA findings."""
        out: dict[str, list[Finding]] = {}
        for key, photos in self.groups.items():
            odd = unlike_siblings(photos)
            if not odd:
                continue
            native = [p for p in photos if not p.canonical]
            listed = native[:MAX_LISTED]
            paths = resolver.paths(p.sha256 for p in listed) if resolver is not None else {}
            found = _finding(self.labels[key], native, listed, paths)  # the same for each
            for photo in odd:
                out.setdefault(photo.sha256, []).append(found)
        return out


def unlike_siblings(photos: list[_Photo]) -> list[_Photo]:
    """The canonically laid out photos of one camera model and firmware whose siblings
    are laid out the camera's own way (a majority of at least :data:`MIN_SIBLINGS`);
    empty when the group shows no such contrast."""
    native = [p for p in photos if not p.canonical]
    rebuilt = [p for p in photos if p.canonical]
    if not rebuilt or len(native) < MIN_SIBLINGS or len(native) <= len(rebuilt):
        return []
    return rebuilt


def _finding(
    label: tuple[str, str, str],
    native: list[_Photo],
    listed: list[_Photo],
    paths: dict[str, list[str]],
) -> Finding:
    make, model, software = label
    firmware = f", firmware {software.strip()!r}" if software.strip() else ""
    order = Counter(p.order for p in native).most_common(1)[0][0]
    message = (
        f"Its EXIF is laid out the way metadata tools rebuild it (each directory followed "
        f"by its own values), while the {len(native)} other photos of this dump from the "
        f"same camera ({camera_label(make, model)}{firmware}) are laid out as that camera "
        f"writes them (directories in the order {order}, values elsewhere): its EXIF was "
        "rewritten by a program after the camera wrote it, though it names no editor "
        "(ExifTool and piexif date or tag edits do this). The layout shows the rewrite, "
        "not what was changed."
    )
    evidence = {
        "camera": {"make": make, "model": model, "software": software or None},
        "siblings": len(native),
        "sibling_order": order,
        "other_sha256": [p.sha256 for p in listed],
        "other_paths": [min(paths[p.sha256]) for p in listed if paths.get(p.sha256)],
    }
    return Finding("EXIF_LAYOUT_UNLIKE_SAME_CAMERA", Severity.MEDIUM, message, evidence)

"""Forgery generator: forged inserts made from authentic files, the way forgers make them.

Each technique (see ``docs/synth.md``) takes the bytes of one authentic file and returns a
:class:`Forgery` (or None when it does not fit that file), in a careful and a careless
variant. Everything is deterministic by seed, so a training set can be rebuilt exactly::

    from authenticity.synth import forge, forge_many
    f = forge(data, "budget.xlsx", "metadata_swap_author", seed=1, careful=False)
    for f in forge_many([("a.pdf", pdf_bytes)], seed=7, per_file=3): ...
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable, Iterator

from authenticity.sniff import detect_mime
from authenticity.synth import email as _email  # noqa: F401  (registers techniques)
from authenticity.synth import image as _image  # noqa: F401
from authenticity.synth import metadata as _metadata  # noqa: F401
from authenticity.synth import ooxml as _ooxml  # noqa: F401
from authenticity.synth import pdf as _pdf  # noqa: F401
from authenticity.synth._common import TECHNIQUES, Forgery, Technique, sha256

__all__ = ["TECHNIQUES", "Forgery", "Technique", "forge", "forge_many", "kind_of"]

_KINDS = {
    "application/pdf": "pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": "pptx",
    "image/jpeg": "jpeg",
    "message/rfc822": "email",
    "application/x-ole-storage": "ole",
    "application/cdfv2": "ole",
    "application/msword": "ole",
    "application/vnd.ms-excel": "ole",
    "application/vnd.ms-powerpoint": "ole",
    "application/vnd.ms-outlook": "ole",
}
_EMAIL_EXT = {"eml", "message", "msg", "txt", ""}
_FIRST_FIELD = re.compile(rb"[A-Za-z0-9-]+:[ \t]")


def kind_of(data: bytes, name: str) -> str | None:
    """The coarse kind a technique applies to (pdf, docx, xlsx, pptx, jpeg, email, ole)."""
    mime = detect_mime(data)
    kind = _KINDS.get(mime)
    if kind:
        return kind
    ext = name.rsplit(".", 1)[-1].lower() if "." in name.rsplit("/", 1)[-1] else ""
    if mime.startswith("text/") and ext in _EMAIL_EXT:
        head = data[:8192].lstrip()
        low = head.lower()
        if (
            _FIRST_FIELD.match(head)
            and b"\nfrom:" in low
            and (b"\ndate:" in low or b"\nsubject:" in low)
        ):
            return "email"
    return None


def _rng(seed: int, technique: str, data: bytes, careful: bool) -> random.Random:
    return random.Random(f"{seed}:{technique}:{sha256(data)}:{int(careful)}")


def forge(data: bytes, name: str, technique: str, seed: int, careful: bool) -> Forgery | None:
    """Apply one technique to one file; None when it does not fit the file."""
    tech = TECHNIQUES[technique]
    kind = kind_of(data, name)
    if kind not in tech.applies_to:
        return None
    return tech.apply(data, name, _rng(seed, technique, data, careful), careful)


def forge_many(
    files: Iterable[tuple[str, bytes]],
    *,
    seed: int,
    per_file: int = 1,
    techniques: Iterable[str] | None = None,
) -> Iterator[Forgery]:
    """Up to ``per_file`` forgeries of each file, techniques and care drawn from ``seed``."""
    allowed = sorted(techniques) if techniques is not None else sorted(TECHNIQUES)
    for name in allowed:
        if name not in TECHNIQUES:
            raise KeyError(f"unknown technique {name!r}")
    for name, data in files:
        kind = kind_of(data, name)
        candidates = [t for t in allowed if kind in TECHNIQUES[t].applies_to]
        if not candidates:
            continue
        rng = random.Random(f"{seed}:{sha256(data)}:{name}")
        plan = [(t, careful) for t in candidates for careful in (True, False)]
        rng.shuffle(plan)
        made = 0
        for tech, careful in plan:
            if made >= per_file:
                break
            try:
                forgery = TECHNIQUES[tech].apply(
                    data, name, _rng(seed, tech, data, careful), careful
                )
            except Exception:  # a technique that chokes on one odd file skips it
                forgery = None
            if forgery is not None:
                made += 1
                yield forgery

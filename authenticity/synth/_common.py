"""Shared pieces of the forgery generator: the Forgery record, the Technique registry,
and helpers that every family uses (dates, names, zip rewriting, text edits).

Nothing here reads the wall clock or an unseeded random source: every timestamp and id
comes from the ``random.Random`` handed to a technique, so a seed fixes the bytes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import random
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Forgery:
    """One forged file and how it was made."""

    data: bytes
    name: str  # suggested file name, same extension as the output format
    technique: str
    careful: bool
    source_sha256: str  # sha256 of the authentic input
    notes: dict[str, Any] = field(default_factory=dict)

    @property
    def sha256(self) -> str:
        return sha256(self.data)


ApplyFn = Callable[[bytes, str, random.Random, bool], "Forgery | None"]


@dataclass(frozen=True)
class Technique:
    """A way forgers alter or fabricate a file; ``apply`` returns None when it does not fit."""

    name: str
    applies_to: frozenset[str]
    describe: str
    fn: ApplyFn

    def apply(self, data: bytes, name: str, rng: random.Random, careful: bool) -> Forgery | None:
        return self.fn(data, name, rng, careful)


#: Every technique by name, filled by the family modules when the package is imported.
TECHNIQUES: dict[str, Technique] = {}


def technique(name: str, applies_to: set[str], describe: str) -> Callable[[ApplyFn], ApplyFn]:
    """Register ``fn`` as technique ``name``."""

    def register(fn: ApplyFn) -> ApplyFn:
        if name in TECHNIQUES:
            raise ValueError(f"technique {name!r} registered twice")
        TECHNIQUES[name] = Technique(name, frozenset(applies_to), describe, fn)
        return fn

    return register


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def make(
    data: bytes, source: bytes, name: str, technique: str, careful: bool, **notes: Any
) -> Forgery:
    return Forgery(data, name, technique, careful, sha256(source), notes)


def forged_name(name: str, rng: random.Random, ext: str | None = None) -> str:
    """A plausible name for the forged copy: same stem, a version-ish suffix."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1] or "document"
    stem, dot, old_ext = base.rpartition(".")
    if not dot:
        stem, old_ext = base, ""
    suffix = rng.choice(["", "_v2", "-final", " (2)", "_rev", "-corrige", "_signed"])
    ext = old_ext if ext is None else ext
    return f"{stem}{suffix}.{ext}" if ext else f"{stem}{suffix}"


# --------------------------------------------------------------------------- time

#: Fallback "now" of a forger when a file carries no date of its own.
DEFAULT_ANCHOR = dt.datetime(2017, 4, 20, 10, 0, tzinfo=dt.UTC)


#: "Today" of a forger who edits a leaked file years after it was written, with current
#: tools (a fixed date, so that forgeries do not depend on the generating machine's clock).
PRESENT_ANCHOR = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)


def forge_time(
    rng: random.Random, after: dt.datetime | None, present_share: float = 0.0
) -> dt.datetime:
    """When the forger worked: days to months after the last authentic date, office hours;
    with probability ``present_share``, "today" (:data:`PRESENT_ANCHOR` plus up to half a
    year) instead: the edit made long after the leak, with tools of that day, so that no
    anachronism betrays it."""
    base = after or DEFAULT_ANCHOR
    if present_share and rng.random() < present_share:
        base = max(base, PRESENT_ANCHOR) + dt.timedelta(days=rng.randint(0, 180))
    when = base + dt.timedelta(days=rng.randint(2, 120))
    return when.replace(
        hour=rng.randint(8, 22), minute=rng.randint(0, 59), second=rng.randint(0, 59), microsecond=0
    )


def shift(rng: random.Random, backward: bool) -> dt.timedelta:
    """A date shift of days, months or years (sign by direction)."""
    unit = rng.choice(["days", "months", "years"])
    if unit == "days":
        delta = dt.timedelta(days=rng.randint(2, 27), hours=rng.randint(0, 23))
    elif unit == "months":
        delta = dt.timedelta(days=30 * rng.randint(1, 11) + rng.randint(0, 29))
    else:
        delta = dt.timedelta(days=365 * rng.randint(1, 4) + rng.randint(0, 200))
    return -delta if backward else delta


# --------------------------------------------------------------------------- people

#: Names a forger may plant, in several scripts (the 2017 leak had Cyrillic editor names).
NAMES: dict[str, list[str]] = {
    "latin": ["Jean Dupont", "Marie Lefebvre", "Peter Smith", "Anna Schmidt", "Luca Rossi"],
    "cyrillic": ["Рошка Георгий", "Иван Петров", "Ольга Смирнова", "Дмитрий Волков"],
    "greek": ["Γιώργος Παπαδόπουλος", "Ελένη Νικολάου"],
    "arabic": ["محمد العلي", "فاطمة حسن"],
    "hebrew": ["דוד כהן"],
    "cjk": ["王伟", "佐藤健"],
    "logins": ["admin", "user", "Пользователь", "Windows User", "ivan.p"],
}


def pick_name(rng: random.Random, avoid: str | None = None) -> tuple[str, str]:
    """(name, script) different from ``avoid``."""
    while True:
        script = rng.choice(sorted(NAMES))
        name = rng.choice(NAMES[script])
        if name != avoid:
            return name, script


# --------------------------------------------------------------------------- text edits

_NUMBER = re.compile(r"\d[\d ,.]*\d|\d")


def alter_number(text: str, rng: random.Random) -> tuple[str, str, str] | None:
    """Change one number in ``text`` (a digit bumped): (new text, old, new) or None."""
    matches = list(_NUMBER.finditer(text))
    if not matches:
        return None
    m = rng.choice(matches)
    old = m.group(0)
    digits = [i for i, ch in enumerate(old) if ch.isdigit()]
    pos = rng.choice(digits[: max(1, len(digits) - 1)] if len(digits) > 1 else digits)
    new_digit = str((int(old[pos]) + rng.randint(1, 8)) % 10)
    if pos == digits[0] and new_digit == "0" and len(digits) > 1:
        new_digit = "9"
    new = old[:pos] + new_digit + old[pos + 1 :]
    return text[: m.start()] + new + text[m.end() :], old, new


INSERTED_PHRASES = [
    "Paiement à effectuer en liquide.",
    "Transfer approved, please delete this message.",
    "Montant validé par la direction.",
    "Compte offshore confirmé.",
]


def alter_text(text: str, rng: random.Random) -> tuple[str, str, str]:
    """Change a number if there is one, else append a sentence: (new, old, new fragment)."""
    changed = alter_number(text, rng)
    if changed:
        return changed
    phrase = rng.choice(INSERTED_PHRASES)
    sep = " " if text and not text.endswith(" ") else ""
    return text + sep + phrase, "", phrase


# --------------------------------------------------------------------------- zip


def zip_time(when: dt.datetime) -> tuple[int, int, int, int, int, int]:
    t = when.timetuple()[:6]
    return (max(1980, t[0]), *t[1:])  # type: ignore[return-value]


def rewrite_zip(
    data: bytes,
    replace: dict[str, bytes] | None = None,
    *,
    order: list[str] | None = None,
    date_time: tuple[int, int, int, int, int, int] | None = None,
    compresslevel: int | None = None,
    compress_type: int | None = None,
    create_system: int | None = None,
    times: dict[str, tuple[int, int, int, int, int, int]] | None = None,
) -> bytes:
    """Rewrite a zip: parts replaced, optionally reordered / restamped / recompressed.

    Anything not asked for keeps the original entry's value (name, date, compression,
    attributes), so a careful rewrite changes only the replaced parts' bytes.
    """
    replace = replace or {}
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src:
        infos = {i.filename: i for i in src.infolist()}
        names = order or [i.filename for i in src.infolist()]
        with zipfile.ZipFile(out, "w") as dst:
            for n in names:
                info = infos[n]
                stamp = (times or {}).get(n) or date_time or info.date_time
                new = zipfile.ZipInfo(n, date_time=stamp)
                new.compress_type = info.compress_type if compress_type is None else compress_type
                new.create_system = info.create_system if create_system is None else create_system
                new.external_attr = info.external_attr
                new.flag_bits = info.flag_bits & 0x800  # keep the UTF-8 name flag only
                content = replace.get(n, src.read(n))
                dst.writestr(new, content, compresslevel=compresslevel)
    return out.getvalue()


def zip_entries(data: bytes) -> list[zipfile.ZipInfo]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return z.infolist()

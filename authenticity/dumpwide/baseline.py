"""Dump baseline: metadata values the rest of the dump does not share.

Documents are grouped by format family (``pdf``, ``word``, ``spreadsheet``,
``presentation``, ``image``, ``email``, ``other``). Each group learns its own distribution of
authors, editors, software, producers, companies, templates, languages, time-zone offsets and
the script (Latin, Cyrillic, ...) of the name fields, counted once per distinct content
(sha256), so a file attached to ten emails counts once.

Two findings come out of it:

* ``BASELINE_RARE_VALUE`` (low; medium when several concentrated fields are rare at once):
  an IsolationForest over frequency-encoded metadata flags the document as an outlier *and*
  at least one of its values is shared by at most ``max(1 %, 2)`` documents of the group.
* ``BASELINE_FOREIGN_SCRIPT`` (medium): a name field written in a script that at most
  ``max(2 %, 2)`` of the group's name values use, while one other script writes >= 90 % of them.

Groups smaller than :data:`MIN_GROUP` distinct contents produce **no** baseline finding: a
handful of files is not a baseline. The ``other`` family (plain text, unknown binaries) is a
mix of unrelated formats and gets no baseline either.
"""

from __future__ import annotations

import datetime as dt
import functools
import sys
import unicodedata
from collections import Counter
from collections.abc import Sequence
from email.utils import parseaddr
from typing import Any

from authenticity.dumpwide._common import FAMILY_NOUNS, by_path, distinct_contents, family_of
from authenticity.model import Analysis, Document, Finding, Metadata, Severity

#: Smallest group (distinct contents of one format family) that gets baseline findings.
MIN_GROUP = 20
#: A value is rare when at most max(RARE_SHARE * group, RARE_MIN) documents share it.
RARE_SHARE = 0.01
RARE_MIN = 2
#: A script is foreign when at most max(FOREIGN_SHARE * names, FOREIGN_MIN) name values use
#: it while the dominant script writes at least DOMINANT_SHARE of them.
FOREIGN_SHARE = 0.02
FOREIGN_MIN = 2
DOMINANT_SHARE = 0.9
#: A field is "concentrated" when present in >= half the group and its top value covers
#: >= half of those; rare values in CONCENTRATED_FOR_MEDIUM such fields make the finding medium.
CONCENTRATED_SHARE = 0.5
CONCENTRATED_FOR_MEDIUM = 2
RANDOM_STATE = 0

#: Field -> words used in messages.
LABELS = {
    "author": "author",
    "last_modified_by": "last modified by",
    "sender_domain": "sender domain",
    "software": "application",
    "producer": "producer",
    "company": "company",
    "template": "template",
    "language": "language",
    "ui_label": "Office interface label",
    "tz_created": "time-zone offset of the creation date",
    "tz_modified": "time-zone offset of the modification date",
    "name_script": "script of the names",
}
NAME_FIELDS = ("author", "last_modified_by", "company")

_CJK_WORDS = {"CJK", "HIRAGANA", "KATAKANA", "HANGUL", "BOPOMOFO", "IDEOGRAPHIC"}
_KNOWN = {
    "LATIN",
    "CYRILLIC",
    "GREEK",
    "ARABIC",
    "HEBREW",
    "ARMENIAN",
    "GEORGIAN",
    "DEVANAGARI",
    "BENGALI",
    "TAMIL",
    "THAI",
    "ETHIOPIC",
}


@functools.lru_cache(maxsize=65536)
def _char_script(ch: str) -> str | None:
    """The Unicode script of one letter ("Latin", "Cyrillic", "CJK", ...); None otherwise."""
    if not unicodedata.category(ch).startswith("L"):
        return None
    name = unicodedata.name(ch, "")
    if not name:
        return None
    words = name.split()
    for word in words:
        if word in _CJK_WORDS:
            return "CJK"
        if word in _KNOWN:
            return word.title()
    return words[0].title()


def script_letters(text: str) -> Counter[str]:
    """Letters of ``text`` per Unicode script; digits, spaces and punctuation are ignored."""
    counts: Counter[str] = Counter()
    for ch, n in Counter(text).items():  # each distinct character looked up once
        script = _char_script(ch)
        if script:
            counts[script] += n
    return counts


@functools.lru_cache(maxsize=65536)
def script_of(text: str | None) -> str | None:
    """The script most letters of ``text`` are written in ("Latin", "Cyrillic", "CJK", ...).

    ``None`` when the text has no letters. Digits, spaces and punctuation are ignored.
    """
    if not text:
        return None
    counts = script_letters(text)
    if not counts:
        return None
    return counts.most_common(1)[0][0]


def _clean(value: Any) -> str | None:
    if value is None:
        return None
    text = " ".join(str(value).split())[:200]
    return text or None


def _tz(value: dt.datetime | None) -> str | None:
    if not isinstance(value, dt.datetime) or value.tzinfo is None:
        return None
    offset = value.utcoffset()
    if offset is None:
        return None
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def _email_name_and_domain(value: str | None) -> tuple[str | None, str | None]:
    if not value:
        return None, None
    name, addr = parseaddr(value)
    domain = addr.rpartition("@")[2].lower().strip(" >.") if "@" in addr else None
    return _clean(name), domain or None


def name_values(meta: Metadata, family: str) -> dict[str, str]:
    """The name fields of one document (for emails, the display name of the sender)."""
    out: dict[str, str] = {}
    for name in NAME_FIELDS:
        value = _clean(getattr(meta, name))
        if name == "author" and family == "email":
            value = _email_name_and_domain(value)[0]
        if value:
            out[name] = value
    return out


def features(analysis: Analysis, family: str) -> dict[str, str | None]:
    """Categorical metadata of one content, as displayed (``None`` = missing)."""
    meta = analysis.metadata
    out: dict[str, str | None] = {}
    if family == "email":
        out["sender_domain"] = _email_name_and_domain(analysis.facts.get("from") or meta.author)[1]
    else:
        out["author"] = _clean(meta.author)
        out["last_modified_by"] = _clean(meta.last_modified_by)
    software = " ".join(v for v in (_clean(meta.application), _clean(meta.app_version)) if v)
    out["software"] = software or None
    out["producer"] = _clean(meta.producer)
    out["company"] = _clean(meta.company)
    out["template"] = _clean(meta.template)
    out["language"] = _clean(meta.language)
    out["tz_created"] = _tz(meta.created)
    out["tz_modified"] = _tz(meta.modified)
    scripts = sorted({s for v in name_values(meta, family).values() if (s := script_of(v))})
    out["name_script"] = "+".join(scripts) or None
    return out


def _ui_label(facts: dict[str, Any], family: str) -> str | None:
    """The HeadingPairs label that names the same thing in every file of a family, in the
    language of the Office that saved it: Word's only group (the Title), Excel's first (the
    worksheets), PowerPoint's last (the slide titles; the groups before it vary with the
    content)."""
    labels = facts.get("office_ui_labels") if isinstance(facts, dict) else None
    if not isinstance(labels, list) or not labels:
        return None
    if family == "presentation":
        return _clean(labels[-1])
    if family in ("word", "spreadsheet"):
        return _clean(labels[0])
    return None


def _key(value: str | None) -> str | None:
    return value.casefold() if value is not None else None


def _usable(analysis: Analysis) -> bool:
    return analysis.status in ("ok", "encrypted_partial")


def _intern(value: str | None) -> str | None:
    return sys.intern(value) if value is not None else None


class _Group:
    """Compact per-content rows of one format family."""

    def __init__(self) -> None:
        self.shas: list[str] = []
        self.fields: tuple[str, ...] = ()
        self.rows: list[tuple[str | None, ...]] = []
        self.names: list[tuple[tuple[str, str, str | None], ...]] = []
        self.ui: list[tuple[tuple[str, str, str | None], ...]] = []


class BaselineCollector:
    """Streaming form of the baseline pass: :meth:`add` each distinct content once, then
    :meth:`findings`. Keeps only the categorical values of each content (interned)."""

    def __init__(self) -> None:
        self.groups: dict[str, _Group] = {}

    def add(self, sha256: str, analysis: Analysis) -> None:
        if not _usable(analysis):
            return
        family = family_of(analysis.mime)
        if family == "other":
            return
        group = self.groups.setdefault(family, _Group())
        row = features(analysis, family)
        if not group.fields:
            group.fields = tuple(row)
        group.shas.append(sha256)
        group.rows.append(tuple(_intern(row.get(f)) for f in group.fields))
        group.names.append(
            tuple(
                (f, _intern(v) or "", script_of(v))
                for f, v in name_values(analysis.metadata, family).items()
            )
        )
        label = _ui_label(analysis.facts, family)
        group.ui.append((("ui_label", _intern(label) or "", script_of(label)),) if label else ())

    def findings(self) -> dict[str, list[Finding]]:
        """sha256 -> rare-value and foreign-script findings."""
        out: dict[str, list[Finding]] = {}
        for family, group in self.groups.items():
            if len(group.shas) < MIN_GROUP:
                continue
            for sha, finding in _rare_values(family, group):
                out.setdefault(sha, []).append(finding)
            for sha, finding in _foreign_scripts(family, group.shas, group.names, "name values"):
                out.setdefault(sha, []).append(finding)
            labels = "Office interface labels"
            for sha, finding in _foreign_scripts(family, group.shas, group.ui, labels):
                out.setdefault(sha, []).append(finding)
        return out


def baseline_findings(items: Sequence[tuple[Document, Analysis]]) -> dict[str, list[Finding]]:
    """Rare-value and foreign-script findings per provenance path."""
    contents = distinct_contents(items)
    collector = BaselineCollector()
    for content in contents:
        collector.add(content.sha256, content.analysis)
    return by_path(collector.findings(), contents)


# --------------------------------------------------------------------------- rare values


def _frequency_matrix(
    rows: list[tuple[str | None, ...]], names: list[str], counts: dict[str, Counter], n: int
) -> Any:
    """Each value replaced by the share of the group holding it (float32, rows x fields)."""
    import numpy as np

    x = np.empty((len(rows), len(names)), dtype=np.float32)
    for j, f in enumerate(names):
        share = {v: c / n for v, c in counts[f].items()}
        x[:, j] = [share[_key(r[j])] for r in rows]
    return x


def _outliers(matrix: Any) -> tuple[list[bool], list[float]]:
    import numpy as np
    from sklearn.ensemble import IsolationForest

    x = np.asarray(matrix, dtype=float)
    forest = IsolationForest(n_estimators=100, random_state=RANDOM_STATE, contamination="auto")
    forest.fit(x)
    return list(forest.predict(x) == -1), list(forest.score_samples(x))


def _rare_values(family: str, group: _Group):
    n = len(group.shas)
    names = list(group.fields)
    rows = group.rows
    counts = {f: Counter(_key(r[i]) for r in rows) for i, f in enumerate(names)}
    flagged, scores = _outliers(_frequency_matrix(rows, names, counts, n))
    concentrated = set()
    for f in names:
        present = n - counts[f][None]
        if present >= CONCENTRATED_SHARE * n:
            top = max((c for v, c in counts[f].items() if v is not None), default=0)
            if top >= CONCENTRATED_SHARE * present:
                concentrated.add(f)
    limit = max(RARE_SHARE * n, RARE_MIN)
    noun = FAMILY_NOUNS[family]
    for sha, row, is_outlier, score in zip(group.shas, rows, flagged, scores, strict=True):
        if not is_outlier:
            continue
        rare = [
            {
                "field": f,
                "value": row[i],
                "count": counts[f][_key(row[i])],
                "concentrated": f in concentrated,
            }
            for i, f in enumerate(names)
            if row[i] is not None and counts[f][_key(row[i])] <= limit
        ]
        if not rare:
            continue
        heavy = sum(1 for r in rare if r["concentrated"])
        severity = Severity.MEDIUM if heavy >= CONCENTRATED_FOR_MEDIUM else Severity.LOW
        parts = [
            f"{LABELS[r['field']]} '{r['value']}' appears in {r['count']:,} of {n:,} {noun}"
            for r in rare
        ]
        message = (
            "Metadata this dump's other "
            + noun
            + " rarely share (the document is an outlier of its group): "
            + "; ".join(parts)
            + "."
        )
        yield (
            sha,
            Finding(
                "BASELINE_RARE_VALUE",
                severity,
                message,
                {
                    "family": family,
                    "group_size": n,
                    "rare": rare,
                    "outlier_score": round(float(score), 4),
                },
            ),
        )


# --------------------------------------------------------------------------- scripts


def _foreign_scripts(
    family: str,
    shas: list[str],
    values: list[tuple[tuple[str, str, str | None], ...]],
    what: str,
):
    """Values (names, or Office's interface labels) in a script few of the group's use."""
    per_content = [{f: (v, s) for f, v, s in row} for row in values]
    totals: Counter[str] = Counter(s for names in per_content for _, s in names.values() if s)
    total = sum(totals.values())
    if total < MIN_GROUP:
        return
    dominant, dominant_count = totals.most_common(1)[0]
    if dominant_count < DOMINANT_SHARE * total:
        return
    limit = max(FOREIGN_SHARE * total, FOREIGN_MIN)
    noun = FAMILY_NOUNS[family]
    for sha, names in zip(shas, per_content, strict=True):
        foreign = [
            {"field": f, "value": v, "script": s, "script_count": totals[s]}
            for f, (v, s) in names.items()
            if s and s != dominant and totals[s] <= limit
        ]
        if not foreign:
            continue
        parts = [
            f"{LABELS[x['field']]} '{x['value']}' is written in {x['script']} script, "
            f"used by {x['script_count']:,} of the {total:,} {what} of this dump's {noun}"
            for x in foreign
        ]
        message = "; ".join(parts) + f", where {dominant_count:,} are written in {dominant} script."
        yield (
            sha,
            Finding(
                "BASELINE_FOREIGN_SCRIPT",
                Severity.MEDIUM,
                message[0].upper() + message[1:],
                {
                    "family": family,
                    "group_size": len(shas),
                    "names_total": total,
                    "dominant_script": dominant,
                    "dominant_count": dominant_count,
                    "foreign": foreign,
                },
            ),
        )

"""Near-duplicates: documents that are modified copies of another document of the dump.

Only distinct contents (sha256) with at least :data:`MIN_CHARS` characters of extracted text
take part. Candidates come from MinHash signatures of word 3-shingles with LSH banding
(32 bands of 4 rows: pairs with a shingle Jaccard above ~0.45 very likely share a bucket),
so the work grows with the number of documents, not with its square. Each candidate pair is
then checked with :mod:`difflib` on word tokens: a pair is reported when at least
:data:`MIN_SIMILARITY` of the words match and the texts are not identical.

Finding ``NEARDUP_MODIFIED_COPY``: ``info`` on both documents, or ``low`` on the side whose
metadata looks less consistent (more findings of its own; or modified later *and* by a
different person). The evidence lists the changed words (first :data:`MAX_CHANGES`).
"""

from __future__ import annotations

import difflib
import hashlib
import re
import zlib
from array import array
from collections.abc import Sequence
from typing import Any

import numpy as np

from authenticity.dumpwide._common import (
    Content,
    MemoryResolver,
    Resolver,
    by_path,
    distinct_contents,
    family_of,
)
from authenticity.model import Analysis, Document, Finding, Severity

MIN_CHARS = 200
MIN_SIMILARITY = 0.8
SHINGLE = 3
NUM_PERM = 128
BANDS = 32
ROWS = NUM_PERM // BANDS
#: Buckets with more members than this are not expanded into pairs (boilerplate shared by
#: a great many documents would otherwise make the pass quadratic).
MAX_BUCKET = 50
#: Signature agreement below which a candidate pair is not diffed.
MIN_ESTIMATE = 0.3
#: Words of each text used (diff cost grows with text length).
MAX_TOKENS = 20_000
MAX_CHANGES = 10
MAX_PAIRS_PER_DOC = 5
MAX_CHANGE_CHARS = 80

_WORD = re.compile(r"\w+(?:[.,'’/-]\w+)*")
_PRIME = np.uint64(4294967311)  # > 2**32
_rng = np.random.default_rng(20170505)
_A = _rng.integers(1, 2**31, size=NUM_PERM, dtype=np.uint64)
_B = _rng.integers(0, 2**31, size=NUM_PERM, dtype=np.uint64)
_MASK32 = np.uint64(0xFFFFFFFF)


def tokens(text: str) -> list[str]:
    """Word tokens (numbers keep their separators: ``1,200.50``); punctuation is dropped."""
    return _WORD.findall(text)[:MAX_TOKENS]


def signature(words: list[str]) -> np.ndarray | None:
    """MinHash signature (NUM_PERM uint64) of the word 3-shingles, or None if too short."""
    if len(words) < SHINGLE:
        return None
    hashed = np.fromiter(
        (zlib.crc32(w.casefold().encode("utf-8")) for w in words), dtype=np.uint64, count=len(words)
    )
    n = len(hashed) - SHINGLE + 1
    sh = np.zeros(n, dtype=np.uint64)
    for i in range(SHINGLE):
        sh = (sh * np.uint64(1000003) + hashed[i : i + n]) & _MASK32
    sh = np.unique(sh)
    out = np.full(NUM_PERM, np.iinfo(np.uint64).max, dtype=np.uint64)
    for start in range(0, len(sh), 4096):
        chunk = sh[start : start + 4096, None]
        out = np.minimum(out, ((chunk * _A + _B) % _PRIME).min(axis=0))
    return out


_BAND_MUL = np.uint64(0x9E3779B97F4A7C15)


def band_keys(sig: np.ndarray) -> np.ndarray:
    """One 64-bit key per LSH band (ROWS signature values folded together)."""
    rows = sig.reshape(BANDS, ROWS)
    key = np.zeros(BANDS, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for r in range(ROWS):
            key = key * _BAND_MUL + rows[:, r]
    return key


def _candidates(keys: np.ndarray) -> set[tuple[int, int]]:
    """Index pairs sharing a band key, from a (contents x BANDS) key matrix."""
    pairs: set[tuple[int, int]] = set()
    if len(keys) < 2:
        return pairs
    for band in range(keys.shape[1]):
        col = keys[:, band]
        order = np.argsort(col, kind="stable")
        ordered = col[order]
        starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
        sizes = np.diff(np.r_[starts, len(ordered)])
        for start, size in zip(starts[sizes > 1], sizes[sizes > 1], strict=True):
            if size > MAX_BUCKET:
                continue
            members = sorted(int(i) for i in order[start : start + size])
            for i, a in enumerate(members):
                for b in members[i + 1 :]:
                    pairs.add((a, b))
    return pairs


def _changes(a: list[str], b: list[str], sm: difflib.SequenceMatcher) -> tuple[list[dict], int]:
    out: list[dict[str, str]] = []
    total = 0
    for tag, i1, i2, j1, j2 in sm.get_opcodes():
        if tag == "equal":
            continue
        total += 1
        if len(out) < MAX_CHANGES:
            out.append(
                {
                    "this": " ".join(a[i1:i2])[:MAX_CHANGE_CHARS],
                    "other": " ".join(b[j1:j2])[:MAX_CHANGE_CHARS],
                }
            )
    return out, total


def _flip(changes: list[dict[str, str]]) -> list[dict[str, str]]:
    return [{"this": c["other"], "other": c["this"]} for c in changes]


def _contains(a: Content, b: Content) -> bool:
    """One holds the other (an email and its attachment, an archive and its member)."""
    return any(
        pb.startswith(pa + "!/") or pa.startswith(pb + "!/") for pa in a.paths for pb in b.paths
    )


def _people(analysis: Analysis) -> set[str]:
    meta = analysis.metadata
    return {
        " ".join(v.split()).casefold()
        for v in (meta.author, meta.last_modified_by)
        if isinstance(v, str) and v.strip()
    }


def _weight(analysis: Analysis) -> int:
    return sum(1 for f in analysis.findings if f.severity.rank >= Severity.LOW.rank)


def _suspect(a: Content, b: Content) -> tuple[int | None, str]:
    """Index (0 = a, 1 = b) of the side that gets ``low``, and why; None for info on both."""
    if family_of(a.analysis.mime) != family_of(b.analysis.mime):
        return None, "different formats"
    wa, wb = _weight(a.analysis), _weight(b.analysis)
    if wa != wb:
        side = 0 if wa > wb else 1
        return side, f"it has more findings of its own ({max(wa, wb)} against {min(wa, wb)})"
    from authenticity.heuristics.dates import later_than

    ma, mb = a.analysis.metadata.modified, b.analysis.metadata.modified
    if ma and mb and _people(a.analysis) != _people(b.analysis):
        try:
            if later_than(ma, mb):
                return 0, "it was modified later, by someone else"
            if later_than(mb, ma):
                return 1, "it was modified later, by someone else"
        except (TypeError, ValueError):
            pass
    return None, "nothing tells which copy is the original"


def _message(other: str, similarity: float, changes: list[dict], total: int) -> str:
    shown = ", ".join(f"'{c['this']}' (there: '{c['other']}')" for c in changes[:5])
    more = f" and {total - min(total, 5)} more" if total > 5 else ""
    return (
        f"A modified copy of {other}: {similarity:.0%} of the words match; "
        f"{total} change{'s' if total != 1 else ''}: {shown}{more}."
    )


class NeardupCollector:
    """Streaming form of the near-duplicate pass: :meth:`add` each distinct content once,
    then :meth:`findings` re-reads the texts of candidate pairs only, through a
    :class:`Resolver`.

    Contents whose word tokens are identical form one group (an attachment also saved in
    another format, the same body in several emails): only the first of a group gets a
    signature and takes part in the candidate search; a modified copy found for it is
    reported for every member. Kept per content with enough text: an 8-byte token digest;
    per group: 32 band keys (256 bytes) and the token count.
    """

    #: Candidate pairs compared per round of resolver look-ups.
    CHUNK = 1000

    def __init__(self) -> None:
        self.shas: list[str] = []  # group index -> first sha256 of the group
        self._lengths = array("I")  # group index -> token count
        self._group_of: dict[bytes, int] = {}  # token digest -> group index
        self._members: dict[int, list[str]] = {}  # group index -> the other sha256s
        self._blocks: list[np.ndarray] = []
        self._pending: list[np.ndarray] = []

    def add(self, sha256: str, analysis: Analysis) -> None:
        text = analysis.text or ""
        if len(text.strip()) < MIN_CHARS:
            return
        words = tokens(text)
        if len(words) < SHINGLE:
            return
        digest = hashlib.blake2b("\x1f".join(words).encode("utf-8"), digest_size=8).digest()
        group = self._group_of.get(digest)
        if group is not None:
            self._members.setdefault(group, []).append(sha256)
            return
        sig = signature(words)
        if sig is None:
            return
        self._group_of[digest] = len(self.shas)
        self.shas.append(sha256)
        self._lengths.append(len(words))
        self._pending.append(band_keys(sig))
        if len(self._pending) >= 1024:
            self._blocks.append(np.vstack(self._pending))
            self._pending = []

    def _keys(self) -> np.ndarray:
        blocks = self._blocks + ([np.vstack(self._pending)] if self._pending else [])
        return np.vstack(blocks) if blocks else np.zeros((0, BANDS), dtype=np.uint64)

    def _plausible(self, pair: tuple[int, int]) -> bool:
        """Token counts close enough for MIN_SIMILARITY (checked before any text is read)."""
        la, lb = self._lengths[pair[0]], self._lengths[pair[1]]
        return 2 * min(la, lb) / (la + lb) >= MIN_SIMILARITY

    def _group(self, index: int) -> list[str]:
        return [self.shas[index], *self._members.get(index, ())]

    def findings(self, resolver: Resolver) -> dict[str, list[Finding]]:
        """sha256 -> NEARDUP_MODIFIED_COPY findings (the closest MAX_PAIRS_PER_DOC)."""
        pairs = sorted(p for p in _candidates(self._keys()) if self._plausible(p))
        found: dict[str, list[tuple[float, Finding]]] = {}
        for i in range(0, len(pairs), self.CHUNK):
            chunk = pairs[i : i + self.CHUNK]
            involved = sorted({self.shas[x] for pair in chunk for x in pair})
            analyses = resolver.analyses(involved)
            prepared: dict[str, tuple[list[str], np.ndarray]] = {}
            for sha in involved:
                analysis = analyses.get(sha)
                toks = tokens(analysis.text or "") if analysis is not None else []
                sig = signature(toks) if toks else None
                if sig is not None:
                    prepared[sha] = (toks, sig)
            similar: list[tuple[int, int, tuple[float, list[dict], int]]] = []
            for ia, ib in chunk:
                a, b = prepared.get(self.shas[ia]), prepared.get(self.shas[ib])
                if a is not None and b is not None:
                    diff = _similar(a, b)
                    if diff is not None:
                        similar.append((ia, ib, diff))
            if similar:
                self._report(similar, analyses, resolver, found)
            for kept in found.values():
                if len(kept) > MAX_PAIRS_PER_DOC:
                    kept.sort(key=lambda p: -p[0])
                    del kept[MAX_PAIRS_PER_DOC:]
        out: dict[str, list[Finding]] = {}
        for sha, kept in found.items():
            kept.sort(key=lambda p: -p[0])
            out[sha] = [f for _, f in kept[:MAX_PAIRS_PER_DOC]]
        return out

    def _report(
        self,
        similar: list[tuple[int, int, tuple[float, list[dict], int]]],
        analyses: dict[str, Analysis],
        resolver: Resolver,
        found: dict[str, list[tuple[float, Finding]]],
    ) -> None:
        """Findings for every member pair of the similar groups (rare: read them now)."""
        shas = {s for ia, ib, _ in similar for s in (*self._group(ia), *self._group(ib))}
        missing = [s for s in shas if s not in analyses]
        analyses = {**analyses, **(resolver.analyses(missing) if missing else {})}
        paths = resolver.paths(sorted(shas))
        contents = {s: Content(s, analyses[s], paths.get(s) or [s]) for s in shas if s in analyses}
        for ia, ib, (similarity, changes, total) in similar:
            for sa in self._group(ia):
                for sb in self._group(ib):
                    ca, cb = contents.get(sa), contents.get(sb)
                    if ca is not None and cb is not None and not _contains(ca, cb):
                        _record(ca, cb, similarity, changes, total, found)


def _similar(
    a: tuple[list[str], np.ndarray], b: tuple[list[str], np.ndarray]
) -> tuple[float, list[dict], int] | None:
    """(similarity, changes seen from ``a``, number of changes) for a modified copy, else None."""
    (wa, sa), (wb, sb) = a, b
    if float(np.mean(sa == sb)) < MIN_ESTIMATE:
        return None
    if wa == wb:
        return None
    if 2 * min(len(wa), len(wb)) / (len(wa) + len(wb)) < MIN_SIMILARITY:
        return None
    sm = difflib.SequenceMatcher(None, wa, wb)
    if sm.quick_ratio() < MIN_SIMILARITY:
        return None
    similarity = sm.ratio()
    if similarity < MIN_SIMILARITY:
        return None
    changes, total = _changes(wa, wb, sm)
    return similarity, changes, total


def _record(
    ca: Content,
    cb: Content,
    similarity: float,
    changes: list[dict],
    total: int,
    found: dict[str, list[tuple[float, Finding]]],
) -> None:
    side, reason = _suspect(ca, cb)
    for mine_content, other, mine, idx in ((ca, cb, changes, 0), (cb, ca, _flip(changes), 1)):
        severity = Severity.LOW if side == idx else Severity.INFO
        evidence: dict[str, Any] = {
            "other_path": other.path,
            "other_sha256": other.sha256,
            "similarity": round(similarity, 4),
            "changes": mine,
            "changes_total": total,
        }
        message = _message(other.path, similarity, mine, total)
        if side is not None:
            evidence["likely_modified"] = side == idx
            if side == idx:
                message += f" This copy is the likelier modified one: {reason}."
        found.setdefault(mine_content.sha256, []).append(
            (similarity, Finding("NEARDUP_MODIFIED_COPY", severity, message, evidence))
        )


def neardup_findings(items: Sequence[tuple[Document, Analysis]]) -> dict[str, list[Finding]]:
    """NEARDUP_MODIFIED_COPY findings per provenance path."""
    contents = distinct_contents(items)
    collector = NeardupCollector()
    for content in contents:
        collector.add(content.sha256, content.analysis)
    return by_path(collector.findings(MemoryResolver(contents)), contents)

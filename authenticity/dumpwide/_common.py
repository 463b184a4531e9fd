"""Helpers shared by the dump-wide modules: format families, grouping by content."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from authenticity.model import Analysis, Document, Finding

#: Plural nouns used in messages ("appears in 2 of 4,812 spreadsheets").
FAMILY_NOUNS = {
    "pdf": "PDF files",
    "word": "word-processing documents",
    "spreadsheet": "spreadsheets",
    "presentation": "presentations",
    "image": "images",
    "email": "emails",
    "other": "other files",
}

EMAIL_MIMES = frozenset({"message/rfc822", "application/vnd.ms-outlook"})


def camera_label(make: str | None, model: str | None) -> str:
    """The camera as a reader names it: the model alone when it starts with the make's
    first word ("Canon EOS 7D", "NIKON D70"), else make and model ("Apple iPhone 7")."""
    make, model = " ".join((make or "").split()), " ".join((model or "").split())
    if make and model.casefold().startswith(make.split()[0].casefold()):
        return model
    return " ".join(w for w in (make, model) if w)


def family_of(mime: str) -> str:
    """Coarse format family of a MIME type."""
    mime = (mime or "").lower()
    if mime == "application/pdf":
        return "pdf"
    if mime in EMAIL_MIMES:
        return "email"
    if mime.startswith("image/"):
        return "image"
    if (
        mime in ("application/vnd.ms-excel", "text/csv")
        or "spreadsheetml" in mime
        or "opendocument.spreadsheet" in mime
    ):
        return "spreadsheet"
    if (
        mime == "application/vnd.ms-powerpoint"
        or "presentationml" in mime
        or "opendocument.presentation" in mime
    ):
        return "presentation"
    if (
        mime in ("application/msword", "application/rtf", "text/rtf")
        or "wordprocessingml" in mime
        or "opendocument.text" in mime
    ):
        return "word"
    return "other"


@dataclass
class Content:
    """One distinct content (sha256) and every provenance path that holds it."""

    sha256: str
    analysis: Analysis
    paths: list[str] = field(default_factory=list)
    docs: list[Document] = field(default_factory=list)

    @property
    def path(self) -> str:
        """A stable representative path (the smallest)."""
        return min(self.paths)


def distinct_contents(items: Sequence[tuple[Document, Analysis]]) -> list[Content]:
    """Group occurrences by sha256, in first-seen order."""
    by_sha: dict[str, Content] = {}
    for doc, analysis in items:
        content = by_sha.get(doc.sha256)
        if content is None:
            content = by_sha[doc.sha256] = Content(doc.sha256, analysis)
        content.paths.append(doc.path)
        content.docs.append(doc)
    return list(by_sha.values())


def other_copy(paths: dict[str, list[str]], sha256: str, unnamed: str) -> tuple[list[str], str]:
    """The path a pair finding names for the other copy (its first occurrence; an empty
    list if the resolver had none), and the words for it in a message (``unnamed`` then)."""
    first = paths.get(sha256, [])[:1]
    return first, first[0] if first else unnamed


class Resolver(Protocol):
    """Where a dump-wide pass fetches what it did not keep: whole analyses, paths."""

    def analyses(self, sha256s: Iterable[str]) -> dict[str, Analysis]:
        """sha256 -> stored analysis (with its text)."""
        ...

    def paths(self, sha256s: Iterable[str]) -> dict[str, list[str]]:
        """sha256 -> every provenance path holding it (sorted)."""
        ...


class MemoryResolver:
    """A :class:`Resolver` over occurrences held in memory (tests, small dumps)."""

    def __init__(self, contents: Sequence[Content]) -> None:
        self._by_sha = {c.sha256: c for c in contents}

    def analyses(self, sha256s: Iterable[str]) -> dict[str, Analysis]:
        return {s: self._by_sha[s].analysis for s in sha256s if s in self._by_sha}

    def paths(self, sha256s: Iterable[str]) -> dict[str, list[str]]:
        return {s: sorted(self._by_sha[s].paths) for s in sha256s if s in self._by_sha}

    def compare_jpegs(
        self, calls: Sequence[tuple[str, str, str]]
    ) -> dict[tuple[str, str, str], Any]:
        """:func:`authenticity.dumpwide.jpegorder.compare` for each ``(kind, sha256 a,
        sha256 b)``, decoded in this process: the occurrences' own bytes (tests, small
        dumps)."""
        from authenticity.dumpwide.jpegorder import compare

        out: dict[tuple[str, str, str], Any] = {}
        for kind, a, b in calls:
            da, db = self._data(a), self._data(b)
            out[(kind, a, b)] = compare(kind, da, db) if da is not None and db is not None else None
        return out

    def _data(self, sha256: str) -> bytes | None:
        content = self._by_sha.get(sha256)
        for doc in content.docs if content is not None else []:
            if doc.data is not None:
                return doc.data
            if doc.file is not None:
                with open(doc.file, "rb") as fh:
                    return fh.read()
        return None


def by_path(
    per_sha: dict[str, list[Finding]], contents: Sequence[Content]
) -> dict[str, list[Finding]]:
    """Spread per-content findings over every provenance path holding the content."""
    out: dict[str, list[Finding]] = {}
    for content in contents:
        found = per_sha.get(content.sha256)
        if found:
            for path in content.paths:
                out.setdefault(path, []).extend(found)
    return out

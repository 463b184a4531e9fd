"""Data model shared by every layer: documents, metadata, findings, scorecards.

These are plain dataclasses; nothing here does I/O.
"""

from __future__ import annotations

import base64
import datetime as dt
import enum
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

SCHEMA = "authenticity.scorecard/1"

#: Separator between a container's provenance path and a member inside it.
MEMBER_SEP = "!/"


def last_segment(path: str) -> str:
    """The file name of a dump path: the last component of its last member."""
    return path.rsplit(MEMBER_SEP, 1)[-1].rsplit("/", 1)[-1]


class Severity(enum.StrEnum):
    INFO = "info"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return _SEVERITY_RANK[self]


_SEVERITY_RANK = {
    Severity.INFO: 0,
    Severity.LOW: 1,
    Severity.MEDIUM: 2,
    Severity.HIGH: 3,
    Severity.CRITICAL: 4,
}


class Verdict(enum.StrEnum):
    VERIFIED = "verified"
    CONSISTENT = "consistent"
    INCONCLUSIVE = "inconclusive"
    SUSPICIOUS = "suspicious"
    LIKELY_FORGED = "likely_forged"
    UNREADABLE = "unreadable"


@dataclass(frozen=True)
class Finding:
    """One piece of evidence: a stable code, a severity, a sentence, and the values behind it."""

    code: str
    severity: Severity
    message: str
    evidence: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "severity": self.severity.value,
            "message": self.message,
            "evidence": jsonable(self.evidence),
        }


#: Normalized metadata fields holding datetimes.
DATETIME_FIELDS = ("created", "modified", "printed")


@dataclass
class Metadata:
    """Normalized metadata that every extractor fills where it can.

    Datetimes are timezone-aware when the source states an offset, naive otherwise
    (naive ones are listed in ``naive_datetimes`` of the JSON form). ``raw`` keeps every
    field as the format names it.
    """

    author: str | None = None
    last_modified_by: str | None = None
    created: dt.datetime | None = None
    modified: dt.datetime | None = None
    printed: dt.datetime | None = None
    application: str | None = None
    app_version: str | None = None
    producer: str | None = None
    company: str | None = None
    template: str | None = None
    language: str | None = None
    title: str | None = None
    subject: str | None = None
    keywords: str | None = None
    revision: int | None = None
    edit_time: float | None = None  # seconds
    page_count: int | None = None
    make: str | None = None
    model: str | None = None
    raw: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        naive: list[str] = []
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, dt.datetime) and value.tzinfo is None:
                naive.append(f.name)
            out[f.name] = jsonable(value)
        out["naive_datetimes"] = naive
        return out


@dataclass
class Extraction:
    """What an extractor read out of one file.

    ``facts`` holds structured, format-specific observations that heuristics use
    (e.g. PDF incremental updates, zip entry list, Received hops, DKIM results);
    ``findings`` holds observations the extractor itself can state (e.g. encrypted).
    """

    metadata: Metadata = field(default_factory=Metadata)
    text: str = ""
    facts: dict[str, Any] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)


@dataclass
class Document:
    """One file of the dump at one provenance path.

    Content is either held in ``data`` (archive members, attachments) or read from
    ``file`` (plain files on disk), never both.
    """

    path: str
    sha256: str
    size: int
    data: bytes | None = None
    file: str | None = None
    parent: str | None = None  # provenance path of the containing document, if any
    declared_mime: str | None = None  # MIME type declared by the email part
    container_mime: str | None = None  # e.g. "message/rfc822" for attachments
    #: libmagic's answer for the first MiB of the content, from ingest (which sniffs every
    #: document once); analysis refines it instead of running libmagic again. None: not sniffed.
    sniffed_mime: str | None = None

    @property
    def name(self) -> str:
        """The file name: the last component of the path's last member."""
        return last_segment(self.path)

    @property
    def extension(self) -> str:
        name = self.name
        if "." not in name.strip("."):
            return ""
        return name.rsplit(".", 1)[-1].lower()

    def read(self) -> bytes:
        if self.data is not None:
            return self.data
        if self.file is not None:
            return Path(self.file).read_bytes()
        raise ValueError(f"document {self.path!r} has no content")


@dataclass
class Analysis:
    """Content-level result for one distinct sha256 (shared by every path holding it)."""

    sha256: str
    size: int
    mime: str
    status: str  # ok | unsupported | encrypted | failed
    metadata: Metadata
    findings: list[Finding]
    facts: dict[str, Any] = field(default_factory=dict)
    text: str = ""
    error: str | None = None
    seconds: float = 0.0


@dataclass
class Scorecard:
    """The per-document result: identity, metadata, findings, score and verdict."""

    path: str
    sha256: str
    size: int
    mime: str
    metadata: dict[str, Any]
    findings: list[Finding]
    score: float
    verdict: Verdict
    extension: str = ""
    declared_mime: str | None = None
    parent: str | None = None
    status: str = "ok"
    error: str | None = None
    scorer: str = ""
    scorer_version: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        ordered = sorted(self.findings, key=lambda f: (-f.severity.rank, f.code))
        out: dict[str, Any] = {
            "schema": SCHEMA,
            "path": self.path,
            "sha256": self.sha256,
            "size": self.size,
            "mime": self.mime,
            "metadata": self.metadata,
            "findings": [f.to_json() for f in ordered],
            "score": round(float(self.score), 6),
            "verdict": self.verdict.value,
            "extension": self.extension,
            "declared_mime": self.declared_mime,
            "parent": self.parent,
            "status": self.status,
            "error": self.error,
            "model": {"name": self.scorer, "version": self.scorer_version},
        }
        out.update(jsonable(self.extra))
        return out


def jsonable(value: Any, *, strip_nul: bool = False) -> Any:
    """Convert metadata values (datetimes, bytes, tuples, enums) to JSON-safe values.

    ``strip_nul``: also remove NUL characters from strings and keys (PostgreSQL's text and
    JSON cannot hold them).
    """
    kind = type(value)  # exact-type fast paths for what facts are mostly made of
    if kind is dict:
        if strip_nul:
            return {
                str(k).replace("\x00", ""): jsonable(v, strip_nul=True) for k, v in value.items()
            }
        return {str(k): jsonable(v) for k, v in value.items()}
    if kind is list:
        return [jsonable(v, strip_nul=strip_nul) for v in value]
    if kind is int or kind is bool or value is None:
        return value
    if isinstance(value, str):
        if strip_nul and "\x00" in value:
            value = value.replace("\x00", "")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:  # lone surrogates from undecodable names: keep as \xNN
            return value.encode("utf-8", "backslashreplace").decode("utf-8")
        return value
    if value is None or isinstance(value, (bool, int)):
        return value
    if isinstance(value, float):
        return value if value == value and value not in (float("inf"), float("-inf")) else None
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    if isinstance(value, enum.Enum):
        return jsonable(value.value, strip_nul=strip_nul)
    if isinstance(value, (bytes, bytearray, memoryview)):
        raw = bytes(value)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            return {"base64": base64.b64encode(raw[:4096]).decode("ascii")}
        return jsonable(text, strip_nul=strip_nul)
    if isinstance(value, dict):
        return jsonable(dict(value), strip_nul=strip_nul)
    if isinstance(value, (list, tuple, set, frozenset)):
        return [jsonable(v, strip_nul=strip_nul) for v in value]
    return jsonable(str(value), strip_nul=strip_nul)

"""Scan settings: one frozen dataclass passed explicitly to every step."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field


def _env_int(name: str, default: int) -> int:
    try:
        return int(os.environ.get(name, default))
    except ValueError:
        return default


@dataclass(frozen=True)
class Settings:
    """Knobs of one scan. ``leak_date`` enables the "after the leak" timeline checks."""

    leak_date: dt.date | None = None
    workers: int = 2  # worker processes; 0 = analyse in the calling process (debugging)
    batch_size: int = 200  # documents per batch task
    file_timeout: float = 60.0  # seconds of parsing allowed per file
    memory_limit_mb: int = 3072  # address-space limit of each worker process
    max_text_chars: int = 100_000
    strict: bool = False  # re-raise extractor exceptions (tests, development)
    dkim_keys: str | None = None  # key archive file for offline DKIM/ARC verification
    dns: bool = False  # look up DKIM keys missing from the archive in live DNS
    #: Documents given a page in the static report (the most suspicious first); the
    #: review app and scorecards.jsonl always hold every document.
    report_max_documents: int = 5000
    now: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))

    @classmethod
    def from_env(cls, **overrides: object) -> Settings:
        base = {
            "workers": _env_int("AUTHENTICITY_WORKERS", min(2, os.cpu_count() or 1)),
            "batch_size": _env_int("AUTHENTICITY_BATCH_SIZE", 200),
            "file_timeout": float(_env_int("AUTHENTICITY_FILE_TIMEOUT", 60)),
            "memory_limit_mb": _env_int("AUTHENTICITY_MEMORY_LIMIT_MB", 3072),
            "report_max_documents": _env_int("AUTHENTICITY_REPORT_MAX_DOCUMENTS", 5000),
        }
        base.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**base)  # type: ignore[arg-type]

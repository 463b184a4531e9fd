"""Content-level analysis of one file: identify, extract, run content checks.

This is what runs inside worker processes. It never raises for a bad file: every failure
becomes an :class:`~authenticity.model.Analysis` with ``status`` and ``error`` set.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import signal
import threading
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

from authenticity import __version__
from authenticity.config import Settings
from authenticity.errors import EncryptedDocument, ExtractionError
from authenticity.extract import extractor_for
from authenticity.extract.dateline import dateline_facts
from authenticity.extract.lang import language_facts
from authenticity.heuristics import CheckContext, run_content_checks
from authenticity.model import Analysis, Document, Extraction, Finding, Metadata, Severity
from authenticity.sniff import detect_mime

log = logging.getLogger(__name__)


def files_digest(files: Iterable[tuple[str, Path]]) -> str:
    """Short sha256 of ``(label, path)`` pairs: each label, then the file's bytes."""
    digest = hashlib.sha256()
    for label, path in files:
        digest.update(label.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def _code_fingerprint() -> str:
    """Hash of the code that decides what an analysis contains (extractors, checks, this file).

    Stored analyses made by other code are re-analysed, so upgrading the tool (or editing an
    extractor) never serves stale results, while an unchanged install reuses everything.
    """
    root = Path(__file__).resolve().parent
    files = [root / "analyse.py", root / "sniff.py", root / "timeutil.py", root / "model.py"]
    files.append(root / "dkim.py")  # decides facts["dkim"]
    for sub in ("extract", "heuristics"):
        files.extend(sorted((root / sub).glob("*.py")))
    return files_digest((path.name, path) for path in files)


#: Version of extraction + content checks; results stored under another version are redone.
ANALYSER_VERSION = f"{__version__}+{_code_fingerprint()}"


def analysis_key(settings: Settings) -> str:
    """Key under which analyses are stored: the analyser version plus the scan settings that
    change what an analysis contains (leak date, DKIM key archive content, live DNS).

    A rescan with another ``--leak-date`` or a grown key archive therefore re-analyses
    instead of serving findings computed under the old settings.
    """
    digest = hashlib.sha256()
    digest.update(str(settings.leak_date).encode())
    digest.update(b"dns" if settings.dns else b"")
    if settings.dkim_keys:
        try:
            digest.update(Path(settings.dkim_keys).read_bytes())
        except OSError:
            digest.update(settings.dkim_keys.encode())
    return f"{ANALYSER_VERSION}:{digest.hexdigest()[:8]}"


class FileTimeout(BaseException):
    """Raised inside a worker when one file exceeds its parsing time."""


@contextlib.contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Interrupt pure-Python parsing after ``seconds`` (main thread only; else no limit)."""
    if seconds <= 0 or threading.current_thread() is not threading.main_thread():
        yield
        return

    def on_alarm(signum: int, frame: object) -> None:
        raise FileTimeout(f"parsing took longer than {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def failed(doc: Document, mime: str, reason: str, status: str = "failed") -> Analysis:
    """The Analysis of a file that could not be read, with a finding that says why."""
    code = "DOC_ENCRYPTED" if status == "encrypted" else "EXTRACT_FAILED"
    message = (
        f"The file is encrypted and could not be read: {reason}"
        if status == "encrypted"
        else f"The file could not be parsed: {reason}"
    )
    return Analysis(
        sha256=doc.sha256,
        size=doc.size,
        mime=mime,
        status=status,
        metadata=Metadata(),
        findings=[Finding(code, Severity.INFO, message, {"reason": reason})],
        error=reason,
    )


def analyse_document(doc: Document, settings: Settings) -> Analysis:
    """Identify and extract one document and run the content checks on it."""
    started = time.perf_counter()
    mime = "application/octet-stream"
    try:
        with time_limit(settings.file_timeout):
            data = doc.read()
            mime = detect_mime(data, doc.sniffed_mime)  # libmagic ran in ingest if sniffed
            result = _extract(doc, data, mime, settings)
    except FileTimeout as exc:
        result = failed(doc, mime, str(exc))
    except MemoryError:
        result = failed(doc, mime, "parsing exceeded the memory limit")
    except OSError as exc:
        result = failed(doc, mime, f"content could not be read: {exc}")
    result.seconds = time.perf_counter() - started
    return result


def _extract(doc: Document, data: bytes, mime: str, settings: Settings) -> Analysis:
    reg = extractor_for(mime, doc.extension)
    if reg is None:
        return Analysis(
            sha256=doc.sha256,
            size=doc.size,
            mime=mime,
            status="unsupported",
            metadata=Metadata(),
            findings=[
                Finding(
                    "TYPE_UNSUPPORTED",
                    Severity.INFO,
                    f"No extractor reads {mime} files yet, so no metadata could be checked.",
                    {"mime": mime},
                )
            ],
        )
    try:
        extraction: Extraction = reg.fn(data)
    except EncryptedDocument as exc:
        return failed(doc, mime, str(exc) or "encrypted", status="encrypted")
    except ExtractionError as exc:
        if settings.strict:
            raise
        return failed(doc, mime, str(exc) or type(exc).__name__)
    except (FileTimeout, MemoryError):
        raise
    except Exception as exc:  # a parser bug on hostile input must not stop the scan
        if settings.strict:
            raise
        log.warning("extractor %s crashed on %s: %r", reg.name, doc.path, exc)
        return failed(doc, mime, f"{reg.name} parser error: {type(exc).__name__}: {exc}")
    language_facts(extraction)  # text_language, name_scripts (docs/extraction.md)
    dateline_facts(extraction)  # text_dateline: the date the text states on its face
    _verify_dkim(data, mime, extraction, settings)
    ctx = CheckContext(mime=mime, settings=settings)
    findings = list(extraction.findings)
    findings.extend(run_content_checks(extraction.metadata, extraction.facts, ctx))
    return Analysis(
        sha256=doc.sha256,
        size=doc.size,
        mime=mime,
        status="encrypted_partial" if extraction.facts.get("encrypted") else "ok",
        metadata=extraction.metadata,
        findings=findings,
        facts=extraction.facts,
        text=extraction.text[: settings.max_text_chars],
    )


def _is_email(mime: str, facts: dict) -> bool:
    return (
        mime in ("message/rfc822", "message/news", "text/x-mail")
        or facts.get("parsed_as") == "rfc822"
        or "has_dkim_signature" in facts
    )


def _verify_dkim(data: bytes, mime: str, extraction: Extraction, settings: Settings) -> None:
    """Verify the DKIM signatures of a signed email into ``facts["dkim"]`` (before the checks)."""
    facts = extraction.facts
    if not _is_email(mime, facts) or not facts.get("has_dkim_signature"):
        return
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":  # Outlook .msg: no signed bytes
        return
    from authenticity.dkim import load_archive, verify_message

    keys = None
    if settings.dkim_keys:
        try:
            keys = load_archive(settings.dkim_keys)
        except (OSError, ValueError) as exc:
            log.warning("DKIM key archive %s unusable: %s", settings.dkim_keys, exc)
    facts["dkim"] = verify_message(data, keys, settings.dns)


def analyse_batch(docs: list[Document], settings: Settings) -> list[Analysis]:
    """Analyse a batch of documents in this process (the unit of work sent to a worker)."""
    return [analyse_document(doc, settings) for doc in docs]

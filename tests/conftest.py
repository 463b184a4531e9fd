"""Shared fixtures: the real-file corpus, producer-made files, the Prefect test backend."""

from __future__ import annotations

import contextlib
import os
import signal
from pathlib import Path

import pytest

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "corpus"
SCORECARD_KEYS = {
    "schema",
    "path",
    "sha256",
    "size",
    "mime",
    "metadata",
    "findings",
    "score",
    "verdict",
}
VERDICTS = {"verified", "consistent", "inconclusive", "suspicious", "likely_forged", "unreadable"}


def corpus_file(rel: str) -> bytes:
    """The bytes of ``../shared/corpus/REL``; the test is skipped when the file is missing."""
    path = CORPUS / rel
    if not path.is_file():
        pytest.skip(f"corpus file missing: {path}")
    return path.read_bytes()


@pytest.fixture(scope="session")
def corpus() -> Path:
    if not CORPUS.is_dir():
        pytest.skip(f"shared corpus not found at {CORPUS}")
    return CORPUS


@pytest.fixture(scope="session")
def prefect_backend():
    """A temporary Prefect API (SQLite) for tests that run real flows."""
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings
    from prefect.testing.utilities import prefect_test_harness

    with (
        prefect_test_harness(server_startup_timeout=120),
        temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}),
    ):
        yield


def assert_contract(card: dict) -> None:
    """One scorecard conforms to the contract in DESIGN.md."""
    import datetime as dt

    missing = SCORECARD_KEYS - card.keys()
    assert not missing, f"scorecard lacks {missing}: {card.get('path')}"
    assert card["schema"] == "authenticity.scorecard/1"
    assert isinstance(card["path"], str) and card["path"]
    assert len(card["sha256"]) == 64 and int(card["sha256"], 16) >= 0
    assert isinstance(card["size"], int) and card["size"] >= 0
    assert isinstance(card["mime"], str) and "/" in card["mime"]
    assert isinstance(card["metadata"], dict)
    for key in ("created", "modified", "printed"):
        value = card["metadata"].get(key)
        if value is not None:
            dt.datetime.fromisoformat(value)
    assert 0.0 <= card["score"] <= 1.0
    assert card["verdict"] in VERDICTS
    for f in card["findings"]:
        assert set(f) >= {"code", "severity", "message", "evidence"}
        assert f["severity"] in {"info", "low", "medium", "high", "critical"}
    if card["verdict"] == "unreadable":
        assert any(f["code"] in {"EXTRACT_FAILED", "DOC_ENCRYPTED"} for f in card["findings"])


def require_exiftool() -> str:
    """Path of the exiftool binary (``make test`` installs it); skipped without it, except
    in CI, where its absence is a failure."""
    import shutil

    exe = shutil.which("exiftool")
    if exe is None:
        if os.environ.get("CI"):
            pytest.fail("exiftool missing (make test installs libimage-exiftool-perl)")
        pytest.skip("exiftool not installed")
    return exe


def exiftool_edit(data: bytes, tmp_path: Path, *args: str, name: str = "photo.jpg") -> bytes:
    """``data`` after ``exiftool -overwrite_original ARGS`` (a copy named ``name`` in
    ``tmp_path``): the real tool's edit, on real bytes."""
    import subprocess

    target = tmp_path / name
    target.write_bytes(data)
    subprocess.run(
        [require_exiftool(), "-q", "-overwrite_original", *args, str(target)],
        check=True,
        capture_output=True,
    )
    return target.read_bytes()


class TooSlow(BaseException):
    """Raised by :func:`within`; not an ``Exception``, so no handler in the code under
    test swallows it."""


@contextlib.contextmanager
def within(seconds: int):
    """Fail the test (instead of hanging) when the block runs longer than ``seconds``."""

    def too_slow(signum, frame):
        raise TooSlow(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, too_slow)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)

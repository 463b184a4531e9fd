import datetime as dt

from authenticity import scoring
from authenticity.model import Finding, Metadata, Severity, Verdict

META = Metadata(author="Alice", created=dt.datetime(2017, 1, 1))


def f(sev: Severity) -> Finding:
    return Finding("X", sev, "m")


def test_noisy_or_score_and_bands():
    assert scoring.score([]) == 0.0
    assert scoring.score([f(Severity.INFO)]) == 0.0
    assert scoring.score([f(Severity.HIGH)]) == 0.6
    assert abs(scoring.score([f(Severity.HIGH), f(Severity.HIGH)]) - 0.84) < 1e-9
    assert scoring.verdict(0.0, "ok", META) is Verdict.CONSISTENT
    assert scoring.verdict(0.3, "ok", META) is Verdict.INCONCLUSIVE
    assert scoring.verdict(0.6, "ok", META) is Verdict.SUSPICIOUS
    assert scoring.verdict(0.84, "ok", META) is Verdict.LIKELY_FORGED
    assert scoring.verdict(0.0, "failed", META) is Verdict.UNREADABLE


def test_nothing_to_check_is_inconclusive_and_verified_needs_proof():
    assert scoring.verdict(0.0, "ok", Metadata()) is Verdict.INCONCLUSIVE
    assert scoring.verdict(0.0, "unsupported", META) is Verdict.INCONCLUSIVE
    assert scoring.verdict(0.0, "ok", META, cryptographically_verified=True) is Verdict.VERIFIED
    assert scoring.verdict(0.6, "ok", META, cryptographically_verified=True) is Verdict.SUSPICIOUS

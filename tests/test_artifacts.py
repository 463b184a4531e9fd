"""Artifact content is built from scorecards and neutralizes attacker-controlled markup."""

from __future__ import annotations

from authenticity.artifacts import artifact_key, card_markdown, md, top_table

CARD = {
    "path": "mail/1.eml!/x](javascript:alert(1)).pdf",
    "mime": "application/pdf",
    "size": 10,
    "sha256": "ab" * 32,
    "score": 0.84,
    "verdict": "likely_forged",
    "parent": "mail/1.eml",
    "metadata": {"author": "<img src=x onerror=alert(1)>", "title": "**bold** | pipe"},
    "findings": [
        {"code": "TS_MODIFIED_AFTER_LEAK", "severity": "high", "message": "m", "evidence": {}}
    ],
}


def test_markdown_neutralizes_html_links_and_tables():
    text = card_markdown(CARD)
    assert "<img" not in text and "&lt;img" in text
    assert "](javascript" not in text
    assert "\\*\\*bold\\*\\* \\| pipe" in text


def test_table_keeps_flagged_only_ranked():
    cards = [
        dict(CARD, path="a.pdf", score=0.6, verdict="suspicious"),
        dict(CARD, path="b.pdf", score=0.0, verdict="consistent"),
        CARD,
    ]
    rows = top_table(cards)
    assert [r["verdict"] for r in rows] == ["likely_forged", "suspicious"]


def test_artifact_keys_are_valid_and_distinct():
    keys = {artifact_key(p) for p in ("a/B.pdf", "c/B.pdf", "x\udcff\n.pdf")}
    assert len(keys) == 3
    assert all(
        k == k.lower() and set(k) <= set("abcdefghijklmnopqrstuvwxyz0123456789-") for k in keys
    )
    assert md("x" * 500).endswith("…")

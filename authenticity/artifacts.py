"""Reviewer summaries shaped for orchestrator artifacts (a table and per-document markdown).

Pure functions over scorecard dicts; ``flows/scan.py`` publishes them as Prefect artifacts.
Every value taken from a scanned file is escaped for markdown *and* HTML: metadata is
attacker-controlled and the Prefect UI renders markdown.
"""

from __future__ import annotations

import hashlib
import html
import re
from typing import Any

FLAGGED = ("likely_forged", "suspicious")
#: Markdown syntax characters; ``<``, ``>`` and ``&`` are already HTML entities by then.
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~])")


def md(value: Any, limit: int = 300) -> str:
    """Neutralize markup: HTML-escape, then backslash-escape markdown syntax; one line."""
    text = value if isinstance(value, str) else str(value)
    text = " ".join(text.split())
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return _MD_SPECIAL.sub(r"\\\1", html.escape(text, quote=False))


def ranked(cards: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(cards, key=lambda c: (-float(c["score"]), c["path"]))


def top_table(cards: list[dict[str, Any]], limit: int = 100) -> list[dict[str, Any]]:
    """Rows of the most suspicious documents (flagged ones, most suspicious first)."""
    rows = []
    for card in ranked(cards):
        if card["verdict"] not in FLAGGED or len(rows) >= limit:
            continue
        rows.append(
            {
                "verdict": card["verdict"],
                "score": round(float(card["score"]), 3),
                "path": md(card["path"]),
                "type": md(card["mime"]),
                "findings": md(
                    ", ".join(f["code"] for f in card["findings"] if f["severity"] not in ("info",))
                ),
            }
        )
    return rows


def artifact_key(path: str) -> str:
    """A Prefect artifact key (lowercase letters, digits, dashes) unique to ``path``."""
    slug = re.sub(r"[^a-z0-9]+", "-", path.rsplit("/", 1)[-1].lower()).strip("-")[:40]
    digest = hashlib.sha256(path.encode("utf-8", "surrogateescape")).hexdigest()[:10]
    return f"doc-{slug or 'file'}-{digest}"


def card_markdown(card: dict[str, Any], report: str | None = None) -> str:
    """One flagged document as markdown: verdict, findings with evidence, key metadata."""
    meta = card.get("metadata") or {}
    lines = [
        f"# {md(card['verdict'])} ({float(card['score']):.2f}): `{md(card['path'])}`",
        "",
        f"- type: {md(card['mime'])}, {int(card['size']):,} bytes, sha256 {md(card['sha256'])}",
    ]
    if card.get("parent"):
        lines.append(f"- inside: {md(card['parent'])}")
    lines += ["", "## Findings", ""]
    for f in card["findings"]:
        lines.append(f"- **{md(f['code'])}** ({md(f['severity'])}): {md(f['message'], 600)}")
    lines += ["", "## Metadata", "", "| field | value |", "|---|---|"]
    for key, value in meta.items():
        if key in ("raw", "naive_datetimes") or value in (None, "", [], {}):
            continue
        lines.append(f"| {md(key)} | {md(value)} |")
    if report:
        lines += ["", f"Full report: {md(report)}"]
    return "\n".join(lines) + "\n"

"""Plain, self-contained HTML summary of a scan.

Every value that comes from a scanned file is attacker-controlled: it goes through
:func:`html.escape` and nothing else. The page has no scripts and a CSP that forbids them.
"""

from __future__ import annotations

import html
import json
import os
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

VERDICT_ORDER = [
    "likely_forged",
    "suspicious",
    "inconclusive",
    "unreadable",
    "consistent",
    "verified",
]

VERDICT_MEANING = {
    "likely_forged": "strong, independent signs of a forged insert",
    "suspicious": "at least one serious inconsistency a reviewer should check",
    "inconclusive": "weak signs, or too little metadata to judge",
    "unreadable": "the file could not be parsed; the reason is given",
    "consistent": "no inconsistency found (this is not proof of authenticity)",
    "verified": "cryptographic proof (a DKIM signature that verifies)",
}

_CSS = """
body{font-family:system-ui,sans-serif;margin:2rem;color:#222;max-width:80rem}
table{border-collapse:collapse;width:100%;font-size:.9rem}
th,td{border-bottom:1px solid #ddd;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f4f4f4}
.v{font-weight:600;white-space:nowrap}
.likely_forged{color:#a00}.suspicious{color:#c60}.inconclusive{color:#666}
.unreadable{color:#555;font-style:italic}.consistent{color:#070}.verified{color:#05a}
code,pre{font-size:.8rem;white-space:pre-wrap;word-break:break-all}
details{margin:.2rem 0}
.sev-critical,.sev-high{color:#a00}.sev-medium{color:#c60}.sev-low{color:#666}.sev-info{color:#888}
"""


def esc(value: Any) -> str:
    """Escape anything for HTML text or attribute context."""
    if not isinstance(value, str):
        value = json.dumps(value, ensure_ascii=False, default=str)
    return html.escape(value, quote=True)


def _finding_rows(card: dict[str, Any]) -> str:
    items = []
    for f in card.get("findings", []):
        items.append(
            f'<li class="sev-{esc(f["severity"])}"><b>{esc(f["code"])}</b> '
            f"({esc(f['severity'])}): {esc(f['message'])}</li>"
        )
    return "<ul>" + "".join(items) + "</ul>" if items else "<i>no findings</i>"


def _metadata_block(card: dict[str, Any]) -> str:
    meta = dict(card.get("metadata") or {})
    raw = meta.pop("raw", {})
    rows = "".join(
        f"<tr><th>{esc(k)}</th><td>{esc(v)}</td></tr>"
        for k, v in meta.items()
        if v not in (None, [], {}, "")
    )
    raw_text = json.dumps(raw, ensure_ascii=False, indent=1, default=str)
    if len(raw_text) > 20_000:
        raw_text = raw_text[:20_000] + "\n... (truncated; full metadata in scorecards.jsonl)"
    return (
        f"<details><summary>metadata</summary><table>{rows}</table>"
        f"<details><summary>raw</summary><pre>{esc(raw_text)}</pre></details></details>"
    )


def render_report(cards: list[dict[str, Any]], summary: dict[str, Any]) -> str:
    counts = Counter(c["verdict"] for c in cards)
    ranked = sorted(
        cards,
        key=lambda c: (-float(c["score"]), VERDICT_ORDER.index(c["verdict"]), c["path"]),
    )
    count_rows = "".join(
        f'<tr><td class="v {v}">{v}</td><td>{counts.get(v, 0)}</td>'
        f"<td>{esc(VERDICT_MEANING[v])}</td></tr>"
        for v in VERDICT_ORDER
    )
    doc_rows = []
    for c in ranked:
        doc_rows.append(
            "<tr>"
            f'<td class="v {esc(c["verdict"])}">{esc(c["verdict"])}</td>'
            f"<td>{float(c['score']):.2f}</td>"
            f"<td><code>{esc(c['path'])}</code><br><small>{esc(c['mime'])} · "
            f"{int(c['size']):,} bytes · sha256 {esc(c['sha256'][:16])}…</small></td>"
            f"<td>{_finding_rows(c)}{_metadata_block(c)}</td>"
            "</tr>"
        )
    problems = summary.get("problems") or []
    problem_html = ""
    if problems:
        problem_html = (
            "<h2>Ingest problems</h2><ul>"
            + "".join(
                f"<li><b>{esc(p.get('code'))}</b> <code>{esc(p.get('path'))}</code>: "
                f"{esc(p.get('message'))}</li>"
                for p in problems
            )
            + "</ul>"
        )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>authenticity scan report</title><style>{_CSS}</style></head>
<body>
<h1>Scan report</h1>
<p>Source: <code>{esc(summary.get("source"))}</code> · run {esc(summary.get("run_id"))} ·
leak date {esc(summary.get("leak_date") or "not set")} · generated {esc(summary.get("generated"))}
· {len(cards)} documents</p>
<p>The score is the rule-based probability-like weight of the findings (higher = more likely a
forged insert). A verdict is a pointer for review, not proof; every score is explained by the
findings listed beside it.</p>
<h2>Verdicts</h2>
<table><tr><th>verdict</th><th>documents</th><th>meaning</th></tr>{count_rows}</table>
{problem_html}
<h2>Documents, most suspicious first</h2>
<table><tr><th>verdict</th><th>score</th><th>document</th><th>findings and metadata</th></tr>
{"".join(doc_rows)}
</table>
</body></html>
"""


def write_report(path: Path, cards: list[dict[str, Any]], summary: dict[str, Any]) -> None:
    text = render_report(cards, summary)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".report-", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.replace(tmp, path)

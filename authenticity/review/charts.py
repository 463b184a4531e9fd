"""Overview pictures drawn with matplotlib, returned as ``data:image/svg+xml`` URIs.

The SVG is embedded as an ``<img>`` (no network, no script, and the page's CSP only has to
allow ``img-src data:``). Labels come from scanned files: ``$`` is escaped so mathtext never
parses them, control characters are dropped and long values are cut.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import logging
import re
from collections import Counter
from typing import Any

VERDICT_COLOURS = {
    "likely_forged": "#b00020",
    "suspicious": "#d66a00",
    "inconclusive": "#777777",
    "unreadable": "#9e9e9e",
    "consistent": "#2e7d32",
    "verified": "#1565c0",
}
OUTLIER = "#b00020"
NORMAL = "#5b7db1"
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def label(value: Any, limit: int = 38) -> str:
    text = _CONTROL.sub(" ", str(value)).strip() or "(blank)"
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return text.replace("$", r"\$")


def _figure(width: float, height: float):
    import matplotlib

    matplotlib.rcParams["svg.hashsalt"] = "authenticity"  # deterministic ids
    logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=96)
    return fig


def _uri(fig) -> str:
    import warnings

    buf = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # missing glyphs in exotic scripts
        fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None})
    return "data:image/svg+xml;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def verdict_counts(counts: dict[str, int], order: list[str]) -> str:
    fig = _figure(5.5, 2.4)
    ax = fig.add_subplot()
    names = [v for v in order if counts.get(v)] or order
    values = [counts.get(v, 0) for v in names]
    bars = ax.barh(names[::-1], values[::-1], color=[VERDICT_COLOURS[v] for v in names[::-1]])
    ax.bar_label(bars, padding=3, fontsize=8)
    ax.set_xlabel("documents")
    ax.set_title("Documents per verdict", fontsize=10)
    ax.spines[["top", "right"]].set_visible(False)
    return _uri(fig)


def timeline(points: list[tuple[str, dt.datetime, str]], leak_date: str | None) -> str | None:
    """``points``: (field, datetime, verdict); field is ``created`` or ``modified``."""
    if not points:
        return None
    fig = _figure(9, 2.6)
    ax = fig.add_subplot()
    rows = {"created": 1, "modified": 0}
    for verdict, colour in VERDICT_COLOURS.items():
        mine = [(f, d) for f, d, v in points if v == verdict]
        if not mine:
            continue
        ax.scatter(
            [d for _, d in mine],
            [rows[f] for f, _ in mine],
            s=22,
            color=colour,
            alpha=0.75,
            label=verdict,
            edgecolors="none",
        )
    if leak_date:
        leak = dt.datetime.fromisoformat(leak_date).replace(tzinfo=dt.UTC)
        ax.axvline(leak, color="#b00020", linestyle="--", linewidth=1.2)
        ax.annotate(
            "leak date",
            xy=(leak, 1.35),
            xytext=(4, 0),
            textcoords="offset points",
            color="#b00020",
            fontsize=8,
        )
    ax.set_yticks([0, 1], ["modified", "created"])
    ax.set_ylim(-0.6, 1.6)
    ax.set_title("Created and modified dates (one dot per document)", fontsize=10)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    fig.autofmt_xdate()
    return _uri(fig)


def distribution(title: str, values: Counter[str], outliers: set[str], top: int = 12) -> str | None:
    """Horizontal bars of the most common values; outlier values in red."""
    if not values:
        return None
    common = values.most_common(top)
    shown = {v for v, _ in common}
    # Outliers always get a bar, even when rare enough to fall out of the top.
    for value in sorted(outliers):
        if value in values and value not in shown and len(common) < top + 5:
            common.append((value, values[value]))
    names = [label(v) for v, _ in common][::-1]
    counts = [c for _, c in common][::-1]
    colours = [OUTLIER if v in outliers else NORMAL for v, _ in common][::-1]
    fig = _figure(4.6, 0.5 + 0.24 * len(common))
    ax = fig.add_subplot()
    bars = ax.barh(range(len(names)), counts, color=colours)
    ax.set_yticks(range(len(names)), names, fontsize=8)
    ax.bar_label(bars, padding=2, fontsize=7)
    ax.set_title(title, fontsize=10)
    ax.spines[["top", "right"]].set_visible(False)
    ax.tick_params(axis="x", labelsize=7)
    return _uri(fig)

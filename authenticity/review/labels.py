"""Reviewer decisions exported as training labels (CSV)."""

from __future__ import annotations

import csv
import io
from typing import Any, TextIO

from authenticity.store import Store

COLUMNS = ["path", "sha256", "label", "reviewer", "note", "decided_at"]


def label_rows(store: Store, *, include_unsure: bool = True) -> list[dict[str, Any]]:
    """The current (newest) decision per (path, sha256), ordered by path.

    ``label`` is ``forged`` (confirmed forged), ``authentic`` or ``unsure``; values are
    written exactly as stored (paths are provenance paths, not sanitized for spreadsheets).
    """
    rows = []
    for (path, sha256), d in sorted(store.current_decisions().items()):
        if d["decision"] == "unsure" and not include_unsure:
            continue
        when = d["decided_at"]
        rows.append(
            {
                "path": path,
                "sha256": sha256,
                "label": d["decision"],
                "reviewer": d["reviewer"],
                "note": d["note"],
                "decided_at": when.isoformat(timespec="seconds") if when else "",
            }
        )
    return rows


def write_labels(rows: list[dict[str, Any]], fh: TextIO) -> None:
    writer = csv.DictWriter(fh, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)


def labels_csv(store: Store, *, include_unsure: bool = True) -> str:
    buf = io.StringIO()
    write_labels(label_rows(store, include_unsure=include_unsure), buf)
    return buf.getvalue()

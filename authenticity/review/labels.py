"""Reviewer decisions exported as training labels (CSV).

Paths, reviewer names and notes come from scanned files and from people: a value that a
spreadsheet would evaluate as a formula (``=HYPERLINK(...)``, ``@SUM(...)``, ``-2+3``) is
written with a leading apostrophe, which :func:`authenticity.training.read_labels` removes
again, so the file is safe to open in Excel and still exact for training.
"""

from __future__ import annotations

import csv
import io
from typing import Any, TextIO

from authenticity.store import Store

COLUMNS = ["path", "sha256", "label", "reviewer", "note", "decided_at"]

#: A cell starting with one of these is a formula (or may become one) in Excel, LibreOffice
#: and Google Sheets ("CSV injection"); a leading apostrophe makes it text.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "'")


def spreadsheet_safe(value: Any) -> Any:
    """``value`` with an apostrophe in front when a spreadsheet would read it as a formula.

    Reversible (:func:`from_spreadsheet`): a value that starts with an apostrophe gets one
    more, so paths and notes round-trip exactly through ``authenticity train --labels``.
    """
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def from_spreadsheet(value: str) -> str:
    """Undo :func:`spreadsheet_safe`."""
    if len(value) > 1 and value[0] == "'" and value[1:].startswith(_FORMULA_START):
        return value[1:]
    return value


def label_rows(store: Store, *, include_unsure: bool = True) -> list[dict[str, Any]]:
    """The current (newest) decision per (path, sha256), ordered by path.

    ``label`` is ``forged`` (confirmed forged), ``authentic`` or ``unsure``; values are as
    stored (the CSV writer quotes the ones a spreadsheet would run: :func:`spreadsheet_safe`).
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
    writer.writerows({k: spreadsheet_safe(v) for k, v in row.items()} for row in rows)


def labels_csv(store: Store, *, include_unsure: bool = True) -> str:
    buf = io.StringIO()
    write_labels(label_rows(store, include_unsure=include_unsure), buf)
    return buf.getvalue()

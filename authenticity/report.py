"""Static, self-contained HTML output of a scan: ``DIR/report.html`` (the dump overview:
ranked list with filters, pictures) and ``DIR/docs/<id>.html`` (one scorecard page per
document, ``<id>`` = :func:`authenticity.review.views.doc_id` of its provenance path).

Every value that comes from a scanned file is attacker-controlled: the pages are rendered
by Jinja2 with autoescape on, carry a CSP that forbids scripts (``default-src 'none'``, the
one inline stylesheet allowed by its hash) and filter without JavaScript (radio buttons and
CSS ``:has()``). The same templates serve the review app (``authenticity review``).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from authenticity.review.views import VERDICT_MEANING, VERDICT_ORDER, doc_id

if TYPE_CHECKING:
    from authenticity.review.render import Runner

__all__ = ["VERDICT_MEANING", "VERDICT_ORDER", "doc_id", "render_report", "write_report"]


def render_report(cards: list[dict[str, Any]], summary: dict[str, Any]) -> str:
    """The overview page alone (no per-document pages, no pictures) as a string."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / "report.html"
        write_report(target, cards, summary, charts=False, documents=False)
        return target.read_text(encoding="utf-8", errors="surrogateescape")


def write_report(
    path: Path,
    cards: list[dict[str, Any]],
    summary: dict[str, Any],
    *,
    charts: bool = True,
    documents: bool = True,
    runner: Runner | None = None,
    shards: int = 2,
) -> None:
    """Write ``path`` (the overview) and, with ``documents``, ``path.parent/docs/<id>.html``.

    ``runner`` and ``shards``: the document pages rendered in parallel parts
    (:func:`authenticity.review.render.write_static`)."""
    from authenticity.review.render import write_static

    write_static(
        Path(path), cards, summary, charts=charts, documents=documents, runner=runner, shards=shards
    )

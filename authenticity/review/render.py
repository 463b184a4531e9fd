"""Jinja2 rendering (autoescape on for every template) and the static report writer."""

from __future__ import annotations

import base64
import functools
import hashlib
import html
import logging
import os
import queue
import re
import secrets
import shutil
import tempfile
import threading
from collections import Counter
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from authenticity.heap import frozen_heap
from authenticity.review.views import (
    DECISION_LABELS,
    VERDICT_MEANING,
    VERDICT_ORDER,
    Dump,
)

log = logging.getLogger(__name__)

#: The review app's Content-Security-Policy (the static pages add a style hash instead).
APP_CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)


def cssname(value: Any) -> str:
    """A value reduced to characters safe in a CSS class / id."""
    return re.sub(r"[^A-Za-z0-9_-]", "_", str(value))[:80]


_HTML_SPECIAL = re.compile(r"[&<>\"']")


def _escape(value: Any) -> Any:
    """Escape with :func:`html.escape` (``&quot;``, ``&#x27;``), as the earlier report did;
    autoescape keeps it as is (it is :class:`Markup`) and escapes anything else."""
    if value is None:
        return ""
    if isinstance(value, Markup):
        return value
    text = str(value)
    if _HTML_SPECIAL.search(text) is None:  # most values: nothing to escape
        return Markup(text)
    return Markup(html.escape(text, quote=True))


@functools.cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("authenticity.review", "templates"),
        autoescape=True,  # every template, whatever its name
        finalize=_escape,
        trim_blocks=False,
        lstrip_blocks=False,
    )
    env.filters["cssname"] = cssname
    env.globals.update(
        verdict_order=VERDICT_ORDER,
        meanings=VERDICT_MEANING,
        decision_labels=DECISION_LABELS,
    )
    return env


@functools.cache
def stylesheet() -> str:
    return (resources.files("authenticity.review") / "static" / "review.css").read_text("utf-8")


def render(template: str, **context: Any) -> str:
    return environment().get_template(template).render(**context)


def facet_list(dump: Dump) -> dict[str, list[tuple[str, int]]]:
    facets = dump.facets()
    return {
        "verdict": [(v, facets["verdict"][v]) for v in VERDICT_ORDER if facets["verdict"][v]],
        "family": sorted(facets["family"].items()),
        "code": sorted(facets["code"].items()),
    }


def _static_css(facets: dict[str, list[tuple[str, int]]]) -> str:
    """The stylesheet plus the filter rules of the static overview (radio buttons + :has)."""
    rules = [stylesheet()]
    for prefix, cls, values in (
        ("fv", "v", facets["verdict"]),
        ("ft", "t", facets["family"]),
        ("fc", "c", facets["code"]),
    ):
        for value, _ in values:
            name = cssname(value)
            rules.append(
                f"body:has(#{prefix}-{name}:checked) .docs .row:not(.{cls}-{name}){{display:none}}"
            )
    rules.append("body:has(#fs-asc:checked) .docs{flex-direction:column-reverse}")
    return "\n".join(rules)


def _static_csp(css: str) -> str:
    digest = base64.b64encode(hashlib.sha256(css.encode("utf-8")).digest()).decode()
    return f"default-src 'none'; style-src 'sha256-{digest}'; img-src data:"


def _atomic_write(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", errors="surrogateescape") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _write_pages(
    folder: Path,
    dump: Dump,
    common: dict[str, Any],
    progress: Callable[[int], None] | None,
    shard: int = 0,
    shards: int = 1,
) -> int:
    """One page per document (of ``dump.ranked[shard::shards]``); returns how many.

    Creating thousands of files is slow on many disks (0.2 to 0.7 ms a file measured here)
    and needs no GIL: a thread writes while pages render."""
    pages: queue.Queue[tuple[Path, str] | None] = queue.Queue(maxsize=256)
    failure: list[BaseException] = []

    def writer() -> None:
        while (item := pages.get()) is not None:
            if failure:
                continue
            try:
                with open(item[0], "w", encoding="utf-8", errors="surrogateescape") as fh:
                    fh.write(item[1])
            except BaseException as exc:  # reported by the rendering thread
                failure.append(exc)

    thread = threading.Thread(target=writer, name="report-pages", daemon=True)
    thread.start()
    written = 0
    try:
        for card in dump.ranked[shard::shards]:
            if failure:
                break
            d = dump.document(card)
            page = render(
                "doc.html",
                d=d,
                rank=dump.rank[card["path"]],
                total=len(dump.cards),
                overview_url="../report.html",
                doc_url=lambda i: f"{i}.html",
                decision=None,
                **common,
            )
            pages.put((folder / f"{d['id']}.html", page))
            written += 1
            if progress:
                progress(1)
    finally:
        pages.put(None)
        thread.join()
    if failure:
        raise failure[0]
    return written


def _common(dump: Dump) -> tuple[dict[str, list[tuple[str, int]]], dict[str, Any]]:
    """The facet list and the context every page shares (stylesheet and its CSP hash)."""
    facets = facet_list(dump)
    css = _static_css(facets)
    # Our own strings (not from scanned files): inserted verbatim.
    return facets, {"static": True, "css": Markup(css), "csp": Markup(_static_csp(css))}


def write_page_shard(
    folder: str, cards: list[dict[str, Any]], summary: dict[str, Any], shard: int, shards: int
) -> int:
    """Every ``shards``-th document page from the ``shard``-th one, into ``folder``.

    Run in the scan's worker processes (one shard each) while the scan process draws the
    overview's charts: module level, its arguments picklable. The pages are the ones
    :func:`write_static` writes itself, byte for byte."""
    with frozen_heap():
        dump = Dump(cards, summary)
        return _write_pages(Path(folder), dump, _common(dump)[1], None, shard, shards)


#: ``runner(fn, calls)`` -> ``[fn(*args) for args in calls]``, the calls run in parallel
#: (the scan's worker processes: :meth:`authenticity.workers.WorkerPool.call_each`).
Runner = Callable[[Callable[..., Any], list[tuple[Any, ...]]], list[Any]]


def _new_dir(parent: Path, prefix: str) -> Path:
    """A new folder with a unique name (made with the umask, like the report itself)."""
    while True:
        candidate = parent / f"{prefix}{secrets.token_hex(6)}"
        try:
            candidate.mkdir()
            return candidate
        except FileExistsError:
            continue


def _replace_dir(new: Path, target: Path) -> None:
    """Put folder ``new`` at ``target`` (an existing ``target`` is removed afterwards)."""
    if not target.exists():
        os.replace(new, target)
        return
    old = _new_dir(target.parent, ".docs-old-")
    os.replace(target, old / "docs")
    os.replace(new, target)
    shutil.rmtree(old, ignore_errors=True)


def write_static(
    path: Path,
    cards: list[dict[str, Any]],
    summary: dict[str, Any],
    *,
    charts: bool = True,
    documents: bool = True,
    progress: Callable[[int], None] | None = None,
    runner: Runner | None = None,
    shards: int = 2,
) -> None:
    """``path`` (the overview, e.g. ``DIR/report.html``) and ``DIR/docs/<id>.html``.

    ``runner``: renders the document pages in ``shards`` parallel parts (the scan's worker
    processes) while this thread draws the overview; without it, or if it fails, the
    pages are rendered here."""
    dump = Dump(cards, summary)
    facets, common = _common(dump)
    docs_dir = path.parent / "docs"
    # The pages go to a new folder that then replaces docs/ (two renames instead of a
    # temporary file and a rename per page; a reader sees the old set or the new one,
    # never a mix, though docs/ is briefly absent between the two renames).
    staging = _new_dir(path.parent, ".docs-new-") if documents else None
    pages: _ParallelPages | None = None
    if staging is not None and runner is not None and len(dump.cards) >= PARALLEL_PAGES_FROM:
        pages = _ParallelPages(runner, staging, dump.cards, summary, shards)
    try:
        overview = _overview(
            path, dump, summary, facets, common, charts=charts, documents=documents
        )
        if staging is not None:
            if pages is None or not pages.wait():  # here, or again after a worker failed
                _write_pages(staging, dump, common, progress)
            _replace_dir(staging, docs_dir)
    except BaseException:
        if pages is not None:
            pages.wait()
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
        raise
    _atomic_write(path, overview)


#: Fewer documents than this and the pages are rendered in the scan process (sending the
#: cards to the workers costs more than it saves).
PARALLEL_PAGES_FROM = 200


class _ParallelPages:
    """The document pages rendered by ``runner`` in ``shards`` parts, in a helper thread
    (the calling thread draws the overview meanwhile)."""

    def __init__(
        self,
        runner: Runner,
        folder: Path,
        cards: list[dict[str, Any]],
        summary: dict[str, Any],
        shards: int,
    ) -> None:
        # Each shard writes into its own folder, moved into ``folder`` afterwards: two
        # processes creating thousands of files in one new folder contend for it in the
        # kernel (measured here: 2.2-2.5 s of system time each for 2,500 pages, against
        # 0.5 s in separate folders; renaming them into place from one thread is cheap).
        self.folder = folder
        self.parts = [folder / f".shard-{k}" for k in range(max(1, shards))]
        for part in self.parts:
            part.mkdir()
        calls = [(str(p), cards, summary, k, len(self.parts)) for k, p in enumerate(self.parts)]
        self.expected = len(cards)
        self.written: int | None = None
        self.error: BaseException | None = None
        self.thread = threading.Thread(
            target=self._run, args=(runner, calls), name="report-shards", daemon=True
        )
        self.thread.start()

    def _run(self, runner: Runner, calls: list[tuple[Any, ...]]) -> None:
        try:
            self.written = sum(runner(write_page_shard, calls))
            for part in self.parts:
                with os.scandir(part) as entries:
                    for entry in entries:
                        os.replace(entry.path, self.folder / entry.name)
        except BaseException as exc:  # reported by wait(); the pages are rendered again
            self.error = exc
        finally:
            for part in self.parts:
                shutil.rmtree(part, ignore_errors=True)

    def wait(self) -> bool:
        """True when every page was written."""
        self.thread.join()
        if self.error is not None or self.written != self.expected:
            log.warning(
                "report pages in the worker processes failed (%s); rendering them here",
                self.error or f"{self.written} of {self.expected} written",
            )
            return False
        return True


def _overview(
    path: Path,
    dump: Dump,
    summary: dict[str, Any],
    facets: dict[str, list[tuple[str, int]]],
    common: dict[str, Any],
    *,
    charts: bool,
    documents: bool,
) -> str:
    total = max(int(summary.get("documents_total") or 0), len(dump.cards))
    facets_now = dump.facets()
    if summary.get("verdict_counts"):  # the whole dump's counts when only the top is listed
        facets_now["verdict"] = Counter(summary["verdict_counts"])
    return render(
        "overview.html",
        summary=summary,
        total=total,
        facets=facets_now,
        facet_list=facets,
        charts=dump.charts() if charts and dump.cards else None,
        problems=summary.get("problems") or [],
        rows=[dump.row(c) for c in dump.ranked],
        filters={},
        doc_url=(lambda i: f"docs/{i}.html") if documents else (lambda i: "#"),
        overview_url=path.name,
        **common,
    )

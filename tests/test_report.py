"""Static report pages, escaping, search query building, decisions and the labels export."""

from __future__ import annotations

import base64
import csv
import datetime as dt
import hashlib
import io
import re

import pytest

from authenticity.cli import main
from authenticity.config import Settings
from authenticity.pipeline import run_scan
from authenticity.report import render_report, write_report
from authenticity.review.labels import (
    COLUMNS,
    from_spreadsheet,
    label_rows,
    labels_csv,
    spreadsheet_safe,
)
from authenticity.review.search import fts5_query, segments
from authenticity.review.views import Dump, doc_id, word_diff
from authenticity.store import Store
from authenticity.training import read_labels
from tests import factories

EVIL = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def card(path: str, **extra) -> dict:
    base = {
        "schema": "authenticity.scorecard/1",
        "path": path,
        "sha256": hashlib.sha256(path.encode()).hexdigest(),
        "size": 10,
        "mime": "application/pdf",
        "metadata": {"author": "Alice", "raw": {}},
        "findings": [],
        "score": 0.0,
        "verdict": "consistent",
        "parent": path.rsplit("!/", 1)[0] if "!/" in path else None,
        "model": {"name": "rules", "version": "1"},
    }
    base.update(extra)
    return base


def evil_cards() -> list[dict]:
    return [
        card(
            f"docs/{EVIL}.pdf",
            metadata={
                "author": EVIL,
                "application": EVIL,
                "created": "2017-03-01T09:00:00+00:00",
                "raw": {EVIL: EVIL, "core": {"dc:creator": EVIL}},
            },
            findings=[
                {"code": "TS_X", "severity": "high", "message": EVIL, "evidence": {EVIL: EVIL}},
                {
                    "code": "NEARDUP_MODIFIED_COPY",
                    "severity": "low",
                    "message": "copy",
                    "evidence": {
                        "other_path": "mail/1.eml",
                        "similarity": 0.9,
                        "changes": [{"this": EVIL, "other": "250 000"}],
                        "changes_total": 1,
                    },
                },
                {
                    "code": "EMAIL_DKIM_SIGNATURE_INVALID",
                    "severity": "high",
                    "message": f"bad signature {EVIL}",
                    "evidence": {},
                },
            ],
            score=0.9,
            verdict="likely_forged",
            reasons=[
                {"feature": EVIL, "contribution": 0.4},
                EVIL,
                {
                    "feature": "rule_score",
                    "effect": 0.31,
                    "label": "rule-based score of all findings",
                },
            ],
        ),
        card("mail/1.eml", mime="message/rfc822"),
        card("mail/1.eml!/a.pdf", metadata={"author": "Bob", "raw": {}}),
    ]


def test_static_pages_escape_everything(tmp_path):
    path = tmp_path / "report.html"
    cards = evil_cards()
    write_report(path, cards, {"source": EVIL, "run_id": 1, "leak_date": "2017-05-05"})
    pages = [path, *sorted((tmp_path / "docs").glob("*.html"))]
    assert len(pages) == 1 + len(cards)
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert "<script" not in text and "<img src=x" not in text, page
        if page.name in ("report.html", f"{doc_id(cards[0]['path'])}.html"):
            assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in text, page
        # The only inline style is allowed by its hash; nothing else is allowed at all.
        csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', text)
        assert csp and csp.group(1).startswith("default-src 'none'; style-src 'sha256-")
        style = re.search(r"<style>(.*?)</style>", text, re.S).group(1)
        digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in csp.group(1)
    doc = (tmp_path / "docs" / f"{doc_id(cards[0]['path'])}.html").read_text()
    assert "Model&#39;s top reasons" in doc or "Model's top reasons" in doc
    # a reason reads in words, with the feature name beside it
    assert "rule-based score of all findings" in doc
    assert "raises the score by 0.310; feature rule_score" in doc
    assert "Near-duplicates" in doc and "250 000" in doc
    assert "DKIM" in doc and "bad signature" in doc
    assert "dc:creator" in doc  # raw metadata beside the normalized
    assert f'href="{doc_id("mail/1.eml")}.html"' in render_doc_links(tmp_path, "mail/1.eml!/a.pdf")


def render_doc_links(tmp_path, path: str) -> str:
    return (tmp_path / "docs" / f"{doc_id(path)}.html").read_text()


def test_overview_lists_ranked_documents_with_pictures(tmp_path):
    path = tmp_path / "report.html"
    write_report(path, evil_cards(), {"source": "s", "run_id": 1, "leak_date": "2017-05-05"})
    text = path.read_text()
    assert text.count('class="row v-') == 3
    assert text.index("likely_forged</span></span>") < text.index("consistent</span></span>")
    assert text.count('src="data:image/svg+xml;base64,') >= 3
    assert f'href="docs/{doc_id("mail/1.eml")}.html"' in text
    # A second write removes pages of documents no longer in the run.
    write_report(path, evil_cards()[1:], {"source": "s", "run_id": 2})
    assert len(list((tmp_path / "docs").glob("*.html"))) == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["docs", "report.html"]  # no leftovers


def _many_cards(n: int) -> list[dict]:
    cards = evil_cards()
    for i in range(n):
        cards.append(
            card(
                f"bulk/{i:04d}.pdf",
                score=(i % 97) / 100,
                verdict="suspicious" if i % 97 > 90 else "consistent",
                findings=[{"code": "X_BULK", "severity": "low", "message": str(i), "evidence": {}}],
            )
        )
    return cards


def _pages(folder) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((folder / "docs").glob("*.html"))}


def test_pages_rendered_in_worker_processes_are_the_same_pages(tmp_path):
    """The scan renders the document pages in its worker processes (one shard each) while
    it draws the overview; the pages are the same bytes as rendered in one process, and
    a failing runner falls back to rendering them here."""
    from authenticity.review.render import PARALLEL_PAGES_FROM
    from authenticity.workers import WorkerPool

    cards = _many_cards(PARALLEL_PAGES_FROM + 20)
    summary = {"source": "s", "run_id": 1, "leak_date": "2017-05-05", "generated": "now"}
    for name in ("one", "two", "three"):
        (tmp_path / name).mkdir()
    write_report(tmp_path / "one" / "report.html", cards, summary)
    one = _pages(tmp_path / "one")
    assert len(one) == len(cards)
    with WorkerPool(Settings(workers=2)) as pool:
        write_report(tmp_path / "two" / "report.html", cards, summary, runner=pool.call_each)
    assert _pages(tmp_path / "two") == one
    assert (tmp_path / "two" / "report.html").read_bytes() == (
        tmp_path / "one" / "report.html"
    ).read_bytes()

    calls = []

    def broken(fn, shards):
        calls.append(len(shards))
        fn(*shards[0])  # one shard written, then the "worker" dies
        raise RuntimeError("worker died")

    write_report(tmp_path / "three" / "report.html", cards, summary, runner=broken, shards=3)
    assert calls == [3]
    assert _pages(tmp_path / "three") == one
    assert sorted(p.name for p in (tmp_path / "three").iterdir()) == ["docs", "report.html"]
    for name in ("two", "three"):  # the shards' own folders are gone
        assert all(p.is_file() for p in (tmp_path / name / "docs").iterdir())


def test_render_report_returns_the_overview():
    text = render_report(evil_cards(), {"source": "s"})
    assert text.startswith("<!DOCTYPE html>") and "<script" not in text


def test_dump_outliers_and_filters():
    cards = evil_cards()
    cards[2]["findings"] = [
        {
            "code": "BASELINE_RARE_VALUE",
            "severity": "low",
            "message": "rare",
            "evidence": {"rare": [{"field": "author", "value": "Bob", "count": 1}]},
        }
    ]
    dump = Dump(cards, {})
    assert "bob" in dump.outliers["author"]
    assert [c["path"] for c in dump.select(code="BASELINE_RARE_VALUE")] == ["mail/1.eml!/a.pdf"]
    assert [c["path"] for c in dump.select(family="email")] == ["mail/1.eml"]
    assert dump.select(sort="score_asc")[-1]["verdict"] == "likely_forged"


def test_word_diff_marks_changes():
    diff = word_diff("total 1 200 EUR", "total 250 000 EUR")
    ops = {(d["op"], d["text"].strip()) for d in diff}
    assert ("delete", "1 200") in ops and ("insert", "250 000") in ops


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("virement", '"virement"'),
        ('"compte offshore" mai', '"compte offshore" "mai"'),
        ("a OR b NEAR(c) path:x*", '"a" "OR" "b" "NEAR(c)" "path:x*"'),
        ('unbalanced "quote', '"unbalanced" "quote"'),
        ('""', ""),
    ],
)
def test_fts5_query_is_always_a_literal(query, expected):
    assert fts5_query(query) == expected


def test_snippet_segments():
    assert segments("a \x02b\x03 c") == [("a ", False), ("b", True), (" c", False)]


@pytest.fixture(scope="module")
def store_with_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("labels")
    dump = root / "dump"
    dump.mkdir()
    (dump / "a.docx").write_bytes(factories.make_docx())
    (dump / "b.pdf").write_bytes(factories.make_pdf())
    result = run_scan(str(dump), root / "out", Settings(workers=0, leak_date=dt.date(2017, 5, 5)))
    return result


def test_labels_export_newest_decision_per_document(store_with_run, tmp_path):
    url = f"sqlite:///{tmp_path / 'labels.sqlite'}"
    store = Store(url)
    store.add_decision(path="a.docx", sha256="1" * 64, decision="unsure", reviewer="ann")
    store.add_decision(
        path="a.docx", sha256="1" * 64, decision="forged", reviewer="bob", note='x, "y"\nz'
    )
    store.add_decision(path="b.pdf", sha256="2" * 64, decision="authentic", reviewer="ann")
    store.add_decision(path="c.pdf", sha256="3" * 64, decision="unsure", reviewer="ann")
    with pytest.raises(ValueError):
        store.add_decision(path="c.pdf", sha256="3" * 64, decision="maybe", reviewer="ann")
    rows = list(csv.DictReader(io.StringIO(labels_csv(store))))
    assert list(rows[0]) == COLUMNS == ["path", "sha256", "label", "reviewer", "note", "decided_at"]
    assert [(r["path"], r["label"], r["reviewer"]) for r in rows] == [
        ("a.docx", "forged", "bob"),
        ("b.pdf", "authentic", "ann"),
        ("c.pdf", "unsure", "ann"),
    ]
    assert rows[0]["note"] == 'x, "y"\nz'
    assert dt.datetime.fromisoformat(rows[0]["decided_at"])
    assert [r["path"] for r in label_rows(store, include_unsure=False)] == ["a.docx", "b.pdf"]
    # Cells a spreadsheet would evaluate are written as text and read back exactly.
    hostile = ['=HYPERLINK("http://x")!/a.pdf', "@SUM(1)", "-2+3.pdf", "'quoted.pdf", "+x"]
    for n, path in enumerate(hostile):
        store.add_decision(
            path=path, sha256=f"{n + 4}" * 64, decision="forged", reviewer="=cmd", note="@x"
        )
    text = labels_csv(store)
    for row in csv.DictReader(io.StringIO(text)):
        for value in (row["path"], row["reviewer"], row["note"]):
            assert not value.startswith(("=", "+", "-", "@")), value
    label_file = tmp_path / "hostile.csv"
    label_file.write_text(text, encoding="utf-8")
    read = {sha: label for _, sha, label in read_labels(label_file)}
    assert {f"{n + 4}" * 64 for n in range(len(hostile))} <= set(read)
    exported = {r["sha256"]: r["path"] for r in label_rows(store)}
    assert [exported[f"{n + 4}" * 64] for n in range(len(hostile))] == hostile
    assert [from_spreadsheet(spreadsheet_safe(p)) for p in hostile] == hostile
    # The CLI writes the same file.
    out = tmp_path / "labels.csv"
    assert main(["labels", "--db", url, "--out", str(out), "--no-unsure"]) == 0
    labels = sorted(r["label"] for r in csv.DictReader(out.open()))
    assert labels == ["authentic"] + ["forged"] * (1 + len(hostile))


def test_app_pages_long_lists(store_with_run, monkeypatch):
    from fastapi.testclient import TestClient

    from authenticity.review import app as review_app

    monkeypatch.setattr(review_app, "PAGE_SIZE", 1)
    client = TestClient(review_app.create_app(store_with_run.db_url))
    first, second = client.get("/").text, client.get("/?page=2").text
    assert first.count('class="row v-') == second.count('class="row v-') == 1
    assert 'href="/?page=2">next</a>' in first and 'href="/">previous</a>' in second


def test_app_escapes_checks_csrf_and_serves_labels(store_with_run):
    from fastapi.testclient import TestClient

    from authenticity.review.app import create_app

    app = create_app(store_with_run.db_url, reviewer=EVIL)
    client = TestClient(app)
    home = client.get("/")
    assert home.status_code == 200
    assert home.headers["content-security-policy"] == (
        "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    )
    assert client.get("/static/review.css").headers["content-type"].startswith("text/css")
    target = f"/doc/{doc_id('a.docx')}"
    page = client.get(target).text
    assert "<script" not in page and "&lt;script&gt;" in page  # the reviewer name, escaped
    token = re.search(r'name="csrf" value="([0-9a-f]{64})"', page).group(1)
    form = {"decision": "forged", "note": EVIL, "reviewer": "carol", "csrf": token}
    assert client.post(target + "/decision", data={**form, "csrf": "0" * 64}).status_code == 403
    other = TestClient(app)  # another session: the token is not valid there
    assert other.post(target + "/decision", data=form).status_code == 403
    evil_origin = client.post(
        target + "/decision", data=form, headers={"Origin": "http://evil.example"}
    )
    assert evil_origin.status_code == 403
    bad = client.post(target + "/decision", data={**form, "decision": "maybe"})
    assert bad.status_code == 400
    ok = client.post(target + "/decision", data=form, follow_redirects=False)
    assert ok.status_code == 303
    page = client.get(target).text
    assert "confirmed forged" in page and "<script" not in page
    labels = client.get("/labels.csv")
    assert labels.headers["content-type"].startswith("text/csv")
    assert "a.docx" in labels.text and ",forged,carol," in labels.text
    assert client.get("/doc/0000000000000000").status_code == 404
    found = client.get("/search", params={"q": "synthese budget"}).text
    assert "a.docx" in found and "<mark>" in found


@pytest.mark.postgres
def test_postgres_search_and_decisions(tmp_path):
    from authenticity.review.app import create_app
    from authenticity.review.search import SearchIndex
    from tests.test_store import pg_schema_url

    with pg_schema_url() as url:
        dump = tmp_path / "dump"
        dump.mkdir()
        (dump / "a.docx").write_bytes(factories.make_docx(text="Le compte offshore de Panama."))
        (dump / "b.pdf").write_bytes(factories.make_pdf(author="Рошка Георгий"))
        run_scan(str(dump), tmp_path / "out", Settings(workers=0), url)
        app = create_app(url)
        index: SearchIndex = app.state.review.search
        assert index.postgres
        hits = index.search('"compte offshore"')
        assert [h["path"] for h in hits] == ["a.docx"]
        assert any(hit for _, hit in hits[0]["snippet"])
        assert [h["path"] for h in index.search("Рошка")] == ["b.pdf"]
        store = app.state.review.store
        store.add_decision(path="a.docx", sha256="1" * 64, decision="forged", reviewer="r")
        assert [r["label"] for r in label_rows(store)] == ["forged"]
        store.close()


def test_a_finding_links_the_document_it_points_to(tmp_path):
    # A reply dated 35 days before the message it answers: the scan's dump-wide pass puts
    # EMAIL_REPLY_BEFORE_ORIGINAL on both, each naming the other by sha256; their pages link
    # each other under the finding.
    dump = tmp_path / "dump"
    dump.mkdir()
    original, cest = "<o1@campagne.example>", dt.timezone(dt.timedelta(hours=2))
    when = dt.datetime(2017, 4, 10, 9, tzinfo=cest)
    (dump / "o1.eml").write_bytes(factories.make_email(date=when, message_id=original))
    (dump / "reply.eml").write_bytes(
        factories.make_email(
            date=when - dt.timedelta(days=35), message_id="<r@x>", in_reply_to=original
        )
    )
    out = tmp_path / "out"
    run_scan(str(dump), out, Settings(workers=0))
    page = render_doc_links(out, "reply.eml")
    assert "EMAIL_REPLY_BEFORE_ORIGINAL" in page
    assert f'In the dump: <a href="{doc_id("o1.eml")}.html">o1.eml</a>' in page
    back = render_doc_links(out, "o1.eml")
    assert f'<a href="{doc_id("reply.eml")}.html">reply.eml</a>' in back


def test_picture_frame_takes_whole_numbers_inside_the_picture_only():
    from authenticity.review.views import picture_frame

    good = {"picture_size": [640, 480], "changed_box": [40, 32, 120, 104]}
    assert picture_frame(good) == {"w": 640, "h": 480, "x": 40, "y": 32, "bw": 80, "bh": 72}
    assert picture_frame({"picture_size": [640, 480], "region": [0, 0, 600, 400]})["bw"] == 600
    for bad in (
        None,
        "x",
        {"picture_size": [640, 480]},
        {"picture_size": [640, 480], "changed_box": [40, 32, 700, 104]},  # outside
        {"picture_size": [640, 480], "changed_box": [120, 32, 40, 104]},  # inverted
        {"picture_size": ["640", 480], "changed_box": [40, 32, 120, 104]},  # text
        {"picture_size": [640, 480], "changed_box": ['1"/><script>', 32, 120, 104]},
    ):
        assert picture_frame(bad) is None, bad

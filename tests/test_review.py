"""End-to-end tests of the review app in headless Chromium (Playwright driving the system's
/usr/bin/chromium; `make test` installs it). The dump is made with real producer libraries
and scanned with the pipeline into a temporary SQLite store."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from pathlib import Path

import pytest

from authenticity.config import Settings
from authenticity.pipeline import run_scan
from authenticity.review.views import doc_id
from tests import factories

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SENT = dt.datetime(2017, 4, 27, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=2)))
EVIL = '<script>document.title="pwned"</script><img src=x onerror=alert(1)>'
PHRASE = "compte offshore de Panama"

playwright_api = pytest.importorskip("playwright.sync_api")
if not Path(CHROMIUM).exists():  # pragma: no cover - `make test` installs it
    pytest.skip(f"{CHROMIUM} not installed (apt-get install chromium)", allow_module_level=True)


@pytest.fixture(scope="module")
def scanned(tmp_path_factory):
    root = tmp_path_factory.mktemp("review")
    dump = root / "dump"
    (dump / "documents").mkdir(parents=True)
    (dump / "mail").mkdir()
    (dump / "documents" / "note-budget.docx").write_bytes(
        factories.make_docx(text=f"Le virement passe par le {PHRASE} avant mai.")
    )
    (dump / "documents" / "evil.docx").write_bytes(factories.make_docx(author=EVIL))
    (dump / "documents" / "compte-rendu.pdf").write_bytes(factories.make_pdf())
    forged = factories.make_xlsx(
        last_modified_by="Рошка Георгий", modified=dt.datetime(2017, 5, 6, 21, 17)
    )
    (dump / "mail" / "1.eml").write_bytes(
        factories.make_email(date=SENT, attachments=[("budget.xlsx", forged, XLSX)])
    )
    result = run_scan(str(dump), root / "out", Settings(workers=0, leak_date=dt.date(2017, 5, 5)))
    return result


@pytest.fixture(scope="module")
def server(scanned):
    from authenticity.review.app import create_app
    from authenticity.review.server import serve_in_thread

    app = create_app(scanned.db_url, reviewer="tester")
    with serve_in_thread(app) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    with playwright_api.sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(5000)
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.dialogs = dialogs
    yield page
    context.close()


def rows(page) -> list[str]:
    return [t.strip() for t in page.locator(".docs .row").all_inner_texts()]


def forged_verdict(scanned) -> str:
    for line in scanned.scorecards_path.read_text().splitlines():
        card = json.loads(line)
        if card["path"] == "mail/1.eml!/budget.xlsx":
            return card["verdict"]
    raise AssertionError("budget.xlsx not scanned")


def test_overview_filter_search_scorecard_and_decision(server, scanned, page):
    response = page.goto(server + "/")
    assert response.status == 200
    csp = response.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp
    assert page.locator("h1").inner_text() == "Scan overview"
    everything = rows(page)
    assert len(everything) == 5  # 2 docx, a pdf, the email and its attachment
    scores = [float(r.split("\n")[2]) for r in everything]
    assert scores == sorted(scores, reverse=True)
    assert page.locator(".charts img").count() >= 3  # inline SVG pictures
    verdict = forged_verdict(scanned)
    assert verdict in ("suspicious", "likely_forged")

    # Filter by verdict with the pre-rendered links (no JavaScript).
    page.get_by_role("link", name=re.compile(rf"^{verdict} \(\d+\)$")).click()
    assert f"verdict={verdict}" in page.url
    filtered = rows(page)
    assert filtered and all(verdict in r for r in filtered)
    assert any("mail/1.eml!/budget.xlsx" in r for r in filtered)
    # ... and by finding code, combined with the verdict.
    page.get_by_role("link", name=re.compile(r"^TS_MODIFIED_AFTER_LEAK")).first.click()
    assert "code=TS_MODIFIED_AFTER_LEAK" in page.url and f"verdict={verdict}" in page.url
    assert [r for r in rows(page) if "budget.xlsx" in r]
    assert all("TS_MODIFIED_AFTER_LEAK" in r for r in rows(page))
    page.get_by_role("link", name="score, lowest first").click()
    assert "sort=score_asc" in page.url

    # Full-text search for a phrase of the document's text.
    page.get_by_role("searchbox").fill(f'"{PHRASE}"')
    page.get_by_role("button", name="Search").click()
    assert "1 document match" in page.locator("#hits").inner_text()
    assert page.locator("mark").first.inner_text().lower() in PHRASE.lower()
    page.get_by_role("link", name="documents/note-budget.docx").click()
    assert page.locator("h1").inner_text() == "note-budget.docx"
    assert page.get_by_role("heading", name=re.compile(r"^Findings \(")).count() == 1

    # Record a verdict; it survives a reload and shows in the overview and labels.csv.
    page.get_by_label("confirmed forged").check()
    page.get_by_label("note").fill("payment route invented <b>bold</b>")
    page.get_by_role("button", name="Save decision").click()
    assert "confirmed forged" in page.locator(".flash").inner_text()
    page.reload()
    assert "confirmed forged" in page.locator(".flash").inner_text()
    assert "invented <b>bold</b>" in page.locator(".flash").inner_text()  # as text
    assert page.get_by_label("confirmed forged").is_checked()
    page.goto(server + "/?review=forged")
    assert [r for r in rows(page) if "note-budget.docx" in r]
    csv = page.request.get(server + "/labels.csv").text()
    assert csv.splitlines()[0] == "path,sha256,label,reviewer,note,decided_at"
    assert "documents/note-budget.docx" in csv and ",forged,tester," in csv
    assert page.dialogs == []


def test_script_in_author_renders_as_text(server, page):
    response = page.goto(f"{server}/doc/{doc_id('documents/evil.docx')}")
    assert response.status == 200
    cell = page.locator("td", has_text="<script>document.title")
    assert cell.count() >= 1
    assert EVIL in cell.first.inner_text()
    assert page.locator("script").count() == 0
    assert page.locator("img[src=x]").count() == 0
    assert page.title() != "pwned"
    page.goto(server + "/")
    assert EVIL in page.locator(".docs").inner_text()
    assert page.locator("script").count() == 0
    assert page.dialogs == []


def test_provenance_links_to_parent(server, page):
    page.goto(f"{server}/doc/{doc_id('mail/1.eml!/budget.xlsx')}")
    assert page.locator("h1").inner_text() == "budget.xlsx"
    assert "Рошка Георгий" in page.locator(".side").inner_text()
    page.locator(".chain").get_by_role("link", name="mail/1.eml").click()
    assert page.locator("h1").inner_text() == "1.eml"
    assert "budget.xlsx" in page.get_by_role("link", name="mail/1.eml!/budget.xlsx").inner_text()


def test_decision_without_csrf_token_is_refused(server, page):
    page.goto(server + "/")
    target = f"{server}/doc/{doc_id('documents/compte-rendu.pdf')}/decision"
    refused = page.request.post(target, form={"decision": "authentic", "reviewer": "x"})
    assert refused.status == 403
    forged_origin = page.request.post(
        target,
        form={"decision": "authentic", "reviewer": "x", "csrf": "0" * 64},
        headers={"Origin": "http://evil.example"},
    )
    assert forged_origin.status == 403


def test_static_report_filters_without_javascript(scanned, page):
    report = scanned.report_path
    page.goto(report.as_uri())
    assert page.locator(".docs .row:visible").count() == 5
    verdict = forged_verdict(scanned)
    page.get_by_label(re.compile(rf"^{verdict} \(\d+\)$")).check()
    visible = page.locator(".docs .row:visible").all_inner_texts()
    assert visible and all(verdict in r for r in visible)
    page.get_by_label(re.compile(r"^TS_MODIFIED_AFTER_LEAK")).check()
    visible = page.locator(".docs .row:visible").all_inner_texts()
    assert visible and all("TS_MODIFIED_AFTER_LEAK" in r for r in visible)
    page.get_by_label(re.compile(r"^all$")).first.check()
    page.get_by_label(re.compile(r"^all$")).nth(2).check()
    assert page.locator(".docs .row:visible").count() == 5
    link = page.locator(".docs .row:visible").first.get_by_role("link")
    name = link.inner_text().rsplit("/", 1)[-1]
    link.click()
    assert page.url.endswith(".html") and "/docs/" in page.url
    assert page.locator("h1").inner_text() == name

"""Screenshots of the review app for the docs: docs/screenshots/overview.png, scorecard.png.

Scans the bundled sample dump (leak date 2017-05-05) into a temporary store, serves the
review app on 127.0.0.1 and photographs it with headless Chromium (Playwright driving the
system's /usr/bin/chromium; no browser download).

    .venv/bin/python docs/make_screenshots.py
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(REPO / "docs" / "screenshots"))
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    from playwright.sync_api import sync_playwright

    from authenticity.config import Settings
    from authenticity.pipeline import run_scan
    from authenticity.review.app import create_app
    from authenticity.review.server import serve_in_thread
    from authenticity.review.views import doc_id

    with tempfile.TemporaryDirectory() as tmp:
        result = run_scan(
            str(REPO / "data" / "sample_dump"),
            Path(tmp) / "out",
            Settings(workers=2, leak_date=dt.date(2017, 5, 5)),
        )
        app = create_app(result.db_url, reviewer="analyst")
        dump = app.state.review.dump
        top = dump.ranked[0]
        with (
            serve_in_thread(app) as url,
            sync_playwright() as pw,
        ):
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1360, "height": 900})
            page.goto(url + "/")
            page.screenshot(path=str(out / "overview.png"), full_page=True)
            page.goto(f"{url}/doc/{doc_id(top['path'])}")
            page.screenshot(path=str(out / "scorecard.png"), full_page=True)
            browser.close()
    print(f"wrote {out / 'overview.png'} and {out / 'scorecard.png'}")


if __name__ == "__main__":
    main()

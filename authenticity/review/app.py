"""The review web app (FastAPI): overview, scorecards, search, reviewer decisions, labels.

Serves one run of a results store (the newest complete run by default). No JavaScript:
filters and sorting are plain links, search and decisions are plain forms.

Security (dumps are hostile): every page is rendered by Jinja2 with autoescape; every
response carries a strict Content-Security-Policy (:data:`APP_CSP`); state-changing
requests are POSTs that must carry the per-session CSRF token (an HMAC of the
``SameSite=Strict`` session cookie) and, when the browser sends one, an ``Origin`` equal to
the app's own.
"""

from __future__ import annotations

import getpass
import hashlib
import hmac
import secrets
import threading
import urllib.parse
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response

from authenticity.review.labels import labels_csv
from authenticity.review.render import APP_CSP, facet_list, render, stylesheet
from authenticity.review.search import SearchIndex
from authenticity.review.views import DECISION_LABELS, Dump
from authenticity.store import DECISIONS, Store

SESSION_COOKIE = "authenticity_session"
PAGE_SIZE = 500
SORTS = ("score", "score_asc", "path")
SECURITY_HEADERS = {
    "Content-Security-Policy": APP_CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",  # no-referrer would make browsers send Origin: null
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}


class Review:
    """State of the app: the store, the run's scorecards, lazily built pictures and index."""

    def __init__(self, store: Store, run_id: int | None = None, reviewer: str | None = None):
        self.store = store
        self.run_id = run_id if run_id is not None else store.latest_run_id()
        if self.run_id is None:
            raise ValueError("the results store holds no scan run")
        run = store.run(self.run_id)
        options = (run.options if run else None) or {}
        summary = {
            "source": run.source if run else "",
            "run_id": self.run_id,
            "leak_date": options.get("leak_date"),
            "generated": (
                run.finished_at.isoformat(timespec="seconds") if run and run.finished_at else ""
            ),
        }
        self.dump = Dump(store.scorecards(self.run_id), summary)
        self.reviewer = reviewer or _default_reviewer()
        self.secret = secrets.token_bytes(32)
        self.search = SearchIndex(store, self.dump, self.run_id)
        self._charts: dict[str, Any] | None = None
        self._lock = threading.Lock()

    def charts(self) -> dict[str, Any] | None:
        with self._lock:
            if self._charts is None and self.dump.cards:
                self._charts = self.dump.charts()
            return self._charts

    def csrf_token(self, session: str) -> str:
        return hmac.new(self.secret, session.encode(), hashlib.sha256).hexdigest()


def _default_reviewer() -> str:
    try:
        return getpass.getuser()
    except Exception:
        return "reviewer"


def _session(request: Request) -> tuple[str, bool]:
    sid = request.cookies.get(SESSION_COOKIE, "")
    if len(sid) == 43 and sid.replace("-", "").replace("_", "").isalnum():
        return sid, False
    return secrets.token_urlsafe(32), True


def _html(request: Request, body: str, session: tuple[str, bool], status: int = 200) -> Response:
    response = HTMLResponse(body, status_code=status)
    sid, new = session
    if new:
        response.set_cookie(
            SESSION_COOKIE, sid, httponly=True, samesite="strict", path="/", max_age=86400 * 30
        )
    return response


def create_app(
    db_url: str | None = None,
    *,
    store: Store | None = None,
    run_id: int | None = None,
    reviewer: str | None = None,
) -> FastAPI:
    if store is None:
        if db_url is None:
            raise ValueError("db_url or store is required")
        store = Store(db_url)
    review = Review(store, run_id, reviewer)
    dump = review.dump
    app = FastAPI(title="authenticity review", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.review = review

    @app.middleware("http")
    async def security_headers(request: Request, call_next):
        response = await call_next(request)
        for key, value in SECURITY_HEADERS.items():
            response.headers.setdefault(key, value)
        return response

    def page_context(request: Request, session: tuple[str, bool]) -> dict[str, Any]:
        return {
            "static": False,
            "static_url": "/static/review.css",
            "overview_url": "/",
            "doc_url": lambda i: f"/doc/{i}",
            "csrf": review.csrf_token(session[0]),
            "reviewer": review.reviewer,
        }

    @app.get("/static/review.css")
    def css() -> Response:
        return Response(
            stylesheet(),
            media_type="text/css; charset=utf-8",
            headers={"Cache-Control": "max-age=300"},
        )

    @app.get("/", response_class=HTMLResponse)
    def overview(
        request: Request,
        verdict: str | None = None,
        type: str | None = None,
        code: str | None = None,
        sort: str = "score",
        page: int = 1,
    ) -> Response:
        session = _session(request)
        facets = dump.facets()
        review_filter = request.query_params.get("review")
        filters = {
            "verdict": verdict if verdict in facets["verdict"] else None,
            "family": type if type in facets["family"] else None,
            "code": code if code in facets["code"] else None,
            "review": review_filter if review_filter in ("none", *DECISIONS) else None,
            "sort": sort if sort in SORTS else "score",
        }
        decisions = store.current_decisions()
        cards = dump.select(
            verdict=filters["verdict"],
            family=filters["family"],
            code=filters["code"],
            sort=filters["sort"],
        )
        rows = []
        for card in cards:
            decision = decisions.get((card["path"], card["sha256"]))
            wanted = filters["review"]
            if wanted == "none" and decision is not None:
                continue
            if wanted in DECISIONS and (decision is None or decision["decision"] != wanted):
                continue
            rows.append(dump.row(card, decision))
        page = max(1, page)
        shown = rows[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]

        def link(**changes: Any) -> str:
            params = {
                "verdict": filters["verdict"],
                "type": filters["family"],
                "code": filters["code"],
                "review": filters["review"],
                "sort": filters["sort"] if filters["sort"] != "score" else None,
            }
            for key, value in changes.items():
                params["type" if key == "family" else key] = value
            if params.get("page") == 1:
                params["page"] = None
            query = urllib.parse.urlencode({k: v for k, v in params.items() if v})
            return "/" + ("?" + query if query else "")

        body = render(
            "overview.html",
            summary=dump.summary,
            total=len(dump.cards),
            facets=facets,
            facet_list=facet_list(dump),
            charts=review.charts(),
            problems=[],
            rows=shown,
            truncated=len(rows) > page * PAGE_SIZE,
            matched=len(rows),
            first=(page - 1) * PAGE_SIZE + 1,
            page=page,
            filters=filters,
            link=link,
            **page_context(request, session),
        )
        return _html(request, body, session)

    def card_of(doc: str) -> dict[str, Any]:
        card = dump.by_id.get(doc)
        if card is None:
            raise HTTPException(404, "no such document in this run")
        return card

    @app.get("/doc/{doc}", response_class=HTMLResponse)
    def document(request: Request, doc: str) -> Response:
        session = _session(request)
        card = card_of(doc)
        others = [
            (f.get("evidence") or {}).get("other_path")
            for f in card.get("findings") or []
            if f.get("code") == "NEARDUP_MODIFIED_COPY"
        ]
        shas = {card["sha256"]} | {
            dump.by_path[o]["sha256"] for o in others if isinstance(o, str) and o in dump.by_path
        }
        contents = store.contents_for(shas, text_chars=200_000)
        texts = {k: v["text"] for k, v in contents.items()}
        content = contents.get(card["sha256"])
        d = dump.document(card, content=content, texts=texts if others else None)
        if content is not None and len(content["text"]) > 50_000:
            d["text"] = content["text"][:50_000] + "\n… (cut)"
        history = [h for h in store.decisions(card["path"]) if h["sha256"] == card["sha256"]]
        body = render(
            "doc.html",
            d=d,
            rank=dump.rank[card["path"]],
            total=len(dump.cards),
            decision=history[-1] if history else None,
            history=history,
            **page_context(request, session),
        )
        return _html(request, body, session)

    @app.post("/doc/{doc}/decision")
    async def decide(request: Request, doc: str) -> Response:
        card = card_of(doc)
        sid = request.cookies.get(SESSION_COOKIE, "")
        origin = request.headers.get("origin")
        if origin is not None and origin != "null":
            own = f"{request.url.scheme}://{request.headers.get('host', '')}"
            if origin != own:
                raise HTTPException(403, "cross-origin request refused")
        elif origin == "null":
            raise HTTPException(403, "cross-origin request refused")
        if request.headers.get("content-type", "").split(";")[0].strip() != (
            "application/x-www-form-urlencoded"
        ):
            raise HTTPException(415, "form expected")
        raw = await request.body()
        if len(raw) > 64_000:
            raise HTTPException(413, "form too large")
        form = urllib.parse.parse_qs(raw.decode("utf-8", "replace"), keep_blank_values=True)

        def field(name: str) -> str:
            return (form.get(name) or [""])[0]

        if not sid or not hmac.compare_digest(field("csrf"), review.csrf_token(sid)):
            raise HTTPException(403, "missing or wrong CSRF token (reload the page)")
        decision = field("decision")
        if decision not in DECISIONS:
            raise HTTPException(400, f"decision must be one of {', '.join(DECISIONS)}")
        reviewer = field("reviewer").strip()[:255] or review.reviewer
        store.add_decision(
            path=card["path"],
            sha256=card["sha256"],
            decision=decision,
            reviewer=reviewer,
            note=field("note").strip()[:10_000],
            run_id=review.run_id,
        )
        return RedirectResponse(f"/doc/{doc}", status_code=303)

    @app.get("/search", response_class=HTMLResponse)
    def search(request: Request, q: str = "") -> Response:
        session = _session(request)
        hits = review.search.search(q[:500]) if q.strip() else []
        body = render(
            "search.html",
            query=q,
            hits=hits,
            total=len(dump.cards),
            **page_context(request, session),
        )
        return _html(request, body, session)

    @app.get("/labels.csv")
    def labels(unsure: int = 1) -> Response:
        return PlainTextResponse(
            labels_csv(store, include_unsure=bool(unsure)),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="labels.csv"'},
        )

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        return PlainTextResponse(str(exc.detail), status_code=exc.status_code)

    return app


__all__ = ["DECISION_LABELS", "SESSION_COOKIE", "Review", "create_app"]

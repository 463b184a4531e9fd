"""What the reviewer pages show, computed from scorecards (shared by the static report and
the review app). Pure data in, plain dicts out; rendering is in the Jinja2 templates, which
autoescape everything (metadata is attacker-controlled)."""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import re
from collections import Counter
from collections.abc import Iterable
from typing import Any

from authenticity.dumpwide._common import family_of

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

SEVERITY_ORDER = ["critical", "high", "medium", "low", "info"]
SEVERITY_WEIGHT = {"critical": 0.9, "high": 0.6, "medium": 0.3, "low": 0.1, "info": 0.0}

DECISION_LABELS = {
    "forged": "confirmed forged",
    "authentic": "authentic",
    "unsure": "unsure",
}

#: Normalized metadata fields, in display order.
META_FIELDS = [
    "author",
    "last_modified_by",
    "created",
    "modified",
    "printed",
    "application",
    "app_version",
    "producer",
    "company",
    "template",
    "language",
    "title",
    "subject",
    "keywords",
    "revision",
    "edit_time",
    "page_count",
    "make",
    "model",
]

_SEP = "!/"


def doc_id(path: str) -> str:
    """Stable, file-name-safe id of a provenance path."""
    return hashlib.sha256(path.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def _score_band(score: float) -> str:
    if score >= 0.8:
        return "0.8 or more: several strong, independent signs"
    if score >= 0.5:
        return "0.5 to 0.8: at least one serious inconsistency"
    if score >= 0.25:
        return "0.25 to 0.5: weak signs"
    return "below 0.25: nothing weighty found"


def _parse_dt(value: Any) -> dt.datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed


def display(value: Any) -> str:
    """A metadata value as text (the template escapes it)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, list | tuple):
        return ", ".join(display(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {display(v)}" for k, v in value.items())
    return str(value)


def software_of(meta: dict[str, Any]) -> str | None:
    app = meta.get("application") or meta.get("producer")
    if not app:
        return None
    version = meta.get("app_version")
    return f"{app} {version}" if version and meta.get("application") else str(app)


#: Linked documents shown under one finding.
MAX_RELATED = 5


class Dump:
    """All scorecards of one run, indexed for the pages."""

    def __init__(
        self,
        cards: Iterable[dict[str, Any]],
        summary: dict[str, Any] | None = None,
    ) -> None:
        self.summary = dict(summary or {})
        self.cards = list(cards)
        self.by_path = {c["path"]: c for c in self.cards}
        self.by_sha: dict[str, list[dict[str, Any]]] = {}
        for c in self.cards:
            self.by_sha.setdefault(str(c.get("sha256")), []).append(c)
        self.by_id = {doc_id(c["path"]): c for c in self.cards}
        self.children: dict[str, list[dict[str, Any]]] = {}
        for card in self.cards:
            if card.get("parent"):
                self.children.setdefault(card["parent"], []).append(card)
        self.ranked = sorted(
            self.cards,
            key=lambda c: (-float(c["score"]), _verdict_rank(c["verdict"]), c["path"]),
        )
        self.rank = {c["path"]: i + 1 for i, c in enumerate(self.ranked)}
        self.outliers = _outlier_values(self.cards)

    # -- overview ------------------------------------------------------------------
    def row(self, card: dict[str, Any], decision: dict[str, Any] | None = None) -> dict:
        meta = card.get("metadata") or {}
        codes = []
        for f in _ordered_findings(card.get("findings") or []):
            if f["code"] not in codes:
                codes.append(f["code"])
        people = [meta.get("author"), meta.get("last_modified_by")]
        return {
            "id": doc_id(card["path"]),
            "rank": self.rank[card["path"]],
            "path": card["path"],
            "verdict": card["verdict"],
            "score": float(card["score"]),
            "family": family_of(card.get("mime", "")),
            "mime": card.get("mime", ""),
            "people": " / ".join(dict.fromkeys(display(p) for p in people if p)),
            "software": software_of(meta) or "",
            "codes": codes,
            "decision": decision,
        }

    def facets(self) -> dict[str, Counter[str]]:
        return {
            "verdict": Counter(c["verdict"] for c in self.cards),
            "family": Counter(family_of(c.get("mime", "")) for c in self.cards),
            "code": Counter(
                code for c in self.cards for code in {f["code"] for f in c.get("findings") or []}
            ),
        }

    def select(
        self,
        *,
        verdict: str | None = None,
        family: str | None = None,
        code: str | None = None,
        sort: str = "score",
        paths: set[str] | None = None,
    ) -> list[dict[str, Any]]:
        cards = [
            c
            for c in self.ranked
            if (not verdict or c["verdict"] == verdict)
            and (not family or family_of(c.get("mime", "")) == family)
            and (not code or any(f["code"] == code for f in c.get("findings") or []))
            and (paths is None or c["path"] in paths)
        ]
        if sort == "score_asc":
            cards.reverse()
        elif sort == "path":
            cards.sort(key=lambda c: c["path"])
        return cards

    def charts(self) -> dict[str, str | None]:
        from authenticity.review import charts

        points = []
        for c in self.cards:
            meta = c.get("metadata") or {}
            for field in ("created", "modified"):
                when = _parse_dt(meta.get(field))
                if when is not None and 1980 <= when.year <= 2100:
                    points.append((field, when, c["verdict"]))
        out: dict[str, str | None] = {
            "verdicts": charts.verdict_counts(self.facets()["verdict"], VERDICT_ORDER),
            "timeline": charts.timeline(points, self.summary.get("leak_date")),
        }
        for key, title, fields in (
            ("software", "Software (application or producer)", ("software",)),
            ("author", "Authors and last editors", ("author", "last_modified_by")),
            ("language", "Languages", ("language",)),
        ):
            values: Counter[str] = Counter()
            for c in self.cards:
                meta = c.get("metadata") or {}
                seen = set()
                for field in fields:
                    value = software_of(meta) if field == "software" else meta.get(field)
                    if value and display(value) not in seen:
                        seen.add(display(value))
                        values[display(value)] += 1
            flagged = {v for v in values if v.casefold() in self.outliers.get(key, set())}
            out[key] = charts.distribution(title, values, flagged)
        return out

    def _related(self, evidence: Any, own_path: str) -> list[dict[str, Any]]:
        """The dump's documents a finding points to by sha256 (``other_sha256``: the other
        copy, the original of a reply, the message whose relay ids were reused), linked."""
        shas = evidence.get("other_sha256") if isinstance(evidence, dict) else None
        if isinstance(shas, str):
            shas = [shas]
        if not isinstance(shas, list):
            return []
        out = []
        for sha in shas[:MAX_RELATED]:
            for other in self.by_sha.get(str(sha), [])[:MAX_RELATED]:
                if other["path"] != own_path:
                    out.append(
                        {
                            "path": other["path"],
                            "id": doc_id(other["path"]),
                            "verdict": other["verdict"],
                        }
                    )
        return out[:MAX_RELATED]

    # -- one document --------------------------------------------------------------
    def document(
        self,
        card: dict[str, Any],
        *,
        content: dict[str, Any] | None = None,
        texts: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        meta = dict(card.get("metadata") or {})
        raw = meta.pop("raw", {}) or {}
        naive = set(meta.pop("naive_datetimes", []) or [])
        normalized = [
            {"field": k, "value": display(meta[k]), "naive": k in naive}
            for k in [*META_FIELDS, *sorted(set(meta) - set(META_FIELDS))]
            if meta.get(k) not in (None, "", [], {})
        ]
        raw_rows = []
        for key, value in raw.items():  # one level of nesting flattened (OOXML core.*, app.*)
            if isinstance(value, dict) and value:
                raw_rows += [
                    {"field": f"{key}.{k}", "value": display(v)[:4000]} for k, v in value.items()
                ]
            else:
                raw_rows.append({"field": str(key), "value": display(value)[:4000]})
        findings = [
            {
                **f,
                "weight": SEVERITY_WEIGHT.get(f.get("severity"), 0.0),
                "evidence_rows": [
                    {"key": str(k), "value": display(v)[:2000]}
                    for k, v in (f.get("evidence") or {}).items()
                    if k != "changes"
                ],
                "related": self._related(f.get("evidence"), card["path"]),
                "frame": picture_frame(f.get("evidence")),
            }
            for f in _ordered_findings(card.get("findings") or [])
        ]
        chain = []
        parts = card["path"].split(_SEP)
        for i in range(1, len(parts)):
            ancestor = _SEP.join(parts[:i])
            known = self.by_path.get(ancestor)
            chain.append(
                {
                    "path": ancestor,
                    "name": parts[i - 1],
                    "id": doc_id(ancestor) if known else None,
                    "verdict": known["verdict"] if known else None,
                    "family": family_of(known.get("mime", "")) if known else None,
                }
            )
        neardups = []
        for f in card.get("findings") or []:
            if f.get("code") != "NEARDUP_MODIFIED_COPY":
                continue
            ev = f.get("evidence") or {}
            other = str(ev.get("other_path", ""))
            diff = None
            if texts is not None and other in self.by_path:
                mine = texts.get(card["sha256"])
                theirs = texts.get(self.by_path[other]["sha256"])
                if mine is not None and theirs is not None:
                    diff = word_diff(theirs, mine)
            neardups.append(
                {
                    "other_path": other,
                    "other_id": doc_id(other) if other in self.by_path else None,
                    "other_verdict": (self.by_path.get(other) or {}).get("verdict"),
                    "similarity": ev.get("similarity"),
                    "changes": [
                        {"this": display(c.get("this")), "other": display(c.get("other"))}
                        for c in ev.get("changes") or []
                        if isinstance(c, dict)
                    ],
                    "changes_total": ev.get("changes_total"),
                    "diff": diff,
                }
            )
        dkim_findings = [f for f in findings if f["code"].startswith("EMAIL_DKIM_")]
        facts = (content or {}).get("facts") or {}
        dkim_facts = facts.get("dkim") if isinstance(facts.get("dkim"), dict) else None
        model = card.get("model") or {}
        return {
            "id": doc_id(card["path"]),
            "card": card,
            "path": card["path"],
            "name": parts[-1].rsplit("/", 1)[-1],
            "verdict": card["verdict"],
            "verdict_meaning": VERDICT_MEANING.get(card["verdict"], ""),
            "score": float(card["score"]),
            "score_band": (
                _score_band(float(card["score"])) if model.get("name", "rules") == "rules" else ""
            ),
            "scorer": model.get("name", "rules"),
            "scorer_version": model.get("version", ""),
            "family": family_of(card.get("mime", "")),
            "findings": findings,
            "reasons": _reasons(card.get("reasons")),
            "limits": _limits(card.get("limits")),
            "normalized": normalized,
            "raw": raw_rows,
            "chain": chain,
            "children": [
                {"path": c["path"], "id": doc_id(c["path"]), "verdict": c["verdict"]}
                for c in self.children.get(card["path"], [])
            ],
            "neardups": neardups,
            "dkim_findings": dkim_findings,
            "dkim_facts": [
                {"key": str(k), "value": display(v)[:2000]} for k, v in (dkim_facts or {}).items()
            ],
            "text": (content or {}).get("text"),
        }


def _verdict_rank(verdict: str) -> int:
    return VERDICT_ORDER.index(verdict) if verdict in VERDICT_ORDER else len(VERDICT_ORDER)


def picture_frame(evidence: Any) -> dict[str, Any] | None:
    """Where a finding's box lies in its picture, for a sketch (``changed_box`` of a
    re-encoded copy, ``region`` of a crop, with ``picture_size``): whole numbers only."""
    if not isinstance(evidence, dict):
        return None
    size, box = evidence.get("picture_size"), evidence.get("changed_box") or evidence.get("region")
    numbers = [*(size or []), *(box or [])]
    if len(numbers) != 6 or not all(isinstance(n, int) and n >= 0 for n in numbers):
        return None
    w, h, left, top, right, bottom = numbers
    if not (w > 0 and h > 0 and left < right <= w and top < bottom <= h):
        return None
    return {"w": w, "h": h, "x": left, "y": top, "bw": right - left, "bh": bottom - top}


def _ordered_findings(findings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    def rank(f: dict[str, Any]) -> int:
        sev = f.get("severity")
        return SEVERITY_ORDER.index(sev) if sev in SEVERITY_ORDER else len(SEVERITY_ORDER)

    return sorted(findings, key=rank)


def _limits(limits: Any) -> list[dict[str, str]]:
    """The scorecard's ``limits`` (what the checks cannot show), as code and message text;
    anything else in the field (an older or hand-edited scorecard) is left out."""
    if not isinstance(limits, list):
        return []
    return [
        {"code": str(x.get("code", "")), "message": x["message"]}
        for x in limits
        if isinstance(x, dict) and isinstance(x.get("message"), str)
    ]


def _reasons(reasons: Any) -> list[dict[str, str]]:
    """The classifier's top reasons, whatever their exact shape (strings or objects)."""
    if not reasons:
        return []
    if isinstance(reasons, dict):
        reasons = [{"feature": k, "contribution": v} for k, v in reasons.items()]
    out = []
    for r in reasons if isinstance(reasons, list) else [reasons]:
        if (
            isinstance(r, dict)
            and isinstance(r.get("feature"), str)
            and any(isinstance(r.get(k), int | float) for k in ("effect", "contribution", "weight"))
        ):
            value = next(
                float(r[k])
                for k in ("effect", "contribution", "weight")
                if isinstance(r.get(k), int | float)
            )
            direction = "raises" if value > 0 else "lowers"
            label = r.get("label") if isinstance(r.get("label"), str) else ""
            out.append(
                {
                    "text": label or r["feature"],
                    "detail": f"{direction} the score by {abs(value):.3f}"
                    + (f"; feature {r['feature']}" if label and label != r["feature"] else ""),
                }
            )
        elif isinstance(r, dict):
            name = next(
                (r[k] for k in ("text", "message", "feature", "name", "code") if r.get(k)), ""
            )
            rest = {
                k: v
                for k, v in r.items()
                if k not in ("text", "message") and (not name or v != name)
            }
            out.append({"text": display(name), "detail": display(rest)})
        else:
            out.append({"text": display(r), "detail": ""})
    return out


def _outlier_values(cards: list[dict[str, Any]]) -> dict[str, set[str]]:
    """Values the dump-wide pass called rare or foreign, per chart (lower-cased)."""
    chart_of = {
        "author": "author",
        "last_modified_by": "author",
        "application": "software",
        "producer": "software",
        "language": "language",
    }
    out: dict[str, set[str]] = {"author": set(), "software": set(), "language": set()}
    for card in cards:
        meta = card.get("metadata") or {}
        for f in card.get("findings") or []:
            ev = f.get("evidence") or {}
            for item in [*(ev.get("rare") or []), *(ev.get("foreign") or [])]:
                if not isinstance(item, dict):
                    continue
                field = str(item.get("field", ""))
                key = next((v for k, v in chart_of.items() if field.startswith(k)), None)
                if key is None:
                    continue
                if key == "software":
                    value = software_of(meta)
                    if value:
                        out[key].add(value.casefold())
                elif item.get("value"):
                    out[key].add(display(item["value"]).casefold())
    return out


_WORD = re.compile(r"\s*\S+\s*")


def word_diff(old: str, new: str, max_words: int = 20_000) -> list[dict[str, str]]:
    """Word-level diff of two texts as segments ``{op: equal|delete|insert, text}``; long
    unchanged stretches are shortened."""
    a = _WORD.findall(old)[:max_words]
    b = _WORD.findall(new)[:max_words]
    sm = difflib.SequenceMatcher(None, a, b, autojunk=False)
    out: list[dict[str, str]] = []
    for tag, i1, i2, j1, j2 in sm.get_opcodes():
        if tag == "equal":
            text = "".join(a[i1:i2])
            if len(text) > 300:
                text = text[:120] + " … " + text[-120:]
            out.append({"op": "equal", "text": text})
            continue
        if i2 > i1:
            out.append({"op": "delete", "text": "".join(a[i1:i2])})
        if j2 > j1:
            out.append({"op": "insert", "text": "".join(b[j1:j2])})
    return out

"""The trained classifier: features on real files, a tiny training run, safe loading, scan use."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import zipfile
from pathlib import Path

import numpy as np
import pytest

from authenticity import classifier, scoring, training
from authenticity.analyse import analyse_document
from authenticity.config import Settings
from authenticity.features import describe, to_features
from authenticity.ingest import iter_documents
from authenticity.model import Finding, Severity
from authenticity.pipeline import run_scan
from authenticity.synth import forge
from tests.conftest import REPO

SAMPLE = REPO / "data" / "sample_dump"
LEAK = dt.date(2017, 5, 5)


def cards(out: Path) -> dict[str, dict]:
    lines = (out / "scorecards.jsonl").read_text().splitlines()
    return {c["path"]: c for c in map(json.loads, lines)}


def _features_of(path: Path, findings: list[Finding] | None = None) -> dict:
    doc = next(iter_documents(str(path)))
    analysis = analyse_document(doc, Settings(workers=0))
    return to_features(doc, analysis, [*analysis.findings, *(findings or [])])


def test_features_on_real_files(corpus):
    pdf = next(p for p in sorted((corpus / "pdf").rglob("*.pdf")))
    f = _features_of(pdf)
    assert "pdf.eof_markers" in f and "rule_score" in f
    docx = next(p for p in sorted((corpus / "ooxml").rglob("*.docx")))
    g = _features_of(docx)
    assert "pdf.eof_markers" not in g
    assert 0.0 <= g["zip.dos_epoch_share"] <= 1.0
    for feats in (f, g):
        for name, value in feats.items():
            assert isinstance(value, (float, bool, str)), name
            if isinstance(value, str):  # categories only, never free text
                assert name.startswith("script."), name


def test_zip_time_features_ignore_the_seconds_of_one_save(tmp_path):
    """openpyxl stamps its entries and the modified date from the clock during one save:
    whether a 2-second DOS step falls inside it must not change the features (a trained
    model read the sign of a 1-second gap)."""
    import io
    import zipfile

    import openpyxl

    book = openpyxl.Workbook()
    book.active["A1"] = 4800
    buf = io.BytesIO()
    book.save(buf)
    saved = buf.getvalue()
    modified = openpyxl.load_workbook(io.BytesIO(saved)).properties.modified

    def stamped(offsets: list[int]) -> dict:
        out = io.BytesIO()
        with zipfile.ZipFile(io.BytesIO(saved)) as src, zipfile.ZipFile(out, "w") as dst:
            for info, offset in zip(src.infolist(), offsets * 100, strict=False):
                when = modified + dt.timedelta(seconds=offset)
                entry = zipfile.ZipInfo(info.filename, date_time=when.timetuple()[:6])
                entry.compress_type = zipfile.ZIP_DEFLATED
                dst.writestr(entry, src.read(info.filename))
        path = tmp_path / f"book{len(list(tmp_path.iterdir()))}.xlsx"
        path.write_bytes(out.getvalue())
        return _features_of(path)

    before, after, straddling = stamped([-2]), stamped([2]), stamped([0, 2])
    for feats in (before, after, straddling):
        assert feats["zip.latest_entry_minus_modified_log_h"] == 0.0
    assert before["zip.distinct_times_log"] == straddling["zip.distinct_times_log"] or (
        modified.second >= 58  # the save crossed a minute
    )
    # an hour later is a later write, with its sign
    assert stamped([3600])["zip.latest_entry_minus_modified_log_h"] > 0


def test_finding_and_dumpwide_features():
    docx = SAMPLE / "documents" / "note-strategie-numerique.docx"
    extra = [
        Finding("BASELINE_FOREIGN_SCRIPT", Severity.MEDIUM, "x", {"outlier_score": 0.7}),
        Finding("NEARDUP_MODIFIED_COPY", Severity.LOW, "y", {"similarity": 0.97}),
    ]
    f = _features_of(docx, extra)
    assert f["finding.BASELINE_FOREIGN_SCRIPT"] == 3.0  # medium = rank 2, + 1
    assert f["family_max.baseline"] == 3.0
    assert f["dump.outlier_score"] == 0.7
    assert f["dump.neardup_similarity"] == 0.97
    assert f["has.author"] is True and f["rule_score"] > 0


def test_tiny_training_run_scores_careless_forgery_above_source(tmp_path):
    out = tmp_path / "models"
    work = tmp_path / "work"
    items, keys, data = training.build_dump(
        work / "dump",
        corpus=[],
        sample_dump=SAMPLE,
        seed=3,
        max_forgeries=40,
        techniques=["metadata_backdate", "metadata_forward_date", "metadata_swap_author"],
    )
    data.pop("label_overrides")
    ts = training.analyse_dump(work / "dump", items, work / "scan", workers=2, dkim_keys=keys)
    # The sample dump's forged inserts never train, not even the two that arrive as
    # attachments of emails; the email whose insert is dated after it (rewritten by the
    # forger: data/README.md) does not either, the other one does.
    assert any(p.endswith("/mail/0053.eml") for p in ts.paths)
    assert not any(p.endswith("/mail/0042.eml") for p in ts.paths)
    for forged in training.SAMPLE_DUMP_FORGED:
        assert not any(p.endswith("/" + forged) for p in ts.paths), forged
    # every forgery was scanned a second time in a dump without its original
    forged_paths = {p for p, y in zip(ts.paths, ts.y, strict=True) if y == 1}
    assert set(ts.alone) == forged_paths
    _oof, _floor, alone = training._grouped_oof(ts, 3, folds=3)
    assert np.isnan(alone[np.asarray(ts.y) == 0]).all()
    assert not np.isnan(alone[np.asarray(ts.y) == 1]).any()
    result = training.train_and_write(ts, out, seed=3, data=data, evaluate_model=False)
    model_path = Path(result["model"])
    assert model_path.is_file() and (out / "MODEL_CARD.md").is_file()
    assert result["counts"]["forged"] > 5 and result["counts"]["authentic"] > 10
    model = classifier.load(model_path)
    assert set(model.thresholds) == {"likely_forged", "suspicious", "inconclusive"}
    assert model.info["threshold_runs"] == 1  # one fold draw without the evaluation
    # A fresh careless forgery of a sample file, scanned next to its source.
    src = SAMPLE / "mail" / "0017.eml"
    xlsx = next(
        d for d in iter_documents(str(src)) if d.path.endswith(".xlsx")
    )  # budget-previsionnel-mars.xlsx
    data = xlsx.read()
    forged = forge(data, "budget.xlsx", "metadata_backdate", seed=99, careful=False)
    assert forged is not None
    dump = tmp_path / "dump"
    dump.mkdir()
    (dump / "budget.xlsx").write_bytes(data)
    (dump / "budget-v2.xlsx").write_bytes(forged.data)
    run_scan(str(dump), tmp_path / "scan", Settings(workers=1), model=str(model_path))
    got = cards(tmp_path / "scan")
    assert got["budget-v2.xlsx"]["score"] > got["budget.xlsx"]["score"]
    assert got["budget-v2.xlsx"]["model"]["name"] == classifier.NAME
    assert isinstance(got["budget-v2.xlsx"]["reasons"], list)


def test_evaluation_in_worker_processes_gives_the_same_figures():
    # The evaluation machinery alone (no parser involved): feature dicts of 40 authentic
    # sources and two forgeries each by three techniques, the forgeries shifted on a few
    # features. The other fold assignments run in spawned processes with workers=2.
    rng = np.random.default_rng(7)
    X, y, groups, techniques, careful = [], [], [], [], []
    for g in range(40):
        base = {f"f{j}": float(rng.normal()) for j in range(8)}
        X.append(base)
        y.append(0)
        groups.append(f"g{g}")
        techniques.append(None)
        careful.append(None)
        for k in range(2):
            tech = ("a", "b", "c")[(g + k) % 3]
            forged = dict(base)
            forged[f"f{'abc'.index(tech)}"] += 1.5 + float(rng.normal(scale=0.5))
            X.append(forged)
            y.append(1)
            groups.append(f"g{g}")
            techniques.append(tech)
            careful.append(bool(k))
    ts = training.TrainingSet(
        X, y, groups, techniques, careful, [f"p{i}" for i in range(len(y))], ["x"] * len(y)
    )
    pooled = training.evaluate(ts, 3, folds=2, spread_seeds=1, workers=2)
    assert pooled["spread"]["seeds"] == [3, 4]
    here = training._headline(ts, 4, folds=2)  # in this process, on its default threads
    np.testing.assert_array_equal(pooled["oof_scores_all"][1], here["oof_scores"])
    assert pooled["spread"]["unseen_files"]["roc_auc"] == sorted(
        [pooled["unseen_files"]["roc_auc"], here["unseen_files"]["roc_auc"]]
    )


def _retype(model: Path, target: Path, old: str, new: str) -> None:
    with zipfile.ZipFile(model) as zin, zipfile.ZipFile(target, "w") as zout:
        for info in zin.infolist():
            body = zin.read(info.filename)
            if info.filename == "schema.json":
                body = body.replace(old.encode(), new.encode())
            zout.writestr(info, body)


def test_loading_refuses_untrusted_types(tmp_path):
    assert classifier.DEFAULT_MODEL.is_file()
    tampered = tmp_path / "tampered.skops"
    _retype(
        classifier.DEFAULT_MODEL,
        tampered,
        '"__module__": "sklearn.calibration"',
        '"__module__": "subprocess"',
    )
    with zipfile.ZipFile(tampered) as z:
        assert b'"subprocess"' in z.read("schema.json")
    with pytest.raises(classifier.UntrustedModelError, match="subprocess"):
        classifier.load(tampered)
    # A well-formed skops file with a type outside the allow-list is refused too.
    import skops.io as sio
    from sklearn.preprocessing import FunctionTransformer

    other = tmp_path / "other.skops"
    sio.dump({"pipeline": FunctionTransformer(func=shutil.rmtree)}, other)
    with pytest.raises(classifier.UntrustedModelError, match="rmtree"):
        classifier.load(other)
    not_a_model = tmp_path / "junk.skops"
    not_a_model.write_bytes(b"not a zip")
    with pytest.raises(classifier.UntrustedModelError):
        classifier.load(not_a_model)


def test_model_none_gives_rule_based_scores(tmp_path):
    run_scan(str(SAMPLE), tmp_path, Settings(workers=1, leak_date=LEAK), model="none")
    for card in cards(tmp_path).values():
        assert card["model"] == {"name": scoring.NAME, "version": scoring.VERSION}
        findings = [
            Finding(f["code"], Severity(f["severity"]), f["message"]) for f in card["findings"]
        ]
        assert card["score"] == scoring.score(findings)
        assert "reasons" not in card


def test_shipped_model_loads_and_scores_the_sample_dump(tmp_path):
    model = classifier.load(classifier.DEFAULT_MODEL)
    assert model.version == classifier.MODEL_VERSION
    t = model.thresholds
    assert 0 < t["inconclusive"] <= t["suspicious"] <= t["likely_forged"] < 1
    assert classifier.DEFAULT_MODEL.stat().st_size < 5_000_000
    run_scan(str(SAMPLE), tmp_path, Settings(workers=2, leak_date=LEAK))
    got = cards(tmp_path)
    for card in got.values():
        assert card["model"] == {"name": model.name, "version": model.version}
        assert 0.0 <= card["score"] <= 1.0
        assert "rule_score" in card and isinstance(card["reasons"], list)
        for reason in card["reasons"]:
            assert set(reason) == {"feature", "effect", "label"}
            assert reason["label"] == describe(reason["feature"])
    flagged = [c for c in got.values() if c["verdict"] in {"suspicious", "likely_forged"}]
    assert all(c["reasons"] or c["rule_score"] >= 0.5 for c in flagged)


def test_floor_flags_follow_the_codes_the_training_fold_taught():
    # Real features: a PDF whose signature claims bytes past its end (a high finding no
    # forgery technique produces) and a genuine PDF/A from the corpus.
    import hashlib

    import numpy as np

    from authenticity.model import Document
    from tests.test_heuristics_pdf import PDFA, _signed_like_pdf, corpus_file

    def feats(data: bytes) -> dict:
        doc = Document("x.pdf", hashlib.sha256(data).hexdigest(), len(data), data=data)
        analysis = analyse_document(doc, Settings(workers=0))
        return to_features(doc, analysis, analysis.findings)

    cut, clean = feats(_signed_like_pdf(extra=500)), feats(corpus_file(PDFA))
    assert cut["finding.PDF_SIGNATURE_RANGE_BEYOND_EOF"] == 4.0  # high
    ts = training.TrainingSet(
        X=[cut, clean, cut],
        y=[1, 0, 1],
        groups=["a", "b", "a"],
        techniques=["t", None, "t"],
        careful=[True, None, True],
        paths=["cut.pdf", "clean.pdf", "cut2.pdf"],
        origins=["synth", "corpus", "synth"],
    )
    idx = np.arange(3)
    assert training.floor_flags(ts, idx, set()).tolist() == [True, False, True]
    # Once forged training documents taught the code at that severity, the model decides.
    known = set(training.known_codes(ts, min_count=2, idx=[0, 2]))
    assert "PDF_SIGNATURE_RANGE_BEYOND_EOF@high" in known
    assert training.known_codes(ts, min_count=2, idx=[0, 1]) == []
    assert training.floor_flags(ts, idx, known).tolist() == [False, False, False]
    ranked = training.system_scores(np.array([0.2, 0.9, 0.3]), np.array([True, False, False]))
    assert ranked.argmax() == 0 and ranked[1] > ranked[2]


def test_pair_findings_are_not_read_by_the_classifier():
    # A symmetric pair finding sits on the original too: the model must not learn from it.
    docx = SAMPLE / "documents" / "note-strategie-numerique.docx"
    pair = Finding("NEARDUP_IMAGE_DATES_DIFFER", Severity.INFO, "x", {})
    resaved = Finding("OOXML_RESAVED_BY_LIBRARY", Severity.LOW, "z", {})
    seen = Finding("NEARDUP_MODIFIED_COPY", Severity.INFO, "y", {"similarity": 0.9})
    base = _features_of(docx)
    assert _features_of(docx, [pair]) == base
    assert _features_of(docx, [resaved]) == base
    copies = Finding("EMAIL_COPIES_DATES_DIFFER", Severity.LOW, "c", {})
    assert _features_of(docx, [copies]) == base
    assert _features_of(docx, [seen]) != base
    # a reply dated before the message it answers is one-sided: read (through its family
    # and severity, since no training document raises it)
    reply = Finding("EMAIL_REPLY_BEFORE_ORIGINAL", Severity.MEDIUM, "r", {"role": "reply"})
    assert _features_of(docx, [reply]) != base


def test_masked_copies_let_an_unseen_finding_code_count_through_its_family():
    # Forgeries of one technique all raise code A (medium, PDF family); a few authentic
    # files raise another medium PDF code, C. A forgery of a new technique raises code B.
    import random

    rng = random.Random(0)

    def doc(code: str | None) -> dict:
        x: dict = {"has.author": True, "page_count_log": round(rng.uniform(0, 3), 2)}
        if code:
            x.update({f"finding.{code}": 3.0, "family_max.pdf": 3.0, "max_severity": 3.0})
        return x

    X = [doc("PDF_A") for _ in range(40)] + [doc(None) for _ in range(40)]
    X += [doc("PDF_C") for _ in range(10)]
    y = [1] * 40 + [0] * 50
    unseen, clean = doc("PDF_B"), doc(None)
    plain = classifier.train(X, y, masked_copies=0)
    masked = classifier.train(X, y)
    # Without the masked copies the model mostly knows "code A" (the trees' feature
    # subsampling makes it glance at the family too): B stays well under suspicion.
    alone = classifier.predict_proba(plain, [unseen])[0]
    assert alone < 0.3
    # With them, a medium PDF finding counts (4 in 5 such training files were forged; code
    # C may not lower a score, so its authentic files keep the family from reading 0.8).
    got = classifier.predict_proba(masked, [unseen, clean])
    assert got[0] > 0.5 > 0.1 > got[1]
    assert got[0] > alone + 0.3
    assert classifier.masked({"finding.PDF_A": 3.0, "family_max.pdf": 3.0}) == {
        "family_max.pdf": 3.0
    }


def test_metrics_table_shows_the_spread_over_evaluation_seeds():
    row = {"n_authentic": 10, "n_forged": 12, "roc_auc": 0.9, "recall_at_1pct_fpr": 0.5,
           "recall_at_2pct_fpr": 0.6}  # fmt: skip
    spread = {"roc_auc": [0.88, 0.93], "recall_at_1pct_fpr": [0.4, 0.55],
              "recall_at_2pct_fpr": [0.58, 0.71]}  # fmt: skip
    table = training.metrics_table(
        {"unseen_files": row, "spread": {"seeds": [0, 1, 2], "unseen_files": spread}}
    )
    assert "Spread over evaluation seeds 0, 1, 2" in table
    assert "| unseen source files | 0.880 - 0.930 | 40.0 % - 55.0 % | 58.0 % - 71.0 % |" in table
    assert "unseen techniques (LOTO, pooled) |" not in table.split("Spread")[1]


def test_every_feature_of_the_shipped_model_has_words_for_reviewers():
    model = classifier.load(classifier.DEFAULT_MODEL)
    names = [str(n) for n in model.pipeline.named_steps["vec"].get_feature_names_out()]
    assert len(names) > 50
    # none falls back to the raw name with spaces (the fallback for names added later)
    assert [n for n in names if describe(n) == n.replace("_", " ")] == []
    assert describe("family_max.pdf") == "strongest PDF structure finding"
    assert describe("script.last_modified_by=Cyrillic") == "last editor written in Cyrillic script"
    assert describe("has.producer") == "PDF producer present"
    assert describe("finding.TS_CREATED_AFTER_MODIFIED") == "finding TS_CREATED_AFTER_MODIFIED"
    assert describe("email.dkim_result.fail") == "DKIM result fail"
    assert describe("some_future.feature_x") == "some future.feature x"


def test_traceless_forgeries_count_forgeries_no_feature_tells_from_their_source(corpus):
    # Real features of a corpus PDF and of two synth forgeries of it: its careful
    # back-dating changes nothing the features read (its dates move with their spans kept);
    # a careless incremental edit leaves its update. A member of an authentic container
    # shares the source's group but is not the source.
    import hashlib

    from authenticity import synth
    from authenticity.model import Document

    def feats(data: bytes, name: str) -> dict:
        doc = Document(name, hashlib.sha256(data).hexdigest(), len(data), data=data)
        analysis = analyse_document(doc, Settings(workers=0))
        return to_features(doc, analysis, analysis.findings)

    name = "py-pdf__020-xmp_output_with_metadata_pymupdf.pdf"
    src = (corpus / "pdf" / name).read_bytes()
    edited = synth.forge(src, name, "pdf_incremental_edit", seed=0, careful=False)
    backdated = synth.forge(src, name, "metadata_backdate", seed=0, careful=True)
    assert edited is not None and backdated is not None and backdated.data != src
    source, forged = feats(src, name), feats(edited.data, name)
    careful = feats(backdated.data, name)
    assert forged != source == careful
    shifted = dict(careful, **{"dump.outlier_score": 0.4})  # only the dump differs
    ts = training.TrainingSet(
        X=[dict(source, **{"has.author": True}), source, careful, forged],
        y=[0, 0, 1, 1],
        groups=["a", "a", "a", "a"],
        techniques=[None, None, "metadata_backdate", "pdf_incremental_edit"],
        careful=[None, None, True, False],
        paths=[f"mail.eml!/{name}", name, "f1.pdf", "f2.pdf"],
        origins=["corpus", "corpus", "synth", "synth"],
        alone={"f1.pdf": shifted, "f2.pdf": forged},
    )
    got = training.traceless_forgeries(ts)
    assert got["per_technique"] == {
        "metadata_backdate": {"forged": 1, "with_original": 1, "without_original": 1},
        "pdf_incremental_edit": {"forged": 1, "with_original": 0, "without_original": 0},
    }
    assert got["all"] == {"forged": 2, "with_original": 1, "without_original": 1}
    table = training.metrics_table({"traceless": got})
    assert "1 of 2 scanned beside their originals" in table and "about 50.0 %" in table


def test_model_card_names_data_paths_relative_to_the_repository():
    from authenticity.training import REPO, _shown_path

    assert _shown_path(REPO / "data" / "sample_dump") == "data/sample_dump"
    assert _shown_path(REPO.parent / "shared" / "corpus") == "../shared/corpus"
    assert _shown_path("/somewhere/else") == "/somewhere/else"


def test_evidence_never_lowers_a_score():
    # A high DKIM body-hash finding sits on 12 authentic emails (mailing-list footers, the
    # corpus's own edited fixtures) and on no forgery; the forgeries raise other codes.
    # Unconstrained, trees may read the finding as a sign of authenticity; the model may
    # not: a document with it scores at least what the same document without it scores.
    import random

    rng = random.Random(1)

    def doc(code: str | None, level: float = 3.0) -> dict:
        x: dict = {"email.received_hops": float(rng.randint(0, 4)), "has.author": True}
        if code:
            x.update({f"finding.{code}": level, "family_max.email": level})
        return x

    X = [doc("EMAIL_X") for _ in range(40)] + [doc(None) for _ in range(40)]
    X += [doc("EMAIL_DKIM_BODY_HASH_MISMATCH", 4.0) for _ in range(12)]
    X += [doc("EMAIL_CONTEXT", 1.0) for _ in range(6)]
    y = [1] * 40 + [0] * 58
    assert classifier.evidence_features(X) == {
        "finding.EMAIL_X",
        "finding.EMAIL_DKIM_BODY_HASH_MISMATCH",
    }  # an info-only code is context, not evidence
    model = classifier.train(X, y)
    hgb = model.named_steps["clf"].calibrated_classifiers_[0].estimator
    names = list(model.named_steps["vec"].get_feature_names_out())
    cst = dict(zip(names, hgb.monotonic_cst, strict=True))
    assert cst["finding.EMAIL_DKIM_BODY_HASH_MISMATCH"] == 1 and cst["finding.EMAIL_X"] == 1
    assert cst["email.received_hops"] == 0 and cst["finding.EMAIL_CONTEXT"] == 0
    for hops in range(5):
        base = {"email.received_hops": float(hops), "has.author": True}
        with_it = {**base, "finding.EMAIL_DKIM_BODY_HASH_MISMATCH": 4.0}
        low, high = classifier.predict_proba(model, [base, with_it])
        assert high >= low - 1e-9
    _, why = classifier.reasons(
        model, [{**doc(None), "finding.EMAIL_DKIM_BODY_HASH_MISMATCH": 4.0}]
    )
    assert all(r["effect"] >= 0 for r in why[0] if r["feature"].startswith("finding."))


def test_email_features_leave_out_the_attachment_count():
    """The sample dump's message carrying a workbook: its email features are read, but
    not how many attachments it carries (the generator's fabrications carry none, so the
    model read that count as authenticity, docs/classifier.md "Model 1.25.0")."""
    x = _features_of(REPO / "data" / "sample_dump" / "mail" / "0042.eml")
    assert x["email.received_hops"] >= 1 and "email.has_message_id" in x
    assert not any("attachment" in key for key in x)

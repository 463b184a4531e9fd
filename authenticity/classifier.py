"""The trained forgery classifier: pipeline, calibration, reasons, safe persistence.

A model is a scikit-learn ``Pipeline([("vec", DictVectorizer), ("clf", CalibratedClassifierCV(
HistGradientBoostingClassifier))])`` over :func:`authenticity.features.to_features` dicts,
plus metadata (name, version, verdict thresholds, training facts) saved next to it in one
skops file. Loading never executes code: the file's types are checked against
:data:`ALLOWED_TYPES` before :func:`skops.io.load` is called, and anything else is refused.
See ``docs/classifier.md``.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from authenticity.errors import AuthenticityError
from authenticity.features import Features, describe
from authenticity.model import Verdict

log = logging.getLogger(__name__)

NAME = "authenticity-hgb"
MODEL_VERSION = "1.30.0"
RANDOM_STATE = 0

#: The shipped model, used by default by ``authenticity scan``.
MODELS_DIR = Path(__file__).resolve().parents[1] / "models"
DEFAULT_MODEL = MODELS_DIR / f"authenticity-{MODEL_VERSION}.skops"

#: Types a model file may contain beyond those skops trusts by default. Anything else in a
#: file (a tampered or foreign model) makes :func:`load` refuse it before anything is built.
ALLOWED_TYPES = frozenset(
    {
        "sklearn.calibration._CalibratedClassifier",
        "sklearn.calibration._SigmoidCalibration",
        "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",
    }
)

#: Weight of the code-masked copy of each training document (0 turns them off), see
#: :func:`masked`.
MASKED_COPY_WEIGHT = 0.5

#: Default verdict thresholds (overridden by the ones stored in a trained model).
DEFAULT_THRESHOLDS = {"likely_forged": 0.8, "suspicious": 0.5, "inconclusive": 0.25}


class UntrustedModelError(AuthenticityError, ValueError):
    """A model file holds types outside the allow-list (or is not a model file)."""


def build_pipeline(*, random_state: int = RANDOM_STATE, calibration_cv: int = 5) -> Any:
    """DictVectorizer + HistGradientBoosting, with sigmoid (Platt) calibration."""
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.pipeline import Pipeline

    hgb = HistGradientBoostingClassifier(
        learning_rate=0.08,
        max_iter=150,
        max_leaf_nodes=15,
        min_samples_leaf=8,
        l2_regularization=1.0,
        # each split chooses among a random 30 % of the features: trees lean less on the
        # one finding code that gives a technique away, so other evidence keeps weight for
        # techniques not seen in training (docs/classifier.md, model 1.9.0)
        max_features=0.3,
        early_stopping=False,
        random_state=random_state,
    )
    clf = CalibratedClassifierCV(hgb, method="sigmoid", cv=calibration_cv, ensemble=False)
    return Pipeline([("vec", DictVectorizer(sparse=False, sort=True)), ("clf", clf)])


def masked(x: Features) -> Features:
    """A feature dict without its per-code finding features (``finding.*``): what is left
    of the findings is their families, severities, counts and the rule score."""
    return {k: v for k, v in x.items() if not k.startswith("finding.")}


#: A ``finding.*`` feature's value for a low finding (info = 1 ... critical = 5).
LOW_LEVEL = 2.0


def evidence_features(rows: Sequence[Features]) -> set[str]:
    """``finding.*`` features some row holds at low severity or above: codes that are
    evidence. Codes only ever stated at info (context: an incremental save, a verified
    DKIM signature, a library that generated a report) are not in it."""
    out: set[str] = set()
    for x in rows:
        for key, value in x.items():
            if (
                key.startswith("finding.")
                and isinstance(value, int | float)
                and not isinstance(value, bool)
                and value >= LOW_LEVEL
            ):
                out.add(key)
    return out


def monotonic_constraints(names: Sequence[str], evidence: set[str]) -> list[int]:
    """+1 (the score may only rise with it) for every evidence feature, 0 elsewhere."""
    return [1 if name in evidence else 0 for name in names]


def train(
    X: Sequence[Features],
    y: Sequence[int],
    *,
    random_state: int = RANDOM_STATE,
    calibration_cv: int = 5,
    sample_weight: Sequence[float] | None = None,
    masked_copies: float = MASKED_COPY_WEIGHT,
) -> Any:
    """Fit a fresh pipeline on feature dicts ``X`` and labels ``y`` (1 = forged).

    With ``masked_copies`` > 0, every document is also trained on a second time, with
    that weight, as :func:`masked` (its finding codes hidden): the model then learns what
    the evidence families and severities mean, not only which codes the generator's
    techniques raise, so a finding code it never saw on a forgery still counts through
    its family and severity. Measured: unseen techniques (LOTO) ROC-AUC 0.831 -> 0.858, and
    unseen files recall at 1 % FPR 52 -> 58 % (docs/classifier.md).

    Evidence only adds suspicion: the score is constrained to be non-decreasing in every
    finding code's severity (:func:`evidence_features`), so a finding the training set
    happens to hold mostly on authentic files (the corpus's own altered fixtures) never
    lowers a score, and the top reasons never show evidence pushing towards authentic.
    """
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.model_selection import StratifiedGroupKFold

    rows = list(X)
    labels = np.asarray(y, dtype=int)
    weights = (
        np.ones(len(rows)) if sample_weight is None else np.asarray(sample_weight, dtype=float)
    )
    groups = np.arange(len(rows))
    if masked_copies > 0:
        rows = rows + [masked(x) for x in rows]
        labels = np.concatenate([labels, labels])
        weights = np.concatenate([weights, weights * masked_copies])
        groups = np.concatenate([groups, groups])
    cv = max(2, min(calibration_cv, int(labels.sum()), int((1 - labels).sum())))
    pipe = build_pipeline(random_state=random_state, calibration_cv=cv)
    # The pipeline's vectorizer is fitted on the same rows, so it names the same columns.
    names = DictVectorizer(sparse=False, sort=True).fit(rows).get_feature_names_out()
    pipe.set_params(
        clf__estimator__monotonic_cst=monotonic_constraints(names, evidence_features(rows))
    )
    # A document and its masked copy stay in the same calibration fold: the calibrator
    # must see scores of documents the model was not fitted on, in either form.
    splitter = StratifiedGroupKFold(n_splits=cv, shuffle=True, random_state=random_state)
    pipe.set_params(clf__cv=list(splitter.split(np.zeros(len(rows)), labels, groups)))
    pipe.fit(rows, labels, clf__sample_weight=weights)
    pipe.set_params(clf__cv=cv)  # only used while fitting; keep the index lists out of the file
    return pipe


def predict_proba(pipeline: Any, X: Sequence[Features]) -> np.ndarray:
    """Calibrated probability of "forged" for each feature dict."""
    if not X:
        return np.zeros(0)
    return np.asarray(pipeline.predict_proba(list(X))[:, 1], dtype=float)


def reasons(
    pipeline: Any, X: Sequence[Features], *, top: int = 5, min_effect: float = 0.005
) -> tuple[np.ndarray, list[list[dict[str, Any]]]]:
    """Scores and, per document, the features that moved its score most.

    For each active (non-zero) vectorized feature, the score is recomputed with that one
    feature neutralised (set to 0: flag off, finding absent, category unset); ``effect`` is
    score - score without it (positive: pushed towards forged). All rows of all documents go
    through the model in one call, so this stays cheap (a few hundred microseconds per
    document).
    """
    if not X:
        return np.zeros(0), []
    vec = pipeline.named_steps["vec"]
    clf = pipeline.named_steps["clf"]
    base = np.asarray(vec.transform(list(X)), dtype=float)
    names = vec.get_feature_names_out()
    rows = [base]
    owners: list[tuple[int, int]] = []
    for i, row in enumerate(base):
        active = np.flatnonzero(row)
        if active.size:
            block = np.repeat(row[None, :], active.size, axis=0)
            block[np.arange(active.size), active] = 0.0
            rows.append(block)
            owners.extend((i, int(j)) for j in active)
    probs = np.asarray(clf.predict_proba(np.vstack(rows))[:, 1], dtype=float)
    scores = probs[: len(base)]
    per_doc: list[list[tuple[float, str]]] = [[] for _ in range(len(base))]
    for (i, j), p in zip(owners, probs[len(base) :], strict=True):
        effect = float(scores[i] - p)
        if abs(effect) >= min_effect:
            per_doc[i].append((effect, str(names[j])))
    out = [
        [
            {"feature": name, "effect": round(effect, 4), "label": describe(name)}
            for effect, name in sorted(items, key=lambda t: -abs(t[0]))[:top]
        ]
        for items in per_doc
    ]
    return scores, out


@dataclass
class Model:
    """A trained pipeline with its name, version, thresholds and training facts."""

    pipeline: Any
    name: str = NAME
    version: str = MODEL_VERSION
    thresholds: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_THRESHOLDS))
    #: ``CODE@severity`` pairs seen on forged training documents: the model has learnt them.
    known_codes: list[str] = field(default_factory=list)
    info: dict[str, Any] = field(default_factory=dict)

    def score(
        self, X: Sequence[Features], *, chunk: int = 256
    ) -> tuple[np.ndarray, list[list[dict[str, Any]]]]:
        """Scores and top reasons, ``chunk`` documents per model call (bounded memory)."""
        X = list(X)
        scores: list[np.ndarray] = []
        why: list[list[dict[str, Any]]] = []
        for start in range(0, len(X), chunk):
            s, r = reasons(self.pipeline, X[start : start + chunk])
            scores.append(s)
            why.extend(r)
        return (np.concatenate(scores) if scores else np.zeros(0)), why

    def verdict(self, score: float) -> Verdict:
        t = self.thresholds
        if score > t["likely_forged"]:
            return Verdict.LIKELY_FORGED
        if score > t["suspicious"]:
            return Verdict.SUSPICIOUS
        if score > t["inconclusive"]:
            return Verdict.INCONCLUSIVE
        return Verdict.CONSISTENT


def save(model: Model, path: str | os.PathLike[str]) -> Path:
    """Write the model and its metadata into one skops file."""
    import skops.io as sio

    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    bundle = {
        "pipeline": model.pipeline,
        "name": model.name,
        "version": model.version,
        "thresholds": {k: float(v) for k, v in model.thresholds.items()},
        "known_codes": list(model.known_codes),
        "info": _plain(model.info),
    }
    sio.dump(bundle, target)
    return target


def load(path: str | os.PathLike[str]) -> Model:
    """Load a model file, refusing any type outside :data:`ALLOWED_TYPES`.

    The types are read from the file's schema first (nothing is built); only when all of
    them are on the allow-list is the file loaded, trusting exactly those types.
    """
    import skops.io as sio

    source = Path(path)
    if not source.is_file():
        raise UntrustedModelError(f"model file not found: {source}")
    try:
        untrusted = sio.get_untrusted_types(file=source)
    except Exception as exc:
        raise UntrustedModelError(f"not a skops model file: {source}: {exc}") from exc
    refused = sorted(set(untrusted) - ALLOWED_TYPES)
    if refused:
        raise UntrustedModelError(
            f"model file {source} holds types outside the allow-list: {', '.join(refused)}"
        )
    bundle = sio.load(source, trusted=sorted(untrusted))
    if not isinstance(bundle, dict) or "pipeline" not in bundle:
        raise UntrustedModelError(f"not an authenticity model: {source}")
    return Model(
        pipeline=bundle["pipeline"],
        name=str(bundle.get("name", NAME)),
        version=str(bundle.get("version", "")),
        thresholds={**DEFAULT_THRESHOLDS, **dict(bundle.get("thresholds") or {})},
        known_codes=list(bundle.get("known_codes") or []),
        info=dict(bundle.get("info") or {}),
    )


def resolve(spec: str | os.PathLike[str] | None) -> Model | None:
    """The model a scan uses: ``None``/"default" = the shipped model, "none" = rules only.

    A missing shipped model falls back to the rules with a warning; an explicit path that
    cannot be loaded is an error.
    """
    if spec is not None and str(spec).lower() == "none":
        return None
    if spec is None or str(spec) == "default":
        if not DEFAULT_MODEL.is_file():
            log.warning("shipped model %s not found: rule-based scoring", DEFAULT_MODEL)
            return None
        return load(DEFAULT_MODEL)
    return load(spec)


def _plain(value: Any) -> Any:
    """Metadata as plain JSON-like values (skops stores them without extra types)."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (np.floating,)):
        return float(value)
    if isinstance(value, (np.integer,)):
        return int(value)
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)

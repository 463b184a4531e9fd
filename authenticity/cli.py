"""Command line: ``authenticity scan SOURCE --out DIR``.

By default the scan runs as the Prefect flow ``scan`` (ephemeral Prefect, or the server in
``PREFECT_API_URL``); ``--engine local`` runs the same library steps without Prefect.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import sys
from pathlib import Path
from typing import Any

from authenticity import __version__
from authenticity.errors import AuthenticityError, SourceError

#: Offline-safe Prefect defaults (no telemetry; see docs/prefect.md).
PREFECT_ENV_DEFAULTS = {
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "DO_NOT_TRACK": "1",
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
    "PREFECT_SERVER_UI_SHOW_PROMOTIONAL_CONTENT": "false",
}


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from exc


def parse_duration(text: str) -> dt.timedelta:
    """``90`` (seconds), ``90s``, ``30m``, ``1h``, ``1d``, ``2w``, ``1h30m``: a timedelta > 0."""
    import re

    units = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
    value = text.strip().lower()
    number = r"\d+(?:\.\d+)?"
    if re.fullmatch(number, value):
        seconds = float(value)
    elif re.fullmatch(rf"(?:{number}[smhdw])+", value):
        seconds = sum(float(n) * units[u] for n, u in re.findall(rf"({number})([smhdw])", value))
    else:
        raise argparse.ArgumentTypeError(
            f"not a duration: {text!r} (e.g. 90s, 30m, 1h, 1d, 1h30m or plain seconds)"
        )
    if seconds <= 0:
        raise argparse.ArgumentTypeError(f"the duration must be positive: {text!r}")
    return dt.timedelta(seconds=seconds)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="authenticity",
        description="Tell authentic files from forged inserts in a leaked dump.",
    )
    parser.add_argument("--version", action="version", version=f"authenticity {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    scan = sub.add_parser(
        "scan",
        help="scan a dump into per-document scorecards",
        description="Scan SOURCE (directory, file, zip/tar/7z, .eml, .mbox or URL) and write "
        "DIR/scorecards.jsonl and DIR/report.html.",
    )
    scan.add_argument("source", help="directory, file, archive, .eml, .mbox or fsspec URL")
    scan.add_argument("--out", required=True, help="output directory")
    scan.add_argument("--db", help="results store SQLAlchemy URL (default: DIR/results.sqlite)")
    scan.add_argument("--leak-date", type=_date, help="date the dump was taken (YYYY-MM-DD)")
    scan.add_argument("--workers", type=int, help="worker processes (default: 2)")
    scan.add_argument("--batch-size", type=int, help="documents per batch task (default: 200)")
    scan.add_argument(
        "--dkim-keys",
        metavar="FILE",
        help="DKIM key archive (DNS TXT records by name, see docs/dkim.md) for offline "
        "verification of signed emails",
    )
    scan.add_argument(
        "--dns",
        action="store_true",
        help="look up DKIM keys missing from the archive in live DNS (off by default)",
    )
    scan.add_argument(
        "--engine",
        choices=("prefect", "local"),
        default="prefect",
        help="run as a Prefect flow (default) or with the library's own thread pool",
    )
    scan.add_argument(
        "--dask-address",
        metavar="ADDRESS",
        help="run the batch tasks on an existing Dask cluster, e.g. tcp://host:8786 "
        "(Prefect engine; needs the 'dask' extra; see docs/scale-out.md)",
    )
    scan.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    scan.add_argument(
        "--model",
        metavar="PATH",
        help="classifier model file (.skops); 'none' = rule-based scores "
        "(default: the shipped model in models/)",
    )
    _add_review_parsers(sub)
    _add_db_parser(sub)
    _add_train_parser(sub)
    _add_serve_parser(sub)
    return parser


def _add_train_parser(sub: Any) -> None:
    """``train``: build the synthetic training set, evaluate, write models/ (docs/classifier.md)."""
    train = sub.add_parser(
        "train",
        help="train the forgery classifier and write the model and its model card",
        description="Forge training files from authentic ones, analyse everything with the "
        "scan pipeline, evaluate, and write OUT/authenticity-<version>.skops and "
        "OUT/MODEL_CARD.md.",
    )
    train.add_argument("--out", default="models", help="output directory (default: models/)")
    train.add_argument("--seed", type=int, default=0, help="forgery and model seed (default: 0)")
    train.add_argument(
        "--corpus",
        action="append",
        metavar="DIR",
        help="folder of authentic files (repeatable; default: ../shared/corpus)",
    )
    train.add_argument(
        "--labels",
        metavar="CSV",
        help="reviewer labels: columns path and/or sha256, label (forged/authentic)",
    )
    train.add_argument(
        "--max-forgeries", type=int, default=None, help="cap on generated forgeries (750)"
    )
    train.add_argument("--workers", type=int, default=2, help="worker processes (default: 2)")
    train.add_argument(
        "--no-eval", action="store_true", help="skip the LOTO/random-split evaluation"
    )
    train.add_argument(
        "--engine",
        choices=("local", "prefect"),
        default="local",
        help="run the library directly (default) or as the Prefect flow 'train'",
    )


def cmd_train(args: argparse.Namespace) -> dict[str, Any]:
    for folder in args.corpus or []:
        if not Path(folder).is_dir():
            raise SourceError(f"corpus folder not found: {folder}")
    if args.labels and not Path(args.labels).is_file():
        raise SourceError(f"labels file not found: {args.labels}")
    options: dict[str, Any] = {
        "out": args.out,
        "seed": args.seed,
        "corpus": args.corpus,
        "labels": args.labels,
        "max_forgeries": args.max_forgeries,
        "workers": args.workers,
        "evaluate": not args.no_eval,
    }
    if args.engine == "prefect":
        for key, value in PREFECT_ENV_DEFAULTS.items():
            os.environ.setdefault(key, value)
        from flows.train import train_flow

        return train_flow(**options)
    from authenticity.training import DEFAULT_MAX_FORGERIES, run_training

    return run_training(
        args.out,
        seed=args.seed,
        corpus=args.corpus,
        labels=args.labels,
        max_forgeries=args.max_forgeries or DEFAULT_MAX_FORGERIES,
        workers=args.workers,
        evaluate_model=not args.no_eval,
    )


def _add_serve_parser(sub: Any) -> None:
    """``serve``: a scheduled ``rescan`` deployment of a drop location (docs/rescan.md)."""
    serve = sub.add_parser(
        "serve",
        help="serve a Prefect deployment that rescans a drop location on a schedule",
        description="Serve the Prefect deployment rescan/NAME: every INTERVAL (or on a cron "
        "schedule) SOURCE is scanned again into DIR and its store; only new content is "
        "analysed, and a new model or analyser version re-scores old results. Needs a "
        "Prefect server (`prefect server start`) and PREFECT_API_URL. Runs until Ctrl-C / "
        "SIGTERM.",
    )
    serve.add_argument(
        "--watch", required=True, metavar="SOURCE", help="drop location: directory or URL"
    )
    serve.add_argument(
        "--out", required=True, metavar="DIR", help="output directory (kept across runs)"
    )
    when = serve.add_mutually_exclusive_group(required=True)
    when.add_argument(
        "--interval", type=parse_duration, help="time between rescans: 90s, 30m, 1h, 1d, 3600"
    )
    when.add_argument("--cron", help='cron schedule, e.g. "0 3 * * *" (03:00 every day)')
    serve.add_argument("--timezone", help="IANA time zone of the schedule (e.g. Europe/Berlin)")
    serve.add_argument("--name", help="deployment name (default: from SOURCE)")
    serve.add_argument("--db", help="results store SQLAlchemy URL (default: DIR/results.sqlite)")
    serve.add_argument("--leak-date", type=_date, help="date the dump was taken (YYYY-MM-DD)")
    serve.add_argument("--workers", type=int, help="worker processes (default: 2)")
    serve.add_argument("--dkim-keys", metavar="FILE", help="DKIM key archive (docs/dkim.md)")
    serve.add_argument(
        "--model", metavar="PATH", help="classifier model file; 'none' = rule-based scores"
    )
    serve.add_argument(
        "--dask-address",
        metavar="ADDRESS",
        help="run each rescan's batch tasks on this Dask cluster (docs/scale-out.md)",
    )
    serve.add_argument("--run-now", action="store_true", help="also start one rescan right away")


def cmd_serve(args: argparse.Namespace) -> int:
    if args.dask_address:
        _check_dask("prefect")
    _check_source(args.watch)
    for key, value in PREFECT_ENV_DEFAULTS.items():
        os.environ.setdefault(key, value)
    from prefect.settings import PREFECT_API_URL

    api = PREFECT_API_URL.value()
    if not api:
        raise AuthenticityError(
            "serve needs a Prefect server: an ephemeral one fires no schedules. Start one "
            "(`prefect server start --host 127.0.0.1`) and set "
            "PREFECT_API_URL=http://127.0.0.1:4200/api (docs/rescan.md)"
        )
    from flows.rescan import build_deployment

    try:
        deployment = build_deployment(
            args.watch,
            args.out,
            interval=args.interval,
            cron=args.cron,
            timezone=args.timezone,
            name=args.name,
            db=args.db,
            leak_date=args.leak_date,
            workers=args.workers,
            dkim_keys=_keys_path(args.dkim_keys),
            model=_model_spec(args.model),
            dask_address=args.dask_address,
        )
    except ValueError as exc:
        raise AuthenticityError(str(exc)) from exc
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        problem = client.api_healthcheck()
    if problem is not None:
        raise AuthenticityError(
            f"no Prefect server answers at PREFECT_API_URL={api} ({problem}); "
            "start it with `prefect server start --host 127.0.0.1`"
        )
    if args.run_now:
        from prefect.deployments import run_deployment

        run = run_deployment(deployment.apply(), timeout=0)
        print(f"rescan started now: flow run {run.name} ({run.id})")
    schedule = f"every {args.interval}" if args.interval else f"cron {args.cron!r}"
    tz = f" ({args.timezone})" if args.timezone else ""
    from flows.rescan import serve_deployment

    # One rescan at a time: runs share the folder and the store. The line is printed once
    # SIGTERM is handled, so a service manager (or a test) that waits for it can stop us.
    serve_deployment(
        deployment,
        limit=1,
        on_ready=lambda: print(
            f"serving rescan/{deployment.name}: {args.watch} -> {args.out}, {schedule}{tz}",
            flush=True,
        ),
    )
    return 0


def _model_spec(spec: str | None) -> str | None:
    """``--model``: None (shipped model), "none", or an existing file (as an absolute path)."""
    if spec is None or spec.lower() in ("none", "default"):
        return spec
    path = Path(spec)
    if not path.is_file():
        raise SourceError(f"model file not found: {spec}")
    return str(path.resolve())


def _add_review_parsers(sub: Any) -> None:
    """``review`` (the review web app) and ``labels`` (reviewer decisions as training labels)."""
    review = sub.add_parser(
        "review",
        help="serve the review app (overview, scorecards, search, decisions) from a store",
        description="Serve the review web app for the newest complete run of a results store.",
    )
    review.add_argument("--db", required=True, help="results store SQLAlchemy URL")
    review.add_argument("--host", default="127.0.0.1", help="address (default: 127.0.0.1)")
    review.add_argument("--port", type=int, default=8765, help="port (default: 8765)")
    review.add_argument("--run", type=int, help="run id (default: the newest complete run)")
    review.add_argument("--reviewer", help="default reviewer name (default: the login name)")
    labels = sub.add_parser(
        "labels",
        help="export reviewer decisions as training labels (CSV)",
        description="Write the current reviewer decision per document as CSV: "
        "path, sha256, label, reviewer, note, decided_at.",
    )
    labels.add_argument("--db", required=True, help="results store SQLAlchemy URL")
    labels.add_argument("--out", required=True, help="CSV file to write ('-' for stdout)")
    labels.add_argument(
        "--no-unsure", action="store_true", help="leave out documents marked unsure"
    )


def cmd_review(args: argparse.Namespace) -> int:
    import uvicorn

    from authenticity.review.app import create_app
    from authenticity.store import Store

    store = Store(args.db)
    try:
        app = create_app(store=store, run_id=args.run, reviewer=args.reviewer)
    except ValueError as exc:
        raise SourceError(str(exc)) from exc
    print(f"review app: http://{args.host}:{args.port}/  (Ctrl-C to stop)")
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")
    return 0


def cmd_labels(args: argparse.Namespace) -> int:
    from authenticity.review.labels import label_rows, write_labels
    from authenticity.store import Store

    rows = label_rows(Store(args.db), include_unsure=not args.no_unsure)
    if args.out == "-":
        write_labels(rows, sys.stdout)
    else:
        with open(args.out, "w", encoding="utf-8", newline="") as fh:
            write_labels(rows, fh)
        print(f"{len(rows)} labels written to {args.out}")
    return 0


def _add_db_parser(sub: Any) -> None:
    """``db upgrade|current --db URL``: the results store's schema (docs/store.md)."""
    db = sub.add_parser(
        "db",
        help="upgrade a results store's schema, or show its revision",
        description="Schema migrations of a results store (Alembic). Scans and the review "
        "app upgrade the store they open by themselves; this does it ahead of time.",
    )
    actions = db.add_subparsers(dest="db_command", required=True)
    for name, text in (
        ("upgrade", "bring the store's schema to the newest revision"),
        ("current", "print the store's schema revision"),
    ):
        action = actions.add_parser(name, help=text, description=text)
        action.add_argument("--db", required=True, help="results store SQLAlchemy URL")


def cmd_db(args: argparse.Namespace) -> int:
    from sqlalchemy import create_engine

    from authenticity import migrations

    try:
        engine = create_engine(args.db)
        try:
            if args.db_command == "upgrade":
                done = migrations.ensure_schema(engine)
                head = migrations.script_directory().get_current_head()
                print(done or f"already at the newest revision ({head})")
                return 0
            with engine.connect() as conn:
                revision = migrations.stored_revision(conn)
                state = migrations.schema_state(conn)
            head = migrations.script_directory().get_current_head()
        finally:
            engine.dispose()
    except AuthenticityError:
        raise
    except Exception as exc:  # bad URL, missing driver, unreachable server, migration
        raise SourceError(f"results store {args.db!r} unusable: {exc}") from exc
    if revision is not None:
        print(f"{revision} (head)" if revision == head else f"{revision} (newest: {head})")
    elif state == "legacy":
        print("none (made before migrations; `authenticity db upgrade` adopts it)")
    else:
        print("none (empty)")
    return 0


def _check_source(source: str) -> None:
    """Fail fast, before starting an orchestrator, on a local source that does not exist."""
    if "://" in source and not source.startswith("file://"):
        return
    path = Path(source.removeprefix("file://"))
    if not path.exists():
        raise SourceError(f"source not found: {source}")
    if not os.access(path, os.R_OK):
        raise SourceError(f"source not readable: {source}")


def _keys_path(path: str | None) -> str | None:
    """The key archive as an absolute path (worker processes may run elsewhere)."""
    if path is None:
        return None
    keys = Path(path)
    if not keys.is_file():
        raise SourceError(f"DKIM key archive not found: {path}")
    return str(keys.resolve())


def cmd_scan(args: argparse.Namespace) -> dict[str, Any]:
    if args.dask_address:
        _check_dask(args.engine)
    _check_source(args.source)
    progress = not args.quiet and sys.stderr.isatty()
    if args.engine == "local":
        from authenticity.config import Settings
        from authenticity.pipeline import run_scan

        settings = Settings.from_env(
            leak_date=args.leak_date,
            workers=args.workers,
            batch_size=args.batch_size,
            dkim_keys=_keys_path(args.dkim_keys),
            dns=args.dns,
        )
        bar = None
        if progress:
            from tqdm import tqdm

            bar = tqdm(unit="doc", desc="analysing", dynamic_ncols=True)
        try:
            result = run_scan(
                args.source,
                args.out,
                settings,
                args.db,
                progress=bar.update if bar is not None else None,
                model=_model_spec(args.model),
            )
        finally:
            if bar is not None:
                bar.close()
        return {
            "run_id": result.run_id,
            "scorecards": str(result.scorecards_path),
            "report": str(result.report_path),
            "db": result.db_url,
            "documents": result.documents,
            "analysed": result.analysed,
            "verdicts": result.verdicts,
        }
    for key, value in PREFECT_ENV_DEFAULTS.items():
        os.environ.setdefault(key, value)
    from flows.scan import scan_flow

    return scan_flow(
        source=args.source,
        out=args.out,
        db=args.db,
        leak_date=args.leak_date,
        workers=args.workers,
        batch_size=args.batch_size,
        progress=progress,
        dkim_keys=_keys_path(args.dkim_keys),
        dns=args.dns,
        model=_model_spec(args.model),
        dask_address=args.dask_address,
    )


def _check_dask(engine: str) -> None:
    """``--dask-address`` needs the Prefect engine and the optional 'dask' extra."""
    import importlib.util

    from authenticity.cluster import DASK_EXTRA_MESSAGE

    if engine != "prefect":
        raise AuthenticityError("--dask-address runs Prefect tasks; it needs --engine prefect")
    if importlib.util.find_spec("prefect_dask") is None:
        raise AuthenticityError(DASK_EXTRA_MESSAGE)
    from prefect.settings import PREFECT_API_URL

    if not PREFECT_API_URL.value():  # from the environment or the active Prefect profile
        print(
            "authenticity: warning: PREFECT_API_URL is not set; each Dask worker starts its "
            "own temporary Prefect server (see docs/scale-out.md)",
            file=sys.stderr,
        )


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    from authenticity.logs import quiet_parsers

    quiet_parsers()  # workers=0 analyses in this process
    try:
        if args.command == "db":
            return cmd_db(args)
        if args.command == "review":
            return cmd_review(args)
        if args.command == "labels":
            return cmd_labels(args)
        if args.command == "serve":
            return cmd_serve(args)
        if args.command == "train":
            result = cmd_train(args)
            print(f"model:      {result['model']}")
            print(f"model card: {result['model_card']}")
            print(f"thresholds: {result['thresholds']}")
            return 0
        if args.command == "scan":
            summary = cmd_scan(args)
            verdicts = ", ".join(f"{k}: {v}" for k, v in sorted(summary["verdicts"].items()))
            print(f"{summary['documents']} documents scanned ({verdicts})")
            print(f"scorecards: {summary['scorecards']}")
            print(f"report:     {summary['report']}")
            print(f"store:      {summary['db']}")
            return 0
    except AuthenticityError as exc:
        print(f"authenticity: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("authenticity: interrupted", file=sys.stderr)
        return 130
    return 1


if __name__ == "__main__":
    sys.exit(main())

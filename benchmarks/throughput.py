#!/usr/bin/env python3
"""Scan throughput and peak memory on a generated dump, against ExifTool, plus a rescan.

Usage::

    .venv/bin/python benchmarks/throughput.py [--n 5000] [--workers 2] [--engine local|prefect]
        [--seed 1] [--dump DIR] [--out DIR] [--no-exiftool] [--no-rescan] [--json FILE]
        [--rounds 3]

Steps, in one run:

1. generate (or reuse, when ``DIR.manifest.json`` matches N, seed and generator version) a
   dump of N documents with ``benchmarks/make_dump.py`` (default
   ``/tmp/authenticity-bench/dump-N-sS``);
2. scan it into a fresh ``--out`` (default ``/tmp/authenticity-bench/out-N-ENGINE``) in a
   child process: ``--engine local`` calls :func:`authenticity.pipeline.run_scan`,
   ``--engine prefect`` runs ``python -m authenticity scan`` (the Prefect flow). Wall time
   gives documents/s; peak memory is sampled with psutil every 0.1 s (RSS summed over the
   child and all its descendants, and the child's own peak), or, without psutil, taken from
   ``resource.getrusage(RUSAGE_CHILDREN).ru_maxrss`` (largest single process only);
3. time ``exiftool -j -r -fast DUMP`` over the same files (files/s); steps 2 and 3 are
   repeated ``--rounds`` times, alternated, and the medians reported (the machine's speed
   drifts: a ratio compares runs made minutes apart);
4. rescan the unchanged dump into the same ``--out``/store and report its time as a
   percentage of the first scan.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BENCH_DIR = Path("/tmp/authenticity-bench")

try:
    import psutil
except ImportError:  # pragma: no cover - psutil is optional
    psutil = None


def ensure_dump(n: int, seed: int, dump: Path) -> dict:
    sys.path.insert(0, str(HERE))
    from make_dump import GENERATOR_VERSION, generate

    manifest_path = Path(f"{dump}.manifest.json")
    if manifest_path.exists() and dump.is_dir():
        manifest = json.loads(manifest_path.read_text())
        same = manifest.get("n") == n and manifest.get("seed") == seed
        if same and manifest.get("generator_version") == GENERATOR_VERSION:
            print(f"reusing dump {dump} ({manifest['files']} files)")
            manifest["reused"] = True
            return manifest

    print(f"generating a dump of {n} documents into {dump} ...")
    manifest = generate(n, dump, seed, quiet=True)
    print(
        f"  {manifest['files']} files, {manifest['bytes'] / 1e6:.1f} MB in "
        f"{manifest['seconds']} s ({manifest['documents_per_second']} documents/s)"
    )
    manifest["reused"] = False
    return manifest


class PeakSampler:
    """Samples RSS of a process tree (sum) and of its root, keeping the maxima."""

    def __init__(self, pid: int, interval: float = 0.1) -> None:
        self.pid = pid
        self.interval = interval
        self.peak_total = 0
        self.peak_main = 0
        self.peak_procs = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> PeakSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        assert psutil is not None
        try:
            root = psutil.Process(self.pid)
        except psutil.NoSuchProcess:
            return
        while not self._stop.is_set():
            try:
                procs = [root, *root.children(recursive=True)]
                total = 0
                for p in procs:
                    try:
                        rss = p.memory_info().rss
                    except (psutil.NoSuchProcess, psutil.AccessDenied):
                        continue
                    total += rss
                    if p.pid == self.pid:
                        self.peak_main = max(self.peak_main, rss)
                self.peak_total = max(self.peak_total, total)
                self.peak_procs = max(self.peak_procs, len(procs))
            except psutil.NoSuchProcess:
                return
            self._stop.wait(self.interval)


def vm_hwm(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def scan_command(args: argparse.Namespace, dump: Path, out: Path) -> list[str]:
    if args.engine == "prefect":
        return [
            sys.executable, "-m", "authenticity", "scan", str(dump), "--out", str(out),
            "--workers", str(args.workers), "--leak-date", args.leak_date, "-q",
        ]  # fmt: skip
    return [
        sys.executable, str(Path(__file__).resolve()), "--_child-scan", str(dump), str(out),
        "--workers", str(args.workers), "--leak-date", args.leak_date,
    ]  # fmt: skip


def run_measured(cmd: list[str]) -> dict:
    """Run ``cmd`` as a child; wall time, peak memory, stdout's last JSON line if any."""
    env = {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    main_hwm = None
    if psutil is not None:
        with PeakSampler(proc.pid) as sampler:
            while proc.poll() is None:
                main_hwm = vm_hwm(proc.pid) or main_hwm
                time.sleep(0.2)
        peak_total, peak_main = sampler.peak_total, sampler.peak_main
        procs = sampler.peak_procs
    else:
        while proc.poll() is None:
            main_hwm = vm_hwm(proc.pid) or main_hwm
            time.sleep(0.2)
        peak_total = peak_main = None
        procs = None
    stdout = proc.stdout.read() if proc.stdout else ""
    proc.wait()
    wall = time.perf_counter() - t0
    children_max = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
    if proc.returncode != 0:
        print(stdout)
        raise SystemExit(f"scan failed with exit code {proc.returncode}: {' '.join(cmd)}")
    child = {}
    for line in reversed(stdout.splitlines()):
        if line.startswith("{"):
            child = json.loads(line)
            break
    return {
        "wall_s": wall,
        "scan_s": child.get("scan_s", wall),
        "documents": child.get("documents"),
        "analysed": child.get("analysed"),
        "verdicts": child.get("verdicts"),
        "peak_rss_total": peak_total,
        "peak_rss_main": peak_main or main_hwm,
        "main_vmhwm": main_hwm,
        "largest_child_maxrss": children_max,
        "processes": procs,
        "stdout": stdout if not child else "",
    }


def count_documents(out: Path) -> tuple[int, dict[str, int]]:
    n = 0
    verdicts: dict[str, int] = {}
    with open(out / "scorecards.jsonl", encoding="utf-8") as fh:
        for line in fh:
            n += 1
            v = json.loads(line)["verdict"]
            verdicts[v] = verdicts.get(v, 0) + 1
    return n, verdicts


def run_exiftool(dump: Path) -> dict | None:
    exe = shutil.which("exiftool")
    if exe is None:
        print(
            "ExifTool is not installed: skipping the comparison "
            "(apt-get install -y libimage-exiftool-perl)"
        )
        return None
    out = BENCH_DIR / "exiftool.json"
    t0 = time.perf_counter()
    with open(out, "wb") as fh:
        proc = subprocess.run([exe, "-j", "-r", "-fast", str(dump)], stdout=fh, check=False)
    wall = time.perf_counter() - t0
    files = len(json.loads(out.read_bytes() or b"[]"))
    out.unlink(missing_ok=True)
    return {"wall_s": wall, "files": files, "exit": proc.returncode}


def child_scan(argv: list[str]) -> int:
    """In the child: run_scan with the given settings; print one JSON line of results."""
    parser = argparse.ArgumentParser()
    parser.add_argument("dump")
    parser.add_argument("out")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--leak-date", default="2017-05-05")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    from authenticity.config import Settings
    from authenticity.pipeline import run_scan

    settings = Settings.from_env(
        workers=args.workers, leak_date=dt.date.fromisoformat(args.leak_date)
    )
    t0 = time.perf_counter()
    result = run_scan(args.dump, args.out, settings)
    elapsed = time.perf_counter() - t0
    print(
        json.dumps(
            {
                "scan_s": elapsed,
                "documents": result.documents,
                "analysed": result.analysed,
                "verdicts": result.verdicts,
            }
        )
    )
    return 0


def profile_scan(dump: Path, out: Path, leak_date: str, top: int = 25) -> None:
    """cProfile of run_scan with workers=0 (everything in this process), top by cumulative."""
    import cProfile
    import pstats

    sys.path.insert(0, str(ROOT))
    from authenticity.config import Settings
    from authenticity.pipeline import run_scan

    if out.exists():
        shutil.rmtree(out)
    from authenticity import pipeline

    # run_scan analyses batches in a helper thread, which cProfile (per thread) does not
    # see: profile each Scan.analyse call separately and merge the statistics.
    batch_profiles: list[cProfile.Profile] = []
    analyse = pipeline.Scan.analyse

    def profiled_analyse(self: pipeline.Scan, batch: list) -> int:
        prof = cProfile.Profile()
        batch_profiles.append(prof)
        return prof.runcall(analyse, self, batch)

    pipeline.Scan.analyse = profiled_analyse  # type: ignore[method-assign]
    settings = Settings.from_env(workers=0, leak_date=dt.date.fromisoformat(leak_date))
    prof = cProfile.Profile()
    t0 = time.perf_counter()
    prof.runcall(run_scan, str(dump), str(out), settings)
    print(f"profiled scan (workers=0): {time.perf_counter() - t0:.1f} s")
    print("main thread and analysis thread merged; 'acquire' is the main thread waiting")
    stats = pstats.Stats(prof)
    for p in batch_profiles:
        stats.add(p)
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(15)


def trace_scan(dump: Path, out: Path, leak_date: str, workers: int) -> None:
    """tracemalloc of the scan's main process: top allocation sites at the peak points."""
    import tracemalloc

    sys.path.insert(0, str(ROOT))
    from authenticity import pipeline
    from authenticity.config import Settings

    if out.exists():
        shutil.rmtree(out)
    snapshots: dict[str, tracemalloc.Snapshot] = {}
    finish = pipeline.Scan.finish
    save = pipeline.Store.save_scorecards

    def traced_finish(self: pipeline.Scan) -> pipeline.ScanResult:
        snapshots["after ingest, before finish"] = tracemalloc.take_snapshot()
        return finish(self)

    def traced_save(self: object, run_id: int, cards: list) -> None:
        snapshots["finish: all scorecards built"] = tracemalloc.take_snapshot()
        save(self, run_id, cards)

    pipeline.Scan.finish = traced_finish  # type: ignore[method-assign]
    pipeline.Store.save_scorecards = traced_save  # type: ignore[method-assign]
    stop = threading.Event()

    def watch() -> None:  # snapshot whenever traced memory reaches a new high (+10 %)
        best = 32 * 2**20
        while not stop.wait(0.05):
            current = tracemalloc.get_traced_memory()[0]
            if current > best * 1.1:
                snapshots["largest sampled"] = tracemalloc.take_snapshot()
                best = current

    tracemalloc.start(8)
    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    settings = Settings.from_env(workers=workers, leak_date=dt.date.fromisoformat(leak_date))
    try:
        pipeline.run_scan(str(dump), str(out), settings)
    finally:
        stop.set()
        watcher.join()
    current, peak = tracemalloc.get_traced_memory()
    print(f"traced Python memory: peak {peak / 2**20:.0f} MB, at the end {current / 2**20:.0f} MB")
    for label, snap in snapshots.items():
        stats = snap.statistics("lineno")
        total = sum(st.size for st in stats)
        print(f"\n== {label}: {total / 2**20:.0f} MB traced; top sites")
        for st in stats[:12]:
            frame = st.traceback[0]
            print(
                f"{st.size / 2**20:8.1f} MB {st.count:9d} blocks  {frame.filename}:{frame.lineno}"
            )


def mb(value: int | None) -> str:
    return "n/a" if value is None else f"{value / 2**20:.0f} MB"


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "--_child-scan":
        return child_scan(argv[1:])
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=5000, help="documents in the dump")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--engine", choices=("local", "prefect"), default="local")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--leak-date", default="2017-05-05")
    parser.add_argument("--dump", type=Path, help="dump folder (generated when missing)")
    parser.add_argument("--out", type=Path, help="scan output folder (emptied first)")
    parser.add_argument("--no-exiftool", action="store_true", help="skip the ExifTool timing")
    parser.add_argument("--no-rescan", action="store_true", help="skip the rescan")
    parser.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="scan and ExifTool runs, alternated; the medians are reported (default 3)",
    )
    parser.add_argument("--json", type=Path, help="also write the results as JSON here")
    parser.add_argument(
        "--profile", action="store_true", help="only cProfile run_scan (workers=0) on the dump"
    )
    parser.add_argument(
        "--tracemalloc", action="store_true", help="only trace the scan's main-process memory"
    )
    args = parser.parse_args(argv)

    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    dump = args.dump or BENCH_DIR / f"dump-{args.n}-s{args.seed}"
    out = args.out or BENCH_DIR / f"out-{args.n}-{args.engine}"
    manifest = ensure_dump(args.n, args.seed, dump)
    if out.exists():
        shutil.rmtree(out)
    if args.profile:
        profile_scan(dump, out, args.leak_date)
        return 0
    if args.tracemalloc:
        trace_scan(dump, out, args.leak_date, args.workers)
        return 0
    if psutil is None:
        print("psutil is not installed: peak memory is the largest single process only")

    cmd = scan_command(args, dump, out)
    print(f"scan ({args.engine}, {args.workers} workers): {' '.join(cmd)}")
    # Rounds of (our scan, ExifTool) back to back: this machine's speed drifts by a third
    # within an hour (ExifTool alone took 9.6 s and 12-16 s on the same files in one
    # session), so each ratio compares runs made minutes apart and the median is reported.
    scans: list[dict] = []
    exifs: list[dict] = []
    for round_no in range(max(1, args.rounds)):
        if round_no:
            shutil.rmtree(out)
        scans.append(run_measured(cmd))
        if not args.no_exiftool:
            found = run_exiftool(dump)
            if found is not None:
                exifs.append(found)
    first = sorted(scans, key=lambda r: r["wall_s"])[len(scans) // 2]  # the median scan
    docs, verdicts = count_documents(out)
    first["documents"] = docs
    first["verdicts"] = verdicts
    exif = sorted(exifs, key=lambda r: r["wall_s"])[len(exifs) // 2] if exifs else None
    ratios = sorted(
        (docs / sc["wall_s"]) / (ex["files"] / ex["wall_s"])
        for sc, ex in zip(scans, exifs, strict=False)
    )

    rescan = None
    if not args.no_rescan:
        print("rescan of the unchanged dump into the same --out/store ...")
        rescan = run_measured(cmd)

    files = manifest["files"]
    inner = f" (run_scan itself {first['scan_s']:.1f} s)" if args.engine == "local" else ""
    ours_docs = docs / first["wall_s"]
    ours_files = files / first["wall_s"]
    rows = [
        ("machine", f"{os.cpu_count()} cores, Python {platform.python_version()}"),
        ("dump", f"{dump}: {files} files, {manifest['bytes'] / 1e6:.0f} MB, N={args.n}"),
        ("documents scanned", f"{docs} (incl. attachments and zip members)"),
        ("verdicts", ", ".join(f"{k}: {v}" for k, v in sorted(verdicts.items()))),
        ("scan wall time", f"{first['wall_s']:.1f} s" + inner),
        ("ours", f"{ours_docs:.1f} documents/s ({ours_files:.1f} files/s)"),
        ("peak RSS, tree sum", mb(first["peak_rss_total"])),
        ("peak RSS, main process", mb(first["peak_rss_main"])),
        ("max RSS, largest child", mb(first["largest_child_maxrss"])),
    ]  # fmt: skip
    if exif is not None:
        exif_fps = exif["files"] / exif["wall_s"]
        rows += [
            ("exiftool -j -r -fast", f"{exif['wall_s']:.1f} s, {exif['files']} files"),
            ("exiftool", f"{exif_fps:.1f} files/s"),
            ("ratio ours docs/s / exiftool files/s", f"{ours_docs / exif_fps:.3f}"),
            ("ratio ours files/s / exiftool files/s", f"{ours_files / exif_fps:.3f}"),
        ]
        if len(ratios) > 1:
            rows += [
                (
                    f"ratio docs/s per round ({len(ratios)})",
                    ", ".join(f"{r:.3f}" for r in ratios)
                    + f"; median {ratios[len(ratios) // 2]:.3f}",
                ),
                ("our scans (s)", ", ".join(f"{sc['wall_s']:.1f}" for sc in scans)),
                ("exiftool runs (s)", ", ".join(f"{ex['wall_s']:.1f}" for ex in exifs)),
            ]
    if rescan is not None:
        rows += [
            ("rescan wall time", f"{rescan['wall_s']:.1f} s"),
            ("rescan / first scan", f"{100 * rescan['wall_s'] / first['wall_s']:.0f} %"),
            ("rescan peak RSS, tree sum", mb(rescan["peak_rss_total"])),
        ]
    width = max(len(k) for k, _ in rows)
    print()
    print(f"| {'measure'.ljust(width)} | value")
    print(f"|{'-' * (width + 2)}|{'-' * 40}")
    for key, value in rows:
        print(f"| {key.ljust(width)} | {value}")
    if args.json:
        manifest.pop("forged_paths", None)
        args.json.write_text(
            json.dumps(
                {
                    "engine": args.engine,
                    "workers": args.workers,
                    "manifest": manifest,
                    "scan": first,
                    "exiftool": exif,
                    "scans": scans,
                    "exiftool_runs": exifs,
                    "ratios": ratios,
                    "rescan": rescan,
                },
                indent=1,
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())

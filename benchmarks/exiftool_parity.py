"""Field-by-field parity of our normalized metadata with ExifTool's, plus a timing ratio.

Usage::

    .venv/bin/python benchmarks/exiftool_parity.py [--corpus DIR] [--details] [--json OUT]

For every file directly inside ``pdf/``, ``ooxml/``, ``ole/``, ``image/`` and ``email/`` of
the corpus (``image/reference/`` is not read), the script runs our analysis
(:func:`authenticity.analyse.analyse_document`, in process) and ExifTool (one
``exiftool -j -G1 -a -n`` batch per folder), maps ExifTool's group-qualified tags onto our
normalized fields (``MAPPING`` below; the first tag with a value wins) and compares:

- text: surrounding whitespace and NULs stripped, otherwise case-sensitive and exact;
  ExifTool lists are joined with ``"; "`` like our extractors join them;
- dates: as instants when both sides carry a zone, as wall-clock time otherwise
  (ExifTool prints ``YYYY:MM:DD HH:MM[:SS][.fff][Z|+hh:mm]``), to the second;
- ``page_count``: as integers.

A field counts only where ExifTool has a value; if we have none there it is a
disagreement. Exit code 0 when overall agreement reaches ``--target`` (97 %), 1 when not,
2 when ExifTool is not installed. Known disagreements are explained in
``docs/extraction-parity.md``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import re
import shutil
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

FOLDERS = ("pdf", "ooxml", "ole", "image", "email")
FIELDS = (
    "author",
    "last_modified_by",
    "created",
    "modified",
    "application",
    "producer",
    "title",
    "company",
    "page_count",
    "make",
    "model",
)
DATE_FIELDS = {"created", "modified"}
INT_FIELDS = {"page_count"}

#: Per corpus folder, per field: ExifTool tags (``-G1`` names), first with a value wins.
MAPPING: dict[str, dict[str, tuple[str, ...]]] = {
    "pdf": {
        "author": ("PDF:Author", "XMP-dc:Creator"),
        "created": ("PDF:CreateDate", "XMP-xmp:CreateDate"),
        "modified": ("PDF:ModifyDate", "XMP-xmp:ModifyDate"),
        "application": ("PDF:Creator", "XMP-xmp:CreatorTool"),
        "producer": ("PDF:Producer", "XMP-pdf:Producer"),
        "title": ("PDF:Title", "XMP-dc:Title"),
        "page_count": ("PDF:PageCount",),
    },
    "ooxml": {
        # ExifTool files docProps/core.xml dc:* under XMP-dc and cp:/dcterms: under XML.
        "author": ("XMP-dc:Creator", "XML:CorePropertiesCreator"),
        "last_modified_by": ("XML:LastModifiedBy", "XML:CorePropertiesLastModifiedBy"),
        "created": ("XML:CreateDate", "XML:CorePropertiesCreated"),
        "modified": ("XML:ModifyDate", "XML:CorePropertiesModified"),
        "application": ("XML:Application",),
        "title": ("XMP-dc:Title",),
        "company": ("XML:Company",),
        "page_count": ("XML:Pages", "XML:Slides"),
    },
    "ole": {
        "author": ("FlashPix:Author",),
        "last_modified_by": ("FlashPix:LastModifiedBy",),
        "created": ("FlashPix:CreateDate",),
        "modified": ("FlashPix:ModifyDate",),
        "application": ("FlashPix:Software",),
        "title": ("FlashPix:Title",),
        "company": ("FlashPix:Company",),
        "page_count": ("FlashPix:Pages", "FlashPix:Slides"),
    },
    "image": {
        "author": ("IFD0:Artist", "XMP-dc:Creator", "PNG:Author"),
        "created": ("ExifIFD:DateTimeOriginal", "ExifIFD:CreateDate", "XMP-xmp:CreateDate"),
        "modified": ("IFD0:ModifyDate", "XMP-xmp:ModifyDate"),
        "application": ("IFD0:Software", "XMP-xmp:CreatorTool", "PNG:Software"),
        "title": ("IFD0:ImageDescription", "XMP-dc:Title", "PNG:Title"),
        "make": ("IFD0:Make",),
        "model": ("IFD0:Model",),
    },
    # ExifTool 12.x reads no header fields from RFC 822 messages or Outlook .msg files
    # (only File:* facts), so nothing in email/ is counted; kept for completeness.
    "email": {
        "author": ("MIME:From", "EML:From"),
        "title": ("MIME:Subject", "EML:Subject"),
        "created": ("MIME:Date", "EML:Date"),
    },
}

_ET_DATE = re.compile(
    r"^(\d{4}):(\d\d):(\d\d)(?: (\d\d):(\d\d)(?::(\d\d))?(\.\d+)?)?\s*(Z|[+-]\d\d:?\d\d)?$"
)


def corpus_files(corpus: Path) -> dict[str, list[Path]]:
    out: dict[str, list[Path]] = {}
    for folder in FOLDERS:
        base = corpus / folder
        out[folder] = sorted(p for p in base.iterdir() if p.is_file()) if base.is_dir() else []
    return out


# --- normalization ------------------------------------------------------------------------


def norm_text(value: Any) -> str | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, list):
        parts = [norm_text(v) for v in value]
        return "; ".join(p for p in parts if p) or None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).replace("\x00", "").strip()
    return text or None


def parse_et_date(value: Any) -> dt.datetime | None:
    if not isinstance(value, str):
        return None  # ExifTool prints an unset FILETIME as 0
    m = _ET_DATE.match(value.strip())
    if not m:
        return None
    y, mo, d, h, mi, s, _frac, zone = m.groups()
    try:
        out = dt.datetime(int(y), int(mo), int(d), int(h or 0), int(mi or 0), int(s or 0))
    except ValueError:
        return None
    if zone:
        if zone == "Z":
            out = out.replace(tzinfo=dt.UTC)
        else:
            zone = zone.replace(":", "")
            sign = -1 if zone[0] == "-" else 1
            off = dt.timedelta(hours=int(zone[1:3]), minutes=int(zone[3:5]))
            out = out.replace(tzinfo=dt.timezone(sign * off))
    return out


def same_date(ours: dt.datetime, theirs: dt.datetime) -> bool:
    if ours.tzinfo is not None and theirs.tzinfo is not None:
        return abs((ours - theirs).total_seconds()) < 1
    a = ours.replace(tzinfo=None, microsecond=0)
    b = theirs.replace(tzinfo=None, microsecond=0)
    return a == b


def et_value(record: dict[str, Any], tags: tuple[str, ...], field: str) -> tuple[str, Any]:
    """The first ExifTool tag with a usable value for ``field``: (tag, value) or ("", None)."""
    for tag in tags:
        if tag not in record:
            continue
        raw = record[tag]
        if field in DATE_FIELDS:
            value: Any = parse_et_date(raw)
        elif field in INT_FIELDS:
            value = (
                int(raw) if isinstance(raw, (int, float)) and not isinstance(raw, bool) else None
            )
        else:
            value = norm_text(raw)
        if value is not None:
            return tag, value
    return "", None


def our_value(meta: Any, field: str) -> Any:
    value = getattr(meta, field, None)
    if field in DATE_FIELDS:
        return value if isinstance(value, dt.datetime) else None
    if field in INT_FIELDS:
        return value if isinstance(value, int) else None
    return norm_text(value)


def agree(field: str, ours: Any, theirs: Any) -> bool:
    if ours is None:
        return False
    if field in DATE_FIELDS:
        return same_date(ours, theirs)
    return ours == theirs


def show(value: Any) -> str:
    if isinstance(value, dt.datetime):
        return value.isoformat()
    return repr(value)


# --- the two sides ------------------------------------------------------------------------


def run_ours(files: dict[str, list[Path]]) -> tuple[dict[Path, Any], float]:
    """Analyse every file in process; returns metadata by path, analysis and extract time."""
    from authenticity.analyse import analyse_document
    from authenticity.config import Settings
    from authenticity.model import Document

    settings = Settings(workers=0)
    metas: dict[Path, Any] = {}
    total = 0.0
    for paths in files.values():
        for path in paths:
            data = path.read_bytes()
            doc = Document(
                path=path.name,
                sha256=hashlib.sha256(data).hexdigest(),
                size=len(data),
                file=str(path),
            )
            started = time.perf_counter()
            analysis = analyse_document(doc, settings)
            total += time.perf_counter() - started
            metas[path] = analysis
    return metas, total


def run_exiftool(exiftool: str, corpus: Path) -> tuple[dict[Path, dict[str, Any]], float]:
    records: dict[Path, dict[str, Any]] = {}
    total = 0.0
    for folder in FOLDERS:
        base = corpus / folder
        if not base.is_dir():
            continue
        # Not recursive: image/reference/ is not part of the comparison.
        cmd = [exiftool, "-j", "-G1", "-a", "-n", "-q", "-q", "-ext", "*", str(base)]
        started = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, check=False)
        total += time.perf_counter() - started
        if not proc.stdout.strip():
            continue
        # Floats kept as text: ExifTool prints e.g. Software "1.00" as a bare number.
        for rec in json.loads(proc.stdout, parse_float=str):
            records[Path(rec["SourceFile"]).resolve()] = rec
    return records, total


# --- main -----------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    here = Path(__file__).resolve().parent.parent
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--corpus", type=Path, default=Path("/work/shared/corpus"))
    parser.add_argument("--details", action="store_true", help="list every disagreement")
    parser.add_argument("--json", type=Path, help="write the disagreements as JSON here")
    parser.add_argument("--target", type=float, default=97.0)
    parser.add_argument("--exiftool", default="exiftool")
    args = parser.parse_args(argv)

    exiftool = shutil.which(args.exiftool)
    if exiftool is None:
        print(
            "exiftool not found on PATH: install it (apt-get install -y "
            "libimage-exiftool-perl) or pass --exiftool PATH",
            file=sys.stderr,
        )
        return 2
    version = subprocess.run([exiftool, "-ver"], capture_output=True, text=True).stdout.strip()
    sys.path.insert(0, str(here))
    corpus = args.corpus.resolve()
    files = corpus_files(corpus)
    n_files = sum(len(v) for v in files.values())

    ours, our_seconds = run_ours(files)
    theirs, et_seconds = run_exiftool(exiftool, corpus)

    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])  # field -> [agree, has]
    by_folder: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    disagreements: list[dict[str, Any]] = []
    for folder, paths in files.items():
        mapping = MAPPING[folder]
        for path in paths:
            rec = theirs.get(path.resolve(), {})
            meta = ours[path].metadata
            for field in FIELDS:
                tags = mapping.get(field)
                if not tags:
                    continue
                tag, et = et_value(rec, tags, field)
                if et is None:
                    continue
                mine = our_value(meta, field)
                ok = agree(field, mine, et)
                counts[field][1] += 1
                by_folder[folder][1] += 1
                if ok:
                    counts[field][0] += 1
                    by_folder[folder][0] += 1
                else:
                    disagreements.append(
                        {
                            "file": f"{folder}/{path.name}",
                            "field": field,
                            "ours": show(mine),
                            "exiftool": show(et),
                            "tag": tag,
                            "status": ours[path].status,
                        }
                    )

    def pct(a: int, b: int) -> str:
        return f"{100 * a / b:6.2f}%" if b else "     -"

    print(f"ExifTool {version}; corpus {corpus}; {n_files} files")
    print(f"{'field':<18}{'agree':>7}{'has':>7}{'%':>9}")
    for field in FIELDS:
        a, b = counts[field]
        print(f"{field:<18}{a:>7}{b:>7}{pct(a, b):>9}")
    total_a = sum(c[0] for c in counts.values())
    total_b = sum(c[1] for c in counts.values())
    print(f"{'OVERALL':<18}{total_a:>7}{total_b:>7}{pct(total_a, total_b):>9}")
    print("by folder: " + ", ".join(f"{f} {a}/{b}" for f, (a, b) in sorted(by_folder.items())))
    print(
        f"timing: ours {our_seconds:.2f} s (analyse_document, in process, incl. text and checks)"
        f" vs exiftool {et_seconds:.2f} s ({len(FOLDERS)} batch runs, incl. Perl start-up);"
        f" ratio ours/exiftool = {our_seconds / et_seconds:.2f}"
    )
    if args.details:
        for d in disagreements:
            print(
                f"  {d['file']} [{d['field']}] ours={d['ours']} exiftool={d['exiftool']}"
                f" ({d['tag']}, {d['status']})"
            )
    if args.json:
        args.json.write_text(json.dumps(disagreements, indent=1, ensure_ascii=False) + "\n")
    overall = 100 * total_a / total_b if total_b else 100.0
    return 0 if overall >= args.target else 1


if __name__ == "__main__":
    sys.exit(main())

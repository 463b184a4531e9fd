"""Authentic documents written by generator libraries: how many does a scan flag?

    .venv/bin/python benchmarks/generated_documents.py [--show] [--keep DIR]

Leaked mailboxes hold many documents no person saved in an office suite: web shops' and
banks' exports, report jobs' workbooks, monitoring alerts. Their libraries borrow Office's
name (XlsxWriter, ExcelJS, python-pptx and pandoc's templates say "Microsoft Excel" or
"Microsoft Word") or build on another writer (xhtml2pdf on ReportLab), which checks written
for forgeries can take for a re-zip or a regeneration. This benchmark writes a few
documents with each generator it finds, scans them together with the shared corpus (as in
a real dump) and prints, per generator, how many the scan flags (``suspicious`` or
``likely_forged``; every one of them is a false positive) and the corpus files flagged
alongside.

Always (the project's dev dependencies): XlsxWriter (file and in-memory modes), openpyxl,
python-docx, python-pptx, ReportLab, and Python's email package (a monitoring job's series
of alerts, relayed). When installed: xhtml2pdf, fpdf2 and PyMuPDF. When found: TCPDF and
Dompdf (``php`` with Debian's ``php-tcpdf`` / ``php-dompdf``), iText 5 and iText 2
(``java``/``javac`` with ``libitext5-java`` / ``libitext-java``), and ExcelJS, SheetJS,
docx, pptxgenjs, PDFKit, jsPDF and pdf-lib (``node`` with those npm packages under
``--node-modules DIR``, e.g. a folder where ``npm install exceljs xlsx docx pptxgenjs
pdfkit jspdf pdf-lib`` was run). Missing ones are skipped and named. Deterministic text;
the files carry today's dates.
"""

from __future__ import annotations

import collections
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tempfile
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

from _common import FLAGGED, copy_corpus, dump_parser

from authenticity.config import Settings
from authenticity.logs import quiet_parsers
from authenticity.pipeline import run_scan

#: The PHP, Java and Node.js generator programs.
PROGRAMS = Path(__file__).resolve().parent / "generators"
#: Documents per generator.
PER_GENERATOR = 3


def _line(i: int, n: int) -> str:
    return f"Order {1000 + 7 * i + n}: office supplies, {(i + n) * 137.5:.2f} EUR, shipped"


def xlsxwriter_books(out: Path, n: int) -> None:
    import xlsxwriter

    for mode, options in (("file", {}), ("memory", {"in_memory": True})):
        book = xlsxwriter.Workbook(str(out / f"xlsxwriter-{mode}-{n}.xlsx"), options)
        sheet = book.add_worksheet("Orders")
        for i in range(30 + n):
            sheet.write_row(i, 0, [_line(i, n), (i + n) * 137.5])
        book.set_properties({"title": f"Orders {n}", "author": "Web shop"})
        book.close()


def openpyxl_book(out: Path, n: int) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    for i in range(30 + n):
        book.active.append([_line(i, n), (i + n) * 137.5])
    book.save(out / f"openpyxl-{n}.xlsx")


def python_docx_note(out: Path, n: int) -> None:
    import docx

    note = docx.Document()
    note.add_heading(f"Delivery note {n}", 1)
    for i in range(12):
        note.add_paragraph(_line(i, n))
    note.save(out / f"python-docx-{n}.docx")


def python_pptx_deck(out: Path, n: int) -> None:
    import pptx

    deck = pptx.Presentation()
    for i in range(3):
        slide = deck.slides.add_slide(deck.slide_layouts[1])
        slide.shapes.title.text = f"Quarter {i + 1}"
        slide.placeholders[1].text = _line(i, n)
    deck.save(out / f"python-pptx-{n}.pptx")


def reportlab_invoice(out: Path, n: int) -> None:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    page = canvas.Canvas(str(out / f"reportlab-{n}.pdf"), pagesize=A4)
    page.setTitle(f"Invoice {n}")
    page.setAuthor("Billing")
    for i in range(12):
        page.drawString(60, 780 - 20 * i, _line(i, n))
    page.save()


def alert_email(out: Path, n: int) -> None:
    """One alert of a monitoring job's series (Python's email package, relayed once)."""
    when = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(hours=n)
    msg = EmailMessage()
    msg["From"] = "Monitoring <alerts@ops.example>"
    msg["To"] = "team@example.org"
    msg["Subject"] = f"[alert] disk usage {80 + n}% on db{n}"
    msg["Date"] = format_datetime(when)
    msg["Message-ID"] = f"<{int(when.timestamp())}.{4242 + n}@ops.example>"
    msg.set_content(f"Host db{n}: disk usage reached {80 + n}%.\nSent automatically.\n")
    hop = (
        "Received: from ops.example (ops.example [203.0.113.9])\r\n\tby mx1.example.org "
        f"(Postfix) with ESMTP id 4Vq{n}Lp7Tq1\r\n\tfor <team@example.org>; {msg['Date']}\r\n"
    ).encode()
    (out / f"python-email-alert-{n}.eml").write_bytes(hop + msg.as_bytes().replace(b"\n", b"\r\n"))


def xhtml2pdf_report(out: Path, n: int) -> None:
    from xhtml2pdf import pisa  # optional: pip install xhtml2pdf

    html = f"<h1>Report {n}</h1>" + "".join(f"<p>{_line(i, n)}</p>" for i in range(12))
    with (out / f"xhtml2pdf-{n}.pdf").open("wb") as fh:
        pisa.CreatePDF(html, dest=fh)


def fpdf2_invoice(out: Path, n: int) -> None:
    from fpdf import FPDF  # optional: pip install fpdf2

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=11)
    pdf.set_title(f"Invoice {n}")
    for i in range(12):
        pdf.cell(0, 8, _line(i, n), new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(out / f"fpdf2-{n}.pdf"))


def pymupdf_statement(out: Path, n: int) -> None:
    import pymupdf  # optional: pip install pymupdf

    doc = pymupdf.open()
    page = doc.new_page()
    for i in range(12):
        page.insert_text((40, 60 + 18 * i), _line(i, n), fontsize=10)
    doc.set_metadata({"title": f"Statement {n}", "author": "Bank"})
    doc.save(str(out / f"pymupdf-{n}.pdf"))


#: Python generators that are not dependencies of the project: used when installed.
OPTIONAL_GENERATORS = {
    "xhtml2pdf": xhtml2pdf_report,
    "fpdf2": fpdf2_invoice,
    "PyMuPDF": pymupdf_statement,
}

PYTHON_GENERATORS = {
    "xlsxwriter": xlsxwriter_books,
    "openpyxl": openpyxl_book,
    "python-docx": python_docx_note,
    "python-pptx": python_pptx_deck,
    "reportlab": reportlab_invoice,
    "python-email": alert_email,
}


def _run(args: list[str], **kwargs) -> bool:
    try:
        done = subprocess.run(args, capture_output=True, timeout=120, **kwargs)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


def external_generators(out: Path, work: Path, node_modules: str | None) -> list[str]:
    """Write the PHP, Java and Node.js generators' documents that this machine can make;
    return what was skipped and why."""
    skipped = []
    if shutil.which("php") and Path("/usr/share/php/tcpdf/tcpdf.php").exists():
        for n in range(PER_GENERATOR):
            _run(["php", str(PROGRAMS / "gen.php"), str(out), str(n)])
    else:
        skipped.append("TCPDF/Dompdf (php, php-tcpdf, php-dompdf)")
    jars = ["/usr/share/java/itext5.jar", "/usr/share/java/itext.jar"]
    if shutil.which("javac") and all(Path(j).exists() for j in jars):
        cp = ":".join(jars)
        if _run(["javac", "-cp", cp, "-d", str(work), str(PROGRAMS / "Gen.java")]):
            for n in range(PER_GENERATOR):
                _run(["java", "-cp", f"{cp}:{work}", "Gen", str(out), str(n)])
    else:
        skipped.append("iText (javac, libitext5-java, libitext-java)")
    if shutil.which("node") and node_modules and (Path(node_modules) / "exceljs").exists():
        env = {**os.environ, "NODE_PATH": node_modules}
        for n in range(PER_GENERATOR):
            _run(["node", str(PROGRAMS / "gen.js"), str(out), str(n)], env=env)
    else:
        skipped.append("ExcelJS, SheetJS, docx, pptxgenjs, PDFKit, jsPDF, pdf-lib (--node-modules)")
    return skipped


def generator_of(name: str) -> str:
    """The generator a file name names (``xlsxwriter-memory-0.xlsx``: xlsxwriter-memory)."""
    stem = Path(name).stem
    return stem.rsplit("-", 1)[0] if stem[-1:].isdigit() else stem


def main(argv: list[str] | None = None) -> int:
    parser = dump_parser(__doc__.splitlines()[0], "list each file's findings")
    parser.add_argument("--node-modules", help="a node_modules folder with the npm generators")
    args = parser.parse_args(argv)
    quiet_parsers()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(args.keep) if args.keep else Path(tmp)
        dump, out = root / "dump", root / "scan"
        made = dump / "generated"
        made.mkdir(parents=True)
        for make in PYTHON_GENERATORS.values():
            for n in range(PER_GENERATOR):
                make(made, n)
        skipped = external_generators(made, Path(tmp), args.node_modules)
        for name, make in OPTIONAL_GENERATORS.items():
            try:
                for n in range(PER_GENERATOR):
                    make(made, n)
            except ImportError:
                skipped.append(f"{name} (not installed)")
        copy_corpus(dump / "corpus")
        run_scan(str(dump), str(out), Settings(workers=2), model=args.model)
        cards = [json.loads(line) for line in (out / "scorecards.jsonl").open()]
    per: dict[str, list[dict]] = collections.defaultdict(list)
    corpus = corpus_flagged = 0
    for card in cards:
        path = card["path"]
        if path.startswith("generated/") and "!" not in path:
            per[generator_of(path)].append(card)
        elif path.startswith("corpus/"):
            corpus += 1
            corpus_flagged += card["verdict"] in FLAGGED
    print(f"{'generator':<20} {'files':>5} {'flagged':>8}  max score  findings above info")
    total = flagged_total = 0
    for name, group in sorted(per.items()):
        flagged = [c for c in group if c["verdict"] in FLAGGED]
        total += len(group)
        flagged_total += len(flagged)
        codes = collections.Counter(
            f["code"] for c in group for f in c["findings"] if f["severity"] != "info"
        )
        top = ", ".join(f"{k} {v}" for k, v in codes.most_common(3)) or "-"
        score = max(c.get("score") or 0 for c in group)
        print(f"{name:<20} {len(group):>5} {len(flagged):>8}  {score:>9.2f}  {top}")
        for c in group if args.show else flagged:
            found = [f"{f['code']}@{f['severity']}" for f in c["findings"]]
            print(f"    {c['verdict']:<14} {c.get('score')!s:<8} {Path(c['path']).name}: {found}")
    print(f"{'all generators':<20} {total:>5} {flagged_total:>8}")
    print(f"corpus files flagged alongside: {corpus_flagged} of {corpus}")
    for what in skipped:
        print(f"skipped: {what}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

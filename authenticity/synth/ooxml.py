"""Office Open XML techniques: edit and re-save with python-docx/openpyxl, and re-zip."""

from __future__ import annotations

import collections
import datetime as dt
import io
import random
import re
import zipfile
from typing import Any

from authenticity.synth._common import (
    Forgery,
    alter_number,
    alter_text,
    forge_time,
    forged_name,
    make,
    pick_name,
    rewrite_zip,
    technique,
    zip_entries,
    zip_time,
)
from authenticity.timeutil import parse_iso8601

CORE = "docProps/core.xml"
APP = "docProps/app.xml"


def core_dates(data: bytes) -> tuple[dt.datetime | None, dt.datetime | None]:
    """(created, modified) from docProps/core.xml, or Nones."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            xml = z.read(CORE).decode("utf-8", "replace")
    except (KeyError, zipfile.BadZipFile):
        return None, None

    def find(tag: str) -> dt.datetime | None:
        m = re.search(rf"<dcterms:{tag}[^>]*>([^<]*)</dcterms:{tag}>", xml)
        return parse_iso8601(m.group(1).strip()) if m else None

    return find("created"), find("modified")


def _edit_and_save(
    doc: Any, runs: list[Any], rng: random.Random, careful: bool, when: dt.datetime
) -> tuple[bytes, dict]:
    """Type over one text run of a python-docx or python-pptx document (a number when some
    run holds one, else a sentence) and save it. Careless: the library's core properties
    as a save leaves them, the forger's name in half of them, ``modified`` at the forger's
    clock, one more revision. The notes: old and new text, what the save changed."""
    if not runs:
        raise LookupError("no text")
    numeric = [r for r in runs if re.search(r"\d", r.text)]
    run = rng.choice(numeric or runs)
    changed = alter_number(run.text, rng) if numeric else None
    new_text, old, new = changed or alter_text(run.text, rng)
    run.text = new_text
    notes: dict = {"old": old, "new": new}
    if not careful:
        cp = doc.core_properties
        if rng.random() < 0.5:  # half of them sign the edit; the others leave the name
            forger, script = pick_name(rng, cp.last_modified_by)
            cp.last_modified_by = forger
            notes.update(last_modified_by=forger, script=script)
        cp.modified = when.astimezone(dt.UTC).replace(tzinfo=None)
        cp.revision = (cp.revision or 1) + 1
        notes.update(modified=cp.modified.isoformat())
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue(), notes


def _edit_docx(
    data: bytes, rng: random.Random, careful: bool, when: dt.datetime
) -> tuple[bytes, dict]:
    import docx

    doc = docx.Document(io.BytesIO(data))
    paragraphs = list(doc.paragraphs)
    for table in doc.tables:
        for row in table.rows:
            for cell in row.cells:
                paragraphs.extend(cell.paragraphs)
    runs = [r for p in paragraphs for r in p.runs if r.text.strip()]
    return _edit_and_save(doc, runs, rng, careful, when)


def _edit_pptx(
    data: bytes, rng: random.Random, careful: bool, when: dt.datetime
) -> tuple[bytes, dict]:
    import pptx

    deck = pptx.Presentation(io.BytesIO(data))
    frames = []
    for slide in deck.slides:
        for shape in slide.shapes:
            if shape.has_text_frame:
                frames.append(shape.text_frame)
            if getattr(shape, "has_table", False) and shape.has_table:
                frames.extend(cell.text_frame for row in shape.table.rows for cell in row.cells)
    runs = [r for f in frames for p in f.paragraphs for r in p.runs if r.text.strip()]
    return _edit_and_save(deck, runs, rng, careful, when)


def _edit_xlsx(
    data: bytes, rng: random.Random, careful: bool, when: dt.datetime
) -> tuple[bytes, dict]:
    import openpyxl
    from openpyxl.writer.excel import ExcelWriter

    wb = openpyxl.load_workbook(io.BytesIO(data))
    numbers, texts = [], []
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                v = cell.value
                if isinstance(v, bool) or v is None:
                    continue
                if isinstance(v, (int, float)):
                    numbers.append(cell)
                elif isinstance(v, str) and v.strip() and not v.startswith("="):
                    texts.append(cell)
    if numbers:
        cell = rng.choice(numbers)
        old = cell.value
        new = type(old)(old * rng.choice([2, 3, 10]) + rng.randint(1, 9) * (1 if old >= 0 else -1))
        cell.value = new
    elif texts:
        cell = rng.choice(texts)
        cell.value, old, new = alter_text(cell.value, rng)
    else:
        raise LookupError("no cell to edit")
    notes: dict = {"cell": f"{cell.parent.title}!{cell.coordinate}", "old": old, "new": new}
    if not careful:
        if rng.random() < 0.5:  # half of them sign the edit; the others leave the name
            forger, script = pick_name(rng, wb.properties.lastModifiedBy)
            wb.properties.lastModifiedBy = forger
            notes.update(last_modified_by=forger, script=script)
        # what openpyxl.save_workbook stamps (its clock, here the forger's)
        wb.properties.modified = when.astimezone(dt.UTC).replace(tzinfo=None)
        if core_dates(data)[0] is None:
            # no creation date in the source: openpyxl writes the current time; the
            # forger's clock keeps the forgery the same whenever it is generated
            wb.properties.created = wb.properties.modified
        notes.update(modified=when.isoformat())
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        ExcelWriter(wb, archive).write_data()
    return buf.getvalue(), notes


@technique(
    "ooxml_edit_resave",
    {"docx", "xlsx", "pptx"},
    "Change a number (or a sentence) with python-docx / openpyxl / python-pptx and save. "
    "Careless: the "
    "library's save as is (new zip layout, zip times and core 'modified' at the forger's "
    "clock, in half of them years later, lastModifiedBy = the forger in half of them, "
    "openpyxl's app.xml); "
    "careful: original core.xml "
    "and app.xml bytes, original zip entry order and times put back.",
)
def ooxml_edit_resave(data: bytes, name: str, rng: random.Random, careful: bool) -> Forgery | None:
    from authenticity.synth import kind_of

    ext = kind_of(data, name)
    created, modified = core_dates(data)
    # a careless forger's save is dated by the clock of the day of the edit: half of them
    # work long after the leak, with a library of that day (no anachronism to catch)
    when = forge_time(rng, modified or created, present_share=0.0 if careful else 0.5)
    try:
        edit = {"xlsx": _edit_xlsx, "pptx": _edit_pptx}.get(ext, _edit_docx)
        out, notes = edit(data, rng, careful, when)
    except Exception:  # the library cannot read or write this file: not applicable
        return None
    original = zip_entries(data)
    if careful:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            keep = {n: z.read(n) for n in (CORE, APP) if n in z.namelist()}
        new_names = [i.filename for i in zip_entries(out)]
        order = [i.filename for i in original if i.filename in new_names]
        order += [n for n in new_names if n not in order]
        stamps = {i.filename: i.date_time for i in original}
        common = collections.Counter(stamps.values()).most_common(1)[0][0]
        out = _restamp(out, keep, order, stamps, common)
        notes["restored"] = sorted(keep)
    else:
        out = rewrite_zip(out, date_time=zip_time(when))
    return make(out, data, forged_name(name, rng), "ooxml_edit_resave", careful, **notes)


def _restamp(
    data: bytes,
    replace: dict[str, bytes],
    order: list[str],
    stamps: dict[str, tuple[int, int, int, int, int, int]],
    default: tuple[int, int, int, int, int, int],
) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        infos = {i.filename: i for i in src.infolist()}
        for n in order:
            info = zipfile.ZipInfo(n, date_time=stamps.get(n, default))
            info.compress_type = infos[n].compress_type
            info.external_attr = infos[n].external_attr
            dst.writestr(info, replace.get(n, src.read(n)))
    return out.getvalue()


@technique(
    "ooxml_rezip",
    {"docx", "xlsx", "pptx"},
    "Unzip and re-zip the package with another tool's settings (content unchanged). "
    "Careless: entries sorted by name, every entry stamped with the forger's clock, another "
    "compression level and host system; careful: original order and entry times kept, only "
    "the deflate streams (compression level) and dropped extra fields differ.",
)
def ooxml_rezip(data: bytes, name: str, rng: random.Random, careful: bool) -> Forgery | None:
    try:
        entries = zip_entries(data)
    except zipfile.BadZipFile:
        return None
    level = rng.choice([1, 2, 3, 5, 7, 9])
    if careful:
        out = rewrite_zip(data, compresslevel=level)
        notes: dict = {"compresslevel": level, "order": "kept", "times": "kept"}
    else:
        created, modified = core_dates(data)
        when = forge_time(rng, modified or created)
        system = rng.choice([0, 3])
        order = sorted(i.filename for i in entries)
        out = rewrite_zip(
            data,
            order=order,
            date_time=zip_time(when),
            compresslevel=level,
            compress_type=zipfile.ZIP_DEFLATED,
            create_system=system,
        )
        notes = {
            "compresslevel": level,
            "order": "sorted",
            "zip_time": when.isoformat(),
            "create_system": system,
        }
    if out == data:
        return None
    return make(out, data, forged_name(name, rng), "ooxml_rezip", careful, **notes)

"""The date a document states on its face, held against its save dates (TS_DATELINE_AFTER_SAVED).

Documents are written by the real producers (python-docx, ReportLab, openpyxl) and
back-dated with the generator's own metadata editor or pikepdf."""

from __future__ import annotations

import datetime as dt
import hashlib
import io

import pikepdf
import pytest

from authenticity.analyse import analyse_document
from authenticity.config import Settings
from authenticity.extract.dateline import find_dateline, parse_date
from authenticity.model import Analysis, Document
from tests.conftest import corpus_file

UTC = dt.UTC
SAVED = dt.datetime(2017, 3, 14, 9, 30, tzinfo=UTC)


def analyse(data: bytes, name: str) -> Analysis:
    doc = Document(path=name, sha256=hashlib.sha256(data).hexdigest(), size=len(data), data=data)
    return analyse_document(doc, Settings(workers=0))


def codes(result: Analysis) -> dict[str, str]:
    return {f.code: f.severity.value for f in result.findings}


@pytest.mark.parametrize(
    ("text", "date"),
    [
        ("MEMORANDUM\nTo: All staff\nFrom: Director\n14 March 2017\nSubject: budget", "2017-03-14"),
        ("Paris, le 14 mars 2017\n\nMonsieur le Préfet,", "2017-03-14"),
        ("Communiqué de presse - Paris, le 1er avril 2017\n", "2017-04-01"),
        ("Date: 2017-03-14\nSubject: minutes", "2017-03-14"),
        ("Москва, 14 марта 2017 г.\nПРИКАЗ", "2017-03-14"),
        ("Monday, March 6, 2017\nMinutes of the meeting", "2017-03-06"),
        ("Warszawa, 12.04.2016 r.\nZarządzenie", "2016-04-12"),
        ("Berlin, den 3. Oktober 2016\nSehr geehrte", "2016-10-03"),
        ("Madrid, 5 de mayo de 2015\n", "2015-05-05"),
        ("Report\n03/04/2017\n", "2017-03-04"),  # ambiguous: the earlier reading
        ("Report\n04/23/2017\n", "2017-04-23"),  # only month-first is a date
        ("Minutes\nDatum: 7. Juni 2016, Raum 4\n", "2016-06-07"),
    ],
)
def test_datelines_in_several_languages_and_layouts(text: str, date: str):
    found = find_dateline(text)
    assert found is not None and found["date"] == date


@pytest.mark.parametrize(
    "text",
    [
        "The deadline is 14 March 2017 for all submissions.",  # a date in a sentence
        "Page 1 of 3\n2017\n",  # a year alone
        "Invoice 14.03.1887\n",  # outside the years a dateline may name
        "Zone 31/31/2017\n",  # not a date either way
        "",
    ],
)
def test_dates_that_are_not_a_dateline(text: str):
    assert find_dateline(text) is None


def test_parse_date_reads_the_first_date():
    assert parse_date("from 2 May 2016 to 2017-01-05") == (dt.date(2016, 5, 2), "2 May 2016")


def memo_docx(dateline: str, created: dt.datetime, modified: dt.datetime) -> bytes:
    import docx

    document = docx.Document()
    document.add_paragraph("MINISTRY OF EXAMPLES")
    document.add_paragraph(dateline)
    document.add_paragraph("Memorandum on the regional budget")
    document.add_paragraph("The committee approved the revised figures of 4 800 EUR.")
    props = document.core_properties
    props.author = "Jean Dupont"
    props.created = created.replace(tzinfo=None)
    props.modified = modified.replace(tzinfo=None)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def memo_pdf(dateline: str, when: dt.datetime) -> bytes:
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    c = canvas.Canvas(out, invariant=1)
    y = 780
    for line in ("Prefecture de la Gironde", dateline, "Arrete portant reglement", "Article 1"):
        c.drawString(72, y, line)
        y -= 18
    c.save()
    stamp = f"D:{when:%Y%m%d%H%M%S}Z"
    fixed = io.BytesIO()
    with pikepdf.open(io.BytesIO(out.getvalue())) as pdf:
        pdf.docinfo["/CreationDate"] = stamp
        pdf.docinfo["/ModDate"] = stamp
        pdf.save(fixed)
    return fixed.getvalue()


def test_a_memo_saved_on_its_date_is_consistent():
    data = memo_docx("14 March 2017", SAVED - dt.timedelta(hours=3), SAVED)
    result = analyse(data, "memo.docx")
    assert result.facts["text_dateline"]["date"] == "2017-03-14"
    assert "TS_DATELINE_AFTER_SAVED" not in codes(result)


def test_a_back_dated_memo_was_saved_before_the_date_it_carries():
    # Careful back-dating moves both dates alike (careless moves one, which
    # TS_CREATED_AFTER_MODIFIED reports, and keeps the latest).
    from authenticity.synth import forge

    source = memo_docx("14 March 2017", SAVED - dt.timedelta(hours=3), SAVED)
    for seed in range(40):  # the generator's shift is days, months or years: take months+
        forged = forge(source, "memo.docx", "metadata_backdate", seed, True)
        assert forged is not None
        result = analyse(forged.data, "memo.docx")
        latest = max(d for d in (result.metadata.created, result.metadata.modified) if d)
        if (SAVED - latest).days > 190:
            break
    else:
        pytest.fail("no back-dating by months in 40 seeds")
    found = [f for f in result.findings if f.code == "TS_DATELINE_AFTER_SAVED"]
    assert [f.severity.value for f in found] == ["medium"]
    assert found[0].evidence["dateline"]["text"] == "14 March 2017"
    assert found[0].evidence["gap_days"] > 180


def test_a_pdf_decree_dated_weeks_after_its_save_dates_is_low():
    data = memo_pdf("Bordeaux, le 20 avril 2017", SAVED)  # 37 days after the save
    result = analyse(data, "arrete.pdf")
    assert result.facts["text_dateline"]["date"] == "2017-04-20"
    assert codes(result).get("TS_DATELINE_AFTER_SAVED") == "low"
    assert "TS_DATELINE_AFTER_SAVED" not in codes(
        analyse(memo_pdf("Bordeaux, le 20 avril 2017", SAVED + dt.timedelta(days=37)), "arrete.pdf")
    )


def test_a_schedule_of_dates_to_come_in_a_spreadsheet_is_not_a_dateline():
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Déplacements"])
    sheet.append(["14/06/2017"])
    sheet.append(["Bordeaux, réunion publique"])
    book.properties.created = SAVED.replace(tzinfo=None)
    book.properties.modified = SAVED.replace(tzinfo=None)
    out = io.BytesIO()
    book.save(out)
    result = analyse(out.getvalue(), "schedule.xlsx")
    assert "TS_DATELINE_AFTER_SAVED" not in codes(result)


@pytest.mark.parametrize(
    "name",
    [
        "ooxml/apache__test-data_document_FieldCodes.docx",  # "16 June 2010", saved that day
        "pdf/py-pdf__021-pdfa_crazyones-pdfa.pdf",  # a 1998 text typeset in 2023
        "pdf/pdfminer__samples_contrib_pr-00530-ml-lines.pdf",  # "Thursday, August 6, 2020"
    ],
)
def test_corpus_documents_with_a_dateline_were_saved_on_or_after_it(name: str):
    result = analyse(corpus_file(name), name.rsplit("/", 1)[-1])
    assert "text_dateline" in result.facts
    assert "TS_DATELINE_AFTER_SAVED" not in codes(result)


def test_any_text_yields_a_valid_dateline_or_none():
    from hypothesis import given, settings
    from hypothesis import strategies as st

    pieces = st.sampled_from(
        [
            "14",
            "3",
            ". ",
            "/",
            "-",
            "2017",
            "1989",
            "March",
            "mars",
            "марта",
            "le ",
            "Date:",
            "Paris, ",
            "\n",
            " ",
            "de ",
            "г.",
            "Monday, ",
            "12.04.2016",
            "31",
        ]
    )

    @settings(max_examples=300, deadline=None)
    @given(st.lists(pieces | st.text(max_size=5), max_size=30).map("".join))
    def check(text: str) -> None:
        found = find_dateline(text)
        if found is not None:
            when = dt.date.fromisoformat(found["date"])
            assert 1990 <= when.year <= 2100
            assert found["line"] >= 1

    check()

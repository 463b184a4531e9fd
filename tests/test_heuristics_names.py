"""Names check: an author or editor named in a script the document's text does not use."""

from __future__ import annotations

import hashlib

from authenticity.analyse import analyse_document
from authenticity.config import Settings
from authenticity.model import Analysis, Document
from tests.conftest import corpus_file
from tests.factories import make_docx, make_email

FRENCH = (
    "Compte rendu du comité de campagne du mardi. Le budget des déplacements du mois "
    "d'avril est arrêté à quarante-huit mille euros, dont douze mille pour les réunions "
    "publiques en région. L'équipe presse prépare le programme des interventions et la "
    "liste des invités pour la soirée de vendredi; le financement des tracts est reporté."
)
RUSSIAN = (
    "Протокол заседания штаба кампании во вторник. Бюджет поездок на апрель утверждён в "
    "размере сорока восьми тысяч евро, из них двенадцать тысяч на встречи в регионах. "
    "Пресс-служба готовит программу выступлений и список гостей на вечер пятницы."
)


def analyse(data: bytes, name: str) -> Analysis:
    doc = Document(path=name, sha256=hashlib.sha256(data).hexdigest(), size=len(data), data=data)
    return analyse_document(doc, Settings(workers=0))


def found(result: Analysis) -> list[tuple[str, str, str]]:
    return [
        (f.evidence["field"], f.evidence["name_script"], f.severity.value)
        for f in result.findings
        if f.code == "NAME_SCRIPT_UNLIKE_TEXT"
    ]


def test_cyrillic_editor_on_a_french_document_is_pointed_out():
    data = make_docx(author="Alice Martin", last_modified_by="Рошка Георгий", text=FRENCH)
    result = analyse(data, "note.docx")
    assert result.facts["text_scripts"]["Latin"] > 200
    assert found(result) == [("last_modified_by", "Cyrillic", "low")]
    finding = next(f for f in result.findings if f.code == "NAME_SCRIPT_UNLIKE_TEXT")
    assert finding.evidence["name"] == "Рошка Георгий"
    assert finding.evidence["text_script"] == "Latin"


def test_names_in_the_texts_own_script_are_not():
    # A Cyrillic author on a Russian text; a Latin account name on a Russian text.
    assert found(analyse(make_docx(author="Иван Петров", text=RUSSIAN), "a.docx")) == []
    assert found(analyse(make_docx(author="ivan.petrov", text=RUSSIAN), "b.docx")) == []
    # A Greek author on a text too short to say which scripts it uses.
    assert found(analyse(make_docx(author="Νίκος Παππάς", text="Budget avril."), "c.docx")) == []


def test_emails_are_left_out():
    import datetime as dt

    data = make_email(
        date=dt.datetime(2017, 4, 2, 10, 0, tzinfo=dt.UTC),
        sender="Рошка Георгий <georgiy@campagne.example>",
        body=FRENCH,
    )
    result = analyse(data, "m.eml")
    assert result.metadata.author and "Рошка" in result.metadata.author
    assert found(result) == []


def test_corpus_documents_with_foreign_script_names_in_their_own_language():
    # Apache POI fixtures: a Russian Word file by a Cyrillic-named author, a Korean
    # workbook by a Hangul-named one.
    for rel in (
        "ooxml/apache__test-data_integration_stress003.docx",
        "ooxml/apache__test-data_spreadsheet_1_NoIden.xlsx",
    ):
        result = analyse(corpus_file(rel), rel.rsplit("/", 1)[-1])
        assert result.facts["name_scripts"]["author"] != "Latin"
        assert found(result) == [], rel


def test_unmapped_pdf_glyphs_are_not_latin_text():
    # A CJK PDF whose fonts lack a ToUnicode map comes out as "(cid:123)" tokens: their
    # letters are not the document's script.
    from authenticity.extract.lang import script_counts

    assert script_counts("(cid:1234)(cid:56) (cid:7)" * 40) == {}
    assert script_counts("(cid:12) 会议纪要 budget") == {"CJK": 4, "Latin": 6}

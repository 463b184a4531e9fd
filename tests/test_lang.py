"""Language and script detection (authenticity/extract/lang.py) and its facts in the analysis."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest

from authenticity.dumpwide.baseline import script_of as baseline_script_of
from authenticity.extract.lang import LANGUAGE_CHARS, detect, language_facts, script_of
from authenticity.model import Extraction, Metadata

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
needs_corpus = pytest.mark.skipif(not CORPUS.is_dir(), reason="shared corpus not available")

ENGLISH = "The quarterly report shows that revenue grew in every region except the north."
GERMAN = "Der Quartalsbericht zeigt, dass der Umsatz in allen Regionen außer im Norden wuchs."
RUSSIAN = "Квартальный отчёт показывает, что выручка выросла во всех регионах, кроме севера."
FRENCH = "Le rapport trimestriel montre que le chiffre d'affaires a augmenté dans chaque région."


@pytest.mark.parametrize(
    ("text", "lang"), [(ENGLISH, "en"), (GERMAN, "de"), (RUSSIAN, "ru"), (FRENCH, "fr")]
)
def test_detect(text: str, lang: str) -> None:
    found = detect(text)
    assert found is not None
    assert found[0] == lang
    assert 0.5 < found[1] <= 1.0


def test_detect_abstains_without_enough_letters() -> None:
    assert detect(None) is None
    assert detect("") is None
    assert detect("12345 67 -- 89") is None
    assert detect("Hello there", min_letters=50) is None


def test_detect_reads_only_the_first_language_chars_characters() -> None:
    german = (GERMAN + " ") * (LANGUAGE_CHARS // len(GERMAN) + 1)
    assert LANGUAGE_CHARS <= len(german) < LANGUAGE_CHARS + 2 * len(GERMAN)
    text = german + ENGLISH * 2000
    assert len(text) > 100_000
    assert detect(text)[0] == "de"
    # English inside the window outweighs the German after it.
    assert detect(ENGLISH * (LANGUAGE_CHARS // len(ENGLISH)) + german)[0] == "en"


@pytest.mark.parametrize(
    ("text", "script"),
    [
        ("John Smith", "Latin"),
        ("Иван Петров", "Cyrillic"),
        ("Γιώργος Παπαδόπουλος", "Greek"),
        ("محمد علي", "Arabic"),
        ("דוד כהן", "Hebrew"),
        ("田中太郎", "CJK"),
        ("1234 - 5678", None),
        (None, None),
    ],
)
def test_script_of(text: str | None, script: str | None) -> None:
    assert script_of(text) == script


def test_script_of_is_the_dump_wide_baseline_function() -> None:
    assert script_of is baseline_script_of


def test_language_facts_leave_metadata_language_alone() -> None:
    ex = Extraction(
        metadata=Metadata(author="Иван Петров", company="ACME Ltd", title="Отчёт", language=None),
        text=RUSSIAN * 2,
    )
    language_facts(ex)
    assert ex.facts["text_language"] == "ru"
    assert ex.facts["text_language_prob"] > 0.9
    assert ex.facts["name_scripts"] == {
        "author": "Cyrillic",
        "company": "Latin",
        "title": "Cyrillic",
    }
    assert ex.metadata.language is None


def test_language_facts_skip_short_text() -> None:
    ex = Extraction(metadata=Metadata(), text="Short text.")
    language_facts(ex)
    assert "text_language" not in ex.facts
    assert ex.facts["name_scripts"] == {}


def _analyse(data: bytes, name: str):
    from authenticity.analyse import analyse_document
    from authenticity.config import Settings
    from authenticity.model import Document

    doc = Document(path=name, sha256=hashlib.sha256(data).hexdigest(), size=len(data), data=data)
    return analyse_document(doc, Settings(workers=0))


def test_analysis_of_a_python_docx_file_has_language_facts() -> None:
    docx = pytest.importorskip("docx")
    document = docx.Document()
    document.core_properties.author = "Jürgen Müller"
    document.core_properties.title = "Quartalsbericht"
    document.add_paragraph(GERMAN)
    document.add_paragraph(GERMAN)
    buf = io.BytesIO()
    document.save(buf)
    analysis = _analyse(buf.getvalue(), "report.docx")
    assert analysis.status == "ok"
    assert analysis.facts["text_language"] == "de"
    assert analysis.facts["name_scripts"]["author"] == "Latin"
    assert analysis.facts["name_scripts"]["title"] == "Latin"


@needs_corpus
@pytest.mark.parametrize(
    ("rel", "lang", "scripts"),
    [
        (
            "ooxml/apache__test-data_integration_stress003.docx",
            "ru",
            {"author": "Cyrillic", "last_modified_by": "Cyrillic"},
        ),
        (
            "ooxml/apache__test-data_integration_stress017.docx",
            "pl",
            {"author": "Latin", "last_modified_by": "Latin", "company": "Latin"},
        ),
        ("pdf/py-pdf__004-pdflatex-4-pages_pdflatex-4-pages.pdf", "en", {}),
    ],
)
def test_analysis_of_corpus_files_has_language_facts(
    rel: str, lang: str, scripts: dict[str, str]
) -> None:
    analysis = _analyse((CORPUS / rel).read_bytes(), Path(rel).name)
    assert analysis.facts["text_language"] == lang
    assert analysis.facts["name_scripts"] == scripts
    assert analysis.metadata.language is None  # the detected language is a fact only

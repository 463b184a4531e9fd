"""Language and script detection for extracted text and metadata values.

:func:`detect` wraps py3langid (its model ships inside the package: nothing is downloaded)
and looks at the first :data:`LANGUAGE_CHARS` characters only (script counts: the first
:data:`MAX_CHARS`). :func:`script_of` names the
Unicode script most letters are written in; it is the dump-wide baseline's function,
re-exported here so extractors and the dump-wide pass agree on script names.
"""

from __future__ import annotations

import re
import threading
from typing import Any

from authenticity.dumpwide.baseline import script_letters, script_of

__all__ = [
    "LANGUAGE_CHARS",
    "MAX_CHARS",
    "MIN_LETTERS",
    "detect",
    "language_facts",
    "letter_count",
    "script_counts",
    "script_of",
]

#: Characters of the text whose letters are counted per script.
MAX_CHARS = 5000
#: Characters of the text handed to the language classifier. Its cost grows with the
#: sample (1.3 ms for 5,000 characters, 0.55 ms for 2,000 on the benchmark machine) and
#: 2,000 characters are plenty for a language guess; the guess is shown as evidence only
#: (no check or model feature depends on it).
LANGUAGE_CHARS = 2000
#: Fewer letters than this and :func:`detect` abstains (short strings are guesses).
MIN_LETTERS = 50

_identifier: Any = None
_lock = threading.Lock()


def _get_identifier() -> Any:
    global _identifier
    if _identifier is None:
        with _lock:
            if _identifier is None:
                from py3langid.langid import MODEL_FILE, LanguageIdentifier

                _identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    return _identifier


def letter_count(text: str) -> int:
    """Number of alphabetic characters in ``text``."""
    return sum(map(str.isalpha, text))


#: pdfminer's stand-in for a glyph its font cannot map to Unicode: not text of any script.
_UNMAPPED_GLYPH = re.compile(r"\(cid:\d+\)")


def script_counts(text: str | None) -> dict[str, int]:
    """Letters per Unicode script in the first :data:`MAX_CHARS` characters of ``text``
    (``(cid:N)`` placeholders of unmapped PDF glyphs left out)."""
    return dict(script_letters(_UNMAPPED_GLYPH.sub(" ", (text or "")[:MAX_CHARS])))


def detect(text: str | None, min_letters: int = 1) -> tuple[str, float] | None:
    """``(ISO 639-1 code, probability)`` of the first :data:`LANGUAGE_CHARS` characters, or
    ``None``.

    ``None`` when the text has fewer than ``min_letters`` letters (or none at all).
    """
    if not text:
        return None
    sample = text[:LANGUAGE_CHARS]
    if letter_count(sample) < max(1, min_letters):
        return None
    lang, prob = _get_identifier().classify(sample)
    return str(lang), round(float(prob), 4)


#: Normalized metadata fields whose script is recorded in ``facts["name_scripts"]``.
NAME_FIELDS = ("author", "last_modified_by", "company", "title")


def language_facts(extraction: Any) -> None:
    """Add ``text_language``/``text_language_prob``, ``text_scripts`` and ``name_scripts``.

    The detected language is a fact only: ``metadata.language`` keeps what the file declares.
    Best effort: a classifier failure is recorded as ``text_language_error``.
    """
    facts = extraction.facts
    meta = extraction.metadata
    facts["name_scripts"] = {
        name: script
        for name in NAME_FIELDS
        if isinstance(value := getattr(meta, name, None), str) and (script := script_of(value))
    }
    scripts = script_counts(extraction.text)
    if sum(scripts.values()) >= MIN_LETTERS:
        facts["text_scripts"] = scripts
    try:
        found = detect(extraction.text, min_letters=MIN_LETTERS)
    except Exception as exc:  # the classifier must never fail an extraction
        facts["text_language_error"] = f"{type(exc).__name__}: {exc}"[:500]
        return
    if found is not None:
        facts["text_language"], facts["text_language_prob"] = found

"""Names check: who the metadata says wrote a document, against the document's own text.

An author or last editor whose name is written in a script that the document's text does
not use at all (a Cyrillic editor name on a French memo, a Greek author on an English
report) is the trace analysts found on the 2017 campaign leak's planted files: the forger's
own account name stayed in the metadata. It is not proof on its own: people write in
languages other than their own, and a colleague abroad edits a file. So the finding is low;
the dump-wide baseline (``BASELINE_FOREIGN_SCRIPT``) says how rare such a name is in the
dump as a whole.

Only names in a non-Latin script are compared: account names are written in Latin letters
everywhere (``admin``, ``user``, ``Ivan``), so a Latin name on a Russian text means nothing.
Emails are left out: a sender's display name in their own script on a message written in
another language is everyday correspondence.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from authenticity.model import Finding, Metadata, Severity

#: The text must have at least this many letters (in the extracted sample) to say which
#: scripts it uses; the name's script may make up at most this share of them.
MIN_TEXT_LETTERS = 200
MAX_NAME_SCRIPT_SHARE = 0.005
#: Metadata fields compared, with how the finding names them.
FIELDS = (("author", "author"), ("last_modified_by", "last editor"))
_EMAIL_MIMES = frozenset(
    {"message/rfc822", "message/news", "text/x-mail", "application/vnd.ms-outlook"}
)


def check_name_script_unlike_text(
    meta: Metadata, facts: dict[str, Any], mime: str
) -> Iterator[Finding]:
    """An author or last editor named in a script the document's text does not use."""
    if mime in _EMAIL_MIMES or facts.get("parsed_as") == "rfc822":
        return
    names = facts.get("name_scripts")
    scripts = facts.get("text_scripts")
    if not isinstance(names, dict) or not isinstance(scripts, dict):
        return
    letters = sum(v for v in scripts.values() if isinstance(v, int))
    if letters < MIN_TEXT_LETTERS:
        return
    text_script = max(scripts, key=lambda k: scripts[k])
    for field, label in FIELDS:
        script = names.get(field)
        if not isinstance(script, str) or script == "Latin":
            continue
        share = scripts.get(script, 0) / letters
        if share > MAX_NAME_SCRIPT_SHARE:
            continue
        value = getattr(meta, field, None)
        yield Finding(
            "NAME_SCRIPT_UNLIKE_TEXT",
            Severity.LOW,
            f"The {label} {value!r} is written in {script} script, but the document's text "
            f"is in {text_script} script with (almost) no {script} letters: the name comes "
            "from an account set up outside the document's language area, or was set by "
            "someone other than the people who wrote the text. Check who this person is.",
            {
                "field": field,
                "name": value,
                "name_script": script,
                "text_script": text_script,
                "text_letters": letters,
                "text_language": facts.get("text_language"),
            },
        )


CHECKS = (lambda meta, facts, ctx: check_name_script_unlike_text(meta, facts, ctx.mime),)

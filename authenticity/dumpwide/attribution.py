"""The header a reply puts above the message it quotes, and the date it gives that message.

Mail clients head the quoted message with its sender and date, in the replier's language
and time zone: ``On Mon, Apr 10, 2017 at 11:00 AM, Alice <alice@x> wrote:`` (Gmail),
``Le lun. 10 avr. 2017 à 11:00, Alice a écrit :``, ``Am 10.04.2017 um 11:00 schrieb
Alice:``, or Outlook's block ``From: ... Sent: Monday, April 10, 2017 11:00 AM`` /
``Envoyé : lundi 10 avril 2017 11:00``. :func:`attribution_date` reads the calendar date of
the first such header of a text (the message the reply answers; older ones follow it).

Dates are read when their order is known: a month written as a word (English, French,
German, Spanish, Italian, Dutch, Portuguese), German ``dd.mm.yyyy``, ISO ``yyyy-mm-dd``;
``dd/mm/yyyy`` and ``mm/dd/yyyy`` give one reading when a number is above 12, else both
(a check on such a header holds only when both readings disagree). Years have four
digits. Anything else gives None.
"""

from __future__ import annotations

import datetime as dt
import re

#: Header lines searched, at most (the attribution sits above the quote, near the top of a
#: short reply or under the reply's own text).
MAX_LINES = 400
#: Longer lines are not read as a header.
MAX_LINE = 300

#: Month names and abbreviations (English, French, German, Spanish, Italian, Dutch,
#: Portuguese, Russian in the genitive and nominative, Polish in the genitive) -> 1..12.
#: Shared with the dateline reader (:mod:`authenticity.extract.dateline`).
MONTHS: dict[str, int] = {}
for _number, _names in enumerate(
    (
        "jan january janv janvier januar enero ene gennaio gen januari janeiro января январь"
        " stycznia",
        "feb february fevr févr fevrier février februar febrero febbraio februari fevereiro fev"
        " февраля февраль lutego",
        "mar march mars märz maerz marzo mrt maart março marco марта март marca",
        "apr april avr avril abril abr aprile апреля апрель kwietnia",
        "may mai mayo maggio mag mei maio мая май maja",
        "jun june juin juni junio giugno giu junho июня июнь czerwca",
        "jul july juil juillet juli julio luglio lug julho июля июль lipca",
        "aug august aout août agosto ago augustus августа август sierpnia",
        "sep sept september septembre septiembre settembre set setembro сентября сентябрь września",
        "oct october octobre oktober okt octubre ottobre ott okt outubro out октября октябрь"
        " października",
        "nov november novembre noviembre novembro ноября ноябрь listopada",
        "dec december décembre decembre dez dezember diciembre dic dicembre dezembro декабря"
        " декабрь grudnia",
    ),
    start=1,
):
    for _name in _names.split():
        MONTHS[_name] = _number

#: Lines that head a quoted message: "On ... wrote:" in several languages, or the date
#: line of Outlook's header block.
_ATTRIBUTION = re.compile(
    r"^\s*>*\s*(?:on|le|am|el|il|op|em)\s.{4,200}?\s"
    r"(?:wrote|a écrit|a ecrit|schrieb|escribió|escribio|ha scritto|schreef|escreveu)"
    r"(?:\s[^:]{1,120})?\s*:\s*$",
    re.IGNORECASE,
)
#: Outlook's header block: a From line, then (within a few lines) the date line.
_BLOCK_FROM = re.compile(r"^\s*>*\s*\*?(?:from|de|von|da|van)\s*:\*?\s", re.IGNORECASE)
_BLOCK_DATE = re.compile(
    r"^\s*>*\s*\*?(?:sent|envoyé|envoye|gesendet|enviado|inviato|verzonden|date|datum|fecha"
    r"|data)\s*:\*?\s.{6,120}$",
    re.IGNORECASE,
)
#: Lines between an Outlook block's From line and its date line, at most.
BLOCK_GAP = 3
#: The separator line some clients put above a quoted or forwarded message.
SEPARATOR = re.compile(
    r"^\s*(?:-{2,}\s*(?:forwarded message|original message|message transféré|message transfere"
    r"|message d'origine|weitergeleitete nachricht|ursprüngliche nachricht|mensaje reenviado"
    r"|mensaje original|messaggio inoltrato|messaggio originale|doorgestuurd bericht)\s*-{2,}"
    r"|(?:begin forwarded message|début du message réexpédié|debut du message reexpedie"
    r"|anfang der weitergeleiteten nachricht)\s*:)\s*$",
    re.IGNORECASE,
)
_WORD_DATE_DMY = re.compile(
    r"(?<!\d)(\d{1,2})(?:er|st|nd|rd|th|º|\.)?\s+(?:de\s+)?([^\W\d_]{3,12})\.?,?\s+(?:de\s+)?"
    r"((?:19|20)\d\d)(?!\d)"
)
_WORD_DATE_MDY = re.compile(
    r"(?<![^\W\d_])([^\W\d_]{3,12})\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+((?:19|20)\d\d)(?!\d)"
)
_DOTTED = re.compile(r"(?<![\d.])(\d{1,2})\.(\d{1,2})\.((?:19|20)\d\d)(?!\d)")
_ISO = re.compile(r"(?<!\d)((?:19|20)\d\d)-(\d{2})-(\d{2})(?!\d)")
_SLASHED = re.compile(r"(?<![\d/])(\d{1,2})/(\d{1,2})/((?:19|20)\d\d)(?!\d)")


def _date(year: str, month: int | None, day: str | int) -> dt.date | None:
    if month is None:
        return None
    try:
        return dt.date(int(year), month, int(day))
    except ValueError:
        return None


#: A field line of a quoted or forwarded message's header block (From, Sent, To, Cc,
#: Subject, Date... in the languages above); ``name`` and ``value`` groups.
HEADER_FIELD = re.compile(
    r"^\s*\*?(?P<name>from|de|von|da|van|to|à|a|an|para|aan|cc|bcc|cci|subject|objet|betreff"
    r"|asunto|oggetto|onderwerp|date|sent|envoyé|envoye|gesendet|datum|fecha|enviado|inviato"
    r"|data|verzonden|importance|priorité|reply-to)\s*:\*?\s*(?P<value>.{0,300})$",
    re.IGNORECASE,
)


def is_quote_header(line: str) -> bool:
    """Whether a line heads a quoted message: an ``On ... wrote:`` line, an original-message
    separator, or the From line of Outlook's header block."""
    return len(line) <= MAX_LINE and bool(
        _ATTRIBUTION.match(line) or SEPARATOR.match(line) or _BLOCK_FROM.match(line)
    )


def parse_header_date(line: str) -> dt.date | None:
    """The unambiguous calendar date in one attribution line, or None."""
    readings = parse_header_dates(line)
    return readings[0] if len(readings) == 1 else None


def parse_header_dates(line: str) -> tuple[dt.date, ...]:
    """The calendar date one attribution line states: one reading, or the two readings of
    ``dd/mm/yyyy`` against ``mm/dd/yyyy`` when both numbers are 12 or less (``10/04/2017``:
    10 April or 4 October); empty when it states none."""
    found = find_date(line)
    return found[0] if found else ()


def find_date(line: str) -> tuple[tuple[dt.date, ...], str] | None:
    """The date a line states and the text it was read from: a month written out ("14 March
    2017", "March 14th, 2017", "14 de marzo de 2017", "14 марта 2017"), else ISO or dotted
    day-first numbers, else a slashed date (both readings when both are possible)."""
    for pattern, order in ((_WORD_DATE_DMY, "dmy"), (_WORD_DATE_MDY, "mdy")):
        for m in pattern.finditer(line):
            if order == "dmy":
                day, name, year = m.groups()
            else:
                name, day, year = m.groups()
            found = _date(year, MONTHS.get(name.casefold().rstrip(".")), day)
            if found is not None:
                return (found,), m.group(0)
    for pattern, (y, mo, d) in ((_ISO, (1, 2, 3)), (_DOTTED, (3, 2, 1))):
        if m := pattern.search(line):
            found = _date(m[y], int(m[mo]), m[d])
            return ((found,), m.group(0)) if found is not None else None
    if m := _SLASHED.search(line):
        a, b = int(m[1]), int(m[2])
        readings = {_date(m[3], b, a), _date(m[3], a, b)} - {None}
        if readings:
            return tuple(sorted(r for r in readings if r is not None)), m.group(0)
    return None


def attribution_date(text: str) -> tuple[tuple[dt.date, ...], str] | None:
    """(the date's readings, header line) of the first quote header of a reply's text that
    states a date: one reading, or two for an ambiguous ``dd/mm`` date (a check then holds
    only when both readings disagree); None when there is none."""
    last_from = -BLOCK_GAP - 1
    for n, line in enumerate(text.splitlines()):
        if n >= MAX_LINES:
            break
        if len(line) > MAX_LINE:
            continue
        if _BLOCK_FROM.match(line):
            last_from = n
            continue
        if _ATTRIBUTION.match(line) or (n - last_from <= BLOCK_GAP and _BLOCK_DATE.match(line)):
            found = parse_header_dates(line)
            if found:
                return found, line.strip()
    return None

"""Text formats: plain text, CSV, logs, HTML, XML/JSON and RTF.

Decoding sniffs a BOM, then tries UTF-8, then cp1252 and latin-1. HTML metadata comes from
``<title>`` and ``<meta>`` (stdlib ``html.parser``); RTF metadata from the ``{\\info}``
group. Text that is really an RFC 822 message (libmagic often says text/plain for mail)
is handed to the email extractor.
"""

from __future__ import annotations

import codecs
import datetime as dt
import re
from html.parser import HTMLParser
from typing import Any

from authenticity.errors import ExtractionError
from authenticity.extract import register
from authenticity.model import Extraction, Metadata
from authenticity.timeutil import parse_iso8601

MAX_TEXT = 100_000
#: Decoding and structure sniffing never look further than this.
MAX_DECODE = 16 * 1024 * 1024

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


# --------------------------------------------------------------------------- decoding


def decode_text(data: bytes) -> tuple[str, str]:
    """(text, encoding): BOM, then strict UTF-8, then cp1252, then latin-1 (never fails)."""
    data = data[:MAX_DECODE]
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            text = data[len(bom) :].decode(encoding.replace("-sig", ""), "replace")
            return text, encoding
    for encoding in ("utf-8", "cp1252"):
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError as exc:
            # A multi-byte sequence cut by the MAX_DECODE limit is still UTF-8.
            if encoding == "utf-8" and exc.start >= len(data) - 3 and len(data) == MAX_DECODE:
                return data.decode("utf-8", "replace"), "utf-8"
    return data.decode("latin-1"), "latin-1"


def _looks_binary(data: bytes) -> bool:
    head = data[:8192]
    if not head or any(head.startswith(bom) for bom, _ in _BOMS):
        return False
    return head.count(b"\x00") > max(1, len(head) // 100)


# --------------------------------------------------------------------------- RFC 822 sniffing

_HEADER_LINE = re.compile(r"^([!-9;-~]+):[ \t]*(.*)$")
_MAIL_HEADERS = {
    "from", "to", "cc", "subject", "date", "message-id", "received", "return-path",
    "delivered-to", "mime-version", "dkim-signature", "x-mailer", "reply-to", "sender",
    "in-reply-to", "references", "content-type", "authentication-results", "user-agent",
    "x-original-to", "envelope-to", "arc-seal", "list-id",
}  # fmt: skip


def looks_like_email(text: str) -> bool:
    """True when the text opens with a block of RFC 822 headers that includes mail headers."""
    lines = text[:65536].splitlines()
    if lines and lines[0].startswith("From ") and not lines[0].startswith("From: "):
        lines = lines[1:]  # mbox envelope line
    names: list[str] = []
    for index, line in enumerate(lines):
        if not line.strip():
            break
        if line[0] in " \t":
            if index == 0:
                return False
            continue
        m = _HEADER_LINE.match(line)
        if not m:
            return False
        names.append(m.group(1).lower())
        if len(names) > 1000:
            break
    known = {n for n in names if n in _MAIL_HEADERS}
    return len(names) >= 2 and len(known) >= 2


# --------------------------------------------------------------------------- HTML

_BLOCK_TAGS = {
    "p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "table", "section",
    "article", "header", "footer", "blockquote", "pre", "hr", "title", "ul", "ol", "dd", "dt",
}  # fmt: skip
_SKIP_TAGS = {"script", "style", "head", "noscript", "template"}


class _HTMLText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.title: list[str] = []
        self.meta: dict[str, str] = {}
        self.lang: str | None = None
        self._skip = 0
        self._in_title = False
        self._size = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = {k.lower(): (v or "") for k, v in attrs}
        if tag == "html" and attr.get("lang") and self.lang is None:
            self.lang = attr["lang"].strip() or None
        if tag == "meta":
            key = (attr.get("name") or attr.get("property") or attr.get("http-equiv") or "").strip()
            if key and "content" in attr and key.lower() not in self.meta:
                self.meta[key.lower()] = attr["content"].strip()[:10_000]
            if "charset" in attr:
                self.meta.setdefault("charset", attr["charset"].strip())
        if tag == "title":
            self._in_title = True
        elif tag in _SKIP_TAGS:
            self._skip += 1
        if tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag in _SKIP_TAGS:
            self._skip = max(0, self._skip - 1)

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        elif tag in _SKIP_TAGS:
            self._skip = max(0, self._skip - 1)
        if tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title.append(data)
        elif not self._skip and self._size < MAX_TEXT * 2:
            self.parts.append(data)
            self._size += len(data)


def _tidy(text: str) -> str:
    text = re.sub(r"[ \t\r\f\v\u00a0]+", " ", text)
    text = re.sub(r" ?\n ?", "\n", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def _parse_html(html: str) -> _HTMLText:
    parser = _HTMLText()
    try:
        parser.feed(html)
        parser.close()
    except Exception:  # html.parser is lenient; keep whatever was gathered
        pass
    return parser


def html_to_text(html: str) -> str:
    """Visible text of an HTML document (scripts/styles dropped), whitespace tidied."""
    return _tidy("".join(_parse_html(html).parts))


def _html_date(meta: dict[str, str], *keys: str) -> dt.datetime | None:
    for key in keys:
        if meta.get(key):
            parsed = parse_iso8601(meta[key])
            if parsed is not None:
                return parsed
    return None


def _extract_html(text: str) -> tuple[Metadata, str, dict[str, Any]]:
    parser = _parse_html(text)
    meta = parser.meta
    title = _tidy("".join(parser.title)) or None
    md = Metadata(
        title=title,
        author=meta.get("author") or meta.get("dc.creator") or meta.get("dcterms.creator"),
        application=meta.get("generator") or meta.get("progid"),
        language=parser.lang or meta.get("content-language") or meta.get("dc.language"),
        subject=meta.get("description") or meta.get("dc.description"),
        keywords=meta.get("keywords"),
        created=_html_date(meta, "dcterms.created", "dc.date.created", "created", "date"),
        modified=_html_date(meta, "dcterms.modified", "dc.date.modified", "last-modified"),
        raw={"title": title, "meta": meta, "lang": parser.lang},
    )
    return md, _tidy("".join(parser.parts)), {"html": True, "meta_count": len(meta)}


# --------------------------------------------------------------------------- RTF

_RTF_TOKEN = re.compile(
    r"\\([a-zA-Z]+)(-?\d+)? ?|\\'([0-9a-fA-F]{2})|\\([^a-zA-Z])|([{}])|[\r\n]+|([^\\{}\r\n]+)"
)
#: Destinations whose content is not document text.
_RTF_SKIP = {
    "aftncn", "aftnsep", "aftnsepc", "annotation", "atnauthor", "atndate", "atnicn", "atnid",
    "atnparent", "atnref", "atntime", "atrfend", "atrfstart", "author", "background",
    "bkmkend", "bkmkstart", "blipuid", "buptim", "category", "colorschememapping",
    "colortbl", "comment", "company", "creatim", "datafield", "datastore", "defchp", "defpap",
    "do", "doccomm", "docvar", "dptxbxtext", "ebcend", "ebcstart", "factoidname", "falt",
    "fchars", "ffdeftext", "ffentrymcr", "ffexitmcr", "ffformat", "ffhelptext", "ffl",
    "ffname", "ffstattext", "file", "filetbl", "fldinst", "fldtype", "fname",
    "fontemb", "fontfile", "fonttbl", "footer", "footerf", "footerl", "footerr", "footnote",
    "formfield", "ftncn", "ftnsep", "ftnsepc", "g", "generator", "gridtbl", "header",
    "headerf", "headerl", "headerr", "hl", "hlfr", "hlinkbase", "hlloc", "hlsrc", "hsv",
    "htmltag", "info", "keycode", "keywords", "latentstyles", "lchars", "levelnumbers",
    "leveltext", "lfolevel", "linkval", "list", "listlevel", "listname", "listoverride",
    "listoverridetable", "listpicture", "liststylename", "listtable", "listtext",
    "lsdlockedexcept", "macc", "maccPr", "mailmerge", "maln", "malnScr", "manager", "margPr",
    "mbar", "mbarPr", "mbaseJc", "mbegChr", "mborderBox", "mborderBoxPr", "mbox", "mboxPr",
    "mchr", "mcount", "mctrlPr", "md", "mdeg", "mdegHide", "mden", "mdiff", "mdPr", "me",
    "mendChr", "meqArr", "meqArrPr", "mf", "mfName", "mfPr", "mfunc", "mfuncPr", "mgroupChr",
    "mgroupChrPr", "mgrow", "mhideBot", "mhideLeft", "mhideRight", "mhideTop", "mhtmltag",
    "mlim", "mlimloc", "mlimlow", "mlimlowPr", "mlimupp", "mlimuppPr", "mm", "mmaddfieldname",
    "mmath", "mmathPict", "mmathPr", "mmaxdist", "mmc", "mmcJc", "mmconnectstr",
    "mmconnectstrdata", "mmcPr", "mmcs", "mmdatasource", "mmheadersource", "mmmailsubject",
    "mmodso", "mmodsofilter", "mmodsofldmpdata", "mmodsomappedname", "mmodsoname",
    "mmodsorecipdata", "mmodsosort", "mmodsosrc", "mmodsotable", "mmodsoudl",
    "mmodsoudldata", "mmodsouniquetag", "mmPr", "mmquery", "mmr", "mnary", "mnaryPr",
    "mnoBreak", "mnum", "mobjDist", "moMath", "moMathPara", "moMathParaPr", "mopEmu",
    "mphant", "mphantPr", "mplcHide", "mpos", "mr", "mrad", "mradPr", "mrPr", "msepChr",
    "mshow", "mshp", "msPre", "msPrePr", "msSub", "msSubPr", "msSubSup", "msSubSupPr",
    "msSup", "msSupPr", "mstrikeBLTR", "mstrikeH", "mstrikeTLBR", "mstrikeV", "msub",
    "msubHide", "msup", "msupHide", "mtransp", "mtype", "mvertJc", "mvfmf", "mvfml", "mvtof",
    "mvtol", "mzeroAsc", "mzeroDesc", "mzeroWid", "nesttableprops", "nextfile",
    "nonesttables", "objalias", "objclass", "objdata", "object", "objname", "objsect",
    "objtime", "oldcprops", "oldpprops", "oldsprops", "oldtprops", "oleclsid", "operator",
    "panose", "password", "passwordhash", "pgp", "pgptbl", "picprop", "pict", "pn", "pnseclvl",
    "pntext", "pntxta", "pntxtb", "printim", "private", "propname", "protend", "protstart",
    "protusertbl", "pxe", "revtbl", "revtim", "rsidtbl", "rxe", "shp", "shpgrp",
    "shpinst", "shppict", "shprslt", "shptxt", "sn", "sp", "staticval", "stylesheet",
    "subject", "sv", "svb", "tc", "template", "themedata", "title", "txe", "ud", "upr",
    "userprops", "wgrffmtfilter", "windowcaption", "writereservation", "writereservhash",
    "xe", "xform", "xmlattrname", "xmlattrvalue", "xmlclose", "xmlname", "xmlnstbl",
    "xmlopen",
}  # fmt: skip
_RTF_SPECIAL = {
    "par": "\n", "sect": "\n\n", "page": "\n\n", "line": "\n", "tab": "\t", "emdash": "\u2014",
    "endash": "\u2013", "emspace": "\u2003", "enspace": "\u2002", "qmspace": "\u2005",
    "bullet": "\u2022", "lquote": "\u2018", "rquote": "\u2019", "ldblquote": "\u201c",
    "rdblquote": "\u201d", "row": "\n", "cell": " | ", "nestcell": " | ",
}  # fmt: skip
_RTF_INFO_TEXT = {
    "title": "title", "subject": "subject", "author": "author", "manager": "manager",
    "company": "company", "operator": "operator", "category": "category",
    "keywords": "keywords", "comment": "comment", "doccomm": "doccomm",
    "hlinkbase": "hlinkbase",
}  # fmt: skip
_RTF_INFO_TIME = ("creatim", "revtim", "printim", "buptim")
_RTF_INFO_NUM = ("version", "vern", "edmins", "nofpages", "nofwords", "nofchars", "nofcharsws")


def _rtf_codepage(rtf: str) -> str:
    m = re.search(r"\\ansicpg(\d+)", rtf[:4096])
    if m:
        name = f"cp{m.group(1)}"
        try:
            codecs.lookup(name)
            return name
        except LookupError:
            pass
    return "cp1252"


def rtf_to_text(rtf: str, codepage: str | None = None) -> str:
    """Best-effort plain text of an RTF document: strip control words, skip destinations."""
    codepage = codepage or _rtf_codepage(rtf)
    stack: list[tuple[int, bool]] = []
    ignorable = False
    uc_skip = 1
    skip_chars = 0
    out: list[str] = []
    pending: bytearray = bytearray()
    size = 0

    def flush() -> None:
        if pending:
            out.append(pending.decode(codepage, "replace"))
            pending.clear()

    for m in _RTF_TOKEN.finditer(rtf):
        word, arg, hexcode, symbol, brace, plain = m.groups()
        if brace:
            flush()
            skip_chars = 0
            if brace == "{":
                stack.append((uc_skip, ignorable))
            elif stack:
                uc_skip, ignorable = stack.pop()
        elif symbol:
            flush()
            skip_chars = 0
            if symbol == "*":
                ignorable = True
            elif not ignorable:
                if symbol in "\\{}":
                    out.append(symbol)
                elif symbol == "~":
                    out.append("\u00a0")
                elif symbol == "_":
                    out.append("-")
        elif word:
            flush()
            skip_chars = 0
            if word in _RTF_SKIP:
                ignorable = True
            elif ignorable:
                pass
            elif word in _RTF_SPECIAL:
                out.append(_RTF_SPECIAL[word])
            elif word == "uc":
                uc_skip = int(arg or 1)
            elif word == "u" and arg is not None:
                code = int(arg)
                out.append(chr(code + 65536 if code < 0 else code) if code != 0 else "")
                skip_chars = uc_skip
        elif hexcode:
            if skip_chars > 0:
                skip_chars -= 1
            elif not ignorable:
                pending.append(int(hexcode, 16))
        elif plain:
            flush()
            if skip_chars > 0:
                if skip_chars >= len(plain):
                    skip_chars -= len(plain)
                    continue
                plain = plain[skip_chars:]
                skip_chars = 0
            if not ignorable:
                out.append(plain)
                size += len(plain)
                if size > MAX_TEXT * 2:
                    break
    flush()
    return _tidy("".join(out))


def _rtf_group(rtf: str, start: int) -> str:
    """The text of the brace group opening at ``start`` (escaped braces respected)."""
    depth = 0
    i = start
    while i < len(rtf):
        ch = rtf[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                return rtf[start : i + 1]
        i += 1
    return rtf[start:]


def _rtf_subgroups(info: str) -> list[tuple[str, str]]:
    """Top-level ``{\\word ...}`` / ``{\\*\\word ...}`` groups inside the info group."""
    out: list[tuple[str, str]] = []
    i = 1
    while i < len(info) - 1:
        if info[i] == "\\":
            i += 2
            continue
        if info[i] == "{":
            group = _rtf_group(info, i)
            m = re.match(r"\{\s*(?:\\\*\s*)?\\([a-zA-Z]+)(-?\d+)? ?", group)
            if m:
                out.append((m.group(1), group[m.end() : -1] if group.endswith("}") else group))
            i += max(len(group), 1)
            continue
        i += 1
    return out


def _rtf_time(body: str) -> dt.datetime | None:
    parts = {k: int(v) for k, v in re.findall(r"\\(yr|mo|dy|hr|min|sec)(\d+)", body)}
    if "yr" not in parts:
        return None
    try:
        return dt.datetime(
            parts["yr"], parts.get("mo", 1) or 1, parts.get("dy", 1) or 1,
            parts.get("hr", 0), parts.get("min", 0), parts.get("sec", 0),
        )  # fmt: skip
    except ValueError:
        return None


def _extract_rtf(text: str) -> tuple[Metadata, str, dict[str, Any]]:
    codepage = _rtf_codepage(text)
    raw: dict[str, Any] = {"codepage": codepage}
    facts: dict[str, Any] = {"rtf": True, "rtf_codepage": codepage}
    gen = re.search(r"\{\\\*\\generator\s+([^{}]*?);?\}", text[:65536])
    if gen:
        raw["generator"] = gen.group(1).strip()
    m = re.search(r"\{\\info\b", text)
    if m:
        info = _rtf_group(text, m.start())
        for word, body in _rtf_subgroups(info):
            if word in _RTF_INFO_TEXT:
                value = rtf_to_text("{" + body + "}", codepage).strip()
                if value:
                    raw[_RTF_INFO_TEXT[word]] = value
            elif word in _RTF_INFO_TIME:
                raw[word] = _rtf_time(body)
            elif word in ("userprops", "docvar"):
                raw.setdefault(word, []).append(rtf_to_text("{" + body + "}", codepage)[:1000])
        # Numeric control words directly inside \info (outside its subgroups).
        for word, value in re.findall(r"\\(" + "|".join(_RTF_INFO_NUM) + r")(-?\d+)", info):
            raw.setdefault(word, int(value))
        facts["rtf_info_group"] = True
    else:
        facts["rtf_info_group"] = False

    version = raw.get("version")
    md = Metadata(
        author=raw.get("author"),
        last_modified_by=raw.get("operator"),
        created=raw.get("creatim"),
        modified=raw.get("revtim"),
        printed=raw.get("printim"),
        title=raw.get("title"),
        subject=raw.get("subject"),
        keywords=raw.get("keywords"),
        company=raw.get("company"),
        application=raw.get("generator"),
        revision=version if isinstance(version, int) else None,
        edit_time=float(raw["edmins"]) * 60 if isinstance(raw.get("edmins"), int) else None,
        page_count=raw.get("nofpages") if isinstance(raw.get("nofpages"), int) else None,
        raw=raw,
    )
    if raw.get("doccomm"):
        facts["doccomm"] = raw["doccomm"]
    return md, rtf_to_text(text, codepage), facts


# --------------------------------------------------------------------------- entry point


def _is_html(text: str) -> bool:
    head = text[:2048].lstrip().lower()
    return head.startswith(("<!doctype html", "<html")) or (
        "<html" in head and not head.startswith("<?xml")
    )


@register(
    "text/*",
    "application/rtf",
    "application/json",
    "application/xml",
    "application/xhtml+xml",
    extensions=("txt", "csv", "log", "md", "html", "htm", "rtf", "xml", "json", "tsv", "xhtml"),
)
def extract_text(data: bytes) -> Extraction:
    if _looks_binary(data):
        raise ExtractionError("binary data, not text (NUL bytes)")
    text, encoding = decode_text(data)
    facts: dict[str, Any] = {"encoding": encoding, "truncated": len(data) > MAX_DECODE}

    if looks_like_email(text):
        from authenticity.extract.email import extract_rfc822

        try:
            result = extract_rfc822(data)
        except ExtractionError:
            pass
        else:
            result.facts.setdefault("encoding", encoding)
            result.facts["parsed_as"] = "rfc822"
            return result

    stripped = text.lstrip()
    if stripped.startswith("{\\rtf"):
        meta, body, extra = _extract_rtf(text)
        facts["parsed_as"] = "rtf"
    elif _is_html(text):
        meta, body, extra = _extract_html(text)
        facts["parsed_as"] = "html"
    else:
        meta, body, extra = Metadata(), text, {}
        facts["parsed_as"] = "text"
    facts.update(extra)
    facts["line_count"] = body.count("\n") + (1 if body else 0)
    facts["char_count"] = len(body)
    return Extraction(metadata=meta, text=body[:MAX_TEXT], facts=facts)

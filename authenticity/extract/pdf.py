"""PDF extractor: Info dictionary, XMP packet, structure counters and first-pages text.

pdfminer.six parses the file; nothing in it is executed (no JavaScript, no actions) and
the XMP packet is parsed with defusedxml.
"""

from __future__ import annotations

import io
import math
import re
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from pdfminer.pdfdevice import PDFTextDevice
from pdfminer.pdfdocument import (
    PDFBaseXRef,
    PDFDocument,
    PDFEncryptionError,
    PDFPasswordIncorrect,
    PDFXRef,
    PDFXRefFallback,
    PDFXRefStream,
)
from pdfminer.pdffont import PDFFont, PDFUnicodeNotDefined
from pdfminer.pdfinterp import PDFPageInterpreter, PDFResourceManager
from pdfminer.pdfpage import PDFPage
from pdfminer.pdfparser import PDFParser
from pdfminer.pdftypes import LITERALS_FLATE_DECODE, PDFObjRef, PDFStream, resolve1
from pdfminer.psparser import PSLiteral
from pdfminer.utils import apply_matrix_pt, decode_text, mult_matrix, nunpack

from authenticity.errors import EncryptedDocument, ExtractionError
from authenticity.extract import pdfcover, register, sfnt
from authenticity.extract._xml import parse_xmp, xmp_history_latest, xmp_id_latest
from authenticity.model import Extraction, Metadata
from authenticity.timeutil import as_utc, parse_iso8601, parse_pdf_date

_T = TypeVar("_T")

MAX_TEXT_CHARS = 100_000
MAX_TEXT_PAGES = 10
#: The header must appear near the start (Acrobat looks in the first 1024 bytes).
_HEADER = re.compile(rb"%PDF-(\d+\.\d+)")
#: The comment line after the header: writers put their own binary marker there.
_HEADER_COMMENT = re.compile(rb"%PDF-\d+\.\d+[ \t]*(?:\r\n|\r|\n)(%[^\r\n]{1,80})")

#: Binary header comments that name the software that wrote the file (the whole file: a
#: later incremental update appends and leaves the header alone). Markers shared by many
#: writers (``%âãÏÓ``: Acrobat, iText, pypdf ...; ``%µµµµ``: Office's "Save as PDF" but
#: also Adobe's PDF Library in the corpus) name nobody and are not listed.
WRITER_MARKERS: tuple[tuple[bytes, str], ...] = (
    (b"%\xbf\xf7\xa2\xfe", "qpdf"),  # qpdf and what builds on it: pikepdf, OCRmyPDF
    (b"%\x93\x8c\x8b\x9e ReportLab", "reportlab"),
    (b"%\xc2\xb5\xc2\xb6", "microsoft"),  # Microsoft Print to PDF
    (b"%\xc3\xa4\xc3\xbc\xc3\xb6\xc3\x9f", "libreoffice"),
    (b"%\xc7\xec\x8f\xa2", "ghostscript"),
    (b"%\xd0\xd4\xc5\xd8", "tex"),  # pdfTeX, LuaTeX
    (b"%\xc4\xe5\xf2\xe5\xeb\xa7\xf3\xa0\xd0\xc4\xc6", "quartz"),  # macOS
    (b"%\xf0\x9f\x96\xa4", "weasyprint"),
)


#: pypdf (and PyPDF2 before it) writes the common ``%âãÏÓ`` comment, then its first object
#: with the dictionary opened on a line of its own and one ``/Key value`` per line; the
#: writers that share the comment (Acrobat, iText, Word) write ``<</Key`` compactly.
_PYPDF_LAYOUT = re.compile(rb"%PDF-\d\.\d\n%\xe2\xe3\xcf\xd3\n\d+ 0 obj\n<<\n/[A-Za-z]+ ")


def header_writer(data: bytes) -> tuple[str | None, str | None]:
    """(hex of the header comment, writer it names or None) from the first bytes."""
    head = data[:200].lstrip(b"\x00\xef\xbb\xbf \t\r\n")
    m = _HEADER_COMMENT.match(head)
    if m is None:
        return None, None
    comment = m.group(1)
    writer = next((name for marker, name in WRITER_MARKERS if comment.startswith(marker)), None)
    if writer is None and _PYPDF_LAYOUT.match(head):
        writer = "pypdf"
    return comment[:16].hex(), writer


_MAX_DEPTH = 8
_MAX_ITEMS = 1000


def decode_pdf_string(value: bytes) -> str:
    """Decode a PDF text string: UTF-16BE/LE with BOM, UTF-8 with BOM, else PDFDocEncoding."""
    if value.startswith(b"\xfe\xff"):
        text = value[2:].decode("utf-16-be", "replace")
    elif value.startswith(b"\xff\xfe"):
        text = value[2:].decode("utf-16-le", "replace")
    elif value.startswith(b"\xef\xbb\xbf"):
        text = value[3:].decode("utf-8", "replace")
    else:
        try:
            text = decode_text(value)
        except (KeyError, IndexError, ValueError):
            text = value.decode("latin-1")
    return text.rstrip("\x00")


def _plain(value: Any, depth: int = 0) -> Any:
    """Turn a pdfminer object into JSON-friendly values, resolving indirect references."""
    if depth > _MAX_DEPTH:
        return None
    if isinstance(value, PDFObjRef):
        value = resolve1(value)
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, bytes):
        return decode_pdf_string(value)
    if isinstance(value, PSLiteral):
        name = value.name
        return name.decode("latin-1") if isinstance(name, bytes) else str(name)
    if isinstance(value, PDFStream):
        return {"stream": {k: _plain(v, depth + 1) for k, v in list(value.attrs.items())[:50]}}
    if isinstance(value, dict):
        return {str(k): _plain(v, depth + 1) for k, v in list(value.items())[:_MAX_ITEMS]}
    if isinstance(value, (list, tuple)):
        return [_plain(v, depth + 1) for v in value[:_MAX_ITEMS]]
    return str(value)


def _str(value: Any) -> str | None:
    if isinstance(value, str):
        value = value.strip()
        return value or None
    if isinstance(value, list):
        parts = [v.strip() for v in value if isinstance(v, str) and v.strip()]
        return "; ".join(parts) or None
    return None


# --- Extraction ----------------------------------------------------------------------------


def _open_document(data: bytes) -> PDFDocument:
    try:
        return PDFDocument(PDFParser(io.BytesIO(data)), password="")
    except PDFPasswordIncorrect as exc:
        raise EncryptedDocument("PDF is encrypted with a user password") from exc
    except PDFEncryptionError as exc:
        raise EncryptedDocument(f"PDF encryption is not supported: {exc}") from exc
    except MemoryError:
        raise
    except Exception as exc:
        raise ExtractionError(
            f"PDF structure cannot be parsed: {type(exc).__name__}: {exc}"
        ) from exc


def _page_count(doc: PDFDocument) -> int | None:
    pages = resolve1(doc.catalog.get("Pages"))
    if isinstance(pages, dict):
        count = resolve1(pages.get("Count"))
        if isinstance(count, int) and not isinstance(count, bool) and count >= 0:
            return count
    return sum(1 for _ in PDFPage.create_pages(doc))


#: pdfminer's default layout thresholds (``LAParams``), applied to glyph positions: a gap
#: wider than WORD_MARGIN x the font size is a space; a baseline offset larger than
#: LINE_OVERLAP x the font size is a new line.
WORD_MARGIN = 0.1
LINE_OVERLAP = 0.5


class _TextFull(Exception):
    """Enough text was collected: stop interpreting content streams."""


class _TextCollector(PDFTextDevice):
    """The text of the strings a page shows, in content-stream order, with words separated.

    pdfminer's ``TextConverter`` makes an ``LTChar`` object per glyph and groups them into
    lines and boxes: that layout analysis was about 90 % of the PDF extraction time. The
    checks only need the words (language, scripts, near duplicates, search), so this device
    keeps each glyph's text and advance (pdfminer's text-space arithmetic, so positions
    stay exact) and decides separators from where the glyphs land, with pdfminer's default
    thresholds: a TJ adjustment or a jump along the baseline wider than a tenth of the font
    size is a space, a baseline moved by more than half the font size or a new writing
    direction is a line break, and every page ends with a form feed (as ``TextConverter``).
    Text order is the content-stream order (no reading-order sort).

    Collection stops (``_TextFull``) once ``max_chars`` characters are in.
    """

    def __init__(self, rsrcmgr: PDFResourceManager, max_chars: int) -> None:
        super().__init__(rsrcmgr)
        self.parts: list[str] = []
        self.max_chars = max_chars
        self._glyphs: dict[PDFFont, dict[int, tuple[str, float]]] = {}
        self._end: tuple[float, float] | None = None  # device point where the last string ended
        self._dir = (1.0, 0.0)  # unit writing direction of the last string (device space)
        self._size = 0.0  # its font size in device space
        #: White boxes drawn over text and under new text (:mod:`pdfcover`), all pages.
        self.covered: list[dict[str, Any]] = []
        self._page: pdfcover.PageDrawing | None = None
        self._pages = 0

    def begin_page(self, page: Any, ctm: Any) -> None:
        self._end = None
        self._pages += 1
        try:
            x0, y0, x1, y1 = (float(v) for v in page.mediabox)
            area = abs((x1 - x0) * (y1 - y0))
        except (TypeError, ValueError):
            area = 0.0
        self._page = pdfcover.PageDrawing(self._pages, area)

    def end_page(self, page: Any) -> None:
        self.parts.append("\f")
        drawing, self._page = self._page, None
        if drawing is not None and len(self.covered) < pdfcover.MAX_FOUND:
            found = pdfcover.covered(drawing, lambda span: "".join(self.parts[span[0] : span[1]]))
            self.covered.extend(found[: pdfcover.MAX_FOUND - len(self.covered)])

    def paint_path(
        self, graphicstate: Any, stroke: bool, fill: bool, evenodd: bool, path: Any
    ) -> None:
        """Record opaque white rectangles (the boxes a white-out edit paints)."""
        if not fill or self._page is None or self.ctm is None:
            return
        if not pdfcover.is_white(getattr(graphicstate, "ncolor", None)):
            return
        rect = pdfcover.rectangle(path)
        if rect is None:
            return
        x0, y0, x1, y1 = rect
        corners = [apply_matrix_pt(self.ctm, p) for p in ((x0, y0), (x1, y0), (x1, y1), (x0, y1))]
        xs, ys = [c[0] for c in corners], [c[1] for c in corners]
        self._page.add_box(min(xs), min(ys), max(xs), max(ys))

    def text(self) -> str:
        return "".join(self.parts)[: self.max_chars]

    @staticmethod
    def _glyph(table: dict[int, tuple[str, float]], font: PDFFont, cid: int) -> tuple[str, float]:
        try:
            text = font.to_unichr(cid)
        except PDFUnicodeNotDefined:
            text = f"(cid:{cid})"  # what pdfminer's converters write
        glyph = table[cid] = (text, font.char_width(cid))
        return glyph

    def render_string(self, textstate: Any, seq: Any, ncs: Any, graphicstate: Any) -> None:
        font = textstate.font
        if font is None or self.ctm is None:
            return
        matrix = mult_matrix(textstate.matrix, self.ctm)
        fontsize = textstate.fontsize
        scaling = textstate.scaling * 0.01
        charspace = textstate.charspace * scaling
        wordspace = 0 if font.is_multibyte() else textstate.wordspace * scaling
        dxscale = 0.001 * fontsize * scaling
        advance = fontsize * scaling
        vertical = font.is_vertical()
        margin = WORD_MARGIN * abs(fontsize)
        table = self._glyphs.get(font)
        if table is None:
            table = self._glyphs[font] = {}
        parts = self.parts
        x, y = textstate.linematrix
        rise = textstate.rise
        end = None  # pen position after the last glyph (before any trailing adjustment)
        needcharspace = False
        gap = 0.0
        first: int | None = None  # index in parts of the string's first glyph
        start: tuple[float, float] | None = None  # device point where it starts
        for obj in seq:
            if isinstance(obj, (int, float)):
                shift = -obj * dxscale
                if vertical:
                    y += shift
                else:
                    x += shift
                    gap += shift
                needcharspace = True
            elif isinstance(obj, bytes):
                room = self.max_chars - len(parts)
                if room <= 0:
                    raise _TextFull
                if len(obj) > 4 * room:  # one huge string: decode only what can still fit
                    obj = obj[: 4 * room]  # (a character code is at most 4 bytes)
                for cid in font.decode(obj):
                    if needcharspace:
                        if vertical:
                            y += charspace
                        else:
                            x += charspace
                    text, width = table.get(cid) or self._glyph(table, font, cid)
                    if end is None:
                        self._join(matrix, x, y + rise, fontsize, vertical)
                        first = len(parts)
                        start = apply_matrix_pt(matrix, (x, y + rise))
                    elif gap > margin:
                        parts.append(" ")
                    gap = 0.0
                    if text:
                        parts.append(text)
                    if vertical:
                        y += width * advance
                        end = (x, y)
                        if cid == 32 and wordspace:
                            y += wordspace
                    else:
                        x += width * advance
                        end = (x, y)
                        if cid == 32 and wordspace:
                            x += wordspace
                    needcharspace = True
        textstate.linematrix = (x, y)
        if end is not None:
            self._end = apply_matrix_pt(matrix, (end[0], end[1] + rise))
            if self._page is not None and start is not None and first is not None and not vertical:
                third = fontsize / 3
                up = (matrix[2] * third, matrix[3] * third)
                self._page.add_run(start, self._end, up, (first, len(parts)))
            if len(parts) >= self.max_chars:  # every part is at least one character
                raise _TextFull

    def _join(self, matrix: Any, x: float, y: float, fontsize: float, vertical: bool) -> None:
        """Separate a string from the previous one by where it starts: space, line or nothing."""
        a, b, c, d, _e, _f = matrix
        dx, dy = (-c, -d) if vertical else (a, b)
        norm = math.hypot(dx, dy)
        ux, uy = (dx / norm, dy / norm) if norm else (1.0, 0.0)
        size = abs(fontsize) * (math.hypot(a, b) if vertical else math.hypot(c, d))
        end, parts = self._end, self.parts
        if end is not None and parts:
            ox, oy = self._dir
            px, py = apply_matrix_pt(matrix, (x, y))
            along = (px - end[0]) * ox + (py - end[1]) * oy
            across = (py - end[1]) * ox - (px - end[0]) * oy
            last = parts[-1][-1]
            line = max(LINE_OVERLAP * min(size, self._size), 1e-3)
            if ux * ox + uy * oy < 0.99 or abs(across) >= line:
                if last not in "\n\f":
                    parts.append("\n")
            elif not last.isspace() and (
                along > WORD_MARGIN * size or along < -LINE_OVERLAP * size
            ):
                parts.append(" ")
        self._dir, self._size = (ux, uy), size


#: Codes a font's embedded CMaps (ToUnicode, Encoding) may map, summed over their ranges:
#: a full two-byte font maps 65,536. A damaged range (``<0000> <FFFFFFFF>``) makes pdfminer
#: add every code of it one by one (7 million entries, 15 s, in a fuzzed file).
MAX_CMAP_CODES = 1 << 18
#: Tokens as pdfminer's PostScript parser cuts them: a hex string runs from "<" to the first
#: character that is neither hex nor space (a closing ">" is consumed).
_CMAP_TOKEN = re.compile(
    rb"<<|>>|<([\s0-9a-fA-F]*)>?|\[|\]|\([^)]*\)?|/[^\s<>\[\]/()%]*|[^\s<>\[\]/()%]+"
)
_HEX_PAIR = re.compile(rb"[0-9a-fA-F]{1,2}")


def _hex_bytes(body: bytes) -> bytes:
    """pdfminer's value of a hex string (an odd last digit is a byte of its own)."""
    return bytes(int(m.group(0), 16) for m in _HEX_PAIR.finditer(b"".join(body.split())))


#: Keywords after which pdfminer's CMap parser empties its operand stack.
_CMAP_CLEAR = frozenset(
    b"begincmap endcmap begincodespacerange endcodespacerange begincidrange beginbfrange "
    b"beginbfchar endbfchar begincidchar endcidchar beginnotdefrange endnotdefrange".split()
)


def cmap_codes(data: bytes) -> int:
    """How many codes pdfminer's CMap parser would add one by one for the ``bfrange`` and
    ``cidrange`` entries of a CMap program: its tokens and operand stack are replayed (a
    damaged hex string or keyword makes it read other triples, as pdfminer does), each
    range's bounds being the last 4 bytes of its two strings."""
    total = 0
    stack: list[Any] = []
    depth = 0  # inside [...] or <<...>>: one operand
    for token in _CMAP_TOKEN.finditer(data):
        text = token.group(0)
        if text in (b"[", b"<<"):
            if depth == 0:
                stack.append(None)
            depth += 1
            continue
        if text in (b"]", b">>"):
            depth = max(0, depth - 1)
            continue
        if depth:
            continue
        if token.group(1) is not None:
            stack.append(_hex_bytes(token.group(1)))
        elif text in (b"endbfrange", b"endcidrange"):
            for i in range(0, len(stack) - 2, 3):
                first, last = stack[i], stack[i + 1]
                if (
                    isinstance(first, bytes)
                    and isinstance(last, bytes)
                    and len(first) == len(last)
                    and first[:-4] == last[:-4]
                ):
                    low = int.from_bytes(first[-4:], "big")
                    total += max(0, int.from_bytes(last[-4:], "big") - low + 1)
            stack.clear()
            if total > MAX_CMAP_CODES:
                return total
        elif text in _CMAP_CLEAR:
            stack.clear()
        elif text == b"def":
            del stack[-2:]
        else:
            stack.append(None)  # a name, a number or an unknown keyword stays an operand
    return total


class _BoundedResources(PDFResourceManager):
    """pdfminer's resource manager, with fonts whose embedded CMaps claim more codes than
    any font has loaded without them (their text may come out wrong, the file still reads)."""

    def __init__(self) -> None:
        super().__init__(caching=True)
        self.skipped_cmaps = 0

    def get_font(self, objid: object, spec: Any) -> PDFFont:
        if isinstance(spec, dict) and not (objid and objid in self._cached_fonts):
            spec = self._bounded(spec)
            fonts = resolve1(spec.get("DescendantFonts"))
            if isinstance(fonts, list) and fonts and isinstance(resolve1(fonts[0]), dict):
                spec = {**spec, "DescendantFonts": [self._bounded(resolve1(fonts[0]))]}
        return super().get_font(objid, spec)

    def _bounded(self, spec: dict[str, Any]) -> dict[str, Any]:
        for key in ("ToUnicode", "Encoding"):
            stream = resolve1(spec.get(key))
            if isinstance(stream, PDFStream):
                try:
                    too_many = (
                        cmap_codes(stream.get_data()[:MAX_FONT_PROGRAM_BYTES]) > MAX_CMAP_CODES
                    )
                except Exception:  # undecodable: pdfminer reports it in its own way
                    too_many = False
                if too_many:
                    self.skipped_cmaps += 1
                    spec = {k: v for k, v in spec.items() if k != key}
        return spec


def _text(doc: PDFDocument, facts: dict[str, Any]) -> str:
    """Text of the first MAX_TEXT_PAGES pages, at most MAX_TEXT_CHARS characters.

    Best effort: an error in a content stream keeps the text read before it and is
    recorded as ``text_error``. Both bounds stop the work itself, not just the result.
    """
    rsrcmgr = _BoundedResources()
    device = _TextCollector(rsrcmgr, MAX_TEXT_CHARS)
    interpreter = PDFPageInterpreter(rsrcmgr, device)
    try:
        for number, page in enumerate(PDFPage.create_pages(doc)):
            if number >= MAX_TEXT_PAGES:
                break
            interpreter.process_page(page)
    except _TextFull:
        pass
    except MemoryError:
        raise
    except Exception as exc:  # text is best effort: a broken content stream keeps the metadata
        facts["text_error"] = f"{type(exc).__name__}: {exc}"
    if rsrcmgr.skipped_cmaps:
        facts["text_cmaps_skipped"] = rsrcmgr.skipped_cmaps
    if device.covered:
        facts["text_covered"] = device.covered
    return device.text()


# --- Structure: fonts, revisions, object streams, actions, signatures ----------------------

MAX_FONTS = 200
MAX_REVISIONS = 50
MAX_REVISION_OBJECTS = 200
#: Pages whose content stream ids are compared with the revisions' objects.
MAX_CONTENT_PAGES = 5000
MAX_FONT_PAGES = 500
#: Embedded font programs whose build dates are read, and how much of each is inflated.
MAX_FONT_PROGRAMS = 60
MAX_FONT_PROGRAM_BYTES = 4 * 1024 * 1024
MAX_OBJSTM_BYTES = 20 * 1024 * 1024
_SUBSET = re.compile(r"^[A-Z]{6}\+")
#: The standard 14 fonts, which a PDF may reference by name without a font program.
STANDARD_14 = re.compile(r"^(?:Helvetica|Times-|Courier|Symbol$|ZapfDingbats$)")
#: Pages listed in :data:`STANDARD_FONT_PAGES_FACT` at most.
MAX_LISTED_PAGES = 50
_DELIM = rb"(?=[\s/\[\]<>(){}%]|$)"
#: Action and attachment names reported as flags (never run): fact name -> PDF name.
_ACTION_NAMES = {
    "has_javascript": (b"JavaScript", b"JS"),
    "has_open_action": (b"OpenAction",),
    "has_additional_actions": (b"AA",),
    "has_embedded_files": (b"EmbeddedFiles", b"EmbeddedFile"),
    "has_launch_action": (b"Launch",),
    "has_uri_action": (b"URI",),
}
_ACTION_RE = re.compile(
    rb"/(" + b"|".join(n for names in _ACTION_NAMES.values() for n in names) + rb")" + _DELIM
)
_SIG_RE = re.compile(rb"/(?:Type|FT)\s*/Sig" + _DELIM)
_BYTE_RANGE = re.compile(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]")
_OBJSTM = re.compile(rb"/Type\s*/ObjStm" + _DELIM)
_XREF_STREAM = re.compile(rb"/Type\s*/XRef" + _DELIM)
_FIRST_OBJ = re.compile(rb"\d+\s+\d+\s+obj\b(.{0,1024}?)endobj", re.DOTALL)
_MOD_DATE = re.compile(rb"/ModDate\s*\(((?:[^()\\]|\\.){1,80})\)")


def _name(value: Any) -> str | None:
    value = resolve1(value)
    if isinstance(value, PSLiteral):
        name = value.name
        return name.decode("latin-1") if isinstance(name, bytes) else str(name)
    if isinstance(value, bytes):
        return value.decode("latin-1")
    if isinstance(value, str):
        return value
    return None


def _descriptor(font: dict[str, Any]) -> dict[str, Any] | None:
    """The font descriptor of a simple font or of a composite font's descendant."""
    descriptor = resolve1(font.get("FontDescriptor"))
    if not isinstance(descriptor, dict):
        descendants = resolve1(font.get("DescendantFonts"))
        if isinstance(descendants, list) and descendants:
            first = resolve1(descendants[0])
            if isinstance(first, dict):
                descriptor = resolve1(first.get("FontDescriptor"))
    return descriptor if isinstance(descriptor, dict) else None


def _font_embedded(font: dict[str, Any]) -> bool:
    """Whether a font dictionary carries its glyph program (FontFile, FontFile2/3, Type3)."""
    if _name(font.get("Subtype")) == "Type3":
        return True
    descriptor = _descriptor(font)
    if descriptor is None:
        return False
    return any(k in descriptor for k in ("FontFile", "FontFile2", "FontFile3"))


#: Filters that compress (ASCII85 and ASCIIHex only encode).
_COMPRESSING = frozenset({"FlateDecode", "Fl", "LZWDecode", "LZW", "RunLengthDecode", "RL"})
#: Content streams shorter than this are not counted: writers that compress may leave
#: tiny ones plain (dvipdfm: the few bytes that open and close each page).
MIN_COUNTED_STREAM = 200
#: Content streams read per page (a hostile /Contents array may list millions).
MAX_CONTENT_PARTS = 64


def _stream_compressed(stream: Any) -> bool | None:
    """Whether a stream is stored compressed (None: not a stream)."""
    stream = resolve1(stream)
    if not isinstance(stream, PDFStream):
        return None
    return any(_name(f) in _COMPRESSING for f, _params in stream.get_filters())


def _program_compressed(font: dict[str, Any]) -> bool | None:
    """Whether an embedded font's program stream is stored compressed."""
    descriptor = _descriptor(font)
    if descriptor is None:
        return None
    for key in ("FontFile", "FontFile2", "FontFile3"):
        packed = _stream_compressed(descriptor.get(key))
        if packed is not None:
            return packed
    return None


def _stream_length(stream: PDFStream) -> int:
    length = resolve1(stream.attrs.get("Length"))
    if isinstance(length, int):
        return length
    raw = stream.rawdata if stream.rawdata is not None else stream.data
    return len(raw) if isinstance(raw, bytes) else 0


def _content_compression(doc: PDFDocument) -> dict[str, Any]:
    """How the pages' content streams (of at least :data:`MIN_COUNTED_STREAM` bytes) are
    stored, over the first :data:`MAX_FONT_PAGES` pages: counts of plain and compressed
    streams, and the pages with a plain one (at most :data:`MAX_LISTED_PAGES`)."""
    plain = packed = 0
    plain_pages: list[int] = []
    for number, page in enumerate(PDFPage.create_pages(doc), start=1):
        if number > MAX_FONT_PAGES:
            break
        contents = resolve1(page.attrs.get("Contents"))
        items = contents[:MAX_CONTENT_PARTS] if isinstance(contents, list) else [contents]
        for item in items:
            stream = resolve1(item)
            if not isinstance(stream, PDFStream) or _stream_length(stream) < MIN_COUNTED_STREAM:
                continue
            if _stream_compressed(stream):
                packed += 1
            else:
                plain += 1
                if len(plain_pages) < MAX_LISTED_PAGES and plain_pages[-1:] != [number]:
                    plain_pages.append(number)
    return {
        "content_streams_plain": plain,
        "content_streams_compressed": packed,
        "content_plain_pages": plain_pages,
    }


def _sfnt_program(font: dict[str, Any]) -> bytes | None:
    """The first :data:`MAX_FONT_PROGRAM_BYTES` of an embedded TrueType/OpenType program.

    Only unfiltered or single-Flate streams are read (decrypted first when the file is
    encrypted), and inflating stops at the cap: a font stream cannot be used as a
    decompression bomb."""
    descriptor = _descriptor(font)
    if descriptor is None:
        return None
    stream = resolve1(descriptor.get("FontFile2"))
    if not isinstance(stream, PDFStream):
        stream = resolve1(descriptor.get("FontFile3"))
        if not isinstance(stream, PDFStream) or _name(stream.attrs.get("Subtype")) != "OpenType":
            return None
    raw = stream.rawdata if stream.rawdata is not None else stream.data
    if not isinstance(raw, bytes) or len(raw) > MAX_FONT_PROGRAM_BYTES:
        return None
    if stream.rawdata is not None and stream.decipher is not None:
        if stream.objid is None or stream.genno is None:
            return None
        raw = stream.decipher(stream.objid, stream.genno, raw, stream.attrs)
    elif stream.rawdata is None:  # already decoded by pdfminer
        return raw[:MAX_FONT_PROGRAM_BYTES]
    filters = stream.get_filters()
    if not filters:
        return raw[:MAX_FONT_PROGRAM_BYTES]
    if len(filters) != 1 or filters[0][0] not in LITERALS_FLATE_DECODE:
        return None
    try:
        return zlib.decompressobj().decompress(raw, MAX_FONT_PROGRAM_BYTES)
    except zlib.error:
        return None


def _font_build_dates(font: dict[str, Any], entry: dict[str, Any]) -> None:
    """Add the embedded sfnt program's ``head`` created/modified dates to ``entry``."""
    try:
        program = _sfnt_program(font)
        dates = sfnt.head_dates(program) if program else None
    except Exception:  # a broken font program is not the document's problem
        return
    if dates is None:
        return
    for key, value in zip(("font_created", "font_modified"), dates, strict=True):
        if value is not None:
            entry[key] = value.isoformat()


def _fonts(
    doc: PDFDocument, facts: dict[str, Any] | None = None
) -> tuple[list[dict[str, Any]], bool]:
    """Fonts named in the pages' /Resources /Font dictionaries (deduplicated, capped).

    With ``facts``, also records ``standard_font_pages``: the (1-based) pages whose
    resources name a standard-14 font without a program (at most
    :data:`MAX_LISTED_PAGES`), and ``font_pages``: how many pages were walked.
    """
    fonts: list[dict[str, Any]] = []
    seen: set[tuple[Any, ...]] = set()
    standard_refs: dict[int | None, bool] = {}  # font object id -> standard-14, no program
    standard_pages: list[int] = []
    truncated = False
    programs = 0
    walked = 0
    for number, page in enumerate(PDFPage.create_pages(doc)):
        if number >= MAX_FONT_PAGES:
            truncated = True
            break
        walked = number + 1
        resources = resolve1(page.resources)
        font_dict = resolve1(resources.get("Font")) if isinstance(resources, dict) else None
        if not isinstance(font_dict, dict):
            continue
        standard_here = False
        for ref in list(font_dict.values())[:MAX_FONTS]:
            objid = ref.objid if isinstance(ref, PDFObjRef) else None
            if objid is not None and objid in standard_refs:
                standard_here = standard_here or standard_refs[objid]
                continue
            font = resolve1(ref)
            if not isinstance(font, dict):
                standard_refs[objid] = False
                continue
            name = _name(font.get("BaseFont")) or _name(font.get("Name")) or ""
            entry = {
                "name": name,
                "subtype": _name(font.get("Subtype")),
                "subset": bool(_SUBSET.match(name)),
                "embedded": _font_embedded(font),
            }
            standard = not entry["embedded"] and bool(STANDARD_14.match(name))
            standard_refs[objid] = standard
            standard_here = standard_here or standard
            key = (entry["name"], entry["subtype"], entry["embedded"])
            if key in seen:
                continue
            seen.add(key)
            packed = _program_compressed(font) if entry["embedded"] else None
            if packed is not None:
                entry["program_compressed"] = packed
            if entry["embedded"] and programs < MAX_FONT_PROGRAMS:
                programs += 1
                _font_build_dates(font, entry)
            fonts.append(entry)
            if len(fonts) >= MAX_FONTS:
                truncated = True
                break
        if standard_here and len(standard_pages) < MAX_LISTED_PAGES:
            standard_pages.append(number + 1)
        if truncated:
            break
    if facts is not None:
        facts["standard_font_pages"] = standard_pages
        facts["font_pages"] = walked
    return fonts, truncated


#: Annotations read for their dates (pages walked as for the fonts).
MAX_ANNOTATIONS = 1000


#: Markup annotations that put text on a page (a text box, a note, a stamp): every PDF
#: viewer that lets a person add one dates it (/M or /CreationDate) or names its author (/T).
TEXT_MARKUP = frozenset({"FreeText", "Text", "Stamp"})


def _annotation_dates(doc: PDFDocument) -> dict[str, Any]:
    """The latest /M (last modified) or /CreationDate of the pages' annotations: a
    comment, highlight, stamp or form field is dated when someone made or changed it.
    Also the count of text-bearing markup annotations (:data:`TEXT_MARKUP`), and of those
    with neither a date nor an author (``annotations_text_unattributed``)."""
    latest: tuple[Any, str] | None = None
    markup = unattributed = 0
    seen = 0
    for number, page in enumerate(PDFPage.create_pages(doc)):
        if number >= MAX_FONT_PAGES or seen >= MAX_ANNOTATIONS:
            break
        annots = resolve1(page.annots)
        if not isinstance(annots, list):
            continue
        for ref in annots[: MAX_ANNOTATIONS - seen]:
            seen += 1
            annot = resolve1(ref)
            if not isinstance(annot, dict):
                continue
            dated = False
            for key in ("M", "CreationDate"):
                raw = resolve1(annot.get(key))
                when = parse_pdf_date(decode_pdf_string(raw)) if isinstance(raw, bytes) else None
                dated = dated or when is not None
                if when is not None and (latest is None or as_utc(when) > as_utc(latest[0])):
                    latest = (when, _name(annot.get("Subtype")) or "annotation")
            if _name(annot.get("Subtype")) in TEXT_MARKUP:
                markup += 1
                author = resolve1(annot.get("T"))
                if not dated and not (isinstance(author, bytes) and author.strip()):
                    unattributed += 1
    out: dict[str, Any] = {}
    if markup:
        out["annotations_text"] = markup
        out["annotations_text_unattributed"] = unattributed
    if latest is not None:
        out["annotation_latest_date"] = latest[0]
        out["annotation_latest_subtype"] = latest[1]
    return out


def _object_mod_date(data: bytes, pos: int) -> Any:
    """The /ModDate of the uncompressed object at byte offset ``pos`` (for a trailer's /Info)."""
    chunk = data[pos : pos + 8192]
    end = chunk.find(b"endobj")
    m = _MOD_DATE.search(chunk if end < 0 else chunk[:end])
    if not m:
        return None
    return parse_pdf_date(decode_pdf_string(_unescape_literal(m.group(1))))


_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}
_ESCAPE = re.compile(rb"\\([0-7]{1,3}|\r\n|[\s\S])")


def _unescape_literal(value: bytes) -> bytes:
    """Undo the backslash escapes of a PDF literal string (octal codes included)."""

    def repl(m: re.Match[bytes]) -> bytes:
        code = m.group(1)
        if code[:1].isdigit():
            return bytes([int(code, 8) & 0xFF])
        if code in (b"\r\n", b"\n", b"\r"):
            return b""  # line continuation
        return _ESCAPES.get(code, code)

    return _ESCAPE.sub(repl, value)


@dataclass
class _Revision:
    """Object ids one xref section defines that no older section did, the ids it
    redefines, and its xref parts (to look up where each object's bytes are)."""

    added: set[int]
    changed: set[int]
    parts: tuple[PDFBaseXRef, ...]

    def offset(self, objid: int) -> int | None:
        """File offset of an object this section defines directly (None: in an object
        stream, free, or unknown)."""
        for part in self.parts:
            try:
                strmid, pos, _gen = part.get_pos(objid)
            except Exception:
                continue
            return pos if strmid is None and isinstance(pos, int) else None
        return None

    def last_offset(self) -> int:
        """The largest file offset of the objects this section defines directly."""
        return max(
            (o for o in map(self.offset, self.added | self.changed) if o is not None), default=-1
        )


#: Hex digits kept of each /ID string (writers use 16-byte MD5 digests; longer ones are cut).
MAX_ID_HEX = 64


def _file_id(trailer: dict[str, Any]) -> list[str] | None:
    """A trailer's /ID as two hex strings: the permanent identifier fixed when the file
    was created and the changing one a writer must renew on every update (ISO 32000-1,
    14.4). None when absent, not a pair of strings, or a dangling reference."""
    try:
        value = resolve1(trailer.get("ID"))
        if not isinstance(value, list) or len(value) != 2:
            return None
        parts = [resolve1(v) for v in value]
    except Exception:  # a dangling or malformed reference
        return None
    if not all(isinstance(v, bytes) for v in parts):
        return None
    return [v[: MAX_ID_HEX // 2].hex() for v in parts]


def _xref_objids(part: PDFBaseXRef) -> Iterable[int]:
    """The object ids an xref section lists (pdfminer's ``get_objids``), bounded for xref
    streams: a damaged or hostile ``/Index`` may claim billions of entries in a stream that
    holds a few, and pdfminer would walk every one of them."""
    if not isinstance(part, PDFXRefStream):
        return part.get_objids()
    entlen = part.entlen or 0
    available = len(part.data or b"") // entlen if entlen > 0 else 0
    ids: list[int] = []
    for start, nobjs in part.ranges:
        # pdfminer reads the entries of each range from the start of the stream's data
        for i in range(min(int(nobjs), available)):
            ent = part.data[entlen * i : entlen * (i + 1)]  # type: ignore[index]
            if nunpack(ent[: part.fl1], 1) in (1, 2):
                ids.append(int(start) + i)
    return ids


def _revisions(doc: PDFDocument, data: bytes) -> tuple[list[dict[str, Any]], bool, list[_Revision]]:
    """One entry per xref section of the trailer chain, oldest first (hybrid files merged),
    whether pdfminer fell back to scanning for objects, and each revision's full sets of
    added and changed object ids with its xref parts (the entries list at most
    :data:`MAX_REVISION_OBJECTS` ids)."""
    sections: list[tuple[PDFBaseXRef, list[PDFBaseXRef]]] = []
    for xref in doc.xrefs:
        if (
            isinstance(xref, PDFXRefStream)
            and sections
            and isinstance(sections[-1][0], PDFXRef)
            and "XRefStm" in sections[-1][0].get_trailer()
            and not sections[-1][1]
        ):
            sections[-1][1].append(xref)  # the /XRefStm of a hybrid-reference file
            continue
        sections.append((xref, []))
    fallback = any(isinstance(x, PDFXRefFallback) for x in doc.xrefs)
    revisions: list[dict[str, Any]] = []
    objsets: list[_Revision] = []
    seen: set[int] = set()
    for xref, extra in reversed(sections):
        objids: list[int] = []
        for part in (xref, *extra):
            objids.extend(_xref_objids(part))
        objids = sorted(set(objids))
        added = [o for o in objids if o not in seen]
        changed = [o for o in objids if o in seen]
        seen.update(objids)
        objsets.append(_Revision(set(added), set(changed), (xref, *extra)))
        trailer = xref.get_trailer()
        info = trailer.get("Info")
        mod_date = None
        if isinstance(info, PDFObjRef):
            for part in (xref, *extra):
                try:
                    strmid, pos, _gen = part.get_pos(info.objid)
                except Exception:  # free or missing entry
                    continue
                if strmid is None:
                    mod_date = _object_mod_date(data, pos)
                break
        revisions.append(
            {
                "xref": "stream" if isinstance(xref, PDFXRefStream) else "table",
                "objects": len(objids),
                "added": added[:MAX_REVISION_OBJECTS],
                "changed": changed[:MAX_REVISION_OBJECTS],
                "added_count": len(added),
                "changed_count": len(changed),
                "has_info": info is not None,
                "info_ref": info.objid if isinstance(info, PDFObjRef) else None,
                "info_mod_date": mod_date,
                "id": _file_id(trailer),
            }
        )
    return revisions[-MAX_REVISIONS:], fallback, objsets


def _content_objids(doc: PDFDocument) -> dict[int, tuple[int, int | None]]:
    """Object id of each page content stream -> (page number, page object id), for the
    first :data:`MAX_CONTENT_PAGES` pages."""
    out: dict[int, tuple[int, int | None]] = {}
    for number, page in enumerate(PDFPage.create_pages(doc), start=1):
        if number > MAX_CONTENT_PAGES:
            break
        contents = page.attrs.get("Contents")
        refs = contents if isinstance(contents, list) else [contents]
        if isinstance(contents, PDFObjRef):
            inner = resolve1(contents)
            if isinstance(inner, list):  # a reference to an array of streams
                refs = [contents, *inner]
        pageid = page.pageid if isinstance(page.pageid, int) else None
        for ref in refs:
            if isinstance(ref, PDFObjRef):
                out.setdefault(ref.objid, (number, pageid))
    return out


def _content_updates(doc: PDFDocument, revisions: list[_Revision], natural: int) -> list[int]:
    """Pages whose content stream a later revision (after the ``natural`` first ones)
    rewrote by appending.

    A stream counts when a later section redefines it, or adds it while redefining the
    page that points to it (the page was re-pointed to new content), and the stream's bytes
    lie after every object of the older sections: that is what an appended update is. Some
    writers lay out a single save in two sections whose objects are interleaved (Microsoft
    Office's PDF export ends with an empty section pointing at an xref stream); those
    objects are not after the older ones, so they do not count.
    """
    if len(revisions) <= natural:
        return []
    streams = _content_objids(doc)
    pages: set[int] = set()
    boundary = max(r.last_offset() for r in revisions[:natural])
    for rev in revisions[natural:]:
        candidates = (rev.changed & streams.keys()) | {
            o for o in rev.added & streams.keys() if streams[o][1] in rev.changed
        }
        for objid in candidates:
            offset = rev.offset(objid)
            if offset is not None and offset > boundary:
                pages.add(streams[objid][0])
        boundary = max(boundary, rev.last_offset())
    return sorted(pages)


def _appended_revisions(revisions: list[_Revision], natural: int) -> list[int]:
    """Indexes of the revisions after the ``natural`` first ones whose objects all lie
    after every object of the older revisions: updates appended to a finished file.
    Office's export lays one save out in two sections with interleaved objects, which does
    not count."""
    if len(revisions) <= natural:
        return []
    boundary = max(r.last_offset() for r in revisions[:natural])
    out: list[int] = []
    for index in range(natural, len(revisions)):
        rev = revisions[index]
        offsets = [o for o in map(rev.offset, rev.added | rev.changed) if o is not None]
        if offsets and min(offsets) > boundary:
            out.append(index)
        boundary = max(boundary, rev.last_offset())
    return out


def _ids_kept(revisions: list[dict[str, Any]], appended: list[int], total: int) -> int:
    """Appended updates whose trailer repeats the previous section's /ID byte for byte:
    the changing identifier was not renewed by the program that appended them.
    ``revisions`` holds the last entries of ``total`` sections (indexes in ``appended``
    count all of them)."""
    shift = total - len(revisions)
    kept = 0
    for index in appended:
        if index - 1 - shift < 0:
            continue
        before, after = revisions[index - 1 - shift].get("id"), revisions[index - shift].get("id")
        if before is not None and before == after:
            kept += 1
    return kept


def _objstm_bodies(doc: PDFDocument) -> list[bytes]:
    """Decoded contents of the object streams the xref streams point into (size-capped)."""
    ids: set[int] = set()
    for xref in doc.xrefs:
        if not isinstance(xref, PDFXRefStream):
            continue
        for objid in _xref_objids(xref):
            try:
                strmid = xref.get_pos(objid)[0]
            except Exception:
                continue
            if strmid is not None:
                ids.add(strmid)
            if len(ids) > 1000:
                break
    bodies: list[bytes] = []
    total = 0
    for strmid in sorted(ids):
        try:
            stream = doc.getobj(strmid)
            body = stream.get_data() if isinstance(stream, PDFStream) else b""
        except MemoryError:
            raise
        except Exception:
            continue
        total += len(body)
        if total > MAX_OBJSTM_BYTES:
            break
        bodies.append(body)
    return bodies


def _best_effort(facts: dict[str, Any], error_key: str, step: Callable[[], _T]) -> _T | None:
    """``step()``, or None with its error recorded under ``error_key``: one unreadable
    structure (fonts, revisions, object streams ...) keeps the others. A MemoryError is not
    caught: the worker's memory limit decides about those."""
    try:
        return step()
    except MemoryError:
        raise
    except Exception as exc:
        facts[error_key] = f"{type(exc).__name__}: {exc}"[:500]
        return None


def _structure(doc: PDFDocument, data: bytes, facts: dict[str, Any]) -> None:
    """Fonts, revisions, object streams, linearization, actions and signatures."""
    fonts = _best_effort(facts, "fonts_error", lambda: _fonts(doc, facts))
    if fonts is not None:
        facts["fonts"], facts["fonts_truncated"] = fonts
        facts["font_count"] = len(facts["fonts"])
        builds = [
            (f[k], f["name"])
            for f in facts["fonts"]
            for k in ("font_created", "font_modified")
            if f.get(k)
        ]
        if builds:
            # the newest build date of an embedded font: the file cannot be older
            facts["font_newest_build"], facts["font_newest_build_font"] = max(builds)
    facts.update(_best_effort(facts, "annotations_error", lambda: _annotation_dates(doc)) or {})
    facts.update(
        _best_effort(facts, "content_compression_error", lambda: _content_compression(doc)) or {}
    )
    objsets: list[_Revision] = []
    found = _best_effort(facts, "revisions_error", lambda: _revisions(doc, data))
    if found is not None:
        revisions, facts["xref_fallback"], objsets = found
        facts["revisions"] = revisions
        facts["revision_count"] = len(revisions)
        if revisions and revisions[-1].get("id") is not None:
            facts["file_id"] = revisions[-1]["id"]

    facts["object_stream_count"] = len(_OBJSTM.findall(data))
    facts["has_object_streams"] = facts["object_stream_count"] > 0
    facts["has_xref_stream"] = bool(_XREF_STREAM.search(data))
    first = _FIRST_OBJ.search(data, 0, min(len(data), 4096))
    facts["linearized"] = bool(first and b"/Linearized" in first.group(1))
    if "revision_count" in facts:
        # A linearized file has a first-page xref section of its own: not an update.
        natural = 2 if facts["linearized"] and facts["revision_count"] >= 2 else 1
        facts["incremental_updates"] = max(0, facts["revision_count"] - natural)
        if facts["incremental_updates"] and not facts.get("xref_fallback"):
            appended = _best_effort(
                facts, "appended_updates_error", lambda: _appended_revisions(objsets, natural)
            )
            if appended is not None:
                facts["appended_updates"] = len(appended)
                facts["appended_updates_keeping_id"] = _ids_kept(
                    facts.get("revisions", []), appended, len(objsets)
                )
            pages = _best_effort(
                facts, "content_updates_error", lambda: _content_updates(doc, objsets, natural)
            )
            if pages is not None:
                facts["updated_content_pages"] = pages[:MAX_REVISION_OBJECTS]
                facts["updated_content_page_count"] = len(pages)

    streams = _best_effort(facts, "object_stream_error", lambda: _objstm_bodies(doc))
    bodies = [data, *(streams or [])]
    names: set[bytes] = set()
    signed_fields = False
    for body in bodies:
        names.update(m.group(1) for m in _ACTION_RE.finditer(body))
        signed_fields = signed_fields or bool(_SIG_RE.search(body))
    for fact, pdf_names in _ACTION_NAMES.items():
        facts[fact] = any(n in names for n in pdf_names)
    facts["action_names"] = sorted(n.decode("ascii") for n in names)

    ranges = [tuple(int(g) for g in m.groups()) for m in _BYTE_RANGE.finditer(data)]
    facts["has_signature_field"] = signed_fields or bool(ranges)
    facts["signature_byte_ranges"] = [list(r) for r in ranges[:20]]
    if ranges:
        covered = max(start + length for _a, _b, start, length in ranges)
        tail = data[covered:] if covered <= len(data) else b""
        facts["signed_bytes_end"] = covered
        facts["bytes_after_signature"] = max(0, len(data) - covered)
        # Only whitespace after the signed range is harmless; anything else is a later update.
        facts["appended_after_signature"] = bool(tail.strip(b"\x00\r\n\t "))
        facts["signature_range_beyond_eof"] = covered > len(data)


@register("application/pdf", "application/x-pdf", extensions=("pdf",))
def extract_pdf(data: bytes) -> Extraction:
    """Read a PDF's Info dictionary, XMP packet, structure counters and first-pages text."""
    header = _HEADER.search(data[:1024])
    if header is None:
        raise ExtractionError("no %PDF- header in the first 1024 bytes: not a PDF")
    facts: dict[str, Any] = {
        "pdf_version": header.group(1).decode("ascii"),
        "eof_markers": data.count(b"%%EOF"),
        "xref_sections": data.count(b"startxref"),
    }
    facts["header_comment"], facts["header_writer"] = header_writer(data)
    doc = _open_document(data)
    facts["encrypted"] = doc.encryption is not None

    try:
        info: dict[str, Any] = {}
        for entry in doc.info:
            entry = resolve1(entry)
            if isinstance(entry, dict):
                for key, value in _plain(entry).items():
                    info.setdefault(key, value)
        catalog = doc.catalog
        page_count = _page_count(doc)
        xmp: dict[str, Any] = {}
        stream = resolve1(catalog.get("Metadata"))
        if isinstance(stream, PDFStream):
            try:
                xmp = parse_xmp(stream.get_data())
            except ExtractionError as exc:
                facts["xmp_error"] = str(exc)
        elif stream is not None:
            facts["xmp_error"] = "catalog /Metadata is not a stream"
    except MemoryError:
        raise
    except Exception as exc:
        raise ExtractionError(f"PDF objects cannot be read: {type(exc).__name__}: {exc}") from exc

    facts["xmp_created"] = parse_iso8601(xmp.get("xmp:CreateDate"))
    facts["xmp_modified"] = parse_iso8601(xmp.get("xmp:ModifyDate"))
    facts["xmp_metadata_date"] = parse_iso8601(xmp.get("xmp:MetadataDate"))
    facts["xmp_producer"] = _str(xmp.get("pdf:Producer"))
    facts["xmp_creator_tool"] = _str(xmp.get("xmp:CreatorTool"))
    facts["has_xmp"] = bool(xmp)
    facts["xmp_toolkit"] = _str(xmp.get("x:xmptk"))
    facts["info_keys"] = sorted(info)
    facts.update(xmp_history_latest(xmp))
    facts.update(xmp_id_latest(xmp))

    meta = Metadata(
        author=_str(info.get("Author")) or _str(xmp.get("dc:creator")),
        title=_str(info.get("Title")) or _str(xmp.get("dc:title")),
        subject=_str(info.get("Subject")) or _str(xmp.get("dc:description")),
        keywords=_str(info.get("Keywords")) or _str(xmp.get("pdf:Keywords")),
        created=parse_pdf_date(info.get("CreationDate")) or facts["xmp_created"],
        modified=parse_pdf_date(info.get("ModDate")) or facts["xmp_modified"],
        application=_str(info.get("Creator")) or facts["xmp_creator_tool"],
        producer=_str(info.get("Producer")) or facts["xmp_producer"],
        page_count=page_count,
        raw={"info": info, "xmp": xmp},
    )
    _structure(doc, data, facts)
    return Extraction(metadata=meta, text=_text(doc, facts), facts=facts)

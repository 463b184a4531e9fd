"""Cached formula results of a workbook against the cells they are computed from.

Excel stores every formula twice: its text (``<f>SUM(B2:B9)</f>``) and the value it last
computed (``<v>1250</v>``), and in automatic calculation mode it recomputes before every
save. So in a workbook Excel saved, a cached result always agrees with the cells it reads.
A number changed afterwards by anything that does not calculate (a zip edit of the sheet
XML, a library writing one cell) leaves the totals that depend on it stating the old sum:
the edited figure and its own total contradict each other.

Only what can be evaluated exactly is checked: formulas made of cell references on the same
sheet, numbers, ``+ - * /``, parentheses and ``SUM`` over references and ranges. Anything
else (other functions, other sheets, shared or array formulas, text where a number is
expected) is skipped, never guessed. Pure and bounded: sheets, cells, formulas and range
sizes are capped (:data:`MAX_SHEET_BYTES`, :data:`MAX_CELLS`, :data:`MAX_FORMULAS`,
:data:`MAX_RANGE_CELLS`).
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Iterable
from typing import Any

from defusedxml import ElementTree as SafeET

from authenticity.extract import _xml

#: Worksheet parts larger than this (uncompressed) are not read for formulas.
MAX_SHEET_BYTES = 30 * 1024 * 1024
#: Worksheets read per workbook.
MAX_SHEETS = 64
#: Numeric cells kept per sheet.
MAX_CELLS = 500_000
#: Formulas evaluated per workbook.
MAX_FORMULAS = 20_000
#: Cells a single range may span to be evaluated.
MAX_RANGE_CELLS = 20_000
#: Mismatches reported in the facts.
MAX_REPORTED = 20
#: A cached result agrees with its inputs within this relative difference (summation order).
RELATIVE_TOLERANCE = 1e-9

_TOKEN = re.compile(
    r"\s*(?:(?P<range>\$?[A-Z]{1,3}\$?\d{1,7}:\$?[A-Z]{1,3}\$?\d{1,7})"
    r"|(?P<ref>\$?[A-Z]{1,3}\$?\d{1,7})(?![\w(!])"
    r"|(?P<num>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)"
    r"|(?P<func>SUM)\("
    r"|(?P<op>[-+*/(),]))"
)
_CELL = re.compile(r"\$?([A-Z]{1,3})\$?(\d{1,7})")


class _Unsupported(Exception):
    """The formula uses something this evaluator does not compute exactly."""


def _column(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def cell_key(ref: str) -> tuple[int, int] | None:
    """(row, column) of an A1 reference such as ``$B$12``; None if it is not one."""
    m = _CELL.fullmatch(ref)
    return (int(m.group(2)), _column(m.group(1))) if m else None


def tokenize(formula: str) -> list[tuple[str, str]]:
    """(kind, text) tokens of a formula; raises :class:`_Unsupported` on anything else."""
    tokens: list[tuple[str, str]] = []
    pos = 0
    text = formula.strip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None or m.end() == pos:
            raise _Unsupported(text[pos : pos + 10])
        kind = m.lastgroup or ""
        tokens.append((kind, m.group(kind)))
        pos = m.end()
    return tokens


class _Evaluator:
    """Recursive-descent evaluation of the supported grammar over one sheet's cells."""

    def __init__(
        self, tokens: list[tuple[str, str]], numbers: dict[tuple[int, int], float], other: set
    ) -> None:
        self.tokens, self.pos = tokens, 0
        self.numbers, self.other = numbers, other

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        token = self.peek()
        if token is None:
            raise _Unsupported("unexpected end")
        self.pos += 1
        return token

    def run(self) -> float:
        value = self.expr()
        if self.peek() is not None:
            raise _Unsupported("trailing tokens")
        return value

    def expr(self) -> float:
        value = self.term()
        while (token := self.peek()) is not None and token[1] in ("+", "-"):
            self.pos += 1
            right = self.term()
            value = value + right if token[1] == "+" else value - right
        return value

    def term(self) -> float:
        value = self.unary()
        while (token := self.peek()) is not None and token[1] in ("*", "/"):
            self.pos += 1
            right = self.unary()
            if token[1] == "/":
                if right == 0:
                    raise _Unsupported("division by zero")
                value = value / right
            else:
                value = value * right
        return value

    def unary(self) -> float:
        token = self.peek()
        if token is not None and token[1] in ("+", "-"):
            self.pos += 1
            value = self.unary()
            return -value if token[1] == "-" else value
        return self.primary()

    def primary(self) -> float:
        kind, text = self.take()
        if kind == "num":
            return float(text)
        if kind == "ref":
            key = cell_key(text)
            if key is None or key in self.other:
                raise _Unsupported("not a number")  # text or an error: #VALUE! in Excel
            return self.numbers.get(key, 0.0)
        if kind == "func":
            return self.sum_args()
        if text == "(":
            value = self.expr()
            if self.take()[1] != ")":
                raise _Unsupported("unbalanced")
            return value
        raise _Unsupported(text)

    def sum_args(self) -> float:
        total = 0.0
        while True:
            token = self.peek()
            if token is not None and token[0] == "range" and self._ends_argument(1):
                self.pos += 1
                total += self._range_sum(token[1])
            elif token is not None and token[0] == "ref" and self._ends_argument(1):
                self.pos += 1
                key = cell_key(token[1])
                total += self.numbers.get(key, 0.0) if key else 0.0  # SUM skips text
            else:
                total += self.expr()
            closing = self.take()[1]
            if closing == ")":
                return total
            if closing != ",":
                raise _Unsupported("bad argument list")

    def _ends_argument(self, offset: int) -> bool:
        at = self.pos + offset
        return at < len(self.tokens) and self.tokens[at][1] in (",", ")")

    def _range_sum(self, text: str) -> float:
        first, last = (cell_key(part) for part in text.split(":"))
        if first is None or last is None:
            raise _Unsupported(text)
        (r1, c1), (r2, c2) = first, last
        r1, r2 = sorted((r1, r2))
        c1, c2 = sorted((c1, c2))
        if (r2 - r1 + 1) * (c2 - c1 + 1) > MAX_RANGE_CELLS:
            raise _Unsupported("range too large")
        return math.fsum(
            self.numbers.get((r, c), 0.0) for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)
        )


def evaluate(formula: str, numbers: dict[tuple[int, int], float], other: set) -> float | None:
    """The value of ``formula`` over a sheet's numeric cells (``other``: cells holding text,
    booleans or errors); None when the formula is outside the supported grammar."""
    try:
        return _Evaluator(tokenize(formula), numbers, other).run()
    except (_Unsupported, OverflowError, ValueError, RecursionError):
        return None


def read_sheet(
    data: bytes,
) -> tuple[dict[tuple[int, int], float], set[tuple[int, int]], list[tuple[str, str, float]]]:
    """(numeric cells, other non-empty cells, [(cell, formula, cached number)]) of one
    worksheet part. Formulas without a text of their own (shared-formula followers), array
    and data-table formulas, and formulas whose cached result is not a number are left out."""
    numbers: dict[tuple[int, int], float] = {}
    other: set[tuple[int, int]] = set()
    formulas: list[tuple[str, str, float]] = []
    for _event, elem in SafeET.iterparse(io.BytesIO(data), events=("end",)):
        if _xml.local(elem.tag) != "c":
            continue
        ref = elem.get("r") or ""
        key = cell_key(ref)
        kind = elem.get("t") or "n"
        value_text = formula_text = None
        shared_follower = False
        for child in elem:
            name = _xml.local(child.tag)
            if name == "v":
                value_text = child.text
            elif name == "f":
                if child.get("t") in ("array", "dataTable") or not (child.text or "").strip():
                    shared_follower = True
                formula_text = (child.text or "").strip()
        elem.clear()
        if key is None or value_text is None:
            continue
        if kind != "n":
            other.add(key)
            continue
        try:
            number = float(value_text)
        except ValueError:
            other.add(key)
            continue
        if not math.isfinite(number):
            other.add(key)
            continue
        if len(numbers) < MAX_CELLS:
            numbers[key] = number
        if formula_text and not shared_follower and len(formulas) < MAX_FORMULAS:
            formulas.append((ref, formula_text, number))
    return numbers, other, formulas


def _agrees(cached: float, computed: float) -> bool:
    scale = max(1.0, abs(cached), abs(computed))
    return abs(cached - computed) <= RELATIVE_TOLERANCE * scale


def check_sheets(sheets: Iterable[tuple[str, bytes]]) -> dict[str, Any]:
    """Evaluate the supported formulas of each (part name, XML) worksheet against its cells:
    ``checked`` formulas, ``mismatched`` count and the first ``mismatches`` (sheet, cell,
    formula, cached, computed)."""
    checked = mismatched = 0
    mismatches: list[dict[str, Any]] = []
    for name, data in sheets:
        numbers, other, formulas = read_sheet(data)
        for ref, formula, cached in formulas:
            computed = evaluate(formula, numbers, other)
            if computed is None:
                continue
            checked += 1
            if _agrees(cached, computed):
                continue
            mismatched += 1
            if len(mismatches) < MAX_REPORTED:
                mismatches.append(
                    {
                        "sheet": name,
                        "cell": ref,
                        "formula": formula[:200],
                        "cached": cached,
                        "computed": computed,
                    }
                )
    return {"checked": checked, "mismatched": mismatched, "mismatches": mismatches}

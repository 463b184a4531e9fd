"""Text hidden under a white box with other text written on the box: the "white-out" edit.

The quickest way to change a figure in a PDF without an editor that edits text is to paint
an opaque white rectangle over it and write the new figure on the rectangle (an overlay
stamped by a script, a "whiteout" tool of an online PDF editor, an annotation flattened
into the page). The reader sees only the new text; the old one is still in the content
stream, under the box. :class:`PageDrawing` records, in drawing order, where each text
string of a page starts and ends and every white rectangle filled on it; :func:`covered`
names the boxes that are drawn over earlier text *and* under later text.

Device space (points, after the current transformation matrix) throughout. A string
counts as under a box when the middle of its first glyph's or of its whole run's line
(raised by a third of the font size, to the middle of lower-case letters) lies inside the
box, at least :data:`INSET` inside its edges. Boxes larger than :data:`MAX_BOX_SHARE` of
the page (a page background painted over a previous page's leftovers), thinner than
:data:`MIN_BOX_HEIGHT` (rules and underlines) or narrower than :data:`MIN_BOX_WIDTH` are
not considered.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

#: Strings and boxes recorded per page, at most (the rest of the page is not compared).
MAX_RUNS = 5000
MAX_BOXES = 500
#: Findings reported per document, at most.
MAX_FOUND = 10
#: A box covering more of the page than this is a background, not a correction.
MAX_BOX_SHARE = 0.2
MIN_BOX_HEIGHT = 4.0
MIN_BOX_WIDTH = 10.0
#: A point counts as under a box when it lies at least this far (points) inside it: text
#: that only touches a box's edge (a label above a white table cell) is not covered.
INSET = 1.0
#: Candidate strings compared with boxes per page, at most (bounds the work on pages
#: with thousands of boxes over thousands of strings).
MAX_CHECKS = 200_000
#: Characters of covered and written text kept per finding.
MAX_TEXT = 200
#: A colour component at least this light counts as white (1.0 is white).
WHITE = 0.98


def is_white(color: Any) -> bool:
    """pdfminer's non-stroking colour (gray float, RGB or CMYK tuple) is opaque white."""
    if isinstance(color, bool):
        return False
    if isinstance(color, (int, float)):
        return color >= WHITE
    if isinstance(color, (tuple, list)) and all(
        isinstance(c, (int, float)) and not isinstance(c, bool) for c in color
    ):
        if len(color) == 3:
            return all(c >= WHITE for c in color)
        if len(color) == 4:  # CMYK: no ink
            return all(c <= 1 - WHITE for c in color)
    return False


def rectangle(path: list[tuple[Any, ...]]) -> tuple[float, float, float, float] | None:
    """``(x0, y0, x1, y1)`` of a path that is one axis-aligned rectangle (``re``, which
    pdfminer turns into ``m`` and three ``l`` closed by ``h``, or keeps as one ``re``
    segment in older releases), in user space; None for any other path."""
    if len(path) == 1 and path[0] and path[0][0] == "re":  # older pdfminer: one "re" segment
        try:
            x, y, w, h = (float(v) for v in path[0][1:5])
        except (TypeError, ValueError):
            return None
        return min(x, x + w), min(y, y + h), max(x, x + w), max(y, y + h)
    ops = [p for p in path if p and p[0] != "h"]
    if len(ops) not in (4, 5) or ops[0][0] != "m" or any(p[0] != "l" for p in ops[1:]):
        return None
    try:
        points = [(float(p[1]), float(p[2])) for p in ops]
    except (IndexError, TypeError, ValueError):
        return None
    if len(points) == 5:
        if points[4] != points[0]:
            return None
        points = points[:4]
    xs = sorted({round(x, 3) for x, _ in points})
    ys = sorted({round(y, 3) for _, y in points})
    if len(xs) != 2 or len(ys) != 2:
        return None
    for i in range(4):  # each side horizontal or vertical
        (ax, ay), (bx, by) = points[i], points[(i + 1) % 4]
        if abs(ax - bx) > 1e-3 and abs(ay - by) > 1e-3:
            return None
    return xs[0], ys[0], xs[1], ys[1]


@dataclass
class PageDrawing:
    """What one page draws, in order: text runs and white rectangles."""

    number: int
    area: float
    #: (order, probe points, text span in the collector's parts)
    runs: list[tuple[int, tuple[tuple[float, float], ...], tuple[int, int]]] = field(
        default_factory=list
    )
    #: (order, x0, y0, x1, y1)
    boxes: list[tuple[int, float, float, float, float]] = field(default_factory=list)
    order: int = 0

    def add_run(
        self,
        start: tuple[float, float],
        end: tuple[float, float],
        up: tuple[float, float],
        span: tuple[int, int],
    ) -> None:
        """A string from ``start`` to ``end`` (device points on its baseline); ``up`` is a
        third of the font size towards the top of the glyphs."""
        if len(self.runs) >= MAX_RUNS or not all(map(math.isfinite, (*start, *end, *up))):
            return
        self.order += 1
        ux, uy = up
        first = (start[0] + ux, start[1] + uy)
        middle = ((start[0] + end[0]) / 2 + ux, (start[1] + end[1]) / 2 + uy)
        self.runs.append((self.order, (first, middle), span))

    def add_box(self, x0: float, y0: float, x1: float, y1: float) -> None:
        if len(self.boxes) >= MAX_BOXES or not all(map(math.isfinite, (x0, y0, x1, y1))):
            return
        width, height = x1 - x0, y1 - y0
        if width < MIN_BOX_WIDTH or height < MIN_BOX_HEIGHT:
            return
        if self.area > 0 and width * height > MAX_BOX_SHARE * self.area:
            return
        self.order += 1
        self.boxes.append((self.order, x0, y0, x1, y1))


def _inside(point: tuple[float, float], box: tuple[int, float, float, float, float]) -> bool:
    _, x0, y0, x1, y1 = box
    return x0 + INSET <= point[0] <= x1 - INSET and y0 + INSET <= point[1] <= y1 - INSET


def _has_word(text: str) -> bool:
    return any(ch.isalnum() for ch in text)


#: Side (points) of the grid cells the probe points are filed in.
_CELL = 36.0


def _cells(x0: float, y0: float, x1: float, y1: float) -> list[tuple[int, int]]:
    return [
        (i, j)
        for i in range(int(x0 // _CELL), int(x1 // _CELL) + 1)
        for j in range(int(y0 // _CELL), int(y1 // _CELL) + 1)
    ]


def covered(page: PageDrawing, text_of: Callable[[tuple[int, int]], str]) -> list[dict]:
    """The page's white boxes drawn over earlier text and under later text, each as
    ``{page, box, covered, written}`` (``text_of`` turns a run's span into its text)."""
    out: list[dict] = []
    if not page.boxes or not page.runs:
        return out
    grid: dict[tuple[int, int], list[int]] = {}
    for k, run in enumerate(page.runs):
        for x, y in run[1]:
            grid.setdefault((int(x // _CELL), int(y // _CELL)), []).append(k)
    budget = MAX_CHECKS
    for box in page.boxes:
        order = box[0]
        i0, j0 = int(box[1] // _CELL), int(box[2] // _CELL)
        i1, j1 = int(box[3] // _CELL), int(box[4] // _CELL)
        if (i1 - i0 + 1) * (j1 - j0 + 1) <= len(grid):
            cells = [grid.get(c, ()) for c in _cells(box[1], box[2], box[3], box[4])]
        else:  # a box larger than the text's spread: walk the filled cells instead
            cells = [ks for (i, j), ks in grid.items() if i0 <= i <= i1 and j0 <= j <= j1]
        near = sorted({k for ks in cells for k in ks})
        budget -= len(near) + len(cells)
        if budget < 0:  # a page built to make this quadratic: stop comparing
            break
        hits = [page.runs[k] for k in near if any(_inside(p, box) for p in page.runs[k][1])]
        under = [r for r in hits if r[0] < order]
        over = [r for r in hits if r[0] > order]
        if not under or not over:
            continue
        hidden = " ".join(text_of(r[2]).strip() for r in under).strip()
        written = " ".join(text_of(r[2]).strip() for r in over).strip()
        if not (_has_word(hidden) and _has_word(written)) or hidden == written:
            continue
        out.append(
            {
                "page": page.number,
                "box": [round(v, 1) for v in box[1:]],
                "covered": hidden[:MAX_TEXT],
                "written": written[:MAX_TEXT],
            }
        )
        if len(out) >= MAX_FOUND:
            break
    return out

"""Provides a fast column layout of rich ``Text`` cells (no ``Table``: plain lines render ~10x faster).

``layout`` sizes each column to its widest cell, then shrinks the flexible columns (with an ellipsis) until
the lines fit ``width``. Cells are already-safe: rich ``Text`` objects, or ``Cell``s — plain text in one style,
~5x cheaper to make than a ``Text``, which a table of thousands of rows makes ten times per row.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from rich.cells import cell_len
from rich.text import Span, Text


class Cell(NamedTuple):
    """A cell of already-safe text (``render.text.safe``) in one style."""

    plain: str
    style: str = ""
    spans: tuple[Span, ...] = ()


AnyCell = Text | Cell


class Column:
    """A column: its header, how readily it shrinks (``flex``: 0 never, higher first), minimum width, alignment."""

    __slots__ = ("drop", "flex", "header", "min_width", "right")

    def __init__(
        self, header: str, *, flex: int = 0, min_width: int = 4, right: bool = False, drop: int = 0
    ) -> None:
        self.drop = drop  # 0: always shown; otherwise dropped (highest first) when the lines cannot fit
        self.header = header
        self.flex = flex
        self.min_width = min_width
        self.right = right


def _fit(widths: list[int], columns: Sequence[Column], width: int, gap: int) -> list[int]:
    total = sum(widths) + gap * (len(widths) - 1)
    while total > width:
        flex = [i for i, c in enumerate(columns) if c.flex and widths[i] > c.min_width]
        if not flex:
            break
        first = max(flex, key=lambda i: (columns[i].flex, widths[i]))
        widths[first] -= 1
        total -= 1
    return widths


def _text(cell: AnyCell) -> Text:
    return cell.copy() if isinstance(cell, Text) else Text(cell.plain, style=cell.style)


def _pad(cell: AnyCell, width: int, right: bool) -> Text:
    text = _text(cell)
    if text.cell_len > width:
        text.truncate(width, overflow="ellipsis")
    pad = width - text.cell_len
    if pad > 0:
        if right:
            text = Text(" " * pad) + text
        else:
            text.append(" " * pad)
    return text


def layout(
    columns: Sequence[Column], rows: Sequence[Sequence[AnyCell]], width: int, gap: int = 2, header_style: str = "bold"
) -> list[Text]:
    """Lay rows out under a header line, fitted to ``width`` cells (the last column is never padded).

    Flexible columns shrink first; if the lines still do not fit, droppable columns are left out."""
    widths = _widths(columns, rows, width, gap)
    while sum(widths) + gap * (len(widths) - 1) > width and any(c.drop for c in columns):
        drop = max(range(len(columns)), key=lambda i: columns[i].drop)
        columns = [c for i, c in enumerate(columns) if i != drop]
        rows = [[cell for i, cell in enumerate(row) if i != drop] for row in rows]
        widths = _widths(columns, rows, width, gap)
    return _lines(columns, rows, widths, gap, header_style)


def _cells(text: str) -> int:
    """Cells ``text`` takes: its length when ASCII (rich's ``cell_len`` caches 4,096 strings, and a table of
    thousands of rows overflows that cache), else ``cell_len``."""
    return len(text) if text.isascii() else cell_len(text)


def _widths(columns: Sequence[Column], rows: Sequence[Sequence[AnyCell]], width: int, gap: int) -> list[int]:
    widths = [len(c.header) for c in columns]
    for row in rows:
        for i, cell in enumerate(row):
            widths[i] = max(widths[i], _cells(cell.plain))
    return _fit(widths, columns, width, gap)


def _lines(
    columns: Sequence[Column], rows: Sequence[Sequence[AnyCell]], widths: list[int], gap: int, header_style: str
) -> list[Text]:
    header = [Text(c.header, style=header_style) for c in columns]
    return [_line(row, columns, widths, " " * gap) for row in [header, *rows]]


def _line(row: Sequence[AnyCell], columns: Sequence[Column], widths: list[int], gap: str) -> Text:
    """One line: each cell ``_pad``-ded (the last one ``_cut``), built as one string and its spans — the same
    ``Text`` that appending padded copies gives, without a copy and two appends per cell (the table's hot loop)."""
    parts: list[str] = []
    spans: list[Span] = []
    offset = 0
    last = len(row) - 1
    for i, cell in enumerate(row):
        width, plain = widths[i], cell.plain
        pad = width - _cells(plain)
        if cell.spans or pad < 0:
            fitted = _pad(cell, width, columns[i].right) if i < last else _cut(cell, width)
            if fitted.style:
                spans.append(Span(offset, offset + len(fitted), fitted.style))
            spans += [span.move(offset) for span in fitted.spans]
            plain, style, pad = fitted.plain, "", 0
        else:
            style = cell.style
            if i == last:
                pad = 0
            elif columns[i].right and pad:
                parts.append(" " * pad)
                offset += pad
                pad = 0
            elif pad:  # a left-aligned cell's padding takes its style, as ``_pad`` appends it to the copy
                plain += " " * pad
        if style:
            spans.append(Span(offset, offset + len(plain), style))
        parts.append(plain)
        offset += len(plain)
        if i < last:
            parts.append(gap)
            offset += len(gap)
    return Text("".join(parts), spans=spans)


def _cut(cell: AnyCell, width: int) -> Text:
    text = _text(cell)
    if text.cell_len > width:
        text.truncate(width, overflow="ellipsis")
    return text

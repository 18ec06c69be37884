"""A block's table as every format shows it: its rows, the columns `show` asks for, its footers.

Format-neutral: labels are words, shapes and counts are values. The writers (HTML, text,
Markdown, LaTeX) only mark them up, so a column is one entry of COLUMNS in every format.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from operator import attrgetter
from typing import NamedTuple, Union

from mkdocs_paramcalc.dialects.layers import NOT_FOLLOWED, Shape, is_unknown
from mkdocs_paramcalc.report.memory import activation_bytes, input_bytes, size_text
from mkdocs_paramcalc.report.model import Fold, Report, Row, shown
from mkdocs_paramcalc.values import Number, as_text, is_symbolic

# The first column's heading, as the pages and as Keras' `model.summary()` write it.
LAYER_TITLE, LAYER_KERAS_TITLE = "Layer", "Layer (type)"
# A block without a title still has a caption, for screen readers.
UNTITLED = "Parameters by layer"
FOLDED = "copies of the layers above"  # what a Repeat's fold line stands for


class Blank(Enum):
    """A cell without a value."""

    EMPTY = ""
    DASH = "–"  # nothing to count here: the Input row's parameters and MACs


Cell = Union[Number, Shape, Blank]  # noqa: UP007 (a runtime alias: Number holds a forward reference)


@dataclass(frozen=True)
class Column:
    """A column that a table can show: its headings, the `show` part that asks for it, its cells."""

    title: str
    keras_title: str  # in the text table drawn as Keras draws it
    part: str  # the `show` part that adds it; "" for the columns every table has
    kind: str  # "shape", "count" or "bytes": how a writer prints its values
    layer: str | Callable[[Row], Cell]  # a layer's value: the Row attribute that holds it, or a function
    fold: Callable[[Fold], Cell]  # the line that stands for a Repeat's identical copies
    input: Callable[[Report], Cell]
    total: Callable[[Report], Cell]
    counts: bool = False  # holds the other footers' counts (trainable, non-trainable, buffers)


def _empty(_: object) -> Blank:
    return Blank.EMPTY


def _dash(_: object) -> Blank:
    return Blank.DASH


COLUMNS = (
    Column(
        "Output shape", "Output shape", "", "shape",
        layer="shape", fold=_empty, input=lambda report: report.input_shape, total=_empty,
    ),
    Column(
        "Parameters", "Param #", "", "count",
        layer="params", fold=lambda f: f.params, input=_dash,
        total=lambda report: report.total, counts=True,
    ),
    Column(
        "MACs", "MACs", "macs", "count",
        layer="macs", fold=lambda f: f.macs, input=_dash, total=lambda report: report.macs,
    ),
    Column(
        "Activations", "Activations", "memory", "bytes",
        layer=activation_bytes, fold=_empty, input=input_bytes, total=_empty,
    ),
)  # fmt: skip


# What a table says under it when pasted code's forward is not followed.
UNFOLLOWED_NOTE = (
    "Shapes marked not followed are not known: {}. Each layer is counted from its own arguments, "
    "as a PyTorch layer's count needs no more."
)


class Line(NamedTuple):
    """A row of the table: a layer, a block's subtotal, a fold line, the Input row or a footer."""

    role: str  # "input", "layer", "block", "fold"; footers: "total", "split" or "buffers"
    label: str  # the layer's name, "Input", "× 3", "Total"
    note: str  # the layer's kind, "Branches · concat", "not parameters"; "" for none
    depth: int  # how deep inside Residual, Branches and Repeat
    cells: tuple[Cell, ...]  # one a column shown
    amount: Number = 0  # a footer's count

    @property
    def words(self) -> str:
        """The label as plain text: "conv (Conv2D)", "× 3 copies of the layers above", "Total"."""
        if not self.note or self.note == self.label:
            return self.label
        return f"{self.label} {self.note}" if self.role == "fold" else f"{self.label} ({self.note})"


class Table(NamedTuple):
    """A block's table, whatever the format."""

    title: str  # "" for none
    columns: tuple[Column, ...]
    rows: tuple[Line, ...]  # the Input row, then the layers as shown
    footers: tuple[Line, ...]  # Total, Trainable, Non-trainable, and Buffers if there are any
    frozen: bool  # some parameters are not trained

    @property
    def table_footers(self) -> tuple[Line, ...]:
        """The footers a table shows: Trainable and Non-trainable only when some are frozen."""
        return self.footers if self.frozen else tuple(f for f in self.footers if f.role != "split")


# A Line made from its fields at C speed: NamedTuple's own __new__ is Python (a hot loop).
_line = tuple.__new__


def table(report: Report) -> Table:
    """The table of a block, with the columns its `show` asks for."""
    show = report.options.show
    columns = tuple([c for c in COLUMNS if not c.part or c.part in show])
    layer, fold = _getter([c.layer for c in columns]), [c.fold for c in columns]
    rows = [Line("input", "Input", "", 0, tuple([c.input(report) for c in columns]))]
    for depth, item in shown(report.rows):
        if isinstance(item, Fold):
            cells = tuple([f(item) for f in fold])
            rows.append(_line(Line, ("fold", f"× {item.times}", FOLDED, depth, cells, 0)))
        else:
            cells = layer(item)
            note = item.kind if item.group is None else kind(item)
            if item.shares:  # a module used again, or tied: its weights are counted where first used
                note = (
                    f"{note}, used again" if item.shares == item.name else f"{note}, {item.shares}'s weights"
                )
            rows.append(_line(Line, ("block" if item.group else "layer", item.name, note, depth, cells, 0)))
    title = report.options.title or ""
    return Table(title, columns, tuple(rows), _footers(report, columns), report.non_trainable != 0)


def _getter(layer: list[str | Callable[[Row], Cell]]) -> Callable[[Row], tuple[Cell, ...]]:
    """The columns' getters of a layer's cells as one function: one attrgetter of every attribute
    when each column reads one (a table's rows are the writers' hottest loop)."""
    names = [g for g in layer if isinstance(g, str)]
    if len(names) == len(layer) > 1:
        return attrgetter(*names)  # a tuple of the values, for two names or more
    getters = [attrgetter(g) if isinstance(g, str) else g for g in layer]
    return lambda row: tuple([g(row) for g in getters])


def _footers(report: Report, columns: tuple[Column, ...]) -> tuple[Line, ...]:
    """Total, then each count in the column that holds counts: Trainable, Non-trainable, Buffers."""
    footers = [Line("total", "Total", "", 0, tuple([c.total(report) for c in columns]), report.total)]
    counted = [("split", "Trainable", "", report.trainable)]
    counted.append(("split", "Non-trainable", "", report.non_trainable))
    if report.buffers != 0:
        counted.append(("buffers", "Buffers", "not parameters", report.buffers))
    for role, label, note, value in counted:
        cells = tuple([value if c.counts else Blank.EMPTY for c in columns])
        footers.append(Line(role, label, note, 0, cells, value))
    return tuple(footers)


def kind(row: Row) -> str:
    """A layer's kind as a table shows it: Conv2D, Residual, Branches · concat, Repeat × 3."""
    group = row.group
    if group is None:
        return row.kind
    if row.kind == "Repeat":
        return f"Repeat × {group.copies}"
    return f"Branches · {group.merge}" if row.kind == "Branches" else row.kind


@dataclass(frozen=True)
class Spelling:
    """How a format writes a shape: its brackets, the separator between sizes, and each size."""

    start: str
    separator: str
    end: str
    size: Callable[[Number], str]

    def shape(self, shape: Shape) -> str:
        """The shape without the batch axis, as every table shows it: (26, 26, 32), (10)."""
        if is_unknown(shape):
            return NOT_FOLLOWED
        return self.start + self.separator.join(map(self.size, shape)) + self.end


def _size(size: Number) -> str:
    return str(size) if type(size) is int else as_text(size)  # the common case first: a hot path


PLAIN = Spelling("(", ", ", ")", _size)


def plain_count(value: Number) -> str:
    """A count as a terminal shows it: 1,179,776, or the formula."""
    return as_text(value) if is_symbolic(value) else f"{value:,}"


def plain(column: Column, value: Cell) -> str:
    """A cell as plain text: (26, 26, 32), 1,179,776, 86.53 kB, – (empty: "")."""
    if isinstance(value, Blank):
        return value.value
    if isinstance(value, tuple):
        return PLAIN.shape(value)
    return size_text(value) if column.kind == "bytes" else plain_count(value)

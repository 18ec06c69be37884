"""A block's derivations as every format shows them: each layer's formula, each construct's sum of
its parts, the notes on frozen parts and buffers, and the layers without trainable parameters.

Format-neutral, as table.py is for the table: the pandoc and LaTeX writers print these; the HTML
writer prints the same (with its memos of printed lines, html.py)."""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field

from mkdocs_paramcalc.dialects.formula import Term
from mkdocs_paramcalc.report import costs
from mkdocs_paramcalc.report.model import Report, Row
from mkdocs_paramcalc.report.table import kind
from mkdocs_paramcalc.values import Number


@dataclass(frozen=True)
class Note:
    """A line under a derivation: words, and a worked formula when there is one."""

    words: str
    formula: Term | None = None
    value: Number = 0
    code: str = ""  # a name after the words, as code: trainable=False


@dataclass(frozen=True)
class Part:
    """A term of a construct's sum: a layer inside it, `times` over (a Repeat's identical copies)."""

    name: str
    params: Number
    times: Number = 1


@dataclass(frozen=True)
class Derivation:
    """A layer's formula (general form, then numbers = value), or a construct's sum of parts."""

    name: str
    what: str  # the layer's kind; "Repeat × 3 · the sum of its parts" for a construct
    value: Number
    formula: Term | None = None
    parts: tuple[Part, ...] = ()
    notes: tuple[Note, ...] = field(default=())
    # What a layer's derivation depends on beyond its name (model.py's memo key and the frozen
    # count): two layers with the same key print the same lines. None: not known to be shared.
    key: Hashable | None = field(default=None, compare=False)


def derivations(report: Report) -> list[Derivation]:
    """A derivation for each row shown that has parameters, in the table's order."""
    return [
        _sum(row) if row.group is not None else _layer(row)
        for row in report.shown_rows()
        if (row.formula is not None or row.group is not None) and row.params != 0
    ]


def _layer(row: Row) -> Derivation:
    assert row.formula is not None
    notes: list[Note] = []
    if row.frozen is not None and row.non_trainable != 0 and row.non_trainable != row.params:
        notes.append(Note("of which not trained (moving statistics):", row.frozen, row.non_trainable))
    elif costs.statistics_only(row):
        notes.append(
            Note("none of them trained: statistics of the data, which Keras counts as non-trainable")
        )
    elif row.non_trainable != 0 and row.non_trainable == row.params:
        notes.append(Note("all of them frozen", code="trainable=False"))
    if row.buffers_formula is not None and row.buffers != 0:
        notes.append(
            Note("plus buffers (running statistics, not parameters):", row.buffers_formula, row.buffers)
        )
    key = None if row.computed_from is None else (row.computed_from, row.non_trainable)
    return Derivation(row.name, row.kind, row.params, row.formula, notes=tuple(notes), key=key)


def _sum(row: Row) -> Derivation:
    assert row.group is not None
    parts = tuple(
        Part(part.name, part.params, times)
        for path, times in row.group.runs()
        for part in path
        if part.params != 0
    )
    return Derivation(row.name, f"{kind(row)} · the sum of its parts", row.params, parts=parts)


def untrained(report: Report) -> list[str]:
    """The layers without trainable parameters, as a line lists them: MaxPooling2D, ReLU activation."""
    names = [label + (f" ×{n}" if n > 1 else "") for label, n in costs.untrained(report)]
    activations = costs.activations(report)
    if activations:
        names.append(" and ".join(activations) + (" activations" if len(activations) > 1 else " activation"))
    return names


def listed(names: list[str]) -> str:
    """a, b and c."""
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]

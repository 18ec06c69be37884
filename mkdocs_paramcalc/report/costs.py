"""What the notes under a block's table say: the layers that learn nothing, and the MACs.

Words and values only; writers/html.py marks them up (the memory line's values are memory.py's).
"""

from __future__ import annotations

from collections.abc import Iterable

from mkdocs_paramcalc.dialects.layers import ACTIVATIONS
from mkdocs_paramcalc.report.model import Report, Row

CONVENTION = (
    "one for each weight at each output position, counted as fvcore counts them; biases, "
    "activations and most pooling are not counted"
)


def tally(labels: Iterable[str]) -> list[tuple[str, int]]:
    """Each label once, in the order first seen, with how many times it came: ReLU ×3."""
    counted: dict[str, int] = {}
    for label in labels:
        counted[label] = counted.get(label, 0) + 1
    return list(counted.items())


def _label(row: Row) -> str:
    # Layers the author named are listed by name; the others by kind.
    return row.name if row.named else row.kind


def untrained(report: Report) -> list[tuple[str, int]]:
    """The layers without trainable parameters, by label: frozen ones as "name (frozen)", those that
    only keep statistics of the data (Normalization) as "name (statistics)"."""
    # A module used again (its weights counted at its first use) is listed once, or not at all.
    return tally(_untrained_label(r) for r in report.leaves() if r.trainable == 0 and not r.shares)


def _untrained_label(row: Row) -> str:
    if row.params == 0:
        return _label(row)
    return f"{row.name} (statistics)" if statistics_only(row) else f"{row.name} (frozen)"


def statistics_only(row: Row) -> bool:
    """A layer whose every weight is a statistic of the data, never trained (Normalization's
    mean, variance and count), as opposed to one the author froze."""
    return (
        row.frozen is not None and row.non_trainable == row.params != 0 and row.frozen.value() == row.params
    )


def activations(report: Report) -> list[str]:
    """The activation functions inside layers with parameters, by name, sorted: ReLU, softmax."""
    return sorted(
        {
            ACTIVATIONS[r.activation]
            for r in report.leaves()
            if r.activation and r.activation != "linear" and r.formula is not None
        }
    )


def counted(report: Report) -> list[Row]:
    """The rows shown that count MACs by a formula, in the table's order."""
    return [row for row in report.shown_rows() if row.macs_formula is not None]


def uncounted(report: Report) -> list[tuple[str, int]]:
    """The layers that count no MACs for want of a formula (fvcore's skipped ones aside), by label."""
    return tally(_label(r) for r in report.leaves() if r.macs_formula is None and not r.macs_note)


def skipped(report: Report) -> dict[str, list[str]]:
    """The layers that compute but count no MACs, as fvcore skips them: their names by the reason."""
    reasons: dict[str, list[str]] = {}
    for r in report.leaves():
        if r.macs_formula is None and r.macs_note:
            reasons.setdefault(r.macs_note, []).append(r.name)
    return reasons

"""The `macs` and `memory` parts of a block's HTML: table columns, MACs derivations, a memory line.

The table itself is render.py's; it asks this module for the extra cells, which are
empty strings for a block that shows neither part, so such blocks render as before.
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

from mkdocs_paramcalc.report import memory
from mkdocs_paramcalc.report.model import Fold, Report, Row
from mkdocs_paramcalc.values import Number, is_symbolic

if TYPE_CHECKING:
    from mkdocs_paramcalc.writers.html import HtmlRenderer

CONVENTION = (
    "one for each weight at each output position, counted as fvcore counts them; biases, "
    "activations and most pooling are not counted"
)


def head(report: Report) -> str:
    """The extra column headings."""
    show = report.options.show
    return ('<th scope="col">MACs</th>' if "macs" in show else "") + (
        '<th scope="col">Activations</th>' if "memory" in show else ""
    )


def cells(renderer: HtmlRenderer, report: Report, row: Row | None) -> str:
    """A layer's extra cells (`row`), or the Input row's (None)."""
    show = report.options.show
    out = ""
    if "macs" in show:
        out += f'<td class="paramcalc-num">{"–" if row is None else renderer._count(row.macs)}</td>'
    if "memory" in show:
        size = memory.input_bytes(report) if row is None else memory.activation_bytes(row)
        out += f'<td class="paramcalc-num">{_size(renderer, size)}</td>'
    return out


def total(renderer: HtmlRenderer, report: Report) -> str:
    """The Total row's extra cells: the MACs of the whole block."""
    show = report.options.show
    out = f'<td class="paramcalc-num">{renderer._count(report.macs)}</td>' if "macs" in show else ""
    return out + ("<td></td>" if "memory" in show else "")


def fold(renderer: HtmlRenderer, report: Report, folded: Fold) -> str:
    """The extra cells of a Repeat's fold line: the MACs of the copies it stands for."""
    show = report.options.show
    out = f'<td class="paramcalc-num">{renderer._count(folded.macs)}</td>' if "macs" in show else ""
    return out + ("<td></td>" if "memory" in show else "")


def blank(report: Report) -> str:
    """The extra cells of the other footer rows."""
    return "<td></td>" * sum(part in report.options.show for part in ("macs", "memory"))


def _size(renderer: HtmlRenderer, value: Number) -> str:
    if is_symbolic(value):
        return f"{renderer._count(value)} B"
    return escape(memory.size_text(value))


def macs_section(renderer: HtmlRenderer, report: Report) -> str:
    """The convention and the total; with `derivations`, each layer's count and the ones not counted."""
    total_macs = report.macs
    flops = renderer._count(2 * total_macs)
    convention = (
        f'<p class="paramcalc-note paramcalc-convention"><strong>MACs:</strong> '
        f"{renderer._count(total_macs)} multiply-accumulates for one example, or {flops} FLOPs "
        f"(2 × MACs): {escape(CONVENTION)}.</p>"
    )
    if "derivations" not in report.options.show:
        return f'<div class="paramcalc-macs">{convention}</div>'
    from mkdocs_paramcalc.writers.html import MATH_END, MATH_START

    items = [_derivation(renderer, row) for row in report.shown_rows() if row.macs_formula is not None]
    grid = f'{MATH_START}<div class="paramcalc-derivations" role="list">{"".join(items)}</div>{MATH_END}'
    return f'<div class="paramcalc-macs">{convention}{grid if items else ""}{_uncounted(report)}</div>'


def _derivation(renderer: HtmlRenderer, row: Row) -> str:
    assert row.macs_formula is not None
    lines = renderer._general(row.macs_formula) + renderer._display(
        *renderer._substituted(row.macs_formula, row.macs)
    )
    return (
        '<div class="paramcalc-derivation" role="listitem">'
        f'<p class="paramcalc-layer"><strong>{escape(row.name)}</strong> '
        f'<span class="paramcalc-kind">{row.kind} · MACs</span></p>{lines}</div>'
    )


def _uncounted(report: Report) -> str:
    """The layers without MACs, by kind as the no-parameter line lists them; then those fvcore skips."""
    labels: dict[str, int] = {}
    skipped: dict[str, list[str]] = {}
    for r in report.leaves():
        if r.macs_formula is not None:
            continue
        if r.macs_note:
            skipped.setdefault(r.macs_note, []).append(escape(r.name))
            continue
        label = r.name if r.named else r.kind
        labels[label] = labels.get(label, 0) + 1
    lines = []
    names = [escape(label) + (f" ×{n}" if n > 1 else "") for label, n in labels.items()]
    if names:
        lines.append(f'<p class="paramcalc-free"><strong>No MACs counted:</strong> {_listed(names)}.</p>')
    for note, layers in skipped.items():
        lines.append(
            f'<p class="paramcalc-free"><strong>Not counted, as {escape(note)}:</strong> '
            f"{_listed(layers)}.</p>"
        )
    return "".join(lines)


def _listed(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def memory_section(renderer: HtmlRenderer, report: Report) -> str:
    """torchinfo's estimates for one example, in a line under the table."""
    sizes = ", ".join(
        f"{_size(renderer, memory.params_bytes(report, width))} in {name}"
        for name, width in memory.PRECISIONS
    )
    return (
        '<p class="paramcalc-note paramcalc-memory"><strong>Memory</strong> for one example, as '
        f"torchinfo estimates it: parameters {sizes}; forward/backward pass "
        f"{_size(renderer, memory.forward_backward_bytes(report))} (the float32 outputs of the layers "
        f"with parameters, and their gradients); input {_size(renderer, memory.input_bytes(report))}; "
        f"estimated total {_size(renderer, memory.total_bytes(report))}.</p>"
    )

"""Report → a boxed text table, as Keras 3's `model.summary()` draws it, with its lines of totals."""

from __future__ import annotations

from mkdocs_paramcalc.report import memory
from mkdocs_paramcalc.report.model import Report
from mkdocs_paramcalc.report.shares import shares
from mkdocs_paramcalc.report.table import LAYER_KERAS_TITLE, UNFOLLOWED_NOTE, Line, plain, plain_count, table

INDENT = "  "  # a level inside Residual, Branches and Repeat


def text(report: Report, heading: str) -> str:
    """The table under `heading`, then the counts, the MACs and (if shown) the memory estimates."""
    described = table(report)
    head = (LAYER_KERAS_TITLE, *(c.keras_title for c in described.columns))
    rows = [
        (INDENT * line.depth + line.words, *map(plain, described.columns, line.cells))
        for line in described.rows
    ]
    widths = [max(len(row[i]) for row in [head, *rows]) + 2 for i in range(len(head))]

    def rule(left: str, mid: str, right: str, fill: str) -> str:
        return left + mid.join(fill * w for w in widths) + right

    def cells(row: tuple[str, ...], bar: str) -> str:
        # The label and the shape to the left, the numbers to the right.
        pairs = enumerate(zip(row, widths, strict=True))
        padded = [c.ljust(w - 2) if i < 2 else c.rjust(w - 2) for i, (c, w) in pairs]
        return bar + " " + f" {bar} ".join(padded) + " " + bar

    out = [heading, rule("┏", "┳", "┓", "━"), cells(head, "┃"), rule("┡", "╇", "┩", "━")]
    for i, row in enumerate(rows):
        if i:
            out.append(rule("├", "┼", "┤", "─"))
        out.append(cells(row, "│"))
    out.append(rule("└", "┴", "┘", "─"))
    out += [_count_line(line) for line in described.footers]
    if report.unfollowed:
        out.append(" " + UNFOLLOWED_NOTE.format(report.unfollowed))
    else:
        out.append(f" Total MACs: {plain_count(report.macs)} (one example, as fvcore counts them)")
    if "shares" in report.options.show:
        parts = ", ".join(
            f"{share.part} {plain_count(share.params)} ({share.fraction:.1%})" for share in shares(report)
        )
        out.append(f" Where the parameters go: {parts}")
    if "memory" in report.options.show:
        out.append(" Memory for one example, as torchinfo estimates it (1 MB = 10^6 bytes):")
        out += [f"   {line}" for line in memory.lines(report)]
    return "\n".join(out)


def _count_line(footer: Line) -> str:
    """ " Total params: 1,199,882 (4.58 MB)", as Keras words it; buffers are not parameters."""
    label = footer.words if footer.role == "buffers" else f"{footer.label} params"
    size = memory.keras_size(footer.amount)
    return f" {label}: {plain_count(footer.amount)}" + (f" ({size})" if size else "")

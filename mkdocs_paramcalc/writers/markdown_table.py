"""Report → a Markdown pipe table to paste into any page, with the memory estimates as a list."""

from __future__ import annotations

from mkdocs_paramcalc.report import memory
from mkdocs_paramcalc.report.model import Report
from mkdocs_paramcalc.report.table import LAYER_TITLE, UNFOLLOWED_NOTE, Line, Table, plain, table

INDENT = "\u2003"  # an em space a level: Markdown keeps it, unlike a space
_BOLD = ("total",)  # the roles of the rows set in bold


def markdown(report: Report, heading: str) -> str:
    """The table under `heading` in bold; then, if shown, the memory estimates."""
    described = table(report)
    titles = "".join(f" {c.title} |" for c in described.columns)
    align = "".join("---|" if c.kind == "shape" else "---:|" for c in described.columns)
    out = [f"**{escape(heading)}**", "", f"| {LAYER_TITLE} |{titles}", f"|---|{align}"]
    out += [_row(described, line) for line in (*described.rows, *described.table_footers)]
    if report.unfollowed:
        out += ["", escape(UNFOLLOWED_NOTE.format(report.unfollowed))]
    if "memory" in report.options.show:
        out += ["", *(f"- {escape(line)}" for line in memory.lines(report))]
    return "\n".join(out)


def _row(described: Table, line: Line) -> str:
    cells = [
        escape(plain(column, value)) for column, value in zip(described.columns, line.cells, strict=True)
    ]
    label = INDENT * line.depth + escape(line.words)
    if line.role in _BOLD:
        label, cells = f"**{label}**", [f"**{c}**" if c else c for c in cells]
    return f"| {label} |" + "".join(f" {c} |" if c else " |" for c in cells)


def escape(text: str) -> str:
    """Text with Markdown's own characters escaped."""
    return "".join("\\" + ch if ch in "|*_`[]<>\\" else ch for ch in text)

"""Report → a booktabs table for a thesis or a Beamer slide (needs `\\usepackage{booktabs}`)."""

from __future__ import annotations

from mkdocs_paramcalc.dialects.formula import LatexPrinter
from mkdocs_paramcalc.report.derivations import Part, listed, untrained
from mkdocs_paramcalc.report.derivations import derivations as report_derivations
from mkdocs_paramcalc.report.model import Report
from mkdocs_paramcalc.report.table import (
    LAYER_TITLE,
    Blank,
    Cell,
    Column,
    Line,
    Spelling,
    Table,
    plain,
    table,
)
from mkdocs_paramcalc.values import Number, is_symbolic, readable

# The characters that LaTeX reads as its own syntax, and how text mode writes them.
_SPECIAL = {
    "\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
    "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
    "|": r"\textbar{}", "<": r"\textless{}", ">": r"\textgreater{}", "×": r"$\times$",
    "·": r"$\cdot$",
}  # fmt: skip
_STYLES = {"total": r"\textbf", "fold": r"\textit"}  # a row's look by its role, label and counts


def latex(report: Report, heading: str, *, floating: bool = True) -> str:
    """The table in a floating `table`, captioned with `heading`; not `floating`, where the text
    puts it, captioned with capt-of's \\captionof (a book whose derivations follow the table)."""
    described = table(report)
    titles = "".join(f" & {c.title}" for c in described.columns)
    align = "".join("l" if c.kind == "shape" else "r" for c in described.columns)
    start, end = (
        (r"\begin{table}[htbp]", r"\end{table}") if floating else (r"\begin{center}", r"\end{center}")
    )
    caption = rf"\caption{{{escape(heading)}}}" if floating else rf"\captionof{{table}}{{{escape(heading)}}}"
    out = [
        start,
        r"  \centering",
        rf"  {caption}",
        rf"  \begin{{tabular}}{{l{align}}}",
        r"    \toprule",
        rf"    {LAYER_TITLE}{titles} \\",
        r"    \midrule",
        *(_row(described, line) for line in described.rows),
        r"    \midrule",
        *(_row(described, line) for line in described.table_footers),
        r"    \bottomrule",
        r"  \end{tabular}",
        end,
    ]
    return "\n".join(out)


def _row(described: Table, line: Line) -> str:
    style = _STYLES.get(line.role)
    label = r"\quad " * line.depth + escape(line.words)
    cells = [_cell(column, value) for column, value in zip(described.columns, line.cells, strict=True)]
    if style == r"\textbf":
        cells = [f"{style}{{{c}}}" if c else c for c in cells]
    if style:
        label = f"{style}{{{label}}}"
    return f"    {label}" + "".join(f" & {c}" if c else " &" for c in cells) + r" \\"


def _cell(column: Column, value: Cell) -> str:
    if value is Blank.DASH:
        return "--"
    if isinstance(value, Blank):
        return ""
    if isinstance(value, tuple):
        return _SHAPE.shape(value)
    if column.kind == "bytes":
        return f"{number(value)} B" if is_symbolic(value) else escape(plain(column, value))
    return number(value)


def number(value: Number) -> str:
    """A count in LaTeX: 1{,}179{,}776, or the formula in math mode."""
    return f"${_math(value)}$" if is_symbolic(value) else f"{value:,}".replace(",", "{,}")


def _math(value: Number) -> str:
    if not is_symbolic(value):
        return str(value)
    import sympy  # the formulas of symbolic blocks only: a plain table never loads sympy

    return str(sympy.latex(readable(value), order="none"))


_SHAPE = Spelling("$(", ", ", ")$", _math)
_LATEX = LatexPrinter()


def _in_math(value: Number) -> str:
    """A count inside math: 1{,}179{,}776, or the formula."""
    return _math(value) if is_symbolic(value) else f"{value:,}".replace(",", "{,}")


def derivations(report: Report) -> str:
    """Each derivation as a paragraph: the layer's name and kind, then its general form and its
    numbers as display math (or a construct's sum of its parts), and the layers without parameters."""
    out = []
    for derivation in report_derivations(report):
        out.append(rf"\paragraph{{{escape(derivation.name)}}} \texttt{{{escape(derivation.what)}}}")
        if derivation.formula is not None:
            general = derivation.formula.render(_LATEX, numbers=False)
            out.append(rf"\[{general}\]")
            out.append(
                rf"\[{derivation.formula.render(_LATEX, numbers=True)} = {_in_math(derivation.value)}\]"
            )
        else:
            names = [p.name if p.times == 1 else f"{p.times} × {p.name}" for p in derivation.parts]
            values = [_part(p) for p in derivation.parts]
            out.append(escape(" + ".join(names)))
            out.append(rf"\[{' + '.join(values)} = {_in_math(derivation.value)}\]")
        for note in derivation.notes:
            worked = ""
            if note.formula is not None:
                worked = rf" ${note.formula.render(_LATEX, numbers=True)} = {_in_math(note.value)}$"
            out.append(
                escape(note.words) + worked + (rf" \texttt{{{escape(note.code)}}}" if note.code else "")
            )
    free = untrained(report)
    if free:
        out.append(rf"\textbf{{No trainable parameters:}} {escape(listed(free))}.")
    return "\n\n".join(out)


def _part(part: Part) -> str:
    """A term of a construct's sum: L × (2d + d(d + 1)), not L × 2d + d(d + 1)."""
    value = _in_math(part.params)
    if part.times == 1:
        return value
    if is_symbolic(part.params) and getattr(part.params, "is_Add", False):
        value = rf"\left({value}\right)"
    return rf"{_LATEX.number(part.times)} \times {value}"


def escape(text: str) -> str:
    """Text with LaTeX's own characters written as text mode writes them."""
    return "".join(_SPECIAL.get(ch, ch) for ch in text)

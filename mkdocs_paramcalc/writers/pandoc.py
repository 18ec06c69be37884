"""Report → pandoc's own document tree (its JSON), so that every format pandoc writes gets the
table and the derivations natively: HTML with MathML, reveal.js and Beamer slides, LaTeX, Word.

The table is report/table.py's, the notes report/costs.py's and memory.py's, as in the HTML
writer; this module only builds pandoc's elements, and prints formulas as LaTeX math, which every
pandoc writer turns into its own (MathML, TeX, Word equations).
"""

from __future__ import annotations

from typing import Any

from mkdocs_paramcalc.dialects.formula import LatexPrinter, Term
from mkdocs_paramcalc.dialects.layers import Shape, is_unknown
from mkdocs_paramcalc.errors import BlockError
from mkdocs_paramcalc.reading.options import Settings
from mkdocs_paramcalc.report import costs, memory
from mkdocs_paramcalc.report.derivations import Derivation, Part, derivations, listed, untrained
from mkdocs_paramcalc.report.model import Report
from mkdocs_paramcalc.report.references import Quoted
from mkdocs_paramcalc.report.table import (
    LAYER_TITLE,
    PLAIN,
    UNFOLLOWED_NOTE,
    UNTITLED,
    Blank,
    Cell,
    Column,
    Line,
    table,
)
from mkdocs_paramcalc.values import Number, is_symbolic
from mkdocs_paramcalc.writers.html import count
from mkdocs_paramcalc.writers.latex import escape as latex_escape

Element = dict[str, Any]  # a pandoc element as its JSON writes it: {"t": type, "c": contents}
_NO_ATTR: list[Any] = ["", [], []]
_LATEX = LatexPrinter()
_INDENT = "\u2003"  # an em space a level inside Residual, Branches and Repeat
# The formats whose writers take raw HTML: the diagram and the share chart are SVG.
HTML_FORMATS = ("html", "html4", "html5", "revealjs", "slidy", "slideous", "dzslides", "s5", "epub", "epub3")


def _height(report: Report) -> tuple[str, ...]:
    """A class for a tall table, which a slide shows in a smaller type (paramcalc.css)."""
    rows = len(report.shown_rows()) if "table" in report.options.show else 0
    for least, name in ((25, "paramcalc-tallest"), (17, "paramcalc-taller"), (11, "paramcalc-tall")):
        if rows >= least:
            return (name,)
    return ()


def _attr(classes: tuple[str, ...] = (), ident: str = "") -> list[Any]:
    return [ident, list(classes), []]


def words(text: str) -> list[Element]:
    """Text as pandoc's inlines: words and the spaces between them."""
    out: list[Element] = []
    for i, word in enumerate(text.split(" ")):
        if i:
            out.append({"t": "Space"})
        if word:
            out.append({"t": "Str", "c": word})
    return out


def math(latex: str, *, display: bool = False) -> Element:
    return {"t": "Math", "c": [{"t": "DisplayMath" if display else "InlineMath"}, latex]}


def para(inlines: list[Element]) -> Element:
    return {"t": "Para", "c": inlines}


def div(blocks: list[Element], *classes: str, ident: str = "") -> Element:
    return {"t": "Div", "c": [_attr(classes, ident), blocks]}


def _strong(inlines: list[Element]) -> Element:
    return {"t": "Strong", "c": inlines}


def _code(text: str) -> Element:
    return {"t": "Code", "c": [_NO_ATTR, text]}


def prose(text: str) -> list[Element]:
    """A message as inlines, its `backticked` names as code."""
    parts = text.split("`")
    if len(parts) % 2 == 0:  # an unpaired backtick: the text as it is
        return words(text)
    out: list[Element] = []
    for i, part in enumerate(parts):
        out += [_code(part)] if i % 2 else words(part)
    return out


class PandocWriter:
    """A page's blocks and references as pandoc elements, for the format pandoc writes."""

    def __init__(self, settings: Settings, target: str = "html") -> None:
        self.settings = settings
        self.html = target.split("+")[0].split("-")[0] in HTML_FORMATS

    # A block -------------------------------------------------------------------------------

    def report(self, report: Report, claims: list[tuple[BlockError, str]] | None = None) -> Element:
        """The block as a Div of pandoc blocks; `claims` are its failed claims, located."""
        title = "A number in the text does not match the model"
        blocks = [self.error(error, title, located) for error, located in claims or []]
        show = report.options.show
        if "table" in show:
            blocks.append(self.table(report))
            if report.unfollowed:
                blocks.append(para(words(UNFOLLOWED_NOTE.format(report.unfollowed))))
        for part in ("diagram", "shares"):
            if part in show:
                blocks.append(self._figure(report, part))
        if "memory" in show:
            blocks.append(div([para(words(line)) for line in memory.lines(report)], "paramcalc-memory"))
        if "derivations" in show:
            blocks += self.derivations(report)
        if "macs" in show:
            blocks += self.macs(report)
        ident = f"paramcalc-{report.options.id}" if report.options.id else ""
        return div(blocks, "paramcalc", *_height(report), ident=ident)

    def _figure(self, report: Report, part: str) -> Element:
        """The diagram or the share chart: SVG, which only HTML formats take."""
        if not self.html:
            what = "diagram" if part == "diagram" else "chart of where the parameters go"
            return para(words(f"(The {what} is drawn in HTML output only.)"))
        if part == "diagram":
            from mkdocs_paramcalc.writers.svg import diagram

            svg = diagram(report, set(), count(report.total, self.settings.separator), {})
        else:
            from mkdocs_paramcalc.writers.chart import chart

            svg = chart(report, lambda value: count(value, self.settings.separator))
        return {"t": "RawBlock", "c": ["html", svg]}

    # The table -----------------------------------------------------------------------------

    def table(self, report: Report) -> Element:
        described = table(report)
        caption = described.title or UNTITLED
        aligns = [
            "AlignLeft",
            *("AlignLeft" if c.kind == "shape" else "AlignRight" for c in described.columns),
        ]
        specs = [[{"t": align}, {"t": "ColWidthDefault"}] for align in aligns]
        head = self._row([LAYER_TITLE, *(c.title for c in described.columns)])
        rows = [self._line(described.columns, line) for line in described.rows]
        foot = [self._line(described.columns, line) for line in described.table_footers]
        return {
            "t": "Table",
            "c": [
                _attr(("paramcalc-table",)),
                [None, [{"t": "Plain", "c": words(caption)}]],
                specs,
                [_NO_ATTR, [head]],
                [[_NO_ATTR, 0, [], rows]],
                [_NO_ATTR, foot],
            ],
        }

    @staticmethod
    def _row(texts: list[str]) -> list[Any]:
        return [
            _NO_ATTR,
            [[_NO_ATTR, {"t": "AlignDefault"}, 1, 1, [{"t": "Plain", "c": words(t)}]] for t in texts],
        ]

    def _line(self, columns: tuple[Column, ...], line: Line) -> list[Any]:
        label: list[Element] = words(_INDENT * line.depth + line.label)
        if line.note and line.note != line.label:
            label += [{"t": "Space"}, {"t": "Emph", "c": words(line.note)}]
        cells = [label, *(self._cell(c, v) for c, v in zip(columns, line.cells, strict=True))]
        if line.role in ("total", "block"):
            cells = [[_strong(c)] if c else c for c in cells]
        return [_NO_ATTR, [[_NO_ATTR, {"t": "AlignDefault"}, 1, 1, [{"t": "Plain", "c": c}]] for c in cells]]

    def _cell(self, column: Column, value: Cell) -> list[Element]:
        if isinstance(value, Blank):
            return words(value.value)
        if isinstance(value, tuple):
            return self.shape(value)
        if column.kind == "bytes":
            return self._maybe_math(memory.size_text(value), value)
        return self.count(value)

    def shape(self, shape: Shape) -> list[Element]:
        if is_unknown(shape) or not any(is_symbolic(size) for size in shape):
            return words(PLAIN.shape(shape))
        return [math(r"\left(" + ", ".join(_LATEX.number(size) for size in shape) + r"\right)")]

    def count(self, value: Number) -> list[Element]:
        if is_symbolic(value):
            return [math(_LATEX.number(value))]
        return words(count(value, self.settings.separator))

    def _maybe_math(self, text: str, value: Number) -> list[Element]:
        return [math(_LATEX.number(value) + r"\ \mathrm{B}")] if is_symbolic(value) else words(text)

    # Derivations ---------------------------------------------------------------------------

    def derivations(self, report: Report) -> list[Element]:
        """A Div a derivation (a slide may hold one), then the layers without trainable parameters."""
        out = [self._derivation(derivation) for derivation in derivations(report)]
        free = untrained(report)
        if free:
            line = words(listed(free) + ".")
            out.append(para([_strong(words("No trainable parameters:")), {"t": "Space"}, *line]))
        return out

    def _heading(self, name: str, what: str) -> Element:
        return para([_strong(words(name)), {"t": "Space"}, _code(what)])

    def _derivation(self, derivation: Derivation) -> Element:
        blocks = [self._heading(derivation.name, derivation.what)]
        if derivation.formula is not None:
            blocks += self._lines(derivation.formula, derivation.value)
        else:  # a construct: the sum of its parts
            names = [
                p.name if p.times == 1 else f"{count(p.times, ',')} × {p.name}" for p in derivation.parts
            ]
            values = [self._part(p) for p in derivation.parts]
            total = " + ".join(values) + f" = {self._tex(derivation.value)}"
            blocks += [para(words(" + ".join(names))), para([math(total, display=True)])]
        for note in derivation.notes:
            inlines = words(note.words)
            if note.formula is not None:
                general = note.formula.render(_LATEX, numbers=False)
                inlines += [
                    {"t": "Space"},
                    math(f"{general} = {self._substituted(note.formula, note.value)}"),
                ]
            if note.code:
                inlines += [{"t": "Space"}, _code(note.code)]
            blocks.append(para(inlines))
        return div(blocks, "paramcalc-derivation")

    def _part(self, part: Part) -> str:
        value = self._tex(part.params)
        if part.times == 1:
            return value
        if is_symbolic(part.params) and getattr(part.params, "is_Add", False):
            value = rf"\left({value}\right)"  # L × (2d + d(d + 1)), not L × 2d + d(d + 1)
        return f"{_LATEX.number(part.times)} \\times {value}"

    def _lines(self, formula: Term, value: Number) -> list[Element]:
        """The general form, then the numbers and the result, each displayed."""
        general = formula.render(_LATEX, numbers=False)
        return [
            para([math(general, display=True)]),
            para([math(self._substituted(formula, value), display=True)]),
        ]

    def _substituted(self, formula: Term, value: Number) -> str:
        return f"{formula.render(_LATEX, numbers=True)} = {self._tex(value)}"

    def _tex(self, value: Number) -> str:
        """A count in LaTeX math: the formula, or the digits grouped as text (math would space
        the separators as punctuation)."""
        if is_symbolic(value):
            return _LATEX.number(value)
        if abs(value) < 1000:
            return str(value)
        return rf"\text{{{latex_escape(count(value, self.settings.separator))}}}"

    # MACs --------------------------------------------------------------------------------

    def macs(self, report: Report) -> list[Element]:
        lead = [_strong(words("MACs:")), {"t": "Space"}, *self.count(report.macs)]
        lead += words(" multiply-accumulates for one example, or ") + self.count(2 * report.macs)
        out = [para([*lead, *words(f" FLOPs (2 × MACs): {costs.CONVENTION}.")])]
        if "derivations" in report.options.show:
            for row in costs.counted(report):
                assert row.macs_formula is not None
                lines = self._lines(row.macs_formula, row.macs)
                out.append(
                    div([self._heading(row.name, f"{row.kind} · MACs"), *lines], "paramcalc-derivation")
                )
        return out

    # References and errors -----------------------------------------------------------------

    def reference(self, value: Quoted) -> list[Element]:
        """A quoted value, inline in the text."""
        if value.kind == "count":
            return self.count(value.number)
        if value.kind == "shape":
            return self.shape(value.shape)
        if value.kind == "bytes":
            return self._maybe_math(memory.size_text(value.number), value.number)
        if value.kind == "formula" and value.formula is not None:
            return [math(self._substituted(value.formula, value.number))]
        return words(value.text)

    def error(self, error: BlockError, title: str = "This block has an error", located: str = "") -> Element:
        """A Div in place of the block, that a plain conversion shows."""
        where = [_code(located), {"t": "Str", "c": ":"}, {"t": "Space"}] if located else []
        blocks = [para([_strong(words(title))]), para([*where, *prose(error.message)])]
        if error.hint:
            blocks.append(para([{"t": "Emph", "c": words("Hint:")}, {"t": "Space"}, *prose(error.hint)]))
        return div(blocks, "paramcalc-error")

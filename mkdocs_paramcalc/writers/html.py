"""Report → HTML: the table, the diagram, the derivations, the MACs and memory notes. Strings only.

What each part says comes from report/ (the table from table.py, the notes from costs.py and
memory.py); this module only marks it up, and prints the formulas as MathML or LaTeX.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable
from html import escape
from typing import cast

from mkdocs_paramcalc.dialects.formula import LatexPrinter, MathMLPrinter, Term, TextPrinter
from mkdocs_paramcalc.dialects.layers import Shape, is_unknown
from mkdocs_paramcalc.errors import BlockError
from mkdocs_paramcalc.memo import Memo
from mkdocs_paramcalc.reading.options import Settings
from mkdocs_paramcalc.report import costs, memory
from mkdocs_paramcalc.report.derivations import Derivation, derivations, listed, untrained
from mkdocs_paramcalc.report.model import Report, Row
from mkdocs_paramcalc.report.references import Quoted
from mkdocs_paramcalc.report.table import (
    LAYER_TITLE,
    PLAIN,
    UNFOLLOWED_NOTE,
    UNTITLED,
    Blank,
    Cell,
    Line,
    Spelling,
    table,
)
from mkdocs_paramcalc.values import Number, as_text, is_symbolic

_TEXT = TextPrinter()
MATH_START, MATH_END = "<!--paramcalc:math-->", "<!--/paramcalc:math-->"
# Around each block's HTML: the plugin gives search plugins its text only (see plugin.py).
BLOCK_START, BLOCK_END = "<!--paramcalc:block-->", "<!--/paramcalc:block-->"
_LATEX = LatexPrinter()
_GROUPED = re.compile(r"<mn>\d{1,3}(?:,\d{3})+</mn>")
_MATHML = MathMLPrinter()
# A shape with symbols, as math: its MathML and its LaTeX.
_MATHML_SHAPE = Spelling("<mo>(</mo>", "<mo>,</mo>", "<mo>)</mo>", _MATHML.number)
_LATEX_SHAPE = Spelling(r"\left(", ", ", r"\right)", _LATEX.number)
# Shapes of whole numbers as a table cell shows them, whatever the settings: a site repeats a few
# shapes in every table, and the cell is the table's hottest (a fifth of a VGG16 table's time).
_PLAIN_SHAPES: Memo[Shape, str] = Memo("html: plain shapes", 4096)
# A table row's class by its role: the stylesheet sets the Input row, the footers and blocks apart.
_ROW_CLASSES = {
    "input": "paramcalc-input",
    "block": "paramcalc-block",
    "fold": "paramcalc-fold",
    "total": "paramcalc-total",
    "split": "paramcalc-split",
    "buffers": "paramcalc-split paramcalc-buffers",
}
_BLANK_CELLS = {Blank.EMPTY: "<td></td>", Blank.DASH: f'<td class="paramcalc-num">{Blank.DASH.value}</td>'}
# The general form's line of a derivation, by the formula's skeleton and the math setting.
_GENERAL_LINES: Memo[tuple[Hashable, str], str] = Memo("html: general lines", 4096)
# The lines of derivations already printed, by what the layer was computed from (model.py's memo
# key: a few values, cheap to hash, where the formula trees themselves are not).
_LINES: Memo[tuple[Hashable, Settings], str] = Memo("html: derivation lines", 4096)


def count(value: Number, separator: str) -> str:
    """A count as text: 1,179,776 (or the formula, for a symbolic count)."""
    if is_symbolic(value):
        return as_text(value)
    text = f"{value:,}"
    return text if separator == "," else text.replace(",", separator)


# The separators that LaTeX reads as its own syntax, and how math mode writes them as characters.
_TEX_SPECIAL = {
    "\\": r"\backslash ",
    "%": r"\%",
    "#": r"\#",
    "&": r"\&",
    "_": r"\_",
    "$": r"\$",
    "{": r"\{",
    "}": r"\}",
    "^": r"\hat{}",
    "~": r"\sim ",
    " ": r"\,",
    "\u00a0": r"\,",
    "\u202f": r"\,",
}


def _tex_separator(separator: str) -> str:
    """The site's thousands separator in LaTeX's math mode, braced as `{,}` is."""
    return "{" + _TEX_SPECIAL.get(separator, separator) + "}" if separator else ""


class HtmlRenderer:
    """Renders reports and errors as HTML for a page."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.diagram_ids: set[str] = set()  # the page's so far: no two diagrams share an id
        self.diagram_numbers: dict[str, int] = {}  # each id's last number: see diagram._ident

    def report(self, report: Report, claims: list[tuple[BlockError, str]] | None = None) -> str:
        """The block's HTML; `claims` are its failed claims with their positions in the page."""
        title = "A number in the text does not match the model"
        parts = [self.error(error, title, position) for error, position in claims or []]
        if "table" in report.options.show:
            parts.append(self.table(report))
            if report.unfollowed:
                parts.append(
                    f'<p class="paramcalc-note">{_escape(UNFOLLOWED_NOTE.format(report.unfollowed))}</p>'
                )
        if "diagram" in report.options.show:  # the table's words again: kept out of search, as math is
            total = count(report.total, self.settings.separator)
            from mkdocs_paramcalc.writers.svg import diagram  # only for blocks that ask for it

            parts.append(
                MATH_START + diagram(report, self.diagram_ids, total, self.diagram_numbers) + MATH_END
            )
        if "shares" in report.options.show:
            from mkdocs_paramcalc.writers.chart import chart  # only for blocks that ask for it

            parts.append(chart(report, lambda value: count(value, self.settings.separator)))
        if "memory" in report.options.show:
            parts.append(self.memory(report))
        if "derivations" in report.options.show:
            parts.append(self.derivations(report))
        if "macs" in report.options.show:
            parts.append(self.macs(report))
        anchor = f' id="paramcalc-{escape(report.options.id)}"' if report.options.id else ""
        body = "\n".join(p for p in parts if p)
        return f'{BLOCK_START}<div class="paramcalc"{anchor}>\n{body}\n</div>{BLOCK_END}'

    # The table -----------------------------------------------------------------------------

    def table(self, report: Report) -> str:
        described = table(report)
        # Every table has a caption: the block's title, or for screen readers a hidden generic one.
        if described.title:
            caption = f"<caption>{escape(described.title)}</caption>"
        else:
            caption = f'<caption class="paramcalc-untitled">{UNTITLED}</caption>'
        titles = "".join(f'<th scope="col">{c.title}</th>' for c in described.columns)
        head = f'<thead><tr><th scope="col">{LAYER_TITLE}</th>{titles}</tr></thead>'
        # Each column's cells are written by its kind's writer, looked up once a table (a hot loop).
        cell_writers: dict[str, Callable[[Cell], str]] = {
            "shape": self._shape_cell,
            "count": self._count_cell,
            "bytes": self._size_cell,
        }
        writers = [cell_writers[c.kind] for c in described.columns]
        rows = "".join([self._row(writers, line) for line in described.rows])
        foot = "".join([self._row(writers, line) for line in described.table_footers])
        return f"<table>{caption}{head}<tbody>{rows}</tbody><tfoot>{foot}</tfoot></table>"

    def _row(self, writers: list[Callable[[Cell], str]], line: Line) -> str:
        """A row: its heading (the label, the kind in a span), then a cell a column."""
        role, label, note, depth, values, _ = line
        cls = _ROW_CLASSES.get(role, "")
        if depth:  # inside a block construct, a row is indented by its depth
            cls = f"{cls} paramcalc-depth-{depth}" if cls else f"paramcalc-depth-{depth}"
        attribute = f' class="{cls}"' if cls else ""
        heading = _escape(label)
        if note:
            heading = f'{heading} <span class="paramcalc-kind">{_escape(note)}</span>'
        cells = "".join([write(value) for write, value in zip(writers, values, strict=True)])
        return f'<tr{attribute}><th scope="row">{heading}</th>{cells}</tr>'

    def _shape_cell(self, value: Cell) -> str:
        if type(value) is Blank:
            return _BLANK_CELLS[value]
        return f'<td class="paramcalc-shape">{self._shape(cast(Shape, value))}</td>'

    def _count_cell(self, value: Cell) -> str:
        if type(value) is int and self.settings.separator == ",":  # the common case, at once
            return f'<td class="paramcalc-num">{value:,}</td>'
        if type(value) is Blank:
            return _BLANK_CELLS[value]
        return f'<td class="paramcalc-num">{self._count(cast(Number, value))}</td>'

    def _size_cell(self, value: Cell) -> str:
        # Blank on the fold and footer lines; never a dash (the input has a size).
        return (
            "<td></td>"
            if type(value) is Blank
            else f'<td class="paramcalc-num">{self._size(cast(Number, value))}</td>'
        )

    def _shape(self, shape: Shape) -> str:
        if is_unknown(shape):
            return PLAIN.shape(shape)
        known = _PLAIN_SHAPES.get(shape)
        if known is not None:
            return known
        for size in shape:
            if type(size) is not int and is_symbolic(size):
                return self._inline(_MATHML_SHAPE.shape(shape), _LATEX_SHAPE.shape(shape))
        return _PLAIN_SHAPES.set(shape, PLAIN.shape(shape))  # digits and commas: nothing to escape

    def _size(self, value: Number) -> str:
        """Bytes as people read them (784 B, 3.14 kB); a formula in bytes as math."""
        if is_symbolic(value):
            return f"{self._count(value)} B"
        return escape(memory.size_text(value))

    def _count(self, value: Number) -> str:
        if is_symbolic(value):
            return self._inline(*self._formula(value))
        return _escape(count(value, self.settings.separator))  # the site's separator may be "<" or "&"

    def _formula(self, value: Number) -> tuple[str, str]:
        """A symbolic count as MathML and LaTeX, its numbers grouped with the site's separator."""
        ml, tex = _MATHML.number(value), _LATEX.number(value)
        if self.settings.separator != ",":
            sep = escape(self.settings.separator)
            ml = _GROUPED.sub(lambda m: m.group().replace(",", sep), ml)
            tex = tex.replace("{,}", _tex_separator(self.settings.separator))
        return ml, tex

    # Derivations ---------------------------------------------------------------------------

    def derivations(self, report: Report) -> str:
        items = [
            self._derivation(d) if d.formula is not None else self._subtotal(d) for d in derivations(report)
        ]
        grid = f'<div class="paramcalc-derivations" role="list">{"".join(items)}</div>' if items else ""
        # The comments let the MkDocs plugin keep the math out of the search index's parser.
        return f"{MATH_START}{grid}{MATH_END}{self._free_line(report)}" if grid else self._free_line(report)

    def _derivation(self, derivation: Derivation) -> str:
        # A layer computed before from the same values has the same derivation: printed once.
        if derivation.key is None:
            lines = self._lines(derivation)
        else:
            key = (derivation.key, self.settings)
            lines = _LINES.get_or_compute(key, lambda: self._lines(derivation))
        return (
            '<div class="paramcalc-derivation" role="listitem">'
            f'<p class="paramcalc-layer"><strong>{escape(derivation.name)}</strong> '
            f'<span class="paramcalc-kind">{derivation.what}</span></p>{lines}</div>'
        )

    def _lines(self, derivation: Derivation) -> str:
        """A derivation's lines: the general form, the numbers, and notes on frozen parts and buffers."""
        formula = derivation.formula
        assert formula is not None
        lines = [self._general(formula), self._display(*self._substituted(formula, derivation.value))]
        notes = []
        for note in derivation.notes:
            if note.formula is not None:
                notes.append(self._worked(escape(note.words) + " ", note.formula, note.value))
            elif note.code:
                notes.append(f"{escape(note.words)} (<code>{escape(note.code)}</code>)")
            else:
                notes.append(escape(note.words))
        return "".join(lines) + "".join(f'<p class="paramcalc-note">{n}</p>' for n in notes)

    def _worked(self, words: str, formula: Term, value: Number) -> str:
        """A note's words, then its formula inline: the general form = the numbers = the value."""
        general_ml = formula.render(_MATHML, numbers=False)
        general_tex = formula.render(_LATEX, numbers=False)
        numbers_ml, numbers_tex = self._substituted(formula, value)
        return words + self._inline(f"{general_ml}<mo>=</mo>{numbers_ml}", f"{general_tex} = {numbers_tex}")

    def _subtotal(self, derivation: Derivation) -> str:
        """A block's parameters as the sum of its parts (a Repeat's identical copies multiplied)."""
        names, counts = [], []
        for part in derivation.parts:
            shown_count = self._count(part.params)
            if part.times != 1 and is_symbolic(part.params) and getattr(part.params, "is_Add", False):
                shown_count = f"({shown_count})"  # L × (2d + d(d + 1)), not L × 2d + d(d + 1)
            multiple = count(part.times, self.settings.separator)
            names.append(escape(part.name) if part.times == 1 else f"{multiple} × {escape(part.name)}")
            counts.append(shown_count if part.times == 1 else f"{multiple} × {shown_count}")
        lines = [
            f'<p class="paramcalc-sum">{" + ".join(names)}</p>',
            f'<p class="paramcalc-sum">{" + ".join(counts)} = {self._count(derivation.value)}</p>',
        ]
        return (
            '<div class="paramcalc-derivation" role="listitem">'
            f'<p class="paramcalc-layer"><strong>{escape(derivation.name)}</strong> '
            f'<span class="paramcalc-kind">{derivation.what}</span></p>'
            f"{''.join(lines)}</div>"
        )

    def _general(self, formula: Term) -> str:
        """The line of a formula's general form, which every layer of a kind shares: made once."""
        skeleton = formula.skeleton()
        key = (skeleton, self.settings.math)
        line = _GENERAL_LINES.get(key)
        if line is None:
            general = (formula.render(_MATHML, numbers=False), formula.render(_LATEX, numbers=False))
            line = self._display(*general)
            if skeleton is not None:  # None: a formula whose general form is not known to be shared
                _GENERAL_LINES.set(key, line)
        return line

    def _substituted(self, formula: Term, result: Number) -> tuple[str, str]:
        ml = formula.render(_MATHML, numbers=True)
        tex = formula.render(_LATEX, numbers=True)
        if is_symbolic(result):
            result_ml, result_tex = self._formula(result)
            return f"{ml}<mo>=</mo>{result_ml}", f"{tex} = {result_tex}"
        shown = count(result, self.settings.separator)
        grouped = count(result, ",").replace(",", _tex_separator(self.settings.separator))
        return f"{ml}<mo>=</mo><mn>{escape(shown)}</mn>", f"{tex} = {grouped}"

    def _free_line(self, report: Report) -> str:
        names = untrained(report)
        if not names:
            return ""
        listed_names = listed([escape(name) for name in names])
        return f'<p class="paramcalc-free"><strong>No trainable parameters:</strong> {listed_names}.</p>'

    # MACs and memory -----------------------------------------------------------------------

    def macs(self, report: Report) -> str:
        """The convention and the total; with `derivations`, each layer's count and the ones not counted."""
        macs, flops = self._count(report.macs), self._count(2 * report.macs)
        convention = (
            f'<p class="paramcalc-note paramcalc-convention"><strong>MACs:</strong> '
            f"{macs} multiply-accumulates for one example, or {flops} FLOPs (2 × MACs): "
            f"{escape(costs.CONVENTION)}.</p>"
        )
        if "derivations" not in report.options.show:
            return f'<div class="paramcalc-macs">{convention}</div>'
        items = "".join(self._macs_derivation(row) for row in costs.counted(report))
        grid = f'{MATH_START}<div class="paramcalc-derivations" role="list">{items}</div>{MATH_END}'
        return (
            f'<div class="paramcalc-macs">{convention}{grid if items else ""}{self._uncounted(report)}</div>'
        )

    def _macs_derivation(self, row: Row) -> str:
        assert row.macs_formula is not None
        lines = self._general(row.macs_formula) + self._display(
            *self._substituted(row.macs_formula, row.macs)
        )
        return (
            '<div class="paramcalc-derivation" role="listitem">'
            f'<p class="paramcalc-layer"><strong>{escape(row.name)}</strong> '
            f'<span class="paramcalc-kind">{row.kind} · MACs</span></p>{lines}</div>'
        )

    def _uncounted(self, report: Report) -> str:
        """The layers without MACs, by kind as the no-parameter line lists them; then those fvcore skips."""
        lines = []
        names = _tallied(costs.uncounted(report))
        if names:
            lines.append(f'<p class="paramcalc-free"><strong>No MACs counted:</strong> {listed(names)}.</p>')
        for note, layers in costs.skipped(report).items():
            lines.append(
                f'<p class="paramcalc-free"><strong>Not counted, as {escape(note)}:</strong> '
                f"{listed([escape(name) for name in layers])}.</p>"
            )
        return "".join(lines)

    def memory(self, report: Report) -> str:
        """torchinfo's estimates for one example, in a line under the table."""
        sizes = memory.estimate(report)
        params = ", ".join(f"{self._size(value)} in {name}" for name, value in sizes.params)
        return (
            '<p class="paramcalc-note paramcalc-memory"><strong>Memory</strong> for one example, as '
            f"torchinfo estimates it: parameters {params}; forward/backward pass "
            f"{self._size(sizes.forward_backward)} (the float32 outputs of the layers "
            f"with parameters, and their gradients); input {self._size(sizes.input)}; "
            f"estimated total {self._size(sizes.total)}. Training with Adam, as courses count it: "
            f"{self._size(sizes.training)} (float32 weights, gradients and two moments, 16 bytes a "
            "parameter)"
            + (f"; key/value cache {self._size(sizes.cache)} a token (float16)" if sizes.cache else "")
            + ".</p>"
        )

    # Math ----------------------------------------------------------------------------------

    def _display(self, mathml: str, latex: str) -> str:
        if self.settings.math == "arithmatex":
            return f'<div class="arithmatex">\\[{escape(latex)}\\]</div>'
        # Inline math in a block of its own: left-aligned like a worked calculation, where
        # display="block" would centre it.
        return (
            '<div class="paramcalc-math"><math><semantics><mrow>'
            f'{mathml}</mrow><annotation encoding="application/x-tex">{escape(latex)}</annotation>'
            "</semantics></math></div>"
        )

    def _inline(self, mathml: str, latex: str) -> str:
        if self.settings.math == "arithmatex":
            return f'<span class="arithmatex">\\({escape(latex)}\\)</span>'
        return (
            f"<math><semantics><mrow>{mathml}</mrow>"
            f'<annotation encoding="application/x-tex">{escape(latex)}</annotation></semantics></math>'
        )

    # References from prose ---------------------------------------------------------------

    def reference(self, value: Quoted) -> str:
        """A quoted value, inline in the text."""
        if value.kind == "count":
            inner = self._count(value.number)
        elif value.kind == "shape":
            inner = self._shape(value.shape)
        elif value.kind == "bytes":
            inner = self._size(value.number)
        elif value.kind == "formula" and value.formula is not None:
            ml, tex = self._substituted(value.formula, value.number)
            inner = self._inline(ml, tex)
        else:
            inner = escape(value.text)
        return f'<span class="paramcalc-ref">{inner}</span>'

    def reference_error(self, error: BlockError, located: str) -> str:
        """A reference that does not resolve, shown in place so that the preview gives it away."""
        return (
            f'<span class="paramcalc-ref-error" title="{escape(located)}">'
            f"<code>{escape(located)}</code>: {prose(error.text())}</span>"
        )

    # Errors --------------------------------------------------------------------------------

    def error(self, error: BlockError, title: str = "This block has an error", located: str = "") -> str:
        """An admonition in place of the block, as mkdocs-material and plain themes style it."""
        where = f"<code>{escape(located)}</code>: " if located else ""
        hint = f'<p class="paramcalc-hint">Hint: {prose(error.hint)}</p>' if error.hint else ""
        return (
            f'<div class="admonition failure paramcalc-error"><p class="admonition-title">{escape(title)}</p>'
            f"<p>{where}{prose(error.message)}</p>{hint}</div>"
        )


def prose(text: str) -> str:
    """A message as HTML: escaped, with its `backticked` names as code."""
    parts = escape(text).split("`")
    if len(parts) % 2 == 0:  # an unpaired backtick: leave the text as it is
        return escape(text)
    return "".join(f"<code>{p}</code>" if i % 2 else p for i, p in enumerate(parts))


def _escape(text: str) -> str:
    """html.escape, answered at once for text without its characters (most names, every number)."""
    if "&" in text or "<" in text or ">" in text or '"' in text or "'" in text:
        return escape(text)
    return text


def _tallied(labels: list[tuple[str, int]]) -> list[str]:
    """Labels as a list says them: ReLU ×2, Dropout."""
    return [escape(label) + (f" ×{n}" if n > 1 else "") for label, n in labels]


def text_formula(formula: Term, *, numbers: bool) -> str:
    """A formula in plain text, for terminals and logs."""
    return formula.render(_TEXT, numbers=numbers)

"""Report → HTML: the slides' table, the derivations and the no-parameter line. Strings only."""

from __future__ import annotations

import re
from collections.abc import Hashable
from html import escape

from mkdocs_paramcalc.dialects.formula import LatexPrinter, MathMLPrinter, Term, TextPrinter
from mkdocs_paramcalc.dialects.layers import ACTIVATIONS, Shape
from mkdocs_paramcalc.errors import BlockError
from mkdocs_paramcalc.reading.options import Settings
from mkdocs_paramcalc.report import costs
from mkdocs_paramcalc.report.model import Fold, Report, Row, shown
from mkdocs_paramcalc.report.references import Value
from mkdocs_paramcalc.values import Number, as_text, is_symbolic

_TEXT = TextPrinter()
MATH_START, MATH_END = "<!--paramcalc:math-->", "<!--/paramcalc:math-->"
# Around each block's HTML: the plugin gives search plugins its text only (see plugin.py).
BLOCK_START, BLOCK_END = "<!--paramcalc:block-->", "<!--/paramcalc:block-->"
_LATEX = LatexPrinter()
_GROUPED = re.compile(r"<mn>\d{1,3}(?:,\d{3})+</mn>")
_MATHML = MathMLPrinter()
# The general form's line of a derivation, by the formula's skeleton and the math setting.
_GENERAL_LINES: dict[tuple[Hashable, str], str] = {}
_GENERAL_LIMIT = 4096
# The lines of derivations already printed, by the formulas' identity (see _derivation).
_LINES: dict[tuple[object, ...], tuple[object, object, object, str]] = {}


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


def shape_text(shape: Shape) -> str:
    """(26, 26, 32), as Keras prints it without the batch axis."""
    return "(" + ", ".join(as_text(d) for d in shape) + ")"


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
        if "diagram" in report.options.show:  # the table's words again: kept out of search, as math is
            total = count(report.total, self.settings.separator)
            from mkdocs_paramcalc.writers.svg import diagram  # only for blocks that ask for it

            parts.append(
                MATH_START + diagram(report, self.diagram_ids, total, self.diagram_numbers) + MATH_END
            )
        if "memory" in report.options.show:
            parts.append(costs.memory_section(self, report))
        if "derivations" in report.options.show:
            parts.append(self.derivations(report))
        if "macs" in report.options.show:
            parts.append(costs.macs_section(self, report))
        anchor = f' id="paramcalc-{escape(report.options.id)}"' if report.options.id else ""
        body = "\n".join(p for p in parts if p)
        return f'{BLOCK_START}<div class="paramcalc"{anchor}>\n{body}\n</div>{BLOCK_END}'

    # The table -----------------------------------------------------------------------------

    def table(self, report: Report) -> str:
        # Every table has a caption: the block's title, or for screen readers a hidden generic one.
        if report.options.title:
            caption = f"<caption>{escape(report.options.title)}</caption>"
        else:
            caption = '<caption class="paramcalc-untitled">Parameters by layer</caption>'
        head = (
            '<thead><tr><th scope="col">Layer</th><th scope="col">Output shape</th>'
            f'<th scope="col">Parameters</th>{costs.head(report)}</tr></thead>'
        )
        rows = [
            '<tr class="paramcalc-input"><th scope="row">Input</th>'
            f'<td class="paramcalc-shape">{self._shape(report.input_shape)}</td>'
            f'<td class="paramcalc-num">–</td>{costs.cells(self, report, None)}</tr>'
        ]
        for depth, row in shown(report.rows):
            if isinstance(row, Fold):
                rows.append(self._fold(report, row, depth))
                continue
            # Inside a block construct, a row is indented by its depth; a block's row holds its subtotal.
            cls = f"paramcalc-depth-{depth}" if depth else ""
            kind = row.kind
            if row.group is not None:
                cls = f"paramcalc-block {cls}".rstrip()
                kind = block_kind(row)
            attribute = f' class="{cls}"' if cls else ""
            rows.append(
                f'<tr{attribute}><th scope="row">{escape(row.name)} '
                f'<span class="paramcalc-kind">{kind}</span></th>'
                f'<td class="paramcalc-shape">{self._shape(row.shape)}</td>'
                f'<td class="paramcalc-num">{self._count(row.params)}</td>'
                f"{costs.cells(self, report, row)}</tr>"
            )
        blank = costs.blank(report)  # the MACs and memory columns' cells, if shown
        foot = [
            f'<tr class="paramcalc-total"><th scope="row">Total</th><td></td>'
            f'<td class="paramcalc-num">{self._count(report.total)}</td>{costs.total(self, report)}</tr>'
        ]
        if report.non_trainable != 0:
            foot.append(
                f'<tr class="paramcalc-split"><th scope="row">Trainable</th><td></td>'
                f'<td class="paramcalc-num">{self._count(report.trainable)}</td>{blank}</tr>'
            )
            foot.append(
                f'<tr class="paramcalc-split"><th scope="row">Non-trainable</th><td></td>'
                f'<td class="paramcalc-num">{self._count(report.non_trainable)}</td>{blank}</tr>'
            )
        if report.buffers != 0:
            foot.append(
                '<tr class="paramcalc-split paramcalc-buffers"><th scope="row">Buffers '
                '<span class="paramcalc-kind">not parameters</span></th><td></td>'
                f'<td class="paramcalc-num">{self._count(report.buffers)}</td>{blank}</tr>'
            )
        return f"<table>{caption}{head}<tbody>{''.join(rows)}</tbody><tfoot>{''.join(foot)}</tfoot></table>"

    def _fold(self, report: Report, fold: Fold, depth: int) -> str:
        """The row under a copy of a Repeat's layers that stands for the identical copies."""
        return (
            f'<tr class="paramcalc-fold paramcalc-depth-{depth}"><th scope="row">× {fold.times} '
            f'<span class="paramcalc-kind">copies of the layers above</span></th><td></td>'
            f'<td class="paramcalc-num">{self._count(fold.params)}</td>{costs.fold(self, report, fold)}</tr>'
        )

    def _shape(self, shape: Shape) -> str:
        if any(is_symbolic(d) for d in shape):
            inner = "<mo>,</mo>".join(_MATHML.number(d) for d in shape)
            return self._inline(f"<mo>(</mo>{inner}<mo>)</mo>", _latex_shape(shape))
        return escape(shape_text(shape))

    def _count(self, value: Number) -> str:
        if is_symbolic(value):
            return self._inline(*self._formula(value))
        return escape(count(value, self.settings.separator))  # the site's separator may be "<" or "&"

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
            self._subtotal(row) if row.group is not None else self._derivation(row)
            for row in report.shown_rows()
            if (row.formula is not None or row.group is not None) and row.params != 0
        ]
        grid = f'<div class="paramcalc-derivations" role="list">{"".join(items)}</div>' if items else ""
        # The comments let the MkDocs plugin keep the math out of the search index's parser.
        return f"{MATH_START}{grid}{MATH_END}{self._free_line(report)}" if grid else self._free_line(report)

    def _derivation(self, row: Row) -> str:
        assert row.formula is not None
        # A layer computed before (model.py remembers them) brings the same formula objects: its
        # lines are printed once. The entry keeps the objects, so their ids cannot be reused.
        key = (id(row.formula), id(row.frozen), id(row.buffers_formula), row.non_trainable, self.settings)
        known = _LINES.get(key)
        if known is None or known[0] is not row.formula:
            known = (row.formula, row.frozen, row.buffers_formula, self._lines(row))
            if len(_LINES) >= _GENERAL_LIMIT:
                _LINES.clear()
            _LINES[key] = known
        return (
            '<div class="paramcalc-derivation" role="listitem">'
            f'<p class="paramcalc-layer"><strong>{escape(row.name)}</strong> '
            f'<span class="paramcalc-kind">{row.kind}</span></p>{known[3]}</div>'
        )

    def _lines(self, row: Row) -> str:
        """A derivation's lines: the general form, the numbers, and notes on frozen parts and buffers."""
        assert row.formula is not None
        lines = [self._general(row.formula), self._display(*self._substituted(row.formula, row.params))]
        notes = []
        if row.frozen is not None and row.non_trainable != 0 and row.non_trainable != row.params:
            general_ml = row.frozen.render(_MATHML, numbers=False)
            general_tex = row.frozen.render(_LATEX, numbers=False)
            numbers_ml, numbers_tex = self._substituted(row.frozen, row.non_trainable)
            notes.append(
                "of which not trained (moving statistics): "
                + self._inline(f"{general_ml}<mo>=</mo>{numbers_ml}", f"{general_tex} = {numbers_tex}")
            )
        elif row.non_trainable != 0 and row.non_trainable == row.params:
            notes.append("all of them frozen (<code>trainable=False</code>)")
        if row.buffers_formula is not None and row.buffers != 0:
            general_ml = row.buffers_formula.render(_MATHML, numbers=False)
            general_tex = row.buffers_formula.render(_LATEX, numbers=False)
            numbers_ml, numbers_tex = self._substituted(row.buffers_formula, row.buffers)
            notes.append(
                "plus buffers (running statistics, not parameters): "
                + self._inline(f"{general_ml}<mo>=</mo>{numbers_ml}", f"{general_tex} = {numbers_tex}")
            )
        note = "".join(f'<p class="paramcalc-note">{n}</p>' for n in notes)
        return "".join(lines) + note

    def _subtotal(self, row: Row) -> str:
        """A block's parameters as the sum of its parts' (a Repeat's identical copies multiplied)."""
        assert row.group is not None
        names, counts = [], []
        for path, times in row.group.runs():
            for part in path:
                if part.params == 0:
                    continue
                shown_count = self._count(part.params)
                names.append(escape(part.name) if times == 1 else f"{times} × {escape(part.name)}")
                counts.append(shown_count if times == 1 else f"{times} × {shown_count}")
        lines = [
            f'<p class="paramcalc-sum">{" + ".join(names)}</p>',
            f'<p class="paramcalc-sum">{" + ".join(counts)} = {self._count(row.params)}</p>',
        ]
        return (
            '<div class="paramcalc-derivation" role="listitem">'
            f'<p class="paramcalc-layer"><strong>{escape(row.name)}</strong> '
            f'<span class="paramcalc-kind">{block_kind(row)} · the sum of its parts</span></p>'
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
                if len(_GENERAL_LINES) >= _GENERAL_LIMIT:
                    _GENERAL_LINES.clear()
                _GENERAL_LINES[key] = line
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
        # Layers the author named are listed by name; the others by kind, counted: "ReLU ×3".
        labels: dict[str, int] = {}
        for r in report.leaves():
            if r.trainable == 0:
                label = r.name if r.named else r.kind
                if r.params != 0:
                    label = f"{r.name} (frozen)"
                labels[label] = labels.get(label, 0) + 1
        names = [escape(label) + (f" ×{n}" if n > 1 else "") for label, n in labels.items()]
        activations = sorted(
            {
                ACTIVATIONS[r.activation]
                for r in report.leaves()
                if r.activation and r.activation != "linear" and r.formula is not None
            }
        )
        if activations:
            names.append(
                " and ".join(activations) + (" activations" if len(activations) > 1 else " activation")
            )
        if not names:
            return ""
        listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
        return f'<p class="paramcalc-free"><strong>No trainable parameters:</strong> {listed}.</p>'

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

    def reference(self, value: Value) -> str:
        """A quoted value, inline in the text."""
        if value.kind == "count":
            inner = self._count(value.number)
        elif value.kind == "shape":
            inner = self._shape(value.shape)
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


def block_kind(row: Row) -> str:
    """A block construct's kind as the table shows it: Residual, Branches · concat, Repeat × 3."""
    group = row.group
    assert group is not None
    if row.kind == "Repeat":
        return f"Repeat × {group.copies}"
    return f"Branches · {group.merge}" if row.kind == "Branches" else row.kind


def prose(text: str) -> str:
    """A message as HTML: escaped, with its `backticked` names as code."""
    parts = escape(text).split("`")
    if len(parts) % 2 == 0:  # an unpaired backtick: leave the text as it is
        return escape(text)
    return "".join(f"<code>{p}</code>" if i % 2 else p for i, p in enumerate(parts))


def _latex_shape(shape: Shape) -> str:
    return r"\left(" + ", ".join(_LATEX.number(d) for d in shape) + r"\right)"


def text_formula(formula: Term, *, numbers: bool) -> str:
    """A formula in plain text, for terminals and logs."""
    return formula.render(_TEXT, numbers=numbers)

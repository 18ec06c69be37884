"""The HTML renderer's wording: the no-parameter line and error messages; the general forms it shares."""

from __future__ import annotations

from bs4 import BeautifulSoup

from mkdocs_paramcalc import memo
from mkdocs_paramcalc.dialects.formula import (
    Bracketed,
    Const,
    LatexPrinter,
    MathMLPrinter,
    Printer,
    Term,
    TextPrinter,
    Var,
)
from mkdocs_paramcalc.errors import BlockError, Location
from mkdocs_paramcalc.reading.options import Settings
from mkdocs_paramcalc.writers.html import HtmlRenderer, prose
from tests.helpers import compute

RENDERER = HtmlRenderer(Settings())


def free_line(text: str) -> str:
    soup = BeautifulSoup(RENDERER.report(compute(text)), "html.parser")
    line = soup.select_one(".paramcalc-free")
    return line.get_text() if line else ""


def test_unnamed_layers_are_listed_by_kind_and_counted() -> None:
    text = (
        "Input(32, 32, 3)\nConv2D(8, 3)\nReLU()\nConv2D(8, 3)\nReLU()\nMaxPooling2D()\n"
        'Flatten(name="unroll")\nDropout(0.5)\nDense(10, activation="softmax")'
    )
    assert free_line(text) == (
        "No trainable parameters: ReLU ×2, MaxPooling2D, unroll, Dropout and softmax activation."
    )


def test_frozen_layers_say_so() -> None:
    line = free_line("Input(8)\nDense(4, trainable=False)\nDense(2)")
    assert line == "No trainable parameters: dense (frozen)."


def test_a_model_with_parameters_everywhere_has_no_line() -> None:
    assert free_line("Input(8)\nDense(4)") == ""


def test_messages_show_backticked_names_as_code() -> None:
    assert prose("use `padding` <here>") == "use <code>padding</code> &lt;here&gt;"
    assert prose("a lone ` backtick") == "a lone ` backtick"
    html = RENDERER.error(BlockError("`x` is wrong", Location(1, 1), "write `y`"), located="a.md:1:1")
    assert "<code>x</code> is wrong" in html
    assert "Hint: write <code>y</code>" in html


def test_general_forms_are_shared_by_skeleton_and_numbers_never() -> None:
    """The general form is printed once a skeleton (a performance cache): the same structure and
    labels print the same, other amounts still print their own numbers, other labels their own."""
    a = Bracketed(Var("Height", 3))
    b = Bracketed(Var("Height", 5))
    c = Bracketed(Var("Width", 3))
    for printer in (TextPrinter(), LatexPrinter(), MathMLPrinter()):
        assert a.render(printer, numbers=False) == b.render(printer, numbers=False)
        assert a.render(printer, numbers=False) != c.render(printer, numbers=False)
        assert a.render(printer, numbers=True) != b.render(printer, numbers=True)
    assert Bracketed(Const(4)).render(TextPrinter(), numbers=False) == "(4)"
    assert Bracketed(Const(2)).render(TextPrinter(), numbers=False) == "(2)"


def test_terms_without_a_skeleton_are_printed_each_time() -> None:
    class Counted(Term):
        def value(self) -> int:
            return 7

        def parts(self, printer: Printer, numbers: bool) -> list[str]:
            return [printer.number(self.value())]

    assert Counted().skeleton() is None
    assert Bracketed(Counted()).skeleton() is None
    assert Bracketed(Counted()).render(TextPrinter(), numbers=False) == "(7)"


def test_derivations_printed_before_are_the_same_when_reused() -> None:
    """Derivation lines are remembered by formula (a speed-up): never across settings, names,
    frozen parts or buffers."""
    from mkdocs_paramcalc.reading.options import Options

    blocks = [
        "Input(8, 8, 3)\nConv2D(4, 3, name='a')\nBatchNormalization()\nFlatten()\nDense(2)",
        "Input(8, 8, 3)\nConv2D(4, 3, name='b')\nBatchNormalization(trainable=False)\nFlatten()\nDense(2)",
        "Input(3, 8, 8)\nnn.Conv2d(3, 4, 3)\nnn.BatchNorm2d(4)\nnn.Flatten()\nnn.Linear(144, 2)",
    ]
    settings = [Settings(), Settings(separator=" "), Settings(math="arithmatex")]

    def rendered() -> list[str]:
        out = []
        for setting in settings:
            for text in blocks:
                report = compute(text, Options(setting))
                out.append(HtmlRenderer(setting).derivations(report))
        return out

    first = rendered()
    assert len(memo.memos()["html: derivation lines"]) > 0
    again = rendered()  # every layer and every line remembered now
    memo.clear_all()
    fresh = [
        HtmlRenderer(setting).derivations(compute(text, Options(setting)))
        for setting in settings
        for text in blocks
    ]
    assert again == first == fresh
    assert "<strong>b</strong>" in first[1]
    assert "all of them frozen" not in first[0]

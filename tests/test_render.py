"""The HTML renderer's wording: the no-parameter line and error messages."""

from __future__ import annotations

from bs4 import BeautifulSoup

from mkdocs_paramcalc.errors import BlockError, Location
from mkdocs_paramcalc.options import Settings
from mkdocs_paramcalc.render import HtmlRenderer, prose

from .conftest import compute

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

"""MACs and memory without the real libraries: formulas, symbols, the page, the CLI and references.

The counts themselves are proven against fvcore and torchinfo in tests/test_oracles_macs.py.
"""

from __future__ import annotations

import json
import re

import markdown
import pytest

from mkdocs_paramcalc.errors import BlockError
from mkdocs_paramcalc.reading.options import Options, Settings, parse_options
from mkdocs_paramcalc.report.memory import forward_backward_bytes, params_bytes, size_text, total_bytes
from mkdocs_paramcalc.report.references import Defined, Registry, resolve
from mkdocs_paramcalc.values import symbol
from mkdocs_paramcalc.writers import summary
from mkdocs_paramcalc.writers.html import text_formula
from tests.helpers import SEED, compute


def _render(body: str, show: str = "table derivations macs memory", extra: str = "") -> str:
    text = f'```cnn show="{show}"{extra}\n{body}```\n'
    return markdown.markdown(text, extensions=["mkdocs_paramcalc"])


def _plain(html: str) -> str:
    """The page's text, with the LaTeX of each formula in place of its MathML."""
    html = re.sub(r"<math>.*?<annotation[^>]*>(.*?)</annotation></semantics></math>", r" \1 ", html)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_seed_model_macs_and_derivation() -> None:
    report = compute(SEED)
    assert report.macs == 11_992_448
    conv = report.rows[0]
    assert conv.macs_formula is not None
    assert text_formula(conv.macs_formula, numbers=False) == "H_out × W_out × N_f × (Height × Width × Depth)"
    assert text_formula(conv.macs_formula, numbers=True) == "26 × 26 × 32 × (3 × 3 × 1)"
    fc = report.rows[4]
    assert fc.macs_formula is not None
    assert text_formula(fc.macs_formula, numbers=True) == "128 × 9216"


def test_symbolic_sizes_give_symbolic_macs_that_agree_with_numbers() -> None:
    symbolic = compute(SEED.replace("Input(28, 28, 1)", "Input(H, W, 1)"))
    numeric = compute(SEED)
    h, w = symbol("H"), symbol("W")
    assert (symbolic.rows[0].macs - 288 * (h - 2) * (w - 2)).expand() == 0
    assert symbolic.rows[3].macs == 0
    for s_row, n_row in zip(symbolic.rows, numeric.rows, strict=True):
        value = s_row.macs if isinstance(s_row.macs, int) else s_row.macs.subs({h: 28, w: 28})
        assert value == n_row.macs
    assert symbolic.macs.subs({h: 28, w: 28}) == 11_992_448


def test_show_macs_adds_a_column_a_total_and_derivations() -> None:
    html = _render(SEED)
    assert '<th scope="col">MACs</th><th scope="col">Activations</th>' in html
    text = _plain(html)
    assert "Total 1,199,882 11,992,448" in text
    assert "26 \\times 26 \\times 32 \\times (3 \\times 3 \\times 1) = 194{,}688" in text
    assert "counted as fvcore counts them" in text
    assert "23,984,896 FLOPs" in text
    assert "No MACs counted: Max Pool and Flatten." in text
    # Every row of the table has as many cells as the head has columns.
    table = html[html.index("<table>") : html.index("</table>")]
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table):
        assert len(re.findall(r"<t[hd][ >]", row)) == 5


def test_without_derivations_only_the_convention_and_total() -> None:
    text = _plain(_render(SEED, "table macs"))
    assert "counted as fvcore counts them" in text
    assert "194{,}688" not in text
    assert "Activations" not in text


def test_blocks_that_do_not_ask_show_nothing_of_it() -> None:
    html = _render(SEED, "table derivations")
    assert "MACs" not in html
    assert "Memory" not in html


def test_recurrent_layers_say_why_they_count_nothing() -> None:
    text = _plain(_render("Input(12, 6)\nLSTM(5)\nDense(3)\n"))
    assert "Not counted, as fvcore has no handle for recurrent layers: lstm." in text


def test_memory_as_torchinfo_estimates_it() -> None:
    report = compute(SEED)
    assert params_bytes(report) == 4 * 1_199_882
    assert params_bytes(report, 1) == 1_199_882
    # The outputs of the four layers with parameters, values and gradients.
    assert forward_backward_bytes(report) == 2 * 4 * (26 * 26 * 32 + 24 * 24 * 64 + 128 + 10)
    assert total_bytes(report) == 4 * 784 + forward_backward_bytes(report) + params_bytes(report)
    text = _plain(_render(SEED))
    assert "parameters 4.80 MB in float32, 2.40 MB in float16, 1.20 MB in int8, 599.94 kB in int4" in text
    assert "Input (28, 28, 1) – – 3.14 kB" in text


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0, "0 B"),
        (999, "999 B"),
        (1000, "1.00 kB"),
        (3136, "3.14 kB"),
        (4_799_528, "4.80 MB"),
        (10**13, "10.00 TB"),
    ],
)
def test_sizes_read_in_powers_of_1000(value: int, text: str) -> None:
    assert size_text(value) == text


def test_macs_and_memory_are_fence_options_now() -> None:
    options = parse_options({"show": "table macs memory"}, Settings())
    assert options.show == ("table", "macs", "memory")
    with pytest.raises(BlockError, match="unknown part 'mac'"):
        parse_options({"show": "mac"}, Settings())


def test_references_quote_macs_and_flops() -> None:
    registry = Registry()
    registry.define("mnist", Defined(compute(SEED), "docs/index.md:3"))
    assert resolve("mnist.macs", registry).number == 11_992_448
    assert resolve("mnist.flops", registry).number == 2 * 11_992_448
    assert resolve('mnist.layers["Conv_1 + ReLU"].macs', registry).number == 194_688
    assert resolve("mnist.layers[2].macs", registry).number == 0
    with pytest.raises(BlockError, match=r"only `\.leading` follows `macs`"):
        resolve("mnist.macs.total", registry)


def test_json_has_macs_and_memory_per_layer_and_block() -> None:
    block = json.loads(summary.dump_json([summary.as_json(compute(SEED), "f.md", 1)]))["blocks"][0]
    assert block["macs"] == 11_992_448
    assert [layer["macs"] for layer in block["layers"]] == [194_688, 10_616_832, 0, 0, 1_179_648, 1_280]
    assert block["memory"]["params"] == {
        "float32": 4_799_528,
        "float16": 2_399_764,
        "int8": 1_199_882,
        "int4": 599_941,
    }
    assert block["layers"][0]["activation_bytes"] == 26 * 26 * 32 * 4
    symbolic = summary.as_json(compute("Input(H, 16)\nDense(4)\n"), "f.md", 1)
    assert symbolic["macs"] == "64*H"


def test_text_summary_has_a_macs_column_when_the_block_shows_them() -> None:
    plain = summary.text(compute(SEED), "mnist")
    assert " Total MACs: 11,992,448" in plain
    assert "MACs ┃" not in plain
    shown = summary.text(compute(SEED, Options(Settings(), show=("table", "macs", "memory"))), "mnist")
    assert "│ Conv_1 + ReLU (Conv2D)  │ (26, 26, 32) │       320 │    194,688 │    86.53 kB │" in shown
    assert "   Params size: 4.80 MB (float32), 2.40 MB (float16), 1.20 MB (int8), 599.94 kB (int4)" in shown
    md = summary.markdown(compute(SEED, Options(Settings(), show=("table", "macs"))), "mnist")
    assert "| **Total** | | **1,199,882** | **11,992,448** |" in md

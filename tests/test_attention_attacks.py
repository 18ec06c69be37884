"""Attacks on cross-attention and the transformer stacks in blocks (key=/value=, memory=, tgt=,
nn.TransformerEncoder/nn.TransformerDecoder): what a hostile or careless author writes, each
answered with a located message where torch or Keras refuses it, and with their figures where
they run it."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from mkdocs_paramcalc.errors import BlockError
from tests.helpers import PYTORCH_SITE, block_options, compute, paramcalc
from tests.oracle import TORCH_MARKS, count, keras_on_torch, torch

pytestmark = TORCH_MARKS

KERAS_SITE = block_options("keras")
ENCODER = "nn.TransformerEncoderLayer(16, 4, 32)"
DECODER = "nn.TransformerDecoderLayer(16, 4, 32)"


def refused(text: str, options: object = PYTORCH_SITE) -> BlockError:
    """The located error a block gives, within the evaluator's 2 s (a traceback fails the test)."""
    started = time.monotonic()
    with pytest.raises(BlockError) as caught:
        compute(text, options)  # type: ignore[arg-type]
    assert time.monotonic() - started < 2.0
    return caught.value


# ---------------------------------------------------------------------------------------------
# keras.layers has no TransformerEncoder: the prefix names another library
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("module", ["keras.layers", "layers", "tf.keras.layers"])
@pytest.mark.parametrize(
    ("stack", "layer"), [("TransformerEncoder", ENCODER), ("TransformerDecoder", DECODER)]
)
def test_a_keras_module_does_not_hold_torchs_stacks(module: str, stack: str, layer: str) -> None:
    """keras.layers.TransformerEncoder(...) was read as torch's nn.TransformerEncoder and counted."""
    assert not hasattr(keras_on_torch().layers, stack)
    error = refused(f"Input(10, 16)\n{module}.{stack}({layer}, 2)")
    assert f"{module} has no {stack}" in error.message
    assert (error.where.line, error.where.column) == (2, 1)
    assert "Repeat(n, ...)" in error.hint


# ---------------------------------------------------------------------------------------------
# The number of layers: −L, and what an outer Repeat's index= makes of it
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        f"nn.TransformerEncoder({ENCODER}, -L)",
        f"nn.TransformerDecoder({DECODER}, -2*L, memory=(3, 16))",
        "Repeat(-L, nn.Linear(16, 16))",
    ],
)
def test_a_negative_number_of_layers_is_refused(text: str) -> None:
    """A name's negative (−L) was L copies counted −1 times each: a total of −2,224·L."""
    error = refused(f"Input(10, 16)\n{text}")
    assert "is a whole number from 1 to 1,000, or a name, not -" in error.message
    assert error.where.line == 2


@pytest.mark.parametrize(
    ("layers", "shown"), [("i", "0"), ("i - 1", "-1"), ("i / 2", "0"), ("1000*i + 1", "1001")]
)
@pytest.mark.parametrize(
    "stack",
    [
        "nn.TransformerEncoder(nn.TransformerEncoderLayer(16, 4, 32), {n})",
        "nn.TransformerDecoder(nn.TransformerDecoderLayer(16, 4, 32), {n}, memory=(3, 16))",
        "Repeat({n}, nn.Linear(16, 16))",
    ],
)
def test_an_index_that_makes_no_number_of_layers_is_refused(stack: str, layers: str, shown: str) -> None:
    """An outer Repeat's index= makes the inner number of layers 0, −1, ½ or 1,001: these were
    an AssertionError (½), no layers at all (0, −1: torch's stacks fail on their first call with
    none), or more layers than a block holds."""
    inner = stack.format(n=layers)
    error = refused(f"Input(10, 16)\nRepeat(3, {inner}, index='i')")
    assert f"is {shown} here (an outer Repeat's index= gives it)" in error.message
    assert (error.where.line, error.where.column) == (2, 11 + inner.index(layers))
    assert "i + 1 is 1" in error.hint


def test_torch_runs_no_stack_of_zero_layers() -> None:
    """Why 0 is refused: torch builds the stack, and its forward fails."""
    stack = torch.nn.TransformerDecoder(torch.nn.TransformerDecoderLayer(16, 4, 32), 0)
    with pytest.raises(IndexError):
        stack(torch.zeros(10, 2, 16), torch.zeros(3, 2, 16))


def test_an_index_that_grows_the_layers_is_bounded_in_time() -> None:
    """Each inner count is allowed, but together they make ~50,000 layers (the parser counts a
    formula of the index as one copy): this ran for seconds, and 1,000 copies for minutes."""
    for text in (
        "Repeat(100, Repeat(10*i + 1, nn.Linear(16, 16)), index='i')",
        "Repeat(50, nn.TransformerEncoder(nn.TransformerEncoderLayer(16, 4, 32), 20*i + 1), index='i')",
    ):
        error = refused(f"Input(10, 16)\n{text}")
        assert "the block stands for more than 1,000 layers, each copy counted" in error.message


def test_an_index_that_numbers_the_layers_counts_as_torch_does() -> None:
    """i + 1 layers in copy i: 1 + 2 + 3 encoder layers, as torch builds them."""
    report = compute(
        f"Input(10, 16)\nRepeat(3, nn.TransformerEncoder({ENCODER}, i + 1), index='i')", PYTORCH_SITE
    )
    stacks = [
        torch.nn.TransformerEncoder(
            torch.nn.TransformerEncoderLayer(16, 4, 32), n, enable_nested_tensor=False
        )
        for n in (1, 2, 3)
    ]
    assert report.total == sum(count(stack.parameters()) for stack in stacks)


# ---------------------------------------------------------------------------------------------
# The command line's JSON of a stack of L layers
# ---------------------------------------------------------------------------------------------


def test_json_summary_of_a_stack_of_l_layers(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Repeat(L, ...) and nn.TransformerEncoder(..., L) wrote their copies as a sympy Symbol, which
    json.dumps cannot: a traceback instead of the JSON."""
    block = tmp_path / "stack.cnn"
    block.write_text(
        "Input(n, d)\nnn.TransformerEncoder(nn.TransformerEncoderLayer(d, h, 4*d), L, norm=nn.LayerNorm(d))\n"
        "Repeat(L, nn.Linear(d, d))\n"
    )
    code, out, err = paramcalc(capsys, "summary", "--framework", "pytorch", "--format", "json", str(block))
    assert (code, err) == (0, "")
    stack, repeat = json.loads(out)["blocks"][0]["layers"]
    assert stack["layers"][0]["copies"] == repeat["copies"] == "L"


# ---------------------------------------------------------------------------------------------
# Keras: attention_axes and the axes it does not attend over; a wrapper's single input
# ---------------------------------------------------------------------------------------------


def _keras_runs(query: tuple[int, ...], value: tuple[int, ...], axes: int | None) -> bool:
    keras = keras_on_torch()
    layer = keras.layers.MultiHeadAttention(4, 16, attention_axes=axes)
    try:
        layer(keras.ops.zeros((2, *query)), keras.ops.zeros((2, *value)))
    except Exception:  # einsum's error, whichever it is
        return False
    return True


@pytest.mark.parametrize(("value", "axes", "axis"), [((5, 30, 24), 2, 1), ((3, 30, 24), 1, 2)])
def test_keras_values_differing_on_an_axis_not_attended_over_are_refused(
    value: tuple[int, ...], axes: int, axis: int
) -> None:
    """Queries (6, 10, 32) attending over one axis pair with values of the same size on the other:
    Keras' einsum refuses (5, 30, 24) with attention_axes=2, where the block counted 936,960 MACs."""
    text = f"Input(6, 10, 32)\nMultiHeadAttention(4, 16, value={value}, attention_axes={axes})"
    error = refused(text, KERAS_SITE)
    assert error.where.line == 2
    assert not _keras_runs((6, 10, 32), value, axes)
    assert f"on axis {axis}, which it does not attend over" in error.message
    assert "give value= (and key=) the queries'" in error.hint


def test_keras_values_of_the_queries_size_on_the_other_axes_count_as_keras_does() -> None:
    keras = keras_on_torch()
    report = compute(
        "Input(6, 10, 32)\nMultiHeadAttention(4, 16, value=(6, 30, 24), key=(6, 30, 8), attention_axes=2)",
        KERAS_SITE,
    )
    layer = keras.layers.MultiHeadAttention(4, 16, attention_axes=2)
    zeros = keras.ops.zeros
    out = layer(zeros((2, 6, 10, 32)), zeros((2, 6, 30, 24)), zeros((2, 6, 30, 8)))
    assert (report.total, tuple(report.rows[-1].shape)) == (layer.count_params(), tuple(out.shape[1:]))


@pytest.mark.parametrize("value", ["", ", value=(30, 24)"])
def test_keras_time_distributed_attention_is_refused(value: str) -> None:
    """TimeDistributed calls its layer on one tensor; MultiHeadAttention needs a query and a
    value, and Keras refuses it. The block counted it, self-attention or to value=."""
    keras = keras_on_torch()
    with pytest.raises(TypeError, match="value_shape"):
        keras.layers.TimeDistributed(keras.layers.MultiHeadAttention(4, 16))(keras.Input((6, 10, 32)))
    error = refused(f"Input(6, 10, 32)\nTimeDistributed(MultiHeadAttention(4, 16{value}))", KERAS_SITE)
    assert "TimeDistributed calls its layer on one input" in error.message
    assert (error.where.line, error.where.column) == (2, 17)


@pytest.mark.parametrize(
    "text",
    [
        "nn.MultiheadAttention(16, 4, key=(0, 16))",
        "nn.MultiheadAttention(16, 4, key=(-S, 16))",
        "nn.TransformerDecoderLayer(16, 4, memory=(3.5, 16))",
        "nn.Transformer(16, 4, 1, 1, tgt=(True, 16))",
    ],
)
def test_another_inputs_shape_of_the_right_rank_with_a_wrong_size_says_which(text: str) -> None:
    """(0, 16) has the two sizes the message asked for: it said '2 sizes ... got (0, 16)'."""
    error = refused(f"Input(10, 16)\n{text}")
    assert "each a whole number from 1 or a name, got (" in error.message
    assert "2 sizes" not in error.message

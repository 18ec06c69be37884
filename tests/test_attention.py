"""Attention layers: counts, shapes, derivations, MACs and messages, without the libraries.

tests/test_oracles_torch.py (the `attention` cases of tests/torch_cases.py) and
tests/test_oracles.py prove the same numbers against torch.nn and Keras 3; these tests pin
down the formulas' words and the messages, and the counts as courses write them.
"""

from __future__ import annotations

import pytest
import sympy

from mkdocs_paramcalc.errors import Location
from mkdocs_paramcalc.reading.options import Options, Settings
from mkdocs_paramcalc.report.model import Row
from mkdocs_paramcalc.writers.html import text_formula
from tests.helpers import PYTORCH_SITE, block_error, block_options, compute

KERAS = block_options("keras")
# The fence names its dialect: a name from the other one is a typo, not a switch of dialect.
PYTORCH = Options(Settings(), framework="pytorch", framework_given=True)
KERAS_GIVEN = Options(Settings(), framework="keras", framework_given=True)


def torch_row(text: str) -> Row:
    return compute(text, PYTORCH_SITE).rows[-1]


def words_and_numbers(row: Row) -> tuple[str, str]:
    assert row.formula is not None
    return text_formula(row.formula, numbers=False), text_formula(row.formula, numbers=True)


# ---------------------------------------------------------------------------------------------
# PyTorch: nn.MultiheadAttention as self-attention
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("layer", "params"),
    [
        # in_proj_weight 3E × E, in_proj_bias 3E, out_proj E × E + E: 4E² + 4E
        ("MultiheadAttention(768, 12)", 4 * 768 * 768 + 4 * 768),
        ("MultiheadAttention(768, 12, bias=False)", 4 * 768 * 768),
        ("MultiheadAttention(768, 12, add_bias_kv=True)", 4 * 768 * 768 + 4 * 768 + 2 * 768),
        ("MultiheadAttention(768, 12, kdim=768, vdim=768, add_zero_attn=True)", 4 * 768 * 768 + 4 * 768),
    ],
)
def test_multihead_attention_counts(layer: str, params: int) -> None:
    row = torch_row(f"Input(1024, 768)\n{layer}")
    assert (row.shape, row.params) == ((1024, 768), params)


def test_multihead_attention_derivation() -> None:
    row = torch_row("Input(100, 64)\nMultiheadAttention(64, 8)")
    assert words_and_numbers(row) == ("4 × (Embed + bias) × Embed", "4 × (64 + 1) × 64")
    row = torch_row("Input(100, 64)\nMultiheadAttention(64, 8, bias=False, add_bias_kv=True)")
    assert words_and_numbers(row) == ("4 × Embed × Embed + 2 × Embed", "4 × 64 × 64 + 2 × 64")


def test_multihead_attention_macs_are_the_projections_and_the_attention() -> None:
    """The four projections, as fvcore counts them (aten::linear), and apart from them the attention
    itself (scaled_dot_product_attention: 2 × n² × d), which fvcore leaves out."""
    row = torch_row("Input(100, 64)\nMultiheadAttention(64, 8)")
    assert row.macs == 4 * 100 * 64 * 64 + 2 * 100**2 * 64
    assert row.macs_formula is not None
    assert text_formula(row.macs_formula, numbers=False) == (
        "4 × Positions × Embed × Embed + 2 × Positions × Positions × Embed"
    )


def test_symbolic_multihead_attention_is_four_d_squared_plus_four_d() -> None:
    row = torch_row("Input(T, d)\nMultiheadAttention(d, h)")
    d, t = sympy.symbols("d T", positive=True, integer=True)
    assert row.shape == (t, d)
    assert sympy.expand(row.params - (4 * d**2 + 4 * d)) == 0


@pytest.mark.parametrize(
    ("text", "message", "hint", "where"),
    [
        (
            "Input(10, 16)\nMultiheadAttention(12, 4)",
            "embed_dim is 12, but its input has 16 features",
            "write 16 for `embed_dim`",
            Location(2, 20),
        ),
        (
            "Input(10, 16)\nMultiheadAttention(16, 3)",
            "embed_dim (16) must be divisible by num_heads (3)",
            "use a number of heads that divides 16",
            Location(2, 24),
        ),
        (
            "Input(10, 16)\nMultiheadAttention(16, 4, kdim=8)",
            "kdim is 8, but the keys are its input (the block's input, (10, 16)), which has 16 features",
            "keys and values from another sequence are written as its shape: key=(S, 8)",
            Location(2, 27),
        ),
        (
            "Input(3, 10, 16)\nMultiheadAttention(16, 4)",
            "needs a 2-D input (sequence length, features), got (3, 10, 16)",
            "as an Embedding gives it",
            Location(2, 1),
        ),
        (
            "Input(10, 16)\nMultiheadAttention(16, 4, dropout=2)",
            "`dropout` must be a number from 0 to 1",
            "",
            None,
        ),
        ("Input(10, 16)\nMultiheadAttention(16, 4, bias=1)", "`bias` must be True or False", "", None),
        (
            "Input(10, 16)\nMultiheadAttention(16, 4, key=(7, 8))",
            "the keys (7, 8) have 8 features, but kdim is 16 (embed_dim, as it is not given)",
            "write kdim=8",
            Location(2, 27),
        ),
        (
            "Input(10, 16)\nMultiheadAttention(16, 4, key=(7, 16), value=(6, 16))",
            "the keys (7, 16) and the values (6, 16) must have one length",
            "give key= and value= the same length",
            Location(2, 40),
        ),
        (
            "Input(10, 16)\nMultiheadAttention(16, 4, key=(7, 16, 1))",
            "`key` is the shape of the keys, 2 sizes without the batch as the input's (10, 16) are",
            "write key=(S, 16)",
            Location(2, 27),
        ),
        ("Input(10, 16)\nMultiHeadAttention(16, 4)", "unknown PyTorch layer", "`MultiheadAttention`", None),
    ],
)
def test_multihead_attention_errors(text: str, message: str, hint: str, where: Location | None) -> None:
    error = block_error(text, PYTORCH)
    assert message in error.message
    assert hint in error.hint
    if where is not None:
        assert error.where == where


# ---------------------------------------------------------------------------------------------
# Keras: MultiHeadAttention as layer(x, x)
# ---------------------------------------------------------------------------------------------


def keras_row(text: str) -> Row:
    return compute(text, KERAS).rows[-1]


@pytest.mark.parametrize(
    ("layer", "shape", "params"),
    [
        # query, key, value: (16 + 1) × 4 × 8 each; output (4 × 8 + 1) × 16
        ("MultiHeadAttention(4, 8)", (5, 16), 3 * 17 * 32 + 33 * 16),
        ("MultiHeadAttention(4, 8, value_dim=3)", (5, 16), 2 * 17 * 32 + 17 * 12 + 13 * 16),
        ("MultiHeadAttention(4, 8, output_shape=10)", (5, 10), 3 * 17 * 32 + 33 * 10),
        ("MultiHeadAttention(4, 8, output_shape=(2, 5))", (5, 2, 5), 3 * 17 * 32 + 33 * 10),
        ("MultiHeadAttention(4, 8, use_bias=False)", (5, 16), 4 * 16 * 32),
        ("MultiHeadAttention(4, 8, use_gate=True)", (5, 16), 4 * 17 * 32 + 33 * 16),
    ],
)
def test_multi_head_attention_counts(layer: str, shape: tuple[int, ...], params: int) -> None:
    row = keras_row(f"Input(5, 16)\n{layer}")
    assert (row.name, row.shape, row.params) == ("multi_head_attention", shape, params)


def test_multi_head_attention_derivations() -> None:
    assert words_and_numbers(keras_row("Input(100, 512)\nMultiHeadAttention(8, 64)")) == (
        "3 × (Features + bias) × Heads × Key + (Heads × Key + bias) × Features",
        "3 × (512 + 1) × 8 × 64 + (8 × 64 + 1) × 512",
    )
    row = keras_row(
        "Input(5, 16)\nMultiHeadAttention(2, 3, value_dim=4, output_shape=(2, 5), use_bias=False)"
    )
    assert words_and_numbers(row)[0] == (
        "2 × Features × Heads × Key + Features × Heads × Value + Heads × Value × (Output_1 × Output_2)"
    )


def test_multi_head_attention_macs_are_the_projections_and_the_attention() -> None:
    row = keras_row("Input(100, 512)\nMultiHeadAttention(8, 64)")
    assert row.macs == 100 * 4 * 512 * 512 + 100**2 * 8 * (64 + 64)
    assert row.macs_formula is not None
    assert text_formula(row.macs_formula, numbers=False) == (
        "Positions × (3 × Features × Heads × Key + Heads × Key × Features)"
        " + Attended × Attended × Heads × (Key + Key)"
    )


def test_symbolic_attention_with_heads_of_d_over_h_is_four_d_squared_plus_four_d() -> None:
    """key_dim = d / h, as transformers size their heads: the course's 4d² + 4d."""
    d = sympy.Symbol("d", positive=True, integer=True)
    row = compute("Input(T, d)\nMultiHeadAttention(h, k)", KERAS).rows[-1]
    h, k = sympy.symbols("h k", positive=True, integer=True)
    assert sympy.expand(row.params.subs(k, d / h) - (4 * d**2 + 4 * d)) == 0


@pytest.mark.parametrize(
    ("text", "message", "hint"),
    [
        (
            "Input(16)\nMultiHeadAttention(2, 4)",
            "needs a sequence (steps, features), got (16)",
            "an Embedding",
        ),
        (
            "Input(3, 5, 16)\nMultiHeadAttention(2, 4, attention_axes=3)",
            "`attention_axes` must be axes of the input (3, 5, 16) before its features: 1 to 2 (0 is the "
            "batch), got 3",
            "leave it out",
        ),
        ("Input(5, 16)\nMultiHeadAttention(2, 4, output_shape=0)", "`output_shape` must be a size", ""),
        (
            "Input(5, 16)\nMultiHeadAttention(2, 4, sliding_window=0)",
            "`sliding_window` must be at least 1",
            "",
        ),
        ("Input(5, 16)\nMultiHeadAttention(2, 4, flash_attention=True, seed=1)", "", ""),
        ("Input(5, 16)\nMultiheadAttention(2, 4)", "unknown Keras layer", "`MultiHeadAttention`"),
        ("Input(5, 16)\nMultiHeadAttention(2, 4, key=(3, 8))", "key= is given without value=", "give value="),
        (
            "Input(5, 16)\nMultiHeadAttention(2, 4, value=(3, 8), key=(4, 8))",
            "the keys (4, 8) and the values (3, 8) differ before their last axis",
            "the same length",
        ),
    ],
)
def test_multi_head_attention_errors(text: str, message: str, hint: str) -> None:
    if not message:  # accepted: the arguments change no count
        assert keras_row(text).params == 3 * 17 * 8 + 9 * 16
        return
    error = block_error(text, KERAS_GIVEN)
    assert message in error.message
    assert hint in error.hint


# ---------------------------------------------------------------------------------------------
# PyTorch: nn.TransformerEncoderLayer, one transformer block
# ---------------------------------------------------------------------------------------------


def test_encoder_layer_counts_and_derivation() -> None:
    row = torch_row("Input(1024, 768)\nTransformerEncoderLayer(768, 12, 3072)")
    # attention 4(d² + d), feed-forward (d + 1)·4d + (4d + 1)·d, two LayerNorms 2 × 2d: 12d² + 13d
    assert (row.shape, row.params) == ((1024, 768), 12 * 768**2 + 13 * 768)
    assert words_and_numbers(torch_row("Input(5, 16)\nTransformerEncoderLayer(16, 4, 32, bias=False)")) == (
        "4 × d_model × d_model + d_model × d_ff + d_ff × d_model + 2 × d_model",
        "4 × 16 × 16 + 16 × 32 + 32 × 16 + 2 × 16",
    )


def test_symbolic_encoder_layer_is_gpt2s_twelve_d_squared_plus_thirteen_d() -> None:
    row = torch_row("Input(T, d)\nTransformerEncoderLayer(d, h, 4 * d)")
    d, t = sympy.symbols("d T", positive=True, integer=True)
    assert sympy.expand(row.params - (12 * d**2 + 13 * d)) == 0
    # the linears, the attention (2·t²·d), and 5 a LayerNorm value
    assert sympy.expand(row.macs - (12 * t * d**2 + 2 * t**2 * d + 10 * t * d)) == 0


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Input(10, 16)\nTransformerEncoderLayer(12, 4)", "d_model is 12, but its input has 16 features"),
        ("Input(10, 16)\nTransformerEncoderLayer(16, 3)", "d_model (16) must be divisible by nhead (3)"),
        ('Input(10, 16)\nTransformerEncoderLayer(16, 4, activation="tanh")', '`activation` must be "relu"'),
        ("Input(10, 16)\nTransformerEncoderLayer(16, 4, dim_feedforward=0)", "must be at least 1"),
    ],
)
def test_encoder_layer_errors(text: str, message: str) -> None:
    assert message in block_error(text, PYTORCH).message


@pytest.mark.oracle
@pytest.mark.parametrize(
    "arguments",
    ["8, 4, 2", "8, 4, 2, use_gate=True", "8, 4, 2, use_bias=False", "16, 6, 3", "4, 4, 1"],
)
def test_group_query_attention_counts_as_keras_does(arguments: str) -> None:
    """Keras' GroupQueryAttention called as layer(x, x): queries of every head, keys and values of
    the shared heads only; run by real Keras."""
    from tests.oracle import keras_on_torch  # skips where torch is not installed

    keras = keras_on_torch()
    row = keras_row(f"Input(5, 16)\nGroupQueryAttention({arguments})")
    layer = eval(f"keras.layers.GroupQueryAttention({arguments})", {"keras": keras})
    x = keras.ops.zeros((2, 5, 16))
    out = layer(x, x)
    assert row.params == layer.count_params()
    assert tuple(row.shape) == tuple(out.shape[1:])
    heads = int(arguments.split(", ")[2])
    assert row.cache == 2 * heads * int(arguments.split(", ")[0])  # the shared heads' keys and values


def test_group_query_attention_needs_query_heads_in_groups() -> None:
    error = block_error("Input(5, 16)\nGroupQueryAttention(8, 4, 3)")
    assert "must be divisible by num_key_value_heads" in error.message


@pytest.mark.oracle
@pytest.mark.parametrize(("shape", "axis"), [((5, 16), "-1"), ((5, 16), "(1, 2)"), ((4, 4, 8), "-1")])
def test_rms_normalization_counts_as_keras_does(shape: tuple[int, ...], axis: str) -> None:
    """Keras' RMSNormalization (Llama's norm): a scale γ over the normalized axes, no shift."""
    from tests.oracle import keras_on_torch  # skips where torch is not installed

    keras = keras_on_torch()
    row = keras_row(f"Input{shape}\nRMSNormalization(axis={axis})")
    layer = keras.layers.RMSNormalization(axis=eval(axis))
    layer(keras.ops.zeros((2, *shape)))
    assert row.params == layer.count_params()


# ---------------------------------------------------------------------------------------------
# Attention to another sequence: its shape as the forward call names it
# ---------------------------------------------------------------------------------------------


def test_cross_attention_counts_and_derivations() -> None:
    """torch's separate query, key and value weights when kdim or vdim differ from embed_dim;
    Keras' key and value projections from their own features; the keys' length in the MACs."""
    row = torch_row(
        "Input(10, 64)\nMultiheadAttention(64, 8, kdim=32, vdim=48, key=(30, 32), value=(30, 48))"
    )
    assert row.params == 64 * (64 + 32 + 48) + 3 * 64 + 65 * 64
    assert words_and_numbers(row) == (
        "(Embed + K_dim + V_dim) × Embed + 3 × Embed + (Embed + bias) × Embed",
        "(64 + 32 + 48) × 64 + 3 × 64 + (64 + 1) × 64",
    )
    # the query and output projections over 10 positions, the key and value over 30, the products
    assert row.macs == 2 * 10 * 64 * 64 + 30 * (32 + 48) * 64 + 2 * 10 * 30 * 64
    assert row.cache == 0  # another sequence's keys and values: not a cost a token
    same = torch_row("Input(10, 64)\nMultiheadAttention(64, 8, key=(30, 64))")
    assert same.params == torch_row("Input(10, 64)\nMultiheadAttention(64, 8)").params
    row = keras_row("Input(10, 32)\nMultiHeadAttention(4, 16, value=(30, 24))")
    assert (row.params, tuple(row.shape)) == (33 * 64 + 25 * 64 + 25 * 64 + 65 * 32, (10, 32))
    assert words_and_numbers(row)[0] == (
        "(F_query + bias) × Heads × Key + (F_key + bias) × Heads × Key + (F_value + bias) × Heads × Key "
        "+ (Heads × Key + bias) × Features"
    )


def test_a_decoder_layers_memory_changes_its_macs_not_its_count() -> None:
    alone = torch_row("Input(10, 16)\nTransformerDecoderLayer(16, 4, 32)")
    row = torch_row("Input(10, 16)\nTransformerDecoderLayer(16, 4, 32, memory=(3, 16))")
    assert row.params == alone.params
    # the second attention: queries and output over 10 positions, keys and values over 3
    cross = 2 * 10 * 16 * 16 + 3 * 2 * 16 * 16 + 2 * 10 * 3 * 16
    assert alone.macs - row.macs == (4 * 10 * 16 * 16 + 2 * 10 * 10 * 16) - cross

"""Attention layers: counts, shapes, derivations, MACs and messages, without the libraries.

tests/test_oracles_torch.py (the `attention` cases of tests/torch_cases.py) and
tests/test_oracles.py prove the same numbers against torch.nn and Keras 3; these tests pin
down the formulas' words and the messages, and the counts as courses write them.
"""

from __future__ import annotations

import pytest
import sympy

from mkdocs_paramcalc.errors import Location
from mkdocs_paramcalc.report.model import Row
from mkdocs_paramcalc.writers.html import text_formula
from tests.helpers import PYTORCH_SITE, block_error, block_options, compute

KERAS = block_options("keras")


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


def test_multihead_attention_macs_are_the_projections() -> None:
    """fvcore counts the four projections (aten::linear), not scaled_dot_product_attention."""
    row = torch_row("Input(100, 64)\nMultiheadAttention(64, 8)")
    assert row.macs == 4 * 100 * 64 * 64
    assert row.macs_formula is not None
    assert text_formula(row.macs_formula, numbers=False) == "4 × Positions × Embed × Embed"


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
            "a block's attention is self-attention: leave out kdim",
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
        ("Input(10, 16)\nMultiHeadAttention(16, 4)", "unknown PyTorch layer", "`MultiheadAttention`", None),
    ],
)
def test_multihead_attention_errors(text: str, message: str, hint: str, where: Location | None) -> None:
    error = block_error(text, PYTORCH_SITE)
    assert message in error.message
    assert hint in error.hint
    if where is not None:
        assert error.where == where

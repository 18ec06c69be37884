"""Free parameters (issue 15, item 5): weights that belong to no layer, as a vision transformer
declares its class token and position embedding and ConvNeXt its layer scale, against real Keras
(a layer holding one weight made with add_weight) and real PyTorch (an nn.Parameter)."""

from __future__ import annotations

from typing import Any

import pytest

from mkdocs_paramcalc.errors import BlockError, each
from mkdocs_paramcalc.reading.options import Options, Settings

from .helpers import compute
from .oracle import MARKS, TORCH_MARKS, keras_on_torch, nn, torch

pytestmark = [*TORCH_MARKS, *MARKS]

PYTORCH = Options(Settings(framework="pytorch"), framework="pytorch")
# (the block's input, the parameter's shape, merge): a ViT's class token, its position embedding, a
# layer scale, a scale per token, a class token on a map's rows, 3-D tokens.
CASES = [
    ((196, 64), (1, 64), "concat"),
    ((197, 64), (197, 64), "add"),
    ((197, 64), (64,), "multiply"),
    ((197, 64), (197, 1), "multiply"),
    ((8, 8, 16), (2, 8, 16), "concat"),
    ((10, 4, 6), (4, 6), "add"),
]


def _combined(x: Any, weight: Any, merge: str) -> Any:
    """What a model does with its free weight: torch's batch axis in front of both."""
    if merge == "concat":
        return torch.cat([weight.expand(x.shape[0], *weight.shape[1:]), x], dim=1)
    return x + weight if merge == "add" else x * weight


class _Free(nn.Module):
    def __init__(self, shape: tuple[int, ...], merge: str) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(1, *shape))
        self.merge = merge

    def forward(self, x: Any) -> Any:
        return _combined(x, self.weight, self.merge)


@pytest.mark.parametrize(("given", "shape", "merge"), CASES)
def test_pytorch_counts_and_shapes(given: tuple[int, ...], shape: tuple[int, ...], merge: str) -> None:
    module = _Free(shape, merge)
    out = module(torch.zeros(2, *given))
    report = compute(f'Input{given}\nnn.Parameter({shape}, merge="{merge}")', PYTORCH)
    (row,) = report.rows
    assert report.total == sum(p.numel() for p in module.parameters())
    assert row.shape == tuple(out.shape[1:])


@pytest.mark.parametrize(("given", "shape", "merge"), CASES)
def test_keras_counts_and_shapes(given: tuple[int, ...], shape: tuple[int, ...], merge: str) -> None:
    keras = keras_on_torch()

    class Free(keras.layers.Layer):  # type: ignore[misc,name-defined]
        def build(self, input_shape: Any) -> None:
            self.weight = self.add_weight(shape=(1, *shape), initializer="zeros")

        def call(self, x: Any) -> Any:
            ops = keras.ops
            if merge == "concat":
                return ops.concatenate([ops.repeat(self.weight, ops.shape(x)[0], axis=0), x], axis=1)
            return ops.add(x, self.weight) if merge == "add" else ops.multiply(x, self.weight)

    inputs = keras.Input(shape=given)
    model = keras.Model(inputs, Free()(inputs))
    report = compute(f'Input{given}\nParameter({shape}, merge="{merge}")')
    (row,) = report.rows
    assert (report.total, report.trainable) == (model.count_params(), model.count_params())
    assert row.shape == tuple(model.output_shape[1:])


def test_a_vision_transformer_front_end_against_keras() -> None:
    """Patches by a strided convolution, reshaped to tokens, a class token before them and a
    position embedding added: ViT-Tiny's front end (patch 16, width 192) on a 224 × 224 image."""
    keras = keras_on_torch()

    class Free(keras.layers.Layer):  # type: ignore[misc,name-defined]
        def __init__(self, shape: tuple[int, ...], merge: str) -> None:
            super().__init__()
            self.free_shape, self.merge = shape, merge

        def build(self, input_shape: Any) -> None:
            self.weight = self.add_weight(shape=(1, *self.free_shape), initializer="zeros")

        def call(self, x: Any) -> Any:
            ops = keras.ops
            if self.merge == "concat":
                return ops.concatenate([ops.repeat(self.weight, ops.shape(x)[0], axis=0), x], axis=1)
            return ops.add(x, self.weight)

    inputs = keras.Input(shape=(224, 224, 3))
    x = keras.layers.Conv2D(192, 16, strides=16)(inputs)
    x = keras.layers.Reshape((196, 192))(x)
    x = Free((1, 192), "concat")(x)
    model = keras.Model(inputs, Free((197, 192), "add")(x))
    text = (
        "Input(224, 224, 3)\nConv2D(192, 16, strides=16)\nReshape((196, 192))\n"
        'Parameter((1, 192), merge="concat", name="cls_token")\n'
        'Parameter((197, 192), name="pos_embedding")'
    )
    report = compute(text)
    assert report.total == model.count_params() == 3 * 16 * 16 * 192 + 192 + 192 + 197 * 192
    assert report.rows[-1].shape == tuple(model.output_shape[1:]) == (197, 192)


@pytest.mark.parametrize(
    ("line", "words"),
    [
        ('Parameter((2, 63), merge="concat")', "every other size must be the input's"),
        ("Parameter((196, 65))", "each of its sizes must be the input's or 1"),
        ('Parameter((1, 64), merge="cat")', 'did you mean merge="concat"?'),
        ('Parameter("x")', "`shape` must be sizes"),
        ("Parameter((1, 1, 1, 64))", "each of its sizes must be the input's or 1"),
    ],
)
def test_mistakes_are_located_with_a_hint(line: str, words: str) -> None:
    with pytest.raises(BlockError) as caught:
        compute(f"Input(196, 64)\n{line}")
    (error,) = each(caught.value)
    assert error.where.line == 2
    assert words in error.text()


def test_a_shape_written_with_torchs_batch_axis_says_to_leave_it_out() -> None:
    with pytest.raises(
        BlockError, match=r"leave out the batch axis, as every shape in a block does: \(1, 64\)"
    ):
        compute('Input(196, 64)\nnn.Parameter((1, 1, 64), merge="concat")', PYTORCH)

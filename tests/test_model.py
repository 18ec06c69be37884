"""Shapes, counts, claims and errors of the catalogue's layers (the oracles prove them against Keras)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from mkdocs_paramcalc import memo
from mkdocs_paramcalc.dialects.layers import CATALOGUE
from mkdocs_paramcalc.errors import BlockError, Location
from mkdocs_paramcalc.reading.options import Options, Setting, Settings
from tests.helpers import SEED, block_error, compute


def rows(text: str) -> list[tuple[str, tuple[object, ...], object]]:
    return [(r.name, r.shape, r.params) for r in compute(text).rows]


def test_seed_model() -> None:
    report = compute(SEED)
    assert rows(SEED) == [
        ("Conv_1 + ReLU", (26, 26, 32), 320),
        ("Conv_2 + ReLU", (24, 24, 64), 18_496),
        ("Max Pool", (12, 12, 64), 0),
        ("flatten", (9216,), 0),
        ("FC_1", (128,), 1_179_776),
        ("FC_2 (Output)", (10,), 1_290),
    ]
    assert (report.total, report.trainable, report.non_trainable) == (1_199_882, 1_199_882, 0)
    assert report.input_shape == (28, 28, 1)


@pytest.mark.parametrize(
    ("layer", "input_shape", "shape", "params"),
    [
        ("Conv2D(16, 3)", "(32, 32, 3)", (30, 30, 16), 448),
        ('Conv2D(16, 3, padding="same")', "(32, 32, 3)", (32, 32, 16), 448),
        ('Conv2D(16, 3, strides=2, padding="same")', "(33, 33, 3)", (17, 17, 16), 448),
        ("Conv2D(16, (3, 5), strides=(2, 1))", "(32, 32, 3)", (15, 28, 16), 736),
        ("Conv2D(16, 3, dilation_rate=2)", "(32, 32, 3)", (28, 28, 16), 448),
        ("Conv2D(16, 3, use_bias=False)", "(32, 32, 3)", (30, 30, 16), 432),
        ("Conv2D(16, 3, groups=4)", "(32, 32, 8)", (30, 30, 16), 16 * 3 * 3 * 2 + 16),
        ('Conv2D(16, 3, data_format="channels_first")', "(3, 32, 32)", (16, 30, 30), 448),
        ("Conv1D(64, 5)", "(100, 16)", (96, 64), 5 * 16 * 64 + 64),
        ('Conv1D(8, 3, padding="causal", dilation_rate=4)', "(50, 2)", (50, 8), 56),
        ("Conv3D(8, 3)", "(16, 32, 32, 3)", (14, 30, 30, 8), 27 * 3 * 8 + 8),
        ("MaxPooling2D(2)", "(25, 25, 8)", (12, 12, 8), 0),
        ('MaxPooling2D(2, padding="same")', "(25, 25, 8)", (13, 13, 8), 0),
        ("MaxPooling2D(3, strides=2)", "(27, 27, 8)", (13, 13, 8), 0),
        ("AveragePooling1D(4)", "(100, 8)", (25, 8), 0),
        ("MaxPooling3D((1, 2, 2))", "(8, 16, 16, 4)", (8, 8, 8, 4), 0),
        ("Flatten()", "(5, 5, 16)", (400,), 0),
        ("Dense(128)", "(24, 24, 64)", (24, 24, 128), 8_320),
        ("Dense(10, use_bias=False)", "(128,)", (10,), 1_280),
        ("Dropout(0.5)", "(128,)", (128,), 0),
        ('Activation("relu")', "(128,)", (128,), 0),
        ("ReLU()", "(4, 4, 2)", (4, 4, 2), 0),
        ("Softmax()", "(10,)", (10,), 0),
        ("BatchNormalization()", "(26, 26, 32)", (26, 26, 32), 128),
        ("BatchNormalization(center=False, scale=False)", "(26, 26, 32)", (26, 26, 32), 64),
        ("BatchNormalization(axis=1)", "(3, 26, 26)", (3, 26, 26), 12),
        ("BatchNormalization(axis=-3)", "(3, 26, 26)", (3, 26, 26), 12),
    ],
)
def test_layer(layer: str, input_shape: str, shape: tuple[int, ...], params: int) -> None:
    (row,) = compute(f"Input(shape={input_shape})\n{layer}").rows
    assert (row.shape, row.params) == (shape, params)


def test_batch_norm_split_and_frozen_layers() -> None:
    report = compute("Input(8, 8, 3)\nConv2D(4, 3)\nBatchNormalization()\nDense(2, trainable=False)")
    assert [r.non_trainable for r in report.rows] == [0, 8, 10]
    assert (report.total, report.trainable, report.non_trainable) == (112 + 16 + 10, 112 + 8, 18)


def test_input_forms_agree() -> None:
    forms = [
        "Input(28, 28, 1)",
        "Input((28, 28, 1))",
        "Input(shape=(28, 28, 1))",
        "Input(batch_shape=(None, 28, 28, 1))",
    ]
    for form in forms:
        assert compute(f"{form}\nConv2D(32, 3)").total == 320
    assert compute("Conv2D(32, 3, input_shape=(28, 28, 1))").total == 320
    opts = Options(Settings(), input=Setting("28x28x1", Location(0, 9)))
    assert compute("Conv2D(32, 3)", opts).total == 320


def test_keras_default_names() -> None:
    names = [
        r.name
        for r in compute(
            "Input(8, 8, 1)\nConv2D(2, 3)\nConv2D(2, 3)\nReLU()\nMaxPooling2D()\n"
            "BatchNormalization()\nFlatten()\nDense(3)"
        ).rows
    ]
    assert names == [
        "conv2d",
        "conv2d_1",
        "re_lu",
        "max_pooling2d",
        "batch_normalization",
        "flatten",
        "dense",
    ]


def test_claims() -> None:
    block = SEED.replace('name="Conv_2 + ReLU"', 'name="Conv_2 + ReLU", expect=18494')
    report = compute(block, Options(Settings(), expect=Setting("1,199,882", Location(0, 40))))
    (claim,) = report.failed_claims
    assert claim.message == "Conv_2 + ReLU: the text says 18,494, the formula gives 18,496"
    assert claim.where == Location(3, 56)
    report = compute(SEED, Options(Settings(), expect=Setting("1 199 880", Location(0, 40))))
    assert [str(e) for e in report.failed_claims] == [
        "0:40: total: the text says 1,199,880, the formula gives 1,199,882"
    ]
    assert not compute(SEED.replace("Flatten()", "Flatten(expect=0)")).failed_claims
    assert "whole number" in str(block_error(SEED.replace("Flatten()", 'Flatten(expect="lots")')))


@pytest.mark.parametrize(
    ("text", "words", "where"),
    [
        ("Input(28, 28, 1)\nConv2D(32, 50)", "the 50×50 kernel does not fit its 28×28 input", Location(2, 1)),
        ("Input(3, 3, 1)\nMaxPooling2D(4)", "pool window does not fit", Location(2, 1)),
        ("Input(28, 28, 1)\nConv2d(32, 3)", "did you mean `Conv2D`?", Location(2, 1)),
        ("Input(28, 28, 1)\nLinear(3)", "did you mean `Dense`?", Location(2, 1)),
        ("Input(28, 28, 1)\nConv2D(32, 3, paddin='same')", "did you mean `padding`?", Location(2, 15)),
        ("Input(28, 28, 1)\nConv2D(32, 3, padding='vaild')", 'did you mean "valid"?', Location(2, 15)),
        ("Input(28, 28, 1)\nConv2D(32, 3, activation='rleu')", 'did you mean "relu"?', Location(2, 15)),
        ("Input(28, 28, 1)\nConv2D(32)", "needs `kernel_size`", Location(2, 1)),
        ("Input(28, 28, 1)\nConv2D(0, 3)", "`filters` must be at least 1, got 0", Location(2, 8)),
        ("Input(28, 28, 1)\nConv2D(32.0, 3)", "must be a whole number, got 32.0", Location(2, 8)),
        ("Input(28, 28, 1)\nConv2D(32, (3, 3, 3))", "`kernel_size` needs 2 values, got 3", Location(2, 12)),
        (
            "Input(28, 28, 6)\nConv2D(32, 3, groups=4)",
            "input channels (6) must divide evenly into 4 groups",
            Location(2, 15),
        ),
        (
            "Input(784)\nConv2D(32, 3)",
            "needs a 3-D input (height, width, channels), got (784)",
            Location(2, 1),
        ),
        ("Input(28, 28, 1)\nDropout(1.5)", "`rate` must be a number from 0 to 1", Location(2, 9)),
        ("Input(28, 28, 1)\nSoftmax(axis=4)", "must be an axis of the input (28, 28, 1)", Location(2, 9)),
        ("Input(28, 28, 1)\nBatchNormalization(axis=0)", "(0 is the batch)", Location(2, 20)),
        ("Conv2D(32, 3)", "does not say its input shape", Location(1, 1)),
        ("Input(28, 0, 1)\nConv2D(32, 3)", "positive whole numbers", Location(1, 11)),
        ("Input(28, 28, 1)\nDense(2)\nInput(3)", "must be the first line", Location(3, 1)),
        (
            "Input(28, 28, 1)\nDense(2, name='a')\nDense(2, name='a')",
            "two layers are named 'a'",
            Location(3, 1),
        ),
        (
            "Input(28, 28, 1)\nConv2D(32, 3)\nnn.Conv2d(32, 8, 3)",
            "`Conv2d` is a PyTorch layer, but this block is Keras (`Conv2D`, …)",
            Location(3, 1),
        ),
        (
            "Input(28, 28, 1)\nConv2D(32, 3, 5, 'valid', None, 1, 1, None, True, 'x')",
            "at most 9 positional",
            Location(2, 51),
        ),
        ("Input(28, 28, 1)\nDense(10, lora_rank=4)", "LoRA", Location(2, 11)),
    ],
)
def test_errors_say_what_and_where(text: str, words: str, where: Location) -> None:
    err = block_error(text)
    assert words in err.text()
    assert err.where == where


def test_dropout_in_keras_order() -> None:
    assert compute("Input(4)\nDropout(0.25)\nDense(2)").total == 10


def test_every_catalogue_example_computes() -> None:
    for kind in CATALOGUE.values():
        report = compute(f"{kind.example_input}\n{kind.example}")
        assert report.rows[0].kind == kind.name


def test_symbolic_input() -> None:
    report = compute(SEED.replace("Input(28, 28, 1)", "Input(H, W, 1)"))
    conv1, conv2, pool, _flat, fc1, fc2 = report.rows
    assert (conv1.params, conv2.params, fc2.params) == (320, 18_496, 1_290)
    assert str(pool.shape[0]) == "floor(H/2) - 2"
    at_28 = dict.fromkeys(report.total.free_symbols, 28)
    assert fc1.params.subs(at_28) == 1_179_776
    assert report.total.subs(at_28) == 1_199_882


def test_core_imports_neither_mkdocs_nor_markdown_nor_sympy() -> None:
    code = (
        "import sys\n"
        "from mkdocs_paramcalc.report.model import build\n"
        "from mkdocs_paramcalc.reading.parse import parse_block\n"
        "from mkdocs_paramcalc.reading.options import Options, Settings\n"
        "from mkdocs_paramcalc.writers.html import HtmlRenderer\n"
        "block = parse_block('Input(28, 28, 1)\\nConv2D(32, 3)\\nFlatten()\\nDense(10)')\n"
        "r = build(block, Options(Settings()))\n"
        "HtmlRenderer(Settings()).report(r)\n"
        "print(sorted(m for m in ('mkdocs', 'markdown', 'sympy') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_claims_grouped_with_dots() -> None:
    assert not compute('Input(80)\nDense(100, expect="8.100")').failed_claims
    assert compute('Input(80)\nDense(100, expect="8.101")').failed_claims
    assert "whole number" in str(block_error('Input(8)\nDense(10, expect="9.0")'))


@pytest.mark.parametrize(
    ("text", "message", "hint"),
    [
        (
            "Input(32, 32, 3)\nConv2D(8, 3, strides=2, dilation_rate=2)",
            "Keras cannot combine `strides` > 1 with `dilation_rate` > 1",
            "use one or the other",
        ),
        ('Input(10)\nActivation("ReLU")', "unknown activation 'ReLU'", "(Keras names are lower case)"),
        ('Input(10)\nActivation("rleu")', "unknown activation 'rleu'", 'did you mean "relu"?'),
        ('Input(8, 8, 4)\nMaxPooling2D(padding="SAME")', '`padding` must be "valid" or "same"', "lower case"),
        ("Input(10)\nReLU(max_value=-1)", "`max_value` must be a number ≥ 0 or None, got -1", ""),
        ("Input(10)\nReLU(threshold=None)", "`threshold` must be a number ≥ 0, got None", ""),
    ],
)
def test_what_keras_refuses(text: str, message: str, hint: str) -> None:
    error = block_error(text)
    assert message in error.message
    assert hint in error.hint


def test_convolutions_fold_padding_case_as_keras_does() -> None:
    assert compute('Input(8, 8, 4)\nConv2D(2, 3, padding="SAME")').rows[0].shape == (8, 8, 2)


LAYER_POOL = [
    "Dense(2)",
    "Dense(2.0)",
    "Dense(True)",
    "Dense(2, use_bias=False)",
    "Dense(2, trainable=False)",
    'Dense(2, name="head")',
    "Dense(2, expect=6)",
    "Dense(2, expect=7)",
    "Conv2D(2, 1)",
    "Conv2D(2, (1, 1))",
    "Conv2D(2, 1.0)",
    "BatchNormalization()",
    "BatchNormalization(trainable=False)",
    "Flatten()",
    "Reshape((4, 1, 1))",
    "Dense(N)",
]


def _outcome(text: str) -> object:
    try:
        report = compute(text)
    except BlockError as error:
        return str(error)
    return [(r.name, r.shape, r.params, r.non_trainable, r.buffers) for r in report.rows], [
        str(e) for e in report.failed_claims
    ]


@pytest.mark.parametrize("warm", LAYER_POOL)
@pytest.mark.parametrize("layer", LAYER_POOL)
@pytest.mark.parametrize("input_shape", ["Input(4, 1, 1)", "Input(1, 4, 1)"])
def test_layers_computed_before_give_what_a_fresh_computation_gives(
    input_shape: str, layer: str, warm: str
) -> None:
    """Layers are remembered by kind, arguments and input (a speed-up); it never changes a result."""
    text = f"{input_shape}\n{layer}\n{layer}"
    fresh = _outcome(text)  # the fixture has cleared every memo
    memo.clear_all()
    _outcome(f"Input(4, 1, 1)\n{warm}")
    _outcome(f"Input(1, 4, 1)\n{warm}\n{layer}")
    assert _outcome(text) == fresh

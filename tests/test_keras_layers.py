"""The Keras dialect's layers one by one: shapes, counts, derivations and errors (test_oracles.py
checks the same layers against real Keras)."""

from __future__ import annotations

import pytest

from mkdocs_paramcalc.dialects.formula import LatexPrinter, MathMLPrinter, TextPrinter
from mkdocs_paramcalc.dialects.layers import CATALOGUE
from mkdocs_paramcalc.errors import BlockError, Location
from mkdocs_paramcalc.reading.options import Options, Settings
from mkdocs_paramcalc.report.model import Row
from mkdocs_paramcalc.values import symbol
from tests.helpers import block_error, compute


def row(layer: str, input_shape: str) -> Row:
    (only,) = compute(f"Input(shape={input_shape})\n{layer}").rows
    return only


def derivation(r: Row) -> tuple[str, str]:
    assert r.formula is not None
    return r.formula.render(TextPrinter(), numbers=False), r.formula.render(TextPrinter(), numbers=True)


@pytest.mark.parametrize(
    ("layer", "input_shape", "shape", "params"),
    [
        # Transposed convolutions: Keras' deconv_output_length, with and without output_padding.
        ("Conv2DTranspose(32, 3)", "(7, 7, 64)", (9, 9, 32), (9 * 64 + 1) * 32),
        ("Conv2DTranspose(32, 3, strides=2)", "(7, 7, 64)", (15, 15, 32), (9 * 64 + 1) * 32),
        ("Conv2DTranspose(32, 1, strides=3)", "(7, 7, 64)", (21, 21, 32), (64 + 1) * 32),
        ('Conv2DTranspose(32, 3, strides=2, padding="same")', "(7, 7, 64)", (14, 14, 32), 18_464),
        ('Conv2DTranspose(8, 4, strides=2, padding="same", output_padding=1)', "(7, 7, 2)", (13, 13, 8), 264),
        ("Conv2DTranspose(8, 3, strides=2, output_padding=1)", "(7, 7, 2)", (16, 16, 8), 152),
        ('Conv2DTranspose(8, 2, padding="same", output_padding=0)', "(7, 7, 2)", (6, 6, 8), 72),
        (
            'Conv2DTranspose(8, 3, dilation_rate=2, padding="same", output_padding=0)',
            "(7, 7, 2)",
            (7, 7, 8),
            152,
        ),
        ("Conv2DTranspose(8, 3, dilation_rate=2)", "(7, 7, 2)", (11, 11, 8), 152),
        ("Conv2DTranspose(8, (3, 1), strides=(2, 1), use_bias=False)", "(5, 6, 4)", (11, 6, 8), 96),
        ('Conv2DTranspose(8, 3, data_format="channels_first")', "(4, 5, 6)", (8, 7, 8), (36 + 1) * 8),
        ("Conv1DTranspose(16, 3, strides=2)", "(50, 32)", (101, 16), (3 * 32 + 1) * 16),
        ("Conv1DTranspose(16, 5, 3, 'same', 2)", "(50, 32)", (150, 16), (5 * 32 + 1) * 16),
        ("Conv3DTranspose(4, 2, 2, 'same', None, 1)", "(3, 4, 5, 2)", (5, 7, 9, 4), (8 * 2 + 1) * 4),
        # Depthwise: one kernel (or depth_multiplier of them) a channel, with its own bias.
        ("DepthwiseConv2D(3)", "(28, 28, 32)", (26, 26, 32), (9 + 1) * 32),
        ("DepthwiseConv2D(3, depth_multiplier=2, use_bias=False)", "(28, 28, 32)", (26, 26, 64), 9 * 64),
        ('DepthwiseConv2D(3, 2, "same", 3)', "(28, 28, 4)", (14, 14, 12), (9 + 1) * 12),
        ("DepthwiseConv2D(3, strides=2, dilation_rate=2)", "(20, 20, 3)", (8, 8, 3), 30),
        ("DepthwiseConv1D(5)", "(100, 16)", (96, 16), 6 * 16),
        # Separable: depthwise (no bias), then a 1×1 pointwise convolution with a bias a filter.
        ("SeparableConv2D(64, 3)", "(28, 28, 32)", (26, 26, 64), 9 * 32 + (32 + 1) * 64),
        ("SeparableConv2D(4, 3, depth_multiplier=2, use_bias=False)", "(9, 9, 3)", (7, 7, 4), 54 + 24),
        ("SeparableConv2D(4, 3, strides=2, dilation_rate=2)", "(20, 20, 3)", (8, 8, 4), 43),
        ('SeparableConv1D(8, 3, padding="same")', "(10, 4)", (10, 8), 12 + 5 * 8),
        # Global pooling.
        ("GlobalAveragePooling2D()", "(7, 7, 512)", (512,), 0),
        ("GlobalMaxPooling2D(keepdims=True)", "(7, 7, 512)", (1, 1, 512), 0),
        ('GlobalAveragePooling2D(data_format="channels_first", keepdims=True)', "(8, 7, 7)", (8, 1, 1), 0),
        ("GlobalMaxPooling1D()", "(100, 64)", (64,), 0),
        ('GlobalAveragePooling1D("channels_first")', "(64, 100)", (64,), 0),
        ("GlobalAveragePooling3D(keepdims=True)", "(4, 8, 8, 3)", (1, 1, 1, 3), 0),
        # Reshape.
        ("Reshape((28, 28, 1))", "(784,)", (28, 28, 1), 0),
        ("Reshape((-1, 8))", "(4, 4, 4)", (8, 8), 0),
        ("Reshape([-1])", "(4, 5, 6)", (120,), 0),
        ("Reshape(target_shape=(2, -1, 3))", "(4, 6)", (2, 4, 3), 0),
        # Padding and cropping, in the forms Keras takes.
        ("ZeroPadding2D()", "(28, 28, 3)", (30, 30, 3), 0),
        ("ZeroPadding2D(2)", "(28, 28, 3)", (32, 32, 3), 0),
        ("ZeroPadding2D((1, 2))", "(28, 28, 3)", (30, 32, 3), 0),
        ("ZeroPadding2D(((0, 1), (2, 3)))", "(28, 28, 3)", (29, 33, 3), 0),
        ("ZeroPadding2D((1, (2, 3)))", "(28, 28, 3)", (30, 33, 3), 0),
        ("ZeroPadding2D(-1)", "(28, 28, 3)", (26, 26, 3), 0),
        ('ZeroPadding2D(1, data_format="channels_first")', "(3, 28, 28)", (3, 30, 30), 0),
        ("ZeroPadding1D((1, 2))", "(10, 4)", (13, 4), 0),
        ("ZeroPadding3D()", "(4, 8, 8, 3)", (6, 10, 10, 3), 0),
        ("Cropping1D()", "(10, 4)", (8, 4), 0),
        ("Cropping2D(((2, 2), (4, 4)))", "(28, 28, 32)", (24, 20, 32), 0),
        ("Cropping2D(1)", "(28, 28, 32)", (26, 26, 32), 0),
        ("Cropping3D()", "(4, 8, 8, 3)", (2, 6, 6, 3), 0),
        ("UpSampling1D(3)", "(10, 4)", (30, 4), 0),
        ("UpSampling2D()", "(7, 7, 4)", (14, 14, 4), 0),
        ('UpSampling2D((1, 3), interpolation="BILINEAR")', "(7, 7, 4)", (7, 21, 4), 0),
        ("UpSampling3D()", "(2, 3, 4, 5)", (4, 6, 8, 5), 0),
        ("Permute((2, 1))", "(100, 16)", (16, 100), 0),
        ("Permute((3, 1, 2))", "(4, 5, 6)", (6, 4, 5), 0),
        ("RepeatVector(10)", "(32,)", (10, 32), 0),
        ("SpatialDropout1D(0.2)", "(100, 16)", (100, 16), 0),
        ('SpatialDropout2D(0.2, "channels_first")', "(3, 28, 28)", (3, 28, 28), 0),
        ("GaussianNoise(0.1)", "(10,)", (10,), 0),
        ("GaussianDropout(0.1)", "(10,)", (10,), 0),
        # Activations.
        ("LeakyReLU()", "(10,)", (10,), 0),
        ("LeakyReLU(alpha=0.2)", "(10,)", (10,), 0),
        ("ELU(0.5)", "(10,)", (10,), 0),
        ("PReLU()", "(26, 26, 32)", (26, 26, 32), 26 * 26 * 32),
        ("PReLU(shared_axes=[1, 2])", "(26, 26, 32)", (26, 26, 32), 32),
        ("PReLU(shared_axes=2)", "(10, 8)", (10, 8), 10),
        ("PReLU(shared_axes=(1, 2, 3))", "(4, 5, 6)", (4, 5, 6), 1),
        # Normalization.
        ("LayerNormalization()", "(100, 64)", (100, 64), 128),
        ("LayerNormalization(center=False)", "(100, 64)", (100, 64), 64),
        ("LayerNormalization(center=False, scale=False)", "(100, 64)", (100, 64), 0),
        ("LayerNormalization(axis=[1, 2])", "(4, 5, 6)", (4, 5, 6), 2 * 4 * 5),
        ("LayerNormalization(axis=(1, -1))", "(4, 5, 6)", (4, 5, 6), 2 * 4 * 6),
        ("LayerNormalization(rms_scaling=True)", "(4, 5, 6)", (4, 5, 6), 6),
        ("LayerNormalization(scale=False, center=False, rms_scaling=True)", "(4, 5, 6)", (4, 5, 6), 6),
        ("GroupNormalization()", "(26, 26, 64)", (26, 26, 64), 128),
        ("GroupNormalization(groups=-1, center=False)", "(26, 26, 6)", (26, 26, 6), 6),
        ("GroupNormalization(2, axis=1)", "(4, 5, 6)", (4, 5, 6), 8),
        ("UnitNormalization(axis=(1, 2))", "(4, 5, 6)", (4, 5, 6), 0),
        # Sequences.
        ("Embedding(10000, 64)", "(200,)", (200, 64), 640_000),
        ("Embedding(100, 8, mask_zero=True)", "(10, 3)", (10, 3, 8), 800),
        ("SimpleRNN(32)", "(50, 16)", (32,), 32 * (16 + 32) + 32),
        ("SimpleRNN(32, return_sequences=True, use_bias=False)", "(50, 16)", (50, 32), 32 * (16 + 32)),
        ("LSTM(64)", "(50, 16)", (64,), 4 * (64 * (16 + 64) + 64)),
        ("LSTM(64, return_sequences=True, unit_forget_bias=False)", "(50, 16)", (50, 64), 20_736),
        ("LSTM(3, dropout=1.5)", "(4, 5)", (3,), 108),
        ("GRU(64)", "(50, 16)", (64,), 3 * (64 * (16 + 64) + 2 * 64)),
        ("GRU(64, reset_after=False)", "(50, 16)", (64,), 3 * (64 * (16 + 64) + 64)),
        ("GRU(64, use_bias=False, go_backwards=True)", "(50, 16)", (64,), 3 * 64 * (16 + 64)),
        # Preprocessing: Normalization's mean, variance and count (2 × C + 1), none once given.
        ("Rescaling(1./255)", "(180, 180, 3)", (180, 180, 3), 0),
        ("Rescaling(1 / 127.5, offset=-1)", "(180, 180, 3)", (180, 180, 3), 0),
        ("Rescaling((1, 2, 3))", "(4, 5, 3)", (4, 5, 3), 0),
        ("Normalization()", "(180, 180, 3)", (180, 180, 3), 7),
        ("Normalization()", "(10,)", (10,), 21),
        ("Normalization(axis=None)", "(4, 5, 3)", (4, 5, 3), 3),
        ("Normalization(axis=(1, 2))", "(4, 5, 3)", (4, 5, 3), 41),
        ("Normalization(axis=[1, -1])", "(4, 5, 3)", (4, 5, 3), 25),
        ("Normalization(mean=(0.5, 0.4, 0.3), variance=(1, 1, 1))", "(4, 5, 3)", (4, 5, 3), 0),
        ("Normalization(mean=0.5, variance=0.25, invert=True)", "(4, 5, 3)", (4, 5, 3), 0),
        ("Resizing(128, 64)", "(180, 180, 3)", (128, 64, 3), 0),
        ('Resizing(8, 6, data_format="channels_first")', "(3, 20, 20)", (3, 8, 6), 0),
        ("Resizing(8, 6, crop_to_aspect_ratio=True)", "(20, 20, 3)", (8, 6, 3), 0),
        ("CenterCrop(160, 150)", "(180, 180, 3)", (160, 150, 3), 0),
        ("CenterCrop(30, 12)", "(28, 28, 3)", (30, 12, 3), 0),
        ("RandomCrop(10, 12)", "(28, 28, 3)", (10, 12, 3), 0),
        ('RandomCrop(10, 12, data_format="channels_first")', "(3, 28, 28)", (3, 10, 12), 0),
        # Augmentation: each keeps the shape of the image.
        ('RandomFlip("horizontal")', "(180, 180, 3)", (180, 180, 3), 0),
        ("RandomRotation(0.1)", "(180, 180, 3)", (180, 180, 3), 0),
        ("RandomRotation((0.3, -0.2))", "(180, 180, 3)", (180, 180, 3), 0),
        ("RandomZoom(0.1)", "(180, 180, 3)", (180, 180, 3), 0),
        ("RandomZoom((-0.3, 1), width_factor=0.5)", "(180, 180, 3)", (180, 180, 3), 0),
        ("RandomTranslation(-1, (0.1, 0.2))", "(180, 180, 3)", (180, 180, 3), 0),
        ("RandomContrast((-0.5, 0.2))", "(180, 180, 3)", (180, 180, 3), 0),
        ("RandomBrightness(0.2, value_range=(0, 1))", "(180, 180, 3)", (180, 180, 3), 0),
        ("Identity()", "(5, 6)", (5, 6), 0),
        # Your own.
        ('Custom(params="(5*5*3 + 1) * 6", output=(28, 28, 6))', "(32, 32, 3)", (28, 28, 6), 456),
        ('Custom(params="0")', "(32, 32, 3)", (32, 32, 3), 0),
        ("Custom()", "(32, 32, 3)", (32, 32, 3), 0),
        ("Custom(params=1000, output=10)", "(32,)", (10,), 1000),
        ('Custom(params="2**10 - 24", output=(10,))', "(32,)", (10,), 1000),
        ('Custom(params="3 * (4 - 1) / 9 + -1.0 + +2")', "(32,)", (32,), 2),
    ],
)
def test_layer(layer: str, input_shape: str, shape: tuple[int, ...], params: int) -> None:
    r = row(layer, input_shape)
    assert (r.shape, r.params) == (shape, params)


@pytest.mark.parametrize(
    ("layer", "input_shape", "general", "numbers"),
    [
        (
            "Conv2DTranspose(32, 3)",
            "(7, 7, 64)",
            "((Height × Width × Depth) + bias) × N_f",
            "((3 × 3 × 64) + 1) × 32",
        ),
        ("DepthwiseConv2D(3)", "(28, 28, 32)", "((Height × Width) + bias) × Depth", "((3 × 3) + 1) × 32"),
        (
            "DepthwiseConv2D(3, depth_multiplier=2, use_bias=False)",
            "(28, 28, 32)",
            "(Height × Width) × Depth × Multiplier",
            "(3 × 3) × 32 × 2",
        ),
        ("DepthwiseConv1D(5)", "(100, 16)", "(Length + bias) × Depth", "(5 + 1) × 16"),
        (
            "SeparableConv2D(64, 3)",
            "(28, 28, 32)",
            "(Height × Width × Depth) + ((Depth + bias) × N_f)",
            "(3 × 3 × 32) + ((32 + 1) × 64)",
        ),
        (
            "SeparableConv2D(4, 3, depth_multiplier=2, use_bias=False)",
            "(9, 9, 3)",
            "(Height × Width × Depth × Multiplier) + ((Depth × Multiplier) × N_f)",
            "(3 × 3 × 3 × 2) + ((3 × 2) × 4)",
        ),
        ("LayerNormalization()", "(100, 64)", "2 × Features", "2 × 64"),
        ("LayerNormalization(axis=[2, 3])", "(4, 5, 6)", "2 × (Width × Channels)", "2 × (5 × 6)"),
        ("LayerNormalization(rms_scaling=True)", "(4, 5, 6)", "Channels", "6"),
        ("GroupNormalization(8)", "(26, 26, 32)", "2 × Channels", "2 × 32"),
        ("Normalization()", "(180, 180, 3)", "2 × Channels + count", "2 × 3 + 1"),
        ("Normalization(axis=(1, 2))", "(4, 5, 3)", "2 × (Height × Width) + count", "2 × (4 × 5) + 1"),
        ("Normalization(axis=None)", "(4, 5, 3)", "2 × 1 + count", "2 × 1 + 1"),
        ("PReLU()", "(26, 26, 32)", "Height × Width × Channels", "26 × 26 × 32"),
        ("PReLU(shared_axes=[1, 2])", "(26, 26, 32)", "Channels", "32"),
        ("Embedding(10000, 64)", "(200,)", "Vocabulary × Dimensions", "10000 × 64"),
        ("SimpleRNN(32)", "(50, 16)", "(Features + Units + bias) × Units", "(16 + 32 + 1) × 32"),
        ("LSTM(64)", "(50, 16)", "4 × ((Features + Units + bias) × Units)", "4 × ((16 + 64 + 1) × 64)"),
        (
            "GRU(64)",
            "(50, 16)",
            "3 × ((Features + Units + 2 × bias) × Units)",
            "3 × ((16 + 64 + 2 × 1) × 64)",
        ),
        ("GRU(8, use_bias=False)", "(5, 4)", "3 × ((Features + Units) × Units)", "3 × ((4 + 8) × 8)"),
        ('Custom(params="(5*5*3 + 1) * 6")', "(32, 32, 3)", "(5 × 5 × 3 + 1) × 6", "(5 × 5 × 3 + 1) × 6"),
        ('Custom(params="k**2 * C * F + F")', "(8,)", "k ^ 2 × C × F + F", "k ^ 2 × C × F + F"),
        ('Custom(params="(a + b) * (c - d) - (e - f)")', "(8,)", "(a + b) × (c − d) − (e − f)", None),
        ('Custom(params="a / (b * c) * (d / e)")', "(8,)", "a / (b × c) × (d / e)", None),
        ('Custom(params="(a + 1) ** (2 + 1) * b + -a")', "(8,)", "(a + 1) ^ (2 + 1) × b + -1 × a", None),
    ],
)
def test_derivation(layer: str, input_shape: str, general: str, numbers: str | None) -> None:
    assert derivation(row(layer, input_shape)) == (general, general if numbers is None else numbers)


def test_custom_formula_prints_as_math() -> None:
    r = row('Custom(params="2**10 * N_f - 24")', "(8,)")
    assert r.formula is not None
    latex = r.formula.render(LatexPrinter(), numbers=False)
    assert latex == r"2^{10} \times N_{f} - 24"
    mathml = r.formula.render(MathMLPrinter(), numbers=False)
    assert mathml.startswith("<msup><mrow><mn>2</mn></mrow><mrow><mn>10</mn></mrow></msup><mo>×</mo>")
    assert r.params == 1024 * symbol("N_f") - 24


def test_custom_symbolic_count_and_shape() -> None:
    report = compute('Input(H, W, 3)\nCustom(params="k*k*3*F + F", output=(H, W, F), name="My layer")')
    (r,) = report.rows
    k, f, h, w = (symbol(s) for s in "kFHW")
    assert r.params == k * k * 3 * f + f
    assert r.shape == (h, w, f)
    assert r.name == "My layer"


def test_custom_frozen() -> None:
    report = compute('Input(8)\nCustom(params="100", trainable=False)\nDense(2)')
    assert (report.total, report.trainable, report.non_trainable) == (118, 18, 100)


def test_rnn_and_norm_split() -> None:
    report = compute("Input(10, 8)\nLSTM(4, trainable=False)\nLayerNormalization()\nGroupNormalization(2)")
    assert [r.non_trainable for r in report.rows] == [208, 0, 0]
    assert report.trainable == 8 + 8


def test_symbolic_sequence_model() -> None:
    report = compute("Input(T)\nEmbedding(V, D)\nLSTM(U)\nDense(1)")
    t, v, d, u = (symbol(s) for s in ("T", "V", "D", "U"))
    embedding, lstm, dense = report.rows
    assert embedding.shape == (t, d)
    assert embedding.params == v * d
    assert lstm.params == 4 * ((d + u + 1) * u)
    assert dense.params == u + 1


def test_symbolic_reshape_when_provable() -> None:
    h, w = symbol("H"), symbol("W")
    report = compute("Input(H, W, 8)\nReshape((-1, 4))\nReshape((H, W, 8))\nReshape((H * W * 8,))")
    assert [r.shape for r in report.rows] == [(2 * h * w, 4), (h, w, 8), (8 * h * w,)]


def test_symbolic_conv_transpose() -> None:
    (r,) = compute('Input(H, 8, 3)\nConv2DTranspose(4, k, strides=2, padding="valid")').rows
    h, k = symbol("H"), symbol("k")
    assert r.params == (k * k * 3 + 1) * 4
    assert str(r.shape[1]) == "Max(2, k) + 14"
    assert (r.shape[0] - 2 * h).subs(k, 3) == 1


@pytest.mark.parametrize(
    ("text", "words", "hint", "where"),
    [
        # Transposed convolutions.
        (
            "Input(7, 7, 2)\nConv2DTranspose(3, 3, strides=2, output_padding=2)",
            "`output_padding` must be less than `strides` on every axis, got 2 with strides (2, 2)",
            "0 to strides - 1",
            Location(2, 34),
        ),
        (
            "Input(7, 7, 2)\nConv2DTranspose(3, 3, output_padding=(0, 1))",
            "`output_padding` must be less than `strides`",
            "",
            Location(2, 23),
        ),
        (
            "Input(7, 7, 2)\nConv2DTranspose(3, 3, strides=2, output_padding=-1)",
            "`output_padding` takes whole numbers ≥ 0, got -1",
            "",
            Location(2, 34),
        ),
        (
            "Input(7, 7, 2)\nConv2DTranspose(3, 3, strides=2, dilation_rate=2)",
            "Keras cannot combine `strides` > 1 with `dilation_rate` > 1",
            "use one or the other",
            Location(2, 34),
        ),
        (
            "Input(7, 2)\nConv1DTranspose(3, 3, padding='causal')",
            '`padding` must be "valid" or "same"',
            "",
            None,
        ),
        ("Input(7, 7, 2)\nConv2DTranspose(3, 3, groups=2)", "has no argument `groups`", "", Location(2, 23)),
        (
            "Input(7, 2)\nConv2DTranspose(3, 3)",
            "needs a 3-D input (height, width, channels), got (7, 2)",
            "",
            None,
        ),
        # Depthwise and separable.
        (
            "Input(7, 2)\nDepthwiseConv1D(3, padding='causal')",
            '`padding` must be "valid" or "same"',
            "",
            None,
        ),
        (
            "Input(9, 9, 2)\nDepthwiseConv2D(3, depth_multiplier=0)",
            "`depth_multiplier` must be at least 1",
            "",
            None,
        ),
        (
            "Input(9, 9, 2)\nDepthwiseConv2D(11)",
            "the 11×11 kernel does not fit its 9×9 input",
            "padding",
            None,
        ),
        ("Input(9, 9, 2)\nSeparableConv2D(0, 3)", "`filters` must be at least 1, got 0", "", Location(2, 17)),
        (
            "Input(9, 2)\nSeparableConv1D(4, 3, padding='causal')",
            '`padding` must be "valid" or "same"',
            "",
            None,
        ),
        # Global pooling.
        (
            "Input(10, 4)\nGlobalAveragePooling2D()",
            "global_average_pooling2d: needs a 3-D input (height, width, channels), got (10, 4)",
            "Reshape",
            Location(2, 1),
        ),
        (
            "Input(10, 10, 4)\nGlobalMaxPooling2D(data_format='nhwc')",
            '`data_format` must be "channels_last" or "channels_first", got \'nhwc\'',
            "",
            Location(2, 20),
        ),
        (
            "Input(10, 10, 4)\nGlobalMaxPooling2D(keepdims=1)",
            "`keepdims` must be True or False, got 1",
            "",
            None,
        ),
        # Reshape.
        (
            "Input(12, 12, 64)\nReshape((100, 100))",
            "`target_shape` (100, 100) holds 10,000 values, but the (12, 12, 64) input has 9,216",
            "the two products must be equal",
            Location(2, 9),
        ),
        (
            "Input(10, 10)\nReshape((-1, 7))",
            "cannot fill (-1, 7) from the (10, 10) input: its 100 values are not a multiple of 7",
            "",
            None,
        ),
        ("Input(10, 10)\nReshape((-1, -1))", "and -1 once", "", None),
        ("Input(10, 10)\nReshape((0, -1))", "takes positive whole numbers", "", None),
        ("Input(10, 10)\nReshape((2.5, 40))", "takes positive whole numbers", "", None),
        (
            "Input(10, 10)\nReshape(100)",
            "`target_shape` must be a tuple of sizes, got 100",
            "write (100,)",
            None,
        ),
        (
            "Input(H, W)\nReshape((10, 10))",
            "cannot check that the (H, W) input (H·W values) fits (10, 10): the sizes are formulas",
            "give the input sizes numbers",
            None,
        ),
        ("Input(H, W)\nReshape((-1, 3))", "cannot check that the (H, W) input", "write every size", None),
        (
            "Input(H, W)\nReshape((H * W + 1,))",
            "holds H·W + 1 values, but the (H, W) input has H·W",
            "",
            None,
        ),
        # Padding and cropping.
        ("Input(10, 4)\nZeroPadding1D(-1)", "`padding` takes whole numbers ≥ 0, got -1", "", Location(2, 15)),
        (
            "Input(10, 4)\nZeroPadding1D(((1, 2),))",
            "`padding` needs an int or 2 ints (before, after)",
            "",
            None,
        ),
        (
            "Input(8, 8, 4)\nZeroPadding2D((1, 1, 1))",
            "needs an int, 2 ints (one an axis) or 2 pairs",
            "",
            None,
        ),
        ("Input(8, 8, 4)\nZeroPadding2D(((1, -1), (0, 0)))", "takes whole numbers ≥ 0, got -1", "", None),
        (
            "Input(8, 8, 4)\nZeroPadding2D(((1, 2, 3), 0))",
            "each entry of `padding` is an int or a pair",
            "",
            None,
        ),
        ("Input(8, 8, 4)\nZeroPadding2D(-4)", "`padding` -4 leaves nothing of an axis of 8", "", None),
        ("Input(4, 5, 6)\nCropping2D(((2, 2), (0, 0)))", "leaves nothing of an axis of 4", "crop less", None),
        ("Input(4, 5)\nCropping1D((2, 2))", "`cropping` (2, 2) leaves nothing of an axis of 4", "", None),
        ("Input(4, 5, 6)\nCropping2D(-1)", "`cropping` takes whole numbers ≥ 0, got -1", "", None),
        ("Input(4, 5)\nUpSampling1D((2,))", "`size` must be a whole number, got (2,)", "", None),
        ("Input(4, 5, 6)\nUpSampling2D(0)", "`size` takes whole numbers ≥ 1, got 0", "", None),
        (
            "Input(4, 5, 6)\nUpSampling2D(interpolation='area')",
            '`interpolation` must be "nearest" or',
            "",
            None,
        ),
        ("Input(4, 5, 6)\nPermute((1, 3))", "`dims` must order the axes 1 to n", "Permute((2, 1))", None),
        (
            "Input(4, 5, 6)\nPermute((2, 1))",
            "needs a 2-D input (one axis for each entry of `dims`)",
            "",
            None,
        ),
        ("Input(4, 5)\nRepeatVector(3)", "needs a 1-D input (features), got (4, 5)", "Flatten", None),
        ("Input(4)\nRepeatVector(0)", "`n` must be at least 1", "", None),
        ("Input(4, 5)\nSpatialDropout2D(0.5)", "needs a 3-D input", "", None),
        ("Input(4)\nGaussianNoise(2.0)", "`stddev` must be a number from 0 to 1, got 2.0", "", None),
        # Activations.
        ("Input(4)\nLeakyReLU(-0.1)", "`negative_slope` must be a number ≥ 0, got -0.1", "", Location(2, 11)),
        ("Input(4)\nLeakyReLU(None)", "`negative_slope` must be a number ≥ 0, got None", "", None),
        ("Input(4)\nELU(None)", "`alpha` must be a number, got None", "", None),
        ("Input(4, 5, 6)\nPReLU(shared_axes=4)", "`shared_axes` takes axes of the input (4, 5, 6)", "", None),
        (
            "Input(4, 5, 6)\nPReLU(shared_axes=[-1])",
            "counted from 1 to 3, got (-1,)",
            "before the last",
            None,
        ),
        ("Input(4, 5, 6)\nPReLU(shared_axes=0)", "got 0", "0 is the batch", None),
        # Normalization.
        ("Input(4, 5, 6)\nLayerNormalization(axis=0)", "(0 is the batch)", "", Location(2, 20)),
        ("Input(4, 5, 6)\nLayerNormalization(axis=[3, -1])", "names the same axis twice: (3, -1)", "", None),
        ("Input(4, 5, 6)\nLayerNormalization(axis=())", "`axis` names no axis", "axis=-1", None),
        (
            "Input(4, 5, 6)\nLayerNormalization(rms_scaling=1)",
            "`rms_scaling` must be True or False",
            "",
            None,
        ),
        (
            "Input(4, 5, 6)\nGroupNormalization(4)",
            "the 6 channels do not divide evenly into 4 groups",
            "",
            None,
        ),
        ("Input(4, 5, 6)\nGroupNormalization(12)", "12 groups are more than the 6 channels", "fewer", None),
        ("Input(4, 5, 6)\nGroupNormalization(0)", "`groups` must be a whole number ≥ 1, or -1", "", None),
        ("Input(4, 5, 6)\nUnitNormalization(axis=[1, 1])", "names the same axis twice", "", None),
        # Sequences.
        ("Input(10)\nEmbedding(0, 4)", "`input_dim` must be at least 1, got 0", "", None),
        ("Input(10)\nEmbedding(10, 4, lora_rank=2)", "LoRA adapters are not counted yet", "", None),
        (
            "Input(10, 10, 3)\nLSTM(4)",
            "lstm: needs a 2-D input (timesteps, features), got (10, 10, 3)",
            "an Embedding gives one",
            Location(2, 1),
        ),
        ("Input(10)\nSimpleRNN(4)", "needs a 2-D input (timesteps, features), got (10)", "", None),
        ("Input(10, 8)\nGRU(0)", "`units` must be at least 1, got 0", "", None),
        ("Input(10, 8)\nLSTM(4, activation='Tanh')", "unknown activation 'Tanh'", "lower case", None),
        (
            "Input(10, 8)\nGRU(4, recurrent_activation='sigmod')",
            "unknown activation 'sigmod'",
            "sigmoid",
            None,
        ),
        (
            "Input(10, 8)\nLSTM(4, return_state=True)",
            "`return_state=True` adds the final states as extra outputs",
            "it changes no count",
            Location(2, 9),
        ),
        ("Input(10, 8)\nLSTM(4, stateful=True)", "`stateful=True` needs a fixed batch size", "", None),
        ("Input(10, 8)\nLSTM(4, dropout='x')", "`dropout` must be a number, got 'x'", "", None),
        ("Input(10, 8)\nLSTM(4, return_sequence=True)", "has no argument", "return_sequences", None),
        (
            "Input(10, 8)\nLSTM(4, 'tanh', 'sigmoid', True, 'glorot_uniform')",
            "takes at most 4 positional arguments",
            "",
            Location(2, 34),
        ),
        ("Input(10, 8)\nGRU(4, reset_after=None)", "`reset_after` must be True or False", "", None),
        # Your own.
        (
            "Input(10)\nCustom(params=\"__import__('os')\")",
            "could not read the formula",
            "write the count with numbers",
            Location(2, 8),
        ),
        (
            'Input(10)\nCustom(params="1.5 * 2")',
            "`params` uses 1.5; a count is made of whole numbers",
            "",
            None,
        ),
        ('Input(10)\nCustom(params="7 / 2 * 2")', "7 / 2 is not a whole number", "exact", None),
        ('Input(10)\nCustom(params="10 // 3")', "`params` cannot use '10 // 3' in a count", "", None),
        (
            'Input(10)\nCustom(params="2 ** -1")',
            "exponents in params are whole numbers ≥ 0, got -1",
            "",
            None,
        ),
        # Preprocessing and augmentation.
        ("Input(28, 28, 3)\nRescaling((1, 2))", "`scale` has 2 numbers", "one a channel", Location(2, 11)),
        ("Input(28, 28, 3)\nRescaling('a')", "`scale` must be a number", "1./255", None),
        ("Input(28, 28, 3)\nRescaling(2, offset=None)", "`offset` must be a number", "", None),
        ("Input(28, 28, 3)\nNormalization(mean=0.5)", "`mean` is given without `variance`", "both", None),
        (
            "Input(28, 28, 3)\nNormalization(mean=(1, 2, 3), variance=(1, 2))",
            "`mean` and `variance` must have the same shape",
            "",
            None,
        ),
        (
            "Input(28, 28, 3)\nNormalization(mean=(1, 2), variance=(1, 2))",
            "`mean` has 2 numbers where the input (28, 28, 3) has 3",
            "",
            None,
        ),
        (
            "Input(28, 28, 3)\nNormalization(axis=None, mean=(1, 2, 3), variance=(1, 2, 3))",
            "more than the 0 that `axis` keeps",
            "",
            None,
        ),
        ("Input(28, 28, 3)\nNormalization(mean=((1,), 2), variance=1)", "a regular tuple", "", None),
        ("Input(28, 28, 3)\nNormalization(axis=0)", "`axis` must be an axis", "", None),
        ("Input(28, 28, 3)\nNormalization(axis=[1, -3])", "names the same axis twice", "", None),
        ("Input(28, 28, 3)\nResizing(0, 12)", "`height` must be at least 1", "", Location(2, 10)),
        (
            "Input(28, 28, 3)\nResizing(10, 12, crop_to_aspect_ratio=True, pad_to_aspect_ratio=True)",
            "only one of",
            "not both",
            None,
        ),
        ('Input(28, 28, 3)\nResizing(10, 12, fill_mode="reflect")', "`fill_mode` must be", "", None),
        ('Input(28, 28, 3)\nResizing(10, 12, interpolation="area")', "`interpolation` must be", "", None),
        ("Input(28, 3)\nResizing(10, 12)", "needs a 3-D input (height, width, channels)", "Reshape", None),
        ("Input(4, 28, 28, 3)\nRandomCrop(10, 12)", "needs a 3-D input", "", None),
        ("Input(28, 28, 3)\nCenterCrop(10, 0)", "`width` must be at least 1", "", None),
        ("Input(28)\nRandomFlip()", "needs a 3-D input", "", None),
        ('Input(28, 28, 3)\nRandomFlip("sideways")', "`mode` must be", "", None),
        ('Input(28, 28, 3)\nRandomFlip("HORIZONTAL")', "`mode` must be", 'did you mean "horizontal"?', None),
        ("Input(28, 28, 3)\nRandomRotation(2)", "`factor` must be a number from -1", "", Location(2, 16)),
        ("Input(28, 28, 3)\nRandomRotation((0.3,))", "`factor` must be a number", "", None),
        ('Input(28, 28, 3)\nRandomRotation(0.1, fill_mode="foo")', "`fill_mode` must be", "", None),
        ('Input(28, 28, 3)\nRandomZoom(0.1, interpolation="bicubic")', "`interpolation` must be", "", None),
        ("Input(28, 28, 3)\nRandomZoom(-1)", "greater than -1 and at most 1", "", None),
        ("Input(28, 28, 3)\nRandomZoom(0.1, width_factor=1.2)", "`width_factor` must be", "", None),
        ("Input(28, 28, 3)\nRandomTranslation(0.1, 1.2)", "`width_factor` must be a number from", "", None),
        ("Input(28, 28, 3)\nRandomTranslation(0.1, (1, 2, 3))", "`width_factor` must be", "", None),
        ("Input(28, 28, 3)\nRandomContrast(-0.2)", "`factor` must be a number from 0 to 1", "", None),
        ("Input(28, 28, 3)\nRandomContrast((0.2, -0.5))", "`factor` must be a number from 0 to 1", "", None),
        ("Input(28, 28, 3)\nRandomBrightness(-1.2)", "`factor` must be a number from -1 to 1", "", None),
        ("Input(28, 28, 3)\nRandomBrightness(0.2, value_range=1)", "`value_range` must be a pair", "", None),
        ("Input(10)\nIdentity(3)", "takes at most 0 positional arguments", "", None),
        ('Input(10)\nCustom(params="5 - 10")', "`params` gives -5, a negative count", "", None),
        ('Input(10)\nCustom(params="(1, 2)")', "`params` must be a formula for a number", "", None),
        ("Input(10)\nCustom(params=\"'abc'\")", "`params` must be a formula for a number", "", None),
        ("Input(10)\nCustom(params=(1, 2))", "`params` must be a formula in quotes or a number", "", None),
        (
            "Input(10)\nCustom(params=10, output=(0, 3))",
            "`output` must be a shape of positive whole",
            "",
            None,
        ),
        ("Input(10)\nCustom(params=10, output=())", "`output` is an empty shape", "", None),
        (f'Input(10)\nCustom(params="{"9" * 40}")', "too large", "", None),
    ],
)
def test_errors(text: str, words: str, hint: str, where: Location | None) -> None:
    error = block_error(text)
    assert words in error.message
    assert hint in error.hint
    if where is not None:
        assert error.where == where


def test_errors_name_the_layer() -> None:
    assert block_error("Input(10, 8)\nLSTM(4, stateful=True, name='encoder')").message.startswith("encoder: ")
    assert block_error("Input(4, 5, 6)\nGroupNormalization(4)").message.startswith("group_normalization: ")


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("ConvTranspose2d", "Conv2DTranspose"),
        ("GroupNorm", "GroupNormalization"),
        ("ZeroPad2d", "ZeroPadding2D"),
        ("Dropout2d", "SpatialDropout2D"),
        ("AdaptiveAvgPool1d", "GlobalAveragePooling1D"),
        ("Lambda", "Custom"),
        ("Normalisation", "Normalization"),
        ("RandomHorizontalFlip", "RandomFlip"),
        ("Resize", "Resizing"),
        ("lstm", "LSTM"),
    ],
)
def test_names_from_elsewhere_get_a_hint(typed: str, meant: str) -> None:
    keras = Options(Settings(), framework="keras", framework_given=True)
    with pytest.raises(BlockError) as info:
        compute(f"Input(8, 8, 4)\n{typed}(4)", keras)
    error = info.value
    assert error.hint.startswith(f"did you mean `{meant}`?")


@pytest.mark.parametrize(
    ("alias", "kind", "block"),
    [
        ("MaxPool2D", "MaxPooling2D", "Input(8, 8, 4)\nMaxPool2D()"),
        ("GlobalAvgPool2D", "GlobalAveragePooling2D", "Input(8, 8, 4)\nGlobalAvgPool2D()"),
        ("Convolution2D", "Conv2D", "Input(8, 8, 4)\nConvolution2D(2, 3)"),
        ("Convolution2DTranspose", "Conv2DTranspose", "Input(8, 8, 4)\nConvolution2DTranspose(2, 3)"),
    ],
)
def test_keras_own_aliases_are_accepted(alias: str, kind: str, block: str) -> None:
    row = compute(block).rows[0]
    assert row.kind == kind
    assert compute(block.replace(alias, kind)).rows[0] == row


FAMILIES = {
    "convolution": {"Conv2DTranspose", "DepthwiseConv2D", "SeparableConv1D"},
    "pooling": {"GlobalAveragePooling1D", "GlobalMaxPooling3D"},
    "dense and shape": {"Reshape", "ZeroPadding2D", "Cropping2D", "Permute", "UpSampling2D", "Identity"},
    "activation": {"ReLU", "PReLU", "LeakyReLU", "ELU", "Softmax", "Activation"},
    "normalization": {"LayerNormalization", "GroupNormalization", "UnitNormalization"},
    "sequence": {"Embedding", "SimpleRNN", "LSTM", "GRU"},
    "attention": {"MultiHeadAttention"},
    "your own": {"Custom"},
    "preprocessing and augmentation": {
        "Rescaling",
        "Normalization",
        "Resizing",
        "CenterCrop",
        "RandomCrop",
        "RandomFlip",
        "RandomRotation",
        "RandomZoom",
        "RandomTranslation",
        "RandomContrast",
        "RandomBrightness",
    },
}


@pytest.mark.parametrize("family", list(FAMILIES))
def test_families(family: str) -> None:
    assert {name for name, kind in CATALOGUE.items() if kind.family == family} >= FAMILIES[family]


def test_every_family_is_known() -> None:
    assert {kind.family for kind in CATALOGUE.values()} == set(FAMILIES)


def test_keras_default_names_of_new_layers() -> None:
    report = compute(
        "Input(8, 8, 4)\nConv2DTranspose(4, 3)\nDepthwiseConv2D(3)\nSeparableConv2D(4, 3)\nPReLU()\n"
        "LeakyReLU()\nZeroPadding2D()\nGlobalAveragePooling2D()\nRepeatVector(3)\nSimpleRNN(2)"
    )
    assert [r.name for r in report.rows] == [
        "conv2d_transpose",
        "depthwise_conv2d",
        "separable_conv2d",
        "p_re_lu",
        "leaky_re_lu",
        "zero_padding2d",
        "global_average_pooling2d",
        "repeat_vector",
        "simple_rnn",
    ]


def test_normalization_statistics_are_not_trained() -> None:
    """Keras counts the mean, variance and count an adapted Normalization holds: non-trainable."""
    report = compute("Input(180, 180, 3)\nNormalization()\nConv2D(4, 3)")
    assert (report.total, report.trainable, report.non_trainable) == (7 + 112, 112, 7)
    assert report.rows[0].name == "normalization"


def test_identity_is_a_keras_layer_too() -> None:
    """Keras 3 has Identity: a block of Keras layers takes it, a PyTorch one too."""
    assert compute("Input(8, 8, 3)\nConv2D(4, 3)\nIdentity()").rows[1].name == "identity"
    assert compute("Input(8, 8, 3)\nRescaling(1./255)\nIdentity()").framework == "keras"


def test_normalization_is_no_longer_mistaken_for_unit_normalization() -> None:
    keras = Options(Settings(), framework="keras", framework_given=True)
    (r,) = compute("Input(10)\nNormalization()", keras).rows
    assert r.kind == "Normalization"
    with pytest.raises(BlockError) as info:
        compute("Input(10)\nNormalisation()", keras)
    assert "UnitNormalization" not in info.value.hint


def test_a_symbolic_image_keeps_its_channels() -> None:
    h, w = symbol("H"), symbol("W")
    report = compute('Input(H, W, 3)\nRandomFlip("horizontal")\nResizing(64, 64)\nNormalization()')
    assert [r.shape for r in report.rows] == [(h, w, 3), (64, 64, 3), (64, 64, 3)]
    assert report.non_trainable == 7

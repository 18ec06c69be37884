"""The PyTorch dialect: shapes, counts, buffers, declared sizes, derivations and messages.

tests/test_oracles_torch.py proves the same numbers against real torch.nn modules; these
tests pin them down without torch installed, with the words of every message.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from mkdocs_paramcalc.dialects.layers import CATALOGUES
from mkdocs_paramcalc.errors import BlockError, Location
from mkdocs_paramcalc.reading.options import Options, Setting, Settings, parse_options
from mkdocs_paramcalc.report.model import Report
from mkdocs_paramcalc.writers.html import text_formula
from tests.helpers import block_error, compute

PYTORCH = Options(Settings(), framework="pytorch", framework_given=True)
KERAS = Options(Settings(), framework="keras", framework_given=True)

LESSON = """\
Input(1, 28, 28)
nn.Conv2d(1, 32, 3)
nn.ReLU()
nn.Conv2d(32, 64, 3)
nn.ReLU()
nn.MaxPool2d(2)
nn.Flatten()
nn.Linear(9216, 128)
nn.ReLU()
nn.Linear(128, 10)
"""


def torch_block(text: str) -> Report:
    return compute(text, PYTORCH)


def fails(text: str, options: Options | None = PYTORCH) -> BlockError:
    return block_error(text, options)


def test_the_lesson_in_pytorch() -> None:
    report = compute(LESSON)
    assert report.framework == "pytorch"
    assert [(r.name, r.shape, r.params) for r in report.rows] == [
        ("Conv2d-1", (32, 26, 26), 320),
        ("ReLU-2", (32, 26, 26), 0),
        ("Conv2d-3", (64, 24, 24), 18_496),
        ("ReLU-4", (64, 24, 24), 0),
        ("MaxPool2d-5", (64, 12, 12), 0),
        ("Flatten-6", (9216,), 0),
        ("Linear-7", (128,), 1_179_776),
        ("ReLU-8", (128,), 0),
        ("Linear-9", (10,), 1_290),
    ]
    assert (report.total, report.trainable, report.non_trainable, report.buffers) == (
        1_199_882,
        1_199_882,
        0,
        0,
    )


@pytest.mark.parametrize(
    ("layer", "input_shape", "shape", "params", "buffers"),
    [
        # convolutions
        ("Conv2d(3, 16, 3)", "(3, 32, 32)", (16, 30, 30), 448, 0),
        ("Conv2d(3, 16, 3, padding=1)", "(3, 32, 32)", (16, 32, 32), 448, 0),
        ('Conv2d(3, 16, 3, padding="same")', "(3, 32, 32)", (16, 32, 32), 448, 0),
        ('Conv2d(3, 16, 4, padding="same", dilation=2)', "(3, 9, 7)", (16, 9, 7), 784, 0),
        ('Conv2d(3, 16, 3, padding="valid")', "(3, 32, 32)", (16, 30, 30), 448, 0),
        ("Conv2d(3, 16, 3, stride=2, padding=1)", "(3, 33, 33)", (16, 17, 17), 448, 0),
        ("Conv2d(3, 16, (3, 5), stride=(2, 1), padding=(0, 2))", "(3, 32, 32)", (16, 15, 32), 736, 0),
        ("Conv2d(3, 16, 3, dilation=2)", "(3, 32, 32)", (16, 28, 28), 448, 0),
        ("Conv2d(3, 16, 3, bias=False)", "(3, 32, 32)", (16, 30, 30), 432, 0),
        ("Conv2d(8, 16, 3, groups=4)", "(8, 32, 32)", (16, 30, 30), 16 * 9 * 2 + 16, 0),
        ('Conv2d(3, 4, 3, padding=2, padding_mode="reflect")', "(3, 5, 5)", (4, 7, 7), 112, 0),
        ('Conv2d(3, 4, 3, padding=5, padding_mode="circular")', "(3, 5, 5)", (4, 13, 13), 112, 0),
        ("Conv1d(16, 64, 5)", "(16, 100)", (64, 96), 5 * 16 * 64 + 64, 0),
        ("Conv3d(3, 8, 3, stride=(1, 2, 2))", "(3, 16, 32, 32)", (8, 14, 15, 15), 27 * 3 * 8 + 8, 0),
        ("ConvTranspose2d(64, 32, 4, stride=2, padding=1)", "(64, 7, 7)", (32, 14, 14), 32_800, 0),
        ("ConvTranspose2d(4, 6, 3, stride=2, output_padding=1, groups=2)", "(4, 5, 5)", (6, 12, 12), 114, 0),
        ("ConvTranspose2d(1, 1, 3, dilation=3, output_padding=2)", "(1, 5, 5)", (1, 13, 13), 10, 0),
        ("ConvTranspose1d(16, 8, 4, stride=2, padding=1, bias=False)", "(16, 50)", (8, 100), 512, 0),
        ("ConvTranspose3d(2, 2, 2, stride=2)", "(2, 3, 4, 5)", (2, 6, 8, 10), 34, 0),
        # pooling
        ("MaxPool2d(2)", "(8, 25, 25)", (8, 12, 12), 0, 0),
        ("MaxPool2d(2, ceil_mode=True)", "(8, 25, 25)", (8, 13, 13), 0, 0),
        ("MaxPool1d(2, stride=2, padding=1, ceil_mode=True)", "(1, 5)", (1, 3), 0, 0),
        ("MaxPool1d(2, stride=3, ceil_mode=True)", "(1, 7)", (1, 3), 0, 0),
        ("MaxPool2d(3, stride=2)", "(64, 55, 55)", (64, 27, 27), 0, 0),
        ("MaxPool2d(3, stride=1, padding=1, dilation=2)", "(2, 10, 10)", (2, 8, 8), 0, 0),
        ("AvgPool2d(3, stride=2, padding=1, ceil_mode=True)", "(1, 6, 6)", (1, 4, 4), 0, 0),
        ("AvgPool1d(4)", "(8, 100)", (8, 25), 0, 0),
        ("AvgPool3d((1, 2, 2), divisor_override=3)", "(4, 8, 16, 16)", (4, 8, 8, 8), 0, 0),
        ("AdaptiveAvgPool2d((6, 6))", "(256, 13, 13)", (256, 6, 6), 0, 0),
        ("AdaptiveAvgPool2d(1)", "(256, 13, 13)", (256, 1, 1), 0, 0),
        ("AdaptiveMaxPool2d((None, 3))", "(4, 5, 6)", (4, 5, 3), 0, 0),
        ("AdaptiveMaxPool3d((None, 3, None))", "(4, 5, 6, 7)", (4, 5, 3, 7), 0, 0),
        ("AdaptiveAvgPool1d(7)", "(4, 5)", (4, 7), 0, 0),
        # dense and shape
        ("Linear(9216, 128)", "(9216,)", (128,), 1_179_776, 0),
        ("Linear(64, 10, bias=False)", "(24, 24, 64)", (24, 24, 10), 640, 0),
        ("Identity()", "(3, 4)", (3, 4), 0, 0),
        ("Flatten()", "(64, 5, 5)", (1600,), 0, 0),
        ("Flatten(2)", "(64, 5, 5)", (64, 25), 0, 0),
        ("Flatten(1, 2)", "(64, 5, 5)", (320, 5), 0, 0),
        ("Flatten(-2, -1)", "(64, 5, 5)", (64, 25), 0, 0),
        ("Unflatten(1, (1, 28, 28))", "(784,)", (1, 28, 28), 0, 0),
        ("Unflatten(-1, (2, -1))", "(3, 8)", (3, 2, 4), 0, 0),
        ("Dropout(0.25)", "(128,)", (128,), 0, 0),
        ("Dropout2d()", "(8, 4, 4)", (8, 4, 4), 0, 0),
        ("AlphaDropout(p=0.1)", "(128,)", (128,), 0, 0),
        # activations
        ("ReLU(inplace=True)", "(4, 4, 2)", (4, 4, 2), 0, 0),
        ("LeakyReLU(0.2)", "(10,)", (10,), 0, 0),
        ('GELU(approximate="tanh")', "(10,)", (10,), 0, 0),
        ("Softmax(dim=1)", "(10,)", (10,), 0, 0),
        ("LogSoftmax(dim=-1)", "(5, 10)", (5, 10), 0, 0),
        ("Sigmoid()", "(10,)", (10,), 0, 0),
        ("PReLU()", "(32, 8, 8)", (32, 8, 8), 1, 0),
        ("PReLU(32)", "(32, 8, 8)", (32, 8, 8), 32, 0),
        # normalization
        ("BatchNorm2d(32)", "(32, 26, 26)", (32, 26, 26), 64, 65),
        ("BatchNorm2d(32, affine=False)", "(32, 26, 26)", (32, 26, 26), 0, 65),
        ("BatchNorm2d(32, track_running_stats=False)", "(32, 26, 26)", (32, 26, 26), 64, 0),
        ("BatchNorm2d(32, bias=False)", "(32, 26, 26)", (32, 26, 26), 32, 65),
        ("BatchNorm1d(128)", "(128,)", (128,), 256, 257),
        ("BatchNorm1d(16)", "(16, 100)", (16, 100), 32, 33),
        ("BatchNorm3d(4)", "(4, 2, 3, 3)", (4, 2, 3, 3), 8, 9),
        ("LayerNorm(64)", "(100, 64)", (100, 64), 128, 0),
        ("LayerNorm((5, 5), bias=False)", "(4, 5, 5)", (4, 5, 5), 25, 0),
        ("LayerNorm(64, elementwise_affine=False)", "(100, 64)", (100, 64), 0, 0),
        ("GroupNorm(8, 32)", "(32, 26, 26)", (32, 26, 26), 64, 0),
        ("GroupNorm(8, 32, affine=False)", "(32, 26, 26)", (32, 26, 26), 0, 0),
        # sequences
        ("Embedding(10000, 64)", "(100,)", (100, 64), 640_000, 0),
        ("Embedding(10, 3, padding_idx=-10)", "(4, 5)", (4, 5, 3), 30, 0),
        ("RNN(32, 64)", "(100, 32)", (100, 64), 64 * 32 + 64 * 64 + 128, 0),
        ('RNN(32, 64, 2, "relu", False)', "(100, 32)", (100, 64), 64 * 32 + 64 * 64 + 2 * 64 * 64, 0),
        ("LSTM(32, 64)", "(100, 32)", (100, 64), 25_088, 0),
        ("LSTM(32, 64, bidirectional=True)", "(100, 32)", (100, 128), 2 * 25_088, 0),
        ("LSTM(32, 64, num_layers=2)", "(100, 32)", (100, 64), 25_088 + 4 * (64 * 128 + 128), 0),
        ("GRU(32, 64)", "(100, 32)", (100, 64), 18_816, 0),
        (
            "GRU(32, 64, 2, bidirectional=True)",
            "(10, 32)",
            (10, 128),
            2 * 18_816 + 2 * 3 * (64 * 192 + 128),
            0,
        ),
        (
            "LSTM(4, 5, 2, bidirectional=True, proj_size=3)",
            "(7, 4)",
            (7, 6),
            2 * (20 * 4 + 20 * 3 + 40 + 15) + 2 * (20 * 6 + 20 * 3 + 40 + 15),
            0,
        ),
    ],
)
def test_layer(layer: str, input_shape: str, shape: tuple[int, ...], params: int, buffers: int) -> None:
    (row,) = torch_block(f"Input(shape={input_shape})\n{layer}").rows
    assert (row.shape, row.params, row.buffers) == (shape, params, buffers)


def test_buffers_are_apart_from_every_count() -> None:
    report = torch_block("Input(3, 8, 8)\nConv2d(3, 4, 3, bias=False)\nBatchNorm2d(4)")
    assert (report.total, report.trainable, report.non_trainable, report.buffers) == (108 + 8, 116, 0, 9)
    report = compute("Input(3, 8, 8)\nConv2d(3, 4, 3)\nBatchNorm2d(4, expect=8)", Options(Settings()))
    assert not report.failed_claims
    claimed = Options(Settings(), expect=Setting("121", Location(0, 9)))
    (claim,) = compute("Input(3, 8, 8)\nConv2d(3, 4, 3)\nBatchNorm2d(4)", claimed).failed_claims
    assert claim.message == "total: the text says 121, the formula gives 120"


def test_frozen_layers_and_frozen_embeddings() -> None:
    report = torch_block(
        "Input(20)\nEmbedding(100, 8, _freeze=True)\nLSTM(8, 4, trainable=False)\nLinear(4, 2)"
    )
    assert [r.non_trainable for r in report.rows] == [800, 224, 0]
    assert (report.total, report.trainable, report.non_trainable) == (1034, 10, 1024)


def test_derivations_in_words_and_numbers() -> None:
    def formulas(text: str, *, buffers: bool = False) -> tuple[str, str]:
        row = torch_block(text).rows[-1]
        term = row.buffers_formula if buffers else row.formula
        assert term is not None
        return text_formula(term, numbers=False), text_formula(term, numbers=True)

    assert formulas("Input(1, 28, 28)\nConv2d(1, 32, 3)") == (
        "((Height × Width × Depth) + bias) × N_f",
        "((3 × 3 × 1) + 1) × 32",
    )
    assert formulas("Input(8, 9, 9)\nConv2d(8, 16, (3, 2), groups=4, bias=False)") == (
        "(Height × Width × Depth / groups) × N_f",
        "(3 × 2 × 8 / 4) × 16",
    )
    assert formulas("Input(9216)\nLinear(9216, 128)") == ("(Length + bias) × N_nodes", "(9216 + 1) × 128")
    assert formulas("Input(100, 32)\nLSTM(32, 64)") == (
        "4 × ((Hidden × Input) + (Hidden × Hidden) + b_ih + b_hh)",
        "4 × ((64 × 32) + (64 × 64) + 64 + 64)",
    )
    general, numbers = formulas("Input(100, 32)\nGRU(32, 64, 3, bidirectional=True)")
    assert general == (
        "Directions × (3 × ((Hidden × Input) + (Hidden × Hidden) + b_ih + b_hh)) + (Layers - 1) × Directions"
        " × (3 × ((Hidden × (Directions × Hidden)) + (Hidden × Hidden) + b_ih + b_hh))"
    )
    assert numbers == (
        "2 × (3 × ((64 × 32) + (64 × 64) + 64 + 64)) + 2 × 2 × (3 × ((64 × (2 × 64)) + (64 × 64) + 64 + 64))"
    )
    assert formulas("Input(100, 32)\nLSTM(32, 64, proj_size=16)")[0] == (
        "4 × ((Hidden × Input) + (Hidden × Projection) + b_ih + b_hh) + (Projection × Hidden)"
    )
    assert formulas("Input(32, 26, 26)\nBatchNorm2d(32)") == ("2 × Channels", "2 × 32")
    assert formulas("Input(32, 26, 26)\nBatchNorm2d(32)", buffers=True) == (
        "2 × Channels + counter",
        "2 × 32 + 1",
    )
    assert formulas("Input(100)\nEmbedding(10000, 64)") == ("Vocabulary × Dimension", "10000 × 64")


def test_dialect_comes_from_the_names() -> None:
    assert compute("Input(1, 28, 28)\nConv2d(1, 8, 3)\nFlatten()").framework == "pytorch"
    assert compute("Input(10)\nnn.ReLU()").framework == "pytorch"
    assert compute("Input(10)\nReLU()").framework == "keras"  # a name of both: the site's default
    site = parse_options({}, Settings(framework="pytorch"))
    assert compute("Input(3, 8, 8)\nFlatten()", site).rows[0].shape == (192,)
    assert compute("Input(3, 8, 8)\nFlatten(start_dim=1)", site).framework == "pytorch"


def test_symbolic_sizes_are_compared_by_sympy() -> None:
    report = compute(
        "Input(C, H, W)\nConv2d(C, 32, 3)\nMaxPool2d(2)\nFlatten()\nLinear(32*((H-2)//2)*((W-2)//2), 10)"
    )
    conv, _pool, _flat, fc = report.rows
    assert str(conv.params) == "288*C + 32"
    assert not isinstance(fc.params, int)
    assert fc.params.subs(dict.fromkeys(fc.params.free_symbols, 28)) == 32 * 13 * 13 * 10 + 10
    error = fails("Input(1, H, W)\nConv2d(1, 8, 3)\nFlatten()\nLinear(9216, 10)")
    assert (
        "in_features is 9216, but its input has 8·(H − 2)·(W − 2) features (the output of Flatten-2"
        in error.message
    )


def test_numeric_torch_blocks_never_import_sympy() -> None:
    code = (
        "import sys\n"
        "from mkdocs_paramcalc.report.model import build\n"
        "from mkdocs_paramcalc.reading.parse import parse_block\n"
        "from mkdocs_paramcalc.reading.options import Options, Settings\n"
        f"build(parse_block({LESSON + 'BatchNorm1d(10)'!r}), Options(Settings()))\n"
        "print('sympy' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_every_catalogue_example_computes() -> None:
    for kind in CATALOGUES["pytorch"].values():
        report = compute(f"{kind.example_input}\n{kind.example}", PYTORCH)
        assert report.rows[0].kind == kind.name


def test_signatures_read_as_torch_writes_them() -> None:
    kinds = CATALOGUES["pytorch"]
    assert kinds["Conv2d"].signature.text() == (
        "in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1, bias=True, "
        "padding_mode='zeros'"
    )
    assert kinds["BatchNorm2d"].signature.text() == (
        "num_features, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True"
    )
    assert kinds["Sigmoid"].signature.text() == ""
    assert kinds["RNN"].signature.names[:4] == ("input_size", "hidden_size", "num_layers", "nonlinearity")


@pytest.mark.parametrize(
    ("text", "message", "hint", "where"),
    [
        (
            "Input(1, 28, 28)\nConv2d(1, 32, 3)\nConv2d(32, 64, 3)\nMaxPool2d(2)\nFlatten()\n"
            "Linear(9126, 128)",
            "Linear-5: in_features is 9126, but its input has 9216 features "
            "(the output of Flatten-4, (9216))",
            "write 9216 for `in_features`",
            Location(6, 8),
        ),
        (
            "Input(28, 28, 1)\nConv2d(1, 32, 3)",
            "Conv2d-1: in_channels is 1, but its input has 28 channels (the block's input, (28, 28, 1))",
            "PyTorch puts the channels first: Input(1, 28, 28)",
            Location(2, 8),
        ),
        (
            "Input(64, 12, 12)\nLinear(9216, 10)",
            "in_features is 9216, but its input has 12 features",
            "put Flatten() before it",
            Location(2, 8),
        ),
        (
            "Input(3, 32, 32)\nConv2d(3, 16, 3)\nBatchNorm2d(61, name='bn')",
            "bn: num_features is 61, but its input has 16 channels (the output of Conv2d-1, (16, 30, 30))",
            "write 16 for `num_features`",
            Location(3, 13),
        ),
        (
            "Input(16)\nBatchNorm1d(1)",
            "num_features is 1, but its input has 16 features",
            "",
            Location(2, 13),
        ),
        (
            "Input(32, 8, 8)\nGroupNorm(4, 16)",
            "num_channels is 16, but its input has 32 channels",
            "",
            Location(2, 14),
        ),
        (
            "Input(100)\nEmbedding(50, 8)\nLSTM(16, 32)",
            "LSTM-2: input_size is 16, but its input has 8 features (the output of Embedding-1, (100, 8))",
            "write 8 for `input_size`",
            Location(3, 6),
        ),
        (
            "Input(4, 5, 6)\nLayerNorm((4, 5))",
            "normalized_shape is (4, 5), but its input ends in (5, 6) (the block's input, (4, 5, 6))",
            "write normalized_shape=(5, 6)",
            Location(2, 11),
        ),
        (
            "Input(4, 5, 6)\nLayerNorm(5)",
            "normalized_shape is 5, but its input has 6 features",
            "write 6",
            Location(2, 11),
        ),
        (
            "Input(784)\nConv2d(1, 32, 3)",
            "needs a 3-D input (channels, height, width), got (784)",
            "",
            Location(2, 1),
        ),
        ("Input(3, 8, 8)\nConv2d(3, 8, 9)", "the 9×9 kernel does not fit its 8×8 input", "", Location(2, 1)),
        (
            "Input(3, 8, 8)\nConv2d(3, 8, 6, dilation=2, padding=1)",
            "the 6×6 (dilated) kernel does not fit its 8×8 input padded by 1×1",
            "",
            Location(2, 1),
        ),
        (
            'Input(3, 8, 8)\nConv2d(3, 8, 3, stride=2, padding="same")',
            'padding="same" is not supported for strided convolutions',
            "padding=1",
            Location(2, 27),
        ),
        (
            'Input(3, 8, 8)\nConv2d(3, 8, 3, padding="SAME")',
            '`padding` must be "valid" or "same"',
            "lower case",
            None,
        ),
        (
            "Input(3, 8, 8)\nConv2d(3, 8, 3, padding=-1)",
            "`padding` takes whole numbers ≥ 0, got -1",
            "",
            None,
        ),
        (
            "Input(6, 8, 8)\nConv2d(6, 32, 3, groups=4)",
            "in_channels (6) must be divisible by groups (4)",
            "",
            None,
        ),
        (
            "Input(8, 8, 8)\nConv2d(8, 6, 3, groups=4)",
            "out_channels (6) must be divisible by groups (4)",
            "",
            None,
        ),
        ('Input(3, 8, 8)\nConv2d(3, 8, 3, padding_mode="zero")', "`padding_mode` must be", '"zeros"', None),
        (
            'Input(3, 5, 5)\nConv2d(3, 8, 3, padding=5, padding_mode="reflect")',
            'padding_mode="reflect" needs padding less than the input size, got padding 5 on an axis of 5',
            "",
            None,
        ),
        (
            "Input(1, 5, 5)\nConvTranspose2d(1, 1, 3, stride=2, output_padding=2)",
            "output padding must be smaller than either stride or dilation",
            "",
            None,
        ),
        ('Input(1, 5, 5)\nConvTranspose2d(1, 1, 3, padding="same")', "takes padding as numbers", "", None),
        (
            'Input(1, 5, 5)\nConvTranspose2d(1, 1, 3, padding_mode="reflect")',
            'only "zeros" padding mode is supported for ConvTranspose2d',
            "",
            None,
        ),
        (
            "Input(1, 5, 5)\nConvTranspose2d(1, 1, 1, padding=3)",
            "the output would have a size of -1",
            "",
            None,
        ),
        (
            "Input(1, 10, 10)\nMaxPool2d(3, padding=2)",
            "must be at most half the window, got 2",
            "padding=1",
            None,
        ),
        ("Input(1, 10, 10)\nMaxPool2d(11)", "the 11×11 pool window does not fit its 10×10 input", "", None),
        (
            "Input(1, 10, 10)\nAvgPool2d(2, divisor_override=0)",
            "`divisor_override` must be at least 1",
            "",
            None,
        ),
        ("Input(1, 10)\nAvgPool1d(2, divisor_override=2)", "has no argument `divisor_override`", "", None),
        (
            "Input(4, 5)\nAdaptiveAvgPool1d((None,))",
            "`output_size` takes whole numbers ≥ 1, got None",
            "",
            None,
        ),
        ("Input(4, 5, 6)\nAdaptiveAvgPool2d((3,))", "`output_size` needs 2 values, got 1", "", None),
        (
            "Input(4, 5, 6)\nAdaptiveAvgPool2d(0)",
            "`output_size` takes whole numbers ≥ 1, or None in a tuple",
            "",
            None,
        ),
        ("Input(64, 5, 5)\nFlatten(0)", "`start_dim` is 0, the batch axis", "PyTorch counts the batch", None),
        ("Input(64, 5, 5)\nFlatten(2, 1)", "start_dim (2) cannot come after end_dim (1)", "", None),
        ("Input(64, 5, 5)\nFlatten(1, 4)", "`end_dim` must be a dimension of the input (64, 5, 5)", "", None),
        ("Input(6, 5)\nUnflatten(1, (4, -1))", "the sizes (4, -1) cannot multiply up to 6", "", None),
        (
            "Input(6, 5)\nUnflatten(1, (4, 2))",
            "the sizes (4, 2) multiply up to 8, but the axis has 6",
            "",
            None,
        ),
        ("Input(10)\nDropout(1.5)", "`p` must be a number from 0 to 1", "", None),
        ("Input(3, 4)\nDropout2d()", "needs a 3-D input (channels, height, width), got (3, 4)", "", None),
        (
            "Input(4, 5)\nPReLU(3)",
            "num_parameters is 3, but must be 1 or the number of channels, 4",
            "PReLU(4)",
            None,
        ),
        ("Input(10)\nSoftmax(dim=0)", "`dim` is 0, the batch axis", "", None),
        ("Input(10)\nSoftmax(dim=2)", "`dim` must be a dimension of the input (10)", "", None),
        ('Input(10)\nGELU("Tanh")', '`approximate` must be "none" or "tanh"', "", None),
        ("Input(10)\nCELU(0)", "`alpha` cannot be 0 for CELU", "", None),
        (
            "Input(32, 26)\nBatchNorm2d(32)",
            "needs an input of (channels, height, width), got (32, 26)",
            "BatchNorm1d",
            None,
        ),
        (
            "Input(32, 4, 4)\nGroupNorm(3, 32)",
            "num_channels (32) must be divisible by num_groups (3)",
            "",
            None,
        ),
        (
            "Input(10)\nEmbedding(10, 3, padding_idx=10)",
            "`padding_idx` must be an index into the 10",
            "",
            None,
        ),
        (
            "Input(100)\nLSTM(100, 8)",
            "needs a 2-D input (sequence length, features), got (100)",
            "Embedding",
            None,
        ),
        (
            "Input(10, 4)\nLSTM(4, 5, proj_size=5)",
            "proj_size (5) has to be smaller than hidden_size (5)",
            "",
            None,
        ),
        ("Input(10, 4)\nGRU(4, 5, proj_size=2)", "has no argument `proj_size`", "", None),
        (
            'Input(10, 4)\nRNN(4, 5, nonlinearity="Relu")',
            '`nonlinearity` must be "tanh" or "relu"',
            "lower case",
            None,
        ),
        ("Input(10, 4)\nLSTM(4, 5, num_layers=0)", "`num_layers` must be at least 1, got 0", "", None),
        ("Input(10)\nLinear(10, 0)", "`out_features` must be at least 1, got 0", "", None),
        ("Input(10)\nLinear(10.0, 2)", "must be a whole number, got 10.0", "write 10", None),
        ("Input(10)\nIdentity(3)", "takes at most 0 positional arguments", "", None),
        (
            "Input(1, 28, 28)\nConv2D(32, 3)",
            "unknown PyTorch layer `Conv2D`",
            "did you mean `Conv2d`?",
            Location(2, 1),
        ),
        ("Input(9216)\nDense(128)", "unknown PyTorch layer `Dense`", "did you mean `Linear`?", None),
        ("Input(1, 28, 28)\nMaxPooling2D(2)", "unknown PyTorch layer", "did you mean `MaxPool2d`?", None),
        (
            "Input(8, 8, 8)\nBatchNormalization()",
            "unknown PyTorch layer",
            "did you mean `BatchNorm2d`?",
            None,
        ),
        ("Input(8, 8, 8)\nGlobalAveragePooling2D()", "unknown PyTorch layer", "`AdaptiveAvgPool2d`", None),
        ("Input(1, 28, 28)\nconv2d(1, 2, 3)", "unknown PyTorch layer", "did you mean `Conv2d`?", None),
    ],
)
def test_errors_say_what_and_where(text: str, message: str, hint: str, where: Location | None) -> None:
    error = fails(text)
    assert message in error.message
    assert hint in error.hint
    if where is not None:
        assert error.where == where


def test_mixing_dialects_is_an_error() -> None:
    error = fails("Input(1, 28, 28)\nConv2d(1, 8, 3)\nFlatten()\nDense(10)", None)
    assert "`Dense` is a Keras layer, but this block is PyTorch (`Conv2d`, …)" in error.message
    error = fails("Input(28, 28, 1)\nConv2d(1, 8, 3)\nConv2D(8, 3)\nMaxPooling2D()\nFlatten()", None)
    assert error.message.startswith("`Conv2d` is a PyTorch layer, but this block is Keras (`Conv2D`, …)")
    assert error.where.line == 2
    assert 'framework="keras"' in error.hint
    error = fails("Input(28, 28, 1)\nnn.Conv2d(1, 8, 3)", KERAS)
    assert "PyTorch name; this block is Keras" in error.message


# ---------------------------------------------------------------------------------------------
# Padding, resampling, shuffling, more normalizations, and Custom (issue 15)
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("layer", "input_shape", "shape", "params", "buffers"),
    [
        ("ZeroPad2d(1)", "(3, 5, 5)", (3, 7, 7), 0, 0),
        ("ZeroPad2d((1, 2, 3, 4))", "(3, 5, 5)", (3, 12, 8), 0, 0),  # last axis first
        ("ZeroPad2d(-1)", "(3, 5, 5)", (3, 3, 3), 0, 0),
        ("ZeroPad1d((2, 0))", "(3, 4, 5)", (3, 4, 7), 0, 0),  # the last axis of any input
        ("ZeroPad3d((1, 1, 0, 0, 2, 2))", "(2, 4, 5, 6)", (2, 8, 5, 8), 0, 0),
        ("ConstantPad2d(2, 3.5)", "(3, 5, 5)", (3, 9, 9), 0, 0),
        ("ConstantPad1d((1, 2), value=-1)", "(3, 5)", (3, 8), 0, 0),
        ("ReflectionPad2d(4)", "(3, 5, 5)", (3, 13, 13), 0, 0),
        ("ReflectionPad1d((4, -3))", "(3, 5)", (3, 6), 0, 0),
        ("ReflectionPad2d(1)", "(5, 5)", (7, 7), 0, 0),  # torch reads the batch as the channels
        ("ReplicationPad2d(9)", "(3, 5, 5)", (3, 23, 23), 0, 0),
        ("ReplicationPad3d((1, 0, 0, 0, 0, 2))", "(1, 2, 3, 4)", (1, 4, 3, 5), 0, 0),
        ("CircularPad2d(5)", "(3, 5, 5)", (3, 15, 15), 0, 0),
        ("CircularPad1d((-4, 5))", "(3, 5)", (3, 6), 0, 0),
        ("Upsample(scale_factor=2)", "(64, 14, 14)", (64, 28, 28), 0, 0),
        ("Upsample(scale_factor=1.5)", "(3, 5, 5)", (3, 7, 7), 0, 0),
        ("Upsample(scale_factor=(2, 3))", "(3, 5, 5)", (3, 10, 15), 0, 0),
        ("Upsample(size=7)", "(3, 5)", (3, 7), 0, 0),
        ('Upsample(size=(7, 8, 9), mode="trilinear")', "(3, 5, 5, 5)", (3, 7, 8, 9), 0, 0),
        ('Upsample(scale_factor=2, mode="bilinear", align_corners=True)', "(3, 5, 5)", (3, 10, 10), 0, 0),
        ("ChannelShuffle(4)", "(32, 26, 26)", (32, 26, 26), 0, 0),
        ("PixelShuffle(2)", "(8, 3, 3)", (2, 6, 6), 0, 0),
        ("PixelShuffle(3)", "(5, 18, 3, 3)", (5, 2, 9, 9), 0, 0),
        ("PixelUnshuffle(2)", "(2, 4, 6)", (8, 2, 3), 0, 0),
        ("InstanceNorm2d(32)", "(32, 26, 26)", (32, 26, 26), 0, 0),
        ("InstanceNorm2d(32, affine=True)", "(32, 26, 26)", (32, 26, 26), 64, 0),
        ("InstanceNorm1d(16, track_running_stats=True)", "(16, 100)", (16, 100), 0, 33),
        (
            "InstanceNorm3d(4, affine=True, bias=False, track_running_stats=True)",
            "(4, 2, 3, 3)",
            (4, 2, 3, 3),
            4,
            9,
        ),
        ("InstanceNorm2d(3, track_running_stats=True)", "(3, 1, 1)", (3, 1, 1), 0, 7),
        ("LocalResponseNorm(5)", "(96, 55, 55)", (96, 55, 55), 0, 0),
        ("LocalResponseNorm(2, alpha=-1, beta=-2, k=-3)", "(3, 4)", (3, 4), 0, 0),
        ("RMSNorm(64)", "(100, 64)", (100, 64), 64, 0),
        ("RMSNorm((4, 5), eps=1e-6)", "(3, 4, 5)", (3, 4, 5), 20, 0),
        ("RMSNorm(5, elementwise_affine=False)", "(3, 4, 5)", (3, 4, 5), 0, 0),
        ('Custom(params="(5 * 5 * 3 + 1) * 6", output=(6, 28, 28))', "(3, 32, 32)", (6, 28, 28), 456, 0),
        ("Custom()", "(3, 32, 32)", (3, 32, 32), 0, 0),
        ("Custom(params=1000, output=10)", "(32,)", (10,), 1000, 0),
    ],
)
def test_new_layer(layer: str, input_shape: str, shape: tuple[int, ...], params: int, buffers: int) -> None:
    test_layer(layer, input_shape, shape, params, buffers)


def test_new_derivations() -> None:
    def formulas(text: str, *, buffers: bool = False) -> tuple[str, str]:
        row = torch_block(text).rows[-1]
        term = row.buffers_formula if buffers else row.formula
        assert term is not None
        return text_formula(term, numbers=False), text_formula(term, numbers=True)

    assert formulas("Input(32, 8, 8)\nInstanceNorm2d(32, affine=True)") == ("2 × Channels", "2 × 32")
    assert formulas("Input(32, 8, 8)\nInstanceNorm2d(32, track_running_stats=True)", buffers=True) == (
        "2 × Channels + counter",
        "2 × 32 + 1",
    )
    assert formulas("Input(3, 4, 5)\nRMSNorm((4, 5))") == ("(d_1 × d_2)", "(4 × 5)")
    assert formulas('Input(3, 32, 32)\nCustom(params="(5*5*3 + 1) * 6", output=(6, 28, 28))') == (
        "(5 × 5 × 3 + 1) × 6",
        "(5 × 5 × 3 + 1) × 6",
    )


def test_custom_in_a_pytorch_block() -> None:
    report = compute(
        'Input(3, 32, 32)\nnn.Conv2d(3, 6, 5)\nCustom(params="k*k*6*F + F", output=(F, 24, 24), name="Mine")'
    )
    assert report.framework == "pytorch"
    _conv, mine = report.rows
    assert (mine.name, str(mine.params), [str(d) for d in mine.shape]) == (
        "Mine",
        "6*F*k**2 + F",
        ["F", "24", "24"],
    )
    frozen = torch_block('Input(8)\nCustom(params="100", trainable=False)\nLinear(8, 2)')
    assert (frozen.total, frozen.trainable, frozen.non_trainable) == (118, 18, 100)


def test_symbolic_sizes_pad_and_upsample() -> None:
    (pad, up) = compute("Input(C, H, W)\nnn.ZeroPad2d(1)\nnn.Upsample(scale_factor=2)").rows
    assert [str(d) for d in pad.shape] == ["C", "H + 2", "W + 2"]
    assert [str(d) for d in up.shape] == ["C", "2*H + 4", "2*W + 4"]
    error = fails("Input(C, H, W)\nUpsample(scale_factor=1.5)")
    assert "rounds the sizes down" in error.message
    assert "numbers" in error.hint


@pytest.mark.parametrize(
    ("text", "message", "hint", "where"),
    [
        (
            "Input(3, 5, 5)\nZeroPad2d((1, 2, 3))",
            "`padding` needs an int or 4 ints (left, right, top, bottom), got (1, 2, 3)",
            "last axis first",
            Location(2, 11),
        ),
        ("Input(3, 5, 5)\nZeroPad2d(1.5)", "`padding` takes whole numbers, got 1.5", "", None),
        ("Input(3, 5, 5)\nZeroPad2d(-3)", "`padding` -3 leaves nothing of an axis of 5", "", Location(2, 11)),
        (
            "Input(5)\nZeroPad2d(1)",
            "needs an input of at least 2 axes, got (5): torch would pad the batch",
            "",
            None,
        ),
        (
            "Input(3, 5, 5)\nReflectionPad2d(5)",
            "ReflectionPad2d-1: `padding` must be less than the size of the axis on each side, "
            "got 5 on an axis of 5",
            "ReplicationPad",
            None,
        ),
        (
            "Input(3, 5, 5)\nCircularPad2d((-5, 7, 0, 0))",
            "at most the size of the axis on each side, got 7",
            "",
            None,
        ),
        (
            "Input(2, 3, 5, 5)\nReplicationPad2d(1)",
            "needs an input of (channels, height, width), or one axis less, got (2, 3, 5, 5)",
            "channels first",
            None,
        ),
        ("Input(3, 5, 5)\nConstantPad2d(1)", "needs `value`", "", None),
        (
            "Input(3, 5, 5)\nUpsample()",
            "give one of `size` or `scale_factor`",
            "Upsample(scale_factor=2)",
            None,
        ),
        (
            "Input(3, 5, 5)\nUpsample(size=3, scale_factor=2)",
            "give one of `size` or `scale_factor`",
            "",
            None,
        ),
        ("Input(3, 5, 5)\nUpsample(scale_factor=0.1)", "the output would be (0, 0): nothing left", "", None),
        (
            "Input(3, 5, 5)\nUpsample(scale_factor=-2)",
            "`scale_factor` takes a number > 0 or 2 of them",
            "",
            None,
        ),
        ("Input(3, 5, 5)\nUpsample(size=(7, 8, 9))", "`size` needs 2 values, got 3", "", None),
        (
            'Input(3, 5, 5)\nUpsample(scale_factor=2, mode="Bilinear")',
            '`mode` must be "nearest"',
            "bilinear",
            None,
        ),
        (
            'Input(3, 5, 5, 5)\nUpsample(scale_factor=2, mode="bilinear")',
            "needs a 3-D input (channels, height, width), got (3, 5, 5, 5)",
            'mode="bilinear" reads 2-D feature maps',
            None,
        ),
        (
            "Input(3, 5, 5)\nUpsample(scale_factor=2, align_corners=True)",
            'align_corners is for the interpolating modes, not mode="nearest"',
            "leave it out",
            Location(2, 26),
        ),
        (
            "Input(3, 5, 5)\nUpsample(size=3, recompute_scale_factor=True)",
            "recompute_scale_factor has no meaning with an explicit size",
            "",
            None,
        ),
        (
            "Input(5)\nUpsample(scale_factor=2)",
            "needs an input of (channels, length)",
            "channels first",
            None,
        ),
        (
            "Input(4, 3)\nChannelShuffle(3)",
            "the 4 channels do not divide into 3 groups",
            "groups must divide the channels",
            Location(2, 16),
        ),
        ("Input(4)\nChannelShuffle(2)", "needs an input of (channels, ...), got (4)", "", None),
        ("Input(4, 3)\nChannelShuffle(0)", "`groups` must be at least 1", "", None),
        (
            "Input(6, 3, 3)\nPixelShuffle(2)",
            "the 6 channels are not divisible by upscale_factor² (2² = 4)",
            "C × r² channels",
            Location(2, 14),
        ),
        ("Input(8, 3)\nPixelShuffle(2)", "needs an input of (channels, height, width), got (8, 3)", "", None),
        (
            "Input(2, 5, 6)\nPixelUnshuffle(2)",
            "the height 5 is not divisible by downscale_factor 2",
            "",
            None,
        ),
        (
            "Input(3, 5, 6)\nInstanceNorm2d(4)",
            "num_features is 4, but its input has 3 channels",
            "write 3 for `num_features`",
            None,
        ),
        (
            "Input(3, 1, 1)\nInstanceNorm2d(3)",
            "normalizes each channel over its 1×1 values: torch wants more than one",
            "track_running_stats=True",
            Location(2, 1),
        ),
        ("Input(4)\nInstanceNorm1d(4)", "needs a 2-D input (channels, length), got (4)", "", None),
        ("Input(3, 4)\nLocalResponseNorm(0)", "`size` must be at least 1", "", None),
        ("Input(3)\nLocalResponseNorm(2)", "needs an input of (channels, ...), got (3)", "", None),
        (
            "Input(3, 4, 5)\nRMSNorm(4)",
            "normalized_shape is 4, but its input has 5 features",
            "write 5",
            None,
        ),
        ("Input(10)\nCustom(params=\"__import__('os')\")", "never run", "numbers, names", None),
        ('Input(10)\nCustom(params="10 // 3")', "`params` cannot use '10 // 3' in a count", "", None),
        ('Input(10)\nCustom(params="5 - 10")', "`params` gives -5, a negative count", "", None),
        (
            "Input(10)\nCustom(params=10, output=(0, 3))",
            "`output` must be a shape of positive whole numbers or names",
            "output=(6, 28, 28)",
            None,
        ),
        ("Input(3, 8, 8)\nZeroPadding2D(1)", "unknown PyTorch layer", "did you mean `ZeroPad2d`?", None),
        ("Input(3, 8, 8)\nUpSampling2D(2)", "unknown PyTorch layer", "did you mean `Upsample`?", None),
    ],
)
def test_new_errors_say_what_and_where(text: str, message: str, hint: str, where: Location | None) -> None:
    test_errors_say_what_and_where(text, message, hint, where)

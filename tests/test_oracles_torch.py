"""Oracles for the PyTorch dialect: every shape, count and buffer we compute, checked against torch.nn.

A block is turned into real `torch.nn` modules without running its text: our own parser reads
it, and each call becomes `getattr(torch.nn, name)(*values, **keywords)`. A zero batch then
flows through them, and each module's output shape (without the batch), its parameters
(`sum(p.numel() for p in m.parameters())`), its buffers and its frozen parameters must equal
our row. Random valid models (property-based), blocks that torch refuses, the signatures
themselves and the published totals of AlexNet, VGG16 and LeNet-5 are checked the same way.
"""

from __future__ import annotations

import inspect
import warnings
from typing import Any

import pytest

from mkdocs_paramcalc.dialects.layers import CATALOGUES
from mkdocs_paramcalc.errors import BlockError
from mkdocs_paramcalc.reading.options import Settings, parse_options
from mkdocs_paramcalc.reading.parse import Call, parse_block
from mkdocs_paramcalc.reading.signature import COMMON, REQUIRED
from mkdocs_paramcalc.report.model import Report, build
from mkdocs_paramcalc.values import is_symbolic

torch = pytest.importorskip("torch")

try:
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st
except ImportError:  # the property test is skipped, the rest still runs
    st = None  # type: ignore[assignment]

nn = torch.nn

pytestmark = [
    pytest.mark.oracle,
    # torch pads a copy of the input for padding="same" with an even kernel; it says so, once.
    pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel lengths:UserWarning"),
    # torch's CPU build runs an LSTM with proj_size without oneDNN, and says so.
    pytest.mark.filterwarnings("ignore:LSTM with projections is not supported with oneDNN:UserWarning"),
]


@pytest.fixture(autouse=True, scope="module")
def _one_thread() -> Any:
    """Tiny tensors gain nothing from threads; on a busy 2-core machine torch's spinning ones cost 3×."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


# The site-wide default: a block of names common to both dialects (ReLU, Flatten) is PyTorch.
PYTORCH = parse_options({}, Settings(framework="pytorch"))
OURS = ("name", "trainable", "expect")  # our own arguments, which torch does not take


# ---------------------------------------------------------------------------------------------
# Helpers: our report, the torch modules, the comparison
# ---------------------------------------------------------------------------------------------


def compute(text: str) -> Report:
    return build(parse_block(text), PYTORCH)


def _split(text: str) -> tuple[tuple[int, ...], list[Call]]:
    """The input shape and the layers, read independently of our model code."""
    calls = list(parse_block(text))
    head = calls[0]
    assert head.name == "Input", "an oracle block starts with Input(...)"
    shape = head.keyword("shape")
    if shape is not None:
        return tuple(shape.value), calls[1:]
    if len(head.args) == 1 and isinstance(head.args[0].value, tuple):
        return tuple(head.args[0].value), calls[1:]
    return tuple(arg.value for arg in head.args), calls[1:]


def _plain(value: Any) -> Any:
    assert not is_symbolic(value), "the oracles compare numeric blocks only"
    return value


def torch_module(call: Call) -> Any:
    """The torch.nn module a call names, built from its argument values."""
    args = [_plain(arg.value) for arg in call.args]
    kwargs = {key: _plain(arg.value) for key, arg in call.kwargs if key not in OURS}
    module = getattr(nn, call.name)(*args, **kwargs)
    frozen = call.keyword("trainable")
    if frozen is not None and frozen.value is False:
        module.requires_grad_(False)
    return module.eval()


def forward(module: Any, x: Any) -> Any:
    """A module applied to a batch; recurrent layers give (output, state) and may want the batch second."""
    if isinstance(module, nn.RNNBase):
        out = module(x if module.batch_first else x.transpose(0, 1))[0]
        out = out if module.batch_first else out.transpose(0, 1)
        # the same layer without a batch, as our shapes are written, gives the same shape
        assert module(x[0])[0].shape == out.shape[1:]
        return out
    return module(x)


def zeros(shape: tuple[int, ...], calls: list[Call], batch: int) -> Any:
    dtype = torch.long if calls and calls[0].name == "Embedding" else torch.float32
    return torch.zeros((batch, *shape), dtype=dtype)


def _count(tensors: Any) -> int:
    return sum(t.numel() for t in tensors)


Line = tuple[str, tuple[int, ...], int, int, int]  # kind, shape, params, buffers, frozen params


def ours(report: Report) -> list[Line]:
    return [(r.kind, tuple(r.shape), r.params, r.buffers, r.non_trainable) for r in report.rows]


def theirs(modules: list[Any], x: Any) -> list[Line]:
    lines = []
    with torch.no_grad():
        for module in modules:
            x = forward(module, x)
            lines.append(
                (
                    type(module).__name__,
                    tuple(x.shape[1:]),
                    _count(module.parameters()),
                    _count(module.buffers()),
                    _count(p for p in module.parameters() if not p.requires_grad),
                )
            )
    return lines


def check_torch(text: str, *, batch: int = 2) -> Report:
    """Compare every row and the totals with the torch modules the block names."""
    report = compute(text)
    assert report.framework == "pytorch"
    shape, calls = _split(text)
    assert tuple(report.input_shape) == shape
    modules = [torch_module(call) for call in calls]
    assert ours(report) == theirs(modules, zeros(shape, calls, batch))
    model = nn.Sequential(*modules)
    assert report.total == _count(model.parameters())
    assert report.buffers == _count(model.buffers())
    assert report.trainable == _count(p for p in model.parameters() if p.requires_grad)
    return report


def torch_rejects(text: str) -> str | None:
    """torch's error (or warning) for a block it will not build or run, or None when it runs it."""
    shape, calls = _split(text)
    try:
        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("error")
            x = zeros(shape, calls, 2)
            for call in calls:
                x = forward(torch_module(call), x)
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    return None


# ---------------------------------------------------------------------------------------------
# One layer at a time, in many argument combinations
# ---------------------------------------------------------------------------------------------

_SPATIAL = {1: "(4, 19)", 2: "(4, 19, 16)", 3: "(4, 7, 9, 8)"}

CONVOLUTIONS = [
    f"Input{_SPATIAL[rank]}\nConv{rank}d(4, {out}, {kernel}{extra})"
    for rank in (1, 2, 3)
    for out, kernel, extra in [
        (8, 3, ""),
        (8, 1, ", bias=False"),
        (6, 3, ", stride=2"),
        (8, 3, ", padding=1"),
        (8, 2, ', padding="same"'),
        (8, 3, ', padding="same", dilation=2'),
        (8, 3, ', padding="valid", stride=3'),
        (8, 3, ", dilation=2, stride=2, padding=2"),
        (8, 3, ", groups=2"),
        (4, 3, ", groups=4, bias=False"),
        (8, 3, ', padding=2, padding_mode="reflect"'),
        (8, 3, ', padding=3, padding_mode="replicate"'),
        (8, 3, ', padding=4, padding_mode="circular"'),
        (8, 4, ', padding="same", padding_mode="reflect"'),
    ]
] + [
    "Input(3, 32, 32)\nConv2d(3, 16, (3, 5), stride=(2, 1), padding=(1, 2), dilation=(1, 2))",
    "Input(3, 7, 9)\nConv2d(in_channels=3, out_channels=2, kernel_size=(7, 9))",
    "Input(2, 5, 5)\nConv2d(2, 2, 3, 1, 0, 1, 1, True, 'zeros')",
    "Input(4, 10)\nConv1d(4, 8, 3, stride=2, padding=1, dilation=3, groups=4)",
]

TRANSPOSED = [
    f"Input{_SPATIAL[rank]}\nConvTranspose{rank}d(4, {out}, {kernel}{extra})"
    for rank in (1, 2, 3)
    for out, kernel, extra in [
        (8, 3, ""),
        (8, 2, ", stride=2"),
        (6, 3, ", stride=2, padding=1, output_padding=1"),
        (8, 3, ", dilation=2, output_padding=1"),
        (8, 3, ", stride=3, output_padding=2, bias=False"),
        (4, 3, ", groups=2, padding=1"),
        (8, 4, ", stride=2, padding=1"),
    ]
] + [
    "Input(2, 5, 6)\nConvTranspose2d(2, 3, (3, 2), stride=(1, 2), padding=(1, 0), output_padding=(0, 1))",
    "Input(2, 5, 6)\nConvTranspose2d(2, 3, 1, padding=2)",
]

POOLS = (
    [
        f"Input{_SPATIAL[rank]}\n{op}Pool{rank}d({args})"
        for rank in (1, 2, 3)
        for op, args in [
            ("Max", "2"),
            ("Max", "3, stride=2"),
            ("Max", "3, stride=2, ceil_mode=True"),
            ("Max", "2, padding=1, ceil_mode=True"),
            ("Max", "3, stride=1, padding=1, dilation=2"),
            ("Max", "3, stride=3, padding=1, dilation=2, ceil_mode=True, return_indices=False"),
            ("Max", "2, stride=3, ceil_mode=True"),
            ("Avg", "2"),
            ("Avg", "3, stride=2, padding=1"),
            ("Avg", "3, stride=2, padding=1, ceil_mode=True"),
            ("Avg", "2, stride=3, ceil_mode=True, count_include_pad=False"),
            ("Avg", "4, padding=2, ceil_mode=True"),
        ]
    ]
    + [
        "Input(3, 19, 16)\nAvgPool2d((3, 2), stride=(1, 2), padding=(1, 0), divisor_override=2)",
        "Input(3, 7, 9, 8)\nAvgPool3d(2, divisor_override=5)",
        "Input(3, 19, 16)\nMaxPool2d(kernel_size=(5, 1), stride=None, padding=(2, 0))",
        "Input(1, 6, 6)\nAvgPool2d(3, stride=2, padding=1, ceil_mode=True)",
        "Input(1, 5)\nMaxPool1d(2, stride=2, padding=1, ceil_mode=True)",
    ]
    + [
        f"Input{_SPATIAL[rank]}\nAdaptive{op}Pool{rank}d({size})"
        for rank in (1, 2, 3)
        for op in ("Avg", "Max")
        for size in ["1", "3", "(5,)" if rank == 1 else ("(None, 4)" if rank == 2 else "(2, None, 3)"), "25"]
    ]
)

DENSE_AND_SHAPE = [
    "Input(9216)\nLinear(9216, 128)",
    "Input(100)\nLinear(100, 10, bias=False)",
    "Input(5, 6, 7)\nLinear(7, 3)",
    "Input(5, 6)\nLinear(in_features=6, out_features=2, bias=True)",
    "Input(5, 6)\nIdentity()",
    "Input(4, 5, 6)\nFlatten()",
    "Input(4, 5, 6)\nFlatten(2)",
    "Input(4, 5, 6)\nFlatten(1, 2)",
    "Input(4, 5, 6)\nFlatten(start_dim=-2, end_dim=-1)",
    "Input(4, 5, 6)\nFlatten(2, 2)",
    "Input(7)\nFlatten()",
    "Input(784)\nUnflatten(1, (1, 28, 28))",
    "Input(4, 6)\nUnflatten(-1, (2, -1))",
    "Input(4, 6)\nUnflatten(1, (-1, 2))",
    "Input(128)\nDropout(0.25)",
    "Input(128)\nDropout(p=0.0, inplace=True)",
    "Input(8, 10)\nDropout1d(0.5)",
    "Input(8, 4, 4)\nDropout2d()",
    "Input(8, 2, 4, 4)\nDropout3d(0.1)",
    "Input(128)\nAlphaDropout(0.2)",
]

ACTIVATIONS = [
    f"Input(6, 5)\n{layer}"
    for layer in [
        "ReLU()",
        "ReLU(inplace=True)",
        "ReLU6()",
        "LeakyReLU()",
        "LeakyReLU(0.2, True)",
        "LeakyReLU(negative_slope=-0.5)",
        "ELU(alpha=0.5)",
        "CELU(2.0)",
        "SELU()",
        "GELU()",
        'GELU(approximate="tanh")',
        "SiLU()",
        "Sigmoid()",
        "Tanh()",
        "Softplus(beta=2, threshold=10)",
        "Softsign()",
        "Hardswish()",
        "Hardsigmoid()",
        "Mish()",
        "LogSigmoid()",
        "Tanhshrink()",
        "Softmax(dim=1)",
        "Softmax(dim=-1)",
        "LogSoftmax(dim=2)",
        "Softmin(dim=-2)",
        "PReLU()",
        "PReLU(6)",
        "PReLU(num_parameters=6, init=0.1)",
    ]
] + ["Input(32, 8, 8)\nPReLU(32)", "Input(10)\nPReLU(10)"]

NORMALIZATION = [
    "Input(32, 26, 26)\nBatchNorm2d(32)",
    "Input(32, 26, 26)\nBatchNorm2d(32, affine=False)",
    "Input(32, 26, 26)\nBatchNorm2d(32, track_running_stats=False)",
    "Input(32, 26, 26)\nBatchNorm2d(32, 1e-3, None, True, False)",
    "Input(32, 26, 26)\nBatchNorm2d(32, bias=False)",
    "Input(128)\nBatchNorm1d(128)",
    "Input(16, 10)\nBatchNorm1d(16, momentum=0.01)",
    "Input(4, 2, 3, 3)\nBatchNorm3d(4)",
    "Input(4, 2, 3, 3)\nBatchNorm3d(4, affine=False, track_running_stats=False)",
    "Input(10, 64)\nLayerNorm(64)",
    "Input(10, 64)\nLayerNorm((64,), eps=1e-6)",
    "Input(4, 5, 6)\nLayerNorm((5, 6))",
    "Input(4, 5, 6)\nLayerNorm((4, 5, 6), bias=False)",
    "Input(4, 5, 6)\nLayerNorm(6, elementwise_affine=False)",
    "Input(32, 6, 6)\nGroupNorm(8, 32)",
    "Input(32, 6, 6)\nGroupNorm(32, 32, affine=False)",
    "Input(6, 5)\nGroupNorm(3, 6, bias=False)",
]

SEQUENCES = [
    "Input(100)\nEmbedding(10000, 64)",
    "Input(4, 5)\nEmbedding(10, 3, padding_idx=-10, max_norm=1.0)",
    "Input(7)\nEmbedding(10, 3, 9, None, 1.0, True, True)",
    "Input(7)\nEmbedding(10, 3, _freeze=True)",
    *(
        f"Input(12, 6)\n{kind}(6, 5{extra})"
        for kind in ("RNN", "LSTM", "GRU")
        for extra in [
            "",
            ", 2",
            ", num_layers=3, bidirectional=True",
            ", bias=False",
            ", batch_first=True, num_layers=2, dropout=0.5",
            ", 2, bidirectional=True, bias=False",
        ]
    ),
    'Input(12, 6)\nRNN(6, 5, 2, "relu", False, True, 0.0, True)',
    "Input(12, 6)\nLSTM(6, 5, 2, True, False, 0.0, True, 3)",
    "Input(12, 6)\nLSTM(6, 5, proj_size=4)",
    "Input(12, 6)\nLSTM(6, 8, num_layers=3, proj_size=2, bias=False)",
]

FROZEN = [
    "Input(3, 8, 8)\nConv2d(3, 4, 3, trainable=False)\nBatchNorm2d(4, trainable=False)\nFlatten()\n"
    "Linear(144, 2, name='head')",
    "Input(9)\nEmbedding(20, 4, _freeze=True)\nLSTM(4, 3, trainable=False)\nLinear(3, 1)",
]

LAYERS = {
    "convolution": CONVOLUTIONS,
    "transposed": TRANSPOSED,
    "pooling": POOLS,
    "dense-and-shape": DENSE_AND_SHAPE,
    "activation": ACTIVATIONS,
    "normalization": NORMALIZATION,
    "sequence": SEQUENCES,
    "frozen": FROZEN,
}


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(text, id=f"{family}-{i}")
        for family, texts in LAYERS.items()
        for i, text in enumerate(texts)
    ],
)
@pytest.mark.filterwarnings("ignore:dropout option adds dropout after all but last recurrent layer")
def test_layer_matches_torch(text: str) -> None:
    check_torch(text)


def test_every_layer_kind_is_checked() -> None:
    names = {call.name for texts in LAYERS.values() for text in texts for call in _split(text)[1]}
    assert names == set(CATALOGUES["pytorch"])


def test_every_catalogue_example_matches_torch() -> None:
    for kind in CATALOGUES["pytorch"].values():
        check_torch(f"{kind.example_input}\n{kind.example}")


def _torch_signature(name: str) -> tuple[list[tuple[str, Any]], list[tuple[str, Any]]] | None:
    """torch's positional and keyword-only parameters of a module, without device and dtype."""
    params = list(inspect.signature(getattr(nn, name).__init__).parameters.values())[1:]
    if any(p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) for p in params):
        return None  # Sigmoid(*args, **kwargs), the recurrent layers: written out below
    keep = [p for p in params if p.name not in ("device", "dtype")]

    def pairs(kind: Any) -> list[tuple[str, Any]]:
        return [(p.name, REQUIRED if p.default is p.empty else p.default) for p in keep if p.kind == kind]

    return pairs(inspect.Parameter.POSITIONAL_OR_KEYWORD), pairs(inspect.Parameter.KEYWORD_ONLY)


# torch.nn's recurrent layers take *args; their documented signatures (RNN moves
# nonlinearity to fourth place, and only LSTM has proj_size).
_RECURRENT = {
    "RNN": "input_size hidden_size num_layers nonlinearity bias batch_first dropout bidirectional",
    "LSTM": "input_size hidden_size num_layers bias batch_first dropout bidirectional proj_size",
    "GRU": "input_size hidden_size num_layers bias batch_first dropout bidirectional",
}


@pytest.mark.parametrize("name", sorted(CATALOGUES["pytorch"]))
def test_signature_is_torchs(name: str) -> None:
    signature = CATALOGUES["pytorch"][name].signature
    common = {part.split("=")[0].strip() for part in COMMON["pytorch"].split(",")}
    mine = list(zip(signature.names, signature.defaults, strict=True))
    positional = mine[: signature.positional]
    keyword = [(n, d) for n, d in mine[signature.positional :] if n not in common]
    if name in _RECURRENT:
        assert [n for n, _ in positional] == _RECURRENT[name].split()
        module = getattr(nn, name)(3, 4)
        for arg, default in positional[2:]:
            assert getattr(module, arg) == default, arg
        return
    theirs = _torch_signature(name)
    if theirs is None:
        assert mine == [(n, d) for n, d in mine if n in common], f"torch's {name} takes no arguments"
        return
    assert (positional, keyword) == theirs


def test_lesson_cnn_and_its_typo() -> None:
    lesson = (
        "Input(1, 28, 28)\nnn.Conv2d(1, 32, 3)\nnn.ReLU()\nnn.Conv2d(32, 64, 3)\nnn.ReLU()\n"
        "nn.MaxPool2d(2)\nnn.Dropout(0.25)\nnn.Flatten()\nnn.Linear(9216, 128)\nnn.ReLU()\n"
        "nn.Dropout(0.5)\nnn.Linear(128, 10)\nnn.LogSoftmax(dim=1)"
    )
    assert check_torch(lesson).total == 1_199_882
    typo = lesson.replace("9216", "9126")
    assert "mat1 and mat2 shapes cannot be multiplied" in (torch_rejects(typo) or "")
    with pytest.raises(BlockError, match="in_features is 9126, but its input has 9216 features"):
        compute(typo)


# ---------------------------------------------------------------------------------------------
# Blocks torch refuses (at construction or in the forward pass): we refuse them too
# ---------------------------------------------------------------------------------------------

REJECTED = {
    "kernel-larger-than-image": "Input(4, 10, 10)\nConv2d(4, 4, 11)",
    "dilated-kernel-too-large": "Input(4, 10, 10)\nConv2d(4, 4, 4, dilation=4)",
    "conv1d-too-long": "Input(4, 5)\nConv1d(4, 2, 6)",
    "conv3d-too-deep": "Input(3, 2, 16, 16)\nConv3d(3, 4, 3)",
    "in-channels": "Input(1, 28, 28)\nConv2d(3, 32, 3)",
    "channels-last-input": "Input(28, 28, 1)\nConv2d(1, 32, 3)",
    "in-features": "Input(64, 12, 12)\nFlatten()\nLinear(9126, 128)",
    "linear-before-flatten": "Input(64, 12, 12)\nLinear(9216, 128)",
    "same-with-stride": 'Input(3, 8, 8)\nConv2d(3, 8, 3, stride=2, padding="same")',
    "same-upper-case": 'Input(3, 8, 8)\nConv2d(3, 8, 3, padding="SAME")',
    "padding-word": 'Input(3, 8, 8)\nConv2d(3, 8, 3, padding="full")',
    "negative-padding": "Input(3, 8, 8)\nConv2d(3, 8, 3, padding=-1)",
    "groups-vs-in-channels": "Input(6, 8, 8)\nConv2d(6, 32, 3, groups=4)",
    "groups-vs-out-channels": "Input(8, 8, 8)\nConv2d(8, 6, 3, groups=4)",
    "padding-mode": 'Input(3, 8, 8)\nConv2d(3, 8, 3, padding_mode="zero")',
    "reflect-too-much": 'Input(3, 5, 5)\nConv2d(3, 8, 3, padding=5, padding_mode="reflect")',
    "reflect-same-too-much": 'Input(3, 5, 5)\nConv2d(3, 8, 10, padding="same", padding_mode="reflect")',
    "circular-too-much": 'Input(3, 5, 5)\nConv2d(3, 8, 3, padding=6, padding_mode="circular")',
    "zero-kernel": "Input(3, 8, 8)\nConv2d(3, 8, 0)",
    "zero-out-channels": "Input(3, 8, 8)\nConv2d(3, 0, 3)",
    "kernel-rank": "Input(1, 28, 28)\nConv2d(1, 32, (3, 3, 3))",
    "conv2d-on-a-vector": "Input(784)\nConv2d(1, 32, 3)",
    "transposed-output-padding": "Input(1, 5, 5)\nConvTranspose2d(1, 1, 3, stride=2, output_padding=2)",
    "transposed-padding-mode": 'Input(1, 5, 5)\nConvTranspose2d(1, 1, 3, padding_mode="reflect")',
    "transposed-negative-size": "Input(1, 5, 5)\nConvTranspose2d(1, 1, 1, padding=3)",
    "transposed-in-channels": "Input(2, 5, 5)\nConvTranspose2d(1, 1, 3)",
    "pool-padding": "Input(1, 10, 10)\nMaxPool2d(3, padding=2)",
    "pool-padding-dilated": "Input(1, 10, 10)\nMaxPool2d(3, padding=2, dilation=2)",
    "avg-pool-padding": "Input(1, 10)\nAvgPool1d(3, padding=2)",
    "pool-too-large": "Input(1, 10, 10)\nMaxPool2d(11)",
    "avg-pool-3d-window-beyond-the-input": "Input(1, 3, 3, 3)\nAvgPool3d((1, 1, 4), padding=(0, 0, 1))",
    "dilated-pool-too-large": "Input(1, 10, 10)\nMaxPool2d(3, dilation=5)",
    "pool-zero-stride": "Input(1, 10, 10)\nMaxPool2d(3, stride=0)",
    "avg-pool-divisor": "Input(1, 10, 10)\nAvgPool2d(2, divisor_override=0)",
    "adaptive-1d-none": "Input(4, 5)\nAdaptiveAvgPool1d((None,))",
    "adaptive-2d-rank": "Input(4, 5, 6)\nAdaptiveAvgPool2d((3,))",
    "adaptive-2d-none": "Input(4, 5, 6)\nAdaptiveMaxPool2d(None)",
    "adaptive-1d-on-image": "Input(4, 5, 6)\nAdaptiveAvgPool1d(3)",
    "batch-norm-features": "Input(32, 8, 8)\nBatchNorm2d(16)",
    "batch-norm-2d-on-sequence": "Input(32, 26)\nBatchNorm2d(32)",
    "batch-norm-1d-on-image": "Input(32, 8, 8)\nBatchNorm1d(32)",
    "layer-norm-shape": "Input(4, 5, 6)\nLayerNorm((4, 5))",
    "layer-norm-int": "Input(4, 5, 6)\nLayerNorm(5)",
    "group-norm-divisible": "Input(32, 4, 4)\nGroupNorm(3, 32)",
    "group-norm-channels": "Input(32, 4, 4)\nGroupNorm(4, 16)",
    "embedding-padding-idx": "Input(10)\nEmbedding(10, 3, padding_idx=10)",
    "rnn-input-size": "Input(7, 3)\nLSTM(4, 5)",
    "rnn-after-embedding": "Input(100)\nEmbedding(50, 8)\nGRU(16, 32)",
    "rnn-on-3d": "Input(7, 3, 4)\nLSTM(4, 5)",
    "rnn-proj-size": "Input(7, 4)\nLSTM(4, 5, proj_size=5)",
    "gru-proj-size": "Input(7, 4)\nGRU(4, 5, proj_size=2)",
    "rnn-nonlinearity": 'Input(7, 4)\nRNN(4, 5, nonlinearity="Relu")',
    "rnn-zero-layers": "Input(7, 4)\nLSTM(4, 5, num_layers=0)",
    "rnn-zero-hidden": "Input(7, 4)\nLSTM(4, 0)",
    "rnn-dropout": "Input(7, 4)\nLSTM(4, 5, 2, dropout=1.5)",
    "dropout-rate": "Input(10)\nDropout(1.5)",
    "dropout1d-on-image": "Input(3, 4, 5)\nDropout1d()",
    "dropout2d-on-sequence": "Input(3, 4)\nDropout2d()",  # torch warns it will become an error
    "dropout3d-on-a-sequence": "Input(3, 4)\nDropout3d()",  # torch warns it will become an error
    "lstm-on-a-vector": "Input(100)\nLSTM(100, 8)",
    "prelu-count": "Input(4, 5)\nPReLU(3)",
    "prelu-zero": "Input(4, 5)\nPReLU(0)",
    "softmax-dim": "Input(4, 5)\nSoftmax(dim=3)",
    "gelu-approximate": 'Input(10)\nGELU("Tanh")',
    "celu-alpha": "Input(10)\nCELU(0.0)",
    "flatten-order": "Input(4, 5, 6)\nFlatten(2, 1)",
    "flatten-range": "Input(4, 5, 6)\nFlatten(1, 5)",
    "unflatten-sizes": "Input(6, 5)\nUnflatten(1, (4, -1))",
    "unflatten-product": "Input(6, 5)\nUnflatten(1, (4, 2))",
    "linear-zero-in": "Input(10)\nLinear(0, 2)",
}


@pytest.mark.parametrize("text", [pytest.param(text, id=key) for key, text in REJECTED.items()])
def test_what_torch_rejects_we_reject(text: str) -> None:
    assert torch_rejects(text) is not None, "torch runs this block; it does not belong here"
    with pytest.raises(BlockError):
        compute(text)


# torch runs these, but they are mistakes in a block that describes one example's shapes;
# we refuse them on purpose, each with a message that says why.
REFUSED_ON_PURPOSE = {
    # the batch axis flattened into the features, or normalized across the batch
    "flatten-the-batch": ("Input(4, 5, 6)\nFlatten(0)", "the batch axis"),
    "softmax-over-the-batch": ("Input(10)\nSoftmax(dim=0)", "the batch axis"),
    # torch reads a batch of the wrong rank as one unbatched example of another layout
    "conv2d-on-a-sequence": ("Input(4, 5)\nConv2d(2, 2, 3)", "needs a 3-D input"),
    "dropout3d-on-an-image": ("Input(3, 4, 5)\nDropout3d()", "needs a 4-D input"),
    # an empty output (for ConvTranspose, torch refuses it for a batch of 1 only)
    "adaptive-to-nothing": ("Input(4, 5, 6)\nAdaptiveAvgPool2d(0)", "whole numbers ≥ 1"),
    "transposed-to-nothing": ("Input(1, 5, 5)\nConvTranspose2d(1, 1, 2, padding=3)", "a size of 0"),
}


@pytest.mark.parametrize(
    ("text", "words"), [pytest.param(*case, id=key) for key, case in REFUSED_ON_PURPOSE.items()]
)
def test_what_we_refuse_on_purpose(text: str, words: str) -> None:
    assert torch_rejects(text) is None, "torch refuses this now: move it to REJECTED"
    with pytest.raises(BlockError, match=words):
        compute(text)


# ---------------------------------------------------------------------------------------------
# Published totals: the networks written out as blocks and as nn.Sequential by hand
# ---------------------------------------------------------------------------------------------

LENET5 = """\
Input(1, 32, 32)
Conv2d(1, 6, 5, name="C1")
Tanh()
AvgPool2d(2, name="S2")
Conv2d(6, 16, 5, name="C3")
Tanh()
AvgPool2d(2, name="S4")
Flatten()
Linear(400, 120, name="C5")
Tanh()
Linear(120, 84, name="F6")
Tanh()
Linear(84, 10, name="Output")
"""

ALEXNET = """\
Input(3, 224, 224)
nn.Conv2d(3, 64, kernel_size=11, stride=4, padding=2)
nn.ReLU(inplace=True)
nn.MaxPool2d(kernel_size=3, stride=2)
nn.Conv2d(64, 192, kernel_size=5, padding=2)
nn.ReLU(inplace=True)
nn.MaxPool2d(kernel_size=3, stride=2)
nn.Conv2d(192, 384, kernel_size=3, padding=1)
nn.ReLU(inplace=True)
nn.Conv2d(384, 256, kernel_size=3, padding=1)
nn.ReLU(inplace=True)
nn.Conv2d(256, 256, kernel_size=3, padding=1)
nn.ReLU(inplace=True)
nn.MaxPool2d(kernel_size=3, stride=2)
nn.AdaptiveAvgPool2d((6, 6))
nn.Flatten()
nn.Dropout(p=0.5)
nn.Linear(256 * 6 * 6, 4096)
nn.ReLU(inplace=True)
nn.Dropout(p=0.5)
nn.Linear(4096, 4096)
nn.ReLU(inplace=True)
nn.Linear(4096, 1000)
"""

# VGG16 (configuration D): five stages of 3×3 convolutions, each followed by a 2×2 max pool.
_VGG16 = ((64, 64), (128, 128), (256, 256, 256), (512, 512, 512), (512, 512, 512))


def _vgg16_block() -> str:
    lines, channels = ["Input(3, 224, 224)"], 3
    for stage in _VGG16:
        for width in stage:
            lines += [f"nn.Conv2d({channels}, {width}, kernel_size=3, padding=1)", "nn.ReLU(inplace=True)"]
            channels = width
        lines.append("nn.MaxPool2d(kernel_size=2, stride=2)")
    lines += [
        "nn.AdaptiveAvgPool2d((7, 7))",
        "nn.Flatten()",
        "nn.Linear(512 * 7 * 7, 4096)",
        "nn.ReLU(True)",
        "nn.Dropout()",
        "nn.Linear(4096, 4096)",
        "nn.ReLU(True)",
        "nn.Dropout()",
        "nn.Linear(4096, 1000)",
    ]
    return "\n".join(lines)


def _lenet5_modules() -> list[Any]:
    return [
        nn.Conv2d(1, 6, 5),
        nn.Tanh(),
        nn.AvgPool2d(2),
        nn.Conv2d(6, 16, 5),
        nn.Tanh(),
        nn.AvgPool2d(2),
        nn.Flatten(),
        nn.Linear(400, 120),
        nn.Tanh(),
        nn.Linear(120, 84),
        nn.Tanh(),
        nn.Linear(84, 10),
    ]


def _alexnet_modules() -> list[Any]:
    """torchvision.models.alexnet's layers, written out (torchvision is not a dependency)."""
    features = [
        nn.Conv2d(3, 64, kernel_size=11, stride=4, padding=2),
        nn.ReLU(inplace=True),
        nn.MaxPool2d(kernel_size=3, stride=2),
        nn.Conv2d(64, 192, kernel_size=5, padding=2),
        nn.ReLU(inplace=True),
        nn.MaxPool2d(kernel_size=3, stride=2),
        nn.Conv2d(192, 384, kernel_size=3, padding=1),
        nn.ReLU(inplace=True),
        nn.Conv2d(384, 256, kernel_size=3, padding=1),
        nn.ReLU(inplace=True),
        nn.Conv2d(256, 256, kernel_size=3, padding=1),
        nn.ReLU(inplace=True),
        nn.MaxPool2d(kernel_size=3, stride=2),
    ]
    classifier = [
        nn.Dropout(p=0.5),
        nn.Linear(256 * 6 * 6, 4096),
        nn.ReLU(inplace=True),
        nn.Dropout(p=0.5),
        nn.Linear(4096, 4096),
        nn.ReLU(inplace=True),
        nn.Linear(4096, 1000),
    ]
    return [*features, nn.AdaptiveAvgPool2d((6, 6)), nn.Flatten(), *classifier]


def _vgg16_modules() -> list[Any]:
    """torchvision.models.vgg16's layers (configuration D, no batch norm), written out."""
    layers: list[Any] = []
    channels = 3
    for stage in _VGG16:
        for width in stage:
            layers += [nn.Conv2d(channels, width, kernel_size=3, padding=1), nn.ReLU(inplace=True)]
            channels = width
        layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
    classifier = [
        nn.Linear(512 * 7 * 7, 4096),
        nn.ReLU(True),
        nn.Dropout(),
        nn.Linear(4096, 4096),
        nn.ReLU(True),
        nn.Dropout(),
        nn.Linear(4096, 1000),
    ]
    return [*layers, nn.AdaptiveAvgPool2d((7, 7)), nn.Flatten(), *classifier]


@pytest.mark.parametrize(
    ("text", "modules", "total"),
    [
        pytest.param(LENET5, _lenet5_modules, 61_706, id="lenet5"),
        pytest.param(ALEXNET, _alexnet_modules, 61_100_840, id="alexnet"),
        pytest.param(_vgg16_block(), _vgg16_modules, 138_357_544, id="vgg16"),
    ],
)
def test_published_totals(text: str, modules: Any, total: int) -> None:
    report = compute(text)
    assert report.total == total
    shape, _ = _split(text)
    # On the meta device torch allocates nothing and computes only shapes: VGG16 in milliseconds.
    with torch.device("meta"):
        built = [m.eval() for m in modules()]
        x = torch.zeros((1, *shape))
    assert [(kind, s, p) for kind, s, p, _, _ in ours(report)] == [
        (kind, s, p) for kind, s, p, _, _ in theirs(built, x)
    ]
    assert _count(nn.Sequential(*built).parameters()) == total


# ---------------------------------------------------------------------------------------------
# Property-based: random valid models, built in torch as they are drawn
# ---------------------------------------------------------------------------------------------


def _sizes_text(values: list[int], as_int: bool) -> str:
    if as_int and len(set(values)) == 1:
        return str(values[0])
    return "(" + ", ".join(str(v) for v in values) + ("," if len(values) == 1 else "") + ")"


def _divisors(n: int) -> list[int]:
    return [d for d in range(1, n + 1) if n % d == 0]


_ACTIVATION_LINES = [
    "ReLU()",
    "ReLU(inplace=True)",
    "ReLU6()",
    "LeakyReLU(0.1)",
    "ELU()",
    "GELU()",
    "SiLU()",
    "Sigmoid()",
    "Tanh()",
    "Softplus()",
    "Hardswish()",
    "Mish()",
    "Identity()",
    "Softmax(dim=1)",
    "LogSoftmax(dim=-1)",
    "Softmin(dim=-1)",
    "SELU()",
    "CELU(0.5)",
    "Softsign()",
    "Hardsigmoid()",
    "LogSigmoid()",
    "Tanhshrink()",
]


if st is not None:

    class _Drawn:
        """A model being drawn: its lines and the zero batch that torch has pushed through them."""

        def __init__(self, draw: Any, shape: tuple[int, ...], *, tokens: bool = False) -> None:
            self.draw = draw
            self.lines = [f"Input({', '.join(map(str, shape))})"]
            # a batch of 2: torch's GroupNorm refuses to normalize a single value, whatever the shape
            self.x = torch.zeros((2, *shape), dtype=torch.long if tokens else torch.float32)

        @property
        def shape(self) -> tuple[int, ...]:
            return tuple(self.x.shape[1:])

        def add(self, line: str) -> None:
            if self.draw(st.integers(0, 11)) == 0:
                line = line[:-1] + (", " if not line.endswith("()") else "") + "trainable=False)"
            (call,) = parse_block(line)
            with torch.no_grad():
                self.x = forward(torch_module(call), self.x)  # a generator bug fails here, in torch
            self.lines.append(line)

        def ints(self, values: list[int]) -> str:
            return _sizes_text(values, self.draw(st.booleans()))

    def _conv(m: _Drawn, rank: int) -> None:
        draw = m.draw
        channels, sizes = m.shape[0], list(m.shape[1:])
        groups = draw(st.sampled_from(_divisors(channels)))
        out = groups * draw(st.integers(1, max(1, 8 // groups)))
        same = draw(st.integers(0, 3)) == 0
        mode = draw(st.sampled_from(["zeros", "zeros", "reflect", "replicate", "circular"]))
        kernel, strides, pads, dilation = [], [], [], []
        for n in sizes:
            d = draw(st.integers(1, 2))
            s = 1 if same else draw(st.integers(1, 3))
            limit = {"reflect": n - 1, "circular": n}.get(mode, 3)
            p = draw(st.integers(0, max(0, min(2, limit))))
            largest = (n + 2 * p - 1) // d + 1
            if same:  # torch pads d·(k − 1) in all; reflect and circular need that within the input
                largest = min(
                    largest, {"reflect": (2 * (n - 1)) // d + 1, "circular": (2 * n) // d + 1}.get(mode, 5)
                )
            kernel.append(draw(st.integers(1, max(1, min(5, largest)))))
            strides.append(s)
            pads.append(p)
            dilation.append(d)
        extras = ""
        if same:
            extras += ', padding="same"'
        elif any(pads) or draw(st.booleans()):
            extras += f", padding={m.ints(pads)}"
        if any(s != 1 for s in strides):
            extras += f", stride={m.ints(strides)}"
        if any(d != 1 for d in dilation):
            extras += f", dilation={m.ints(dilation)}"
        if groups != 1:
            extras += f", groups={groups}"
        if draw(st.booleans()):
            extras += ", bias=False"
        if mode != "zeros":
            extras += f', padding_mode="{mode}"'
        m.add(f"Conv{rank}d({channels}, {out}, {m.ints(kernel)}{extras})")

    def _conv_transpose(m: _Drawn, rank: int) -> None:
        draw = m.draw
        channels, sizes = m.shape[0], list(m.shape[1:])
        groups = draw(st.sampled_from(_divisors(channels)))
        out = groups * draw(st.integers(1, max(1, 8 // groups)))
        kernel, strides, pads, extra, dilation = [], [], [], [], []
        for n in sizes:
            s = draw(st.integers(1, 2 if n <= 16 else 1))
            d = draw(st.integers(1, 2))
            k = draw(st.integers(1, 4))
            op = draw(st.integers(0, max(s, d) - 1))
            grown = (n - 1) * s + d * (k - 1) + op
            p = draw(st.integers(0, min(2, grown // 2)))
            kernel.append(k)
            strides.append(s)
            pads.append(p)
            extra.append(op)
            dilation.append(d)
        extras = f", stride={m.ints(strides)}" if any(s != 1 for s in strides) else ""
        extras += f", padding={m.ints(pads)}" if any(pads) else ""
        extras += f", output_padding={m.ints(extra)}" if any(extra) else ""
        extras += f", groups={groups}" if groups != 1 else ""
        extras += f", dilation={m.ints(dilation)}" if any(d != 1 for d in dilation) else ""
        extras += ", bias=False" if draw(st.booleans()) else ""
        m.add(f"ConvTranspose{rank}d({channels}, {out}, {m.ints(kernel)}{extras})")

    def _pool(m: _Drawn, rank: int) -> None:
        draw = m.draw
        sizes = list(m.shape[1:])
        op = draw(st.sampled_from(["Max", "Avg"]))
        dilated = op == "Max" and draw(st.booleans())
        kernel, strides, pads, dilation = [], [], [], []
        for n in sizes:
            d = draw(st.integers(1, 2)) if dilated else 1
            k = draw(st.integers(1, 4))
            p = draw(st.integers(0, k // 2))
            # the window fits the padded input (and, for AvgPool3d, the input itself)
            while n + 2 * p < d * (k - 1) + 1 or (op == "Avg" and rank == 3 and k > n):
                k -= 1
                p = min(p, k // 2)
            kernel.append(k)
            strides.append(draw(st.integers(1, 3)))
            pads.append(p)
            dilation.append(d)
        extras = f", stride={m.ints(strides)}" if draw(st.booleans()) else ""
        extras += f", padding={m.ints(pads)}" if any(pads) else ""
        extras += f", dilation={m.ints(dilation)}" if dilated else ""
        extras += ", ceil_mode=True" if draw(st.booleans()) else ""
        if op == "Avg":
            extras += ", count_include_pad=False" if draw(st.booleans()) else ""
            if rank > 1 and draw(st.integers(0, 3)) == 0:
                extras += f", divisor_override={draw(st.integers(1, 5))}"
        m.add(f"{op}Pool{rank}d({m.ints(kernel)}{extras})")

    def _adaptive(m: _Drawn, rank: int) -> None:
        draw = m.draw
        op = draw(st.sampled_from(["Avg", "Max"]))
        sizes = [draw(st.integers(1, 6)) for _ in range(rank)]
        text = m.ints(sizes)
        if rank > 1 and draw(st.booleans()):
            sizes_or_none = [str(s) if draw(st.booleans()) else "None" for s in sizes]
            text = "(" + ", ".join(sizes_or_none) + ")"
        m.add(f"Adaptive{op}Pool{rank}d({text})")

    def _normalization(m: _Drawn, rank: int) -> None:
        draw = m.draw
        channels = m.shape[0]
        kind = draw(st.sampled_from(["batch", "batch", "group", "layer"]))
        if kind == "batch":
            options = [
                ", affine=False" if draw(st.integers(0, 3)) == 0 else "",
                ", track_running_stats=False" if draw(st.integers(0, 3)) == 0 else "",
                ", bias=False" if draw(st.integers(0, 5)) == 0 else "",
            ]
            m.add(f"BatchNorm{max(rank, 1)}d({channels}{''.join(options)})")
        elif kind == "group":
            groups = draw(st.sampled_from(_divisors(channels)))
            affine = "" if draw(st.booleans()) else ", affine=False"
            m.add(f"GroupNorm({groups}, {channels}{affine})")
        else:
            last = draw(st.integers(1, len(m.shape)))
            dims = list(m.shape[-last:])
            text = str(dims[0]) if last == 1 and draw(st.booleans()) else _sizes_text(dims, False)
            bias = ", bias=False" if draw(st.integers(0, 3)) == 0 else ""
            m.add(f"LayerNorm({text}{bias})")

    def _elementwise(m: _Drawn, rank: int) -> None:
        draw = m.draw
        kind = draw(st.sampled_from(["act", "act", "prelu", "dropout"]))
        if kind == "act":
            m.add(draw(st.sampled_from(_ACTIVATION_LINES)))
        elif kind == "prelu":
            m.add(draw(st.sampled_from(["PReLU()", f"PReLU({m.shape[0]})"])))
        else:
            p = draw(st.sampled_from([0.0, 0.1, 0.5]))
            name = draw(st.sampled_from(["Dropout", "AlphaDropout", f"Dropout{rank}d", f"Dropout{rank}d"]))
            m.add(f"{name}({p})")

    def _head(m: _Drawn) -> None:
        draw = m.draw
        if len(m.shape) > 1 and draw(st.integers(0, 3)) > 0:
            start = draw(st.integers(1, len(m.shape)))
            m.add("Flatten()" if start == 1 and draw(st.booleans()) else f"Flatten({start})")
        if len(m.shape) == 1 and draw(st.integers(0, 3)) == 0:
            split = draw(st.sampled_from(_divisors(m.shape[0])))
            m.add(f"Unflatten(1, ({split}, -1))" if draw(st.booleans()) else f"Unflatten(-1, (-1, {split}))")
        for _ in range(draw(st.integers(0, 2))):
            units = draw(st.integers(1, 12))
            bias = "" if draw(st.booleans()) else ", bias=False"
            m.add(f"Linear({m.shape[-1]}, {units}{bias})")
            if len(m.shape) == 1 and draw(st.integers(0, 3)) == 0:
                m.add(f"BatchNorm1d({units})")
            if draw(st.booleans()):
                m.add(draw(st.sampled_from(_ACTIVATION_LINES)))

    def _feature_maps(draw: Any, rank: int) -> str:
        """Convolutions, pools and the layers between them on a (channels, *spatial) input."""
        largest = {1: 48, 2: 24, 3: 9}[rank]
        shape = (draw(st.integers(1, 6)), *(draw(st.integers(3, largest)) for _ in range(rank)))
        m = _Drawn(draw, shape)
        steps = [_conv, _conv, _conv, _conv_transpose, _pool, _pool, _adaptive, _normalization, _elementwise]
        for _ in range(draw(st.integers(1, 6))):
            step = draw(st.sampled_from(steps))
            if step is _conv_transpose and max(m.shape[1:]) > 32:
                step = _pool
            if step is _pool and min(m.shape[1:]) < 2:
                step = _elementwise
            step(m, rank)
        _head(m)
        return "\n".join(m.lines)

    def _sequence(draw: Any) -> str:
        """An embedding or a sequence of vectors, recurrent layers, and layers on the last axis."""
        length = draw(st.integers(1, 12))
        if draw(st.booleans()):
            m = _Drawn(draw, (length,), tokens=True)
            padding = f", padding_idx={draw(st.integers(-10, 9))}" if draw(st.booleans()) else ""
            m.add(f"Embedding(10, {draw(st.integers(1, 8))}{padding})")
        else:
            m = _Drawn(draw, (length, draw(st.integers(1, 8))))
        for _ in range(draw(st.integers(1, 3))):
            kind = draw(st.sampled_from(["RNN", "LSTM", "GRU", "LSTM", "norm", "linear", "act"]))
            if kind in ("RNN", "LSTM", "GRU"):
                hidden, layers = draw(st.integers(1, 8)), draw(st.integers(1, 3))
                extras = f", {layers}" if layers != 1 else ""
                extras += ", bidirectional=True" if draw(st.booleans()) else ""
                extras += ", bias=False" if draw(st.integers(0, 3)) == 0 else ""
                extras += ", batch_first=True" if draw(st.booleans()) else ""
                extras += ", dropout=0.25" if layers > 1 and draw(st.booleans()) else ""
                if kind == "RNN" and draw(st.booleans()):
                    extras += ', nonlinearity="relu"'
                if kind == "LSTM" and hidden > 1 and draw(st.booleans()):
                    extras += f", proj_size={draw(st.integers(1, hidden - 1))}"
                m.add(f"{kind}({m.shape[-1]}, {hidden}{extras})")
            elif kind == "norm":
                m.add(f"LayerNorm({m.shape[-1]})")
            elif kind == "linear":
                m.add(f"Linear({m.shape[-1]}, {draw(st.integers(1, 8))})")
            else:
                m.add(draw(st.sampled_from(_ACTIVATION_LINES)))
        _head(m)
        return "\n".join(m.lines)

    @st.composite
    def torch_models(draw: Any) -> str:
        """Block text of a random valid model; torch itself keeps track of the shapes as it is drawn."""
        family = draw(st.sampled_from(["image", "image", "image", "signal", "signal", "volume", "sequence"]))
        if family == "sequence":
            return _sequence(draw)
        return _feature_maps(draw, {"signal": 1, "image": 2, "volume": 3}[family])

    @settings(
        max_examples=300,
        deadline=None,
        derandomize=False,
        print_blob=True,  # a failure prints the blob that replays it (@reproduce_failure)
        database=None,  # nothing written into the work tree
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(torch_models())
    @pytest.mark.filterwarnings("ignore:dropout option adds dropout after all but last recurrent layer")
    def test_random_models_match_torch(text: str) -> None:
        check_torch(text)

else:

    def test_random_models_match_torch() -> None:
        pytest.skip("hypothesis is not installed")

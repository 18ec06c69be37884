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
from hypothesis import given

from mkdocs_paramcalc.dialects.layers import CATALOGUES
from mkdocs_paramcalc.errors import BlockError
from mkdocs_paramcalc.reading.signature import COMMON, REQUIRED
from mkdocs_paramcalc.report.model import Report
from tests.helpers import PYTORCH_SITE, compute
from tests.oracle import (
    BATCH,
    TORCH_MARKS,
    count,
    forward,
    input_and_layers,
    nn,
    random_examples,
    torch,
    torch_module,
    torch_tree,
    zeros,
)
from tests.torch_cases import LAYER_CASES, LAYERS, torch_models

pytestmark = TORCH_MARKS


# ---------------------------------------------------------------------------------------------
# The comparison: each module in turn, and the totals
# ---------------------------------------------------------------------------------------------

Row = tuple[str, tuple[int, ...], int, int, int]  # kind, shape, params, buffers, frozen params


def our_rows(report: Report) -> list[Row]:
    return [(r.kind, tuple(r.shape), r.params, r.buffers, r.non_trainable) for r in report.rows]


def torch_rows(modules: list[Any], x: Any) -> list[Row]:
    """What torch says of each module, the batch `x` flowing through them in turn."""
    rows = []
    with torch.no_grad():
        for module in modules:
            x = forward(module, x)
            params, buffers = count(module.parameters()), count(module.buffers())
            frozen = count(p for p in module.parameters() if not p.requires_grad)
            rows.append((type(module).__name__, tuple(x.shape[1:]), params, buffers, frozen))
    return rows


def check_against_torch(text: str, *, batch: int = BATCH) -> Report:
    """Compare every row and the totals of a PyTorch block with the torch modules it names."""
    report = compute(text, PYTORCH_SITE)
    assert report.framework == "pytorch"
    shape, calls = input_and_layers(text)
    assert tuple(report.input_shape) == shape
    modules = [torch_module(call) for call in calls]
    assert our_rows(report) == torch_rows(modules, zeros(shape, calls, batch))
    model = nn.Sequential(*modules)
    assert report.total == count(model.parameters())
    assert report.buffers == count(model.buffers())
    assert report.trainable == count(p for p in model.parameters() if p.requires_grad)
    return report


def torch_rejects(text: str) -> str | None:
    """torch's error (or warning) for a block it will not build or run, or None when it runs it."""
    shape, calls = input_and_layers(text)
    try:
        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("error")
            x = zeros(shape, calls, BATCH)
            for call in calls:
                x = forward(torch_module(call), x)
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    return None


# ---------------------------------------------------------------------------------------------
# One layer at a time, in many argument combinations (the cases: tests/torch_cases.py)
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", LAYER_CASES)
def test_layer_matches_torch(text: str) -> None:
    check_against_torch(text)


# Our own: the escape hatch, which torch.nn has not, checked against the modules it stands for,
# below; and free parameters and buffers, which torch declares as tensors, not modules
# (tests/test_parameters.py, tests/test_pasted_unfollowed.py).
OURS_ONLY = {"Custom", "Parameter", "Buffer"}
TORCH_KINDS = sorted(set(CATALOGUES["pytorch"]) - OURS_ONLY)


def test_every_layer_kind_is_checked() -> None:
    names = {call.name for texts in LAYERS.values() for text in texts for call in input_and_layers(text)[1]}
    assert names == set(TORCH_KINDS)


def test_every_catalogue_example_matches_torch() -> None:
    for name in TORCH_KINDS:
        kind = CATALOGUES["pytorch"][name]
        check_against_torch(f"{kind.example_input}\n{kind.example}")


def test_custom_stands_for_the_modules_it_describes() -> None:
    """A Custom row counts and shapes as the torch modules its author describes."""
    report = compute(
        'Input(3, 32, 32)\nCustom(params="(5 * 5 * 3 + 1) * 6", output=(6, 28, 28))\n'
        'Custom(params="2 * 6", trainable=False)\nCustom(output=(6, 14, 14))',
        PYTORCH_SITE,
    )
    modules = [nn.Conv2d(3, 6, 5), nn.BatchNorm2d(6, track_running_stats=False).requires_grad_(False)]
    modules.append(nn.MaxPool2d(2))
    theirs = torch_rows(modules, torch.zeros((BATCH, 3, 32, 32)))
    assert [(s, p, f) for _, s, p, _, f in our_rows(report)] == [(s, p, f) for _, s, p, _, f in theirs]
    assert (report.total, report.trainable) == (count(nn.Sequential(*modules).parameters()), 456)


def _torch_signature(name: str) -> tuple[list[tuple[str, Any]], list[tuple[str, Any]]] | None:
    """torch's positional and keyword-only parameters of a module, without device and dtype."""
    params = list(inspect.signature(getattr(nn, name).__init__).parameters.values())[1:]
    if any(p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) for p in params):
        return None  # Sigmoid(*args, **kwargs), the recurrent layers: written out below
    keep = [p for p in params if p.name not in ("device", "dtype")]

    def default(p: inspect.Parameter) -> Any:
        if p.default is p.empty:
            return REQUIRED
        # a function as default (TransformerEncoderLayer's F.relu) is written by its name: "relu"
        return p.default.__name__ if inspect.isfunction(p.default) else p.default

    def pairs(kind: Any) -> list[tuple[str, Any]]:
        return [(p.name, default(p)) for p in keep if p.kind == kind]

    return pairs(inspect.Parameter.POSITIONAL_OR_KEYWORD), pairs(inspect.Parameter.KEYWORD_ONLY)


# torch.nn's recurrent layers take *args; their documented signatures (RNN moves
# nonlinearity to fourth place, and only LSTM has proj_size).
_RECURRENT = {
    "RNN": "input_size hidden_size num_layers nonlinearity bias batch_first dropout bidirectional",
    "LSTM": "input_size hidden_size num_layers bias batch_first dropout bidirectional proj_size",
    "GRU": "input_size hidden_size num_layers bias batch_first dropout bidirectional",
}


@pytest.mark.parametrize("name", TORCH_KINDS)
def test_signature_is_torchs(name: str) -> None:
    signature = CATALOGUES["pytorch"][name].signature
    common = {part.split("=")[0].strip() for part in COMMON["pytorch"].split(",")}
    mine = list(zip(signature.names, signature.defaults, strict=True))
    positional = mine[: signature.positional]
    inputs = CATALOGUES["pytorch"][name].inputs
    keyword = [(n, d) for n, d in mine[signature.positional :] if n not in (*common, *inputs)]
    # another input's shape is written as the module's forward names that input
    assert set(inputs) <= set(inspect.signature(getattr(nn, name).forward).parameters)
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
    assert check_against_torch(lesson).total == 1_199_882
    typo = lesson.replace("9216", "9126")
    assert "mat1 and mat2 shapes cannot be multiplied" in (torch_rejects(typo) or "")
    with pytest.raises(BlockError, match="in_features is 9126, but its input has 9216 features"):
        compute(typo, PYTORCH_SITE)


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
    "pad-odd-tuple": "Input(3, 5, 5)\nZeroPad2d((1, 2, 3))",
    "pad-float": "Input(3, 5, 5)\nZeroPad2d(1.5)",
    "pad-crops-everything": "Input(3, 5, 5)\nZeroPad2d(-3)",
    "constant-pad-no-value": "Input(3, 5, 5)\nConstantPad2d(1)",
    "reflection-pad-too-much": "Input(3, 5, 5)\nReflectionPad2d(5)",
    "reflection-pad-one-side": "Input(3, 5)\nReflectionPad1d((0, 5))",
    "replication-pad-crops-everything": "Input(3, 5, 5)\nReplicationPad2d(-3)",
    "circular-pad-twice-around": "Input(3, 5, 5)\nCircularPad2d((-5, 7, 0, 0))",
    "circular-pad-crops-everything": "Input(3, 5, 5)\nCircularPad2d(-3)",
    "reflection-pad-2d-on-a-volume": "Input(2, 3, 5, 5)\nReflectionPad2d(1)",
    "replication-pad-1d-on-an-image": "Input(2, 3, 5)\nReplicationPad1d(1)",
    "circular-pad-3d-on-an-image-batch": "Input(2, 3, 4, 5, 6)\nCircularPad3d(1)",
    "upsample-neither": "Input(3, 5, 5)\nUpsample()",
    "upsample-both": "Input(3, 5, 5)\nUpsample(size=3, scale_factor=2)",
    "upsample-to-nothing": "Input(3, 5, 5)\nUpsample(scale_factor=0.1)",
    "upsample-negative": "Input(3, 5, 5)\nUpsample(scale_factor=-2)",
    "upsample-size-zero": "Input(3, 5, 5)\nUpsample(size=(0, 3))",
    "upsample-size-rank": "Input(3, 5, 5)\nUpsample(size=(7, 8, 9))",
    "upsample-factor-rank": "Input(3, 5, 5)\nUpsample(scale_factor=(2, 2, 2))",
    "upsample-mode-case": 'Input(3, 5, 5)\nUpsample(scale_factor=2, mode="Bilinear")',
    "upsample-bilinear-on-a-volume": 'Input(3, 5, 5, 5)\nUpsample(scale_factor=2, mode="bilinear")',
    "upsample-linear-on-an-image": 'Input(3, 5, 5)\nUpsample(scale_factor=2, mode="linear")',
    "upsample-align-corners-nearest": "Input(3, 5, 5)\nUpsample(scale_factor=2, align_corners=True)",
    "upsample-recompute-with-size": "Input(3, 5, 5)\nUpsample(size=3, recompute_scale_factor=True)",
    "upsample-a-vector": "Input(5)\nUpsample(scale_factor=2)",
    "upsample-too-many-axes": "Input(2, 3, 4, 5, 6)\nUpsample(scale_factor=2)",
    "channel-shuffle-groups": "Input(4, 3)\nChannelShuffle(3)",
    "channel-shuffle-zero": "Input(4, 3)\nChannelShuffle(0)",
    "channel-shuffle-a-vector": "Input(4)\nChannelShuffle(2)",
    "pixel-shuffle-channels": "Input(6, 3, 3)\nPixelShuffle(2)",
    "pixel-shuffle-zero": "Input(8, 3, 3)\nPixelShuffle(0)",
    "pixel-unshuffle-height": "Input(2, 5, 6)\nPixelUnshuffle(2)",
    "pixel-unshuffle-width": "Input(2, 4, 5)\nPixelUnshuffle(2)",
    "instance-norm-channels-affine": "Input(3, 5, 5)\nInstanceNorm2d(4, affine=True)",
    "instance-norm-channels": "Input(3, 5, 5)\nInstanceNorm2d(4)",  # torch warns
    "instance-norm-one-value": "Input(3, 1, 1)\nInstanceNorm2d(3)",
    "instance-norm-1d-on-an-image-batch": "Input(2, 3, 4, 5)\nInstanceNorm1d(2)",
    "instance-norm-2d-on-a-vector": "Input(3)\nInstanceNorm2d(3)",
    "lrn-zero-size": "Input(3, 4, 5)\nLocalResponseNorm(0)",
    "lrn-on-a-vector": "Input(3)\nLocalResponseNorm(2)",
    "rms-norm-shape": "Input(3, 4, 5)\nRMSNorm(4)",
    "rms-norm-too-long": "Input(4, 5)\nRMSNorm((3, 4, 5))",
    "attention-embed-dim": "Input(10, 16)\nMultiheadAttention(12, 4)",
    "attention-heads-divide": "Input(10, 16)\nMultiheadAttention(16, 3)",
    "attention-kdim": "Input(10, 16)\nMultiheadAttention(16, 4, kdim=8)",
    "attention-vdim": "Input(10, 16)\nMultiheadAttention(16, 4, vdim=32, batch_first=True)",
    "attention-on-an-image": "Input(3, 10, 16)\nMultiheadAttention(16, 4)",
    "attention-zero-heads": "Input(10, 16)\nMultiheadAttention(16, 0)",
    "attention-on-a-vector": "Input(16)\nMultiheadAttention(16, 1)",
}


@pytest.mark.parametrize("text", [pytest.param(text, id=key) for key, text in REJECTED.items()])
def test_what_torch_rejects_we_reject(text: str) -> None:
    assert torch_rejects(text) is not None, "torch runs this block; it does not belong here"
    with pytest.raises(BlockError):
        compute(text, PYTORCH_SITE)


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
    "pad-to-nothing": ("Input(3, 5, 5)\nZeroPad2d((-2, -3, 0, 0))", "leaves nothing"),
    "zero-pad-the-batch": ("Input(5)\nZeroPad2d(1)", "pad the batch axis"),
    # torch passes a tuple of any even length on to F.pad; its documentation says 2 × rank
    "pad-1d-with-four-amounts": ("Input(3, 5, 5)\nZeroPad1d((1, 1, 1, 1))", "needs an int or 2 ints"),
    "pixel-shuffle-a-sequence": (
        "Input(8, 4)\nPixelShuffle(1)",
        "needs an input of",
    ),
    "instance-norm-on-a-vector": ("Input(4)\nInstanceNorm1d(2, affine=True)", "needs a 2-D input"),
    # torch drops nothing at inference, and checks the rate only then
    "attention-dropout": ("Input(10, 16)\nMultiheadAttention(16, 4, dropout=1.5)", "from 0 to 1"),
}


@pytest.mark.parametrize(
    ("text", "words"), [pytest.param(*case, id=key) for key, case in REFUSED_ON_PURPOSE.items()]
)
def test_what_we_refuse_on_purpose(text: str, words: str) -> None:
    assert torch_rejects(text) is None, "torch refuses this now: move it to REJECTED"
    with pytest.raises(BlockError, match=words):
        compute(text, PYTORCH_SITE)


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
    report = compute(text, PYTORCH_SITE)
    assert report.total == total
    shape, _ = input_and_layers(text)
    # On the meta device torch allocates nothing and computes only shapes: VGG16 in milliseconds.
    with torch.device("meta"):
        built = [m.eval() for m in modules()]
        x = torch.zeros((1, *shape))
    assert [(kind, s, p) for kind, s, p, _, _ in our_rows(report)] == [
        (kind, s, p) for kind, s, p, _, _ in torch_rows(built, x)
    ]
    assert count(nn.Sequential(*built).parameters()) == total


@random_examples(300)
@given(torch_models())
def test_random_models_match_torch(text: str) -> None:
    check_against_torch(text)


# ---------------------------------------------------------------------------------------------
# A U-Net level: the skip connection concatenated with the upsampled path from below
# ---------------------------------------------------------------------------------------------

UNET_LEVEL = """\
Input(3, 64, 64)
nn.Conv2d(3, 32, 3, padding=1)
nn.BatchNorm2d(32)
nn.ReLU(inplace=True)
Branches(
    [],
    [
        nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.InstanceNorm2d(64, affine=True), nn.ReLU(inplace=True),
        nn.Upsample(scale_factor=2, mode="bilinear", align_corners=True),
        nn.Conv2d(64, 32, 1),
    ],
    merge="concat",
)
nn.ReflectionPad2d(1)
nn.Conv2d(64, 32, 3)
nn.ReLU(inplace=True)
nn.Conv2d(32, 2, 1)
"""


def test_unet_level_with_upsample_and_concatenation() -> None:
    report = compute(UNET_LEVEL, PYTORCH_SITE)
    shape, calls = input_and_layers(UNET_LEVEL)
    model = nn.Sequential(*(torch_tree(call) for call in calls)).eval()
    with torch.no_grad():
        out = model(torch.zeros((BATCH, *shape)))
    assert tuple(report.rows[-1].shape) == tuple(out.shape[1:]) == (2, 64, 64)
    assert report.total == count(model.parameters()) == 896 + 64 + 18_496 + 128 + 2_080 + 18_464 + 66
    assert report.buffers == count(model.buffers()) == 65
    branches = next(r for r in report.rows if r.kind == "Branches")
    assert tuple(branches.shape) == (64, 64, 64)

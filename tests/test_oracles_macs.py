"""Oracles for MACs and memory: every layer's count against fvcore, the sizes against torchinfo.

PyTorch blocks are built as real `torch.nn` modules (as tests/test_oracles_torch.py builds
them) and traced by fvcore's `FlopCountAnalysis`; its per-module figures (`by_module()`)
must equal our rows. Keras blocks are checked through the torch layers that compute the
same thing: each Keras block comes with its torch equivalent, whose output shapes must be
the Keras shapes (channels moved first) before fvcore's counts are compared. torchinfo's
summary of the same modules gives the parameter, activation and total sizes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from hypothesis import given

from mkdocs_paramcalc.dialects.layers import CATALOGUES
from mkdocs_paramcalc.reading.parse import parse_block
from mkdocs_paramcalc.report.memory import activation_bytes, forward_backward_bytes, params_bytes
from mkdocs_paramcalc.report.model import Report
from tests.helpers import PYTORCH_SITE, block_options, compute
from tests.oracle import (
    BATCH,
    TORCH_MARKS,
    Chain,
    fvcore_counts,
    input_and_layers,
    nn,
    random_examples,
    torch,
    torch_module,
    zeros,
)
from tests.torch_cases import LAYER_CASES, torch_models

pytest.importorskip("fvcore.nn")
torchinfo = pytest.importorskip("torchinfo")

pytestmark = [
    *TORCH_MARKS,
    pytest.mark.usefixtures("_quiet_fvcore"),
    # jit tracing, which fvcore uses, warns about what it cannot follow (never about a count)
    pytest.mark.filterwarnings("ignore::torch.jit.TracerWarning"),
]


@pytest.fixture(scope="module")
def _quiet_fvcore() -> Iterator[None]:
    """fvcore logs each operator it skips, which is not news."""
    logger = logging.getLogger("fvcore")
    before = logger.level
    logger.setLevel(logging.ERROR)
    yield
    logger.setLevel(before)


def check_macs(text: str) -> Report:
    """Every row's MACs and the total against fvcore, for a PyTorch block."""
    report = compute(text, PYTORCH_SITE)
    shape, calls = input_and_layers(text)
    chain = Chain([torch_module(call) for call in calls])
    with torch.no_grad():
        theirs = fvcore_counts(chain, zeros(shape, calls, BATCH))
    assert [r.macs for r in report.rows] == theirs
    assert report.macs == sum(theirs)
    return report


# ---------------------------------------------------------------------------------------------
# PyTorch: every layer kind, in the argument combinations of the shape and count oracles
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", LAYER_CASES)
def test_layer_macs_match_fvcore(text: str) -> None:
    check_macs(text)


def test_lesson_cnn_in_pytorch() -> None:
    report = check_macs(
        "Input(1, 28, 28)\nConv2d(1, 32, 3)\nReLU()\nConv2d(32, 64, 3)\nReLU()\nMaxPool2d(2)\n"
        "Flatten()\nLinear(9216, 128)\nReLU()\nLinear(128, 10)"
    )
    assert report.macs == 11_992_448


def test_recurrent_layers_count_nothing_and_say_why() -> None:
    report = check_macs("Input(12, 6)\nLSTM(6, 5)\nLinear(5, 3)")
    lstm, linear = report.rows
    assert (lstm.macs, lstm.macs_note) == (0, "fvcore has no handle for recurrent layers")
    assert linear.macs == 12 * 3 * 5


# ---------------------------------------------------------------------------------------------
# Keras: each block beside the torch layers that compute the same, row by row
# ---------------------------------------------------------------------------------------------

Modules = Callable[[], list[list[Any]]]  # for each Keras row, the torch modules it amounts to

KERAS = block_options("keras")


class LastStep(nn.Module):  # type: ignore[misc]
    """What a Keras recurrent layer without return_sequences keeps: the last step."""

    def forward(self, x: Any) -> Any:
        return x[:, -1]


class KerasAttention(nn.Module):  # type: ignore[misc]
    """Keras' MultiHeadAttention on (batch, steps, features), in torch: a query, key and value
    projection, the heads' attention, an output projection (fvcore counts the four linears). As
    self-attention; or, given `other` (length, value features, key features), attention to another
    sequence, whose zeros the forward makes; with `gate`, a sigmoid gate from the query."""

    def __init__(
        self,
        features: int,
        heads: int,
        key: int,
        value: int,
        output: int,
        bias: bool,
        other: tuple[int, int, int] | None = None,
        gate: bool = False,
    ) -> None:
        super().__init__()
        self.heads, self.other = heads, other
        values, keys = (features, features) if other is None else other[1:]
        self.query, self.key = nn.Linear(features, heads * key, bias), nn.Linear(keys, heads * key, bias)
        self.value = nn.Linear(values, heads * value, bias)
        self.gate = nn.Linear(features, heads * value, bias) if gate else None
        self.output = nn.Linear(heads * value, output, bias)

    def forward(self, x: Any) -> Any:
        def split(y: Any) -> Any:  # (batch, heads, steps, width)
            return y.unflatten(-1, (self.heads, -1)).transpose(1, 2)

        value = key = x
        if self.other is not None:
            length, values, keys = self.other
            value, key = torch.zeros((len(x), length, values)), torch.zeros((len(x), length, keys))
        q, k, v = split(self.query(x)), split(self.key(key)), split(self.value(value))
        heads = torch.nn.functional.scaled_dot_product_attention(q, k, v).transpose(1, 2).flatten(2)
        if self.gate is not None:
            heads = heads * torch.sigmoid(self.gate(x))
        return self.output(heads)


class KerasGroupQueryAttention(nn.Module):  # type: ignore[misc]
    """Keras' GroupQueryAttention as self-attention, in torch: queries of all heads, keys and values
    of the shared heads only, each shared head's keys and values serving its group of query heads."""

    def __init__(self, features: int, head: int, queries: int, shared: int) -> None:
        super().__init__()
        self.queries, self.shared = queries, shared
        self.query = nn.Linear(features, queries * head)
        self.key, self.value = nn.Linear(features, shared * head), nn.Linear(features, shared * head)
        self.output = nn.Linear(queries * head, features)

    def forward(self, x: Any) -> Any:
        def split(y: Any, heads: int) -> Any:
            return y.unflatten(-1, (heads, -1)).transpose(1, 2)

        group = self.queries // self.shared
        q = split(self.query(x), self.queries)
        k = split(self.key(x), self.shared).repeat_interleave(group, dim=1)
        v = split(self.value(x), self.shared).repeat_interleave(group, dim=1)
        heads = torch.nn.functional.scaled_dot_product_attention(q, k, v)
        return self.output(heads.transpose(1, 2).flatten(2))


KERAS_PAIRS: dict[str, tuple[str, tuple[int, ...], Modules]] = {
    "lesson-cnn": (
        'Input(28, 28, 1)\nConv2D(32, 3, activation="relu")\nConv2D(64, 3, activation="relu")\n'
        'MaxPooling2D(2)\nFlatten()\nDense(128, activation="relu")\nDense(10)',
        (1, 28, 28),
        lambda: [
            [nn.Conv2d(1, 32, 3), nn.ReLU()],
            [nn.Conv2d(32, 64, 3), nn.ReLU()],
            [nn.MaxPool2d(2)],
            [nn.Flatten()],
            [nn.Linear(9216, 128), nn.ReLU()],
            [nn.Linear(128, 10)],
        ],
    ),
    "conv1d-same-causal": (
        'Input(19, 4)\nConv1D(8, 3, strides=2, padding="same")\n'
        'Conv1D(6, 2, padding="causal", use_bias=False)',
        (4, 19),
        lambda: [
            [nn.Conv1d(4, 8, 3, stride=2, padding=1)],
            [nn.ConstantPad1d((1, 0), 0.0), nn.Conv1d(8, 6, 2, bias=False)],  # causal: padded on the left
        ],
    ),
    "conv2d-grouped-dilated": (
        "Input(19, 16, 4)\nConv2D(8, (3, 2), groups=2, dilation_rate=2)",
        (4, 19, 16),
        lambda: [[nn.Conv2d(4, 8, (3, 2), groups=2, dilation=2)]],
    ),
    "conv3d": (
        "Input(7, 9, 8, 3)\nConv3D(5, 3, strides=(1, 2, 2))",
        (3, 7, 9, 8),
        lambda: [[nn.Conv3d(3, 5, 3, stride=(1, 2, 2))]],
    ),
    "conv2d-channels-first": (
        'Input(3, 12, 10)\nConv2D(4, 3, data_format="channels_first")',
        (3, 12, 10),
        lambda: [[nn.Conv2d(3, 4, 3)]],
    ),
    "transposed-2d": (
        'Input(7, 7, 6)\nConv2DTranspose(4, 3, strides=2, padding="same")',
        (6, 7, 7),
        lambda: [[nn.ConvTranspose2d(6, 4, 3, stride=2, padding=1, output_padding=1)]],
    ),
    "transposed-1d": (
        "Input(9, 5)\nConv1DTranspose(3, 4, strides=3)",
        (5, 9),
        lambda: [[nn.ConvTranspose1d(5, 3, 4, stride=3)]],
    ),
    "transposed-3d": (
        "Input(3, 4, 4, 2)\nConv3DTranspose(3, 2, strides=2, use_bias=False)",
        (2, 3, 4, 4),
        lambda: [[nn.ConvTranspose3d(2, 3, 2, stride=2, bias=False)]],
    ),
    "depthwise-separable-2d": (
        "Input(14, 14, 6)\nDepthwiseConv2D(3, depth_multiplier=2)\nSeparableConv2D(8, 3, depth_multiplier=3)",
        (6, 14, 14),
        lambda: [
            [nn.Conv2d(6, 12, 3, groups=6)],
            [nn.Conv2d(12, 36, 3, groups=12, bias=False), nn.Conv2d(36, 8, 1)],
        ],
    ),
    "depthwise-separable-1d": (
        'Input(20, 4)\nSeparableConv1D(6, 5, padding="same")\nDepthwiseConv1D(3, strides=2, use_bias=False)',
        (4, 20),
        lambda: [
            [nn.Conv1d(4, 4, 5, padding=2, groups=4, bias=False), nn.Conv1d(4, 6, 1)],
            [nn.Conv1d(6, 6, 3, stride=2, groups=6, bias=False)],
        ],
    ),
    "dense-on-a-feature-map": (
        "Input(6, 5, 7)\nDense(3)\nDense(2, use_bias=False)",
        (6, 5, 7),  # torch's Linear acts on the last axis too: the same layout
        lambda: [[nn.Linear(7, 3)], [nn.Linear(3, 2, bias=False)]],
    ),
    "pooling": (
        "Input(12, 12, 4)\nAveragePooling2D(2)\nMaxPooling2D(2)\nGlobalAveragePooling2D()",
        (4, 12, 12),
        lambda: [[nn.AvgPool2d(2)], [nn.MaxPool2d(2)], [nn.AdaptiveAvgPool2d(1), nn.Flatten()]],
    ),
    "attention": (
        "Input(12, 16)\nMultiHeadAttention(4, 8)\n"
        "MultiHeadAttention(2, 3, value_dim=5, output_shape=6, use_bias=False)",
        (12, 16),
        lambda: [[KerasAttention(16, 4, 8, 8, 16, True)], [KerasAttention(16, 2, 3, 5, 6, False)]],
    ),
    "cross-attention": (
        "Input(12, 16)\nMultiHeadAttention(4, 8, value=(7, 10))\n"
        "MultiHeadAttention(2, 3, value_dim=5, use_gate=True, use_bias=False, output_shape=6, value=(9, 4), "
        "key=(9, 11))",
        (12, 16),
        lambda: [
            [KerasAttention(16, 4, 8, 8, 16, True, other=(7, 10, 10))],
            [KerasAttention(16, 2, 3, 5, 6, False, other=(9, 4, 11), gate=True)],
        ],
    ),
    "grouped-query-attention": (
        "Input(12, 16)\nGroupQueryAttention(8, 4, 2)",
        (12, 16),
        lambda: [[KerasGroupQueryAttention(16, 8, 4, 2)]],
    ),
    "global-pooling-1d": (
        "Input(10, 4)\nGlobalAveragePooling1D()",
        (4, 10),
        lambda: [[nn.AdaptiveAvgPool1d(1), nn.Flatten()]],
    ),
    "upsampling": (
        'Input(5, 6, 3)\nUpSampling2D(2)\nUpSampling2D((1, 2), interpolation="bilinear")\n'
        'UpSampling2D(2, interpolation="bicubic")',
        (3, 5, 6),
        lambda: [
            [nn.Upsample(scale_factor=2, mode="nearest")],
            [nn.Upsample(scale_factor=(1, 2), mode="bilinear")],
            [nn.Upsample(scale_factor=2, mode="bicubic")],
        ],
    ),
    "normalization": (
        "Input(8, 8, 4)\nBatchNormalization()\nBatchNormalization(scale=False)\n"
        "GroupNormalization(2)\nGroupNormalization(2, scale=False, center=False)",
        (4, 8, 8),
        lambda: [
            [nn.BatchNorm2d(4)],
            [nn.BatchNorm2d(4, affine=False)],
            [nn.GroupNorm(2, 4)],
            [nn.GroupNorm(2, 4, affine=False)],
        ],
    ),
    "layer-normalization": (
        "Input(10, 6)\nLayerNormalization()\nLayerNormalization(scale=False)\n"
        "LayerNormalization(rms_scaling=True)",
        (10, 6),
        lambda: [[nn.LayerNorm(6)], [nn.LayerNorm(6, elementwise_affine=False)], [nn.RMSNorm(6)]],
    ),
    "recurrent": (
        "Input(12, 6)\nLSTM(5, return_sequences=True)\nGRU(4, return_sequences=True)\nSimpleRNN(3)\nDense(3)",
        (12, 6),
        lambda: [
            [nn.LSTM(6, 5, batch_first=True)],
            [nn.GRU(5, 4, batch_first=True)],
            [nn.RNN(4, 3, batch_first=True), LastStep()],
            [nn.Linear(3, 3)],
        ],
    ),
    # A wrapper counts what its layer counts: twice for Bidirectional, at every step for TimeDistributed.
    "wrappers": (
        "Input(12, 6)\nBidirectional(LSTM(5, return_sequences=True))\nTimeDistributed(Dense(3))",
        (12, 6),
        lambda: [[nn.LSTM(6, 5, batch_first=True, bidirectional=True)], [nn.Linear(10, 3)]],
    ),
}


def _same_layout(torch_shape: tuple[int, ...], keras_shape: tuple[int, ...]) -> bool:
    """Keras' shape, or Keras' with its channels (last) moved first as torch has them."""
    return torch_shape in (keras_shape, (keras_shape[-1], *keras_shape[:-1]))


@pytest.mark.parametrize("case", sorted(KERAS_PAIRS))
def test_keras_macs_match_fvcore_on_the_same_torch_layers(case: str) -> None:
    text, shape, modules = KERAS_PAIRS[case]
    report = compute(text, KERAS)
    groups = modules()
    assert len(groups) == len(report.rows)
    chain = Chain([m for group in groups for m in group])
    x = torch.zeros((BATCH, *shape))
    counts = iter(fvcore_counts(chain, x))
    per_row = []
    with torch.no_grad():
        for row, group in zip(report.rows, groups, strict=True):
            x = Chain(group)(x)
            assert _same_layout(tuple(x.shape[1:]), tuple(row.shape)), f"{row.name}: not the same layer"
            per_row.append(sum(next(counts) for _ in group))
    assert [r.macs for r in report.rows] == per_row
    assert report.macs == sum(per_row)


def test_every_keras_kind_that_counts_macs_is_compared() -> None:
    counting = set()
    for kind in CATALOGUES["keras"].values():
        (row, *_) = compute(f"{kind.example_input}\n{kind.example}", KERAS).rows
        if row.macs_formula is not None or row.macs_note:
            counting.add(kind.name)
    compared = {call.name for text, _, _ in KERAS_PAIRS.values() for call in parse_block(text)[1:]}
    assert counting - compared == set()


def test_the_seed_model_reports_the_issues_total() -> None:
    text = KERAS_PAIRS["lesson-cnn"][0]
    report = compute(text, KERAS)
    assert report.macs == 11_992_448
    assert [r.macs for r in report.rows] == [194_688, 10_616_832, 0, 0, 1_179_648, 1_280]


# ---------------------------------------------------------------------------------------------
# Memory: torchinfo's sizes of the same modules
# ---------------------------------------------------------------------------------------------


def check_memory(text: str) -> None:
    report = compute(text, PYTORCH_SITE)
    shape, calls = input_and_layers(text)
    chain = Chain([torch_module(call) for call in calls])
    stats = torchinfo.summary(chain, input_data=zeros(shape, calls, 1), verbose=0, device="cpu")
    layers = [info for info in stats.summary_list if info.depth == 1]
    assert [activation_bytes(r) for r in report.rows] == [info.output_bytes for info in layers]
    assert params_bytes(report) == stats.total_param_bytes
    assert forward_backward_bytes(report) == stats.total_output_bytes


MEMORY = [
    "Input(1, 28, 28)\nConv2d(1, 32, 3)\nReLU()\nConv2d(32, 64, 3)\nReLU()\nMaxPool2d(2)\n"
    "Flatten()\nLinear(9216, 128)\nReLU()\nLinear(128, 10)",
    "Input(3, 16, 16)\nConv2d(3, 8, 3, padding=1, bias=False)\nBatchNorm2d(8)\nBatchNorm2d(8, affine=False)\n"
    "AdaptiveAvgPool2d(1)\nFlatten()\nLinear(8, 2)",
    "Input(9)\nEmbedding(20, 4)\nLSTM(4, 3, 2, bidirectional=True)\nLinear(6, 1)",
]


@pytest.mark.parametrize("text", MEMORY)
def test_memory_matches_torchinfo(text: str) -> None:
    check_memory(text)


# ---------------------------------------------------------------------------------------------
# Property-based: random valid models, their every layer against fvcore
# ---------------------------------------------------------------------------------------------


@random_examples(100)
@given(torch_models())
def test_random_models_macs_match_fvcore(text: str) -> None:
    check_macs(text)

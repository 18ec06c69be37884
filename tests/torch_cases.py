"""PyTorch blocks that the torch oracles and the MACs oracles both check: every layer kind in many
argument combinations, and random valid models drawn with torch tracking their shapes."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import strategies as st

from mkdocs_paramcalc.reading.parse import parse_block
from tests.oracle import divisors, forward, sizes_text, torch, torch_module

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
    "Input(32, 6, 6)\nInstanceNorm2d(32)",
    "Input(32, 6, 6)\nInstanceNorm2d(32, affine=True)",
    "Input(32, 6, 6)\nInstanceNorm2d(32, 1e-3, 0.2, True, True)",
    "Input(32, 6, 6)\nInstanceNorm2d(32, affine=True, bias=False)",
    "Input(3, 1, 1)\nInstanceNorm2d(3, track_running_stats=True)",
    "Input(16, 10)\nInstanceNorm1d(16, track_running_stats=True, momentum=None)",
    "Input(16, 10)\nInstanceNorm1d(16, affine=True)",
    "Input(4, 2, 3, 3)\nInstanceNorm3d(4, affine=True, track_running_stats=True)",
    "Input(4, 2, 3, 3)\nInstanceNorm3d(4)",
    "Input(96, 5, 5)\nLocalResponseNorm(5)",
    "Input(6, 5)\nLocalResponseNorm(2, alpha=2e-4, beta=0.5, k=2.0)",
    "Input(6, 2, 3, 4)\nLocalResponseNorm(size=3)",
    "Input(6, 2, 3, 4, 2)\nLocalResponseNorm(9)",
    "Input(10, 64)\nRMSNorm(64)",
    "Input(4, 5, 6)\nRMSNorm((5, 6), eps=1e-6)",
    "Input(4, 5, 6)\nRMSNorm((4, 5, 6), None, False)",
    "Input(64)\nRMSNorm(64, elementwise_affine=False)",
]

PADDING_AND_RESAMPLING = [
    *(
        f"Input{_SPATIAL[rank]}\n{mode}Pad{rank}d({padding}{', 0.5' if mode == 'Constant' else ''})"
        for rank in (1, 2, 3)
        for mode in ("Zero", "Constant", "Reflection", "Replication", "Circular")
        for padding in ("2", "(" + ", ".join(str(p) for p in (1, 0, 2, -1, 0, 3)[: 2 * rank]) + ")")
    ),
    "Input(3, 5, 5)\nZeroPad2d((1, 2, 3, 4))",
    "Input(3, 5, 5)\nZeroPad2d(-2)",
    "Input(3, 4, 5)\nZeroPad1d((2, 0))",
    "Input(5, 5)\nZeroPad2d(1)",
    "Input(3, 5, 5)\nConstantPad2d(padding=(0, 1, 1, 0), value=-2)",
    "Input(3, 5, 5)\nReflectionPad2d(4)",
    "Input(3, 5, 5)\nReflectionPad2d((-4, 4, -2, -2))",
    "Input(3, 5)\nReflectionPad1d((4, -3))",
    "Input(5, 5)\nReflectionPad2d(1)",
    "Input(3, 5, 5)\nReplicationPad2d(9)",
    "Input(3, 5, 5)\nReplicationPad2d((-2, -2, 0, 0))",
    "Input(3, 5, 5)\nCircularPad2d(5)",
    "Input(3, 5, 5)\nCircularPad2d((-4, 5, 5, -4))",
    "Input(3, 4, 5)\nCircularPad3d(1)",
    *(
        f"Input{shape}\nUpsample({args})"
        for shape, args in [
            ("(4, 7)", "scale_factor=2"),
            ("(4, 7)", 'size=11, mode="linear"'),
            ("(4, 7)", 'scale_factor=1.5, mode="linear", align_corners=True'),
            ("(4, 7)", 'scale_factor=3, mode="area"'),
            ("(4, 7)", 'scale_factor=2, mode="nearest-exact"'),
            ("(4, 5, 6)", "scale_factor=2"),
            ("(4, 5, 6)", "scale_factor=1.7"),
            ("(4, 5, 6)", "scale_factor=0.5"),
            ("(4, 5, 6)", "scale_factor=(2, 3)"),
            ("(4, 5, 6)", "scale_factor=(1.5, 2.5), recompute_scale_factor=True"),
            ("(4, 5, 6)", "size=(9, 4)"),
            ("(4, 5, 6)", "size=8"),
            ("(4, 5, 6)", 'scale_factor=2, mode="bilinear"'),
            ("(4, 5, 6)", 'scale_factor=2, mode="bilinear", align_corners=True'),
            ("(4, 5, 6)", 'scale_factor=2, mode="bilinear", align_corners=False'),
            ("(4, 5, 6)", 'size=(7, 7), mode="bicubic"'),
            ("(4, 5, 6)", 'scale_factor=2, mode="area"'),
            ("(4, 5, 6)", 'size=(3, 4), mode="area"'),
            ("(4, 5, 6)", 'scale_factor=2, mode="nearest-exact"'),
            ("(4, 5, 6)", '(10, 12), None, "nearest", None, None'),
            ("(2, 3, 4, 5)", "scale_factor=2"),
            ("(2, 3, 4, 5)", 'scale_factor=(1, 2, 2), mode="trilinear"'),
            ("(2, 3, 4, 5)", 'size=(4, 5, 6), mode="area"'),
        ]
    ),
    "Input(32, 6, 6)\nChannelShuffle(4)",
    "Input(6, 5)\nChannelShuffle(groups=3)",
    "Input(6, 2, 3, 4)\nChannelShuffle(6)",
    "Input(8, 3, 3)\nPixelShuffle(2)",
    "Input(18, 2, 3)\nPixelShuffle(upscale_factor=3)",
    "Input(5, 8, 3, 3)\nPixelShuffle(2)",
    "Input(2, 4, 6)\nPixelUnshuffle(2)",
    "Input(3, 6, 9)\nPixelUnshuffle(downscale_factor=3)",
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

ATTENTION = [
    "Input(10, 16)\nMultiheadAttention(16, 4)",
    "Input(10, 16)\nMultiheadAttention(16, 1, bias=False)",
    "Input(10, 16)\nMultiheadAttention(16, 2, add_bias_kv=True)",
    "Input(10, 16)\nMultiheadAttention(16, 8, 0.1, False, True, True)",
    "Input(10, 16)\nMultiheadAttention(16, 4, add_zero_attn=True, batch_first=True)",
    "Input(10, 16)\nMultiheadAttention(16, 4, kdim=16, vdim=16)",
    "Input(1, 6)\nMultiheadAttention(embed_dim=6, num_heads=3, dropout=0.5, batch_first=True)",
    "Input(7)\nEmbedding(20, 8)\nMultiheadAttention(8, 2)\nLayerNorm(8)\nLinear(8, 3)",
    "Input(10, 16)\nTransformerEncoderLayer(16, 4)",
    "Input(10, 16)\nTransformerEncoderLayer(16, 2, 32, bias=False)",
    'Input(10, 16)\nTransformerEncoderLayer(16, 8, 24, 0.0, "gelu", 1e-6, True, True)',
    "Input(10, 16)\nTransformerEncoderLayer(d_model=16, nhead=1, dim_feedforward=8, norm_first=True)",
    "Input(1, 4)\nTransformerEncoderLayer(4, 2, 4, batch_first=True, trainable=False)",
    # attention to another sequence: key= and value= as forward(query, key, value) takes them
    "Input(10, 16)\nMultiheadAttention(16, 4, key=(7, 16))",
    "Input(10, 16)\nMultiheadAttention(16, 4, kdim=6, vdim=10, key=(7, 6), value=(7, 10))",
    "Input(10, 16)\nMultiheadAttention(16, 2, bias=False, add_bias_kv=True, kdim=5, vdim=5, value=(3, 5))",
    "Input(10, 16)\nMultiheadAttention(16, 4, add_zero_attn=True, batch_first=True, kdim=3, key=(4, 3), "
    "value=(4, 16))",
    "Input(10, 16)\nTransformerDecoderLayer(16, 4, 32, memory=(7, 16))",
    "Input(10, 16)\nTransformerDecoderLayer(16, 2, 8, batch_first=True, norm_first=True, memory=(3, 16))",
    # nn.Transformer: the encoder on the source (the input), the decoder on the target (tgt=)
    "Input(10, 16)\nTransformer(16, 4, 2, 1, 32)",
    "Input(10, 16)\nTransformer(16, 2, 1, 2, 24, bias=False, norm_first=True, tgt=(6, 16))",
    'Input(6, 8)\nTransformer(8, 2, 1, 1, 16, 0.0, "gelu", batch_first=True, tgt=(4, 8))',
    "Input(10, 16)\nTransformerDecoderLayer(16, 4)",
    "Input(10, 16)\nTransformerDecoderLayer(16, 2, 32, bias=False, norm_first=True)",
    'Input(6, 8)\nTransformerDecoderLayer(8, 2, 16, 0.0, "gelu", batch_first=True)',
    "Input(12)\nEmbedding(50, 8)\nTransformerEncoderLayer(8, 2, 32)\nTransformerEncoderLayer(8, 4, 16)\n"
    "LayerNorm(8)\nLinear(8, 50, bias=False)",
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
    "padding-and-resampling": PADDING_AND_RESAMPLING,
    "activation": ACTIVATIONS,
    "normalization": NORMALIZATION,
    "sequence": SEQUENCES,
    "attention": ATTENTION,
    "frozen": FROZEN,
}

# One case a text, named by its family and place: `@pytest.mark.parametrize("text", LAYER_CASES)`.
LAYER_CASES = [
    pytest.param(text, id=f"{family}-{i}") for family, texts in LAYERS.items() for i, text in enumerate(texts)
]


# ---------------------------------------------------------------------------------------------
# Property-based: random valid models, built in torch as they are drawn
# ---------------------------------------------------------------------------------------------


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
        return sizes_text(values, self.draw(st.booleans()))


def _conv(m: _Drawn, rank: int) -> None:
    draw = m.draw
    channels, sizes = m.shape[0], list(m.shape[1:])
    groups = draw(st.sampled_from(divisors(channels)))
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
    groups = draw(st.sampled_from(divisors(channels)))
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
    kind = draw(st.sampled_from(["batch", "batch", "group", "layer", "instance", "lrn", "rms"]))
    if kind == "batch":
        options = [
            ", affine=False" if draw(st.integers(0, 3)) == 0 else "",
            ", track_running_stats=False" if draw(st.integers(0, 3)) == 0 else "",
            ", bias=False" if draw(st.integers(0, 5)) == 0 else "",
        ]
        m.add(f"BatchNorm{max(rank, 1)}d({channels}{''.join(options)})")
    elif kind == "group":
        groups = draw(st.sampled_from(divisors(channels)))
        affine = "" if draw(st.booleans()) else ", affine=False"
        m.add(f"GroupNorm({groups}, {channels}{affine})")
    elif kind == "instance":
        tracked = ", track_running_stats=True" if draw(st.booleans()) else ""
        if not tracked and all(n == 1 for n in m.shape[1:]):
            tracked = ", track_running_stats=True"  # torch wants more than one value a channel
        affine = ", affine=True" if draw(st.booleans()) else ""
        m.add(f"InstanceNorm{rank}d({channels}{affine}{tracked})")
    elif kind == "lrn":
        m.add(f"LocalResponseNorm({draw(st.integers(1, 6))})")
    else:
        last = draw(st.integers(1, len(m.shape)))
        dims = list(m.shape[-last:])
        text = str(dims[0]) if last == 1 and draw(st.booleans()) else sizes_text(dims, False)
        if kind == "rms":
            m.add(f"RMSNorm({text}{', elementwise_affine=False' if draw(st.integers(0, 3)) == 0 else ''})")
            return
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


def _resize(m: _Drawn, rank: int) -> None:
    """Padding, upsampling, and the shuffles of channels and pixels."""
    draw = m.draw
    channels, sizes = m.shape[0], list(m.shape[1:])
    kind = draw(st.sampled_from(["pad", "pad", "upsample", "upsample", "shuffle"]))
    if kind == "pad":
        mode = draw(st.sampled_from(["Zero", "Constant", "Reflection", "Replication", "Circular"]))
        pads = []
        for n in reversed(sizes):  # torch's order: the last axis first
            largest = {"Reflection": n - 1, "Circular": n}.get(mode, 3)
            pads += [draw(st.integers(-1 if n > 2 else 0, min(3, largest))) for _ in range(2)]
        value = f", {draw(st.sampled_from([0, 0.5, -1]))}" if mode == "Constant" else ""
        text = str(pads[0]) if len(set(pads)) == 1 and draw(st.booleans()) else sizes_text(pads, False)
        m.add(f"{mode}Pad{rank}d({text}{value})")
    elif kind == "upsample":
        modes = ["nearest", "nearest-exact", "area", {1: "linear", 2: "bilinear", 3: "trilinear"}[rank]]
        mode = draw(st.sampled_from(modes + (["bicubic"] if rank == 2 else [])))
        extras = f', mode="{mode}"' if mode != "nearest" or draw(st.booleans()) else ""
        if mode in ("linear", "bilinear", "bicubic", "trilinear") and draw(st.booleans()):
            extras += f", align_corners={draw(st.booleans())}"
        if draw(st.booleans()):
            m.add(f"Upsample(size={m.ints([draw(st.integers(1, 12)) for _ in sizes])}{extras})")
        else:
            factor = draw(st.sampled_from([2, 2.0, 1.5, 3]))
            m.add(f"Upsample(scale_factor={factor}{extras})")
    elif rank == 2 and (factors := [r for r in (2, 3) if channels % (r * r) == 0]) and draw(st.booleans()):
        m.add(f"PixelShuffle({draw(st.sampled_from(factors))})")
    elif rank == 2 and all(n % 2 == 0 for n in sizes) and draw(st.booleans()):
        m.add("PixelUnshuffle(2)")
    else:
        m.add(f"ChannelShuffle({draw(st.sampled_from(divisors(channels)))})")


def _head(m: _Drawn) -> None:
    draw = m.draw
    if len(m.shape) > 1 and draw(st.integers(0, 3)) > 0:
        start = draw(st.integers(1, len(m.shape)))
        m.add("Flatten()" if start == 1 and draw(st.booleans()) else f"Flatten({start})")
    if len(m.shape) == 1 and draw(st.integers(0, 3)) == 0:
        split = draw(st.sampled_from(divisors(m.shape[0])))
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
    steps = [
        _conv,
        _conv,
        _conv,
        _conv_transpose,
        _pool,
        _pool,
        _adaptive,
        _normalization,
        _elementwise,
        _resize,
    ]
    for _ in range(draw(st.integers(1, 6))):
        step = draw(st.sampled_from(steps))
        if step in (_conv_transpose, _resize) and max(m.shape[1:]) > 32:
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
        kinds = ["RNN", "LSTM", "GRU", "LSTM", "norm", "linear", "act", "attention", "encoder", "decoder"]
        kinds += ["transformer"]
        kind = draw(st.sampled_from(kinds))
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
        elif kind == "attention":
            embed = m.shape[-1]
            extras = ", bias=False" if draw(st.integers(0, 3)) == 0 else ""
            extras += ", add_bias_kv=True" if draw(st.booleans()) else ""
            extras += ", add_zero_attn=True" if draw(st.integers(0, 3)) == 0 else ""
            extras += ", batch_first=True" if draw(st.booleans()) else ""
            if draw(st.booleans()):  # attention to another sequence, its features kdim and vdim
                other, keys, values = (
                    draw(st.integers(1, 9)),
                    draw(st.integers(1, 8)),
                    draw(st.integers(1, 8)),
                )
                extras += f", kdim={keys}, vdim={values}, key=({other}, {keys}), value=({other}, {values})"
            m.add(f"MultiheadAttention({embed}, {draw(st.sampled_from(divisors(embed)))}{extras})")
        elif kind in ("decoder", "transformer"):
            embed = m.shape[-1]
            extras = ", bias=False" if draw(st.integers(0, 3)) == 0 else ""
            extras += ", norm_first=True" if draw(st.booleans()) else ""
            extras += ", batch_first=True" if draw(st.booleans()) else ""
            heads = draw(st.sampled_from(divisors(embed)))
            other = f"({draw(st.integers(1, 9))}, {embed})"
            if kind == "decoder":
                extras += f", memory={other}" if draw(st.booleans()) else ""
                m.add(f"TransformerDecoderLayer({embed}, {heads}, {draw(st.integers(1, 16))}{extras})")
            else:
                stacks = f"{draw(st.integers(1, 2))}, {draw(st.integers(1, 2))}, {draw(st.integers(1, 16))}"
                extras += f", tgt={other}" if draw(st.booleans()) else ""
                m.add(f"Transformer({embed}, {heads}, {stacks}{extras})")
        elif kind == "encoder":
            embed = m.shape[-1]
            extras = ", bias=False" if draw(st.integers(0, 3)) == 0 else ""
            extras += ', activation="gelu"' if draw(st.booleans()) else ""
            extras += ", norm_first=True" if draw(st.booleans()) else ""
            extras += ", batch_first=True" if draw(st.booleans()) else ""
            heads = draw(st.sampled_from(divisors(embed)))
            m.add(f"TransformerEncoderLayer({embed}, {heads}, {draw(st.integers(1, 16))}{extras})")
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

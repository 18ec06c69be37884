"""Oracles for published networks written as a course author writes them (issue 15, item 8).

EfficientNet-B0 and MobileNetV3-Small are checked against `keras.applications` itself, built with
`weights=None` (nothing is downloaded): their preprocessing front end (Rescaling, Normalization),
their squeeze-and-excitation gates (`Branches([], [...], merge="multiply")`) and their residual
inverted bottlenecks (`Repeat` of `Residual`, `index=` where the copies differ). A two-level U-Net
with `nn.Upsample` and concatenated skips (nested `Branches([], [...])`) is checked against the same
network written as a torch `nn.Module` with `torch.cat`.

The blocks are generated from a compact description of each architecture (the tables of the
papers and of Keras' source) and kept, as an author reads them, in examples/*.cnn: the tests
check that those files are exactly the generated blocks, so neither can drift from the library.
"""

from __future__ import annotations

import textwrap
from collections import Counter
from pathlib import Path
from typing import Any

from mkdocs_paramcalc.report.model import Report, Row, walk
from tests.helpers import compute
from tests.oracle import (
    MARKS,
    check_blocks_against_keras,
    check_blocks_against_torch,
    count,
    keras_on_torch,
    keras_totals,
    nn,
    torch,
)

keras = keras_on_torch()
pytestmark = MARKS

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def _groups(report: Report, kind: str) -> list[Row]:
    return [row for _, row in walk(report.rows) if row.kind == kind]


def _example(name: str, header: str, text: str) -> str:
    """The block kept in examples/NAME: a comment header, then exactly the generated block."""
    kept = (EXAMPLES / name).read_text(encoding="utf-8")
    assert kept == header + text + "\n", f"examples/{name} differs from the generated block"
    return text


def _squeeze_excite(layers: list[str], indent: int) -> str:
    """A gate that multiplies the feature map: the identity path times the squeezed path."""
    pad = "\n" + " " * (indent + len("Branches([], ["))
    return "Branches([], [" + ("," + pad).join(layers) + '], merge="multiply")'


def _lines(groups: list[list[str]], indent: int) -> str:
    """Groups of layers inside a Residual: a group a line."""
    return (",\n" + " " * indent).join(", ".join(group) for group in groups)


# ---------------------------------------------------------------------------------------------
# EfficientNet-B0: keras.applications.EfficientNetB0(weights=None)
# ---------------------------------------------------------------------------------------------

# Table 1 of Tan and Le (2019), as Keras' DEFAULT_BLOCKS_ARGS gives it:
# (kernel, repeats, filters in, filters out, expansion, stride); every block has a gate of ratio 1/4.
EFFICIENTNET_B0 = [
    (3, 1, 32, 16, 1, 1),
    (3, 2, 16, 24, 6, 2),
    (5, 2, 24, 40, 6, 2),
    (3, 3, 40, 80, 6, 2),
    (5, 3, 80, 112, 6, 1),
    (5, 4, 112, 192, 6, 2),
    (3, 1, 192, 320, 6, 1),
]
DROP_CONNECT = 0.2  # the stochastic depth of block b is 0.2 * b / 16 (16 blocks in all)


def _mbconv(kernel: int, cin: int, cout: int, expand: int, stride: int, indent: int) -> list[list[str]]:
    """One MBConv block of keras.applications.efficientnet.block, as groups of layers."""
    filters = cin * expand
    groups = []
    if expand != 1:
        groups.append(
            [f"Conv2D({filters}, 1, use_bias=False)", "BatchNormalization()", 'Activation("swish")']
        )
    if stride == 2:  # imagenet_utils.correct_pad of an even size: one more row and column after
        half = kernel // 2
        groups.append([f"ZeroPadding2D((({half - 1}, {half}), ({half - 1}, {half})))"])
        depthwise = f"DepthwiseConv2D({kernel}, strides=2, use_bias=False)"
    else:
        depthwise = f'DepthwiseConv2D({kernel}, padding="same", use_bias=False)'
    groups.append([depthwise, "BatchNormalization()", 'Activation("swish")'])
    gate = [
        "GlobalAveragePooling2D()",
        f"Reshape((1, 1, {filters}))",
        f'Conv2D({max(1, cin // 4)}, 1, activation="swish")',
        f'Conv2D({filters}, 1, activation="sigmoid")',
    ]
    groups.append([_squeeze_excite(gate, indent)])
    groups.append([f"Conv2D({cout}, 1, use_bias=False)", "BatchNormalization()"])
    return groups


def efficientnet_b0() -> str:
    """EfficientNet-B0 as a block: each stage's first block, then its repeats as one Repeat."""
    lines = [
        "Input(224, 224, 3)",
        "Rescaling(1 / 255)",
        "Normalization()",
        "ZeroPadding2D(((0, 1), (0, 1)))",
        "Conv2D(32, 3, strides=2, use_bias=False)",
        "BatchNormalization()",
        'Activation("swish")',
    ]
    blocks = sum(stage[1] for stage in EFFICIENTNET_B0)
    b = 0
    for kernel, repeats, cin, cout, expand, stride in EFFICIENTNET_B0:
        lines += [layer for group in _mbconv(kernel, cin, cout, expand, stride, 0) for layer in group]
        b += 1
        if repeats > 1:  # the same block, cout in and out, added to its input after a drop-path
            body = _lines(_mbconv(kernel, cout, cout, expand, 1, 8), 8)
            drop = f"Dropout({DROP_CONNECT} * ({b} + i) / {blocks}, noise_shape=(None, 1, 1, 1))"
            residual = f"Residual(\n        {body},\n        {drop},\n    )"
            lines.append(f'Repeat({repeats - 1},\n    {residual},\n    index="i",\n)')
            b += repeats - 1
    lines += [
        "Conv2D(1280, 1, use_bias=False)",
        "BatchNormalization()",
        'Activation("swish")',
        "GlobalAveragePooling2D()",
        "Dropout(0.2)",
        'Dense(1000, activation="softmax")',
    ]
    return "\n".join(lines)


EFFICIENTNET_HEADER = """\
# EfficientNet-B0 as keras.applications.EfficientNetB0(weights=None) builds it: 5,330,571
# parameters, 42,023 of them non-trainable (Normalization's mean, variance and count, and the
# batch normalizations' moving statistics). Checked by tests/test_oracles_applications.py.
"""


def _keras_layers(model: Any, skip: Any) -> Counter[tuple[str, tuple[int, ...], int]]:
    return Counter(
        (type(layer).__name__, tuple(layer.output.shape[1:]), layer.count_params())
        for layer in model.layers
        if not isinstance(layer, skip)
    )


def test_efficientnet_b0_matches_keras_applications() -> None:
    text = _example("efficientnet-b0.cnn", EFFICIENTNET_HEADER, efficientnet_b0())
    keras.backend.clear_session(free_memory=False)
    with keras.device("meta"):
        model = keras.applications.EfficientNetB0(weights=None)
    report = compute(text)
    # Every layer of Keras' model, by kind, output shape and count, is one of ours (names aside).
    skip = keras.layers.InputLayer | keras.layers.Add | keras.layers.Multiply
    assert Counter((r.kind, tuple(r.shape), r.params) for r in report.leaves()) == _keras_layers(model, skip)
    counts = keras_totals(model)
    assert (report.total, report.trainable, report.non_trainable) == counts
    assert counts == (5_330_571, 5_330_571 - 42_023, 42_023)  # the published numbers
    # Every Add of Keras' model is one Residual of ours, every Multiply one gate.
    adds = sum(isinstance(layer, keras.layers.Add) for layer in model.layers)
    multiplies = sum(isinstance(layer, keras.layers.Multiply) for layer in model.layers)
    gates = [row for row in _groups(report, "Branches") if row.group and row.group.merge == "multiply"]
    assert (len(_groups(report, "Residual")), len(gates)) == (adds, multiplies) == (9, 16)
    # The front end: the Normalization layer holds 7 non-trainable numbers (3 means, 3 variances,
    # a count), the Rescaling none.
    front = {r.kind: (r.params, r.non_trainable) for r in report.rows[:2]}
    assert front == {"Rescaling": (0, 0), "Normalization": (7, 7)}


def test_efficientnet_b0_as_a_functional_model() -> None:
    """Every layer by its Keras name, shape and split, against the block rebuilt with Keras layers."""
    report = check_blocks_against_keras(efficientnet_b0(), run=False)
    assert report.total == 5_330_571


# ---------------------------------------------------------------------------------------------
# MobileNetV3-Small: keras.applications.MobileNetV3Small(weights=None, include_preprocessing=True)
# ---------------------------------------------------------------------------------------------

# Table 2 of Howard et al. (2019), as Keras' stack_fn gives it:
# (expanded channels, filters out, kernel, stride, gate's squeezed channels or 0, activation).
MOBILENET_V3_SMALL = [
    (16, 16, 3, 2, 8, "relu"),
    (72, 24, 3, 2, 0, "relu"),
    (88, 24, 3, 1, 0, "relu"),
    (96, 40, 5, 2, 24, "hard_swish"),
    (240, 40, 5, 1, 64, "hard_swish"),
    (240, 40, 5, 1, 64, "hard_swish"),
    (120, 48, 5, 1, 32, "hard_swish"),
    (144, 48, 5, 1, 40, "hard_swish"),
    (288, 96, 5, 2, 72, "hard_swish"),
    (576, 96, 5, 1, 144, "hard_swish"),
    (576, 96, 5, 1, 144, "hard_swish"),
]


def _activation(name: str) -> str:
    return "ReLU()" if name == "relu" else f'Activation("{name}")'


def _inverted_residual(
    cin: int, expanded: int, cout: int, kernel: int, stride: int, squeezed: int, act: str, indent: int
) -> list[list[str]]:
    """One block of keras.applications.mobilenet_v3._inverted_res_block, as groups of layers."""
    groups = []
    if expanded != cin:  # the first block has no expansion
        groups.append([f"Conv2D({expanded}, 1, use_bias=False)", "BatchNormalization()", _activation(act)])
    if stride == 2:
        half = kernel // 2
        groups.append([f"ZeroPadding2D((({half - 1}, {half}), ({half - 1}, {half})))"])
        depthwise = f"DepthwiseConv2D({kernel}, strides=2, use_bias=False)"
    else:
        depthwise = f'DepthwiseConv2D({kernel}, padding="same", use_bias=False)'
    groups.append([depthwise, "BatchNormalization()", _activation(act)])
    if squeezed:
        gate = [
            "GlobalAveragePooling2D(keepdims=True)",
            f"Conv2D({squeezed}, 1), ReLU()",
            f'Conv2D({expanded}, 1), Activation("hard_sigmoid")',
        ]
        groups.append([_squeeze_excite(gate, indent)])
    groups.append([f"Conv2D({cout}, 1, use_bias=False)", "BatchNormalization()"])
    return groups


def mobilenet_v3_small() -> str:
    """MobileNetV3-Small as a block: a block a paragraph; equal blocks with a shortcut as a Repeat."""
    lines = [
        "Input(224, 224, 3)",
        "Rescaling(1 / 127.5, offset=-1)",
        'Conv2D(16, 3, strides=2, padding="same", use_bias=False)',
        "BatchNormalization()",
        'Activation("hard_swish")',
    ]
    cin, i = 16, 0
    while i < len(MOBILENET_V3_SMALL):
        expanded, cout, kernel, stride, squeezed, act = MOBILENET_V3_SMALL[i]
        same = 1
        while i + same < len(MOBILENET_V3_SMALL) and MOBILENET_V3_SMALL[i + same] == MOBILENET_V3_SMALL[i]:
            same += 1
        if stride == 1 and cin == cout:  # a shortcut adds the block's input
            indent = 8 if same > 1 else 4
            body = _lines(_inverted_residual(cin, expanded, cout, kernel, 1, squeezed, act, indent), indent)
            residual = f"Residual(\n{' ' * indent}{body},\n{' ' * (indent - 4)})"
            lines.append(f"Repeat({same},\n    {residual},\n)" if same > 1 else residual)
        else:
            assert same == 1
            groups = _inverted_residual(cin, expanded, cout, kernel, stride, squeezed, act, 0)
            lines += [layer for group in groups for layer in group]
        cin, i = cout, i + same
    lines += [
        "Conv2D(576, 1, use_bias=False)",
        "BatchNormalization()",
        'Activation("hard_swish")',
        "GlobalAveragePooling2D(keepdims=True)",
        "Conv2D(1024, 1)",
        'Activation("hard_swish")',
        "Dropout(0.2)",
        "Conv2D(1000, 1)",
        "Flatten()",
        'Activation("softmax")',
    ]
    return "\n".join(lines)


MOBILENET_HEADER = """\
# MobileNetV3-Small as keras.applications.MobileNetV3Small(weights=None) builds it, with its
# Rescaling front end (include_preprocessing=True). Keras computes the gate's hard sigmoid as
# ReLU(6.0)(x + 3) / 6, the function Activation("hard_sigmoid") is. Checked by
# tests/test_oracles_applications.py.
"""


def test_mobilenet_v3_small_matches_keras_applications() -> None:
    text = _example("mobilenet-v3-small.cnn", MOBILENET_HEADER, mobilenet_v3_small())
    report = compute(text)
    keras.backend.clear_session(free_memory=False)
    with keras.device("meta"):
        # As the brief's call builds it: any image size, the counts do not depend on it.
        model = keras.applications.MobileNetV3Small(weights=None, include_preprocessing=True)
        counts = keras_totals(model)
        keras.backend.clear_session(free_memory=False)
        sized = keras.applications.MobileNetV3Small(
            input_shape=(224, 224, 3), weights=None, include_preprocessing=True
        )
    assert (report.total, report.trainable, report.non_trainable) == counts == keras_totals(sized)
    # Every layer with parameters, by kind, output shape and count (the gate's hard sigmoid is a
    # ReLU layer and two operations in Keras' graph, one Activation in ours).
    theirs = Counter(
        (type(layer).__name__, tuple(layer.output.shape[1:]), layer.count_params())
        for layer in sized.layers
        if layer.count_params()
    )
    assert Counter((r.kind, tuple(r.shape), r.params) for r in report.leaves() if r.params) == theirs
    assert tuple(report.rows[-1].shape) == tuple(sized.output.shape[1:]) == (1000,)
    assert isinstance(sized.layers[1], keras.layers.Rescaling)
    assert report.rows[0].kind == "Rescaling"
    adds = sum(isinstance(layer, keras.layers.Add) for layer in sized.layers)
    multiplies = sum(isinstance(layer, keras.layers.Multiply) for layer in sized.layers)
    gates = [row for row in _groups(report, "Branches") if row.group and row.group.merge == "multiply"]
    assert (len(_groups(report, "Residual")), len(gates)) == (adds, multiplies) == (6, 9)


def test_mobilenet_v3_small_as_a_functional_model() -> None:
    report = check_blocks_against_keras(mobilenet_v3_small(), run=False)
    keras.backend.clear_session(free_memory=False)
    with keras.device("meta"):
        model = keras.applications.MobileNetV3Small(weights=None, include_preprocessing=True)
    assert report.total == model.count_params()


# ---------------------------------------------------------------------------------------------
# A U-Net in PyTorch: two levels down, two up, nn.Upsample and concatenated skips
# ---------------------------------------------------------------------------------------------


def _double(cin: int, cout: int) -> list[Any]:
    return [
        nn.Conv2d(cin, cout, 3, padding=1, bias=False),
        nn.BatchNorm2d(cout),
        nn.ReLU(inplace=True),
        nn.Conv2d(cout, cout, 3, padding=1, bias=False),
        nn.BatchNorm2d(cout),
        nn.ReLU(inplace=True),
    ]


class UNet(nn.Module):  # type: ignore[misc]  # torch is untyped here
    """A small U-Net as a course writes it: each decoder level upsamples, then concatenates the skip."""

    def __init__(self, channels: int = 1, classes: int = 2, width: int = 16) -> None:
        super().__init__()
        w = width
        self.enc1 = nn.Sequential(*_double(channels, w))
        self.pool = nn.MaxPool2d(2)
        self.enc2 = nn.Sequential(*_double(w, 2 * w))
        self.bottom = nn.Sequential(*_double(2 * w, 4 * w))
        self.up2 = nn.Sequential(nn.Upsample(scale_factor=2, mode="bilinear"), nn.Conv2d(4 * w, 2 * w, 1))
        self.dec2 = nn.Sequential(*_double(4 * w, 2 * w))
        self.up1 = nn.Sequential(nn.Upsample(scale_factor=2, mode="bilinear"), nn.Conv2d(2 * w, w, 1))
        self.dec1 = nn.Sequential(*_double(2 * w, w))
        self.head = nn.Conv2d(w, classes, 1)

    def forward(self, x: Any) -> Any:
        e1 = self.enc1(x)
        e2 = self.enc2(self.pool(e1))
        b = self.bottom(self.pool(e2))
        d2 = self.dec2(torch.cat([e2, self.up2(b)], dim=1))
        d1 = self.dec1(torch.cat([e1, self.up1(d2)], dim=1))
        return self.head(d1)


UNET = """\
Input(1, 64, 64)
nn.Conv2d(1, 16, 3, padding=1, bias=False)
nn.BatchNorm2d(16)
nn.ReLU()
nn.Conv2d(16, 16, 3, padding=1, bias=False)
nn.BatchNorm2d(16)
nn.ReLU()
Branches([], [
    nn.MaxPool2d(2),
    nn.Conv2d(16, 32, 3, padding=1, bias=False), nn.BatchNorm2d(32), nn.ReLU(),
    nn.Conv2d(32, 32, 3, padding=1, bias=False), nn.BatchNorm2d(32), nn.ReLU(),
    Branches([], [
        nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1, bias=False), nn.BatchNorm2d(64), nn.ReLU(),
        nn.Conv2d(64, 64, 3, padding=1, bias=False), nn.BatchNorm2d(64), nn.ReLU(),
        nn.Upsample(scale_factor=2, mode="bilinear"), nn.Conv2d(64, 32, 1),
    ]),
    nn.Conv2d(64, 32, 3, padding=1, bias=False), nn.BatchNorm2d(32), nn.ReLU(),
    nn.Conv2d(32, 32, 3, padding=1, bias=False), nn.BatchNorm2d(32), nn.ReLU(),
    nn.Upsample(scale_factor=2, mode="bilinear"), nn.Conv2d(32, 16, 1),
])
nn.Conv2d(32, 16, 3, padding=1, bias=False)
nn.BatchNorm2d(16)
nn.ReLU()
nn.Conv2d(16, 16, 3, padding=1, bias=False)
nn.BatchNorm2d(16)
nn.ReLU()
nn.Conv2d(16, 2, 1)
"""


def test_unet_with_upsample_matches_torch() -> None:
    report = check_blocks_against_torch(UNET)  # every module of the block, as torch builds it
    model = UNet().eval()
    assert report.total == count(model.parameters())
    assert report.buffers == count(model.buffers())
    assert report.trainable == count(p for p in model.parameters() if p.requires_grad)
    # The same modules, by kind and count (the pooling module is used twice in the class).
    leaves = [m for m in model.modules() if not list(m.children())]
    theirs = Counter((type(m).__name__, count(m.parameters()), count(m.buffers())) for m in leaves)
    theirs[("MaxPool2d", 0, 0)] += 1
    ours = Counter((r.kind, r.params, r.buffers) for r in report.leaves())
    assert ours == theirs
    with torch.no_grad():
        out = model(torch.zeros(2, 1, 64, 64))
    assert tuple(report.rows[-1].shape) == tuple(out.shape[1:]) == (2, 64, 64)


def test_the_lesson_shows_the_checked_efficientnet() -> None:
    """docs/preprocessing.md quotes EfficientNet-B0's numbers from a block that is this one."""
    lesson = (EXAMPLES.parent / "docs" / "preprocessing.md").read_text(encoding="utf-8")
    assert '```cnn id="efficientnet-b0"' in lesson
    assert textwrap.indent(efficientnet_b0(), "    ") in lesson

"""Oracles for Residual, Branches and Repeat: real Keras functional models and real torch modules.

A block is read by our parser only; its calls become Keras layers wired with the functional API
(`Add`, `Concatenate`, `Multiply`) or torch modules whose `forward` adds, concatenates or
multiplies, each Repeat copy built anew with its own weights (its `index=` name put in as the
copy's number, with sympy's own substitution). Every layer's output shape and counts, and the
totals, must equal ours. ResNet-50 is checked against `keras.applications.ResNet50(weights=None)`,
ResNet-18 and DenseNet-121 against torchvision's networks rebuilt from torch.nn as torchvision's
source writes them (torchvision itself has no wheel for the CPU build of torch here), and random
branching models of both dialects, gates and growing Repeats included.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
import sympy
from hypothesis import given
from hypothesis import strategies as st

from mkdocs_paramcalc.report.model import Report, walk
from mkdocs_paramcalc.values import symbol
from tests.helpers import PYTORCH_SITE, STAGE, SYMBOLIC_STAGES, compute
from tests.oracle import (
    BATCH,
    MARKS,
    Chain,
    check_blocks_against_keras,
    check_blocks_against_torch,
    count,
    fvcore_counts,
    input_and_layers,
    keras_on_torch,
    keras_totals,
    keras_zeros,
    nn,
    random_examples,
    torch,
    torch_leaf_shapes,
    torch_leaves,
    torch_tree,
)

keras = keras_on_torch()
pytestmark = MARKS


# ---------------------------------------------------------------------------------------------
# Published networks
# ---------------------------------------------------------------------------------------------


def resnet50() -> str:
    """ResNet-50 as keras.applications.resnet builds it (stack1 of block1), written as a block."""

    def bottleneck(filters: int, stride: int, projection: bool) -> str:
        strides = f", strides={stride}" if stride != 1 else ""
        shortcut = (
            f"\n    shortcut=[Conv2D({4 * filters}, 1{strides}), BatchNormalization(epsilon=1.001e-5)],"
            if projection
            else ""
        )
        return (
            f"Residual(\n    Conv2D({filters}, 1{strides}), BatchNormalization(epsilon=1.001e-5), "
            'Activation("relu"),\n'
            f'    Conv2D({filters}, 3, padding="same"), BatchNormalization(epsilon=1.001e-5), '
            'Activation("relu"),\n'
            f"    Conv2D({4 * filters}, 1), BatchNormalization(epsilon=1.001e-5),{shortcut}\n)"
        )

    lines = [
        "Input(224, 224, 3)",
        "ZeroPadding2D(3)",
        "Conv2D(64, 7, strides=2)",
        "BatchNormalization(epsilon=1.001e-5)",
        'Activation("relu")',
        "ZeroPadding2D(1)",
        "MaxPooling2D(3, strides=2)",
    ]
    for filters, blocks, stride in ((64, 3, 1), (128, 4, 2), (256, 6, 2), (512, 3, 2)):
        lines += [bottleneck(filters, stride, True), 'Activation("relu")']
        inner = bottleneck(filters, 1, False).replace("\n", "\n    ")
        lines.append(f'Repeat({blocks - 1},\n    {inner},\n    Activation("relu"),\n)')
    lines += ["GlobalAveragePooling2D()", 'Dense(1000, activation="softmax")']
    return "\n".join(lines)


def _kinds(rows: list[tuple[str, tuple[int, ...], int]]) -> Counter[tuple[str, tuple[int, ...], int]]:
    return Counter(rows)


def test_resnet50_matches_keras_applications() -> None:
    keras.backend.clear_session(free_memory=False)
    with keras.device("meta"):
        model = keras.applications.ResNet50(weights=None)
    report = compute(resnet50())
    # Every layer of Keras' model, by kind, output shape and count, is one of ours (its own names aside).
    skip = keras.layers.InputLayer | keras.layers.Add
    theirs = [
        (type(layer).__name__, tuple(layer.output.shape[1:]), layer.count_params())
        for layer in model.layers
        if not isinstance(layer, skip)
    ]
    ours = [(r.kind, tuple(r.shape), r.params) for r in report.leaves()]
    assert _kinds(ours) == _kinds(theirs)
    counts = keras_totals(model)
    assert (report.total, report.trainable, report.non_trainable) == counts
    assert counts == (25_636_712, 25_636_712 - 53_120, 53_120)  # the published numbers
    # Every Add of Keras' model is one Residual of ours.
    residuals = [r for _, r in _walk(report) if r.kind == "Residual"]
    assert len(residuals) == sum(isinstance(layer, keras.layers.Add) for layer in model.layers) == 16


def test_resnet50_as_a_functional_model() -> None:
    report = check_blocks_against_keras(resnet50(), run=False)
    assert report.total == 25_636_712


def _walk(report: Report) -> list[tuple[int, Any]]:
    return list(walk(report.rows))


class BasicBlock(nn.Module):  # type: ignore[misc]
    """torchvision.models.resnet.BasicBlock, as its source writes it."""

    def __init__(self, inplanes: int, planes: int, stride: int = 1, downsample: Any = None) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride=1, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = downsample

    def forward(self, x: Any) -> Any:
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu(out + identity)


def torchvision_resnet18() -> Any:
    """torchvision.models.resnet18(): ResNet(BasicBlock, [2, 2, 2, 2]), num_classes=1000."""
    layers: list[Any] = [
        nn.Conv2d(3, 64, 7, stride=2, padding=3, bias=False),
        nn.BatchNorm2d(64),
        nn.ReLU(inplace=True),
        nn.MaxPool2d(3, stride=2, padding=1),
    ]
    inplanes = 64
    for planes, stride in ((64, 1), (128, 2), (256, 2), (512, 2)):
        downsample = None
        if stride != 1 or inplanes != planes:
            downsample = nn.Sequential(
                nn.Conv2d(inplanes, planes, 1, stride=stride, bias=False), nn.BatchNorm2d(planes)
            )
        layers += [BasicBlock(inplanes, planes, stride, downsample), BasicBlock(planes, planes)]
        inplanes = planes
    layers += [nn.AdaptiveAvgPool2d((1, 1)), nn.Flatten(), nn.Linear(512, 1000)]
    return nn.Sequential(*layers)


def resnet18() -> str:
    """ResNet-18 as a block: each BasicBlock a Residual, its final ReLU after it."""

    def basic(inplanes: int, planes: int, stride: int) -> str:
        s = f", stride={stride}" if stride != 1 else ""
        shortcut = ""
        if stride != 1 or inplanes != planes:
            projection = f"nn.Conv2d({inplanes}, {planes}, 1{s}, bias=False), nn.BatchNorm2d({planes})"
            shortcut = f"\n    shortcut=[{projection}],"
        return (
            f"Residual(\n    nn.Conv2d({inplanes}, {planes}, 3{s}, padding=1, bias=False), "
            f"nn.BatchNorm2d({planes}), nn.ReLU(),\n"
            f"    nn.Conv2d({planes}, {planes}, 3, padding=1, bias=False), "
            f"nn.BatchNorm2d({planes}),{shortcut}\n"
            ")\nnn.ReLU()"
        )

    lines = [
        "Input(3, 224, 224)",
        "nn.Conv2d(3, 64, 7, stride=2, padding=3, bias=False)",
        "nn.BatchNorm2d(64)",
        "nn.ReLU()",
        "nn.MaxPool2d(3, stride=2, padding=1)",
    ]
    inplanes = 64
    for planes, stride in ((64, 1), (128, 2), (256, 2), (512, 2)):
        lines += [basic(inplanes, planes, stride), basic(planes, planes, 1)]
        inplanes = planes
    lines += ["nn.AdaptiveAvgPool2d((1, 1))", "nn.Flatten()", "nn.Linear(512, 1000)"]
    return "\n".join(lines)


def test_resnet18_matches_torchvision() -> None:
    model = torchvision_resnet18()
    report = check_blocks_against_torch(resnet18())  # every module of the block, as torch builds it
    assert report.total == count(model.parameters()) == 11_689_512  # torchvision's published total
    assert report.buffers == count(model.buffers())
    with torch.no_grad():
        out = model.eval()(torch.zeros(1, 3, 224, 224))
    assert tuple(report.rows[-1].shape) == tuple(out.shape[1:]) == (1000,)


# GoogLeNet's inception (3a) module: four paths concatenated, 256 channels out.
INCEPTION_KERAS = """\
Input(28, 28, 192)
Branches(
    [Conv2D(64, 1, activation="relu")],
    [Conv2D(96, 1, activation="relu"), Conv2D(128, 3, padding="same", activation="relu")],
    [Conv2D(16, 1, activation="relu"), Conv2D(32, 5, padding="same", activation="relu")],
    [MaxPooling2D(3, strides=1, padding="same"), Conv2D(32, 1, activation="relu")],
    merge="concat",
)
"""

INCEPTION_TORCH = """\
Input(192, 28, 28)
Branches(
    [nn.Conv2d(192, 64, 1), nn.ReLU()],
    [nn.Conv2d(192, 96, 1), nn.ReLU(), nn.Conv2d(96, 128, 3, padding=1), nn.ReLU()],
    [nn.Conv2d(192, 16, 1), nn.ReLU(), nn.Conv2d(16, 32, 5, padding=2), nn.ReLU()],
    [nn.MaxPool2d(3, stride=1, padding=1), nn.Conv2d(192, 32, 1), nn.ReLU()],
)
"""


def test_inception_module_matches_keras_and_torch() -> None:
    keras_report = check_blocks_against_keras(INCEPTION_KERAS)
    torch_report = check_blocks_against_torch(INCEPTION_TORCH)
    assert keras_report.rows[0].shape == (28, 28, 256)
    assert torch_report.rows[0].shape == (256, 28, 28)
    assert keras_report.total == torch_report.total


SMALL = {
    "identity-shortcut": 'Input(8, 8, 4)\nResidual(Conv2D(4, 3, padding="same"), BatchNormalization())',
    "branches-add": 'Input(9, 9, 3)\nBranches([Conv2D(5, 1)], [Conv2D(5, 3, padding="same")], merge="add")',
    "identity-path": 'Input(9, 9, 3)\nBranches([], [Conv2D(5, 3, padding="same")])',
    "repeat-first-differs": 'Input(10, 10, 3)\nRepeat(3, Conv2D(8, 3, padding="same"), BatchNormalization())',
    "nested": (
        "Input(12, 12, 6)\n"
        "Repeat(2,\n"
        '    Residual(Branches([Conv2D(3, 1)], [Conv2D(3, 3, padding="same")]), ReLU()),\n'
        ")\nFlatten()\nDense(4)"
    ),
}


@pytest.mark.parametrize("text", list(SMALL.values()), ids=list(SMALL))
def test_small_blocks_match_keras(text: str) -> None:
    check_blocks_against_keras(text)


def test_names_continue_counting_through_blocks() -> None:
    report = check_blocks_against_keras(SMALL["repeat-first-differs"])
    names = [r.name for _, r in _walk(report)]
    layers = ["conv2d", "batch_normalization", "conv2d_1", "batch_normalization_1", "conv2d_2"]
    assert names == ["repeat", *layers, "batch_normalization_2"]


# ---------------------------------------------------------------------------------------------
# Random branching models, drawn in both dialects at once
# ---------------------------------------------------------------------------------------------


class _Draw:
    """Lines in both dialects from the same draws; tracks the shape (H, W, C)."""

    def __init__(self, h: int, w: int, c: int) -> None:
        self.h, self.w, self.c = h, w, c

    def conv(self, c: int, k: int, stride: int = 1) -> tuple[str, str]:
        s_k = f", strides={stride}" if stride != 1 else ""
        s_t = f", stride={stride}" if stride != 1 else ""
        line = (
            f'Conv2D({c}, {k}{s_k}, padding="same")',
            f"nn.Conv2d({self.c}, {c}, {k}{s_t}, padding={k // 2})",
        )
        self.h, self.w, self.c = -(-self.h // stride), -(-self.w // stride), c
        return line

    def keep(self, draw: Any) -> tuple[str, str]:
        return draw(
            st.sampled_from(
                [
                    ("BatchNormalization()", f"nn.BatchNorm2d({self.c})"),
                    ("ReLU()", "nn.ReLU()"),
                    ("Dropout(0.1)", "nn.Dropout(0.1)"),
                    (
                        'MaxPooling2D(3, strides=1, padding="same")',
                        "nn.MaxPool2d(3, stride=1, padding=1)",
                    ),
                ]
            )
        )

    def path(self, draw: Any, c: int, stride: int, depth: int) -> list[tuple[str, str]]:
        """Layers that end with `c` channels, the spatial sizes divided by `stride`."""
        lines = [self.conv(c, draw(st.sampled_from([1, 3, 5])), stride)]
        for _ in range(draw(st.integers(0, 2))):
            if depth < 2 and draw(st.integers(0, 3)) == 0:
                lines.append(self.block(draw, depth + 1, keep=True))
            elif draw(st.booleans()):
                lines.append(self.keep(draw))
            else:
                lines.append(self.conv(c, draw(st.sampled_from([1, 3]))))
        return lines

    def block(self, draw: Any, depth: int = 0, *, keep: bool = False) -> tuple[str, str]:
        """A block construct; with `keep`, one that keeps its input's shape."""
        kinds = ["residual", "add", "repeat", "gate"] + ([] if keep else ["concat", "grow"])
        kind = draw(st.sampled_from(kinds))
        h, w, c = self.h, self.w, self.c
        if kind == "repeat":  # the same text each copy: torch's in_channels must stay right
            n = draw(st.integers(1, 3))
            inner = self.path(draw, c, 1, depth)
            return _joined("Repeat", [[(str(n), str(n))], inner])
        if kind == "gate":  # squeeze-and-excitation: the input times a (1, 1, C) gate
            return self.gate(draw)
        if kind == "grow":  # DenseNet: each copy adds `g` channels, its in_channels c + g*i
            n, g = draw(st.integers(1, 3)), draw(st.integers(1, 4))
            self.c = c + n * g
            return (
                f'Repeat({n}, Branches([], [Conv2D({g}, 3, padding="same")]), index="i")',
                f'Repeat({n}, Branches([], [nn.Conv2d({c} + {g}*i, {g}, 3, padding=1)]), index="i")',
            )
        out = c if keep else draw(st.integers(1, 6))
        stride = draw(st.sampled_from([1, 1, 2])) if kind == "residual" and not keep else 1
        paths: list[list[tuple[str, str]]] = []
        channels = 0
        for index in range(2 if kind == "residual" else draw(st.integers(2, 3))):
            self.h, self.w, self.c = h, w, c
            if kind == "residual" and index == 1:
                identity = stride == 1 and out == c and draw(st.booleans())
                paths.append([] if identity else [self.conv(out, 1, stride)])
                continue
            width = draw(st.integers(1, 6)) if kind == "concat" else out
            paths.append(self.path(draw, width, stride, depth))
            channels += width
        self.c = channels if kind == "concat" else out
        if kind == "residual":
            shortcut = [(f"shortcut={_list(paths[1], 0)}", f"shortcut={_list(paths[1], 1)}")]
            return _joined("Residual", [paths[0], shortcut])
        merge = ', merge="add"' if kind == "add" else ""
        keras_text = "Branches(" + ", ".join(_list(p, 0) for p in paths) + merge + ")"
        torch_text = "Branches(" + ", ".join(_list(p, 1) for p in paths) + merge + ")"
        return keras_text, torch_text

    def gate(self, draw: Any) -> tuple[str, str]:
        """Branches([], [squeeze, excite], merge="multiply"), or a gate of the same shape."""
        c, r = self.c, draw(st.integers(1, 4))
        if draw(st.booleans()):  # a gate on every position: a 1 × 1 convolution and a sigmoid
            return (
                f'Branches([], [Conv2D({c}, 1, activation="sigmoid")], merge="multiply")',
                f'Branches([], [nn.Conv2d({c}, {c}, 1), nn.Sigmoid()], merge="multiply")',
            )
        return (
            f'Branches([], [GlobalAveragePooling2D(keepdims=True), Conv2D({r}, 1, activation="relu"), '
            f'Conv2D({c}, 1, activation="sigmoid")], merge="multiply")',
            f"Branches([], [nn.AdaptiveAvgPool2d(1), nn.Conv2d({c}, {r}, 1), nn.ReLU(), "
            f'nn.Conv2d({r}, {c}, 1), nn.Sigmoid()], merge="multiply")',
        )


def _list(lines: list[tuple[str, str]], dialect: int) -> str:
    return "[" + ", ".join(line[dialect] for line in lines) + "]"


def _joined(name: str, parts: list[list[tuple[str, str]]]) -> tuple[str, str]:
    items = [line for part in parts for line in part]
    return (
        f"{name}(" + ",\n    ".join(i[0] for i in items) + ")",
        f"{name}(" + ",\n    ".join(i[1] for i in items) + ")",
    )


@st.composite
def branching_models(draw: Any) -> tuple[str, str]:
    """A random model with Residual, Branches and Repeat, as Keras and as PyTorch text."""
    h, w, c = draw(st.integers(4, 16)), draw(st.integers(4, 16)), draw(st.integers(1, 4))
    m = _Draw(h, w, c)
    keras_lines, torch_lines = [f"Input({h}, {w}, {c})"], [f"Input({c}, {h}, {w})"]
    for _ in range(draw(st.integers(1, 3))):
        keras_line, torch_line = (
            m.block(draw) if draw(st.integers(0, 3)) else m.conv(draw(st.integers(1, 6)), 3)
        )
        keras_lines.append(keras_line)
        torch_lines.append(torch_line)
    return "\n".join(keras_lines), "\n".join(torch_lines)


@random_examples(60)
@given(branching_models())
def test_random_branching_models_match_keras_and_torch(texts: tuple[str, str]) -> None:
    keras_text, torch_text = texts
    keras_report = check_blocks_against_keras(keras_text)
    torch_report = check_blocks_against_torch(torch_text)
    # BatchNorm: Keras counts 4 C parameters, torch 2 C and 2 C buffers (and a step counter).
    moving = torch_report.buffers - _tracked(torch_report)
    assert keras_report.non_trainable == moving
    assert keras_report.total == torch_report.total + moving


def _tracked(report: Report) -> int:
    """torch's num_batches_tracked: one buffer value per BatchNorm, no Keras counterpart."""
    return sum(1 for r in report.leaves() if r.kind == "BatchNorm2d")


def test_macs_of_blocks_match_fvcore() -> None:
    """fvcore counts the convolutions and normalizations inside; adding and concatenating count 0."""
    fvcore_nn = pytest.importorskip("fvcore.nn")
    for text in (resnet18(), INCEPTION_TORCH, STAGE):
        report = compute(text, PYTORCH_SITE)
        shape, calls = input_and_layers(text)
        chain = Chain([torch_tree(call) for call in calls])
        with torch.no_grad():
            theirs = fvcore_counts(chain, torch.zeros((BATCH, *shape)))
        assert [r.macs for r in report.rows] == theirs
    model = torchvision_resnet18().eval()
    analysis = fvcore_nn.FlopCountAnalysis(model, torch.zeros(1, 3, 224, 224))
    analysis.unsupported_ops_warnings(False)
    assert compute(resnet18(), PYTORCH_SITE).macs == analysis.total()


@pytest.mark.parametrize("framework", ["keras", "pytorch"])
def test_symbolic_strided_stages_match_the_libraries_at_every_size(framework: str) -> None:
    """A stage whose main path and shortcut write the halved size in two forms (⌈H/2⌉ and
    ⌊(H − 1)/2⌋ + 1) is taken with symbols; put in numbers, it is what Keras and torch build."""
    text = SYMBOLIC_STAGES[framework]
    symbolic = compute(text, PYTORCH_SITE if framework == "pytorch" else None)
    for height, width in [(3, 4), (7, 7), (10, 13), (32, 33)]:
        numeric = text.replace("H, W", f"{height}, {width}")
        theirs = (
            check_blocks_against_torch(numeric)
            if framework == "pytorch"
            else check_blocks_against_keras(numeric)
        )
        sizes = {symbol("H"): height, symbol("W"): width}
        for (_, ours), (_, real) in zip(walk(symbolic.rows), walk(theirs.rows), strict=True):
            assert tuple(sympy.sympify(d).subs(sizes) for d in ours.shape) == real.shape, ours.name
            assert sympy.sympify(ours.params).subs(sizes) == real.params, ours.name


# ---------------------------------------------------------------------------------------------
# Gating and growing repeats (issue 15, items 3 and 6), against models written by hand
# ---------------------------------------------------------------------------------------------

SE_KERAS = """\
Input(14, 14, 96)
Conv2D(96, 3, padding="same", activation="relu")
Branches([], [GlobalAveragePooling2D(keepdims=True), Conv2D(24, 1, activation="relu"),
              Conv2D(96, 1, activation="sigmoid")], merge="multiply")
Branches([], [GlobalAveragePooling2D(), Dense(24, activation="relu"), Dense(96, activation="sigmoid")],
         merge="multiply")
"""

SE_TORCH = """\
Input(96, 14, 14)
nn.Conv2d(96, 96, 3, padding=1)
nn.ReLU()
Branches([], [nn.AdaptiveAvgPool2d(1), nn.Conv2d(96, 24, 1), nn.ReLU(), nn.Conv2d(24, 96, 1), nn.Sigmoid()],
         merge="multiply")
"""


def test_squeeze_and_excitation_matches_keras_multiply() -> None:
    """EfficientNet's SE written as Keras builds it (a Conv2D gate on (1, 1, C)), and SENet's
    with Dense on (C,): Multiply broadcasts the (C,) gate by putting 1s before it."""
    layers = keras.layers
    keras.backend.clear_session(free_memory=False)
    inputs = keras.Input(shape=(14, 14, 96))
    x = layers.Conv2D(96, 3, padding="same", activation="relu")(inputs)
    se = layers.GlobalAveragePooling2D(keepdims=True)(x)
    se = layers.Conv2D(24, 1, activation="relu")(se)
    se = layers.Conv2D(96, 1, activation="sigmoid")(se)
    x = layers.Multiply()([x, se])
    se = layers.GlobalAveragePooling2D()(x)
    se = layers.Dense(24, activation="relu")(se)
    se = layers.Dense(96, activation="sigmoid")(se)
    model = keras.Model(inputs, layers.Multiply()([x, se]))
    report = check_blocks_against_keras(SE_KERAS)
    assert (report.total, tuple(report.rows[-1].shape)) == (
        model.count_params(),
        tuple(model.output.shape[1:]),
    )
    assert report.total == 96 * 9 * 96 + 96 + 2 * (96 * 24 + 24 + 24 * 96 + 96) == 92_496
    with torch.no_grad():
        assert tuple(model(keras_zeros((14, 14, 96))).shape[1:]) == (14, 14, 96)


class _SqueezeExcite(nn.Module):  # type: ignore[misc]
    """torchvision's SqueezeExcitation: x * sigmoid(fc2(relu(fc1(avgpool(x)))))."""

    def __init__(self, channels: int, squeezed: int) -> None:
        super().__init__()
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc1 = nn.Conv2d(channels, squeezed, 1)
        self.activation = nn.ReLU()
        self.fc2 = nn.Conv2d(squeezed, channels, 1)
        self.scale_activation = nn.Sigmoid()

    def forward(self, x: Any) -> Any:
        scale = self.fc2(self.activation(self.fc1(self.avgpool(x))))
        return x * self.scale_activation(scale)


def test_squeeze_and_excitation_matches_torch_and_fvcore() -> None:
    """The SE block as torchvision writes it; fvcore has no handle for aten::mul and counts it 0."""
    fvcore_nn = pytest.importorskip("fvcore.nn")
    model = nn.Sequential(nn.Conv2d(96, 96, 3, padding=1), nn.ReLU(), _SqueezeExcite(96, 24)).eval()
    report = check_blocks_against_torch(SE_TORCH)
    x = torch.zeros((BATCH, 96, 14, 14))
    with torch.no_grad():
        assert tuple(model(x).shape[1:]) == tuple(report.rows[-1].shape) == (96, 14, 14)
    assert report.total == count(model.parameters()) == 87_768
    analysis = fvcore_nn.FlopCountAnalysis(model, x)
    analysis.unsupported_ops_warnings(False)
    assert report.macs == analysis.total() // BATCH
    assert "aten::mul" in analysis.unsupported_ops()  # counted as nothing
    gate = report.rows[-1]
    assert gate.group is not None
    assert gate.macs == sum((r.macs for r in gate.group.rows), 0) > 0


def densenet121() -> str:
    """torchvision's densenet121 (growth 32, blocks 6, 12, 24, 16, bn_size 4), with Repeat's index."""
    lines = [
        "Input(3, 224, 224)",
        "nn.Conv2d(3, 64, 7, stride=2, padding=3, bias=False)",
        "nn.BatchNorm2d(64)",
        "nn.ReLU()",
        "nn.MaxPool2d(3, stride=2, padding=1)",
    ]
    channels = 64
    for number, layers in enumerate((6, 12, 24, 16)):
        lines.append(
            f"Repeat({layers},\n"
            f"    Branches([], [nn.BatchNorm2d({channels} + 32*i), nn.ReLU(),\n"
            f"                  nn.Conv2d({channels} + 32*i, 128, 1, bias=False),\n"
            "                  nn.BatchNorm2d(128), nn.ReLU(),\n"
            "                  nn.Conv2d(128, 32, 3, padding=1, bias=False)]),\n"
            '    index="i",\n)'
        )
        channels += 32 * layers
        if number < 3:
            lines += [
                f"nn.BatchNorm2d({channels})",
                "nn.ReLU()",
                f"nn.Conv2d({channels}, {channels // 2}, 1, bias=False)",
                "nn.AvgPool2d(2, stride=2)",
            ]
            channels //= 2
    lines += [f"nn.BatchNorm2d({channels})", "nn.ReLU()", "nn.AdaptiveAvgPool2d(1)", "nn.Flatten()"]
    lines.append(f"nn.Linear({channels}, 1000)")
    return "\n".join(lines)


class _DenseLayer(nn.Module):  # type: ignore[misc]
    """torchvision's _DenseLayer (its ReLUs as modules): the input and the new features, joined."""

    def __init__(self, channels: int, growth: int = 32, bn_size: int = 4) -> None:
        super().__init__()
        self.norm1, self.relu1 = nn.BatchNorm2d(channels), nn.ReLU()
        self.conv1 = nn.Conv2d(channels, bn_size * growth, 1, bias=False)
        self.norm2, self.relu2 = nn.BatchNorm2d(bn_size * growth), nn.ReLU()
        self.conv2 = nn.Conv2d(bn_size * growth, growth, 3, padding=1, bias=False)

    def forward(self, x: Any) -> Any:
        new = self.conv2(self.relu2(self.norm2(self.conv1(self.relu1(self.norm1(x))))))
        return torch.cat([x, new], 1)


def torchvision_densenet121() -> Any:
    """densenet121 as torchvision's source builds it, from torch.nn (torchvision has no wheel here)."""
    parts: list[Any] = [
        nn.Conv2d(3, 64, 7, stride=2, padding=3, bias=False),
        nn.BatchNorm2d(64),
        nn.ReLU(),
        nn.MaxPool2d(3, stride=2, padding=1),
    ]
    channels = 64
    for number, layers in enumerate((6, 12, 24, 16)):
        parts += [_DenseLayer(channels + 32 * i) for i in range(layers)]
        channels += 32 * layers
        if number < 3:
            parts += [
                nn.BatchNorm2d(channels),
                nn.ReLU(),
                nn.Conv2d(channels, channels // 2, 1, bias=False),
                nn.AvgPool2d(2, stride=2),
            ]
            channels //= 2
    parts += [
        nn.BatchNorm2d(channels),
        nn.ReLU(),
        nn.AdaptiveAvgPool2d(1),
        nn.Flatten(),
        nn.Linear(channels, 1000),
    ]
    return nn.Sequential(*parts).eval()


def test_densenet121_with_growing_repeats_matches_torchvision() -> None:
    """58 dense layers in four Repeats whose copies read 64 + 32*i channels: torchvision's
    7,978,856 parameters, and every layer's shape and counts as the hand-built network gives them."""
    model = torchvision_densenet121()
    report = check_blocks_against_torch(densenet121())
    assert report.total == count(model.parameters()) == 7_978_856
    assert report.buffers == count(model.buffers())
    seen, out = torch_leaf_shapes(model, torch.zeros((1, 3, 224, 224)))
    theirs = [(type(m).__name__, seen[name][-1], count(m.parameters())) for name, m in torch_leaves(model)]
    assert [(r.kind, tuple(r.shape), r.params) for r in report.leaves()] == theirs
    assert tuple(out.shape[1:]) == tuple(report.rows[-1].shape) == (1000,)
    first = report.rows[4]  # the first dense block: 64, 96, ..., 224 channels in
    assert first.group is not None
    assert [copy[0].group.rows[0].shape[0] for copy in first.group.paths] == [64 + 32 * i for i in range(6)]  # type: ignore[union-attr]
    assert first.shape == (256, 56, 56)

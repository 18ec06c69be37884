"""Model code pasted as the tutorials write it (issue 16): PyTorch `nn.Module` classes (a block
class, a helper method, a factory function), Keras' functional API and a subclassed Keras model.

The package reads the text and never runs it. Here the same text (tests/pasted_code.py) is run by
real PyTorch and real Keras 3 (on the PyTorch backend), and the report must give their totals, their
trainable split, their buffers, and for every module or layer they name, its output shape and its
parameters. Then: that reading runs nothing, and that code outside the idioms is a located error.
"""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path
from typing import Any

import pytest

from mkdocs_paramcalc.errors import BlockError, each
from mkdocs_paramcalc.reading.options import Options
from mkdocs_paramcalc.report.model import Report, Row, walk
from tests import pasted_code as code
from tests.helpers import compute, fence_options
from tests.oracle import (
    BATCH,
    TORCH_MARKS,
    check_keras_totals,
    check_report_is_keras,
    check_report_is_torchs,
    keras_on_torch,
    keras_run,
    torch,
)

pytestmark = TORCH_MARKS


def _shape(row: Row) -> tuple[Any, ...]:
    return tuple(row.shape)


# ---------------------------------------------------------------------------------------------
# PyTorch: the same text run by torch, every leaf module seen by a forward hook
# ---------------------------------------------------------------------------------------------


def _torch_model(text: str, name: str) -> Any:
    """The model the text makes, run by torch: the test's own literal text (the oracle's way only)."""
    scope: dict[str, Any] = {}
    exec(text, scope)  # the test's own literal text, run by the real framework
    made = scope[name]
    if isinstance(made, type):  # the text only defines the class: made as the reader makes it
        made = made()
    return made.eval()


def _check_torch(text: str, name: str, shape: tuple[int, ...], options: Options) -> Report:
    report = compute(text, options)
    model = _torch_model(text, name)
    check_report_is_torchs(report, model, torch.zeros((BATCH, *shape)))
    return report


def _constructs(report: Report, *kinds: str) -> list[Row]:
    return [row for _, row in walk(report.rows) if row.group is not None and row.kind in kinds]


def test_the_pytorch_mnist_example_net() -> None:
    report = _check_torch(code.TORCH_MNIST, "model", (1, 28, 28), fence_options("pytorch", "(1, 28, 28)"))
    assert report.total == 1_199_882
    assert report.buffers == 0
    # Its 6 modules, and forward's F.relu ×3, F.max_pool2d, torch.flatten and F.log_softmax.
    assert len(report.leaves()) == 12
    modules = ["conv1", "conv2", "dropout1", "fc1", "dropout2", "fc2"]
    assert [r.name for r in report.leaves() if r.name in modules] == modules


def test_the_model_is_the_class_the_fence_names_when_no_line_makes_it() -> None:
    text = code.TORCH_MNIST.replace("model = Net()\n", "")
    report = compute(text, fence_options("pytorch", "1x28x28", model="Net"))
    assert report.total == 1_199_882


def test_the_cifar10_tutorial_net_uses_its_pool_twice() -> None:
    report = _check_torch(code.TORCH_CIFAR, "net", (3, 32, 32), fence_options("pytorch", "3x32x32"))
    assert report.total == 62_006
    pools = [r for r in report.leaves() if r.name == "pool"]
    assert [(_shape(r), r.params) for r in pools] == [((6, 14, 14), 0), ((16, 5, 5), 0)]


def test_kuangliu_resnet18_from_its_factory_function() -> None:
    report = _check_torch(code.TORCH_RESNET, "net", (3, 32, 32), fence_options("pytorch", "3x32x32"))
    assert (report.total, report.trainable, report.buffers) == (11_173_962, 11_173_962, 9_620)
    assert len(_constructs(report, "Residual", "Branches")) == 8  # one `out += self.shortcut(x)` a block
    projections = {r.name for r in report.leaves() if ".shortcut." in r.name}
    assert projections == {f"layer{n}.0.shortcut.{i}" for n in (2, 3, 4) for i in (0, 1)}


def test_kuangliu_resnet50_the_same_file_made_by_another_factory() -> None:
    report = _check_torch(code.TORCH_RESNET50, "net", (3, 32, 32), fence_options("pytorch", "3x32x32"))
    assert (report.total, report.buffers) == (23_520_842, 53_173)
    assert len(_constructs(report, "Residual", "Branches")) == 16


def test_lenet5_with_ordered_dict_names_the_only_class_is_the_model() -> None:
    report = _check_torch(code.TORCH_LENET, "LeNet5", (1, 32, 32), fence_options("pytorch", "1x32x32"))
    assert report.total == 61_706
    names = [r.name for r in report.leaves() if r.name.startswith(("convnet.", "fc."))]
    assert names == [
        *(f"convnet.{n}" for n in ("c1", "relu1", "s2", "c3", "relu3", "s4", "c5", "relu5")),
        *(f"fc.{n}" for n in ("f6", "relu6", "f7", "sig7")),
    ]


# ---------------------------------------------------------------------------------------------
# Keras: the same text run by Keras in a fresh session (its automatic names counted from zero)
# ---------------------------------------------------------------------------------------------


def _check_keras_functional(text: str, capsys: pytest.CaptureFixture[str]) -> Report:
    report = compute(text)
    model = keras_run(text)
    capsys.readouterr()  # model.summary(), as the text asks Keras
    check_report_is_keras(report, model, ordered=False)
    return report


def test_the_keras_functional_api_guide_toy_resnet(capsys: pytest.CaptureFixture[str]) -> None:
    report = _check_keras_functional(code.KERAS_TOY_RESNET, capsys)
    assert report.total == 223_242
    merges = [row for row in report.rows if row.group is not None]
    assert [(row.name, _shape(row)) for row in merges] == [("add", (9, 9, 64)), ("add_1", (9, 9, 64))]
    assert [r.name for r in report.leaves()] == [
        "conv2d",
        "conv2d_1",
        "max_pooling2d",
        "conv2d_2",
        "conv2d_3",
        "conv2d_4",
        "conv2d_5",
        "conv2d_6",
        "global_average_pooling2d",
        "dense",
        "dropout",
        "dense_1",
    ]


def test_the_keras_mnist_convnet_in_the_functional_api(capsys: pytest.CaptureFixture[str]) -> None:
    report = _check_keras_functional(code.KERAS_MNIST_FUNCTIONAL, capsys)
    assert report.total == 34_826
    assert [r.name for r in report.rows] == [
        "conv2d",
        "max_pooling2d",
        "conv2d_1",
        "max_pooling2d_1",
        "flatten",
        "dropout",
        "dense",
    ]


def test_keras_branches_concatenated_and_an_add_layer(capsys: pytest.CaptureFixture[str]) -> None:
    report = _check_keras_functional(code.KERAS_BRANCHES, capsys)
    assert (report.total, report.trainable, report.non_trainable) == (6_970, 6_906, 64)
    assert {r.name for r in report.rows if r.group is not None} >= {"add"}


def test_a_subclassed_keras_model_with_its_input_from_the_fence() -> None:
    report = compute(code.KERAS_SUBCLASSED, fence_options("keras", "28x28x1"))
    model = keras_run(code.KERAS_SUBCLASSED)
    output = model(keras_on_torch().ops.zeros((BATCH, 28, 28, 1)))  # builds its weights
    check_keras_totals(report, model)
    assert report.total == 2_770_634
    assert [(r.name, r.params) for r in report.leaves()] == [
        (la.name, la.count_params()) for la in model.layers
    ]
    assert [r.name for r in report.leaves()] == ["conv2d", "flatten", "dense", "dense_1"]
    assert _shape(report.rows[-1]) == tuple(output.shape[1:]) == (10,)


# ---------------------------------------------------------------------------------------------
# Read, never run
# ---------------------------------------------------------------------------------------------

# Each text does something if run: makes MARKER (a path the test gives), prints, imports, raises.
# Read, each gives a report or a BlockError, and nothing happens.
_NEVER_RUN = {
    "a module-level statement": """\
import os
os.makedirs(MARKER)
model = nn.Sequential(nn.Linear(3, 4))
""",
    "a class body": """\
import torch.nn as nn


class Net(nn.Module):
    open(MARKER, "w").close()
    print("the class body ran")

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 4)

    def forward(self, x):
        return self.fc(x)
""",
    "a constructor": """\
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        __import__("os").makedirs(MARKER)
        self.fc = nn.Linear(3, 4)

    def forward(self, x):
        return self.fc(x)
""",
    "forward": """\
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 4)

    def forward(self, x):
        open(MARKER, "w").write("forward ran")
        raise SystemExit("forward ran")
        return self.fc(x)


model = Net()
""",
    "a default value and a decorator": """\
import torch.nn as nn


def mark(f):
    open(MARKER, "w").close()
    return f


@mark
class Net(nn.Module):
    def __init__(self, n=open(MARKER, "w")):
        super().__init__()
        self.fc = nn.Linear(3, 4)

    def forward(self, x):
        return self.fc(x)
""",
    "an import that prints": """\
import this
import torch.nn as nn

model = nn.Sequential(nn.Linear(3, 4), nn.ReLU())
""",
    "a Keras call": """\
import keras
from keras import layers


class MyModel(keras.Model):
    def __init__(self):
        super().__init__()
        self.d = layers.Dense(4)
        print("the constructor ran")

    def call(self, x):
        __import__("os").makedirs(MARKER)
        return self.d(x)


model = MyModel()
""",
}


@pytest.mark.parametrize("where", list(_NEVER_RUN))
def test_reading_runs_nothing(where: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    marker = tmp_path / "ran"
    text = _NEVER_RUN[where].replace("MARKER", repr(str(marker)))
    modules = set(sys.modules)
    framework = "keras" if "keras" in text else "pytorch"
    with contextlib.suppress(BlockError):  # refused, or read: either way, never run
        compute(text, fence_options(framework, "3"))
    assert not marker.exists()
    assert capsys.readouterr() == ("", "")
    assert "this" not in set(sys.modules) - modules


# ---------------------------------------------------------------------------------------------
# Outside the idioms: a located error, at the line that is not understood
# ---------------------------------------------------------------------------------------------

_NET = """\
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
INIT
    def forward(self, x):
FORWARD
        return self.fc(x)
"""


@pytest.mark.parametrize(
    ("init", "forward", "line"),
    [
        ("        while True:\n            self.fc = nn.Linear(3, 4)\n", "", 7),
        ("        n = foo(3)\n        self.fc = nn.Linear(n, 4)\n", "", 7),
        ("        self.fc = nn.Linear(foo(3), 4)\n", "", 7),
        ("        self.fc = nn.Linear(3, 4)\n", "        if x:\n            x = self.fc(x)\n", 10),
    ],
    ids=["while True", "an unknown function", "an unknown function in an argument", "if on the data"],
)
def test_code_outside_the_idioms_is_an_error_at_its_line(init: str, forward: str, line: int) -> None:
    text = _NET.replace("INIT\n", init + "\n").replace("FORWARD\n", forward)
    assert (
        text.splitlines()[line - 1].strip().startswith(("while", "n = foo", "self.fc = nn.Linear(foo", "if"))
    )
    with pytest.raises(BlockError) as caught:
        compute(text, fence_options("pytorch", "3"))
    first = each(caught.value)[0]
    assert first.where.line == line, first

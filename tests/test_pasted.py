"""A model pasted as its framework writes it (issue 16, its first step): keras.Sequential([...]),
model.add(...) lines, nn.Sequential(...), the modules' prefixes, imports and model.summary().

The package only reads the text. Here the same text is run, by real Keras 3 (on the PyTorch
backend) and real PyTorch, and the block's totals, trainable split, shapes and names must equal theirs.
"""

from __future__ import annotations

from typing import Any

import pytest

from mkdocs_paramcalc.code.read import read_block
from mkdocs_paramcalc.errors import BlockError, Location, each
from mkdocs_paramcalc.reading.options import Options, Settings
from mkdocs_paramcalc.reading.parse import parse_block
from mkdocs_paramcalc.report.model import Report
from tests.helpers import PYTORCH_SITE, compute
from tests.oracle import BATCH, TORCH_MARKS, check_report_is_keras, count, keras_run, torch
from tests.pasted_code import KERAS_MNIST, TORCH_MLP

pytestmark = TORCH_MARKS


KERAS_ADD = """\
from keras.models import Sequential
from keras import layers
import keras

model = Sequential()
model.add(layers.Conv2D(16, 3, activation="relu", input_shape=(32, 32, 3)))
model.add(keras.layers.BatchNormalization())
model.add(layers.MaxPooling2D())
model.add(layers.Flatten())
model.add(keras.layers.Dense(64, activation="relu", name="hidden"))
model.add(layers.Dense(10, activation="softmax"))
model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
model.summary()
"""

KERAS_NAMED = """\
import keras
model = keras.Sequential([
    keras.Input(shape=(20,)),
    keras.layers.Dense(8, name="first"),
    keras.layers.Dense(8),
    keras.layers.Dense(1),
], name="tiny")
"""

TORCH_CNN = """\
import torch
import torch.nn as nn

model = torch.nn.Sequential(
    nn.Sequential(torch.nn.Conv2d(1, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2)),
    nn.Sequential(nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2)),
    nn.Flatten(),
    nn.Dropout(0.25),
    torch.nn.Linear(64 * 6 * 6, 10),
)
"""


def _check_keras(text: str) -> Report:
    report = compute(text)
    check_report_is_keras(report, keras_run(text), ordered=True)
    return report


def _torch_run(text: str) -> Any:
    scope: dict[str, Any] = {}
    exec(text, scope)  # the test's own literal text, run by the real framework
    return scope["model"].eval()


def _check_torch(text: str, shape: tuple[int, ...]) -> Report:
    report = compute("Input(" + ", ".join(map(str, shape)) + ")\n" + text, PYTORCH_SITE)
    model = _torch_run(text)
    assert report.framework == "pytorch"
    assert report.total == count(model.parameters())
    assert report.trainable == count(p for p in model.parameters() if p.requires_grad)
    assert report.buffers == count(model.buffers())
    leaves = [m for m in model.modules() if not isinstance(m, torch.nn.Sequential)]
    x = torch.zeros((BATCH, *shape))
    theirs = []
    with torch.no_grad():
        for module in leaves:
            x = module(x)
            theirs.append((type(module).__name__, tuple(x.shape[1:]), count(module.parameters())))
    assert [(r.kind, tuple(r.shape), r.params) for r in report.rows] == theirs
    return report


def test_the_keras_mnist_convnet_as_keras_io_writes_it() -> None:
    report = _check_keras(KERAS_MNIST)
    assert report.total == 34_826
    assert [r.name for r in report.rows][:3] == ["conv2d", "max_pooling2d", "conv2d_1"]


@pytest.mark.filterwarnings("ignore:Do not pass an `input_shape`:UserWarning")  # Keras' advice, not a fault
def test_model_add_lines_with_input_shape_on_the_first_layer() -> None:
    report = _check_keras(KERAS_ADD)
    assert (report.total, report.non_trainable) == (231_626, 32)
    assert report.rows[4].name == "hidden"


def test_a_sequential_with_names_and_a_name() -> None:
    assert _check_keras(KERAS_NAMED).total == 249


def test_an_nn_sequential_mlp() -> None:
    assert _check_torch(TORCH_MLP, (1, 28, 28)).total == 669_706


def test_a_nested_nn_sequential_cnn_is_flattened_in_order() -> None:
    report = _check_torch(TORCH_CNN, (1, 28, 28))
    assert (report.total, report.buffers) == (41_930, 65)


def _error(text: str) -> BlockError:
    with pytest.raises(BlockError) as caught:
        read_block(text, Options(Settings()))
    return each(caught.value)[0]


@pytest.mark.parametrize(
    ("text", "where", "words"),
    [
        ("model = keras.Sequential([Dense(3)])\nnet = keras.Sequential()", Location(1, 1), "several models"),
        ("Input(3)\nmodel.add(Dense(3))", Location(2, 1), "not the block's model"),
        ("model = keras.Sequential()\nmodel.add(Dense(3), Dense(4))", Location(2, 1), "takes one layer"),
        ("keras.Sequential(Dense(3))", Location(1, 1), "one list of layers"),
        ("keras.Sequential([Dense(3), 4])", Location(1, 29), "holds layers, not a number"),
        ("nn.Sequential(nn.Linear(3, 4), dim=1)", Location(1, 1), "without keywords"),
        ("nn.Sequential(nn.Linear(3, 4), 5)", Location(1, 32), "holds layers, not a number"),
        ("Input(3)\nResidual(nn.Sequential(nn.Linear(3, 3)))", Location(2, 10), "whole model"),
        ("num_classes = 10", Location(1, 1), "makes no model"),
        ("layers.Residual(Dense(3))", Location(1, 1), "paramcalc's own"),
    ],
)
def test_what_is_not_understood_is_a_located_error(text: str, where: Location, words: str) -> None:
    error = _error(text)
    assert error.where == where, error
    assert words in error.message


def test_what_a_notebook_does_with_its_model_is_read_past() -> None:
    """Training, evaluating and showing a model change no count: such lines are not read at all."""
    for line in (
        "model.evaluate(x)",
        "model.summary(line_length=9)",
        "print(model, file=f)",
        "model.fit(x, y)",
    ):
        calls = read_block(f"model = keras.Sequential([Input(3), Dense(2)])\n{line}", Options(Settings()))
        assert [c.name for c in calls] == ["Input", "Dense"]


def test_imports_are_ignored_and_a_block_of_layers_reads_as_before() -> None:
    calls = parse_block("import os\nfrom os import path\nInput(3)\nlayers.Dense(2)\ntorch.nn.Linear(2, 1)")
    assert [(c.name, c.prefix) for c in calls] == [("Input", ""), ("Dense", ""), ("Linear", "nn.")]


def test_a_pasted_model_keeps_the_bounds() -> None:
    deep = "nn.Linear(2, 2)"
    for _ in range(20):
        deep = f"nn.Sequential({deep})"
    assert len(read_block(deep, Options(Settings()))) == 1
    for _ in range(50):
        deep = f"nn.Sequential({deep})"
    assert "nested more than 64 deep" in _error(deep).message  # brackets, as in a block
    many = "keras.Sequential([" + "Dense(2), " * 1_001 + "])"
    assert "more than 1,000 layers" in _error(many).message

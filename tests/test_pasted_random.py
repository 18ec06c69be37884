"""Random model code, read by the package and run by the frameworks (issue 16, item 6).

Hypothesis writes model code in each idiom people paste (tests/code_strategies.py): Keras
Sequential, the Keras functional API with residual adds, concatenated branches and
squeeze-excite gates, PyTorch `nn.Module` classes with block classes, loops and helpers, and
`nn.Sequential` with `OrderedDict` names. The package reads each text statically; the test runs
the very same text in real Keras 3 (PyTorch backend) or real PyTorch, and the report must give
the framework's totals, trainable split and buffers, and for each of its layers or leaf modules,
by the framework's own name, the output shape and the parameter count.

Where the reading and the framework disagree, the minimal text Hypothesis found is kept below as
an expected failure, until the reader is fixed.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import Phase, given, note, settings
from hypothesis.control import currently_in_test_context

from mkdocs_paramcalc.reading.options import Options, Settings, parse_options
from mkdocs_paramcalc.report.model import Report, Row
from tests.code_strategies import (
    Case,
    keras_functional_code,
    keras_sequential_code,
    torch_module_code,
    torch_sequential_code,
)
from tests.helpers import compute
from tests.oracle import (
    BATCH,
    TORCH_MARKS,
    check_report_is_keras,
    check_report_is_torchs,
    keras_on_torch,
    random_examples,
    torch,
)

keras = keras_on_torch()

pytestmark = [
    *TORCH_MARKS,
    # Keras 3 still takes Keras 2's input_shape= on a Sequential model's first layer, and warns.
    pytest.mark.filterwarnings("ignore:Do not pass an `input_shape`:UserWarning"),
]


def _options(case: Case) -> Options:
    raw = {"framework": case.framework}
    if case.framework == "pytorch":
        raw["input"] = case.input_option
    return parse_options(raw, Settings())


def _made(case: Case) -> Any:
    """The model the text makes, run by the framework: the test's own generated text."""
    if case.framework == "keras":
        keras.backend.clear_session(free_memory=False)  # Keras' automatic names counted from zero
    scope: dict[str, Any] = {}
    exec(case.text, scope)  # the strategy's own text, run by the real framework
    made = scope[case.made_by]
    return made() if case.call else made


def _note(case: Case) -> None:
    """The text, printed with a failing example (a test of one literal text shows it itself)."""
    if currently_in_test_context():
        note(case.text)


def _shape(row: Row) -> tuple[Any, ...]:
    return tuple(row.shape)


# ---------------------------------------------------------------------------------------------
# Keras: one row a layer, by Keras' own name
# ---------------------------------------------------------------------------------------------


def check_keras(case: Case, *, ordered: bool) -> Report:
    _note(case)
    report = compute(case.text, _options(case))
    check_report_is_keras(report, _made(case), ordered=ordered)
    return report


@random_examples(20)
@given(keras_sequential_code())
def test_random_keras_sequential_code(case: Case) -> None:
    check_keras(case, ordered=True)


@random_examples(20)
@given(keras_functional_code())
def test_random_keras_functional_code(case: Case) -> None:
    check_keras(case, ordered=False)


# ---------------------------------------------------------------------------------------------
# PyTorch: every leaf module, seen by a forward hook, and our rows of its name
# ---------------------------------------------------------------------------------------------


def check_torch(case: Case) -> Report:
    _note(case)
    report = compute(case.text, _options(case))
    model = _made(case).eval()
    check_report_is_torchs(report, model, torch.zeros((BATCH, *case.shape)))
    return report


@random_examples(25)
@given(torch_module_code())
def test_random_pytorch_module_classes(case: Case) -> None:
    check_torch(case)


@random_examples(20)
@given(torch_sequential_code())
def test_random_pytorch_sequential_with_ordered_dict_names(case: Case) -> None:
    check_torch(case)


# ---------------------------------------------------------------------------------------------
# Disagreements found, kept as expected failures until the reader is fixed
# ---------------------------------------------------------------------------------------------

# A model frozen where it is made: the reader reads trainable=False on a whole Keras model, and
# torch's requires_grad_(False) on a module of the code's own class, and ignores both; Keras and
# torch count every parameter as non-trainable. Each strategy writes the idiom when asked
# (frozen=True); without it, the random tests above stay clear of it.
FROZEN = "the model is frozen where it is made, and the reader counts its weights as trainable"


def _generated_only(count: int) -> settings:
    """A few random examples, not shrunk: the minimal texts are the tests below."""
    return settings(random_examples(count), phases=[Phase.generate])


@_generated_only(3)
@given(keras_sequential_code(frozen=True))
def test_random_frozen_keras_sequential_code(case: Case) -> None:
    check_keras(case, ordered=True)


@_generated_only(3)
@given(keras_functional_code(frozen=True))
def test_random_frozen_keras_functional_code(case: Case) -> None:
    check_keras(case, ordered=False)


@_generated_only(3)
@given(torch_module_code(frozen=True))
def test_random_frozen_pytorch_module_classes(case: Case) -> None:
    check_torch(case)


# The minimal texts: Hypothesis' shrunk examples of the tests above, and their torch variants.


def test_a_keras_sequential_model_made_with_trainable_false() -> None:
    text = """\
import keras
from keras import layers

model = keras.Sequential([
    keras.Input(shape=(8, 8, 1)),
    layers.Flatten(),
    layers.Dense(2),
], trainable=False)
"""
    check_keras(Case(text, "keras", (8, 8, 1), "model"), ordered=True)  # ours 130 trainable, Keras 0


def test_a_keras_functional_model_made_with_trainable_false() -> None:
    text = """\
import keras
from keras import layers

inputs = keras.Input(shape=(8, 8, 1))
x = layers.Flatten()(inputs)
outputs = layers.Dense(2)(x)
model = keras.Model(inputs, outputs, trainable=False)
"""
    check_keras(Case(text, "keras", (8, 8, 1), "model"), ordered=False)  # ours 130 trainable, Keras 0


_NET = """\
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 2)

    def forward(self, x):
        return self.fc(x)


"""


def test_a_torch_model_made_with_requires_grad_false() -> None:
    text = _NET + "model = Net().requires_grad_(False)\n"
    check_torch(Case(text, "pytorch", (3,), "model"))  # ours 8 trainable, torch 0


def test_a_torch_submodule_of_the_codes_class_made_with_requires_grad_false() -> None:
    text = _NET + (
        "class Wrapper(nn.Module):\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        "        self.net = Net().requires_grad_(False)\n"
        "        self.out = nn.Linear(2, 2)\n\n"
        "    def forward(self, x):\n"
        "        return self.out(self.net(x))\n\n\n"
        "model = Wrapper()\n"
    )
    check_torch(Case(text, "pytorch", (3,), "model"))  # ours 14 trainable, torch 6


# Valid code the reader refuses (a located error, not a wrong count), which the strategies avoid.


def test_keras_concatenate_on_axis_3_of_an_image() -> None:
    text = """\
import keras
from keras import layers

inputs = keras.Input(shape=(8, 8, 1))
branch = layers.Conv2D(2, 1)(inputs)
x = layers.concatenate([inputs, branch], axis=3)
x = layers.Flatten()(x)
outputs = layers.Dense(2)(x)
model = keras.Model(inputs, outputs)
"""
    check_keras(Case(text, "keras", (8, 8, 1), "model"), ordered=False)


def test_a_torch_model_frozen_on_a_line_of_its_own() -> None:
    text = _NET + "model = Net()\nmodel.requires_grad_(False)\n"
    check_torch(Case(text, "pytorch", (3,), "model"))

"""Oracles: every shape and count we compute, checked against real Keras 3 (PyTorch backend) and PyTorch.

A block is turned into a real `keras.Sequential` without running its text: our own parser reads
it, and each call becomes `getattr(keras.layers, name)(*values, **keywords)`. Keras then builds
the model, and each layer's output shape, parameter count and trainable split must equal our row.
The same blocks are also translated into `torch.nn` modules (channels first) whose parameter
counts must agree. A property-based test does the same for random sequential models.
"""

from __future__ import annotations

import math
import os
from typing import Any

import pytest

from mkdocs_paramcalc.errors import BlockError
from mkdocs_paramcalc.model import Report, build
from mkdocs_paramcalc.options import Options, Settings
from mkdocs_paramcalc.parse import Call, parse_block
from mkdocs_paramcalc.values import is_symbolic

os.environ["KERAS_BACKEND"] = "torch"  # must precede the first import of keras
torch = pytest.importorskip("torch")
keras = pytest.importorskip("keras")
np = pytest.importorskip("numpy")
if keras.backend.backend() != "torch":  # keras was imported earlier with another backend
    pytest.skip("the oracle tests need Keras on the PyTorch backend", allow_module_level=True)

try:
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st
except ImportError:  # the property test is skipped, the rest still runs
    st = None

nn = torch.nn

pytestmark = [
    pytest.mark.oracle,
    # torch pads a copy of the input for padding="same" with an even kernel; it says so, once.
    pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel lengths:UserWarning"),
    # Keras warns when a random model puts Softmax on an axis of size 1 (the result is all ones).
    pytest.mark.filterwarnings("ignore:You are using a softmax over axis:UserWarning"),
]


# ---------------------------------------------------------------------------------------------
# Helpers: our report, the Keras model, the comparison
# ---------------------------------------------------------------------------------------------


def compute(text: str) -> Report:
    return build(parse_block(text), Options(Settings()))


def _plain(value: Any) -> Any:
    """An argument value as Keras takes it (the block's values are ints, floats, strings, tuples)."""
    assert not is_symbolic(value), "the oracles compare numeric blocks only"
    return value


def _input_shape(call: Call) -> tuple[int, ...]:
    """The shape an `Input(...)` line gives, read independently of our model code."""
    assert call.name == "Input"
    shape = call.keyword("shape")
    batch = call.keyword("batch_shape")
    if shape is not None:
        return tuple(shape.value)
    if batch is not None:
        return tuple(batch.value[1:])
    if len(call.args) == 1 and isinstance(call.args[0].value, tuple):
        return tuple(call.args[0].value)
    return tuple(arg.value for arg in call.args)


def _split(text: str) -> tuple[tuple[int, ...], list[Call]]:
    calls = list(parse_block(text))
    if calls[0].name == "Input":
        return _input_shape(calls[0]), calls[1:]
    legacy = calls[0].keyword("input_shape")
    assert legacy is not None, "an oracle block starts with Input(...) or gives input_shape="
    return tuple(legacy.value), calls


def keras_layer(call: Call) -> Any:
    """The Keras layer a call names, built from its argument values (`expect` is ours, dropped)."""
    args = [_plain(arg.value) for arg in call.args]
    kwargs = {key: _plain(arg.value) for key, arg in call.kwargs if key not in ("expect", "input_shape")}
    return getattr(keras.layers, call.name)(*args, **kwargs)


def keras_model(text: str) -> Any:
    """A real keras.Sequential for a block; its layers are named as Keras names them after a clear."""
    keras.backend.clear_session()
    shape, calls = _split(text)
    return keras.Sequential([keras.Input(shape=shape), *(keras_layer(call) for call in calls)])


def keras_rejects(text: str) -> str | None:
    """Keras' error for a block it will not build, or None when it builds it."""
    try:
        keras_model(text)
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    return None


def _size(weights: list[Any]) -> int:
    return sum(math.prod(w.shape) for w in weights)


Line = tuple[str, tuple[int, ...], int, int, int]  # name, shape, params, trainable, non-trainable


def ours(report: Report) -> list[Line]:
    return [(r.name, tuple(r.shape), r.params, r.trainable, r.non_trainable) for r in report.rows]


def check_keras(text: str, *, run: bool = True) -> Report:
    """Compare every row and the totals with Keras; with `run`, also push a zero batch through."""
    report = compute(text)
    model = keras_model(text)
    shape, _ = _split(text)
    assert tuple(report.input_shape) == shape
    theirs: list[Line] = [
        (
            layer.name,
            tuple(layer.output.shape[1:]),
            layer.count_params(),
            _size(layer.trainable_weights),
            _size(layer.non_trainable_weights),
        )
        for layer in model.layers
    ]
    assert ours(report) == theirs
    assert (report.total, report.trainable, report.non_trainable) == (
        model.count_params(),
        _size(model.trainable_weights),
        _size(model.non_trainable_weights),
    )
    if run:  # the shapes Keras declares are the shapes torch really computes
        x: Any = np.zeros((1, *shape), dtype="float32")
        real = []
        with torch.no_grad():
            for layer in model.layers:
                x = layer(x)
                real.append(tuple(x.shape[1:]))
        assert [tuple(r.shape) for r in report.rows] == real
    return report


# ---------------------------------------------------------------------------------------------
# Hand-written models
# ---------------------------------------------------------------------------------------------

MNIST = """\
Input(28, 28, 1)
Conv2D(32, 3, activation="relu", name="Conv_1 + ReLU")
Conv2D(64, 3, activation="relu")
MaxPooling2D(2)
Flatten()
Dense(128, activation="relu")
Dense(10)
"""

LENET5 = """\
Input(32, 32, 1)
Conv2D(6, 5, activation="tanh", name="C1")
AveragePooling2D(2, name="S2")
Conv2D(16, 5, activation="tanh", name="C3")
AveragePooling2D(2, name="S4")
Flatten()
Dense(120, activation="tanh", name="C5")
Dense(84, activation="tanh", name="F6")
Dense(10, activation="softmax", name="Output")
"""

VGG = """\
Input(64, 64, 3)
Conv2D(32, 3, padding="same", activation="relu")
Conv2D(32, 3, padding="same", activation="relu")
MaxPooling2D(2)
Conv2D(64, 3, padding="same", activation="relu")
Conv2D(64, 3, padding="same", activation="relu")
MaxPooling2D(2)
Conv2D(128, (3, 3), padding="same", activation="relu")
Conv2D(128, 3, padding="same", activation="relu", use_bias=False)
MaxPooling2D(pool_size=(2, 2), strides=2)
Flatten()
Dense(256, activation="relu")
Dropout(0.5)
Dense(10, activation="softmax")
"""

TEXT_CNN = """\
Input(200, 50)
Conv1D(64, 5, activation="relu")
MaxPooling1D(4)
Conv1D(64, 3, padding="causal", dilation_rate=2, activation="relu")
AveragePooling1D(pool_size=3, strides=2, padding="same")
Conv1D(32, 3, strides=2, padding="same", groups=4)
Conv1D(filters=16, kernel_size=1, use_bias=False)
Flatten()
Dropout(0.25)
Dense(1, activation="sigmoid")
"""

CONV3D = """\
Input(16, 32, 32, 3)
Conv3D(8, 3, activation="relu")
MaxPooling3D((1, 2, 2))
Conv3D(16, (3, 3, 3), strides=(1, 2, 2), padding="same")
AveragePooling3D(2)
Conv3D(16, (3, 1, 1), dilation_rate=(2, 1, 1), groups=2)
MaxPooling3D(pool_size=2, strides=(1, 1, 1), padding="same")
Flatten()
Dense(4)
"""

STRIDED = """\
Input(65, 65, 8)
Conv2D(16, 3, strides=2)
Conv2D(16, (3, 5), dilation_rate=(2, 1))
Conv2D(32, 3, groups=4, padding="same")
Conv2D(32, 3, groups=32, padding="same", name="depthwise")
Conv2D(64, 1, name="pointwise")
Conv2D(64, 4, strides=(3, 2), padding="same")
Conv2D(64, (2, 3), strides=(1, 2))
MaxPooling2D(3, strides=2, padding="same")
AveragePooling2D((2, 1))
Flatten()
Dense(10, use_bias=False)
"""

BATCH_NORM = """\
Input(32, 32, 3)
Conv2D(16, 3, use_bias=False)
BatchNormalization()
ReLU()
Conv2D(32, 3, strides=2, use_bias=False)
BatchNormalization(center=False)
Activation("relu")
Conv2D(32, 3, padding="same", use_bias=False)
BatchNormalization(scale=False, momentum=0.9, epsilon=1e-5)
BatchNormalization(center=False, scale=False)
MaxPooling2D()
Flatten()
Dense(10, use_bias=False)
BatchNormalization(axis=1)
Softmax()
"""

FROZEN = """\
Input(28, 28, 1)
Conv2D(32, 3, trainable=False, name="frozen conv")
BatchNormalization(trainable=False, name="frozen bn")
Conv2D(64, 3)
BatchNormalization()
MaxPooling2D(2, trainable=False)
Flatten()
Dense(128, trainable=False)
Dense(10)
"""

DENSE_UNFLATTENED = """\
Input(24, 24, 64)
Dense(128, expect=8320)
Dense(10, activation="relu")
Flatten()
Dense(3)
"""

KERAS_NAMES = """\
Input(20, 20, 3)
Conv2D(4, 3)
Conv2D(4, 3)
ReLU()
BatchNormalization()
MaxPooling2D()
Conv2D(4, 3, name="custom")
Conv2D(4, 1)
Dropout(0.1)
Flatten()
Dense(5)
Softmax()
"""

MISC = """\
Input(shape=(40, 6))
Dense(8)
Softmax(axis=1)
Dropout(rate=0.5, noise_shape=(1, 1, 8), seed=3)
ReLU(max_value=6.0, negative_slope=0.1, threshold=0.5)
Activation("gelu")
BatchNormalization(axis=-2)
BatchNormalization(axis=2)
MaxPooling1D(pool_size=2)
Conv1D(12, 5, padding="same", kernel_initializer="he_normal", bias_regularizer=None)
Flatten()
Dense(units=7, activation="softmax", use_bias=True)
"""

HAND_WRITTEN = {
    "mnist": MNIST,
    "lenet5": LENET5,
    "vgg": VGG,
    "text-cnn": TEXT_CNN,
    "conv3d": CONV3D,
    "strided-dilated-grouped": STRIDED,
    "batch-norm": BATCH_NORM,
    "frozen": FROZEN,
    "dense-unflattened": DENSE_UNFLATTENED,
    "keras-names": KERAS_NAMES,
    "misc": MISC,
    "input-tuple": "Input((28, 28, 1))\nConv2D(8, 3)\nFlatten()\nDense(4)",
    "input-batch-shape": "Input(batch_shape=(32, 10))\nDense(3)\nDense(1, use_bias=False)",
    "input-shape-keyword": "Dense(16, input_shape=(12,))\nDense(2)",
    "flat-input": "Input(784)\nDense(512, activation='relu')\nDropout(0.2)\nDense(10)",
    "1x1": "Input(1, 1, 3)\nConv2D(5, 1)\nMaxPooling2D(1)\nFlatten()\nDense(2)",
    "kernel-equals-input": "Input(7, 9, 2)\nConv2D(3, (7, 9))\nFlatten()",
}


@pytest.mark.parametrize("text", list(HAND_WRITTEN.values()), ids=list(HAND_WRITTEN))
def test_hand_written_model_matches_keras(text: str) -> None:
    check_keras(text)


def test_mnist_numbers() -> None:
    report = check_keras(MNIST)
    assert report.total == 1_199_882
    assert [r.params for r in report.rows] == [320, 18_496, 0, 0, 1_179_776, 1_290]
    assert report.rows[0].name == "Conv_1 + ReLU"
    assert report.rows[1].shape == (24, 24, 64)


def test_lenet5_numbers() -> None:
    assert check_keras(LENET5).total == 61_706


def test_dense_acts_on_the_last_axis() -> None:
    row = check_keras(DENSE_UNFLATTENED).rows[0]
    assert (row.shape, row.params) == ((24, 24, 128), 8_320)


def test_batch_norm_is_four_vectors_two_of_them_not_trained() -> None:
    report = check_keras("Input(26, 26, 32)\nBatchNormalization()")
    (row,) = report.rows
    assert (row.params, row.trainable, row.non_trainable) == (128, 64, 64)


def test_frozen_layers_move_everything_to_non_trainable() -> None:
    report = check_keras(FROZEN)
    frozen_conv, frozen_bn = report.rows[:2]
    assert frozen_conv.non_trainable == frozen_conv.params == 320
    assert frozen_bn.non_trainable == frozen_bn.params == 128
    assert report.non_trainable == 320 + 128 + 128 + 9216 * 128 + 128


CHANNELS_FIRST = {
    "conv2d": 'Input(3, 32, 32)\nConv2D(16, 3, data_format="channels_first")',
    "conv2d-stack": (
        "Input(3, 33, 31)\n"
        'Conv2D(16, 3, strides=2, padding="same", data_format="channels_first")\n'
        'MaxPooling2D(2, data_format="channels_first")\n'
        'Conv2D(16, (3, 2), groups=4, dilation_rate=(1, 2), data_format="channels_first")\n'
        'AveragePooling2D(3, strides=1, padding="same", data_format="channels_first")\n'
        "BatchNormalization(axis=1)\n"
        'Flatten(data_format="channels_first")\n'
        "Dense(10)"
    ),
    "conv1d": (
        "Input(8, 50)\n"
        'Conv1D(16, 5, padding="causal", dilation_rate=2, data_format="channels_first")\n'
        'MaxPooling1D(3, data_format="channels_first")\n'
        'Conv1D(8, 3, groups=8, strides=2, padding="same", data_format="channels_first")\n'
        "Flatten()\nDense(2)"
    ),
    "conv3d": (
        "Input(3, 8, 16, 16)\n"
        'Conv3D(6, (2, 3, 3), groups=3, data_format="channels_first")\n'
        'MaxPooling3D((1, 2, 2), padding="same", data_format="channels_first")\n'
        'AveragePooling3D(2, data_format="channels_first")\n'
        "BatchNormalization(axis=1)"
    ),
}


@pytest.mark.parametrize("text", list(CHANNELS_FIRST.values()), ids=list(CHANNELS_FIRST))
def test_channels_first_matches_keras(text: str) -> None:
    rejected = keras_rejects(text)
    if rejected is not None and "channels_first" in rejected.lower():
        pytest.skip(f"the torch backend of Keras does not run this on CPU: {rejected}")
    check_keras(text)


# ---------------------------------------------------------------------------------------------
# Blocks Keras refuses to build: we must refuse them too, with a BlockError
# ---------------------------------------------------------------------------------------------

REJECTED = {
    "kernel-larger-than-image": "Input(10, 10, 4)\nConv2D(4, 11)",
    "kernel-larger-on-one-axis": "Input(10, 30, 4)\nConv2D(4, (11, 3))",
    "dilated-kernel-larger-than-image": "Input(10, 10, 4)\nConv2D(4, 4, dilation_rate=4)",
    "pool-larger-than-image": "Input(10, 10, 4)\nMaxPooling2D(11)",
    "shrunk-to-nothing": (
        "Input(28, 28, 1)\nConv2D(8, 5)\nMaxPooling2D(2)\nConv2D(8, 5)\nMaxPooling2D(2)\nConv2D(8, 5)"
    ),
    "conv1d-too-long": "Input(5, 4)\nConv1D(2, 6)",
    "conv3d-too-deep": "Input(2, 16, 16, 3)\nConv3D(4, 3)",
    "groups-vs-channels": "Input(28, 28, 6)\nConv2D(32, 3, groups=4)",
    "groups-vs-filters": "Input(10, 10, 4)\nConv2D(6, 3, groups=4)",
    "zero-groups": "Input(10, 10, 4)\nConv2D(4, 3, groups=0)",
    "zero-filters": "Input(28, 28, 1)\nConv2D(0, 3)",
    "zero-kernel": "Input(10, 10, 4)\nConv2D(4, 0)",
    "zero-strides": "Input(10, 10, 4)\nConv2D(4, 3, strides=0)",
    "zero-dilation": "Input(10, 10, 4)\nConv2D(4, 3, dilation_rate=0)",
    "zero-pool": "Input(10, 10, 4)\nMaxPooling2D(0)",
    "zero-units": "Input(10)\nDense(0)",
    "float-units": "Input(10)\nDense(3.0)",
    "kernel-rank": "Input(28, 28, 1)\nConv2D(32, (3, 3, 3))",
    "strides-rank": "Input(10, 10, 4)\nConv2D(3, (3, 3), strides=(1,))",
    "causal-conv2d": 'Input(10, 10, 4)\nConv2D(3, 3, padding="causal")',
    "causal-pool": 'Input(10, 4)\nAveragePooling1D(3, padding="causal")',
    "unknown-padding": 'Input(10, 10, 4)\nConv2D(3, 3, padding="full")',
    "conv2d-on-a-vector": "Input(784)\nConv2D(32, 3)",
    "conv1d-on-an-image": "Input(28, 28, 1)\nConv1D(32, 3)",
    "pool2d-on-a-sequence": "Input(28, 3)\nMaxPooling2D(2)",
    "dropout-rate": "Input(28, 28, 1)\nDropout(1.5)",
    "negative-dropout": "Input(28, 28, 1)\nDropout(-0.1)",
    "unknown-activation": 'Input(10)\nDense(4, activation="relu2")',
    "batch-norm-axis": "Input(10, 10, 4)\nBatchNormalization(axis=-4)",
    "trainable-not-bool": "Input(10, 10, 4)\nConv2D(4, 3, trainable=0)",
    "duplicate-kernel": "Input(10, 10, 4)\nConv2D(8, 3, kernel_size=3)",
    "unknown-argument": "Input(10)\nDense(4, bias=True)",
    "unknown-layer": "Input(10)\nDense2(4)",
    "data-format": 'Input(10, 10, 4)\nConv2D(4, 3, data_format="nhwc")',
}


# Blocks Keras rejects that these oracles first found we accepted; now we reject them too.
REJECTED_TOO = {
    "strides-and-dilation": "Input(32, 32, 3)\nConv2D(8, 3, strides=2, dilation_rate=2)",
    "strides-and-dilation-on-other-axes": (
        "Input(32, 32, 3)\nConv2D(8, 3, strides=(2, 1), dilation_rate=(1, 2))"
    ),
    "strides-and-dilation-conv1d": (
        "Input(100, 4)\nConv1D(8, 3, strides=2, dilation_rate=2, padding='causal')"
    ),
    "activation-case": 'Input(10)\nActivation("ReLU")',
    "activation-keyword-case": 'Input(10)\nDense(4, activation="Sigmoid")',
    "pool-padding-case": 'Input(10, 10, 4)\nMaxPooling2D(3, padding="SAME")',
    "relu-negative-max": "Input(10)\nReLU(max_value=-1)",
    "relu-negative-slope": "Input(10)\nReLU(negative_slope=-0.5)",
    "relu-threshold-none": "Input(10)\nReLU(threshold=None)",
}


def test_layer_names_are_labels() -> None:
    """Keras refuses a `/` in a layer name; ours are labels for a table, so we allow it on purpose."""
    text = 'Input(10)\nDense(4, name="fc/1")'
    assert keras_rejects(text) is not None
    assert compute(text).rows[0].name == "fc/1"


@pytest.mark.parametrize(
    "text",
    [pytest.param(text, id=key) for key, text in {**REJECTED, **REJECTED_TOO}.items()],
)
def test_what_keras_rejects_we_reject(text: str) -> None:
    assert keras_rejects(text) is not None, "Keras builds this block; it does not belong here"
    with pytest.raises(BlockError):
        compute(text)


# ---------------------------------------------------------------------------------------------
# PyTorch: the same models as torch.nn modules (channels first), counted by torch
# ---------------------------------------------------------------------------------------------


class _OnChannels(nn.Module):
    """Applies a module to the channel axis (1) of a channels-first tensor, as Keras' Dense does."""

    def __init__(self, inner: Any) -> None:
        super().__init__()
        self.inner = inner

    def forward(self, x: Any) -> Any:
        if x.ndim == 2:
            return self.inner(x)
        return self.inner(x.movedim(1, -1)).movedim(-1, 1)


def _same_padding(
    sizes: tuple[int, ...], window: tuple[int, ...], strides: tuple[int, ...], dilation: tuple[int, ...]
) -> Any:
    """TensorFlow-style "same" padding (the extra cell at the end) as a torch padding module."""
    pads = []
    for n, k, s, d in zip(sizes, window, strides, dilation, strict=True):
        out = -(-n // s)
        total = max((out - 1) * s + d * (k - 1) + 1 - n, 0)
        pads.append((total // 2, total - total // 2))
    flat = tuple(p for pair in reversed(pads) for p in pair)  # torch pads the last axis first
    return getattr(nn, f"ConstantPad{len(sizes)}d")(flat, 0.0)


def torch_module(call: Call, x: Any) -> Any:
    """The torch.nn equivalent of one Keras layer, for the channels-first tensor `x` it receives.

    Keras reads the call's arguments (so positional and keyword forms bind as in Keras); torch
    supplies the module and its parameters.
    """
    layer = keras_layer(call)
    name = call.name
    if name.startswith("Conv"):
        assert layer.data_format == "channels_last"
        rank = len(layer.kernel_size)
        conv_class = getattr(nn, f"Conv{rank}d")
        sizes = tuple(x.shape[2:])
        kernel, strides, dilation = layer.kernel_size, layer.strides, layer.dilation_rate
        pad = None
        if layer.padding == "valid":
            padding: Any = 0
        elif layer.padding == "same" and all(s == 1 for s in strides):
            padding = "same"
        elif layer.padding == "same":
            padding, pad = 0, _same_padding(sizes, kernel, strides, dilation)
        else:  # causal: all of the padding before the sequence
            padding, pad = 0, nn.ConstantPad1d((dilation[0] * (kernel[0] - 1), 0), 0.0)
        conv = conv_class(
            x.shape[1],
            layer.filters,
            kernel,
            stride=strides,
            padding=padding,
            dilation=dilation,
            groups=layer.groups,
            bias=layer.use_bias,
        )
        return conv if pad is None else nn.Sequential(pad, conv)
    if "Pooling" in name:
        assert layer.data_format == "channels_last"
        rank = len(layer.pool_size)
        op = "Max" if name.startswith("Max") else "Avg"
        pool = getattr(nn, f"{op}Pool{rank}d")(layer.pool_size, stride=layer.strides)
        if layer.padding == "valid":
            return pool
        sizes = tuple(x.shape[2:])
        return nn.Sequential(_same_padding(sizes, layer.pool_size, layer.strides, (1,) * rank), pool)
    if name == "Flatten":
        return nn.Flatten()
    if name == "Dense":
        channels = x.shape[1]
        return _OnChannels(nn.Linear(channels, layer.units, bias=layer.use_bias))
    if name == "Dropout":
        return nn.Dropout(layer.rate)
    if name in ("Activation", "ReLU"):
        return nn.ReLU()
    if name == "Softmax":
        return nn.Softmax(dim=1)
    if name == "BatchNormalization":
        assert layer.axis == -1
        assert layer.center == layer.scale
        rank = x.ndim - 2
        norm_class = nn.BatchNorm1d if rank <= 1 else getattr(nn, f"BatchNorm{rank}d")
        return norm_class(x.shape[1], affine=layer.center)
    raise AssertionError(f"no torch equivalent written for {name}")


def _channels_last(shape: tuple[int, ...]) -> tuple[int, ...]:
    return shape if len(shape) == 1 else (*shape[1:], shape[0])


def check_torch(text: str) -> Report:
    """Each layer's torch parameters (and BatchNorm's running statistics) against our row."""
    report = compute(text)
    shape, calls = _split(text)
    x = torch.zeros((1, shape[-1], *shape[:-1]) if len(shape) > 1 else (1, *shape))
    theirs: list[tuple[int, tuple[int, ...], int]] = []
    with torch.no_grad():
        for call in calls:
            module = torch_module(call, x).eval()
            x = module(x)
            params = sum(p.numel() for p in module.parameters())
            if isinstance(module, nn.modules.batchnorm._BatchNorm):
                # torch trains γ and β and keeps the running mean and variance as buffers;
                # Keras counts all four vectors, the running ones as non-trainable.
                stats = module.running_mean.numel() + module.running_var.numel()
                theirs.append((params, _channels_last(tuple(x.shape[1:])), stats))
            else:
                theirs.append((params, _channels_last(tuple(x.shape[1:])), 0))
    mine = [
        (r.trainable if r.kind == "BatchNormalization" else r.params, tuple(r.shape), r.non_trainable)
        for r in report.rows
    ]
    assert mine == theirs
    return report


TORCH_MODELS = {
    "mnist": MNIST,
    "lenet5": LENET5,
    "vgg": VGG,
    "text-cnn": TEXT_CNN,
    "conv3d": CONV3D,
    "strided-dilated-grouped": STRIDED,
    "dense-unflattened": DENSE_UNFLATTENED,
    "flat-input": HAND_WRITTEN["flat-input"],
    "batch-norm-affine": (
        "Input(32, 32, 3)\nConv2D(16, 3, use_bias=False)\nBatchNormalization()\nReLU()\n"
        "Conv2D(8, 3)\nBatchNormalization(center=False, scale=False)\nFlatten()\nDense(10)\n"
        "BatchNormalization()"
    ),
}


@pytest.mark.parametrize("text", list(TORCH_MODELS.values()), ids=list(TORCH_MODELS))
def test_model_matches_pytorch(text: str) -> None:
    check_torch(text)


def test_mnist_in_plain_pytorch() -> None:
    """The seed model written out by hand in torch, layer by layer."""
    modules = [
        nn.Conv2d(1, 32, 3),
        nn.Conv2d(32, 64, 3),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(9216, 128),
        nn.Linear(128, 10),
    ]
    counts = [sum(p.numel() for p in m.parameters()) for m in modules]
    report = compute(MNIST)
    assert [r.params for r in report.rows] == counts
    assert report.total == sum(counts) == 1_199_882
    assert nn.Sequential(*modules)(torch.zeros(1, 1, 28, 28)).shape == (1, 10)


def test_text_cnn_in_plain_pytorch() -> None:
    """A 1-D model written out by hand in torch (channels first: 50 embedding channels, 200 steps)."""
    modules = [
        nn.Conv1d(50, 128, 5),
        nn.MaxPool1d(5),
        nn.Conv1d(128, 128, 5, dilation=2, padding="same"),
        nn.Conv1d(128, 64, 3, groups=8, bias=False),
        nn.AvgPool1d(2),
        nn.Flatten(),
        nn.Linear(64 * 18, 1),
    ]
    block = (
        "Input(200, 50)\nConv1D(128, 5)\nMaxPooling1D(5)\n"
        'Conv1D(128, 5, dilation_rate=2, padding="same")\nConv1D(64, 3, groups=8, use_bias=False)\n'
        "AveragePooling1D(2)\nFlatten()\nDense(1)"
    )
    report = check_keras(block)
    assert [r.params for r in report.rows] == [sum(p.numel() for p in m.parameters()) for m in modules]
    assert nn.Sequential(*modules)(torch.zeros(1, 50, 200)).shape == (1, 1)


# ---------------------------------------------------------------------------------------------
# Property-based: random sequential models that Keras accepts
# ---------------------------------------------------------------------------------------------


def _divisors(n: int) -> list[int]:
    return [d for d in range(1, n + 1) if n % d == 0]


def _window_out(n: int, k: int, s: int, d: int, padding: str) -> int:
    return -(-n // s) if padding == "same" else (n - d * (k - 1) - 1) // s + 1


def _sizes_text(values: list[int], as_int: bool) -> str:
    if as_int and len(set(values)) == 1:
        return str(values[0])
    return "(" + ", ".join(str(v) for v in values) + ")"


if st is not None:

    @st.composite
    def sequential_models(draw: Any) -> str:
        """Block text of a random valid model; shapes are tracked so that Keras accepts it."""
        first = draw(st.sampled_from([False, False, False, True]))
        fmt = ', data_format="channels_first"' if first else ""
        sizes = [draw(st.integers(8, 64)), draw(st.integers(8, 64))]
        channels = draw(st.integers(1, 4))
        shape = [channels, *sizes] if first else [*sizes, channels]
        lines = [f"Input({', '.join(map(str, shape))})"]
        for _ in range(draw(st.integers(1, 6))):
            kind = draw(st.sampled_from(["conv", "conv", "conv", "pool", "batch_norm", "dropout", "act"]))
            frozen = ", trainable=False" if draw(st.integers(0, 9)) == 0 else ""
            if kind == "conv":
                groups = draw(st.sampled_from(_divisors(channels)))
                filters = groups * draw(st.integers(1, max(1, 12 // groups)))
                padding = draw(st.sampled_from(["valid", "same"]))
                dilated = draw(st.booleans())  # Keras: strides > 1 and dilation > 1 never together
                kernel, strides, dilation, out = [], [], [], []
                for n in sizes:
                    s = 1 if dilated else draw(st.integers(1, 3))
                    d = draw(st.integers(1, 3)) if dilated else 1
                    largest = 5 if padding == "same" else min(5, (n - 1) // d + 1)
                    k = draw(st.integers(1, largest))
                    kernel.append(k)
                    strides.append(s)
                    dilation.append(d)
                    out.append(_window_out(n, k, s, d, padding))
                as_int = draw(st.booleans())
                extras = f', padding="{padding}"'
                if any(s != 1 for s in strides) or draw(st.booleans()):
                    extras += f", strides={_sizes_text(strides, as_int)}"
                if any(d != 1 for d in dilation):
                    extras += f", dilation_rate={_sizes_text(dilation, as_int)}"
                if groups != 1:
                    extras += f", groups={groups}"
                if not draw(st.booleans()):
                    extras += ", use_bias=False"
                if draw(st.booleans()):
                    extras += ', activation="relu"'
                lines.append(f"Conv2D({filters}, {_sizes_text(kernel, as_int)}{extras}{fmt}{frozen})")
                sizes, channels = out, filters
            elif kind == "pool":
                op = draw(st.sampled_from(["MaxPooling2D", "AveragePooling2D"]))
                padding = draw(st.sampled_from(["valid", "same"]))
                pool = [draw(st.integers(1, 4 if padding == "same" else min(4, n))) for n in sizes]
                strided = draw(st.booleans())
                strides = [draw(st.integers(1, 3)) for _ in sizes] if strided else pool
                as_int = draw(st.booleans())
                extras = f", strides={_sizes_text(strides, as_int)}" if strided else ""
                lines.append(f'{op}({_sizes_text(pool, as_int)}{extras}, padding="{padding}"{fmt})')
                sizes = [
                    _window_out(n, k, s, 1, padding) for n, k, s in zip(sizes, pool, strides, strict=True)
                ]
            elif kind == "batch_norm":
                axis = draw(st.sampled_from([1, 2, 3, -1, -2, -3, None]))
                if axis is None:
                    axis = 1 if first else -1
                center, scale = draw(st.booleans()), draw(st.booleans())
                lines.append(f"BatchNormalization(axis={axis}, center={center}, scale={scale}{frozen})")
            elif kind == "dropout":
                lines.append(f"Dropout({draw(st.sampled_from([0.0, 0.1, 0.25, 0.5]))})")
            else:
                lines.append(draw(st.sampled_from(['Activation("relu")', "ReLU()", "Softmax()"])))
        head = draw(st.sampled_from(["flatten", "flatten", "dense_on_last_axis", "none"]))
        if head == "flatten":
            lines.append("Flatten()")
        if head != "none":
            for _ in range(draw(st.integers(1, 2))):
                units = draw(st.integers(1, 16))
                bias = "" if draw(st.booleans()) else ", use_bias=False"
                lines.append(f"Dense({units}{bias})")
                if draw(st.integers(0, 3)) == 0:
                    lines.append("BatchNormalization()")
        return "\n".join(lines)

    @settings(
        max_examples=60,
        deadline=None,
        derandomize=False,
        print_blob=True,
        database=None,  # nothing written into the work tree
        suppress_health_check=[HealthCheck.too_slow],
    )
    @given(sequential_models())
    def test_random_models_match_keras(text: str) -> None:
        check_keras(text)  # keras_model clears the Keras session before each model

else:

    def test_random_models_match_keras() -> None:
        pytest.skip("hypothesis is not installed")

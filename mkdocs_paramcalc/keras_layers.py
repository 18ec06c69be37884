"""The Keras 3 dialect: one `_add(...)` a layer, with its signature, output shape and formula.

Shapes are channels last, without the batch axis. Signatures are Keras 3's own
names, positions and defaults, so that a block pasted from a Keras model means
what it meant there.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable

from .catalogue import SYNONYMS, Output, Shape, add, describe
from .formula import Const, Group, Quotient, Term, Var, plus, times
from .signature import Args
from .values import Number, ceil_div, floor_div, is_symbolic, product


def _add(
    name: str,
    family: str,
    signature: str,
    infer: Callable[[Args, Shape], Output],
    summary: str,
    example: str,
    example_input: str = "Input(28, 28, 1)",
    inert: str = "",
) -> None:
    add("keras", name, family, signature, infer, summary, example, example_input, inert)


# Arguments that change how a layer trains, not its size or shape.
_WEIGHTS = (
    "kernel_initializer='glorot_uniform', bias_initializer='zeros', kernel_regularizer=None, "
    "bias_regularizer=None, activity_regularizer=None, kernel_constraint=None, bias_constraint=None"
)

# Keras 3's activation names (keras.activations).
ACTIVATIONS = {
    "celu": "CELU", "elu": "ELU", "exponential": "exponential", "gelu": "GELU",
    "glu": "GLU", "hard_shrink": "hard shrink", "hard_sigmoid": "hard sigmoid",
    "hard_silu": "hard SiLU", "hard_swish": "hard swish", "hard_tanh": "hard tanh",
    "leaky_relu": "leaky ReLU", "linear": "linear", "log_sigmoid": "log-sigmoid",
    "log_softmax": "log-softmax", "mish": "Mish", "relu": "ReLU", "relu6": "ReLU6",
    "selu": "SELU", "sigmoid": "sigmoid", "silu": "SiLU", "soft_shrink": "soft shrink",
    "softmax": "softmax", "softplus": "softplus", "softsign": "softsign",
    "sparse_plus": "sparse plus", "sparse_sigmoid": "sparse sigmoid", "sparsemax": "sparsemax",
    "squareplus": "squareplus", "swish": "swish", "tanh": "tanh", "tanh_shrink": "tanh shrink",
    "threshold": "threshold",
}  # fmt: skip


def _activation(args: Args, name: str = "activation") -> str | None:
    value = args.get(name)
    if value is None:
        return None
    if not isinstance(value, str) or value not in ACTIVATIONS:
        close = difflib.get_close_matches(str(value).lower(), ACTIVATIONS, n=1)
        args.fail(
            name,
            f"unknown activation {value!r}",
            f'did you mean "{close[0]}"?'
            + (" (Keras names are lower case)" if str(value).lower() in ACTIVATIONS else "")
            if close
            else 'use a Keras name such as "relu"',
        )
    return value


def _spatial(args: Args, shape: Shape, rank: int) -> tuple[Shape, Number, bool]:
    """Split an input into spatial axes and channels, honouring `data_format`."""
    fmt = args.get("data_format")
    if fmt not in (None, "channels_last", "channels_first"):
        args.fail("data_format", f'`data_format` must be "channels_last" or "channels_first", got {fmt!r}')
    if len(shape) != rank + 1:
        axes = {1: "length, channels", 2: "height, width, channels", 3: "depth, height, width, channels"}
        args.fail_at(
            args.call.where,
            f"needs a {rank + 1}-D input ({axes[rank]}), got {describe(shape)}",
            "check the layers before it, or add a Reshape",
        )
    first = fmt == "channels_first"
    return (shape[1:], shape[0], True) if first else (shape[:-1], shape[-1], False)


def _join(spatial: Shape, channels: Number, first: bool) -> Shape:
    return (channels, *spatial) if first else (*spatial, channels)


def _window(
    args: Args, sizes: Shape, window: Shape, strides: Shape, dilation: Shape, padding: str, what: str
) -> Shape:
    """Output sizes of a sliding window (convolution or pooling) along each axis."""
    out: list[Number] = []
    for n, k, s, d in zip(sizes, window, strides, dilation, strict=True):
        if padding in ("same", "causal"):
            out.append(ceil_div(n, s))
            continue
        span = d * (k - 1) + 1
        if not is_symbolic(n) and not is_symbolic(span) and n < span:
            shown = "×".join(str(v) for v in window)
            spread = " (dilated)" if any(v != 1 for v in dilation) else ""
            args.fail_at(
                args.call.where,
                f"the {shown}{spread} {what} does not fit its {'×'.join(str(v) for v in sizes)} input",
                'use padding="same", a smaller window, or fewer layers that shrink the input before it',
            )
        out.append(floor_div(n - span, s) + 1)
    return tuple(out)


def _above_one(n: Number) -> bool:
    return isinstance(n, int) and n > 1


_KERNEL_WORDS = {1: ("Length",), 2: ("Height", "Width"), 3: ("Frames", "Height", "Width")}


def _conv(rank: int) -> Callable[[Args, Shape], Output]:
    def infer(args: Args, shape: Shape) -> Output:
        sizes, channels, first = _spatial(args, shape, rank)
        filters = args.size("filters")
        kernel = args.sizes("kernel_size", rank)
        strides = args.sizes("strides", rank)
        dilation = args.sizes("dilation_rate", rank)
        groups = args.size("groups")
        padding = args.choice("padding", ("valid", "same", "causal") if rank == 1 else ("valid", "same"))
        if any(_above_one(s) for s in strides) and any(_above_one(d) for d in dilation):
            args.fail(
                "dilation_rate" if args.given("dilation_rate") else "strides",
                "Keras cannot combine `strides` > 1 with `dilation_rate` > 1",
                "use one or the other; a dilated layer followed by pooling shrinks the input too",
            )
        for what, count in (("input channels", channels), ("filters", filters)):
            if isinstance(count, int) and isinstance(groups, int) and count % groups:
                args.fail("groups", f"{what} ({count}) must divide evenly into {groups} groups")
        out = _window(args, sizes, kernel, strides, dilation, padding, "kernel")
        depth: Term = Var("Depth", channels)
        if groups != 1:
            depth = Quotient(depth, Var("groups", groups))
        weights = Group(times(*(Var(w, k) for w, k in zip(_KERNEL_WORDS[rank], kernel, strict=True)), depth))
        body = Group(plus(weights, Var("bias", 1))) if args.flag("use_bias") else weights
        return Output(
            _join(out, filters, first), times(body, Var("N_f", filters)), activation=_activation(args)
        )

    return infer


_CONV_SIGNATURE = (
    "filters, kernel_size, strides=1, padding='valid', data_format=None, dilation_rate=1, "
    "groups=1, activation=None, use_bias=True"
)
_CONV_SUMMARY = "{n}-D convolution: N_f filters, each a kernel over all input channels plus a bias."
_add(
    "Conv1D",
    "convolution",
    _CONV_SIGNATURE,
    _conv(1),
    _CONV_SUMMARY.format(n=1),
    "Conv1D(64, 5)",
    "Input(100, 16)",
    _WEIGHTS,
)
_add(
    "Conv2D",
    "convolution",
    _CONV_SIGNATURE,
    _conv(2),
    _CONV_SUMMARY.format(n=2),
    "Conv2D(32, 3)",
    inert=_WEIGHTS,
)
_add(
    "Conv3D",
    "convolution",
    _CONV_SIGNATURE,
    _conv(3),
    _CONV_SUMMARY.format(n=3),
    "Conv3D(16, 3)",
    "Input(16, 64, 64, 3)",
    _WEIGHTS,
)


def _pool(rank: int) -> Callable[[Args, Shape], Output]:
    def infer(args: Args, shape: Shape) -> Output:
        sizes, channels, first = _spatial(args, shape, rank)
        window = args.sizes("pool_size", rank)
        strides = window if args.get("strides") is None else args.sizes("strides", rank)
        padding = args.choice("padding", ("valid", "same"), fold=False)  # Keras pools do not fold case
        out = _window(args, sizes, window, strides, (1,) * rank, padding, "pool window")
        return Output(_join(out, channels, first))

    return infer


for _rank in (1, 2, 3):
    for _op, _word in (("Max", "the largest"), ("Average", "the mean")):
        _name = f"{_op}Pooling{_rank}D"
        _add(
            _name,
            "pooling",
            "pool_size=2, strides=None, padding='valid', data_format=None",
            _pool(_rank),
            f"Keeps {_word} value of each window; no parameters.",
            f"{_name}(2)",
            {1: "Input(100, 16)", 2: "Input(28, 28, 32)", 3: "Input(16, 64, 64, 3)"}[_rank],
        )


def _dense(args: Args, shape: Shape) -> Output:
    if not shape:
        args.fail_at(args.call.where, "needs an input with at least one axis")
    units = args.size("units")
    length = Var("Length", shape[-1])
    body = Group(plus(length, Var("bias", 1))) if args.flag("use_bias") else length
    if args.get("lora_rank") is not None:
        args.fail("lora_rank", "LoRA adapters are not counted yet", "remove lora_rank")
    return Output((*shape[:-1], units), times(body, Var("N_{nodes}", units)), activation=_activation(args))


_add(
    "Dense",
    "dense and shape",
    "units, activation=None, use_bias=True",
    _dense,
    "Fully connected: every input of the last axis to every node, plus one bias a node. "
    "On an input of several axes it acts on the last one, as Keras does.",
    "Dense(128)",
    "Input(9216)",
    f"{_WEIGHTS}, lora_rank=None, lora_alpha=None",
)


def _flatten(args: Args, shape: Shape) -> Output:
    if args.get("data_format") not in (None, "channels_last", "channels_first"):
        args.fail("data_format", '`data_format` must be "channels_last" or "channels_first"')
    return Output((product(shape),))


_add(
    "Flatten",
    "dense and shape",
    "data_format=None",
    _flatten,
    "Unrolls the input into one axis; no parameters.",
    "Flatten()",
    "Input(12, 12, 64)",
)


def _same(check: Callable[[Args, Shape], object]) -> Callable[[Args, Shape], Output]:
    """A layer that keeps its input's shape; `check` validates its arguments."""

    def infer(args: Args, shape: Shape) -> Output:
        check(args, shape)
        return Output(shape)

    return infer


def _axis(args: Args, shape: Shape, name: str = "axis") -> int:
    """An axis as Keras counts it, the batch axis being 0; returns its index into `shape`."""
    axis = args.get(name)
    rank = len(shape)
    if not isinstance(axis, int) or isinstance(axis, bool) or not (-rank <= axis <= -1 or 1 <= axis <= rank):
        args.fail(
            name,
            f"`{name}` must be an axis of the input {describe(shape)}: 1 to {rank} "
            f"(0 is the batch) or -1 to -{rank}, got {axis!r}",
        )
    return axis - 1 if axis > 0 else axis % rank


_add(
    "Dropout",
    "dense and shape",
    "rate, noise_shape=None, seed=None",
    _same(lambda a, s: a.fraction("rate")),
    "Zeroes a fraction of its inputs while training; no parameters.",
    "Dropout(0.25)",
    "Input(128)",
)
_add(
    "Activation",
    "dense and shape",
    "activation",
    _same(lambda a, s: _activation(a) or a.fail("activation", "`activation` must name a function")),
    "Applies an activation function; no parameters.",
    'Activation("relu")',
    "Input(128)",
)
_add(
    "ReLU",
    "dense and shape",
    "max_value=None, negative_slope=0.0, threshold=0.0",
    _same(
        lambda a, s: (a.number("max_value", optional=True), a.number("negative_slope"), a.number("threshold"))
    ),
    "max(x, 0), optionally capped and leaky; no parameters.",
    "ReLU()",
    "Input(128)",
)
_add(
    "Softmax",
    "dense and shape",
    "axis=-1",
    _same(_axis),
    "Turns scores into probabilities along an axis; no parameters.",
    "Softmax()",
    "Input(10)",
)


def _batch_norm(args: Args, shape: Shape) -> Output:
    if not shape:
        args.fail_at(args.call.where, "needs an input with at least one axis")
    channels = shape[_axis(args, shape)]
    vectors = 2 + args.flag("center") + args.flag("scale")
    c = Var("Channels", channels)
    return Output(shape, times(Const(vectors), c), frozen=times(Const(2), c))


_add(
    "BatchNormalization",
    "normalization",
    "axis=-1, momentum=0.99, epsilon=0.001, center=True, scale=True",
    _batch_norm,
    "Per channel: a trained scale γ and shift β, and a moving mean and variance that are "
    "not trained (4 × C in Keras, 2 × C of them non-trainable).",
    "BatchNormalization()",
    "Input(26, 26, 32)",
    "beta_initializer='zeros', gamma_initializer='ones', moving_mean_initializer='zeros', "
    "moving_variance_initializer='ones', beta_regularizer=None, gamma_regularizer=None, "
    "beta_constraint=None, gamma_constraint=None, synchronized=False",
)

# Names from other libraries that authors type by habit, and what Keras calls them.
SYNONYMS["keras"].update({
    "Linear": "Dense", "Conv1d": "Conv1D", "Conv2d": "Conv2D", "Conv3d": "Conv3D",
    "MaxPool1d": "MaxPooling1D", "MaxPool2d": "MaxPooling2D", "MaxPool3d": "MaxPooling3D",
    "AvgPool1d": "AveragePooling1D", "AvgPool2d": "AveragePooling2D", "AvgPool3d": "AveragePooling3D",
    "MaxPool2D": "MaxPooling2D", "AvgPool2D": "AveragePooling2D", "BatchNorm2d": "BatchNormalization",
    "BatchNorm1d": "BatchNormalization", "BatchNorm": "BatchNormalization", "FC": "Dense",
    "ConvTranspose2d": "Conv2DTranspose", "LayerNorm": "LayerNormalization", "RNN": "SimpleRNN",
    "AdaptiveAvgPool2d": "GlobalAveragePooling2D", "AdaptiveMaxPool2d": "GlobalMaxPooling2D",
})  # fmt: skip

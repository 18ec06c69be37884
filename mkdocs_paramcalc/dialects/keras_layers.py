"""The Keras 3 dialect: one `_add(...)` a layer, with its signature, output shape and formula.

Shapes are channels last, without the batch axis. Signatures are Keras 3's own
names, positions and defaults, so that a block pasted from a Keras model means
what it meant there. Where Keras takes many positional arguments, the ones
after the last that matters here (initializers, regularizers) are keyword-only:
passing one by position is an error, never a misread argument.
"""

from __future__ import annotations

import ast
import difflib
from collections.abc import Callable

from mkdocs_paramcalc.dialects.blocks import same_size
from mkdocs_paramcalc.dialects.catalogue import (
    ALIASES,
    RECURRENT_NOTE,
    SYNONYMS,
    VALUE_CHECKS,
    Output,
    Shape,
    add,
    dense_macs,
    describe,
    elementwise_macs,
    positions,
    window_macs,
)
from mkdocs_paramcalc.dialects.formula import (
    Const,
    Difference,
    Group,
    Power,
    Product,
    Quotient,
    Sum,
    Term,
    Var,
    plus,
    times,
)
from mkdocs_paramcalc.errors import BlockError
from mkdocs_paramcalc.reading.parse import parse_expression
from mkdocs_paramcalc.reading.signature import Args
from mkdocs_paramcalc.values import (
    Number,
    Value,
    as_text,
    ceil_div,
    floor_div,
    is_number,
    is_positive,
    is_symbolic,
    product,
    symbol,
)


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


# ---------------------------------------------------------------------------------------------
# Shapes: spatial axes and channels, sliding windows, axes
# ---------------------------------------------------------------------------------------------

_AXES_TEXT = {1: "length, channels", 2: "height, width, channels", 3: "depth, height, width, channels"}


def _channels_first(args: Args) -> bool:
    """`data_format`, in any case as Keras reads it: True for channels first."""
    fmt = args.get("data_format")
    if fmt is None:
        return False
    if not isinstance(fmt, str) or fmt.lower() not in ("channels_last", "channels_first"):
        args.fail("data_format", f'`data_format` must be "channels_last" or "channels_first", got {fmt!r}')
    return fmt.lower() == "channels_first"


VALUE_CHECKS["keras"].update(
    activation=_activation,
    recurrent_activation=_activation,
    use_bias=Args.flag,
    center=Args.flag,
    scale=Args.flag,
    rate=Args.fraction,
    return_sequences=Args.flag,
    data_format=lambda args, _: _channels_first(args),
)


def _need_rank(args: Args, shape: Shape, rank: int, axes: str, hint: str = "") -> None:
    if len(shape) != rank:
        args.fail_at(
            args.call.where,
            f"needs a {rank}-D input ({axes}), got {describe(shape)}",
            hint or "check the layers before it, or add a Reshape",
        )


def _spatial(args: Args, shape: Shape, rank: int, *, formats: bool = True) -> tuple[Shape, Number, bool]:
    """Split an input into spatial axes and channels, honouring `data_format` when the layer has it."""
    first = _channels_first(args) if formats else False
    _need_rank(args, shape, rank + 1, _AXES_TEXT[rank])
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


def _larger(a: Number, b: Number) -> Number:
    if isinstance(a, int) and isinstance(b, int):
        return max(a, b)
    import sympy

    return sympy.Max(a, b)


def _axis_index(args: Args, shape: Shape, name: str, axis: Value, *, batch: bool = False) -> int:
    """An axis as Keras counts it, the batch axis being 0, as an index into `shape` (-1: the batch)."""
    rank = len(shape)
    lowest = 0 if batch else 1
    ok = isinstance(axis, int) and not isinstance(axis, bool)
    if not ok or not (-rank <= axis <= -1 or lowest <= axis <= rank):
        args.fail(
            name,
            f"`{name}` must be an axis of the input {describe(shape)}: 1 to {rank} "
            f"(0 is the batch) or -1 to -{rank}, got {axis!r}",
        )
    index: int = axis - 1 if axis >= 0 else axis % rank
    return index


def _axis(args: Args, shape: Shape, name: str = "axis") -> int:
    """One axis, as Keras counts it; returns its index into `shape`."""
    return _axis_index(args, shape, name, args.get(name))


def _axes(args: Args, shape: Shape, name: str = "axis", *, batch: bool = False) -> list[int]:
    """An axis or a tuple of distinct axes, as Keras counts them; their indices into `shape`, sorted."""
    value = args.get(name)
    items = value if isinstance(value, tuple) else (value,)
    if not items:
        args.fail(name, f"`{name}` names no axis", "e.g. axis=-1 for the last one")
    indices = [_axis_index(args, shape, name, item, batch=batch) for item in items]
    if len(set(indices)) != len(indices):
        args.fail(name, f"`{name}` names the same axis twice: {_shown(value)}", "list each axis once")
    return sorted(indices)


# Names for the axes of an input in derivations, by its rank (channels last).
_AXIS_WORDS = {
    1: ("Features",),
    2: ("Steps", "Features"),
    3: ("Height", "Width", "Channels"),
    4: ("Frames", "Height", "Width", "Channels"),
}


def _axis_var(shape: Shape, index: int) -> Var:
    words = _AXIS_WORDS.get(len(shape))
    return Var(words[index] if words else f"Axis_{index + 1}", shape[index])


def _shown(value: Value) -> str:
    if isinstance(value, tuple):
        return "(" + ", ".join(_shown(v) for v in value) + ("," if len(value) == 1 else "") + ")"
    return as_text(value) if is_symbolic(value) else repr(value)


# ---------------------------------------------------------------------------------------------
# Convolutions
# ---------------------------------------------------------------------------------------------

_KERNEL_WORDS = {1: ("Length",), 2: ("Height", "Width"), 3: ("Frames", "Height", "Width")}


def _kernel_vars(kernel: Shape) -> list[Term]:
    return [Var(w, k) for w, k in zip(_KERNEL_WORDS[len(kernel)], kernel, strict=True)]


def _filters_formula(args: Args, kernel: Shape, depth: Term, filters: Number) -> Term:
    """((Height × Width × Depth) + bias) × N_f: a bank of N_f kernels, each over `depth` channels."""
    weights = Group(times(*_kernel_vars(kernel), depth))
    body = Group(plus(weights, Var("bias", 1))) if args.flag("use_bias") else weights
    return times(body, Var("N_f", filters))


def _no_strides_with_dilation(args: Args, strides: Shape, dilation: Shape) -> None:
    if any(_above_one(s) for s in strides) and any(_above_one(d) for d in dilation):
        args.fail(
            "dilation_rate" if args.given("dilation_rate") else "strides",
            "Keras cannot combine `strides` > 1 with `dilation_rate` > 1",
            "use one or the other; a dilated layer followed by pooling shrinks the input too",
        )


def _conv(rank: int) -> Callable[[Args, Shape], Output]:
    def infer(args: Args, shape: Shape) -> Output:
        sizes, channels, first = _spatial(args, shape, rank)
        filters = args.size("filters")
        kernel = args.sizes("kernel_size", rank)
        strides = args.sizes("strides", rank)
        dilation = args.sizes("dilation_rate", rank)
        groups = args.size("groups")
        padding = args.choice("padding", ("valid", "same", "causal") if rank == 1 else ("valid", "same"))
        _no_strides_with_dilation(args, strides, dilation)
        for what, count in (("input channels", channels), ("filters", filters)):
            if isinstance(count, int) and isinstance(groups, int) and count % groups:
                args.fail("groups", f"{what} ({count}) must divide evenly into {groups} groups")
        out = _window(args, sizes, kernel, strides, dilation, padding, "kernel")
        depth: Term = Var("Depth", channels)
        if groups != 1:
            depth = Quotient(depth, Var("groups", groups))
        formula = _filters_formula(args, kernel, depth, filters)
        macs = window_macs(out, Var("N_f", filters), Group(times(*_kernel_vars(kernel), depth)))
        return Output(_join(out, filters, first), formula, activation=_activation(args), macs=macs)

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


def _transposed_sizes(
    sizes: Shape,
    kernel: Shape,
    strides: Shape,
    dilation: Shape,
    padding: str,
    extra: tuple[Number | None, ...],
) -> Shape:
    """Keras' rule for a transposed convolution's output (its `deconv_output_length`)."""
    out: list[Number] = []
    for n, k, s, d, p in zip(sizes, kernel, strides, dilation, extra, strict=True):
        span = d * (k - 1) + 1
        if padding == "valid":
            out.append((n - 1) * s + (_larger(span, s) if p is None else span + p))
        else:
            out.append(n * s if p is None else (n - 1) * s + span % 2 + p)
    return tuple(out)


def _conv_transpose(rank: int) -> Callable[[Args, Shape], Output]:
    def infer(args: Args, shape: Shape) -> Output:
        sizes, channels, first = _spatial(args, shape, rank)
        filters = args.size("filters")
        kernel = args.sizes("kernel_size", rank)
        strides = args.sizes("strides", rank)
        dilation = args.sizes("dilation_rate", rank)
        padding = args.choice("padding", ("valid", "same"))
        _no_strides_with_dilation(args, strides, dilation)
        extra: tuple[Number | None, ...] = (None,) * rank
        if args.get("output_padding") is not None:
            extra = args.sizes("output_padding", rank, minimum=0)
            for p, s in zip(extra, strides, strict=True):
                if isinstance(p, int) and isinstance(s, int) and p >= s:
                    args.fail(
                        "output_padding",
                        f"`output_padding` must be less than `strides` on every axis, "
                        f"got {_shown(args.get('output_padding'))} with strides {describe(strides)}",
                        "output_padding only picks among the sizes a stride leaves open: 0 to strides - 1",
                    )
        out = _transposed_sizes(sizes, kernel, strides, dilation, padding, extra)
        formula = _filters_formula(args, kernel, Var("Depth", channels), filters)
        weights = Group(times(*_kernel_vars(kernel), Var("Depth", channels)))
        macs = window_macs(sizes, Var("N_f", filters), weights, side="in")
        return Output(_join(out, filters, first), formula, activation=_activation(args), macs=macs)

    return infer


# Keras 3 puts `output_padding` before `data_format`, except in Conv3DTranspose.
_TRANSPOSE_SIGNATURE = (
    "filters, kernel_size, strides=1, padding='valid', output_padding=None, data_format=None, "
    "dilation_rate=1, activation=None, use_bias=True"
)
_TRANSPOSE_3D_SIGNATURE = (
    "filters, kernel_size, strides=1, padding='valid', data_format=None, output_padding=None, "
    "dilation_rate=1, activation=None, use_bias=True"
)
_TRANSPOSE_SUMMARY = (
    "{n}-D transposed convolution: spreads each input value over a kernel, "
    "growing the input; N_f filters, each a kernel over all input channels plus a bias."
)
for _rank, _example, _input in (
    (1, "Conv1DTranspose(16, 3, strides=2)", "Input(50, 32)"),
    (2, 'Conv2DTranspose(32, 3, strides=2, padding="same")', "Input(7, 7, 64)"),
    (3, "Conv3DTranspose(8, 3, strides=2)", "Input(4, 8, 8, 16)"),
):
    _add(
        f"Conv{_rank}DTranspose",
        "convolution",
        _TRANSPOSE_3D_SIGNATURE if _rank == 3 else _TRANSPOSE_SIGNATURE,
        _conv_transpose(_rank),
        _TRANSPOSE_SUMMARY.format(n=_rank),
        _example,
        _input,
        _WEIGHTS,
    )


def _depthwise_weights(kernel: Shape) -> Term:
    kernel_terms = _kernel_vars(kernel)
    return kernel_terms[0] if len(kernel_terms) == 1 else Group(times(*kernel_terms))


def _spread(channels: Number, multiplier: Number) -> list[Term]:
    """The depthwise filters: Depth, × Multiplier when there are several a channel."""
    return [Var("Depth", channels), *([Var("Multiplier", multiplier)] if multiplier != 1 else [])]


def _depthwise(rank: int) -> Callable[[Args, Shape], Output]:
    def infer(args: Args, shape: Shape) -> Output:
        sizes, channels, first = _spatial(args, shape, rank)
        kernel = args.sizes("kernel_size", rank)
        strides = args.sizes("strides", rank)
        dilation = args.sizes("dilation_rate", rank)  # Keras takes strides and dilation together here
        multiplier = args.size("depth_multiplier")
        padding = args.choice("padding", ("valid", "same"))
        out = _window(args, sizes, kernel, strides, dilation, padding, "kernel")
        weights = _depthwise_weights(kernel)
        body = Group(plus(weights, Var("bias", 1))) if args.flag("use_bias") else weights
        factors: list[Term] = [body, Var("Depth", channels)]
        if multiplier != 1:
            factors.append(Var("Multiplier", multiplier))
        macs = window_macs(out, times(*_spread(channels, multiplier)), weights)
        return Output(
            _join(out, channels * multiplier, first), times(*factors), activation=_activation(args), macs=macs
        )

    return infer


_DEPTHWISE_INERT = (
    "depthwise_initializer='glorot_uniform', bias_initializer='zeros', depthwise_regularizer=None, "
    "bias_regularizer=None, activity_regularizer=None, depthwise_constraint=None, bias_constraint=None"
)
for _rank, _example, _input in (
    (1, "DepthwiseConv1D(5)", "Input(100, 16)"),
    (2, "DepthwiseConv2D(3)", "Input(28, 28, 32)"),
):
    _add(
        f"DepthwiseConv{_rank}D",
        "convolution",
        "kernel_size, strides=1, padding='valid', depth_multiplier=1, data_format=None, dilation_rate=1, "
        "activation=None, use_bias=True",
        _depthwise(_rank),
        f"{_rank}-D depthwise convolution: each input channel gets its own kernels (depth_multiplier of "
        "them) and biases; channels are not mixed.",
        _example,
        _input,
        _DEPTHWISE_INERT,
    )


def _separable(rank: int) -> Callable[[Args, Shape], Output]:
    def infer(args: Args, shape: Shape) -> Output:
        sizes, channels, first = _spatial(args, shape, rank)
        filters = args.size("filters")
        kernel = args.sizes("kernel_size", rank)
        strides = args.sizes("strides", rank)
        dilation = args.sizes("dilation_rate", rank)  # Keras takes strides and dilation together here
        multiplier = args.size("depth_multiplier")
        padding = args.choice("padding", ("valid", "same"))
        out = _window(args, sizes, kernel, strides, dilation, padding, "kernel")
        depth = Var("Depth", channels)
        spread: Term = depth if multiplier == 1 else Group(times(depth, Var("Multiplier", multiplier)))
        depthwise = Group(
            times(*_kernel_vars(kernel), depth, *([Var("Multiplier", multiplier)] if multiplier != 1 else []))
        )
        mixed = Group(plus(spread, Var("bias", 1))) if args.flag("use_bias") else spread
        pointwise = Group(times(mixed, Var("N_f", filters)))
        spread_macs = _spread(channels, multiplier)
        macs = plus(
            Group(window_macs(out, times(*spread_macs), _depthwise_weights(kernel))),
            Group(window_macs(out, Var("N_f", filters), times(*spread_macs))),
        )
        return Output(
            _join(out, filters, first), plus(depthwise, pointwise), activation=_activation(args), macs=macs
        )

    return infer


_SEPARABLE_INERT = (
    "depthwise_initializer='glorot_uniform', pointwise_initializer='glorot_uniform', "
    "bias_initializer='zeros', depthwise_regularizer=None, pointwise_regularizer=None, "
    "bias_regularizer=None, activity_regularizer=None, depthwise_constraint=None, "
    "pointwise_constraint=None, bias_constraint=None"
)
for _rank, _example, _input in (
    (1, "SeparableConv1D(64, 5)", "Input(100, 16)"),
    (2, "SeparableConv2D(64, 3)", "Input(28, 28, 32)"),
):
    _add(
        f"SeparableConv{_rank}D",
        "convolution",
        "filters, kernel_size, strides=1, padding='valid', data_format=None, dilation_rate=1, "
        "depth_multiplier=1, activation=None, use_bias=True",
        _separable(_rank),
        f"{_rank}-D separable convolution: a depthwise kernel for each input channel (no bias), then a "
        "1×1 pointwise convolution that mixes the channels into N_f filters, with a bias each.",
        _example,
        _input,
        _SEPARABLE_INERT,
    )


# ---------------------------------------------------------------------------------------------
# Pooling
# ---------------------------------------------------------------------------------------------


def _pool(rank: int) -> Callable[[Args, Shape], Output]:
    def infer(args: Args, shape: Shape) -> Output:
        sizes, channels, first = _spatial(args, shape, rank)
        window = args.sizes("pool_size", rank)
        strides = window if args.get("strides") is None else args.sizes("strides", rank)
        padding = args.choice("padding", ("valid", "same"), fold=False)  # Keras pools do not fold case
        out = _window(args, sizes, window, strides, (1,) * rank, padding, "pool window")
        return Output(_join(out, channels, first))

    return infer


_RANK_INPUTS = {1: "Input(100, 16)", 2: "Input(28, 28, 32)", 3: "Input(16, 64, 64, 3)"}

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
            _RANK_INPUTS[_rank],
        )


def _global_pool(rank: int, op: str) -> Callable[[Args, Shape], Output]:
    def infer(args: Args, shape: Shape) -> Output:
        sizes, channels, first = _spatial(args, shape, rank)
        # fvcore counts torch's adaptive_avg_pool2d, one an input value, and no other pooling
        counted = op == "Average" and rank == 2
        macs = times(*positions(sizes, "in"), Var("Channels", channels)) if counted else None
        if not args.flag("keepdims"):
            return Output((channels,), macs=macs)
        return Output(_join((1,) * rank, channels, first), macs=macs)

    return infer


for _rank in (1, 2, 3):
    for _op, _word in (("Max", "the largest"), ("Average", "the mean")):
        _name = f"Global{_op}Pooling{_rank}D"
        _add(
            _name,
            "pooling",
            "data_format=None, keepdims=False",
            _global_pool(_rank, _op),
            f"Keeps {_word} value of each channel over the whole input (keepdims=True keeps the "
            "axes, of size 1); no parameters.",
            f"{_name}()",
            _RANK_INPUTS[_rank],
        )


# ---------------------------------------------------------------------------------------------
# Dense and shape
# ---------------------------------------------------------------------------------------------


def _dense(args: Args, shape: Shape) -> Output:
    if not shape:
        args.fail_at(args.call.where, "needs an input with at least one axis")
    units = args.size("units")
    length = Var("Length", shape[-1])
    body = Group(plus(length, Var("bias", 1))) if args.flag("use_bias") else length
    _no_lora(args)
    nodes = Var("N_{nodes}", units)
    macs = dense_macs(shape[:-1], nodes, length)
    return Output((*shape[:-1], units), times(body, nodes), activation=_activation(args), macs=macs)


def _no_lora(args: Args) -> None:
    if args.get("lora_rank") is not None:
        args.fail("lora_rank", "LoRA adapters are not counted yet", "remove lora_rank")


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
    _channels_first(args)
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


def _equal(a: Number, b: Number) -> bool | None:
    """Whether two sizes are equal: True or False when known, None when symbols leave it open."""
    return same_size(a, b)


def _is_size(value: Value) -> bool:
    """A positive whole number, or a name (or a formula of names) that may be one."""
    if isinstance(value, bool) or not is_number(value):
        return False
    if isinstance(value, int):
        return value >= 1
    return is_positive(value) is not False and value.is_integer is not False


def _count(value: Number) -> str:
    return f"{value:,}" if isinstance(value, int) else as_text(value)


def _reshape(args: Args, shape: Shape) -> Output:
    target = args.get("target_shape")
    if not isinstance(target, tuple):
        one = f"write ({_shown(target)},) for one axis" if is_number(target) else "e.g. Reshape((7, 7, 64))"
        args.fail("target_shape", f"`target_shape` must be a tuple of sizes, got {_shown(target)}", one)
    inferred = [i for i, size in enumerate(target) if isinstance(size, int) and size == -1]
    if len(inferred) > 1 or not all(_is_size(size) or i in inferred for i, size in enumerate(target)):
        args.fail(
            "target_shape",
            f"`target_shape` takes positive whole numbers, and -1 once for the size to infer, "
            f"got {_shown(target)}",
        )
    values = product(shape)
    known = product([size for i, size in enumerate(target) if i not in inferred])
    symbolic = is_symbolic(values) or is_symbolic(known)
    unchecked = (
        f"cannot check that the {describe(shape)} input ({_count(values)} values) fits {_shown(target)}: "
        "the sizes are formulas"
    )
    if inferred:
        if not symbolic and values % known:
            args.fail(
                "target_shape",
                f"cannot fill {_shown(target)} from the {describe(shape)} input: its {values:,} values "
                f"are not a multiple of {known:,}",
                "the sizes of target_shape must divide the number of values",
            )
        size: Value = values / known if symbolic else values // known
        if symbolic and size.is_integer is not True:
            args.fail("target_shape", unchecked, "give the input sizes numbers, or write every size")
        return Output(tuple(size if i in inferred else d for i, d in enumerate(target)))
    same = _equal(values, known)
    if same is None:
        args.fail("target_shape", unchecked, "give the input sizes numbers, or write -1 for one size")
    if not same:
        args.fail(
            "target_shape",
            f"`target_shape` {_shown(target)} holds {_count(known)} values, "
            f"but the {describe(shape)} input has {_count(values)}",
            "the two products must be equal; write -1 for the size to infer",
        )
    return Output(target)


_add(
    "Reshape",
    "dense and shape",
    "target_shape",
    _reshape,
    "Rearranges the input's values into a new shape of the same size (-1: the size that makes it "
    "fit); no parameters.",
    "Reshape((7, 7, 16))",
    "Input(784)",
)


Pairs = tuple[tuple[Number, Number], ...]


def _side(args: Args, name: str, value: Value) -> Number:
    if not is_number(value) or (isinstance(value, int) and value < 0):
        args.fail(name, f"`{name}` takes whole numbers ≥ 0, got {_shown(value)}")
    return value


def _pairs(args: Args, name: str, rank: int, *, negative: bool = False) -> Pairs:
    """Keras' padding and cropping amounts: an int, one per axis, or a (before, after) pair per axis.

    `negative`: a single int may be negative (ZeroPadding2D/3D take one as it is, and crop).
    """
    value = args.get(name)
    if rank == 1:
        if isinstance(value, tuple):
            if len(value) != 2:
                args.fail(name, f"`{name}` needs an int or 2 ints (before, after), got {_shown(value)}")
            return ((_side(args, name, value[0]), _side(args, name, value[1])),)
        one = _side(args, name, value)
        return ((one, one),)
    if is_number(value):
        if not negative:
            _side(args, name, value)
        return ((value, value),) * rank
    if not isinstance(value, tuple) or len(value) != rank:
        args.fail(
            name,
            f"`{name}` needs an int, {rank} ints (one an axis) or {rank} pairs (before, after), "
            f"got {_shown(value)}",
        )
    pairs: list[tuple[Number, Number]] = []
    for entry in value:
        if isinstance(entry, tuple):
            if len(entry) != 2:
                args.fail(
                    name, f"each entry of `{name}` is an int or a pair (before, after), got {_shown(entry)}"
                )
            pairs.append((_side(args, name, entry[0]), _side(args, name, entry[1])))
        else:
            one = _side(args, name, entry)
            pairs.append((one, one))
    return tuple(pairs)


def _padding(rank: int) -> Callable[[Args, Shape], Output]:
    def infer(args: Args, shape: Shape) -> Output:
        sizes, channels, first = _spatial(args, shape, rank)
        pairs = _pairs(args, "padding", rank, negative=rank > 1)
        out = tuple(n + before + after for n, (before, after) in zip(sizes, pairs, strict=True))
        for n, m in zip(sizes, out, strict=True):
            if is_positive(m) is False:
                args.fail(
                    "padding", f"`padding` {_shown(args.get('padding'))} leaves nothing of an axis of {n}"
                )
        return Output(_join(out, channels, first))

    return infer


def _cropping(rank: int) -> Callable[[Args, Shape], Output]:
    def infer(args: Args, shape: Shape) -> Output:
        sizes, channels, first = _spatial(args, shape, rank, formats=rank > 1)
        pairs = _pairs(args, "cropping", rank)
        out = tuple(n - before - after for n, (before, after) in zip(sizes, pairs, strict=True))
        for n, m in zip(sizes, out, strict=True):
            if is_positive(m) is False:
                args.fail(
                    "cropping",
                    f"`cropping` {_shown(args.get('cropping'))} leaves nothing of an axis of {n}",
                    "crop less than the size of each axis",
                )
        return Output(_join(out, channels, first))

    return infer


for _rank, _default, _example in (
    (1, "1", "ZeroPadding1D(2)"),
    (2, "(1, 1)", "ZeroPadding2D(1)"),
    (3, "((1, 1), (1, 1), (1, 1))", "ZeroPadding3D(1)"),
):
    _add(
        f"ZeroPadding{_rank}D",
        "dense and shape",
        f"padding={_default}, data_format=None",
        _padding(_rank),
        "Adds rows and columns of zeros around the input: an int (every side), one per axis, or "
        "(before, after) pairs; no parameters.",
        _example,
        _RANK_INPUTS[_rank],
    )
for _rank, _signature, _example in (
    (1, "cropping=(1, 1)", "Cropping1D((2, 2))"),
    (2, "cropping=((0, 0), (0, 0)), data_format=None", "Cropping2D(((2, 2), (4, 4)))"),
    (3, "cropping=((1, 1), (1, 1), (1, 1)), data_format=None", "Cropping3D(1)"),
):
    _add(
        f"Cropping{_rank}D",
        "dense and shape",
        _signature,
        _cropping(_rank),
        "Cuts rows and columns off the edges of the input, given as for ZeroPadding; no parameters.",
        _example,
        _RANK_INPUTS[_rank],
    )


def _up_sampling(rank: int) -> Callable[[Args, Shape], Output]:
    def infer(args: Args, shape: Shape) -> Output:
        sizes, channels, first = _spatial(args, shape, rank, formats=rank > 1)
        factors = (args.size("size"),) if rank == 1 else args.sizes("size", rank)
        mode = "nearest"
        if rank == 2:
            mode = args.choice("interpolation", ("nearest", "bilinear", "bicubic", "lanczos3", "lanczos5"))
        out = _join(tuple(n * f for n, f in zip(sizes, factors, strict=True)), channels, first)
        # fvcore counts torch's 2-D nearest (1 an output value) and bilinear (4) upsampling only
        factor = {"nearest": 1, "bilinear": 4}.get(mode, 0) if rank == 2 else 0
        return Output(out, macs=elementwise_macs(out, factor))

    return infer


for _rank, _signature in (
    (1, "size=2"),
    (2, "size=(2, 2), data_format=None, interpolation='nearest'"),
    (3, "size=(2, 2, 2), data_format=None"),
):
    _add(
        f"UpSampling{_rank}D",
        "dense and shape",
        _signature,
        _up_sampling(_rank),
        "Repeats each value `size` times along each axis (or interpolates), growing the input; "
        "no parameters.",
        f"UpSampling{_rank}D()",
        _RANK_INPUTS[_rank],
    )


def _permute(args: Args, shape: Shape) -> Output:
    dims = args.get("dims")
    order = list(range(1, len(dims) + 1)) if isinstance(dims, tuple) else []
    if not order or sorted(d for d in dims if isinstance(d, int)) != order:
        args.fail(
            "dims",
            f"`dims` must order the axes 1 to n (0 is the batch), each once, got {_shown(dims)}",
            "e.g. Permute((2, 1)) swaps the two axes of a sequence",
        )
    _need_rank(args, shape, len(dims), "one axis for each entry of `dims`")
    return Output(tuple(shape[d - 1] for d in dims))


_add(
    "Permute",
    "dense and shape",
    "dims",
    _permute,
    "Reorders the axes of its input (counted from 1); no parameters.",
    "Permute((2, 1))",
    "Input(100, 16)",
)


def _repeat_vector(args: Args, shape: Shape) -> Output:
    _need_rank(args, shape, 1, "features", "it repeats a vector; Flatten or pool the input first")
    return Output((args.size("n"), shape[0]))


_add(
    "RepeatVector",
    "dense and shape",
    "n",
    _repeat_vector,
    "Repeats a vector n times, making a sequence of n steps; no parameters.",
    "RepeatVector(10)",
    "Input(32)",
)
_add(
    "Dropout",
    "dense and shape",
    "rate, noise_shape=None, seed=None",
    _same(lambda a, s: a.fraction("rate")),
    "Zeroes a fraction of its inputs while training; no parameters.",
    "Dropout(0.25)",
    "Input(128)",
)


def _spatial_dropout(rank: int) -> Callable[[Args, Shape], Output]:
    def infer(args: Args, shape: Shape) -> Output:
        args.fraction("rate")
        _spatial(args, shape, rank, formats=rank > 1)
        return Output(shape)

    return infer


for _rank in (1, 2, 3):
    _add(
        f"SpatialDropout{_rank}D",
        "dense and shape",
        "rate, seed=None" if _rank == 1 else "rate, data_format=None, seed=None",
        _spatial_dropout(_rank),
        "Drops whole channels (feature maps) while training, rather than single values; no parameters.",
        f"SpatialDropout{_rank}D(0.2)",
        _RANK_INPUTS[_rank],
    )
_add(
    "GaussianNoise",
    "dense and shape",
    "stddev, seed=None",
    _same(lambda a, s: a.fraction("stddev")),
    "Adds zero-mean Gaussian noise while training (Keras takes a stddev from 0 to 1); no parameters.",
    "GaussianNoise(0.1)",
    "Input(128)",
)
_add(
    "GaussianDropout",
    "dense and shape",
    "rate, seed=None",
    _same(lambda a, s: a.fraction("rate")),
    "Multiplies its inputs by Gaussian noise of mean 1 while training; no parameters.",
    "GaussianDropout(0.2)",
    "Input(128)",
)


# ---------------------------------------------------------------------------------------------
# Activations
# ---------------------------------------------------------------------------------------------


def _real(args: Args, name: str) -> float:
    value = args.get(name)
    if not isinstance(value, int | float) or isinstance(value, bool):
        args.fail(name, f"`{name}` must be a number, got {_shown(value)}")
    return float(value)


_add(
    "Activation",
    "activation",
    "activation",
    _same(lambda a, s: _activation(a) or a.fail("activation", "`activation` must name a function")),
    "Applies an activation function; no parameters.",
    'Activation("relu")',
    "Input(128)",
)
_add(
    "ReLU",
    "activation",
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
    "activation",
    "axis=-1",
    _same(_axis),
    "Turns scores into probabilities along an axis; no parameters.",
    "Softmax()",
    "Input(10)",
)
_add(
    "LeakyReLU",
    "activation",
    "negative_slope=0.3, *, alpha=None",  # alpha: Keras 2's name, still taken (with a warning)
    _same(lambda a, s: (a.number("negative_slope"), a.number("alpha", optional=True))),
    "x for x > 0, negative_slope × x below; no parameters.",
    "LeakyReLU(0.1)",
    "Input(128)",
)
_add(
    "ELU",
    "activation",
    "alpha=1.0",
    _same(lambda a, s: _real(a, "alpha")),
    "x for x > 0, alpha × (exp(x) − 1) below; no parameters.",
    "ELU()",
    "Input(128)",
)


def _prelu(args: Args, shape: Shape) -> Output:
    if not shape:
        args.fail_at(args.call.where, "needs an input with at least one axis")
    shared = args.get("shared_axes")
    items = () if shared is None else shared if isinstance(shared, tuple) else (shared,)
    rank = len(shape)
    for axis in items:
        if not isinstance(axis, int) or isinstance(axis, bool) or not 1 <= axis <= rank:
            args.fail(
                "shared_axes",
                f"`shared_axes` takes axes of the input {describe(shape)} counted from 1 to {rank}, "
                f"got {_shown(shared)}",
                "PReLU counts axes from 1 (0 is the batch); Keras reads -1 as the axis before the last, "
                "so write the axis's number",
            )
    kept = [_axis_var(shape, i) for i in range(rank) if i + 1 not in items]
    return Output(shape, times(*kept) if kept else Const(1))


_add(
    "PReLU",
    "activation",
    "alpha_initializer='Zeros', alpha_regularizer=None, alpha_constraint=None, shared_axes=None",
    _prelu,
    "A leaky ReLU whose slope α is learned: one α per input value, or one per channel when the "
    "other axes are shared (shared_axes=[1, 2] on an image).",
    "PReLU(shared_axes=[1, 2])",
    "Input(26, 26, 32)",
)


# ---------------------------------------------------------------------------------------------
# Normalization
# ---------------------------------------------------------------------------------------------


def _batch_norm(args: Args, shape: Shape) -> Output:
    if not shape:
        args.fail_at(args.call.where, "needs an input with at least one axis")
    channels = shape[_axis(args, shape)]
    vectors = 2 + args.flag("center") + args.flag("scale")
    c = Var("Channels", channels)
    # fvcore's count at inference: 2 a value with a scale γ, 1 without
    macs = elementwise_macs(shape, 2 if args.flag("scale") else 1)
    return Output(shape, times(Const(vectors), c), frozen=times(Const(2), c), macs=macs)


_NORM_INERT = (
    "beta_initializer='zeros', gamma_initializer='ones', beta_regularizer=None, gamma_regularizer=None, "
    "beta_constraint=None, gamma_constraint=None"
)
_add(
    "BatchNormalization",
    "normalization",
    "axis=-1, momentum=0.99, epsilon=0.001, center=True, scale=True",
    _batch_norm,
    "Per channel: a trained scale γ and shift β, and a moving mean and variance that are "
    "not trained (4 × C in Keras, 2 × C of them non-trainable).",
    "BatchNormalization()",
    "Input(26, 26, 32)",
    f"{_NORM_INERT}, moving_mean_initializer='zeros', moving_variance_initializer='ones', synchronized=False",
)


def _layer_norm(args: Args, shape: Shape) -> Output:
    if not shape:
        args.fail_at(args.call.where, "needs an input with at least one axis")
    axes = _axes(args, shape)
    rms = args.flag("rms_scaling")  # Keras: γ only, even with scale=False
    vectors = int(args.flag("scale") or rms) + int(args.flag("center") and not rms)
    # fvcore's count of torch's layer_norm: 5 a value with a scale γ, 4 without; RMS norm it ignores
    macs = elementwise_macs(shape, 0 if rms else 5 if args.flag("scale") else 4)
    if not vectors:
        return Output(shape, macs=macs)
    size = _axis_var(shape, axes[0]) if len(axes) == 1 else Group(times(*(_axis_var(shape, i) for i in axes)))
    return Output(shape, size if vectors == 1 else times(Const(vectors), size), macs=macs)


_add(
    "LayerNormalization",
    "normalization",
    "axis=-1, epsilon=0.001, center=True, scale=True, *, rms_scaling=False",
    _layer_norm,
    "Normalizes each sample over the given axes, then a trained scale γ and shift β for each "
    "value of those axes (2 × features); all trainable, no moving statistics.",
    "LayerNormalization()",
    "Input(100, 64)",
    _NORM_INERT,
)


def _group_norm(args: Args, shape: Shape) -> Output:
    if not shape:
        args.fail_at(args.call.where, "needs an input with at least one axis")
    index = _axis(args, shape)
    channels = shape[index]
    groups = args.get("groups")
    if not isinstance(groups, int) or isinstance(groups, bool) or (groups < 1 and groups != -1):
        args.fail(
            "groups",
            f"`groups` must be a whole number ≥ 1, or -1 for one group a channel, got {_shown(groups)}",
        )
    if isinstance(channels, int) and groups != -1:
        if groups > channels:
            args.fail("groups", f"{groups} groups are more than the {channels} channels", "use fewer groups")
        if channels % groups:
            args.fail("groups", f"the {channels} channels do not divide evenly into {groups} groups")
    vectors = int(args.flag("center")) + int(args.flag("scale"))
    macs = elementwise_macs(shape, 5 if args.flag("scale") else 4)  # fvcore's count of group_norm
    if not vectors:
        return Output(shape, macs=macs)
    return Output(shape, times(Const(vectors), Var("Channels", channels)), macs=macs)


_add(
    "GroupNormalization",
    "normalization",
    "groups=32, axis=-1, epsilon=0.001, center=True, scale=True",
    _group_norm,
    "Normalizes groups of channels within each sample; a trained scale γ and shift β per channel "
    "(2 × C), all trainable.",
    "GroupNormalization(8)",
    "Input(26, 26, 32)",
    _NORM_INERT,
)
_add(
    "UnitNormalization",
    "normalization",
    "axis=-1",
    _same(lambda a, s: _axes(a, s, batch=True)),  # Keras takes the batch axis 0 too
    "Scales each sample to length 1 along the given axes; no parameters.",
    "UnitNormalization()",
    "Input(128)",
)


# ---------------------------------------------------------------------------------------------
# Sequences
# ---------------------------------------------------------------------------------------------


def _embedding(args: Args, shape: Shape) -> Output:
    vocabulary = args.size("input_dim")
    width = args.size("output_dim")
    args.flag("mask_zero")
    _no_lora(args)
    return Output((*shape, width), times(Var("Vocabulary", vocabulary), Var("Dimensions", width)))


_add(
    "Embedding",
    "sequence",
    "input_dim, output_dim, embeddings_initializer='uniform', embeddings_regularizer=None, "
    "embeddings_constraint=None, mask_zero=False",
    _embedding,
    "A trained vector of output_dim numbers for each of the input_dim token ids; each id of the "
    "input becomes its vector.",
    "Embedding(10000, 64)",
    "Input(200)",
    "weights=None, lora_rank=None, lora_alpha=None, quantization_config=None, input_length=None",
)


def _recurrent(gates: int) -> Callable[[Args, Shape], Output]:
    """SimpleRNN (1 gate), GRU (3) or LSTM (4): `gates` copies of (input + recurrent weights + bias)."""

    def infer(args: Args, shape: Shape) -> Output:
        _need_rank(
            args,
            shape,
            2,
            "timesteps, features",
            "a recurrent layer reads a sequence; an Embedding gives one",
        )
        steps, features = shape
        units = args.size("units")
        _activation(args)
        if gates > 1:
            _activation(args, "recurrent_activation")
        for rate in ("dropout", "recurrent_dropout"):
            _real(args, rate)  # Keras clamps these rates to [0, 1] rather than refuse them
        for flag in ("go_backwards", "unroll", *(("unit_forget_bias",) if gates == 4 else ())):
            args.flag(flag)
        if args.flag("return_state"):
            args.fail(
                "return_state",
                "`return_state=True` adds the final states as extra outputs, which a chain of layers "
                "cannot pass on",
                "remove it: it changes no count",
            )
        if args.flag("stateful"):
            args.fail(
                "stateful",
                "`stateful=True` needs a fixed batch size, which a block does not have",
                "remove it: it changes no count or shape",
            )
        biases = 0 if not args.flag("use_bias") else 2 if gates == 3 and args.flag("reset_after") else 1
        inner: list[Term] = [Var("Features", features), Var("Units", units)]
        if biases == 1:
            inner.append(Var("bias", 1))
        elif biases == 2:  # GRU with reset_after: an input bias and a recurrent bias
            inner.append(times(Const(2), Var("bias", 1)))
        body = times(Group(plus(*inner)), Var("Units", units))
        formula = body if gates == 1 else times(Const(gates), Group(body))
        out = (steps, units) if args.flag("return_sequences") else (units,)
        return Output(out, formula, macs_note=RECURRENT_NOTE)

    return infer


_RNN_TAIL = (
    "dropout=0.0, recurrent_dropout=0.0, seed=None, return_sequences=False, return_state=False, "
    "go_backwards=False, stateful=False, unroll=False"
)
_RNN_INERT = (
    "kernel_initializer='glorot_uniform', recurrent_initializer='orthogonal', bias_initializer='zeros', "
    "kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None, activity_regularizer=None, "
    "kernel_constraint=None, recurrent_constraint=None, bias_constraint=None"
)
_add(
    "SimpleRNN",
    "sequence",
    f"units, activation='tanh', use_bias=True, *, {_RNN_TAIL}",
    _recurrent(1),
    "A recurrent layer: at each step, weights from the input features and from its own previous "
    "output to each unit, plus a bias.",
    "SimpleRNN(32)",
    "Input(50, 16)",
    _RNN_INERT,
)
_add(
    "LSTM",
    "sequence",
    f"units, activation='tanh', recurrent_activation='sigmoid', use_bias=True, *, "
    f"unit_forget_bias=True, {_RNN_TAIL}",
    _recurrent(4),
    "Long short-term memory: four gates (input, forget, cell, output), each with weights from the "
    "input and from the previous output, plus a bias.",
    "LSTM(64)",
    "Input(50, 16)",
    f"{_RNN_INERT}, use_cudnn='auto'",
)
_add(
    "GRU",
    "sequence",
    f"units, activation='tanh', recurrent_activation='sigmoid', use_bias=True, *, {_RNN_TAIL}, "
    "reset_after=True",
    _recurrent(3),
    "Gated recurrent unit: three gates (update, reset, candidate), each with weights from the input "
    "and from the previous output; with reset_after=True (Keras' default) two biases each.",
    "GRU(64)",
    "Input(50, 16)",
    f"{_RNN_INERT}, use_cudnn='auto'",
)


# ---------------------------------------------------------------------------------------------
# Your own
# ---------------------------------------------------------------------------------------------

_FORMULA_HINT = (
    'write the count with numbers, names, + - * / ** and parentheses, e.g. params="(3*3*64 + 1) * 128"'
)


def _bracketed(term: Term, *inside: type[Term]) -> Term:
    """The term in parentheses when it is one of the kinds that need them where it stands."""
    return Group(term) if isinstance(term, inside) else term


def _formula_term(args: Args, node: ast.expr) -> Term:
    """An author's formula (already read safely by parse_expression) as a derivation term."""
    if isinstance(node, ast.Constant) and isinstance(node.value, int) and not isinstance(node.value, bool):
        return Const(node.value)
    if isinstance(node, ast.Constant) and isinstance(node.value, float):
        if not node.value.is_integer():
            args.fail(
                "params", f"`params` uses {node.value!r}; a count is made of whole numbers", _FORMULA_HINT
            )
        return Const(int(node.value))
    if isinstance(node, ast.Name):
        return Var(node.id, symbol(node.id))
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        inner = _formula_term(args, node.operand)
        if isinstance(node.op, ast.UAdd):
            return inner
        if isinstance(inner, Const):
            return Const(-inner.amount)
        return Product((Const(-1), _bracketed(inner, Sum, Difference)))
    if isinstance(node, ast.BinOp):
        left = _formula_term(args, node.left)
        right = _formula_term(args, node.right)
        if isinstance(node.op, ast.Add):
            head = left.terms if isinstance(left, Sum) else (left,)
            return Sum((*head, _bracketed(right, Difference)))
        if isinstance(node.op, ast.Sub):
            return Difference(left, _bracketed(right, Sum, Difference))
        if isinstance(node.op, ast.Mult):
            head = left.factors if isinstance(left, Product) else (_bracketed(left, Sum, Difference),)
            return Product((*head, _bracketed(right, Sum, Difference, Product, Quotient)))
        if isinstance(node.op, ast.Div):
            n, d = left.value(), right.value()
            if isinstance(n, int) and isinstance(d, int) and n % d:
                args.fail("params", f"{n} / {d} is not a whole number", "make each division in params exact")
            return Quotient(
                _bracketed(left, Sum, Difference), _bracketed(right, Sum, Difference, Product, Quotient)
            )
        if isinstance(node.op, ast.Pow):
            exponent = right.value()
            if not isinstance(exponent, int) or exponent < 0:
                args.fail(
                    "params", f"exponents in params are whole numbers ≥ 0, got {exponent}", _FORMULA_HINT
                )
            atoms = (Sum, Difference, Product, Quotient, Power)
            return Power(_bracketed(left, *atoms), _bracketed(right, *atoms))
    return args.fail("params", f"`params` cannot use {ast.unparse(node)!r} in a count", _FORMULA_HINT)


def _custom_formula(args: Args) -> Term | None:
    value = args.get("params")
    if isinstance(value, str):
        try:
            total = parse_expression(value, args.where("params"))
        except BlockError as error:
            args.fail("params", f"could not read the formula {value!r}: {error.message}", _FORMULA_HINT)
        if not is_number(total) and not isinstance(total, float):
            args.fail("params", f"`params` must be a formula for a number, got {value!r}", _FORMULA_HINT)
        term = _formula_term(args, ast.parse(value.strip(), mode="eval").body)
    elif is_number(value):
        term = Const(value) if isinstance(value, int) else Var("params", value)
    else:
        args.fail(
            "params", f"`params` must be a formula in quotes or a number, got {_shown(value)}", _FORMULA_HINT
        )
    count: Value = term.value()
    if isinstance(count, float) or (is_symbolic(count) and count.is_integer is False):
        args.fail("params", f"`params` gives {_count(count)}, which is not a whole number", _FORMULA_HINT)
    if (isinstance(count, int) and count < 0) or (is_symbolic(count) and count.is_negative):
        args.fail("params", f"`params` gives {_count(count)}, a negative count", _FORMULA_HINT)
    return None if count == 0 else term


def _custom(args: Args, shape: Shape) -> Output:
    formula = _custom_formula(args)
    output = args.get("output")
    if output is None:
        return Output(shape, formula)
    sizes = output if isinstance(output, tuple) else (output,)
    for size in sizes:
        if not _is_size(size):
            args.fail(
                "output",
                f"`output` must be a shape of positive whole numbers or names, got {_shown(output)}",
                "e.g. output=(28, 28, 6), without the batch axis",
            )
    if not sizes:
        args.fail("output", "`output` is an empty shape", "e.g. output=(28, 28, 6), without the batch axis")
    return Output(sizes, formula)


_add(
    "Custom",
    "your own",
    "params=0, output=None",
    _custom,
    "A layer of your own: its parameter count as a formula in quotes (numbers, names, + - * / ** and "
    "parentheses), which its derivation shows, and its output shape (the input's when omitted).",
    'Custom(params="(5 * 5 * 3 + 1) * 6", output=(28, 28, 6), name="My conv")',
    "Input(32, 32, 3)",
)

# Names from other libraries that authors type by habit, and what Keras calls them.
SYNONYMS["keras"].update({
    "Linear": "Dense", "Conv1d": "Conv1D", "Conv2d": "Conv2D", "Conv3d": "Conv3D",
    "MaxPool1d": "MaxPooling1D", "MaxPool2d": "MaxPooling2D", "MaxPool3d": "MaxPooling3D",
    "AvgPool1d": "AveragePooling1D", "AvgPool2d": "AveragePooling2D", "AvgPool3d": "AveragePooling3D",
    "BatchNorm2d": "BatchNormalization",
    "BatchNorm1d": "BatchNormalization", "BatchNorm3d": "BatchNormalization",
    "BatchNorm": "BatchNormalization", "FC": "Dense",
    "ConvTranspose1d": "Conv1DTranspose", "ConvTranspose2d": "Conv2DTranspose",
    "ConvTranspose3d": "Conv3DTranspose", "Deconvolution2D": "Conv2DTranspose",
    "LayerNorm": "LayerNormalization", "GroupNorm": "GroupNormalization", "RMSNorm": "LayerNormalization",
    "InstanceNorm2d": "GroupNormalization", "RNN": "SimpleRNN",
    "AdaptiveAvgPool1d": "GlobalAveragePooling1D", "AdaptiveAvgPool2d": "GlobalAveragePooling2D",
    "AdaptiveAvgPool3d": "GlobalAveragePooling3D", "AdaptiveMaxPool1d": "GlobalMaxPooling1D",
    "AdaptiveMaxPool2d": "GlobalMaxPooling2D", "AdaptiveMaxPool3d": "GlobalMaxPooling3D",
    "ZeroPad1d": "ZeroPadding1D", "ZeroPad2d": "ZeroPadding2D", "ZeroPad3d": "ZeroPadding3D",
    "ConstantPad2d": "ZeroPadding2D", "Upsample": "UpSampling2D", "UpsamplingNearest2d": "UpSampling2D",
    "UpsamplingBilinear2d": "UpSampling2D", "Dropout1d": "SpatialDropout1D",
    "Dropout2d": "SpatialDropout2D", "Dropout3d": "SpatialDropout3D", "Unflatten": "Reshape",
    "View": "Reshape", "Sigmoid": "Activation", "Tanh": "Activation", "GELU": "Activation",
    "SiLU": "Activation", "Softplus": "Activation", "Lambda": "Custom",
})  # fmt: skip

# Keras' own other names for its layers (keras.layers.MaxPool2D is MaxPooling2D): accepted as written.
ALIASES["keras"].update(
    {
        "MaxPool2D": "MaxPooling2D",
        "AvgPool2D": "AveragePooling2D",
        "MaxPool1D": "MaxPooling1D",
        "MaxPool3D": "MaxPooling3D",
        "AvgPool1D": "AveragePooling1D",
        "AvgPool3D": "AveragePooling3D",
        "GlobalAvgPool1D": "GlobalAveragePooling1D",
        "GlobalAvgPool2D": "GlobalAveragePooling2D",
        "GlobalAvgPool3D": "GlobalAveragePooling3D",
        "GlobalMaxPool1D": "GlobalMaxPooling1D",
        "GlobalMaxPool2D": "GlobalMaxPooling2D",
        "GlobalMaxPool3D": "GlobalMaxPooling3D",
        "Convolution1D": "Conv1D",
        "Convolution2D": "Conv2D",
        "Convolution3D": "Conv3D",
        "Convolution1DTranspose": "Conv1DTranspose",
        "Convolution2DTranspose": "Conv2DTranspose",
        "Convolution3DTranspose": "Conv3DTranspose",
        "SeparableConvolution1D": "SeparableConv1D",
        "SeparableConvolution2D": "SeparableConv2D",
    }
)

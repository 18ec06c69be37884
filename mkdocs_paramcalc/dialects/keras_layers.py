"""The Keras 3 dialect: one `KERAS.add(...)` a layer, with its signature, output shape and formula.

Shapes are channels last, without the batch axis. Signatures are Keras 3's own
names, positions and defaults, so that a block pasted from a Keras model means
what it meant there. Where Keras takes many positional arguments, the ones
after the last that matters here (initializers, regularizers) are keyword-only:
passing one by position is an error, never a misread argument.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass

from mkdocs_paramcalc.dialects import blocks, shared
from mkdocs_paramcalc.dialects.blocks import same_size
from mkdocs_paramcalc.dialects.entry import Dialect, Infer, Output, Shape
from mkdocs_paramcalc.dialects.formula import (
    Bracketed,
    Const,
    Term,
    Var,
    plus,
    times,
)
from mkdocs_paramcalc.dialects.shared import shape_text, value_text
from mkdocs_paramcalc.reading.parse import Call
from mkdocs_paramcalc.reading.signature import Args
from mkdocs_paramcalc.values import (
    Number,
    Value,
    as_text,
    ceil_div,
    is_number,
    is_positive,
    is_symbolic,
    product,
)

KERAS = Dialect("keras", example_input="Input(28, 28, 1)")


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


KERAS.value_checks.update(
    activation=_activation,
    recurrent_activation=_activation,
    use_bias=Args.flag,
    center=Args.flag,
    scale=Args.flag,
    rate=Args.fraction,
    return_sequences=Args.flag,
    data_format=lambda args, _: _channels_first(args),
)


_RESHAPE_HINT = "check the layers before it, or add a Reshape"


def _spatial(args: Args, shape: Shape, rank: int, *, formats: bool = True) -> tuple[Shape, Number, bool]:
    """Split an input into spatial axes and channels, honouring `data_format` when the layer has it."""
    first = _channels_first(args) if formats else False
    shared.need_rank(args, shape, rank + 1, _AXES_TEXT[rank], _RESHAPE_HINT)
    return (shape[1:], shape[0], True) if first else (shape[:-1], shape[-1], False)


def _need_axis(args: Args, shape: Shape) -> None:
    if not shape:
        args.fail_at(args.call.where, "needs an input with at least one axis")


def _join(spatial: Shape, channels: Number, first: bool) -> Shape:
    return (channels, *spatial) if first else (*spatial, channels)


@dataclass(frozen=True)
class _Sliding:
    """What every Keras convolution reads first, in the order Keras checks it."""

    sizes: Shape  # the input's spatial sizes
    channels: Number
    first: bool  # channels first
    filters: Number  # 0 for a depthwise convolution, which has none of its own
    kernel: Shape
    strides: Shape
    dilation: Shape

    def slid(self, args: Args, padding: str) -> Shape:
        """The kernel's output sizes."""
        return _window(args, self.sizes, self.kernel, self.strides, self.dilation, padding, "kernel")


def _sliding(args: Args, shape: Shape, rank: int, *, filters: bool = True) -> _Sliding:
    sizes, channels, first = _spatial(args, shape, rank)
    count = args.size("filters") if filters else 0
    kernel = args.sizes("kernel_size", rank)
    strides = args.sizes("strides", rank)
    return _Sliding(sizes, channels, first, count, kernel, strides, args.sizes("dilation_rate", rank))


def _window(
    args: Args, sizes: Shape, window: Shape, strides: Shape, dilation: Shape, padding: str, what: str
) -> Shape:
    """Output sizes of a convolution or pooling window along each axis: "same" and "causal"
    padding keep ⌈n / s⌉, "valid" the positions where the whole window fits."""
    if padding in ("same", "causal"):
        return tuple(ceil_div(n, s) for n, s in zip(sizes, strides, strict=True))
    return shared.slid_sizes(
        args,
        sizes,
        window,
        strides,
        (0,) * len(sizes),
        dilation,
        what,
        'use padding="same", a smaller window, or fewer layers that shrink the input before it',
    )


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
            f"`{name}` must be an axis of the input {shape_text(shape)}: 1 to {rank} "
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
        args.fail(name, f"`{name}` names the same axis twice: {value_text(value)}", "list each axis once")
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


# ---------------------------------------------------------------------------------------------
# Convolutions
# ---------------------------------------------------------------------------------------------


def _no_strides_with_dilation(args: Args, strides: Shape, dilation: Shape) -> None:
    if any(_above_one(s) for s in strides) and any(_above_one(d) for d in dilation):
        args.fail(
            "dilation_rate" if args.given("dilation_rate") else "strides",
            "Keras cannot combine `strides` > 1 with `dilation_rate` > 1",
            "use one or the other; a dilated layer followed by pooling shrinks the input too",
        )


def _conv(rank: int) -> Infer:
    def infer(args: Args, shape: Shape) -> Output:
        window = _sliding(args, shape, rank)
        groups = args.size("groups")
        padding = args.choice("padding", ("valid", "same", "causal") if rank == 1 else ("valid", "same"))
        _no_strides_with_dilation(args, window.strides, window.dilation)
        counts = (("input channels", window.channels), ("filters", window.filters))
        shared.check_groups(args, groups, counts, "{name} ({count}) must divide evenly into {groups} groups")
        out = window.slid(args, padding)
        weights = shared.filter_weights(window.kernel, shared.filter_depth(window.channels, groups))
        formula = shared.filter_bank(weights, args.flag("use_bias"), window.filters)
        macs = shared.window_macs(out, Var("N_f", window.filters), weights)
        return Output(
            _join(out, window.filters, window.first), formula, activation=_activation(args), macs=macs
        )

    return infer


KERAS.add_ranks(
    "Conv{n}D",
    "convolution",
    "filters, kernel_size, strides=1, padding='valid', data_format=None, dilation_rate=1, "
    "groups=1, activation=None, use_bias=True",
    _conv,
    "{n}-D convolution: N_f filters, each a kernel over all input channels plus a bias.",
    {
        1: ("Conv1D(64, 5)", "Input(100, 16)"),
        2: ("Conv2D(32, 3)", "Input(28, 28, 1)"),
        3: ("Conv3D(16, 3)", "Input(16, 64, 64, 3)"),
    },
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


def _output_padding(args: Args, rank: int, strides: Shape) -> tuple[Number | None, ...]:
    """Keras' `output_padding`: None on every axis unless given, then less than the stride."""
    if args.get("output_padding") is None:
        return (None,) * rank
    extra = args.sizes("output_padding", rank, minimum=0)
    for p, s in zip(extra, strides, strict=True):
        if isinstance(p, int) and isinstance(s, int) and p >= s:
            args.fail(
                "output_padding",
                f"`output_padding` must be less than `strides` on every axis, "
                f"got {value_text(args.get('output_padding'))} with strides {shape_text(strides)}",
                "output_padding only picks among the sizes a stride leaves open: 0 to strides - 1",
            )
    return extra


def _conv_transpose(rank: int) -> Infer:
    def infer(args: Args, shape: Shape) -> Output:
        window = _sliding(args, shape, rank)
        padding = args.choice("padding", ("valid", "same"))
        _no_strides_with_dilation(args, window.strides, window.dilation)
        extra = _output_padding(args, rank, window.strides)
        out = _transposed_sizes(window.sizes, window.kernel, window.strides, window.dilation, padding, extra)
        weights = shared.filter_weights(window.kernel, Var("Depth", window.channels))
        formula = shared.filter_bank(weights, args.flag("use_bias"), window.filters)
        macs = shared.window_macs(window.sizes, Var("N_f", window.filters), weights, side="in")
        return Output(
            _join(out, window.filters, window.first), formula, activation=_activation(args), macs=macs
        )

    return infer


_TRANSPOSE_SIGNATURE = (
    "filters, kernel_size, strides=1, padding='valid', output_padding=None, data_format=None, "
    "dilation_rate=1, activation=None, use_bias=True"
)
KERAS.add_ranks(
    "Conv{n}DTranspose",
    "convolution",
    {
        1: _TRANSPOSE_SIGNATURE,
        2: _TRANSPOSE_SIGNATURE,
        # Keras 3 puts `output_padding` after `data_format` here alone
        3: "filters, kernel_size, strides=1, padding='valid', data_format=None, output_padding=None, "
        "dilation_rate=1, activation=None, use_bias=True",
    },
    _conv_transpose,
    "{n}-D transposed convolution: spreads each input value over a kernel, "
    "growing the input; N_f filters, each a kernel over all input channels plus a bias.",
    {
        1: ("Conv1DTranspose(16, 3, strides=2)", "Input(50, 32)"),
        2: ('Conv2DTranspose(32, 3, strides=2, padding="same")', "Input(7, 7, 64)"),
        3: ("Conv3DTranspose(8, 3, strides=2)", "Input(4, 8, 8, 16)"),
    },
    _WEIGHTS,
)


def _depthwise_weights(kernel: Shape) -> Term:
    kernel_terms = shared.kernel_vars(kernel)
    return kernel_terms[0] if len(kernel_terms) == 1 else Bracketed(times(*kernel_terms))


def _spread(channels: Number, multiplier: Number) -> list[Term]:
    """The depthwise filters: Depth, × Multiplier when there are several a channel."""
    return [Var("Depth", channels), *([Var("Multiplier", multiplier)] if multiplier != 1 else [])]


def _depthwise(rank: int) -> Infer:
    def infer(args: Args, shape: Shape) -> Output:
        window = _sliding(args, shape, rank, filters=False)  # Keras takes strides and dilation together here
        multiplier = args.size("depth_multiplier")
        out = window.slid(args, args.choice("padding", ("valid", "same")))
        weights = _depthwise_weights(window.kernel)
        spread = _spread(window.channels, multiplier)
        formula = times(shared.with_bias(weights, args.flag("use_bias")), *spread)
        macs = shared.window_macs(out, times(*spread), weights)
        shape_out = _join(out, window.channels * multiplier, window.first)
        return Output(shape_out, formula, activation=_activation(args), macs=macs)

    return infer


KERAS.add_ranks(
    "DepthwiseConv{n}D",
    "convolution",
    "kernel_size, strides=1, padding='valid', depth_multiplier=1, data_format=None, dilation_rate=1, "
    "activation=None, use_bias=True",
    _depthwise,
    "{n}-D depthwise convolution: each input channel gets its own kernels (depth_multiplier of "
    "them) and biases; channels are not mixed.",
    {1: ("DepthwiseConv1D(5)", "Input(100, 16)"), 2: ("DepthwiseConv2D(3)", "Input(28, 28, 32)")},
    "depthwise_initializer='glorot_uniform', bias_initializer='zeros', depthwise_regularizer=None, "
    "bias_regularizer=None, activity_regularizer=None, depthwise_constraint=None, bias_constraint=None",
)


def _separable(rank: int) -> Infer:
    def infer(args: Args, shape: Shape) -> Output:
        window = _sliding(args, shape, rank)  # Keras takes strides and dilation together here
        multiplier = args.size("depth_multiplier")
        out = window.slid(args, args.choice("padding", ("valid", "same")))
        spread = _spread(window.channels, multiplier)
        depthwise = Bracketed(times(*shared.kernel_vars(window.kernel), *spread))
        mixed: Term = spread[0] if multiplier == 1 else Bracketed(times(*spread))
        pointwise = Bracketed(shared.filter_bank(mixed, args.flag("use_bias"), window.filters))
        macs = plus(
            Bracketed(shared.window_macs(out, times(*spread), _depthwise_weights(window.kernel))),
            Bracketed(shared.window_macs(out, Var("N_f", window.filters), times(*spread))),
        )
        shape_out = _join(out, window.filters, window.first)
        return Output(shape_out, plus(depthwise, pointwise), activation=_activation(args), macs=macs)

    return infer


KERAS.add_ranks(
    "SeparableConv{n}D",
    "convolution",
    "filters, kernel_size, strides=1, padding='valid', data_format=None, dilation_rate=1, "
    "depth_multiplier=1, activation=None, use_bias=True",
    _separable,
    "{n}-D separable convolution: a depthwise kernel for each input channel (no bias), then a "
    "1×1 pointwise convolution that mixes the channels into N_f filters, with a bias each.",
    {1: ("SeparableConv1D(64, 5)", "Input(100, 16)"), 2: ("SeparableConv2D(64, 3)", "Input(28, 28, 32)")},
    "depthwise_initializer='glorot_uniform', pointwise_initializer='glorot_uniform', "
    "bias_initializer='zeros', depthwise_regularizer=None, pointwise_regularizer=None, "
    "bias_regularizer=None, activity_regularizer=None, depthwise_constraint=None, "
    "pointwise_constraint=None, bias_constraint=None",
)


# ---------------------------------------------------------------------------------------------
# Pooling
# ---------------------------------------------------------------------------------------------


def _pool(rank: int) -> Infer:
    def infer(args: Args, shape: Shape) -> Output:
        sizes, channels, first = _spatial(args, shape, rank)
        window = args.sizes("pool_size", rank)
        strides = window if args.get("strides") is None else args.sizes("strides", rank)
        padding = args.choice("padding", ("valid", "same"), fold=False)  # Keras pools do not fold case
        out = _window(args, sizes, window, strides, (1,) * rank, padding, "pool window")
        return Output(_join(out, channels, first))

    return infer


_RANK_INPUTS = {1: "Input(100, 16)", 2: "Input(28, 28, 32)", 3: "Input(16, 64, 64, 3)"}


def _add_poolings(
    name: str, signature: str, infer: Callable[[int, str], Infer], summary: str, args: str
) -> None:
    """Max and Average pooling at ranks 1 to 3, in that order; `name` and `summary` take the
    operation's {op} and {word} and the rank {n}, the example is the name called with `args`."""
    for rank in (1, 2, 3):
        for op, word in (("Max", "the largest"), ("Average", "the mean")):
            kind = name.format(op=op, n=rank)
            example = f"{kind}({args})"
            KERAS.add(
                kind,
                "pooling",
                signature,
                infer(rank, op),
                summary.format(word=word),
                example,
                _RANK_INPUTS[rank],
            )


_add_poolings(
    "{op}Pooling{n}D",
    "pool_size=2, strides=None, padding='valid', data_format=None",
    lambda rank, _: _pool(rank),
    "Keeps {word} value of each window; no parameters.",
    "2",
)


def _global_pool(rank: int, op: str) -> Infer:
    def infer(args: Args, shape: Shape) -> Output:
        sizes, channels, first = _spatial(args, shape, rank)
        # fvcore counts torch's adaptive_avg_pool2d, one an input value, and no other pooling
        counted = op == "Average" and rank == 2
        macs = times(*shared.positions(sizes, "in"), Var("Channels", channels)) if counted else None
        if not args.flag("keepdims"):
            return Output((channels,), macs=macs)
        return Output(_join((1,) * rank, channels, first), macs=macs)

    return infer


_add_poolings(
    "Global{op}Pooling{n}D",
    "data_format=None, keepdims=False",
    _global_pool,
    "Keeps {word} value of each channel over the whole input (keepdims=True keeps the "
    "axes, of size 1); no parameters.",
    "",
)


# ---------------------------------------------------------------------------------------------
# Dense and shape
# ---------------------------------------------------------------------------------------------


def _dense(args: Args, shape: Shape) -> Output:
    _need_axis(args, shape)
    units = args.size("units")
    bias = args.flag("use_bias")
    _no_lora(args)
    formula, macs = shared.fully_connected(shape[:-1], shape[-1], units, bias)
    return Output((*shape[:-1], units), formula, activation=_activation(args), macs=macs)


def _no_lora(args: Args) -> None:
    if args.get("lora_rank") is not None:
        args.fail("lora_rank", "LoRA adapters are not counted yet", "remove lora_rank")


KERAS.add(
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


KERAS.add(
    "Flatten",
    "dense and shape",
    "data_format=None",
    _flatten,
    "Unrolls the input into one axis; no parameters.",
    "Flatten()",
    "Input(12, 12, 64)",
)


def _reshape(args: Args, shape: Shape) -> Output:
    target = args.get("target_shape")
    if not isinstance(target, tuple):
        one = (
            f"write ({value_text(target)},) for one axis" if is_number(target) else "e.g. Reshape((7, 7, 64))"
        )
        args.fail("target_shape", f"`target_shape` must be a tuple of sizes, got {value_text(target)}", one)
    inferred = [i for i, size in enumerate(target) if isinstance(size, int) and size == -1]
    if len(inferred) > 1 or not all(shared.is_size(size) or i in inferred for i, size in enumerate(target)):
        args.fail(
            "target_shape",
            f"`target_shape` takes positive whole numbers, and -1 once for the size to infer, "
            f"got {value_text(target)}",
        )
    values = product(shape)
    known = product([size for i, size in enumerate(target) if i not in inferred])
    symbolic = is_symbolic(values) or is_symbolic(known)
    unchecked = (
        f"cannot check that the {shape_text(shape)} input ({shared.count_text(values)} values) fits "
        f"{value_text(target)}: the sizes are formulas"
    )
    if inferred:
        if not symbolic and values % known:
            args.fail(
                "target_shape",
                f"cannot fill {value_text(target)} from the {shape_text(shape)} input: its {values:,} values "
                f"are not a multiple of {known:,}",
                "the sizes of target_shape must divide the number of values",
            )
        size: Value = values / known if symbolic else values // known
        if symbolic and size.is_integer is not True:
            args.fail("target_shape", unchecked, "give the input sizes numbers, or write every size")
        return Output(tuple(size if i in inferred else d for i, d in enumerate(target)))
    same = same_size(values, known)
    if same is None:
        args.fail("target_shape", unchecked, "give the input sizes numbers, or write -1 for one size")
    if not same:
        args.fail(
            "target_shape",
            f"`target_shape` {value_text(target)} holds {shared.count_text(known)} values, "
            f"but the {shape_text(shape)} input has {shared.count_text(values)}",
            "the two products must be equal; write -1 for the size to infer",
        )
    return Output(target)


KERAS.add(
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
        args.fail(name, f"`{name}` takes whole numbers ≥ 0, got {value_text(value)}")
    return value


def _pairs(args: Args, name: str, rank: int, *, negative: bool = False) -> Pairs:
    """Keras' padding and cropping amounts: an int, one per axis, or a (before, after) pair per axis.

    `negative`: a single int may be negative (ZeroPadding2D/3D take one as it is, and crop).
    """
    value = args.get(name)
    if rank == 1:
        if isinstance(value, tuple):
            if len(value) != 2:
                args.fail(name, f"`{name}` needs an int or 2 ints (before, after), got {value_text(value)}")
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
            f"got {value_text(value)}",
        )
    pairs: list[tuple[Number, Number]] = []
    for entry in value:
        if isinstance(entry, tuple):
            if len(entry) != 2:
                args.fail(
                    name,
                    f"each entry of `{name}` is an int or a pair (before, after), got {value_text(entry)}",
                )
            pairs.append((_side(args, name, entry[0]), _side(args, name, entry[1])))
        else:
            one = _side(args, name, entry)
            pairs.append((one, one))
    return tuple(pairs)


def _edges(rank: int, name: str) -> Infer:
    """ZeroPadding (`name` "padding") adds its amounts to each axis, Cropping takes them off."""
    padding = name == "padding"

    def infer(args: Args, shape: Shape) -> Output:
        sizes, channels, first = _spatial(args, shape, rank, formats=padding or rank > 1)
        pairs = _pairs(args, name, rank, negative=padding and rank > 1)
        sign = 1 if padding else -1
        out = tuple(n + sign * (before + after) for n, (before, after) in zip(sizes, pairs, strict=True))
        for n, m in zip(sizes, out, strict=True):
            if is_positive(m) is False:
                args.fail(
                    name,
                    f"`{name}` {value_text(args.get(name))} leaves nothing of an axis of {n}",
                    "" if padding else "crop less than the size of each axis",
                )
        return Output(_join(out, channels, first))

    return infer


KERAS.add_ranks(
    "ZeroPadding{n}D",
    "dense and shape",
    {
        1: "padding=1, data_format=None",
        2: "padding=(1, 1), data_format=None",
        3: "padding=((1, 1), (1, 1), (1, 1)), data_format=None",
    },
    lambda rank: _edges(rank, "padding"),
    "Adds rows and columns of zeros around the input: an int (every side), one per axis, or "
    "(before, after) pairs; no parameters.",
    {
        1: ("ZeroPadding1D(2)", _RANK_INPUTS[1]),
        2: ("ZeroPadding2D(1)", _RANK_INPUTS[2]),
        3: ("ZeroPadding3D(1)", _RANK_INPUTS[3]),
    },
)
KERAS.add_ranks(
    "Cropping{n}D",
    "dense and shape",
    {
        1: "cropping=(1, 1)",
        2: "cropping=((0, 0), (0, 0)), data_format=None",
        3: "cropping=((1, 1), (1, 1), (1, 1)), data_format=None",
    },
    lambda rank: _edges(rank, "cropping"),
    "Cuts rows and columns off the edges of the input, given as for ZeroPadding; no parameters.",
    {
        1: ("Cropping1D((2, 2))", _RANK_INPUTS[1]),
        2: ("Cropping2D(((2, 2), (4, 4)))", _RANK_INPUTS[2]),
        3: ("Cropping3D(1)", _RANK_INPUTS[3]),
    },
)


def _up_sampling(rank: int) -> Infer:
    def infer(args: Args, shape: Shape) -> Output:
        sizes, channels, first = _spatial(args, shape, rank, formats=rank > 1)
        factors = (args.size("size"),) if rank == 1 else args.sizes("size", rank)
        mode = "nearest"
        if rank == 2:
            mode = args.choice("interpolation", ("nearest", "bilinear", "bicubic", "lanczos3", "lanczos5"))
        out = _join(tuple(n * f for n, f in zip(sizes, factors, strict=True)), channels, first)
        # fvcore counts torch's 2-D nearest (1 an output value) and bilinear (4) upsampling only
        factor = {"nearest": 1, "bilinear": 4}.get(mode, 0) if rank == 2 else 0
        return Output(out, macs=shared.elementwise_macs(out, factor))

    return infer


for _rank, _signature in (
    (1, "size=2"),
    (2, "size=(2, 2), data_format=None, interpolation='nearest'"),
    (3, "size=(2, 2, 2), data_format=None"),
):
    KERAS.add(
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
            f"`dims` must order the axes 1 to n (0 is the batch), each once, got {value_text(dims)}",
            "e.g. Permute((2, 1)) swaps the two axes of a sequence",
        )
    shared.need_rank(args, shape, len(dims), "one axis for each entry of `dims`", _RESHAPE_HINT)
    return Output(tuple(shape[d - 1] for d in dims))


KERAS.add(
    "Permute",
    "dense and shape",
    "dims",
    _permute,
    "Reorders the axes of its input (counted from 1); no parameters.",
    "Permute((2, 1))",
    "Input(100, 16)",
)


def _repeat_vector(args: Args, shape: Shape) -> Output:
    shared.need_rank(args, shape, 1, "features", "it repeats a vector; Flatten or pool the input first")
    return Output((args.size("n"), shape[0]))


KERAS.add(
    "RepeatVector",
    "dense and shape",
    "n",
    _repeat_vector,
    "Repeats a vector n times, making a sequence of n steps; no parameters.",
    "RepeatVector(10)",
    "Input(32)",
)
KERAS.add(
    "Dropout",
    "dense and shape",
    "rate, noise_shape=None, seed=None",
    shared.keeps_shape(lambda a, s: a.fraction("rate")),
    "Zeroes a fraction of its inputs while training; no parameters.",
    "Dropout(0.25)",
    "Input(128)",
)


def _spatial_dropout(rank: int) -> Infer:
    def infer(args: Args, shape: Shape) -> Output:
        args.fraction("rate")
        _spatial(args, shape, rank, formats=rank > 1)
        return Output(shape)

    return infer


for _rank in (1, 2, 3):
    KERAS.add(
        f"SpatialDropout{_rank}D",
        "dense and shape",
        "rate, seed=None" if _rank == 1 else "rate, data_format=None, seed=None",
        _spatial_dropout(_rank),
        "Drops whole channels (feature maps) while training, rather than single values; no parameters.",
        f"SpatialDropout{_rank}D(0.2)",
        _RANK_INPUTS[_rank],
    )
KERAS.add(
    "GaussianNoise",
    "dense and shape",
    "stddev, seed=None",
    shared.keeps_shape(lambda a, s: a.fraction("stddev")),
    "Adds zero-mean Gaussian noise while training (Keras takes a stddev from 0 to 1); no parameters.",
    "GaussianNoise(0.1)",
    "Input(128)",
)
KERAS.add(
    "GaussianDropout",
    "dense and shape",
    "rate, seed=None",
    shared.keeps_shape(lambda a, s: a.fraction("rate")),
    "Multiplies its inputs by Gaussian noise of mean 1 while training; no parameters.",
    "GaussianDropout(0.2)",
    "Input(128)",
)
KERAS.add(
    "Identity",
    "dense and shape",
    "",
    shared.keeps_shape(lambda a, s: None),
    "Passes its input on unchanged (a placeholder, e.g. for a layer switched off); no parameters.",
    "Identity()",
    "Input(128)",
)


# ---------------------------------------------------------------------------------------------
# Activations
# ---------------------------------------------------------------------------------------------


KERAS.add(
    "Activation",
    "activation",
    "activation",
    shared.keeps_shape(
        lambda a, s: _activation(a) or a.fail("activation", "`activation` must name a function")
    ),
    "Applies an activation function; no parameters.",
    'Activation("relu")',
    "Input(128)",
)
KERAS.add(
    "ReLU",
    "activation",
    "max_value=None, negative_slope=0.0, threshold=0.0",
    shared.keeps_shape(
        lambda a, s: (a.number("max_value", optional=True), a.number("negative_slope"), a.number("threshold"))
    ),
    "max(x, 0), optionally capped and leaky; no parameters.",
    "ReLU()",
    "Input(128)",
)
KERAS.add(
    "Softmax",
    "activation",
    "axis=-1",
    shared.keeps_shape(_axis),
    "Turns scores into probabilities along an axis; no parameters.",
    "Softmax()",
    "Input(10)",
)
KERAS.add(
    "LeakyReLU",
    "activation",
    "negative_slope=0.3, *, alpha=None",  # alpha: Keras 2's name, still taken (with a warning)
    shared.keeps_shape(lambda a, s: (a.number("negative_slope"), a.number("alpha", optional=True))),
    "x for x > 0, negative_slope × x below; no parameters.",
    "LeakyReLU(0.1)",
    "Input(128)",
)
KERAS.add(
    "ELU",
    "activation",
    "alpha=1.0",
    shared.keeps_shape(lambda a, s: shared.real_number(a, "alpha")),
    "x for x > 0, alpha × (exp(x) − 1) below; no parameters.",
    "ELU()",
    "Input(128)",
)


def _prelu(args: Args, shape: Shape) -> Output:
    _need_axis(args, shape)
    shared = args.get("shared_axes")
    items = () if shared is None else shared if isinstance(shared, tuple) else (shared,)
    rank = len(shape)
    for axis in items:
        if not isinstance(axis, int) or isinstance(axis, bool) or not 1 <= axis <= rank:
            args.fail(
                "shared_axes",
                f"`shared_axes` takes axes of the input {shape_text(shape)} counted from 1 to {rank}, "
                f"got {value_text(shared)}",
                "PReLU counts axes from 1 (0 is the batch); Keras reads -1 as the axis before the last, "
                "so write the axis's number",
            )
    kept = [_axis_var(shape, i) for i in range(rank) if i + 1 not in items]
    return Output(shape, times(*kept) if kept else Const(1))


KERAS.add(
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
    _need_axis(args, shape)
    channels = shape[_axis(args, shape)]
    vectors = 2 + args.flag("center") + args.flag("scale")
    c = Var("Channels", channels)
    # fvcore's count at inference: 2 a value with a scale γ, 1 without
    macs = shared.elementwise_macs(shape, 2 if args.flag("scale") else 1)
    return Output(shape, times(Const(vectors), c), frozen=times(Const(2), c), macs=macs)


_NORM_INERT = (
    "beta_initializer='zeros', gamma_initializer='ones', beta_regularizer=None, gamma_regularizer=None, "
    "beta_constraint=None, gamma_constraint=None"
)
KERAS.add(
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
    _need_axis(args, shape)
    axes = _axes(args, shape)
    rms = args.flag("rms_scaling")  # Keras: γ only, even with scale=False
    vectors = int(args.flag("scale") or rms) + int(args.flag("center") and not rms)
    # fvcore's count of torch's layer_norm: 5 a value with a scale γ, 4 without; RMS norm it ignores
    macs = shared.elementwise_macs(shape, 0 if rms else 5 if args.flag("scale") else 4)
    size = (
        _axis_var(shape, axes[0])
        if len(axes) == 1
        else Bracketed(times(*(_axis_var(shape, i) for i in axes)))
    )
    return Output(shape, shared.scale_shift(vectors, size), macs=macs)


KERAS.add(
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


def _rms_norm(args: Args, shape: Shape) -> Output:
    _need_axis(args, shape)
    axes = _axes(args, shape)
    args.number("epsilon")
    size = (
        _axis_var(shape, axes[0])
        if len(axes) == 1
        else Bracketed(times(*(_axis_var(shape, i) for i in axes)))
    )
    return Output(shape, shared.scale_shift(1, size))  # fvcore has no handle for rms_norm: 0 MACs


KERAS.add(
    "RMSNormalization",
    "normalization",
    "axis=-1, epsilon=1e-06",
    _rms_norm,
    "Root-mean-square normalization, as Llama's blocks use it: each sample divided by the root "
    "mean square of the given axes, then a trained scale γ for each value of those axes (no shift).",
    "RMSNormalization()",
    "Input(100, 64)",
)


def _group_norm(args: Args, shape: Shape) -> Output:
    _need_axis(args, shape)
    index = _axis(args, shape)
    channels = shape[index]
    groups = args.get("groups")
    if not isinstance(groups, int) or isinstance(groups, bool) or (groups < 1 and groups != -1):
        args.fail(
            "groups",
            f"`groups` must be a whole number ≥ 1, or -1 for one group a channel, got {value_text(groups)}",
        )
    if isinstance(channels, int) and groups != -1:
        if groups > channels:
            args.fail("groups", f"{groups} groups are more than the {channels} channels", "use fewer groups")
        if channels % groups:
            args.fail("groups", f"the {channels} channels do not divide evenly into {groups} groups")
    vectors = int(args.flag("center")) + int(args.flag("scale"))
    macs = shared.elementwise_macs(shape, 5 if args.flag("scale") else 4)  # fvcore's count of group_norm
    if not vectors:
        return Output(shape, macs=macs)
    return Output(shape, times(Const(vectors), Var("Channels", channels)), macs=macs)


KERAS.add(
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
KERAS.add(
    "UnitNormalization",
    "normalization",
    "axis=-1",
    shared.keeps_shape(lambda a, s: _axes(a, s, batch=True)),  # Keras takes the batch axis 0 too
    "Scales each sample to length 1 along the given axes; no parameters.",
    "UnitNormalization()",
    "Input(128)",
)


# ---------------------------------------------------------------------------------------------
# Sequences
# ---------------------------------------------------------------------------------------------


def _embedding(args: Args, shape: Shape) -> Output:
    _, width, formula = shared.embedding_table(args, "input_dim", "output_dim", "Dimensions")
    args.flag("mask_zero")
    _no_lora(args)
    return Output((*shape, width), formula)


KERAS.add(
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


def _recurrent(gates: int) -> Infer:
    """SimpleRNN (1 gate), GRU (3) or LSTM (4): `gates` copies of (input + recurrent weights + bias)."""

    def infer(args: Args, shape: Shape) -> Output:
        shared.need_rank(
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
            shared.real_number(args, rate)  # Keras clamps these rates to [0, 1] rather than refuse them
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
        body = times(Bracketed(plus(*inner)), Var("Units", units))
        formula = body if gates == 1 else times(Const(gates), Bracketed(body))
        out = (steps, units) if args.flag("return_sequences") else (units,)
        return Output(out, formula, macs_note=shared.RECURRENT_NOTE)

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
KERAS.add(
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
KERAS.add(
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
KERAS.add(
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
# Attention
# ---------------------------------------------------------------------------------------------


def _attention_axes(args: Args, shape: Shape) -> None:
    """The axes attention runs over: the input's axes before its features, the batch being 0."""
    value = args.get("attention_axes")
    if value is None:
        return
    last = len(shape) - 1
    for axis in value if isinstance(value, tuple) else (value,):
        if not isinstance(axis, int) or isinstance(axis, bool) or not 1 <= axis <= last:
            axes = "1" if last == 1 else f"1 to {last}"
            args.fail(
                "attention_axes",
                f"`attention_axes` must be axes of the input {shape_text(shape)} before its features: "
                f"{axes} (0 is the batch), got {value_text(value)}",
                "leave it out to attend over all of them",
            )


def _output_sizes(args: Args, shape: Shape) -> tuple[Shape, Term]:
    """The output projection's sizes: output_shape, or the input's features; and their term."""
    value = args.get("output_shape")
    if value is None:
        return shape[-1:], Var("Features", shape[-1])
    sizes = value if isinstance(value, tuple) else (value,)
    if not sizes or not all(shared.is_size(size) for size in sizes):
        args.fail(
            "output_shape",
            f"`output_shape` must be a size or a tuple of sizes, got {value_text(value)}",
            "leave it out to keep the input's features",
        )
    if len(sizes) == 1:
        return sizes, Var("Output", sizes[0])
    return sizes, Bracketed(times(*(Var(f"Output_{i}", size) for i, size in enumerate(sizes, 1))))


def _attention_weights(
    features: Var, heads: Var, key: Var, value: Var | None, output: Term, gate: bool, bias: bool
) -> Term:
    """The four (with a gate, five) projections: query and key (Features + bias) × Heads × Key, value
    (and gate) (Features + bias) × Heads × Value, output (Heads × Value + bias) × Output. `value`
    None: the value's width is the key's, and the three input projections are written as one."""
    into = shared.with_bias(features, bias)
    width = key if value is None else value
    out = times(shared.with_bias(times(heads, width), bias), output)
    valued = 1 + gate  # the value projection, and the gate's of its shape
    if value is None:
        return plus(times(Const(2 + valued), into, heads, key), out)
    values = times(Const(valued), into, heads, value) if valued > 1 else times(into, heads, value)
    return plus(times(Const(2), into, heads, key), values, out)


def _cross_weights(
    widths: tuple[Var, Var, Var],
    heads: Var,
    key: Var,
    value: Var | None,
    output: Term,
    gate: bool,
    bias: bool,
) -> Term:
    """The projections when the keys and values come from another sequence: query (and gate) from
    the query's features, key and value from theirs, each (Features + bias) × Heads × width."""
    queries, keys, values = (shared.with_bias(width, bias) for width in widths)
    width = key if value is None else value
    parts = [times(queries, heads, key), times(keys, heads, key), times(values, heads, width)]
    if gate:
        parts.append(times(queries, heads, width))
    return plus(*parts, times(shared.with_bias(times(heads, width), bias), output))


def _other_sequence(args: Args, shape: Shape) -> tuple[Shape, Shape] | None:
    """The value and key of attention to another sequence, as layer(query, value, key) takes them:
    value=(S, features), key= its shape when it differs (else the value); None for self-attention."""
    value = shared.other_input(args, "value", shape, "values")
    key = shared.other_input(args, "key", shape, "keys")
    if value is None:
        if key is not None:
            args.fail(
                "key",
                "key= is given without value=",
                "layer(query, value, key): give value=(S, features) too",
            )
        return None
    key = key or value
    if any(blocks.same_size(a, b) is False for a, b in zip(key[:-1], value[:-1], strict=True)):
        args.fail(
            "key",
            f"the keys {shape_text(key)} and the values {shape_text(value)} differ before their last axis",
            "each key has its value: give key= and value= the same length",
        )
    axes = _attended(args, shape)
    for axis, (ours, theirs) in enumerate(zip(shape[:-1], value[:-1], strict=True)):
        if axis not in axes and blocks.same_size(ours, theirs) is False:
            args.fail(
                "value",
                f"attention_axes={value_text(args.get('attention_axes'))} attends over "
                f"{'axis' if len(axes) == 1 else 'axes'} {', '.join(str(a + 1) for a in axes)}; on axis "
                f"{axis + 1}, which it does not attend over, the values {shape_text(value)} have "
                f"{as_text(theirs)} where the queries {shape_text(shape)} have {as_text(ours)}",
                "the axes not attended over pair each query with the keys and values of the same "
                f"place: give value= (and key=) the queries' {as_text(ours)} there",
            )
    return value, key


def _attended(args: Args, shape: Shape) -> list[int]:
    """The axes attention runs over, counted without the batch: attention_axes (checked), or
    every axis before the features."""
    axes = args.get("attention_axes")
    if axes is None:
        return list(range(len(shape) - 1))
    return [a - 1 for a in (axes if isinstance(axes, tuple) else (axes,))]


def _need_sequence(args: Args, shape: Shape, *, exactly: bool = False) -> None:
    """Attention's input: a sequence (steps, features), or (with attention_axes) more axes."""
    if len(shape) < 2 or (exactly and len(shape) != 2):
        args.fail_at(
            args.call.where,
            f"needs a sequence (steps, features), got {shape_text(shape)}",
            "attention relates the steps of a sequence; an Embedding gives one",
        )


def _multi_head_attention(args: Args, shape: Shape) -> Output:
    _need_sequence(args, shape)
    heads = Var("Heads", args.size("num_heads"))
    key = Var("Key", args.size("key_dim"))
    value = None if args.get("value_dim") is None else Var("Value", args.size("value_dim"))
    args.fraction("dropout")
    bias = args.flag("use_bias")
    sizes, output = _output_sizes(args, shape)
    _attention_axes(args, shape)
    if args.get("sliding_window") is not None:
        args.size("sliding_window")
    gate = args.flag("use_gate")
    features = Var("Features", shape[-1])
    widths = plus(key, key if value is None else value)
    other = _other_sequence(args, shape)
    cache: Number = heads.amount * (key.amount + (key if value is None else value).amount)  # a token's
    if other is None:
        formula = _attention_weights(features, heads, key, value, output, gate, bias)
        weights = _attention_weights(features, heads, key, value, output, gate, False)
        macs = plus(
            times(Var("Positions", product(shape[:-1])), Bracketed(weights)),
            _score_macs(args, shape, shape, heads, widths),
        )
    else:
        values, keys = other
        vars_ = (Var("F_{query}", shape[-1]), Var("F_{key}", keys[-1]), Var("F_{value}", values[-1]))
        formula = _cross_weights(vars_, heads, key, value, output, gate, bias)
        width = key if value is None else value
        queries, others = Var("Positions", product(shape[:-1])), Var("Keys", product(values[:-1]))
        asked = plus(key, width) if gate else key  # the query (and gate) projection's widths
        macs = plus(
            times(queries, vars_[0], heads, Bracketed(asked) if gate else asked),
            times(others, Bracketed(plus(times(vars_[1], key), times(vars_[2], width))), heads),
            times(queries, heads, width, output),
            _score_macs(args, shape, values, heads, widths),
        )
        cache = 0  # another sequence's keys and values: computed once, not a token's cost
    return Output((*shape[:-1], *sizes), formula, macs=macs, cache=cache)


def _score_macs(args: Args, shape: Shape, keys: Shape, heads: Var, widths: Term) -> Term:
    """The attention itself: over the attended axes, each query with each key and the weighted sum of
    the values, Groups × Attended × Keys × Heads × (Key + Value); fvcore has no handle for it."""
    positions = shape[:-1]
    chosen = _attended(args, shape)
    attended = product(tuple(positions[i] for i in chosen))
    other = product(tuple(keys[i] for i in chosen))
    groups = product(tuple(size for i, size in enumerate(positions) if i not in chosen))
    pairs = times(Var("Attended", attended), Var("Attended" if keys is shape else "Keys", other))
    parts = (*([Var("Groups", groups)] if groups != 1 else []), pairs, heads, Bracketed(widths))
    return times(*parts)


KERAS.add(
    "MultiHeadAttention",
    "attention",
    "num_heads, key_dim, value_dim=None, dropout=0.0, use_bias=True, output_shape=None, "
    "attention_axes=None, sliding_window=None, *, use_gate=False",
    _multi_head_attention,
    "Multi-head self-attention, as layer(x, x) calls it: query and key projections of Heads × Key "
    "each, a value projection of Heads × Value (Value is key_dim unless value_dim is given), each "
    "from the input's features with a bias, and an output projection back to the features (or to "
    "output_shape). num_heads multiplies the projections' widths. With use_gate=True, a sigmoid "
    "gate of the value projection's shape. Attention to another sequence (cross-attention) gives its "
    "shape as layer(query, value, key) takes it: value=(S, features), and key=(S, features) when the "
    "keys differ from the values; the key and value projections then read their features.",
    "MultiHeadAttention(8, 64)",
    "Input(100, 512)",
    f"flash_attention=None, {_WEIGHTS}, seed=None",
    inputs=("value", "key"),
)


def _group_query_attention(args: Args, shape: Shape) -> Output:
    _need_sequence(args, shape, exactly=True)
    head = Var("Head", args.size("head_dim"))
    queries = Var("Queries", args.size("num_query_heads"))
    shared_heads = Var("KV", args.size("num_key_value_heads"))
    asked_heads, kept_heads = queries.amount, shared_heads.amount
    if isinstance(asked_heads, int) and isinstance(kept_heads, int) and asked_heads % kept_heads:
        args.fail(
            "num_key_value_heads",
            f"num_query_heads ({asked_heads}) must be divisible by num_key_value_heads ({kept_heads})",
            "each key/value head serves a whole group of query heads",
        )
    args.fraction("dropout")
    bias = args.flag("use_bias")
    if args.get("sliding_window") is not None:
        args.size("sliding_window")
    gate = args.flag("use_gate")
    features = Var("Features", shape[-1])

    def weights(biased: bool) -> Term:
        into = shared.with_bias(features, biased)
        asked = times(Const(2), into, queries, head) if gate else times(into, queries, head)  # (and the gate)
        kept = times(Const(2), into, shared_heads, head)  # keys and values: the shared heads only
        return plus(asked, kept, times(shared.with_bias(times(queries, head), biased), features))

    positions = Var("Positions", shape[0])
    scores = times(Const(2), positions, positions, queries, head)  # every query head attends
    macs = plus(times(positions, Bracketed(weights(False))), scores)
    cache = 2 * shared_heads.amount * head.amount  # the shared heads' keys and values, a token
    return Output(shape, weights(bias), macs=macs, cache=cache)


KERAS.add(
    "GroupQueryAttention",
    "attention",
    "head_dim, num_query_heads, num_key_value_heads, dropout=0.0, use_bias=True, sliding_window=None, "
    "*, use_gate=False",
    _group_query_attention,
    "Grouped-query self-attention, as layer(x, x) calls it: a query projection of Queries × Head, "
    "key and value projections of KV × Head only (each key/value head serves a group of query heads), "
    "each from the input's features with a bias, and an output projection back to the features. "
    "Its key/value cache is KV/Queries of full attention's. With use_gate=True, a gate of the "
    "query projection's shape.",
    "GroupQueryAttention(64, 8, 2)",
    "Input(100, 512)",
    f"flash_attention=None, {_WEIGHTS}, seed=None",
)


# ---------------------------------------------------------------------------------------------
# Wrappers: a layer inside a layer (the parser reads the layer in their `layer` argument)
# ---------------------------------------------------------------------------------------------

_RECURRENT = ("SimpleRNN", "LSTM", "GRU")


@dataclass(frozen=True)
class _Inner:
    """The layer a wrapper holds, computed on the input the wrapper gives it."""

    kind: str
    out: Output
    frozen: Term | None  # its frozen part: all of it when the layer says trainable=False


def _inner(args: Args, shape: Shape) -> _Inner:
    """The wrapped layer, bound to its entry and computed on `shape`; every error located in it."""
    if not args.flag("trainable"):
        # Keras 3 sets the flag before it builds the wrapper's copies: model.summary() and training
        # still count them as trainable. The wrapped layer's own flag freezes them.
        args.fail(
            "trainable",
            f"`trainable=False` on {args.kind} does not freeze the layer it holds in Keras 3",
            f"write it on the wrapped layer, such as {args.kind}(LSTM(64, trainable=False))",
        )
    call = args.get("layer")
    if not isinstance(call, Call):
        args.fail("layer", f"`layer` must be a layer, such as {args.kind}(LSTM(64)), got {value_text(call)}")
    if call.prefix:
        args.fail_at(
            call.where,
            f"`nn.{call.name}` is a PyTorch name; {args.kind} is Keras'",
            f"wrap the Keras layer, such as {args.kind}(LSTM(64)); in PyTorch, nn.LSTM(..., "
            "bidirectional=True) runs both ways",
        )
    kind = KERAS.kinds.get(KERAS.aliases.get(call.name, call.name))
    if kind is None:
        close = difflib.get_close_matches(call.name, KERAS.kinds, n=1)
        args.fail_at(
            call.where,
            f"unknown Keras layer `{call.name}`",
            f"did you mean `{close[0]}`?" if close else "see the layer reference for the layers there are",
        )
    if kind.inputs:  # attention: called on a query and a value, where a wrapper passes one input
        args.fail_at(
            call.where,
            f"{args.kind} calls its layer on one input, and {kind.name} takes a query and a value "
            "(Keras: build() is missing value_shape)",
            f"{kind.name} attends within each step by itself: write it unwrapped, with attention_axes=2 "
            "to attend over the second axis alone",
        )
    claim = call.keyword("expect")
    if claim is not None:
        args.fail_at(
            claim.where,
            "expect= inside a wrapper claims nothing the table shows",
            f"write expect= on {args.kind}(...): its row counts the wrapped layer",
        )
    inner = Args(kind.name, f"{args.label}: {kind.name}", kind.signature, call, source=args.source)
    out = kind.infer(inner, shape)
    return _Inner(kind.name, out, out.formula if not inner.flag("trainable") else out.frozen)


def _twice(term: Term | None) -> Term | None:
    return None if term is None else times(Const(2), Bracketed(term))


def _bidirectional(args: Args, shape: Shape) -> Output:
    if args.get("backward_layer") is not None:
        args.fail(
            "backward_layer",
            "a `backward_layer` of its own is not read",
            "leave it out, and Bidirectional runs a copy of the layer backwards; a backward layer "
            "of another size counts as a layer of its own (write it as Custom)",
        )
    if args.get("merge_mode") is None:
        args.fail(
            "merge_mode",
            "`merge_mode=None` gives the two directions as two outputs, which a chain of layers "
            "cannot pass on",
            'write merge_mode="concat" (the same count; its output joins the two)',
        )
    mode = args.choice("merge_mode", ("concat", "sum", "mul", "ave"), fold=False)
    inner = _inner(args, shape)
    if inner.kind not in _RECURRENT:
        args.fail(
            "layer",
            f"Bidirectional runs a recurrent layer both ways; {inner.kind} is not one",
            "wrap LSTM, GRU or SimpleRNN",
        )
    wrapped = args.get("layer")
    backwards = wrapped.keyword("go_backwards") if isinstance(wrapped, Call) else None
    if backwards is not None and backwards.value is True:  # Keras' own check, as it builds the copy
        args.fail_at(
            backwards.where,
            "Bidirectional makes the backward copy itself: its layer cannot run backwards already",
            "leave go_backwards out of the wrapped layer",
        )
    out = inner.out
    sizes = (*out.shape[:-1], 2 * out.shape[-1]) if mode == "concat" else out.shape
    return Output(
        sizes,
        _twice(out.formula),
        _twice(inner.frozen),
        out.activation,
        macs=_twice(out.macs),
        macs_note=out.macs_note,
    )


KERAS.add(
    "Bidirectional",
    "sequence",
    "layer, merge_mode='concat', weights=None, backward_layer=None",
    _bidirectional,
    "Runs a recurrent layer forwards and a copy of it backwards, each with its own weights: twice its "
    'parameters; merge_mode="concat" (the default) joins their features, "sum", "mul" or "ave" combine them.',
    "Bidirectional(LSTM(64))",
    "Input(50, 16)",
)


def _time_distributed(args: Args, shape: Shape) -> Output:
    if len(shape) < 2:
        args.fail_at(
            args.call.where,
            f"needs an input of time steps, each of at least one axis, got {shape_text(shape)}",
            "TimeDistributed applies its layer to each step of a sequence (timesteps, ...)",
        )
    steps = shape[0]
    inner = _inner(args, shape[1:])
    out = inner.out
    macs = None if out.macs is None else times(Var("Timesteps", steps), Bracketed(out.macs))
    return Output(
        (steps, *out.shape), out.formula, inner.frozen, out.activation, out.buffers, macs, out.macs_note
    )


KERAS.add(
    "TimeDistributed",
    "sequence",
    "layer",
    _time_distributed,
    "Applies one layer to each time step of a sequence, the same weights at every step: the layer's "
    "parameters, once.",
    "TimeDistributed(Conv2D(16, 3))",
    "Input(10, 28, 28, 1)",
)


# ---------------------------------------------------------------------------------------------
# Preprocessing and augmentation
# ---------------------------------------------------------------------------------------------

_PREPROCESSING = "preprocessing and augmentation"
_IMAGE_HINT = "these layers read images (height, width, channels); Reshape the input into one first"


def _image(args: Args, shape: Shape, *, formats: bool = True) -> tuple[Shape, Number, bool]:
    """An image's height and width, its channels and whether they come first.

    Keras also takes a 2-D input, which it reads as one unbatched image whose height is the batch:
    a block refuses it, since every layer of a block sees a batch.
    """
    shared.need_rank(args, shape, 3, "height, width, channels", _IMAGE_HINT)
    return _spatial(args, shape, 2, formats=formats)


def _real(value: Value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _factor(args: Args, name: str, low: int, high: int) -> None:
    """Keras' check of an augmentation's factor: a number from `low` to `high`, or a pair
    (lower, upper) of which Keras checks only that lower ≤ `high` and upper ≥ `low`."""
    value = args.get(name)
    if isinstance(value, tuple):
        ok = len(value) == 2 and all(_real(v) for v in value) and value[0] <= high and value[1] >= low
    else:
        ok = _real(value) and low <= value <= high
    if not ok:
        args.fail(
            name,
            f"`{name}` must be a number from {low} to {high}, or a pair (lower, upper) within them, "
            f"got {value_text(value)}",
            f"e.g. {name}=0.1",
        )


def _each_factor(args: Args, name: str, *, above_minus_one: bool = False) -> None:
    """RandomZoom's and RandomTranslation's factors: a number or a pair, each from -1 to 1
    (RandomZoom: above -1, which would zoom to nothing)."""
    value = args.get(name)
    items = value if isinstance(value, tuple) else (value,)
    low = "greater than -1 and at most 1" if above_minus_one else "from -1 to 1"
    ok = len(items) == (2 if isinstance(value, tuple) else 1) and all(
        _real(v) and (v > -1 if above_minus_one else v >= -1) and v <= 1 for v in items
    )
    if not ok:
        args.fail(
            name,
            f"`{name}` must be a number {low}, or a pair (lower, upper) of them, got {value_text(value)}",
            f"e.g. {name}=0.1, a fraction of the size",
        )


def _affine_modes(args: Args) -> None:
    """What RandomRotation, RandomZoom and RandomTranslation fill and interpolate with."""
    args.choice("fill_mode", ("reflect", "wrap", "constant", "nearest"), fold=False)
    args.choice("interpolation", ("nearest", "bilinear"), fold=False)
    shared.real_number(args, "fill_value")


def _value_range(args: Args) -> None:
    value = args.get("value_range")
    if not (isinstance(value, tuple) and len(value) == 2 and all(_real(v) for v in value)):
        args.fail(
            "value_range",
            f"`value_range` must be a pair of numbers (low, high), got {value_text(value)}",
            "e.g. value_range=(0, 255), or (0, 1) after Rescaling(1./255)",
        )


def _broadcast_numbers(args: Args, name: str) -> tuple[float, ...]:
    """A number, or a tuple of them that Keras broadcasts against the input's last axis."""
    value = args.get(name)
    items = value if isinstance(value, tuple) else (value,)
    if not items or not all(_real(v) for v in items):
        args.fail(
            name,
            f"`{name}` must be a number, or a tuple of numbers one a channel, got {value_text(value)}",
            "e.g. Rescaling(1./255)",
        )
    return tuple(float(v) for v in items)


def _scale(args: Args, name: str) -> object:
    """`scale`: Rescaling's factor, or a normalization's flag for its trained γ."""
    return _broadcast_numbers(args, name) if args.kind == "Rescaling" else args.flag(name)


KERAS.value_checks.update(scale=_scale)


def _rescaling(args: Args, shape: Shape) -> Output:
    for name in ("scale", "offset"):
        count = len(_broadcast_numbers(args, name))
        if count > 1 and (not shape or same_size(count, shape[-1]) is False):
            last = f"its last axis has {as_text(shape[-1])}" if shape else "it has no axis"
            args.fail(
                name,
                f"`{name}` has {count} numbers, which do not fit the input {shape_text(shape)}: {last}",
                "give one number, or one a channel",
            )
    return Output(shape)


KERAS.add(
    "Rescaling",
    _PREPROCESSING,
    "scale, offset=0.0",
    _rescaling,
    "Multiplies every input value by `scale` and adds `offset` (1./255 maps pixels to [0, 1]); "
    "no parameters.",
    "Rescaling(1./255)",
    "Input(180, 180, 3)",
)


def _array_shape(args: Args, name: str, value: Value) -> tuple[int, ...]:
    """The shape of a number (()) or of nested tuples of numbers, as numpy reads it."""
    if _real(value):
        return ()
    if isinstance(value, tuple) and value:
        inner = {_array_shape(args, name, v) for v in value}
        if len(inner) == 1:
            return (len(value), *inner.pop())
    return args.fail(
        name,
        f"`{name}` must be a number or a regular tuple of numbers, got {value_text(value)}",
        "e.g. mean=(0.485, 0.456, 0.406), one a channel",
    )


def _given_statistics(args: Args, shape: Shape, kept: list[int]) -> None:
    """Keras' checks of a `mean` and `variance` given as numbers: aligned from the right with
    the kept axes, each of their sizes 1 or that axis's."""
    mean, variance = args.get("mean"), args.get("variance")
    if (mean is None) != (variance is None):
        missing = "variance" if variance is None else "mean"
        given = "mean" if variance is None else "variance"
        args.fail(given, f"`{given}` is given without `{missing}`", "give both, or neither to adapt them")
    sizes = _array_shape(args, "mean", mean)
    if _array_shape(args, "variance", variance) != sizes:
        args.fail("variance", "`mean` and `variance` must have the same shape")
    if len(sizes) > len(kept):
        args.fail(
            "mean",
            f"`mean` has {len(sizes)} axes, more than the {len(kept)} that `axis` keeps",
            "give one number an entry of the kept axis, e.g. one a channel",
        )
    for size, index in zip(reversed(sizes), reversed(kept), strict=False):
        if size != 1 and same_size(size, shape[index]) is False:
            args.fail(
                "mean",
                f"`mean` has {size} numbers where the input {shape_text(shape)} has {as_text(shape[index])}",
                "give one number an entry of the kept axis",
            )


def _normalization(args: Args, shape: Shape) -> Output:
    _need_axis(args, shape)
    kept = [] if args.get("axis") in (None, ()) else _axes(args, shape)
    args.flag("invert")
    if args.get("mean") is not None or args.get("variance") is not None:
        _given_statistics(args, shape, kept)
        return Output(shape)  # numbers of the layer's configuration, not weights
    size: Term
    if not kept:
        size = Const(1)
    elif len(kept) == 1:
        size = _axis_var(shape, kept[0])
    else:
        size = Bracketed(times(*(_axis_var(shape, i) for i in kept)))
    # a mean and a variance for each value of the kept axes, and the count of samples adapt() saw
    formula = plus(times(Const(2), size), Var("count", 1))
    return Output(shape, formula, frozen=formula)


KERAS.add(
    "Normalization",
    _PREPROCESSING,
    "axis=-1, mean=None, variance=None, invert=False",
    _normalization,
    "Shifts and scales its input to mean 0 and variance 1: a mean and a variance for each value "
    "of the kept axes (each channel by default), and the count of samples, learnt by adapt() and "
    "never trained (2 × C + 1, all non-trainable); given as `mean` and `variance`, no parameters.",
    "Normalization()",
    "Input(180, 180, 3)",
)


def _resize_to(args: Args, shape: Shape) -> tuple[Number, bool]:
    """The channels of an image, whether they come first, and its new height and width checked."""
    _, channels, first = _image(args, shape)
    args.size("height")
    args.size("width")
    return channels, first


def _resizing(args: Args, shape: Shape) -> Output:
    channels, first = _resize_to(args, shape)
    args.choice("interpolation", ("bilinear", "nearest", "bicubic", "lanczos3", "lanczos5"), fold=False)
    if args.flag("crop_to_aspect_ratio") and args.flag("pad_to_aspect_ratio"):
        args.fail(
            "pad_to_aspect_ratio",
            "only one of `crop_to_aspect_ratio` and `pad_to_aspect_ratio` can be True",
            "crop or pad, not both",
        )
    args.choice("fill_mode", ("constant",), fold=False)
    shared.real_number(args, "fill_value")
    args.flag("antialias")
    return Output(_join((args.get("height"), args.get("width")), channels, first))


KERAS.add(
    "Resizing",
    _PREPROCESSING,
    "height, width, interpolation='bilinear', crop_to_aspect_ratio=False, pad_to_aspect_ratio=False, "
    "fill_mode='constant', fill_value=0.0, antialias=False, data_format=None",
    _resizing,
    "Resizes each image to height × width (cropping or padding to keep its aspect ratio when "
    "asked); no parameters.",
    "Resizing(128, 128)",
    "Input(180, 180, 3)",
)


def _crop(args: Args, shape: Shape) -> Output:
    channels, first = _resize_to(args, shape)
    return Output(_join((args.get("height"), args.get("width")), channels, first))


KERAS.add(
    "CenterCrop",
    _PREPROCESSING,
    "height, width, data_format=None",
    _crop,
    "Keeps the central height × width of each image (an image smaller than that is first "
    "resized up, as Keras does); no parameters.",
    "CenterCrop(160, 160)",
    "Input(180, 180, 3)",
)
KERAS.add(
    "RandomCrop",
    _PREPROCESSING,
    "height, width, seed=None, data_format=None",
    _crop,
    "While training, keeps a random height × width window of each image; at inference the "
    "central one (resized up when the image is smaller); no parameters.",
    "RandomCrop(160, 160)",
    "Input(180, 180, 3)",
)


def _flip(args: Args, shape: Shape) -> Output:
    _image(args, shape)
    args.choice("mode", ("horizontal", "vertical", "horizontal_and_vertical"), fold=False)
    return Output(shape)


KERAS.add(
    "RandomFlip",
    _PREPROCESSING,
    "mode='horizontal_and_vertical', seed=None, data_format=None",
    _flip,
    "While training, flips each image at random (left-right, up-down, or both); no parameters.",
    'RandomFlip("horizontal")',
    "Input(180, 180, 3)",
)


def _rotation(args: Args, shape: Shape) -> Output:
    _image(args, shape)
    _factor(args, "factor", -1, 1)
    _affine_modes(args)
    return Output(shape)


KERAS.add(
    "RandomRotation",
    _PREPROCESSING,
    "factor, fill_mode='reflect', interpolation='bilinear', seed=None, fill_value=0.0, data_format=None",
    _rotation,
    "While training, rotates each image by a random angle, up to `factor` × 360°; no parameters.",
    "RandomRotation(0.1)",
    "Input(180, 180, 3)",
)


def _zoom(args: Args, shape: Shape) -> Output:
    _image(args, shape)
    _each_factor(args, "height_factor", above_minus_one=True)
    if args.get("width_factor") is not None:
        _each_factor(args, "width_factor", above_minus_one=True)
    _affine_modes(args)
    return Output(shape)


KERAS.add(
    "RandomZoom",
    _PREPROCESSING,
    "height_factor, width_factor=None, fill_mode='reflect', interpolation='bilinear', seed=None, "
    "fill_value=0.0, data_format=None",
    _zoom,
    "While training, zooms each image in or out by a random fraction of its size; no parameters.",
    "RandomZoom(0.1)",
    "Input(180, 180, 3)",
)


def _translation(args: Args, shape: Shape) -> Output:
    _image(args, shape)
    _each_factor(args, "height_factor")
    _each_factor(args, "width_factor")
    _affine_modes(args)
    return Output(shape)


KERAS.add(
    "RandomTranslation",
    _PREPROCESSING,
    "height_factor, width_factor, fill_mode='reflect', interpolation='bilinear', seed=None, "
    "fill_value=0.0, data_format=None",
    _translation,
    "While training, shifts each image by a random fraction of its height and width; no parameters.",
    "RandomTranslation(0.1, 0.1)",
    "Input(180, 180, 3)",
)


def _contrast(args: Args, shape: Shape) -> Output:
    _image(args, shape, formats=False)
    _factor(args, "factor", 0, 1)
    _value_range(args)
    return Output(shape)


KERAS.add(
    "RandomContrast",
    _PREPROCESSING,
    "factor, value_range=(0, 255), seed=None",
    _contrast,
    "While training, scales each image's contrast by a random factor from 1 − factor to "
    "1 + factor; no parameters.",
    "RandomContrast(0.2)",
    "Input(180, 180, 3)",
)


def _brightness(args: Args, shape: Shape) -> Output:
    _image(args, shape, formats=False)
    _factor(args, "factor", -1, 1)
    _value_range(args)
    return Output(shape)


KERAS.add(
    "RandomBrightness",
    _PREPROCESSING,
    "factor, value_range=(0, 255), seed=None",
    _brightness,
    "While training, adds a random brightness, up to `factor` of the value range; no parameters.",
    "RandomBrightness(0.2)",
    "Input(180, 180, 3)",
)


# ---------------------------------------------------------------------------------------------
# Your own
# ---------------------------------------------------------------------------------------------

KERAS.add(
    "Parameter",
    "your own",
    "shape, merge='add'",
    shared.free_parameter('Parameter((1, 768), merge="concat")'),
    "A weight that belongs to no layer — a vision transformer's class token or position embedding, "
    "a layer scale —, written without the batch axis: its count is its size. It is added to the "
    'input (merge="add", sizes stretched from the last axis), multiplied with it ("multiply"), or '
    'put before it on the first axis ("concat").',
    'Parameter((1, 64), merge="concat", name="class_token")',
    "Input(196, 64)",
)

KERAS.add(
    "Custom",
    "your own",
    "params=0, output=None",
    shared.custom_layer("output=(28, 28, 6)"),
    "A layer of your own: its parameter count as a formula in quotes (numbers, names, + - * / ** and "
    "parentheses), which its derivation shows, and its output shape (the input's when omitted).",
    'Custom(params="(5 * 5 * 3 + 1) * 6", output=(28, 28, 6), name="My conv")',
    "Input(32, 32, 3)",
)

# Names from other libraries that authors type by habit, and what Keras calls them.
KERAS.synonyms.update({
    "Linear": "Dense", "Conv1d": "Conv1D", "Conv2d": "Conv2D", "Conv3d": "Conv3D",
    "MaxPool1d": "MaxPooling1D", "MaxPool2d": "MaxPooling2D", "MaxPool3d": "MaxPooling3D",
    "AvgPool1d": "AveragePooling1D", "AvgPool2d": "AveragePooling2D", "AvgPool3d": "AveragePooling3D",
    "BatchNorm2d": "BatchNormalization",
    "BatchNorm1d": "BatchNormalization", "BatchNorm3d": "BatchNormalization",
    "BatchNorm": "BatchNormalization", "FC": "Dense",
    "ConvTranspose1d": "Conv1DTranspose", "ConvTranspose2d": "Conv2DTranspose",
    "ConvTranspose3d": "Conv3DTranspose", "Deconvolution2D": "Conv2DTranspose",
    "LayerNorm": "LayerNormalization", "GroupNorm": "GroupNormalization", "RMSNorm": "RMSNormalization",
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
    # torchvision's transforms, which Keras writes as layers
    "RandomHorizontalFlip": "RandomFlip", "RandomVerticalFlip": "RandomFlip", "Resize": "Resizing",
    "RandomResizedCrop": "RandomCrop", "Normalize": "Normalization", "ColorJitter": "RandomContrast",
})  # fmt: skip

# Keras' own other names for its layers (keras.layers.MaxPool2D is MaxPooling2D): accepted as written.
KERAS.aliases.update(
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

"""The PyTorch dialect: one `_add(...)` a layer, as `torch.nn` names and orders its arguments.

Shapes are channels first, without the batch axis: `Input(1, 28, 28)`. Counts are
`sum(p.numel() for p in module.parameters())`; running statistics are buffers,
reported apart and never counted as parameters. A size that a module declares
(`in_channels`, `in_features`, `num_features`, `input_size`, ...) is checked against
the size its input really has, and arguments that count dimensions (`start_dim`,
`dim`) count torch's batch axis as 0, as torch does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import NoReturn

from mkdocs_paramcalc.dialects.blocks import same_size
from mkdocs_paramcalc.dialects.catalogue import (
    RECURRENT_NOTE,
    SYNONYMS,
    VALUE_CHECKS,
    Output,
    Shape,
    add,
    dense_macs,
    elementwise_macs,
    positions,
    window_macs,
)
from mkdocs_paramcalc.dialects.formula import Const, Group, Printer, Quotient, Term, Var, plus, times
from mkdocs_paramcalc.reading.signature import Args
from mkdocs_paramcalc.values import (
    Number,
    Value,
    as_text,
    ceil_div,
    floor_div,
    is_number,
    is_symbolic,
    product,
)

VALUE_CHECKS["pytorch"].update(
    bias=Args.flag,
    inplace=Args.flag,
    affine=Args.flag,
    track_running_stats=Args.flag,
    batch_first=Args.flag,
    bidirectional=Args.flag,
    dropout=Args.fraction,
)


def _add(
    name: str,
    family: str,
    signature: str,
    infer: Callable[[Args, Shape], Output],
    summary: str,
    example: str,
    example_input: str = "Input(1, 28, 28)",
) -> None:
    add("pytorch", name, family, signature, infer, summary, example, example_input)


# ---------------------------------------------------------------------------------------------
# Readers and checks shared by the entries
# ---------------------------------------------------------------------------------------------


def _same(a: Number, b: Number) -> bool:
    """Whether two sizes are equal: only when it is proved, where a symbol is involved."""
    return same_size(a, b) is True


def _describe(shape: Shape) -> str:
    """(64, 12, 12), or (8, ⌊(H − 2)/2⌋) with symbols as a teacher writes them."""
    return "(" + ", ".join(as_text(d) for d in shape) + ")"


def _amount(n: Number, unit: str) -> str:
    return f"{as_text(n)} {unit}" if n == 1 else f"{as_text(n)} {unit}s"


def _declared(args: Args, name: str, actual: Number, shape: Shape, unit: str) -> Number:
    """A size the module declares (`in_features`), which must be the size its input has."""
    declared = args.size(name)
    if not _same(declared, actual):
        hint = f"write {as_text(actual)} for `{name}`, or check the layers before it"
        if (
            len(shape) > 1
            and unit == "channel"
            and _same(declared, shape[-1])
            and not args.source.startswith("the output")
        ):
            first = ", ".join(str(d) for d in (shape[-1], *shape[:-1]))
            hint = f"PyTorch puts the channels first: Input({first})"
        elif len(shape) > 1 and unit == "feature" and _same(declared, product(shape)):
            every = as_text(declared)
            hint = f"{args.kind} acts on the last axis: put Flatten() before it to read all {every} values"
        args.fail(
            name,
            f"{name} is {as_text(declared)}, but its input has {_amount(actual, unit)} "
            f"({args.source}, {_describe(shape)})",
            hint,
        )
    return declared


_AXES = {
    1: "channels, length",
    2: "channels, height, width",
    3: "channels, depth, height, width",
}


def _spatial(args: Args, shape: Shape, rank: int) -> tuple[Number, Shape]:
    """Split a channels-first input into its channels and its `rank` spatial sizes."""
    if len(shape) != rank + 1:
        args.fail_at(
            args.call.where,
            f"needs a {rank + 1}-D input ({_AXES[rank]}), got {_describe(shape)}",
            "PyTorch puts the channels first; check the layers before it, or add an Unflatten",
        )
    return shape[0], shape[1:]


def _real(args: Args, name: str) -> float:
    """Any real number (torch checks no sign for slopes and scales)."""
    value = args.get(name)
    if not isinstance(value, int | float) or isinstance(value, bool):
        args.fail(name, f"`{name}` must be a number, got {value!r}")
    return float(value)


def _dim(args: Args, name: str, shape: Shape) -> int:
    """A dimension as torch counts it, the batch being 0; returned as a non-negative torch dim."""
    value = args.get(name)
    ndim = len(shape) + 1
    if not isinstance(value, int) or isinstance(value, bool) or not -ndim <= value < ndim:
        args.fail(
            name,
            f"`{name}` must be a dimension of the input {_describe(shape)} with its batch: 0 (the batch) "
            f"to {ndim - 1}, or -1 to -{ndim}, got {value!r}",
        )
    return value % ndim


def _not_batch(args: Args, name: str, what: str) -> NoReturn:
    args.fail(
        name,
        f"`{name}` is 0, the batch axis: {what}",
        "PyTorch counts the batch as dimension 0, so the first axis of an example is 1",
    )


def _groups(args: Args, groups: Number, *counts: tuple[str, Number]) -> None:
    for name, count in counts:
        if isinstance(count, int) and isinstance(groups, int) and count % groups:
            args.fail("groups", f"{name} ({count}) must be divisible by groups ({groups})")


def _shown(sizes: Shape) -> str:
    return "×".join(as_text(v) for v in sizes)


# ---------------------------------------------------------------------------------------------
# Convolutions
# ---------------------------------------------------------------------------------------------

_KERNEL_WORDS = {1: ("Length",), 2: ("Height", "Width"), 3: ("Frames", "Height", "Width")}
_PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


def _slide(
    args: Args,
    sizes: Shape,
    window: Shape,
    strides: Shape,
    pads: Shape,
    dilation: Shape,
    what: str,
    *,
    ceil: bool = False,
) -> Shape:
    """Output sizes of a sliding window: ⌊(n + 2p − d(k − 1) − 1) / s⌋ + 1, or torch's ceil_mode."""
    out: list[Number] = []
    for n, k, s, p, d in zip(sizes, window, strides, pads, dilation, strict=True):
        span = d * (k - 1) + 1
        room = n + 2 * p - span
        if isinstance(room, int) and room < 0:
            spread = " (dilated)" if any(v != 1 for v in dilation) else ""
            padded = f" padded by {_shown(pads)}" if any(v != 0 for v in pads) else ""
            args.fail_at(
                args.call.where,
                f"the {_shown(window)}{spread} {what} does not fit its {_shown(sizes)} input{padded}",
                "use padding, a smaller window, or fewer layers that shrink the input before it",
            )
        if not ceil:
            out.append(floor_div(room, s) + 1)
            continue
        size = ceil_div(room, s) + 1
        if isinstance(size, int):
            if (size - 1) * s >= n + p:  # torch: the last window must start inside the input
                size -= 1
        elif not (isinstance(s, int) and isinstance(span, int) and isinstance(p, int) and s <= span - p):
            args.fail(
                "ceil_mode",
                "with ceil_mode=True and a stride wider than the window, the output size depends on "
                "the exact input size",
                "give the input sizes as numbers",
            )
        out.append(size)
    return tuple(out)


def _filter_weights(kernel: Shape, depth: Number, groups: Number) -> Term:
    """(Height × Width × Depth), with Depth / groups for a grouped convolution."""
    channels: Term = Var("Depth", depth)
    if groups != 1:
        channels = Quotient(channels, Var("groups", groups))
    words = _KERNEL_WORDS[len(kernel)]
    return Group(times(*(Var(w, k) for w, k in zip(words, kernel, strict=True)), channels))


def _conv_formula(args: Args, kernel: Shape, depth: Number, groups: Number, filters: Number) -> Term:
    """((Height × Width × Depth) + bias) × N_f, with Depth / groups for a grouped convolution."""
    weights = _filter_weights(kernel, depth, groups)
    body = Group(plus(weights, Var("bias", 1))) if args.flag("bias") else weights
    return times(body, Var("N_f", filters))


def _conv(rank: int) -> Callable[[Args, Shape], Output]:
    def infer(args: Args, shape: Shape) -> Output:
        channels, sizes = _spatial(args, shape, rank)
        in_channels = _declared(args, "in_channels", channels, shape, "channel")
        out_channels = args.size("out_channels")
        kernel = args.sizes("kernel_size", rank)
        strides = args.sizes("stride", rank)
        dilation = args.sizes("dilation", rank)
        groups = args.size("groups")
        _groups(args, groups, ("in_channels", in_channels), ("out_channels", out_channels))
        mode = args.choice("padding_mode", _PADDING_MODES, fold=False)
        if isinstance(args.get("padding"), str):
            padding = args.choice("padding", ("valid", "same"), fold=False)
            if padding == "same" and any(s != 1 for s in strides):
                args.fail(
                    "padding",
                    'padding="same" is not supported for strided convolutions (torch refuses it)',
                    "give the padding as a number: padding=1 keeps the size of a 3×3 kernel at stride 1",
                )
            if padding == "same":
                totals = [d * (k - 1) for k, d in zip(kernel, dilation, strict=True)]
                _padding_mode_fits(args, mode, sizes, tuple(t - t // 2 for t in totals))
                out = sizes
            else:
                out = _slide(args, sizes, kernel, strides, (0,) * rank, dilation, "kernel")
        else:
            pads = args.sizes("padding", rank, minimum=0)
            _padding_mode_fits(args, mode, sizes, pads)
            out = _slide(args, sizes, kernel, strides, pads, dilation, "kernel")
        formula = _conv_formula(args, kernel, in_channels, groups, out_channels)
        macs = window_macs(out, Var("N_f", out_channels), _filter_weights(kernel, in_channels, groups))
        return Output((out_channels, *out), formula, macs=macs)

    return infer


def _padding_mode_fits(args: Args, mode: str, sizes: Shape, pads: Shape) -> None:
    """torch's reflect padding needs less than the input, circular padding at most the input."""
    for n, p in zip(sizes, pads, strict=True):
        if not (isinstance(n, int) and isinstance(p, int)):
            continue
        if (mode == "reflect" and p >= n) or (mode == "circular" and p > n):
            limit = "less than" if mode == "reflect" else "at most"
            args.fail(
                "padding_mode",
                f'padding_mode="{mode}" needs padding {limit} the input size, got padding {p} '
                f"on an axis of {n}",
                'use padding_mode="zeros" or "replicate", or less padding',
            )


_CONV_SIGNATURE = (
    "in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1, bias=True, "
    "padding_mode='zeros'"
)
_CONV_SUMMARY = (
    "{n}-D convolution: out_channels filters (N_f), each a kernel over all input channels "
    "(or those of its group) plus a bias. `in_channels` must match the input."
)
for _rank, _example, _input in (
    (1, "Conv1d(16, 64, 5)", "Input(16, 100)"),
    (2, "Conv2d(1, 32, 3)", "Input(1, 28, 28)"),
    (3, "Conv3d(3, 16, 3)", "Input(3, 16, 64, 64)"),
):
    _add(
        f"Conv{_rank}d",
        "convolution",
        _CONV_SIGNATURE,
        _conv(_rank),
        _CONV_SUMMARY.format(n=_rank),
        _example,
        _input,
    )


def _conv_transpose(rank: int) -> Callable[[Args, Shape], Output]:
    def infer(args: Args, shape: Shape) -> Output:
        channels, sizes = _spatial(args, shape, rank)
        in_channels = _declared(args, "in_channels", channels, shape, "channel")
        out_channels = args.size("out_channels")
        kernel = args.sizes("kernel_size", rank)
        strides = args.sizes("stride", rank)
        if isinstance(args.get("padding"), str):
            args.fail("padding", f"{args.kind} takes padding as numbers; it has no {args.get('padding')!r}")
        pads = args.sizes("padding", rank, minimum=0)
        extra = args.sizes("output_padding", rank, minimum=0)
        dilation = args.sizes("dilation", rank)
        groups = args.size("groups")
        _groups(args, groups, ("in_channels", in_channels), ("out_channels", out_channels))
        if args.choice("padding_mode", _PADDING_MODES, fold=False) != "zeros":
            args.fail("padding_mode", f'only "zeros" padding mode is supported for {args.kind}')
        out: list[Number] = []
        for n, k, s, p, op, d in zip(sizes, kernel, strides, pads, extra, dilation, strict=True):
            if isinstance(op, int) and isinstance(s, int) and isinstance(d, int) and op >= max(s, d):
                args.fail(
                    "output_padding",
                    f"output padding must be smaller than either stride or dilation, got output_padding "
                    f"{op} with stride {s} and dilation {d}",
                )
            size = (n - 1) * s - 2 * p + d * (k - 1) + op + 1
            if isinstance(size, int) and size < 1:
                args.fail(
                    "padding",
                    f"the output would have a size of {size} on an axis of {n}: the padding removes more "
                    "than the kernel adds",
                    "use less padding",
                )
            out.append(size)
        formula = _conv_formula(args, kernel, in_channels, groups, out_channels)
        weights = _filter_weights(kernel, in_channels, groups)
        macs = window_macs(sizes, Var("N_f", out_channels), weights, side="in")
        return Output((out_channels, *out), formula, macs=macs)

    return infer


for _rank, _example, _input in (
    (1, "ConvTranspose1d(16, 8, 4, stride=2, padding=1)", "Input(16, 50)"),
    (2, "ConvTranspose2d(64, 32, 4, stride=2, padding=1)", "Input(64, 7, 7)"),
    (3, "ConvTranspose3d(16, 8, 2, stride=2)", "Input(16, 4, 8, 8)"),
):
    _add(
        f"ConvTranspose{_rank}d",
        "convolution",
        "in_channels, out_channels, kernel_size, stride=1, padding=0, output_padding=0, groups=1, "
        "bias=True, dilation=1, padding_mode='zeros'",
        _conv_transpose(_rank),
        f"{_rank}-D transposed convolution, which grows its input: (n − 1)·s − 2p + d·(k − 1) + "
        "output_padding + 1 along each axis. Its weights are those of the convolution it reverses.",
        _example,
        _input,
    )


# ---------------------------------------------------------------------------------------------
# Pooling
# ---------------------------------------------------------------------------------------------


def _pool_padding(args: Args, window: Shape, pads: Shape) -> None:
    for k, p in zip(window, pads, strict=True):
        if isinstance(k, int) and isinstance(p, int) and p > k // 2:
            args.fail(
                "padding",
                f"`padding` must be at most half the window, got {p} for a window of {k}",
                f"torch refuses it; use padding={k // 2} or less",
            )


def _unpadded_fit(args: Args, sizes: Shape, window: Shape) -> None:
    """torch's avg_pool3d (alone of the pools) wants the window inside the input before padding."""
    for n, k in zip(sizes, window, strict=True):
        if isinstance(n, int) and isinstance(k, int) and n < k:
            args.fail_at(
                args.call.where,
                f"the {_shown(window)} pool window is larger than its {_shown(sizes)} input; "
                "AvgPool3d does not count its padding here",
                "use a smaller window",
            )


def _pool(rank: int, op: str) -> Callable[[Args, Shape], Output]:
    def infer(args: Args, shape: Shape) -> Output:
        channels, sizes = _spatial(args, shape, rank)
        window = args.sizes("kernel_size", rank)
        strides = window if args.get("stride") is None else args.sizes("stride", rank)
        pads = args.sizes("padding", rank, minimum=0)
        dilation = args.sizes("dilation", rank) if op == "Max" else (1,) * rank
        ceil = args.flag("ceil_mode")
        if op == "Max":
            args.flag("return_indices")
        else:
            args.flag("count_include_pad")
            if rank > 1 and args.get("divisor_override") is not None:
                args.size("divisor_override")
        _pool_padding(args, window, pads)
        if op == "Avg" and rank == 3:
            _unpadded_fit(args, sizes, window)
        out = _slide(args, sizes, window, strides, pads, dilation, "pool window", ceil=ceil)
        return Output((channels, *out))

    return infer


_POOL_INPUTS = {1: "Input(16, 100)", 2: "Input(32, 26, 26)", 3: "Input(16, 8, 32, 32)"}
for _rank in (1, 2, 3):
    _add(
        f"MaxPool{_rank}d",
        "pooling",
        "kernel_size, stride=None, padding=0, dilation=1, return_indices=False, ceil_mode=False",
        _pool(_rank, "Max"),
        "Keeps the largest value of each window (the stride is the window unless given); "
        "no parameters. With ceil_mode=True the output size is rounded up, as torch does.",
        f"MaxPool{_rank}d(2)",
        _POOL_INPUTS[_rank],
    )
    _divisor = ", divisor_override=None" if _rank > 1 else ""
    _add(
        f"AvgPool{_rank}d",
        "pooling",
        f"kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True{_divisor}",
        _pool(_rank, "Avg"),
        "Keeps the mean of each window (the stride is the window unless given); no parameters.",
        f"AvgPool{_rank}d(2)",
        _POOL_INPUTS[_rank],
    )


def _adaptive(rank: int, op: str) -> Callable[[Args, Shape], Output]:
    def infer(args: Args, shape: Shape) -> Output:
        channels, sizes = _spatial(args, shape, rank)
        value: Value = args.get("output_size")
        items = value if isinstance(value, tuple) else (value,) * rank
        if len(items) != rank:
            args.fail("output_size", f"`output_size` needs {rank} values, got {len(items)}")
        out: list[Number] = []
        for item, n in zip(items, sizes, strict=True):
            if item is None and rank > 1 and isinstance(value, tuple):
                out.append(n)  # None keeps the input's size on that axis
                continue
            if not is_number(item) or (isinstance(item, int) and item < 1):
                also = ", or None in a tuple to keep an axis" if rank > 1 else ""
                args.fail("output_size", f"`output_size` takes whole numbers ≥ 1{also}, got {item!r}")
            out.append(item)
        if op == "Max":
            args.flag("return_indices")
        # fvcore counts adaptive_avg_pool2d, one an input value, and no other pooling
        counted = op == "Avg" and rank == 2
        macs = times(Var("Channels", channels), *positions(sizes, "in")) if counted else None
        return Output((channels, *out), macs=macs)

    return infer


for _rank in (1, 2, 3):
    _target = {1: "1", 2: "(6, 6)", 3: "(1, 4, 4)"}[_rank]
    for _op, _word, _extra in (("Avg", "mean", ""), ("Max", "largest value", ", return_indices=False")):
        _add(
            f"Adaptive{_op}Pool{_rank}d",
            "pooling",
            f"output_size{_extra}",
            _adaptive(_rank, _op),
            f"Picks its windows to give `output_size` from any input and keeps the {_word} of each; "
            "no parameters. An output size of 1 is global pooling.",
            f"Adaptive{_op}Pool{_rank}d({_target})",
            {1: "Input(64, 100)", 2: "Input(256, 13, 13)", 3: "Input(16, 8, 32, 32)"}[_rank],
        )


# ---------------------------------------------------------------------------------------------
# Dense and shape
# ---------------------------------------------------------------------------------------------


def _linear(args: Args, shape: Shape) -> Output:
    in_features = _declared(args, "in_features", shape[-1], shape, "feature")
    out_features = args.size("out_features")
    length = Var("Length", in_features)
    body = Group(plus(length, Var("bias", 1))) if args.flag("bias") else length
    nodes = Var("N_{nodes}", out_features)
    macs = dense_macs(shape[:-1], nodes, length)
    return Output((*shape[:-1], out_features), times(body, nodes), macs=macs)


_add(
    "Linear",
    "dense and shape",
    "in_features, out_features, bias=True",
    _linear,
    "Fully connected: every input of the last axis to every node, plus one bias a node. "
    "On an input of several axes it acts on the last one, as torch does. "
    "`in_features` must match the input.",
    "Linear(9216, 128)",
    "Input(9216)",
)


def _keep(check: Callable[[Args, Shape], object]) -> Callable[[Args, Shape], Output]:
    """A layer that keeps its input's shape and has no parameters; `check` reads its arguments."""

    def infer(args: Args, shape: Shape) -> Output:
        check(args, shape)
        return Output(shape)

    return infer


_add(
    "Identity",
    "dense and shape",
    "",
    _keep(lambda a, s: None),
    "Passes its input on unchanged; no parameters.",
    "Identity()",
    "Input(128)",
)


def _flatten(args: Args, shape: Shape) -> Output:
    start, end = _dim(args, "start_dim", shape), _dim(args, "end_dim", shape)
    if start == 0:
        _not_batch(args, "start_dim", "Flatten would merge the examples of a batch into one")
    if end < start:
        args.fail("end_dim", f"start_dim ({start}) cannot come after end_dim ({end}); torch refuses it")
    return Output((*shape[: start - 1], product(shape[start - 1 : end]), *shape[end:]))


_add(
    "Flatten",
    "dense and shape",
    "start_dim=1, end_dim=-1",
    _flatten,
    "Unrolls the axes from start_dim to end_dim into one (torch counts the batch as dimension 0, "
    "so the default flattens each example); no parameters.",
    "Flatten()",
    "Input(64, 12, 12)",
)


def _unflatten(args: Args, shape: Shape) -> Output:
    dim = _dim(args, "dim", shape)
    if dim == 0:
        _not_batch(args, "dim", "Unflatten would split the batch")
    value = args.get("unflattened_size")
    if not isinstance(value, tuple) or not value:
        args.fail("unflattened_size", f"`unflattened_size` must be a tuple of sizes, got {value!r}")
    free = [i for i, v in enumerate(value) if v == -1 and not is_symbolic(v)]
    for v in value:
        if not is_number(v) or (isinstance(v, int) and v < 1 and v != -1):
            args.fail(
                "unflattened_size", f"`unflattened_size` takes whole numbers ≥ 1 (and one -1), got {v!r}"
            )
    if len(free) > 1:
        args.fail("unflattened_size", "`unflattened_size` may hold only one -1")
    size = shape[dim - 1]
    known = product([v for i, v in enumerate(value) if i not in free])
    sizes = list(value)
    if free:
        if isinstance(size, int) and isinstance(known, int) and size % known:
            args.fail(
                "unflattened_size", f"the sizes {_describe(value)} cannot multiply up to {as_text(size)}"
            )
        sizes[free[0]] = floor_div(size, known) if isinstance(size, int) else size / known
    elif not _same(known, size):
        args.fail(
            "unflattened_size",
            f"the sizes {_describe(value)} multiply up to {as_text(known)}, but the axis has {as_text(size)} "
            f"({args.source}, {_describe(shape)})",
        )
    return Output((*shape[: dim - 1], *sizes, *shape[dim:]))


_add(
    "Unflatten",
    "dense and shape",
    "dim, unflattened_size",
    _unflatten,
    "Splits one axis (dim, the batch being 0) into several; no parameters.",
    "Unflatten(1, (1, 28, 28))",
    "Input(784)",
)

for _name, _summary in (
    ("Dropout", "Zeroes a fraction p of its inputs while training; no parameters."),
    ("AlphaDropout", "Dropout that keeps the mean and variance of SELU activations; no parameters."),
):
    _add(
        _name,
        "dense and shape",
        "p=0.5, inplace=False",
        _keep(lambda a, s: (a.fraction("p"), a.flag("inplace"))),
        _summary,
        f"{_name}(0.25)",
        "Input(128)",
    )


def _channel_dropout(rank: int) -> Callable[[Args, Shape], object]:
    def check(args: Args, shape: Shape) -> None:
        _spatial(args, shape, rank)
        args.fraction("p")
        args.flag("inplace")

    return check


for _rank in (1, 2, 3):
    _add(
        f"Dropout{_rank}d",
        "dense and shape",
        "p=0.5, inplace=False",
        _keep(_channel_dropout(_rank)),
        f"Zeroes whole channels of a {_rank}-D feature map while training; no parameters.",
        f"Dropout{_rank}d(0.25)",
        _POOL_INPUTS[_rank],
    )


# ---------------------------------------------------------------------------------------------
# Activations
# ---------------------------------------------------------------------------------------------


def _activation(reals: tuple[str, ...] = (), *, inplace: bool = True) -> Callable[[Args, Shape], Output]:
    def check(args: Args, shape: Shape) -> None:
        for name in reals:
            _real(args, name)
        if inplace:
            args.flag("inplace")

    return _keep(check)


for _name, _signature, _reals, _summary in (
    ("ReLU", "inplace=False", (), "max(x, 0)"),
    ("ReLU6", "inplace=False", (), "min(max(x, 0), 6)"),
    ("LeakyReLU", "negative_slope=0.01, inplace=False", ("negative_slope",), "x, or a small slope below 0"),
    ("ELU", "alpha=1.0, inplace=False", ("alpha",), "x, or α(eˣ − 1) below 0"),
    ("SELU", "inplace=False", (), "a scaled ELU"),
    ("SiLU", "inplace=False", (), "x · sigmoid(x), also called swish"),
    ("Hardswish", "inplace=False", (), "a piecewise-linear swish"),
    ("Hardsigmoid", "inplace=False", (), "a piecewise-linear sigmoid"),
    ("Mish", "inplace=False", (), "x · tanh(softplus(x))"),
    ("Softplus", "beta=1.0, threshold=20.0", ("beta", "threshold"), "log(1 + eˣ), smoothed by beta"),
):
    _add(
        _name,
        "activation",
        _signature,
        _activation(_reals, inplace="inplace" in _signature),
        f"Applies {_summary} to every value; no parameters.",
        f"{_name}()",
        "Input(128)",
    )

for _name, _summary in (
    ("Sigmoid", "1 / (1 + e⁻ˣ)"),
    ("Tanh", "tanh(x)"),
    ("Softsign", "x / (1 + |x|)"),
    ("LogSigmoid", "log(sigmoid(x))"),
    ("Tanhshrink", "x − tanh(x)"),
):
    _add(
        _name,
        "activation",
        "",
        _activation(inplace=False),
        f"Applies {_summary} to every value; no parameters.",
        f"{_name}()",
        "Input(128)",
    )


def _celu(args: Args, shape: Shape) -> None:
    if _real(args, "alpha") == 0:
        args.fail("alpha", "`alpha` cannot be 0 for CELU")
    args.flag("inplace")


_add(
    "CELU",
    "activation",
    "alpha=1.0, inplace=False",
    _keep(_celu),
    "Applies a continuously differentiable ELU to every value; no parameters.",
    "CELU()",
    "Input(128)",
)
_add(
    "GELU",
    "activation",
    "approximate='none'",
    _keep(lambda a, s: a.choice("approximate", ("none", "tanh"), fold=False)),
    "Applies x · Φ(x), the Gaussian error linear unit (or its tanh approximation); no parameters.",
    "GELU()",
    "Input(128)",
)


def _softmax(args: Args, shape: Shape) -> None:
    if args.get("dim") is not None and _dim(args, "dim", shape) == 0:
        _not_batch(args, "dim", f"{args.kind} would mix the examples of a batch")


for _name, _summary in (
    ("Softmax", "Turns scores into probabilities along dimension `dim`"),
    ("LogSoftmax", "The logarithm of Softmax along dimension `dim`"),
    ("Softmin", "Softmax of the negated scores along dimension `dim`"),
):
    _add(
        _name,
        "activation",
        "dim=None",
        _keep(_softmax),
        f"{_summary} (the batch being 0, so dim=1 or dim=-1 for a vector); no parameters.",
        f"{_name}(dim=1)",
        "Input(10)",
    )


def _prelu(args: Args, shape: Shape) -> Output:
    count = args.size("num_parameters")
    _real(args, "init")
    if count != 1 and not _same(count, shape[0]):
        args.fail(
            "num_parameters",
            f"num_parameters is {as_text(count)}, but must be 1 or the number of channels, "
            f"{as_text(shape[0])} ({args.source}, {_describe(shape)})",
            f"write PReLU({as_text(shape[0])}) for a slope a channel, or PReLU() for one slope",
        )
    return Output(shape, Var("Slopes", count))


_add(
    "PReLU",
    "activation",
    "num_parameters=1, init=0.25",
    _prelu,
    "A leaky ReLU whose slope below 0 is learned: one slope, or one a channel.",
    "PReLU(32)",
    "Input(32, 26, 26)",
)


# ---------------------------------------------------------------------------------------------
# Normalization
# ---------------------------------------------------------------------------------------------


def _vectors(count: int, size: Term) -> Term | None:
    """γ and β (2 × C), γ alone (C), or nothing."""
    if count == 0:
        return None
    return size if count == 1 else times(Const(count), size)


def _batch_norm(rank: int) -> Callable[[Args, Shape], Output]:
    ranks = (1, 2) if rank == 1 else (rank + 1,)
    expected = "(features) or (channels, length)" if rank == 1 else f"({_AXES[rank]})"

    def infer(args: Args, shape: Shape) -> Output:
        if len(shape) not in ranks:
            right = {1: "BatchNorm1d", 2: "BatchNorm1d", 3: "BatchNorm2d", 4: "BatchNorm3d"}.get(len(shape))
            args.fail_at(
                args.call.where,
                f"needs an input of {expected}, got {_describe(shape)}",
                f"use {right} for this input" if right else "check the layers before it",
            )
        unit = "feature" if len(shape) == 1 else "channel"
        channels = _declared(args, "num_features", shape[0], shape, unit)
        args.number("eps")
        args.number("momentum", optional=True)
        affine, tracked = args.flag("affine"), args.flag("track_running_stats")
        size = Var("Features" if len(shape) == 1 else "Channels", channels)
        formula = _vectors(affine * (1 + args.flag("bias")), size)
        # running_mean and running_var a channel, and one count of the batches seen
        buffers = plus(times(Const(2), size), Var("counter", 1)) if tracked else None
        # fvcore at inference: 2 a value with γ (1 without); batch statistics, untracked, 5 (4)
        macs = elementwise_macs(shape, (2 if tracked else 5) - (not affine))
        return Output(shape, formula, buffers=buffers, macs=macs)

    return infer


for _rank, _example, _input in (
    (1, "BatchNorm1d(128)", "Input(128)"),
    (2, "BatchNorm2d(32)", "Input(32, 26, 26)"),
    (3, "BatchNorm3d(16)", "Input(16, 8, 32, 32)"),
):
    _add(
        f"BatchNorm{_rank}d",
        "normalization",
        "num_features, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True, *, bias=True",
        _batch_norm(_rank),
        "Per channel: a trained scale γ and shift β (2 × C parameters), and a running mean and "
        "variance plus a count of batches, which are buffers (2 × C + 1), not parameters.",
        _example,
        _input,
    )


def _layer_norm(args: Args, shape: Shape) -> Output:
    value: Value = args.get("normalized_shape")
    dims = value if isinstance(value, tuple) else (value,)
    for d in dims:
        if not is_number(d) or (isinstance(d, int) and d < 1):
            args.fail("normalized_shape", f"`normalized_shape` takes whole numbers ≥ 1, got {d!r}")
    if not dims:
        args.fail("normalized_shape", "`normalized_shape` is empty")
    trailing = shape[-len(dims) :]
    if len(dims) > len(shape) or not all(_same(a, b) for a, b in zip(dims, trailing, strict=True)):
        if len(dims) == 1:
            args.fail(
                "normalized_shape",
                f"normalized_shape is {as_text(dims[0])}, but its input has {_amount(shape[-1], 'feature')} "
                f"({args.source}, {_describe(shape)})",
                f"write {as_text(shape[-1])}, the size of the input's last axis",
            )
        args.fail(
            "normalized_shape",
            f"normalized_shape is {_describe(dims)}, but its input ends in {_describe(trailing)} "
            f"({args.source}, {_describe(shape)})",
            f"write normalized_shape={_describe(shape[-len(dims) :])}, the input's last {len(dims)} sizes",
        )
    args.number("eps")
    if len(dims) == 1:
        size: Term = Var("Features", dims[0])
    else:
        size = Group(times(*(Var(f"d_{i}", d) for i, d in enumerate(dims, 1))))
    affine = args.flag("elementwise_affine")
    formula = _vectors(affine * (1 + args.flag("bias")), size)
    return Output(shape, formula, macs=elementwise_macs(shape, 5 if affine else 4))  # fvcore's count


_add(
    "LayerNorm",
    "normalization",
    "normalized_shape, eps=1e-05, elementwise_affine=True, bias=True",
    _layer_norm,
    "Normalizes over the last axes (normalized_shape, which must be the input's last sizes), "
    "with a trained scale and shift for each of their values.",
    "LayerNorm(64)",
    "Input(100, 64)",
)


def _group_norm(args: Args, shape: Shape) -> Output:
    groups = args.size("num_groups")
    channels = _declared(args, "num_channels", shape[0], shape, "channel")
    if isinstance(channels, int) and isinstance(groups, int) and channels % groups:
        args.fail("num_groups", f"num_channels ({channels}) must be divisible by num_groups ({groups})")
    args.number("eps")
    affine = args.flag("affine")
    formula = _vectors(affine * (1 + args.flag("bias")), Var("Channels", channels))
    return Output(shape, formula, macs=elementwise_macs(shape, 5 if affine else 4))  # fvcore's count


_add(
    "GroupNorm",
    "normalization",
    "num_groups, num_channels, eps=1e-05, affine=True, *, bias=True",
    _group_norm,
    "Normalizes groups of channels, with a trained scale γ and shift β a channel (2 × C).",
    "GroupNorm(8, 32)",
    "Input(32, 26, 26)",
)


# ---------------------------------------------------------------------------------------------
# Sequences
# ---------------------------------------------------------------------------------------------


def _embedding(args: Args, shape: Shape) -> Output:
    vocabulary = args.size("num_embeddings")
    dimension = args.size("embedding_dim")
    pad = args.get("padding_idx")
    if pad is not None:
        ok = isinstance(pad, int) and not isinstance(pad, bool)
        if ok and isinstance(vocabulary, int):
            ok = -vocabulary <= pad < vocabulary
        if not ok:
            args.fail(
                "padding_idx", f"`padding_idx` must be an index into the {vocabulary} embeddings, got {pad!r}"
            )
    args.number("max_norm", optional=True)
    args.number("norm_type")
    args.flag("scale_grad_by_freq")
    args.flag("sparse")
    if args.get("_weight") is not None:
        args.fail("_weight", "a block cannot hold a weight tensor", "leave out _weight")
    formula = times(Var("Vocabulary", vocabulary), Var("Dimension", dimension))
    frozen = formula if args.flag("_freeze") else None
    return Output((*shape, dimension), formula, frozen=frozen)


_add(
    "Embedding",
    "sequence",
    "num_embeddings, embedding_dim, padding_idx=None, max_norm=None, norm_type=2.0, "
    "scale_grad_by_freq=False, sparse=False, _weight=None, _freeze=False",
    _embedding,
    "A vector of embedding_dim a token id: a table of num_embeddings × embedding_dim weights. "
    "Its input holds token ids; the output adds an axis of embedding_dim.",
    "Embedding(10000, 64)",
    "Input(100)",
)


@dataclass(frozen=True)
class _LessOne(Term):
    """The layers after the first: (Layers − 1) in words, the number itself substituted."""

    counted: Var

    def value(self) -> Number:
        return self.counted.value() - 1

    def parts(self, printer: Printer, numbers: bool) -> list[str]:
        if numbers:
            return [printer.number(self.value())]
        label = printer.label(self.counted.label)
        return [printer.op("("), label, printer.op("-"), printer.number(1), printer.op(")")]


def _cell(gates: int, hidden: Var, inputs: Term, recurrent: Var, bias: bool, projected: bool) -> Term:
    """One layer in one direction: gates × ((H × In) + (H × Rec) + b_ih + b_hh), + P × H if projected."""
    parts: list[Term] = [Group(times(hidden, inputs)), Group(times(hidden, recurrent))]
    if bias:  # torch keeps two bias vectors a gate, b_ih and b_hh
        parts += [Var("b_{ih}", hidden.amount), Var("b_{hh}", hidden.amount)]
    cell = times(Const(gates), Group(plus(*parts))) if gates > 1 else plus(*parts)
    if projected:  # an LSTM with proj_size: weight_hr, Projection × Hidden
        cell = plus(cell, Group(times(recurrent, hidden)))
    return cell


def _recurrent(gates: int) -> Callable[[Args, Shape], Output]:
    def infer(args: Args, shape: Shape) -> Output:
        if len(shape) != 2:
            args.fail_at(
                args.call.where,
                f"needs a 2-D input (sequence length, features), got {_describe(shape)}",
                f"{args.kind} reads (length, features) without the batch, as an Embedding gives it",
            )
        length, features = shape
        input_size = _declared(args, "input_size", features, shape, "feature")
        hidden_size = args.size("hidden_size")
        layers = args.size("num_layers")
        if args.kind == "RNN":
            args.choice("nonlinearity", ("tanh", "relu"), fold=False)
        bias = args.flag("bias")
        args.flag("batch_first")
        args.fraction("dropout")
        directions = 2 if args.flag("bidirectional") else 1
        projection = args.size("proj_size", minimum=0) if args.kind == "LSTM" else 0
        known = isinstance(hidden_size, int) and isinstance(projection, int)
        if known and projection > 0 and projection >= hidden_size:
            args.fail(
                "proj_size", f"proj_size ({projection}) has to be smaller than hidden_size ({hidden_size})"
            )
        hidden = Var("Hidden", hidden_size)
        out = Var("Projection", projection) if projection != 0 else hidden
        projected = projection != 0
        first = _cell(gates, hidden, Var("Input", input_size), out, bias, projected)
        both = Var("Directions", directions)
        formula = times(both, Group(first)) if directions > 1 else first
        if layers != 1:
            wide: Term = Group(times(both, out)) if directions > 1 else out
            deeper = _cell(gates, hidden, wide, out, bias, projected)
            later = (_LessOne(Var("Layers", layers)), *([both] if directions > 1 else []), Group(deeper))
            formula = plus(Group(formula) if directions == 1 else formula, times(*later))
        return Output((length, directions * out.amount), formula, macs_note=RECURRENT_NOTE)

    return infer


_RECURRENT_SIGNATURE = (
    "input_size, hidden_size, num_layers=1, {extra}bias=True, batch_first=False, dropout=0.0, "
)
_RECURRENT_SUMMARY = (
    "{what} Each layer and direction has input weights, recurrent weights and two bias vectors "
    "(b_ih and b_hh){gates}. Layers after the first read the previous layer's output. "
    "Its input is (length, features), its output (length, directions × hidden_size)."
)
for _name, _gates, _extra, _tail, _what in (
    ("RNN", 1, "nonlinearity='tanh', ", "bidirectional=False", "An Elman recurrent layer (tanh or ReLU)."),
    ("LSTM", 4, "", "bidirectional=False, proj_size=0", "A long short-term memory layer."),
    ("GRU", 3, "", "bidirectional=False", "A gated recurrent unit layer."),
):
    _add(
        _name,
        "sequence",
        _RECURRENT_SIGNATURE.format(extra=_extra) + _tail,
        _recurrent(_gates),
        _RECURRENT_SUMMARY.format(
            what=_what, gates=f", for each of its {_gates} gates" if _gates > 1 else ""
        ),
        f"{_name}(32, 64)",
        "Input(100, 32)",
    )


# Names from Keras (or older habits) that authors type by habit, and what torch.nn calls them.
SYNONYMS["pytorch"].update({
    "Dense": "Linear", "Conv1D": "Conv1d", "Conv2D": "Conv2d", "Conv3D": "Conv3d",
    "Conv1DTranspose": "ConvTranspose1d", "Conv2DTranspose": "ConvTranspose2d",
    "Conv3DTranspose": "ConvTranspose3d",
    "MaxPooling1D": "MaxPool1d", "MaxPooling2D": "MaxPool2d", "MaxPooling3D": "MaxPool3d",
    "MaxPool1D": "MaxPool1d", "MaxPool2D": "MaxPool2d", "MaxPool3D": "MaxPool3d",
    "AveragePooling1D": "AvgPool1d", "AveragePooling2D": "AvgPool2d", "AveragePooling3D": "AvgPool3d",
    "AvgPool1D": "AvgPool1d", "AvgPool2D": "AvgPool2d", "AvgPool3D": "AvgPool3d",
    "GlobalAveragePooling1D": "AdaptiveAvgPool1d", "GlobalAveragePooling2D": "AdaptiveAvgPool2d",
    "GlobalAveragePooling3D": "AdaptiveAvgPool3d", "GlobalMaxPooling1D": "AdaptiveMaxPool1d",
    "GlobalMaxPooling2D": "AdaptiveMaxPool2d", "GlobalMaxPooling3D": "AdaptiveMaxPool3d",
    "BatchNormalization": "BatchNorm2d", "BatchNorm": "BatchNorm2d",
    "LayerNormalization": "LayerNorm", "GroupNormalization": "GroupNorm",
    "SimpleRNN": "RNN", "FC": "Linear", "SpatialDropout1D": "Dropout1d", "SpatialDropout2D": "Dropout2d",
    "SpatialDropout3D": "Dropout3d", "Swish": "SiLU", "HardSwish": "Hardswish",
})  # fmt: skip

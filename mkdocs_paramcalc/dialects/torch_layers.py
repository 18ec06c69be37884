"""The PyTorch dialect: one `PYTORCH.add(...)` a layer, as `torch.nn` names and orders its arguments.

Shapes are channels first, without the batch axis: `Input(1, 28, 28)`. Counts are
`sum(p.numel() for p in module.parameters())`; running statistics are buffers,
reported apart and never counted as parameters. A size that a module declares
(`in_channels`, `in_features`, `num_features`, `input_size`, ...) is checked against
the size its input really has, and arguments that count dimensions (`start_dim`,
`dim`) count torch's batch axis as 0, as torch does.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import NoReturn

from mkdocs_paramcalc.dialects import blocks, shared
from mkdocs_paramcalc.dialects.entry import Dialect, Infer, Output, Shape
from mkdocs_paramcalc.dialects.formula import Bracketed, Const, Printer, Term, Var, plus, times
from mkdocs_paramcalc.dialects.shared import shape_text, window_text
from mkdocs_paramcalc.reading.signature import Args
from mkdocs_paramcalc.values import Number, Value, as_text, floor_div, is_number, is_symbolic, product

PYTORCH = Dialect("pytorch", example_input="Input(1, 28, 28)")
PYTORCH.value_checks.update(
    bias=Args.flag,
    inplace=Args.flag,
    affine=Args.flag,
    track_running_stats=Args.flag,
    batch_first=Args.flag,
    bidirectional=Args.flag,
    dropout=Args.fraction,
)


# ---------------------------------------------------------------------------------------------
# PyTorch's own readers and checks: declared sizes, dimensions counted with the batch
# ---------------------------------------------------------------------------------------------


def _amount(n: Number, unit: str) -> str:
    return f"{as_text(n)} {unit}" if n == 1 else f"{as_text(n)} {unit}s"


def _declared(args: Args, name: str, actual: Number, shape: Shape, unit: str) -> Number:
    """A size the module declares (`in_features`), which must be the size its input has."""
    declared = args.size(name)
    if not shared.sizes_proved_equal(declared, actual):
        hint = f"write {as_text(actual)} for `{name}`, or check the layers before it"
        if (
            len(shape) > 1
            and unit == "channel"
            and shared.sizes_proved_equal(declared, shape[-1])
            and not args.source.startswith("the output")
        ):
            first = ", ".join(str(d) for d in (shape[-1], *shape[:-1]))
            hint = f"PyTorch puts the channels first: Input({first})"
        elif len(shape) > 1 and unit == "feature" and shared.sizes_proved_equal(declared, product(shape)):
            every = as_text(declared)
            hint = f"{args.kind} acts on the last axis: put Flatten() before it to read all {every} values"
        args.fail(
            name,
            f"{name} is {as_text(declared)}, but its input has {_amount(actual, unit)} "
            f"({args.source}, {shape_text(shape)})",
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
    hint = "PyTorch puts the channels first; check the layers before it, or add an Unflatten"
    shared.need_rank(args, shape, rank + 1, _AXES[rank], hint)
    return shape[0], shape[1:]


def _dim(args: Args, name: str, shape: Shape) -> int:
    """A dimension as torch counts it, the batch being 0; returned as a non-negative torch dim."""
    value = args.get(name)
    ndim = len(shape) + 1
    if not isinstance(value, int) or isinstance(value, bool) or not -ndim <= value < ndim:
        args.fail(
            name,
            f"`{name}` must be a dimension of the input {shape_text(shape)} with its batch: 0 (the batch) "
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
    shared.check_groups(args, groups, counts, "{name} ({count}) must be divisible by groups ({groups})")


# ---------------------------------------------------------------------------------------------
# Convolutions
# ---------------------------------------------------------------------------------------------

_PADDING_MODES = ("zeros", "reflect", "replicate", "circular")
_WINDOW_HINT = "use padding, a smaller window, or fewer layers that shrink the input before it"


@dataclass(frozen=True)
class _Filters:
    """What every torch convolution reads first, in the order its module checks it."""

    sizes: Shape  # the input's spatial sizes
    in_channels: Number
    out_channels: Number
    kernel: Shape
    strides: Shape

    def weights(self, groups: Number) -> Term:
        """One filter's weights, (Height × Width × Depth), Depth / groups when grouped."""
        return shared.filter_weights(self.kernel, shared.filter_depth(self.in_channels, groups))


def _filters(args: Args, shape: Shape, rank: int) -> _Filters:
    channels, sizes = _spatial(args, shape, rank)
    in_channels = _declared(args, "in_channels", channels, shape, "channel")
    out_channels = args.size("out_channels")
    kernel = args.sizes("kernel_size", rank)
    return _Filters(sizes, in_channels, out_channels, kernel, args.sizes("stride", rank))


def _conv(rank: int) -> Infer:
    def infer(args: Args, shape: Shape) -> Output:
        conv = _filters(args, shape, rank)
        dilation = args.sizes("dilation", rank)
        groups = args.size("groups")
        _groups(args, groups, ("in_channels", conv.in_channels), ("out_channels", conv.out_channels))
        out = _convolved(args, conv.sizes, conv.kernel, conv.strides, dilation)
        weights = conv.weights(groups)
        formula = shared.filter_bank(weights, args.flag("bias"), conv.out_channels)
        macs = shared.window_macs(out, Var("N_f", conv.out_channels), weights)
        return Output((conv.out_channels, *out), formula, macs=macs)

    return infer


def _convolved(args: Args, sizes: Shape, kernel: Shape, strides: Shape, dilation: Shape) -> Shape:
    """A convolution's output sizes, its padding given as numbers or as "valid" or "same"."""
    mode = args.choice("padding_mode", _PADDING_MODES, fold=False)
    if not isinstance(args.get("padding"), str):
        pads = args.sizes("padding", len(sizes), minimum=0)
        _padding_mode_fits(args, mode, sizes, pads)
        return shared.slid_sizes(args, sizes, kernel, strides, pads, dilation, "kernel", _WINDOW_HINT)
    if args.choice("padding", ("valid", "same"), fold=False) == "valid":
        return shared.slid_sizes(
            args, sizes, kernel, strides, (0,) * len(sizes), dilation, "kernel", _WINDOW_HINT
        )
    if any(s != 1 for s in strides):
        args.fail(
            "padding",
            'padding="same" is not supported for strided convolutions (torch refuses it)',
            "give the padding as a number: padding=1 keeps the size of a 3×3 kernel at stride 1",
        )
    totals = [d * (k - 1) for k, d in zip(kernel, dilation, strict=True)]
    _padding_mode_fits(args, mode, sizes, tuple(t - t // 2 for t in totals))
    return sizes


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


PYTORCH.add_ranks(
    "Conv{n}d",
    "convolution",
    "in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1, bias=True, "
    "padding_mode='zeros'",
    _conv,
    "{n}-D convolution: out_channels filters (N_f), each a kernel over all input channels "
    "(or those of its group) plus a bias. `in_channels` must match the input.",
    {
        1: ("Conv1d(16, 64, 5)", "Input(16, 100)"),
        2: ("Conv2d(1, 32, 3)", "Input(1, 28, 28)"),
        3: ("Conv3d(3, 16, 3)", "Input(3, 16, 64, 64)"),
    },
)


def _conv_transpose(rank: int) -> Infer:
    def infer(args: Args, shape: Shape) -> Output:
        conv = _filters(args, shape, rank)
        if isinstance(args.get("padding"), str):
            args.fail("padding", f"{args.kind} takes padding as numbers; it has no {args.get('padding')!r}")
        pads = args.sizes("padding", rank, minimum=0)
        extra = args.sizes("output_padding", rank, minimum=0)
        dilation = args.sizes("dilation", rank)
        groups = args.size("groups")
        _groups(args, groups, ("in_channels", conv.in_channels), ("out_channels", conv.out_channels))
        if args.choice("padding_mode", _PADDING_MODES, fold=False) != "zeros":
            args.fail("padding_mode", f'only "zeros" padding mode is supported for {args.kind}')
        out = _transposed_sizes(args, conv, pads, extra, dilation)
        weights = conv.weights(groups)
        formula = shared.filter_bank(weights, args.flag("bias"), conv.out_channels)
        macs = shared.window_macs(conv.sizes, Var("N_f", conv.out_channels), weights, side="in")
        return Output((conv.out_channels, *out), formula, macs=macs)

    return infer


def _transposed_sizes(args: Args, conv: _Filters, pads: Shape, extra: Shape, dilation: Shape) -> Shape:
    """(n − 1)·s − 2p + d·(k − 1) + output_padding + 1 along each axis, as torch grows it."""
    out: list[Number] = []
    axes = zip(conv.sizes, conv.kernel, conv.strides, pads, extra, dilation, strict=True)
    for n, k, s, p, op, d in axes:
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
    return tuple(out)


PYTORCH.add_ranks(
    "ConvTranspose{n}d",
    "convolution",
    "in_channels, out_channels, kernel_size, stride=1, padding=0, output_padding=0, groups=1, "
    "bias=True, dilation=1, padding_mode='zeros'",
    _conv_transpose,
    "{n}-D transposed convolution, which grows its input: (n − 1)·s − 2p + d·(k − 1) + "
    "output_padding + 1 along each axis. Its weights are those of the convolution it reverses.",
    {
        1: ("ConvTranspose1d(16, 8, 4, stride=2, padding=1)", "Input(16, 50)"),
        2: ("ConvTranspose2d(64, 32, 4, stride=2, padding=1)", "Input(64, 7, 7)"),
        3: ("ConvTranspose3d(16, 8, 2, stride=2)", "Input(16, 4, 8, 8)"),
    },
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
                f"the {window_text(window)} pool window is larger than its {window_text(sizes)} input; "
                "AvgPool3d does not count its padding here",
                "use a smaller window",
            )


def _pool(rank: int, op: str) -> Infer:
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
        out = shared.slid_sizes(
            args, sizes, window, strides, pads, dilation, "pool window", _WINDOW_HINT, ceil=ceil
        )
        return Output((channels, *out))

    return infer


_POOL_INPUTS = {1: "Input(16, 100)", 2: "Input(32, 26, 26)", 3: "Input(16, 8, 32, 32)"}
for _rank in (1, 2, 3):
    PYTORCH.add(
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
    PYTORCH.add(
        f"AvgPool{_rank}d",
        "pooling",
        f"kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True{_divisor}",
        _pool(_rank, "Avg"),
        "Keeps the mean of each window (the stride is the window unless given); no parameters.",
        f"AvgPool{_rank}d(2)",
        _POOL_INPUTS[_rank],
    )


def _adaptive(rank: int, op: str) -> Infer:
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
        macs = times(Var("Channels", channels), *shared.positions(sizes, "in")) if counted else None
        return Output((channels, *out), macs=macs)

    return infer


for _rank in (1, 2, 3):
    _target = {1: "1", 2: "(6, 6)", 3: "(1, 4, 4)"}[_rank]
    for _op, _word, _extra in (("Avg", "mean", ""), ("Max", "largest value", ", return_indices=False")):
        PYTORCH.add(
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
    formula, macs = shared.fully_connected(shape[:-1], in_features, out_features, args.flag("bias"))
    return Output((*shape[:-1], out_features), formula, macs=macs)


PYTORCH.add(
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


PYTORCH.add(
    "Identity",
    "dense and shape",
    "",
    shared.keeps_shape(lambda a, s: None),
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


PYTORCH.add(
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
                "unflattened_size",
                f"the sizes {shape_text(value)} cannot multiply up to {as_text(size)}",
            )
        sizes[free[0]] = floor_div(size, known) if isinstance(size, int) else size / known
    elif not shared.sizes_proved_equal(known, size):
        args.fail(
            "unflattened_size",
            f"the sizes {shape_text(value)} multiply up to {as_text(known)}, "
            f"but the axis has {as_text(size)} ({args.source}, {shape_text(shape)})",
        )
    return Output((*shape[: dim - 1], *sizes, *shape[dim:]))


PYTORCH.add(
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
    PYTORCH.add(
        _name,
        "dense and shape",
        "p=0.5, inplace=False",
        shared.keeps_shape(lambda a, s: (a.fraction("p"), a.flag("inplace"))),
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
    PYTORCH.add(
        f"Dropout{_rank}d",
        "dense and shape",
        "p=0.5, inplace=False",
        shared.keeps_shape(_channel_dropout(_rank)),
        f"Zeroes whole channels of a {_rank}-D feature map while training; no parameters.",
        f"Dropout{_rank}d(0.25)",
        _POOL_INPUTS[_rank],
    )


# ---------------------------------------------------------------------------------------------
# Padding, resampling and shuffling: no parameters, new sizes
# ---------------------------------------------------------------------------------------------

_SIDES = {1: "(left, right)", 2: "(left, right, top, bottom)", 3: "(left, right, top, bottom, front, back)"}


def _pad_amounts(args: Args, rank: int) -> tuple[tuple[Number, Number], ...]:
    """torch's padding: an int for every side, or 2 × rank ints, last axis first; (before, after)
    for each of the last `rank` axes, in the axes' order."""
    value: Value = args.get("padding")
    items = value if isinstance(value, tuple) else (value,) * (2 * rank)
    if len(items) != 2 * rank:
        args.fail(
            "padding",
            f"`padding` needs an int or {2 * rank} ints {_SIDES[rank]}, got {shared.value_text(value)}",
            "torch lists the last axis first",
        )
    for item in items:
        if isinstance(item, bool) or not is_number(item) or (is_symbolic(item) and not item.is_integer):
            args.fail("padding", f"`padding` takes whole numbers, got {shared.value_text(value)}")
    pairs = [(items[i], items[i + 1]) for i in range(0, len(items), 2)]
    return tuple(reversed(pairs))


def _pad_fits(args: Args, mode: str, n: Number, before: Number, after: Number) -> Number:
    """One axis padded: torch's reflection wants each side below the axis, its circular padding
    at most the axis; whatever the mode, something must be left."""
    size = n + before + after
    for side in (before, after) if isinstance(n, int) else ():
        if isinstance(side, int) and (
            (mode == "Reflection" and side >= n) or (mode == "Circular" and side > n)
        ):
            limit = "less than" if mode == "Reflection" else "at most"
            args.fail(
                "padding",
                f"`padding` must be {limit} the size of the axis on each side, got {side} on an axis of {n}",
                "use less padding, or ReplicationPad / ZeroPad",
            )
    if not shared.is_size(size):
        args.fail(
            "padding",
            f"`padding` {shared.value_text(args.get('padding'))} leaves nothing of an axis of {as_text(n)}",
        )
    return size


def _padding(mode: str) -> Callable[[int], Infer]:
    return lambda rank: _padded(rank, mode)


def _padded(rank: int, mode: str) -> Infer:
    def infer(args: Args, shape: Shape) -> Output:
        pairs = _pad_amounts(args, rank)
        if mode == "Constant":
            shared.real_number(args, "value")
        if mode in ("Zero", "Constant") and len(shape) < rank:
            args.fail_at(
                args.call.where,
                f"needs an input of at least {rank} axes, got {shape_text(shape)}: "
                "torch would pad the batch axis",
                "check the layers before it",
            )
        if mode not in ("Zero", "Constant") and len(shape) not in (rank, rank + 1):
            args.fail_at(
                args.call.where,
                f"needs an input of ({_AXES[rank]}), or one axis less, got {shape_text(shape)}",
                f"{mode} padding pads {rank}-D feature maps: PyTorch puts the channels first",
            )
        sizes = shape[len(shape) - rank :]
        out = tuple(_pad_fits(args, mode, n, b, a) for n, (b, a) in zip(sizes, pairs, strict=True))
        return Output((*shape[: len(shape) - rank], *out))

    return infer


for _mode, _word in (
    ("Zero", "zeros"),
    ("Constant", "the constant `value`"),
    ("Reflection", "the input reflected at its edges"),
    ("Replication", "copies of the input's edge values"),
    ("Circular", "the input wrapped around"),
):
    PYTORCH.add_ranks(
        f"{_mode}Pad{{n}}d",
        "dense and shape",
        "padding, value" if _mode == "Constant" else "padding",
        _padding(_mode),
        f"Pads the last {{n}} axes with {_word}: one int for every side, or a tuple in torch's order, "
        "the last axis first (negative amounts crop); no parameters.",
        {
            rank: (
                f"{_mode}Pad{rank}d({example}{', 0.5' if _mode == 'Constant' else ''})",
                _POOL_INPUTS[rank],
            )
            for rank, example in ((1, "2"), (2, "(1, 1, 2, 0)"), (3, "1"))
        },
    )


_UPSAMPLE_MODES = ("nearest", "linear", "bilinear", "bicubic", "trilinear", "area", "nearest-exact")
_INTERPOLATING = {"linear": 1, "bilinear": 2, "bicubic": 2, "trilinear": 3}


def _scaled(args: Args, n: Number, factor: float) -> Number:
    """⌊n × scale_factor⌋, as torch computes it in double precision."""
    if float(factor).is_integer():
        return n * int(factor)
    if not isinstance(n, int):
        args.fail(
            "scale_factor",
            f"a scale_factor of {factor} rounds the sizes down",
            "give the input sizes as numbers",
        )
    return math.floor(float(n) * factor)


def _upsample(args: Args, shape: Shape) -> Output:
    mode = args.choice("mode", _UPSAMPLE_MODES, fold=False)
    rank = _INTERPOLATING.get(mode)
    if rank is not None:
        shared.need_rank(args, shape, rank + 1, _AXES[rank], f'mode="{mode}" reads {rank}-D feature maps')
    elif not 2 <= len(shape) <= 4:
        args.fail_at(
            args.call.where,
            f"needs an input of (channels, length), (channels, height, width) or (channels, depth, height, "
            f"width), got {shape_text(shape)}",
            "PyTorch puts the channels first; add an Unflatten before it",
        )
    sizes = shape[1:]
    align = args.get("align_corners")
    if align is not None:
        args.flag("align_corners")
        if rank is None:
            args.fail(
                "align_corners",
                f'align_corners is for the interpolating modes, not mode="{mode}"',
                "leave it out",
            )
    recompute = args.get("recompute_scale_factor")
    if recompute is not None:
        args.flag("recompute_scale_factor")
    size, factor = args.get("size"), args.get("scale_factor")
    if (size is None) == (factor is None):
        args.fail_at(args.call.where, "give one of `size` or `scale_factor`", "e.g. Upsample(scale_factor=2)")
    if size is not None:
        if recompute:
            args.fail("recompute_scale_factor", "recompute_scale_factor has no meaning with an explicit size")
        out = args.sizes("size", len(sizes))
    else:
        factors = factor if isinstance(factor, tuple) else (factor,) * len(sizes)
        if len(factors) != len(sizes) or not all(
            isinstance(f, int | float) and not isinstance(f, bool) and f > 0 for f in factors
        ):
            args.fail(
                "scale_factor",
                f"`scale_factor` takes a number > 0 or {len(sizes)} of them, got {shared.value_text(factor)}",
            )
        out = tuple(_scaled(args, n, float(f)) for n, f in zip(sizes, factors, strict=True))
    if any(isinstance(n, int) and n < 1 for n in out):
        args.fail(
            "scale_factor" if size is None else "size", f"the output would be {shape_text(out)}: nothing left"
        )
    result = (shape[0], *out)
    # fvcore counts 2-D nearest (1 an output value) and bilinear (4) upsampling, and area's
    # adaptive_avg_pool2d (1 an input value); no other mode
    factor_out = {"nearest": 1, "bilinear": 4}.get(mode, 0) if len(sizes) == 2 else 0
    macs = shared.elementwise_macs(result, factor_out)
    if mode == "area" and len(sizes) == 2:
        macs = shared.elementwise_macs(shape, 1)
    return Output(result, macs=macs)


PYTORCH.add(
    "Upsample",
    "dense and shape",
    "size=None, scale_factor=None, mode='nearest', align_corners=None, recompute_scale_factor=None",
    _upsample,
    "Resizes the spatial axes to `size`, or by `scale_factor` (rounded down), repeating values "
    "(nearest) or interpolating them; no parameters.",
    'Upsample(scale_factor=2, mode="bilinear")',
    "Input(64, 14, 14)",
)


def _channel_shuffle(args: Args, shape: Shape) -> None:
    groups = args.size("groups")
    hint = "it shuffles channels: PyTorch puts the channels first, and the batch is not one"
    if len(shape) < 2:
        args.fail_at(args.call.where, f"needs an input of (channels, ...), got {shape_text(shape)}", hint)
    if isinstance(shape[0], int) and isinstance(groups, int) and shape[0] % groups:
        args.fail(
            "groups",
            f"the {shape[0]} channels do not divide into {groups} groups",
            "groups must divide the channels",
        )


PYTORCH.add(
    "ChannelShuffle",
    "dense and shape",
    "groups",
    shared.keeps_shape(_channel_shuffle),
    "Interleaves the channels of `groups` groups (ShuffleNet); no parameters.",
    "ChannelShuffle(4)",
    "Input(32, 26, 26)",
)


def _pixel_shuffle(down: bool) -> Infer:
    name = "downscale_factor" if down else "upscale_factor"

    def infer(args: Args, shape: Shape) -> Output:
        r = args.size(name)
        if len(shape) < 3:
            hint = "PyTorch puts the channels first: Input(channels, height, width)"
            args.fail_at(
                args.call.where, f"needs an input of (channels, height, width), got {shape_text(shape)}", hint
            )
        *lead, c, h, w = shape
        if down:
            for axis, n in (("height", h), ("width", w)):
                if isinstance(n, int) and isinstance(r, int) and n % r:
                    args.fail(name, f"the {axis} {n} is not divisible by downscale_factor {r}")
            return Output((*lead, c * r * r, floor_div(h, r), floor_div(w, r)))
        if isinstance(c, int) and isinstance(r, int) and c % (r * r):
            args.fail(
                name,
                f"the {c} channels are not divisible by upscale_factor² ({r}² = {r * r})",
                "PixelShuffle(r) needs C × r² channels",
            )
        return Output((*lead, floor_div(c, r * r), h * r, w * r))

    return infer


PYTORCH.add(
    "PixelShuffle",
    "dense and shape",
    "upscale_factor",
    _pixel_shuffle(down=False),
    "Rearranges (C × r², H, W) into (C, H × r, W × r), the upsampling of a sub-pixel convolution; "
    "no parameters.",
    "PixelShuffle(2)",
    "Input(32, 14, 14)",
)
PYTORCH.add(
    "PixelUnshuffle",
    "dense and shape",
    "downscale_factor",
    _pixel_shuffle(down=True),
    "Rearranges (C, H × r, W × r) into (C × r², H, W), undoing PixelShuffle; no parameters.",
    "PixelUnshuffle(2)",
    "Input(8, 28, 28)",
)


# ---------------------------------------------------------------------------------------------
# Activations
# ---------------------------------------------------------------------------------------------


def _activation(reals: tuple[str, ...] = (), *, inplace: bool = True) -> Infer:
    def check(args: Args, shape: Shape) -> None:
        for name in reals:
            shared.real_number(args, name)
        if inplace:
            args.flag("inplace")

    return shared.keeps_shape(check)


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
    PYTORCH.add(
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
    PYTORCH.add(
        _name,
        "activation",
        "",
        _activation(inplace=False),
        f"Applies {_summary} to every value; no parameters.",
        f"{_name}()",
        "Input(128)",
    )


def _celu(args: Args, shape: Shape) -> None:
    if shared.real_number(args, "alpha") == 0:
        args.fail("alpha", "`alpha` cannot be 0 for CELU")
    args.flag("inplace")


PYTORCH.add(
    "CELU",
    "activation",
    "alpha=1.0, inplace=False",
    shared.keeps_shape(_celu),
    "Applies a continuously differentiable ELU to every value; no parameters.",
    "CELU()",
    "Input(128)",
)
PYTORCH.add(
    "GELU",
    "activation",
    "approximate='none'",
    shared.keeps_shape(lambda a, s: a.choice("approximate", ("none", "tanh"), fold=False)),
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
    PYTORCH.add(
        _name,
        "activation",
        "dim=None",
        shared.keeps_shape(_softmax),
        f"{_summary} (the batch being 0, so dim=1 or dim=-1 for a vector); no parameters.",
        f"{_name}(dim=1)",
        "Input(10)",
    )


def _prelu(args: Args, shape: Shape) -> Output:
    count = args.size("num_parameters")
    shared.real_number(args, "init")
    if count != 1 and not shared.sizes_proved_equal(count, shape[0]):
        args.fail(
            "num_parameters",
            f"num_parameters is {as_text(count)}, but must be 1 or the number of channels, "
            f"{as_text(shape[0])} ({args.source}, {shape_text(shape)})",
            f"write PReLU({as_text(shape[0])}) for a slope a channel, or PReLU() for one slope",
        )
    return Output(shape, Var("Slopes", count))


PYTORCH.add(
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


def _batch_norm(rank: int) -> Infer:
    ranks = (1, 2) if rank == 1 else (rank + 1,)
    expected = "(features) or (channels, length)" if rank == 1 else f"({_AXES[rank]})"

    def infer(args: Args, shape: Shape) -> Output:
        if len(shape) not in ranks:
            right = {1: "BatchNorm1d", 2: "BatchNorm1d", 3: "BatchNorm2d", 4: "BatchNorm3d"}.get(len(shape))
            args.fail_at(
                args.call.where,
                f"needs an input of {expected}, got {shape_text(shape)}",
                f"use {right} for this input" if right else "check the layers before it",
            )
        unit = "feature" if len(shape) == 1 else "channel"
        channels = _declared(args, "num_features", shape[0], shape, unit)
        args.number("eps")
        args.number("momentum", optional=True)
        affine, tracked = args.flag("affine"), args.flag("track_running_stats")
        size = Var("Features" if len(shape) == 1 else "Channels", channels)
        formula = shared.scale_shift(affine * (1 + args.flag("bias")), size)
        # running_mean and running_var a channel, and one count of the batches seen
        buffers = plus(times(Const(2), size), Var("counter", 1)) if tracked else None
        # fvcore at inference: 2 a value with γ (1 without); batch statistics, untracked, 5 (4)
        macs = shared.elementwise_macs(shape, (2 if tracked else 5) - (not affine))
        return Output(shape, formula, buffers=buffers, macs=macs)

    return infer


PYTORCH.add_ranks(
    "BatchNorm{n}d",
    "normalization",
    "num_features, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True, *, bias=True",
    _batch_norm,
    "Per channel: a trained scale γ and shift β (2 × C parameters), and a running mean and "
    "variance plus a count of batches, which are buffers (2 × C + 1), not parameters.",
    {
        1: ("BatchNorm1d(128)", "Input(128)"),
        2: ("BatchNorm2d(32)", "Input(32, 26, 26)"),
        3: ("BatchNorm3d(16)", "Input(16, 8, 32, 32)"),
    },
)


def _normalized_dims(args: Args, shape: Shape) -> Shape:
    """`normalized_shape`: an int or a tuple, which must be the input's last sizes."""
    value: Value = args.get("normalized_shape")
    dims = value if isinstance(value, tuple) else (value,)
    for d in dims:
        if not is_number(d) or (isinstance(d, int) and d < 1):
            args.fail("normalized_shape", f"`normalized_shape` takes whole numbers ≥ 1, got {d!r}")
    if not dims:
        args.fail("normalized_shape", "`normalized_shape` is empty")
    trailing = shape[-len(dims) :]
    fits = len(dims) <= len(shape) and all(map(shared.sizes_proved_equal, dims, trailing))
    if not fits:
        if len(dims) == 1:
            args.fail(
                "normalized_shape",
                f"normalized_shape is {as_text(dims[0])}, but its input has {_amount(shape[-1], 'feature')} "
                f"({args.source}, {shape_text(shape)})",
                f"write {as_text(shape[-1])}, the size of the input's last axis",
            )
        args.fail(
            "normalized_shape",
            f"normalized_shape is {shape_text(dims)}, but its input ends in {shape_text(trailing)} "
            f"({args.source}, {shape_text(shape)})",
            f"write normalized_shape={shape_text(shape[-len(dims) :])}, the input's last {len(dims)} sizes",
        )
    return dims


def _normalized_size(dims: Shape) -> Term:
    """Features, or (d_1 × d_2 ...) when several axes are normalized."""
    if len(dims) == 1:
        return Var("Features", dims[0])
    return Bracketed(times(*(Var(f"d_{i}", d) for i, d in enumerate(dims, 1))))


def _layer_norm(args: Args, shape: Shape) -> Output:
    dims = _normalized_dims(args, shape)
    args.number("eps")
    affine = args.flag("elementwise_affine")
    formula = shared.scale_shift(affine * (1 + args.flag("bias")), _normalized_size(dims))
    return Output(shape, formula, macs=shared.elementwise_macs(shape, 5 if affine else 4))  # fvcore's count


PYTORCH.add(
    "LayerNorm",
    "normalization",
    "normalized_shape, eps=1e-05, elementwise_affine=True, bias=True",
    _layer_norm,
    "Normalizes over the last axes (normalized_shape, which must be the input's last sizes), "
    "with a trained scale and shift for each of their values.",
    "LayerNorm(64)",
    "Input(100, 64)",
)


def _rms_norm(args: Args, shape: Shape) -> Output:
    dims = _normalized_dims(args, shape)
    args.number("eps", optional=True)
    formula = _normalized_size(dims) if args.flag("elementwise_affine") else None
    return Output(shape, formula)  # fvcore has no handle for rms_norm: 0 MACs


PYTORCH.add(
    "RMSNorm",
    "normalization",
    "normalized_shape, eps=None, elementwise_affine=True",
    _rms_norm,
    "Divides by the root mean square over the last axes (normalized_shape, which must be the "
    "input's last sizes), with a trained scale for each of their values and no shift.",
    "RMSNorm(64)",
    "Input(100, 64)",
)


def _instance_norm(rank: int) -> Infer:
    def infer(args: Args, shape: Shape) -> Output:
        channels, sizes = _spatial(args, shape, rank)
        channels = _declared(args, "num_features", channels, shape, "channel")
        args.number("eps")
        args.number("momentum", optional=True)
        affine, tracked = args.flag("affine"), args.flag("track_running_stats")
        if not tracked and product(sizes) == 1:
            args.fail_at(
                args.call.where,
                f"normalizes each channel over its {window_text(sizes)} values: torch wants more than one",
                "use it before the pooling that leaves one value, or track_running_stats=True",
            )
        size = Var("Channels", channels)
        formula = shared.scale_shift(affine * (1 + args.flag("bias")), size)
        # running_mean and running_var a channel, and one count of the batches seen
        buffers = plus(times(Const(2), size), Var("counter", 1)) if tracked else None
        macs = shared.elementwise_macs(shape, 5 if affine else 4)  # fvcore's count of instance_norm
        return Output(shape, formula, buffers=buffers, macs=macs)

    return infer


PYTORCH.add_ranks(
    "InstanceNorm{n}d",
    "normalization",
    "num_features, eps=1e-05, momentum=0.1, affine=False, track_running_stats=False, *, bias=True",
    _instance_norm,
    "Normalizes each channel of each example over its own values. With affine=True, a trained "
    "scale γ and shift β a channel (2 × C); with track_running_stats=True, a running mean and "
    "variance plus a count of batches as buffers (2 × C + 1). By default, neither.",
    {
        1: ("InstanceNorm1d(16, affine=True)", "Input(16, 100)"),
        2: ("InstanceNorm2d(32, affine=True)", "Input(32, 26, 26)"),
        3: ("InstanceNorm3d(16, track_running_stats=True)", "Input(16, 8, 32, 32)"),
    },
)


def _local_response_norm(args: Args, shape: Shape) -> None:
    args.size("size")
    for name in ("alpha", "beta", "k"):
        shared.real_number(args, name)
    if len(shape) < 2:
        args.fail_at(
            args.call.where,
            f"needs an input of (channels, ...), got {shape_text(shape)}",
            "it normalizes across neighbouring channels: PyTorch puts the channels first",
        )


PYTORCH.add(
    "LocalResponseNorm",
    "normalization",
    "size, alpha=0.0001, beta=0.75, k=1.0",
    shared.keeps_shape(_local_response_norm),
    "Divides each value by a power of the sum of squares over `size` neighbouring channels "
    "(AlexNet, GoogLeNet); no parameters.",
    "LocalResponseNorm(5)",
    "Input(96, 55, 55)",
)


def _group_norm(args: Args, shape: Shape) -> Output:
    groups = args.size("num_groups")
    channels = _declared(args, "num_channels", shape[0], shape, "channel")
    if isinstance(channels, int) and isinstance(groups, int) and channels % groups:
        args.fail("num_groups", f"num_channels ({channels}) must be divisible by num_groups ({groups})")
    args.number("eps")
    affine = args.flag("affine")
    formula = shared.scale_shift(affine * (1 + args.flag("bias")), Var("Channels", channels))
    return Output(shape, formula, macs=shared.elementwise_macs(shape, 5 if affine else 4))  # fvcore's count


PYTORCH.add(
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
    vocabulary, dimension, formula = shared.embedding_table(
        args, "num_embeddings", "embedding_dim", "Dimension"
    )
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
    frozen = formula if args.flag("_freeze") else None
    return Output((*shape, dimension), formula, frozen=frozen)


PYTORCH.add(
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
    parts: list[Term] = [Bracketed(times(hidden, inputs)), Bracketed(times(hidden, recurrent))]
    if bias:  # torch keeps two bias vectors a gate, b_ih and b_hh
        parts += [Var("b_{ih}", hidden.amount), Var("b_{hh}", hidden.amount)]
    cell = times(Const(gates), Bracketed(plus(*parts))) if gates > 1 else plus(*parts)
    if projected:  # an LSTM with proj_size: weight_hr, Projection × Hidden
        cell = plus(cell, Bracketed(times(recurrent, hidden)))
    return cell


def _recurrent(gates: int) -> Infer:
    def infer(args: Args, shape: Shape) -> Output:
        hint = f"{args.kind} reads (length, features) without the batch, as an Embedding gives it"
        shared.need_rank(args, shape, 2, "sequence length, features", hint)
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
        formula = times(both, Bracketed(first)) if directions > 1 else first
        if layers != 1:
            wide: Term = Bracketed(times(both, out)) if directions > 1 else out
            deeper = _cell(gates, hidden, wide, out, bias, projected)
            later = (_LessOne(Var("Layers", layers)), *([both] if directions > 1 else []), Bracketed(deeper))
            formula = plus(Bracketed(formula) if directions == 1 else formula, times(*later))
        return Output((length, directions * out.amount), formula, macs_note=shared.RECURRENT_NOTE)

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
    PYTORCH.add(
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


# ---------------------------------------------------------------------------------------------
# Attention
# ---------------------------------------------------------------------------------------------


def _embedding_input(args: Args, shape: Shape, name: str) -> Number:
    """The (length, features) input of an attention layer, its features the declared `name`."""
    hint = f"{args.kind} reads (length, features) without the batch, as an Embedding gives it"
    shared.need_rank(args, shape, 2, "sequence length, features", hint)
    return _declared(args, name, shape[-1], shape, "feature")


def _keys_and_values(args: Args, shape: Shape, embed_dim: Number) -> tuple[Shape, Shape] | None:
    """The shapes of the keys and values, key= and value= as forward(query, key, value) takes them
    (one given, the other is the same sequence); None for self-attention, where both are the input.
    Their features are kdim and vdim (embed_dim when not given); they must have one length."""
    key = shared.other_input(args, "key", shape, "keys")
    value = shared.other_input(args, "value", shape, "values")
    if key is None and value is None:
        for name, what in (("kdim", "keys"), ("vdim", "values")):
            if args.get(name) is not None and not shared.sizes_proved_equal(args.size(name), shape[-1]):
                args.fail(
                    name,
                    f"{name} is {as_text(args.get(name))}, but the {what} are its input ({args.source}, "
                    f"{shape_text(shape)}), which has {_amount(shape[-1], 'feature')}",
                    f"keys and values from another sequence are written as its shape: key=(S, "
                    f"{as_text(args.get(name))}) (and value=... when they differ); else leave {name} out",
                )
        return None
    key, value = key or value or shape, value or key or shape  # one given: the other is it
    if blocks.same_size(key[0], value[0]) is False:
        args.fail(
            "value",
            f"the keys {shape_text(key)} and the values {shape_text(value)} must have one length",
            "each key has its value: give key= and value= the same length",
        )
    for name, what, given in (("kdim", "key", key), ("vdim", "value", value)):
        declared = embed_dim if args.get(name) is None else args.size(name)
        if not shared.sizes_proved_equal(declared, given[-1]):
            args.fail(
                name if args.get(name) is not None else what,
                f"the {what}s {shape_text(given)} have {_amount(given[-1], 'feature')}, but {name} is "
                f"{as_text(declared)}"
                + (" (embed_dim, as it is not given)" if args.get(name) is None else ""),
                f"write {name}={as_text(given[-1])}",
            )
    return key, value


def _heads(args: Args, name: str, embed_name: str, embed: Number) -> Number:
    """The number of heads, which torch requires to divide the embedding evenly."""
    heads = args.size(name)
    if isinstance(embed, int) and isinstance(heads, int) and embed % heads:
        args.fail(
            name,
            f"{embed_name} ({embed}) must be divisible by {name} ({heads})",
            f"each head gets {embed_name} / {name} features: use a number of heads that divides {embed}",
        )
    return heads


def _projections(embed: Var, bias: bool) -> Term:
    """Self-attention's four projections (query, key, value, output): 4 × (Embed + bias) × Embed."""
    return times(Const(4), shared.with_bias(embed, bias), embed)


def _cross_projections(embed: Var, keys: Var, values: Var, bias: bool) -> Term:
    """The projections when keys and values have other widths (kdim, vdim): query, key and value
    weights (Embed + K + V) × Embed, a bias of 3 × Embed, and the output projection."""
    weights = times(Bracketed(plus(embed, keys, values)), embed)
    biases = [times(Const(3), embed)] if bias else []
    return plus(weights, *biases, times(shared.with_bias(embed, bias), embed))


def _projection_macs(length: Number, embed: Var) -> Term:
    """The projections' MACs as fvcore counts them (aten::linear), 4 × Positions × Embed × Embed."""
    return times(Const(4), Var("Positions", length), embed, embed)


def _score_macs(length: Number, embed: Var, extra_keys: int = 0, keys_length: Number | None = None) -> Term:
    """The attention itself: the scores (each query with each key, Positions × Keys × Embed over the
    heads) and their weighted sum of the values (as many); add_bias_kv and add_zero_attn each add a
    key. fvcore has no handle for scaled_dot_product_attention and counts none of it: its figure is
    this one less. `keys_length`: another sequence's (cross-attention); else the queries'."""
    positions = Var("Positions", length)
    other = length if keys_length is None else keys_length
    keys = Var("Keys", other + extra_keys) if extra_keys or keys_length is not None else positions
    return times(Const(2), positions, keys, embed)


def _multihead_attention(args: Args, shape: Shape) -> Output:
    embed_dim = _embedding_input(args, shape, "embed_dim")
    _heads(args, "num_heads", "embed_dim", embed_dim)
    args.fraction("dropout")
    bias = args.flag("bias")
    args.flag("add_zero_attn")
    args.flag("batch_first")
    other = _keys_and_values(args, shape, embed_dim)
    embed = Var("Embed", embed_dim)
    extra = int(args.flag("add_bias_kv")) + int(args.flag("add_zero_attn"))
    if other is None:
        formula = _projections(embed, bias)
        macs = plus(_projection_macs(shape[0], embed), _score_macs(shape[0], embed, extra))
        cache: Number = 2 * embed_dim
    else:
        (length, key_dim), (_, value_dim) = other
        same = all(shared.sizes_proved_equal(size, embed_dim) for size in (key_dim, value_dim))
        keys, values = Var("K_{dim}", key_dim), Var("V_{dim}", value_dim)
        formula = _projections(embed, bias) if same else _cross_projections(embed, keys, values, bias)
        macs = _cross_macs(shape[0], length, embed, embed if same else keys, embed if same else values)
        macs = plus(macs, _score_macs(shape[0], embed, extra, length))
        cache = 0  # the keys and values of another sequence: computed once, not a token's cost
    if args.flag("add_bias_kv"):  # bias_k and bias_v: one vector each, appended to the keys and values
        formula = plus(formula, times(Const(2), embed))
    return Output(shape, formula, macs=macs, cache=cache)


def _cross_macs(queries: Number, length: Number, embed: Var, keys: Var, values: Var) -> Term:
    """The projections of attention to another sequence: the queries' and the output's over the
    query positions, the keys' and values' over the other sequence's."""
    positions, other = Var("Positions", queries), Var("Keys", length)
    return plus(times(Const(2), positions, embed, embed), times(other, Bracketed(plus(keys, values)), embed))


PYTORCH.add(
    "MultiheadAttention",
    "attention",
    "embed_dim, num_heads, dropout=0.0, bias=True, add_bias_kv=False, add_zero_attn=False, kdim=None, "
    "vdim=None, batch_first=False",
    _multihead_attention,
    "Multi-head self-attention: a query, key and value projection of each token (packed in "
    "in_proj_weight, 3 × Embed × Embed, and in_proj_bias), the heads' weighted sums, and an output "
    "projection (Embed × Embed + Embed); num_heads splits Embed and adds no parameters. Its input is "
    "(length, embed_dim), and so is its output. With add_bias_kv, a bias_k and a bias_v of Embed each. "
    "Attention to another sequence (cross-attention) gives its shape as forward(query, key, value) "
    "takes it: key=(S, kdim) (and value=(S, vdim) when the values differ); with kdim or vdim other "
    "than embed_dim, the query, key and value weights are separate: (Embed + kdim + vdim) × Embed.",
    "MultiheadAttention(64, 8)",
    "Input(100, 64)",
    inputs=("key", "value"),
)


def _encoder_layer(args: Args, shape: Shape) -> Output:
    return _transformer_layer(args, shape, attentions=1)


def _decoder_layer(args: Args, shape: Shape) -> Output:
    return _transformer_layer(args, shape, attentions=2)


def _memory(args: Args, shape: Shape, d_model: Number) -> Shape | None:
    """A decoder's memory (the encoder's output), memory=(S, d_model) as forward(tgt, memory)
    takes it; None: the layer's own input, as in a chain of layers."""
    memory = shared.other_input(args, "memory", shape, "memory (the encoder's output)")
    if memory is not None and not shared.sizes_proved_equal(memory[-1], d_model):
        args.fail(
            "memory",
            f"the memory {shape_text(memory)} has {_amount(memory[-1], 'feature')}, but d_model is "
            f"{as_text(d_model)}",
            f"the encoder's output has d_model features: memory=({as_text(memory[0])}, {as_text(d_model)})",
        )
    return memory


def _transformer_layer(args: Args, shape: Shape, attentions: int) -> Output:
    """An encoder layer (self-attention) or a decoder layer (self-attention, then attention to the
    memory, which in a chain is the layer's own input), each with a feed-forward network and a
    LayerNorm after each part."""
    d_model = _embedding_input(args, shape, "d_model")
    model, inner, bias = _transformer_sizes(args, d_model)
    memory = _memory(args, shape, d_model) if attentions > 1 else None
    macs = _transformer_macs(shape, model, inner, attentions, memory)
    return Output(shape, _transformer_weights(model, inner, bias, attentions), macs=macs, cache=2 * d_model)


def _transformer_sizes(args: Args, d_model: Number) -> tuple[Var, Var, bool]:
    """The arguments every transformer layer shares: d_model, its heads, dim_feedforward, bias."""
    _heads(args, "nhead", "d_model", d_model)
    feedforward = args.size("dim_feedforward")
    args.fraction("dropout")
    args.choice("activation", ("relu", "gelu"), fold=False)
    args.number("layer_norm_eps")
    args.flag("batch_first")
    args.flag("norm_first")
    return Var("d_{model}", d_model), Var("d_{ff}", feedforward), args.flag("bias")


def _transformer_weights(model: Var, inner: Var, bias: bool, attentions: int) -> Term:
    """One layer's weights: its attentions, a feed-forward network, and a LayerNorm after each part."""
    feed = plus(times(shared.with_bias(model, bias), inner), times(shared.with_bias(inner, bias), model))
    norms = times(Const((attentions + 1) * (1 + bias)), model)  # γ (and β) each
    projections = _projections(model, bias)
    return plus(
        times(Const(attentions), Bracketed(projections)) if attentions > 1 else projections, feed, norms
    )


def _transformer_macs(shape: Shape, model: Var, inner: Var, attentions: int, memory: Shape | None) -> Term:
    """One layer's MACs on a (length, d_model) input: the linears of attention and feed-forward,
    the attention itself, and 5 a value a LayerNorm; a decoder's second attention to the memory."""
    positions = Var("Positions", shape[0])
    attention = plus(_projection_macs(shape[0], model), _score_macs(shape[0], model))
    if attentions > 1 and memory is None:  # the memory is the layer's own input
        attention = times(Const(attentions), Bracketed(attention))
    elif attentions > 1 and memory is not None:
        cross = _cross_macs(shape[0], memory[0], model, model, model)
        attention = plus(attention, cross, _score_macs(shape[0], model, 0, memory[0]))
    return plus(
        attention,
        times(positions, Bracketed(plus(times(model, inner), times(inner, model)))),
        times(Const(attentions + 1), Var("Values", product(shape)), Const(5)),
    )


def _transformer(args: Args, shape: Shape) -> Output:
    """nn.Transformer: an encoder of num_encoder_layers layers on the source (the input) and a
    decoder of num_decoder_layers on the target (tgt=, the source's shape when not given), each
    stack ending in a LayerNorm; its output has the target's shape."""
    d_model = _embedding_input(args, shape, "d_model")
    model, inner, bias = _transformer_sizes(args, d_model)
    for name in ("custom_encoder", "custom_decoder"):
        if args.get(name) is not None:
            args.fail(
                name,
                f"{name} replaces the {name[7:]} with a module of the author's",
                "write the stacks as layers: Repeat(6, nn.TransformerEncoderLayer(...)), nn.LayerNorm(...)",
            )
    encoders, decoders = (
        Var("N_{enc}", args.size("num_encoder_layers")),
        Var("N_{dec}", args.size("num_decoder_layers")),
    )
    target = shared.other_input(args, "tgt", shape, "target sequence") or shape
    if not shared.sizes_proved_equal(target[-1], d_model):
        args.fail(
            "tgt",
            f"the target {shape_text(target)} has {_amount(target[-1], 'feature')}, but d_model is "
            f"{as_text(d_model)}",
            f"embed the target to d_model features: tgt=({as_text(target[0])}, {as_text(d_model)})",
        )
    norm = times(Const(2), model) if bias else model  # the LayerNorm after each stack: γ (and β)
    # Each layer by its count (its own derivation is the layer's row, written as a stack): the
    # whole formula of both would be too long to read.
    encoder = Var("EncoderLayer", _transformer_weights(model, inner, bias, 1).value())
    decoder = Var("DecoderLayer", _transformer_weights(model, inner, bias, 2).value())
    formula = plus(times(encoders, encoder), norm, times(decoders, decoder), norm)
    norm_macs = Const(5)
    macs = plus(
        times(encoders, Bracketed(_transformer_macs(shape, model, inner, 1, None))),
        times(Var("Values", product(shape)), norm_macs),
        times(decoders, Bracketed(_transformer_macs(target, model, inner, 2, shape))),
        times(Var("Values", product(target)), norm_macs),
    )
    return Output(target, formula, macs=macs, cache=2 * d_model * decoders.amount)


PYTORCH.add(
    "TransformerEncoderLayer",
    "attention",
    "d_model, nhead, dim_feedforward=2048, dropout=0.1, activation='relu', layer_norm_eps=1e-05, "
    "batch_first=False, norm_first=False, bias=True",
    _encoder_layer,
    "One transformer block: multi-head self-attention (4 × (d_model + bias) × d_model), a "
    "feed-forward network of two Linear layers through dim_feedforward (d_ff), and two LayerNorms "
    "(2 × d_model each), with residual connections. Its input is (length, d_model), and so is its "
    "output. A decoder-only model (GPT) is a stack of these with a causal mask, which adds no "
    "parameters.",
    "TransformerEncoderLayer(512, 8)",
    "Input(100, 512)",
)

PYTORCH.add(
    "TransformerDecoderLayer",
    "attention",
    "d_model, nhead, dim_feedforward=2048, dropout=0.1, activation='relu', layer_norm_eps=1e-05, "
    "batch_first=False, norm_first=False, bias=True",
    _decoder_layer,
    "One decoder block of an encoder-decoder transformer: self-attention, attention to the memory "
    "(the encoder's output, written memory=(S, d_model) as forward(tgt, memory) takes it; left out, "
    "the layer's own input), each 4 × (d_model + bias) × d_model, a feed-forward network through "
    "dim_feedforward, and three LayerNorms. Its input is (length, d_model), and so is its output.",
    "TransformerDecoderLayer(512, 8)",
    "Input(100, 512)",
    inputs=("memory",),
)


PYTORCH.add(
    "Transformer",
    "attention",
    "d_model=512, nhead=8, num_encoder_layers=6, num_decoder_layers=6, dim_feedforward=2048, dropout=0.1, "
    "activation='relu', custom_encoder=None, custom_decoder=None, layer_norm_eps=1e-05, "
    "batch_first=False, norm_first=False, bias=True",
    _transformer,
    "The encoder-decoder transformer of Attention Is All You Need: num_encoder_layers "
    "TransformerEncoderLayers and a LayerNorm on the source (the input), num_decoder_layers "
    "TransformerDecoderLayers attending to the encoder's output and a LayerNorm on the target. The "
    "target is written as forward(src, tgt) takes it, tgt=(T, d_model) (left out: the source's "
    "shape), and the output has its shape. The embeddings and the output head are not part of it.",
    "Transformer(512, 8, tgt=(30, 512))",
    "Input(40, 512)",
    inputs=("tgt",),
)


# ---------------------------------------------------------------------------------------------
# Your own
# ---------------------------------------------------------------------------------------------

PYTORCH.add(
    "Parameter",
    "your own",
    "shape, merge='add'",
    shared.free_parameter('nn.Parameter((1, 768), merge="concat")'),
    "A weight that belongs to no module, as nn.Parameter declares it — a vision transformer's class "
    "token or position embedding, a layer scale —, written without the batch axis: its count is "
    'its size. It is added to the input (merge="add", sizes stretched from the last axis), '
    'multiplied with it ("multiply"), or put before it on the first axis ("concat", torch.cat on '
    "dim=1).",
    'Parameter((1, 64), merge="concat", name="class_token")',
    "Input(196, 64)",
)

PYTORCH.add(
    "Buffer",
    "your own",
    "shape, persistent=True",
    shared.free_buffer,
    "State that belongs to no module and that training does not change, as register_buffer "
    "declares it — a causal mask, a fixed position encoding —: its size counts as buffers, not "
    "parameters, and the input passes on unchanged.",
    'Buffer((64, 64), name="mask")',
    "Input(64, 32)",
)

PYTORCH.add(
    "Custom",
    "your own",
    "params=0, output=None",
    shared.custom_layer("output=(6, 28, 28)"),
    "A module of your own: its parameter count as a formula in quotes (numbers, names, + - * / ** and "
    "parentheses), which its derivation shows, and its output shape, channels first (the input's "
    "when omitted).",
    'Custom(params="(5 * 5 * 3 + 1) * 6", output=(6, 28, 28), name="My conv")',
    "Input(3, 32, 32)",
)


# Names from Keras (or older habits) that authors type by habit, and what torch.nn calls them.
PYTORCH.synonyms.update({
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
    "ZeroPadding1D": "ZeroPad1d", "ZeroPadding2D": "ZeroPad2d", "ZeroPadding3D": "ZeroPad3d",
    "UpSampling1D": "Upsample", "UpSampling2D": "Upsample", "UpSampling3D": "Upsample",
    "UpsamplingNearest2d": "Upsample", "UpsamplingBilinear2d": "Upsample", "Lambda": "Custom",
    "InstanceNorm": "InstanceNorm2d", "LRN": "LocalResponseNorm",
})  # fmt: skip

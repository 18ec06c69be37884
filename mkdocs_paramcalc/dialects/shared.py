"""What the Keras and PyTorch dialects share: the rules of sliding windows, the readers and
checks of arguments both take, the words of messages and the terms of formulas both write.

A rule lives here when it is the same rule in both libraries; where they differ (channel
order, how an axis is counted, argument names), each dialect module keeps its own.
"""

from __future__ import annotations

import ast
import difflib
from collections.abc import Callable

from mkdocs_paramcalc.dialects.blocks import same_size
from mkdocs_paramcalc.dialects.entry import Infer, Output, Shape
from mkdocs_paramcalc.dialects.formula import (
    Bracketed,
    Const,
    Difference,
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

# ---------------------------------------------------------------------------------------------
# Words of messages
# ---------------------------------------------------------------------------------------------


def shape_text(shape: Shape) -> str:
    """(64, 12, 12), or (8, ⌊(H − 2)/2⌋) with symbols as a teacher writes them."""
    return "(" + ", ".join(as_text(d) for d in shape) + ")"


def window_text(sizes: Shape) -> str:
    """3×3, the way a window or an input's spatial sizes are written in a message."""
    return "×".join(as_text(v) for v in sizes)


def value_text(value: Value) -> str:
    """An argument's value as the author wrote it: strings quoted, sizes as sizes, tuples as tuples."""
    if isinstance(value, tuple):
        return "(" + ", ".join(value_text(v) for v in value) + ("," if len(value) == 1 else "") + ")"
    return as_text(value) if is_symbolic(value) else repr(value)


# ---------------------------------------------------------------------------------------------
# Readers and checks of arguments
# ---------------------------------------------------------------------------------------------


def sizes_proved_equal(a: Number, b: Number) -> bool:
    """Whether two sizes are equal: only when it is proved, where a symbol is involved."""
    return same_size(a, b) is True


def real_number(args: Args, name: str) -> float:
    """Any real number: neither library checks a sign for slopes and scales."""
    value = args.get(name)
    if not isinstance(value, int | float) or isinstance(value, bool):
        args.fail(name, f"`{name}` must be a number, got {value_text(value)}")
    return float(value)


def need_rank(args: Args, shape: Shape, rank: int, axes: str, hint: str) -> None:
    """Refuse an input of another rank than `rank`; `axes` names its axes in the message."""
    if len(shape) != rank:
        args.fail_at(args.call.where, f"needs a {rank}-D input ({axes}), got {shape_text(shape)}", hint)


def other_input(args: Args, name: str, query: Shape, what: str) -> Shape | None:
    """The shape of an input besides the chain's (cross-attention's keys and values, a decoder's
    memory), written as the keyword its forward call names: as many sizes as the chain's input
    has, without the batch. None when it is not given."""
    value = args.get(name)
    if value is None:
        return None
    sizes = value if isinstance(value, tuple) else (value,)
    if len(sizes) != len(query) or not all(is_size(size) for size in sizes):
        wrong = (
            f"{len(query)} sizes without the batch as the input's {shape_text(query)} are"
            if len(sizes) != len(query)
            else "each a whole number from 1 or a name"  # as many, but (0, 16), (-S, 16), (3.5, 16)
        )
        args.fail(
            name,
            f"`{name}` is the shape of the {what}, {wrong}, got {value_text(value)}",
            f"write {name}=({', '.join(['S', *(as_text(s) for s in query[1:])])}), its length and features",
        )
    return sizes


def check_groups(args: Args, groups: Number, counts: tuple[tuple[str, Number], ...], message: str) -> None:
    """A grouped convolution splits each count evenly; `message` words it as its library does,
    from {name}, {count} and {groups}."""
    for name, count in counts:
        if isinstance(count, int) and isinstance(groups, int) and count % groups:
            args.fail("groups", message.format(name=name, count=count, groups=groups))


def keeps_shape(check: Callable[[Args, Shape], object]) -> Infer:
    """A layer without parameters that keeps its input's shape; `check` reads its arguments."""

    def infer(args: Args, shape: Shape) -> Output:
        check(args, shape)
        return Output(shape)

    return infer


# ---------------------------------------------------------------------------------------------
# Sliding windows: convolutions and pooling
# ---------------------------------------------------------------------------------------------


def slid_sizes(
    args: Args,
    sizes: Shape,
    window: Shape,
    strides: Shape,
    pads: Shape,
    dilation: Shape,
    what: str,
    hint: str,
    *,
    ceil: bool = False,
) -> Shape:
    """Output sizes of a sliding window: ⌊(n + 2p − d(k − 1) − 1) / s⌋ + 1 along each axis, or
    rounded up as torch's ceil_mode; a window that does not fit fails with `hint`."""
    out: list[Number] = []
    for n, k, s, p, d in zip(sizes, window, strides, pads, dilation, strict=True):
        span = d * (k - 1) + 1
        room = n + 2 * p - span
        if isinstance(room, int) and room < 0:
            spread = " (dilated)" if any(v != 1 for v in dilation) else ""
            padded = f" padded by {window_text(pads)}" if any(v != 0 for v in pads) else ""
            fits = f"does not fit its {window_text(sizes)} input{padded}"
            args.fail_at(args.call.where, f"the {window_text(window)}{spread} {what} {fits}", hint)
        out.append(_rounded_up(args, n, s, p, span, room) if ceil else floor_div(room, s) + 1)
    return tuple(out)


def _rounded_up(args: Args, n: Number, s: Number, p: Number, span: Number, room: Number) -> Number:
    """torch's ceil_mode: ⌈room / s⌉ + 1, less the last window if it would start in the padding."""
    size = ceil_div(room, s) + 1
    if isinstance(size, int):
        return size - 1 if (size - 1) * s >= n + p else size
    if not (isinstance(s, int) and isinstance(span, int) and isinstance(p, int) and s <= span - p):
        args.fail(
            "ceil_mode",
            "with ceil_mode=True and a stride wider than the window, the output size depends on "
            "the exact input size",
            "give the input sizes as numbers",
        )
    return size


# ---------------------------------------------------------------------------------------------
# Terms of formulas: a derivation reads the same in both dialects
# ---------------------------------------------------------------------------------------------

_KERNEL_WORDS = {1: ("Length",), 2: ("Height", "Width"), 3: ("Frames", "Height", "Width")}


def kernel_vars(kernel: Shape) -> list[Term]:
    """A kernel's sizes by name: Height, Width."""
    return [Var(w, k) for w, k in zip(_KERNEL_WORDS[len(kernel)], kernel, strict=True)]


def filter_depth(channels: Number, groups: Number) -> Term:
    """The channels a filter reads: Depth, or Depth / groups in a grouped convolution."""
    depth: Term = Var("Depth", channels)
    return depth if groups == 1 else Quotient(depth, Var("groups", groups))


def filter_weights(kernel: Shape, depth: Term) -> Term:
    """One filter's weights: (Height × Width × Depth)."""
    return Bracketed(times(*kernel_vars(kernel), depth))


def with_bias(weights: Term, bias: bool) -> Term:
    """(weights + bias) when the layer has a bias a node or filter."""
    return Bracketed(plus(weights, Var("bias", 1))) if bias else weights


def filter_bank(weights: Term, bias: bool, filters: Number) -> Term:
    """((Height × Width × Depth) + bias) × N_f: a bank of N_f filters."""
    return times(with_bias(weights, bias), Var("N_f", filters))


def fully_connected(leading: Shape, inputs: Number, nodes: Number, bias: bool) -> tuple[Term, Term]:
    """A dense layer's parameters, (Length + bias) × N_nodes, and its MACs at each leading position."""
    length = Var("Length", inputs)
    counted = Var("N_{nodes}", nodes)
    return times(with_bias(length, bias), counted), dense_macs(leading, counted, length)


def embedding_table(args: Args, ids: str, width: str, label: str) -> tuple[Number, Number, Term]:
    """An embedding's vocabulary and width (read from the arguments `ids` and `width`) and its
    table, Vocabulary × `label`: a trained vector for each token id."""
    vocabulary = args.size(ids)
    dimension = args.size(width)
    return vocabulary, dimension, times(Var("Vocabulary", vocabulary), Var(label, dimension))


def scale_shift(count: int, size: Term) -> Term | None:
    """A normalization's trained vectors: γ and β (2 × size), γ alone (size), or none."""
    if count == 0:
        return None
    return size if count == 1 else times(Const(count), size)


# ---------------------------------------------------------------------------------------------
# Multiply-accumulates, as fvcore counts them
# ---------------------------------------------------------------------------------------------

RECURRENT_NOTE = "fvcore has no handle for recurrent layers"

# Output (or input) positions of a sliding window, one factor an axis: H_out × W_out.
_POSITION_WORDS = {1: ("L",), 2: ("H", "W"), 3: ("D", "H", "W")}


def positions(sizes: Shape, side: str = "out") -> list[Term]:
    """The positions a convolution's filters are applied at (`out`), or read from (`in`)."""
    words = _POSITION_WORDS.get(len(sizes)) or tuple(f"n{i}" for i in range(1, len(sizes) + 1))
    return [Var(f"{w}_{{{side}}}", n) for w, n in zip(words, sizes, strict=True)]


def window_macs(sizes: Shape, filters: Term, weights: Term, side: str = "out") -> Term:
    """fvcore's count of a convolution: one MAC a weight of each filter at each position,
    26 × 26 × 32 × (3 × 3 × 1); a transposed convolution counts its input positions."""
    return times(*positions(sizes, side), filters, weights)


def dense_macs(leading: Shape, nodes: Term, length: Term) -> Term:
    """A fully connected layer: every node reads `Length` inputs, at every leading position."""
    if not leading:
        return times(nodes, length)
    return times(Var("Positions", product(leading)), nodes, length)


def elementwise_macs(shape: Shape, factor: int) -> Term | None:
    """fvcore's count for a normalization or resampling: `factor` an output value (None for 0)."""
    if factor == 0:
        return None
    values = Var("Values", product(shape))
    return values if factor == 1 else times(values, Const(factor))


# ---------------------------------------------------------------------------------------------
# Your own: the Custom layer of both dialects, its count an author's formula read as data
# ---------------------------------------------------------------------------------------------

FORMULA_HINT = (
    'write the count with numbers, names, + - * / ** and parentheses, e.g. params="(3*3*64 + 1) * 128"'
)


def is_size(value: Value) -> bool:
    """A positive whole number, or a name (or a formula of names) that may be one."""
    if isinstance(value, bool) or not is_number(value):
        return False
    if isinstance(value, int):
        return value >= 1
    return is_positive(value) is not False and value.is_integer is not False


def count_text(value: Number) -> str:
    """A count as a message writes it: 1,000, or its formula of names."""
    return f"{value:,}" if isinstance(value, int) else as_text(value)


def _bracketed(term: Term, *inside: type[Term]) -> Term:
    """The term in parentheses when it is one of the kinds that need them where it stands."""
    return Bracketed(term) if isinstance(term, inside) else term


def _binary(args: Args, op: ast.operator, left: Term, right: Term) -> Term | None:
    """An author's + - * / ** as a derivation term, parenthesised as the textbook writes it."""
    if isinstance(op, ast.Add):
        head = left.terms if isinstance(left, Sum) else (left,)
        return Sum((*head, _bracketed(right, Difference)))
    if isinstance(op, ast.Sub):
        return Difference(left, _bracketed(right, Sum, Difference))
    if isinstance(op, ast.Mult):
        head = left.factors if isinstance(left, Product) else (_bracketed(left, Sum, Difference),)
        return Product((*head, _bracketed(right, Sum, Difference, Product, Quotient)))
    if isinstance(op, ast.Div):
        n, d = left.value(), right.value()
        if isinstance(n, int) and isinstance(d, int) and n % d:
            args.fail("params", f"{n} / {d} is not a whole number", "make each division in params exact")
        return Quotient(
            _bracketed(left, Sum, Difference), _bracketed(right, Sum, Difference, Product, Quotient)
        )
    if isinstance(op, ast.Pow):
        exponent = right.value()
        if not isinstance(exponent, int) or exponent < 0:
            args.fail("params", f"exponents in params are whole numbers ≥ 0, got {exponent}", FORMULA_HINT)
        atoms = (Sum, Difference, Product, Quotient, Power)
        return Power(_bracketed(left, *atoms), _bracketed(right, *atoms))
    return None


def _formula_term(args: Args, node: ast.expr) -> Term:
    """An author's formula (already read safely by parse_expression) as a derivation term."""
    if isinstance(node, ast.Constant) and isinstance(node.value, int) and not isinstance(node.value, bool):
        return Const(node.value)
    if isinstance(node, ast.Constant) and isinstance(node.value, float):
        if not node.value.is_integer():
            args.fail(
                "params", f"`params` uses {node.value!r}; a count is made of whole numbers", FORMULA_HINT
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
        term = _binary(args, node.op, _formula_term(args, node.left), _formula_term(args, node.right))
        if term is not None:
            return term
    return args.fail("params", f"`params` cannot use {ast.unparse(node)!r} in a count", FORMULA_HINT)


def custom_formula(args: Args) -> Term | None:
    """A Custom layer's `params`: a number, or a formula in quotes read as data (never run)."""
    value = args.get("params")
    if isinstance(value, str):
        try:
            total = parse_expression(value, args.where("params"))
        except BlockError as error:
            args.fail("params", f"could not read the formula {value!r}: {error.message}", FORMULA_HINT)
        if not is_number(total) and not isinstance(total, float):
            args.fail("params", f"`params` must be a formula for a number, got {value!r}", FORMULA_HINT)
        term = _formula_term(args, ast.parse(value.strip(), mode="eval").body)
    elif is_number(value):
        term = Const(value) if isinstance(value, int) else Var("params", value)
    else:
        args.fail(
            "params",
            f"`params` must be a formula in quotes or a number, got {value_text(value)}",
            FORMULA_HINT,
        )
    count: Value = term.value()
    if isinstance(count, float) or (is_symbolic(count) and count.is_integer is False):
        args.fail("params", f"`params` gives {count_text(count)}, which is not a whole number", FORMULA_HINT)
    if (isinstance(count, int) and count < 0) or (is_symbolic(count) and count.is_negative):
        args.fail("params", f"`params` gives {count_text(count)}, a negative count", FORMULA_HINT)
    return None if count == 0 else term


def custom_layer(example: str) -> Infer:
    """The Custom layer: its count from `params`, its shape `output` (the input's when omitted);
    `example` shows an output shape in the dialect's channel order, e.g. "output=(28, 28, 6)"."""
    hint = f"e.g. {example}, without the batch axis"

    def infer(args: Args, shape: Shape) -> Output:
        formula = custom_formula(args)
        output = args.get("output")
        if output is None:
            return Output(shape, formula)
        sizes = output if isinstance(output, tuple) else (output,)
        for size in sizes:
            if not is_size(size):
                args.fail(
                    "output",
                    f"`output` must be a shape of positive whole numbers or names, got {value_text(output)}",
                    hint,
                )
        if not sizes:
            args.fail("output", "`output` is an empty shape", hint)
        return Output(sizes, formula)

    return infer


# ---------------------------------------------------------------------------------------------
# Free parameters: weights that belong to no layer
# ---------------------------------------------------------------------------------------------

PARAMETER_MERGES = ("add", "multiply", "concat")
_PARAMETER_HINT = (
    'e.g. Parameter((1, 768), merge="concat") for a class token, Parameter((197, 768)) for a position '
    "embedding, written without the batch axis"
)


def free_parameter(example: str) -> Infer:
    """A weight of its own shape, combined with the input as the model does it: added (a position
    embedding), multiplied (a layer scale), or concatenated on the first axis (a class token). Its
    count is its size. `example` names the dialect's spelling for the hint."""

    def infer(args: Args, shape: Shape) -> Output:
        sizes = _parameter_shape(args, shape)
        merge = args.get("merge")
        if merge not in PARAMETER_MERGES:
            close = difflib.get_close_matches(str(merge), PARAMETER_MERGES, n=1)
            args.fail(
                "merge",
                f"merge is {', '.join(map(repr, PARAMETER_MERGES))}, not {value_text(merge)}",
                f'did you mean merge="{close[0]}"?' if close else _PARAMETER_HINT,
            )
        formula = times(*(Var(f"Size_{i}", size) for i, size in enumerate(sizes, 1)))
        if merge == "concat":
            return Output(_concatenated(args, shape, sizes, example), formula)
        _stretch_into(args, shape, sizes, str(merge))
        return Output(shape, formula)

    return infer


def free_buffer(args: Args, shape: Shape) -> Output:
    """State of its own shape that training does not change (register_buffer: a causal mask, a
    fixed position encoding): its size counts as buffers, not parameters; the input passes on."""
    value = args.get("shape")
    sizes = value if isinstance(value, tuple) else (value,)
    if not sizes or not all(is_size(size) for size in sizes):
        args.fail("shape", f"`shape` must be sizes, such as (64, 64), got {value_text(value)}")
    return Output(shape, buffers=times(*(Var(f"Size_{i}", size) for i, size in enumerate(sizes, 1))))


def _parameter_shape(args: Args, given: Shape) -> Shape:
    value = args.get("shape")
    sizes = value if isinstance(value, tuple) else (value,)
    if len(sizes) == len(given) + 1 and sizes[0] == 1:  # torch.zeros(1, 1, 768), batch axis and all
        args.fail(
            "shape",
            f"the {value_text(value)} parameter has one axis more than the {shape_text(given)} input",
            f"leave out the batch axis, as every shape in a block does: {value_text(tuple(sizes[1:]))}",
        )
    if not sizes or not all(is_size(size) for size in sizes):
        args.fail(
            "shape", f"`shape` must be sizes, such as (1, 768), got {value_text(value)}", _PARAMETER_HINT
        )
    return tuple(sizes)


def _concatenated(args: Args, shape: Shape, sizes: Shape, example: str) -> Shape:
    """The input with the parameter put before it on the first axis (the tokens): the other axes agree."""
    if len(sizes) != len(shape) or any(
        same_size(a, b) is not True for a, b in zip(sizes[1:], shape[1:], strict=True)
    ):
        args.fail(
            "shape",
            f"a {shape_text(sizes)} parameter cannot be concatenated with the {shape_text(shape)} input "
            "on its first axis: every other size must be the input's",
            f"e.g. {example}",
        )
    return (shape[0] + sizes[0], *shape[1:])


def _stretch_into(args: Args, shape: Shape, sizes: Shape, merge: str) -> None:
    """A parameter added or multiplied stretches into the input (sizes aligned from the last, each
    equal or 1), never the input into it: the input's shape is the result's."""
    fits = len(sizes) <= len(shape) and all(
        size == 1 or same_size(size, own) is True
        for size, own in zip(reversed(sizes), reversed(shape), strict=False)
    )
    if not fits:
        verb = "added to" if merge == "add" else "multiplied with"
        args.fail(
            "shape",
            f"a {shape_text(sizes)} parameter cannot be {verb} the {shape_text(shape)} input: from the "
            "last axis on, each of its sizes must be the input's or 1",
            f"give it the input's sizes, or 1 where one value serves a whole axis (a layer scale on "
            f"{shape_text(shape)} is {shape_text(shape[-1:])})",
        )

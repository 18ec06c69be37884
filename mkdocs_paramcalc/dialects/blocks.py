"""Where the paths of a block construct meet: Residual and Branches(merge="add") add their
paths' outputs, Branches(merge="concat") concatenates them on the channel axis,
Branches(merge="multiply") multiplies them elementwise (a gate); and a Repeat's copy numbered."""

from __future__ import annotations

import difflib
import math
import re
from dataclasses import replace
from typing import Any

from mkdocs_paramcalc.dialects.entry import Shape
from mkdocs_paramcalc.errors import BlockError, Location
from mkdocs_paramcalc.reading.parse import Arg, Call, comparable
from mkdocs_paramcalc.values import MAX_MAGNITUDE, Number, Value, as_text, is_symbolic, symbol

MERGES = ("concat", "add", "multiply")
# The keyword arguments of each construct; the layers themselves are read by the parser.
KEYWORDS = {
    "Residual": ("name", "expect"),
    "Branches": ("merge", "name", "expect"),
    "Repeat": ("index", "name", "expect"),
    "TransformerEncoder": ("name", "expect"),  # its other arguments are read by the parser
    "TransformerDecoder": ("name", "expect"),
}
# What authors write for a merge, as the frameworks and papers name it.
_MERGE_WORDS = {
    "mul": "multiply",
    "multiplied": "multiply",
    "product": "multiply",
    "prod": "multiply",
    "gate": "multiply",
    "*": "multiply",
    "sum": "add",
    "added": "add",
    "plus": "add",
    "+": "add",
    "concatenate": "concat",
    "concatenated": "concat",
    "cat": "concat",
}


def merge_error(given: Value, where: Location) -> BlockError:
    """The error for a merge that is none of MERGES, with the one meant when it is clear."""
    word = given.strip().lower() if isinstance(given, str) else ""
    meant = _MERGE_WORDS.get(word) or next(iter(difflib.get_close_matches(word, MERGES, 1, 0.6)), None)
    return BlockError(
        f'Branches: merge is "concat", "add" or "multiply", not {given!r}',
        where,
        f'did you mean merge="{meant}"?'
        if meant
        else 'merge="concat" joins the channels (Inception), merge="add" adds the paths, '
        'merge="multiply" multiplies them (a gate, squeeze-and-excitation)',
    )


def same_size(a: Number, b: Number) -> bool | None:
    """Whether two sizes are equal: None when sympy cannot tell quickly."""
    if not is_symbolic(a) and not is_symbolic(b):
        return bool(a == b)
    import sympy

    difference = a - b
    if difference == 0:
        return True
    if not comparable(difference):
        return None
    expanded = sympy.expand(difference)
    if expanded.is_zero is None and expanded.has(sympy.floor, sympy.ceiling):
        # ⌈H/2⌉ and ⌊(H − 1)/2⌋ + 1 are one size that sympy cannot see as one: in a common form
        # of floors, they cancel. Only a cancellation is taken; anything else stays undecided.
        form = expanded
        for _ in range(_PASSES):
            rewritten = sympy.expand(_floors(form))
            if rewritten == 0:
                return True
            if rewritten == form:
                break
            form = rewritten
    return None if expanded.is_zero is None else bool(expanded.is_zero)


# Passes of _floors: sympy takes whole numbers out of a floor that one pass builds (⌈x/2 − 1⌉ is
# ⌈x/2⌉ − 1), and the next pass rewrites what remains.
_PASSES = 4


def _floors(expr: Any) -> Any:
    """`expr` with each floor and ceiling of a whole number over a positive whole number (inner
    ones first) in one form, ⌊(Σ rᵢ·tᵢ + r)/n⌋ plus whole parts, with every 0 ≤ rᵢ, r < n."""
    import sympy

    if not expr.args:
        return expr
    args = tuple(_floors(arg) for arg in expr.args)
    node = expr.func(*args) if args != expr.args else expr
    if isinstance(node, (sympy.floor, sympy.ceiling)):
        return _floor_form(node)
    return node


def _floor_form(node: Any) -> Any:
    """⌈x/n⌉ = ⌊(x + n − 1)/n⌋; ⌊(Σ cᵢ·tᵢ + c)/n⌋ = Σ qᵢ·tᵢ + q + ⌊(Σ rᵢ·tᵢ + r)/n⌋ with
    cᵢ = qᵢ·n + rᵢ, c = q·n + r; ⌊(g·y + r)/(g·m)⌋ = ⌊(y + ⌊r/g⌋)/m⌋; ⌊(⌊u/a⌋ + s)/m⌋ =
    ⌊(u + a·s)/(a·m)⌋. True for whole tᵢ, x, y, s and positive whole n, a, g, m: `node` is left
    as it is where sympy cannot show that they are."""
    import sympy

    numerator, denominator = sympy.fraction(sympy.together(node.args[0]))
    if not (denominator.is_Integer and denominator > 0):
        return node
    n = int(denominator)
    numerator = sympy.expand(numerator) + (n - 1 if isinstance(node, sympy.ceiling) else 0)
    whole, constant, parts = sympy.Integer(0), 0, []
    for term in sympy.Add.make_args(numerator):
        coefficient, factor = term.as_coeff_Mul()
        if not coefficient.is_Integer or factor.is_integer is not True:
            return node
        q, r = divmod(int(coefficient), n)
        whole += q * factor
        if factor == 1:
            constant += r
        elif r:
            parts.append((r, factor))
    common = math.gcd(n, *(r for r, _ in parts))
    n, constant, parts = n // common, constant // common, [(r // common, f) for r, f in parts]
    if len(parts) == 1 and parts[0][0] == 1 and isinstance(parts[0][1], sympy.floor):
        inner, a = sympy.fraction(sympy.together(parts[0][1].args[0]))
        if a.is_Integer and a > 0:
            merged = sympy.floor((inner + a * constant) / (a * n))
            return whole + (_floor_form(merged) if isinstance(merged, sympy.floor) else merged)
    return whole + sympy.floor((sum((r * f for r, f in parts), sympy.Integer(constant))) / n)


def added(name: str, shapes: list[tuple[str, Shape]], where: Location, hint: str) -> Shape:
    """The shape of the paths' sum; each path is (what it is called, its output shape)."""
    first = shapes[0][1]
    for _, shape in shapes[1:]:
        if len(shape) != len(first) or not all(same_size(a, b) for a, b in zip(shape, first, strict=True)):
            raise BlockError(
                f"{name}: {_listed(shapes)}; only equal shapes can be added",
                where,
                _UNDECIDED
                if any(same_size(a, b) is None for a, b in zip(shape, first, strict=False))
                else hint,
            )
    return first


def concatenated(name: str, shapes: list[tuple[str, Shape]], axis: int, where: Location) -> Shape:
    """The shape of the paths concatenated on `axis` (the channels: -1 in Keras, 0 in PyTorch)."""
    first = shapes[0][1]
    position = axis % len(first)
    channels: Number = 0
    for _, shape in shapes:
        others = [(a, b) for i, (a, b) in enumerate(zip(shape, first, strict=False)) if i != position]
        if len(shape) != len(first) or not all(same_size(a, b) for a, b in others):
            raise BlockError(
                f"{name}: {_listed(shapes)}; concatenated on the channel axis, every other size must match",
                where,
                "give the paths the same padding and strides, so that their outputs have the same spatial "
                "sizes"
                if not any(same_size(a, b) is None for a, b in others)
                else _UNDECIDED,
            )
        channels = channels + shape[position]
    return (*first[:position], channels, *first[position + 1 :])


def multiplied(name: str, shapes: list[tuple[str, Shape]], framework: str, where: Location) -> Shape:
    """The shape of the paths' elementwise product, broadcast as the framework does: Keras'
    Multiply puts 1s before the shorter shape (after the batch axis); torch's `*` aligns the
    batch axes too, so the shapes must have as many axes. A size of 1 stretches to the other."""
    out = shapes[0][1]
    for _, shape in shapes[1:]:
        if framework != "keras" and len(shape) != len(out):
            raise BlockError(
                f"{name}: {_listed(shapes)}; multiplied, the outputs need as many axes (torch's * "
                "broadcasts the batch axis too)",
                where,
                "give the gate its 1s: nn.AdaptiveAvgPool2d(1) gives (C, 1, 1), and so does "
                "nn.Unflatten(1, (C, 1, 1)) after a Linear",
            )
        rank = max(len(out), len(shape))
        left, right = (1,) * (rank - len(out)) + out, (1,) * (rank - len(shape)) + shape
        sizes: list[Number] = []
        for a, b in zip(left, right, strict=True):
            equal = True if a == 1 or b == 1 else same_size(a, b)
            if not equal:
                raise BlockError(
                    f"{name}: {_listed(shapes)}; multiplied, each size must be equal or 1",
                    where,
                    _UNDECIDED
                    if equal is None
                    else "give the gate 1 where it is stretched, as squeeze-and-excitation does: "
                    + (
                        "GlobalAveragePooling2D(keepdims=True) gives (1, 1, C)"
                        if framework == "keras"
                        else "nn.AdaptiveAvgPool2d(1) gives (C, 1, 1)"
                    ),
                )
            sizes.append(b if a == 1 else a)
        out = tuple(sizes)
    return out


def numbered(calls: tuple[Call, ...], index: str, copy: int) -> tuple[Call, ...]:
    """A Repeat's layers for its copy `copy` (from 0): the name `index` in their arguments is that
    number; a Repeat inside that names the same index keeps its own."""
    return tuple(_numbered_call(call, symbol(index), copy) for call in calls)


def _numbered_call(call: Call, name: Any, copy: int) -> Call:
    if (
        call.paths
        and call.name == "Repeat"
        and any(key == "index" and arg.value == name.name for key, arg in call.kwargs)
    ):
        return call  # its own index hides this one
    return replace(
        call,
        args=tuple(_numbered_arg(arg, name, copy) for arg in call.args),
        kwargs=tuple((key, _numbered_arg(arg, name, copy)) for key, arg in call.kwargs),
        paths=tuple(tuple(_numbered_call(c, name, copy) for c in path) for path in call.paths),
    )


def _numbered_arg(arg: Arg, name: Any, copy: int) -> Arg:
    value = _numbered_value(arg.value, name, copy, arg.where)
    return arg if value is arg.value else Arg(value, arg.where)


def _numbered_value(value: Value, name: Any, copy: int, where: Location) -> Value:
    if isinstance(value, Call):  # a wrapper's layer: its sizes are numbered too
        return _numbered_call(value, name, copy)
    if isinstance(value, tuple):
        values = tuple(_numbered_value(v, name, copy, where) for v in value)
        return value if all(a is b for a, b in zip(values, value, strict=True)) else values
    if isinstance(value, str):  # a formula in quotes (Custom's params), read later: the name as a word
        return re.sub(rf"(?<![\w.]){re.escape(name.name)}(?!\w)", str(copy), value)
    if not is_symbolic(value) or name not in value.free_symbols:
        return value
    result = value.subs(name, copy)
    if not result.is_number:
        return result
    if result.is_Integer:
        number: int | float = int(result)
    elif result.is_real and result.is_finite:
        number = float(result)
    else:  # zoo, nan: sympy's words for a division by zero
        raise BlockError(
            f"for copy {copy}, this divides by zero",
            where,
            "make the index start where the sizes are defined",
        )
    if not abs(number) <= MAX_MAGNITUDE:
        raise BlockError(f"for copy {copy}, this is too large to be a size or a count", where)
    return number


def projection(given: Shape, wanted: Shape, framework: str) -> str:
    """A 1 × 1 convolution that takes `given` to `wanted`, as an example for a hint."""
    channel = -1 if framework == "keras" else 0
    if len(wanted) == 1:  # vectors: a dense layer
        if framework == "keras":
            return f"shortcut=[Dense({as_text(wanted[0])})]"
        return f"shortcut=[nn.Linear({as_text(given[-1])}, {as_text(wanted[0])})]"
    stride: Number = 2
    if len(given) == len(wanted):
        size, out = given[1 if channel == 0 else 0], wanted[1 if channel == 0 else 0]
        if same_size(size, out):
            stride = 1
        elif isinstance(size, int) and isinstance(out, int) and out > 0:
            stride = -(-size // out)
    if framework == "keras":
        strides = f", strides={stride}" if stride != 1 else ""
        return f"shortcut=[Conv2D({as_text(wanted[channel])}, 1{strides})]"
    strides = f", stride={stride}" if stride != 1 else ""
    return f"shortcut=[nn.Conv2d({as_text(given[channel])}, {as_text(wanted[channel])}, 1{strides})]"


def _listed(shapes: list[tuple[str, Shape]]) -> str:
    return ", ".join(f"{what} gives ({', '.join(as_text(d) for d in shape)})" for what, shape in shapes)


_UNDECIDED = "sympy cannot tell whether these sizes are equal: give the symbols numbers"

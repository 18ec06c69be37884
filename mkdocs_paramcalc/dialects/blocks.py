"""Where the paths of a block construct meet: Residual and Branches(merge="add") add their
paths' outputs, Branches(merge="concat") concatenates them on the channel axis."""

from __future__ import annotations

import math
from typing import Any

from mkdocs_paramcalc.dialects.entry import Shape
from mkdocs_paramcalc.errors import BlockError, Location
from mkdocs_paramcalc.reading.parse import comparable
from mkdocs_paramcalc.values import Number, as_text, is_symbolic

MERGES = ("concat", "add")
# The keyword arguments of each construct; the layers themselves are read by the parser.
KEYWORDS = {
    "Residual": ("name", "expect"),
    "Branches": ("merge", "name", "expect"),
    "Repeat": ("name", "expect"),
}


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

"""Where the paths of a block construct meet: Residual and Branches(merge="add") add their
paths' outputs, Branches(merge="concat") concatenates them on the channel axis."""

from __future__ import annotations

from .catalogue import Shape
from .errors import BlockError, Location
from .parse import comparable
from .values import Number, as_text, is_symbolic

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
    return None if expanded.is_zero is None else bool(expanded.is_zero)


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

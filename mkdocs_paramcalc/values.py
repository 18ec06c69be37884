"""The values a block computes with: plain numbers, and sympy only once a symbol appears.

Numeric blocks never import sympy (it costs half a second); a bare name in a
block turns into a sympy symbol, and from then on the same arithmetic builds
expressions instead of integers.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any, Union

if TYPE_CHECKING:
    import sympy

Number = Union[int, "sympy.Expr"]
"""A size or a count: an int, or a sympy expression once symbols are involved."""

Value = Any
"""What an argument holds: int, float, str, bool, None, tuple, or a sympy expression."""

# A count beyond this is a typo or an attack, not a network (the largest models have ~1e13).
MAX_MAGNITUDE = 10**30


def is_symbolic(value: object) -> bool:
    """True for a sympy object; never imports sympy to find out."""
    sp = sys.modules.get("sympy")
    return sp is not None and isinstance(value, sp.Basic)


def symbol(name: str) -> sympy.Symbol:
    """The symbol for a bare name in a block: a positive integer, as sizes are."""
    import sympy

    return sympy.Symbol(name, integer=True, positive=True)


def is_number(value: object) -> bool:
    """An int or a symbolic expression (bools are not numbers here)."""
    return (isinstance(value, int) and not isinstance(value, bool)) or is_symbolic(value)


def floor_div(a: Number, b: Number) -> Number:
    """⌊a / b⌋, exact for ints and symbolic for expressions."""
    return a // b


def ceil_div(a: Number, b: Number) -> Number:
    """⌈a / b⌉, written so that ints and sympy expressions both get it right."""
    if is_symbolic(a) or is_symbolic(b):
        import sympy

        return sympy.ceiling(sympy.Rational(1, 1) * a / b)
    return -(-a // b)


def is_positive(value: Number) -> bool | None:
    """Whether a size is > 0: True or False when known, None when a symbol leaves it open."""
    if isinstance(value, int):
        return value > 0
    result = value.is_positive
    return None if result is None else bool(result)


def product(values: tuple[Number, ...] | list[Number]) -> Number:
    """The product of sizes (1 for none)."""
    result: Number = 1
    for v in values:
        result = result * v
    return result

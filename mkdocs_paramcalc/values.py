"""The values a block computes with: plain numbers, and sympy only once a symbol appears.

Numeric blocks never import sympy (it costs half a second); a bare name in a
block turns into a sympy symbol, and from then on the same arithmetic builds
expressions instead of integers.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any, Union

from mkdocs_paramcalc.memo import Memo

if TYPE_CHECKING:
    import sympy

Number = Union[int, "sympy.Expr"]
"""A size or a count: an int, or a sympy expression once symbols are involved."""

Value = Any
"""What an argument holds: int, float, str, bool, None, tuple, or a sympy expression."""

# A count beyond this is a typo or an attack, not a network (the largest models have ~1e13).
MAX_MAGNITUDE = 10**30
MAGNITUDE = f"10^{len(str(MAX_MAGNITUDE)) - 1}"
"""MAX_MAGNITUDE as messages write it."""


def is_symbolic(value: object) -> bool:
    """True for a sympy object; never imports sympy to find out."""
    if type(value) is int:  # the common case, answered first
        return False
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
    """The product of sizes (1 for none). With names, one sympy product of all the factors at once:
    multiplied in turn, 4 × (d + 1) would first become 4·d + 4, and 4·(d + 1)·d then print and sum
    otherwise than 4·d·(d + 1)."""
    if any(is_symbolic(v) for v in values):
        import sympy

        result: Number = sympy.Mul(*values)
        return result
    total: Number = 1
    for v in values:
        total = total * v
    return total


def readable(value: Number) -> Number:
    """The form a teacher would write: ⌊(H − k + 1)/2⌋ rather than ⌊H/2 − k/2 + 1/2⌋ + 1.

    sympy pulls whole numbers out of floor and ceiling and spreads a division over a
    sum; for printing, whole numbers go back in, each argument is put over one
    denominator, and the functions are left unevaluated. The value is unchanged.
    """
    if not is_symbolic(value):
        return value
    # A symbolic block prints each of its few sizes and counts many times (about 70 calls for 10
    # values in a ResNet stage), and this rewriting is most of its rendering time.
    return _READABLE.get_or_compute(value, lambda: _rewritten(value))


# Readable forms, by expression: sympy's == compares structure (2.0·H is not 2·H since 1.13).
_READABLE: Memo[Any, Number] = Memo("values: readable forms", 1024)


def _rewritten(value: Any) -> Number:
    """`readable`'s work, for a symbolic value."""
    import sympy

    rounding = (sympy.floor, sympy.ceiling)

    def over_one_denominator(kind: Any, argument: sympy.Expr) -> sympy.Expr:
        numerator, denominator = sympy.fraction(sympy.together(argument))
        inner = fold(numerator)
        if denominator != 1:
            inner = sympy.Mul(inner, sympy.Pow(denominator, -1, evaluate=False), evaluate=False)
        return kind(inner, evaluate=False)

    def fold(expr: sympy.Expr, inner: bool = False) -> sympy.Expr:
        if not expr.args:
            return expr
        if isinstance(expr, rounding):
            return over_one_denominator(type(expr), expr.args[0])
        if isinstance(expr, sympy.Add):
            parts = [a for a in expr.args if isinstance(a, rounding)]
            whole = [a for a in expr.args if a.is_Integer]
            if len(parts) == 1 and whole and len(parts) + len(whole) == len(expr.args):
                return over_one_denominator(type(parts[0]), parts[0].args[0] + sum(whole))
            if inner:  # a factor of a product: (320H − 640)(W − 2) → 320(H − 2)(W − 2)
                common = sympy.factor_terms(expr)
                if isinstance(common, sympy.Mul):
                    return _product([fold(a, inner=True) for a in common.args])
            terms = [fold(a) for a in expr.args]
            return sympy.Add(*sorted(terms, key=_reading_order), evaluate=False)
        args = [fold(a, inner=True) for a in expr.args]
        if isinstance(expr, sympy.Mul):
            return _product(args)
        return expr.func(*args)

    def _product(factors: list[sympy.Expr]) -> sympy.Expr:
        flat: list[sympy.Expr] = []
        for f in factors:
            flat.extend(f.args if isinstance(f, sympy.Mul) else [f])
        return sympy.Mul(*flat, evaluate=False)

    return fold(value)


def _reading_order(term: Any) -> tuple[int, int, str]:
    """Terms of a sum as one writes them: H − k + 1, symbols before numbers, plus before minus."""
    coefficient, _ = term.as_coeff_Mul()
    return (int(bool(term.is_number)), int(bool(coefficient.is_negative)), str(term).lstrip("-"))


_SUPERSCRIPTS = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def leading(value: Number) -> Number | None:
    """The terms of highest degree in the symbols (12·L·d² of a GPT's count, whose embeddings
    V·d grow with d alone): the part that grows fastest, as courses approximate a count. None for a
    number, or a count that is no polynomial in its symbols (a ⌊H/2⌋ in it)."""
    if not is_symbolic(value):
        return None
    import sympy
    from sympy.polys.polyerrors import BasePolynomialError

    expanded = sympy.expand(value)
    symbols = sorted(expanded.free_symbols, key=str)
    terms = sympy.Add.make_args(expanded)
    try:
        degrees = [sympy.Poly(term, *symbols).total_degree() for term in terms]
    except BasePolynomialError:
        return None
    top = max(degrees)
    return readable(sympy.Add(*(t for t, d in zip(terms, degrees, strict=True) if d == top)))


def as_text(value: Number) -> str:
    """A size or count for a terminal: 8192·⌊(H − 4)/2⌋·⌊(W − 4)/2⌋ + 128, N_f·(C·k² + 1)."""
    if not is_symbolic(value):
        return str(value)
    import re

    from sympy.printing.str import StrPrinter

    class _Text(StrPrinter):  # type: ignore[misc]  # sympy is untyped
        def _print_floor(self, e: Any) -> str:
            return f"⌊{self._print(e.args[0])}⌋"

        def _print_ceiling(self, e: Any) -> str:
            return f"⌈{self._print(e.args[0])}⌉"

        def _print_Integer(self, e: Any) -> str:  # noqa: N802 (sympy dispatches on the name)
            return f"{int(e):,}"  # 128·H·W + 1,418, as the counts in a table are written

    text = _Text({"order": "none"}).doprint(readable(value))
    text = re.sub(r"\*\*(\d+)", lambda m: m.group(1).translate(_SUPERSCRIPTS), text)
    text = re.sub(r"(^|[(\s,])-", r"\1−", text)
    return text.replace("*", "·").replace(" - ", " − ")


def shortened(text: str, limit: int = 60) -> str:
    """`text`, or for a longer one its start and end around an ellipsis: a message that quotes
    author text back must not bury what is wrong under 5,000 characters of it."""
    if len(text) <= limit:
        return text
    tail = max(limit // 3, 1)
    return f"{text[: max(limit - tail - 1, 1)]}…{text[-tail:]}"


def quoted(value: object, limit: int = 60) -> str:
    """A value as a message quotes it: repr'd, shortened, and a long string's length told."""
    if isinstance(value, str) and len(value) > limit:
        return f"{shortened(value, limit)!r} ({len(value):,} characters)"
    return shortened(repr(value), limit)

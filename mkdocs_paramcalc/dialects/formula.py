"""A layer's parameter formula, defined once: it evaluates, and prints as the slides write it.

A formula is a small tree of named quantities (`Height`, `bias`, `N_f`) joined by
× and +, with the parentheses a textbook puts in. It prints in two forms, the
general one in words and symbols and the one with the numbers substituted,
through a printer for plain text, LaTeX or MathML. Evaluating it gives an int,
or a sympy expression where a quantity is symbolic; sympy's printer is only
called for such symbolic quantities.
"""

from __future__ import annotations

import html
import re
from abc import ABC, abstractmethod
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any

from mkdocs_paramcalc.memo import Memo
from mkdocs_paramcalc.values import Number, as_text, is_symbolic, product, readable


class Printer(ABC):
    """How the parts of a formula are written in one output format."""

    @abstractmethod
    def label(self, label: str) -> str:
        """A named quantity such as `Height` or `N_f`."""

    @abstractmethod
    def number(self, value: Number) -> str:
        """A number substituted for a quantity."""

    @abstractmethod
    def op(self, symbol: str) -> str:
        """An operator or bracket: × + / ( ) =."""

    def join(self, parts: list[str]) -> str:
        return "".join(parts)

    def power(self, base: list[str], exponent: list[str]) -> list[str]:
        """A power; formats that can raise the exponent override this."""
        return [*base, self.op("^"), *exponent]


@dataclass(frozen=True)
class Term(ABC):
    """A piece of a formula."""

    @abstractmethod
    def value(self) -> Number:
        """What the term evaluates to."""

    @abstractmethod
    def parts(self, printer: Printer, numbers: bool) -> list[str]:
        """The printed pieces: in words and symbols, or with the numbers substituted."""

    def skeleton(self) -> Hashable | None:
        """What the general form depends on (the structure and the labels, not the amounts), or
        None where it is not known: two terms with the same skeleton print the same general form.
        A subclass that prints its general form differently must override it."""
        return None

    def render(self, printer: Printer, *, numbers: bool) -> str:
        # Not remembered here: the HTML writer keeps each skeleton's whole general line, so a
        # memo of general forms here was never hit in the benchmark's 200 pages.
        return printer.join(self.parts(printer, numbers))


def _skeletons(terms: tuple[Term, ...]) -> tuple[Hashable, ...] | None:
    keys = tuple(t.skeleton() for t in terms)
    return None if None in keys else keys


@dataclass(frozen=True)
class Var(Term):
    """A named quantity: prints its label in the general form and its value in the other."""

    label: str
    amount: Number

    def value(self) -> Number:
        return self.amount

    def skeleton(self) -> Hashable | None:
        return (type(self), self.label)

    def parts(self, printer: Printer, numbers: bool) -> list[str]:
        if not numbers:
            return [printer.label(self.label)]
        if is_symbolic(self.amount) and getattr(self.amount, "is_Add", False):  # H − 2 is one: (H − 2)
            return [printer.op("("), printer.number(self.amount), printer.op(")")]
        return [printer.number(self.amount)]


@dataclass(frozen=True)
class Const(Term):
    """A fixed number, printed the same in both forms (the 4 of BatchNormalization's 4 × C)."""

    amount: int

    def value(self) -> Number:
        return self.amount

    def skeleton(self) -> Hashable | None:
        return (type(self), self.amount) if type(self.amount) is int else None

    def parts(self, printer: Printer, numbers: bool) -> list[str]:
        return [printer.number(self.amount)]


@dataclass(frozen=True)
class Product(Term):
    factors: tuple[Term, ...]

    def value(self) -> Number:
        return product([f.value() for f in self.factors])

    def skeleton(self) -> Hashable | None:
        keys = _skeletons(self.factors)
        return None if keys is None else (type(self), keys)

    def parts(self, printer: Printer, numbers: bool) -> list[str]:
        return _joined(self.factors, printer.op("×"), printer, numbers)


@dataclass(frozen=True)
class Sum(Term):
    terms: tuple[Term, ...]

    def value(self) -> Number:
        total: Number = 0
        for t in self.terms:
            total = total + t.value()
        return total

    def skeleton(self) -> Hashable | None:
        keys = _skeletons(self.terms)
        return None if keys is None else (type(self), keys)

    def parts(self, printer: Printer, numbers: bool) -> list[str]:
        return _joined(self.terms, printer.op("+"), printer, numbers)


@dataclass(frozen=True)
class Quotient(Term):
    """An exact division (channels per group)."""

    numerator: Term
    denominator: Term

    def value(self) -> Number:
        n, d = self.numerator.value(), self.denominator.value()
        return n // d if isinstance(n, int) and isinstance(d, int) else n / d

    def skeleton(self) -> Hashable | None:
        keys = _skeletons((self.numerator, self.denominator))
        return None if keys is None else (type(self), keys)

    def parts(self, printer: Printer, numbers: bool) -> list[str]:
        return [
            *self.numerator.parts(printer, numbers),
            printer.op("/"),
            *self.denominator.parts(printer, numbers),
        ]


@dataclass(frozen=True)
class Difference(Term):
    """a − b, as an author may write in a Custom layer's formula."""

    left: Term
    right: Term

    def value(self) -> Number:
        return self.left.value() - self.right.value()

    def skeleton(self) -> Hashable | None:
        keys = _skeletons((self.left, self.right))
        return None if keys is None else (type(self), keys)

    def parts(self, printer: Printer, numbers: bool) -> list[str]:
        return [*self.left.parts(printer, numbers), printer.op("−"), *self.right.parts(printer, numbers)]


@dataclass(frozen=True)
class Power(Term):
    """A power with a whole exponent ≥ 0, as an author may write in a Custom layer's formula."""

    base: Term
    exponent: Term

    def value(self) -> Number:
        return self.base.value() ** self.exponent.value()

    def skeleton(self) -> Hashable | None:
        keys = _skeletons((self.base, self.exponent))
        return None if keys is None else (type(self), keys)

    def parts(self, printer: Printer, numbers: bool) -> list[str]:
        return printer.power(self.base.parts(printer, numbers), self.exponent.parts(printer, numbers))


@dataclass(frozen=True)
class Bracketed(Term):
    """The parentheses a textbook writes, needed or not: ((3 × 3 × 1) + 1) × 32."""

    inner: Term

    def value(self) -> Number:
        return self.inner.value()

    def skeleton(self) -> Hashable | None:
        key = self.inner.skeleton()
        return None if key is None else (type(self), key)

    def parts(self, printer: Printer, numbers: bool) -> list[str]:
        return [printer.op("("), *self.inner.parts(printer, numbers), printer.op(")")]


def _joined(terms: tuple[Term, ...], sep: str, printer: Printer, numbers: bool) -> list[str]:
    out: list[str] = []
    for i, term in enumerate(terms):
        if i:
            out.append(sep)
        out.extend(term.parts(printer, numbers))
    return out


def times(*factors: Term) -> Term:
    return factors[0] if len(factors) == 1 else Product(factors)


def plus(*terms: Term) -> Term:
    return terms[0] if len(terms) == 1 else Sum(terms)


_LABEL = re.compile(r"^(?P<base>[^_]+)(?:_\{?(?P<sub>[^}]*)\}?)?$")


def split_label(label: str) -> tuple[str, str]:
    """`N_{nodes}` → (`N`, `nodes`); `Height` → (`Height`, ``)."""
    m = _LABEL.match(label)
    return (m.group("base"), m.group("sub") or "") if m else (label, "")


class TextPrinter(Printer):
    """Plain text for terminals: ((Height × Width × Depth) + bias) × N_f."""

    def label(self, label: str) -> str:
        return label.replace("{", "").replace("}", "")

    def number(self, value: Number) -> str:
        return as_text(value)

    def op(self, symbol: str) -> str:
        return symbol if symbol in "()" else f" {symbol} "


class LatexPrinter(Printer):
    """LaTeX, for MathJax or KaTeX and for the MathML annotation."""

    def label(self, label: str) -> str:
        base, sub = split_label(label)
        head = base if len(base) == 1 else rf"\text{{{base}}}"
        if not sub:
            return head
        tail = sub if len(sub) == 1 else rf"\text{{{sub}}}"
        return f"{head}_{{{tail}}}"

    def number(self, value: Number) -> str:
        if type(value) is not int and is_symbolic(value):
            return str(_grouping_printers()[1].doprint(readable(value)))
        return str(value)

    def op(self, symbol: str) -> str:
        return _LATEX_OPS.get(symbol, symbol)

    def power(self, base: list[str], exponent: list[str]) -> list[str]:
        return [*base, "^{", *exponent, "}"]


class MathMLPrinter(Printer):
    """Presentation MathML, which browsers render natively."""

    def label(self, label: str) -> str:
        base, sub = split_label(label)
        head = _mi(base)
        return f"<msub>{head}{_mi(sub)}</msub>" if sub else head

    def number(self, value: Number) -> str:
        if type(value) is not int and is_symbolic(value):
            return f"<mrow>{_minus(_grouping_printers()[0].doprint(readable(value)))}</mrow>"
        return f"<mn>{value}</mn>"

    def op(self, symbol: str) -> str:
        return _MO.get(symbol) or f"<mo>{html.escape(symbol)}</mo>"

    def power(self, base: list[str], exponent: list[str]) -> list[str]:
        return ["<msup><mrow>", *base, "</mrow><mrow>", *exponent, "</mrow></msup>"]


_MO = {s: f"<mo>{s}</mo>" for s in "×+/()=,"}
_LATEX_OPS = {"×": r" \times ", "+": " + ", "−": " - ", "/": " / ", "=": " = "}


def _mi(word: str) -> str:
    text = html.escape(word)
    return f"<mi>{text}</mi>" if len(word) == 1 else f"<mtext>{text}</mtext>"


def _grouping_printers() -> tuple[Any, Any]:
    """sympy's MathML and LaTeX printers, grouping a formula's digits as a table's counts are
    (128CHW + 1,418); made on first use, as sympy is imported only for blocks with symbols."""
    return _SYMPY_PRINTERS.get_or_compute("grouping", _make_grouping_printers)


# The printers above, made once: each is two classes made and sympy imported.
_SYMPY_PRINTERS: Memo[str, tuple[Any, Any]] = Memo("formula: sympy printers", 1)


def _make_grouping_printers() -> tuple[Any, Any]:
    from sympy.printing.latex import LatexPrinter as SympyLatex
    from sympy.printing.mathml import MathMLPresentationPrinter

    class GroupedMathML(MathMLPresentationPrinter):  # type: ignore[misc]  # sympy is untyped
        def _print_Integer(self, e: Any) -> Any:  # noqa: N802 (sympy dispatches on the name)
            node = self.dom.createElement("mn")
            node.appendChild(self.dom.createTextNode(f"{int(e):,}"))
            return node

    class GroupedLatex(SympyLatex):  # type: ignore[misc]
        def _print_Integer(self, e: Any) -> str:  # noqa: N802
            return f"{int(e):,}".replace(",", "{,}")

    return GroupedMathML({"order": "none"}), GroupedLatex({"order": "none"})


def _minus(mathml: str) -> str:
    """sympy writes a hyphen for minus; typeset the minus sign."""
    return mathml.replace("<mo>-</mo>", "<mo>−</mo>")

"""Block text → layer calls, through Python's `ast` and a whitelist; nothing is ever run."""

from __future__ import annotations

import ast
import math
import operator
import re
from collections.abc import Callable
from dataclasses import dataclass

from .errors import BlockError, Location
from .values import MAX_MAGNITUDE, Value, is_symbolic, symbol

MAX_BLOCK_CHARS = 1_000_000
MAX_LAYERS = 10_000
MAX_DEPTH = 64  # nesting of brackets and operators inside one argument
MAX_STRING = 1_000
MAX_EXPONENT_BITS = 128  # a ** b with a result wider than this many bits is refused

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")  # tab, newline and carriage return are fine
CALL_EXAMPLE = 'one layer a line, as a call such as Conv2D(32, 3, activation="relu")'


@dataclass(frozen=True)
class Arg:
    """An argument's value and where it was written."""

    value: Value
    where: Location


@dataclass(frozen=True)
class Call:
    """One layer as the author wrote it."""

    name: str
    args: tuple[Arg, ...]
    kwargs: tuple[tuple[str, Arg], ...]
    where: Location
    prefix: str = ""  # "nn." when written as a torch.nn attribute

    def keyword(self, name: str) -> Arg | None:
        """The keyword argument `name`, if given."""
        for key, arg in self.kwargs:
            if key == name:
                return arg
        return None


def parse_block(text: str) -> tuple[Call, ...]:
    """Parse a block's body (line 1 is its first line) into layer calls."""
    _check_text(text)
    lines = text.split("\n")
    # Leading white space carries no meaning in a block; Python's parser would call it an indent.
    indents = [len(line) - len(line.lstrip(" \t")) for line in lines]
    source = "\n".join(line[n:] for line, n in zip(lines, indents, strict=True))
    locate = _Locator(source.split("\n"), indents)
    try:
        tree = ast.parse(source, mode="exec")
    except SyntaxError as exc:
        raise _syntax_error(exc, locate) from None
    except (RecursionError, MemoryError, ValueError):
        raise BlockError("the block is nested too deeply to read", Location(1, 1)) from None
    if len(tree.body) > MAX_LAYERS:
        raise BlockError(
            f"the block has {len(tree.body):,} statements; at most {MAX_LAYERS:,} are read",
            locate(tree.body[MAX_LAYERS]),
        )
    return tuple(_statement(node, locate) for node in tree.body)


def parse_expression(text: str, where: Location) -> Value:
    """A value written outside a block body (a fence option); errors point at `where`."""
    _check_text(text)
    try:
        tree = ast.parse(text.strip() or "()", mode="eval")
        return _value(tree.body, _Locator([text], [0]), 0)
    except SyntaxError:
        raise BlockError(f"could not read {text!r}", where, 'write sizes such as "28x28x1"') from None
    except BlockError as exc:
        raise BlockError(exc.message, where, exc.hint) from None


def _check_text(text: str) -> None:
    if len(text) > MAX_BLOCK_CHARS:
        raise BlockError(
            f"the block is {len(text):,} characters long; at most {MAX_BLOCK_CHARS:,} are read",
            Location(1, 1),
        )
    bad = _CONTROL.search(text)
    if bad is not None:
        line = text.count("\n", 0, bad.start()) + 1
        column = bad.start() - (text.rfind("\n", 0, bad.start()) + 1) + 1
        raise BlockError(
            f"control character U+{ord(bad.group()):04X} in the block",
            Location(line, column),
            "delete it; blocks are plain text",
        )
    depth = deepest = 0
    for char in text:
        if char in "([{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in ")]}":
            depth -= 1
    if deepest > MAX_DEPTH:
        raise BlockError(f"brackets are nested {deepest} deep; at most {MAX_DEPTH} are read", Location(1, 1))


class _Locator:
    """Turns an ast node's position into a Location in the original block text."""

    def __init__(self, lines: list[str], indents: list[int]) -> None:
        self.lines = lines
        self.indents = indents

    def __call__(self, node: ast.AST) -> Location:
        line = getattr(node, "lineno", 1)
        byte_col = getattr(node, "col_offset", 0)
        return self.at(line, byte_col, in_bytes=True)

    def at(self, line: int, col: int, *, in_bytes: bool) -> Location:
        if not 1 <= line <= len(self.lines):
            return Location(max(line, 1), 1)
        text = self.lines[line - 1]
        # ast counts columns in UTF-8 bytes; people count characters.
        chars = len(text.encode()[:col].decode(errors="ignore")) if in_bytes else col
        return Location(line, chars + self.indents[line - 1] + 1)


def _syntax_error(exc: SyntaxError, locate: _Locator) -> BlockError:
    line = exc.lineno or 1
    col = max((exc.offset or 1) - 1, 0)
    message = (exc.msg or "invalid syntax").rstrip(".")
    return BlockError(
        f"could not read this: {message}",
        locate.at(line, col, in_bytes=False),
        f"write {CALL_EXAMPLE}",
    )


def _statement(node: ast.stmt, locate: _Locator) -> Call:
    where = locate(node)
    if isinstance(node, ast.Import | ast.ImportFrom):
        raise BlockError(
            "imports are not part of a block: nothing in a block runs", where, f"write {CALL_EXAMPLE}"
        )
    if isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign):
        raise BlockError("a block lists layers; it does not assign names", where, f"write {CALL_EXAMPLE}")
    if not isinstance(node, ast.Expr) or not isinstance(node.value, ast.Call):
        raise BlockError("expected a layer", where, f"write {CALL_EXAMPLE}")
    return _call(node.value, locate)


def _call(node: ast.Call, locate: _Locator) -> Call:
    where = locate(node)
    func = node.func
    prefix = ""
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "nn":
        name, prefix = func.attr, "nn."
    elif isinstance(func, ast.Name):
        name = func.id
    else:
        raise BlockError(
            "a layer is named by a plain name such as Conv2D (or nn.Conv2d)",
            locate(func),
            "attribute access and calls on results are not part of a block",
        )
    args = []
    for item in node.args:
        if isinstance(item, ast.Starred):
            raise BlockError("*arguments are not part of a block", locate(item))
        args.append(Arg(_value(item, locate, 0), locate(item)))
    kwargs = []
    seen: set[str] = set()
    for kw in node.keywords:
        if kw.arg is None:
            raise BlockError("**arguments are not part of a block", locate(kw))
        if kw.arg in seen:
            raise BlockError(f"{name}: `{kw.arg}` is given twice", locate(kw))
        seen.add(kw.arg)
        kwargs.append((kw.arg, Arg(_value(kw.value, locate, 0), locate(kw))))
    return Call(name, tuple(args), tuple(kwargs), where, prefix)


def _value(node: ast.expr, locate: _Locator, depth: int) -> Value:
    if depth > MAX_DEPTH:
        raise BlockError(f"the expression is nested more than {MAX_DEPTH} deep", locate(node))
    if isinstance(node, ast.Constant):
        return _constant(node, locate)
    if isinstance(node, ast.Name):
        return symbol(node.id)
    if isinstance(node, ast.Tuple | ast.List):
        return tuple(_value(item, locate, depth + 1) for item in node.elts)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        operand = _value(node.operand, locate, depth + 1)
        _require_arithmetic(operand, node, locate)
        return -operand if isinstance(node.op, ast.USub) else operand
    if isinstance(node, ast.BinOp) and type(node.op) in _OPERATORS:
        left = _value(node.left, locate, depth + 1)
        right = _value(node.right, locate, depth + 1)
        _require_arithmetic(left, node.left, locate)
        _require_arithmetic(right, node.right, locate)
        return _arithmetic(node, left, right, locate)
    if isinstance(node, ast.Call):
        func = node.func
        if isinstance(func, ast.Name) and func.id[:1].isupper():
            raise BlockError(
                f"a layer (`{func.id}`) cannot stand inside another layer's arguments",
                locate(node),
                "write one layer a line",
            )
        raise BlockError(
            "function calls are not part of a block: it is data, never run",
            locate(node),
            "arguments are numbers, strings, tuples, True/False/None, names and + - * / // ** % ( )",
        )
    raise BlockError(
        f"{_describe(node)} is not part of a block",
        locate(node),
        "arguments are numbers, strings, tuples, True/False/None, names and + - * / // ** % ( )",
    )


def _constant(node: ast.Constant, locate: _Locator) -> Value:
    value = node.value
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        if abs(value) > MAX_MAGNITUDE:
            raise BlockError("this number is too large to be a size or a count", locate(node))
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise BlockError("this number is not finite", locate(node))
        return value
    if isinstance(value, str):
        if len(value) > MAX_STRING:
            raise BlockError(f"strings are at most {MAX_STRING} characters", locate(node))
        return value
    raise BlockError(f"a {type(value).__name__} literal is not part of a block", locate(node))


def _require_arithmetic(value: Value, node: ast.expr, locate: _Locator) -> None:
    ok = (isinstance(value, int | float) and not isinstance(value, bool)) or is_symbolic(value)
    if not ok:
        raise BlockError(f"arithmetic works on numbers and names, not on {value!r}", locate(node))


def _true_div(a: Value, b: Value) -> Value:
    if isinstance(a, int) and isinstance(b, int) and b != 0 and a % b == 0:
        return a // b
    if is_symbolic(a) or is_symbolic(b):
        import sympy

        return sympy.Integer(a) / b if isinstance(a, int) else a / b
    return a / b


_OPERATORS: dict[type[ast.operator], Callable[[Value, Value], Value]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: _true_div,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: operator.pow,
}


def _arithmetic(node: ast.BinOp, left: Value, right: Value, locate: _Locator) -> Value:
    op = type(node.op)
    if op in (ast.Div, ast.FloorDiv, ast.Mod) and not is_symbolic(right) and right == 0:
        raise BlockError("division by zero", locate(node.right))
    if op is ast.Pow:
        _check_power(left, right, node, locate)
    try:
        result = _OPERATORS[op](left, right)
    except (OverflowError, ZeroDivisionError, ValueError, TypeError) as exc:
        raise BlockError(f"cannot compute this: {exc}", locate(node)) from None
    if isinstance(result, complex):
        raise BlockError("this gives a complex number", locate(node))
    if isinstance(result, int | float) and abs(result) > MAX_MAGNITUDE:
        raise BlockError("the result is too large to be a size or a count", locate(node))
    return result


def _check_power(base: Value, exponent: Value, node: ast.BinOp, locate: _Locator) -> None:
    if is_symbolic(exponent):
        if not exponent.is_number:
            raise BlockError("an exponent must be a number, not a name", locate(node.right))
        return
    if abs(exponent) > MAX_EXPONENT_BITS:
        raise BlockError(f"exponents are at most {MAX_EXPONENT_BITS}", locate(node.right))
    if isinstance(base, int | float) and abs(base) > 1:
        bits = math.log2(abs(base)) * exponent
        if bits > MAX_EXPONENT_BITS:
            raise BlockError("the result is too large to be a size or a count", locate(node))


def _describe(node: ast.AST) -> str:
    words = re.sub(r"(?<!^)(?=[A-Z])", " ", type(node).__name__).lower()
    special = {
        "attribute": "attribute access (a.b)",
        "subscript": "indexing (a[b])",
        "list comp": "a comprehension",
        "generator exp": "a generator",
        "dict": "a dict",
        "set": "a set",
        "joined str": "an f-string",
    }
    return special.get(words, words)

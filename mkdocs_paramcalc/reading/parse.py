"""Block text → layer calls, through Python's `ast` and a whitelist; nothing is ever run.

Every bound on what a block may hold, and on the work it may cause, is here (docs/security.md
lists them): a block past one is a located BlockError, never a hang, a traceback or a
RecursionError. `Budget` bounds what the layers then compute from the arguments.
"""

from __future__ import annotations

import ast
import math
import operator
import re
import time
import unicodedata
import warnings
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from itertools import accumulate, islice
from typing import Any

from mkdocs_paramcalc.errors import BlockError, Location, gathered
from mkdocs_paramcalc.memo import Memo
from mkdocs_paramcalc.reading.characters import UNSAFE, UNSAFE_IN_BLOCK, describe
from mkdocs_paramcalc.values import MAX_MAGNITUDE, Number, Value, is_symbolic, quoted, symbol

MAX_BLOCK_CHARS = 100_000  # characters in one block (Python parses dense code at ~4 µs a character)
MAX_LAYERS = 1_000  # layers in one block, Input included: each layer inside a block construct, each copy
MAX_NESTING = 8  # block constructs (Residual, Branches, Repeat) inside one another
MAX_DEPTH = 64  # nesting of brackets and operators inside one argument
MAX_ARGUMENTS = 64  # arguments of one call, and items of one tuple
MAX_STRING = 1_000  # characters of one string
MAX_NAME = 100  # characters of one name: a layer, a keyword or a symbol
MAX_DIGITS = 1_000  # a run of digits anywhere in a block (Python's int() is quadratic in it)
MAX_EXPONENT_BITS = 128  # exponents are at most this, and a ** b at most this many bits wide
MAX_SYMBOLIC_STEPS = 1_000  # names, and arithmetic on them, in one block's arguments
MAX_FORMULA_NODES = 500  # symbols, numbers and operations in all the symbolic sizes and counts of a block
MAX_TERMS = 32  # terms a formula (an argument, or an output size) may multiply out to
MAX_DEGREE = 6  # its degree in the names: sympy's sign and floor of H**31 + ... + 1 take seconds
MAX_SECONDS = 1.0  # sympy's time reading a block's formulas, and again computing its layers


def module_tree(source: str) -> ast.Module:
    """Python's parse of a block's text, without its warnings: an invalid escape such as "\\h" in
    a name is the author's text, not something for the build's log (Python warns of it as it reads)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ast.parse(source, mode="exec")


def _expression(source: str) -> ast.Expression:
    """The same, of one expression."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ast.parse(source, mode="eval")


_LONG_NUMBER = re.compile(rf"(?<![0-9_])[0-9][0-9_]{{{MAX_DIGITS},}}")  # from the start of a run only: linear
_BRACKET = re.compile(r"[()\[\]{}]")
_STEP = {"(": 1, "[": 1, "{": 1, ")": -1, "]": -1, "}": -1}
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
CALL_EXAMPLE = 'one layer a line, as a call such as Conv2D(32, 3, activation="relu")'
BLOCKS = ("Residual", "Branches", "Repeat")  # the calls whose arguments are layers
# torch.nn's stacks of transformer layers, read as a block construct: Repeat(num_layers, layer)
# and the norm after it, the stack's keyword arguments passed to its layer (a decoder's memory=).
STACKS = {
    "TransformerEncoder": ("encoder_layer", "num_layers", "norm", "enable_nested_tensor", "mask_check"),
    "TransformerDecoder": ("decoder_layer", "num_layers", "norm", "memory"),
}
CONSTRUCTS = (*BLOCKS, *STACKS)  # the calls a block reads as constructs, not as the catalogue's layers
# The calls whose first argument (and `layer=`, `backward_layer=`) is a layer: the Keras catalogue's
# entries that take a `layer` (tests/test_wrappers.py holds the two lists equal).
WRAPPERS = ("Bidirectional", "TimeDistributed")
_LAYER_KEYWORDS = ("layer", "backward_layer")
# Whole models, pasted from a framework's code: a block writes their layers one a line.
_MODELS = ("Sequential", "Model", "Functional", "ModuleList", "ModuleDict")
_NESTED_HINT = (
    "write it on a line of its own, before this one: a block lists layers one a line, each fed by "
    "the one before (only Bidirectional(...) and TimeDistributed(...) take a layer as an argument)"
)
_VALUES_HINT = "arguments are numbers, strings, tuples, True/False/None, names and + - * / // ** % ( )"


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
    # A block construct's layers (BLOCKS): Residual's main path and shortcut (empty: identity),
    # each of Branches' paths, Repeat's layers; its other arguments are in args and kwargs.
    paths: tuple[tuple[Call, ...], ...] = ()
    size: int = 1  # the layers it stands for: those inside, each copy of a Repeat counted
    # Pasted code's name for the layer (a module's path, `layer1.0.conv1`, or Keras' own name),
    # used where no name= is given; and, for a module applied again, the name whose weights it shares.
    label: str = ""
    shares: str = ""
    # Pasted code's torch.cat(dim=) or concatenate(axis=), the batch axis counted; and the size of
    # x.view(-1, n) that a flatten must give.
    axis: int | None = None
    width: int = 0
    # Pasted code whose forward is not followed: why. The layer is counted from its own arguments
    # (its input's shape is not known), and its output shape is not shown.
    unfollowed: str = ""

    def keyword(self, name: str) -> Arg | None:
        """The keyword argument `name`, if given."""
        for key, arg in self.kwargs:
            if key == name:
                return arg
        return None


def parse_block(text: str) -> tuple[Call, ...]:
    """Parse a block's body (line 1 is its first line) into layer calls."""
    check_text(text)
    lines = text.split("\n")
    # Leading white space carries no meaning in a block; Python's parser would call it an indent.
    indents = [len(line) - len(line.lstrip(" \t")) for line in lines]
    stripped = [line[n:] for line, n in zip(lines, indents, strict=True)]
    unknown = sum(1 for line in stripped if line and line[0] != "#" and line not in _LINES)
    if unknown * 4 <= len(lines):  # mostly lines read before: read the others one by one
        by_line = _by_line(stripped, indents)
        if by_line is not None:
            return by_line
    # Statements over several lines, or an error: the block as a whole says which, and where.
    locate = Locator(stripped, indents)
    try:
        tree = module_tree("\n".join(stripped))
    except SyntaxError as exc:
        first = syntax_error(exc, locate)
        raise gathered(_statement_by_statement(stripped, locate, first)) from None
    except (RecursionError, MemoryError):
        raise _too_deep_error(locate, 1, len(stripped)) from None
    except ValueError as exc:  # a source Python refuses outright; check_text should have said why
        raise BlockError(f"could not read the block: {exc}", Location(1, 1)) from None
    if len(tree.body) > MAX_LAYERS:
        raise BlockError(
            f"the block has {len(tree.body):,} layers; at most {MAX_LAYERS:,} are read",
            locate(tree.body[MAX_LAYERS]),
            "split the network into several blocks",
        )
    reader = Reader(locate)
    calls: list[Call] = []
    errors: list[BlockError] = []
    starts = Counter(node.lineno for node in tree.body)
    for node in tree.body:
        if isinstance(node, ast.Import | ast.ImportFrom):  # as pasted code has them: nothing is imported
            continue
        steps = reader.steps
        try:
            call = reader.statement(node)
        except BlockError as error:  # the other statements are read all the same: each error is its own
            errors.append(error)
            if reader.spent:  # past a bound of the whole block: every later name would say so again
                break
            continue
        calls.append(call)
        line = node.lineno
        if node.end_lineno == line and starts[line] == 1 and reader.steps == steps:
            _remember(stripped[line - 1], _moved(call, 1, -indents[line - 1]))
    too_many = _too_many_layers(calls)
    if errors or too_many:
        raise gathered([*errors, *([too_many] if too_many else [])])
    return tuple(calls)


def _too_many_layers(calls: list[Call]) -> BlockError | None:
    """The error for the first call past MAX_LAYERS layers, those inside block constructs counted."""
    layers = 0
    for call in calls:
        layers += call.size
        if layers > MAX_LAYERS:
            return BlockError(
                f"the block has more than {MAX_LAYERS:,} layers, counting those inside Residual, "
                "Branches and Repeat",
                call.where,
                "split the network into several blocks",
            )
    return None


def _statement_by_statement(lines: list[str], locate: Locator, first: BlockError) -> list[BlockError]:
    """Every error of a block that Python cannot read as a whole, `first` (Python's own) among them.

    Each statement (a line, or a call whose brackets close on a later line) is read alone, so
    that one syntax error hides no other; the statement that holds `first` is not read again.
    """
    reader = Reader(locate)
    errors: list[BlockError] = []
    statements = 0
    for start, end in _statements(lines):
        if start <= first.where.line <= end:
            errors.append(first)
            statements += 1
            continue
        try:
            tree = module_tree("\n".join(lines[start - 1 : end]))
        except SyntaxError as exc:
            exc.lineno = (exc.lineno or 1) + start - 1
            errors.append(syntax_error(exc, locate))
            statements += 1
            continue
        except (RecursionError, MemoryError):
            errors.append(_too_deep_error(locate, start, end))
            continue
        except ValueError as exc:
            errors.append(BlockError(f"could not read this: {exc}", locate.at(start, 0, in_bytes=False)))
            continue
        ast.increment_lineno(tree, start - 1)
        for node in tree.body:
            statements += 1
            if statements > MAX_LAYERS:
                errors.append(
                    BlockError(
                        f"the block has more than {MAX_LAYERS:,} layers; at most {MAX_LAYERS:,} are read",
                        locate(node),
                        "split the network into several blocks",
                    )
                )
                return errors
            if isinstance(node, ast.Import | ast.ImportFrom):
                continue
            try:
                reader.statement(node)
            except BlockError as error:
                errors.append(error)
                if reader.spent:
                    return errors
    if first not in errors:  # where the statements are cut otherwise than Python reads them
        errors.append(first)
    return errors


# What may hold a bracket, or join lines, without being one: strings (and their line breaks),
# comments, and a backslash at a line's end. Each alternative matches without looking back: linear.
_TOKEN = re.compile(
    r'[rRbBuUfF]{0,2}(?:"""(?:[^"\\]|\\.|"(?!""))*"""'
    r"|'''(?:[^'\\]|\\.|'(?!''))*'''"
    r'|"(?:[^"\\\n]|\\.)*"'
    r"|'(?:[^'\\\n]|\\.)*')"
    r"|#[^\n]*|[(\[{]|[)\]}]|\\\n|\n",
    re.DOTALL,
)


def _statements(lines: list[str]) -> Iterator[tuple[int, int]]:
    """The first and last line (from 1) of each statement that holds more than comments: a line
    ends one unless a bracket is open or a backslash joins it to the next."""
    depth, start, line = 0, 1, 1
    for found in _TOKEN.finditer("\n".join(lines)):
        piece = found.group()
        if piece == "\n":
            if depth == 0:
                if _has_code(lines, start, line):
                    yield start, line
                start = line + 1
            line += 1
        elif piece in "([{":
            depth += 1
        elif piece in ")]}":
            depth = max(depth - 1, 0)  # one too many: Python says so, and the next line is another
        else:
            line += piece.count("\n")
    if _has_code(lines, start, len(lines)):
        yield start, len(lines)


def _has_code(lines: list[str], start: int, end: int) -> bool:
    return any(text.strip() and text[0] != "#" for text in lines[start - 1 : end])


# Calls already read, by the text of the line that held them (without its indentation), as if
# read on line 1: sites repeat lines (`MaxPooling2D((2, 2))`, `Flatten()`), and Python's parser
# costs more than the rest of a block's work. Lines with names are not kept: they count towards
# each block's bound on symbolic work.
_LINES: Memo[str, Call] = Memo("parse: lines", 8192)


def _remember(line: str, call: Call) -> None:
    """Keep the call read from `line` alone (a statement on no other line), as if on line 1."""
    if line.rstrip().endswith("\\"):  # joined to the next line: it may mean something else there
        return
    _LINES.set(line, call)


def _by_line(lines: list[str], indents: list[int]) -> tuple[Call, ...] | None:
    """The block's calls when each line is blank, a comment or one whole statement; else None.

    A statement over several lines has a line that cannot be read alone (its open bracket or
    string) or ends with a backslash, which is refused here; so a block whose every line reads
    alone has one statement a line, and reads as a whole would. Any error: None, and the whole
    block is read again to report it as a whole block's reading would.
    """
    calls = []
    reader: Reader | None = None
    for number, line in enumerate(lines, 1):
        if not line or line[0] == "#" or line.isspace():
            continue
        call = _LINES.get(line)
        if call is None:
            if line.rstrip().endswith("\\"):  # joins the next line, yet reads alone: Python allows it
                return None
            try:
                tree = module_tree(line)
            except (SyntaxError, ValueError, RecursionError, MemoryError):
                return None
            if len(tree.body) != 1:
                return None
            locate = Locator([line], [0])
            if reader is None:
                reader = Reader(locate)
            reader.locate = locate
            steps = reader.steps
            try:
                call = reader.statement(tree.body[0])
            except BlockError:
                return None
            if reader.steps == steps:
                _remember(line, call)
        calls.append(_moved(call, number, indents[number - 1]))
    return tuple(calls) if sum(call.size for call in calls) <= MAX_LAYERS else None


def _moved(call: Call, line: int, columns: int) -> Call:
    """`call`, read on line 1, as if on line `line` and `columns` further right."""

    def at(where: Location) -> Location:
        return Location(line, where.column + columns)

    return Call(
        call.name,
        tuple(Arg(_moved_value(arg.value, line, columns), at(arg.where)) for arg in call.args),
        tuple((key, Arg(_moved_value(arg.value, line, columns), at(arg.where))) for key, arg in call.kwargs),
        at(call.where),
        call.prefix,
        tuple(tuple(_moved(inner, line, columns) for inner in path) for path in call.paths),
        call.size,
        call.label,
        call.shares,
        call.axis,
        call.width,
        call.unfollowed,
    )


def _moved_value(value: Value, line: int, columns: int) -> Value:
    """An argument's value moved as its call is: a wrapper's layer is a call with places of its own."""
    return _moved(value, line, columns) if isinstance(value, Call) else value


def parse_expression(text: str, where: Location) -> Value:
    """A value written outside a block body (a fence option); errors point at `where`."""
    try:
        check_text(text)
        source = text.strip() or "()"
        tree = _expression(source)
        return Reader(Locator([source], [0])).value(tree.body, 0)
    except (SyntaxError, RecursionError, MemoryError, ValueError):
        raise BlockError(f"could not read {quoted(text)}", where, 'write sizes such as "28x28x1"') from None
    except BlockError as exc:
        raise BlockError(exc.message, where, exc.hint) from None


def _position(text: str, offset: int) -> Location:
    """The line and column (both from 1) of a character of `text`."""
    line_start = text.rfind("\n", 0, offset) + 1
    return Location(text.count("\n", 0, offset) + 1, offset - line_start + 1)


def check_text(text: str) -> None:
    """What is refused before Python's parser sees the text: each check runs at C speed."""
    if len(text) > MAX_BLOCK_CHARS:
        raise BlockError(
            f"the block is {len(text):,} characters long; at most {MAX_BLOCK_CHARS:,} are read",
            Location(1, 1),
            "split the network into several blocks",
        )
    bad = UNSAFE_IN_BLOCK.search(text)
    if bad is not None:
        message, hint = describe(bad.group())
        raise BlockError(f"{message} in the block", _position(text, bad.start()), hint)
    long = _LONG_NUMBER.search(text)
    if long is not None:
        raise BlockError(
            f"a number of {len(long.group()):,} digits; at most {MAX_DIGITS:,} are read",
            _position(text, long.start()),
            "sizes and counts have at most 31 digits",
        )
    brackets = _BRACKET.findall(text)
    if len(brackets) > MAX_DEPTH:
        depths = list(accumulate(map(_STEP.__getitem__, brackets)))
        if max(depths) > MAX_DEPTH:
            # Depth rises by one a bracket, so the first bracket too deep takes it to MAX_DEPTH + 1.
            index = depths.index(MAX_DEPTH + 1)
            found = next(islice(_BRACKET.finditer(text), index, None))
            raise BlockError(
                f"brackets are nested more than {MAX_DEPTH} deep",
                _position(text, found.start()),
                "a size is a number, a name or a short formula",
            )


def _too_deep_error(locate: Locator, start: int, end: int) -> BlockError:
    return BlockError(
        f"this is nested too deeply to read: at most {MAX_DEPTH} levels of brackets and operators",
        _too_deep(locate, start, end),
        "a size is a number, a name or a short formula",
    )


def _too_deep(locate: Locator, start: int, end: int) -> Location:
    """The line from `start` to `end` that Python could not read for its nesting, found line by
    line (else the longest)."""
    for number in range(start, end + 1):
        try:
            module_tree(locate.lines[number - 1])
        except (RecursionError, MemoryError):
            return locate.at(number, 0, in_bytes=False)
        except (SyntaxError, ValueError):
            continue
    longest = max(range(start, end + 1), key=lambda n: len(locate.lines[n - 1]))
    return locate.at(longest, 0, in_bytes=False)


class Locator:
    """Turns an ast node's position into a Location in the original block text."""

    def __init__(self, lines: list[str], indents: list[int]) -> None:
        self.lines = lines
        self.ascii = all(line.isascii() for line in lines)  # then every name is as written
        self.indents = indents
        # For each line with a character outside ASCII, the byte offset where each character
        # ends: ast counts columns in UTF-8 bytes, people count characters.
        self._ends: dict[int, list[int] | None] = {}
        self._bytes: dict[int, bytes] = {}

    def __call__(self, node: ast.AST) -> Location:
        line = getattr(node, "lineno", 1)
        byte_col = getattr(node, "col_offset", 0)
        # The common case, called for every node: a line of the block, all ASCII.
        if 0 < line <= len(self.lines) and self._ends.get(line, 0) is None and byte_col >= 0:
            return Location(line, min(byte_col, len(self.lines[line - 1])) + self.indents[line - 1] + 1)
        return self.at(line, byte_col, in_bytes=True)

    def at(self, line: int, col: int, *, in_bytes: bool) -> Location:
        """A Location inside the block: a position past a line's end is its end."""
        line = min(max(line, 1), len(self.lines))
        text = self.lines[line - 1]
        chars = self.chars(line, col) if in_bytes else col
        return Location(line, min(max(chars, 0), len(text)) + self.indents[line - 1] + 1)

    def chars(self, line: int, byte_col: int) -> int:
        """How many characters of line `line` the first `byte_col` bytes hold."""
        if line not in self._ends:
            text = self.lines[line - 1]
            self._ends[line] = (
                None if text.isascii() else list(accumulate(len(c.encode("utf-8", "replace")) for c in text))
            )
        ends = self._ends[line]
        return byte_col if ends is None else bisect_right(ends, byte_col)

    def encoded(self, line: int) -> bytes:
        if line not in self._bytes:
            self._bytes[line] = self.lines[line - 1].encode("utf-8", "replace")
        return self._bytes[line]


def syntax_error(exc: SyntaxError, locate: Locator) -> BlockError:
    line = exc.lineno or 1
    col = max((exc.offset or 1) - 1, 0)
    message = (exc.msg or "invalid syntax").rstrip(".")
    where = locate.at(line, col, in_bytes=False)
    hint = f"write {CALL_EXAMPLE}"
    text = locate.lines[where.line - 1]
    index = where.column - locate.indents[where.line - 1] - 1
    char = text[index] if index < len(text) else ""
    if char and not char.isascii():
        if unicodedata.decimal(char, None) is not None:
            hint = "write numbers with the digits 0-9"
        else:
            hint = f"{char!r} is {unicodedata.name(char, 'not ASCII')}: retype it in plain ASCII"
    return BlockError(f"could not read this: {message}", where, hint)


def _dotted(node: ast.expr) -> str | None:
    """`keras.layers.Conv2D` as written, for a chain of names and attributes; else None."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    return ".".join([node.id, *reversed(parts)])


def _model_error(written: str, where: Location) -> BlockError:
    """A whole model pasted (keras.Sequential([...]), nn.Sequential(...)): say how a block writes it."""
    return BlockError(
        f"`{written}(...)` is a whole model, not a layer: a block is the model",
        where,
        "write its layers one a line, after an Input(...) line (in a block, inside Residual(...), "
        "Branches([...], [...]) or Repeat(n, ...))",
    )


# The modules that hold layers, as code imports them: a block names a layer without them.
_MODULE_PATHS = ("keras", "tf.keras", "layers", "torch.nn", "nn")
# Those read as a layer's name: Keras' (Conv2D), PyTorch's (nn.Conv2d), and where Input stands.
_KERAS_MODULES = ("layers", "keras.layers", "tf.keras.layers")
_TORCH_MODULES = ("nn", "torch.nn")
_INPUTS = ("keras", "tf.keras")


def _callee_error(node: ast.Call, locate: Locator) -> BlockError:
    """What a call that does not name a layer plainly means, and what to write instead."""
    func = node.func
    where = locate(func)
    if isinstance(func, ast.Call):  # Conv2D(32, 3)(x): the functional API
        return BlockError(
            "this calls a layer on an input, as Keras' functional API does",
            where,
            "write the layer alone, such as Conv2D(32, 3): each layer is fed by the one before",
        )
    written = _dotted(func) or ""
    module, _, last = written.rpartition(".")
    if last in _MODELS:
        return _model_error(written, where)
    if last in ("add", "compile", "fit", "summary") and module:
        return BlockError(  # model.add(Conv2D(32, 3)), where no `model = keras.Sequential()` came before
            f"`{written}(...)` builds a model in code, and `{module}` is not the block's model",
            where,
            f"make it first, {module} = keras.Sequential(), or write the layer alone, one a line",
        )
    if last[:1].isupper() and (
        module in _MODULE_PATHS or module.startswith(("keras.", "tf.", "tensorflow.", "torch."))
    ):
        plain = f"nn.{last}" if module in ("torch.nn", "nn") else last
        return BlockError(
            f"a layer is named without its module: `{plain}`, not `{written}`",
            where,
            f"write {plain}(...)",
        )
    return BlockError(
        "a layer is named by a plain name such as Conv2D (or nn.Conv2d)",
        where,
        "attribute access and calls on results are not part of a block",
    )


def _several_error(node: ast.Tuple | ast.List, where: Location) -> BlockError:
    """Layers written side by side at the top of a block, or a layer with a comma after it."""
    layers = [item for item in node.elts if isinstance(item, ast.Call)]
    if not layers or len(layers) != len(node.elts):
        return BlockError("expected a layer", where, f"write {CALL_EXAMPLE}")
    names = [_dotted(item.func) or "a layer" for item in layers]
    if len(layers) == 1:
        return BlockError(
            "a comma after the layer makes this line a tuple",
            where,
            f"delete the comma: write {names[0]}(...) alone on its line",
        )
    shown = ", ".join(f"{n}(...)" for n in names[:3]) + (", ..." if len(names) > 3 else "")
    brackets = "a list" if isinstance(node, ast.List) else "commas"
    return BlockError(
        f"this line holds {len(layers)} layers ({shown}) joined by {brackets}; a block takes one layer "
        "a line",
        where,
        "write each on a line of its own (layers side by side belong inside Residual(...), "
        "Branches([...], [...]) or Repeat(n, ...))",
    )


def _described(node: ast.AST) -> str:
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


class Reader:
    """Reads statements and values from the ast by the whitelist; counts the symbolic work."""

    def __init__(self, locate: Locator) -> None:
        self.locate = locate
        self.steps = 0  # names read, and arithmetic done on symbolic values
        self.started: float | None = None  # when the first name was read, sympy imported
        self.nesting = 0  # block constructs open around the call being read
        self.spent = False  # a bound of the whole block was passed: reading more would say so again

    def statement(self, node: ast.stmt) -> Call:
        where = self.locate(node)
        if isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign):
            raise BlockError(
                "a block of layers does not assign names",
                where,
                f"write the value where it is used: {CALL_EXAMPLE}; or paste whole model code",
            )
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Tuple | ast.List):
            raise _several_error(node.value, where)
        if not isinstance(node, ast.Expr) or not isinstance(node.value, ast.Call):
            raise BlockError("expected a layer", where, f"write {CALL_EXAMPLE}")
        return self.call(node.value)

    def call(self, node: ast.Call) -> Call:
        where = self.locate(node)
        func = node.func
        prefix = ""
        module, _, last = (_dotted(func) or "").rpartition(".")
        if isinstance(func, ast.Name):
            name = self.identifier(func.id, func)
        elif module in _TORCH_MODULES or module in _KERAS_MODULES or (last == "Input" and module in _INPUTS):
            name = self.dotted(func)
            prefix = "nn." if module in _TORCH_MODULES else ""
            if name in BLOCKS:
                raise BlockError(
                    f"`{name}` is paramcalc's own, written without a module", where, f"write {name}(...)"
                )
        else:
            raise _callee_error(node, self.locate)
        if name in _MODELS:
            raise _model_error(f"{prefix}{name}", where)
        if len(node.args) + len(node.keywords) > MAX_ARGUMENTS:
            extra = [*node.args, *node.keywords][MAX_ARGUMENTS]
            raise BlockError(f"{name}: at most {MAX_ARGUMENTS} arguments are read", self.locate(extra))
        if name in BLOCKS and not prefix:
            return self.block(node, name, where)
        if name in STACKS:
            if module in _KERAS_MODULES:  # torch.nn's stacks: Keras has none of its own
                raise BlockError(
                    f"{module} has no {name}; nn.{name} is torch.nn's stack of transformer layers",
                    where,
                    f'write nn.{name}(...) in a PyTorch block (framework="pytorch"); in Keras, '
                    "Repeat(n, ...) repeats the layers of a block",
                )
            return self.stack(node, name, where)
        if name in WRAPPERS and prefix:
            raise BlockError(
                f"torch.nn has no {name}",
                where,
                "PyTorch needs no wrapper: nn.LSTM(..., bidirectional=True) runs both ways, and "
                "nn.Linear acts on the last axis at every step",
            )
        wrapper = name in WRAPPERS and not prefix
        args = []
        for index, item in enumerate(node.args):
            if isinstance(item, ast.Starred):
                raise BlockError("*arguments are not part of a block", self.locate(item))
            inner = wrapper and index == 0
            args.append(Arg(self.wrapped(item, name) if inner else self.value(item, 0), self.locate(item)))
        kwargs = []
        seen: set[str] = set()
        for kw in node.keywords:
            if kw.arg is None:
                raise BlockError("**arguments are not part of a block", self.locate(kw))
            key = self.identifier(kw.arg, kw)
            if key in seen:
                raise BlockError(f"{name}: `{key}` is given twice", self.locate(kw))
            seen.add(key)
            inner = wrapper and key in _LAYER_KEYWORDS
            value = self.wrapped(kw.value, name) if inner else self.value(kw.value, 0)
            kwargs.append((key, Arg(value, self.locate(kw))))
        layers = [v.value for v in (*args, *(arg for _, arg in kwargs)) if isinstance(v.value, Call)]
        return Call(name, tuple(args), tuple(kwargs), where, prefix, size=1 + sum(c.size for c in layers))

    def dotted(self, func: ast.expr) -> str:
        """The last name of `keras.layers.Conv2D`, each of its names checked as written."""
        last = ""
        while isinstance(func, ast.Attribute):
            name = self.identifier(func.attr, func, at_end=True)
            last = last or name
            func = func.value
        if isinstance(func, ast.Name):
            self.identifier(func.id, func)
        return last

    def wrapped(self, node: ast.expr, name: str) -> Value:
        """The layer inside a wrapper (Bidirectional's LSTM): read as any layer, one level deeper;
        anything else there is a value (and the wrapper's entry says what it takes)."""
        if not isinstance(node, ast.Call):
            return self.value(node, 0)
        if self.nesting >= MAX_NESTING:
            raise BlockError(
                f"{name}: layers are nested more than {MAX_NESTING} deep", self.locate(node), _NESTED_HINT
            )
        self.nesting += 1
        try:
            return self.call(node)
        finally:
            self.nesting -= 1

    def block(self, node: ast.Call, name: str, where: Location) -> Call:
        """Residual, Branches or Repeat: the layers in it are read as layers, the rest as values."""
        if self.nesting >= MAX_NESTING:
            raise BlockError(
                f"{name}: block constructs are nested more than {MAX_NESTING} deep", where, _BLOCKS_HINT
            )
        self.nesting += 1
        try:
            args: list[Arg] = []
            positional = list(node.args)
            copies: Number = 1
            if name == "Repeat":
                copies = self.copies(positional[:1], where)
                args.append(Arg(copies, self.locate(positional[0])))
                positional = positional[1:]
            if name == "Branches":
                paths = [self.path(item, name) for item in positional]
                if len(paths) < 2:
                    raise BlockError("Branches needs at least two paths", where, _BLOCKS_HINT)
            else:
                paths = [tuple(self.layer(item, name) for item in positional)]
                if not paths[0]:
                    raise BlockError(f"{name} holds no layers", where, _BLOCKS_HINT)
            kwargs: list[tuple[str, Arg]] = []
            shortcut: tuple[Call, ...] = ()
            for kw in node.keywords:
                if kw.arg is None:
                    raise BlockError("**arguments are not part of a block", self.locate(kw))
                key = self.identifier(kw.arg, kw)
                if any(key == k for k, _ in kwargs) or (key == "shortcut" and shortcut):
                    raise BlockError(f"{name}: `{key}` is given twice", self.locate(kw))
                if key == "shortcut" and name == "Residual":
                    shortcut = self.path(kw.value, name)
                else:
                    kwargs.append((key, Arg(self.value(kw.value, 0), self.locate(kw))))
        finally:
            self.nesting -= 1
        if name == "Residual":
            paths.append(shortcut)
        size = (copies if isinstance(copies, int) else 1) * sum(
            inner.size for path in paths for inner in path
        )
        if size > MAX_LAYERS:
            raise BlockError(
                f"{name} stands for {size:,} layers; a block holds at most {MAX_LAYERS:,}",
                where,
                "split the network into several blocks",
            )
        return Call(name, tuple(args), tuple(kwargs), where, "", tuple(paths), size)

    def stack(self, node: ast.Call, name: str, where: Location) -> Call:
        """nn.TransformerEncoder(encoder_layer, num_layers, norm=None) and the decoder's: a construct
        holding Repeat(num_layers, layer) and the norm, as torch copies the layer num_layers times."""
        names = STACKS[name]
        given: dict[str, ast.expr] = {}
        kwargs: list[tuple[str, Arg]] = []
        for index, item in enumerate(node.args):
            if isinstance(item, ast.Starred) or index >= len(names):
                raise BlockError(f"{name} takes {', '.join(names[:3])}, then keywords", self.locate(item))
            given[names[index]] = item
        for kw in node.keywords:
            key = kw.arg
            if key is None or key in given or key not in (*names, "name", "expect"):
                raise BlockError(
                    f"nn.{name} has no argument `{key}`, or it is given twice"
                    if key
                    else "**arguments are not part of a block",
                    self.locate(kw),
                    f"nn.{name} takes {', '.join(names)}, name= and expect=",
                )
            if key in ("name", "expect"):
                kwargs.append((key, Arg(self.value(kw.value, 0), self.locate(kw))))
            else:
                given[key] = kw.value
        layer_name, wanted = names[0], f"{name}Layer"
        if layer_name not in given or "num_layers" not in given:
            raise BlockError(
                f"nn.{name} needs its {layer_name} and num_layers",
                where,
                f"e.g. nn.{name}(nn.{wanted}(512, 8), 6, norm=nn.LayerNorm(512))",
            )
        if self.nesting >= MAX_NESTING:
            raise BlockError(f"{name}: block constructs are nested more than {MAX_NESTING} deep", where)
        self.nesting += 1
        try:
            layer = self.layer(given[layer_name], name)
            if layer.name != wanted or layer.paths:
                raise BlockError(
                    f"nn.{name} copies an nn.{wanted}, not {layer.prefix}{layer.name}",
                    layer.where,
                    f"write nn.{name}(nn.{wanted}(...), num_layers); other layers repeat with Repeat(n, ...)",
                )
            copies = self.copies([given["num_layers"]], where, "num_layers")
            if "memory" in given:
                if layer.keyword("memory") is not None:
                    raise BlockError(
                        f"nn.{name}: memory= is given twice, here and in its layer",
                        self.locate(given["memory"]),
                    )
                memory = Arg(self.value(given["memory"], 0), self.locate(given["memory"]))
                layer = replace(layer, kwargs=(*layer.kwargs, ("memory", memory)))
            for flag in ("enable_nested_tensor", "mask_check"):  # how torch runs it: no count changes
                if flag in given:
                    self.value(given[flag], 0)
            norm = given.get("norm")
            after = (
                ()
                if norm is None or (isinstance(norm, ast.Constant) and norm.value is None)
                else (self.layer(norm, name),)
            )
        finally:
            self.nesting -= 1
        size = (copies if isinstance(copies, int) else 1) * layer.size
        repeat = Call(
            "Repeat", (Arg(copies, self.locate(given["num_layers"])),), (), where, "", ((layer,),), size
        )
        size += sum(c.size for c in after)
        if size > MAX_LAYERS:
            raise BlockError(
                f"{name} stands for {size:,} layers; a block holds at most {MAX_LAYERS:,}",
                where,
                "split the network into several blocks",
            )
        return Call(name, (), tuple(kwargs), where, "", ((repeat, *after),), size)

    def copies(
        self, first: list[ast.expr], where: Location, what: str = "Repeat's number of copies"
    ) -> Number:
        """Repeat's number of copies: a whole number from 1 to MAX_LAYERS, or a name (L: a
        transformer's layers), written first."""
        if not first or isinstance(first[0], ast.Call | ast.Starred):
            raise BlockError(
                "Repeat needs the number of copies first", where, "e.g. Repeat(3, Conv2D(64, 3))"
            )
        value = self.value(first[0], 0)
        if not is_copies(value):
            raise BlockError(
                f"{what} is a whole number from 1 to {MAX_LAYERS:,}, or a name, not {_shown(value)}",
                self.locate(first[0]),
                "e.g. Repeat(3, ...), or Repeat(L, ...) for copies that give back their input's shape",
            )
        return value  # a name: counted once, its parameters L times (the model checks the copies' shapes)

    def path(self, node: ast.expr, name: str) -> tuple[Call, ...]:
        """A list of layers: a shortcut, or one of Branches' paths ([] is the identity)."""
        if not isinstance(node, ast.List | ast.Tuple):
            raise BlockError(f"{name}: a path is a list of layers in [ ]", self.locate(node), _BLOCKS_HINT)
        if len(node.elts) > MAX_ARGUMENTS:
            raise BlockError(
                f"a path of {len(node.elts):,} layers; at most {MAX_ARGUMENTS}", self.locate(node)
            )
        return tuple(self.layer(item, name) for item in node.elts)

    def layer(self, node: ast.expr, name: str) -> Call:
        """A layer inside a block construct."""
        if isinstance(node, ast.Call):
            return self.call(node)
        if isinstance(node, ast.Starred):
            raise BlockError("*arguments are not part of a block", self.locate(node))
        raise BlockError(f"{name} takes layers, such as Conv2D(64, 3), here", self.locate(node), _BLOCKS_HINT)

    def identifier(self, name: str, node: ast.AST, *, at_end: bool = False) -> str:
        """A name as written: plain ASCII (Python would read `Ｄｅｎｓｅ` as Dense), and not too long.

        `at_end`: the name ends where `node` ends (the `Conv2d` of `nn.Conv2d`); else it starts
        where `node` starts.
        """
        if self.locate.ascii and len(name) <= MAX_NAME:
            return name
        line = getattr(node, "end_lineno" if at_end else "lineno", 1) or 1
        encoded = self.locate.encoded(min(max(line, 1), len(self.locate.lines)))
        if at_end:
            end = getattr(node, "end_col_offset", 0) or 0
            start = max(end - len(name.encode()), 0)
        else:
            start = getattr(node, "col_offset", 0)
        if not name.isascii() or encoded[start : start + len(name)] != name.encode():
            # The name is not what is written: a letter from another alphabet, or one that
            # Python's NFKC normalisation turned into an ASCII one. Find the first such letter.
            if at_end:  # the written name is before `end`; look back from there for it
                start = max(end - 4 * len(name), 0)
            written = encoded[start:].decode("utf-8", "replace")
            found = _NON_ASCII.search(written, 0, 4 * len(name) + 4)
            offset = found.start() if found else 0
            char = found.group() if found else name[:1]
            column = self.locate.chars(line, start) + offset
            where = self.locate.at(line, column, in_bytes=False)
            label = unicodedata.name(char, "a character outside ASCII")
            raise BlockError(
                f"`{name}` is written with {char!r} (U+{ord(char):04X} {label}); names are plain ASCII",
                where,
                "retype the name with the letters a-z, A-Z, the digits 0-9 and _; Greek letters "
                "by their names (alpha, beta)",
            )
        if len(name) > MAX_NAME:
            raise BlockError(
                f"a name of {len(name):,} characters; at most {MAX_NAME} are read", self.locate(node)
            )
        return name

    def value(self, node: ast.expr, depth: int) -> Value:
        locate = self.locate
        if depth > MAX_DEPTH:
            raise BlockError(
                f"the expression is nested more than {MAX_DEPTH} deep",
                locate(node),
                "a size is a number, a name or a short formula",
            )
        if isinstance(node, ast.Constant):
            return self.constant(node)
        if isinstance(node, ast.Name):
            self.spend(node)
            return symbol(self.identifier(node.id, node))
        if isinstance(node, ast.Tuple | ast.List):
            if len(node.elts) > MAX_ARGUMENTS:
                raise BlockError(
                    f"a tuple of {len(node.elts):,} items; at most {MAX_ARGUMENTS} are read", locate(node)
                )
            return tuple(self.value(item, depth + 1) for item in node.elts)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
            operand = self.value(node.operand, depth + 1)
            self.arithmetic_operand(operand, node.operand)
            if isinstance(node.op, ast.UAdd):
                return operand
            if is_symbolic(operand):
                self.spend(node)
            return -operand
        if isinstance(node, ast.BinOp) and type(node.op) in _OPERATORS:
            left = self.value(node.left, depth + 1)
            right = self.value(node.right, depth + 1)
            self.arithmetic_operand(left, node.left)
            self.arithmetic_operand(right, node.right)
            return self.arithmetic(node, left, right)
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name) and func.id[:1].isupper():
                if func.id in _MODELS:
                    raise _model_error(func.id, locate(node))
                raise BlockError(
                    f"a layer (`{func.id}`) cannot stand inside another layer's arguments",
                    locate(node),
                    _NESTED_HINT,
                )
            raise BlockError(
                "function calls are not part of a block: it is data, never run", locate(node), _VALUES_HINT
            )
        raise BlockError(f"{_described(node)} is not part of a block", locate(node), _VALUES_HINT)

    def spend(self, node: ast.AST) -> None:
        """Count one step of symbolic work; past a bound (steps, or sympy's time), stop here."""
        if self.started is None:
            import sympy  # noqa: F401 (its import, half a second, is not the block's time)

            self.started = time.monotonic()
        self.steps += 1
        if self.steps > MAX_SYMBOLIC_STEPS:
            self.spent = True
            raise BlockError(
                f"the block's arguments use names in more than {MAX_SYMBOLIC_STEPS:,} places",
                self.locate(node),
                _TOO_LARGE,
            )
        if time.monotonic() - self.started > MAX_SECONDS:
            self.spent = True
            raise BlockError(
                f"the block's formulas take sympy more than {MAX_SECONDS:g} s to read",
                self.locate(node),
                _TOO_LARGE,
            )

    def constant(self, node: ast.Constant) -> Value:
        value = node.value
        if type(value) is int and -MAX_MAGNITUDE <= value <= MAX_MAGNITUDE:  # the common case, first
            return value
        where = self.locate(node)
        if isinstance(value, bool) or value is None:
            return value
        if isinstance(value, int):
            if abs(value) > MAX_MAGNITUDE:
                raise BlockError(
                    f"this number is too large to be a size or a count (at most {_MAGNITUDE})", where
                )
            return value
        if isinstance(value, float):
            if not math.isfinite(value):
                raise BlockError("this number is not finite", where)
            return value
        if isinstance(value, str):
            if len(value) > MAX_STRING:
                raise BlockError(f"strings are at most {MAX_STRING:,} characters", where)
            bad = UNSAFE.search(value)  # also when written as an escape: "\u202e"
            if bad is not None:
                message, hint = describe(bad.group())
                raise BlockError(f"the string holds {message}", where, hint)
            return value
        raise BlockError(f"a {type(value).__name__} literal is not part of a block", where)

    def arithmetic_operand(self, value: Value, node: ast.expr) -> None:
        ok = (isinstance(value, int | float) and not isinstance(value, bool)) or is_symbolic(value)
        if not ok:
            raise BlockError(
                f"arithmetic works on numbers and names, not on {_shown(value)}", self.locate(node)
            )

    def arithmetic(self, node: ast.BinOp, left: Value, right: Value) -> Value:
        locate = self.locate
        op = type(node.op)
        symbolic = is_symbolic(left) or is_symbolic(right)
        if symbolic:
            self.spend(node)
        if op in (ast.Div, ast.FloorDiv, ast.Mod) and not is_symbolic(right) and right == 0:
            raise BlockError("division by zero", locate(node.right))
        if op is ast.Pow:
            self.check_power(left, right, node)
        if op is ast.Mod and symbolic:
            # A size needs no remainder, and sympy's Mod of two polynomials can take minutes.
            raise BlockError("% takes numbers, not names", locate(node), "sizes do not need remainders")
        try:
            result = _OPERATORS[op](left, right)
        except Exception as exc:  # OverflowError, ZeroDivisionError, and whatever sympy raises
            raise BlockError(f"cannot compute this: {exc}", locate(node)) from None
        if symbolic:
            result = self.symbolic_result(result, node)
        if isinstance(result, complex):
            raise BlockError("this gives a complex number", locate(node))
        if isinstance(result, int | float) and not abs(result) <= MAX_MAGNITUDE:
            raise BlockError(
                f"the result is too large to be a size or a count (at most {_MAGNITUDE})", locate(node)
            )
        return result

    def check_power(self, base: Value, exponent: Value, node: ast.BinOp) -> None:
        if is_symbolic(exponent):
            raise BlockError("an exponent must be a number, not a name", self.locate(node.right))
        if abs(exponent) > MAX_EXPONENT_BITS:
            raise BlockError(f"exponents are at most {MAX_EXPONENT_BITS}", self.locate(node.right))
        if isinstance(base, int | float) and abs(base) > 1:
            bits = math.log2(abs(base)) * exponent
            if bits > MAX_EXPONENT_BITS:
                raise BlockError(
                    f"the result is too large to be a size or a count (at most {_MAGNITUDE})",
                    self.locate(node),
                )

    def symbolic_result(self, result: Any, node: ast.BinOp) -> Value:
        """A plain number if the symbols cancelled (H - H + 2 is 2); else the formula, checked:
        no number in it beyond MAX_MAGNITUDE, no exponent beyond MAX_EXPONENT_BITS, nothing
        infinite, and not too large for sympy (too_large)."""
        import sympy

        where = self.locate(node)
        if result.is_number:
            if result.has(sympy.zoo, sympy.oo, sympy.nan, -sympy.oo):
                raise BlockError("this is not finite (a division by zero?)", where)
            if result.is_Integer:
                return int(result)
            try:
                number = complex(result)
            except (TypeError, ValueError):
                raise BlockError("cannot compute this", where) from None
            if number.imag:
                raise BlockError("this gives a complex number", where)
            return number.real
        for part in sympy.preorder_traversal(result):
            if part in (sympy.zoo, sympy.oo, -sympy.oo, sympy.nan):
                raise BlockError("this is not finite (a division by zero?)", where)
            if part.is_Rational and max(abs(part.p), part.q) > MAX_MAGNITUDE:
                raise BlockError(
                    f"a number in this formula is too large for a size or a count (at most {_MAGNITUDE})",
                    where,
                )
            if part.is_Float and abs(part) > MAX_MAGNITUDE:
                raise BlockError(
                    f"a number in this formula is too large for a size or a count (at most {_MAGNITUDE})",
                    where,
                )
            if part.is_Pow and part.exp.is_Number and abs(part.exp) > MAX_EXPONENT_BITS:
                raise BlockError(f"exponents are at most {MAX_EXPONENT_BITS}", where)
        trouble = too_large(result)
        if trouble:
            raise BlockError(f"this formula {trouble}", where, _TOO_LARGE)
        return result


_TOO_LARGE = "formulas this large take sympy too long; give some of the names numbers"
_BLOCKS_HINT = (
    "write Residual(layer, ..., shortcut=[layer, ...]), Branches([layer, ...], [layer, ...], "
    'merge="concat") or Repeat(n, layer, ...)'
)


def is_copies(value: Value) -> bool:
    """A number of copies (Repeat's, a transformer stack's num_layers): a whole number from 1 to
    MAX_LAYERS, or a name (or formula of names) that may be a positive whole number: not −L."""
    if is_symbolic(value):
        return value.is_positive is not False and value.is_integer is not False
    return not isinstance(value, bool) and isinstance(value, int) and 1 <= value <= MAX_LAYERS


def _shown(value: Value) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


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


class Budget:
    """The bounds on what a block's layers compute from its arguments, charged layer by layer.

    Every size of an output shape and every count is at most MAX_MAGNITUDE, and the symbolic
    ones together hold at most MAX_FORMULA_NODES symbols, numbers and operations: formulas
    grow with each layer (⌊(⌊(H − 3)/2⌋ − 3)/2⌋...), and sympy's time grows faster still.
    """

    def __init__(self) -> None:
        self.nodes = 0
        # From the first formula on: sympy's first import (a second, on a cold machine) is not the block's.
        self.started: float | None = None

    def charge(self, label: str, sizes: Iterable[Number], counts: Iterable[Number], where: Location) -> None:
        """Add one layer's output sizes and counts; raises a BlockError at `where` past a bound."""
        for size in sizes:
            if isinstance(size, int) and abs(size) > MAX_MAGNITUDE:
                raise BlockError(
                    f"{label}: the output would have a size of about 10^{_digits(size) - 1}; "
                    f"sizes are at most {_MAGNITUDE}",
                    where,
                )
            self._charge_formula(label, size, where)
            # The next layer computes with this size: floors of it, signs of it.
            trouble = too_large(size) if is_symbolic(size) else None
            if trouble:
                raise BlockError(f"{label}: an output size, {_shown(size)}, {trouble}", where, _TOO_LARGE)
        for count in counts:
            if isinstance(count, int) and abs(count) > MAX_MAGNITUDE:
                raise BlockError(
                    f"{label}: about 10^{_digits(count) - 1} parameters; a count is at most {_MAGNITUDE}",
                    where,
                )
            self._charge_formula(label, count, where)

    def _charge_formula(self, label: str, value: Number, where: Location) -> None:
        if not is_symbolic(value):
            return
        if self.started is None:
            self.started = time.monotonic()
        stack: list[Any] = [value]
        while stack and self.nodes <= MAX_FORMULA_NODES:
            node = stack.pop()
            self.nodes += 1
            stack.extend(node.args)
        if self.nodes > MAX_FORMULA_NODES:
            raise BlockError(
                f"{label}: the block's formulas have grown past {MAX_FORMULA_NODES:,} symbols, numbers "
                "and operations",
                where,
                "formulas this large take sympy too long; give some of the names numbers, or split the block",
            )
        if time.monotonic() - self.started > MAX_SECONDS:
            raise BlockError(
                f"{label}: the block's formulas take sympy more than {MAX_SECONDS:g} s to compute",
                where,
                "give some of the names numbers, or split the block",
            )


_MAGNITUDE = f"10^{len(str(MAX_MAGNITUDE)) - 1}"


def _digits(n: int) -> int:
    """How many decimal digits `n` has, without converting it (that is quadratic)."""
    n = abs(n)
    estimate = max(int((n.bit_length() - 1) * math.log10(2)), 0) + 1  # at most one too few
    return estimate + int(n >= 10**estimate)


def too_large(expr: Any) -> str | None:
    """Why a formula is too large for sympy to work with quickly, or None: multiplied out, it
    may have at most MAX_TERMS terms, of degree at most MAX_DEGREE in its names."""
    terms, degree = _measure(expr)
    if terms > MAX_TERMS:
        return f"multiplies out to more than {MAX_TERMS} terms"
    if degree > MAX_DEGREE:
        return f"has degree {degree if degree < _CAP else 'over 1,000'} in its names; at most {MAX_DEGREE}"
    return None


def comparable(difference: Any) -> bool:
    """Whether sympy may multiply out the difference of two sizes to see if it is zero: it
    has at most twice MAX_TERMS terms. (a + b + c + d + e)**16 would give 4,845, in seconds."""
    terms, degree = _measure(difference)
    return terms <= 2 * MAX_TERMS and degree <= MAX_DEGREE


_CAP = 1_000_000


def _measure(expr: Any) -> tuple[int, int]:
    """How many terms `expr` multiplies out to, and its degree in its names: upper bounds,
    found without multiplying anything out, capped at _CAP."""
    if not getattr(expr, "args", ()):
        return 1, int(bool(getattr(expr, "is_Symbol", False)))
    if expr.is_Add:
        parts = [_measure(a) for a in expr.args]
        return min(sum(t for t, _ in parts), _CAP), max(d for _, d in parts)
    if expr.is_Mul:
        terms, degree = 1, 0
        for a in expr.args:
            t, d = _measure(a)
            terms, degree = min(terms * t, _CAP), min(degree + d, _CAP)
        return terms, degree
    if expr.is_Pow and expr.exp.is_Integer:
        t, d = _measure(expr.base)
        n = abs(int(expr.exp))
        if t == 1:
            return 1, min(d * n, _CAP)
        # The monomials of degree n in t terms.
        terms = _CAP if t > 1_000 or n > 1_000 else min(math.comb(t + n - 1, n), _CAP)
        return terms, min(d * n, _CAP)
    # floor(...), ceiling(...), H**0.5: one term of degree one, unless what is inside is too large.
    for inner in map(_measure, expr.args):
        if inner[0] > MAX_TERMS or inner[1] > MAX_DEGREE:
            return inner
    return 1, 1

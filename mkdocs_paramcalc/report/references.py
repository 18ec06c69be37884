"""References from prose to computed values: `#!cnn mnist.total`, `mnist.layers["FC_1"].params`.

A reference is read by a small grammar (an id, then `.field` and `[index]` steps),
never evaluated. It resolves against a registry of the site's blocks, built before
any page is rendered, so a page may quote a block on a page built after it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from mkdocs_paramcalc.dialects.formula import Term
from mkdocs_paramcalc.errors import BlockError, Location, Position
from mkdocs_paramcalc.reading.characters import UNSAFE, describe
from mkdocs_paramcalc.report import memory
from mkdocs_paramcalc.report.model import Report, Row, walk
from mkdocs_paramcalc.values import Number, as_text, is_symbolic, leading, quoted

# Steps after the id: `.name`, `[3]`, `[-1]`, `["FC_1"]`, `['FC_1']`; in ASCII, as `\d` and `\w`
# would also take `layers[٣]`.
_ID = re.compile(r"\s*([A-Za-z][A-Za-z0-9_-]*)")
_STEP = re.compile(r"""\s*(?:\.\s*([A-Za-z_][A-Za-z0-9_]*)|\[\s*(-?[0-9]+|"[^"]*"|'[^']*')\s*\])""")
_NOT_ASCII_INDEX = re.compile(r"\s*\[\s*-?[0-9]*([^\x00-\x7f])")  # `[٣]`, `[３]`, `[“FC_1”]`
MAX_REFERENCE = 300

BLOCK_FIELDS = (
    "total",
    "trainable",
    "non_trainable",
    "buffers",
    "layers",
    "input_shape",
    "macs",
    "flops",
    "memory",
)
# A block's memory figures, in bytes (memory.py): the weights at each precision, training with Adam,
# the key/value cache a token, and torchinfo's estimates for one example.
MEMORY_FIELDS = (
    "float32",
    "float16",
    "int8",
    "int4",
    "training",
    "cache",
    "forward_backward",
    "input",
    "estimated_total",
)
LAYER_FIELDS = ("params", "output_shape", "formula", "name", "type", "trainable", "non_trainable", "macs")


@dataclass(frozen=True)
class Defined:
    """Where a block with an id is defined, and what it computed (None if it has an error)."""

    report: Report | None
    position: Position  # of its id on the fence


@dataclass
class Registry:
    """The blocks with an id, site-wide (or page-wide for the bare Markdown extension)."""

    blocks: dict[str, Defined] = field(default_factory=dict)

    def define(self, block_id: str, defined: Defined) -> str | None:
        """Record a block; returns an error message if the id is taken."""
        other = self.blocks.get(block_id)
        if other is not None and other.position != defined.position:
            return f"two blocks have the id {quoted(block_id)}; the other is at {other.position.at_line()}"
        self.blocks[block_id] = defined
        return None


@dataclass(frozen=True)
class Quoted:
    """What a reference resolves to: a count, a shape, a formula or a word."""

    kind: str  # "count", "shape", "formula", "text", or "bytes" (a size: 13.48 GB)
    number: Number = 0
    shape: tuple[Number, ...] = ()
    formula: Term | None = None
    text: str = ""


def resolve(text: str, registry: Registry) -> Quoted:
    """The value a reference names; a BlockError whose column points into `text` otherwise."""
    if len(text) > MAX_REFERENCE:
        raise BlockError(f"a reference is at most {MAX_REFERENCE} characters long", Location(1, 1))
    bad = UNSAFE.search(text)
    if bad is not None:
        message, hint = describe(bad.group())
        raise BlockError(f"the reference holds {message}", Location(1, bad.start() + 1), hint)
    m = _ID.match(text)
    if m is None:
        raise BlockError(
            f"cannot read the reference {quoted(text)}",
            Location(1, 1),
            "write a block's id and a field, such as mnist.total",
        )
    block_id = m.group(1)
    defined = registry.blocks.get(block_id)
    if defined is None:
        raise BlockError(
            f"no block has the id {quoted(block_id)}",
            Location(1, m.start(1) + 1),
            _suggest(
                block_id,
                list(registry.blocks),
                'give the block id="..." on its fence; a block on another page is seen only when '
                "that page is built or checked too",
            ),
        )
    if defined.report is None:
        raise BlockError(
            f"the block {quoted(block_id)} at {defined.position.at_line()} has an error", Location(1, 1)
        )
    steps: list[tuple[str | int, int]] = []
    pos = m.end()
    while pos < len(text.rstrip()):
        s = _STEP.match(text, pos)
        if s is None:
            odd = _NOT_ASCII_INDEX.match(text, pos)
            if odd is not None:
                raise _not_ascii(odd.group(1), odd.start(1))
            raise BlockError(
                f"cannot read {quoted(text[pos:].strip())} in a reference",
                Location(1, pos + 1),
                'a reference goes on with .field or [index], such as .layers["FC_1"].params',
            )
        column = s.start(1 if s.group(1) else 2) + 1
        if s.group(1):
            steps.append((s.group(1), column))
        else:
            raw = s.group(2)
            steps.append((int(raw) if raw[0] not in "\"'" else raw[1:-1], column))
        pos = s.end()
    return _walk(defined.report, block_id, steps)


def _not_ascii(char: str, offset: int) -> BlockError:
    """An index written with a character outside ASCII: a digit of another script, a curly quote."""
    code = f"U+{ord(char):04X} {unicodedata.name(char, 'outside ASCII')}"
    if unicodedata.decimal(char, None) is not None:
        hint = "write an index with the digits 0-9, such as layers[3]"
    else:
        hint = 'an index is a number or a name in straight quotes, such as layers[3] or layers["FC_1"]'
    return BlockError(
        f"the index is written with {char!r} ({code}); it must be ASCII", Location(1, offset + 1), hint
    )


def _walk(report: Report, block_id: str, steps: list[tuple[str | int, int]]) -> Quoted:
    if not steps:
        raise BlockError(
            f"`{block_id}` is a block; name one of its values",
            Location(1, 1),
            f"e.g. {block_id}.total",
        )
    (first, column), rest = steps[0], steps[1:]
    block_values: dict[str, Number] = {
        "total": report.total,
        "trainable": report.trainable,
        "non_trainable": report.non_trainable,
        "buffers": report.buffers,
    }
    if first == "memory":
        return _memory(report, rest, column)
    if first in ("macs", "flops"):  # worked out only when quoted; FLOPs are 2 × MACs
        return _count(report.macs * (2 if first == "flops" else 1), rest, str(first))
    if first == "input_shape":
        _no_more(rest, str(first))
        return Quoted("shape", shape=report.input_shape)
    if first in block_values:
        return _count(block_values[str(first)], rest, str(first))
    if first != "layers" or isinstance(first, int):
        raise BlockError(
            f"a block has no field {quoted(first)}; it has " + ", ".join(BLOCK_FIELDS),
            Location(1, column),
            _suggest(str(first), list(BLOCK_FIELDS), ""),
        )
    if not rest:
        raise BlockError(
            "`layers` needs an index or a name", Location(1, column), 'e.g. layers[0] or layers["FC_1"]'
        )
    (key, key_column), rest = rest[0], rest[1:]
    row = _layer(report, key, key_column)
    if not rest:
        raise BlockError(
            f"name one of the layer's values: {', '.join(LAYER_FIELDS)}",
            Location(1, key_column),
            f"e.g. .layers[{quoted(key)}].params",
        )
    (name, name_column), rest = rest[0], rest[1:]
    counts = {"params": row.params, "macs": row.macs, "trainable": row.trainable}
    if name in (*counts, "non_trainable"):
        return _count(row.non_trainable if name == "non_trainable" else counts[str(name)], rest, str(name))
    _no_more(rest, str(name))
    if name == "output_shape":
        return Quoted("shape", shape=row.shape)
    if name == "formula":
        if row.group is not None:
            raise BlockError(
                f"{row.name} is a {row.kind} block: its count is the sum of its layers', not one formula",
                Location(1, name_column),
                "quote .params for its subtotal, or a layer inside it by name",
            )
        if row.formula is None:
            raise BlockError(f"{row.name} has no parameters, so no formula", Location(1, name_column))
        return Quoted("formula", number=row.params, formula=row.formula)
    if name == "name":
        return Quoted("text", text=row.name)
    if name == "type":
        return Quoted("text", text=row.kind)
    raise BlockError(
        f"a layer has no field {quoted(name)}; it has " + ", ".join(LAYER_FIELDS),
        Location(1, name_column),
        _suggest(str(name), list(LAYER_FIELDS), ""),
    )


def _memory(report: Report, rest: list[tuple[str | int, int]], column: int) -> Quoted:
    """`ID.memory.float16` and its kin: a size in bytes, worked out only when quoted."""
    if not rest or not isinstance(rest[0][0], str) or rest[0][0] not in MEMORY_FIELDS:
        where = rest[0][1] if rest else column
        given = rest[0][0] if rest else None
        raise BlockError(
            (
                "`memory` needs one of its figures"
                if given is None
                else f"memory has no figure {quoted(given)}"
            )
            + ": "
            + ", ".join(MEMORY_FIELDS),
            Location(1, where),
            _suggest(str(given), list(MEMORY_FIELDS), "e.g. memory.float16"),
        )
    (name, _), rest = rest[0], rest[1:]
    _no_more(rest, str(name))
    sizes = memory.estimate(report)
    figures: dict[str, Number] = {
        **dict(sizes.params),
        "training": sizes.training,
        "cache": sizes.cache,
        "forward_backward": sizes.forward_backward,
        "input": sizes.input,
        "estimated_total": sizes.total,
    }
    return Quoted("bytes", number=figures[str(name)])


def _layer(report: Report, key: str | int, column: int) -> Row:
    rows = report.rows
    if isinstance(key, int):
        if not -len(rows) <= key < len(rows):
            raise BlockError(
                f"layers[{key}] does not exist: the block has "
                + (
                    "1 layer, layers[0]"
                    if len(rows) == 1
                    else f"{len(rows)} layers, layers[0] to layers[{len(rows) - 1}]"
                )
                + " (Input is not a layer)",
                Location(1, column),
            )
        return rows[key]
    for _, row in walk(rows):  # a name reaches inside Residual, Branches and Repeat
        if row.name == key:
            return row
    names = [r.name for _, r in walk(rows)]  # those inside blocks too: a typo may be one of them
    listed = ", ".join(repr(n) for n in names[:_LISTED])
    if len(names) > _LISTED:
        listed += f", … ({len(names)} in all)"
    raise BlockError(
        f"no layer is named {quoted(key)}; the layers are {listed}",
        Location(1, column),
        _suggest(key, names, ""),
    )


_LISTED = 10  # the layer names an error lists, to stay a line


def _count(number: Number, rest: list[tuple[str | int, int]], after: str) -> Quoted:
    """A count, or with `.leading` the terms of it that grow fastest (12·L·d² of a GPT)."""
    if not rest:
        return Quoted("count", number=number)
    if rest[0][0] != "leading":
        raise BlockError(
            f"only `.leading` follows `{after}` in a reference",
            Location(1, rest[0][1]),
            f"{after}.leading quotes the part of a symbolic count that grows fastest (12·L·d²)",
        )
    _no_more(rest[1:], "leading")
    top = leading(number)
    if top is None:
        raise BlockError(
            f"`{after}` is {as_text(number)}: `leading` is its part of the highest degree in the sizes' "
            "symbols, and it has none",
            Location(1, rest[0][1]),
            "write the sizes as symbols (d, L, V) to quote the term that grows fastest"
            if not is_symbolic(number)
            else "a count with ⌊ ⌋ or ⌈ ⌉ in it is no polynomial: quote it whole",
        )
    return Quoted("count", number=top)


def _no_more(rest: list[tuple[str | int, int]], after: str) -> None:
    if rest:
        raise BlockError(f"nothing follows `{after}` in a reference", Location(1, rest[0][1]))


def _suggest(word: str, choices: list[str], fallback: str) -> str:
    import difflib

    close = difflib.get_close_matches(word, choices, n=1)
    return f"did you mean `{close[0]}`?" if close else fallback

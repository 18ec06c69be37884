"""Walks a block's layers: infers every shape, counts every parameter, checks every claim."""

from __future__ import annotations

import re
from collections.abc import Hashable, Iterator
from dataclasses import dataclass, field, replace
from functools import cached_property
from itertools import count
from typing import TypeAlias

from mkdocs_paramcalc.dialects import blocks
from mkdocs_paramcalc.dialects.catalogue import (
    ALIASES,
    CATALOGUES,
    KERAS_OWN_LAYERS,
    SYNONYMS,
    UNKNOWN,
    LayerKind,
    Output,
    is_unknown,
    keras_name,
    stand_in_inputs,
    value_errors,
)
from mkdocs_paramcalc.dialects.formula import Term
from mkdocs_paramcalc.dialects.layers import FRAMEWORK_NAMES, Shape, dialect_of, lookup
from mkdocs_paramcalc.errors import BlockError, BlockErrors, Location, each, gathered
from mkdocs_paramcalc.memo import Memo
from mkdocs_paramcalc.reading.options import Options
from mkdocs_paramcalc.reading.parse import (
    CONSTRUCTS,
    MAX_LAYERS,
    STACKS,
    WRAPPERS,
    Arg,
    Budget,
    Call,
    is_copies,
    parse_expression,
)
from mkdocs_paramcalc.reading.signature import Args
from mkdocs_paramcalc.values import (
    MAGNITUDE,
    MAX_MAGNITUDE,
    Number,
    as_text,
    is_number,
    is_positive,
    is_symbolic,
    quoted,
    shortened,
)


@dataclass(frozen=True)
class Row:
    """One layer of the table."""

    name: str
    kind: str
    shape: Shape
    params: Number
    non_trainable: Number
    formula: Term | None
    frozen: Term | None
    activation: str | None
    where: Location
    named: bool = False  # the author gave the name; otherwise the dialect's automatic one
    buffers: Number = 0  # PyTorch buffers (running statistics): not parameters
    buffers_formula: Term | None = None
    macs_formula: Term | None = None  # multiply-accumulates for one example, as fvcore counts them
    macs_note: str = ""  # why a layer that computes counts none
    group: Group | None = None  # a block construct's rows; its own counts are their sums
    shares: str = ""  # a module applied again: the row whose weights it uses (its own count is 0)
    cache: Number = 0  # attention's keys and values kept a token (a decoder's key/value cache)
    # What the layer's counts and formulas were computed from (model's memo key): two rows with the
    # same key print the same derivation. None for a row computed from symbols, or a block's.
    computed_from: Hashable | None = field(default=None, compare=False, repr=False)

    @property
    def trainable(self) -> Number:
        return self.params - self.non_trainable

    @cached_property
    def macs(self) -> Number:
        """Worked out when asked for: a page that shows no MACs pays nothing for them."""
        if self.group is not None:  # the sum of its parts; merging counts none (fvcore: aten::mul 0)
            return self.group.times * sum((r.macs for r in self.group.rows), 0)
        return self.macs_formula.value() if self.macs_formula else 0


@dataclass(frozen=True)
class Group:
    """What a Residual, Branches or Repeat holds."""

    # Residual: the main path, then the shortcut (empty: the identity); Branches: each path;
    # Repeat: each copy of its layers, in order.
    paths: tuple[tuple[Row, ...], ...]
    merge: str  # "add", "concat", "multiply", or "sequence" for Repeat's copies
    copies: Number = 1  # a name (Repeat(L, ...)): one copy held, standing for all of them

    @property
    def rows(self) -> tuple[Row, ...]:
        return tuple(r for path in self.paths for r in path)

    @property
    def times(self) -> Number:
        """How many times its rows count: L for Repeat(L, ...), which holds one copy; else 1."""
        return self.copies if is_symbolic(self.copies) else 1

    def runs(self) -> list[tuple[tuple[Row, ...], int]]:
        """Repeat's copies as shown: each copy that differs from the one before, and how many
        identical copies (in shapes and counts) it stands for; for the others, each path once."""
        if self.merge != "sequence":
            return [(path, 1) for path in self.paths]
        if is_symbolic(self.copies):
            return [(self.paths[0], self.copies)]
        runs: list[tuple[tuple[Row, ...], int]] = []
        for copy in self.paths:
            if runs and _alike(runs[-1][0], copy):
                runs[-1] = (runs[-1][0], runs[-1][1] + 1)
            else:
                runs.append((copy, 1))
        return runs


def _alike(a: tuple[Row, ...], b: tuple[Row, ...]) -> bool:
    """Copies that differ only in their layers' names."""
    return len(a) == len(b) and all(
        x.kind == y.kind
        and x.shape == y.shape
        and x.params == y.params
        and x.non_trainable == y.non_trainable
        and x.buffers == y.buffers
        and (x.group is None) == (y.group is None)
        and (x.group is None or y.group is None or _alike(x.group.rows, y.group.rows))
        for x, y in zip(a, b, strict=True)
    )


def counted(rows: tuple[Row, ...], times: Number = 1) -> Iterator[tuple[Row, Number]]:
    """Every layer (not the blocks' own rows) with how many times it counts: once, or L times
    inside Repeat(L, ...), which holds one copy for all of them."""
    for row in rows:
        if row.group is None:
            yield row, times
        else:
            yield from counted(row.group.rows, times * row.group.times)


def walk(rows: tuple[Row, ...], depth: int = 0) -> Iterator[tuple[int, Row]]:
    """Every row with its depth, each block before the rows inside it, every copy of a Repeat."""
    for row in rows:
        yield depth, row
        if row.group is not None:
            yield from walk(row.group.rows, depth + 1)


@dataclass(frozen=True)
class Fold:
    """The line after a copy of a Repeat's layers that stands for `times` identical copies."""

    times: Number  # a name for Repeat(L, ...)
    copy: tuple[Row, ...]  # the copy shown
    copies: tuple[tuple[Row, ...], ...]  # all `times` of them, the one shown first

    @property
    def params(self) -> Number:
        """The parameters of the copies it stands for, the one shown included."""
        return self.times * sum((r.params for r in self.copy), 0)

    @property
    def macs(self) -> Number:
        """Their MACs, each copy's own: alike copies may still be fed different inputs."""
        if is_symbolic(self.times):  # Repeat(L, ...): one copy, standing for L
            return self.times * sum((r.macs for r in self.copy), 0)
        return sum((r.macs for path in self.copies for r in path), 0)


def shown(rows: tuple[Row, ...], depth: int = 0) -> Iterator[tuple[int, Row | Fold]]:
    """The rows a table shows, with their depth, blocks before the rows inside them: of a
    Repeat's identical copies the first, then a Fold that says how many there are."""
    for row in rows:
        yield depth, row
        if row.group is not None:
            start = 0  # where the run's copies begin in the group's paths
            for path, times in row.group.runs():
                yield from shown(path, depth + 1)
                if is_symbolic(times):
                    yield depth + 1, Fold(times, path, (path,))
                    continue
                if times > 1:
                    yield depth + 1, Fold(times, path, row.group.paths[start : start + times])
                start += times


@dataclass(frozen=True)
class Report:
    """Everything a block computes."""

    options: Options
    input_shape: Shape
    rows: tuple[Row, ...]
    total: Number
    trainable: Number
    non_trainable: Number
    failed_claims: tuple[BlockError, ...] = field(default=())
    framework: str = "keras"
    buffers: Number = 0
    unfollowed: str = ""  # pasted code whose forward is not followed: why (no row has a shape)

    @cached_property
    def macs(self) -> Number:
        return sum((r.macs for r in self.rows), 0)

    def leaves(self) -> list[Row]:
        """Every layer, inside blocks too (every copy), without the blocks' own rows."""
        return [r for _, r in walk(self.rows) if r.group is None]

    def shown_rows(self) -> list[Row]:
        """The rows a table shows, blocks included, in its order (a Repeat's identical copies once)."""
        return [r for _, r in shown(self.rows) if isinstance(r, Row)]


def build(calls: tuple[Call, ...], options: Options) -> Report:
    """The report for a parsed block; raises BlockError for a block that does not compute, with
    every error of it that does not follow from another (BlockErrors when there are several)."""
    layers = list(calls)
    errors: list[BlockError] = []
    try:
        shape = input_shape = _input_shape(layers, options)
    except BlockError as error:  # the layers are still checked, without shapes
        errors.append(error)
        shape = input_shape = ()
    try:
        framework = _dialect(layers, options)
    except BlockError as error:  # alone: the other dialect's layers would each say it again
        raise gathered([*errors, error]) from None
    walker = _Walker(framework, options)
    walker.errors, walker.broken = errors, bool(errors)
    rows, _ = walker.sequence(layers, shape, map(str, count(1)), "the block's input")
    if walker.errors:
        raise gathered(walker.errors)
    total: Number = sum((r.params for r in rows), 0)
    non_trainable: Number = sum((r.non_trainable for r in rows), 0)
    failed = walker.failed
    if options.expect is not None:
        mismatch = _check_claim(options.expect.value, total, "total", options.expect.where)
        if mismatch:
            failed.append(mismatch)
    if "shares" in options.show and is_symbolic(total):
        raise BlockError(
            f"shares need numbers, and the total is a formula ({shortened(as_text(total), 80)})",
            calls[0].where if calls else Location(1, 1),
            "give the names numbers in the block that shows shares",
        )
    unfollowed = walker.unfollowed or next((call.unfollowed for call in calls if call.unfollowed), "")
    if unfollowed:
        _shapes_needed(options, unfollowed, calls[0] if calls else None)
    return Report(
        options,
        input_shape,
        tuple(rows),
        total,
        total - non_trainable,
        non_trainable,
        tuple(failed),
        framework,
        sum((r.buffers for r in rows), 0),
        unfollowed,
    )


def _shapes_needed(options: Options, unfollowed: str, first: Call | None) -> None:
    """The parts of a block that need every layer's shape cannot be shown without them."""
    needing = [part for part in ("macs", "memory", "diagram") if part in options.show]
    if needing:
        raise BlockError(
            f"{', '.join(needing)} need every layer's shape, and some shapes are not followed: {unfollowed}",
            first.where if first is not None else Location(1, 1),
            'show="table derivations" for this code, or write the model as layers of a block',
        )


class _Walker:
    """Infers each layer's shape and counts in order, inside block constructs too; names them."""

    def __init__(self, framework: str, options: Options) -> None:
        self.framework = framework
        self.options = options
        self.failed: list[BlockError] = []
        self.errors: list[BlockError] = []  # the block's errors, each its own
        # A layer failed: the shapes after it are unknown, and the layers after it are only
        # checked for what needs no shape (names, kinds, arguments).
        self.broken = False
        self.counters: dict[str, int] = {}
        self.names: dict[str, Location] = {}
        self.budget = Budget()
        self.unfollowed = ""  # pasted code's first operation not followed, once one is met
        self.counts: dict[str, Number] = {}  # each layer's count by name, for tied= after it
        self.started = False  # a layer has been read: `input_shape=` belongs on the first only
        # Layers made, each copy's: the parser bounds them, but an index= can make copies grow
        # (Repeat(n, Repeat(100*i + 1, ...), index="i")), which it cannot count.
        self.made = 0

    def sequence(
        self, calls: list[Call] | tuple[Call, ...], shape: Shape, numbers: Iterator[str], source: str
    ) -> tuple[list[Row], Shape]:
        """The rows of layers run one after another on `shape`, and the shape they give; after a
        layer fails (self.broken), the others are only checked, and give no rows."""
        rows: list[Row] = []
        for call in calls:
            if call.name == "Unfollowed" and call.unfollowed:  # pasted code's: the shape is lost here
                self.unfollowed = self.unfollowed or call.unfollowed
                shape = UNKNOWN
                continue
            number = next(numbers)
            if self.broken:
                self.check(call, number)
                continue
            try:
                row = self.row(call, shape, number, f"the output of {rows[-1].name}" if rows else source)
            except BlockError as error:
                self.errors.append(error)
                self.broken = True
                continue
            if row is not None:  # None: a block construct that failed inside
                rows.append(row)
                shape = row.shape
        return rows, shape

    def row(self, call: Call, shape: Shape, number: str, source: str) -> Row | None:
        kind = self.kind(call)
        name = self.named(call, kind.name if kind else call.name, number)
        if kind is None:
            row = self.block(call, shape, name, number)
            if row is None:
                return None
        else:
            self.made += 1
            if self.made > MAX_LAYERS:
                raise BlockError(
                    f"{name}: the block stands for more than {MAX_LAYERS:,} layers, each copy counted",
                    call.where,
                    "an index= that makes the copies of a Repeat inside grow makes many layers: "
                    "split the network into several blocks, or repeat a name's copies (Repeat(L, ...))",
                )
            try:
                row = self.layer(call, kind, shape, name, source)
            except BlockError as error:  # and whatever else is wrong with its arguments
                raise gathered([error, *self.argument_errors(call, kind, name)]) from None
            tied = call.keyword("tied")
            if tied is not None:
                row = self.tie(row, tied.value, tied.where)
            elif not row.shares:
                self.counts[name] = row.params
        claim = call.keyword("expect")
        if claim is not None:
            try:
                mismatch = _check_claim(claim.value, row.params, name, claim.where)
            except BlockError as error:  # a claim that cannot be checked changes no shape
                self.errors.append(error)
                mismatch = None
            if mismatch:
                self.failed.append(mismatch)
        return row

    def tie(self, row: Row, other: object, where: Location) -> Row:
        """A layer that uses an earlier layer's weights (tied=, an output head that is the
        embedding's matrix): counted once, as model.parameters() counts a shared tensor."""
        if not isinstance(other, str) or other not in self.counts:
            earlier = ", ".join(list(self.counts)[-3:]) or "none"
            raise BlockError(
                f"{row.name}: tied= names an earlier layer; {quoted(other)} is none (the last: {earlier})",
                where,
                'write tied="wte" with the name of the layer whose weights this one uses',
            )
        theirs = self.counts[other]
        if blocks.same_size(theirs, row.params) is not True:
            raise BlockError(
                f"{row.name}: tied= uses all of {other}'s {as_text(theirs)} weights, but this layer has "
                f"{as_text(row.params)}",
                where,
                "a tied layer holds the same matrix and nothing more: write bias=False, or leave tied= out",
            )
        return replace(row, params=0, non_trainable=0, formula=None, frozen=None, shares=other)

    def kind(self, call: Call) -> LayerKind | None:
        """The catalogue's entry for a layer; None for a block construct."""
        if call.prefix and self.framework == "keras":
            raise BlockError(
                f"`nn.{call.name}` is a PyTorch name; this block is Keras",
                call.where,
                'write framework="pytorch" on the fence, or the Keras layer',
            )
        if call.name == "Input":
            raise BlockError("`Input` must be the first line of the block", call.where)
        if call.name in CONSTRUCTS and not call.prefix:
            return None
        if call.name in WRAPPERS and self.framework == "pytorch":
            raise _torch_wrapper_error(call)
        return lookup(call.name, self.framework, call.where)

    def named(self, call: Call, kind_name: str, number: str) -> str:
        """The layer's name, given or the dialect's; a wrong name is an error that stops nothing."""
        try:
            if self.framework == "keras":
                _count_inner(call, self.counters)
                name = _name(call, kind_name, self.counters)
                for inner in KERAS_OWN_LAYERS.get(kind_name, ()):  # made inside it, named after it
                    _name(Call(inner, (), (), call.where), inner, self.counters)
            else:
                name = _torch_name(call, kind_name, number)
        except BlockError as error:
            self.errors.append(error)
            return kind_name
        problem = self._claim_name(name, call)
        if problem is not None:
            self.errors.append(problem)
        return name

    def _claim_name(self, name: str, call: Call) -> BlockError | None:
        if call.shares:  # a module applied again: its name is its first use's
            return None
        other = self.names.get(name)
        if other == call.where:  # the same call again: a copy of a Repeat
            return BlockError(
                f"{name}: a name given inside Repeat would name every copy alike",
                call.where,
                "leave name= out inside Repeat: the copies are named one by one",
            )
        if other is not None:
            return BlockError(
                f"two layers are named {name!r} (the other is the {_ordinal(other.line)} line of the block)",
                call.where,
                "give each layer its own name=",
            )
        self.names[name] = call.where
        return None

    def check(self, call: Call, number: str, *, arguments: bool = True) -> None:
        """A layer after the walk stopped: its kind, name and arguments, without its input shape.
        Without `arguments`, only its name (a copy of a Repeat after the first)."""
        if call.name == "Unfollowed" and call.unfollowed:
            return
        try:
            kind = self.kind(call)
        except BlockError as error:
            if arguments:
                self.errors.append(error)
            return
        name = self.named(call, kind.name if kind else call.name, number)
        if kind is None:
            self.check_block(call, number, arguments=arguments)
            return
        if arguments:
            self._misplaced_input_shape(call, name)
            self.errors += self.argument_errors(call, kind, name)
        self.started = True

    def check_block(self, call: Call, number: str, *, arguments: bool) -> None:
        self.started = True
        if arguments:
            self.errors += _keyword_errors(call)
            try:
                if call.name == "Branches":
                    self._merge(call)
                paths = self._numbered(call, 0) if call.name == "Repeat" else call.paths
            except BlockError as error:
                self.errors.append(error)
                paths = call.paths
        else:
            paths = call.paths
        inner = (f"{number}.{i}" for i in count(1))
        copies = call.args[0].value if call.name == "Repeat" else 1
        copies = copies if isinstance(copies, int) else 1  # Repeat(L, ...): one copy, checked once
        for index in range(copies):
            for path in paths:
                for each_call in path:
                    self.check(each_call, next(inner), arguments=arguments and index == 0)

    def argument_errors(self, call: Call, kind: LayerKind, name: str) -> list[BlockError]:
        """Everything wrong with a layer's arguments that its input shape does not decide."""
        try:
            args = Args(kind.name, name, kind.signature, call)
        except BlockError as error:
            return list(each(_other_dialect(error, call, self.framework, self.options)))
        return value_errors(kind, args) + self.inner_errors(call, name)

    def inner_errors(self, call: Call, name: str) -> list[BlockError]:
        """What is wrong with the arguments of the layer a wrapper holds, its shape aside."""
        errors: list[BlockError] = []
        for inner in _inner_calls(call):
            if inner.prefix:  # the wrapper's entry says what to write instead
                continue
            try:
                kind = self.kind(inner)
            except BlockError as error:  # worded as the wrapper's entry words it, so said once
                errors.append(BlockError(f"{name}: {error.message}", error.where, error.hint))
                continue
            if kind is not None:
                errors += self.argument_errors(inner, kind, f"{name}: {kind.name}")
        return errors

    def _misplaced_input_shape(self, call: Call, name: str) -> None:
        legacy = call.keyword("input_shape")
        if legacy is not None and self.started:
            self.errors.append(
                BlockError(f"{name}: `input_shape` belongs on the first layer only", legacy.where)
            )

    def layer(self, call: Call, kind: LayerKind, shape: Shape, name: str, source: str) -> Row:
        self._misplaced_input_shape(call, name)
        self.started = True
        if call.unfollowed or is_unknown(shape):
            self.unfollowed = self.unfollowed or call.unfollowed
            return self.stand_in_row(call, kind, name)
        key = _layer_key(self.framework, kind.name, call, shape)
        known = _LAYERS.get(key) if key is not None else None
        if known is None:
            known = self._compute(call, kind, shape, name, source)
            if key is not None:
                _LAYERS.set(key, known)
        out, params, frozen, buffers = known
        self.budget.charge(name, out.shape, (params, buffers), call.where)
        if call.width and tuple(out.shape) != (call.width,):
            raise BlockError(
                f"{name}: x.view(-1, {call.width}) of a {_shape_words(shape)} input does not flatten it: "
                f"each example holds {as_text(_product(shape))} values, not {call.width:,}",
                call.where,
                "write x.view(x.size(0), -1), or torch.flatten(x, 1)",
            )
        if call.shares:  # the weights are counted once, at the module's first use
            return Row(
                name,
                kind.name,
                out.shape,
                0,
                0,
                None,
                None,
                out.activation,
                call.where,
                True,
                macs_formula=out.macs,
                macs_note=out.macs_note,
                shares=call.shares,
            )
        return Row(
            name,
            kind.name,
            out.shape,
            params,
            frozen,
            out.formula,
            out.frozen,
            out.activation,
            call.where,
            call.keyword("name") is not None,
            buffers,
            out.buffers,
            out.macs,
            out.macs_note,
            cache=out.cache,
            computed_from=key,
        )

    def stand_in_row(self, call: Call, kind: LayerKind, name: str) -> Row:
        """A layer of pasted code whose forward is not followed: counted on a stand-in input its
        arguments accept (a PyTorch layer's count depends on them alone); its shape unknown."""
        if self.framework != "pytorch":
            hint = "a Keras layer's count needs its input's shape"
            raise BlockError(f"{name}: {call.unfollowed or self.unfollowed}", call.where, hint)
        try:
            args = Args(kind.name, name, kind.signature, call)
        except BlockError as error:
            raise _other_dialect(error, call, self.framework, self.options) from None
        failure: BlockError | None = None
        for shape in stand_in_inputs(kind, args):
            try:
                out, params, frozen, buffers = self._compute(call, kind, shape, name, "its input")
            except BlockError as error:
                failure = failure or error
                continue
            self.budget.charge(name, (), (params, buffers), call.where)
            if call.shares:  # the weights are counted once, at the module's first use
                params = frozen = buffers = 0
            return Row(
                name,
                kind.name,
                UNKNOWN,
                params,
                frozen,
                None if call.shares else out.formula,
                None if call.shares else out.frozen,
                out.activation,
                call.where,
                True,
                buffers,
                None if call.shares else out.buffers,
                macs_note="its input's shape is not followed",
                shares=call.shares,
            )
        assert failure is not None
        raise failure

    def _compute(self, call: Call, kind: LayerKind, shape: Shape, name: str, source: str) -> _Computed:
        """A layer's output and its parameters, frozen parameters and buffers, counted afresh."""
        try:
            args = Args(kind.name, name, kind.signature, call, source=source)
        except BlockError as error:
            raise _other_dialect(error, call, self.framework, self.options) from None
        out = kind.infer(args, shape)
        _check_shape(out.shape, name, call)
        params: Number = out.formula.value() if out.formula else 0
        frozen: Number = out.frozen.value() if out.frozen else 0
        buffers: Number = out.buffers.value() if out.buffers else 0
        if not args.flag("trainable"):
            frozen = params
        return out, params, frozen, buffers

    def block(self, call: Call, shape: Shape, name: str, number: str) -> Row | None:
        """A Residual, Branches or Repeat: its paths on the same input, merged; or its copies.
        None when a layer inside failed (every layer inside is still checked)."""
        self.started = True
        self.errors += _keyword_errors(call)
        inner = (f"{number}.{i}" for i in count(1))
        if call.name == "Repeat":
            made = self._copies(call, shape, inner, f"the input of {name}")
        elif call.name in STACKS:  # Repeat(num_layers, layer) and the norm, one after the other
            _check_copies(call.paths[0][0].args[0], f"nn.{call.name}'s num_layers")
            rows, out = self.sequence(call.paths[0], shape, inner, f"the input of {name}")
            made = None if self.broken else (Group((tuple(rows),), "sequence"), out)
        else:
            made = self._joined(call, shape, name, inner)
        if made is None:
            return None
        group, out = made
        children = group.rows
        params: Number = group.times * sum((r.params for r in children), 0)
        buffers: Number = group.times * sum((r.buffers for r in children), 0)
        self.budget.charge(name, out, (params, buffers), call.where)
        return Row(
            name,
            call.name,
            out,
            params,
            group.times * sum((r.non_trainable for r in children), 0),
            None,
            None,
            None,
            call.where,
            call.keyword("name") is not None,
            buffers,
            group=group,
        )

    def _copies(
        self, call: Call, shape: Shape, inner: Iterator[str], source: str
    ) -> tuple[Group, Shape] | None:
        """Repeat's copies, one after another, each numbered (index=); None when one failed."""
        _check_copies(call.args[0], "Repeat's number of copies")
        copies = call.args[0].value
        if is_symbolic(copies):
            return self._symbolic_copies(call, copies, shape, inner, source)
        assert isinstance(copies, int)
        paths: list[tuple[Row, ...]] = []
        for copy in range(copies):
            if self.broken:  # a copy failed: the copies after it only take their names
                for each_call in call.paths[0]:
                    self.check(each_call, next(inner), arguments=False)
                continue
            try:
                layers = self._numbered(call, copy)[0]
            except BlockError as error:
                self.errors.append(error)
                self.broken = True
                continue
            rows, shape = self.sequence(layers, shape, inner, source)
            paths.append(tuple(rows))
            source = f"the output of {rows[-1].name}" if rows else source
        return None if self.broken else (Group(tuple(paths), "sequence", copies), shape)

    def _symbolic_copies(
        self, call: Call, copies: Number, shape: Shape, inner: Iterator[str], source: str
    ) -> tuple[Group, Shape] | None:
        """Repeat(L, ...): one copy, computed once and counted L times; every copy must give back
        its input's shape, so that the L copies are alike."""
        given = call.keyword("index")
        if given is not None:
            raise BlockError(
                "Repeat: index= numbers copies one by one, and a Repeat of a name's copies has no numbers",
                given.where,
                "give the copies a number, or leave index= out",
            )
        rows, out = self.sequence(call.paths[0], shape, inner, source)
        if self.broken:
            return None
        if (
            is_unknown(out)
            or len(out) != len(shape)
            or not all(blocks.same_size(a, b) is True for a, b in zip(out, shape, strict=True))
        ):
            raise BlockError(
                f"Repeat({as_text(copies)}, ...): a copy turns {_shape_words(shape)} into "
                f"{_shape_words(out) if not is_unknown(out) else 'a shape not followed'}, so the copies "
                "are not alike",
                call.where,
                "a Repeat of a name's copies holds layers that give back their input's shape (a transformer "
                "block); write the number of copies otherwise",
            )
        return Group((tuple(rows),), "sequence", copies), shape

    def _joined(
        self, call: Call, shape: Shape, name: str, inner: Iterator[str]
    ) -> tuple[Group, Shape] | None:
        """Residual's or Branches' paths on the same input, added or concatenated; None when
        a layer in them failed, or they cannot be joined."""
        paths: list[tuple[Row, ...]] = []
        outputs: list[tuple[str, Shape]] = []
        for index, path in enumerate(call.paths):
            rows, end = self.sequence(path, shape, inner, f"the input of {name}")
            paths.append(tuple(rows))
            outputs.append((self._path_name(call, index, rows), end))
        if call.unfollowed:  # pasted code's q @ k: joined by an operation not followed
            self.unfollowed = self.unfollowed or call.unfollowed
            return None if self.broken else (Group(tuple(paths), "not followed"), UNKNOWN)
        try:
            merge = self._merge(call)
        except BlockError as error:
            self.errors.append(error)
            return None
        if self.broken:
            return None
        if any(is_unknown(end) for _, end in outputs):  # a path not followed: so is what it joins
            return Group(tuple(paths), merge), UNKNOWN
        if merge == "concat":
            axis = -1 if self.framework == "keras" else 0
            if call.axis is not None:  # pasted code's, the batch axis counted
                axis = _concatenation_axis(name, call, outputs[0][1])
            return Group(tuple(paths), merge), blocks.concatenated(name, outputs, axis, call.where)
        if merge == "multiply":
            return Group(tuple(paths), merge), blocks.multiplied(name, outputs, self.framework, call.where)
        hint = (
            'give every path the same output shape, or concatenate them with merge="concat"'
            if call.name == "Branches"
            else "give the shortcut a projection that gives the main path's shape, such as "
            + blocks.projection(shape, outputs[0][1], self.framework)
        )
        return Group(tuple(paths), merge), blocks.added(name, outputs, call.where, hint)

    def _merge(self, call: Call) -> str:
        if call.name == "Residual":
            return "add"
        given = call.keyword("merge")
        if given is None:
            return "concat"
        if given.value not in blocks.MERGES:
            raise blocks.merge_error(given.value, given.where)
        return str(given.value)

    @staticmethod
    def _numbered(call: Call, copy: int) -> tuple[tuple[Call, ...], ...]:
        """A Repeat's layers for one copy: its `index=` name is the copy's number, from 0."""
        given = call.keyword("index")
        if given is None:
            return call.paths
        name = given.value
        if not (isinstance(name, str) and name.isidentifier() and name.isascii()):
            raise BlockError(
                f'Repeat: index= names the copy\'s number, such as index="i", not {quoted(name)}',
                given.where,
                'write index="i" and sizes such as 64 + 32*i: i is 0 in the first copy, 1 in the next',
            )
        return (blocks.numbered(call.paths[0], name, copy),)

    @staticmethod
    def _path_name(call: Call, index: int, rows: list[Row]) -> str:
        """How an error names a path: the main path and the shortcut, or the nth path."""
        if call.name == "Residual":
            what = "the main path" if index == 0 else "the shortcut"
            return what + ("" if rows else " (the identity)")
        return f"path {index + 1}" + ("" if rows else " (the identity)")


def _check_copies(given: Arg, what: str) -> None:
    """A number of copies as the model meets it: the parser checked the one written, but an
    outer Repeat's index= can make 0, −1, ½ or 10,000 of a formula of it (Repeat(i, ...))."""
    if not is_copies(given.value):
        raise BlockError(
            f"{what} is {as_text(given.value)} here (an outer Repeat's index= gives it); it is a whole "
            f"number from 1 to {MAX_LAYERS:,}, or a name",
            given.where,
            f'give each copy a number from 1 to {MAX_LAYERS:,}: index="i" is 0 in the first copy, i + 1 is 1',
        )


def _concatenation_axis(name: str, call: Call, shape: Shape) -> int:
    """The batch-free axis of pasted code's concatenation (torch.cat(dim=1), axis=-1)."""
    given = call.axis
    assert given is not None
    axis = given - 1 if given > 0 else given
    if given == 0 or not -len(shape) <= axis < len(shape):
        raise BlockError(
            f"{name}: concatenation on axis {given} of a {len(shape) + 1}-axis tensor (the batch counted)",
            call.where,
            "a table concatenates examples' own axes, not the batch: dim=1 for channels in PyTorch, "
            "axis=-1 in Keras",
        )
    return axis


def _keyword_errors(call: Call) -> list[BlockError]:
    """A block construct's keyword arguments that it does not take, each an error."""
    allowed = blocks.KEYWORDS[call.name]
    taken = ", ".join(f"`{k}=`" for k in ("shortcut", *allowed) if call.name == "Residual" or k != "shortcut")
    return [
        BlockError(f"{call.name} has no argument `{key}`; it takes {taken}", arg.where)
        for key, arg in call.kwargs
        if key not in allowed
    ]


# A layer's output, parameters, frozen parameters and buffers: all that its key decides.
_Computed: TypeAlias = tuple[Output, Number, Number, Number]

# Layers already computed, by what their result depends on: the dialect, the kind, the arguments
# (with their types: 2 and 2.0 and True are different arguments) and the input's shape. A site
# repeats layers (the same Conv2D on the same input in many models), and a layer is computed as
# much as its text is parsed. Names and claims change no result; they are left out of the key.
_LAYERS: Memo[Hashable, _Computed] = Memo("model: layers", 8192)
_UNKEYED = ("name", "expect", "tied")


def _layer_key(framework: str, kind: str, call: Call, shape: Shape) -> Hashable | None:
    if any(is_symbolic(size) for size in shape):
        return None  # a formula's work is charged to its own block (the Budget), so never shared
    try:
        return (
            framework,
            kind,
            tuple(_tagged(arg.value) for arg in call.args),
            tuple((key, _tagged(arg.value)) for key, arg in call.kwargs if key not in _UNKEYED),
            shape,
        )
    except _UnkeyedError:
        return None


class _UnkeyedError(Exception):
    """An argument that a key cannot hold faithfully: a formula."""


def _tagged(value: object) -> Hashable:
    if isinstance(value, Call):  # a wrapper's layer: what it computes from, not where it is written
        return (
            "call",
            value.prefix,
            value.name,
            tuple(_tagged(arg.value) for arg in value.args),
            tuple((key, _tagged(arg.value)) for key, arg in value.kwargs if key != "name"),
        )
    if isinstance(value, tuple):
        return ("tuple", tuple(_tagged(v) for v in value))
    if is_symbolic(value):
        raise _UnkeyedError
    return (type(value).__name__, value)


def _dialect(calls: list[Call], options: Options) -> str:
    """The block's dialect: the fence's `framework=`, else what its layer names say, else the site's."""
    if options.framework_given:
        return options.framework
    seen: dict[str, list[Call]] = {"keras": [], "pytorch": []}
    calls = _leaves(calls)
    for call in calls:
        if call.name == "Input":
            continue
        found = {"pytorch"} if call.prefix else dialect_of(call.name)
        if len(found) == 1:
            seen[found.pop()].append(call)
    keras, torch = seen["keras"], seen["pytorch"]
    if keras and torch:
        # The dialect most layers are written in is the one meant; the first odd one out is the mistake.
        torch_wins = len(torch) > len(keras) or (
            len(torch) == len(keras) and calls.index(torch[0]) < calls.index(keras[0])
        )
        most, odd = ("pytorch", "keras") if torch_wins else ("keras", "pytorch")
        call, example = seen[odd][0], seen[most][0]
        if most == "pytorch" and call.name in WRAPPERS:
            raise _torch_wrapper_error(call)
        meant = SYNONYMS[most].get(call.name)
        instead = f" such as `{meant}`" if meant else ""
        raise BlockError(
            f"`{call.name}` is a {FRAMEWORK_NAMES[odd]} layer, but this block is {FRAMEWORK_NAMES[most]} "
            f"(`{example.name}`, …): a block is one or the other",
            call.where,
            f"write it as a {FRAMEWORK_NAMES[most]} layer{instead}, and say which dialect with "
            f'framework="{most}" on the fence',
        )
    first = [f for f in ("keras", "pytorch") if seen[f]]
    return next(iter(first), options.framework)


def _leaves(calls: list[Call] | tuple[Call, ...]) -> list[Call]:
    """The layers of a block, those inside block constructs too (each once), in order."""
    out: list[Call] = []
    for call in calls:
        if call.name in CONSTRUCTS and not call.prefix:
            out += _leaves([inner for path in call.paths for inner in path])
        else:
            out.append(call)
    return out


def _inner_calls(call: Call) -> list[Call]:
    """The layers a wrapper holds (Bidirectional's LSTM), in the order they are written."""
    values = [arg.value for arg in call.args] + [arg.value for _, arg in call.kwargs]
    return [value for value in values if isinstance(value, Call)]


def _count_inner(call: Call, counters: dict[str, int]) -> None:
    """Keras names the layer a wrapper holds before the wrapper (the LSTM of Bidirectional(LSTM(64))
    is `lstm`, the next LSTM `lstm_1`): its automatic name is taken, though no row shows it."""
    for inner in _inner_calls(call):
        if inner.prefix:
            continue
        kind = ALIASES["keras"].get(inner.name, inner.name)
        _count_inner(inner, counters)
        if inner.keyword("name") is None:
            _name(inner, kind, counters)


# What a PyTorch block writes for Keras' wrappers: PyTorch has none.
_TORCH_INSTEAD = {
    "Bidirectional": "its recurrent layers run both ways themselves: write nn.LSTM(input_size, hidden_size, "
    "bidirectional=True) (nn.GRU and nn.RNN too), which gives 2 × hidden_size features",
    "TimeDistributed": "nn.Linear already acts on every time step (it reads the last axis of any input): "
    "write nn.Linear(in_features, out_features) alone",
}


def _torch_wrapper_error(call: Call) -> BlockError:
    return BlockError(
        f"`{call.name}` is a Keras wrapper; PyTorch has no wrappers", call.where, _TORCH_INSTEAD[call.name]
    )


def _other_dialect(error: BlockError, call: Call, framework: str, options: Options) -> BlockError:
    """Arguments that fit the other dialect's layer of a similar name (Conv2d(32, 3)) say which was meant."""
    other = next(f for f in FRAMEWORK_NAMES if f != framework)
    meant = SYNONYMS[other].get(call.name)
    kind = CATALOGUES[other].get(meant or "")
    if options.framework_given or meant is None or kind is None:
        return error
    try:
        Args(kind.name, call.name, kind.signature, call)
    except BlockError:
        return error
    hint = (
        f"did you mean `{meant}`? (`{call.name}` is {FRAMEWORK_NAMES[framework]}'s, "
        f"so this block is read as {FRAMEWORK_NAMES[framework]})"
    )
    hinted = [BlockError(one.message, one.where, hint) for one in each(error)]
    return hinted[0] if len(hinted) == 1 else BlockErrors(hinted)


def _input_shape(calls: list[Call], options: Options) -> Shape:
    """The input shape from `Input(...)`, `input=`, or a first layer's `input_shape=`; pops Input."""
    given: list[tuple[Shape, Location]] = []
    if calls and calls[0].name == "Input":
        call = calls.pop(0)
        given.append((_input_call(call), call.where))
    for call in calls:
        if call.name == "Input":
            raise BlockError("`Input` must be the first line of the block", call.where)
    if options.input is not None:
        text = re.sub(r"(?<!\s)\s*[x×]\s*", ", ", options.input.value.strip())
        sizes = parse_expression(text, options.input.where)
        given.append((_sizes(sizes, "input", options.input.where), options.input.where))
    if calls and (legacy := calls[0].keyword("input_shape")) is not None:
        given.append((_sizes(legacy.value, "input_shape", legacy.where), legacy.where))
    if not given:
        where = calls[0].where if calls else Location(1, 1)
        raise BlockError(
            "the block does not say its input shape",
            where,
            'start it with a line such as Input(28, 28, 1), or add input="28x28x1" to the fence',
        )
    if len(given) > 1:
        raise BlockError(
            "the input shape is given twice", given[1][1], "keep either Input(...) or input= / input_shape="
        )
    return given[0][0]


def _input_call(call: Call) -> Shape:
    allowed = {"shape", "batch_size", "dtype", "name", "sparse", "batch_shape", "ragged", "optional"}
    for key, arg in call.kwargs:
        if key not in allowed:
            raise BlockError(
                f"Input has no argument `{key}`; it takes the shape as numbers or shape=(...)", arg.where
            )
    shape_arg = call.keyword("shape")
    batch = call.keyword("batch_shape")
    if shape_arg is not None and call.args:
        raise BlockError("Input: give the shape once, either as numbers or as shape=(...)", shape_arg.where)
    if batch is not None:
        value = batch.value
        if not isinstance(value, tuple) or len(value) < 2:
            raise BlockError("Input: `batch_shape` needs the batch size then the shape", batch.where)
        return _sizes(value[1:], "batch_shape", batch.where)
    if shape_arg is not None:
        return _sizes(shape_arg.value, "shape", shape_arg.where)
    if len(call.args) == 1 and isinstance(call.args[0].value, tuple):
        return _sizes(call.args[0].value, "shape", call.args[0].where)
    if not call.args:
        raise BlockError("Input needs a shape", call.where, "e.g. Input(28, 28, 1)")
    for arg in call.args:
        _sizes((arg.value,), "shape", arg.where)
    return tuple(arg.value for arg in call.args)


def _sizes(value: object, what: str, where: Location) -> Shape:
    values = value if isinstance(value, tuple) else (value,)
    if not values:
        raise BlockError(f"the {what} is empty", where, "e.g. Input(28, 28, 1)")
    for v in values:
        if not is_number(v) or is_positive(v) is False or (is_symbolic(v) and not v.is_integer):
            raise BlockError(f"the {what} must be positive whole numbers or names, got {v!r}", where)
    return tuple(values)


def _shape_words(shape: Shape) -> str:
    return "(" + ", ".join(as_text(size) for size in shape) + ")"


def _product(shape: Shape) -> Number:
    out: Number = 1
    for size in shape:
        out = out * size
    return out


def _check_shape(shape: Shape, name: str, call: Call) -> None:
    for size in shape:
        if is_positive(size) is False:
            raise BlockError(f"{name}: the output would have a size of {size}", call.where)


def _name(call: Call, kind: str, counters: dict[str, int]) -> str:
    given = call.keyword("name")
    if given is not None:
        if not isinstance(given.value, str) or not given.value.strip():
            raise BlockError("`name` must be a non-empty string", given.where)
        return given.value
    if call.label:  # pasted code's: a module's path, or the name Keras gave it
        return call.label
    base = keras_name(kind)
    n = counters.get(base, 0)
    counters[base] = n + 1
    return base if n == 0 else f"{base}_{n}"


def _torch_name(call: Call, kind: str, index: str) -> str:
    """torchsummary's names: the class and the layer's position, Conv2d-1, ReLU-2; inside a
    block, its position there after the block's, Conv2d-2.1 (every copy of a Repeat numbered on)."""
    given = call.keyword("name")
    if given is not None or call.label:
        return _name(call, kind, {})
    return f"{kind}-{index}"


_SEPARATORS = re.compile(r"[,_\s'\u00a0\u202f]")
_DOTTED = re.compile(r"[0-9]{1,3}(\.[0-9]{3})+")
# Digits alone, or grouped in threes by one separator: 1,199,882; 1 199 882; 1_199_882.
_GROUPED = re.compile(r"[0-9]+|[0-9]{1,3}(?:([,_\s'\u00a0\u202f])[0-9]{3})(?:\1[0-9]{3})*")


def _check_claim(claimed: object, computed: Number, what: str, where: Location) -> BlockError | None:
    value = _claimed_number(claimed, where)
    if is_symbolic(computed):
        raise BlockError(
            f"{what}: the count is a formula ({shortened(as_text(computed), 120)}), so a number cannot be "
            "checked against it",
            where,
            "give the symbols numbers, or drop expect=",
        )
    if value == computed:
        return None
    return BlockError(f"{what}: the text says {value:,}, the formula gives {computed:,}", where)


def _claimed_number(claimed: object, where: Location) -> int:
    if isinstance(claimed, int) and not isinstance(claimed, bool):
        return claimed
    text = claimed.strip() if isinstance(claimed, str) else ""
    if _GROUPED.fullmatch(text) or _DOTTED.fullmatch(text):
        digits = _SEPARATORS.sub("", text)
        if _DOTTED.fullmatch(digits):  # 1.199.882, as German texts group digits
            digits = digits.replace(".", "")
        if digits.isascii() and digits.isdigit():
            digits = digits.lstrip("0") or "0"
            if len(digits) > len(str(MAX_MAGNITUDE)):  # and Python refuses int() of 4,300 digits
                raise BlockError(
                    f"expect= claims a number of {len(digits):,} digits; a count is at most {MAGNITUDE}",
                    where,
                )
            return int(digits)
    raise BlockError(f"expect= must be a whole number such as 1,199,882, got {quoted(claimed)}", where)


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"

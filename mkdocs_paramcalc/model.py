"""Walks a block's layers: infers every shape, counts every parameter, checks every claim."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .catalogue import CATALOGUES, SYNONYMS
from .errors import BlockError, Location
from .formula import Term
from .layers import FRAMEWORK_NAMES, Shape, dialect_of, lookup
from .options import Options
from .parse import Budget, Call, parse_expression
from .signature import Args
from .values import Number, as_text, is_number, is_positive, is_symbolic


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

    @property
    def trainable(self) -> Number:
        return self.params - self.non_trainable


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


def build(calls: tuple[Call, ...], options: Options) -> Report:
    """The report for a parsed block; raises BlockError for a block that does not compute."""
    layers = list(calls)
    shape = input_shape = _input_shape(layers, options)
    rows: list[Row] = []
    failed: list[BlockError] = []
    counters: dict[str, int] = {}
    names: dict[str, Location] = {}
    framework = _dialect(layers, options)
    budget = Budget()
    for index, call in enumerate(layers, 1):
        if call.prefix and framework == "keras":
            raise BlockError(
                f"`nn.{call.name}` is a PyTorch name; this block is Keras",
                call.where,
                'write framework="pytorch" on the fence, or the Keras layer',
            )
        kind = lookup(call.name, framework, call.where)
        name = (
            _name(call, kind.name, counters) if framework == "keras" else _torch_name(call, kind.name, index)
        )
        if name in names:
            raise BlockError(
                f"two layers are named {name!r} (the other is the {_ordinal(names[name].line)} line "
                "of the block)",
                call.where,
                "give each layer its own name=",
            )
        names[name] = call.where
        legacy = call.keyword("input_shape")
        if legacy is not None and rows:
            raise BlockError(f"{name}: `input_shape` belongs on the first layer only", legacy.where)
        source = f"the output of {rows[-1].name}" if rows else "the block's input"
        try:
            args = Args(kind.name, name, kind.signature, call, source=source)
        except BlockError as error:
            raise _other_dialect(error, call, framework, options) from None
        out = kind.infer(args, shape)
        _check_shape(out.shape, name, call)
        params: Number = out.formula.value() if out.formula else 0
        frozen: Number = out.frozen.value() if out.frozen else 0
        buffers: Number = out.buffers.value() if out.buffers else 0
        if not args.flag("trainable"):
            frozen = params
        budget.charge(name, out.shape, (params, buffers), call.where)
        rows.append(
            Row(
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
            )
        )
        claim = call.keyword("expect")
        if claim is not None:
            mismatch = _check_claim(claim.value, params, name, claim.where)
            if mismatch:
                failed.append(mismatch)
        shape = out.shape
    total: Number = sum((r.params for r in rows), 0)
    non_trainable: Number = sum((r.non_trainable for r in rows), 0)
    if options.expect is not None:
        mismatch = _check_claim(options.expect.value, total, "total", options.expect.where)
        if mismatch:
            failed.append(mismatch)
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
    )


def _dialect(calls: list[Call], options: Options) -> str:
    """The block's dialect: the fence's `framework=`, else what its layer names say, else the site's."""
    if options.framework_given:
        return options.framework
    seen: dict[str, list[Call]] = {"keras": [], "pytorch": []}
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
    return BlockError(error.message, error.where, hint)


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
        text = re.sub(r"\s*[x×]\s*", ", ", options.input.value.strip())
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
    base = _snake(kind)
    n = counters.get(base, 0)
    counters[base] = n + 1
    return base if n == 0 else f"{base}_{n}"


def _torch_name(call: Call, kind: str, index: int) -> str:
    """torchsummary's names: the class and the layer's position, Conv2d-1, ReLU-2."""
    given = call.keyword("name")
    if given is not None:
        return _name(call, kind, {})
    return f"{kind}-{index}"


def _snake(name: str) -> str:
    """Keras' automatic layer names: Conv2D → conv2d, MaxPooling2D → max_pooling2d, ReLU → re_lu."""
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


_SEPARATORS = re.compile(r"[,_\s'\u00a0\u202f]")
_DOTTED = re.compile(r"[0-9]{1,3}(\.[0-9]{3})+")


def _check_claim(claimed: object, computed: Number, what: str, where: Location) -> BlockError | None:
    value = _claimed_number(claimed, where)
    if is_symbolic(computed):
        raise BlockError(
            f"{what}: the count is a formula ({as_text(computed)}), so a number cannot be checked against it",
            where,
            "give the symbols numbers, or drop expect=",
        )
    if value == computed:
        return None
    return BlockError(f"{what}: the text says {value:,}, the formula gives {computed:,}", where)


def _claimed_number(claimed: object, where: Location) -> int:
    if isinstance(claimed, int) and not isinstance(claimed, bool):
        return claimed
    if isinstance(claimed, str):
        digits = _SEPARATORS.sub("", claimed.strip())
        if _DOTTED.fullmatch(digits):  # 1.199.882, as German texts group digits
            digits = digits.replace(".", "")
        if digits.isascii() and digits.isdigit():
            return int(digits)
    raise BlockError(f"expect= must be a whole number such as 1,199,882, got {claimed!r}", where)


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"

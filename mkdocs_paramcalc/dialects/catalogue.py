"""The catalogue's machinery: what a layer entry holds, the registry of both dialects, lookup.

The entries themselves live in `keras_layers.py` and `torch_layers.py`, one
`add(...)` call a layer. Each entry's `infer` takes the bound arguments and the
input shape (no batch axis, in the dialect's own channel order) and returns the
output shape and the parameter formula, which is also its derivation.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

from mkdocs_paramcalc.dialects.formula import Const, Term, Var, times
from mkdocs_paramcalc.errors import BlockError, Location
from mkdocs_paramcalc.reading.signature import Args, Signature
from mkdocs_paramcalc.values import Number, product

Shape = tuple[Number, ...]

FRAMEWORK_NAMES = {"keras": "Keras", "pytorch": "PyTorch"}


@dataclass(frozen=True)
class Output:
    """What a layer makes of its input."""

    shape: Shape
    formula: Term | None = None  # all its parameters; None for a layer without any
    frozen: Term | None = None  # the part of them that training does not change
    activation: str | None = None  # a Keras activation folded into the layer
    buffers: Term | None = None  # PyTorch buffers (running statistics): state, not parameters
    macs: Term | None = None  # multiply-accumulates for one example, as fvcore counts them; None: 0
    macs_note: str = ""  # why a layer that computes counts 0 MACs (fvcore has no handle for it)


@dataclass(frozen=True)
class LayerKind:
    """One entry of the catalogue."""

    name: str
    framework: str
    family: str
    written: tuple[str, str, str]  # the signature as Python parameters, the inert ones, the dialect
    infer: Callable[[Args, Shape], Output]
    summary: str
    example: str  # a call for the docs, after `example_input`
    example_input: str

    @cached_property
    def signature(self) -> Signature:
        """Read when first used: reading all of them would add a fifth to the import's time."""
        text, inert, common = self.written
        return Signature.of(text, inert, common=common)


CATALOGUES: dict[str, dict[str, LayerKind]] = {"keras": {}, "pytorch": {}}

# A library's own second names for a layer (Keras' MaxPool2D is MaxPooling2D): accepted as written.
ALIASES: dict[str, dict[str, str]] = {"keras": {}, "pytorch": {}}

# Names from the other dialect (or older habits) that an author types, and this dialect's name.
SYNONYMS: dict[str, dict[str, str]] = {"keras": {}, "pytorch": {}}


def add(
    framework: str,
    name: str,
    family: str,
    signature: str,
    infer: Callable[[Args, Shape], Output],
    summary: str,
    example: str,
    example_input: str,
    inert: str = "",
) -> None:
    """Register a layer kind; `inert` lists keyword arguments that change no count or shape."""
    common = "keras" if framework == "keras" else "pytorch"
    CATALOGUES[framework][name] = LayerKind(
        name,
        framework,
        family,
        (signature, inert, common),
        infer,
        summary,
        example,
        example_input,
    )


# Checks of an argument's value that need no input shape, by dialect and argument name: each is
# the very reader that every layer taking the argument calls (a test holds every entry to it).
# After a layer fails, the walk of shapes stops; the layers after it are still checked with these.
VALUE_CHECKS: dict[str, dict[str, Callable[[Args, str], object]]] = {
    "keras": {"trainable": Args.flag},
    "pytorch": {"trainable": Args.flag},
}


def value_errors(kind: LayerKind, args: Args) -> list[BlockError]:
    """What VALUE_CHECKS find wrong in the arguments given to a layer, each its own error."""
    checks = VALUE_CHECKS[kind.framework]
    errors = []
    for name in kind.signature.names:
        check = checks.get(name)
        if check is not None and args.given(name):
            try:
                check(args, name)
            except BlockError as error:
                errors.append(error)
    return errors


def dialect_of(name: str) -> set[str]:
    """The dialects that have a layer of this name."""
    return {f for f, kinds in CATALOGUES.items() if name in kinds or name in ALIASES[f]}


def lookup(name: str, framework: str, where: Location) -> LayerKind:
    """The catalogue entry for a layer name, or an error that suggests the right one."""
    kinds = CATALOGUES[framework]
    if name in kinds:
        return kinds[name]
    if name in ALIASES[framework]:
        return kinds[ALIASES[framework][name]]
    folded = {k.lower(): k for k in kinds}
    guess = SYNONYMS[framework].get(name) or folded.get(name.lower())
    if guess is None:
        close = difflib.get_close_matches(name, kinds, n=1, cutoff=0.6)
        guess = close[0] if close else None
    here = FRAMEWORK_NAMES[framework]
    others = [f for f in dialect_of(name) if f != framework]
    if others:
        other = others[0]
        hint = f'`{name}` is a {FRAMEWORK_NAMES[other]} layer: write framework="{other}" on the fence'
        if guess:
            hint = f'did you mean `{guess}`? (or, for {FRAMEWORK_NAMES[other]}, framework="{other}")'
        raise BlockError(f"unknown {here} layer `{name}`", where, hint)
    hint = f"did you mean `{guess}`?" if guess else "see the layer reference for the layers there are"
    raise BlockError(f"unknown {here} layer `{name}`", where, hint)


# Output (or input) positions of a sliding window, one factor an axis: H_out × W_out.
_POSITION_WORDS = {1: ("L",), 2: ("H", "W"), 3: ("D", "H", "W")}


def positions(sizes: Shape, side: str = "out") -> list[Term]:
    """The positions a convolution's filters are applied at (`out`), or read from (`in`)."""
    words = _POSITION_WORDS.get(len(sizes)) or tuple(f"n{i}" for i in range(1, len(sizes) + 1))
    return [Var(f"{w}_{{{side}}}", n) for w, n in zip(words, sizes, strict=True)]


def window_macs(sizes: Shape, filters: Term, weights: Term, side: str = "out") -> Term:
    """fvcore's count of a convolution: one MAC a weight of each filter at each position,
    26 × 26 × 32 × (3 × 3 × 1); a transposed convolution counts its input positions."""
    return times(*positions(sizes, side), filters, weights)


def dense_macs(leading: Shape, nodes: Term, length: Term) -> Term:
    """A fully connected layer: every node reads `Length` inputs, at every leading position."""
    if not leading:
        return times(nodes, length)
    return times(Var("Positions", product(leading)), nodes, length)


def elementwise_macs(shape: Shape, factor: int) -> Term | None:
    """fvcore's count for a normalization or resampling: `factor` an output value (None for 0)."""
    if factor == 0:
        return None
    values = Var("Values", product(shape))
    return values if factor == 1 else times(values, Const(factor))


RECURRENT_NOTE = "fvcore has no handle for recurrent layers"


def describe(shape: Shape) -> str:
    return "(" + ", ".join(str(d) for d in shape) + ")"

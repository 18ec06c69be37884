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

from .errors import BlockError, Location
from .formula import Term
from .signature import Args, Signature
from .values import Number

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


@dataclass(frozen=True)
class LayerKind:
    """One entry of the catalogue."""

    name: str
    framework: str
    family: str
    signature: Signature
    infer: Callable[[Args, Shape], Output]
    summary: str
    example: str  # a call for the docs, after `example_input`
    example_input: str


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
        Signature.of(signature, inert, common=common),
        infer,
        summary,
        example,
        example_input,
    )


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


def describe(shape: Shape) -> str:
    return "(" + ", ".join(str(d) for d in shape) + ")"

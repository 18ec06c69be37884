"""What a catalogue entry holds, and the table of one dialect that its module fills.

Each dialect module (`keras_layers.py`, `torch_layers.py`) builds one `Dialect` at import,
one `add(...)` a layer; `catalogue.py` imports both and collects their tables, so that a
lookup never depends on which module someone imported first. An entry's `infer` takes the
bound arguments and the input shape (no batch axis, in the dialect's own channel order) and
returns the output shape and the parameter formula, which is also its derivation.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

from mkdocs_paramcalc.dialects.formula import Term
from mkdocs_paramcalc.reading.signature import Args, Signature
from mkdocs_paramcalc.values import Number

Shape = tuple[Number, ...]


class UnknownShape(tuple):  # type: ignore[type-arg]
    """The shape of a layer's output that pasted code's forward does not let the reader follow:
    equal to no shape but itself (not to the empty one), so no memo mistakes one for the other."""

    __slots__ = ()

    def __eq__(self, other: object) -> bool:
        return type(other) is UnknownShape

    def __ne__(self, other: object) -> bool:
        return type(other) is not UnknownShape

    def __hash__(self) -> int:
        return hash(UnknownShape)


UNKNOWN: Shape = UnknownShape()


def is_unknown(shape: Shape) -> bool:
    return type(shape) is UnknownShape


NOT_FOLLOWED = "not followed"  # how a table shows an unknown shape


# Reads an argument's value without an input shape: the very reader every layer taking it calls.
ValueCheck = Callable[[Args, str], object]


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
    cache: Number = 0  # the values a decoder keeps a token to attend back to: its keys and values


Infer = Callable[[Args, Shape], Output]


@dataclass(frozen=True)
class LayerKind:
    """One entry of the catalogue."""

    name: str
    framework: str
    family: str
    written: tuple[str, str, str]  # the signature as Python parameters, the inert ones, the dialect
    infer: Infer
    summary: str
    example: str  # a call for the docs, after `example_input`
    example_input: str
    # Its forward's other inputs (cross-attention's key and value, a decoder's memory), each
    # written as a keyword that gives its shape: the block's own, not the constructor's.
    inputs: tuple[str, ...] = ()

    @cached_property
    def signature(self) -> Signature:
        """Read when first used: reading all of them would add a fifth to the import's time."""
        text, inert, common = self.written
        return Signature.of(text, inert, common=common)


@dataclass
class Dialect:
    """One dialect's table: its entries, the names it also accepts, its checks of values."""

    framework: str  # "keras" or "pytorch", as the fence's `framework=` option names it
    example_input: str  # the input of an example that names none
    kinds: dict[str, LayerKind] = field(default_factory=dict)
    # The library's own second names for a layer (Keras' MaxPool2D is MaxPooling2D): accepted.
    aliases: dict[str, str] = field(default_factory=dict)
    # Names from the other dialect (or older habits) that an author types: suggested, not accepted.
    synonyms: dict[str, str] = field(default_factory=dict)
    # By argument name; after a layer fails, the layers after it are still checked with these.
    value_checks: dict[str, ValueCheck] = field(default_factory=lambda: {"trainable": Args.flag})

    def add(
        self,
        name: str,
        family: str,
        signature: str,
        infer: Infer,
        summary: str,
        example: str,
        example_input: str = "",
        inert: str = "",
        inputs: tuple[str, ...] = (),
    ) -> None:
        """Register a layer kind; `inert` lists keyword arguments that change no count or shape;
        `inputs` names its forward's other inputs, read as keyword-only arguments (shapes)."""
        if inputs:
            keyword_only = "*" in (part.strip() for part in signature.split(","))
            signature += (", " if keyword_only else ", *, ") + ", ".join(f"{n}=None" for n in inputs)
        written = (signature, inert, self.framework)
        shown = example_input or self.example_input
        self.kinds[name] = LayerKind(
            name, self.framework, family, written, infer, summary, example, shown, inputs
        )

    def add_ranks(
        self,
        name: str,
        family: str,
        signature: str | dict[int, str],
        infer: Callable[[int], Infer],
        summary: str,
        examples: dict[int, tuple[str, str]],
        inert: str = "",
    ) -> None:
        """One entry a rank of `examples` (rank: example, its input); `{n}` in `name` and
        `summary` is the rank, and `signature` may differ by rank."""
        for rank, (example, example_input) in examples.items():
            self.add(
                name.format(n=rank),
                family,
                signature if isinstance(signature, str) else signature[rank],
                infer(rank),
                summary.format(n=rank),
                example,
                example_input,
                inert,
            )

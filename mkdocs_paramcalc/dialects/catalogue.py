"""The catalogue of both dialects, and lookup: importing it loads every entry.

The entries live in `keras_layers.py` and `torch_layers.py`, each of which fills one
`Dialect` table (see `entry.py`); this module collects the two tables, so that a lookup
never depends on which module was imported first. The dialect modules do not import this
one, which keeps the imports running one way.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from functools import partial

from mkdocs_paramcalc.dialects.entry import UNKNOWN, LayerKind, Output, Shape, ValueCheck, is_unknown
from mkdocs_paramcalc.dialects.keras_layers import KERAS
from mkdocs_paramcalc.dialects.torch_layers import PYTORCH
from mkdocs_paramcalc.errors import BlockError, Location
from mkdocs_paramcalc.memo import Memo
from mkdocs_paramcalc.reading.signature import Args

__all__ = [
    "ALIASES",
    "CATALOGUES",
    "FRAMEWORK_NAMES",
    "KERAS_OWN_LAYERS",
    "SYNONYMS",
    "UNKNOWN",
    "VALUE_CHECKS",
    "LayerKind",
    "Output",
    "Shape",
    "dialect_of",
    "is_unknown",
    "keras_name",
    "lookup",
    "stand_in_inputs",
    "value_errors",
]

FRAMEWORK_NAMES = {"keras": "Keras", "pytorch": "PyTorch"}

_DIALECTS = {dialect.framework: dialect for dialect in (KERAS, PYTORCH)}

CATALOGUES: dict[str, dict[str, LayerKind]] = {f: d.kinds for f, d in _DIALECTS.items()}

# A library's own second names for a layer (Keras' MaxPool2D is MaxPooling2D): accepted as written.
ALIASES: dict[str, dict[str, str]] = {f: d.aliases for f, d in _DIALECTS.items()}

# Names from the other dialect (or older habits) that an author types, and this dialect's name.
SYNONYMS: dict[str, dict[str, str]] = {f: d.synonyms for f, d in _DIALECTS.items()}

# Checks of an argument's value that need no input shape, by dialect and argument name: each is
# the very reader that every layer taking the argument calls (a test holds every entry to it).
# After a layer fails, the walk of shapes stops; the layers after it are still checked with these.
VALUE_CHECKS: dict[str, dict[str, ValueCheck]] = {f: d.value_checks for f, d in _DIALECTS.items()}


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


# Keras layers that make layers of their own as they are made (MultiHeadAttention its softmax and
# dropout), which take automatic names after theirs: a later Softmax() is softmax_1.
KERAS_OWN_LAYERS = {"MultiHeadAttention": ("Softmax", "Dropout")}


def keras_name(kind: str) -> str:
    """Keras' automatic name for a layer class: Conv2D → conv2d, MaxPooling2D → max_pooling2d,
    ReLU → re_lu (the second of a kind is conv2d_1, and so on)."""
    return _KERAS_NAMES.get_or_compute(kind, partial(_snake_case, kind))


def _snake_case(name: str) -> str:
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


# Keras' names of the catalogue's kinds: a handful, asked for at every unnamed layer.
_KERAS_NAMES: Memo[str, str] = Memo("catalogue: keras names", 1024)


_SIDE = 64  # the sizes of a stand-in input that the layer's arguments do not give


def stand_in_inputs(kind: LayerKind, args: Args) -> list[Shape]:
    """Inputs to count a PyTorch layer with when its own input's shape is not known: its count
    depends on its arguments alone (in_features, in_channels, normalized_shape...), so any input
    those arguments accept gives the layer's count. The first that the layer accepts is used."""
    names = kind.signature.names
    if "unflattened_size" in names:
        return [_unflattened(args)]
    axes = {"1d": 1, "2d": 2, "3d": 3}.get(kind.name[-2:].lower(), 1)
    for name, make in _STAND_INS:
        if name in names:
            size = args.get(name)
            return [make(size, axes)]
    return [(_SIDE,) * rank for rank in (1, 2, 3, 4)]


def _sizes_of(value: object) -> Shape:
    return tuple(value) if isinstance(value, tuple) else (value,)


_STAND_INS: tuple[tuple[str, Callable[[object, int], Shape]], ...] = (
    ("in_features", lambda size, axes: (size,)),
    ("in_channels", lambda size, axes: (size, *(_SIDE,) * axes)),
    ("num_features", lambda size, axes: (size, *(_SIDE,) * axes)),
    ("num_channels", lambda size, axes: (size, _SIDE, _SIDE)),
    ("num_parameters", lambda size, axes: (size, _SIDE)),
    ("normalized_shape", lambda size, axes: _sizes_of(size)),
    ("input_size", lambda size, axes: (_SIDE, size)),
    ("num_embeddings", lambda size, axes: (_SIDE,)),
    ("shape", lambda size, axes: _sizes_of(size)),  # Parameter: added to an input of its own shape
)


def _unflattened(args: Args) -> Shape:
    """Unflatten's: the axis it splits (counted with the batch) holding the product of its sizes."""
    dim, sizes = args.get("dim"), _sizes_of(args.get("unflattened_size"))
    product = 1
    for size in sizes:
        product = product * size
    before = dim - 1 if isinstance(dim, int) and dim > 0 else 0
    return (*(_SIDE,) * before, product)

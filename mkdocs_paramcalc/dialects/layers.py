"""The names the other rooms read from the dialects, in one import: the catalogue of both
dialects and its lookups (which load every entry themselves), and Keras' activation names."""

from __future__ import annotations

from mkdocs_paramcalc.dialects.catalogue import (
    CATALOGUES,
    FRAMEWORK_NAMES,
    LayerKind,
    Output,
    Shape,
    dialect_of,
    is_unknown,
    lookup,
)
from mkdocs_paramcalc.dialects.entry import NOT_FOLLOWED
from mkdocs_paramcalc.dialects.keras_layers import ACTIVATIONS

CATALOGUE = CATALOGUES["keras"]

__all__ = [
    "ACTIVATIONS",
    "CATALOGUE",
    "CATALOGUES",
    "FRAMEWORK_NAMES",
    "NOT_FOLLOWED",
    "LayerKind",
    "Output",
    "Shape",
    "dialect_of",
    "is_unknown",
    "lookup",
]

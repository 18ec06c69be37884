"""The layer catalogue of both dialects: import this module to have every entry registered."""

from __future__ import annotations

from mkdocs_paramcalc.dialects import keras_layers, torch_layers
from mkdocs_paramcalc.dialects.catalogue import (
    CATALOGUES,
    FRAMEWORK_NAMES,
    LayerKind,
    Output,
    Shape,
    dialect_of,
    lookup,
)
from mkdocs_paramcalc.dialects.keras_layers import ACTIVATIONS

CATALOGUE = CATALOGUES["keras"]

__all__ = [
    "ACTIVATIONS",
    "CATALOGUE",
    "CATALOGUES",
    "FRAMEWORK_NAMES",
    "LayerKind",
    "Output",
    "Shape",
    "dialect_of",
    "keras_layers",
    "lookup",
    "torch_layers",
]

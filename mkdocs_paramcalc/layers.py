"""The layer catalogue of both dialects: import this module to have every entry registered."""

from __future__ import annotations

from . import keras_layers, torch_layers
from .catalogue import CATALOGUES, FRAMEWORK_NAMES, LayerKind, Output, Shape, dialect_of, lookup
from .keras_layers import ACTIVATIONS

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

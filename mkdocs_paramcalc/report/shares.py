"""Where a block's parameters go: each layer in a part (embeddings, attention, feed-forward, norms,
the head...), and each part's share of the total — what `show="shares"` draws."""

from __future__ import annotations

from dataclasses import dataclass

from mkdocs_paramcalc.report.model import Report, Row, counted
from mkdocs_paramcalc.values import Number, is_symbolic

# The parts, in the order a chart lists them, and the kinds of layer each holds by itself.
PARTS = ("embeddings", "attention", "transformer layers", "feed-forward", "norms", "head", "other layers")
_KINDS = {
    "embeddings": ("Embedding", "Parameter"),
    "attention": ("MultiheadAttention", "MultiHeadAttention", "GroupQueryAttention"),
    "transformer layers": ("TransformerEncoderLayer", "TransformerDecoderLayer", "Transformer"),
    "norms": (
        "LayerNorm",
        "LayerNormalization",
        "RMSNorm",
        "RMSNormalization",
        "BatchNorm1d",
        "BatchNorm2d",
        "BatchNorm3d",
        "BatchNormalization",
        "GroupNorm",
        "GroupNormalization",
        "InstanceNorm1d",
        "InstanceNorm2d",
        "InstanceNorm3d",
    ),
}
_DENSE = ("Linear", "Dense")


@dataclass(frozen=True)
class Share:
    part: str
    params: int
    fraction: float


def shares(report: Report) -> list[Share]:
    """Each part that holds parameters, with its count and its share of the total, in PARTS' order.
    A dense layer inside a Residual, Branches or Repeat is feed-forward; one after them all, at the
    top level, the head; other layers with parameters (convolutions, recurrent ones) other layers."""
    assert not is_symbolic(report.total), "build() refuses shares of a formula"
    found: dict[str, Number] = {}
    last_block = max((i for i, row in enumerate(report.rows) if row.group is not None), default=-1)
    for index, row in enumerate(report.rows):
        for layer, times in counted((row,)):
            part = _part(layer, top=row.group is None, after_blocks=index > last_block)
            found[part] = found.get(part, 0) + times * layer.params
    total = report.total
    return [
        Share(part, int(found[part]), float(found[part]) / float(total) if total else 0.0)
        for part in PARTS
        if found.get(part)
    ]


def _part(row: Row, *, top: bool, after_blocks: bool) -> str:
    for part, kinds in _KINDS.items():
        if row.kind in kinds:
            return part
    if row.kind in _DENSE:
        return "head" if top and after_blocks else "feed-forward"
    return "other layers"


def percent(fraction: float) -> str:
    """A share as people read it: 31.6%, and < 0.1% rather than a 0.0% that is not nothing."""
    return "< 0.1%" if 0 < fraction < 0.0005 else f"{fraction:.1%}"

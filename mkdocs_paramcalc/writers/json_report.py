"""Report → JSON: the block's counts and every layer, nested as the blocks nest (numbers as integers,
symbolic values as strings). Unlike the tables, every copy of a Repeat is listed."""

from __future__ import annotations

import json
from typing import Any

from mkdocs_paramcalc.dialects.layers import is_unknown
from mkdocs_paramcalc.report import memory
from mkdocs_paramcalc.report.model import Report, Row
from mkdocs_paramcalc.values import Number, is_symbolic, readable


def as_json(report: Report, file: str, line: int) -> dict[str, Any]:
    """One block as the spec's JSON object."""
    sizes = memory.estimate(report)
    return {
        "id": report.options.id,
        "file": file,
        "line": line,
        "framework": report.framework,
        "total": _number(report.total),
        "trainable": _number(report.trainable),
        "non_trainable": _number(report.non_trainable),
        "buffers": _number(report.buffers),
        "macs": None if report.unfollowed else _number(report.macs),
        "memory": {  # bytes for one example, as torchinfo estimates them
            "params": {name: _number(value) for name, value in sizes.params},
            "forward_backward": None if report.unfollowed else _number(sizes.forward_backward),
            "input": _number(sizes.input),
            "total": None if report.unfollowed else _number(sizes.total),
            "training_with_adam": _number(sizes.training),
            "cache_per_token": _number(sizes.cache),
        },
        "shapes_not_followed": report.unfollowed or None,
        "layers": [_layer(r) for r in report.rows],
    }


def _layer(r: Row) -> dict[str, Any]:
    """A layer; a block construct also has its layers (every copy of a Repeat), its params their sum."""
    out: dict[str, Any] = {
        "name": r.name,
        "type": r.kind,
        "output_shape": None if is_unknown(r.shape) else [_number(d) for d in r.shape],
        "params": _number(r.params),
        "macs": None if is_unknown(r.shape) else _number(r.macs),
        "activation_bytes": None if is_unknown(r.shape) else _number(memory.activation_bytes(r)),
    }
    if r.group is not None:
        if r.kind == "Repeat":
            out["copies"] = _number(r.group.copies)
        else:  # Residual: the main path then the shortcut ([]: the identity)
            out["merge"] = r.group.merge
            out["paths"] = [[inner.name for inner in path] for path in r.group.paths]
        out["trainable"] = _number(r.trainable)
        out["non_trainable"] = _number(r.non_trainable)
        out["layers"] = [_layer(inner) for inner in r.group.rows]
    return out


def _number(value: Number) -> int | str:
    return str(readable(value)) if is_symbolic(value) else int(value)


def dump_json(blocks: list[dict[str, Any]]) -> str:
    """The blocks as one JSON document: {"blocks": [...]}."""
    return json.dumps({"blocks": blocks}, indent=2, ensure_ascii=False)

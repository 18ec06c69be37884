"""A block's body → its layer calls: the block language, or model code pasted as written."""

from __future__ import annotations

from mkdocs_paramcalc.reading.options import Options
from mkdocs_paramcalc.reading.parse import Call, parse_block


def read_block(text: str, options: Options) -> tuple[Call, ...]:
    """The layer calls of a block's body (line 1 is its first line)."""
    return parse_block(text)

"""Report → SVG: the network drawn as in course slides, at build time, without JavaScript.

Each layer is a node: a feature map is a cuboid (its height from the spatial size, its thickness
from the channels, both on a log scale and clamped), a vector a thin tall bar, a layer that keeps
its input's shape (an activation, a normalization, dropout) a thin slab. Under each node, its name
and output shape. Nodes run left to right, joined by arrows, and wrap into rows.

A node only says how wide it is, how far it reaches above and below the axis that the arrows
follow, and draws itself at a given place: parallel lanes (Residual, Branches) can be one more
kind of node, laid out by the same rows.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from functools import cached_property
from html import escape

from mkdocs_paramcalc.dialects.catalogue import CATALOGUES, Shape
from mkdocs_paramcalc.report.model import Report, Row, shown
from mkdocs_paramcalc.values import Number, as_text, is_symbolic

MAX_WIDTH = 680  # of a row, in user units (px at full size): mkdocs-material's column on a laptop
LEGEND_WIDTH = 420  # the narrowest that the legend wraps at
MIN_SCALE = 0.75  # narrower than this in the page, the figure scrolls sideways instead
MARGIN = 20
ARROW = 30  # the shortest arrow between two nodes
ROW_GAP = 30
NAME_SIZE, SHAPE_SIZE, LINE = 12.5, 11.5, 15
NAME_CHARS, SHAPE_CHARS, DIM_CHARS = 22, 18, 26
NOMINAL_SIZE, NOMINAL_LENGTH = 32, 1024  # drawn for a symbolic size: the figure is not to scale

# The families of layers as drawn: a colour each (stylesheet: --paramcalc-diagram-<family>).
COLOURS = {
    "input": "#9e9e9e",
    "conv": "#526cfe",
    "pool": "#ef5350",
    "dense": "#ab47bc",
    "seq": "#26a69a",
    "reshape": "#8d6e63",
    "keep": "#ffa000",
    "own": "#78909c",
}
LEGEND = {
    "input": "input",
    "conv": "convolution",
    "pool": "pooling",
    "dense": "dense",
    "seq": "embedding and recurrent",
    "reshape": "reshaping",
    "keep": "activation, normalization, dropout",
    "own": "custom",
}
MERGE_LEGEND = {
    "add": "paths added",
    "multiply": "paths multiplied (a gate)",
    "concat": "paths joined on the channel axis",
}
_FAMILIES = {"convolution": "conv", "pooling": "pool", "sequence": "seq", "your own": "own"}
_DENSE = {"Dense", "Linear"}


def diagram(report: Report, taken: set[str], count: str = "", numbered: dict[str, int] | None = None) -> str:
    """The block's figure as an <svg> in a scrolling box; `taken` holds the page's ids so far (one
    is added), `count` the total as the table prints it, `numbered` each id's last number so far."""
    ident = _ident(f"paramcalc-diagram-{report.options.id or _digest(report)}", taken, numbered)
    ident = escape(ident)  # an id= is checked to be letters, digits, _ and -: escaped all the same
    nodes: list[Node | Block] = [_node("Input", "Input", "input", report.input_shape, report.framework)]
    previous = report.input_shape
    for row in report.rows:
        nodes.append(_part(row, previous, report.framework))
        previous = row.shape
    body, width, height = _layout(nodes)
    title = f"Diagram of {report.options.title}" if report.options.title else "Diagram of the network"
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="{ident}-title" '
        f'aria-describedby="{ident}-desc" viewBox="0 0 {_n(width)} {_n(height)}" width="100%" '
        f'style="max-width:{_n(width)}px;min-width:{_n(width * MIN_SCALE)}px" '
        'fill="none" stroke="currentColor" font-size="12">'
        f'<title id="{ident}-title">{escape(title)}</title>'
        f'<desc id="{ident}-desc">{escape(_description(report, count))}</desc>'
        f"{body}</svg>"
    )
    return f'<div class="paramcalc-diagram" id="{ident}">{svg}</div>'


def _ident(base: str, taken: set[str], numbered: dict[str, int] | None) -> str:
    """`base`, or `base-2`, `base-3`... the first not taken; the search starts at the number last
    given, so that a page of n identical diagrams costs n steps, not n²/2."""
    numbered = {} if numbered is None else numbered
    n = numbered.get(base, 1)
    ident = base if n == 1 else f"{base}-{n}"
    while ident in taken:
        n += 1
        ident = f"{base}-{n}"
    numbered[base] = n
    taken.add(ident)
    return ident


def _digest(report: Report) -> str:
    """A block's key from what it draws: the same block gives the same ids in every build."""
    text = repr(
        (
            report.options.title,
            _dims(report.input_shape),
            [(r.name, r.kind, _dims(r.shape)) for r in report.rows],
        )
    )
    import hashlib  # 5 ms to import: only for a page with a diagram

    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:10]


def _description(report: Report, count: str) -> str:
    """What the figure shows, for screen readers: every layer, then the total."""
    layers = [f"input {_shape(report.input_shape)}"]
    for depth, r in shown(report.rows):
        if not isinstance(r, Row):
            layers.append(f"{r.times} copies of those")
        elif r.group is None:
            layers.append(("inside it " if depth else "") + f"{r.name} ({r.kind}) {_shape(r.shape)}")
        else:
            merge = {
                "add": "added",
                "multiply": "multiplied",
                "concat": "concatenated",
                "sequence": "one after another",
            }[r.group.merge]
            paths = f"{len(r.group.paths)} paths, {merge}" if r.group.merge != "sequence" else merge
            layers.append(f"{r.name} ({r.kind}, {paths}) {_shape(r.shape)}")
    total = f" Total: {count} parameters." if count else ""
    return f"{len(report.rows)} layers, left to right: " + ", then ".join(layers) + "." + total


# Nodes ------------------------------------------------------------------------------------------


class _Labelled:
    """What a node and a block share: the lines under them, their name and then their shape."""

    name: str
    shape: Shape

    @cached_property  # asked for by the layout three times, and symbolic sizes print slowly
    def labels(self) -> list[tuple[str, str]]:
        """(class, text) lines: the name, then the shape over as many lines as it takes."""
        shown = self.name if len(self.name) <= NAME_CHARS else self.name[: NAME_CHARS - 1] + "…"
        return [("name", shown)] + [("shape", line) for line in _shape_lines(self.shape)]

    @property
    def label_width(self) -> float:
        return max(_text_width(text, cls) for cls, text in self.labels)


@dataclass(frozen=True)
class Node(_Labelled):
    """A drawn layer: a box of `width` × (`up` + `down`) around the axis, and its label lines."""

    name: str
    kind: str
    family: str
    shape: Shape
    face: tuple[float, float]  # the front face: thickness, height
    depth: tuple[float, float]  # the receding edge: right, up
    symbolic: bool
    tag: str = ""  # inside a block, the one label under the node: its channels

    def families(self) -> list[str]:
        return [self.family]

    @property
    def width(self) -> float:
        return self.face[0] + self.depth[0]

    @property
    def up(self) -> float:
        return (self.face[1] + self.depth[1]) / 2

    @property
    def down(self) -> float:
        return (self.face[1] + self.depth[1]) / 2

    def draw(self, x: float, axis: float) -> str:
        """The node with its left edge at x, centred on the axis."""
        (t, h), (dx, dy) = self.face, self.depth
        left, top = x, axis - self.up + dy
        # Three faces, lit from above: the top lightest, the side darkest.
        front = f'<rect x="{_n(left)}" y="{_n(top)}" width="{_n(t)}" height="{_n(h)}"/>'
        top_face = _polygon([(left, top), (left + t, top), (left + t + dx, top - dy), (left + dx, top - dy)])
        side = _polygon(
            [(left + t, top), (left + t + dx, top - dy), (left + t + dx, top + h - dy), (left + t, top + h)]
        )
        faces = (
            f'<g fill-opacity=".3">{top_face}</g><g fill-opacity=".5">{front}</g>'
            f'<g fill-opacity=".75">{side}</g>'
        )
        dashed = ' stroke-dasharray="4 3"' if self.symbolic else ""
        hint = f"{self.name} ({self.kind}): {_shape(self.shape)}"
        return (
            f'<g class="paramcalc-diagram-{self.family}" fill="{COLOURS[self.family]}" fill-opacity=".5" '
            f'stroke-opacity=".8" stroke-linejoin="round"{dashed}><title>{escape(hint)}</title>{faces}</g>'
        )


# Blocks: Residual, Branches, Repeat -------------------------------------------------------------

GAP = 16  # the arrow between two parts inside a block
LANE_GAP = 14  # between two paths stacked one above the other
SPLIT = 14  # from a block's left edge to where its paths part
MERGE_ADD, MERGE_CONCAT = 18.0, 44.0  # the ⊕ (and ⊗) node's width, and the concat node's
TAG = 13.0  # room under a part inside a block for its channel count


# Sizes are cached: each is asked for by the enclosing block's, and nested blocks would otherwise
# recompute the whole subtree at every level (exponential in the depth).
@dataclass(frozen=True)
class Chain:
    """Parts one after another on one axis: a path of a block (empty: the identity)."""

    parts: tuple[Node | Block, ...]

    @cached_property
    def width(self) -> float:
        return sum(p.width for p in self.parts) + GAP * max(len(self.parts) - 1, 0)

    @cached_property
    def up(self) -> float:
        return max((p.up for p in self.parts), default=0.0)

    @cached_property
    def down(self) -> float:
        return max((p.down + (TAG if isinstance(p, Node) else 0) for p in self.parts), default=0.0)

    def draw(self, x: float, axis: float) -> str:
        out = []
        for index, part in enumerate(self.parts):
            if index:
                out.append(_line([(x - GAP, axis), (x - 5, axis)]) + _head(x, axis))
            out.append(part.draw(x, axis))
            if isinstance(part, Node) and part.tag:  # a layer inside a block: its channels only
                out.append(
                    f'<text class="paramcalc-diagram-shape" x="{_n(x + part.width / 2)}" '
                    f'y="{_n(axis + part.down + 10)}" fill="currentColor" stroke="none" font-size="10" '
                    f'text-anchor="middle">{escape(part.tag)}</text>'
                )
            x += part.width + GAP
        return "".join(out)

    def families(self) -> list[str]:
        return [f for p in self.parts for f in p.families()]


@dataclass(frozen=True)
class Block(_Labelled):
    """A Residual or Branches (paths stacked one above another, meeting at ⊕ or concat), or a
    Repeat (its copy drawn once in a dashed frame marked × n); drawn as one node of a row."""

    name: str
    kind: str
    family: str
    shape: Shape
    lanes: tuple[Chain, ...]
    merge: str  # "add", "concat", or "sequence": a Repeat's runs of identical copies
    times: tuple[int, ...] = ()  # a Repeat's: how many copies each lane stands for
    symbolic: bool = False

    @cached_property
    def offsets(self) -> list[float]:
        """Each lane's axis below the block's: the main path on the axis, the others above it (a
        Residual's shortcut; an identity is an arc over the main path), or Branches centred on it."""
        if self.merge == "sequence":
            return [0.0] * len(self.lanes)
        heights = [max(lane.up, 6.0) + max(lane.down, 6.0) for lane in self.lanes]
        if self.kind == "Residual":
            main, short = self.lanes
            return [0.0, -(main.up + LANE_GAP + max(short.down, 4.0))]
        total = sum(heights) + LANE_GAP * (len(heights) - 1)
        offsets, top = [], -total / 2
        for lane, height in zip(self.lanes, heights, strict=True):
            offsets.append(top + max(lane.up, 6.0))
            top += height + LANE_GAP
        return offsets

    @cached_property
    def width(self) -> float:
        if self.merge == "sequence":
            return sum(lane.width + 16 for lane in self.lanes) + GAP * (len(self.lanes) - 1)
        node = MERGE_CONCAT if self.merge == "concat" else MERGE_ADD
        return 2 * SPLIT + max(max(lane.width for lane in self.lanes), 30.0) + node

    @cached_property
    def up(self) -> float:
        if self.merge == "sequence":
            return max(lane.up for lane in self.lanes) + 8 + 14
        return max(-o + max(lane.up, 4.0) for o, lane in zip(self.offsets, self.lanes, strict=True))

    @cached_property
    def down(self) -> float:
        if self.merge == "sequence":
            return max(lane.down for lane in self.lanes) + 8
        return max(o + max(lane.down, 4.0) for o, lane in zip(self.offsets, self.lanes, strict=True))

    def families(self) -> list[str]:
        return [f for lane in self.lanes for f in lane.families()]

    def draw(self, x: float, axis: float) -> str:
        hint = f"{self.name} ({self.kind}): {_shape(self.shape)}"
        out = [f'<g class="paramcalc-diagram-block"><title>{escape(hint)}</title>']
        if self.merge == "sequence":
            for index, (lane, times) in enumerate(zip(self.lanes, self.times, strict=True)):
                if index:
                    out.append(_line([(x - GAP, axis), (x - 5, axis)]) + _head(x, axis))
                top, bottom = axis - lane.up - 8, axis + lane.down + 8
                frame = f'x="{_n(x)}" y="{_n(top)}" width="{_n(lane.width + 16)}" height="{_n(bottom - top)}"'
                out.append(
                    f'<rect {frame} rx="6" stroke-dasharray="5 4" stroke-opacity=".6"/>'
                    f'<text class="paramcalc-diagram-name" x="{_n(x + 4)}" y="{_n(top - 4)}" '
                    'fill="currentColor" stroke="none" '
                    f'font-size="{NAME_SIZE}" font-weight="600">× {times}</text>'
                )
                out.append(lane.draw(x + 8, axis))
                x += lane.width + 16 + GAP
            return "".join(out) + "</g>"
        node = MERGE_CONCAT if self.merge == "concat" else MERGE_ADD
        right = x + self.width
        centre = right - node / 2
        split, join = x + SPLIT / 2, right - node - SPLIT / 2
        inner = self.width - 2 * SPLIT - node  # the widest path's width, or 30
        lines = [_line([(x, axis), (split, axis)])]
        for lane, offset in zip(self.lanes, self.offsets, strict=True):
            y = axis + offset
            start = x + SPLIT + (inner - lane.width) / 2 if lane.parts else join
            if offset == 0:
                lines.append(_line([(split, y), (start - 5, y)]) + (_head(start, y) if lane.parts else ""))
            else:  # round the corners: the shortcut reads as an arc over the main path
                lines.append(_bend(split, axis, y, start - 5) + (_head(start, y) if lane.parts else ""))
            if lane.parts:
                out.append(lane.draw(start, y))
                end = start + lane.width
            else:
                end = start
            tip = centre - node / 2 if offset == 0 else centre
            if offset == 0:
                lines.append(_line([(end, y), (tip - 5, y)]) + _head(tip, y))
            else:
                edge = axis - 9 if offset < 0 else axis + 9
                lines.append(_bend(end, y, edge - (5 if offset < 0 else -5), centre, into=True))
                lines.append(_head_down(centre, edge) if offset < 0 else _head_up(centre, edge))
        out.insert(1, '<g stroke-opacity=".7">' + "".join(lines) + "</g>")
        if self.merge != "concat":  # ⊕, or ⊗: the same circle, its cross turned
            out.append(
                f'<circle cx="{_n(centre)}" cy="{_n(axis)}" r="9" fill="none"/>'
                + _cross(centre, axis, 5, self.merge)
            )
        else:
            out.append(
                f'<rect x="{_n(centre - node / 2)}" y="{_n(axis - 9)}" width="{_n(node)}" height="18" '
                f'rx="9"/><text x="{_n(centre)}" y="{_n(axis + 3.5)}" fill="currentColor" stroke="none" '
                'font-size="10" text-anchor="middle">concat</text>'
            )
        return "".join(out) + "</g>"


def _cross(x: float, y: float, arm: float, merge: str) -> str:
    """The + of ⊕ (add), or the × of ⊗ (multiply), centred on (x, y)."""
    if merge == "add":
        return _line([(x - arm, y), (x + arm, y)]) + _line([(x, y - arm), (x, y + arm)])
    d = arm * 0.75
    return _line([(x - d, y - d), (x + d, y + d)]) + _line([(x - d, y + d), (x + d, y - d)])


def _line(points: list[tuple[float, float]]) -> str:
    return '<polyline points="' + " ".join(f"{_n(px)},{_n(py)}" for px, py in points) + '"/>'


def _bend(x0: float, y0: float, y1: float, x1: float, *, into: bool = False) -> str:
    """From (x0, y0) up or down to y1 and on to x1 (`into`: along y0 to x1, then to y1), rounded."""
    if into:
        corner = f"Q{_n(x1)},{_n(y0)} {_n(x1)},{_n(y0 + (6 if y1 > y0 else -6))}"
        return f'<path d="M{_n(x0)},{_n(y0)} H{_n(x1 - 6)} {corner} V{_n(y1)}"/>'
    step = 6 if y1 > y0 else -6
    return (
        f'<path d="M{_n(x0)},{_n(y0)} V{_n(y1 - step)} Q{_n(x0)},{_n(y1)} {_n(x0 + 6)},{_n(y1)} H{_n(x1)}"/>'
    )


def _head(x: float, y: float) -> str:
    return f'<g fill="currentColor" stroke="none">{_polygon([(x, y), (x - 6, y - 3), (x - 6, y + 3)])}</g>'


def _head_down(x: float, y: float) -> str:
    return f'<g fill="currentColor" stroke="none">{_polygon([(x, y), (x - 3, y - 6), (x + 3, y - 6)])}</g>'


def _head_up(x: float, y: float) -> str:
    return f'<g fill="currentColor" stroke="none">{_polygon([(x, y), (x - 3, y + 6), (x + 3, y + 6)])}</g>'


def _part(row: Row, previous: Shape, framework: str) -> Node | Block:
    """A row as drawn: a layer's node, or a block with its paths (a Repeat: each run of copies once)."""
    if row.group is None:
        return _node(row.name, row.kind, _family(row, previous, framework), row.shape, framework)
    lanes, times = [], []
    for path, n in row.group.runs():
        parts: list[Node | Block] = []
        shape = previous
        for inner in path:
            part = _part(inner, shape, framework)
            if isinstance(part, Node):
                channels = (
                    inner.shape[-1] if framework == "keras" or len(inner.shape) == 1 else inner.shape[0]
                )
                part = replace(part, tag="" if part.family == "keep" else as_text(channels))
            parts.append(part)
            shape = inner.shape
        lanes.append(Chain(tuple(parts)))
        times.append(n)
        if row.group.merge == "sequence":
            previous = path[-1].shape if path else previous
    symbolic = any(is_symbolic(d) for d in row.shape)
    return Block(
        row.name, row.kind, "block", row.shape, tuple(lanes), row.group.merge, tuple(times), symbolic
    )


def _node(name: str, kind: str, family: str, shape: Shape, framework: str) -> Node:
    symbolic = any(is_symbolic(d) for d in shape)
    channels_last = framework == "keras" or family == "seq"
    if len(shape) == 1:
        face, depth = (11.0, _length(shape[0])), (4.0, 3.0)
    else:
        channels = shape[-1] if channels_last else shape[0]
        spatial = shape[:-1] if channels_last else shape[1:]
        height = _size(spatial[-2] if len(spatial) > 1 else spatial[-1])
        face = (_thickness(channels), height)
        # The receding edge stands for the width; a sequence (one spatial axis) is flat.
        depth = (0.32 * _size(spatial[-1]), 0.26 * _size(spatial[-1])) if len(spatial) > 1 else (4.0, 3.0)
    if family == "keep":
        face = (5.0, face[1])
    return Node(name, kind, family, shape, face, depth, symbolic)


def _family(row: Row, previous: Shape, framework: str) -> str:
    kind = CATALOGUES[framework].get(row.kind)
    family = kind.family if kind is not None else ""
    if family in _FAMILIES:
        return _FAMILIES[family]
    if family in ("activation", "normalization"):
        return "keep"
    if row.kind in _DENSE:
        return "dense"
    # Dropout, noise, Identity: the same shape, nothing learnt.
    return "keep" if row.shape == previous and row.params == 0 else "reshape"


def _log_scale(value: Number, nominal: int, low: float, per: float, high: float) -> float:
    n = nominal if is_symbolic(value) else max(int(value), 1)
    return min(max(low + per * math.log2(n), low), high)


def _size(value: Number) -> float:
    """A spatial size: 7 → 50, 28 → 76, 224 and more → 116."""
    return _log_scale(value, NOMINAL_SIZE, 14, 13, 116)


def _thickness(value: Number) -> float:
    """Channels: 1 → 2, 3 → 11, 64 → 38, 512 and more → 56."""
    return _log_scale(value, NOMINAL_SIZE, 2, 6, 56)


def _length(value: Number) -> float:
    """A vector's length: 10 → 40, 128 → 73, 9216 and more → 130."""
    return _log_scale(value, NOMINAL_LENGTH, 14, 9, 130)


# Layout -----------------------------------------------------------------------------------------


def _layout(nodes: list[Node | Block]) -> tuple[str, float, float]:
    """The nodes in rows no wider than MAX_WIDTH, joined by arrows; the SVG body, its width and height."""
    columns = [max(node.width + ARROW, node.label_width + 14) for node in nodes]
    rows = _balanced(columns)
    parts: list[str] = []
    arrows: list[str] = []
    top, width = 14.0, 0.0
    previous: tuple[float, float, float, float] | None = None  # right end, axis, column end, row bottom
    for row in rows:
        up = max(nodes[i].up for i in row)
        axis = top + up
        labels_top = axis + max(nodes[i].down for i in row) + 16
        bottom = labels_top + max(len(nodes[i].labels) for i in row) * LINE
        x: float = MARGIN
        for i in row:
            node, column = nodes[i], columns[i]
            left = x + (column - node.width) / 2
            if previous is not None:
                arrows.append(_arrow(previous, left, axis))
            parts.append(node.draw(left, axis))
            parts.append(_labels(node, x + column / 2, labels_top))
            previous = (left + node.width, axis, x + column, bottom)
            x += column
        width = max(width, x + MARGIN)
        top = bottom + ROW_GAP
    # The legend wraps at the rows' width, unless they are too narrow for a few of its entries.
    legend, legend_width, legend_height = _legend(nodes, top - ROW_GAP + 10, max(width, LEGEND_WIDTH))
    width = max(width, legend_width)
    height = top - ROW_GAP + 10 + legend_height
    body = (
        '<g class="paramcalc-diagram-arrows" stroke-opacity=".7">' + "".join(arrows) + "</g>" + "".join(parts)
    )
    return body + legend, width, height


def _rows(columns: list[float], limit: float) -> list[list[int]]:
    """The columns' indices, as many to a row as fit in `limit`."""
    rows: list[list[int]] = [[]]
    used = 2.0 * MARGIN
    for index, column in enumerate(columns):
        if rows[-1] and used + column > limit:
            rows.append([])
            used = 2.0 * MARGIN
        rows[-1].append(index)
        used += column
    return rows


def _balanced(columns: list[float]) -> list[list[int]]:
    """As few rows as MAX_WIDTH allows, made as even as they can be: the narrowest limit that
    needs no more rows (halving the interval; the same steps in every build)."""
    count = len(_rows(columns, MAX_WIDTH))
    high = float(MAX_WIDTH)
    low = min(max(columns) + 2 * MARGIN, high)
    for _ in range(24):
        middle = (low + high) / 2
        low, high = (low, middle) if len(_rows(columns, middle)) <= count else (middle, high)
    return _rows(columns, high)


def _arrow(start: tuple[float, float, float, float], left: float, axis: float) -> str:
    """From the previous node's right end to this node's left edge; from the end of a row, round
    the row's labels to the start of the next."""
    x0, y0, column_end, bottom = start
    head = _polygon([(left, axis), (left - 7, axis - 3.5), (left - 7, axis + 3.5)])
    if y0 == axis:
        points = [(x0, y0), (left - 6, axis)]
    else:
        turn, gap = column_end + 4, bottom + ROW_GAP / 2 - 4
        points = [(x0, y0), (turn, y0), (turn, gap), (MARGIN / 2, gap), (MARGIN / 2, axis), (left - 6, axis)]
    line = " ".join(f"{_n(px)},{_n(py)}" for px, py in points)
    return f'<polyline points="{line}"/><g fill="currentColor" stroke="none">{head}</g>'


def _labels(node: Node | Block, centre: float, top: float) -> str:
    lines = []
    for number, (cls, text) in enumerate(node.labels):
        size = NAME_SIZE if cls == "name" else SHAPE_SIZE
        weight = ' font-weight="600"' if cls == "name" else ' font-family="ui-monospace, monospace"'
        y = top + number * LINE + size * 0.35
        # The fill on each text: `currentColor` is then its own colour, which the stylesheet sets.
        lines.append(
            f'<text class="paramcalc-diagram-{cls}" x="{_n(centre)}" y="{_n(y)}" fill="currentColor" '
            f'font-size="{size}"{weight}>{escape(text)}</text>'
        )
    return f'<g stroke="none" text-anchor="middle">{"".join(lines)}</g>'


def _legend(nodes: list[Node | Block], top: float, limit: float) -> tuple[str, float, float]:
    """A swatch and a word for each family drawn, the ⊕ and concat nodes drawn, and the dashes for
    symbolic sizes, in lines no wider than `limit`; the SVG, its width and its height."""
    entries: list[tuple[str, str]] = [
        (f, LEGEND[f]) for f in dict.fromkeys(f for n in nodes for f in n.families())
    ]
    entries += [(merge, MERGE_LEGEND[merge]) for merge in _merges(nodes)]
    if any(n.symbolic for n in nodes):
        entries.append(("dashed", "dashed: size not to scale"))
    parts, x, y, right = [], float(MARGIN), top + 8, 0.0
    for key, text in entries:
        swatch = MERGE_CONCAT * 0.8 if key == "concat" else 12.0
        entry_width = swatch + 8 + _text_width(text, "legend") + 18
        if x > MARGIN and x + entry_width > limit - MARGIN:
            x, y = float(MARGIN), y + LINE + 4
        parts.append(
            _swatch(key, x, y)
            + f'<text class="paramcalc-diagram-legend" x="{_n(x + swatch + 6)}" y="{_n(y + 4)}" '
            f'fill="currentColor" stroke="none" font-size="{SHAPE_SIZE}">{escape(text)}</text>'
        )
        x += entry_width
        right = max(right, x - 18 + MARGIN)
    return "".join(parts), right, y + 12 - top


def _merges(nodes: list[Node | Block]) -> list[str]:
    """The merges drawn, "add" (⊕) or "concat", those of blocks inside blocks too, each once."""
    found: list[str] = []
    for node in nodes:
        if isinstance(node, Block):
            found += [node.merge] if node.merge in MERGE_LEGEND else []
            found += _merges([part for lane in node.lanes for part in lane.parts])
    return list(dict.fromkeys(found))


def _swatch(key: str, x: float, y: float) -> str:
    """A legend entry's mark, its left edge at x, centred on y: the node as drawn, smaller."""
    if key in ("add", "multiply"):
        return (
            f'<g stroke-opacity=".8"><circle cx="{_n(x + 6)}" cy="{_n(y)}" r="6"/>'
            + _cross(x + 6, y, 3.5, key)
            + "</g>"
        )
    if key == "concat":
        width = MERGE_CONCAT * 0.8
        return (
            f'<g stroke-opacity=".8"><rect x="{_n(x)}" y="{_n(y - 7)}" width="{_n(width)}" height="14" '
            f'rx="7"/><text x="{_n(x + width / 2)}" y="{_n(y + 3)}" fill="currentColor" stroke="none" '
            'font-size="8.5" text-anchor="middle">concat</text></g>'
        )
    dashed = key == "dashed"  # symbolic sizes: an empty dashed square
    family = "input" if dashed else key
    look = ' fill-opacity="0" stroke-dasharray="4 3"' if dashed else ' fill-opacity=".5"'
    return (
        f'<g class="paramcalc-diagram-{family}" fill="{COLOURS[family]}" stroke-opacity=".8"{look}>'
        f'<rect x="{_n(x)}" y="{_n(y - 6)}" width="12" height="12"/></g>'
    )


# Text -------------------------------------------------------------------------------------------


def _dims(shape: Shape) -> tuple[str, ...]:
    """Each size as text; a sum in brackets when there are several, (H − 2) × (W − 2) × 32."""
    return tuple(_bracketed(as_text(d)) if len(shape) > 1 else as_text(d) for d in shape)


def _bracketed(text: str) -> str:
    depth = 0
    for char in text:
        depth += (char in "(⌊⌈") - (char in ")⌋⌉")
        if char == " " and depth == 0:  # an operator outside every bracket: a sum
            return f"({text})"
    return text


def _shape(shape: Shape) -> str:
    """26×26×32, or with symbols ⌊(H − 4)/2⌋ × ⌊(W − 4)/2⌋ × 64."""
    return (" × " if any(is_symbolic(d) for d in shape) else "×").join(_dims(shape))


def _shape_lines(shape: Shape) -> list[str]:
    """The shape over lines of at most SHAPE_CHARS, broken after a ×; a very long size is cut short."""
    dims = [d if len(d) <= DIM_CHARS else d[: DIM_CHARS - 1] + "…" for d in _dims(shape)]
    sep = " × " if any(is_symbolic(d) for d in shape) else "×"
    lines = [dims[0]]
    for dim in dims[1:]:
        if len(lines[-1]) + len(sep) + len(dim) <= SHAPE_CHARS:
            lines[-1] += sep + dim
        else:
            lines[-1] += sep.rstrip()
            lines.append(dim)
    return lines


def _text_width(text: str, cls: str) -> float:
    """An estimate of the text's width: monospace shapes, proportional names (bold) and legend."""
    per = {"name": 0.6 * NAME_SIZE, "shape": 0.62 * SHAPE_SIZE, "legend": 0.52 * SHAPE_SIZE}[cls]
    return len(text) * per


def _polygon(points: list[tuple[float, float]]) -> str:
    return '<polygon points="' + " ".join(f"{_n(x)},{_n(y)}" for x, y in points) + '"/>'


def _n(value: float) -> str:
    """A coordinate, to a tenth: the same text in every build."""
    text = f"{round(value, 1):.1f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text

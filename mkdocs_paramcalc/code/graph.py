"""The tensors pasted code makes, as a graph, and that graph as a block's calls.

A Keras functional model or a `forward` is a graph: each tensor is the block's input, a layer's
output or a merge of tensors. A table nests: a merge becomes a Residual or Branches whose paths
start at the tensor they fork from. Graphs that nest so (series-parallel ones: every residual
network, Inception, DenseNet, squeeze-excite) read as their code reads; any other is an error.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import count

from mkdocs_paramcalc.errors import BlockError, Location
from mkdocs_paramcalc.reading.parse import MAX_NESTING, Arg, Call

MERGES = ("add", "concat", "multiply")


@dataclass(eq=False)
class Node:
    """A tensor: the input (no inputs), a layer's output (one input) or a merge's (several)."""

    where: Location
    inputs: tuple[Node, ...] = ()
    layer: object = None  # what made it: the evaluator's layer, turned into a Call by `called`
    merge: str = ""  # add, concat or multiply, for a merge
    label: str = ""  # a merge's name, as the code's framework gives it
    axis: int | None = None  # a concatenation's axis as the code gives it, the batch counted
    shares: bool = False  # a merge layer used again (Keras' layers.Add() called twice)
    opaque: str = ""  # an operation the reader does not follow: why (its shape is unknown from here)
    index: int = field(default_factory=count().__next__)  # made after every tensor it reads
    _dominators: list[Node] | None = field(default=None, repr=False)


def calls_of(output: Node, start: Node, called: Callable[[object], Call]) -> list[Call]:
    """The calls that take `start` to `output`: layers in order, merges as Residual or Branches.
    `called` makes a layer's call (it knows names, and which uses share weights)."""
    nesting = _Nesting(start, called)
    for node in _reachable(output):  # inputs first: each tensor's dominators from its inputs'
        nesting.dominators(node)
    return nesting.chain(output, start, 0)


def _reachable(output: Node) -> list[Node]:
    seen: dict[int, Node] = {}
    stack = [output]
    while stack:
        node = stack.pop()
        if id(node) not in seen:
            seen[id(node)] = node
            stack.extend(node.inputs)
    return sorted(seen.values(), key=lambda node: node.index)


class _Nesting:
    def __init__(self, start: Node, called: Callable[[object], Call]) -> None:
        self.start = start
        self.called = called
        self.used: set[int] = set()

    def chain(self, node: Node, stop: Node, depth: int) -> list[Call]:
        out: list[Call] = []
        while node is not stop:
            if not node.inputs:
                raise BlockError(
                    "this tensor does not come from the model's input",
                    node.where,
                    "a model reads one input: every layer's input comes from it",
                )
            if id(node) in self.used:
                raise BlockError(
                    "this tensor feeds paths that cross each other; a table nests branches only "
                    "when each path runs from where they fork to where they merge",
                    node.where,
                    "merge the paths before using one of them again",
                )
            self.used.add(id(node))
            if node.opaque and len(node.inputs) == 1:  # x.transpose(1, 2): the shape is lost here
                out.append(Call("Unfollowed", (), (), node.where, unfollowed=node.opaque))
                node = node.inputs[0]
                continue
            if not node.merge and not node.opaque:
                out.append(self.called(node.layer))
                node = node.inputs[0]
                continue
            if depth >= MAX_NESTING:
                raise BlockError(
                    f"merges are nested more than {MAX_NESTING} deep here (a merge inside a path of "
                    "a merge, ...)",
                    node.where,
                    "split the network into several blocks",
                )
            fork = self.fork(node)
            paths = [tuple(self.chain(each, fork, depth + 1)) for each in node.inputs]
            out.append(_construct(node, paths))
            node = fork
        out.reverse()
        return out

    def dominators(self, node: Node) -> list[Node]:
        """The tensors every path from `node` back to the input passes, nearest first, itself too."""
        if node._dominators is None:
            chain: list[Node] = []
            current: Node | None = node
            while current is not None:
                if current._dominators is not None:
                    chain.extend(current._dominators)
                    break
                chain.append(current)
                if current is self.start or not current.inputs:
                    current = None
                elif len(current.inputs) > 1:
                    current = self.fork(current)
                else:
                    current = current.inputs[0]
            node._dominators = chain
        return node._dominators

    def fork(self, merge: Node) -> Node:
        """The nearest tensor all of a merge's inputs come from."""
        first, *others = (self.dominators(each) for each in merge.inputs)
        common = set.intersection(*({id(n) for n in chain} for chain in others)) if others else set()
        for node in first:
            if id(node) in common:
                return node
        raise BlockError(
            "the tensors merged here do not come from one input",
            merge.where,
            "a model reads one input: merge tensors computed from it",
        )


def _construct(node: Node, paths: list[tuple[Call, ...]]) -> Call:
    size = 1 + sum(call.size for path in paths for call in path)
    if node.opaque:  # q @ k: tensors joined by an operation not followed
        return Call("Branches", (), (), node.where, paths=tuple(paths), size=size, unfollowed=node.opaque)
    if node.merge == "add" and len(paths) == 2:
        main, shortcut = paths
        if not main and shortcut:  # x + f(x): the path with layers is the main one
            main, shortcut = shortcut, main
        shares = node.label if node.shares else ""
        return Call(
            "Residual", (), (), node.where, paths=(main, shortcut), size=size, label=node.label, shares=shares
        )
    merge = (("merge", Arg(node.merge, node.where)),)
    return Call(
        "Branches",
        (),
        merge,
        node.where,
        paths=tuple(paths),
        size=size,
        label=node.label,
        shares=node.label if node.shares else "",
        axis=node.axis,
    )

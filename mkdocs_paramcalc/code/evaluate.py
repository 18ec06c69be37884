"""A small evaluator of the Python that model code is written in, over `ast`, with a budget.

Nothing is imported and nothing runs: the evaluator walks a whitelist of Python (literals,
arithmetic on sizes, comparisons, `if`, `for` over known ranges and lists, functions, classes,
dataclasses) in which the frameworks' names stand for what they make — a layer, a container of
layers, a tensor of the traced graph. Whatever else the code does is a located error that says
what is not understood. Every value it handles is one of its own (`Layer`, `Instance`, ...):
no attribute of a real object is ever read.
"""

from __future__ import annotations

import ast
import math
import string
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from mkdocs_paramcalc.code import frameworks
from mkdocs_paramcalc.code.graph import Node
from mkdocs_paramcalc.dialects.catalogue import ALIASES, CATALOGUES, KERAS_OWN_LAYERS, dialect_of, keras_name
from mkdocs_paramcalc.errors import BlockError, Location
from mkdocs_paramcalc.reading.parse import (
    MAX_ARGUMENTS,
    MAX_LAYERS,
    MAX_STRING,
    WRAPPERS,
    Arg,
    Call,
    Locator,
    Reader,
)
from mkdocs_paramcalc.reading.signature import REQUIRED
from mkdocs_paramcalc.values import is_symbolic, symbol

MAX_STEPS = 200_000  # statements and expressions evaluated in one block's code
MAX_SECONDS = 2.0  # the evaluator's time on one block's code
MAX_CALL_DEPTH = 32  # functions and methods called inside one another
MAX_EVAL_DEPTH = 150  # operators and calls nested inside one expression or statement
MAX_ITEMS = 10_000  # items of one list, tuple or dict the code builds
MAX_LOOP = 10_000  # turns of one loop
MAX_BUILT = 1_000_000  # items of all the lists, tuples, dicts and strings the code builds

_HINT = "paste the model's code as the framework's tutorials write it: see the idioms read in the docs"


class _Return(Exception):  # noqa: N818 (control flow, not an error)
    def __init__(self, value: Any) -> None:
        self.value = value


class _Break(Exception):  # noqa: N818
    pass


class _Continue(Exception):  # noqa: N818
    pass


class NotFollowedError(BlockError):
    """A tensor operation in forward that the reader does not follow (x.transpose, x @ y, ...)."""


@dataclass(frozen=True)
class Namespace:
    """A framework's module or name as the code reaches it: `torch.nn`, `keras.layers.Dense`."""

    path: str


@dataclass(eq=False)
class Layer:
    """A layer (a torch.nn module, a Keras layer) the code made."""

    framework: str  # "keras" or "pytorch"
    name: str  # the class, as the catalogue names it
    args: tuple[Arg, ...]
    kwargs: tuple[tuple[str, Arg], ...]
    where: Location
    label: str = ""  # Keras' name at construction; a torch module's path, once the tree is known
    functional: bool = False  # made by the reader for F.relu(x) and such: no module of the code's
    width: int = 0  # x.view(-1, width): the features the flatten must give
    ties: Layer | None = None  # a.weight = b.weight: the layer whose matrix it shares

    @property
    def prefix(self) -> str:
        return "nn." if self.framework == "pytorch" else ""


@dataclass(eq=False)
class Container:
    """nn.Sequential, nn.ModuleList, nn.ModuleDict, keras.Sequential: modules by their keys."""

    framework: str
    kind: str  # Sequential, ModuleList or ModuleDict
    items: dict[str, Any]
    where: Location
    input: Tensor | None = None  # keras.Sequential's keras.Input(...)
    label: str = ""
    frozen: bool = False  # keras.Sequential(..., trainable=False): every weight in it, whenever added


@dataclass(eq=False)
class ClassValue:
    """A class the code defines."""

    name: str
    bases: tuple[Any, ...]
    attrs: dict[str, Any]
    where: Location
    framework: str = ""  # "pytorch" for an nn.Module, "keras" for a keras.Model or Layer
    sequential: bool = False  # derives from nn.Sequential: its modules run in order
    dataclass: bool = False
    fields: tuple[tuple[str, ast.expr | None], ...] = ()  # a dataclass's, with their defaults
    node: ast.ClassDef | None = None

    def mro(self) -> Iterator[ClassValue]:
        yield self
        for base in self.bases:
            if isinstance(base, ClassValue):
                yield from base.mro()

    def find(self, name: str) -> tuple[Any, ClassValue] | None:
        for cls in self.mro():
            if name in cls.attrs:
                return cls.attrs[name], cls
        return None


@dataclass(eq=False)
class Instance:
    """An object of a class the code defines: a model, a block, a configuration."""

    cls: ClassValue
    attrs: dict[str, Any] = field(default_factory=dict)
    label: str = ""


@dataclass(eq=False)
class Function:
    node: ast.FunctionDef
    scope: dict[str, Any]  # the globals it sees
    defaults: tuple[Any, ...]
    kw_defaults: dict[str, Any]
    owner: ClassValue | None = None
    static: bool = False
    classmethod: bool = False
    property: bool = False
    closure: dict[str, Any] | None = None  # the scope of the function it is defined in


@dataclass(frozen=True)
class Bound:
    function: Function
    self: Any


@dataclass(frozen=True)
class Method:
    """A method of one of the evaluator's own values (a list's append, a tensor's view)."""

    name: str
    target: Any


@dataclass(frozen=True)
class Builtin:
    name: str


@dataclass(frozen=True)
class Super:
    instance: Instance
    cls: ClassValue


@dataclass(eq=False)
class Tensor:
    """A tensor of the traced graph."""

    node: Node


@dataclass(frozen=True)
class BatchSize:
    """x.size(0), x.shape[0]: the batch, whatever it is."""


@dataclass(frozen=True)
class WeightOf:
    """layer.weight, read to tie another layer to it (lm_head.weight = wte.weight)."""

    layer: Layer


@dataclass(frozen=True)
class UnknownSize:
    """A size of a tensor other than the batch (x.size(-1)), or arithmetic on one: not followed."""


@dataclass(frozen=True)
class NotGiven(UnknownSize):
    """An argument of the model's forward that a table does not give (Llama's forward(tokens,
    start_pos)): a value not followed, as a tensor's size is."""

    name: str


@dataclass(frozen=True)
class Placement:
    """x.device, x.dtype: where and how a tensor is stored, which changes none of its sizes."""


@dataclass(frozen=True)
class Opaques:
    """What x.split(...) or x.chunk(...) gives: as many tensors, not followed, as are unpacked."""

    tensor: Tensor
    reason: str


@dataclass(frozen=True)
class TensorShape:
    """x.size(), x.shape: only its first item, the batch, is known."""


@dataclass(eq=False)
class KerasModel:
    """keras.Model(inputs, outputs): a graph from one input to one output."""

    input: Tensor
    output: Tensor
    where: Location
    frozen: bool = False  # keras.Model(..., trainable=False)


@dataclass(frozen=True)
class TensorMaker:
    """torch.zeros(1, 1, 768) and its kin: a tensor of known sizes, to make a parameter or a buffer
    of; set as a module's plain attribute (Llama's freqs_cis, its cache_k), it is neither, and
    torch counts it in neither model.parameters() nor model.buffers()."""

    shape: tuple[Any, ...]


@dataclass(eq=False)
class Buffer:
    """register_buffer(name, tensor): state the module holds that training does not change."""

    shape: tuple[Any, ...]
    where: Location
    label: str = ""
    layer: Layer | None = None

    def as_layer(self) -> Layer:
        """The block's Buffer layer: its size counts as buffers; the input passes on."""
        if self.layer is None:
            kwargs = (("shape", Arg(tuple(self.shape), self.where)),)
            self.layer = Layer("pytorch", "Buffer", (), kwargs, self.where, self.label)
        return self.layer


@dataclass(eq=False)
class Param:
    """nn.Parameter(...): a weight of the module's own, used in forward as a tensor is."""

    shape: tuple[Any, ...]
    trainable: bool
    where: Location
    label: str = ""
    layer: Layer | None = None  # the block's Parameter layer, made at its first use

    def as_layer(self, merge: str) -> Layer:
        """The layer a block writes for it: nn.Parameter(shape, merge=...), without the batch axis."""
        shape = self.shape[1:] if len(self.shape) >= 2 and self.shape[0] == 1 else self.shape
        if self.layer is None:
            kwargs = [("shape", Arg(tuple(shape), self.where)), ("merge", Arg(merge, self.where))]
            if not self.trainable:
                kwargs.append(("trainable", Arg(False, self.where)))
            self.layer = Layer("pytorch", "Parameter", (), tuple(kwargs), self.where, self.label)
        return self.layer


@dataclass(frozen=True)
class FieldDefault:
    """dataclasses.field(default=...)"""

    value: Any


@dataclass(frozen=True)
class Unreadable:
    """A top-level name whose value could not be read: an error only where it is used."""

    error: BlockError


_BUILTINS = (
    "range",
    "len",
    "int",
    "float",
    "bool",
    "str",
    "min",
    "max",
    "abs",
    "sum",
    "round",
    "enumerate",
    "zip",
    "list",
    "tuple",
    "dict",
    "reversed",
    "isinstance",
    "super",
    "print",
    "staticmethod",
    "classmethod",
    "property",
    "hasattr",
)
# Sizes that keras.Input leaves open (None): named as courses name them.
_UNSIZED = {1: ("T",), 2: ("H", "W"), 3: ("D", "H", "W")}
_RECURRENT = ("LSTM", "GRU", "RNN")  # torch's, which take states and give (output, states)
_MAKER_METHODS = (
    "view",
    "reshape",
    "unsqueeze",
    "float",
    "long",
    "bool",
    "int",
    "fill_",
    "normal_",
    "zero_",
    "type_as",
    "contiguous",
    "clone",
    "detach",
    "to",
    "cuda",
    "cpu",
    "half",
    "double",
)
_CONVERSIONS: dict[str, Callable[..., Any]] = {
    "int": int,
    "float": float,
    "bool": bool,
    "str": str,
    "abs": abs,
    "round": round,
}
_MATH = ("ceil", "floor", "sqrt", "prod", "log2", "gcd")
_NUMBER_OPS: dict[type[ast.cmpop], Any] = {
    ast.Eq: lambda a, b: a == b,
    ast.NotEq: lambda a, b: a != b,
    ast.Lt: lambda a, b: a < b,
    ast.LtE: lambda a, b: a <= b,
    ast.Gt: lambda a, b: a > b,
    ast.GtE: lambda a, b: a >= b,
    ast.Is: lambda a, b: a is b,
    ast.IsNot: lambda a, b: a is not b,
    ast.In: lambda a, b: a in b,
    ast.NotIn: lambda a, b: a not in b,
}
_PLAIN = (int, float, bool, str, type(None))
_CLOSURE = " closure"  # a scope's key for the enclosing function's scope: no name can be it


class Evaluator:
    """Runs nothing: evaluates a whitelisted subset of Python over the code's `ast`."""

    def __init__(self, locate: Locator) -> None:
        self.locate = locate
        self.reader = Reader(locate)  # constants and arithmetic, checked as a block's arguments are
        self.steps = 0
        self.started = time.monotonic()
        self.depth = 0  # expressions and statements inside one another
        self.calls = 0  # functions inside one another
        self.layers = 0
        self.keras_names: dict[str, int] = {}
        self.globals: dict[str, Any] = {}
        self.models: list[tuple[str, Any, Location]] = []  # models made at the top level, by name
        self.input_call: Call | None = None  # a block's own Input(...) line
        self.classes: list[ClassValue] = []
        self.functions: list[tuple[str, Function]] = []
        self.built = 0  # items of the lists, tuples, dicts and strings built so far
        self.unreadable: list[tuple[BlockError, ast.Assign | ast.AnnAssign]] = []  # top-level lines
        self.skipped: list[BlockError] = []  # top-level statements read past (a training loop)
        self.globals["__name__"] = "__main__"  # if __name__ == "__main__": as a script runs
        self.loops = 0  # loops open around the statement being read, in the function being read
        self.nodes = 0  # tensors traced
        self.tracing: Node | None = None  # the input of the forward being traced

    # -- errors and the budget ------------------------------------------------------------------

    def error(self, message: str, node: ast.AST | Location, hint: str = _HINT) -> BlockError:
        where = node if isinstance(node, Location) else self.locate(node)
        return BlockError(message, where, hint)

    def not_followed(self, message: str, node: ast.AST | Location) -> NotFollowedError:
        """A tensor operation the reader does not follow: the table then lists every module with
        its count, and no shapes (read.py), rather than guess them."""
        where = node if isinstance(node, Location) else self.locate(node)
        keras = "keras" in message or "tensorflow" in message
        return NotFollowedError(message, where, _UNFOLLOWED_KERAS if keras else _UNFOLLOWED)

    def opaque(self, reason: str, node: ast.AST | Location, *values: Any) -> Tensor:
        """A tensor an operation the reader does not follow makes, while forward is traced: its
        shape is unknown from here; the tensors it reads are its inputs (none: the input's, as for
        torch.arange, so that the graph still starts at the model's input)."""
        if self.tracing is None:
            raise self.not_followed(reason, node)
        where = self.at(node)
        reason = f"{reason} (line {where.line})"
        inputs: list[Node] = []
        flat = list(_flat(values))
        # A weight's row hangs from the operation's first tensor (or the input, for none): its paths
        # then fork where the operation's tensors do, and nest no deeper than the operation.
        anchor = next((value.node for value in flat if isinstance(value, Tensor)), self.tracing)
        for value in flat:
            if isinstance(value, Tensor):
                inputs.append(value.node)
            elif isinstance(value, Param | Buffer):  # its count is the model's: a row, its input unknown
                self.traced(node)
                before = Node(where, (anchor,), opaque=reason)
                layer = value.as_layer("add") if isinstance(value, Param) else value.as_layer()
                self.traced(node)
                inputs.append(Node(where, (before,), layer))
        self.traced(node)
        return Tensor(Node(where, tuple(inputs) or (self.tracing,), opaque=reason))

    def spend(self, node: ast.AST) -> None:
        self.steps += 1
        if self.steps > MAX_STEPS:
            raise self.error(
                f"the code takes more than {MAX_STEPS:,} steps to read",
                node,
                "a model's code builds its layers in a few thousand steps: is a loop's bound too large?",
            )
        if not self.steps % 4096 and time.monotonic() - self.started > MAX_SECONDS:
            raise self.error(
                f"the code takes more than {MAX_SECONDS:g} s to read", node, "split it into smaller blocks"
            )

    def charge(self, items: int, node: ast.AST | Location) -> None:
        """Count items the code builds: one list past MAX_ITEMS, or all past MAX_BUILT, stops here."""
        if items > MAX_ITEMS:
            raise self.error(f"this builds {items:,} items; a list holds at most {MAX_ITEMS:,}", node)
        self.built += items
        if self.built > MAX_BUILT:
            raise self.error(
                f"the code builds more than {MAX_BUILT:,} items in all",
                node,
                "a model's code builds a few lists of layers and sizes",
            )

    def listed(self, value: Any, node: ast.AST) -> list[Any]:
        """An iterable's items as a list, its length checked before any is made."""
        size = len(value) if isinstance(value, range | list | tuple | str | dict) else None
        if size is not None:
            self.charge(size, node)
        items = list(self.iterate(value, node))  # a Container's, _Pairs': already bounded
        if size is None:
            self.charge(len(items), node)
        return items

    def traced(self, node: ast.AST | Location) -> None:
        """Count one tensor of the trace: forward makes at most MAX_LAYERS rows."""
        self.nodes += 1
        if self.nodes > MAX_LAYERS:
            raise self.error(
                f"forward makes more than {MAX_LAYERS:,} rows", node, "split the network into several blocks"
            )

    # -- statements -------------------------------------------------------------------------------

    def module(self, tree: ast.Module) -> None:
        """The code's top level: names bound, classes and functions defined, models made."""
        for statement in tree.body:
            self.top_level(statement)

    def top_level(self, node: ast.stmt) -> None:
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call) and self.ignored(node.value):
            return
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
            func = node.value.func
            if isinstance(func, ast.Name) and func.id == "Input" and "Input" not in self.globals:
                self.input_call = self.block_input(node.value)
                return
        if isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
            try:
                value = self.expression(node.value, self.globals)
            except BlockError as error:  # a notebook's other lines: an error only if the name is used
                if not _targets_names(node):
                    raise
                self.unreadable.append((error, node))
                for name in _set_names(node):
                    self.globals[name] = Unreadable(error)
                return
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                self.assign(target, value, self.globals)
            if _is_model(value) and isinstance(targets[-1], ast.Name):
                self.models.append((targets[-1].id, value, self.locate(node)))
            return
        try:
            if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
                value = self.expression(node.value, self.globals)
                if _is_model(value) and all(value is not made for _, made, _ in self.models):
                    self.models.append(("", value, self.locate(node)))
                return
            self.statement(node, self.globals)
        except BlockError as error:
            definition = isinstance(node, ast.FunctionDef | ast.ClassDef | ast.Import | ast.ImportFrom)
            if definition or _changes_model(node, self.globals):
                raise
            # A notebook's training loop, plots, checks: read past. The names it sets are unreadable:
            # an error wherever they are used, never a stale value.
            self.skipped.append(error)
            for name in _set_names(node):
                self.globals[name] = Unreadable(error)

    def ignored(self, call: ast.Call) -> bool:
        """print(...), model.summary(), model.fit(...) and their kin at the top level: never read."""
        func = call.func
        if isinstance(func, ast.Name) and func.id in ("summary", "plot_model") and func.id in self.globals:
            return isinstance(self.globals[func.id], Namespace)  # torchsummary's, torchinfo's, Keras'
        return self._ignored(call)

    def _ignored(self, call: ast.Call) -> bool:
        func = call.func
        if isinstance(func, ast.Name):
            return func.id in ("print", "display", "plot_model") and func.id not in self.globals
        if isinstance(func, ast.Attribute) and func.attr in frameworks.IGNORED_METHODS:
            target = func.value
            while isinstance(target, ast.Attribute | ast.Call):
                target = target.value if isinstance(target, ast.Attribute) else target.func
            if isinstance(target, ast.Name):
                value = self.globals.get(target.id)
                if func.attr == "build" and isinstance(value, Container) and value.framework == "keras":
                    self.built_input(call)
                return _is_model(value) or isinstance(value, Instance) or func.attr == "summary"
        return False

    def built_input(self, call: ast.Call) -> None:
        """model.build((None, 28, 28, 1)): the input of a Keras model given no keras.Input."""
        shape = self.expression(call.args[0], self.globals) if len(call.args) == 1 else None
        if (
            isinstance(shape, tuple | list)
            and len(shape) >= 2
            and shape[0] is None
            and self.input_call is None
        ):
            self.input_call = Call(
                "Input", (Arg(tuple(shape[1:]), self.locate(call.args[0])),), (), self.locate(call)
            )

    def block_input(self, node: ast.Call) -> Call:
        """A block's own `Input(28, 28, 1)` line before the pasted code."""
        args = tuple(
            Arg(self.layer_value(self.expression(a, self.globals), a), self.locate(a)) for a in node.args
        )
        kwargs = tuple(
            (
                kw.arg or "**",
                Arg(self.layer_value(self.expression(kw.value, self.globals), kw.value), self.locate(kw)),
            )
            for kw in node.keywords
        )
        return Call("Input", args, kwargs, self.locate(node))

    def statements(self, body: list[ast.stmt], scope: dict[str, Any]) -> None:
        for statement in body:
            self.statement(statement, scope)

    def statement(self, node: ast.stmt, scope: dict[str, Any]) -> None:
        self.spend(node)
        self.depth += 1
        try:
            if self.depth > MAX_EVAL_DEPTH:
                raise self.error(f"the code is nested more than {MAX_EVAL_DEPTH} deep", node)
            self._statement(node, scope)
        finally:
            self.depth -= 1

    def _statement(self, node: ast.stmt, scope: dict[str, Any]) -> None:
        if isinstance(node, ast.Expr):
            if isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
                return  # a docstring
            call = node.value
            if isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id == "print":
                return  # print(x.shape) in forward: read past
            self.expression(node.value, scope)
        elif isinstance(node, ast.Assign):
            value = self.expression(node.value, scope)
            for target in node.targets:
                self.assign(target, value, scope)
        elif isinstance(node, ast.AnnAssign):
            if node.value is not None:
                self.assign(node.target, self.expression(node.value, scope), scope)
        elif isinstance(node, ast.AugAssign):
            current = self.expression(_loaded(node.target), scope)
            operand = self.expression(node.value, scope)
            if isinstance(current, list) and isinstance(node.op, ast.Add):  # in place, as Python's list
                current.extend(self.listed(operand, node.value))
                self.charge(0, node)
                if len(current) > MAX_ITEMS:
                    raise self.error(f"a list of more than {MAX_ITEMS:,} items", node)
                return
            self.assign(node.target, self.binary(node.op, current, operand, node), scope)
        elif isinstance(node, ast.If):
            if self.truth(self.expression(node.test, scope), node.test):
                self.statements(node.body, scope)
            else:
                self.statements(node.orelse, scope)
        elif isinstance(node, ast.For):
            self.loop(node, scope)
        elif isinstance(node, ast.Return):
            raise _Return(None if node.value is None else self.expression(node.value, scope))
        elif isinstance(node, ast.Pass):
            return
        elif isinstance(node, ast.Break | ast.Continue):
            if not self.loops:
                raise self.error(
                    f"`{'break' if isinstance(node, ast.Break) else 'continue'}` outside a loop", node
                )
            raise _Break if isinstance(node, ast.Break) else _Continue
        elif isinstance(node, ast.FunctionDef):
            scope[node.name] = self.function(node, scope, None)
        elif isinstance(node, ast.ClassDef):
            scope[node.name] = self.class_def(node, scope)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            self.imports(node, scope)
        elif isinstance(node, ast.Assert):
            try:
                holds = self.truth(self.expression(node.test, scope), node.test)
            except NotFollowedError:  # assert t <= block_size: a check on sizes not followed
                return
            if not holds:
                raise self.error(
                    "this assertion fails: the code would stop here", node, "check the sizes it compares"
                )
        elif isinstance(node, ast.Raise):
            raise self.error(
                "the code raises an exception here: it would stop", node, "check the values that lead here"
            )
        elif isinstance(node, ast.With):
            for item in node.items:  # with torch.no_grad(): the body as if written without it
                written = item.context_expr
                manager = self.expression(written.func if isinstance(written, ast.Call) else written, scope)
                if not (isinstance(manager, Namespace) and manager.path.startswith("torch.")):
                    raise self.error("only torch's `with torch.no_grad():` is read", item.context_expr)
            self.statements(node.body, scope)
        elif isinstance(node, ast.While):
            raise self.error(
                "while loops are not read: their number of turns is not known from literal values",
                node,
                "write the loop as for i in range(n) with a number n",
            )
        else:
            raise self.error(f"{_described(node)} is not read in model code", node)

    def loop(self, node: ast.For, scope: dict[str, Any]) -> None:
        self.loops += 1
        try:
            self._loop(node, scope)
        finally:
            self.loops -= 1

    def _loop(self, node: ast.For, scope: dict[str, Any]) -> None:
        if self.over_weights(node, scope):
            return
        items = self.iterate(self.expression(node.iter, scope), node.iter)
        turns = 0
        for item in items:
            turns += 1
            if turns > MAX_LOOP:
                raise self.error(
                    f"this loop turns more than {MAX_LOOP:,} times", node.iter, "a model needs fewer"
                )
            self.assign(node.target, item, scope)
            try:
                self.statements(node.body, scope)
            except _Break:
                return
            except _Continue:
                continue
        self.statements(node.orelse, scope)

    def over_weights(self, node: ast.For, scope: dict[str, Any]) -> bool:
        """A loop over a model's modules or weights: weight initialisation changes no count and is
        read past; `for p in m.parameters(): p.requires_grad = False` freezes m. True when read."""
        call = node.iter
        if not (
            isinstance(call, ast.Call)
            and isinstance(call.func, ast.Attribute)
            and call.func.attr in frameworks.WEIGHT_WALKS
        ):
            return False
        owner = self.expression(call.func.value, scope)
        if not isinstance(owner, Instance | Layer | Container) or (
            isinstance(owner, Instance) and not owner.cls.framework
        ):
            return False
        freezes = [
            n
            for n in ast.walk(node)
            if isinstance(n, ast.Attribute) and n.attr in ("requires_grad", "requires_grad_", "trainable")
        ]
        if not freezes:
            return True  # nn.init.kaiming_normal_(m.weight) and its kin
        flag = _every_weight_set(node)
        if flag is None:
            raise self.error(
                "freezing some weights in a loop is not read",
                freezes[0],
                "freeze a whole module with module.requires_grad_(False), or all of it with "
                "for p in module.parameters(): p.requires_grad = False",
            )
        self.freeze(owner, flag)  # every module or weight of it, one way: all of it
        return True

    def iterate(self, value: Any, node: ast.AST) -> Iterator[Any]:
        if isinstance(value, range | list | tuple | str):
            return iter(list(value) if isinstance(value, list) else value)
        if isinstance(value, dict):
            return iter(list(value))
        if isinstance(value, Container):
            return iter(list(value.items.values()) if value.kind != "ModuleDict" else list(value.items))
        if isinstance(value, _Pairs):
            return iter(value.items)
        if isinstance(value, Tensor | TensorShape | Opaques | UnknownSize):
            raise self.not_followed(f"a loop over {_kind(value)} is not followed", node)
        raise self.error(
            f"cannot loop over {_kind(value)}",
            node,
            "loop over a range(n), a list or a tuple of known values",
        )

    def assign(self, target: ast.expr, value: Any, scope: dict[str, Any]) -> None:
        if isinstance(target, ast.Name):
            scope[target.id] = value
        elif isinstance(target, ast.Tuple | ast.List):
            count = len(target.elts)
            if isinstance(value, TensorShape):  # B, T, C = x.size()
                items: list[Any] = [BatchSize(), *[UnknownSize()] * (count - 1)]
            elif isinstance(value, Opaques):  # q, k, v = x.split(n, dim=2)
                items = [self.opaque(value.reason, target, value.tensor) for _ in range(count)]
            elif isinstance(value, tuple | list):
                items = list(value)
            else:
                items = list(self.iterate(value, target))
            if len(items) != len(target.elts):
                raise self.error(f"{len(target.elts)} names for {len(items)} values", target)
            for each, item in zip(target.elts, items, strict=True):
                self.assign(each, item, scope)
        elif isinstance(target, ast.Attribute):
            owner = self.expression(target.value, scope)
            if target.attr == "weight" and isinstance(owner, Layer) and isinstance(value, WeightOf):
                owner.ties, value.layer.ties = value.layer, owner  # tied: one matrix, counted once
                return
            if target.attr == "trainable" and isinstance(owner, Layer | Container | KerasModel | Instance):
                if not isinstance(value, bool):
                    raise self.error("trainable is set to True or False", target)
                self.freeze(owner, value)  # base.trainable = False: every weight in it, as Keras does
                return
            if not isinstance(owner, Instance):
                raise self.error(f"only the code's own objects take attributes, not {_kind(owner)}", target)
            if isinstance(value, Unreadable):
                raise value.error
            owner.attrs[target.attr] = value
        elif isinstance(target, ast.Subscript):
            owner = self.expression(target.value, scope)
            key = self.expression(target.slice, scope)
            settable = isinstance(owner, dict) and isinstance(key, _PLAIN)
            if isinstance(owner, list) and isinstance(key, int):
                settable = -len(owner) <= key < len(owner)
            if not settable:
                raise self.error("this item cannot be set", target)
            owner[key] = value
        elif isinstance(target, ast.Starred):
            raise self.error("starred assignment is not read", target)
        else:
            raise self.error(f"cannot assign to {_described(target)}", target)

    def imports(self, node: ast.Import | ast.ImportFrom, scope: dict[str, Any]) -> None:
        """Imports bind names to the frameworks' modules; nothing is imported."""
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    scope[alias.asname] = Namespace(frameworks.canonical(alias.name))
                else:
                    top = alias.name.split(".")[0]
                    scope[top] = Namespace(frameworks.canonical(top))
            return
        if node.level or not node.module:
            raise self.error("relative imports are not read: the block holds the whole model", node)
        for alias in node.names:
            if alias.name == "*":
                for name, path in frameworks.DEFAULT_NAMES.items():
                    scope.setdefault(name, Namespace(path))
                continue
            scope[alias.asname or alias.name] = Namespace(frameworks.canonical(f"{node.module}.{alias.name}"))

    # -- functions and classes --------------------------------------------------------------------

    def function(self, node: ast.FunctionDef, scope: dict[str, Any], owner: ClassValue | None) -> Function:
        static = classmethod_ = property_ = False
        for decorator in node.decorator_list:
            name = decorator.id if isinstance(decorator, ast.Name) else None
            if name == "staticmethod":
                static = True
            elif name == "classmethod":
                classmethod_ = True
            elif name == "property":
                property_ = True
            elif isinstance(decorator, ast.Call) and self.grad_mode(decorator.func, scope):
                continue  # @torch.inference_mode(): how autograd runs forward, which changes no count
            elif not (
                isinstance(decorator, ast.Attribute | ast.Call)
                and isinstance(self.expression(decorator, scope), Namespace)
            ):
                raise self.error("this decorator is not read", decorator)
        args = node.args
        defaults = tuple(self.expression(d, scope) for d in args.defaults)
        kw_defaults = {
            a.arg: self.expression(d, scope)
            for a, d in zip(args.kwonlyargs, args.kw_defaults, strict=True)
            if d
        }
        closure = scope if scope is not self.globals and owner is None else None
        function = Function(
            node, self.globals, defaults, kw_defaults, owner, static, classmethod_, property_, closure
        )
        if owner is None and scope is self.globals:
            self.functions.append((node.name, function))
        return function

    def grad_mode(self, func: ast.expr, scope: dict[str, Any]) -> bool:
        """Whether a decorator's function is torch.no_grad, torch.inference_mode or their kin."""
        value = self.expression(func, scope) if isinstance(func, ast.Attribute | ast.Name) else None
        return isinstance(value, Namespace) and value.path in frameworks.GRAD_MODES

    def class_def(self, node: ast.ClassDef, scope: dict[str, Any]) -> ClassValue:
        bases = tuple(self.expression(base, scope) for base in node.bases)
        framework = ""
        sequential = any(isinstance(base, ClassValue) and base.sequential for base in bases) or any(
            base == Namespace("torch.nn.Sequential") for base in bases
        )
        for base in bases:
            if isinstance(base, ClassValue):
                framework = framework or base.framework
            elif isinstance(base, Namespace):
                if base.path in ("torch.nn.Module", "torch.nn.Sequential", "torch.nn.ModuleList"):
                    framework = "pytorch"
                elif base.path in ("keras.Model", "keras.layers.Layer", "keras.Layer", "keras.Sequential"):
                    framework = "keras"
                elif base.path != "object":
                    raise self.error(
                        f"classes here derive from nn.Module, keras.Model or their own, not {base.path}", node
                    )
            else:
                raise self.error(f"a class cannot derive from {_kind(base)}", node)
        dataclass_ = False
        for decorator in node.decorator_list:
            value = self.expression(decorator.func if isinstance(decorator, ast.Call) else decorator, scope)
            if value == Namespace("dataclasses.dataclass"):
                dataclass_ = True
            else:
                raise self.error("this decorator is not read", decorator)
        cls = ClassValue(
            node.name, bases, {}, self.locate(node), framework, sequential, dataclass_, node=node
        )
        fields: list[tuple[str, ast.expr | None]] = []
        for statement in node.body:
            self.spend(statement)
            if isinstance(statement, ast.FunctionDef):
                cls.attrs[statement.name] = self.function(statement, scope, cls)
            elif isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name):
                fields.append((statement.target.id, statement.value))
                if statement.value is not None:
                    cls.attrs[statement.target.id] = self.expression(statement.value, scope)
            elif isinstance(statement, ast.Assign):
                value = self.expression(statement.value, scope)
                for target in statement.targets:
                    if not isinstance(target, ast.Name):
                        raise self.error("a class attribute is one plain name", target)
                    cls.attrs[target.id] = value
            elif isinstance(statement, ast.Pass) or (
                isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant)
            ):
                continue
            else:
                raise self.error(f"{_described(statement)} is not read in a class body", statement)
        inherited = [f for base in bases if isinstance(base, ClassValue) for f in base.fields]
        cls.fields = tuple(inherited + fields) if dataclass_ else ()
        if scope is self.globals:
            self.classes.append(cls)
        return cls

    def invoke(
        self, function: Function, args: list[Any], kwargs: dict[str, Any], node: ast.AST | Location
    ) -> Any:
        """A function's result, its body evaluated in a scope of its own."""
        self.calls += 1
        try:
            if self.calls > MAX_CALL_DEPTH:
                raise self.error(
                    f"functions call one another more than {MAX_CALL_DEPTH} deep here",
                    node,
                    "a model's code calls functions a few levels deep: is a function calling itself?",
                )
            scope = self.bind(function, args, kwargs, node)
            loops, self.loops = self.loops, 0  # a loop around the call is not the function's
            try:
                self.statements(function.node.body, scope)
            except _Return as returned:
                return returned.value
            finally:
                self.loops = loops
            return None
        finally:
            self.calls -= 1

    def bind(
        self, function: Function, args: list[Any], kwargs: dict[str, Any], node: ast.AST | Location
    ) -> dict[str, Any]:
        spec = function.node.args
        positional = [a.arg for a in [*spec.posonlyargs, *spec.args]]
        keywords = [a.arg for a in spec.kwonlyargs]
        scope: dict[str, Any] = {"__class__": function.owner} if function.owner else {}
        if function.closure is not None:  # a function defined inside another sees its names
            scope[_CLOSURE] = function.closure
        name = function.node.name
        if len(args) > len(positional) and spec.vararg is None:
            raise self.error(
                f"{name}() takes {len(positional)} positional arguments, given {len(args)}", node
            )
        for key, value in zip(positional, args, strict=False):
            scope[key] = value
        if spec.vararg is not None:
            scope[spec.vararg.arg] = tuple(args[len(positional) :])
        extra: dict[str, Any] = {}
        bound = set(positional[: len(args)])
        for key, value in kwargs.items():
            if key in bound:
                raise self.error(f"{name}() is given `{key}` twice", node)
            if key in positional or key in keywords:
                scope[key] = value
                bound.add(key)
            elif spec.kwarg is not None:
                extra[key] = value
            else:
                raise self.error(f"{name}() has no argument `{key}`", node)
        if spec.kwarg is not None:
            scope[spec.kwarg.arg] = extra
        first_default = len(positional) - len(function.defaults)
        for index, key in enumerate(positional):
            if key not in scope:
                if index < first_default:
                    raise self.error(f"{name}() needs its argument `{key}`", node)
                scope[key] = function.defaults[index - first_default]
        for arg in spec.kwonlyargs:
            if arg.arg not in scope:
                if arg.arg not in function.kw_defaults:
                    raise self.error(f"{name}() needs its argument `{arg.arg}`", node)
                scope[arg.arg] = function.kw_defaults[arg.arg]
        return scope

    def instantiate(
        self, cls: ClassValue, args: list[Any], kwargs: dict[str, Any], node: ast.AST | Location
    ) -> Instance:
        instance = Instance(cls)
        if cls.framework:
            instance.attrs["training"] = False
        if cls.dataclass and "__init__" not in cls.attrs:  # @dataclass writes __init__ unless the class does
            names = [name for name, _ in cls.fields]
            if len(args) > len(names):
                raise self.error(f"{cls.name}() takes {len(names)} fields, given {len(args)}", node)
            given = dict(zip(names, args, strict=False))
            for key, value in kwargs.items():
                if key not in names or key in given:
                    raise self.error(f"{cls.name}() has no field `{key}`, or it is given twice", node)
                given[key] = value
            for name, default in cls.fields:
                if name in given:
                    instance.attrs[name] = given[name]
                elif default is not None:
                    value = cls.find(name)
                    instance.attrs[name] = (
                        value[0].value
                        if value and isinstance(value[0], FieldDefault)
                        else (value[0] if value else None)
                    )
                else:
                    raise self.error(f"{cls.name}() needs its field `{name}`", node)
            post = cls.find("__post_init__")
            if post and isinstance(post[0], Function):
                self.invoke(post[0], [instance], {}, node)
            return instance
        init = cls.find("__init__")
        if init is not None and isinstance(init[0], Function):
            self.invoke(init[0], [instance, *args], kwargs, node)
        elif (args or kwargs) and not cls.framework:
            raise self.error(f"{cls.name}() takes no arguments", node)
        return instance

    # -- expressions ------------------------------------------------------------------------------

    def expression(self, node: ast.expr, scope: dict[str, Any]) -> Any:
        self.spend(node)
        self.depth += 1
        try:
            if self.depth > MAX_EVAL_DEPTH:
                raise self.error(f"the code is nested more than {MAX_EVAL_DEPTH} deep", node)
            value = self._expression(node, scope)
        finally:
            self.depth -= 1
        if isinstance(value, Unreadable):
            raise value.error
        return value

    def _expression(self, node: ast.expr, scope: dict[str, Any]) -> Any:
        if isinstance(node, ast.Constant):
            if isinstance(node.value, bytes | complex) or node.value is Ellipsis:
                raise self.error(f"a {type(node.value).__name__} is not read in model code", node)
            return self.reader.constant(node)
        if isinstance(node, ast.Name):
            return self.name(node, scope)
        if isinstance(node, ast.Attribute):
            return self.attribute(self.expression(node.value, scope), node.attr, node)
        if isinstance(node, ast.Call):
            return self.call(node, scope)
        if isinstance(node, ast.BinOp):
            return self.binary(
                node.op, self.expression(node.left, scope), self.expression(node.right, scope), node
            )
        if isinstance(node, ast.UnaryOp):
            operand = self.expression(node.operand, scope)
            if isinstance(node.op, ast.Not):
                return not self.truth(operand, node.operand)
            if isinstance(node.op, ast.USub | ast.UAdd) and _is_number(operand):
                return -operand if isinstance(node.op, ast.USub) else operand
            raise self.error(f"this operator does not apply to {_kind(operand)}", node)
        if isinstance(node, ast.BoolOp):
            value: Any = None
            for each in node.values:
                value = self.expression(each, scope)
                truth = self.truth(value, each)
                if truth if isinstance(node.op, ast.Or) else not truth:
                    return value
            return value
        if isinstance(node, ast.Compare):
            return self.compare(node, scope)
        if isinstance(node, ast.IfExp):
            chosen = node.body if self.truth(self.expression(node.test, scope), node.test) else node.orelse
            return self.expression(chosen, scope)
        if isinstance(node, ast.Tuple):
            return tuple(self.items(node.elts, scope, node))
        if isinstance(node, ast.List):
            return self.items(node.elts, scope, node)
        if isinstance(node, ast.Dict):
            self.charge(len(node.keys), node)
            out: dict[Any, Any] = {}
            for key, item in zip(node.keys, node.values, strict=True):
                if key is None:
                    raise self.error("**unpacking is not read", item)
                out[self.hashable(self.expression(key, scope), key)] = self.expression(item, scope)
            return out
        if isinstance(node, ast.ListComp | ast.GeneratorExp):
            return self.comprehension(node, scope)
        if isinstance(node, ast.Subscript):
            return self.subscript(self.expression(node.value, scope), node.slice, scope, node)
        if isinstance(node, ast.JoinedStr):
            for part in node.values:
                if isinstance(part, ast.FormattedValue) and (
                    part.format_spec is not None or part.conversion != -1
                ):
                    raise self.error("f-string fields are read plain, without a format spec or !r", part)
            text = "".join(
                str(part.value)
                if isinstance(part, ast.Constant)
                else str(self.plain(self.expression(part.value, scope), part))  # type: ignore[attr-defined]
                for part in node.values
            )
            if len(text) > MAX_STRING:
                raise self.error(f"strings are at most {MAX_STRING:,} characters", node)
            self.charge(len(text), node)
            return text
        raise self.error(f"{_described(node)} is not read in model code", node)

    def items(self, elements: list[ast.expr], scope: dict[str, Any], node: ast.AST) -> list[Any]:
        out: list[Any] = []
        for element in elements:
            if isinstance(element, ast.Starred):
                out.extend(self.listed(self.expression(element.value, scope), element))
            else:
                out.append(self.expression(element, scope))
            if len(out) > MAX_ITEMS:
                raise self.error(f"a list of more than {MAX_ITEMS:,} items", node)
        self.charge(len(out), node)
        return out

    def comprehension(self, node: ast.ListComp | ast.GeneratorExp, scope: dict[str, Any]) -> list[Any]:
        inner = dict(scope)
        out: list[Any] = []

        def run(index: int) -> None:
            if index == len(node.generators):
                out.append(self.expression(node.elt, inner))
                self.charge(1, node)
                if len(out) > MAX_ITEMS:
                    raise self.error(f"a list of more than {MAX_ITEMS:,} items", node)
                return
            generator = node.generators[index]
            if generator.is_async:
                raise self.error("async comprehensions are not read", node)
            for turn, item in enumerate(self.iterate(self.expression(generator.iter, inner), generator.iter)):
                if turn >= MAX_LOOP:
                    raise self.error(f"this loop turns more than {MAX_LOOP:,} times", generator.iter)
                self.assign(generator.target, item, inner)
                if all(self.truth(self.expression(test, inner), test) for test in generator.ifs):
                    run(index + 1)

        run(0)
        return out

    def name(self, node: ast.Name, scope: dict[str, Any]) -> Any:
        key = node.id
        outer: dict[str, Any] | None = scope
        while outer is not None:
            if key in outer:
                return outer[key]
            outer = outer.get(_CLOSURE)
        if key in self.globals:
            return self.globals[key]
        if key in frameworks.DEFAULT_NAMES:
            return Namespace(frameworks.DEFAULT_NAMES[key])
        if key in _BUILTINS:
            return Builtin(key)
        if key in ("object", "Exception", "ValueError"):
            return Namespace(key)
        found = dialect_of(key)
        if found and key[:1].isupper():  # a layer named plainly, as a block writes it
            framework = "keras" if "keras" in found else "pytorch"
            return Namespace(("keras.layers." if framework == "keras" else "torch.nn.") + key)
        raise self.error(
            f"`{key}` is not defined in the code", node, "define it before it is used, or give its value"
        )

    def hashable(self, value: Any, node: ast.AST) -> Any:
        if isinstance(value, _PLAIN) or (
            isinstance(value, tuple) and all(isinstance(v, _PLAIN) for v in value)
        ):
            return value
        raise self.error(f"{_kind(value)} cannot be a key", node)

    def plain(self, value: Any, node: ast.AST) -> Any:
        if isinstance(value, _PLAIN):
            return value
        raise self.error(f"{_kind(value)} cannot stand in a string", node)

    def truth(self, value: Any, node: ast.AST) -> bool:
        if isinstance(value, UnknownSize):
            raise self.not_followed("a conditional on a tensor's size is not followed", node)
        if isinstance(value, Tensor | BatchSize | TensorShape):
            raise self.error(
                "a conditional on the data: what the model does here depends on its input",
                node,
                "a table shows one path through the model: keep the one taken, without the if",
            )
        if is_symbolic(value):
            raise self.error("a conditional on a symbol", node)
        if isinstance(value, (*_PLAIN, tuple, list, dict, range)):
            return bool(value)
        return True  # a module, a class, a function: as Python says

    def compare(self, node: ast.Compare, scope: dict[str, Any]) -> Any:
        left = self.expression(node.left, scope)
        for op, right_node in zip(node.ops, node.comparators, strict=True):
            right = self.expression(right_node, scope)
            tensors = isinstance(left, Tensor | Buffer | Param) or isinstance(right, Tensor | Buffer | Param)
            if tensors and self.tracing is not None and not isinstance(op, ast.Is | ast.IsNot):
                return self.opaque("a comparison of tensors is not followed", node, left, right)  # a mask
            given = left if isinstance(left, NotGiven) else right if isinstance(right, NotGiven) else None
            if given is not None:
                raise self.not_followed(
                    f"a comparison of `{given.name}`, an argument of forward that the table does not give, "
                    "is not followed",
                    node,
                )
            if isinstance(left, UnknownSize) or isinstance(right, UnknownSize):
                raise self.not_followed("a comparison of a tensor's sizes is not followed", node)
            for side, where in ((left, node.left), (right, right_node)):
                if isinstance(side, Tensor | BatchSize | TensorShape) and not isinstance(
                    op, ast.Is | ast.IsNot
                ):
                    self.truth(side, where)
            ordered = not isinstance(op, ast.Is | ast.IsNot | ast.Eq | ast.NotEq | ast.In | ast.NotIn)
            comparable = (_is_number(left) and _is_number(right)) or (
                isinstance(left, str) and isinstance(right, str)
            )
            if ordered and not comparable:
                raise self.error(f"cannot order {_kind(left)} and {_kind(right)}", node)
            try:
                result = bool(_NUMBER_OPS[type(op)](left, right))
            except TypeError:
                raise self.error(f"cannot compare {_kind(left)} and {_kind(right)}", node) from None
            if not result:
                return False
            left = right
        return True

    def binary(self, op: ast.operator, left: Any, right: Any, node: ast.AST) -> Any:
        if isinstance(left, UnknownSize | BatchSize) or isinstance(right, UnknownSize | BatchSize):
            if isinstance(left, Tensor) or isinstance(right, Tensor):
                return self.opaque("this arithmetic on tensors is not followed", node, left, right)
            return UnknownSize()  # C // n_head, with C = x.size(-1): not followed either
        if (isinstance(left, TensorMaker) and _is_number(right)) or (
            isinstance(right, TensorMaker) and _is_number(left)
        ):
            return left if isinstance(left, TensorMaker) else right  # torch.randn(...) * 0.02: the same sizes
        if isinstance(left, TensorMaker) and isinstance(right, TensorMaker):
            return TensorMaker(self.broadcast(left.shape, right.shape, node))  # as torch broadcasts
        if isinstance(left, Tensor | Param | Buffer) or isinstance(right, Tensor | Param | Buffer):
            return self.tensor_operator(op, left, right, node)
        if _is_number(left) and _is_number(right):
            fake = ast.BinOp(left=ast.Constant(0), op=op, right=ast.Constant(0))
            ast.copy_location(fake, node)
            if type(op) not in (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.FloorDiv, ast.Mod, ast.Pow):
                raise self.error("this operator is not read on numbers", node)
            self.reader.locate = self.locate
            return self.reader.arithmetic(fake, left, right)
        if isinstance(op, ast.Add) and isinstance(left, list | tuple) and type(left) is type(right):
            if len(left) + len(right) > MAX_ITEMS:
                raise self.error(f"a list of more than {MAX_ITEMS:,} items", node)
            self.charge(len(left) + len(right), node)
            return [*left, *right] if isinstance(left, list) else (*left, *right)
        if isinstance(op, ast.Mult) and isinstance(left, list | tuple | str) and isinstance(right, int):
            size = len(left) * right
            if size > (MAX_STRING if isinstance(left, str) else MAX_ITEMS):
                raise self.error(f"this repeats {size:,} items", node)
            self.charge(max(size, 0), node)
            return left * right
        if isinstance(op, ast.Add) and isinstance(left, str) and isinstance(right, str):
            if len(left) + len(right) > MAX_STRING:
                raise self.error(f"strings are at most {MAX_STRING:,} characters", node)
            self.charge(len(left) + len(right), node)
            return left + right
        raise self.error(f"this operator does not apply to {_kind(left)} and {_kind(right)}", node)

    def subscript(self, value: Any, index_node: ast.expr, scope: dict[str, Any], node: ast.AST) -> Any:
        if isinstance(value, TensorShape):
            if isinstance(index_node, ast.Constant) and index_node.value == 0:
                return BatchSize()
            return UnknownSize()
        if isinstance(value, Tensor | Buffer | Param):
            return self.opaque("indexing a tensor is not followed", node, value)
        if isinstance(value, TensorMaker):
            return self.maker_item(value, index_node, scope, node)
        if isinstance(value, Opaques):
            return self.opaque(value.reason, node, value.tensor)
        if isinstance(index_node, ast.Slice):
            parts = [
                None if part is None else self.expression(part, scope)
                for part in (index_node.lower, index_node.upper, index_node.step)
            ]
            if not all(p is None or isinstance(p, int) for p in parts):
                raise self.error("slices take whole numbers", index_node)
            if isinstance(value, list | tuple | str):
                return value[slice(*parts)]
            if isinstance(value, Container) and value.kind != "ModuleDict":
                keys = list(value.items)[slice(*parts)]
                return Container(value.framework, value.kind, {k: value.items[k] for k in keys}, value.where)
            raise self.error(f"{_kind(value)} cannot be sliced", node)
        key = self.expression(index_node, scope)
        if isinstance(value, list | tuple | str) and isinstance(key, int) and not isinstance(key, bool):
            if -len(value) <= key < len(value):
                return value[key]
            raise self.error(f"index {key} is out of range ({len(value)} items)", node)
        if isinstance(value, dict) and isinstance(key, _PLAIN):
            if key in value:
                return value[key]
            raise self.error(f"no key {key!r}", node)
        if isinstance(value, Container):
            keys = list(value.items)
            if isinstance(key, int) and value.kind != "ModuleDict" and -len(keys) <= key < len(keys):
                return value.items[keys[key]]
            if isinstance(key, str) and key in value.items:
                return value.items[key]
            raise self.error(f"{value.kind} has no item {key!r}", node)
        raise self.error(f"{_kind(value)} cannot be indexed", node)

    def maker_item(
        self, maker: TensorMaker, index_node: ast.expr, scope: dict[str, Any], node: ast.AST
    ) -> Any:
        """torch.arange(0, dim, 2)[: dim // 2]: a slice of a made tensor's first axis, of whole
        numbers, keeps its other sizes; in forward, any other index (freqs_cis[start_pos : start_pos
        + seqlen]) makes a tensor not followed."""
        parts: list[Any] = [None, None, None]
        if isinstance(index_node, ast.Slice):
            parts = [
                None if part is None else self.expression(part, scope)
                for part in (index_node.lower, index_node.upper, index_node.step)
            ]
        whole = all(p is None or (type(p) is int) for p in parts)
        if isinstance(index_node, ast.Slice) and whole and maker.shape and parts[2] != 0:
            first = maker.shape[0]
            if type(first) is int:
                return TensorMaker((len(range(first)[slice(*parts)]), *maker.shape[1:]))
        if self.tracing is not None:
            return self.opaque("indexing a tensor is not followed", node, maker)
        raise self.error(
            "a tensor made here is indexed by a slice of whole numbers on its first axis",
            node,
            "write the sizes it has: torch.arange(0, dim, 2)[: dim // 2]",
        )

    # -- attributes and calls ---------------------------------------------------------------------

    def attribute(self, value: Any, name: str, node: ast.Attribute) -> Any:
        if name.startswith("__") and name not in ("__init__", "__class__"):
            raise self.error(f"`{name}` is not read", node)
        if isinstance(value, Namespace):
            return Namespace(frameworks.canonical(f"{value.path}.{name}"))
        if isinstance(value, Instance):
            if name in value.attrs:
                return value.attrs[name]
            found = value.cls.find(name)
            if found is not None:
                attr, _ = found
                if isinstance(attr, Function) and attr.classmethod:
                    return Bound(attr, value.cls)
                if isinstance(attr, Function) and attr.property:
                    return self.invoke(attr, [value], {}, node)
                if isinstance(attr, Function) and not attr.static:
                    return Bound(attr, value)
                return attr.value if isinstance(attr, FieldDefault) else attr
            if value.cls.framework and name in (*frameworks.SELF_METHODS, "add_module", "register_module"):
                return Method(name, value)
            if value.cls.framework and name in ("register_buffer", "register_parameter"):
                return Method("module." + name, value)
            if name == "add_weight":
                raise self.error("`add_weight` is not read yet: weights made so are not counted", node)
            raise self.error(
                f"{value.cls.name} has no attribute `{name}` (it is not set before this line)", node
            )
        if isinstance(value, Super):
            mro = list(value.instance.cls.mro())
            after = mro[mro.index(value.cls) + 1 :] if value.cls in mro else []
            for cls in after:
                if name in cls.attrs:
                    attr = cls.attrs[name]
                    return Bound(attr, value.instance) if isinstance(attr, Function) else attr
            return Method("super." + name, value.instance)
        if isinstance(value, ClassValue):
            found = value.find(name)
            if found is None:
                raise self.error(f"class {value.name} has no attribute `{name}`", node)
            attr = found[0]
            if isinstance(attr, Function) and attr.classmethod:
                return Bound(attr, value)
            return attr.value if isinstance(attr, FieldDefault) else attr
        if isinstance(value, Tensor | TensorMaker) and name in ("device", "dtype"):
            return Placement()  # torch.arange(n, device=x.device): where, not how many
        if isinstance(value, Tensor):
            if name == "shape":
                return TensorShape()
            if name == "ndim":
                return UnknownSize()
            return Method("tensor." + name, value)
        if isinstance(value, Param | Buffer | TensorMaker) and name == "shape":
            return tuple(value.shape)
        if isinstance(value, TensorMaker) and name == "ndim":
            return len(value.shape)
        if isinstance(value, Param) and name in ("expand", "repeat", "expand_as"):
            return Method("param." + name, value)
        if isinstance(value, TensorMaker) and name in _MAKER_METHODS:
            return Method("maker." + name, value)
        if isinstance(value, list) and name in ("append", "extend", "insert", "pop"):
            return Method("list." + name, value)
        if isinstance(value, dict) and name in ("items", "keys", "values", "get", "update"):
            return Method("dict." + name, value)
        if isinstance(value, Layer):
            return self.layer_argument(value, name, node)
        if isinstance(value, Container) and value.framework == "pytorch" and name in value.items:
            return value.items[name]  # self.transformer.wte: a module's children are its attributes
        if isinstance(value, Container) and name in ("add", "append", "extend", "add_module", "insert"):
            return Method("container." + name, value)
        if (
            isinstance(value, Container)
            and value.kind == "ModuleDict"
            and name in ("values", "items", "keys")
        ):
            return Method("container." + name, value)
        if isinstance(value, Layer | Container) and name in frameworks.SELF_METHODS:
            return Method("module." + name, value)
        if isinstance(value, str) and name in ("format", "lower", "upper"):
            return Method("str." + name, value)
        if isinstance(value, TensorShape | BatchSize | UnknownSize):
            raise self.not_followed("a tensor's sizes other than the batch are not followed", node)
        raise self.error(f"{_kind(value)} has no attribute `{name}` here", node)

    def call(self, node: ast.Call, scope: dict[str, Any]) -> Any:
        func = self.expression(node.func, scope)
        if isinstance(func, Method) and func.name.rpartition(".")[2] in frameworks.PLACING_METHODS:
            return func.target  # model.to(device), .cuda(), .eval(): where it runs changes no count
        if isinstance(func, Namespace) and func.path.startswith(frameworks.IGNORED_CALLS):
            return None  # nn.init.normal_(m.weight), torch.manual_seed(0): no count changes
        if isinstance(func, Namespace) and func.path in frameworks.PARALLEL_LAYERS:
            return self.parallel_layer(func.path, node, scope)
        args = self.items(node.args, scope, node)
        kwargs: dict[str, Any] = {}
        for keyword in node.keywords:
            if keyword.arg is None:
                extra = self.expression(keyword.value, scope)
                if not isinstance(extra, dict) or not all(isinstance(k, str) for k in extra):
                    raise self.error("**arguments must be a dict of names", keyword)
                kwargs.update(extra)
                continue
            if keyword.arg in kwargs:
                raise self.error(f"`{keyword.arg}` is given twice", keyword)
            kwargs[keyword.arg] = self.expression(keyword.value, scope)
        try:
            return self.apply(func, args, kwargs, node, scope)
        except (TypeError, ValueError, IndexError, KeyError, ZeroDivisionError, OverflowError) as exc:
            raise self.error(f"cannot compute this: {exc}", node) from None
        except MemoryError:
            raise self.error("this would take too much memory", node) from None

    def parallel_layer(self, path: str, node: ast.Call, scope: dict[str, Any]) -> Layer:
        """fairscale's ColumnParallelLinear(a, b, bias=False, gather_output=False, init_method=...):
        on one process, the whole nn.Linear(a, b, bias=False) it splits (ParallelEmbedding: the
        nn.Embedding). The split's own arguments are not read: they change no count."""
        kind, names = frameworks.PARALLEL_LAYERS[path]
        short = path.rpartition(".")[2]
        if any(isinstance(a, ast.Starred) for a in node.args) or any(k.arg is None for k in node.keywords):
            raise self.error(
                f"{short}: *args and **kwargs are not read here", node, "write its arguments out"
            )
        if len(node.args) > len(names):
            raise self.error(f"{short} takes at most {len(names)} positional arguments", node)
        given = [name for _, name in zip(node.args, names, strict=False)]
        args = [self.expression(a, scope) for a, name in zip(node.args, given, strict=True) if name]
        kwargs: dict[str, Any] = {}
        for keyword in node.keywords:
            if keyword.arg in frameworks.PARALLEL_KEYWORDS:
                continue
            if keyword.arg in kwargs or keyword.arg in given:
                raise self.error(f"`{keyword.arg}` is given twice", keyword)
            kwargs[str(keyword.arg)] = self.expression(keyword.value, scope)
        return self.layer("pytorch", kind, args, kwargs, node)

    def apply(
        self, func: Any, args: list[Any], kwargs: dict[str, Any], node: ast.Call, scope: dict[str, Any]
    ) -> Any:
        if isinstance(func, Function):
            return self.invoke(func, args, kwargs, node)
        if isinstance(func, Bound):
            return self.invoke(func.function, [func.self, *args], kwargs, node)
        if isinstance(func, ClassValue):
            return self.instantiate(func, args, kwargs, node)
        if isinstance(func, Builtin):
            return self.builtin(func.name, args, kwargs, node, scope)
        if isinstance(func, Method):
            return self.method(func, args, kwargs, node)
        if isinstance(func, Namespace):
            return self.framework_call(func.path, args, kwargs, node)
        if isinstance(func, Instance) and func.cls.framework:  # forward(self, x1, x2): as written
            return self.forwarded(func, args, kwargs, node)
        if isinstance(func, Layer) and func.framework == "pytorch" and func.name == "MultiheadAttention":
            return self.attention(func, args, kwargs, node)
        if isinstance(func, Layer) and func.framework == "keras" and func.name == "MultiHeadAttention":
            return self.attention(func, args, kwargs, node)[0]  # Keras' gives the output alone
        if isinstance(func, Layer) and func.framework == "pytorch" and func.name in _RECURRENT and args:
            out = self.applied(func, args[0], node)  # nn.LSTM(x, (h0, c0)): the states change no count
            return (out, Opaques(out, f"nn.{func.name}'s states are not followed"))
        if isinstance(func, Layer | Container | Instance | KerasModel | _Merge):
            if kwargs and not all(k in ("training", "mask") for k in kwargs):
                raise self.error("a layer is called on its input alone", node)
            if len(args) != 1:
                raise self.error(f"a layer is called on one input, given {len(args)}", node)
            return self.applied(func, args[0], node)
        raise self.error(f"{_kind(func)} cannot be called", node)

    def builtin(
        self, name: str, args: list[Any], kwargs: dict[str, Any], node: ast.Call, scope: dict[str, Any]
    ) -> Any:
        if name == "super":
            owner = scope.get("__class__")
            instance = (
                args[1] if len(args) == 2 else next(iter(v for k, v in scope.items() if k == "self"), None)
            )
            if len(args) == 2:
                owner = args[0]
            if not isinstance(owner, ClassValue) or not isinstance(instance, Instance):
                raise self.error("super() is read inside a class's methods", node)
            return Super(instance, owner)
        if name == "print":
            return None
        if kwargs and name not in ("sum", "round", "enumerate", "min", "max", "dict"):
            raise self.error(f"{name}() takes no keywords here", node)
        if name == "range":
            if any(isinstance(a, UnknownSize | BatchSize) for a in args):
                raise self.not_followed("a loop over a tensor's size is not followed", node)
            if not 1 <= len(args) <= 3 or not all(
                isinstance(a, int) and not isinstance(a, bool) for a in args
            ):
                raise self.error(
                    "range() takes one to three whole numbers", node, "the bounds of a loop are numbers"
                )
            return range(*args)
        if name == "len":
            value = args[0] if len(args) == 1 else None
            if isinstance(value, list | tuple | str | dict | range):
                return len(value)
            if isinstance(value, Container):
                return len(value.items)
            if isinstance(value, Tensor):
                return BatchSize()
            raise self.error(f"len() of {_kind(value)} is not read", node)
        if name in ("int", "float", "bool", "str", "abs", "round"):
            if len(args) not in (1, 2) or not all(isinstance(a, _PLAIN) for a in args):
                raise self.error(f"{name}() takes a number here", node)
            try:
                result = _CONVERSIONS[name](*args, **kwargs)
            except (TypeError, ValueError, OverflowError) as exc:
                raise self.error(f"{name}(): {exc}", node) from None
            if isinstance(result, str) and len(result) > MAX_STRING:
                raise self.error(f"strings are at most {MAX_STRING:,} characters", node)
            return result
        if name == "sum":
            if not 1 <= len(args) <= 2 or set(kwargs) - {"start"}:
                raise self.error("sum() takes numbers, and a start", node)
            total: Any = args[1] if len(args) == 2 else kwargs.get("start", 0)
            for value in self.listed(args[0], node):
                total = self.binary(ast.Add(), total, value, node)
            return total
        if name in ("min", "max"):
            values = self.listed(args[0], node) if len(args) == 1 else args
            if set(kwargs) - {"default"} or not all(_is_number(v) for v in values):
                raise self.error(f"{name}() takes numbers here", node)
            if not values and "default" not in kwargs:
                raise self.error(f"{name}() of nothing", node)
            return (min if name == "min" else max)(values, **kwargs)
        if name == "enumerate":
            start = args[1] if len(args) == 2 else kwargs.get("start", 0)
            if not 1 <= len(args) <= 2 or set(kwargs) - {"start"} or type(start) is not int:
                raise self.error("enumerate() takes items and a whole number to start from", node)
            return _Pairs(list(enumerate(self.listed(args[0], node), start)))
        if name in ("zip", "reversed", "list", "tuple"):
            lists = [self.listed(a, node) for a in args]
            if name == "zip":
                return _Pairs(list(zip(*lists, strict=False)))
            if name == "reversed":
                return list(reversed(lists[0]))
            items = lists[0] if lists else []
            return items if name == "list" else tuple(items)
        if name == "dict":
            out = dict(kwargs)
            if args:
                for pair in self.listed(args[0], node):
                    if not isinstance(pair, tuple) or len(pair) != 2:
                        raise self.error("dict() takes pairs", node)
                    out[self.hashable(pair[0], node)] = pair[1]
            return out
        if name == "isinstance":
            raise self.error("isinstance() is not read", node)
        if name == "hasattr":
            return self.has_attribute(args, node)
        return None  # staticmethod, classmethod, property: their decorators are read where they stand

    def has_attribute(self, args: list[Any], node: ast.Call) -> bool:
        """hasattr(F, "scaled_dot_product_attention"): a framework has what its recent versions
        have; an object of the code's has what it was given."""
        if len(args) != 2 or not isinstance(args[1], str):
            raise self.error("hasattr() takes an object and a name", node)
        owner, name = args
        if isinstance(owner, Namespace):
            return True
        if isinstance(owner, Instance):
            return name in owner.attrs or owner.cls.find(name) is not None
        if isinstance(owner, ClassValue):
            return owner.find(name) is not None
        raise self.error(f"hasattr() of {_kind(owner)} is not read", node)

    def method(self, method: Method, args: list[Any], kwargs: dict[str, Any], node: ast.Call) -> Any:
        kind, _, name = method.name.rpartition(".")
        target = method.target
        if kind == "list":
            if name == "append" and len(args) == 1:
                if len(target) >= MAX_ITEMS:
                    raise self.error(f"a list of more than {MAX_ITEMS:,} items", node)
                self.charge(1, node)
                target.append(args[0])
                return None
            if name == "extend" and len(args) == 1:
                target.extend(self.listed(args[0], node))
                if len(target) > MAX_ITEMS:
                    raise self.error(f"a list of more than {MAX_ITEMS:,} items", node)
                return None
            if name == "insert" and len(args) == 2 and isinstance(args[0], int):
                self.charge(1, node)
                target.insert(args[0], args[1])
                return None
            if name == "pop" and len(args) <= 1 and target:
                return target.pop(*args)
        if kind == "dict":
            if name == "items":
                return _Pairs(list(target.items()))
            if name == "keys":
                return list(target)
            if name == "values":
                return list(target.values())
            if name == "get" and 1 <= len(args) <= 2:
                return target.get(self.hashable(args[0], node), args[1] if len(args) > 1 else None)
            if name == "update" and len(args) <= 1:
                target.update(*args, **kwargs)
                return None
        if kind == "str":
            if name == "format":
                return self.formatted(target, args, kwargs, node)
            return target.lower() if name == "lower" else target.upper()
        if kind == "container":
            if name in ("values", "items", "keys"):
                return {"values": list(target.items.values()), "keys": list(target.items)}.get(
                    name, _Pairs(list(target.items.items()))
                )
            return self.container_method(target, name, args, node)
        if kind == "tensor":
            return self.tensor_method(target, name, args, kwargs, node)
        if kind == "param":
            return target  # stretched over the batch: the same weights
        if kind == "maker":
            return self.maker_method(target, name, args, node)
        if kind == "super":
            if name == "__init__" and isinstance(target, Instance) and target.cls.sequential:
                sequence = self.sequential("torch.nn.Sequential", args, {}, node)  # its modules, in order
                target.attrs.update(sequence.items)
            return None  # super().__init__(...) of nn.Module or keras.Model: nothing more to read
        if name == "requires_grad_":
            wanted = args[0] if args else kwargs.get("requires_grad", True)
            if not isinstance(wanted, bool):
                raise self.error("requires_grad_() takes True or False", node)
            self.freeze(target, wanted)
            return target
        if name in frameworks.SELF_METHODS:
            return target
        if name in ("register_buffer", "register_parameter") and args and isinstance(args[0], str):
            return self.registered(target, name, args, kwargs, node)
        if name in ("add_module", "register_module") and len(args) == 2 and isinstance(args[0], str):
            target.attrs[args[0]] = args[1]
            return None
        raise self.error(f"`{name}(...)` is not read here", node)

    def maker_method(self, maker: TensorMaker, name: str, args: list[Any], node: ast.Call) -> TensorMaker:
        """A made tensor reshaped (view, reshape, unsqueeze) or changed in place of its values."""
        if name in ("view", "reshape"):
            sizes = list(args[0] if len(args) == 1 and isinstance(args[0], tuple | list) else args)
            if not all(type(size) is int for size in sizes) or sizes.count(-1) > 1:
                raise self.error(f"{name}() is read with whole sizes", node)
            total = math.prod(maker.shape)
            known = math.prod(size for size in sizes if size != -1)
            if -1 in sizes:
                if not known or total % known:
                    raise self.error(f"{name}() cannot make {total:,} values into {tuple(sizes)}", node)
                sizes[sizes.index(-1)] = total // known
            if math.prod(sizes) != total:
                raise self.error(f"{name}() cannot make {total:,} values into {tuple(sizes)}", node)
            return TensorMaker(tuple(sizes))
        if name == "unsqueeze" and len(args) == 1 and type(args[0]) is int:
            shape = list(maker.shape)
            index = args[0] if args[0] >= 0 else len(shape) + 1 + args[0]
            if not 0 <= index <= len(shape):
                raise self.error("unsqueeze() of an axis the tensor has not", node)
            shape.insert(index, 1)
            return TensorMaker(tuple(shape))
        return maker  # float(), long(), bool(), fill_(), normal_(), ...: the same sizes

    def registered(
        self, target: Instance, name: str, args: list[Any], kwargs: dict[str, Any], node: ast.Call
    ) -> None:
        """register_buffer(name, tensor) and register_parameter(name, nn.Parameter(...))."""
        value = args[1] if len(args) > 1 else kwargs.get("tensor", kwargs.get("param"))
        if value is None:  # a buffer or parameter of None: nothing to count
            target.attrs[args[0]] = None
            return
        if name == "register_parameter":
            if not isinstance(value, Param):
                raise self.error("register_parameter is read with nn.Parameter(torch.zeros(...))", node)
            target.attrs[args[0]] = value
            return
        if not isinstance(value, TensorMaker):
            raise self.error(
                "register_buffer is read with a tensor made by torch.zeros, ones, tril, arange and their kin",
                node,
            )
        target.attrs[args[0]] = Buffer(value.shape, self.locate(node))

    def layer_argument(self, layer: Layer, name: str, node: ast.Attribute) -> Any:
        """A layer's argument by its name, given or its default (self.embedding.embedding_dim,
        model.fc.in_features): what the layer was made with, never a real object's attribute."""
        if name in frameworks.SELF_METHODS:
            return Method("module." + name, layer)
        if name == "weight" and layer.framework == "pytorch":
            return WeightOf(layer)
        if name in ("weight", "bias") and layer.framework == "pytorch":
            raise self.error(
                f"a layer's `{name}` is its weights, which are not read (the argument bias= is a flag)",
                node,
                "tied weights and weights read from layers are not read yet",
            )
        catalogue = CATALOGUES[layer.framework]
        kind = catalogue.get(ALIASES[layer.framework].get(layer.name, layer.name))
        signature = kind.signature if kind is not None else None
        if signature is None or name not in signature.names or name in ("name", "trainable", "expect"):
            raise self.error(
                f"a layer ({layer.prefix}{layer.name}) has no argument `{name}` to read",
                node,
                "a layer's arguments are read by their names, such as in_features; its weights are not",
            )
        given = dict(layer.kwargs)
        if name in given:
            return given[name].value
        index = signature.names.index(name)
        if index < min(len(layer.args), signature.positional):
            return layer.args[index].value
        default = signature.defaults[index]
        if default is REQUIRED:
            raise self.error(f"{layer.prefix}{layer.name} was made without `{name}`", node)
        return default

    def freeze(self, value: Any, trainable: bool = False) -> None:
        """Every weight in a module made non-trainable (requires_grad_(False), trainable=False),
        or trainable again (requires_grad_(True), trainable=True)."""
        stack, seen = [value], set()
        while stack:
            each = stack.pop()
            if id(each) in seen:
                continue
            seen.add(id(each))
            if isinstance(each, Layer):
                kept = tuple((k, a) for k, a in each.kwargs if k != "trainable")
                each.kwargs = kept if trainable else (*kept, ("trainable", Arg(False, each.where)))
            elif isinstance(each, Param):
                each.trainable = trainable
                if each.layer is not None:
                    stack.append(each.layer)
            elif isinstance(each, Container):
                stack.extend(each.items.values())
            elif isinstance(each, Instance) and each.cls.framework:
                stack.extend(each.attrs.values())
            elif isinstance(each, KerasModel):
                nodes = [each.output.node]
                while nodes:
                    node = nodes.pop()
                    if isinstance(node.layer, Layer):
                        stack.append(node.layer)
                    nodes.extend(node.inputs)

    def formatted(self, template: str, args: list[Any], kwargs: dict[str, Any], node: ast.Call) -> str:
        """str.format with plain fields only ({}, {0}, {name}): no attribute, index or format spec
        is read, so nothing of a real object is reached and no width makes a huge string."""
        out: list[str] = []
        automatic = 0
        for literal, field_name, spec, conversion in string.Formatter().parse(template):
            out.append(literal)
            if field_name is None:
                continue
            if spec or conversion or any(c in field_name for c in ".[]"):
                raise self.error("format fields are read plain: {}, {0} or {name}", node)
            if field_name == "":
                field_name, automatic = str(automatic), automatic + 1
            if field_name.isdigit():
                index = int(field_name)
                if index >= len(args):
                    raise self.error(f"format has no argument {index}", node)
                value = args[index]
            elif field_name in kwargs:
                value = kwargs[field_name]
            else:
                raise self.error(f"format has no argument `{field_name}`", node)
            out.append(str(self.plain(value, node)))
        text = "".join(out)
        if len(text) > MAX_STRING:
            raise self.error(f"strings are at most {MAX_STRING:,} characters", node)
        self.charge(len(text), node)
        return text

    def container_method(self, target: Container, name: str, args: list[Any], node: ast.Call) -> None:
        if name in ("add", "append") and len(args) == 1:
            item = args[0]
            if isinstance(item, Tensor) and target.framework == "keras" and not target.items:
                target.input = item  # model.add(keras.Input(shape=...))
                return
            self.module_item(item, node)
            target.items[str(len(target.items))] = item
        elif name == "extend" and len(args) == 1:
            for item in self.iterate(args[0], node):
                self.module_item(item, node)
                target.items[str(len(target.items))] = item
        elif name == "add_module" and len(args) == 2 and isinstance(args[0], str):
            self.module_item(args[1], node)
            target.items[args[0]] = args[1]
        elif name == "insert" and len(args) == 2 and type(args[0]) is int and target.kind == "ModuleList":
            self.module_item(args[1], node)
            items = list(target.items.values())
            items.insert(args[0], args[1])
            target.items = {str(index): item for index, item in enumerate(items)}
        elif name in ("add", "append"):
            raise self.error(f"`{name}(...)` takes one layer", node, "write one line for each layer")
        else:
            raise self.error(f"`{name}(...)` is not read here", node)
        if len(target.items) > MAX_LAYERS:
            raise self.error(f"a container of more than {MAX_LAYERS:,} layers", node)

    def module_item(self, item: Any, node: ast.AST) -> None:
        if not isinstance(item, Layer | Container | Instance | Param | Buffer):
            raise self.error(f"a model holds layers, not {_kind(item)}", node)

    # -- the frameworks' names --------------------------------------------------------------------

    def framework_call(self, path: str, args: list[Any], kwargs: dict[str, Any], node: ast.Call) -> Any:
        module, _, last = path.rpartition(".")
        if path in ("torch.nn.Sequential", "keras.Sequential"):
            return self.sequential(path, args, kwargs, node)
        if path in ("torch.nn.ModuleList", "torch.nn.ModuleDict"):
            items: dict[str, Any] = {}
            source = args[0] if args else ([] if last == "ModuleList" else {})
            if last == "ModuleList":
                for index, item in enumerate(self.iterate(source, node)):
                    self.module_item(item, node)
                    items[str(index)] = item
            else:
                pairs = (
                    source.items
                    if isinstance(source, _Pairs)
                    else list(source.items())
                    if isinstance(source, dict)
                    else None
                )
                if pairs is None:
                    raise self.error("nn.ModuleDict takes a dict of modules", node)
                for key, item in pairs:
                    self.module_item(item, node)
                    items[str(key)] = item
            return Container("pytorch", last, items, self.locate(node))
        if path == "collections.OrderedDict":
            pairs = self.listed(args[0], node) if args else []
            out: dict[Any, Any] = {}
            for pair in pairs:
                if not isinstance(pair, tuple) or len(pair) != 2:
                    raise self.error("OrderedDict takes (name, value) pairs", node)
                out[self.hashable(pair[0], node)] = pair[1]
            return out
        if path == "dataclasses.field":
            if "default" in kwargs:
                return FieldDefault(kwargs["default"])
            raise self.error("field() is read with default=", node)
        if path == "math." + last and last in _MATH:
            if any(isinstance(a, UnknownSize) for a in args):
                return UnknownSize()

            if not all(_is_number(a) and not is_symbolic(a) for a in args):
                raise self.error(f"math.{last}() takes numbers", node)
            try:
                return getattr(math, last)(*(args[0] if last == "prod" and len(args) == 1 else args))
            except (TypeError, ValueError, OverflowError) as exc:
                raise self.error(f"math.{last}(): {exc}", node) from None
        if path == "keras.Input":
            shape = kwargs.get("shape", args[0] if args else None)
            if isinstance(shape, tuple | list) and None in shape:  # (None,): any length, a name
                names = iter(_UNSIZED[sum(size is None for size in shape)])
                named = tuple(symbol(next(names)) if size is None else size for size in shape)
                args, kwargs = (
                    ([named, *args[1:]], kwargs)
                    if "shape" not in kwargs
                    else (args, {**kwargs, "shape": named})
                )
            made = Node(self.locate(node))
            made.layer = Call(
                "Input", self.positional(args, node), self.arguments(kwargs, node), self.locate(node)
            )
            return Tensor(made)
        if path == "keras.Model":
            return self.keras_model(args, kwargs, node)
        if path in frameworks.KERAS_MERGES:
            merge, cls = frameworks.KERAS_MERGES[path]
            given = kwargs.get("name")
            label = given if isinstance(given, str) else self.keras_label(cls)
            if last[:1].isupper():  # layers.Add(): a layer, then called on a list
                return _Merge(merge, label, kwargs, self.locate(node))
            if len(args) != 1:
                raise self.error(f"{last}() takes one list of tensors", node)
            return self.merged(merge, args[0], label, kwargs, node)
        if path in ("torch.cat", "torch.concat", "torch.concatenate"):
            tensors = args[0] if args else kwargs.get("tensors")
            dim = args[1] if len(args) > 1 else kwargs.get("dim", 0)
            if type(dim) is not int or dim == 0:
                raise self.error(
                    f"torch.cat along dim={dim!r} is not followed: it joins examples of the batch",
                    node,
                    "a table concatenates an example's own axes: dim=1 for channels",
                )
            if (
                isinstance(tensors, list | tuple)
                and len(tensors) == 2
                and any(isinstance(t, Param) for t in tensors)
            ):
                param, tensor = tensors if isinstance(tensors[0], Param) else tensors[::-1]
                if isinstance(param, Param) and isinstance(tensor, Tensor):
                    return self.with_parameter(param, tensor, "concat", node)
            return self.merged("concat", tensors, "", {"axis": dim}, node)
        if path in ("torch.add", "torch.mul") and len(args) == 2:
            return self.tensor_operator(ast.Add() if last == "add" else ast.Mult(), args[0], args[1], node)
        if path == "torch.flatten":
            return self.flatten(args, kwargs, node, method=False)
        if module in ("torch.nn.functional", "torch") and last in frameworks.FUNCTIONAL:
            if module == "torch" and last not in frameworks.TORCH_FUNCTIONS:
                return self.opaque(f"torch.{last}(...) is not followed", node, *args, *kwargs.values())
            return self.functional(last, args, kwargs, node)
        if path in ("torch.zeros", "torch.ones", "torch.randn", "torch.rand", "torch.empty", "torch.full"):
            sizes = args[0] if args and isinstance(args[0], tuple | list) else args
            if not sizes or not all(type(size) is int and size >= 0 for size in sizes):
                if self.tracing is not None:  # in forward: a tensor of its own, its sizes not known
                    return self.opaque(f"torch.{last}(...) of a tensor's sizes is not followed", node)
                raise self.error(
                    f"torch.{last}() takes whole sizes here, such as torch.zeros(1, 1, 768)", node
                )
            return TensorMaker(tuple(sizes))
        if path in frameworks.PARALLEL_WORLD:  # fs_init.get_model_parallel_world_size(): one process
            return frameworks.PARALLEL_WORLD[path]
        maker = self.made_from(path, args, node)
        if maker is not None:
            return maker
        if path == "torch.arange" and 1 <= len(args) <= 3 and all(_is_number(a) for a in args):
            return TensorMaker((len(range(*(int(a) for a in args))),))
        if path == "torch.nn.Parameter":
            data = args[0] if args else kwargs.get("data")
            if not isinstance(data, TensorMaker):
                raise self.error(
                    "nn.Parameter is read around torch.zeros(...), torch.randn(...) and their kin", node
                )
            trainable = kwargs.get("requires_grad", args[1] if len(args) > 1 else True)
            return Param(data.shape, trainable is not False, self.locate(node))
        if path == "torch.nn.TransformerEncoder":
            return self.encoder_stack(args, kwargs, node)
        if module == "torch.nn" and last[:1].isupper():
            if last in ("Parameter", "Module"):
                raise self.error(
                    f"nn.{last}(...) in pasted code is not read yet",
                    node,
                    'write the parameter as a layer of a block: nn.Parameter((1, 768), merge="concat")',
                )
            return self.layer("pytorch", last, args, kwargs, node)
        if module == "keras.layers" and last[:1].isupper():
            return self.layer("keras", last, args, kwargs, node)
        if path.startswith("torch."):
            return self.opaque(f"{path}(...) is not followed", node, *args, *kwargs.values())
        if path.startswith(("keras.", "tensorflow.")):
            raise self.not_followed(f"`{path}` is not followed", node)
        raise self.error(
            f"`{path}` is not read: nothing is imported, and only the frameworks' layers are known", node
        )

    def made_from(self, path: str, args: list[Any], node: ast.Call) -> TensorMaker | None:
        """A tensor torch makes from tensors of known sizes (torch.outer(t, freqs), torch.polar,
        torch.view_as_complex): its sizes; None when the arguments are not such tensors."""
        first = args[0] if args else None
        if not isinstance(first, TensorMaker):
            return None
        second = args[1] if len(args) == 2 and isinstance(args[1], TensorMaker) else None
        if path in ("torch.polar", "torch.complex"):  # (abs, angle), (real, imag): both made tensors
            return None if second is None else TensorMaker(self.broadcast(first.shape, second.shape, node))
        if path in frameworks.SAME_SHAPE:  # torch.triu(m, 1), torch.full_like(x, 0.5): the first's sizes
            return first
        if path in ("torch.outer", "torch.ger") and second is not None:
            if len(first.shape) != 1 or len(second.shape) != 1:
                raise self.error(f"{path}() takes two tensors of one axis", node)
            return TensorMaker((first.shape[0], second.shape[0]))
        if path == "torch.view_as_complex" and len(args) == 1:
            if not first.shape or first.shape[-1] != 2:
                raise self.error("torch.view_as_complex() takes a tensor whose last axis is 2", node)
            return TensorMaker(first.shape[:-1])
        if path == "torch.view_as_real" and len(args) == 1:
            return TensorMaker((*first.shape, 2))
        return None

    def broadcast(self, left: tuple[Any, ...], right: tuple[Any, ...], node: ast.AST) -> tuple[Any, ...]:
        """The sizes two tensors of known sizes broadcast to, as torch broadcasts them."""
        out: list[Any] = []
        for index in range(1, max(len(left), len(right)) + 1):
            a = left[-index] if index <= len(left) else 1
            b = right[-index] if index <= len(right) else 1
            if a != b and 1 not in (a, b):
                raise self.error(
                    f"tensors of sizes {left} and {right} do not broadcast together",
                    node,
                    "torch broadcasts sizes that are equal, or 1, axis by axis from the last",
                )
            out.append(b if a == 1 else a)
        return tuple(reversed(out))

    def arguments(
        self, kwargs: dict[str, Any], node: ast.Call, wrapper: bool = False
    ) -> tuple[tuple[str, Arg], ...]:
        where = {kw.arg: self.locate(kw) for kw in node.keywords if kw.arg}
        return tuple(
            (
                key,
                Arg(
                    self.layer_value(value, where.get(key, node), wrapper), where.get(key, self.locate(node))
                ),
            )
            for key, value in kwargs.items()
        )

    def positional(self, args: list[Any], node: ast.Call, wrapper: bool = False) -> tuple[Arg, ...]:
        """A layer's positional arguments, each where it is written (unless *unpacked)."""
        written = [a for a in node.args if not isinstance(a, ast.Starred)]
        places = [self.locate(a) for a in written] if len(written) == len(args) else []
        return tuple(
            Arg(
                self.layer_value(value, places[i] if places else node, wrapper and i == 0),
                places[i] if places else self.locate(node),
            )
            for i, value in enumerate(args)
        )

    def layer_value(self, value: Any, node: ast.AST | Location, wrapper: bool = False) -> Any:
        """A value as a layer's argument: numbers, strings, tuples (a list is one); the layer a
        Keras wrapper (Bidirectional, TimeDistributed) holds."""
        if isinstance(value, UnknownSize):
            raise self.not_followed("a layer made from a tensor's size is not followed", node)
        if isinstance(value, _PLAIN) or is_symbolic(value):
            return value
        if isinstance(value, list | tuple):
            if len(value) > MAX_ARGUMENTS:
                raise self.error(f"a layer's argument holds at most {MAX_ARGUMENTS} items", node)
            return tuple(self.layer_value(v, node) for v in value)
        if isinstance(value, Layer) and wrapper:
            return self.call_of(value)
        raise self.error(f"a layer's arguments are numbers, strings and tuples, not {_kind(value)}", node)

    def call_of(self, layer: Layer) -> Call:
        """The block's call for a layer, named as the code names it."""
        return Call(
            layer.name,
            layer.args,
            layer.kwargs,
            layer.where,
            layer.prefix,
            label=layer.label,
            width=layer.width,
        )

    def layer(
        self, framework: str, name: str, args: list[Any], kwargs: dict[str, Any], node: ast.Call
    ) -> Layer:
        self.layers += 1
        if self.layers > MAX_LAYERS:
            raise self.error(
                f"the code makes more than {MAX_LAYERS:,} layers",
                node,
                "split the network into several blocks",
            )
        wrapper = framework == "keras" and name in WRAPPERS
        placed = self.positional(args, node, wrapper)
        label = ""
        if framework == "keras":
            given = kwargs.get("name")
            kind = ALIASES["keras"].get(name, name)
            label = given if isinstance(given, str) else self.keras_label(kind)
            for inner in KERAS_OWN_LAYERS.get(kind, ()):  # made inside it, named after it
                self.keras_label(inner)
        return Layer(framework, name, placed, self.arguments(kwargs, node, wrapper), self.locate(node), label)

    def keras_label(self, kind: str) -> str:
        base = keras_name(kind)
        n = self.keras_names.get(base, 0)
        self.keras_names[base] = n + 1
        return base if n == 0 else f"{base}_{n}"

    def sequential(self, path: str, args: list[Any], kwargs: dict[str, Any], node: ast.Call) -> Container:
        framework = "pytorch" if path.startswith("torch") else "keras"
        container = Container(framework, "Sequential", {}, self.locate(node))
        if framework == "pytorch":
            if kwargs:
                raise self.error("nn.Sequential takes its modules in order, without keywords", node)
            if len(args) == 1 and isinstance(args[0], dict):
                for key, item in args[0].items():
                    self.module_item(item, node)
                    container.items[str(key)] = item
                return container
            written = [a for a in node.args if not isinstance(a, ast.Starred)]
            for index, item in enumerate(args):
                self.module_item(item, written[index] if len(written) == len(args) else node)
                container.items[str(len(container.items))] = item
            return container
        layers = args[0] if args else kwargs.get("layers")
        for key in kwargs:
            if key not in ("layers", "name", "trainable"):
                raise self.error(f"Sequential: `{key}` is not read", node)
        if layers is not None:
            if not isinstance(layers, list | tuple):
                raise self.error("keras.Sequential takes one list of layers", node)
            listed = node.args[0] if node.args else None
            elements = listed.elts if isinstance(listed, ast.List | ast.Tuple) else []
            for index, item in enumerate(layers):
                element = elements[index] if len(elements) == len(layers) else node
                if not isinstance(item, Layer | Container | Instance | Tensor):
                    raise self.error(f"keras.Sequential holds layers, not {_kind(item)}", element)
                self.container_method(container, "add", [item], node)
        self.keras_label("Sequential")
        container.frozen = kwargs.get("trainable", True) is False
        return container

    def keras_model(self, args: list[Any], kwargs: dict[str, Any], node: ast.Call) -> KerasModel:
        inputs = args[0] if args else kwargs.get("inputs")
        outputs = args[1] if len(args) > 1 else kwargs.get("outputs")
        inputs = inputs[0] if isinstance(inputs, list | tuple) and len(inputs) == 1 else inputs
        outputs = outputs[0] if isinstance(outputs, list | tuple) and len(outputs) == 1 else outputs
        if not isinstance(inputs, Tensor) or not isinstance(outputs, Tensor):
            raise self.error(
                "keras.Model(inputs, outputs) is read with one input and one output tensor",
                node,
                "a table shows a model with one input and one output",
            )
        for key in kwargs:
            if key not in ("inputs", "outputs", "name", "trainable"):
                raise self.error(f"keras.Model: `{key}` is not read", node)
        self.keras_label("Functional")
        return KerasModel(inputs, outputs, self.locate(node), kwargs.get("trainable", True) is False)

    # -- tensors ----------------------------------------------------------------------------------

    def at(self, node: ast.AST | Location) -> Location:
        return node if isinstance(node, Location) else self.locate(node)

    def applied(self, module: Any, value: Any, node: ast.AST | Location) -> Any:
        """A module called on a tensor: the tensor it gives."""
        if isinstance(module, _Merge):
            module.uses += 1
            return self.merged(module.merge, value, module.label, module.kwargs, node, shares=module.uses > 1)
        if not isinstance(value, Tensor):
            raise self.error(f"a layer is called on a tensor, not on {_kind(value)}", node)
        if isinstance(module, Layer):
            self.traced(node)
            return Tensor(Node(self.at(node), (value.node,), module))
        if isinstance(module, Container):
            if module.frozen:
                self.freeze(module)
            if module.kind != "Sequential":
                raise self.error(f"nn.{module.kind} is not called: call its items", node)
            for item in module.items.values():
                value = self.applied(item, value, node)
            return value
        if isinstance(module, Instance):
            found = module.cls.find("call" if module.cls.framework == "keras" else "forward")
            if found is None and module.cls.sequential:  # nn.Sequential's own forward: each module in turn
                for item in module.attrs.values():
                    if isinstance(item, Layer | Container | Instance) and not (
                        isinstance(item, Instance) and not item.cls.framework
                    ):
                        value = self.applied(item, value, node)
                return value
            return self.forwarded(module, [value], {}, node)
        if isinstance(module, KerasModel):
            raise self.error(
                "a model called inside another is not read yet", node, "paste the inner model's layers"
            )
        raise self.error(f"{_kind(module)} cannot be called on a tensor", node)

    def encoder_stack(self, args: list[Any], kwargs: dict[str, Any], node: ast.Call) -> Container:
        """nn.TransformerEncoder(encoder_layer, num_layers, norm=None): torch deep-copies the
        layer num_layers times (layers.0, layers.1, ...), then applies the norm."""
        names = ("encoder_layer", "num_layers", "norm", "enable_nested_tensor", "mask_check")
        given = dict(zip(names, args, strict=False))
        for key, value in kwargs.items():
            if key not in names or key in given:
                raise self.error(f"nn.TransformerEncoder has no argument `{key}`, or it is given twice", node)
            given[key] = value
        layer, count = given.get("encoder_layer"), given.get("num_layers")
        if not isinstance(layer, Layer) or type(count) is not int or not 1 <= count <= MAX_LAYERS:
            raise self.error("nn.TransformerEncoder takes an encoder layer and a number of layers", node)
        stack = Container("pytorch", "Sequential", {}, self.locate(node))
        copies = {
            str(i): Layer(layer.framework, layer.name, layer.args, layer.kwargs, layer.where)
            for i in range(count)
        }
        self.layers += count
        stack.items["layers"] = Container("pytorch", "Sequential", copies, self.locate(node))
        norm = given.get("norm")
        if norm is not None:
            self.module_item(norm, node)
            stack.items["norm"] = norm
        return stack

    def attention(self, layer: Layer, args: list[Any], kwargs: dict[str, Any], node: ast.Call) -> Any:
        """nn.MultiheadAttention(query, key, value, ...) → (output, weights): self-attention when the
        three are one tensor; else (cross-attention) the output's shape is not followed."""
        given = [*args, *(kwargs[k] for k in ("query", "value", "key") if k in kwargs)]
        if layer.framework == "keras" and len(given) == 2:  # layer(query, value): the key is the value
            given.append(given[1])
        if len(given) != 3 or not all(isinstance(t, Tensor) for t in given):
            raise self.error(f"{layer.prefix}{layer.name} is called on a query, a key and a value", node)
        query, key, value = given
        if query is key is value or query.node is key.node is value.node:
            out = self.applied(layer, query, node)
        else:
            joined = self.opaque(
                "attention of a query to other keys and values is not followed", node, *given
            )
            out = self.applied(layer, joined, node)
        return (out, Opaques(out, "attention weights are not followed"))

    def forwarded(
        self, module: Instance, args: list[Any], kwargs: dict[str, Any], node: ast.AST | Location
    ) -> Any:
        """A module class's forward (Keras: call) on what it is given: what it returns."""
        method = "call" if module.cls.framework == "keras" else "forward"
        found = module.cls.find(method)
        if found is None and module.cls.sequential and len(args) == 1 and not kwargs:
            return self.applied(module, args[0], node)
        if found is None or not isinstance(found[0], Function):
            raise self.error(f"{module.cls.name} has no {method}() method to follow", node)
        return self.invoke(found[0], [module, *args], kwargs, node)

    def merged(
        self,
        merge: str,
        tensors: Any,
        label: str,
        kwargs: dict[str, Any],
        node: ast.AST | Location,
        *,
        shares: bool = False,
    ) -> Tensor:
        if (
            not isinstance(tensors, list | tuple)
            or len(tensors) < 2
            or not all(isinstance(t, Tensor) for t in tensors)
        ):
            raise self.error("a merge takes a list of two or more tensors", node)
        axis = kwargs.get("axis", -1)
        if merge == "concat" and (type(axis) is not int or axis == 0):
            raise self.not_followed(f"concatenation along axis={axis!r} is not followed", node)
        self.traced(node)
        merged = Node(self.at(node), tuple(t.node for t in tensors), merge=merge, label=label, shares=shares)
        merged.axis = axis if merge == "concat" and axis != -1 else None
        return Tensor(merged)

    def tensor_operator(self, op: ast.operator, left: Any, right: Any, node: ast.AST) -> Tensor:
        buffer = left if isinstance(left, Buffer) else right if isinstance(right, Buffer) else None
        other = right if buffer is left else left
        if buffer is not None and isinstance(other, Tensor) and isinstance(op, ast.Add | ast.Mult):
            self.traced(node)
            return Tensor(Node(self.locate(node), (other.node,), buffer.as_layer()))
        param = left if isinstance(left, Param) else right if isinstance(right, Param) else None
        tensor = right if param is left else left
        if param is not None and isinstance(tensor, Tensor) and isinstance(op, ast.Add | ast.Mult):
            return self.with_parameter(param, tensor, "add" if isinstance(op, ast.Add) else "multiply", node)
        if isinstance(left, Tensor) and isinstance(right, Tensor) and isinstance(op, ast.Add | ast.Mult):
            merge = "add" if isinstance(op, ast.Add) else "multiply"
            self.traced(node)
            return Tensor(Node(self.locate(node), (left.node, right.node), merge=merge))
        return self.opaque("this arithmetic on tensors is not followed", node, left, right)

    def with_parameter(self, param: Param, tensor: Tensor, merge: str, node: ast.AST) -> Tensor:
        """A parameter added to, multiplied with or put before the tensor: a Parameter layer."""
        layer = param.as_layer(merge)
        if layer.kwargs[1][1].value != merge:
            raise self.error(
                f"this parameter is used both by {layer.kwargs[1][1].value} and by {merge}",
                node,
                "a table reads one use of each parameter",
            )
        self.traced(node)
        return Tensor(Node(self.locate(node), (tensor.node,), layer))

    def functional(self, name: str, args: list[Any], kwargs: dict[str, Any], node: ast.Call) -> Tensor:
        kind, positional = frameworks.FUNCTIONAL[name]
        if not args or not isinstance(args[0], Tensor):
            given = kwargs.pop("input", None)
            if not isinstance(given, Tensor):
                raise self.error(f"{name}() is followed on a tensor", node)
            args = [given, *args]
        if len(args) - 1 > len(positional):
            raise self.error(f"{name}() takes at most {len(positional)} arguments after the tensor", node)
        named = dict(zip(positional, args[1:], strict=False))
        for key, value in kwargs.items():
            if key in named:
                raise self.error(f"{name}(): `{key}` is given twice", node)
            named[key] = value
        for key in frameworks.DROPPED_KEYWORDS:
            named.pop(key, None)
        layer = Layer(
            "pytorch",
            kind,
            (),
            tuple((k, Arg(self.layer_value(v, node), self.locate(node))) for k, v in named.items()),
            self.locate(node),
            functional=True,
        )
        self.traced(node)
        return Tensor(Node(self.locate(node), (args[0].node,), layer))

    def flatten(self, args: list[Any], kwargs: dict[str, Any], node: ast.Call, *, method: bool) -> Tensor:
        tensor = args[0]
        rest = args[1:]
        start = rest[0] if rest else kwargs.get("start_dim", 0)
        end = rest[1] if len(rest) > 1 else kwargs.get("end_dim", -1)
        if not isinstance(tensor, Tensor):
            raise self.error(f"flatten() is followed on a tensor, not on {_kind(tensor)}", node)
        if type(start) is not int or type(end) is not int or start == 0:  # the batch's axis too
            return self.opaque(f"flatten from dim {start!r} is not followed", node, tensor)
        if (start, end) == (1, -1):
            return self.flattened(tensor, node)
        kwargs_ = (("start_dim", Arg(start, self.locate(node))), ("end_dim", Arg(end, self.locate(node))))
        layer = Layer("pytorch", "Flatten", (), kwargs_, self.locate(node), functional=True)
        self.traced(node)
        return Tensor(Node(self.locate(node), (tensor.node,), layer))  # x.flatten(2): nn.Flatten(2)

    def flattened(self, tensor: Tensor, node: ast.Call, width: int = 0) -> Tensor:
        layer = Layer("pytorch", "Flatten", (), (), self.locate(node), functional=True, width=width)
        self.traced(node)
        return Tensor(Node(self.locate(node), (tensor.node,), layer))

    def tensor_method(
        self, tensor: Tensor, name: str, args: list[Any], kwargs: dict[str, Any], node: ast.Call
    ) -> Any:
        if name == "size":
            if not args and not kwargs:
                return TensorShape()
            if args == [0]:
                return BatchSize()
            return UnknownSize()
        if name in ("view", "reshape"):
            sizes = args[0] if len(args) == 1 and isinstance(args[0], tuple | list) else args
            if len(sizes) == 2 and (
                (isinstance(sizes[0], BatchSize) and sizes[1] == -1)
                or (sizes[0] == -1 and isinstance(sizes[1], int))
            ):
                return self.flattened(tensor, node, sizes[1] if sizes[0] == -1 else 0)
            return self.opaque(f"x.{name}(...) to this shape is not followed", node, tensor)
        if name == "flatten":
            return self.flatten([tensor, *args], kwargs, node, method=True)
        if name in ("contiguous", "clone", "detach", "float"):
            return tensor
        if name in frameworks.TENSOR_METHODS:
            return self.functional(name, [tensor, *args], kwargs, node)
        if name in ("split", "chunk", "unbind", "tensor_split"):
            return Opaques(tensor, f"x.{name}(...) is not followed")
        return self.opaque(f"x.{name}(...) is not followed", node, tensor, *args, *kwargs.values())


_UNFOLLOWED_KERAS = (
    "a Keras model is read from its layers: keras.Input, layers.X(...)(x), layers.add, "
    "layers.concatenate, layers.multiply and keras.Model(inputs, outputs); write this step as a layer"
)
_UNFOLLOWED = (
    "the reader follows layers, F.relu and the like, torch.flatten(x, 1), x.view(x.size(0), -1), "
    "x + y, x * y and torch.cat([...], 1); write the rest as layers of a block"
)


@dataclass(frozen=True)
class _Pairs:
    """What enumerate(), zip() and dict.items() give: pairs to loop over."""

    items: list[tuple[Any, ...]]


@dataclass(eq=False)
class _Merge:
    """layers.Add() and its kin, before they are called on a list of tensors."""

    merge: str
    label: str
    kwargs: dict[str, Any]
    where: Location
    uses: int = 0


# What a top-level statement that changes a model calls or sets: such a statement is never read past.
_CHANGING = frozenset(
    (
        "add",
        "add_module",
        "append",
        "extend",
        "insert",
        "register_buffer",
        "register_parameter",
        "requires_grad_",
        "requires_grad",
        "trainable",
        "Sequential",
        "Model",
        "Input",
        "pop",
        "remove",
        "clear",
        "setattr",
        "delattr",
        "__setattr__",
        "__delattr__",
    )
)


_LIST_CHANGES = frozenset(("append", "extend", "insert", "pop", "remove", "clear"))
_IN_PLACE = _LIST_CHANGES | {"update", "setdefault"}


def _changes_model(node: ast.stmt, names: dict[str, Any]) -> bool:
    """Whether a top-level statement may build or change a model, so that an error in it must
    be said: it adds a layer, registers a weight, freezes, makes a model, or sets, deletes or
    grows something that holds layers (`names`, the top level's, say what each name holds)."""

    def holds_layers(target: ast.expr) -> bool:
        while isinstance(target, ast.Attribute | ast.Subscript | ast.Call):
            target = target.func if isinstance(target, ast.Call) else target.value
        value = names.get(target.id) if isinstance(target, ast.Name) else None
        if isinstance(value, list | tuple | dict):
            return any(_is_part(v) for v in (value.values() if isinstance(value, dict) else value))
        return _is_part(value)

    def makes_layers(value: ast.AST | None) -> bool:  # a layer, a framework's or the code's class
        return value is not None and any(
            (isinstance(n, ast.Name) and (n.id in _FRAMEWORK_NAMES or _is_part_class(names.get(n.id))))
            or (isinstance(n, ast.Attribute) and n.attr[:1].isupper())
            for n in ast.walk(value)
        )

    for part in ast.walk(node):
        if isinstance(part, ast.Attribute) and part.attr in _CHANGING - _LIST_CHANGES:
            return True
        if isinstance(part, ast.Name) and part.id in _CHANGING - _LIST_CHANGES:
            return True
        if (
            isinstance(part, ast.Call)
            and isinstance(part.func, ast.Attribute)
            and part.func.attr in _LIST_CHANGES
        ) and (holds_layers(part.func.value) or any(makes_layers(a) for a in part.args)):
            return True  # layers.append(nn.Conv2d(...)), model.pop(-1)
        targets: list[ast.expr] = part.targets if isinstance(part, ast.Assign | ast.Delete) else []
        if isinstance(part, ast.AugAssign | ast.AnnAssign):
            targets = [part.target]
        stored = part.value if isinstance(part, ast.Assign | ast.AugAssign | ast.AnnAssign) else None
        for target in targets:
            if isinstance(target, ast.Attribute | ast.Subscript) and (
                holds_layers(target) or makes_layers(stored)
            ):
                return True  # model.fc = ..., model[3] = ..., del model[-1]
    return False


_FRAMEWORK_NAMES = frozenset(("nn", "layers", "keras", "tf", "torch"))


def _is_part_class(value: Any) -> bool:
    return isinstance(value, ClassValue) and bool(value.framework)


def _is_part(value: Any) -> bool:
    return isinstance(value, Layer | Container | KerasModel | Param | Buffer) or (
        isinstance(value, Instance) and bool(value.cls.framework)
    )


def _set_names(node: ast.stmt) -> set[str]:
    """The plain names a statement assigns, anywhere inside it, and those whose list or dict it
    changes in place (x.append(...), x[i] = ...)."""
    names: set[str] = set()
    for part in ast.walk(node):
        changed = part.func if isinstance(part, ast.Call) and isinstance(part.func, ast.Attribute) else None
        if changed is not None and changed.attr in _IN_PLACE and isinstance(changed.value, ast.Name):
            names.add(changed.value.id)
        if (
            isinstance(part, ast.Subscript)
            and isinstance(part.ctx, ast.Store | ast.Del)
            and isinstance(part.value, ast.Name)
        ):
            names.add(part.value.id)  # x[i] = ..., del x[i]
        targets: list[ast.expr] = []
        if isinstance(part, ast.Assign):
            targets = part.targets
        elif isinstance(part, ast.AugAssign | ast.AnnAssign | ast.For):
            targets = [part.target]
        elif isinstance(part, ast.With):
            targets = [item.optional_vars for item in part.items if item.optional_vars is not None]
        for target in targets:
            names |= {n.id for n in ast.walk(target) if isinstance(n, ast.Name)}
    return names


def _every_weight_set(loop: ast.For) -> bool | None:
    """What a loop over every module or weight does to all of them, when its body is one line
    that does it to the loop's own variable (p.requires_grad = False, m.requires_grad_(True));
    None for anything else."""
    if len(loop.body) != 1 or not isinstance(loop.target, ast.Name):
        return None
    body, name = loop.body[0], loop.target.id

    def own(target: ast.expr) -> bool:
        return isinstance(target, ast.Name) and target.id == name

    if (
        isinstance(body, ast.Assign)
        and len(body.targets) == 1
        and isinstance(body.targets[0], ast.Attribute)
        and body.targets[0].attr == "requires_grad"
        and own(body.targets[0].value)
        and isinstance(body.value, ast.Constant)
        and isinstance(body.value.value, bool)
    ):
        return body.value.value
    if isinstance(body, ast.Expr) and isinstance(body.value, ast.Call):
        call = body.value
        if (
            isinstance(call.func, ast.Attribute)
            and call.func.attr == "requires_grad_"
            and own(call.func.value)
        ):
            if not call.args and not call.keywords:
                return True
            given = call.args[0] if call.args else call.keywords[0].value
            if isinstance(given, ast.Constant) and isinstance(given.value, bool):
                return given.value
    return None


def _flat(values: Any) -> Iterator[Any]:
    """Values, and the items of lists and tuples among them (torch.stack([a, b]))."""
    for value in values:
        if isinstance(value, list | tuple):
            yield from _flat(value)
        else:
            yield value


def _is_number(value: Any) -> bool:
    return (isinstance(value, int | float) and not isinstance(value, bool)) or is_symbolic(value)


def _is_model(value: Any) -> bool:
    return isinstance(value, Container | KerasModel) or (
        isinstance(value, Instance) and bool(value.cls.framework)
    )


def _targets_names(node: ast.Assign | ast.AnnAssign) -> bool:
    """Whether an assignment sets plain names only ((x_train, y_train), (x_test, y_test) = ...)."""
    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
    return all(
        isinstance(n, ast.Name | ast.Tuple | ast.List | ast.Store) for t in targets for n in ast.walk(t)
    )


def _loaded(target: ast.expr) -> ast.expr:
    """The target of `x += y` read as a value."""
    copy = ast.parse(ast.unparse(target), mode="eval").body
    ast.copy_location(copy, target)
    for child in ast.walk(copy):
        ast.copy_location(child, target)
    return copy


def _kind(value: Any) -> str:
    if isinstance(value, Tensor):
        return "a tensor"
    if isinstance(value, Layer):
        return f"a layer ({value.prefix}{value.name})"
    if isinstance(value, Instance):
        return f"a {value.cls.name}"
    if isinstance(value, ClassValue):
        return f"the class {value.name}"
    if isinstance(value, Namespace):
        return f"`{value.path}`"
    if isinstance(value, Container):
        return f"a {value.kind}"
    if value is None:
        return "None"
    if isinstance(value, TensorMaker | Param):
        return "a tensor of weights"
    if isinstance(value, Placement):
        return "a tensor's device or dtype"
    if isinstance(value, BatchSize):
        return "the batch size"
    if isinstance(value, UnknownSize):
        return "a tensor's size"
    if isinstance(value, WeightOf):
        return "a layer's weights"
    if isinstance(value, Opaques):
        return "tensors split from one"
    if isinstance(value, TensorShape):
        return "a tensor's shape"
    if isinstance(value, Function | Bound | Method | Builtin):
        return "a function"
    if isinstance(value, KerasModel):
        return "a Keras model"
    if isinstance(value, Super):
        return "super()"
    if isinstance(value, _Merge):
        return "a merge layer"
    plain = {bool: "True or False", int: "a number", float: "a number", str: "a string", list: "a list"}
    return plain.get(type(value), f"a {type(value).__name__}")


def _described(node: ast.AST) -> str:
    return type(node).__name__.lower() + " statement" if isinstance(node, ast.stmt) else type(node).__name__

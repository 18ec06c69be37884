"""A block's body → its layer calls: the block language, or model code pasted as written.

Pasted code is evaluated statically (`evaluate.py`): its top level binds names, defines classes
and makes models; the model meant is then applied to the input, which traces `forward` (or
Keras' `call`) into a graph of tensors (`graph.py`), and the graph nests into the block's calls.
"""

from __future__ import annotations

import ast
import re
from dataclasses import replace
from typing import Any

from mkdocs_paramcalc.code import frameworks
from mkdocs_paramcalc.code.evaluate import (
    MAX_EVAL_DEPTH,
    Buffer,
    ClassValue,
    Container,
    Evaluator,
    Function,
    Instance,
    KerasModel,
    Layer,
    NotFollowedError,
    NotGiven,
    Param,
    Tensor,
    Unreadable,
)
from mkdocs_paramcalc.code.graph import Node, calls_of
from mkdocs_paramcalc.errors import BlockError, Location
from mkdocs_paramcalc.reading.options import Options
from mkdocs_paramcalc.reading.parse import Arg, Call, Locator, check_text, module_tree, parse_block

# What marks a block as code rather than one layer a line: a statement that a block never holds
# (a class, a def, a loop, an assignment), or a whole model made by its framework.
_CODE = re.compile(
    r"^[ \t]*(?:class|def|for|if|while|with|try|return|async)\b|^[ \t]*@"
    r"|^[ \t]*[A-Za-z_][\w.]*(?:\s*,\s*[A-Za-z_][\w.]*)*\s*(?:[-+*/%@&|^]|//|\*\*|>>|<<)?=(?!=)"
    r"|Sequential\s*\(",
    re.MULTILINE,
)
_MODEL_HINT = 'say which with model="Name"'


def read_block(text: str, options: Options) -> tuple[Call, ...]:
    """The layer calls of a block's body (line 1 is its first line)."""
    if _CODE.search(text) is None:  # the common case, decided without parsing
        return parse_block(text)
    check_text(text)
    lines = text.split("\n")
    common = min((len(line) - len(line.lstrip(" ")) for line in lines if line.strip()), default=0)
    stripped = [line[common:] for line in lines]
    # A notebook's IPython lines (%matplotlib inline, !pip install torch) are not Python: blank.
    parsed = _python_lines(stripped)
    try:
        tree = module_tree("\n".join(parsed))
    except (SyntaxError, RecursionError, MemoryError, ValueError):
        tree = None
    if tree is None or not _is_code(tree):  # the block language reports its own errors
        return parse_block(text)
    return read_code(tree, Locator(stripped, [common] * len(stripped)), options)


_SHELL = re.compile(r"^\s*[\w.]+\s*=\s*!")  # files = !ls


def _ipython(line: str) -> bool:
    """A notebook line that is IPython's, not Python's: %magic, !shell, files = !ls, model?"""
    text = line.strip()
    return text[:1] in ("%", "!") or text.endswith("?") or _SHELL.match(line) is not None


# Cell magics whose body is not Python (%%time's and %%capture's are).
_OTHER_CELLS = re.compile(
    r"\s*%%(bash|sh|script|html|javascript|js|latex|markdown|svg|writefile|perl|ruby)\b"
)


def _python_lines(lines: list[str]) -> list[str]:
    """The lines, each IPython line blank, and a %%bash cell's body to the next blank line."""
    out: list[str] = []
    in_cell = False
    for line in lines:
        in_cell = (in_cell and bool(line.strip())) or _OTHER_CELLS.match(line) is not None
        out.append("" if in_cell or _ipython(line) else line)
    return out


def _is_code(tree: ast.Module) -> bool:
    """Whether a block holds code: a statement other than an import or a layer's call, or a
    call that makes a whole model."""
    for node in tree.body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            continue
        if not isinstance(node, ast.Expr) or not isinstance(node.value, ast.Call):
            return True
        func = node.value.func
        if isinstance(func, ast.Attribute) and func.attr in ("Sequential", "Model", "add", "summary"):
            return True
        if isinstance(func, ast.Name) and func.id in ("Sequential", "Model"):
            return True
    return False


def read_code(tree: ast.Module, locate: Locator, options: Options) -> tuple[Call, ...]:
    """The layer calls of the model that pasted code makes, read without running any of it."""
    evaluator = Evaluator(locate)
    try:
        evaluator.module(tree)
        model = _model(evaluator, tree, options)
        return tuple(_traced(evaluator, model))
    except RecursionError:  # the bounds should come first; this is the last guard
        raise BlockError(
            f"the code is nested too deeply to read (more than {MAX_EVAL_DEPTH} levels)", Location(1, 1)
        ) from None


def _model(evaluator: Evaluator, tree: ast.Module, options: Options) -> Any:
    """The model the block means: model= on the fence, else the one model the code makes (or
    the one class or factory function that nothing else uses)."""
    if options.model is not None:
        name = options.model.value.strip()
        value = evaluator.globals.get(name)
        if value is None or not _could_be_model(value):
            defined = ", ".join(name for name, _ in _candidates(evaluator, tree)) or "none"
            raise BlockError(
                f"the code defines no model {name!r} (its models: {defined})", options.model.where
            )
        return _made(evaluator, value, options.model.where)
    _model_lines_read(evaluator)
    candidates = _candidates(evaluator, tree)
    if len(candidates) == 1:
        return _made(evaluator, candidates[0][1], Location(1, 1))
    unreadable = [v.error for v in evaluator.globals.values() if isinstance(v, Unreadable)]
    if unreadable:  # the model was among the lines that could not be read
        raise unreadable[0]
    if not candidates:
        raise BlockError(
            "the code makes no model",
            Location(1, 1),
            "end it with a line such as model = Net(), or define one nn.Module or keras.Model class",
        )
    names = ", ".join(name for name, _ in candidates)
    raise BlockError(f"the code defines several models ({names})", Location(1, 1), _MODEL_HINT)


def _model_lines_read(evaluator: Evaluator) -> None:
    """A top-level line that could not be read, and that makes a model (it calls a model class,
    a factory or a framework's Sequential or Model), is an error: another model is not shown
    in its place. Other such lines (a notebook's data loaders, devices) are read past."""
    makers = {cls.name for cls in evaluator.classes if cls.framework}
    makers |= {name for name, _ in evaluator.functions} | {"Sequential", "Model"}
    for error, node in evaluator.unreadable:
        if node.value is None:
            continue
        words = {n.id for n in ast.walk(node.value) if isinstance(n, ast.Name)}
        words |= {n.attr for n in ast.walk(node.value) if isinstance(n, ast.Attribute)}
        if words & makers:
            raise error


def _could_be_model(value: Any) -> bool:
    if isinstance(value, ClassValue):
        return bool(value.framework)
    return isinstance(value, Container | KerasModel | Function) or (
        isinstance(value, Instance) and bool(value.cls.framework)
    )


def _made(evaluator: Evaluator, value: Any, where: Location) -> Any:
    """A class instantiated, or a factory function called, without arguments; else the value."""
    if isinstance(value, ClassValue):
        return evaluator.instantiate(value, [], {}, value.node or where)
    if isinstance(value, Function):
        return evaluator.invoke(value, [], {}, value.node)
    return value


def _candidates(evaluator: Evaluator, tree: ast.Module) -> list[tuple[str, Any]]:
    """The models the code may mean: each made at its top level and part of no other, and each
    model class or factory function without arguments that nothing in the code uses."""
    made: dict[str, Any] = {}
    for name, value, _ in evaluator.models:
        made.pop(name, None)
        made[name or "the model on its own line"] = value
    parts = {name: {id(part) for part in _parts(value)} for name, value in made.items()}
    found = []
    for name, value in made.items():
        others = set().union(*(ids for other, ids in parts.items() if other != name))
        own = _layers(value)
        if id(value) not in others and not (own and own <= others):  # not a part of another model
            found.append((name, value))
    if found:  # a model the code makes is the one meant, rather than a class it does not use
        return found
    definitions: list[tuple[str, Any, ast.AST]] = [
        (cls.name, cls, cls.node) for cls in evaluator.classes if cls.framework and cls.node is not None
    ]
    model_names = {name for name, _, _ in definitions}
    for name, function in evaluator.functions:
        spec = function.node.args
        required = len(spec.posonlyargs) + len(spec.args) - len(spec.defaults)
        used = {n.id for n in ast.walk(function.node) if isinstance(n, ast.Name)}
        if required == 0 and (used & model_names or _makes_model(function.node)):
            definitions.append((name, function, function.node))
    referenced: set[str] = set()
    for statement in tree.body:
        defined = statement.name if isinstance(statement, ast.ClassDef | ast.FunctionDef) else None
        referenced |= {n.id for n in ast.walk(statement) if isinstance(n, ast.Name) and n.id != defined}
    found += [(name, value) for name, value, _ in definitions if name not in referenced]
    return found


def _layers(value: Any) -> set[int]:
    """The layers a model holds (a model made of another's layers is part of it)."""
    return {id(part) for part in _parts(value) if isinstance(part, Layer)}


def _parts(value: Any) -> list[Any]:
    """Every module inside a model, itself excluded; a Keras graph's layers."""
    if isinstance(value, KerasModel):
        seen: dict[int, Any] = {}
        nodes = [value.output.node]
        while nodes and len(seen) <= 10_000:
            node = nodes.pop()
            if isinstance(node.layer, Layer):
                seen[id(node.layer)] = node.layer
            nodes.extend(node.inputs)
        return list(seen.values())
    return [part for _, part in _tree(value)[1:]]


def _makes_model(node: ast.FunctionDef) -> bool:
    return any(isinstance(n, ast.Attribute) and n.attr in ("Sequential", "Model") for n in ast.walk(node))


def _traced(evaluator: Evaluator, model: Any) -> list[Call]:
    """The model applied to its input, its graph nested into calls, every module accounted for."""
    input_call = evaluator.input_call
    if isinstance(model, KerasModel):
        if model.frozen:
            evaluator.freeze(model)
        start, output = model.input.node, model.output.node
    elif isinstance(model, Container | Instance | Layer):
        if _framework_of(model) == "pytorch":
            _label(model)
        start = Node(Location(1, 1))
        if isinstance(model, Container) and model.input is not None:
            start = model.input.node
        evaluator.tracing = start  # operations not followed make tensors of unknown shapes
        try:
            output = _output(evaluator, _applied(evaluator, model, Tensor(start)))
        except NotFollowedError as error:  # and where even that cannot go on: every module, no shapes
            if _framework_of(model) != "pytorch":  # a Keras layer's count needs its input's shape
                raise
            return _unfollowed(evaluator, model, error, input_call)
        finally:
            evaluator.tracing = None
    else:
        raise BlockError(
            "the code's model is not a Keras or PyTorch model",
            Location(1, 1),
            "end the code with model = Net()",
        )
    if isinstance(start.layer, Call):  # keras.Input(...)
        if input_call is not None:
            raise BlockError(
                "the input shape is given twice", start.where, "keep either Input(...) or keras.Input"
            )
        input_call = start.layer
    origins: dict[int, Layer] = {}  # each call's layer: a module may be used more than once

    def called(layer: object) -> Call:
        assert isinstance(layer, Layer)
        if layer.framework == "pytorch" and not layer.functional and not layer.label and _framework_of(model):
            raise BlockError(
                "this module is not registered with the model: PyTorch counts only modules set as attributes "
                "or held in nn.Sequential, nn.ModuleList or nn.ModuleDict",
                layer.where,
                "hold layers made in a loop in nn.ModuleList([...]), not in a Python list",
            )
        call = evaluator.call_of(layer)
        origins[id(call)] = layer
        return call

    used: set[int] = set()
    calls = _shared(calls_of(output, start, called), origins, used)
    if _framework_of(model) == "pytorch":
        _check_all_used(model, used)
        calls += _unused_buffers(evaluator, model, used)
    return [input_call, *calls] if input_call is not None else calls


def _applied(evaluator: Evaluator, model: Any, tensor: Tensor) -> Any:
    """The model applied to its input. Its forward's further arguments that have no default
    (Llama's forward(tokens, start_pos)) are not given by a table: each is a value not followed."""
    found = (
        model.cls.find("forward")
        if isinstance(model, Instance) and model.cls.framework == "pytorch"
        else None
    )
    if found is None or not isinstance(found[0], Function):
        return evaluator.applied(model, tensor, Location(1, 1))
    spec = found[0].node.args
    names = [a.arg for a in [*spec.posonlyargs, *spec.args]][2:]  # after self and the input
    required = names[: max(len(names) - len(spec.defaults), 0)]
    if not required:
        return evaluator.applied(model, tensor, Location(1, 1))
    return evaluator.forwarded(model, [tensor, *(NotGiven(name) for name in required)], {}, Location(1, 1))


def _shared(calls: list[Call], origins: dict[int, Layer], used: set[int]) -> list[Call]:
    """The calls in the order the model runs them, each module's uses after its first marked as
    sharing its weights (counted once, as model.parameters() counts them)."""
    out: list[Call] = []
    for call in calls:
        if call.paths:
            paths = tuple(tuple(_shared(list(path), origins, used)) for path in call.paths)
            out.append(replace(call, paths=paths))
            continue
        layer = origins.get(id(call))
        if layer is not None and not layer.functional:
            if id(layer) in used:
                call = replace(call, shares=call.label)
            elif layer.ties is not None and id(layer.ties) in used:  # the tied matrix, counted once
                call = _tied(call, layer.ties)
            used.add(id(layer))
        out.append(call)
    return out


def _tied(call: Call, other: Layer) -> Call:
    """A layer whose weight is another's (lm_head.weight = wte.weight), after that one."""
    return replace(call, kwargs=(*call.kwargs, ("tied", Arg(other.label, call.where))))


def _output(evaluator: Evaluator, result: Any) -> Node:
    """The tensor a model's forward returns; several (return logits, probs) are joined by an
    operation not followed, so that every layer they come from is in the table."""
    if isinstance(result, Tensor):
        return result.node
    tensors = [r for r in result if r is not None] if isinstance(result, tuple | list) else []
    if tensors and all(isinstance(r, Tensor) for r in tensors):
        if len(tensors) == 1:  # return logits, loss with loss None
            only: Tensor = tensors[0]
            return only.node
        return evaluator.opaque(
            "a forward that gives several tensors is not followed", Location(1, 1), *tensors
        ).node
    raise BlockError(
        f"the model's forward gives {type(result).__name__ if result is not None else 'None'}, not a tensor",
        Location(1, 1),
        "a table follows a model whose forward returns its output",
    )


def _unfollowed(evaluator: Evaluator, model: Any, error: BlockError, input_call: Call | None) -> list[Call]:
    """Every module and parameter of a torch model whose forward is not followed, in the order
    print(model) lists them, each counted from its own arguments and no shape shown: its counts
    never depend on forward, and its shapes are not guessed."""
    reason = f"{error.message} (line {error.where.line})"
    calls: list[Call] = []
    seen: set[int] = set()
    for layer in _weights(model):
        call = replace(evaluator.call_of(layer), unfollowed=reason)
        calls.append(_tied(call, layer.ties) if layer.ties is not None and id(layer.ties) in seen else call)
        seen.add(id(layer))
    return [input_call, *calls] if input_call is not None else calls


def _unused_buffers(evaluator: Evaluator, model: Any, used: set[int]) -> list[Call]:
    """The buffers forward does not add or multiply, after the model's layers: model.buffers()
    counts them all (a buffer row passes its input on unchanged)."""
    buffers = [value for _, value in _tree(model) if isinstance(value, Buffer)]
    return [evaluator.call_of(b.as_layer()) for b in buffers if b.layer is None or id(b.layer) not in used]


def _framework_of(model: Any) -> str:
    if isinstance(model, Instance):
        return model.cls.framework
    return getattr(model, "framework", "")


def _children(value: Any) -> list[tuple[str, Any]]:
    if isinstance(value, Container):
        return list(value.items.items())
    if isinstance(value, Instance) and value.cls.framework:  # a module: what it holds is registered
        return [
            (k, v)
            for k, v in value.attrs.items()
            if isinstance(v, Layer | Container | Param | Buffer)
            or (isinstance(v, Instance) and v.cls.framework)
        ]
    return []


def _tree(root: Any) -> list[tuple[str, Any]]:
    """A model and everything it holds, each once, with its path as model.named_modules() gives
    it (the first path to a module shared by two wins), in the order print(model) lists them."""
    out: list[tuple[str, Any]] = []
    seen: set[int] = set()
    stack: list[tuple[str, Any]] = [("", root)]
    while stack:
        path, value = stack.pop()
        if id(value) in seen:
            continue
        seen.add(id(value))
        out.append((path, value))
        children = _children(value)
        stack.extend((f"{path}.{key}" if path else key, child) for key, child in reversed(children))
    return out


def _weights(model: Any) -> list[Layer]:
    """The layers a model holds, its parameters and buffers as layers too, in print(model)'s order."""
    out: list[Layer] = []
    for _, value in _tree(model):
        if isinstance(value, Param):
            value = value.as_layer("add")
        elif isinstance(value, Buffer):
            value = value.as_layer()
        if isinstance(value, Layer):
            out.append(value)
    return out


def _label(root: Any) -> None:
    """Each torch module's path, as model.named_modules() gives it."""
    for path, value in _tree(root):
        if isinstance(value, Layer | Param | Buffer):
            value.label = path


def _check_all_used(root: Any, used: set[int]) -> None:
    """Every module with parameters that the model holds is used in forward: model.parameters()
    counts them all, and a table shows each where it is used."""
    for _, value in _tree(root):
        if isinstance(value, Param) and (value.layer is None or id(value.layer) not in used):
            raise BlockError(
                f"`{value.label}` (nn.Parameter) is made but forward never uses it: model.parameters() "
                "counts it, and a table shows each weight where forward uses it",
                value.where,
                "use it in forward (x + self.p, x * self.p, torch.cat([self.p.expand(...), x], 1)), "
                "or delete it",
            )
        if isinstance(value, Layer) and id(value) not in used and not frameworks.parameter_free(value.name):
            label = value.label or "a module set in forward"
            raise BlockError(
                f"`{label}` (nn.{value.name}) is made but forward never uses it: "
                "model.parameters() counts it, and a table shows each layer where forward uses it",
                value.where,
                "use it in forward, or delete it",
            )

"""What the oracle tests share: the real libraries (skipped when absent), and a block built in them.

A block is read by our own parser only, never run: each call becomes a real Keras 3 layer (on
the PyTorch backend) or a real `torch.nn` module from its argument values, and the libraries
count the parameters, buffers and multiply-accumulates that our rows must equal. The oracle
test modules (tests/test_oracles*.py) take their marks, guards and builders from here.
"""

from __future__ import annotations

import contextlib
import math
import os
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import replace
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

from mkdocs_paramcalc.dialects.layers import CATALOGUES
from mkdocs_paramcalc.reading.parse import STACKS, Arg, Call, parse_block
from mkdocs_paramcalc.report.model import Report, walk
from mkdocs_paramcalc.values import is_symbolic, symbol
from tests.helpers import PYTORCH_SITE, compute

os.environ["KERAS_BACKEND"] = "torch"  # must precede the first import of keras
torch = pytest.importorskip("torch")
np = pytest.importorskip("numpy")
nn = torch.nn

# Every oracle module: its mark, and the warning torch gives once when it pads a copy of the input
# for padding="same" with an even kernel (a fact, not a fault).
MARKS = [
    pytest.mark.oracle,
    pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel lengths:UserWarning"),
    # nn.Transformer and nn.TransformerEncoder say when their nested-tensor fast path is off
    pytest.mark.filterwarnings("ignore:enable_nested_tensor is True:UserWarning"),
]
# torch's CPU build runs an LSTM with proj_size without oneDNN, and says so.
LSTM_PROJECTIONS = pytest.mark.filterwarnings(
    "ignore:LSTM with projections is not supported with oneDNN:UserWarning"
)
# torch's one-layer recurrent modules warn that their dropout has no layer to act between.
RECURRENT_DROPOUT = pytest.mark.filterwarnings(
    "ignore:dropout option adds dropout after all but last recurrent layer"
)
ONE_TORCH_THREAD = pytest.mark.usefixtures("one_torch_thread")  # the fixture: tests/conftest.py
# The modules that push batches through torch modules: all of the above, on one torch thread.
TORCH_MARKS = [*MARKS, LSTM_PROJECTIONS, RECURRENT_DROPOUT, ONE_TORCH_THREAD]


def keras_on_torch() -> Any:
    """The keras module on the PyTorch backend, or a skip (of the module, when called at its top)."""
    keras = pytest.importorskip("keras")
    if keras.backend.backend() != "torch":  # keras was imported earlier with another backend
        pytest.skip("the oracle tests need Keras on the PyTorch backend", allow_module_level=True)
    return keras


def random_examples(count: int) -> settings:
    """Hypothesis settings of the property-based oracles: `count` models, no time limit."""
    return settings(
        max_examples=count,
        deadline=None,
        print_blob=True,  # a failure prints the @reproduce_failure line that replays it
        database=None,  # nothing written into the work tree
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


# ---------------------------------------------------------------------------------------------
# A block, read independently of our model code
# ---------------------------------------------------------------------------------------------


def other_inputs(call: Call, framework: str) -> dict[str, Any]:
    """The shapes of a layer's other inputs (key=, value=, memory=, tgt=), by the names its
    forward gives them: the block's own arguments, which the constructor does not take."""
    kind = CATALOGUES[framework].get(call.name)
    names = kind.inputs if kind is not None else ()
    return {key: plain(arg.value) for key, arg in call.kwargs if key in names}


def _input_shape(call: Call) -> tuple[int, ...]:
    """The shape an `Input(...)` line gives."""
    shape = call.keyword("shape")
    batch = call.keyword("batch_shape")
    if shape is not None:
        return tuple(shape.value)
    if batch is not None:
        return tuple(batch.value[1:])
    if len(call.args) == 1 and isinstance(call.args[0].value, tuple):
        return tuple(call.args[0].value)
    return tuple(arg.value for arg in call.args)


def input_and_layers(text: str) -> tuple[tuple[int, ...], list[Call]]:
    """The input shape (without the batch) and the layer calls of a block."""
    calls = list(parse_block(text))
    if calls[0].name == "Input":
        return _input_shape(calls[0]), calls[1:]
    legacy = calls[0].keyword("input_shape")
    assert legacy is not None, "an oracle block starts with Input(...) or gives input_shape="
    return tuple(legacy.value), calls


def plain(value: Any) -> Any:
    """An argument value as the libraries take it (the block's ints, floats, strings, tuples)."""
    assert not is_symbolic(value), "the oracles compare numeric blocks only"
    return value


def sizes_text(values: list[int], as_int: bool) -> str:
    """Sizes as a block writes them: one int when `as_int` and all are equal, else a tuple."""
    if as_int and len(set(values)) == 1:
        return str(values[0])
    return "(" + ", ".join(str(v) for v in values) + ("," if len(values) == 1 else "") + ")"


def divisors(n: int) -> list[int]:
    return [d for d in range(1, n + 1) if n % d == 0]


# ---------------------------------------------------------------------------------------------
# Keras 3: a Sequential model, or a functional one for Residual, Branches and Repeat
# ---------------------------------------------------------------------------------------------


def keras_layer(call: Call) -> Any:
    """The Keras layer a call names, built from its argument values (`expect` is ours, dropped); a
    wrapper's layer, inside out."""

    def value(given: Any) -> Any:
        return keras_layer(given) if isinstance(given, Call) else plain(given)

    args = [value(arg.value) for arg in call.args]
    ours = ("expect", "input_shape", *other_inputs(call, "keras"))
    kwargs = {key: value(arg.value) for key, arg in call.kwargs if key not in ours}
    return getattr(keras_on_torch().layers, call.name)(*args, **kwargs)


def _fresh_keras(device: str | None) -> Any:
    """Keras with its layer names reset, building on `device`.

    On the "meta" device Keras builds every layer and weight with its shape but no storage: the
    counts and shapes of a large model in a fraction of a second, and nothing to run.
    """
    # Skipping Keras' garbage collection saves 0.2 s a model.
    keras_on_torch().backend.clear_session(free_memory=False)
    return keras_on_torch().device(device) if device else contextlib.nullcontext()


# Layers that Keras calls on a query and a value: a block's is self-attention, layer(x, x).
SELF_ATTENTION = ("MultiHeadAttention",)


def keras_apply(layer: Any, x: Any, others: dict[str, Any] | None = None) -> Any:
    """A Keras layer on `x`; attention as self-attention, the query and the value both `x`, or
    attention to the `others` (value=, key=: Keras tensors)."""
    if type(layer).__name__ not in SELF_ATTENTION:
        return layer(x)
    others = others or {}
    return layer(x, others.get("value", x), others.get("key"))


def keras_sequential(text: str, *, device: str | None = None) -> Any:
    """A real keras.Sequential for a block; its layers are named as Keras names them after a clear.

    Keras' Sequential calls a layer on one input: a block with attention is built as a functional
    model, whose layers are the same after its InputLayer."""
    keras = keras_on_torch()
    shape, calls = input_and_layers(text)
    if any(call.name in SELF_ATTENTION for call in calls):
        return keras_functional(text, device=device)
    with _fresh_keras(device):
        return keras.Sequential([keras.Input(shape=shape), *(keras_layer(call) for call in calls)])


def keras_functional(text: str, *, device: str | None = None) -> Any:
    """A real functional keras.Model for a block with Residual, Branches and Repeat (each copy
    anew, its index= put in); attention's other sequences (value=, key=) as more inputs."""
    keras = keras_on_torch()
    shape, calls = input_and_layers(text)
    with _fresh_keras(device):
        inputs = [keras.Input(shape=shape)]
        out = _keras_path(calls, inputs[0], inputs, {})
        return keras.Model(inputs if len(inputs) > 1 else inputs[0], out)


def _keras_path(calls: Iterable[Call], x: Any, inputs: list[Any], numbers: Numbers) -> Any:
    for call in calls:
        x = _keras_call(call, x, inputs, numbers)
    return x


def _keras_call(call: Call, x: Any, inputs: list[Any], numbers: Numbers) -> Any:
    """A call on `x`; the model's other inputs (attention's value=, key=) added to `inputs`."""
    layers = keras_on_torch().layers
    if call.name == "Residual":
        main = _keras_path(call.paths[0], x, inputs, numbers)
        return layers.Add()([main, _keras_path(call.paths[1], x, inputs, numbers)])
    if call.name == "Branches":
        outs = [_keras_path(path, x, inputs, numbers) for path in call.paths]
        merge = call.keyword("merge")
        kind = {"add": layers.Add, "multiply": layers.Multiply}.get(
            str(merge and merge.value), layers.Concatenate
        )
        return kind()(outs)
    if call.name == "Repeat":  # each copy built anew: its own weights
        for path, seen in _copies(call, numbers):
            x = _keras_path(path, x, inputs, seen)
        return x
    call = _numbered(call, numbers)
    layer = keras_layer(call)
    others = {key: keras_on_torch().Input(shape=shape) for key, shape in other_inputs(call, "keras").items()}
    inputs += others.values()
    out = keras_apply(layer, x, others)
    frozen = call.keyword("trainable")
    if call.name in SELF_ATTENTION and frozen is not None and frozen.value is False:
        # Keras' attention builds its projections on its first call, trainable whatever the layer
        # was told: a model counts them trainable until `layer.trainable = False` is set again.
        layer.trainable = False
    return out


Numbers = dict[Any, int]  # the index= names of the Repeats around a call, and their copy's number


def _numbered(call: Call, numbers: Numbers) -> Call:
    """The call with the enclosing Repeats' indices put in (sympy's subs), as plain numbers."""
    if not numbers:
        return call

    def value(v: Any) -> Any:
        if isinstance(v, tuple):
            return tuple(value(x) for x in v)
        if is_symbolic(v):
            v = v.subs(numbers)
            return int(v) if v.is_Integer else float(v)
        return v

    return replace(
        call,
        args=tuple(Arg(value(a.value), a.where) for a in call.args),
        kwargs=tuple((k, Arg(value(a.value), a.where)) for k, a in call.kwargs if k != "index"),
    )


def _copies(call: Call, numbers: Numbers) -> list[tuple[tuple[Call, ...], Numbers]]:
    """A Repeat's copies: its layers, and the numbers each copy sees."""
    index = call.keyword("index")
    out = []
    for copy in range(int(call.args[0].value)):  # type: ignore[arg-type]
        seen = dict(numbers) if index is None else {**numbers, symbol(str(index.value)): copy}
        out.append((call.paths[0], seen))
    return out


def keras_run(text: str) -> Any:
    """The `model` a test's own literal text makes, run by Keras in a fresh session (its automatic
    names counted from zero): the oracle of pasted Keras code, never the package's way."""
    keras_on_torch().backend.clear_session(free_memory=False)
    scope: dict[str, Any] = {}
    exec(text, scope)  # the test's own literal text, run by the real framework
    return scope["model"]


def check_keras_totals(report: Any, model: Any) -> None:
    """A Keras report's totals and trainable split against the model Keras built."""
    assert report.framework == "keras"
    assert report.total == model.count_params()
    assert report.trainable == keras_weights(model.trainable_weights)
    assert report.non_trainable == keras_weights(model.non_trainable_weights)


def check_report_is_keras(report: Any, model: Any, *, ordered: bool) -> None:
    """A Keras report against the model Keras built from the same text: the totals and the
    trainable split; one row a layer by Keras' own name (in order, for a Sequential model), each
    with its output shape, its count and what is frozen of it; a merge's row the sum of its layers."""
    check_keras_totals(report, model)
    layers = [la for la in model.layers if not isinstance(la, keras_on_torch().layers.InputLayer)]
    rows = [row for _, row in walk(report.rows)]
    names = [row.name for row in rows]
    if ordered:
        assert names == [la.name for la in layers]
    else:
        assert sorted(names) == sorted(la.name for la in layers)
    by_name = {row.name: row for row in rows}
    for layer in layers:
        row = by_name[layer.name]
        assert tuple(row.shape) == tuple(layer.output.shape[1:]), layer.name
        if row.group is None:
            assert row.params == layer.count_params(), layer.name
            # A model made with trainable=False freezes every weight in it (its totals above), while
            # Keras leaves each layer's own flag as it was: the table shows the layer frozen.
            frozen = (
                layer.count_params() if not model.trainable else keras_weights(layer.non_trainable_weights)
            )
            assert row.non_trainable == frozen, layer.name
        else:  # a merge: its row counts the layers it holds; the merge layer itself has none
            assert layer.count_params() == 0, layer.name
            assert row.params == sum(r.params for r in row.group.rows), layer.name
    assert tuple(report.rows[-1].shape) == tuple(layers[-1].output.shape[1:])


def keras_weights(weights: list[Any]) -> int:
    """How many numbers Keras' weight variables hold."""
    return sum(math.prod(w.shape) for w in weights)


def keras_totals(model: Any) -> tuple[int, int, int]:
    """Keras' parameters of a model: all, trainable, non-trainable."""
    return (
        model.count_params(),
        keras_weights(model.trainable_weights),
        keras_weights(model.non_trainable_weights),
    )


def keras_zeros(shape: tuple[int, ...]) -> Any:
    """A zero batch of one for a Keras model."""
    return np.zeros((1, *shape), dtype="float32")


# ---------------------------------------------------------------------------------------------
# PyTorch: a block of the PyTorch dialect as torch.nn modules
# ---------------------------------------------------------------------------------------------

OURS = ("name", "trainable", "expect")  # our own arguments, which torch does not take
BATCH = 2  # a batch of 2: torch's GroupNorm and untracked BatchNorm refuse a single value


def torch_module(call: Call) -> Any:
    """The torch.nn module a call names, built from its argument values; the shapes of its other
    inputs (key=, memory=, tgt=) kept on it for `forward`."""
    others = other_inputs(call, "pytorch")
    args = [plain(arg.value) for arg in call.args]
    kwargs = {key: plain(arg.value) for key, arg in call.kwargs if key not in (*OURS, *others)}
    module = getattr(nn, call.name)(*args, **kwargs)
    frozen = call.keyword("trainable")
    if frozen is not None and frozen.value is False:
        module.requires_grad_(False)
    module.other_inputs = others
    return module.eval()


def _batch_first(module: Any) -> bool:
    """Whether a sequence module reads the batch first (an encoder layer keeps it on its attention)."""
    if isinstance(module, nn.TransformerEncoder | nn.TransformerDecoder):
        module = module.layers[0]
    return bool(module.self_attn.batch_first if hasattr(module, "self_attn") else module.batch_first)


def forward(module: Any, x: Any, *, unbatched_too: bool = True) -> Any:
    """A module applied to a batch; recurrent layers give (output, state) and may want the batch second.

    With `unbatched_too`, a recurrent layer also runs without a batch, as our shapes are written,
    and must give the same shape.
    """
    call = _SEQUENCE_CALLS.get(type(module).__name__)
    if call is not None:
        first = _batch_first(module)
        shapes = getattr(module, "other_inputs", {})
        others = {key: torch.zeros((len(x), *shape)) for key, shape in shapes.items()}
        if not first:
            others = {key: other.transpose(0, 1) for key, other in others.items()}
        out = call(module, x if first else x.transpose(0, 1), others)
        out = out if first else out.transpose(0, 1)
        if unbatched_too:
            alone = {key: torch.zeros(shape) for key, shape in shapes.items()}
            assert call(module, x[0], alone).shape == out.shape[1:]
        return out
    return module(x)


Others = dict[str, Any]  # a module's other inputs by the name its forward gives them


def _recurrent(module: Any, x: Any, others: Others) -> Any:
    return module(x)[0]  # (output, state)


def _attention(module: Any, x: Any, others: Others) -> Any:
    """Attention as nn.TransformerEncoderLayer calls it, without the weights (fvcore then counts
    the projections, not scaled_dot_product_attention): self-attention, or to key= and value=."""
    key = others.get("key", others.get("value", x))
    with _off_the_fast_path():
        return module(x, key, others.get("value", key), need_weights=False)[0]


def _encoder(module: Any, x: Any, others: Others) -> Any:
    with _off_the_fast_path():
        return module(x)


def _decoder(module: Any, x: Any, others: Others) -> Any:
    """A decoder layer or stack: its memory given, or in a chain its own input."""
    with _off_the_fast_path():
        return module(x, others.get("memory", x))


def _transformer(module: Any, x: Any, others: Others) -> Any:
    """nn.Transformer on the source x and the target (tgt=, else the source)."""
    with _off_the_fast_path():
        return module(x, others.get("tgt", x))


@contextlib.contextmanager
def _off_the_fast_path() -> Iterator[None]:
    """torch runs batch_first attention at inference as one fused operator, which fvcore does not
    count at all: the oracles run it as its modules, which fvcore counts."""
    before = torch.backends.mha.get_fastpath_enabled()
    torch.backends.mha.set_fastpath_enabled(False)
    try:
        yield
    finally:
        torch.backends.mha.set_fastpath_enabled(before)


# The modules that read a sequence with the batch second unless batch_first, and how to call them.
_SEQUENCE_CALLS = {
    **dict.fromkeys(("RNN", "LSTM", "GRU"), _recurrent),
    "MultiheadAttention": _attention,
    **dict.fromkeys(("TransformerEncoderLayer", "TransformerEncoder"), _encoder),
    **dict.fromkeys(("TransformerDecoderLayer", "TransformerDecoder"), _decoder),
    "Transformer": _transformer,
}


def zeros(shape: tuple[int, ...], calls: list[Call], batch: int) -> Any:
    """A zero batch for the layers `calls`: token ids when the first is an Embedding."""
    dtype = torch.long if calls and calls[0].name == "Embedding" else torch.float32
    return torch.zeros((batch, *shape), dtype=dtype)


def count(tensors: Iterable[Any]) -> int:
    """How many numbers torch's tensors hold (parameters or buffers)."""
    return sum(t.numel() for t in tensors)


def torch_leaves(model: Any) -> list[tuple[str, Any]]:
    """The modules `named_modules()` gives that hold no others (an empty nn.Sequential, a shortcut
    that is the identity, is a container, not a layer)."""
    return [
        (name, module)
        for name, module in model.named_modules()
        if name and not list(module.children()) and not isinstance(module, nn.Sequential)
    ]


def torch_leaf_shapes(model: Any, x: Any) -> tuple[dict[str, list[tuple[int, ...]]], Any]:
    """Each leaf module's output shape at each of its calls, in the order forward makes them and
    without the batch, seen by forward hooks as torch runs `model(x)`; and the model's output."""
    seen: dict[str, list[tuple[int, ...]]] = defaultdict(list)

    def hook(path: str) -> Any:
        return lambda _module, _args, output: seen[path].append(tuple(output.shape[1:]))

    handles = [module.register_forward_hook(hook(path)) for path, module in torch_leaves(model)]
    try:
        with torch.no_grad():
            output = model(x)
    finally:
        for handle in handles:
            handle.remove()
    return seen, output


class Residual(nn.Module):  # type: ignore[misc]  # torch is untyped here
    def __init__(self, main: list[Any], shortcut: list[Any]) -> None:
        super().__init__()
        self.main, self.shortcut = nn.Sequential(*main), nn.Sequential(*shortcut)

    def forward(self, x: Any) -> Any:
        return self.main(x) + self.shortcut(x)


class Branches(nn.Module):  # type: ignore[misc]
    """Paths on the same input, added, concatenated on the channels or multiplied."""

    def __init__(self, paths: list[list[Any]], merge: str) -> None:
        super().__init__()
        self.paths = nn.ModuleList(nn.Sequential(*p) for p in paths)
        self.merge = merge

    def forward(self, x: Any) -> Any:
        outs = [path(x) for path in self.paths]
        if self.merge == "concat":
            return torch.cat(outs, dim=1)
        out = outs[0]
        for other in outs[1:]:
            out = out * other if self.merge == "multiply" else out + other
        return out


def torch_tree(call: Call, numbers: Numbers | None = None) -> Any:
    """The module a call names, Residual, Branches and Repeat built as modules that add or
    concatenate (each copy of a Repeat anew, its index= put in), torch.nn's stacks as torch has them."""
    numbers = numbers or {}
    if call.name == "Residual":
        main, shortcut = ([torch_tree(c, numbers) for c in path] for path in call.paths)
        return Residual(main, shortcut)
    if call.name == "Branches":
        merge = call.keyword("merge")
        paths = [[torch_tree(c, numbers) for c in path] for path in call.paths]
        return Branches(paths, "concat" if merge is None else str(merge.value))
    if call.name == "Repeat":  # each copy built anew: its own weights
        return nn.Sequential(*(torch_tree(c, seen) for path, seen in _copies(call, numbers) for c in path))
    if call.name in STACKS:  # nn.TransformerEncoder(layer, num_layers, norm): torch copies the layer
        repeat, *norm = call.paths[0]
        layer = torch_module(repeat.paths[0][0])
        n = int(repeat.args[0].value)  # type: ignore[arg-type]
        stack = getattr(nn, call.name)(layer, n, *(torch_module(c) for c in norm))
        stack.other_inputs = layer.other_inputs
        return stack.eval()
    return torch_module(_numbered(call, numbers))


class Chain(nn.Module):  # type: ignore[misc]
    """Modules in sequence, named 0, 1, ... as fvcore's by_module() reports them."""

    def __init__(self, modules: list[Any]) -> None:
        super().__init__()
        for i, module in enumerate(modules):
            self.add_module(str(i), module)

    def forward(self, x: Any) -> Any:
        for module in self.children():
            x = forward(module, x, unbatched_too=False)  # one call a module: fvcore counts each call
        return x


# ---------------------------------------------------------------------------------------------
# fvcore: multiply-accumulates of each module of a chain
# ---------------------------------------------------------------------------------------------


def _convolution_mode(inputs: list[Any], outputs: list[Any]) -> int:
    """fvcore's own convolution count, for the operator torch traces when padding is a string
    ("same", "valid"), which fvcore 0.1.5 has no handle for and would count as 0."""
    handles = pytest.importorskip("fvcore.nn.jit_handles")
    x, w, out = (handles.get_shape(v) for v in (inputs[0], inputs[1], outputs[0]))
    return int(handles.conv_flop_count(x, w, out, transposed=False))


def _attention_products(inputs: list[Any], outputs: list[Any]) -> int:
    """scaled_dot_product_attention's multiply-accumulates: each query with each key (L × S × E),
    then the weights with the values (L × S × Ev), for every batch and head."""
    from fvcore.nn.jit_handles import get_shape

    query, key, value = (get_shape(value) for value in inputs[:3])
    groups = math.prod(query[:-2])
    return int(groups * query[-2] * key[-2] * (query[-1] + value[-1]))


def fvcore_counts(chain: Any, x: Any) -> list[int]:
    """fvcore's count for each module of the chain, for one example of the batch `x` of BATCH."""
    fvcore_nn = pytest.importorskip("fvcore.nn")
    analysis = fvcore_nn.FlopCountAnalysis(chain.eval(), x)
    analysis.set_op_handle("aten::_convolution_mode", _convolution_mode)
    # paramcalc counts the attention's products, which fvcore has no handle for: one, its own.
    analysis.set_op_handle("aten::scaled_dot_product_attention", _attention_products)
    analysis.unsupported_ops_warnings(False)
    analysis.uncalled_modules_warnings(False)
    per_module = analysis.by_module()
    counts = []
    for name, _ in chain.named_children():
        batch_count = per_module[name]
        assert batch_count % BATCH == 0, "fvcore's counts grow with the batch"
        counts.append(batch_count // BATCH)
    return counts


def check_report_is_torchs(report: Any, model: Any, x: Any) -> None:
    """A PyTorch report against torch running `model(x)`: the totals, the trainable split and the
    buffers; each leaf module's output shape at each of its calls, in the order forward makes them,
    and its weights and buffers, counted once at the first use as model.parameters() counts them;
    and the output's shape."""
    assert report.framework == "pytorch"
    assert report.total == count(model.parameters())
    assert report.trainable == count(p for p in model.parameters() if p.requires_grad)
    assert report.non_trainable == report.total - report.trainable
    assert report.buffers == count(model.buffers())

    seen, output = torch_leaf_shapes(model, x)
    rows: dict[str, list[Any]] = defaultdict(list)
    for row in report.leaves():
        rows[row.name].append(row)
    for path, module in torch_leaves(model):
        ours = rows.get(path, [])
        assert [tuple(r.shape) for r in ours] == seen[path], path
        assert [r.params for r in ours] == [count(module.parameters())] + [0] * (len(ours) - 1), path
        assert [r.buffers for r in ours][:1] == [count(module.buffers())][: len(ours)], path
    assert tuple(report.rows[-1].shape) == tuple(output.shape[1:])


# ---------------------------------------------------------------------------------------------
# Blocks with Residual, Branches and Repeat, layer by layer: Keras' functional API, torch modules
# ---------------------------------------------------------------------------------------------


def check_blocks_against_keras(text: str, *, run: bool = True) -> Report:
    """Every layer (by its Keras name) and the totals against a Keras functional model.

    Without `run`, Keras builds the model on the meta device (shapes only), for large models.
    """
    report = compute(text)
    model = keras_functional(text, device=None if run else "meta")
    merges = keras_on_torch().layers
    theirs = {
        layer.name: (
            tuple(layer.output.shape[1:]),
            layer.count_params(),
            keras_weights(layer.trainable_weights),
            keras_weights(layer.non_trainable_weights),
        )
        for layer in model.layers
        if not isinstance(
            layer,
            merges.InputLayer | merges.Add | merges.Concatenate | merges.Multiply,
        )
    }
    ours = {r.name: (tuple(r.shape), r.params, r.trainable, r.non_trainable) for r in report.leaves()}
    assert ours == theirs
    assert tuple(report.rows[-1].shape) == tuple(model.output.shape[1:])
    assert (report.total, report.trainable, report.non_trainable) == keras_totals(model)
    if run:  # the shape Keras declares is the shape torch computes
        shape, _ = input_and_layers(text)
        with torch.no_grad():
            out = model(keras_zeros(shape))
        assert tuple(out.shape[1:]) == tuple(report.rows[-1].shape)
    return report


def check_blocks_against_torch(text: str) -> Report:
    """Every leaf module (in order) and the totals of a PyTorch block against torch."""
    report = compute(text, PYTORCH_SITE)
    shape, calls = input_and_layers(text)
    model = nn.Sequential(*(torch_tree(c) for c in calls)).eval()
    # The layers: modules without children, an empty Sequential (an identity shortcut) aside.
    seen, out = torch_leaf_shapes(model, torch.zeros((BATCH, *shape)))
    theirs = [
        (type(m).__name__, seen[name][-1], count(m.parameters()), count(m.buffers()))
        for name, m in torch_leaves(model)
    ]
    ours = [(r.kind, tuple(r.shape), r.params, r.buffers) for r in report.leaves()]
    assert ours == theirs
    assert tuple(out.shape[1:]) == tuple(report.rows[-1].shape)
    assert (report.total, report.buffers) == (count(model.parameters()), count(model.buffers()))
    assert report.trainable == count(p for p in model.parameters() if p.requires_grad)
    return report

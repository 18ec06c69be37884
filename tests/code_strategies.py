"""Hypothesis strategies that write random model *code*, as people paste it (issue 16, item 6), for
tests/test_pasted_random.py: Keras Sequential (a list, or `model.add`), the Keras functional API
(residual adds with and without a projection, concatenated branches, squeeze-excite gates),
PyTorch `nn.Module` classes (a block class, `nn.ModuleList` loops, helper methods, `torch.cat`,
class attributes, factory functions) and `nn.Sequential` with `OrderedDict` names, nested.

Each strategy draws a `Case`: the text, and what the test needs to run that very text in the real
framework. Every text is valid for its framework: the strategies follow each tensor's shape, and
only write a layer that fits it (spatial sizes 8-16, at most 16 channels, so a run is fast).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hypothesis import strategies as st

Shape = tuple[int, ...]


@dataclass(frozen=True)
class Case:
    """Random model code, and how the test makes its model in the real framework."""

    text: str
    framework: str  # "keras" or "pytorch"
    shape: Shape  # the input without the batch, in the framework's own order
    made_by: str  # the name the text binds its model to, or that makes it when called
    call: bool = False  # made_by is a class or factory function, called without arguments

    @property
    def input_option(self) -> str:
        """The fence's input=, as a page writes it."""
        return "x".join(str(n) for n in self.shape)


def lit(value: Any) -> str:
    """A value as code writes it: strings in double quotes, tuples of one with their comma."""
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, tuple):
        inner = ", ".join(lit(v) for v in value)
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    return repr(value)


def arguments(args: tuple[Any, ...], kwargs: dict[str, Any]) -> str:
    return ", ".join([lit(a) for a in args] + [f"{key}={lit(v)}" for key, v in kwargs.items()])


def ceil_div(a: int, b: int) -> int:
    return -(-a // b)


# ---------------------------------------------------------------------------------------------
# Keras: layers written with the code's own prefix, each fitted to the shape it is given
# ---------------------------------------------------------------------------------------------


@dataclass
class KerasWriter:
    """Writes Keras layer constructors as `layers.X(...)`, `keras.layers.X(...)` or `X(...)`
    (then imported by name), and gives explicit layer names that never clash with Keras' own."""

    prefix: str
    used: set[str] = field(default_factory=set)
    named: int = 0

    def __call__(self, cls: str, /, *args: Any, **kwargs: Any) -> str:
        self.used.add(cls)
        return f"{self.prefix}{cls}({arguments(args, kwargs)})"

    def fresh_name(self) -> str:
        self.named += 1
        return f"my_layer_{self.named}"

    def imports(self) -> str:
        lines = ["import keras"]
        if self.prefix == "layers.":
            lines.append("from keras import layers")
        elif self.prefix == "" and self.used:
            lines.append("from keras.layers import " + ", ".join(sorted(self.used)))
        return "\n".join(lines) + "\n"


def _extras(draw: st.DrawFn, k: KerasWriter, weights: bool) -> dict[str, Any]:
    """Now and then an explicit name, and (for a layer with weights) trainable=False."""
    extra: dict[str, Any] = {}
    if draw(st.integers(0, 9)) == 0:
        extra["name"] = k.fresh_name()
    if weights and draw(st.integers(0, 9)) == 0:
        extra["trainable"] = False
    return extra


def _size(draw: st.DrawFn, value: int) -> Any:
    """A kernel, stride or pool size as an int or as a pair."""
    return draw(st.sampled_from([value, (value, value)]))


def keras_spatial(draw: st.DrawFn, k: KerasWriter, shape: Shape, *, keep: bool) -> tuple[str, Shape]:
    """One layer on an image (h, w, c): its constructor, and its output shape. With `keep`, the
    spatial size stays (stride 1, padding="same"), as a branch that is merged needs."""
    h, w, c = shape
    kinds = ["conv", "conv", "bn", "act", "dropout", "depthwise", "separable"]
    if keep or min(h, w) >= 2:
        kinds.append("pool")
    if not keep:
        kinds += ["pad", "conv"]
        if min(h, w) >= 4:
            kinds.append("crop")
        if max(h, w) <= 8:
            kinds.append("upsample")
    kind = draw(st.sampled_from(kinds))
    if kind in ("conv", "separable", "depthwise"):
        filters = draw(st.integers(2, 16))
        if keep:
            kernel, stride, padding = draw(st.sampled_from([1, 3])), 1, "same"
        else:
            kernel = draw(st.integers(1, min(3, h, w)))
            stride = draw(st.sampled_from([1, 1, 2]))
            padding = draw(st.sampled_from(["valid", "same"]))
        if padding == "same":
            out_h, out_w = ceil_div(h, stride), ceil_div(w, stride)
        else:
            out_h, out_w = (h - kernel) // stride + 1, (w - kernel) // stride + 1
        kw: dict[str, Any] = {}
        if stride != 1:
            kw["strides"] = _size(draw, stride)
        if padding != "valid" or draw(st.booleans()):
            kw["padding"] = padding
        activation = draw(st.sampled_from([None, None, "relu", "tanh"]))
        if activation:
            kw["activation"] = activation
        if draw(st.integers(0, 3)) == 0:
            kw["use_bias"] = False
        kw.update(_extras(draw, k, weights=True))
        if kind == "depthwise":
            multiplier = draw(st.sampled_from([1, 1, 2]))
            if multiplier != 1:
                kw = {"depth_multiplier": multiplier, **kw}
            return k("DepthwiseConv2D", _size(draw, kernel), **kw), (out_h, out_w, c * multiplier)
        name = "Conv2D" if kind == "conv" else "SeparableConv2D"
        if draw(st.booleans()):
            return k(name, filters, _size(draw, kernel), **kw), (out_h, out_w, filters)
        return k(name, filters, kernel_size=_size(draw, kernel), **kw), (out_h, out_w, filters)
    if kind == "pool":
        name = draw(st.sampled_from(["MaxPooling2D", "AveragePooling2D"]))
        if keep:
            kw = {"strides": 1, "padding": "same"}
            return k(name, draw(st.sampled_from([2, 3])), **kw, **_extras(draw, k, False)), shape
        pool = draw(st.integers(2, min(3, h, w)))
        padding = draw(st.sampled_from(["valid", "valid", "same"]))
        kw = {"padding": padding} if padding == "same" else {}
        if padding == "same":
            out = (ceil_div(h, pool), ceil_div(w, pool), c)
        else:
            out = ((h - pool) // pool + 1, (w - pool) // pool + 1, c)
        if draw(st.booleans()):
            return k(name, _size(draw, pool), **kw), out
        return k(name, pool_size=_size(draw, pool), **kw), out
    if kind == "bn":
        return k("BatchNormalization", **_extras(draw, k, weights=True)), shape
    if kind == "act":
        if draw(st.booleans()):
            return k("ReLU"), shape
        return k("Activation", draw(st.sampled_from(["relu", "tanh", "sigmoid"]))), shape
    if kind == "dropout":
        return k("Dropout", draw(st.sampled_from([0.1, 0.25, 0.5]))), shape
    if kind == "pad":
        return k("ZeroPadding2D", 1), (h + 2, w + 2, c)
    if kind == "crop":
        return k("Cropping2D", 1), (h - 2, w - 2, c)
    return k("UpSampling2D", 2), (h * 2, w * 2, c)


def keras_flat(draw: st.DrawFn, k: KerasWriter, units: int) -> tuple[str, int]:
    """One layer on a vector of `units`: its constructor and its output size."""
    kind = draw(st.sampled_from(["dense", "dense", "dropout", "bn", "act"]))
    if kind == "dense":
        out = draw(st.integers(2, 16))
        kw: dict[str, Any] = {}
        activation = draw(st.sampled_from([None, "relu", "relu", "sigmoid"]))
        if activation:
            kw["activation"] = activation
        if draw(st.integers(0, 4)) == 0:
            kw["use_bias"] = False
        kw.update(_extras(draw, k, weights=True))
        return k("Dense", out, **kw), out
    if kind == "dropout":
        return k("Dropout", 0.5), units
    if kind == "bn":
        return k("BatchNormalization", **_extras(draw, k, weights=True)), units
    return k("Activation", "relu"), units


def keras_head(draw: st.DrawFn, k: KerasWriter, shape: Shape) -> list[str]:
    """From an image to the classes: a flatten or a global pooling, dense layers, the output."""
    h, w, c = shape
    reduce = draw(st.sampled_from(["Flatten", "GlobalAveragePooling2D", "GlobalMaxPooling2D"]))
    out = [k(reduce)]
    units = h * w * c if reduce == "Flatten" else c
    for _ in range(draw(st.integers(0, 2))):
        text, units = keras_flat(draw, k, units)
        out.append(text)
    classes = draw(st.integers(2, 10))
    activation = draw(st.sampled_from([None, "softmax"]))
    out.append(k("Dense", classes, **({"activation": activation} if activation else {})))
    return out


def _image(draw: st.DrawFn, channels_last: bool) -> Shape:
    h, w, c = draw(st.integers(8, 16)), draw(st.integers(8, 16)), draw(st.integers(1, 4))
    return (h, w, c) if channels_last else (c, h, w)


@st.composite
def keras_sequential_code(draw: st.DrawFn, *, frozen: bool = False) -> Case:
    """keras.Sequential([keras.Input(shape=...), layers..., ...]), or Sequential() and model.add.
    With `frozen`, the model is made with trainable=False (a reader bug: see the test module)."""
    k = KerasWriter(draw(st.sampled_from(["layers.", "keras.layers.", ""])))
    shape = _image(draw, channels_last=True)
    first = shape
    body = []
    for _ in range(draw(st.integers(0, 5))):
        text, shape = keras_spatial(draw, k, shape, keep=False)
        body.append(text)
    body += keras_head(draw, k, shape)
    input_form = draw(st.sampled_from(["keras.Input", "layers.Input", "input_shape="]))
    if input_form == "layers.Input" and k.prefix == "":
        input_form = "keras.Input"
    if input_form == "input_shape=":  # Keras 2's way, which Keras 3 still takes (with a warning)
        head, _, rest = body[0].partition("(")
        body[0] = f"{head}({rest[:-1]}{', ' if rest != ')' else ''}input_shape={lit(first)})"
        layers = body
    else:
        prefix = "keras." if input_form == "keras.Input" else k.prefix
        layers = [f"{prefix}Input(shape={lit(first)})", *body]
    var = draw(st.sampled_from(["model", "net", "classifier"]))
    form = draw(st.sampled_from(["list", "add"]))
    sequential = draw(st.sampled_from(["keras.Sequential", "Sequential"]))
    imports = k.imports()
    if sequential == "Sequential":
        imports += "from keras.models import Sequential\n"
    named = draw(st.booleans())
    name = ', name="my_model"' if named else ""
    if frozen:
        name += ", trainable=False"
    if form == "list":
        inner = "".join(f"    {line},\n" for line in layers)
        code = f"{var} = {sequential}([\n{inner}]{name})\n"
    else:
        code = f"{var} = {sequential}({name[2:]})\n" + "".join(f"{var}.add({line})\n" for line in layers)
    if draw(st.integers(0, 3)) == 0:
        code += f'{var}.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])\n'
    return Case(f"{imports}\n{code}", "keras", first, var)


# -- the functional API: a graph of tensors, each path its own variable -----------------------


@dataclass
class Graph:
    """The functional code being written: its lines and its variables."""

    k: KerasWriter
    lines: list[str] = field(default_factory=list)
    variables: int = 0
    layers: int = 0

    def fresh(self, stem: str) -> str:
        self.variables += 1
        return f"{stem}{self.variables}"

    def apply(self, target: str, layer: str, source: str) -> None:
        self.layers += 1
        self.lines.append(f"{target} = {layer}({source})")

    def merge(self, draw: st.DrawFn, target: str, kind: str, sources: list[str], **kw: Any) -> None:
        cls = {"add": "Add", "concatenate": "Concatenate", "multiply": "Multiply"}[kind]
        if draw(st.integers(0, 5)) == 0:
            kw["name"] = self.k.fresh_name()
        listed = "[" + ", ".join(sources) + "]"
        if draw(st.booleans()):  # the function: layers.add([...])
            self.k.used.add(kind)
            keywords = "".join(f", {key}={lit(v)}" for key, v in kw.items())
            self.lines.append(f"{target} = {self.k.prefix}{kind}({listed}{keywords})")
        else:  # the layer, called on the list: layers.Add()([...])
            self.lines.append(f"{target} = {self.k(cls, **kw)}({listed})")


MAX_DEPTH = 2  # merges inside paths of merges


def keras_path(
    draw: st.DrawFn, g: Graph, source: str, shape: Shape, *, keep: bool, depth: int, steps: int, target: str
) -> tuple[str, Shape]:
    """`steps` layers or merged stages from the tensor `source`, each assigned to `target`; the
    variable that holds the path's output (`source` when it has no step), and its shape."""
    current = source
    for _ in range(steps):
        stage = "layer"
        if depth < MAX_DEPTH and g.layers < 30:
            stage = draw(st.sampled_from(["layer", "layer", "layer", "residual", "branches", "gate"]))
        if stage == "layer":
            text, shape = keras_spatial(draw, g.k, shape, keep=keep)
            g.apply(target, text, current)
        elif stage == "residual":
            shape = keras_residual(draw, g, current, shape, keep=keep, depth=depth + 1, target=target)
        elif stage == "branches":
            shape = keras_branches(draw, g, current, shape, depth=depth + 1, target=target)
        else:
            shape = keras_gate(draw, g, current, shape, target=target)
        current = target
    return current, shape


def keras_residual(
    draw: st.DrawFn, g: Graph, source: str, shape: Shape, *, keep: bool, depth: int, target: str
) -> Shape:
    """A residual add: a main path of convolutions (the first may halve the image), and the input
    itself or its 1x1 projection."""
    k = g.k
    h, w, c = shape
    stride = 1 if keep or min(h, w) < 4 else draw(st.sampled_from([1, 2]))
    filters = c if draw(st.booleans()) else draw(st.integers(2, 16))
    out = (ceil_div(h, stride), ceil_div(w, stride), filters)
    identity = stride == 1 and filters == c and draw(st.booleans())

    def projection(name: str) -> None:
        kw: dict[str, Any] = {"strides": stride} if stride != 1 else {}
        if draw(st.booleans()):
            kw["use_bias"] = False
        g.apply(name, k("Conv2D", filters, 1, **kw), source)
        if draw(st.booleans()):
            g.apply(name, k("BatchNormalization"), name)

    def main(name: str) -> str:
        kw: dict[str, Any] = {"padding": "same"}
        if stride != 1:
            kw["strides"] = stride
        g.apply(name, k("Conv2D", filters, 3, **kw), source)
        last, shape = keras_path(
            draw, g, name, out, keep=True, depth=depth, steps=draw(st.integers(0, 2)), target=name
        )
        if shape != out:  # the channels brought back to the shortcut's
            g.apply(name, k("Conv2D", filters, 1), last)
            last = name
        return last

    style = draw(st.sampled_from(["saved", "separate"]))
    if style == "saved":  # shortcut = x; x = ...(x); x = layers.add([x, shortcut]), as the Keras guide
        shortcut = g.fresh("shortcut")
        if identity:
            g.lines.append(f"{shortcut} = {source}")
        else:
            projection(shortcut)
        path = main(target if source == target or draw(st.booleans()) else g.fresh("y"))
    else:  # each path its own variable, written in either order
        path_name, shortcut = g.fresh("y"), source if identity else g.fresh("shortcut")
        if identity or draw(st.booleans()):
            path = main(path_name)
            if not identity:
                projection(shortcut)
        else:
            projection(shortcut)
            path = main(path_name)
    pair = [path, shortcut] if draw(st.booleans()) else [shortcut, path]
    g.merge(draw, target, "add", pair)
    if draw(st.booleans()):
        g.apply(target, k("Activation", "relu"), target)
    return out


def keras_branches(draw: st.DrawFn, g: Graph, source: str, shape: Shape, *, depth: int, target: str) -> Shape:
    """2-3 paths from one tensor, each keeping the image's size, concatenated on the channels."""
    h, w, _ = shape
    count = draw(st.integers(2, 3))
    empty = draw(st.integers(-1, count - 1))  # at most one path is the input itself
    outputs, channels = [], 0
    for i in range(count):
        steps = 0 if i == empty else draw(st.integers(1, 2))
        last, (_, _, c) = keras_path(
            draw, g, source, shape, keep=True, depth=depth, steps=steps, target=g.fresh("branch")
        )
        outputs.append(last)
        channels += c
    kw = {"axis": -1} if draw(st.booleans()) else {}  # axis=3: refused, see the test module
    g.merge(draw, target, "concatenate", outputs, **kw)
    return (h, w, channels)


def keras_gate(draw: st.DrawFn, g: Graph, source: str, shape: Shape, *, target: str) -> Shape:
    """Squeeze-excite: pooled, two dense layers, reshaped to (1, 1, C), multiplying the input."""
    k = g.k
    c = shape[2]
    se = g.fresh("se")
    g.apply(se, k("GlobalAveragePooling2D"), source)
    g.apply(se, k("Dense", draw(st.integers(1, max(1, c))), activation="relu"), se)
    g.apply(se, k("Dense", c, activation="sigmoid"), se)
    g.apply(se, k("Reshape", (1, 1, c)), se)
    g.merge(draw, target, "multiply", [source, se] if draw(st.booleans()) else [se, source])
    return shape


@st.composite
def keras_functional_code(draw: st.DrawFn, *, frozen: bool = False) -> Case:
    """inputs = keras.Input(...); x = layers.X(...)(x) ...; keras.Model(inputs, outputs). With
    `frozen`, the model is made with trainable=False (a reader bug: see the test module)."""
    k = KerasWriter(draw(st.sampled_from(["layers.", "keras.layers.", ""])))
    g = Graph(k)
    shape = _image(draw, channels_last=True)
    first = shape
    g.lines.append(f"inputs = keras.Input(shape={lit(shape)})")
    x, shape = keras_path(
        draw, g, "inputs", shape, keep=False, depth=0, steps=draw(st.integers(1, 4)), target="x"
    )
    head = keras_head(draw, k, shape)
    for text in head[:-1]:
        g.apply("x", text, x)
        x = "x"
    g.apply("outputs", head[-1], x)
    form = draw(
        st.sampled_from(["keras.Model(inputs, outputs)", "keras.Model(inputs=inputs, outputs=outputs)"])
    )
    if draw(st.booleans()):
        form = form[:-1] + ', name="random_net")'
    if frozen:
        form = form[:-1] + ", trainable=False)"
    text = k.imports() + "\n" + "\n".join(g.lines) + f"\nmodel = {form}\n"
    return Case(text, "keras", first, "model")


# ---------------------------------------------------------------------------------------------
# PyTorch
# ---------------------------------------------------------------------------------------------


def conv_out(size: int, kernel: int, stride: int = 1, padding: int = 0) -> int:
    return (size + 2 * padding - kernel) // stride + 1


def torch_spatial(draw: st.DrawFn, nn: str, shape: Shape) -> tuple[str, Shape]:
    """One torch module on an image (c, h, w): its constructor and its output shape."""
    c, h, w = shape
    kinds = ["conv", "conv", "bn", "relu", "act", "dropout", "pad"]
    if min(h, w) >= 2:
        kinds.append("pool")
    kind = draw(st.sampled_from(kinds))
    if kind == "conv":
        out = draw(st.integers(2, 16))
        kernel = draw(st.integers(1, 3))
        padding = draw(st.integers(0, kernel // 2))
        if min(h, w) + 2 * padding < kernel:
            padding = kernel // 2
        stride = draw(st.sampled_from([1, 1, 2]))
        kw: dict[str, Any] = {}
        if stride != 1:
            kw["stride"] = stride
        if padding:
            kw["padding"] = padding
        if draw(st.integers(0, 3)) == 0:
            kw["bias"] = False
        shape = (out, conv_out(h, kernel, stride, padding), conv_out(w, kernel, stride, padding))
        if draw(st.booleans()):
            return f"{nn}Conv2d({arguments((c, out, kernel), kw)})", shape
        return f"{nn}Conv2d({arguments((c, out), {'kernel_size': kernel, **kw})})", shape
    if kind == "bn":
        kw = draw(
            st.sampled_from([{}, {}, {"affine": False}, {"track_running_stats": False}, {"momentum": 0.2}])
        )
        return f"{nn}BatchNorm2d({arguments((c,), kw)})", shape
    if kind == "relu":
        return f"{nn}ReLU({draw(st.sampled_from(['', 'inplace=True']))})", shape
    if kind == "act":
        return draw(
            st.sampled_from([f"{nn}LeakyReLU(0.1)", f"{nn}Tanh()", f"{nn}GELU()", f"{nn}SiLU()"])
        ), shape
    if kind == "dropout":
        module = draw(st.sampled_from(["Dropout", "Dropout2d"]))
        return f"{nn}{module}({draw(st.sampled_from(['', '0.2', 'p=0.5']))})", shape
    if kind == "pad":
        return f"{nn}ZeroPad2d(1)", (c, h + 2, w + 2)
    name = draw(st.sampled_from(["MaxPool2d", "AvgPool2d"]))
    kernel = draw(st.integers(2, min(3, h, w)))
    given = draw(st.sampled_from([None, 1, 2]))  # None: the stride is the kernel's
    kw = {} if given is None else {"stride": given}
    s = kernel if given is None else given
    return f"{nn}{name}({arguments((kernel,), kw)})", (c, conv_out(h, kernel, s), conv_out(w, kernel, s))


def torch_flat(draw: st.DrawFn, nn: str, units: int) -> tuple[str, int]:
    kind = draw(st.sampled_from(["linear", "linear", "relu", "dropout", "bn"]))
    if kind == "linear":
        out = draw(st.integers(2, 16))
        bias = ", bias=False" if draw(st.integers(0, 4)) == 0 else ""
        return f"{nn}Linear({units}, {out}{bias})", out
    if kind == "relu":
        return f"{nn}ReLU()", units
    if kind == "dropout":
        return f"{nn}Dropout(0.5)", units
    return f"{nn}BatchNorm1d({units})", units


# -- nn.Sequential, with OrderedDict names, nested ----------------------------------------------


@dataclass
class SequentialWriter:
    nn: str
    names: int = 0

    def fresh(self, stem: str) -> str:
        self.names += 1
        return f"{stem}{self.names}"


def _sequential(
    draw: st.DrawFn, s: SequentialWriter, shape: Shape, depth: int, indent: str, flat: bool
) -> tuple[str, Shape]:
    """nn.Sequential(...) of image modules (and, with `flat`, a flatten and linear layers last)."""
    items: list[tuple[str, str]] = []  # (name, constructor)
    for _ in range(draw(st.integers(1, 4))):
        if depth < 2 and draw(st.integers(0, 3)) == 0:
            text, shape = _sequential(draw, s, shape, depth + 1, indent + "        ", flat=False)
            items.append((s.fresh("block"), text))
        else:
            text, shape = torch_spatial(draw, s.nn, shape)
            items.append((s.fresh(text[len(s.nn) :].split("(")[0].lower()), text))
    if flat:
        c, h, w = shape
        if draw(st.booleans()):
            items.append(
                (s.fresh("pool"), f"{s.nn}AdaptiveAvgPool2d({draw(st.sampled_from(['1', '(1, 1)']))})")
            )
            h = w = 1
        items.append(("flatten", f"{s.nn}Flatten()"))
        units = c * h * w
        for _ in range(draw(st.integers(0, 2))):
            text, units = torch_flat(draw, s.nn, units)
            items.append((s.fresh(text[len(s.nn) :].split("(")[0].lower()), text))
        classes = draw(st.integers(2, 10))
        items.append(("fc", f"{s.nn}Linear({units}, {classes})"))
        shape = (classes,)
    inner = indent + "    "
    if not items or draw(st.booleans()):  # positional: named 0, 1, ...
        body = "".join(f"{inner}{text},\n" for _, text in items)
        return f"{s.nn}Sequential(\n{body}{indent})", shape
    body = "".join(f"{inner}({lit(name)}, {text}),\n" for name, text in items)
    return f"{s.nn}Sequential(OrderedDict([\n{body}{indent}]))", shape


@st.composite
def torch_sequential_code(draw: st.DrawFn) -> Case:
    """model = nn.Sequential(OrderedDict([("conv1", nn.Conv2d(...)), ...])), nested; or
    model = nn.Sequential() and model.add_module("name", ...)."""
    style = draw(st.sampled_from(["import torch.nn as nn", "from torch import nn", "import torch"]))
    s = SequentialWriter("torch.nn." if style == "import torch" else "nn.")
    shape = _image(draw, channels_last=False)
    var = draw(st.sampled_from(["model", "net", "features"]))
    text, out = _sequential(draw, s, shape, 0, "", flat=draw(st.integers(0, 3)) > 0)
    code = f"{var} = {text}\n"
    if draw(st.integers(0, 3)) == 0:  # one more module, added by name
        if len(out) == 1:
            code += f'{var}.add_module("out", {s.nn}LogSoftmax(dim=1))\n'
        else:
            code += f'{var}.add_module("last", {s.nn}Conv2d({out[0]}, 4, 1))\n'
    imports = f"{style}\nfrom collections import OrderedDict\n"
    return Case(f"{imports}\n\n{code}", "pytorch", shape, var)


# -- nn.Module classes ----------------------------------------------------------------------------


@dataclass
class Block:
    """The block class of a model: a residual BasicBlock or Bottleneck, as kuangliu writes them."""

    name: str
    expansion: int
    batch_norm: bool
    add: str  # how forward adds the shortcut
    identity: bool = False  # the shortcut without a projection is nn.Identity(), set in an else

    def text(self) -> str:
        e = self.expansion
        bn = self.batch_norm
        bias = ", bias=False" if bn else ""
        planes_out = "self.expansion * planes" if e != 1 else "planes"
        lines = [f"class {self.name}(nn.Module):", f"    expansion = {e}", ""]
        lines += ["    def __init__(self, in_planes, planes, stride=1):", "        super().__init__()"]
        if e == 1:
            lines += [
                "        self.conv1 = nn.Conv2d(",
                f"            in_planes, planes, kernel_size=3, stride=stride, padding=1{bias})",
                f"        self.conv2 = nn.Conv2d(planes, planes, kernel_size=3,\n"
                f"                               stride=1, padding=1{bias})",
            ]
            convs = 2
        else:
            lines += [
                f"        self.conv1 = nn.Conv2d(in_planes, planes, kernel_size=1{bias})",
                f"        self.conv2 = nn.Conv2d(planes, planes, kernel_size=3,\n"
                f"                               stride=stride, padding=1{bias})",
                f"        self.conv3 = nn.Conv2d(planes, {planes_out}, kernel_size=1{bias})",
            ]
            convs = 3
        if bn:
            for i in range(1, convs + 1):
                lines.append(f"        self.bn{i} = nn.BatchNorm2d({planes_out if i == 3 else 'planes'})")
        projection = f"nn.Conv2d(in_planes, {planes_out}, kernel_size=1, stride=stride{bias})"
        if bn:
            projection += f", nn.BatchNorm2d({planes_out})"
        if self.identity:
            lines += [
                f"        if stride != 1 or in_planes != {planes_out}:",
                f"            self.shortcut = nn.Sequential({projection})",
                "        else:",
                "            self.shortcut = nn.Identity()",
            ]
        else:
            lines += [
                "        self.shortcut = nn.Sequential()",
                f"        if stride != 1 or in_planes != {planes_out}:",
                f"            self.shortcut = nn.Sequential({projection})",
            ]
        lines += ["", "    def forward(self, x):"]

        def step(i: int) -> str:
            return f"self.bn{i}(self.conv{i}(" if bn else f"self.conv{i}("

        close = "))" if bn else ")"
        source = "x"
        for i in range(1, convs):
            lines.append(f"        out = F.relu({step(i)}{source}{close})")
            source = "out"
        lines.append(f"        out = {step(convs)}out{close}")
        lines.append(
            "        out += self.shortcut(x)" if self.add == "+=" else "        out = out + self.shortcut(x)"
        )
        lines += ["        out = F.relu(out)", "        return out", ""]
        return "\n".join(lines)


@dataclass
class NetWriter:
    """The model class being written: its __init__ and forward lines, the helper methods it needs."""

    init: list[str] = field(default_factory=list)
    forward: list[str] = field(default_factory=list)
    methods: dict[str, str] = field(default_factory=dict)
    attributes: int = 0
    uses_block: bool = False
    block_parameter: bool = False  # the block class and the counts are the constructor's arguments
    counts: list[int] = field(default_factory=list)  # num_blocks, when they are

    def fresh(self, stem: str) -> str:
        self.attributes += 1
        return f"{stem}{self.attributes}"


_MAKE_LAYER = """\
    def _make_layer(self, block, planes, num_blocks, stride):
        strides = [stride] + [1] * (num_blocks - 1)
        layers = []
        for stride in strides:
            layers.append(block(self.in_planes, planes, stride))
            self.in_planes = planes * block.expansion
        return nn.Sequential(*layers)
"""

_MAKE_FEATURES = """\
    def _make_features(self, in_channels, widths):
        layers = []
        for width in widths:
            layers += [nn.Conv2d(in_channels, width, kernel_size=3, padding=1), nn.ReLU(inplace=True)]
            in_channels = width
        return nn.Sequential(*layers)
"""


def torch_stage(
    draw: st.DrawFn, n: NetWriter, shape: Shape, block: Block | None, stage_index: list[int]
) -> Shape:
    """One stage of the model class: __init__ lines and the forward lines that use them."""
    c, h, w = shape
    kinds = ["conv", "conv", "loop", "features", "branches", "residual", "gate", "body"]
    if min(h, w) >= 4:
        kinds += ["pool", "shared_pool"]
    if block is not None:
        kinds += ["block"] * 4
    kind = draw(st.sampled_from(kinds))
    if kind == "conv":
        name = n.fresh("conv")
        out = draw(st.integers(2, 16))
        kernel = draw(st.sampled_from([1, 3, 3, 5] if min(h, w) >= 5 else [1, 3]))
        padding = draw(st.sampled_from([0, kernel // 2]))
        if min(h, w) + 2 * padding < kernel:
            padding = kernel // 2
        stride = draw(st.sampled_from([1, 1, 2])) if min(h, w) >= 6 else 1
        kw = {"stride": stride} if stride != 1 else {}
        if padding:
            kw["padding"] = padding
        bn = draw(st.booleans())
        if bn:
            kw["bias"] = False
        n.init.append(f"self.{name} = nn.Conv2d({arguments((c, out, kernel), kw)})")
        if bn:
            norm = name.replace("conv", "bn")
            n.init.append(f"self.{norm} = nn.BatchNorm2d({out})")
            applied = f"self.{norm}(self.{name}(x))"
        else:
            applied = f"self.{name}(x)"
        if draw(st.booleans()):
            n.forward.append(f"x = F.relu({applied})")
        else:
            n.forward += [f"x = {applied}", "x = F.relu(x)"]
        return (out, conv_out(h, kernel, stride, padding), conv_out(w, kernel, stride, padding))
    if kind == "pool":
        fn = draw(
            st.sampled_from(
                ["F.max_pool2d(x, 2)", "F.avg_pool2d(x, 2)", "F.max_pool2d(x, kernel_size=2, stride=2)"]
            )
        )
        n.forward.append(f"x = {fn}")
        return (c, h // 2, w // 2)
    if kind == "shared_pool":  # one module, used after this stage and again later when it fits
        if "self.pool =" not in "\n".join(n.init):
            n.init.append("self.pool = nn.MaxPool2d(2, 2)")
        n.forward.append("x = self.pool(x)")
        return (c, h // 2, w // 2)
    if kind == "loop":
        name = n.fresh("convs")
        count = draw(st.integers(1, 3))
        out = draw(st.integers(2, 16))
        form = draw(st.sampled_from(["append", "comprehension"]))
        if form == "append":
            n.init += [
                f"self.{name} = nn.ModuleList()",
                f"for i in range({count}):",
                f"    self.{name}.append(nn.Conv2d({c} if i == 0 else {out}, {out}, 3, padding=1))",
            ]
        else:
            n.init += [
                f"self.{name} = nn.ModuleList(",
                f"    [nn.Conv2d({c}, {out}, 3, padding=1)]",
                f"    + [nn.Conv2d({out}, {out}, 3, padding=1) for _ in range({count - 1})]",
                ")",
            ]
        n.forward += [f"for conv in self.{name}:", "    x = F.relu(conv(x))"]
        return (out, h, w)
    if kind == "features":
        name = n.fresh("features")
        widths = draw(st.lists(st.integers(2, 16), min_size=1, max_size=3))
        n.methods["_make_features"] = _MAKE_FEATURES
        n.init.append(f"self.{name} = self._make_features({c}, {widths!r})")
        n.forward.append(f"x = self.{name}(x)")
        return (widths[-1], h, w)
    if kind == "branches":
        count = draw(st.integers(2, 3))
        names, widths = [], []
        for i in range(count):
            name = n.fresh(f"branch_{'abc'[i]}")
            width = draw(st.integers(2, 8))
            if draw(st.booleans()):
                n.init.append(f"self.{name} = nn.Conv2d({c}, {width}, kernel_size=1)")
            else:
                n.init.append(
                    f"self.{name} = nn.Sequential(nn.Conv2d({c}, {width}, 1), nn.ReLU(inplace=True), "
                    f"nn.Conv2d({width}, {width}, 3, padding=1))"
                )
            names.append(name)
            widths.append(width)
        variables = [f"b{i}" for i in range(count)]
        for var, name in zip(variables, names, strict=True):
            n.forward.append(f"{var} = self.{name}(x)")
        keep = draw(st.booleans())  # the input concatenated too, DenseNet-like
        listed = ", ".join(variables + (["x"] if keep else []))
        n.forward.append(f"x = torch.cat([{listed}], {draw(st.sampled_from(['1', 'dim=1']))})")
        return (sum(widths) + (c if keep else 0), h, w)
    if kind == "residual":  # a residual add written in forward itself
        first, second = n.fresh("res_conv"), n.fresh("res_conv")
        n.init += [
            f"self.{first} = nn.Conv2d({c}, {c}, 3, padding=1)",
            f"self.{second} = nn.Conv2d({c}, {c}, kernel_size=3, padding=1)",
        ]
        n.forward += ["identity = x", f"out = F.relu(self.{first}(x))", f"out = self.{second}(out)"]
        n.forward += draw(
            st.sampled_from(
                [
                    ["x = F.relu(out + identity)"],
                    ["out += identity", "x = F.relu(out)"],
                    ["x = identity + out"],
                    ["x = torch.add(out, identity)"],
                ]
            )
        )
        return shape
    if kind == "gate":  # squeeze-excite with 1x1 convolutions, as EfficientNet writes it
        reduce, expand = n.fresh("se_reduce"), n.fresh("se_expand")
        squeezed = draw(st.integers(1, c))
        n.init += [
            f"self.{reduce} = nn.Conv2d({c}, {squeezed}, 1)",
            f"self.{expand} = nn.Conv2d({squeezed}, {c}, 1)",
        ]
        pooled = draw(st.sampled_from(["F.adaptive_avg_pool2d(x, 1)", "F.adaptive_avg_pool2d(x, (1, 1))"]))
        n.forward += [
            f"w = {pooled}",
            f"w = F.relu(self.{reduce}(w))",
            f"w = torch.sigmoid(self.{expand}(w))",
            draw(st.sampled_from(["x = x * w", "x = w * x", "x = torch.mul(x, w)"])),
        ]
        return shape
    if kind == "body":  # nn.Sequential(*layers) of a list built in __init__'s own loop
        name = n.fresh("body")
        count = draw(st.integers(1, 3))
        out = draw(st.integers(2, 16))
        normed = draw(st.booleans())
        n.init += [
            "layers = []",
            f"channels = {c}",
            f"for _ in range({count}):",
            f"    layers.append(nn.Conv2d(channels, {out}, kernel_size=3, padding=1, bias={not normed}))",
        ]
        if normed:
            n.init.append(f"    layers.append(nn.BatchNorm2d({out}))")
        n.init += [
            "    layers.append(nn.ReLU(inplace=True))",
            f"    channels = {out}",
            f"self.{name} = nn.Sequential(*layers)",
        ]
        n.forward.append(f"x = self.{name}(x)")
        return (out, h, w)
    # A stage of residual blocks.
    assert block is not None
    planes = draw(st.integers(1, 16 // block.expansion))
    count = draw(st.integers(1, 2))
    stride = draw(st.sampled_from([1, 2])) if min(h, w) >= 4 else 1
    stage_index[0] += 1
    n.uses_block = True
    name = f"layer{stage_index[0]}"
    cls = "block" if n.block_parameter else block.name
    form = draw(st.sampled_from(["make_layer", "sequential", "module_list"]))
    if form == "make_layer":  # ResNet's _make_layer, keeping self.in_planes
        n.methods["_make_layer"] = _MAKE_LAYER
        written = str(count)
        if n.block_parameter:
            written = f"num_blocks[{len(n.counts)}]"
            n.counts.append(count)
        n.init += [
            f"self.in_planes = {c}",
            f"self.{name} = self._make_layer({cls}, {planes}, {written}, stride={stride})",
        ]
        n.forward.append(f"x = self.{name}(x)")
    elif form == "sequential":  # the blocks named one by one, in a Sequential
        blocks = [f"{cls}({c}, {planes}, {stride})"]
        blocks += [f"{cls}({planes * block.expansion}, {planes})"] * (count - 1)
        n.init.append(f"self.{name} = nn.Sequential({', '.join(blocks)})")
        n.forward.append(f"x = self.{name}(x)")
    else:  # an nn.ModuleList of blocks, made in a comprehension, run in a loop
        rest = (
            f" + [{cls}({planes * block.expansion}, {planes}) for _ in range({count - 1})]"
            if count > 1
            else ""
        )
        n.init.append(f"self.{name} = nn.ModuleList([{cls}({c}, {planes}, stride={stride})]{rest})")
        n.forward += [f"for layer in self.{name}:", "    x = layer(x)"]
    return (planes * block.expansion, conv_out(h, 3, stride, 1), conv_out(w, 3, stride, 1))


@st.composite
def torch_module_code(draw: st.DrawFn, *, frozen: bool = False) -> Case:
    """class Net(nn.Module) with a block class, loops, helper methods and a factory function.
    With `frozen`, the model is made as Net().requires_grad_(False) (a reader bug: see the test
    module)."""
    shape = _image(draw, channels_last=False)
    block = None
    if draw(st.booleans()):
        block = Block(
            draw(st.sampled_from(["BasicBlock", "Block", "ResBlock"])),
            draw(st.sampled_from([1, 1, 2])),
            draw(st.booleans()),
            draw(st.sampled_from(["+=", "+"])),
            draw(st.booleans()),
        )
    n = NetWriter(block_parameter=block is not None and draw(st.booleans()))
    c, h, w = shape
    # The stem: a convolution, its width a class attribute or a literal.
    width = draw(st.integers(4, 16))
    class_attribute = draw(st.booleans())
    written = "self.width" if class_attribute else str(width)
    n.init.append(f"self.conv0 = nn.Conv2d({c}, {written}, kernel_size=3, padding=1)")
    n.forward.append("x = F.relu(self.conv0(x))")
    current: Shape = (width, h, w)
    stages = [0]
    for _ in range(draw(st.integers(1, 4))):
        current = torch_stage(draw, n, current, block, stages)
    # The head.
    c, h, w = current
    flatten = draw(st.sampled_from(["torch.flatten(x, 1)", "x.view(x.size(0), -1)", "x.view(-1, FLAT)"]))
    if draw(st.booleans()):
        if draw(st.booleans()):
            n.forward.append("x = F.adaptive_avg_pool2d(x, 1)")
        else:
            n.init.append("self.avgpool = nn.AdaptiveAvgPool2d((1, 1))")
            n.forward.append("x = self.avgpool(x)")
        h = w = 1
    flat = f"{c} * {h} * {w}" if (h, w) != (1, 1) else str(c)
    n.forward.append(f"x = {flatten.replace('FLAT', flat)}")
    hidden = draw(st.integers(0, 1))
    classes = draw(st.integers(2, 10))
    if hidden:
        units = draw(st.integers(4, 16))
        n.init.append(f"self.fc1 = nn.Linear({flat}, {units})")
        n.forward.append("x = F.relu(self.fc1(x))")
        if draw(st.booleans()):
            n.init.append("self.dropout = nn.Dropout(0.5)")
            n.forward.append("x = self.dropout(x)")
        n.init.append(f"self.fc2 = nn.Linear({units}, num_classes)")
        n.forward.append("x = self.fc2(x)")
    else:
        n.init.append(f"self.fc = nn.Linear({flat}, num_classes)")
        n.forward.append("x = self.fc(x)")
    output = draw(st.sampled_from(["x", "x", "F.log_softmax(x, dim=1)"]))
    n.forward.append(f"return {output}")

    make = draw(st.sampled_from(["line", "factory", "factory and line", "class"]))
    block_parameter = n.block_parameter and n.uses_block
    if block_parameter and make in ("line", "class"):  # the constructor's arguments: a factory gives them
        make = "factory"
    if frozen:
        make = "frozen line" if make in ("line", "class") else "factory and line"
    default = classes if make in ("line", "class") else 10
    net = draw(st.sampled_from(["Net", "Model", "SmallNet"]))
    lines = ["import torch", "import torch.nn as nn", "import torch.nn.functional as F", "", ""]
    if block is not None and n.uses_block:  # an unused class would be a second model
        lines += [block.text(), ""]
    lines.append(f"class {net}(nn.Module):")
    if class_attribute:
        lines += [f"    width = {width}", ""]
    superclass = draw(st.sampled_from(["super().__init__()", f"super({net}, self).__init__()"]))
    parameters = "block, num_blocks, " if block_parameter else ""
    lines += [f"    def __init__(self, {parameters}num_classes={default}):", f"        {superclass}"]
    lines += [f"        {line}" for line in n.init]
    lines += ["", "    def forward(self, x):"]
    lines += [f"        {line}" for line in n.forward]
    for method in n.methods.values():
        lines += ["", method.rstrip("\n")]
    lines += ["", ""]
    made_by, call = "model", False
    if make.startswith("factory"):
        factory = draw(st.sampled_from(["make_net", "build_model", "small"]))
        given = f"{block.name}, {n.counts!r}, " if block_parameter and block is not None else ""
        lines += [f"def {factory}():", f"    return {net}({given}num_classes={classes})", "", ""]
        made_by, call = factory, True
        if make == "factory and line":
            lines.append(f"model = {factory}(){'.requires_grad_(False)' if frozen else ''}")
            made_by, call = "model", False
    elif make == "line":
        lines.append(f"model = {net}()")
    elif make == "frozen line":
        lines.append(f"model = {net}().requires_grad_(False)")
        made_by, call = "model", False
    else:
        made_by, call = net, True
    return Case("\n".join(lines).rstrip("\n") + "\n", "pytorch", shape, made_by, call)

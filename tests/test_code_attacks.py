"""Attacks on the static reader of pasted model code (issue 16), as a hostile page author or a
careless notebook paster would make them.

The promise under attack: the text is data, never code; any input gives a correct table or a
located error — never a traceback, a hang, unbounded memory or a silently wrong count — and the
counts are those real PyTorch and Keras 3 give when the same text is run. Each bug these attacks
found was fixed; the test that found it stays.
"""

from __future__ import annotations

import contextlib
import math
import textwrap
import time
import tracemalloc
from pathlib import Path
from typing import Any

import pytest

from mkdocs_paramcalc.errors import BlockError
from tests.helpers import compute, fence_options, mkdocs_build, read_code, refused_code, site

# The oracle tests' marks (tests/oracle.py's TORCH_MARKS), given test by test: the attacks that
# need no framework run where torch is absent too.
ORACLE = [pytest.mark.oracle]  # the tests that run them also take the one_torch_thread fixture
HEADER = "import torch\nimport torch.nn as nn\nimport torch.nn.functional as F\n"


def _in_init(body: str, width: str = "10") -> str:
    """A torch model whose __init__ runs `body` first, then uses `width` as a size."""
    inner = textwrap.indent(textwrap.dedent(body).strip("\n"), " " * 8)
    return (
        HEADER
        + "class Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
        + inner
        + f"\n        self.fc = nn.Linear(784, {width})\n"
        + "    def forward(self, x):\n        return self.fc(torch.flatten(x, 1))\nmodel = Net()\n"
    )


# ---------------------------------------------------------------------------------------------
# Stalls and memory: a bounded error, soon
# ---------------------------------------------------------------------------------------------

STALLS = {
    "exponential recursion": "def f(n):\n    if n == 0:\n        return 1\n    return f(n - 1) + f(n - 1)\n"
    "k = f(30)\nmodel = nn.Sequential(nn.Linear(28, k))\n",
    "mutual recursion": "def a(n):\n    return b(n)\ndef b(n):\n    return a(n)\n"
    "model = nn.Sequential(nn.Linear(28, a(1)))\n",
    "a class whose __init__ makes itself": "class A(nn.Module):\n    def __init__(self):\n"
    "        super().__init__()\n        self.a = A()\nmodel = A()\n",
    "forward calling itself": "class A(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
    "        self.fc = nn.Linear(28, 28)\n    def forward(self, x):\n        return self.forward(x)\n"
    "model = A()\n",
    "a class deriving from itself": "class A(A):\n    pass\nmodel = A()\n",
    "while True": "def f():\n    while True:\n        pass\n    return 4\n"
    "model = nn.Sequential(nn.Linear(28, f()))\n",
    "nested comprehensions": "k = len([[i * j for i in range(9999)] for j in range(9999)])\n"
    "model = nn.Sequential(nn.Linear(28, k))\n",
    "a tower of powers": "k = 2 ** 10 ** 10\nmodel = nn.Sequential(nn.Linear(28, k))\n",
    "a list doubled in a loop": "x = [1]\nfor i in range(10000):\n    x = x + x\n"
    "model = nn.Sequential(nn.Linear(28, len(x)))\n",
    "a string doubled in a loop": "x = 'ab'\nfor i in range(60):\n    x = x + x\n"
    "model = nn.Sequential(nn.Linear(28, len(x)))\n",
    "a list extended by itself": "x = [1] * 9000\nfor i in range(10000):\n    x.extend(x)\n"
    "model = nn.Sequential(nn.Linear(28, len(x)))\n",
    "a repeated string": "x = 'a' * 100000 * 100000\nmodel = nn.Sequential(nn.Linear(28, len(x)))\n",
    "deep parentheses": "k = " + "(" * 140 + "1" + ")" * 140 + "\nmodel = nn.Sequential(nn.Linear(28, k))\n",
    "a long sum": "k = " + " + ".join(["1"] * 5000) + "\nmodel = nn.Sequential(nn.Linear(28, k))\n",
}


@pytest.mark.parametrize("text", STALLS.values(), ids=STALLS.keys())
def test_a_stall_is_a_bounded_error(text: str) -> None:
    refused_code(HEADER + text)


def test_a_huge_range_made_a_list_is_a_located_error_not_a_memory_error() -> None:
    refused_code(_in_init("n = len(list(range(10 ** 18)))", "n"))


@pytest.mark.parametrize(
    "call", ["max(range(10 ** 6))", "len(reversed(range(10 ** 6)))", "len(list(range(10 ** 6)))"]
)
def test_a_builtin_over_a_huge_range_is_bounded(call: str) -> None:
    # sum(range(10 ** 8)) runs for minutes; reversed(range(3 * 10 ** 7)) takes 1.4 GB
    refused_code(_in_init(f"n = {call}", "n"))


def test_forward_cannot_make_more_rows_than_a_block_may_hold() -> None:
    # At 30,000 applications the reading takes 14 s and 3.5 GB: each tensor's dominators are a
    # copied list, quadratic in the length of the chain (graph.py).
    text = HEADER + textwrap.dedent("""
        class A(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(28, 28)
            def forward(self, x):
                for j in range(2000):
                    x = self.fc(x)
                return x
        model = A()
    """)
    refused_code(text)


def _peak_bytes(text: str) -> int:
    tracemalloc.start()
    try:
        with contextlib.suppress(BlockError):
            read_code(text)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_many_big_lists_are_bounded_in_memory() -> None:
    text = _in_init("x = [[0] * 9999 for i in range(2000)]")
    assert _peak_bytes(text) < 100_000_000


def test_a_format_width_is_bounded_in_memory() -> None:
    text = _in_init("s = '{:>300000000}'.format(1)")
    assert _peak_bytes(text) < 100_000_000


def test_str_format_reads_no_attribute_of_a_real_object() -> None:
    text = """\
        import keras
        from keras import layers
        name = "{0.__class__.__name__}".format(1)
        model = keras.Sequential([keras.Input(shape=(16,)), layers.Dense(4, name=name)])
    """
    refused_code(text, "keras", None)


# ---------------------------------------------------------------------------------------------
# Tracebacks: every one is a bug (pages.py shows "internal error ... please report it")
# ---------------------------------------------------------------------------------------------

TRACEBACKS = {
    "a slice with step 0": "n = len([1, 2, 3][::0])",
    "dict.update of a number": "d = {}\nd.update(3)\nn = len(d)",
    "dict.update with a list key": "d = {}\nd.update([[[1], 2]])\nn = len(d)",
    "list.pop of a string": "l = [1]\nn = l.pop('a')",
    "list.pop out of range": "l = [1]\nn = l.pop(5)",
    "min of nothing": "n = min([])",
    "max with key=3": "n = max([1, 2], key=3)",
    "max with foo=": "n = max([1], foo=3)",
    "enumerate from a string": "n = len(list(enumerate([1], start='a')))",
    "range with step 0": "n = len(range(1, 5, 0))",
    "a format's missing keyword": "n = len('{a}'.format(b=1))",
    "a format's missing index": "n = len('{5}'.format(1))",
    "a format's lone brace": "n = len('{'.format(1))",
    "torch.flatten of nothing": "n = torch.flatten()",
}


@pytest.mark.parametrize("body", TRACEBACKS.values(), ids=TRACEBACKS.keys())
def test_a_python_error_in_the_code_is_a_located_error(body: str) -> None:
    error = refused_code(_in_init(body, "n"))
    assert error.where.line > 3


ODD_BUT_LOCATED = {
    "walrus": "n = (k := 5)",
    "lambda": "f = lambda x: x\nn = f(3)",
    "match": "match 3:\n    case 3:\n        n = 1",
    "yield": "def g():\n    yield 1\nn = len(list(g()))",
    "try": "try:\n    n = 1\nexcept Exception:\n    n = 2",
    "del": "n = 1\ndel n",
    "global": "global n\nn = 1",
    "a set": "n = len({1, 2})",
    "a dict comprehension": "n = len({i: i for i in range(3)})",
    "a bit operator": "n = 1 | 2",
    "an unhashable get": "d = {}\nn = d.get([1])",
    "int of infinity": "n = int(float('inf'))",
    "division by zero": "n = 1 // 0",
    "a math domain error": "import math\nn = math.sqrt(-1)",
    "eval": "n = eval('1')",
    "open": "n = open('/etc/passwd')",
    "os.system": "import os\nn = os.system('true')",
    "self.__dict__": "n = self.__dict__",
    "a decorator": "def deco(f):\n    return f\n@deco\ndef g():\n    return 1\nn = g()",
    "a tuple too short": "a, b = 1, 2, 3\nn = a",
    "a shadowed range": "range = 3\nfor i in range(3):\n    n = i",
    "break outside a loop": "break",
}


@pytest.mark.parametrize("body", ODD_BUT_LOCATED.values(), ids=ODD_BUT_LOCATED.keys())
def test_odd_python_is_a_located_error(body: str) -> None:
    refused_code(_in_init(body, "n"))


_PROPERTY = _in_init("", "self.width").replace(
    "    def forward", "    @property\n    def width(self):\n        return 5\n    def forward"
)
LEAKS = {
    "a layer as a size": (_in_init("", "nn.ReLU()"), "Call("),
    "a tensor as an input size": (
        HEADER + "Input(torch.zeros(1))\nmodel = nn.Sequential(nn.Linear(28, 4))\n",
        "TensorMaker",
    ),
    "the batch as a size": (
        _in_init("", "10").replace("return self.fc(", "return nn.Linear(x.size(0), 3)("),
        "BatchSize",
    ),
}


@pytest.mark.parametrize(("text", "leaked"), LEAKS.values(), ids=LEAKS.keys())
def test_a_message_names_no_internal_type(text: str, leaked: str) -> None:
    assert leaked not in str(refused_code(text))


def test_break_outside_a_loop_points_at_the_break() -> None:
    error = refused_code(_in_init("break", "n"))
    assert (error.where.line, error.where.column) == (7, 9)  # `break` is the 7th line of the text


# ---------------------------------------------------------------------------------------------
# Silent wrong counts: the same text run by real PyTorch and Keras must give the same numbers
# ---------------------------------------------------------------------------------------------


def _torch_counts(text: str) -> tuple[int, int, int, tuple[int, ...]]:
    from tests.oracle import count, torch

    scope: dict[str, Any] = {}
    exec(text, scope)  # the test's own literal text, run by the real framework
    model = scope["model"].eval()
    out = model(torch.zeros(2, 1, 28, 28))
    trainable = count(p for p in model.parameters() if p.requires_grad)
    return count(model.parameters()), trainable, count(model.buffers()), tuple(out.shape[1:])


def _keras_counts(text: str) -> tuple[int, int, int, tuple[int, ...]]:
    from tests.oracle import keras_on_torch

    keras = keras_on_torch()
    keras.backend.clear_session()
    scope: dict[str, Any] = {}
    exec(text, scope)  # the test's own literal text, run by the real framework
    model = scope["model"]
    trainable = sum(math.prod(w.shape) for w in model.trainable_weights)
    return model.count_params(), trainable, 0, tuple(model.output_shape[1:])


def _agrees(text: str, framework: str = "pytorch", *, must_read: bool = False) -> None:
    """Our table equals the framework's counts and output shape, or the text is a located error."""
    text = textwrap.dedent(text)
    real = _torch_counts(text) if framework == "pytorch" else _keras_counts(text)
    try:
        report = read_code(text, framework, "1x28x28" if framework == "pytorch" else None)
    except BlockError:
        if must_read:
            raise
        return
    assert (report.total, report.trainable, report.buffers) == real[:3]
    assert tuple(report.rows[-1].shape) == real[3]


WRONG_TORCH = {
    "a layer held by a plain object": (
        """
        class Holder:
            def __init__(self):
                self.fc = nn.Linear(28, 28)
        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.h = Holder()
                self.out = nn.Linear(28, 3)
            def forward(self, x):
                return self.out(self.h.fc(x))
        model = Net()
        """,
        "a module on a non-Module object is counted: torch does not register it",
    ),
    "a layer set on a config object": (
        """
        from dataclasses import dataclass
        @dataclass
        class Cfg:
            n: int = 28
        class Net(nn.Module):
            def __init__(self, cfg):
                super().__init__()
                self.cfg = cfg
                cfg.layer = nn.Linear(cfg.n, cfg.n)
                self.out = nn.Linear(28, 3)
            def forward(self, x):
                return self.out(self.cfg.layer(x))
        model = Net(Cfg())
        """,
        "a module on a dataclass config is counted: torch does not register it",
    ),
    "a dataclass with its own __init__": (
        """
        from dataclasses import dataclass
        @dataclass
        class Cfg:
            a: int = 3
            def __init__(self):
                self.a = 9
        class Net(nn.Module):
            def __init__(self, cfg):
                super().__init__()
                self.fc = nn.Linear(28, cfg.a)
            def forward(self, x):
                return self.fc(x)
        model = Net(Cfg())
        """,
        "a dataclass's own __init__ is ignored: its fields' defaults are used",
    ),
    "sum with start=": (
        "model = nn.Sequential(nn.Linear(28, sum([1, 2], start=3)))\n",
        "sum(..., start=3) ignores start",
    ),
    "a list grown by += through another name": (
        """
        layers = []
        head = layers
        layers += [nn.Linear(28, 28)]
        model = nn.Sequential(*head, nn.Linear(28, 5))
        """,
        "list += list rebinds the name instead of extending the list in place",
    ),
    "a model whose line cannot be read": (
        """
        base = nn.Sequential(nn.Linear(28, 28))
        class Wrap(nn.Module):
            def __init__(self, inner):
                super().__init__()
                self.inner = inner
                self.register_buffer("scale", torch.ones(1))
                self.head = nn.Linear(28, 1000)
            def forward(self, x):
                return self.head(self.inner(x))
        model = Wrap(base)
        """,
        "the model's line fails to read, and the table silently shows another model (base)",
    ),
    "a view to the wrong width as the last step": (
        """
        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(784, 10)
            def forward(self, x):
                return self.fc(torch.flatten(x, 1)).view(-1, 5)
        model = Net()
        """,
        "x.view(-1, N) is read as a flatten whatever N is: the output shape is wrong",
    ),
}


@pytest.mark.parametrize(
    "text",
    [pytest.param(HEADER + textwrap.dedent(text), marks=[*ORACLE]) for text, reason in WRONG_TORCH.values()],
    ids=WRONG_TORCH.keys(),
)
@pytest.mark.usefixtures("one_torch_thread")
def test_torch_code_counts_as_torch_counts_it(text: str) -> None:
    _agrees(text)


RIGHT_TORCH = {
    "a layer set twice": """
        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(784, 100)
                self.fc = nn.Linear(784, 10)
            def forward(self, x):
                return self.fc(torch.flatten(x, 1))
        model = Net()
    """,
    "one layer under two names": """
        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(784, 784)
                self.fc2 = self.fc
            def forward(self, x):
                x = torch.flatten(x, 1)
                return self.fc2(self.fc(x))
        model = Net()
    """,
    "a layer replaced after a Sequential took it": """
        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(28, 28)
                self.seq = nn.Sequential(self.fc, nn.ReLU())
                self.fc = nn.Linear(28, 3)
            def forward(self, x):
                return self.fc(self.seq(x))
        model = Net()
    """,
    "a Sequential of custom modules": """
        class Block(nn.Module):
            def __init__(self, n):
                super().__init__()
                self.fc = nn.Linear(n, n)
            def forward(self, x):
                return F.relu(self.fc(x)) + x
        model = nn.Sequential(Block(28), nn.Linear(28, 3), Block(3))
    """,
    "a shared module inside two blocks": """
        class Block(nn.Module):
            def __init__(self, shared):
                super().__init__()
                self.shared = shared
                self.own = nn.Linear(28, 28)
            def forward(self, x):
                return self.own(self.shared(x))
        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                s = nn.Linear(28, 28)
                self.b1 = Block(s)
                self.b2 = Block(s)
            def forward(self, x):
                return self.b2(self.b1(x))
        model = Net()
    """,
    "a ModuleList of one module thrice": """
        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.blocks = nn.ModuleList([nn.Linear(28, 28) for _ in range(3)])
                self.same = nn.ModuleList([nn.Linear(28, 28)] * 3)
            def forward(self, x):
                for b in self.blocks:
                    x = b(x)
                for b in self.same:
                    x = b(x)
                return x
        model = Net()
    """,
    "an overriding __init__ and class attributes": """
        class Base(nn.Module):
            expansion = 1
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(28, 100)
            def forward(self, x):
                return self.fc(x)
        class Child(Base):
            expansion = 4
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(28, 2 * self.expansion)
        model = Child()
    """,
    "super().forward in a chain": """
        class A(nn.Module):
            def __init__(self, n=28):
                super().__init__()
                self.a = nn.Linear(n, n)
            def forward(self, x):
                return self.a(x)
        class B(A):
            def __init__(self):
                super(B, self).__init__(28)
                self.b = nn.Linear(28, 4)
            def forward(self, x):
                return self.b(super().forward(x))
        class C(B):
            pass
        model = C()
    """,
    "x + y, x += y and torch.add": """
        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.a = nn.Linear(28, 28)
                self.b = nn.Linear(28, 28)
            def forward(self, x):
                y = self.a(x)
                x = x + y
                x += self.b(x)
                x = torch.add(x, self.a(x))
                return x
        model = Net()
    """,
    "dataclass defaults, field() and __post_init__": """
        from dataclasses import dataclass, field
        @dataclass
        class Base:
            width: int = 100
            n_layer: int = 1
        @dataclass
        class Cfg(Base):
            width: int = field(default=28)
            n_layer: int = 2
            def __post_init__(self):
                self.hidden = self.n_layer * 3
        class Net(nn.Module):
            def __init__(self, cfg):
                super().__init__()
                self.blocks = nn.ModuleList([nn.Linear(cfg.width, cfg.width) for _ in range(cfg.n_layer)])
                self.head = nn.Linear(cfg.width, cfg.hidden)
            def forward(self, x):
                for b in self.blocks:
                    x = b(x)
                return self.head(x)
        model = Net(Cfg(n_layer=3))
    """,
    "buffers without affine or running stats": """
        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.c = nn.Conv2d(1, 8, 3)
                self.bn = nn.BatchNorm2d(8, track_running_stats=False)
                self.bn2 = nn.BatchNorm2d(8, affine=False)
            def forward(self, x):
                return self.bn2(self.bn(self.c(x)))
        model = Net()
    """,
    "F.dropout with training=": """
        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(784, 10)
            def forward(self, x):
                x = F.dropout(torch.flatten(x, 1), 0.5, training=self.training)
                return self.fc(x.view(x.size(0), -1))
        model = Net()
    """,
    "arithmetic as Python does it": """
        import math
        model = nn.Sequential(
            nn.Linear(28, int(10 / 3)), nn.Linear(3, 7 // 2), nn.Linear(3, round(2.5)),
            nn.Linear(2, -7 // 2 + 10), nn.Linear(6, -7 % 3 + 1), nn.Linear(3, int(-2.5) + 5),
            nn.Linear(3, math.ceil(28 / 3)), nn.Linear(10, math.floor(-2.5) + 5),
            nn.Linear(2, round(4.5) + 1),
        )
    """,
}


@pytest.mark.parametrize(
    "text",
    [pytest.param(HEADER + textwrap.dedent(t), marks=ORACLE) for t in RIGHT_TORCH.values()],
    ids=RIGHT_TORCH.keys(),
)
@pytest.mark.usefixtures("one_torch_thread")
def test_torch_idioms_that_read_right(text: str) -> None:
    _agrees(text, must_read=True)


REFUSED_TORCH = {
    "modules in a plain list": """
        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.layers = [nn.Linear(28, 28), nn.Linear(28, 28)]
            def forward(self, x):
                for l in self.layers:
                    x = l(x)
                return x
        model = Net()
    """,
    "a module never used": """
        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(28, 5)
                self.unused = nn.Linear(1000, 1000)
            def forward(self, x):
                return self.fc(x)
        model = Net()
    """,
    "a global layer used in forward": """
        lin = nn.Linear(28, 28)
        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.out = nn.Linear(28, 3)
            def forward(self, x):
                return self.out(lin(x))
        model = Net()
    """,
    "a view to the wrong width": """
        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(392, 10)
            def forward(self, x):
                return self.fc(x.view(-1, 392))
        model = Net()
    """,
}


@pytest.mark.parametrize("text", REFUSED_TORCH.values(), ids=REFUSED_TORCH.keys())
def test_torch_code_counted_otherwise_by_torch_is_refused(text: str) -> None:
    refused_code(HEADER + textwrap.dedent(text))


KERAS = "import keras\nfrom keras import layers\n"


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(
            KERAS
            + "inputs = keras.Input(shape=(16,))\ninner = keras.Model(inputs, layers.Dense(8)(inputs))\n"
            "i2 = keras.Input(shape=(16,))\nmodel = keras.Model(i2, layers.Dense(3)(inner(i2)))\n",
            marks=[
                *ORACLE,
            ],
            id="a model inside a model",
        ),
        pytest.param(
            KERAS + "model = keras.Sequential([keras.Input(shape=(16,)), layers.Dense(8), layers.Dense(4)],"
            " trainable=False)\n",
            marks=[
                *ORACLE,
            ],
            id="a frozen Sequential",
        ),
    ],
)
@pytest.mark.usefixtures("one_torch_thread")
def test_keras_code_counts_as_keras_counts_it(text: str) -> None:
    _agrees(text, "keras")


RIGHT_KERAS = {
    "a layer applied twice": "inputs = keras.Input(shape=(16,))\nd = layers.Dense(16)\n"
    "x = d(inputs)\nx = d(x)\nmodel = keras.Model(inputs, x)\n",
    "a branch that does not reach the output": "inputs = keras.Input(shape=(16,))\n"
    "a = layers.Dense(16)(inputs)\ndead = layers.Dense(1000)(inputs)\nout = layers.Dense(4)(a)\n"
    "model = keras.Model(inputs, out)\n",
    "a shared layer in Sequential": "d = layers.Dense(16)\n"
    "model = keras.Sequential([keras.Input(shape=(16,)), d, d])\n",
    "a residual of one layer applied twice": "inputs = keras.Input(shape=(16,))\nd = layers.Dense(16)\n"
    "a = d(inputs)\nb = d(a)\nc = layers.add([a, b])\nmodel = keras.Model(inputs, c)\n",
    "frozen by trainable=False": "model = keras.Sequential([keras.Input(shape=(16,)), "
    "layers.Dense(8, trainable=False), layers.BatchNormalization(), layers.Dense(4)])\n",
}


@pytest.mark.parametrize(
    "text", [pytest.param(KERAS + t, marks=ORACLE) for t in RIGHT_KERAS.values()], ids=RIGHT_KERAS.keys()
)
@pytest.mark.usefixtures("one_torch_thread")
def test_keras_idioms_that_read_right(text: str) -> None:
    _agrees(text, "keras", must_read=True)


def test_crossing_keras_branches_are_refused() -> None:
    text = KERAS + textwrap.dedent("""
        inputs = keras.Input(shape=(16,))
        a = layers.Dense(16)(inputs)
        b = layers.Dense(16)(inputs)
        c = layers.add([a, b])
        d = layers.add([a, c])
        model = keras.Model(inputs, d)
    """)
    refused_code(text, "keras", None)


# ---------------------------------------------------------------------------------------------
# Python read as Python reads it (refusals of valid code: located, but wrong)
# ---------------------------------------------------------------------------------------------


def test_a_keyword_named_like_the_star_argument_goes_to_kwargs() -> None:
    text = _in_init("def f(*a, **k):\n    return len(a) + len(k)\nn = f(*[1, 2], **{'a': 1})", "n")
    assert read_code(text).total == 784 * 3 + 3


def test_positional_start_of_sum_and_enumerate() -> None:
    text = _in_init("n = sum([1, 2], 3)\nfor i, v in enumerate([10], 4):\n    n = n + i", "n")
    assert read_code(text).total == 784 * 10 + 10


def test_with_no_grad_is_read() -> None:
    text = _in_init("with torch.no_grad():\n    n = 10", "n")
    assert read_code(text).total == 7850


# ---------------------------------------------------------------------------------------------
# Positions in a real page: code indented in a list item or quoted in a blockquote
# ---------------------------------------------------------------------------------------------


def test_errors_in_indented_and_quoted_code_point_at_the_page(tmp_path: Path) -> None:
    page = """\
        # T

        1. Item

            ```cnn input="1x28x28" framework="pytorch"
            import torch.nn as nn
            class Net(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.fc = nn.Linear(784, 10)
                def forward(self, x):
                    return self.fc(undefined(x))
            model = Net()
            ```

        > ```cnn input="1x28x28" framework="pytorch"
        > import torch.nn as nn
        > model = nn.Sequential(nn.Flatten(), nn.Linear(784, 10), nn.Linear(11, 3))
        > ```
    """
    result = mkdocs_build(site(tmp_path, {"index.md": page}), "--strict")
    assert result.returncode != 0
    assert "docs/index.md:12:28: `undefined` is not defined" in result.stderr
    assert "docs/index.md:18:69: 2: in_features is 11" in result.stderr


def test_a_property_is_read_as_its_value() -> None:
    assert compute(_PROPERTY, fence_options("pytorch", "1x28x28")).total == 784 * 5 + 5


def test_a_top_level_loop_that_changes_no_model_is_read_past_never_run() -> None:
    """A notebook's `while True:` or training loop at the top level is not run, and changes no count."""
    text = (
        HEADER
        + "while True:\n    pass\nfor e in range(10**9):\n    train(e)\n"
        + "model = nn.Sequential(nn.Linear(28, 4))\n"
    )
    start = time.monotonic()
    assert read_code(text).total == 116
    assert time.monotonic() - start < 5

"""The fuzz tests' invariants and their strategies over the block grammar, raw text, mutations of
valid blocks and whole pages: shared by tests/test_fuzz.py, tests/test_errors_all.py and the
coverage-guided harness tests/fuzz_atheris.py (the invariants are stated in test_fuzz's docstring).
"""

from __future__ import annotations

import re

import markdown
from hypothesis import strategies as st

from mkdocs_paramcalc.dialects.catalogue import ALIASES, CATALOGUES, SYNONYMS
from mkdocs_paramcalc.errors import BlockError, Location
from mkdocs_paramcalc.frontends.pages import Outcome, run_text
from mkdocs_paramcalc.reading.options import FENCE_OPTIONS, Settings, parse_options
from mkdocs_paramcalc.reading.parse import parse_block
from mkdocs_paramcalc.report.model import build

# ---------------------------------------------------------------------------------------------
# The invariants
# ---------------------------------------------------------------------------------------------


def assert_inside(where: Location, body: str, header: str = "", *, fence_allowed: bool = True) -> None:
    """`where` points into the block: its fence line (line 0) or a line of its body."""
    lines = body.split("\n")
    assert where.column >= 1, where
    if where.line == 0:
        assert fence_allowed, f"{where}: an error about the body points at the fence"
        assert where.column <= max(len(header), 0) + 1 or not header, where
        return
    assert 1 <= where.line <= len(lines), (where, len(lines))
    assert where.column <= len(lines[where.line - 1]) + 1, (where, lines[where.line - 1])


def check_block(body: str, raw_options: dict[str, str] | None = None, framework: str = "keras") -> None:
    """build(parse_block(body)) gives a report or a BlockError, every location inside the block."""
    try:
        options = parse_options(dict(raw_options or {}), Settings(framework=framework))
        errors = build(parse_block(body), options).failed_claims
    except BlockError as error:
        errors = (error,)
    for error in errors:
        # Without options on the fence, nothing but the body can be at fault.
        assert_inside(error.where, body, fence_allowed=bool(raw_options))
        assert error.message


_POSITION = re.compile(r"^(?P<path>.*?):(?P<line>\d+):(?P<column>\d+)$")


def check_page(text: str, framework: str = "keras") -> list[Outcome]:
    """run_text locates every message in its block's lines of the file; none is an internal error."""
    # Lines as MkDocs reads a file and an editor shows it: a lone CR ends one too.
    file_lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    outcomes = run_text("p.md", text, Settings(framework=framework))
    for outcome in outcomes:
        first = outcome.fence.opener + 1  # the fence's line, from 1
        last = first + max(len(outcome.fence.body), 1)
        for error, position in outcome.failures:
            assert "internal error" not in error.message, (error.message, text)
            m = _POSITION.match(str(position))  # path:line:column, as a reader sees it
            assert m is not None, position
            line, column = int(m.group("line")), int(m.group("column"))
            assert first <= line <= last, (position, first, last)
            assert column >= 1, position
            if line <= len(file_lines):
                assert column <= len(file_lines[line - 1]) + 1, (position, file_lines[line - 1])
    return outcomes


PAYLOAD = "<script>alert(1)</script>"


def check_markdown(page: str) -> str:
    """The extension never raises, and never lets a block's payload out unescaped."""
    html = markdown.markdown(page, extensions=["mkdocs_paramcalc"])
    assert "<script" not in html.lower(), html
    return html


# ---------------------------------------------------------------------------------------------
# Strategies
# ---------------------------------------------------------------------------------------------

LAYERS = sorted({*CATALOGUES["keras"], *CATALOGUES["pytorch"], *ALIASES["keras"], *SYNONYMS["keras"]})
KEYWORDS = sorted(
    {n for kinds in CATALOGUES.values() for kind in kinds.values() for n in kind.signature.names}
)
JUNK_NAMES = [
    "Conv2d",
    "conv2d",
    "Dense2",
    "Сonv2D",  # Cyrillic С
    "Ｄｅｎｓｅ",  # fullwidth
    "Dеnse",  # Cyrillic е
    "ﬁlters",  # a ligature NFKC makes ASCII
    "x٣",  # Arabic-Indic three
    "_",
    "__import__",
    "eval",
    "open",
    "print",
    "True",
    "None",
    "nn",
    "A" * 101,
]
SYMBOLS = ["H", "W", "C", "D", "N", "N_f", "k", "s", "p", "n_hidden", "alpha", "H2"]
NUMBERS = [
    "0",
    "1",
    "2",
    "3",
    "-1",
    "10**30",
    "10**31",
    "1_000",
    "0x10",
    "0b101",
    "0o7",
    "2**127",
    "2**128",
    "9**9**9",
    "10**10**10",
    "1" + "0" * 40,
    "9" * 1200,
    "0.5",
    "1.0",
    "1e308",
    "1e999",
    "-0.0",
    "1e-300",
    ".5",
    "3.",
    "1j",
    "٣٢",
    "３２",
]
STRINGS = [
    '"relu"',
    '"same"',
    '"valid"',
    '"causal"',
    '"softmax"',
    '"zeros"',
    '"channels_first"',
    '"1,199,882"',
    '"1.199.882"',
    f'"{PAYLOAD}"',
    f"'{PAYLOAD}'",
    '"&amp; <b>x</b> \\" \' `"',
    '"\\x00"',
    '"\\u202e"',
    '"\\ud800"',
    '"\\N{RIGHT-TO-LEFT OVERRIDE}"',
    "'''a\nb'''",
    '"a" "b"',
    'b"x"',
    'f"{x}"',
    'r"\\d"',
    '"' + "x" * 1001 + '"',
    '"(H - 4) * 2"',
    '"(5 * 5 * 3 + 1) * 6"',
    '"k**2 * C + 1"',
    '"' + "(" * 70 + "1" + ")" * 70 + '"',
]
REFUSED = [
    "os.system",
    "x[0]",
    "lambda: 1",
    "[i for i in x]",
    "{1: 2}",
    "{1}",
    "...",
    "1 if x else 2",
    "a == b",
    "not x",
    "~1",
    "1 << 3",
    "1 @ 2",
    "(x := 1)",
    "*a",
    "**a",
    "await x",
    "yield",
    "Dense(3)",
    "f(1)",
    "print('x')",
    "__import__('os')",
    '"x" * 3',
    "-" * 200 + "1",
    "(" * 70 + "1" + ")" * 70,
    "+".join(["H"] * 80),
]
OPERATORS = ["+", "-", "*", "/", "//", "%", "**"]


@st.composite
def polynomials(draw: st.DrawFn) -> str:
    """Formulas in a few names: what makes sympy slow (high degrees, many terms, floors, remainders)."""
    names = draw(st.lists(st.sampled_from(SYMBOLS[:6]), min_size=1, max_size=3, unique=True))
    terms = []
    for _ in range(draw(st.integers(1, 6))):
        factors = [str(draw(st.integers(-9, 9)))]
        for name in names:
            power = draw(st.integers(0, 9))
            if power:
                factors.append(f"{name}**{power}" if power > 1 else name)
        terms.append("*".join(factors))
    text = " + ".join(terms)
    if draw(st.booleans()):
        text = f"({text})**{draw(st.integers(1, 40))}"
    return text


atoms = st.one_of(
    st.integers(-3, 300).map(str),
    st.sampled_from(NUMBERS),
    st.floats(allow_nan=False, allow_infinity=False, width=32).map(repr),
    st.sampled_from(STRINGS),
    st.text(max_size=8).map(repr),
    st.sampled_from(SYMBOLS),
    st.sampled_from(SYMBOLS),
    polynomials(),
    st.sampled_from(JUNK_NAMES),
    st.sampled_from(REFUSED),
)


def _extend(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.lists(children, max_size=4).map(
            lambda xs: "(" + ", ".join(xs) + ("," if len(xs) == 1 else "") + ")"
        ),
        st.lists(children, max_size=3).map(lambda xs: "[" + ", ".join(xs) + "]"),
        st.tuples(children, st.sampled_from(OPERATORS), children).map(lambda t: f"{t[0]} {t[1]} {t[2]}"),
        children.map(lambda x: f"({x})"),
        children.map(lambda x: f"-{x}"),
        st.tuples(st.sampled_from(LAYERS), st.lists(children, max_size=2)).map(
            lambda t: f"{t[0]}({', '.join(t[1])})"
        ),
    )


values = st.recursive(atoms, _extend, max_leaves=12)
layer_names = st.one_of(
    st.sampled_from(LAYERS),
    st.sampled_from(LAYERS).map(lambda n: f"nn.{n}"),
    st.sampled_from(JUNK_NAMES),
    st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,12}", fullmatch=True),
)
keywords = st.one_of(
    st.sampled_from(KEYWORDS),
    st.sampled_from(["name", "expect", "trainable", "input_shape", "activation", "units", "filters"]),
    st.sampled_from(JUNK_NAMES),
)


@st.composite
def calls(draw: st.DrawFn) -> str:
    name = draw(layer_names)
    args = draw(st.lists(values, max_size=4))
    kwargs = draw(st.lists(st.tuples(keywords, values), max_size=3))
    parts = args + [f"{k}={v}" for k, v in kwargs]
    separator = draw(st.sampled_from([", ", ",", ",\n    ", " , "]))
    return f"{name}({separator.join(parts)})"


input_lines = st.one_of(
    st.lists(st.one_of(st.integers(1, 64).map(str), st.sampled_from(SYMBOLS)), min_size=1, max_size=4).map(
        lambda xs: f"Input({', '.join(xs)})"
    ),
    st.just("Input(28, 28, 1)"),
    st.just("Input(1, 28, 28)"),
    st.just("Input(H, W, 3)"),
    st.just("Input(3, H, W)"),
    st.just("Input(100, 16)"),
    st.just("Input(shape=(28, 28, 1))"),
    calls(),
)
noise = st.sampled_from(
    [
        "",
        "   ",
        "\t",
        "# a comment <script>",
        "import os",
        "x = Dense(3)",
        "Dense(1); Dense(2)",
        "Dense(1)[0]",
        "def f(): pass",
        "  # indented comment",
        "Dense(1,",
        ")",
        "\\",
    ]
)


@st.composite
def bodies(draw: st.DrawFn) -> str:
    lines = [draw(input_lines)] if draw(st.booleans()) else []
    for _ in range(draw(st.integers(0, 6))):
        lines.append(draw(st.one_of(calls(), calls(), calls(), noise)))
    indent = draw(st.sampled_from(["", "", "  ", "\t", "    "]))
    return "\n".join(indent + line if draw(st.booleans()) else line for line in lines)


option_values = st.one_of(
    st.sampled_from(
        [
            "28x28x1",
            "28 × 28 × 1",
            "H x W x 3",
            "1, 28, 28",
            "keras",
            "pytorch",
            "tensorflow",
            "table",
            "table derivations",
            "table diagram",
            "diagram",
            "derivations",
            "macs",
            "mnist",
            "m-1",
            "1abc",
            "1,199,882",
            "1.199.882",
            "12",
            PAYLOAD,
            "(" * 70,
            "os.system",
            "",
        ]
    ),
    st.text(st.characters(exclude_characters='"\n\r'), max_size=12),
)
option_keys = st.one_of(
    st.sampled_from(FENCE_OPTIONS), st.sampled_from(["titel", "inputs", "Framework", "x"])
)
options = st.dictionaries(option_keys, option_values, max_size=4)


def header(raw: dict[str, str]) -> str:
    return "".join(f' {key}="{value}"' for key, value in raw.items())


# Valid blocks to mutate: every catalogue entry's own example, and a few whole networks.
SEEDS = [
    f"{kind.example_input}\n{kind.example}" for kinds in CATALOGUES.values() for kind in kinds.values()
] + [
    'Input(28, 28, 1)\nConv2D(32, 3, activation="relu")\nMaxPooling2D(2)\nFlatten()\nDense(10, expect=54090)',
    'Input(H, W, 1)\nConv2D(32, 3)\nConv2D(64, 3)\nMaxPooling2D(2)\nFlatten()\nDense(128, name="FC_1")',
    "Input(1, 28, 28)\nnn.Conv2d(1, 6, 5, padding=2)\nnn.MaxPool2d(2)\nnn.Flatten()\nnn.Linear(1176, 10)",
]
INTERESTING = (
    "()[]{},=+-*/%.:;'\"#\\ \n\t_0123456789xHWCkNn"
    "\x00\x01\x0b\x0c\r\x1b\x7f\x85\x9b\u00a0\u00ad\u061c\u200b\u200d\u200e\u200f\u2028\u2029"
    "\u202a\u202e\u2066\u2069\ufeff\ud800\udfff\u2060\u180e\U000e0041"
    "٣３Ｄ𝟑ﬁСеµé😀<>&"
)
chars = st.one_of(st.characters(), st.sampled_from(INTERESTING))


@st.composite
def mutated(draw: st.DrawFn) -> str:
    text = draw(st.sampled_from(SEEDS))
    for _ in range(draw(st.integers(1, 6))):
        at = draw(st.integers(0, len(text)))
        action = draw(st.sampled_from(["insert", "delete", "replace", "repeat"]))
        piece = draw(st.one_of(st.text(chars, min_size=1, max_size=4), values))
        if action == "insert":
            text = text[:at] + piece + text[at:]
        elif action == "delete":
            text = text[:at] + text[at + draw(st.integers(1, 8)) :]
        elif action == "replace":
            text = text[:at] + piece + text[at + len(piece) :]
        else:  # repeat a line, or a stretch of text, many times
            text = (
                text[:at] + text[at : at + draw(st.integers(1, 12))] * draw(st.integers(2, 300)) + text[at:]
            )
    return text


raw_text = st.one_of(
    st.text(chars, max_size=200),
    st.text(st.characters(), max_size=200),
    st.text(st.sampled_from(INTERESTING), max_size=400),
)


@st.composite
def pages(draw: st.DrawFn) -> str:
    parts = ["# A page", "", "Some prose, and `code`."]
    for _ in range(draw(st.integers(1, 3))):
        prefix = draw(st.sampled_from(["", "", "> ", "    ", "  ", "- "]))
        fence = draw(st.sampled_from(["```", "````", "~~~"]))
        info = draw(st.sampled_from(["cnn", "cnn", "{.cnn", " cnn", "cnn{", "python"]))
        body = draw(st.one_of(bodies(), mutated(), raw_text))
        raw = draw(options)
        lines = [f"{prefix}{fence}{info}{header(raw)}"]
        lines += [prefix + line for line in body.split("\n")]
        if draw(st.integers(0, 4)):  # now and then a fence is left open
            lines.append(prefix + fence)
        after = draw(st.sampled_from(["", "More prose.", "`#!cnn mnist.total`", "`#!cnn x.layers[0]`"]))
        parts += [*lines, after]
    return "\n".join(parts)

"""Fuzzing: whatever a page holds, a block fails only with a BlockError located inside it.

The invariants, for any text:

* `model.build(parse_block(body), options)` returns a report or raises BlockError, nothing
  else (no RecursionError, MemoryError, ValueError from sympy, ...), and every location it
  reports (the error's, and each failed claim's) has line ≥ 0 and column ≥ 1 and lies in the
  block: line ≤ the body's lines, column ≤ that line's length + 1 (line 0 is the fence);
* `pages.run_text` reports no internal error, and locates every message in the block's lines
  of the file;
* `markdown.markdown(page, extensions=["mkdocs_paramcalc"])` never raises, and a `<script`
  written in a block's layer names, strings, title or options never reaches the HTML
  unescaped.

The inputs come from strategies over the block grammar (layer names from both catalogues
and junk, arguments built from numbers, strings, tuples, names, arithmetic, nested calls
and constructs the whitelist refuses, random fence options), over raw Unicode text
(control characters, bidirectional overrides, surrogates, digits of other scripts,
look-alike letters), and over mutations of valid blocks.

By default the tests run about 1,200 examples in all, in well under a minute. To fuzz at
length, say how many examples to run in all (shared by the tests in the same proportions),
and optionally a deadline in milliseconds for each example, which turns a slow input into
a failure::

    PARAMCALC_FUZZ_EXAMPLES=100000 PARAMCALC_FUZZ_DEADLINE=2000 \\
        .venv/bin/python -m pytest tests/test_fuzz.py -m fuzz_long -p no:randomly -q

A failure prints the smallest input Hypothesis found; `--hypothesis-seed=N` replays a run.
`python tests/fuzz_atheris.py` fuzzes the same invariants guided by coverage (atheris).
"""

from __future__ import annotations

import os
import time
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mkdocs_paramcalc.errors import BlockError, Location
from mkdocs_paramcalc.frontends.pages import run_text
from mkdocs_paramcalc.reading.characters import UNSAFE
from mkdocs_paramcalc.reading.options import FENCE_OPTIONS, Settings, parse_options
from mkdocs_paramcalc.reading.parse import parse_block
from mkdocs_paramcalc.report.model import build
from mkdocs_paramcalc.report.references import Registry, resolve
from mkdocs_paramcalc.values import MAX_MAGNITUDE
from tests.fuzzing import (
    PAYLOAD,
    assert_inside,
    bodies,
    check_block,
    check_markdown,
    check_page,
    header,
    mutated,
    option_keys,
    options,
    pages,
    raw_text,
)

pytestmark = pytest.mark.fuzz_long

TOTAL = int(os.environ.get("PARAMCALC_FUZZ_EXAMPLES", "1200"))
DEADLINE = os.environ.get("PARAMCALC_FUZZ_DEADLINE")
# Each test's share of TOTAL: the cheap ones run more.
SHARES = {"grammar": 0.30, "raw": 0.20, "mutated": 0.20, "pages": 0.15, "markdown": 0.15, "characters": 0.05}


def fuzz_settings(kind: str) -> settings:
    return settings(
        max_examples=max(int(TOTAL * SHARES[kind]), 10),
        deadline=timedelta(milliseconds=int(DEADLINE)) if DEADLINE else None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
    )


# ---------------------------------------------------------------------------------------------
# The tests
# ---------------------------------------------------------------------------------------------


@fuzz_settings("grammar")
@given(body=bodies(), raw=options, framework=st.sampled_from(["keras", "pytorch"]))
def test_blocks_from_the_grammar_fail_only_with_located_errors(
    body: str, raw: dict[str, str], framework: str
) -> None:
    check_block(body, raw, framework)


@fuzz_settings("raw")
@given(text=raw_text)
def test_raw_text_fails_only_with_located_errors(text: str) -> None:
    check_block(text)
    check_block("Input(28, 28, 1)\n" + text)


@fuzz_settings("mutated")
@given(text=mutated(), framework=st.sampled_from(["keras", "pytorch"]))
def test_mutated_blocks_fail_only_with_located_errors(text: str, framework: str) -> None:
    check_block(text, framework=framework)


@fuzz_settings("pages")
@given(page=pages(), framework=st.sampled_from(["keras", "pytorch"]))
def test_pages_locate_every_error_in_its_block(page: str, framework: str) -> None:
    check_page(page, framework)


@st.composite
def payload_pages(draw: st.DrawFn) -> str:
    """Pages whose only markup is in blocks: names, strings, titles and options carrying a payload."""
    body = draw(st.one_of(bodies(), mutated()))
    lines = body.split("\n")
    at = draw(st.integers(0, len(lines)))
    quote = draw(st.sampled_from(['"', "'"]))
    lines.insert(at, f"Dense(3, name={quote}{PAYLOAD}{quote})")
    raw = draw(options)
    raw[draw(option_keys)] = PAYLOAD
    if draw(st.booleans()):
        raw["title"] = PAYLOAD
    fence = draw(st.sampled_from(["```", "~~~~"]))
    prose = draw(st.sampled_from(["Text.", "`#!cnn mnist.total`", "`#!cnn m.layers[0].name`", "- item"]))
    return f"# Page\n\n{prose}\n\n{fence}cnn{header(raw)}\n" + "\n".join(lines) + f"\n{fence}\n\n{prose}\n"


@fuzz_settings("markdown")
@given(page=payload_pages())
def test_markdown_never_raises_and_never_lets_a_payload_through(page: str) -> None:
    check_markdown(page)


# A refused character (characters.py) anywhere in an option's value or a reference: the error
# names it and points at it, counted in characters.
# A CR ends a line and STX and ETX are stripped, as Markdown reads a page: they reach no option.
refused_chars = st.characters(categories=["Cc", "Cf", "Cs", "Zl", "Zp"], exclude_characters='\n\r\x02\x03"')
# No backslash: one before the closing quote escapes it.
plain_text = st.text(st.characters(exclude_characters='\n\r\x02\x03"\\'), max_size=6)


@fuzz_settings("characters")
@given(
    before=plain_text,
    bad=refused_chars,
    after=plain_text,
    key=st.sampled_from(FENCE_OPTIONS),
    prefix=st.sampled_from(["", "> ", "  "]),
)
def test_a_refused_character_in_an_option_is_pointed_at(
    before: str, bad: str, after: str, key: str, prefix: str
) -> None:
    header = f'{prefix}```cnn {key}="{before}{bad}{after}"'
    (outcome,) = run_text("p.md", f"{header}\n{prefix}Input(3)\n{prefix}Dense(1)\n{prefix}```\n", Settings())
    (message,) = outcome.errors
    first = UNSAFE.search(header)
    assert first is not None
    assert message.startswith(f"p.md:1:{first.start() + 1}: option `{key}` holds "), message
    assert f"U+{ord(first.group()):04X}" in message


@fuzz_settings("characters")
@given(
    reference=st.sampled_from(["mnist.total", 'mnist.layers["FC_1"].params', "m.layers[0]", ""]),
    at=st.integers(0, 30),
    bad=refused_chars,
)
def test_a_refused_character_in_a_reference_is_pointed_at(reference: str, at: int, bad: str) -> None:
    text = reference[:at] + bad + reference[at:]
    with pytest.raises(BlockError) as info:
        resolve(text, Registry())
    assert info.value.where == Location(1, text.index(bad) + 1)
    assert f"U+{ord(bad):04X}" in info.value.message


# ---------------------------------------------------------------------------------------------
# Hostile inputs named one by one: each is a located BlockError (or a right answer), in time.
# ---------------------------------------------------------------------------------------------

INPUT = "Input(28, 28, 1)\n"
HOSTILE = {
    "10,000 nested parentheses": (INPUT + "Dense(" + "(" * 10_000 + "1" + ")" * 10_000 + ")", "nested"),
    "10,000 nested tuples": (INPUT + "Dense(" + "(" * 10_000 + "1," + ")" * 10_000 + ")", "nested"),
    "10,000 minus signs": (INPUT + "Dense(" + "-" * 10_000 + "1)", "nested"),
    "90,000 minus signs": (INPUT + "Dense(" + "-" * 90_000 + "1)", "nested"),
    "10,000 nots": (INPUT + "Dense(" + "not " * 10_000 + "1)", "nested"),
    "a sum of 40,000 ones": (INPUT + "Dense(" + "+".join(["1"] * 40_000) + ")", "nested"),
    "a power tower of 10,000": (INPUT + "Dense(" + "**".join(["2"] * 10_000) + ")", "nested"),
    "40,000 attribute steps": (INPUT + "Dense(a" + ".a" * 40_000 + ")", "nested"),
    "40,000 calls of a call": (INPUT + "Dense(a" + "()" * 40_000 + ")", "nested"),
    "a 1,000,000-digit integer": (INPUT + "Dense(" + "9" * 999_000 + ")", "characters long"),
    "a 90,000-digit integer": (INPUT + "Dense(" + "9" * 90_000 + ")", "digits"),
    "a 5,000-digit integer": (INPUT + "Dense(" + "9" * 5_000 + ")", "digits"),
    "1e308 * 10": (INPUT + "Dense(1e308 * 10)", "too large"),
    "9**9**9**9": (INPUT + "Dense(9**9**9**9)", "exponents are at most"),
    "10**10**10": (INPUT + "Dense(10**10**10)", "exponents are at most"),
    "2 ** (H - H + 10**30)": ("Input(H)\nDense(2 ** (H - H + 10**30))", "exponents are at most"),
    "(H * 10**30) ** 128": ("Input(H)\nDense((H * 10**30) ** 128)", "too large"),
    "(H ** 128) ** 128": ("Input(H)\nDense((H ** 128) ** 128)", "degree 128"),
    "H / (H - H)": ("Input(H)\nDense(H / (H - H))", "division by zero"),
    "10,000 layers": (INPUT + "Dense(1)\n" * 10_000, "at most 1,000"),
    "9,000 layers on one line": (INPUT + "; ".join(["Dense(1)"] * 9_000), "at most 1,000"),
    "a block of 2 MB": (INPUT + "# " + "x" * 2_000_000, "characters long"),
    "a block of 99 kB in a comment": (INPUT + "Dense(1)  # " + "x" * 99_000, ""),
    "a NUL byte": (INPUT + "Dense(1)\x00", "U+0000"),
    "an escape": (INPUT + "Dense(1)\x1b[31m", "U+001B"),
    "a C1 control": (INPUT + "Dense(1)\x9b", "U+009B"),
    "a bidi override": (INPUT + 'Dense(1, name="a\u202eb")', "U+202E"),
    "a bidi isolate": (INPUT + "Dense(1)  # \u2066", "U+2066"),
    "a bidi override by escape": (INPUT + 'Dense(1, name="\\u202e")', "U+202E"),
    "a NUL by escape": (INPUT + 'Dense(1, name="\\x00")', "U+0000"),
    "an unpaired surrogate": (INPUT + 'Dense(1, name="\ud800")', "surrogate"),
    "an unpaired surrogate by escape": (INPUT + 'Dense(1, name="\\udfff")', "surrogate"),
    "a line separator": (INPUT + "Dense(1)\u2028Dense(2)", "U+2028"),
    "a byte-order mark": ("\ufeff" + INPUT + "Dense(1)", "U+FEFF"),
    "a zero-width space in a name": (INPUT + "Den\u200bse(32)", "U+200B"),
    "a word joiner in a number": (INPUT + "Dense(3\u20602)", "U+2060"),
    "a soft hyphen in a comment": (INPUT + "Dense(1)  # a\u00adb", "U+00AD"),
    "an Arabic letter mark by escape": (INPUT + 'Dense(1, name="\\u061c")', "U+061C"),
    "a paragraph separator by escape": (INPUT + 'Dense(1, name="\\u2029")', "U+2029"),
    "a tag character by escape": (INPUT + 'Dense(1, name="\\U000e0041")', "U+E0041"),
    "Arabic-Indic digits": (INPUT + "Dense(٣٢)", "digits 0-9"),
    "fullwidth digits": (INPUT + "Dense(３２)", "digits 0-9"),
    "a fullwidth layer name": (INPUT + "Ｄｅｎｓｅ(32)", "FULLWIDTH LATIN CAPITAL LETTER D"),
    "a Cyrillic С": (INPUT + "Сonv2D(32, 3)", "CYRILLIC CAPITAL LETTER ES"),
    "a Cyrillic е in a keyword": (INPUT + "Dense(32, usе_bias=False)", "CYRILLIC SMALL LETTER IE"),
    "a ligature in a symbol": (INPUT + "Dense(ﬁ)", "LIGATURE"),
    "a digit of another script in a name": (INPUT + "Dense(x٣)", "ARABIC-INDIC DIGIT THREE"),
    "a fullwidth nn.": ("Input(1, 28, 28)\nｎｎ.Conv2d(1, 6, 5)", "FULLWIDTH"),
    "a 90,000-character name": (INPUT + "D" * 90_000 + "(1)", "at most 100 are read"),
    "a 1,000,000-character name": (INPUT + "Dense(" + "a" * 990_000 + ")", "characters long"),
    "a 90,000-character string": (INPUT + 'Dense(1, name="' + "a" * 90_000 + '")', "strings are at most"),
    "40,000 arguments": (INPUT + "Dense(" + ",".join(["1"] * 40_000) + ")", "at most 64 arguments"),
    "10,000 keywords": (INPUT + "Dense(1," + ",".join(f"k{i}=1" for i in range(10_000)) + ")", "at most 64"),
    "a tuple of 40,000": (INPUT + "Dense((" + ",".join(["1"] * 40_000) + "))", "at most 64 are read"),
    "a huge flatten": ("Input(" + ", ".join(["10**30"] * 60) + ")\nFlatten()", "sizes are at most"),
    "upsampling to 10^60": ("Input(1, 1)\n" + "UpSampling1D(10**30)\n" * 200, "sizes are at most"),
    "a count past 10^30": (INPUT + "Flatten()\nDense(10**30)", "a count is at most"),
    "(H + W) ** 100": ("Input(H, W, 1)\nDense((H + W) ** 100)", "multiplies out to more than 32 terms"),
    "H ** 7": ("Input(H)\nDense(H ** 7)", "degree 7"),
    "a product of 3,000 symbols": (
        "Input(H, W, 1)\nDense(" + "*".join(f"a{i}" for i in range(3000)) + ")",
        "nested",
    ),
    "a product of 16 sums": (
        "Input(H)\nDense(" + "*".join(f"(a{i} + b{i})" for i in range(16)) + ")",
        "multiplies out",
    ),
    "names in 15,000 places": ("Input(H)\n" + ("Dense(" + ",".join(["H + 1"] * 60) + ")\n") * 250, "places"),
    "1,000 symbolic layers": ("Input(H, W, C)\n" + "Conv2D(N, 3, padding='same')\n" * 999, "places"),
    "200 symbolic pools": (
        "Input(H, W, C)\n" + "MaxPooling2D(2, padding='same')\n" * 200,
        "formulas have grown",
    ),
    "200 symbolic strided convolutions": (
        "Input(H, W, C)\n" + "Conv2D(F, k, strides=s)\n" * 200,
        "formulas have grown",
    ),
    "300 layers of new symbols": (
        "Input(H)\n" + "".join(f"Dense(a{i} + b{i})\n" for i in range(300)),
        "formulas have grown",
    ),
    "(a + b + c + d + e) ** 16 (PyTorch)": ("Input(N)\nnn.Linear((a + b + c + d + e) ** 16, 10)", "32 terms"),
    "(a + b + c + d + e) ** 32 (Keras)": ("Input(H, W)\nReshape(((a + b + c + d + e) ** 32,))", "32 terms"),
    "a size of degree 8": ("Input(H)\nnn.Linear((H**2 + 1) ** 4, 10)", "degree 8"),
    "% of names": ("Input(H)\nDense((H**3 + 2*H + 1) % (H**2 - 3))", "% takes numbers"),
    "floor of a degree-31 polynomial": (
        "Input(H)\nDense((" + " + ".join(f"H**{i}" for i in range(32)) + ") // (H**2 + 1))",
        "degree 7",
    ),
    "(H + 1) ** 64 // (2*H + 3)": ("Input(H)\nDense((H + 1) ** 64 // (2*H + 3))", "32 terms"),
    "40 different floors of cubics": (
        "Input(H)\n"
        + "".join(
            f"Dense((6*H**3 + H**2 - 2*H + {i}) // (-2*H**3 - 8*H**2 + 7*H - {i}))\n" for i in range(40)
        ),
        "",  # stopped after 1 s of sympy's time, or finished: either way in time
    ),
    "an input of degree 6 and polynomial strides": (
        "Input(2*H**6 + H**4 - 3*H**2 + 2*H + 6, 3)\n"
        + "".join(f"Conv1D(3, {i + 2}, strides=H**2 + {i})\n" for i in range(20)),
        "degree 8",
    ),
    "a flatten of degree 7": ("Input(a, b, c, d, e, f, g)\nFlatten()", "degree 7"),
    "in_features compared with a product": (
        "Input(C, H, W)\nnn.Flatten()\nnn.Linear((H + 1) * (W - 1) * C - C * H + C * W + C, 10)",
        "",
    ),
    "five strided convolutions then Linear(N)": (
        "Input(C, H, W)\n" + "nn.Conv2d(C, C, k, stride=s)\n" * 4 + "nn.Flatten()\nnn.Linear(N, 10)",
        "",
    ),
}


@pytest.mark.parametrize(("text", "words"), list(HOSTILE.values()), ids=list(HOSTILE))
def test_hostile_blocks_fail_fast_with_a_located_error(text: str, words: str) -> None:
    started = time.perf_counter()
    try:
        build(parse_block(text), parse_options({}, Settings()))
        error = None
    except BlockError as raised:
        error = raised
    elapsed = time.perf_counter() - started
    if error is None:
        assert not words, "expected an error"
    else:
        assert words in str(error), str(error)
        assert_inside(error.where, text, fence_allowed=False)
    # Generous: these take well under a second here; a loaded CI machine may be slower.
    assert elapsed < 3, f"{elapsed:.2f} s"


def test_the_whole_pipeline_of_a_hostile_page_is_quick() -> None:
    """The largest valid block, and the slowest symbolic one within the bounds, render in time."""
    big = "```cnn\nInput(28, 28, 1)\n" + "Conv2D(1, 1)\n" * 999 + "```\n"
    symbolic = "```cnn\nInput(D, H, W, C)\n" + "Conv3D(F, k, strides=s)\n" * 3 + "Flatten()\nDense(N)\n```\n"
    for page in (big, symbolic):
        started = time.perf_counter()
        html = check_markdown(page)
        assert "paramcalc-error" not in html
        assert time.perf_counter() - started < 5


def _column_of(text: str, needle: str) -> Location:
    """Where `needle` first occurs in `text`, as a Location (both from 1)."""
    offset = text.index(needle)
    line = text.count("\n", 0, offset) + 1
    return Location(line, offset - (text.rfind("\n", 0, offset) + 1) + 1)


@pytest.mark.parametrize(
    ("text", "culprit"),
    [
        ('Input(3)\n  Dense(1, name="a\u202eb")', "\u202e"),
        ('Input(3)\n  Dense(1, na\u200bme="x")', "\u200b"),
        ("Input(3)\n  Dense(1)  # µ\u2069", "\u2069"),
        ("Input(3)\n\tDense(1)\x00", "\x00"),
        ("Input(3)\n  Dense(32, usе_bias=False)", "е"),
        ("Input(3)\n  Ｄｅｎｓｅ(32)", "Ｄ"),
        ("Input(3)\nnn.Lineаr(3, 1)", "а"),
        ("Input(3)\nDense(e, ﬁ)", "ﬁ"),
        # The bracket that goes one level too deep: Dense's own is the first.
        ("Input(3)\n  Dense(" + "(" * 63 + "[" + "(" * 6 + "1" + ")" * 6 + "]" + ")" * 64, "["),
        ("Input(3)\nDense(1, units=" + "7" * 1_200 + ")", "7"),
        ("Input(3)\n Dense(   ３２)", "３"),
    ],
)
def test_errors_point_at_the_character_at_fault(text: str, culprit: str) -> None:
    with pytest.raises(BlockError) as info:
        build(parse_block(text), parse_options({}, Settings()))
    assert info.value.where == _column_of(text, culprit), str(info.value)


def test_the_security_page_states_every_limit() -> None:
    from mkdocs_paramcalc.reading import parse
    from mkdocs_paramcalc.report.references import MAX_REFERENCE

    page = (Path(__file__).parent.parent / "docs" / "security.md").read_text(encoding="utf-8")
    stated = [
        f"| {parse.MAX_BLOCK_CHARS:,} characters |",
        f"| {parse.MAX_LAYERS:,} |",
        f"| {parse.MAX_DEPTH} levels",
        f"| {parse.MAX_ARGUMENTS} in one call, and {parse.MAX_ARGUMENTS} items",
        f"| {parse.MAX_NAME} characters",
        f"| {parse.MAX_STRING:,} characters |",
        f"| {parse.MAX_DIGITS:,} in a row",
        f"| 10^{len(str(MAX_MAGNITUDE)) - 1} |",
        f"| {parse.MAX_EXPONENT_BITS}, and a power at most 2^{parse.MAX_EXPONENT_BITS} |",
        f"| {parse.MAX_TERMS} terms, and degree {parse.MAX_DEGREE} in the names",
        f"| {parse.MAX_SYMBOLIC_STEPS:,} names",
        f"| {parse.MAX_FORMULA_NODES:,} symbols",
        f"| {parse.MAX_SECONDS:g} second to read",
        f"| {2 * parse.MAX_TERMS} terms, multiplied out |",
        f"| {MAX_REFERENCE} characters |",
    ]
    assert [phrase for phrase in stated if phrase not in page] == []


def test_the_same_checks_catch_a_misplaced_location() -> None:
    """The checker itself: a location outside the block is caught."""
    with pytest.raises(AssertionError):
        assert_inside(Location(3, 1), "a\nb")
    with pytest.raises(AssertionError):
        assert_inside(Location(1, 3), "a\nb")
    with pytest.raises(AssertionError):
        assert_inside(Location(0, 1), "a", fence_allowed=False)
    assert_inside(Location(2, 2), "a\nb")

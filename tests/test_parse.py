"""The parser reads Python syntax through ast and a whitelist; nothing in a block runs."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mkdocs_paramcalc import memo
from mkdocs_paramcalc.errors import BlockError, Location
from mkdocs_paramcalc.reading.parse import MAX_LAYERS, parse_block, parse_expression

PACKAGE = Path(__file__).parent.parent / "mkdocs_paramcalc"


def error(text: str) -> BlockError:
    with pytest.raises(BlockError) as info:
        parse_block(text)
    return info.value


def test_calls_arguments_and_positions() -> None:
    calls = parse_block(
        'Input(28, 28, 1)\n  Conv2D(32, (3, 3),\n     activation="relu")  # c\n\nDense(2 ** 3 * 4)\n'
    )
    assert [c.name for c in calls] == ["Input", "Conv2D", "Dense"]
    conv = calls[1]
    assert conv.where == Location(2, 3)
    assert [a.value for a in conv.args] == [32, (3, 3)]
    assert conv.args[1].where == Location(2, 14)
    assert conv.keyword("activation").value == "relu"
    assert conv.keyword("activation").where == Location(3, 6)
    assert calls[2].args[0].value == 32


def test_arithmetic_is_exact() -> None:
    (call,) = parse_block("Dense(64 / 2, rate=1 / 4, n=7 // 2, m=-(3 - 5), k=7 % 4, f=0.5)")
    values = [call.args[0].value] + [arg.value for _, arg in call.kwargs]
    assert values == [32, 0.25, 3, 2, 3, 0.5]
    assert isinstance(values[0], int)


def test_names_become_symbols() -> None:
    (call,) = parse_block("Input(H, 2 * W, 1)")
    h, w2, one = (a.value for a in call.args)
    assert str(h) == "H"
    assert str(w2) == "2*W"
    assert h.is_integer
    assert h.is_positive
    assert one == 1


def test_columns_count_characters_not_bytes() -> None:
    err = error('Dense(1, name="é")\nDense("é" 3)')
    assert err.where == Location(2, 7)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("x = Conv2D(32, 3)", "does not assign"),
        ('__import__("os").system("touch /tmp/paramcalc-pwned")', "plain name"),
        ('open("/etc/passwd").read()', "plain name"),
        ("Conv2D(os.system)", "attribute access"),
        ("Conv2D(x[0])", "indexing"),
        ("Conv2D([i for i in range(9)])", "comprehension"),
        ("Conv2D(lambda: 1)", "lambda"),
        ('Conv2D(f"{x}")', "f-string"),
        ("Conv2D(Dense(3))", "cannot stand inside"),
        ("Conv2D(*a)", "*arguments"),
        ("Conv2D(**a)", "**arguments"),
        ("Conv2D({1: 2})", "a dict"),
        ("Conv2D(1 if x else 2)", "not part of a block"),
        ("Conv2D(a == b)", "not part of a block"),
        ("def f(): pass", "expected a layer"),
        ("Conv2D(32, 3)[0]", "expected a layer"),
        ("Conv2D(32 3)", "could not read this"),
        ("Conv2D(9 ** 9 ** 9 ** 9)", "exponents are at most"),
        ("Conv2D(3 ** 100)", "too large"),
        ("Conv2D(10 ** 40)", "too large"),
        ("Conv2D(1 / 0)", "division by zero"),
        ('Conv2D("a" * 3)', "arithmetic works on numbers"),
        ("Conv2D(1e999)", "not finite"),
        ("Conv2D(1j)", "complex literal"),
        ("Conv2D(b'x')", "bytes literal"),
        ("Conv2D(1)\x00", "control character"),
        ("Conv2D(" * 100 + ")" * 100, "nested"),
    ],
)
def test_rejected_with_a_located_message(text: str, words: str) -> None:
    err = error(text)
    assert words in str(err)
    assert err.where.line >= 1
    assert err.where.column >= 1


def test_nothing_runs(tmp_path: Path) -> None:
    """Code in a block is an error, and its side effects never happen."""
    target = tmp_path / "pwned"
    for text in (
        f'__import__("os").system("touch {target}")',
        f'Dense(__import__("os").system("touch {target}"))',
        f'Dense(open("{target}", "w").write("x"))',
        "Dense((lambda: exit())())",
    ):
        with pytest.raises(BlockError):
            parse_block(text)
    assert not target.exists()


def test_no_eval_in_the_package_source() -> None:
    """The package never calls eval, exec, compile, sympify or parse_expr on anything."""
    banned_names = {"eval", "exec", "compile", "sympify", "parse_expr", "__import__"}
    banned_attributes = {"eval", "exec", "sympify", "parse_expr", "S", "literal_eval"}
    for path in PACKAGE.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            if isinstance(func, ast.Name):
                assert func.id not in banned_names, f"{path.name}:{node.lineno} calls {func.id}"
            elif isinstance(func, ast.Attribute) and func.attr in banned_attributes:
                # literal_eval reads the catalogue's own signatures, never page text.
                assert (path.name, func.attr) == ("signature.py", "literal_eval"), (
                    f"{path.name}:{node.lineno} calls {func.attr}"
                )


def test_expression_for_options() -> None:
    assert parse_expression("28, 28, 1", Location(0, 5)) == (28, 28, 1)
    with pytest.raises(BlockError) as info:
        parse_expression("28, os.system", Location(0, 5))
    assert info.value.where == Location(0, 5)


def test_huge_block_is_refused_quickly() -> None:
    err = error("Dense(1)\n" * 200_000)
    assert "at most" in str(err)


def test_many_layers_parse() -> None:
    assert len(parse_block("Dense(1)\n" * MAX_LAYERS)) == MAX_LAYERS


def test_symbolic_values_print_as_a_teacher_writes_them() -> None:
    import sympy

    from mkdocs_paramcalc.values import as_text, readable, symbol

    h, w, k, c, n = (symbol(s) for s in ("H", "W", "k", "C", "N_f"))
    half = sympy.Rational(1, 2)
    pooled = (sympy.floor(h / 2) - 2) * (sympy.floor(w / 2) - 2)
    cases = {
        sympy.floor(h * half - k * half - half) + 1: ("floor((H - k + 1)/2)", "⌊(H − k + 1)/2⌋"),
        (pooled * 64 + 1) * 128: (
            "8192*floor((H - 4)/2)*floor((W - 4)/2) + 128",
            "8,192·⌊(H − 4)/2⌋·⌊(W − 4)/2⌋ + 128",
        ),
        n * (c * k**2 + 1): ("N_f*(C*k**2 + 1)", "N_f·(C·k² + 1)"),
        (320 * h - 640) * (w - 2) + 10: ("320*(H - 2)*(W - 2) + 10", "320·(H − 2)·(W − 2) + 10"),
        sympy.ceiling(h * half): ("ceiling(H/2)", "⌈H/2⌉"),
    }
    for value, (plain, text) in cases.items():
        shown = readable(value)
        assert (str(shown), as_text(value)) == (plain, text)
        at = {h: 29, w: 31, k: 3, c: 5, n: 7}
        assert shown.subs(at) == value.subs(at)  # the same value, written differently
    assert readable(12) == 12


def test_lines_read_before_keep_their_own_places() -> None:
    """A line read in one block is not parsed again in another, but its locations are its own."""
    first = parse_block('Input(28, 28, 1)\nConv2D(32, 3, activation="relu")\nFlatten()')
    assert 'Conv2D(32, 3, activation="relu")' in memo.memos()["parse: lines"]  # read from here next
    again = parse_block(
        '# a comment\n\n  Input(28, 28, 1)\n\tFlatten()\n    Conv2D(32, 3, activation="relu")'
    )
    assert [c.name for c in again] == ["Input", "Flatten", "Conv2D"]
    assert again[2].where == Location(5, 5)
    assert again[2].keyword("activation").where == Location(5, 19)  # type: ignore[union-attr]
    assert again[2].args[1].where == Location(5, 16)
    assert again[1].where == Location(4, 2)
    assert first[1].where == Location(2, 1)  # the first block's own place, not the second's


def test_a_known_line_inside_a_longer_statement_is_read_in_context() -> None:
    parse_block("Flatten()\nDense(10)")
    calls = parse_block("Dense(\n  10)\nFlatten()")  # "  10)" cannot be read alone: all is parsed
    assert [(c.name, c.where.line) for c in calls] == [("Dense", 1), ("Flatten", 3)]
    with pytest.raises(BlockError) as info:
        parse_block("Dense(1,\nFlatten()\n)")  # a call as an argument, not a layer
    assert info.value.where.line == 2


def test_lines_with_names_still_count_towards_the_bounds() -> None:
    from mkdocs_paramcalc.reading.parse import MAX_SYMBOLIC_STEPS

    line = "Dense(" + " + ".join(["N"] * 50) + ")\n"
    parse_block(line)
    with pytest.raises(BlockError, match="names in more than"):
        parse_block(line * (MAX_SYMBOLIC_STEPS // 50 + 1))


LINE_POOL = [
    "Input(28, 28, 1)",
    'Conv2D(32, 3, activation="relu")',
    "  MaxPooling2D((2, 2))",
    "Flatten()",
    "\tDense(10)",
    "Dense(N)",
    "# Dense(",
    "",
    "Dense(",
    "  10)",
    "Conv2D(8, 3,",
    '    padding="same")',
    "Dense(1); Flatten()",
    "Dense(1) \\",
    '"""',
    "Dense(f(1))",
    "Dense(1, units=2)",
    "Ｄｅｎｓｅ(3)",
    "Dense(1, name='é')",
]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(LINE_POOL), max_size=12), st.lists(st.sampled_from(LINE_POOL), max_size=12))
def test_lines_read_before_give_what_a_fresh_reading_gives(warm_up: list[str], lines: list[str]) -> None:
    def read(text: str) -> object:
        try:
            return parse_block(text)
        except BlockError as error:
            return str(error)

    text = "\n".join(lines)
    memo.clear_all()  # each example starts afresh: the fixture clears once a test, not once an example
    fresh = read(text)
    memo.clear_all()
    read("\n".join(warm_up))  # remembers some lines, in other places
    read(text.replace("\n", "\n\n"))
    assert read(text) == fresh

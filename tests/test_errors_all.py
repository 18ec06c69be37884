"""Every independent error of a block in one run, each at its own place, in the order they stand;
errors that follow from an earlier one (the shapes after a failed layer) are not reported."""

from __future__ import annotations

import time

import pytest
from hypothesis import given, settings

from mkdocs_paramcalc.dialects.catalogue import CATALOGUES, VALUE_CHECKS
from mkdocs_paramcalc.errors import MAX_ERRORS, BlockError, BlockErrors, Location, each
from mkdocs_paramcalc.reading.options import Settings, parse_options
from mkdocs_paramcalc.reading.parse import parse_block
from mkdocs_paramcalc.report.model import build
from tests.fuzzing import assert_inside, mutated
from tests.helpers import compute

KERAS_INPUT = "Input(28, 28, 1)\n"
TORCH_INPUT = "Input(1, 28, 28)\n"


def errors(text: str, framework: str = "keras") -> list[tuple[Location, str]]:
    """Each error of the block, with where it points."""
    with pytest.raises(BlockError) as info:
        build(parse_block(text), parse_options({}, Settings(framework=framework)))
    return [(error.where, error.message) for error in each(info.value)]


def place(text: str, needle: str, nth: int = 1) -> Location:
    """Where the `nth` occurrence of `needle` starts in `text`, lines and columns from 1."""
    offset = -1
    for _ in range(nth):
        offset = text.index(needle, offset + 1)
    return Location(text.count("\n", 0, offset) + 1, offset - (text.rfind("\n", 0, offset) + 1) + 1)


def test_an_unknown_layer_a_misspelt_keyword_and_an_unknown_activation_all_at_once() -> None:
    text = (
        KERAS_INPUT
        + "Conv2D(32, 3)\nMaxPooling2D(2)\nConvv2D(64, 3)\n"
        + "Conv2D(64, 3, kernel_sise=3)\nDense(10, activation='rleu')\nDense(10)"
    )
    found = errors(text)
    assert [where for where, _ in found] == [
        Location(4, 1),
        place(text, "kernel_sise"),
        place(text, "activation='rleu'"),
    ]
    assert "unknown Keras layer `Convv2D`" in found[0][1]
    assert "has no argument `kernel_sise`" in found[1][1]
    assert "unknown activation 'rleu'" in found[2][1]


def test_the_same_in_pytorch() -> None:
    text = (
        TORCH_INPUT
        + "nn.Conv2d(1, 6, 5)\nnn.Konv2d(6, 16, 5)\nnn.Conv2d(16, 16, 3, bais=False)\n"
        + "nn.ReLU(inplace=3)\nnn.Linear(10, 10, bias='yes')"
    )
    found = errors(text, "pytorch")
    assert [where for where, _ in found] == [
        Location(3, 1),
        place(text, "bais"),
        place(text, "inplace"),
        place(text, "bias='yes'"),
    ]
    assert "unknown PyTorch layer `Konv2d`" in found[0][1]
    assert found[1][1].startswith("Conv2d-3: has no argument `bais`")
    assert found[2][1] == "ReLU-4: `inplace` must be True or False, got 3"
    assert found[3][1] == "Linear-5: `bias` must be True or False, got 'yes'"


def test_shapes_after_a_failed_layer_are_not_checked_but_its_arguments_are() -> None:
    # Conv2D on a vector fails; the next Conv2D would fail for the same reason: only the first is
    # reported. Its own bad activation, and the later layer's bad flag, are independent.
    text = "Input(10)\nConv2D(3, 3, activation='x')\nConv2D(3, 3)\nDense(2, use_bias=2)"
    found = errors(text)
    assert [where for where, _ in found] == [
        Location(2, 1),
        place(text, "activation='x'"),
        place(text, "use_bias"),
    ]
    assert "needs a 3-D input" in found[0][1]


def test_a_shape_error_alone_stops_the_walk_and_says_nothing_more() -> None:
    found = errors("Input(4, 4, 1)\nConv2D(3, 5)\nConv2D(3, 3)\nFlatten()\nDense(10)")
    assert len(found) == 1
    assert found[0][0] == Location(2, 1)


def test_several_wrong_keywords_of_one_layer_are_each_an_error() -> None:
    text = KERAS_INPUT + "Conv2D(32, 3, strides=1, paddin='same', activaton='relu', use_bias=True)"
    found = errors(text)
    assert [where for where, _ in found] == [place(text, "paddin"), place(text, "activaton")]


def test_a_misspelt_required_argument_is_one_error_not_two() -> None:
    # `unit` is the misspelt `units`: "needs `units`" would follow from it.
    found = errors(KERAS_INPUT + "Flatten()\nDense(unit=10)")
    assert len(found) == 1
    assert "has no argument `unit`" in found[0][1]
    (alone,) = errors(KERAS_INPUT + "Flatten()\nDense()")
    assert "needs `units`" in alone[1]


def test_errors_inside_residual_branches_and_repeat() -> None:
    text = (
        KERAS_INPUT
        + "Residual(Conv2D(1, 3, padding='same', activation='relx'), Dense(1, bad=2), "
        + "shortcut=[Conv2D(1, 1, bogus=1)], foo=1)\n"
        + "Repeat(3, Dense(5, activation='x'), Dense(3, name='n'))\n"
        + "Branches([Dense(1)], [Denze(2)], merge='cat')"
    )
    found = errors(text)
    assert [where for where, _ in found] == [
        place(text, "activation='relx'"),
        place(text, "bad=2"),
        place(text, "bogus=1"),
        place(text, "foo=1"),
        place(text, "activation='x'"),
        place(text, "Dense(3, name='n')"),
        place(text, "Denze"),
        place(text, "merge='cat'"),
    ]
    messages = [message for _, message in found]
    assert messages[3] == "Residual has no argument `foo`; it takes `shortcut=`, `name=`, `expect=`"
    assert "a name given inside Repeat" in messages[5]  # once, though there are three copies
    assert 'merge is "concat", "add" or "multiply"' in messages[7]


def test_a_copy_of_repeat_that_fails_is_reported_once() -> None:
    # Each copy halves the input: the third has nothing left. The copies after it add nothing.
    text = "Input(8, 8, 1)\nRepeat(5, Conv2D(1, 3, strides=2, activation='relu'), MaxPooling2D(1))"
    found = errors(text)
    assert len(found) == 1
    assert found[0][0] == place(text, "Conv2D")


def test_a_block_keyword_does_not_hide_the_errors_inside_it() -> None:
    text = KERAS_INPUT + "Repeat(2, Dense(1, activation='rleu'), nme='x')"
    found = errors(text)
    assert [where for where, _ in found] == [place(text, "activation"), place(text, "nme")]


def test_pytorch_blocks_are_checked_inside_too() -> None:
    text = (
        TORCH_INPUT
        + "Residual(nn.Conv2d(1, 1, 3, padding=1, bias=0), shortcut=[nn.Conv2d(1, 1, 1, strde=1)])\n"
        + "Branches([nn.ReLU(inplace='y')], [nn.Identity()])"
    )
    found = errors(text, "pytorch")
    assert [where for where, _ in found] == [
        place(text, "bias=0"),
        place(text, "strde"),
        place(text, "inplace"),
    ]
    assert found[0][1] == "Conv2d-1.1: `bias` must be True or False, got 0"


def test_no_input_shape_and_wrong_layers_are_all_reported() -> None:
    text = "Conv2D(3, 3, activation='x')\nDense(1, activation='y')"
    found = errors(text)
    assert [where for where, _ in found] == [
        Location(1, 1),
        place(text, "activation='x'"),
        place(text, "activation='y'"),
    ]
    assert "does not say its input shape" in found[0][1]


def test_names_given_twice_and_wrong_names_do_not_stop_the_walk() -> None:
    text = KERAS_INPUT + "Flatten(name='f')\nDense(3, name='')\nDense(3, name='f')\nDense(2, activation='no')"
    found = errors(text)
    assert [where for where, _ in found] == [
        place(text, "name=''"),
        Location(4, 1),
        place(text, "activation='no'"),
    ]
    assert "two layers are named 'f'" in found[1][1]


def test_parse_errors_in_several_statements() -> None:
    text = (
        "Input(28, 28, 1)\nConv2D(32 3)\nDense(f(1))\nConv2D(8,\n  3,\n  4 5)\n"
        "# a comment ( with a bracket\nDense('a(' 2)\nFlatten()\nx += 1"
    )
    found = errors(text)
    assert [where for where, _ in found] == [
        place(text, "32 3"),
        place(text, "f(1)"),
        place(text, "4 5"),
        place(text, "'a(' 2"),
        Location(10, 1),
    ]
    assert "function calls are not part of a block" in found[1][1]
    assert "does not assign names" in found[4][1]


def test_a_bracket_never_closed_swallows_the_rest_as_python_does() -> None:
    (only,) = errors("Input(3)\nDense(\nFlatten()\nDense(1 2)")
    assert only[0] == Location(2, 6)
    assert "never closed" in only[1]


def test_a_statement_over_several_lines_with_a_good_and_a_bad_one() -> None:
    text = "Input(3)\nDense(\n  1,\n  activation='relu')\nDense(1 2)\nDense(\n  x[0])"
    found = errors(text)
    assert [where for where, _ in found] == [place(text, "1 2"), place(text, "x[0]")]


def test_errors_are_capped_with_a_count_of_the_rest() -> None:
    bad = 30
    text = KERAS_INPUT + "Flatten()\n" + "".join(f"Dense(1, x{i}=1)\n" for i in range(bad))
    found = errors(text)
    assert len(found) == MAX_ERRORS + 1
    assert found[-1][1] == f"… and {bad - MAX_ERRORS} more errors in this block"
    assert found[-1][0] == Location(3 + MAX_ERRORS, 10)  # where the first error not shown is
    assert [where.line for where, _ in found] == sorted(where.line for where, _ in found)


def test_a_long_garbage_block_is_quick_and_short() -> None:
    lines = 4_000
    text = "Dense(1 2)\n" * lines
    started = time.perf_counter()
    with pytest.raises(BlockError) as info:
        parse_block(text)
    elapsed = time.perf_counter() - started
    assert len(each(info.value)) == MAX_ERRORS + 1
    assert elapsed < 3, f"{elapsed:.2f} s"


def test_a_group_reads_as_its_first_error() -> None:
    with pytest.raises(BlockErrors) as info:
        parse_block("Dense(1 2)\nDense(3 4)")
    assert info.value.where == Location(1, 7)
    assert [e.where.line for e in each(info.value)] == [1, 2]


def _bad_value(check_name: str) -> str:
    return {
        "activation": "'nonsense'",
        "recurrent_activation": "'nonsense'",
        "data_format": "'sideways'",
    }.get(check_name, "7")


VALUE_CASES = [
    (framework, kind.name, argument)
    for framework, kinds in CATALOGUES.items()
    for kind in kinds.values()
    for argument in kind.signature.names
    if argument in VALUE_CHECKS[framework]
]


@pytest.mark.parametrize(("framework", "kind_name", "argument"), VALUE_CASES)
def test_every_value_check_is_one_the_layer_makes_itself(
    framework: str, kind_name: str, argument: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A check run on the layers after a failed one says only what the layer itself would say."""
    kind = CATALOGUES[framework][kind_name]
    call = kind.example
    (example,) = parse_block(call)
    if example.keyword(argument) or argument in kind.signature.names[: len(example.args)]:
        pytest.skip("the example gives it")
    comma = "" if call.endswith("()") else ", "
    text = f"{kind.example_input}\n{call[:-1]}{comma}{argument}={_bad_value(argument)})"
    with_checks = errors(text, framework)
    monkeypatch.setattr("mkdocs_paramcalc.dialects.catalogue.VALUE_CHECKS", {"keras": {}, "pytorch": {}})
    assert errors(text, framework) == with_checks
    assert place(text, f"{argument}=") in [where for where, _ in with_checks]


@settings(max_examples=150, deadline=None)
@given(text=mutated())
def test_every_error_of_a_mutated_block_is_in_it_once(text: str) -> None:
    try:
        build(parse_block(text), parse_options({}, Settings()))
    except BlockError as error:
        found = each(error)
        assert len(found) <= MAX_ERRORS + 1
        assert len({(e.where, e.message) for e in found}) == len(found)
        assert [e.where for e in found] == sorted(e.where for e in found)
        for one in found:
            assert_inside(one.where, text, fence_allowed=False)
            assert one.message


def test_the_errors_not_shown_are_all_counted() -> None:
    keywords = ", ".join(f"x{k}=1" for k in range(63))
    with pytest.raises(BlockError) as caught:
        compute(f"Input(8)\nDense(3, {keywords})")
    found = each(caught.value)
    assert len(found) == MAX_ERRORS + 1
    assert found[-1].message == f"… and {63 - MAX_ERRORS} more errors in this block"

"""Residual, Branches and Repeat: reading them, their shapes and counts, and how every output shows them.

The counts themselves are proven against Keras and PyTorch in test_oracles_blocks.py; here, the
rules around them: located errors, bounds, names, folding, references, JSON and the figure.
"""

from __future__ import annotations

import json
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import markdown
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mkdocs_paramcalc import memo
from mkdocs_paramcalc.errors import BlockError, Location, each
from mkdocs_paramcalc.reading.options import Settings, parse_options
from mkdocs_paramcalc.reading.parse import MAX_LAYERS, MAX_NESTING, parse_block
from mkdocs_paramcalc.report.model import Fold, Report, Row, shown, walk
from mkdocs_paramcalc.report.references import Defined as _Defined
from mkdocs_paramcalc.report.references import Registry, resolve
from mkdocs_paramcalc.report.table import kind
from mkdocs_paramcalc.writers import summary
from mkdocs_paramcalc.writers.svg import diagram
from tests.helpers import STAGE, SYMBOLIC_STAGES, block_error, compute

DOWN = """\
Input(32, 32, 16)
Residual(
    Conv2D(32, 3, strides=2, padding="same"), BatchNormalization(), ReLU(),
    shortcut=[Conv2D(32, 1, strides=2, name="projection")],
)
Repeat(3, Conv2D(8, 3, padding="same"), ReLU())
"""


# Reading ----------------------------------------------------------------------------------------


def test_layers_inside_keep_their_own_places() -> None:
    calls = parse_block(STAGE)
    repeat = calls[1]
    assert (repeat.name, repeat.where, repeat.args[0].value, repeat.size) == ("Repeat", Location(2, 1), 2, 12)
    residual, relu = repeat.paths[0]
    assert residual.where == Location(3, 5)
    assert relu.where == Location(7, 5)
    main, shortcut = residual.paths
    line = STAGE.split("\n")[3]

    def column(text: str) -> int:
        return line.index(text) + 1

    expected = [Location(4, column(t)) for t in ("nn.Conv2d", "nn.BatchNorm2d", "nn.ReLU")]
    assert [c.where for c in main[:3]] == expected
    assert main[3].where.line == 5
    assert main[0].args[2].where == Location(4, column("3,"))
    assert shortcut == ()


def test_a_block_on_one_line_read_again_is_moved_to_its_place() -> None:
    line = "Residual(Dense(4), ReLU(), shortcut=[Dense(4)])"
    parse_block(line)
    (call,) = parse_block("\n  " + line)  # from the cache of lines read before
    assert call.where == Location(2, 3)
    assert [c.where for c in call.paths[0]] == [Location(2, 12), Location(2, 22)]
    assert call.paths[1][0].args[0].where == Location(2, 3 + line.index("4)]"))


@pytest.mark.parametrize(
    ("text", "words", "where"),
    [
        ("Dense(Conv2D(3, 3))", "cannot stand inside another layer's arguments", Location(1, 7)),
        ("Dense(f(3))", "function calls are not part of a block", Location(1, 7)),
        ("Residual(3)", "Residual takes layers", Location(1, 10)),
        ("Residual()", "Residual holds no layers", Location(1, 1)),
        ("Residual(Dense(2), shortcut=Dense(3))", "a path is a list of layers", Location(1, 29)),
        ("Residual(Dense(2), merge=Dense(3))", "cannot stand inside", Location(1, 26)),
        ("Branches([Dense(2)])", "at least two paths", Location(1, 1)),
        ("Branches([Dense(2)], Dense(3))", "a path is a list of layers", Location(1, 22)),
        ("Repeat(Dense(2))", "the number of copies first", Location(1, 1)),
        ("Repeat(2.5, Dense(2))", "a whole number from 1", Location(1, 8)),
        ("Repeat(0, Dense(2))", "a whole number from 1", Location(1, 8)),
        ("Repeat(2)", "Repeat holds no layers", Location(1, 1)),
        ("Repeat(10**6, Dense(2))", "a whole number from 1 to 1,000", Location(1, 8)),
        ("Repeat(1000, Repeat(1000, Dense(2)))", "stands for 1,000,000 layers", Location(1, 1)),
        ("Residual(*layers)", r"\*arguments", Location(1, 10)),
    ],
)
def test_misplaced_calls_are_located(text: str, words: str, where: Location) -> None:
    with pytest.raises(BlockError, match=words) as info:
        parse_block(text)
    assert info.value.where == where


def test_copies_count_towards_the_bound_on_layers_quickly() -> None:
    started = time.monotonic()
    with pytest.raises(BlockError, match="more than 1,000 layers") as info:
        parse_block("Input(4)\nRepeat(500, Dense(2))\nRepeat(501, Dense(2))")
    assert info.value.where == Location(3, 1)
    parse_block(f"Repeat({MAX_LAYERS}, Dense(2))")
    assert time.monotonic() - started < 1


def test_nesting_is_bounded() -> None:
    deep = "Dense(2)"
    for _ in range(MAX_NESTING):
        deep = f"Residual({deep})"
    parse_block(deep)
    with pytest.raises(BlockError, match="nested more than 8 deep"):
        parse_block(f"Residual({deep})")


def test_the_security_page_states_the_nesting_bound() -> None:
    page = (Path(__file__).parent.parent / "docs" / "security.md").read_text(encoding="utf-8")
    assert f"| {MAX_NESTING} block constructs inside one another |" in page


POOL = [
    "Input(8, 8, 3)",
    'Residual(Conv2D(3, 3, padding="same"), ReLU())',
    "Repeat(2,",
    "  Dense(3))",
    "Branches([Dense(2)], [], merge='concat')",
    "Residual(Dense(3),",
    "    shortcut=[Dense(3)])",
    "Repeat(2, Residual(Dense(3)), Dense(f(1)))",
    "Flatten()",
    "Residual(Dense(N))",
]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(POOL), max_size=8), st.lists(st.sampled_from(POOL), max_size=8))
def test_lines_with_blocks_read_before_give_a_fresh_reading(warm_up: list[str], lines: list[str]) -> None:
    def read(text: str) -> object:
        try:
            return parse_block(text)
        except BlockError as exc:
            return str(exc)

    text = "\n".join(lines)
    memo.clear_all()  # each example starts afresh: the fixture clears once a test, not once an example
    fresh = read(text)
    memo.clear_all()
    read("\n".join(warm_up))
    read(text.replace("\n", "\n\n"))
    assert read(text) == fresh


# Shapes, counts, names --------------------------------------------------------------------------


def test_sums_and_folded_copies() -> None:
    report = compute(STAGE, parse_options({"framework": "pytorch"}, Settings()))
    (repeat,) = report.rows
    assert repeat.group is not None
    assert repeat.group.copies == 2
    residuals = [r for _, r in walk(report.rows) if r.kind == "Residual"]
    assert [r.params for r in residuals] == [73_984, 73_984]
    assert repeat.params == report.total == 2 * 73_984
    assert report.buffers == 4 * (2 * 64 + 1)
    # Every copy is a row of its own, but a table shows the first, then the fold.
    items = list(shown(report.rows))
    assert [type(item).__name__ for _, item in items].count("Fold") == 1
    fold = next(item for _, item in items if isinstance(item, Fold))
    assert (fold.times, fold.params) == (2, repeat.params)
    assert report.macs == sum((r.macs for r in report.leaves()), 0) > 0


def test_pytorch_names_number_the_layers_inside() -> None:
    report = compute(STAGE, parse_options({"framework": "pytorch"}, Settings()))
    names = [r.name for _, r in walk(report.rows)]
    assert names[:4] == ["Repeat-1", "Residual-1.1", "Conv2d-1.1.1", "BatchNorm2d-1.1.2"]
    assert names[7:9] == ["ReLU-1.2", "Residual-1.3"]


def test_keras_names_and_the_first_copy_that_differs() -> None:
    report = compute(DOWN)
    residual, repeat = report.rows
    assert [r.name for r in residual.group.rows] == ["conv2d", "batch_normalization", "re_lu", "projection"]  # type: ignore[union-attr]
    assert repeat.group is not None
    copies = repeat.group.paths
    assert [r.name for copy in copies for r in copy] == [
        "conv2d_1", "re_lu_1", "conv2d_2", "re_lu_2", "conv2d_3", "re_lu_3",
    ]  # fmt: skip
    assert [copy[0].params for copy in copies] == [2312, 584, 584]  # 32 channels in, then 8
    assert [times for _, times in repeat.group.runs()] == [1, 2]
    assert residual.shape == (16, 16, 32)


@pytest.mark.parametrize(
    ("text", "words", "line"),
    [
        (
            "Input(8, 8, 3)\nResidual(Conv2D(4, 3))",
            "the main path gives (6, 6, 4), the shortcut (the identity) gives (8, 8, 3)",
            2,
        ),
        (
            "Input(8, 8, 3)\nBranches([Conv2D(4, 3)],\n  [Conv2D(4, 1)])",
            "path 1 gives (6, 6, 4), path 2 gives (8, 8, 4); concatenated on the channel axis",
            2,
        ),
        (
            'Input(8, 8, 3)\nBranches([Conv2D(4, 1)], [Conv2D(5, 1)], merge="add")',
            "only equal shapes can be added",
            2,
        ),
        ('Input(8, 8, 3)\nBranches([Dense(2)], [Dense(2)], merge="sum")', 'merge is "concat", "add" or', 2),
        ("Input(8, 8, 3)\nResidual(Dense(3), units=2)", "Residual has no argument `units`", 2),
        ('Input(8, 8, 3)\nRepeat(2, Dense(3, name="d"))', "would name every copy alike", 2),
        ("Input(8, 8, 3)\nResidual(\n  Input(8, 8, 3))", "`Input` must be the first line", 3),
        (
            "Input(8, 8, 3)\nResidual(\n  Conv2d(3, 3, 1))",
            "its input has 8 channels (the input of Residual-1",
            3,
        ),
        ("Input(8, 8, 3)\nResidual(\n  Conv2d(3, 3, 1), Dense(3))", "`Dense` is a Keras layer", 3),
        (
            # ⌊H/2⌋ and ⌈H/2⌉ differ for odd H: never taken as equal.
            'Input(H, W, 3)\nResidual(Conv2D(3, 3, padding="same"), MaxPooling2D(2),\n'
            "  shortcut=[Conv2D(3, 1, strides=2)])",
            "sympy cannot tell",
            2,
        ),
    ],
)
def test_errors_show_each_path_and_point_at_the_block(text: str, words: str, line: int) -> None:
    found = block_error(text)
    assert words in str(found)
    assert found.where.line == line


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        (
            'Input(56, 56, 64)\nResidual(Conv2D(128, 3, strides=2, padding="same"))',
            "[Conv2D(128, 1, strides=2)]",
        ),
        (
            "Input(64, 56, 56)\nResidual(nn.Conv2d(64, 128, 3, stride=2, padding=1))",
            "[nn.Conv2d(64, 128, 1, stride=2)]",
        ),
        ('Input(H, W, 3)\nResidual(Conv2D(8, 3, padding="same"))', "[Conv2D(8, 1)]"),
        ("Input(64)\nResidual(nn.Linear(64, 3))", "[nn.Linear(64, 3)]"),
    ],
)
def test_the_hint_suggests_a_projection_that_fits(text: str, hint: str) -> None:
    assert hint in block_error(text).hint


def test_torch_concatenates_on_the_first_axis() -> None:
    report = compute(
        "Input(3, 8, 8)\nBranches([nn.Conv2d(3, 4, 1)], [nn.Conv2d(3, 5, 3, padding=1)], [])",
        parse_options({}, Settings()),
    )
    assert report.framework == "pytorch"
    assert report.rows[0].shape == (12, 8, 8)


def test_claims_on_a_block_check_its_subtotal() -> None:
    report = compute('Input(4)\nResidual(Dense(4), expect="20")\nRepeat(2, Dense(4), expect=40)')
    assert report.failed_claims == ()
    report = compute("Input(4)\nResidual(Dense(4), expect=21)")
    (claim,) = report.failed_claims
    assert "the text says 21, the formula gives 20" in claim.message


def test_symbolic_sizes_pass_through_an_identity_shortcut() -> None:
    report = compute('Input(H, W, C)\nResidual(Conv2D(C, 3, padding="same"))')
    assert str(report.rows[0].params) == str(report.total)
    assert "C" in str(report.total)


@pytest.mark.parametrize("framework", list(SYMBOLIC_STAGES))
def test_a_strided_projection_meets_symbolic_sizes(framework: str) -> None:
    import sympy

    text = SYMBOLIC_STAGES[framework]
    options = parse_options({"framework": framework}, Settings())
    symbolic = compute(text, options)
    h, w = sympy.Symbol("H", integer=True, positive=True), sympy.Symbol("W", integer=True, positive=True)
    # Every size and count, the sizes put in, is what the block with those numbers computes.
    for height, width in [(3, 4), (5, 6), (7, 8), (9, 9), (14, 15), (28, 31), (56, 56), (57, 225)]:
        numbers = compute(text.replace("H, W", f"{height}, {width}"), options)
        sizes = {h: height, w: width}
        for (_, ours), (_, theirs) in zip(walk(symbolic.rows), walk(numbers.rows), strict=True):
            assert tuple(sympy.sympify(d).subs(sizes) for d in ours.shape) == theirs.shape, ours.name
            assert sympy.sympify(ours.macs).subs(sizes) == theirs.macs, ours.name
        assert symbolic.total == numbers.total


@pytest.mark.parametrize("n", [2, 3, 4, 7])
def test_floor_and_ceiling_identities_are_proved_and_only_those(n: int) -> None:
    import sympy

    from mkdocs_paramcalc.dialects.blocks import same_size

    h, w = sympy.Symbol("H", integer=True, positive=True), sympy.Symbol("W", integer=True, positive=True)
    floor, ceiling = sympy.floor, sympy.ceiling
    pairs = [
        (ceiling(h / n), floor((h - 1) / n) + 1),
        (ceiling((h + 5) / n), floor((h + 4 + n) / n)),
        (floor((3 * h + 2) / n) + 2 * w, floor((3 * h + 2 + 2 * n * w) / n)),
        (64 * ceiling(h / n) * ceiling(w / n), 64 * (floor((h - 1) / n) + 1) * (floor((w - 1) / n) + 1)),
        (ceiling(floor(h / 2) / n), floor((floor(h / 2) - 1) / n) + 1),
        (floor(h / n), ceiling(h / n)),
        (floor((h + 1) / n), floor(h / n) + 1),
        (ceiling(h / n) * w, floor(h / n) * w + 1),
        (floor(h / n), floor(h / (n + 1))),
        (ceiling(h / (n * n)), ceiling(ceiling(h / n) / n)),
    ]
    values = [(x, y) for x in range(1, 4 * n * n + 3) for y in (1, 2, n, 2 * n + 1)]
    equal = [all(a.subs({h: x, w: y}) == b.subs({h: x, w: y}) for x, y in values) for a, b in pairs]
    assert equal == [True] * 5 + [False] * 4 + [True]
    verdicts = [same_size(a, b) for a, b in pairs]
    assert verdicts[:5] + verdicts[9:] == [True] * 6
    assert all(v is not True for v in verdicts[5:9])  # a wrong "equal" would be a wrong count


def test_a_declared_size_in_another_form_of_the_same_floor_is_accepted() -> None:
    # After a stride-2 convolution with padding=1 the map is ⌊(H − 1)/2⌋ + 1 high: (H + 1) // 2.
    body = "Input(3, H, W)\nnn.Conv2d(3, 8, 3, stride=2, padding=1)\nnn.Flatten()\nnn.Linear({}, 10)\n"
    report = compute(body.format("8 * ((H + 1) // 2) * ((W + 1) // 2)"))
    from mkdocs_paramcalc.values import symbol

    assert report.rows[-1].params.subs({symbol("H"): 28, symbol("W"): 27}) == (8 * 14 * 14 + 1) * 10
    with pytest.raises(BlockError, match="in_features is 8·⌊H/2⌋·⌊"):  # ⌊H/2⌋ is not ⌊(H + 1)/2⌋
        compute(body.format("8 * (H // 2) * ((W + 1) // 2)"))


_SIZE_TERMS = st.tuples(
    st.sampled_from(["floor", "ceiling"]),
    st.integers(1, 3),  # the coefficient of H
    st.integers(-4, 4),  # the constant inside
    st.integers(1, 4),  # the divisor
    st.integers(-2, 2),  # the constant outside
    st.booleans(),  # of ⌊H/2⌋ rather than of H
)


@settings(max_examples=150, deadline=None)
@given(_SIZE_TERMS, _SIZE_TERMS)
def test_sizes_taken_as_equal_are_equal_for_every_value(
    a: tuple[str, int, int, int, int, bool], b: tuple[str, int, int, int, int, bool]
) -> None:
    import sympy

    from mkdocs_paramcalc.dialects.blocks import same_size

    h = sympy.Symbol("H", integer=True, positive=True)

    def size(term: tuple[str, int, int, int, int, bool]) -> sympy.Expr:
        kind, coefficient, inside, divisor, outside, halved = term
        x = sympy.floor(h / 2) if halved else h
        return getattr(sympy, kind)((coefficient * x + inside) / divisor) + outside

    if same_size(size(a), size(b)) is True:
        assert all(size(a).subs(h, x) == size(b).subs(h, x) for x in range(1, 100)), (size(a), size(b))
    # Every size is proved equal to itself written in the other form of a ceiling.
    kind, coefficient, inside, divisor, outside, halved = a
    if kind == "ceiling":
        other = ("floor", coefficient, inside + divisor - 1, divisor, outside, halved)
        assert same_size(size(a), size(other))


# Outputs ----------------------------------------------------------------------------------------


def test_the_table_indents_and_folds() -> None:
    html = markdown.markdown(
        f'```cnn id="stage" framework="pytorch"\n{STAGE}```\n', extensions=["mkdocs_paramcalc"]
    )
    assert (
        '<tr class="paramcalc-block"><th scope="row">Repeat-1 <span class="paramcalc-kind">Repeat × 2' in html
    )
    assert '<tr class="paramcalc-depth-2"><th scope="row">Conv2d-1.1.1' in html
    assert html.count('class="paramcalc-fold paramcalc-depth-1"') == 1
    assert "Conv2d-1.3.1" not in html  # the second copy is folded
    assert "2 × Residual-1.1" in html  # the subtotal's derivation
    assert "2 × 73,984 = 147,968" in html
    assert "36,864 + 128 + 36,864 + 128 = 73,984" in html


def test_the_fold_line_has_the_copies_macs() -> None:
    # The first copy reads 3 channels and is shown apart; the next two fold. Each of those
    # convolutions: 8 × 8 × 16 outputs of 3 × 3 × 16 multiply-accumulates; ReLU counts none.
    body = 'Input(8, 8, 3)\nRepeat(3, Conv2D(16, 3, padding="same"), ReLU())\n'
    copy_macs, copy_params = 8 * 8 * 16 * (3 * 3 * 16), 3 * 3 * 16 * 16 + 16
    report = compute(body, parse_options({"show": "table macs memory"}, Settings()))
    fold = next(item for _, item in shown(report.rows) if isinstance(item, Fold))
    assert (fold.times, fold.params, fold.macs) == (2, 2 * copy_params, 2 * copy_macs)
    assert report.macs == 8 * 8 * 16 * (3 * 3 * 3) + fold.macs
    html = markdown.markdown(f'```cnn show="table macs memory"\n{body}```\n', extensions=["mkdocs_paramcalc"])
    fold_row = html[html.index('<tr class="paramcalc-fold') :].split("</tr>")[0]
    assert fold_row.endswith(
        f'<td class="paramcalc-num">{2 * copy_params:,}</td><td class="paramcalc-num">{2 * copy_macs:,}</td>'
        "<td></td>"
    )
    text = summary.text(report, "t")
    assert (
        f"│   × 2 copies of the layers above │              │   {2 * copy_params:,} │ {2 * copy_macs:,} │"
        in text
    )
    assert f"| {2 * copy_params:,} | {2 * copy_macs:,} |" in summary.markdown(report, "t")
    assert r"& 4{,}640 & 294{,}912 & \\" in summary.latex(report, "t")
    # Without `macs`, the fold line has no MACs cell.
    plain = markdown.markdown(f"```cnn\n{body}```\n", extensions=["mkdocs_paramcalc"])
    assert f'<td class="paramcalc-num">{2 * copy_params:,}</td></tr>' in plain


def test_summaries_indent_and_json_nests() -> None:
    report = compute(DOWN)
    text = summary.text(report, "down")
    assert "│   conv2d (Conv2D)" in text
    assert "│ residual (Residual)" in text
    assert "× 2 copies of the layers above" in text
    assert "\\quad conv2d (Conv2D)" in summary.latex(report, "down")
    assert "| \u2003conv2d (Conv2D) |" in summary.markdown(report, "down")
    blob = json.loads(summary.dump_json([summary.as_json(report, "f.md", 1)]))
    residual, repeat = blob["blocks"][0]["layers"]
    assert residual["params"] == sum(layer["params"] for layer in residual["layers"])
    assert residual["paths"] == [["conv2d", "batch_normalization", "re_lu"], ["projection"]]
    assert repeat["copies"] == 3
    assert len(repeat["layers"]) == 6


def test_references_reach_inside() -> None:
    report = compute(DOWN)
    registry = Registry()
    registry.define("down", _Defined(report, "f.md:1"))
    assert resolve("down.layers[0].params", registry).number == report.rows[0].params
    assert resolve('down.layers["projection"].params', registry).number == 32 * 16 + 32
    assert resolve('down.layers["conv2d_3"].output_shape', registry).shape == (16, 16, 8)
    with pytest.raises(BlockError, match="sum of its layers"):
        resolve("down.layers[1].formula", registry)


def test_a_misspelt_name_inside_a_block_is_suggested() -> None:
    registry = Registry()
    registry.define("down", _Defined(compute(DOWN), "f.md:1"))
    with pytest.raises(BlockError) as info:
        resolve('down.layers["projecton"].params', registry)
    assert info.value.hint == "did you mean `projection`?"
    # Every name, nested ones too, in the table's order; at most ten of them, then how many.
    assert info.value.message == (
        "no layer is named 'projecton'; the layers are 'residual', 'conv2d', 'batch_normalization', "
        "'re_lu', 'projection', 'repeat', 'conv2d_1', 're_lu_1', 'conv2d_2', 're_lu_2', … (12 in all)"
    )
    with pytest.raises(BlockError, match=r"did you mean `conv2d_3`\?"):
        resolve('down.layers["conv2d_33"].params', registry)


def _figure(report: Report) -> ET.Element:
    return ET.fromstring(diagram(report, set(), "1"))


def test_the_figure_draws_the_shortcut_and_the_paths() -> None:
    svg = _figure(compute(DOWN))
    ns = "{http://www.w3.org/2000/svg}"
    drawn = [g for g in svg.iter(f"{ns}g") if g.get("class") == "paramcalc-diagram-block"]
    assert sum(len(list(g.iter(f"{ns}circle"))) for g in drawn) == 1  # the ⊕ of the residual block
    assert any(t.text == "× 2" for t in svg.iter(f"{ns}text"))  # the folded copies of the Repeat
    assert any(t.text == "× 1" for t in svg.iter(f"{ns}text"))  # and the first, which differs
    branches = compute("Input(8, 8, 3)\nBranches([Conv2D(4, 1)], [Conv2D(4, 3, padding='same')])")
    texts = [t.text for t in _figure(branches).iter(f"{ns}text")]
    assert "concat" in texts
    (description,) = _figure(branches).iter(f"{ns}desc")
    assert "2 paths, concatenated" in (description.text or "")


def test_a_row_of_a_block_is_a_row() -> None:
    report = compute(DOWN)
    assert all(isinstance(r, Row) for r in report.rows)
    assert report.shown_rows()[0] is report.rows[0]


# Gating: Branches(merge="multiply") -------------------------------------------------------------

SE_KERAS = """\
Input(8, 8, 32)
Branches([], [GlobalAveragePooling2D(keepdims=True), Conv2D(8, 1, activation="relu"),
              Conv2D(32, 1, activation="sigmoid")], merge="multiply")
"""


@pytest.mark.parametrize(
    ("text", "shape"),
    [
        (SE_KERAS, (8, 8, 32)),
        # Keras' Multiply puts 1s before the shorter shape: (8, 8, 32) × (32,).
        (
            "Input(8, 8, 32)\nBranches([], [GlobalAveragePooling2D(), Dense(32)], merge='multiply')",
            (8, 8, 32),
        ),
        # A 1 stretches on either side, and several paths multiply in turn.
        ("Input(4, 5, 6)\nBranches([Conv2D(1, 1)], [], [Conv2D(6, 1)], merge='multiply')", (4, 5, 6)),
        (
            "Input(6, 4, 4)\nBranches([], [nn.AdaptiveAvgPool2d(1), nn.Conv2d(6, 6, 1)], merge='multiply')",
            (6, 4, 4),
        ),
        ("Input(H, W, 8)\nBranches([], [GlobalAveragePooling2D(keepdims=True)], merge='multiply')", None),
    ],
)
def test_a_gate_multiplies_and_broadcasts(text: str, shape: tuple[int, ...] | None) -> None:
    report = compute(text, parse_options({}, Settings()))
    (gate,) = report.rows
    assert gate.group is not None
    assert gate.group.merge == "multiply"
    assert gate.shape == (shape or report.input_shape)
    assert gate.params == sum(r.params for r in gate.group.rows)  # multiplying counts none
    assert gate.macs == sum((r.macs for r in gate.group.rows), 0)
    assert kind(gate) == "Branches · multiply"


@pytest.mark.parametrize(
    ("text", "words", "hint"),
    [
        (
            "Input(8, 8, 4)\nBranches([Conv2D(2, 1)], [Conv2D(3, 1)], merge='multiply')",
            "path 1 gives (8, 8, 2), path 2 gives (8, 8, 3); multiplied, each size must be equal or 1",
            "GlobalAveragePooling2D(keepdims=True) gives (1, 1, C)",
        ),
        (
            "Input(6, 4, 4)\nBranches([], [nn.AdaptiveAvgPool2d(1), nn.Flatten()], merge='multiply')",
            "the outputs need as many axes",
            "nn.Unflatten(1, (C, 1, 1))",
        ),
        (
            "Input(6, 4, 4)\nBranches([], [nn.Conv2d(6, 3, 1)], merge='multiply')",
            "each size must be equal or 1",
            "nn.AdaptiveAvgPool2d(1) gives (C, 1, 1)",
        ),
        ("Input(H, 4, 2)\nBranches([], [Conv2D(W, 1)], merge='multiply')", "equal or 1", "sympy cannot tell"),
    ],
)
def test_shapes_that_do_not_broadcast_are_errors(text: str, words: str, hint: str) -> None:
    found = block_error(text, parse_options({}, Settings()))
    assert words in found.message
    assert hint in found.hint
    assert found.where.line == 2


@pytest.mark.parametrize(
    ("merge", "meant"),
    [
        ("mul", "multiply"),
        ("Multiply", "multiply"),
        ("product", "multiply"),
        ("sum", "add"),
        ("concatenate", "concat"),
    ],
)
def test_a_merge_by_another_name_is_suggested(merge: str, meant: str) -> None:
    found = block_error(f"Input(4)\nBranches([Dense(4)], [Dense(4)], merge='{merge}')")
    assert found.hint == f'did you mean merge="{meant}"?'
    assert found.where == Location(2, 34)  # merge=


def test_the_figure_draws_a_gate_and_says_so() -> None:
    ns = "{http://www.w3.org/2000/svg}"
    svg = _figure(compute(SE_KERAS))
    legend = [t.text for t in svg.iter(f"{ns}text") if t.get("class") == "paramcalc-diagram-legend"]
    assert "paths multiplied (a gate)" in legend
    assert sum(1 for _ in svg.iter(f"{ns}circle")) >= 2  # the ⊗ node and its legend swatch
    (description,) = svg.iter(f"{ns}desc")
    assert "2 paths, multiplied" in (description.text or "")


# Repeats whose copies differ: index= ------------------------------------------------------------

DENSE_BLOCK = """\
Input(64, 56, 56)
Repeat(6,
    Branches([], [nn.BatchNorm2d(64 + 32*i), nn.ReLU(), nn.Conv2d(64 + 32*i, 128, 1, bias=False),
                  nn.BatchNorm2d(128), nn.ReLU(), nn.Conv2d(128, 32, 3, padding=1, bias=False)]),
    index="i",
)
"""


def test_a_repeat_numbers_its_copies_from_zero() -> None:
    report = compute(DENSE_BLOCK, parse_options({}, Settings()))
    (repeat,) = report.rows
    assert repeat.shape == (64 + 6 * 32, 56, 56)
    assert repeat.group is not None
    firsts = [copy[0].group.rows[0] for copy in repeat.group.paths]  # type: ignore[union-attr]
    assert [r.shape[0] for r in firsts] == [64, 96, 128, 160, 192, 224]
    assert [r.params for r in firsts] == [2 * c for c in (64, 96, 128, 160, 192, 224)]
    assert [times for _, times in repeat.group.runs()] == [1] * 6  # each copy differs: none folded
    assert all(r.computed_from is not None for r in report.leaves())  # numbers: each layer memoised


def test_the_index_is_a_symbol_outside_its_repeat_and_inner_repeats_keep_their_own() -> None:
    text = (
        "Input(4)\nRepeat(2, Dense(4 + i), Repeat(2, Dense(i + 1), index='i'), Dense(4), index='i')\nDense(i)"
    )
    report = compute(text)
    units = [r.shape[0] for r in report.leaves()]
    assert units[:8] == [4, 1, 2, 4, 5, 1, 2, 4]
    assert str(units[8]) == "i"  # outside the Repeat, a name as any other


def test_two_nested_indices() -> None:
    text = "Input(3)\nRepeat(2, Repeat(3, Dense(10*i + j), index='j'), index='i')"
    units = [r.shape[0] for r in compute(text.replace("10*i + j", "10*i + j + 1")).leaves()]
    assert units == [1, 2, 3, 11, 12, 13]


@pytest.mark.parametrize(
    ("text", "words", "where"),
    [
        ("Input(4)\nRepeat(2, Dense(4), index=3)", "index= names the copy's number", Location(2, 21)),
        ("Input(4)\nRepeat(2, Dense(4), index='i j')", "not 'i j'", Location(2, 21)),
        (
            "Input(4)\nBranches([Dense(4)], [Dense(4)], index='i')",
            "Branches has no argument `index`",
            Location(2, 34),
        ),
        # The first copy is 0: a size of 0 is what it gives.
        ("Input(4)\nRepeat(2, Dense(i), index='i')", "`units` must be at least 1, got 0", Location(2, 17)),
        (
            "Input(4)\nRepeat(2, Dense(4 + 10**30*i), index='i')",
            "for copy 1, this is too large",
            Location(2, 17),
        ),
    ],
)
def test_index_errors_are_located(text: str, words: str, where: Location) -> None:
    found = block_error(text)
    assert words in str(found), str(found)
    assert found.where == where


def test_an_index_after_a_failed_layer_is_still_checked() -> None:
    text = "Input(4)\nDense(0)\nRepeat(2, Dense(4 + i, activation='nope'), index=7)"
    found = [str(e) for e in each(block_error(text))]
    assert any("index= names the copy's number" in e for e in found)
    assert any("nope" in e for e in found)


def test_a_repeat_index_reaches_wrapped_layers_and_quoted_formulas() -> None:
    # TimeDistributed(Dense(4)) on 8 features, then Dense(5) on 4: 36 + 25; Custom 0 + 10 + 20.
    assert compute('Input(10, 8)\nRepeat(2, TimeDistributed(Dense(4 + i)), index="i")').total == 61
    assert compute('Input(16)\nRepeat(3, Custom(params="10 * i", output=(16,)), index="i")').total == 30
    with pytest.raises(BlockError, match="for copy 0, this divides by zero"):
        compute('Input(16)\nRepeat(3, Dense(8 // i), index="i")')

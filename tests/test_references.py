"""References from prose (`#!cnn mnist.total`): the grammar, and real builds across pages."""

from __future__ import annotations

from pathlib import Path

import markdown
import pytest

from mkdocs_paramcalc.errors import BlockError
from mkdocs_paramcalc.reading.options import Options, Settings
from mkdocs_paramcalc.reading.parse import parse_block
from mkdocs_paramcalc.report.model import build
from mkdocs_paramcalc.report.references import Defined, Registry, resolve
from tests.helpers import SEED, built_page, mkdocs_build, site

SEED_BLOCK = '```cnn id="mnist" title="Our simple CNN"\n' + SEED + "```\n"


@pytest.fixture(scope="module")
def registry() -> Registry:
    registry = Registry()
    report = build(parse_block(SEED), Options(Settings(), id="mnist"))
    registry.define("mnist", Defined(report, "docs/index.md:3"))
    return registry


@pytest.mark.parametrize(
    ("text", "kind", "value"),
    [
        ("mnist.total", "count", 1_199_882),
        ("mnist.trainable", "count", 1_199_882),
        ("mnist.non_trainable", "count", 0),
        ('mnist.layers["FC_1"].params', "count", 1_179_776),
        ("mnist.layers['Conv_2 + ReLU'].params", "count", 18_496),
        ("mnist.layers[0].params", "count", 320),
        ("mnist.layers[-1].params", "count", 1_290),
        ("mnist . layers [ 2 ] . output_shape", "shape", (12, 12, 64)),
        ("mnist.input_shape", "shape", (28, 28, 1)),
    ],
)
def test_references_resolve(registry: Registry, text: str, kind: str, value: object) -> None:
    resolved = resolve(text, registry)
    assert resolved.kind == kind
    assert (resolved.number if kind == "count" else resolved.shape) == value


def test_formula_and_names(registry: Registry) -> None:
    assert resolve("mnist.layers[0].formula", registry).formula is not None
    assert resolve("mnist.layers[3].name", registry).text == "flatten"
    assert resolve("mnist.layers[3].type", registry).text == "Flatten"


@pytest.mark.parametrize(
    ("text", "words", "column"),
    [
        ("mnst.total", "no block has the id 'mnst'", 1),
        ("mnist.totl", "a block has no field 'totl'", 7),
        ("mnist.layers[6].params", "layers[6] does not exist: the block has 6 layers", 14),
        ('mnist.layers["FC1"].params', "no layer is named 'FC1'", 14),
        ("mnist.layers[0].weights", "a layer has no field 'weights'", 17),
        ("mnist.layers[0]", "name one of the layer's values", 14),
        ("mnist.layers[3].formula", "flatten has no parameters, so no formula", 17),
        ("mnist.total.params", "only `.leading` follows `total`", 13),
        ("mnist.total.leading", "`leading` is its part of the highest degree", 13),
        ("mnist.layers[0].params.leading.x", "nothing follows `leading`", 32),
        ("mnist", "is a block; name one of its values", 1),
        ("mnist.total + 1", "cannot read '+ 1'", 12),
        ("__import__('os')", "cannot read the reference", 1),
        ("mnist.layers[0].params()", "cannot read '()'", 23),
        # Only ASCII digits make an index: int() would read these as 3, 32 and 1.
        ("mnist.layers[٣].params", "U+0663 ARABIC-INDIC DIGIT THREE", 14),
        ("mnist.layers[3٢].params", "U+0662 ARABIC-INDIC DIGIT TWO", 15),
        ("mnist.layers[-１].params", "U+FF11 FULLWIDTH DIGIT ONE", 15),
        ("mnist.layers[ 𝟑 ].params", "MATHEMATICAL BOLD DIGIT THREE", 15),
        ("mnist.layers[“FC_1”].params", "LEFT DOUBLE QUOTATION MARK", 14),
        ("mnist.layers[0].param٣", "cannot read '٣'", 22),
        ("mnist.\u202etotal", "U+202E (RIGHT-TO-LEFT OVERRIDE)", 7),
        ("mnist.total\u200b", "U+200B (ZERO WIDTH SPACE)", 12),
    ],
)
def test_bad_references_say_what_and_where(registry: Registry, text: str, words: str, column: int) -> None:
    with pytest.raises(BlockError) as info:
        resolve(text, registry)
    assert words in info.value.text()
    assert info.value.where.column == column


def test_leading_quotes_the_part_of_a_symbolic_count_that_grows_fastest() -> None:
    """GPT's count V·d + n·d + L·(12·d² + 13·d) + 2·d grows fastest as 12·L·d², the rule courses
    quote; a count with floors is no polynomial, and says so."""
    registry = Registry()
    gpt = (
        "Input(n)\nnn.Embedding(V, d)\nnn.Parameter((n, d))\n"
        "Repeat(L, Residual(nn.LayerNorm(d), nn.MultiheadAttention(d, h)),\n"
        "  Residual(nn.LayerNorm(d), nn.Linear(d, 4*d), nn.GELU(), nn.Linear(4*d, d)))\nnn.LayerNorm(d)"
    )
    registry.define("gpt", Defined(build(parse_block(gpt), Options(Settings(framework="pytorch"))), "a.md:1"))
    pooled = "Input(H, W, 3)\nConv2D(8, 3)\nMaxPooling2D(2)\nFlatten()\nDense(10)"
    registry.define("cnn", Defined(build(parse_block(pooled), Options(Settings())), "a.md:9"))
    top = resolve("gpt.total.leading", registry).number
    names = {s.name: s for s in top.free_symbols}
    assert top == 12 * names["L"] * names["d"] ** 2
    assert resolve("gpt.layers[-1].params.leading", registry).number == 2 * names["d"]
    assert resolve("cnn.layers[0].params", registry).number == 224
    with pytest.raises(BlockError, match="no polynomial: quote it whole"):
        resolve("cnn.total.leading", registry)


@pytest.mark.parametrize("digit", ["٣", "３", "۳", "३"])
def test_an_index_in_digits_of_another_script_says_to_write_0_to_9(registry: Registry, digit: str) -> None:
    with pytest.raises(BlockError, match=r"hint: write an index with the digits 0-9"):
        resolve(f"mnist.layers[{digit}].params", registry)


PAGE_ALONE = (
    "# Total: `#!cnn tiny.total`\n\n"
    '```cnn id="tiny"\nInput(8)\nDense(10, name="FC")\n```\n\n'
    'FC: `#!cnn tiny.layers["FC"].params`; `#!cnn tiny.layers[0].formula`.\n'
)


@pytest.mark.parametrize(
    "extensions",
    [
        ["mkdocs_paramcalc"],
        ["mkdocs_paramcalc", "pymdownx.inlinehilite"],
        ["pymdownx.inlinehilite", "mkdocs_paramcalc"],
    ],
)
def test_the_extension_alone_quotes_its_page(extensions: list[str]) -> None:
    html = markdown.markdown(PAGE_ALONE, extensions=extensions)
    assert '<h1>Total: <span class="paramcalc-ref">90</span></h1>' in html
    assert 'FC: <span class="paramcalc-ref">90</span>' in html
    assert '<annotation encoding="application/x-tex">(8 + 1) \\times 10 = 90</annotation>' in html
    assert "#!cnn" not in html


def test_a_page_quotes_a_block_on_a_page_built_after_it(tmp_path: Path) -> None:
    # MkDocs builds pages in nav order: "a-summary.md" comes before the page it quotes.
    root = site(
        tmp_path,
        {
            "a-summary.md": (
                "# The network has `#!cnn mnist.total` parameters\n\n"
                '!!! note\n\n    FC_1 alone has `#!cnn mnist.layers["FC_1"].params`.\n\n'
                "| Layer | Count |\n|---|---|\n| Conv_2 | `#!cnn mnist.layers[1].params` |\n\n"
                "Its shape: `#!cnn mnist.layers[2].output_shape`.\n"
            ),
            "index.md": "# Lesson\n\n" + SEED_BLOCK,
        },
        extensions="  - admonition\n  - tables\n",
    )
    result = mkdocs_build(root, "--strict")
    assert result.returncode == 0, result.stderr
    soup = built_page(root, "a-summary")
    refs = [span.get_text() for span in soup.select(".paramcalc-ref")]
    assert refs == ["1,199,882", "1,179,776", "18,496", "(12, 12, 64)"]
    assert soup.select_one("h1").get_text().startswith("The network has 1,199,882 parameters")


def test_duplicate_ids_and_dangling_references_fail_strict_builds(tmp_path: Path) -> None:
    root = site(
        tmp_path,
        {
            "index.md": "# Lesson\n\n" + SEED_BLOCK,
            "other.md": "# Other\n\n"
            + SEED_BLOCK
            + "\nSee `#!cnn minst.total` and `#!cnn mnist.layers[9].params`.\n",
        },
    )
    result = mkdocs_build(root, "--strict")
    assert result.returncode != 0
    assert (
        "docs/other.md:3:8: two blocks have the id 'mnist'; the other is at docs/index.md:3" in result.stderr
    )
    assert "docs/other.md:13:12: no block has the id 'minst' (hint: did you mean `mnist`?)" in result.stderr
    assert "docs/other.md:13:49: layers[9] does not exist" in result.stderr
    assert mkdocs_build(root).returncode == 0
    shown = built_page(root, "other").select(".paramcalc-ref-error")
    assert len(shown) == 2

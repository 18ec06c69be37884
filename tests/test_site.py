"""End to end: real `mkdocs build` runs of tiny sites in tmp_path, strict and not."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import SEED_BLOCK, built_page, mkdocs_build, site, table_rows

MERMAID = """\
  - pymdownx.superfences:
      custom_fences:
        - name: mermaid
          class: mermaid
          format: !!python/name:pymdownx.superfences.fence_code_format
"""


def test_seed_lesson_builds_strict_with_material(tmp_path: Path) -> None:
    root = site(
        tmp_path, {"index.md": "# Lesson\n\n" + SEED_BLOCK}, extensions="  - admonition\n", theme="material"
    )
    result = mkdocs_build(root, "--strict")
    assert result.returncode == 0, result.stderr
    soup = built_page(root)
    rows = table_rows(soup)
    assert rows[0] == ["Layer", "Output shape", "Parameters"]
    assert ["Conv_2 + ReLU Conv2D", "(24, 24, 64)", "18,496"] in rows
    assert rows[-1] == ["Total", "", "1,199,882"]
    derivations = [d.get_text(" ", strip=True) for d in soup.select(".paramcalc-derivation")]
    assert len(derivations) == 4
    annotations = [a.get_text() for a in soup.select(".paramcalc-derivation annotation")]
    assert r"((3 \times 3 \times 1) + 1) \times 32 = 320" in annotations
    assert r"(9216 + 1) \times 128 = 1{,}179{,}776" in annotations
    assert (
        "No trainable parameters: Max Pool, Flatten and ReLU activation."
        in soup.select_one(".paramcalc-free").get_text()
    )
    assert (root / "site/assets/paramcalc/paramcalc.css").exists()
    assert "assets/paramcalc/paramcalc.css" in (root / "site/index.html").read_text()


BAD = """\
    ---
    title: Front matter counts
    ---
    # Bad

    ```cnn
    Input(28, 28, 1)
    Conv2D(32, 50)
    ```

    Still here.
    """


def test_plain_build_shows_the_error_in_place(tmp_path: Path) -> None:
    root = site(tmp_path, {"index.md": "# Good\n\n" + SEED_BLOCK, "bad.md": BAD})
    result = mkdocs_build(root)
    assert result.returncode == 0, result.stderr
    assert (
        "WARNING -  paramcalc: docs/bad.md:8:1: conv2d: the 50×50 kernel does not fit its 28×28 input"
        in result.stderr
    )
    box = built_page(root, "bad").select_one(".admonition.failure")
    assert box is not None
    assert "docs/bad.md:8:1" in box.get_text()
    assert "Still here." in built_page(root, "bad").get_text()
    assert table_rows(built_page(root))[-1][-1] == "1,199,882"  # the other page is built as usual
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("quiet", [[], ["-q"]])
def test_strict_build_fails_on_a_bad_block(tmp_path: Path, quiet: list[str]) -> None:
    root = site(tmp_path, {"index.md": BAD})
    result = mkdocs_build(root, "--strict", *quiet)
    assert result.returncode != 0
    assert "docs/index.md:8:1" in result.stderr


def test_wrong_claim_fails_strict_showing_both_numbers(tmp_path: Path) -> None:
    block = SEED_BLOCK.replace('name="Conv_2 + ReLU"', 'name="Conv_2 + ReLU", expect=18494')
    root = site(tmp_path, {"index.md": "# Lesson\n\n" + block})
    result = mkdocs_build(root, "--strict", "-q")
    assert result.returncode != 0
    assert (
        "docs/index.md:6:56: Conv_2 + ReLU: the text says 18,494, the formula gives 18,496" in result.stderr
    )
    result = mkdocs_build(root)
    assert result.returncode == 0
    soup = built_page(root)
    assert (
        "the text says 18,494, the formula gives 18,496" in soup.select_one(".admonition.failure").get_text()
    )
    assert table_rows(soup)[-1][-1] == "1,199,882"  # the table still shows what the model computes


NESTED = """\
    # Nested

    !!! note "In an admonition"

        ```cnn
        Input(4)
        Dense(2, name="in_admonition")
        ```

    === "Tab one"

        ```cnn
        Input(4)
        Dense(3, name="in_tab")
        ```

    === "Tab two"

        Nothing.

    1. A list item

        ```cnn
        Input(4)
        Dense(5, name="in_list")
        ```

    > ```cnn
    > Input(4)
    > Dense(6, name="in_quote")
    > ```

    ````markdown
    ```cnn
    Input(4)
    Dense(7, name="shown_as_source")
    ```
    ````

    ```mermaid
    graph LR; A-->B
    ```
    """


def test_nested_blocks_render_and_source_stays_source(tmp_path: Path) -> None:
    extensions = "  - admonition\n  - pymdownx.tabbed:\n      alternate_style: true\n" + MERMAID
    root = site(tmp_path, {"index.md": NESTED}, extensions=extensions)
    result = mkdocs_build(root, "--strict")
    assert result.returncode == 0, result.stderr
    soup = built_page(root)
    names = {th.get_text(" ", strip=True).split()[0] for th in soup.select(".paramcalc tbody th")}
    assert {"in_admonition", "in_tab", "in_list", "in_quote"} <= names
    assert soup.select_one(".admonition .paramcalc") is not None
    assert soup.select_one(".tabbed-block .paramcalc") is not None
    assert soup.select_one("li .paramcalc") is not None
    assert "shown_as_source" not in names
    assert 'Dense(7, name="shown_as_source")' in soup.get_text()
    assert soup.select_one("pre.mermaid") is not None  # the site's own fence is kept


def test_errors_inside_nested_blocks_point_at_the_file_line(tmp_path: Path) -> None:
    text = NESTED.replace('Dense(5, name="in_list")', 'Dense(5, name="in_list", expect=1)')
    extensions = "  - admonition\n  - pymdownx.tabbed:\n      alternate_style: true\n" + MERMAID
    root = site(tmp_path, {"index.md": text}, extensions=extensions)
    result = mkdocs_build(root)
    assert "docs/index.md:25:30: in_list: the text says 1, the formula gives 25" in result.stderr


def test_works_without_superfences_configured(tmp_path: Path) -> None:
    root = site(tmp_path, {"index.md": SEED_BLOCK})
    result = mkdocs_build(root, "--strict")
    assert result.returncode == 0, result.stderr
    assert table_rows(built_page(root))[-1][-1] == "1,199,882"


def test_plugin_options_are_checked(tmp_path: Path) -> None:
    root = site(tmp_path, {"index.md": SEED_BLOCK}, plugin="  - paramcalc:\n      separater: ' '\n")
    result = mkdocs_build(root)
    assert result.returncode != 0
    assert "unknown option 'separater'" in result.stderr
    assert "Traceback" not in result.stderr


def test_site_wide_options(tmp_path: Path) -> None:
    plugin = "  - paramcalc:\n      separator: ' '\n      show: table\n"
    root = site(tmp_path, {"index.md": SEED_BLOCK}, plugin=plugin)
    assert mkdocs_build(root, "--strict").returncode == 0
    soup = built_page(root)
    assert table_rows(soup)[-1][-1] == "1 199 882"
    assert soup.select_one(".paramcalc-derivation") is None


def test_a_site_without_blocks_never_imports_sympy(tmp_path: Path) -> None:
    root = site(tmp_path, {"index.md": "# No blocks\n\n```python\nprint(1)\n```\n", "two.md": SEED_BLOCK})
    code = (
        "import sys\n"
        "from mkdocs.commands.build import build\n"
        "from mkdocs.config import load_config\n"
        "build(load_config('mkdocs.yml'))\n"
        "print('sympy' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "False"


def test_derivations_are_on_the_page_but_kept_out_of_the_search_parser(tmp_path: Path) -> None:
    pages = {"index.md": "# Lesson\n\n" + SEED_BLOCK}
    root = site(tmp_path, pages, theme="material", plugin="  - search\n  - paramcalc\n")
    assert mkdocs_build(root, "--strict").returncode == 0
    soup = built_page(root)
    assert len(soup.select(".paramcalc-derivation")) == 4
    assert "paramcalc:aside" not in str(soup)
    index = (root / "site" / "search" / "search_index.json").read_text()
    assert "1,199,882" in index
    assert "(26, 26, 32)" in index
    assert "Conv2D" in index
    assert "times" not in index  # neither the MathML nor its LaTeX annotation
    assert "<table" not in index
    assert "paramcalc-num" not in index

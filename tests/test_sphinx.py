"""The Sphinx extension (issue 18): the `cnn` directive and role from reStructuredText and MyST
Markdown (myst-parser), built by real Sphinx — HTML with MathML and the stylesheet, a LaTeX
document compiled to PDF, parallel builds, references across documents — and every error a
warning at its file:line, so that -W fails the build."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from tests.helpers import PANDOC, PANDOC_FILTER, SEED, SPHINX_CONF, mkdocs_build, site, sphinx_build

pytest.importorskip("sphinx", reason="the test extra installs Sphinx")
pytest.importorskip("myst_parser", reason="the test extra installs myst-parser")

CONF = SPHINX_CONF

INDEX = """\
Lesson
======

.. toctree::

   myst
   other

.. cnn:: id="mnist" title="Our simple CNN"
   :expect: 1,199,882

   Input(28, 28, 1)
   Conv2D(32, 3, activation="relu", name="Conv_1")
   Conv2D(64, 3, activation="relu", name="Conv_2", expect="18,496")
   MaxPooling2D(2)
   Flatten()
   Dense(128, activation="relu", name="FC_1")
   Dense(10, name="FC_2")

It has :cnn:`mnist.total` parameters; Conv_2 has :cnn:`mnist.layers["Conv_2"].params`.
"""

# The same page as MkDocs reads it: a MyST directive, and a plain ```cnn fence with its options.
MYST = """\
# MyST

```{cnn} id="tiny" expect="90"
Input(8)
Dense(10)
```

```cnn id="fenced" framework="pytorch"
Input(8)
nn.Linear(8, 4)
```

Tiny has {cnn}`tiny.total`, fenced `#!cnn fenced.total`, and the first page's `#!cnn mnist.total`.
"""

OTHER = """\
Other
=====

From the first page: :cnn:`mnist.layers["FC_1"].params`.
"""


def project(root: Path, **changes: str) -> Path:
    files = {"conf.py": CONF, "index.rst": INDEX, "myst.md": MYST, "other.rst": OTHER}
    for name, text in {**files, **changes}.items():
        (root / name).write_text(text)
    return root


def sphinx(root: Path, builder: str, *args: str) -> subprocess.CompletedProcess[str]:
    """A strict build from scratch: -W fails it on any warning."""
    return sphinx_build(root, "-W", "--keep-going", "-E", *args, builder=builder)


def _refs(page: Path) -> list[str]:
    tree = BeautifulSoup(page.read_text(), "html.parser")
    return [span.get_text() for span in tree.select("span.paramcalc-ref")]


@pytest.mark.parametrize("jobs", [[], ["-j", "2"]], ids=["serial", "parallel"])
def test_rst_and_myst_build_strictly_with_references_across_documents(
    tmp_path: Path, jobs: list[str]
) -> None:
    root = project(tmp_path)
    done = sphinx(root, "html", *jobs)
    assert (done.returncode, done.stderr) == (0, "")
    out = root / "_build" / "html"
    assert _refs(out / "index.html")[0] == "1,199,882"
    assert _refs(out / "index.html")[1] == "18,496"
    assert _refs(out / "myst.html") == ["90", "36", "1,199,882"]
    assert _refs(out / "other.html") == ["1,179,776"]
    index = BeautifulSoup((out / "index.html").read_text(), "html.parser")
    assert index.select_one(".paramcalc table caption").get_text() == "Our simple CNN"
    assert index.select_one(".paramcalc-derivations math") is not None  # MathML
    assert len(BeautifulSoup((out / "myst.html").read_text(), "html.parser").select(".paramcalc table")) == 2
    assert (out / "_static" / "paramcalc.css").is_file()
    assert 'href="_static/paramcalc.css' in (out / "index.html").read_text()


def test_each_error_is_a_warning_at_its_line_and_fails_a_strict_build(tmp_path: Path) -> None:
    root = project(
        tmp_path,
        **{
            "index.rst": INDEX.replace('expect="18,496"', 'expect="18,494"'),
            "myst.md": MYST.replace('expect="90"', 'expect="91"') + "\nBad: {cnn}`tiny.totl`.\n",
        },
    )
    done = sphinx(root, "html")
    assert done.returncode != 0
    lines = done.stderr.strip().split("\n")
    assert f"{root}/index.rst:14: WARNING: Conv_2: the text says 18,494, the formula gives 18,496" in lines[0]
    assert f"{root}/myst.md:3: WARNING: total: the text says 91, the formula gives 90" in done.stderr
    assert f"{root}/myst.md:15: WARNING: a block has no field 'totl'" in done.stderr


def test_options_on_the_line_and_as_directive_options_are_one_set(tmp_path: Path) -> None:
    twice = INDEX.replace('.. cnn:: id="mnist" title="Our simple CNN"', '.. cnn:: id="mnist" expect="1"')
    done = sphinx(project(tmp_path, **{"index.rst": twice}), "html")
    # the second is the directive option, on its own line; the id is still the block's
    assert "index.rst:10: WARNING: option `expect` is given twice (first at column" in done.stderr
    assert "the block 'mnist' at" in done.stderr
    assert "no block has the id" not in done.stderr


def test_a_misspelt_directive_option_is_named_with_the_one_meant_at_its_line(tmp_path: Path) -> None:
    typo = INDEX.replace("   :expect: 1,199,882\n", "   :expect: 1,199,882\n   :titel: Ours\n")
    done = sphinx(project(tmp_path, **{"index.rst": typo}), "html")
    assert "index.rst:11: WARNING: unknown option `titel`" in done.stderr
    assert "(hint: did you mean `title`?) (column 5)" in done.stderr


def test_a_reference_is_warned_at_its_own_line_and_column(tmp_path: Path) -> None:
    """docutils gives a role only its paragraph's first line: the reference is found in the file."""
    text = MYST + "\nA paragraph\nwhose second line quotes {cnn}`tiny.totl` and `#!cnn fenced.totl`.\n"
    done = sphinx(project(tmp_path, **{"myst.md": text}), "html")
    line = len(MYST.split("\n")) + 2
    quoted = text.split("\n")[line - 1]
    assert f"myst.md:{line}: WARNING: a block has no field 'totl'" in done.stderr
    assert f"(column {quoted.index('tiny.totl') + 6})" in done.stderr  # the field's column: after "tiny."
    assert f"(column {quoted.index('fenced.totl') + 8})" in done.stderr


def test_a_bad_site_option_in_conf_py_is_named(tmp_path: Path) -> None:
    done = sphinx(project(tmp_path, **{"conf.py": CONF + 'paramcalc = {"shw": "table"}\n'}), "html")
    assert done.returncode != 0
    assert "unknown option 'shw'" in done.stderr


def test_the_latex_builder_gives_a_document_that_compiles(tmp_path: Path) -> None:
    if shutil.which("latexmk") is None or shutil.which("pdftotext") is None:
        pytest.skip("latexmk and poppler are not installed (.ci/run installs them)")
    root = project(tmp_path)
    done = sphinx(root, "latex")
    assert (done.returncode, done.stderr) == (0, "")
    latex = root / "_build" / "latex"
    subprocess.run(
        ["latexmk", "-pdf", "-interaction=nonstopmode", "-quiet", "lesson.tex"],
        cwd=latex, capture_output=True, timeout=600, check=True,
    )  # fmt: skip
    text = subprocess.run(
        ["pdftotext", str(latex / "lesson.pdf"), "-"], capture_output=True, text=True
    ).stdout
    assert "1,199,882" in text
    assert "((3 × 3 × 32) + 1) × 64 = 18,496" in text
    assert re.search(r"Tiny has 90, fenced 36, and the first page.s 1,199,882", text.replace("\n", " "))


def test_other_builders_get_the_text_table(tmp_path: Path) -> None:
    root = project(tmp_path)
    done = sphinx(root, "text")
    assert (done.returncode, done.stderr) == (0, "")
    text = (root / "_build" / "text" / "index.txt").read_text()
    assert "Total params: 1,199,882" in text
    assert "It has 1,199,882 parameters" in text


# ---------------------------------------------------------------------------------------------
# One page, three generators: MkDocs, Sphinx (MyST) and pandoc
# ---------------------------------------------------------------------------------------------

ONE_PAGE = (
    '# The lesson\n\n```{.cnn #mnist title="Our simple CNN" expect="1,199,882"}\n'
    + SEED
    + "```\n\nIt has `#!cnn mnist.total` parameters.\n"
)
COUNTS = ["–", "320", "18,496", "0", "0", "1,179,776", "1,290", "1,199,882"]


def _counts(html: str) -> list[str]:
    """The Parameters column of the page's table, its footer included."""
    table = BeautifulSoup(html, "html.parser").select_one(".paramcalc table")
    assert table is not None
    rows = [row.find_all(["th", "td"]) for row in table.find_all("tr")]
    column = [cell.get_text(strip=True) for cell in rows[0]].index("Parameters")
    return [row[column].get_text(strip=True) for row in rows[1:]]


def test_one_page_gives_one_table_in_mkdocs_sphinx_and_pandoc_and_one_error_line(tmp_path: Path) -> None:
    if PANDOC is None:
        pytest.skip("pandoc is not installed (.ci/run installs it)")
    (tmp_path / "mkdocs").mkdir()
    mkdocs = site(tmp_path / "mkdocs", {"index.md": ONE_PAGE})
    sphinx_root = tmp_path / "sphinx"
    sphinx_root.mkdir()
    (sphinx_root / "conf.py").write_text(CONF)
    (sphinx_root / "index.md").write_text(ONE_PAGE)
    page = tmp_path / "pandoc.md"
    page.write_text(ONE_PAGE)
    command = [PANDOC, "-f", "commonmark_x+sourcepos", str(page), "--filter", PANDOC_FILTER, "-t", "html5"]

    assert mkdocs_build(mkdocs, "--strict").returncode == 0
    assert sphinx(sphinx_root, "html").returncode == 0
    converted = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    tables = [
        _counts((mkdocs / "site" / "index.html").read_text()),
        _counts((sphinx_root / "_build" / "html" / "index.html").read_text()),
        _counts(converted),
    ]
    assert tables == [COUNTS, COUNTS, COUNTS]

    wrong = ONE_PAGE.replace('expect="1,199,882"', 'expect="1,199,883"')  # on line 3, column 40
    for path in (mkdocs / "docs" / "index.md", sphinx_root / "index.md", page):
        path.write_text(wrong)
    message = "total: the text says 1,199,883, the formula gives 1,199,882"
    built = mkdocs_build(mkdocs, "--strict")
    assert built.returncode != 0
    assert f"index.md:3:40: {message}" in built.stderr
    built = sphinx(sphinx_root, "html")
    assert built.returncode != 0
    assert f"{sphinx_root}/index.md:3: WARNING: {message} (column 40)" in built.stderr
    built = subprocess.run(command, capture_output=True, text=True, check=False)
    assert built.returncode != 0
    assert f"{page}:3:40: {message}" in built.stderr


def test_the_example_project_of_the_docs_builds_strictly(tmp_path: Path) -> None:
    """examples/sphinx, which docs/sphinx.md shows: a reStructuredText page and a MyST page that
    quote each other."""
    root = tmp_path / "example"
    shutil.copytree(Path(__file__).parent.parent / "examples" / "sphinx", root)
    done = sphinx(root, "html")
    assert (done.returncode, done.stderr) == (0, "")
    assert _refs(root / "_build" / "html" / "dense.html") == ["1,179,776", "1,199,882"]

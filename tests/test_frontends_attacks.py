"""The pandoc filter and the Sphinx extension (issue 18) under careless and hostile authors:
crafted JSON, odd metadata, positions that lie, CommonMark dropping a fence's options, thousands
of blocks; MyST and reStructuredText positions, incremental rebuilds. Each answer is a located
message or the right output, never a traceback or a silently wrong count."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import NEEDS_PANDOC, SPHINX_CONF, pandoc, sphinx_build

needs_pandoc = NEEDS_PANDOC


# ---------------------------------------------------------------------------------------------
# The pandoc filter
# ---------------------------------------------------------------------------------------------


def _document(*blocks: object, meta: dict[str, object] | None = None, api: object = None) -> dict[str, Any]:
    return {"pandoc-api-version": api or [1, 22, 2, 1], "meta": meta or {}, "blocks": list(blocks)}


def _code_block(text: str, ident: str = "", attributes: list[list[str]] | None = None) -> dict[str, Any]:
    return {"t": "CodeBlock", "c": [[ident, ["cnn"], attributes or []], text]}


def _filter(document: object, *, raw: str | None = None) -> tuple[int, str, str]:
    """The filter run as pandoc runs it, in this process: its status, stdout and stderr."""
    from mkdocs_paramcalc.frontends.pandoc import main

    out, err = io.StringIO(), io.StringIO()
    saved = sys.stderr
    sys.stderr = err
    try:
        status = main(["html5"], io.StringIO(raw if raw is not None else json.dumps(document)), out)
    finally:
        sys.stderr = saved
    return status, out.getvalue(), err.getvalue()


def _meta(**values: object) -> dict[str, object]:
    return {"paramcalc": {"t": "MetaMap", "c": values}}


MALFORMED = {
    "a CodeBlock whose contents are text": {"t": "CodeBlock", "c": "oops"},
    "a CodeBlock without its text": {"t": "CodeBlock", "c": [["", ["cnn"], []]]},
    "an attribute without a value": {"t": "CodeBlock", "c": [["", ["cnn"], [["expect"]]], "Input(8)"]},
    "a CodeBlock whose text is a number": {"t": "CodeBlock", "c": [["", ["cnn"], []], 5]},
    "a Code whose text is a number": {"t": "Para", "c": [{"t": "Code", "c": [["", [], []], 5]}]},
    "a Code whose data-pos is a number": {
        "t": "Para",
        "c": [{"t": "Code", "c": [["", [], [["data-pos", 3]]], "#!cnn x.total"]}],
    },
}


@pytest.mark.parametrize("element", MALFORMED.values(), ids=MALFORMED.keys())
def test_a_malformed_element_is_named_not_a_traceback(element: object) -> None:
    status, _, err = _filter(_document(element))
    assert status == 2
    assert "Traceback" not in err
    assert "is not as pandoc writes it" in err


@pytest.mark.parametrize(
    ("document", "says"),
    [
        ([1, 2, 3], "an object with a list of `blocks`"),
        ({"meta": {}}, "an object with a list of `blocks`"),
        ({"blocks": {}, "meta": {}}, "an object with a list of `blocks`"),
        (_document(api=[9, 9]), "pandoc-api-version 9.9 is not one this filter writes"),
        (_document(api=[1, 17]), "pandoc-api-version 1.17 is not one this filter writes"),
        ({"pandoc-api-version": "x", "meta": {}, "blocks": []}, "no pandoc-api-version"),
        (_document(meta={"paramcalc": "x"}), "a metadata value of the document is not as pandoc writes it"),
        (_document(meta=_meta() | {"paramcalc": {"t": "MetaMap", "c": []}}), "not as pandoc writes it"),
    ],
    ids=[
        "a list",
        "no blocks",
        "blocks an object",
        "api 9.9",
        "api 1.17",
        "api text",
        "meta text",
        "map list",
    ],
)
def test_a_document_not_as_pandoc_writes_it_is_named(document: object, says: str) -> None:
    status, out, err = _filter(document)
    assert (status, out) == (2, "")
    assert says in err
    assert "Traceback" not in err


def test_odd_metadata_is_named_where_it_was_an_empty_message() -> None:
    listed = _meta() | {"paramcalc": {"t": "MetaList", "c": [{"t": "MetaString", "c": "a"}]}}
    status, _, err = _filter(_document(meta=listed))
    assert status == 1
    assert "the options must be `option: value` lines, got 'a'" in err
    deep = '{"t": "MetaMap", "c": {"show": ' * 150 + '{"t": "MetaString", "c": "table"}' + "}}" * 150
    raw = json.dumps(_document()).replace('"meta": {}', '"meta": {"paramcalc": ' + deep + "}")
    status, _, err = _filter(None, raw=raw)
    assert status == 2
    assert "nested too deeply" in err


def test_json_nested_beyond_pythons_reader_is_named() -> None:
    status, out, err = _filter(None, raw='{"blocks": ' + "[" * 200_000 + "]" * 200_000 + "}")
    assert (status, out) == (2, "")
    assert "nested too deeply" in err


def test_strict_no_is_refused_not_taken_for_strict() -> None:
    """YAML `strict: no` reaches pandoc as the word "no": it turned nothing off, silently."""
    meta = _meta(strict={"t": "MetaInlines", "c": [{"t": "Str", "c": "no"}]})
    status, _, err = _filter(_document(_code_block("Input(8)\nDense(10)"), meta=meta))
    assert status == 1
    assert "strict must be true or false, got 'no'" in err


def test_metadata_blocks_are_read_as_words() -> None:
    blocks = [
        {"t": "Para", "c": [{"t": "Str", "c": "table"}]},
        {"t": "Para", "c": [{"t": "Str", "c": "macs"}]},
    ]
    status, out, err = _filter(
        _document(_code_block("Input(8)\nDense(2)"), meta=_meta(show={"t": "MetaBlocks", "c": blocks}))
    )
    assert (status, err) == (0, "")
    table = json.loads(out)["blocks"][0]["c"][1][0]
    assert len(table["c"][2]) == 4  # Layer, Output shape, Parameters and MACs


@pytest.mark.parametrize(
    "where", ["/dev/zero", "/etc/passwd", "/nonexistent/x.md", "/proc/self/status", "fifo", "directory"]
)
def test_a_position_not_of_the_block_says_so_and_reads_nothing_it_should_not(
    tmp_path: Path, where: str
) -> None:
    import os

    if where == "fifo":
        where = str(tmp_path / "fifo")
        os.mkfifo(where)
    elif where == "directory":
        where = str(tmp_path)
    block = _code_block("Input(8)\nDense(10)", attributes=[["data-pos", f"{where}@1:1-3:1"]])
    started = time.monotonic()
    status, out, err = _filter(_document(block))
    assert time.monotonic() - started < 5
    assert status == 1
    assert f"{where}:1:1: this cnn block is not at line 1 of {where}" in err
    assert json.loads(out)["blocks"][0]["c"][1][0]["t"] == "Table"  # still built, from pandoc's text


def test_a_file_changed_since_pandoc_read_it_does_not_lend_another_blocks_fence(tmp_path: Path) -> None:
    """The data-pos names line 3, where the file now holds another block: it was built instead."""
    (tmp_path / "lesson.md").write_text('# L\n\n```cnn id="other"\nInput(8)\nDense(1)\n```\n')
    block = _code_block("Input(8)\nDense(10)", attributes=[["data-pos", f"{tmp_path}/lesson.md@3:1-6:1"]])
    status, out, err = _filter(
        _document(block, {"t": "Para", "c": [{"t": "Code", "c": [["", [], []], "#!cnn other.total"]}]})
    )
    assert status == 1
    assert "this cnn block is not at line 3" in err
    assert "no block has the id 'other'" in err  # the file's other block lent it nothing
    assert '"c": "9"' not in out
    assert '"c": "90"' in out  # the block pandoc gave: (8 + 1) × 10


@needs_pandoc
def test_sourcepos_positions_a_block_in_a_quote_and_in_a_list(tmp_path: Path) -> None:
    """pandoc writes one range a line for a quoted block, and the item's position before the
    block's in a list: neither was read, and the fence's options were silently dropped."""
    page = tmp_path / "page.md"
    page.write_text(
        '# T\n\n> ```cnn id="q" expect="1"\n> Input(8)\n> Dense(10)\n> ```\n\n- item\n\n'
        '  ```cnn id="y" expect="2"\n  Input(8)\n  Dense(10)\n  ```\n\n'
        "Total ```#!cnn y.totl``` and `#!cnn q.total`.\n"
    )
    done = pandoc(page, "-f", "commonmark_x+sourcepos", "-t", "html5")
    assert done.returncode != 0
    assert "page.md:3:17: total: the text says 1, the formula gives 90" in done.stderr
    assert "page.md:10:17: total: the text says 2, the formula gives 90" in done.stderr
    line = page.read_text().split("\n")[14]
    assert f"page.md:15:{line.index('totl') + 1}: a block has no field 'totl'" in done.stderr
    assert "no block has the id" not in done.stderr
    assert "Traceback" not in done.stderr


@needs_pandoc
def test_commonmark_without_sourcepos_says_the_fences_options_were_dropped(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text('# T\n\n```cnn id="x" expect="91"\nInput(8)\nDense(10)\n```\n')
    done = pandoc(page, "-f", "commonmark_x", "-t", "html5")
    assert (
        "options written after ```cnn (id=, expect=, title=, ...) on <cnn block 1> were dropped"
        in done.stderr
    )
    assert "commonmark_x+sourcepos" in done.stderr
    plain = pandoc(page, "-f", "markdown", "-t", "html5")
    assert "were dropped" not in plain.stderr  # pandoc's Markdown: a span, named as such


def test_thousands_of_positioned_blocks_are_looked_up_in_constant_time(tmp_path: Path) -> None:
    """Each block's fence was looked for among all the file's fences: 3,000 blocks at the end of a
    file of 40,000 took 5.6 s, 20,000 blocks of 20,000 spent 16 s looking."""
    from mkdocs_paramcalc.frontends.pandoc import convert

    page = tmp_path / "many.md"
    page.write_text("```cnn\nInput(8)\nDense(10)\n```\n\n" * 40_000)
    blocks = [
        _code_block("Input(8)\nDense(10)", attributes=[["data-pos", f"{page}@{5 * i + 1}:1-{5 * i + 5}:1"]])
        for i in range(37_000, 40_000)
    ]
    started = time.monotonic()
    document, messages, _ = convert(_document(*blocks), "html5")
    assert time.monotonic() - started < 3
    assert messages == []
    assert document["blocks"][-1]["c"][1][0]["t"] == "Table"


# ---------------------------------------------------------------------------------------------
# The Sphinx extension
# ---------------------------------------------------------------------------------------------

CONF = SPHINX_CONF

RST = """\
Index
=====

.. toctree::

   myst
   quoting

.. cnn:: id="bad" expect=
   :title: Bad

   Input(8)
   Dense(10)

.. cnn:: id="deep"

   Input(8)
   Dense(10, expect="91")
"""

MYST = """\
# MyST

Some text.

```{cnn} id="one"
:expect: 9
Input(8)
Dense(1, expect="3")
```

```cnn id="two"
Input(8)
Dense(1, expect="4")
```

```{cnn} id="three"
---
expect: 9
---
Input(8)
Dense(1, expect="5")
```

```cnn id="deep"
Input(8)
Dense(2)
```
"""

QUOTING = """\
# Quoting

Here {cnn}`one.total`, {cnn}`gone.total` and `#!cnn two.total`.
"""

GONE = """
```cnn id="gone"
Input(8)
Dense(2)
```
"""


def _sphinx_project(root: Path, **files: str) -> Path:
    pytest.importorskip("sphinx", reason="the test extra installs Sphinx")
    pytest.importorskip("myst_parser", reason="the test extra installs myst-parser")
    pages = {"conf.py": CONF, "index.rst": RST, "myst.md": MYST, "quoting.md": QUOTING}
    for name, text in {**pages, **files}.items():
        (root / name).write_text(text)
    return root


def _sphinx(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return sphinx_build(root, *args, out=root / "_build")


def _boxes(root: Path, page: str) -> list[str]:
    from bs4 import BeautifulSoup

    tree = BeautifulSoup((root / "_build" / f"{page}.html").read_text(), "html.parser")
    return [code.get_text() for code in tree.select(".paramcalc-error code")]


def _refs(root: Path, page: str) -> list[str]:
    from bs4 import BeautifulSoup

    tree = BeautifulSoup((root / "_build" / f"{page}.html").read_text(), "html.parser")
    return [span.get_text() for span in tree.select("span.paramcalc-ref, span.problematic")]


def test_myst_body_errors_are_at_their_lines_in_warnings_and_on_the_page(tmp_path: Path) -> None:
    """MyST counts a directive's content from its fence, docutils from the file's start: the
    layers of a MyST block were placed at lines 2, 3 and 5 of the file."""
    root = _sphinx_project(tmp_path)
    done = _sphinx(root, "-E")
    myst = f"{root}/myst.md"
    lines = MYST.split("\n")
    for says in ("3", "4", "5"):
        line = next(i for i, x in enumerate(lines, 1) if f'expect="{says}"' in x)
        column = lines[line - 1].index("expect") + 1
        assert (
            f"{myst}:{line}: WARNING: dense: the text says {says}, the formula gives 9 (column {column})"
            in done.stderr
        )
        assert f"{myst}:{line}:{column}" in _boxes(root, "myst")


def test_rst_errors_are_at_the_directives_line_and_the_bodys_columns(tmp_path: Path) -> None:
    root = _sphinx_project(tmp_path)
    done = _sphinx(root, "-E")
    index = f"{root}/index.rst"
    head = RST.split("\n")[8]
    assert f"{index}:9: WARNING: expect= must be a whole number such as 1,199,882, got ''" in done.stderr
    body = RST.split("\n")[17]
    column = body.index("expect") + 1  # in the file: the body's indentation counted
    assert (
        f"{index}:18: WARNING: dense: the text says 91, the formula gives 90 (column {column})" in done.stderr
    )
    # The page's error boxes say the same places as the warnings (the options' was the body's line - 1).
    assert _boxes(root, "index") == [f"{index}:9:{head.index('expect') + 1}", f"{index}:18:{column}"]


def test_an_id_used_twice_names_the_other_blocks_line(tmp_path: Path) -> None:
    root = _sphinx_project(tmp_path)
    done = _sphinx(root, "-E")
    other = next(i for i, x in enumerate(MYST.split("\n"), 1) if 'id="deep"' in x)
    assert f"two blocks have the id 'deep'; the other is at {root}/index.rst:15" in done.stderr
    assert f"{root}/myst.md:{other}" in done.stderr  # was myst.md:0 and a line off in RST
    assert f"{root}/myst.md:0" not in done.stderr


@pytest.mark.parametrize("jobs", [[], ["-j", "2"]], ids=["serial", "parallel"])
def test_an_incremental_build_rewrites_the_pages_that_quote_a_changed_block(
    tmp_path: Path, jobs: list[str]
) -> None:
    """Only the changed document was written again: an unchanged page kept quoting the old count,
    and a removed block's, without a warning."""
    root = _sphinx_project(tmp_path, **{"myst.md": MYST + GONE})
    _sphinx(root, *jobs)
    assert _refs(root, "quoting") == ["9", "18", "9"]
    (root / "myst.md").write_text(MYST.replace('Input(8)\nDense(1, expect="4")', "Input(8)\nDense(3)"))
    done = _sphinx(root, *jobs)
    assert _refs(root, "quoting") == ["9", "#!cnn gone.total", "27"]
    assert f"{root}/quoting.md:3: WARNING: no block has the id 'gone'" in done.stderr
    again = _sphinx(root, *jobs)
    assert "WARNING" not in again.stderr  # nothing changed: nothing written again


HEADINGS = """\
Index with :cnn:`m.total`
=========================

.. toctree::

   titled

.. cnn:: id="m"

   Input(8)
   Dense(10)
"""

TITLED = """\
# Titled {cnn}`m.total` and `#!cnn m.layers[0].params`

Text.
"""


@pytest.mark.parametrize("builder", ["html", "text", "singlehtml", "latex", "man", "texinfo"])
def test_a_reference_in_a_heading_is_its_value_in_titles_and_tables_of_contents(
    tmp_path: Path, builder: str
) -> None:
    """Sphinx copies a heading (the page's <title>, the related links, a toctree) before the
    references are resolved: the copy reached the writer, "Exception occurred: unknown node"."""
    root = _sphinx_project(tmp_path, **{"index.rst": HEADINGS, "titled.md": TITLED})
    for name in ("myst.md", "quoting.md"):
        (root / name).unlink()
    command = [
        sys.executable,
        "-m",
        "sphinx",
        "-q",
        "-W",
        "-E",
        "-b",
        builder,
        str(root),
        str(root / "_build"),
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
    assert (done.returncode, done.stderr) == (0, "")
    if builder == "html":
        titled = (root / "_build" / "titled.html").read_text()
        assert "<title>Titled 90 and 90 " in titled
        assert 'title="Index with 90"' in titled  # the related link back
        assert "#!cnn" not in titled


def test_a_block_in_an_included_rst_file_is_at_its_line_in_that_file(tmp_path: Path) -> None:
    """docutils counts an included file's lines after the including file's: the layer of a
    block in the included file was placed at line 12 of a 6-line file."""
    root = _sphinx_project(tmp_path)
    (root / "quoting.md").write_text("# Quoting\n")
    (root / "myst.md").write_text("# MyST\n\nText.\n\n```{include} part.txt\n```\n")
    (root / "index.rst").write_text(
        "Index\n=====\n\n.. toctree::\n\n   myst\n   quoting\n\nx\n\n.. include:: part.inc\n"
    )
    (root / "part.inc").write_text('Intro\n\n.. cnn:: id="pr"\n\n   Input(8)\n   Dense(10, expect="2")\n')
    (root / "part.txt").write_text('Part\n\n```cnn id="pm"\nInput(8)\nDense(10, expect="3")\n```\n')
    done = _sphinx(root, "-E")
    assert "part.inc:6: WARNING: dense: the text says 2, the formula gives 90 (column 14)" in done.stderr
    assert (
        f"{root}/part.txt:5: WARNING: dense: the text says 3, the formula gives 90 (column 11)" in done.stderr
    )


# ---------------------------------------------------------------------------------------------
# paramcalc stylesheet
# ---------------------------------------------------------------------------------------------


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="/dev/full is Linux's")
def test_the_stylesheet_written_to_a_full_disk_is_a_message_not_a_traceback() -> None:
    with open("/dev/full", "w") as full:
        done = subprocess.run(
            [sys.executable, "-m", "mkdocs_paramcalc", "stylesheet"],
            stdout=full, stderr=subprocess.PIPE, text=True, timeout=120, check=False,
        )  # fmt: skip
    assert done.returncode == 1
    assert done.stderr == "paramcalc: cannot write the output: No space left on device\n"


def test_the_stylesheet_is_the_one_the_builds_write() -> None:
    from mkdocs_paramcalc.frontends.markdown import stylesheet

    done = subprocess.run(
        [sys.executable, "-m", "mkdocs_paramcalc", "stylesheet"], capture_output=True, text=True, timeout=120
    )
    assert (done.returncode, done.stderr, done.stdout) == (0, "", stylesheet())


def test_a_directive_option_continued_on_the_next_line_is_one_value(tmp_path: Path) -> None:
    """reStructuredText lets an option's value go on over indented lines: the line break was
    refused as a control character in the title."""
    index = RST.replace(
        '.. cnn:: id="deep"\n', '.. cnn:: id="deep"\n   :title: A title\n      on two lines\n'
    )
    root = _sphinx_project(tmp_path, **{"index.rst": index})
    done = _sphinx(root, "-E")
    assert "control character" not in done.stderr
    from bs4 import BeautifulSoup

    tree = BeautifulSoup((root / "_build" / "index.html").read_text(), "html.parser")
    assert [c.get_text() for c in tree.select(".paramcalc table caption")] == ["A title on two lines"]

"""The pandoc filter and the Sphinx extension (issue 18) under careless and hostile authors:
crafted JSON, odd metadata, positions that lie, CommonMark dropping a fence's options, thousands
of blocks; MyST and reStructuredText positions, incremental rebuilds. Each answer is a located
message or the right output, never a traceback or a silently wrong count."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

PANDOC = shutil.which("pandoc")
FILTER = str(Path(sys.executable).parent / "paramcalc-pandoc")
needs_pandoc = pytest.mark.skipif(PANDOC is None, reason="pandoc is not installed (.ci/run installs it)")


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
    done = subprocess.run(
        [str(PANDOC), "-f", "commonmark_x+sourcepos", page.name, "--filter", FILTER, "-t", "html5"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
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
    done = subprocess.run(
        [str(PANDOC), "-f", "commonmark_x", page.name, "--filter", FILTER, "-t", "html5"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert (
        "options written after ```cnn (id=, expect=, title=, ...) on <cnn block 1> were dropped"
        in done.stderr
    )
    assert "commonmark_x+sourcepos" in done.stderr
    plain = subprocess.run(
        [str(PANDOC), "-f", "markdown", page.name, "--filter", FILTER, "-t", "html5"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
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

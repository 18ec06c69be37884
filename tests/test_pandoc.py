"""`pandoc --filter paramcalc-pandoc` (issue 18): the blocks and references of a pandoc document
as pandoc's own tables and math, in every format pandoc writes — run with Debian's pandoc, a
Beamer PDF compiled by TeX and read back by pdftotext, a Word file unzipped — and every error at
its file:line:column where pandoc says where a block stands."""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from mkdocs_paramcalc.frontends.pandoc import NO_POSITIONS, convert, main
from tests.helpers import NEEDS_PANDOC, ROOT, pandoc, to_html

pytestmark = NEEDS_PANDOC
LESSON = ROOT / "examples" / "slides" / "lesson.md"


def lesson(tmp_path: Path, *, typo: bool = False, strict: bool = True) -> Path:
    text = LESSON.read_text()
    if typo:
        text = text.replace('expect="18,496"', 'expect="18,494"')
    if not strict:
        text = text.replace("  show: table\n", "  show: table\n  strict: false\n")
    path = tmp_path / "lesson.md"
    path.write_text(text)
    return path


def test_html_has_the_table_the_formulas_as_mathml_and_the_quoted_numbers(tmp_path: Path) -> None:
    done = pandoc(lesson(tmp_path), "-t", "html5", "--mathml", "-s")
    assert (done.returncode, done.stderr) == (0, "")
    assert "<table" in done.stdout
    assert '<td style="text-align: right;">1,179,776</td>' in done.stdout
    assert "<strong>1,199,882</strong>" in done.stdout
    assert "<math" in done.stdout
    assert 'The network has <span class="paramcalc-ref">1,199,882</span> parameters' in done.stdout.replace(
        "\n", " "
    )
    assert "#!cnn" not in done.stdout


def test_a_beamer_deck_compiles_and_its_pdf_holds_the_counts(tmp_path: Path) -> None:
    if shutil.which("pdflatex") is None or shutil.which("pdftotext") is None:
        pytest.skip("TeX and poppler are not installed (.ci/run installs them)")
    done = pandoc(lesson(tmp_path), "-t", "beamer", "-o", "lesson.pdf")
    assert (done.returncode, done.stderr) == (0, "")
    text = subprocess.run(
        ["pdftotext", "-layout", str(tmp_path / "lesson.pdf"), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "1,199,882" in text
    assert "((3 × 3 × 32) + 1) × 64 = 18,496" in text  # the slide of the typo, the number right
    assert "(9216 + 1) × 128 = 1,179,776" in text
    pages = subprocess.run(
        ["pdfinfo", str(tmp_path / "lesson.pdf")], capture_output=True, text=True, check=True
    )
    assert re.search(r"Pages: +6\n", pages.stdout)  # the title and one slide a heading


def test_a_revealjs_deck_has_a_slide_for_each_heading(tmp_path: Path) -> None:
    done = pandoc(lesson(tmp_path), "-t", "revealjs", "-s", "--mathml")
    assert done.returncode == 0
    assert done.stdout.count("<section") >= 6
    assert "18,496" in done.stdout


def test_a_word_file_has_the_table_and_the_numbers(tmp_path: Path) -> None:
    done = pandoc(lesson(tmp_path), "-t", "docx", "-o", "lesson.docx")
    assert done.returncode == 0
    xml = zipfile.ZipFile(tmp_path / "lesson.docx").read("word/document.xml").decode()
    assert "<w:tbl>" in xml
    assert "1,199,882" in xml


def test_the_slides_typo_fails_the_conversion_at_its_line(tmp_path: Path) -> None:
    path = lesson(tmp_path, typo=True)
    done = pandoc(path, "-f", "commonmark_x+sourcepos+yaml_metadata_block", "-t", "html5")
    assert done.returncode != 0
    line = (
        path.read_text().split("\n").index(next(x for x in path.read_text().split("\n") if "18,494" in x)) + 1
    )
    column = path.read_text().split("\n")[line - 1].index("expect") + 1
    assert f"lesson.md:{line}:{column}: Conv_2: the text says 18,494, the formula gives 18,496" in done.stderr
    assert NO_POSITIONS not in done.stderr


def test_without_positions_the_message_says_so(tmp_path: Path) -> None:
    done = pandoc(lesson(tmp_path, typo=True), "-t", "html5")
    assert done.returncode != 0
    assert "<cnn block 1>:4:" in done.stderr  # line 1 is the fence's: Conv_2 stands on its 4th
    assert NO_POSITIONS in done.stderr


def test_told_not_to_fail_the_document_shows_the_error(tmp_path: Path) -> None:
    done = pandoc(lesson(tmp_path, typo=True, strict=False), "-t", "html5")
    assert done.returncode == 0
    assert "A number in the text does not match the model" in done.stdout
    assert "the text says 18,494" in done.stderr


def test_a_page_moves_between_mkdocs_and_pandoc_unchanged() -> None:
    """The attribute form of a fence is read alike by the Markdown extension."""
    html = to_html(LESSON.read_text().split("---\n", 2)[2])
    assert "1,199,882" in html
    assert "18,496" in html


# ---------------------------------------------------------------------------------------------
# The filter on pandoc's JSON, without pandoc
# ---------------------------------------------------------------------------------------------


def _document(*blocks: object, meta: dict[str, object] | None = None) -> dict[str, object]:
    return {"pandoc-api-version": [1, 22, 2, 1], "meta": meta or {}, "blocks": list(blocks)}


def _code_block(
    text: str, *classes: str, ident: str = "", attributes: list[list[str]] | None = None
) -> object:
    return {"t": "CodeBlock", "c": [[ident, ["cnn", *classes], attributes or []], text]}


def _reference(text: str) -> object:
    return {"t": "Para", "c": [{"t": "Code", "c": [["", [], []], f"#!cnn {text}"]}]}


def test_options_come_from_pandocs_attributes_and_references_resolve() -> None:
    block = _code_block(
        "Input(8)\nDense(10)", ident="tiny", attributes=[["expect", "90"], ["title", 'A "tiny" one']]
    )
    document, messages, strict = convert(_document(block, _reference("tiny.total")), "html")
    assert (messages, strict) == ([], True)
    table = document["blocks"][0]["c"][1][0]
    assert table["t"] == "Table"
    assert table["c"][1][1][0]["c"] == [
        {"t": "Str", "c": "A"},
        {"t": "Space"},
        {"t": "Str", "c": '"tiny"'},
        {"t": "Space"},
        {"t": "Str", "c": "one"},
    ]
    span = document["blocks"][1]["c"][0]
    assert span == {"t": "Span", "c": [["", ["paramcalc-ref"], []], [{"t": "Str", "c": "90"}]]}


def test_a_mkdocs_style_fence_read_by_pandocs_markdown_as_a_span_is_an_error() -> None:
    para = {"t": "Para", "c": [{"t": "Code", "c": [["", [], []], 'cnn id="x" Input(8) Dense(10)']}]}
    _, messages, _ = convert(_document(para), "html")
    assert "this cnn fence is not read as a block" in messages[0]


def test_metadata_sets_the_site_options_and_a_bad_one_is_named(capsys: pytest.CaptureFixture[str]) -> None:
    show = {
        "show": {
            "t": "MetaInlines",
            "c": [{"t": "Str", "c": "table"}, {"t": "Space"}, {"t": "Str", "c": "macs"}],
        }
    }
    document, messages, _ = convert(
        _document(_code_block("Input(8)\nDense(2)"), meta={"paramcalc": {"t": "MetaMap", "c": show}}), "html"
    )
    assert messages == []
    table = document["blocks"][0]["c"][1][0]
    assert len(table["c"][2]) == 4  # Layer, Output shape, Parameters and MACs
    bad = {"paramcalc": {"t": "MetaMap", "c": {"shw": {"t": "MetaString", "c": "table"}}}}
    assert main(["html"], io.StringIO(json.dumps(_document(meta=bad))), io.StringIO()) == 1
    assert "unknown option 'shw'" in capsys.readouterr().err


def test_a_deep_document_does_not_exhaust_the_stack() -> None:
    node: object = _code_block("Input(8)\nDense(2)")
    for _ in range(20_000):
        node = {"t": "BlockQuote", "c": [node]}
    document, messages, _ = convert(_document(node), "latex")
    assert messages == []
    inner = document["blocks"][0]
    while inner["t"] == "BlockQuote":
        inner = inner["c"][0]
    assert inner["t"] == "Div"

"""One reader: the build, `paramcalc check` and superfences agree on where every block stands.

Pages are generated with fences of every length and indentation, inside lists, admonitions,
tabs, quotes and HTML blocks, with CRLF, a byte-order mark, unclosed and nested fences, identical
bodies, and references in code, comments and prose. For each page:

* our reader finds exactly the cnn fences that pymdown-extensions' superfences reads as fences
  (superfences reads every other fence of the page, so the two must agree);
* `paramcalc check` and `mkdocs build --strict` report the same errors at the same places.
"""

from __future__ import annotations

import io
import logging
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from pathlib import Path

import markdown
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mkdocs.commands.build import build
from mkdocs.config import load_config
from mkdocs.exceptions import Abort

from mkdocs_paramcalc.frontends import cli
from mkdocs_paramcalc.reading.page import read

GOOD = ("Input(8)", "Dense(2)")
BAD = ("Input(8)", "Dens(2)")
_PREFIX = re.compile(r"^[ \t>]*")


@st.composite
def _fence(draw: st.DrawFn) -> list[str]:
    """A fence: cnn or another language, good or bad body, closed, unclosed or closed longer."""
    ticks = draw(st.sampled_from(["```", "````", "~~~"]))
    language = draw(st.sampled_from(["cnn", 'cnn id="m"', 'cnn title="T"', "python", "", "cnn expect=9"]))
    body = list(draw(st.sampled_from([GOOD, BAD, ("Input(8)",), ("```cnn", "Input(1)", "```")])))
    closing = draw(st.sampled_from([ticks, ticks, ticks + ticks[0], ""]))
    return [ticks + language, *body, *([closing] if closing else [])]


def _indent(lines: list[str], prefix: str) -> list[str]:
    return [prefix + line if line else line for line in lines]


@st.composite
def _container(draw: st.DrawFn) -> list[str]:
    """A fence as it stands in a page: alone, in a list, an admonition, tabs, a quote, HTML."""
    lines = draw(_fence())
    kinds = ["top", "list", "admonition", "tabs", "details", "quote", "html", "indented"]
    kind = draw(st.sampled_from(kinds))
    if kind == "list":
        return ["- item", "", *_indent(lines, "    ")]
    if kind == "admonition":
        return ['!!! note "N"', "", *_indent(lines, "    ")]
    if kind == "tabs":
        return ['=== "A"', "", *_indent(lines, "    ")]
    if kind == "details":
        return ["??? note", "", *_indent(lines, "    ")]
    if kind == "quote":
        return _indent(lines, "> ")
    if kind == "html":
        return ["<div markdown>", "", *lines, "", "</div>"]
    if kind == "indented":
        return _indent(lines, draw(st.sampled_from(["  ", "\t", "   "])))
    return lines


_PROSE = st.sampled_from(
    [
        "Some text.",
        "Total: `#!cnn m.total`.",
        "Bad: `#!cnn m.totl` and `#!cnn nothere.total`.",
        "Shown as code: `` `#!cnn m.totl` ``.",
        "<!-- `#!cnn m.totl` -->",
        "<!--",
        "-->",
        "Backticks ``` in prose.",
        "`#!cnn m.layers[9].params`",
        "",
    ]
)


@st.composite
def pages(draw: st.DrawFn) -> str:
    chunks = draw(st.lists(st.one_of(_container(), _PROSE.map(lambda line: [line])), min_size=1, max_size=8))
    lines = ["# Page", ""] + [line for chunk in chunks for line in [*chunk, ""]]
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    bom = draw(st.sampled_from(["", "\ufeff"]))
    return bom + newline.join(lines)


def _superfences_bodies(text: str, *extensions: object) -> list[str]:
    """The bodies of the cnn fences that superfences reads, as it hands them to a formatter."""
    seen: list[str] = []

    def formatter(src: str, language: str, class_name: str, options: object, md: object, **kw: object) -> str:
        seen.append(src)
        return ""

    def validator(language: str, inputs: dict[str, str], options: object, attrs: object, md: object) -> bool:
        return True

    fence = {"name": "cnn", "class": "cnn", "format": formatter, "validator": validator}
    markdown.markdown(
        text,
        extensions=["pymdownx.superfences", *extensions],
        extension_configs={"pymdownx.superfences": {"custom_fences": [fence]}},
    )
    return seen


def _ours(text: str) -> tuple[list[str], bool]:
    """The bodies of the cnn fences our reader finds, and whether any is broken."""
    lines = text.split("\n")
    fences = read(lines).fences
    found = []
    for fence in fences:
        width = len(_PREFIX.match(lines[fence.opener]).group().expandtabs(4))  # type: ignore[union-attr]
        found.append("\n".join(_dedent(line, width) for line in fence.body).rstrip("\n"))
    return found, any(fence.broken for fence in fences)


def _dedent(line: str, width: int) -> str:
    line = line.expandtabs(4)
    return line[width:] if line[:width].strip(" >") == "" else line.lstrip(" >")


def _plain(text: str) -> str:
    """The page as both readers are given it: no byte-order mark, no CR, fences outside comments
    (superfences reads a fence in an HTML comment; ours leaves a commented-out block alone), quoted
    option values (a bare one is ours alone)."""
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("<!--", "").replace("-->", "")
    return text.replace("expect=9", 'expect="9"')


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pages())
def test_the_reader_finds_the_fences_superfences_reads(text: str) -> None:
    text = _plain(text)
    ours, broken = _ours(text)
    if not broken:  # a broken cnn fence is ours alone to report: superfences skips it, or runs on
        assert ours == [body.rstrip("\n") for body in _superfences_bodies(text)]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pages())
def test_no_cnn_fence_is_left_for_superfences(text: str) -> None:
    """With the extension, superfences never reads a cnn fence: each is taken, or said to be broken."""
    assert _superfences_bodies(_plain(text), "mkdocs_paramcalc") == []


@contextmanager
def _inside(folder: Path) -> Iterator[None]:
    """The site's folder as the working one, as MkDocs and paramcalc are run from it."""
    here = os.getcwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(here)


def _check(docs: Path, mkdocs_yml: Path) -> list[str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        cli.main(["check", "--config-file", str(mkdocs_yml), str(docs)])
    return [line for line in out.getvalue().splitlines() if line]


class _Listing(logging.Handler):
    """Keeps the strict build's closing error, which lists every error."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def _strict_build(root: Path) -> list[str]:
    config = load_config(str(root / "mkdocs.yml"), site_dir=str(root / "site"), strict=True)
    listing = _Listing()
    logging.getLogger("mkdocs").addHandler(listing)
    try:
        build(config)
    except Abort:
        (message,) = [m for m in listing.messages if "in strict mode" in m]
        return [line for line in message.splitlines()[1:] if line]
    finally:
        logging.getLogger("mkdocs").removeHandler(listing)
    return []


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(pages(), min_size=1, max_size=3))
def test_check_and_the_strict_build_report_the_same_errors(
    tmp_path_factory: pytest.TempPathFactory, texts: list[str]
) -> None:
    root = tmp_path_factory.mktemp("site")
    docs = root / "docs"
    docs.mkdir()
    for number, text in enumerate(texts):
        (docs / f"p{number}.md").write_bytes(text.encode("utf-8"))
    (root / "mkdocs.yml").write_text(
        "site_name: t\nmarkdown_extensions:\n  - admonition\n  - pymdownx.details\n  - md_in_html\n"
        "  - pymdownx.tabbed\n  - pymdownx.superfences\nplugins:\n  - paramcalc\n"
    )
    with _inside(root):
        checked = _check(Path("docs"), Path("mkdocs.yml"))
        built = _strict_build(root)
    assert built == checked


FORGED = """# Page

<!--paramcalc:block--> <!--paramcalc:aside 0--> <!--paramcalc:math--> pcb0123456789abcdef0123n0x

## Secret heading

Words the search index must hold. <!--paramcalc:aside 99-->x<!--/paramcalc:aside-->

```cnn id="m"
Input(8)
Dense(2)
```

<!--/paramcalc:block--> <!--/paramcalc:math--> Total `#!cnn m.total`.
"""


def test_forged_markers_change_nothing(tmp_path: Path) -> None:
    """Text that imitates paramcalc's markers is text: the page, its search entry and its block
    are as they would be without it."""
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "index.md").write_text(FORGED)
    (tmp_path / "mkdocs.yml").write_text("site_name: t\nplugins:\n  - search\n  - paramcalc\n")
    build(load_config(str(tmp_path / "mkdocs.yml"), site_dir=str(tmp_path / "site"), strict=True))
    page = (tmp_path / "site" / "index.html").read_text()
    for marker in ("<!--paramcalc:aside 99-->", "pcb0123456789abcdef0123n0x", "<!--/paramcalc:block-->"):
        assert marker in page
    assert page.count('class="paramcalc"') == 1
    assert '<span class="paramcalc-ref">18</span>' in page
    index = (tmp_path / "site" / "search" / "search_index.json").read_text()
    assert "Words the search index must hold" in index
    assert '"location":"#secret-heading"' in index  # still a heading: not swallowed by a forged marker


def test_a_block_filled_by_snippets_is_built_after_them(tmp_path: Path) -> None:
    """`--8<-- "file"` inside a block: snippets puts the file's text there, then the block is built
    (by the build only: `paramcalc check` does not run snippets, and leaves such a block alone)."""
    (tmp_path / "docs").mkdir()
    (tmp_path / "examples").mkdir()
    (tmp_path / "examples" / "m.cnn").write_text("Input(8)\nDense(2, expect=18)\n")
    (tmp_path / "docs" / "index.md").write_text(
        '# P\n\n```cnn title="From a file"\n--8<-- "examples/m.cnn"\n```\n'
    )
    (tmp_path / "mkdocs.yml").write_text(
        "site_name: t\nmarkdown_extensions:\n  - pymdownx.snippets:\n      base_path: [.]\n"
        "plugins:\n  - paramcalc\n"
    )
    with _inside(tmp_path):
        assert _strict_build(tmp_path) == []
        page = (tmp_path / "site" / "index.html").read_text()
        assert "From a file" in page
        assert ">18<" in page
        (tmp_path / "examples" / "m.cnn").write_text("Input(8)\nDense(2, expect=19)\n")
        (message,) = _strict_build(tmp_path)
        assert "the text says 19, the formula gives 18" in message
        assert _check(Path("docs"), Path("mkdocs.yml")) == []

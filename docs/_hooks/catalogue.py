"""MkDocs hook: writes the layer reference from the package's catalogue, so the two cannot drift.

A page that holds the marker `<!-- paramcalc:catalogue -->` gets, in its place, one
section a family and one entry a layer: a heading, the layer's one-line summary, its
signature and a live `cnn` block of its example, which the plugin then renders as a
table and a derivation like any block an author writes. The marker
`<!-- paramcalc:catalogue-overview -->` becomes a table of the families and their
layers, linked to those entries. A layer added to `mkdocs_paramcalc/layers.py`
appears here with no edit to the docs.

It also keeps one quotation honest: the lesson, the syntax page and Getting started
quote the error that a build prints for the slides' typo (`expect=18494`), whose
position is the line of that claim in the lesson's source. If an edit to the lesson
moves the claim, the hook warns (and a strict build fails) until the quotes are
updated.

The hook is listed under `hooks:` in mkdocs.yml and kept out of the site by
`exclude_docs`.
"""

from __future__ import annotations

import logging
import os
import re

from mkdocs_paramcalc.layers import CATALOGUE, LayerKind

MARKER = "<!-- paramcalc:catalogue -->"
OVERVIEW = "<!-- paramcalc:catalogue-overview -->"
PAGE = "layers.md"

log = logging.getLogger("mkdocs.hooks.catalogue")

LESSON = "index.md"
CLAIM = "expect=18494"
QUOTED = re.compile(r"docs/index\.md:(\d+):(\d+)")

# The families in reading order, each with a line of introduction. A family that the
# catalogue gains later is still listed, after these, under its own name.
FAMILIES = {
    "convolution": (
        "Convolutions",
        "A convolution learns N<sub>f</sub> filters. Each filter is a kernel that spans every channel of "
        "its input, plus one bias, so its count depends on the kernel size and the input depth, "
        "never on the height or width of the image.",
    ),
    "pooling": (
        "Pooling",
        "Pooling summarises each window of its input by a fixed rule. It changes the shape and "
        "learns nothing: these layers always count 0.",
    ),
    "dense and shape": (
        "Dense and shape",
        "`Dense` is the only layer here with weights. The others reshape, drop out or activate "
        "their input and add no parameters.",
    ),
    "normalization": (
        "Normalization",
        "Normalization layers keep a few numbers per channel. Some of them are trained and some "
        "are statistics gathered while training, so the table splits the total into trainable "
        "and non-trainable parameters.",
    ),
}


def _anchor(text: str) -> str:
    """The id the `toc` extension gives a heading such as `Dense and shape` or `Conv2D`."""
    return "-".join(text.lower().split())


def _families() -> dict[str, list[LayerKind]]:
    grouped: dict[str, list[LayerKind]] = {family: [] for family in FAMILIES}
    for kind in CATALOGUE.values():
        grouped.setdefault(kind.family, []).append(kind)
    return {family: kinds for family, kinds in grouped.items() if kinds}


def _title(family: str) -> str:
    return FAMILIES[family][0] if family in FAMILIES else family.capitalize()


def _overview(grouped: dict[str, list[LayerKind]]) -> list[str]:
    lines = ["| Family | Layers |", "|---|---|"]
    for family, kinds in grouped.items():
        links = ", ".join(f"[`{kind.name}`](#{_anchor(kind.name)})" for kind in kinds)
        lines.append(f"| [{_title(family)}](#{_anchor(_title(family))}) | {links} |")
    return lines


def _entry(kind: LayerKind) -> list[str]:
    # A fence option cannot hold a double quote: Activation("relu") is captioned Activation('relu').
    shape = kind.example_input.removeprefix("Input")
    caption = f"{kind.example} on a {shape} input".replace('"', "'")
    return [
        f"### {kind.name}",
        "",
        kind.summary,
        "",
        f"`#!python {kind.name}({kind.signature.text()})`",
        "",
        f'```cnn title="Example: {caption}"',
        kind.example_input,
        kind.example,
        "```",
        "",
    ]


def render_overview() -> str:
    """The Markdown that replaces the overview marker."""
    return "\n".join(_overview(_families()))


def render_catalogue() -> str:
    """The Markdown that replaces the marker."""
    grouped = _families()
    lines: list[str] = []
    for family, kinds in grouped.items():
        lines += [f"## {_title(family)}", ""]
        if family in FAMILIES:
            lines += [FAMILIES[family][1], ""]
        for kind in kinds:
            lines += _entry(kind)
    return "\n".join(lines)


def _claim_position(docs_dir: str) -> tuple[int, int] | None:
    """Line and column of the slides' typo, as a claim in the lesson's source."""
    try:
        with open(os.path.join(docs_dir, LESSON), encoding="utf-8") as f:
            lines = f.read().split("\n")
    except OSError:
        return None
    for number, line in enumerate(lines, 1):
        if CLAIM in line:
            return number, line.index(CLAIM) + 1
    return None


def _check_quotes(markdown: str, page, config) -> None:
    quoted = {(int(m.group(1)), int(m.group(2))) for m in QUOTED.finditer(markdown)}
    if not quoted:
        return
    actual = _claim_position(config["docs_dir"])
    for line, column in sorted(quoted - {actual}):
        where = f"line {actual[0]}, column {actual[1]}" if actual else "nowhere"
        log.warning(
            "%s quotes docs/index.md:%d:%d, but the claim %s is at %s of %s: update the quoted output",
            page.file.src_uri,
            line,
            column,
            CLAIM,
            where,
            LESSON,
        )


def on_page_markdown(markdown: str, page, config, files) -> str:
    _check_quotes(markdown, page, config)
    if page.file.src_uri == PAGE and MARKER not in markdown:
        log.warning("%s: the marker %s is missing, so the layer reference is empty", PAGE, MARKER)
    if OVERVIEW in markdown:
        markdown = markdown.replace(OVERVIEW, render_overview())
    if MARKER in markdown:
        markdown = markdown.replace(MARKER, render_catalogue())
    return markdown

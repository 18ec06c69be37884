"""MkDocs hook: writes the layer reference from the package's catalogue, so the two cannot drift.

A page that holds the marker `<!-- paramcalc:catalogue keras -->` (or `pytorch`) gets,
in its place, one section a family and one entry a layer of that dialect: a heading,
the layer's one-line summary, its signature and a live `cnn` block of its example,
which the plugin then renders as a table and a derivation like any block an author
writes. The marker `<!-- paramcalc:catalogue-overview keras -->` becomes a table of
the families and their layers, linked to those entries. A layer added to
`keras_layers.py` or `torch_layers.py` appears here with no edit to the docs.

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

from mkdocs_paramcalc.dialects.layers import CATALOGUES, LayerKind
from mkdocs_paramcalc.errors import BlockError
from mkdocs_paramcalc.frontends.pages import run_text
from mkdocs_paramcalc.reading.options import Settings, parse_options
from mkdocs_paramcalc.reading.parse import parse_block
from mkdocs_paramcalc.report.model import build
from mkdocs_paramcalc.report.references import Defined, Registry, resolve

# The table of mistakes on the syntax page: what an author wrote (a block's body, after an
# input line, with fence options) and, computed here, what the build says about it.
MISTAKES = re.compile(r"<!-- paramcalc:mistakes -->")
MISTAKE_CASES: list[tuple[str, str, dict[str, str]]] = [
    ('`Conv2d(1, 32, 3)` in a block marked `framework="keras"`', "Input(28, 28, 1)\nConv2d(1, 32, 3)",
     {"framework": "keras"}),
    ("`Conv2D(32, 3)` then `Linear(10, 2)`", "Input(28, 28, 1)\nConv2D(32, 3)\nFlatten()\nLinear(10, 2)", {}),
    ("`Conv2D(32, 50)` after `Input(28, 28, 1)`", "Input(28, 28, 1)\nConv2D(32, 50)", {}),
    ('`Conv2D(32, 3, padding="vaild")`', 'Input(28, 28, 1)\nConv2D(32, 3, padding="vaild")', {}),
    ('`Conv2D(32, 3, activaton="relu")`', 'Input(28, 28, 1)\nConv2D(32, 3, activaton="relu")', {}),
    ('`Dense(128, activation="rleu")`', 'Input(9216)\nDense(128, activation="rleu")', {}),
    ("`Linear(9126, 128)` after a 12 × 12 × 64 feature map",
     "Input(64, 12, 12)\nFlatten()\nLinear(9126, 128)", {}),
    ("`Conv2D(32, 3` (unclosed)", "Input(28, 28, 1)\nConv2D(32, 3", {}),
    ("a block without an input shape", "Conv2D(32, 3)", {}),
    ('`titel="..."` in the fence header', "Input(8)\nDense(2)", {"titel": "Tiny"}),
    ("`import os`", "import os", {}),
    ("`x = Conv2D(32, 3)`", "Input(28, 28, 1)\nx = Conv2D(32, 3)", {}),
    ('`Conv2D(32, os.system("ls"))`', 'Input(28, 28, 1)\nConv2D(32, os.system("ls"))', {}),
    ("a `Residual` that halves the image, without a projection shortcut",
     'Input(56, 56, 64)\nResidual(Conv2D(128, 3, strides=2, padding="same"))', {}),
]  # fmt: skip

MARKER = re.compile(r"<!-- paramcalc:catalogue (keras|pytorch) -->")
OVERVIEW = re.compile(r"<!-- paramcalc:catalogue-overview (keras|pytorch) -->")
PAGES = {"layers.md": "keras", "pytorch-layers.md": "pytorch"}

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
        "its input (or of its group), plus one bias, so its count depends on the kernel size and the "
        "input depth, never on the height or width of the image.",
    ),
    "pooling": (
        "Pooling",
        "Pooling summarises each window of its input by a fixed rule. It changes the shape and "
        "learns nothing: these layers always count 0.",
    ),
    "dense and shape": (
        "Dense and shape",
        "A fully connected layer has a weight from every input to every node, plus a bias a node. "
        "The other layers here reshape, pad or drop out their input and add no parameters.",
    ),
    "preprocessing and augmentation": (
        "Preprocessing and augmentation",
        "Layers that prepare images before the network sees them: rescaling, normalizing, resizing and "
        "cropping, and random flips, rotations and zooms while training. Only Normalization keeps "
        "numbers (a mean and a variance per channel, and a count), which Keras counts as "
        "non-trainable parameters.",
    ),
    "activation": (
        "Activations",
        "Activation functions apply a fixed function to every value. Only the parametric ones, "
        "such as PReLU, learn anything.",
    ),
    "normalization": (
        "Normalization",
        "Normalization layers keep a few numbers per channel or feature. Some are trained; others "
        "are statistics gathered while training, which Keras counts as non-trainable parameters and "
        "PyTorch keeps as buffers (see [Keras and PyTorch](frameworks.md)).",
    ),
    "sequence": (
        "Sequences",
        "Embeddings turn token ids into vectors; recurrent layers read a sequence one step at a time "
        "with the same weights at every step, so their counts do not depend on its length.",
    ),
    "attention": (
        "Attention",
        "Attention lets every token of a sequence read every other one. Its parameters are the "
        "projections of the queries, keys, values and output, so its count depends on the width of "
        "the tokens, never on their number or on the number of heads. In a block, attention is "
        "self-attention: the queries, keys and values all come from the layer's input.",
    ),
    "your own": (
        "Your own layers",
        "A layer that paramcalc does not know can still take its place in the table, with a count and "
        "an output shape that you give.",
    ),
}


def _anchor(text: str) -> str:
    """The id the `toc` extension gives a heading such as `Dense and shape` or `Conv2D`."""
    return "-".join(text.lower().split())


def _families(framework: str) -> dict[str, list[LayerKind]]:
    grouped: dict[str, list[LayerKind]] = {family: [] for family in FAMILIES}
    for kind in CATALOGUES[framework].values():
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
        f'```cnn framework="{kind.framework}" title="Example: {caption}"',
        kind.example_input,
        kind.example,
        "```",
        "",
    ]


def render_overview(framework: str) -> str:
    """The Markdown that replaces the overview marker."""
    return "\n".join(_overview(_families(framework)))


def render_catalogue(framework: str) -> str:
    """The Markdown that replaces the marker."""
    grouped = _families(framework)
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


def _said(body: str, fence: dict[str, str]) -> str:
    try:
        build(parse_block(body), parse_options(fence, Settings()))
    except BlockError as error:
        return error.text().replace("|", "\\|")
    raise ValueError(f"the mistake {body!r} builds without an error: take it off the syntax page")


REFERENCE_MISTAKES = re.compile(r"<!-- paramcalc:reference-mistakes -->")
REFERENCE_CASES = [
    "minst.total",
    "mnist.layers[9].params",
    'mnist.layers["FC1"].params',
    "mnist.totl",
    "mnist.total * 2",
]


def render_reference_mistakes(docs_dir: str) -> str:
    """What the build says about some wrong references to the lesson's block."""
    with open(os.path.join(docs_dir, LESSON), encoding="utf-8") as f:
        outcomes = run_text(f"docs/{LESSON}", f.read(), Settings())
    registry = Registry()
    for outcome in outcomes:
        if outcome.block_id:
            registry.define(outcome.block_id, Defined(outcome.report, f"docs/{LESSON}:{outcome.line}"))
    rows = ["| You wrote | The build says |", "|---|---|"]
    for case in REFERENCE_CASES:
        try:
            resolve(case, registry)
        except BlockError as error:
            said = error.text().replace("|", "\\|")
            rows.append(f"| `` `#!cnn {case}` `` | `` {said} `` |")
            continue
        raise ValueError(f"the reference {case!r} resolves: take it off the references page")
    mnist = registry.blocks["mnist"].position
    clash = f"two blocks have the id 'mnist'; the other is at {mnist}"
    rows.append(f'| a second block with `id="mnist"` | `` {clash} `` |')
    return "\n".join(rows)


CLI = re.compile(r"<!-- paramcalc:cli (?P<args>.+?) -->")


def render_cli(args: str, config_dir: str) -> str:
    """The output of `paramcalc ARGS`, run from the site's folder, as a console block."""
    import contextlib
    import io
    import shlex

    from mkdocs_paramcalc.frontends.cli import main

    out, err = io.StringIO(), io.StringIO()
    here = os.getcwd()
    try:
        os.chdir(config_dir)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(shlex.split(args))
    finally:
        os.chdir(here)
    shown = (out.getvalue() + err.getvalue()).rstrip("\n")
    status = "" if code == 0 else f"\n$ echo $?\n{code}"
    return f"```console\n$ paramcalc {args}\n{shown}{status}\n```"


def render_mistakes() -> str:
    """The Markdown that replaces the mistakes marker: a case a row, and the message it gets."""
    rows = ["| You wrote | The build says |", "|---|---|"]
    rows += [f"| {wrote} | `` {_said(body, fence)} `` |" for wrote, body, fence in MISTAKE_CASES]
    return "\n".join(rows)


def on_page_markdown(markdown: str, page, config, files) -> str:
    _check_quotes(markdown, page, config)
    framework = PAGES.get(page.file.src_uri)
    if framework and not MARKER.search(markdown):
        log.warning("%s: the catalogue marker is missing, so the layer reference is empty", page.file.src_uri)
    markdown = MISTAKES.sub(lambda m: render_mistakes(), markdown)
    config_dir = os.path.dirname(config["config_file_path"] or "") or "."
    markdown = CLI.sub(lambda m: render_cli(m.group("args"), config_dir), markdown)
    markdown = REFERENCE_MISTAKES.sub(lambda m: render_reference_mistakes(config["docs_dir"]), markdown)
    markdown = OVERVIEW.sub(lambda m: render_overview(m.group(1)), markdown)
    return MARKER.sub(lambda m: render_catalogue(m.group(1)), markdown)

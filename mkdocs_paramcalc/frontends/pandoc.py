"""`paramcalc-pandoc`: a pandoc JSON filter, `pandoc --filter paramcalc-pandoc`.

pandoc hands a filter its document tree (JSON on stdin) and the format it writes (the first
argument). Every `cnn` code block becomes the block's table and derivations as pandoc's own
elements (writers/pandoc.py), and every `#!cnn` code span the value it quotes, so that each
format pandoc writes has them natively. The blocks are built as the plugin builds them
(frontends/pages.py), ids and references across the document included.

Where a block's options and its position come from: pandoc's Markdown reads a fence's options in
its own attribute syntax, ```` ```{.cnn #mnist expect="1,199,882"} ````, which every front end
reads alike. With `-f commonmark_x+sourcepos`, pandoc also says where each block stands: the
filter then reads the fence from the file itself (MkDocs-style options included) and reports
errors as `file:line:column`. Without it, pandoc tells a filter no positions, and a message says
so, counting lines from the block's fence.

Errors go to stderr and fail the conversion, unless the document's metadata says
`paramcalc: {strict: false}`; the document then shows each error in place of its block.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TextIO

from mkdocs_paramcalc.errors import BlockError, Position
from mkdocs_paramcalc.frontends.pages import Outcome, PageRun, register, run_fence
from mkdocs_paramcalc.reading.options import ConfigError, Settings
from mkdocs_paramcalc.reading.page import Fence, Page, read
from mkdocs_paramcalc.report.references import resolve
from mkdocs_paramcalc.writers.pandoc import Element, PandocWriter, div, prose

_POSITION = re.compile(r"(?P<path>.+)@(?P<line>\d+):(?P<column>\d+)-\d+:\d+$")
_SHEBANG = re.compile(r"#!cnn\s+(?P<ref>.*\S)", re.DOTALL)
# A MkDocs-style fence (```cnn id="x") that pandoc's Markdown read as a code span, not a block.
_SPAN_FENCE = re.compile(r"(?:\{[^}]*\.cnn\b|\.?cnn\s+[A-Za-z_][\w-]*=)")
MAX_SOURCE = 50_000_000  # bytes of a source file read again for its fences' positions
NO_POSITIONS = (
    "pandoc gives a JSON filter no positions: lines are counted from each block's fence. "
    "Read the file with -f commonmark_x+sourcepos for file:line:column."
)
_SWITCHES = ("strict",)


def main(argv: list[str] | None = None, stdin: TextIO | None = None, stdout: TextIO | None = None) -> int:
    """Read pandoc's JSON document, write it back with the blocks built; 1 if a block has an error."""
    argv = sys.argv[1:] if argv is None else argv
    target = argv[0] if argv else "html"
    try:
        document = json.load(stdin or sys.stdin)
    except ValueError as exc:
        print(f"paramcalc-pandoc: pandoc's JSON document was expected on stdin: {exc}", file=sys.stderr)
        return 2
    try:
        converted, messages, strict = convert(document, target)
    except ConfigError as exc:
        print(f"{exc} (in the document's `paramcalc:` metadata)", file=sys.stderr)
        return 1
    for message in messages:
        print(message, file=sys.stderr)
    json.dump(converted, stdout or sys.stdout)
    return 1 if messages and strict else 0


def convert(document: Any, target: str) -> tuple[Any, list[str], bool]:
    """The document with its blocks and references built; the messages; whether they fail it."""
    if not isinstance(document, dict) or "blocks" not in document:
        raise ConfigError([])  # pragma: no cover (pandoc writes a document)
    options = _metadata(document.get("meta", {}))
    strict = options.pop("strict", True) is not False
    settings = Settings.from_config(options)
    sources = _Sources()
    outcomes: list[Outcome] = []
    walk(
        document["blocks"],
        on_block=lambda block: outcomes.append(sources.outcome(block, len(outcomes) + 1, settings)),
    )
    runs = [PageRun(o.path, "", o.offset, Page((), ()), (o,)) for o in outcomes]
    registry, clashes = register(runs)
    messages = [str(m) for m in clashes]
    writer = PandocWriter(settings, target)
    built = iter(outcomes)

    def block(_: Element) -> Element:
        outcome = next(built)
        messages.extend(outcome.errors)
        if outcome.report is None:
            return div([writer.error(e, located=str(p)) for e, p in outcome.failures], "paramcalc")
        claims = [(e, str(p)) for e, p in outcome.failures]
        return writer.report(outcome.report, claims)

    def inline(code: Element) -> Element:
        text = code["c"][1]
        found = _SHEBANG.match(text)
        where = sources.inline_position(code)
        if found is None:  # a fence pandoc's Markdown read as a code span
            error = BlockError(
                "this cnn fence is not read as a block: pandoc's Markdown takes a fence's options in "
                'its attribute syntax, such as ```{.cnn #mnist expect="1,199,882"}',
                hint="write the options so, or read the file with -f commonmark_x+sourcepos",
            )
            messages.append(str(error.at(where)))
            return {"t": "Span", "c": [["", ["paramcalc-ref-error"], []], prose(error.text())]}
        try:
            value = resolve(found.group("ref"), registry)
        except BlockError as error:
            at = Position(
                where.path, where.line, where.column + len("`") + found.start("ref") + error.where.column - 1
            )
            messages.append(str(error.at(at)))
            return {"t": "Span", "c": [["", ["paramcalc-ref-error"], []], prose(error.text())]}
        return {"t": "Span", "c": [["", ["paramcalc-ref"], []], writer.reference(value)]}

    walk(document["blocks"], on_block=block, on_inline=inline)
    if messages and not sources.positioned:
        messages.append(f"paramcalc-pandoc: {NO_POSITIONS}")
    return document, messages, strict


def walk(
    node: Any,
    on_block: Callable[[Element], Element | None],
    on_inline: Callable[[Element], Element] | None = None,
) -> None:
    """Every `cnn` code block (and with `on_inline`, every `#!cnn` code span and fence read as a
    span), in document order, replaced in place by what the callbacks give."""
    for container, key in list(_slots(node)):  # all found first: replacing changes the tree
        element = container[key]
        if _is_cnn_block(element):
            replaced = on_block(element)
            if replaced is not None:
                container[key] = replaced
        elif on_inline is not None and _is_cnn_span(element):
            container[key] = on_inline(element)


def _slots(node: Any) -> Iterator[tuple[Any, int | str]]:
    """The places in the tree that hold a cnn block or span, in document order; iteratively, so
    that a deeply nested document cannot exhaust Python's stack."""
    stack = [_children(node)]
    while stack:
        found = next(stack[-1], None)
        if found is None:
            stack.pop()
            continue
        container, key, child = found
        if _is_cnn_block(child) or _is_cnn_span(child):
            yield container, key
        elif isinstance(child, list | dict):
            stack.append(_children(child))


def _children(node: Any) -> Iterator[tuple[Any, int | str, Any]]:
    if isinstance(node, list):
        return ((node, i, child) for i, child in enumerate(node))
    if isinstance(node, dict) and "c" in node:
        return iter([(node, "c", node["c"])])
    return iter(())


def _is_cnn_block(element: Any) -> bool:
    return isinstance(element, dict) and element.get("t") == "CodeBlock" and "cnn" in element["c"][0][1]


def _is_cnn_span(element: Any) -> bool:
    if not (isinstance(element, dict) and element.get("t") == "Code"):
        return False
    text = element["c"][1]
    return text.startswith("#!cnn") or bool(_SPAN_FENCE.match(text))


class _Sources:
    """The source files pandoc's positions name, each read once, and their fences."""

    def __init__(self) -> None:
        self.pages: dict[str, Page | None] = {}
        self.positioned = False

    def outcome(self, block: Element, number: int, settings: Settings) -> Outcome:
        (ident, classes, attributes), text = block["c"]
        position = _position(attributes)
        if position is not None:
            fence = self._fence(position)
            if fence is not None:
                self.positioned = True
                return run_fence(position.path, fence, settings)
        return run_fence(
            f"<cnn block {number}>", _attribute_fence(ident, classes, attributes, text), settings
        )

    def _fence(self, position: Position) -> Fence | None:
        if position.path not in self.pages:
            self.pages[position.path] = _read(position.path)
        page = self.pages[position.path]
        if page is None:
            return None
        return next((f for f in page.fences if f.opener == position.line - 1), None)

    def inline_position(self, code: Element) -> Position:
        found = _position(code["c"][0][2])
        return found if found is not None else Position("<a #!cnn reference>", 1, 1)


def _position(attributes: list[list[str]]) -> Position | None:
    """`data-pos="lesson.md@3:1-7:1"`, which pandoc's CommonMark reader adds with +sourcepos."""
    for key, value in attributes:
        if key == "data-pos":
            found = _POSITION.match(value)
            if found:
                return Position(found["path"], int(found["line"]), int(found["column"]))
    return None


def _read(path: str) -> Page | None:
    try:
        source = Path(path)
        if not source.is_file() or source.stat().st_size > MAX_SOURCE:
            return None
        text = source.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    return read(text.removeprefix("\ufeff").replace("\r\n", "\n").split("\n"))


def _attribute_fence(ident: str, classes: list[str], attributes: list[list[str]], text: str) -> Fence:
    """The block as a fence in the attribute syntax every front end reads, from pandoc's parts."""
    parts = [".cnn", *(f"#{ident}" for _ in [ident] if ident)]
    for key, value in attributes:
        if key == "data-pos":
            continue
        escaped = value.replace("\\", "\\\\").replace('"', '\\"')
        parts.append(f'{key}="{escaped}"')
    info = "{" + " ".join(parts) + "}"
    body = tuple(text.split("\n"))
    return Fence(0, info, 4, body, len(body) + 1)


def _metadata(meta: dict[str, Any]) -> dict[str, Any]:
    """The document's `paramcalc:` metadata as plain values: {framework: pytorch, strict: false}."""
    value = meta.get("paramcalc")
    if value is None:
        return {}
    plain = _plain(value)
    if not isinstance(plain, dict):
        raise ConfigError([])
    return plain


def _plain(value: Any) -> Any:
    kind, content = value.get("t"), value.get("c")
    if kind == "MetaMap":
        return {key: _plain(item) for key, item in content.items()}
    if kind == "MetaBool":
        return bool(content)
    if kind == "MetaString":
        return str(content)
    if kind in ("MetaInlines", "MetaBlocks"):
        return _stringify(content)
    if kind == "MetaList":
        return " ".join(str(_plain(item)) for item in content)
    return ""


def _stringify(node: Any) -> str:
    if isinstance(node, list):
        return "".join(_stringify(item) for item in node)
    if isinstance(node, dict):
        kind = node.get("t")
        if kind in ("Space", "SoftBreak", "LineBreak"):
            return " "
        if kind in ("Str", "Code", "Math"):
            content = node["c"]
            return content if isinstance(content, str) else str(content[-1])
        return _stringify(node.get("c", []))
    return ""

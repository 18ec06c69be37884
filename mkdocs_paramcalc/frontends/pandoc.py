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
import os
import re
import sys
from collections.abc import Callable, Iterator
from typing import Any, TextIO

from mkdocs_paramcalc.errors import BlockError, Position
from mkdocs_paramcalc.frontends.pages import Outcome, PageRun, register, run_fence
from mkdocs_paramcalc.reading.files import FileProblem, read_page
from mkdocs_paramcalc.reading.options import ConfigError, Settings
from mkdocs_paramcalc.reading.page import SHEBANG, Fence, Page, option_text, read
from mkdocs_paramcalc.report.references import resolve
from mkdocs_paramcalc.writers.pandoc import Element, PandocWriter, div, prose

# pandoc's +sourcepos: `lesson.md@3:1-7:1`, or a range a line (`@8:3-9:1;9:3-10:1`) in a quote.
_POSITION = re.compile(
    r"(?P<path>.+)@(?P<line>\d{1,9}):(?P<column>\d{1,9})-(?P<end>\d{1,9}):(?P<stop>\d{1,9})"
    r"(?:;\d+:\d+-\d+:\d+)*$"
)
# A MkDocs-style fence (```cnn id="x") that pandoc's Markdown read as a code span, not a block.
_SPAN_FENCE = re.compile(r"(?:\{[^}]*\.cnn\b|\.?cnn\s+[A-Za-z_][\w-]*=)")
NO_POSITIONS = (
    "pandoc gives a JSON filter no positions: lines are counted from each block's fence. "
    "Read the file with -f commonmark_x+sourcepos for file:line:column."
)
_SWITCHES = ("strict",)
_UNPLACED = "<a #!cnn reference>"  # a code span's position when pandoc gives none
# The pandoc API versions whose Table this filter writes (pandoc 2.10 and later).
API_MAJOR, API_MINOR = 1, 21
DROPPED_OPTIONS = (
    "pandoc's CommonMark reader keeps only a fence's language: options written after ```cnn "
    "(id=, expect=, title=, ...) on {blocks} were dropped, if they had any, and the blocks built "
    "without them"
)


class MalformedError(ValueError):
    """pandoc's JSON document is not as pandoc writes it (a filter run on crafted input)."""


def main(argv: list[str] | None = None, stdin: TextIO | None = None, stdout: TextIO | None = None) -> int:
    """Read pandoc's JSON document, write it back with the blocks built; 1 if a block has an error."""
    argv = sys.argv[1:] if argv is None else argv
    target = argv[0] if argv else "html"
    try:
        document = json.load(stdin or sys.stdin)
    except ValueError as exc:
        print(f"paramcalc-pandoc: pandoc's JSON document was expected on stdin: {exc}", file=sys.stderr)
        return 2
    except RecursionError:
        print("paramcalc-pandoc: pandoc's JSON document is nested too deeply to read", file=sys.stderr)
        return 2
    try:
        converted, messages, strict = convert(document, target, _reader_extensions())
    except ConfigError as exc:
        print(f"{exc} (in the document's `paramcalc:` metadata)", file=sys.stderr)
        return 1
    except MalformedError as exc:
        print(f"paramcalc-pandoc: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # a bug of ours is still a message, never a traceback
        print(f"paramcalc-pandoc: internal error: {exc!r}; please report it", file=sys.stderr)
        return 2
    for message in messages:
        print(message, file=sys.stderr)
    json.dump(converted, stdout or sys.stdout)
    return 1 if messages and strict else 0


def _reader_extensions() -> list[str] | None:
    """The extensions of pandoc's reader, which pandoc tells a filter in PANDOC_READER_OPTIONS."""
    try:
        found = json.loads(os.environ.get("PANDOC_READER_OPTIONS", "")).get("extensions")
    except (ValueError, AttributeError):
        return None
    return [str(x) for x in found] if isinstance(found, list) else None


def _check_document(document: Any) -> None:
    if not isinstance(document, dict) or not isinstance(document.get("blocks"), list):
        raise MalformedError(
            "pandoc's JSON document was expected on stdin, an object with a list of `blocks`; "
            "run the filter as pandoc --filter paramcalc-pandoc"
        )
    if not isinstance(document.get("meta", {}), dict):
        raise MalformedError("the document's `meta` is not an object, as pandoc writes it")
    version = document.get("pandoc-api-version")
    if not (isinstance(version, list) and len(version) >= 2 and all(type(v) is int for v in version)):
        raise MalformedError(f"the document has no pandoc-api-version as pandoc writes it: {_short(version)}")
    if version[0] != API_MAJOR or version[1] < API_MINOR:
        raise MalformedError(
            f"pandoc-api-version {'.'.join(map(str, version))} is not one this filter writes "
            f"({API_MAJOR}.{API_MINOR} or later {API_MAJOR}.x: pandoc 2.10 or later)"
        )


def _short(value: Any) -> str:
    text = json.dumps(value)
    return text if len(text) <= 80 else text[:77] + "..."


def convert(
    document: Any, target: str, reader_extensions: list[str] | None = None
) -> tuple[Any, list[str], bool]:
    """The document with its blocks and references built; the messages; whether they fail it.
    `reader_extensions`: pandoc's reader's, as pandoc tells a filter (None: not told)."""
    _check_document(document)
    options = _metadata(document.get("meta", {}))
    Settings.from_config(options, _SWITCHES)  # strict: true or false, named if not
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
    messages = [*sources.notices, *(str(m) for m in clashes)]
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
        found = SHEBANG.match(text)
        where = sources.inline_position(code)
        if found is None:  # a fence pandoc's Markdown read as a code span
            if where.path == _UNPLACED:
                where = Position("<a cnn fence read as inline code>", 1, 1)
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
    if sources.bare and _commonmark(reader_extensions):
        blocks = ", ".join(f"<cnn block {n}>" for n in sources.bare)
        print(
            f"paramcalc-pandoc: note: {DROPPED_OPTIONS.format(blocks=blocks)} (hint: read the file with "
            '-f commonmark_x+sourcepos, or write them as ```{.cnn #mnist expect="1,199,882"})',
            file=sys.stderr,
        )
    return document, messages, strict


def _commonmark(extensions: list[str] | None) -> bool:
    """Whether pandoc's reader is a CommonMark one (commonmark, commonmark_x, gfm) without
    sourcepos: it drops what follows a fence's language. pandoc's Markdown reads fences with
    backtick_code_blocks and keeps their {attributes}."""
    return extensions is not None and not {"backtick_code_blocks", "sourcepos"} & set(extensions)


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
    if not (isinstance(element, dict) and element.get("t") == "CodeBlock"):
        return False
    return "cnn" in _parts(element)[1]


def _is_cnn_span(element: Any) -> bool:
    if not (isinstance(element, dict) and element.get("t") == "Code"):
        return False
    text = _parts(element)[3]
    return text.startswith("#!cnn") or bool(_SPAN_FENCE.match(text))


def _parts(element: Element) -> tuple[str, list[str], list[list[str]], str]:
    """A CodeBlock's or Code's id, classes, attributes and text; MalformedError if pandoc would not
    have written it so."""
    content = element.get("c")
    if isinstance(content, list) and len(content) == 2 and isinstance(content[1], str):
        attr, text = content
        if (
            isinstance(attr, list)
            and len(attr) == 3
            and isinstance(attr[0], str)
            and isinstance(attr[1], list)
            and all(isinstance(c, str) for c in attr[1])
            and isinstance(attr[2], list)
            and all(
                isinstance(a, list) and len(a) == 2 and all(isinstance(x, str) for x in a) for a in attr[2]
            )
        ):
            return attr[0], attr[1], attr[2], text
    raise MalformedError(f"a {element.get('t')} is not as pandoc writes it: {_short(element)}")


class _Sources:
    """The source files pandoc's positions name, each read once, and their fences."""

    def __init__(self) -> None:
        self.pages: dict[str, dict[int, Fence] | None] = {}
        self.positioned = False
        self.notices: list[str] = []  # positions that do not hold the block pandoc gives
        self.bare: list[int] = []  # blocks built without any option: CommonMark may have dropped them

    def outcome(self, block: Element, number: int, settings: Settings) -> Outcome:
        ident, classes, attributes, text = _parts(block)
        positions = _positions(attributes)
        for position in positions:
            fence = self._fence(position)
            if fence is not None and _same_body(fence, text):
                self.positioned = True
                return run_fence(position.path, fence, settings)
        if positions:
            where = positions[-1]
            self.notices.append(
                f"{where}: this cnn block is not at line {where.line} of {where.path}: the file changed "
                "since pandoc read it, or the position is not of that file; the block is built as "
                "pandoc gives it, without options after ```cnn (hint: convert the file again)"
            )
        if not ident and classes == ["cnn"] and not any(k != "data-pos" for k, _ in attributes):
            self.bare.append(number)
        return run_fence(
            f"<cnn block {number}>", _attribute_fence(ident, classes, attributes, text), settings
        )

    def _fence(self, position: Position) -> Fence | None:
        if position.path not in self.pages:
            page = _read(position.path)
            self.pages[position.path] = None if page is None else {f.opener: f for f in page.fences}
        fences = self.pages[position.path]
        return None if fences is None else fences.get(position.line - 1)

    def inline_position(self, code: Element) -> Position:
        """Where the reference's text starts: after the code span's backticks (and the space
        CommonMark strips after them)."""
        _, _, attributes, text = _parts(code)
        for key, value in attributes:
            found = _POSITION.match(value) if key == "data-pos" else None
            if found:
                start, stop = int(found["column"]), int(found["stop"])
                width = stop - start - len(text)
                fence = width // 2 if found["line"] == found["end"] and width > 0 else 1
                return Position(found["path"], int(found["line"]), start + fence - 1)
        return Position(_UNPLACED, 1, 1)


def _positions(attributes: list[list[str]]) -> list[Position]:
    """`data-pos="lesson.md@3:1-7:1"`, which pandoc's CommonMark reader adds with +sourcepos; a
    block in a list item has the item's too."""
    out = []
    for key, value in attributes:
        found = _POSITION.match(value) if key == "data-pos" else None
        if found:
            out.append(Position(found["path"], int(found["line"]), int(found["column"])))
    return out


def _same_body(fence: Fence, text: str) -> bool:
    """Whether the fence read from the file is the block pandoc gives (not a file changed since)."""

    def lines(body: list[str] | tuple[str, ...]) -> list[str]:
        found = [line.lstrip(" \t>").rstrip() for line in body]
        while found and not found[-1]:
            found.pop()
        return found

    return lines(fence.body) == lines(text.split("\n"))


def _read(path: str) -> Page | None:
    """A regular file's fences, read as every front end reads a page (reading/files.py: bounded,
    never a device, a FIFO or a folder); None when it cannot be read."""
    try:
        text = read_page(path)
    except FileProblem:
        return None
    return read(text.split("\n"))


def _attribute_fence(ident: str, classes: list[str], attributes: list[list[str]], text: str) -> Fence:
    """The block as a fence in the attribute syntax every front end reads, from pandoc's parts."""
    parts = [".cnn", *(f"#{ident}" for _ in [ident] if ident)]
    for key, value in attributes:
        if key == "data-pos":
            continue
        parts.append(option_text(key, value))
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
        Settings.from_config(plain)  # raises ConfigError: the options must be a mapping
    return dict(plain)


_DEEPEST = 100  # levels of metadata: the options are a mapping of words, not a tree


def _plain(value: Any, depth: int = 0) -> Any:
    """A metadata value as YAML would give it: a mapping, a list, text or true/false."""
    kind = value.get("t") if isinstance(value, dict) else None
    content = value.get("c") if isinstance(value, dict) else None
    if depth > _DEEPEST:
        raise MalformedError("the document's `paramcalc:` metadata is nested too deeply")
    if kind == "MetaMap" and isinstance(content, dict):
        return {str(key): _plain(item, depth + 1) for key, item in content.items()}
    if kind == "MetaBool" and isinstance(content, bool):
        return content
    if kind == "MetaString" and isinstance(content, str):
        return content
    if kind in ("MetaInlines", "MetaBlocks") and isinstance(content, list):
        return _stringify(content)
    if kind == "MetaList" and isinstance(content, list):
        items = [_plain(item, depth + 1) for item in content]
        return " ".join(items) if all(isinstance(i, str) for i in items) else items  # show: [table, macs]
    raise MalformedError(f"a metadata value of the document is not as pandoc writes it: {_short(value)}")


def _stringify(node: Any) -> str:
    """Inlines or blocks as their text; iteratively, so that deep nesting cannot exhaust the stack."""
    out: list[str] = []
    stack: list[Any] = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(reversed(item))
        elif isinstance(item, dict):
            kind, content = item.get("t"), item.get("c")
            if kind in ("Space", "SoftBreak", "LineBreak"):
                out.append(" ")
            elif kind in ("Str", "Code", "Math") and isinstance(content, str | list) and content:
                out.append(content if isinstance(content, str) else str(content[-1]))
            elif kind in ("Para", "Plain"):  # a paragraph of MetaBlocks, then the next
                stack.extend([{"t": "Space"}, content])
            else:
                stack.append(content)
    return "".join(out).strip()

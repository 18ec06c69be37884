"""A page's blocks built and its references resolved, every error located in the page's file.

The plugin, the Markdown extension and the command line all run a page through here, on the
blocks and references that `reader` finds, so they report the same errors at the same places.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from mkdocs_paramcalc.code.read import read_block
from mkdocs_paramcalc.errors import BlockError, Location, Message, Position, each
from mkdocs_paramcalc.reading.characters import UNSAFE, describe
from mkdocs_paramcalc.reading.options import Settings, parse_options
from mkdocs_paramcalc.reading.page import Fence, Header, Page, Reference, header, read
from mkdocs_paramcalc.report.model import Report, build
from mkdocs_paramcalc.report.references import Defined, Quoted, Registry, resolve

log = logging.getLogger("mkdocs_paramcalc")
# An id on a fence's line that the header's reader refused for another reason: id="x", id=x, #x.
_DECLARED_ID = re.compile(
    r"""(?:^|[\s{])(?:id=(?:(?P<q>["'])(?P<quoted>[A-Za-z_][\w-]*)(?P=q)|(?P<bare>[A-Za-z_][\w-]*)(?=[\s}]|$))"""
    r"""|\#(?P<hash>[A-Za-z_][\w-]*))"""
)


@dataclass(frozen=True)
class Outcome:
    """One block of a file: its report (None if it has an error), and what failed, located."""

    path: str
    fence: Fence
    report: Report | None
    failures: tuple[tuple[BlockError, Position], ...]  # each error or failed claim, and where it is
    offset: int = 0  # lines of the file before the text the fence was read in (front matter)

    @property
    def messages(self) -> tuple[Message, ...]:
        """Every error and failed claim, located."""
        return tuple(error.at(position) for error, position in self.failures)

    @property
    def errors(self) -> tuple[str, ...]:
        """`path:line:column: message (hint: ...)`, every one of them."""
        return tuple(str(message) for message in self.messages)

    @property
    def line(self) -> int:
        """The line of the file the fence opens on (from 1)."""
        return self.fence.opener + 1 + self.offset

    @property
    def block_id(self) -> str | None:
        return self.report.options.id if self.report else self.declared_id

    @property
    def declared_id(self) -> str | None:
        """The id on the fence, even when the block has an error, or its line one elsewhere (an
        option given twice): references then say that the block has an error, not that no block
        has the id."""
        try:
            return header(self.fence).options.get("id")
        except BlockError:
            found = _DECLARED_ID.search(self.fence.info)
            return (
                None if found is None else found.group("quoted") or found.group("bare") or found.group("hash")
            )


@dataclass(frozen=True)
class PageRun:
    """A page read and its blocks built: what every front end shows and reports of it."""

    path: str
    text: str  # the Markdown, without front matter
    offset: int  # lines of front matter before it
    page: Page
    outcomes: tuple[Outcome, ...]

    def at(self, line: int, column: int) -> Position:
        """The position in the file of a line index and column of `text`."""
        return Position(self.path, line + 1 + self.offset, column)


def normalized(text: str) -> str:
    """A page's text as Markdown reads it: no byte-order mark, lines ended by LF alone, and none of
    the two characters Python-Markdown strips (STX and ETX: its placeholders are made of them)."""
    text = text.removeprefix("\ufeff")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "\x02" in text or "\x03" in text:
        text = text.replace("\x02", "").replace("\x03", "")
    return text


def run_page(path: str, text: str, settings: Settings, *, front_matter: bool = True) -> PageRun:
    """Read a page's text and build its blocks. `front_matter`: the text is a file's, whose YAML
    front matter MkDocs strips before it converts the rest."""
    body, offset = split_front_matter(text) if front_matter else (text, 0)
    body = normalized(body)
    page = read(body.split("\n"))
    # A block filled in by snippets is read once they have run, in the build (see markdown.py).
    outcomes = tuple(run_fence(path, fence, settings, offset) for fence in page.fences if not fence.includes)
    return PageRun(path, body, offset, page, outcomes)


def run_text(path: str, text: str, settings: Settings) -> list[Outcome]:
    """Every block of a Markdown file's text."""
    return list(run_page(path, text, settings).outcomes)


def split_front_matter(text: str) -> tuple[str, int]:
    """The Markdown after a page's meta-data (YAML front matter, or MultiMarkdown's `key: value`
    lines), as MkDocs strips it, and how many lines the meta-data took."""
    from mkdocs.utils.meta import get_data  # MkDocs' own reading, not a copy of it

    body = get_data(text)[0]
    if not text.endswith(body):  # pragma: no cover (MkDocs returns the rest of the text)
        return text, 0
    return body, text.count("\n", 0, len(text) - len(body))


def run_fence(path: str, fence: Fence, settings: Settings, offset: int = 0) -> Outcome:
    """Build one block, locating every error in the file."""
    # The quote marks and indentation that Markdown puts before each line, as wide as the
    # fence's own, go before a block is read (pasted code keeps its own indentation); columns
    # then count them back in.
    prefix = re.compile(rf"^[ \t>]{{0,{fence.column - 1}}}")
    body = [prefix.sub("", line, count=1) for line in fence.body]
    offsets = [len(raw) - len(stripped) for raw, stripped in zip(fence.body, body, strict=True)]
    opener = fence.opener + 1 + offset

    def position(where: Location) -> Position:
        if where.line == 0:
            return Position(path, opener, where.column)
        index = min(where.line, len(body)) - 1
        shift = offsets[index] if index >= 0 else 0  # an empty block has no line to offset
        return Position(path, opener + where.line, where.column + shift)

    try:
        report = _build(fence, body, settings)
    except BlockError as error:
        return Outcome(path, fence, None, tuple((e, position(e.where)) for e in each(error)), offset)
    except Exception as exc:  # a bug of ours is still a located message, never a traceback
        log.debug("paramcalc: internal error in the block at %s:%d", path, opener, exc_info=True)
        bug = BlockError(f"internal error: {exc!r}; please report it")
        return Outcome(path, fence, None, ((bug, position(bug.where)),), offset)
    claims = tuple((e, position(e.where)) for e in report.failed_claims)
    return Outcome(path, fence, report, claims, offset)


def _build(fence: Fence, body: list[str], settings: Settings) -> Report:
    if fence.broken:
        raise BlockError(
            f"this cnn block is not read as one: {fence.broken}",
            Location(0, fence.column),
            "close the block with a line of exactly the fence's backticks, at the fence's indentation",
        )
    found = _header(fence)
    options = parse_options(found.options, settings, found.columns, found.value_columns)
    calls = read_block("\n".join(body), options)
    if not calls and options.input is None:
        # Nothing in the body to point at: the closing fence is not the block's fault.
        word = fence.info_column + len(fence.info) - len(fence.info.lstrip())
        raise BlockError(
            "the block is empty: it has no layers",
            Location(0, word),
            "write one layer a line, starting with the input, such as Input(28, 28, 1)",
        )
    return build(calls, options)


def _header(fence: Fence) -> Header:
    """The fence's options; a refused character outside their values is an error here (one inside
    a value is parse_options', which names the option), and comes before any other of the line."""
    bad = UNSAFE.search(fence.info.replace("\t", " "))  # tabs may stand between options
    try:
        found = header(fence)
    except BlockError:
        if bad is None:
            raise
        found = None
    if bad is not None:
        column = fence.info_column + bad.start()
        values = found.value_columns.items() if found else ()
        if not any(start <= column < start + len(found.options[key]) for key, start in values if found):
            message, hint = describe(bad.group())
            raise BlockError(f"the fence's line holds {message}", Location(0, column), hint)
    assert found is not None
    return found


def register(runs: list[PageRun]) -> tuple[Registry, list[Message]]:
    """The blocks with an id, site-wide, and a message for each id used twice."""
    registry = Registry()
    clashes: list[Message] = []
    for run in runs:
        for outcome in run.outcomes:
            block_id = outcome.declared_id
            if block_id is None:
                continue
            column = _id_column(outcome.fence)
            position = Position(run.path, outcome.line, column)
            clash = registry.define(block_id, Defined(outcome.report, position))
            if clash:
                clashes.append(Message(position, clash))
    return registry, clashes


def _id_column(fence: Fence) -> int:
    """The column of a fence's id, for a message that names the block (1 when its line is refused)."""
    try:
        return header(fence).columns.get("id", 1)
    except BlockError:
        return 1


@dataclass(frozen=True)
class Resolved:
    """A reference from prose: its value, or the error that stops it, located."""

    reference: Reference
    value: Quoted | None
    error: BlockError | None = None
    position: Position | None = None


def resolve_references(run: PageRun, registry: Registry) -> tuple[Resolved, ...]:
    """Every reference of a page, resolved against the site's blocks."""
    return tuple(_resolve(run, ref, registry) for ref in run.page.references)


def _resolve(run: PageRun, ref: Reference, registry: Registry) -> Resolved:
    try:
        return Resolved(ref, resolve(ref.text, registry))
    except BlockError as error:
        return Resolved(ref, None, error, run.at(ref.line, ref.column - 1 + error.where.column))
    except Exception as exc:  # a bug of ours is still a located message
        log.debug(
            "paramcalc: internal error in a reference at %s", run.at(ref.line, ref.column), exc_info=True
        )
        bug = BlockError(f"internal error: {exc!r}; please report it")
        return Resolved(ref, None, bug, run.at(ref.line, ref.column))


def errors(run: PageRun, resolved: tuple[Resolved, ...]) -> list[Message]:
    """A page's errors, blocks' and references', in the order they stand in the page."""
    located = [message for outcome in run.outcomes for message in outcome.messages]
    located += [r.error.at(r.position) for r in resolved if r.error is not None and r.position is not None]
    return sorted(located)

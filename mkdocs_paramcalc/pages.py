"""Blocks in Markdown files, read without Markdown: what the command line checks and summarises.

A page's `cnn` fences are found as the extension finds them (fences shown as
source inside longer fences are skipped), their options read as superfences
reads them, and every error is located in the file as a build would locate it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from .characters import UNSAFE, describe
from .errors import BlockError, Location
from .model import Report, build
from .options import Settings, parse_options
from .parse import parse_block
from .references import Defined, Registry, resolve

FENCE = re.compile(r"^(?P<prefix>[ \t>]*)(?P<fence>`{3,}|~{3,})(?P<info>.*)$")
_CNN_INFO = re.compile(r"^\s*\{?\s*\.?cnn(?=[\s}]|$)")
_PREFIX = re.compile(r"^[ \t>]*")
# key="value", key='value' or key=value, as a fence header holds them.
_OPTION = re.compile(r"""([A-Za-z_][\w-]*)\s*=\s*("[^"]*"|'[^']*'|[^\s"'}]+)""")


@dataclass(frozen=True)
class Fence:
    """A cnn fence in a file: where it opens, its header and its body."""

    opener: int  # index of the opening line in the file
    info: str  # the header after the backticks
    info_column: int  # column (from 1) where `info` starts
    body: tuple[str, ...]  # as written, quote marks and indentation included


def find_fences(lines: list[str]) -> list[Fence]:
    """Every cnn fence in the text, skipping fences shown as source inside longer fences."""
    found: list[Fence] = []
    i = 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        char, length = m.group("fence")[0], len(m.group("fence"))
        closing = re.compile(r"^[ \t>]*" + re.escape(char) + "{" + str(length) + r",}\s*$")
        j = i + 1
        while j < len(lines) and not closing.match(lines[j]):
            j += 1
        if _CNN_INFO.match(m.group("info")):
            found.append(Fence(i, m.group("info"), m.start("info") + 1, tuple(lines[i + 1 : j])))
        i = j + 1
    return found


@dataclass(frozen=True)
class Outcome:
    """One block of a file: its report (None if it has an error), and what failed, located."""

    path: str
    fence: Fence
    report: Report | None
    failures: tuple[tuple[BlockError, str], ...]  # each error or failed claim, and its path:line:col
    # Its HTML once rendered: a block unchanged since the last build of `mkdocs serve` is not
    # rendered again.
    memo: dict[str, str] = field(default_factory=dict, compare=False, repr=False)

    @property
    def errors(self) -> tuple[str, ...]:
        """`path:line:column: message (hint: ...)`, every one of them."""
        return tuple(f"{position}: {error.text()}" for error, position in self.failures)

    @property
    def line(self) -> int:
        return self.fence.opener + 1

    @property
    def block_id(self) -> str | None:
        return self.report.options.id if self.report else self.declared_id

    @property
    def declared_id(self) -> str | None:
        """The id on the fence, even when the block has an error."""
        return read_options(self.fence)[0].get("id")


def read_options(fence: Fence) -> tuple[dict[str, str], dict[str, int]]:
    """The header's `key="value"` pairs, and the column of each key."""
    options, columns, _ = _read_header(fence)
    return options, columns


def _read_header(fence: Fence) -> tuple[dict[str, str], dict[str, int], dict[str, int]]:
    """The header's `key="value"` pairs, the column of each key, and of each value."""
    options: dict[str, str] = {}
    columns: dict[str, int] = {}
    value_columns: dict[str, int] = {}
    head = _CNN_INFO.match(fence.info)
    start = head.end() if head else 0
    for m in _OPTION.finditer(fence.info, start):
        value = m.group(2)
        quoted = value[:1] in "\"'"
        options[m.group(1)] = value[1:-1] if quoted else value
        columns[m.group(1)] = fence.info_column + m.start(1)
        value_columns[m.group(1)] = fence.info_column + m.start(2) + int(quoted)
    return options, columns, value_columns


def _refuse_unsafe(fence: Fence, raw: dict[str, str], value_columns: dict[str, int]) -> None:
    """A refused character in the header outside the option values (parse_options names the
    option for one inside): superfences would not even take the fence as a cnn block."""
    bad = UNSAFE.search(fence.info.replace("\t", " "))  # superfences allows tabs between options
    if bad is None:
        return
    column = fence.info_column + bad.start()
    if any(start <= column < start + len(raw[key]) for key, start in value_columns.items()):
        return
    message, hint = describe(bad.group())
    raise BlockError(f"the fence's line holds {message}", Location(0, column), hint)


def run_fence(path: str, fence: Fence, settings: Settings) -> Outcome:
    """Build one block, locating every error in the file."""
    # The quote marks and indentation that Markdown puts before each line go, as they do
    # before superfences sees a block; columns then count them back in.
    body = [_PREFIX.sub("", line, count=1) for line in fence.body]
    offsets = [len(raw) - len(stripped) for raw, stripped in zip(fence.body, body, strict=True)]

    def position(where: Location) -> str:
        if where.line == 0:
            return f"{path}:{fence.opener + 1}:{where.column}"
        index = min(where.line, len(body)) - 1
        offset = offsets[index] if index >= 0 else 0  # an empty block has no line to offset
        return f"{path}:{fence.opener + 1 + where.line}:{where.column + offset}"

    try:
        raw, columns, value_columns = _read_header(fence)
        _refuse_unsafe(fence, raw, value_columns)
        options = parse_options(raw, settings, columns, value_columns)
        calls = parse_block("\n".join(body))
        if not calls and options.input is None:
            # Nothing in the body to point at: the closing fence is not the block's fault.
            word = fence.info_column + len(fence.info) - len(fence.info.lstrip())
            raise BlockError(
                "the block is empty: it has no layers",
                Location(0, word),
                "write one layer a line, starting with the input, such as Input(28, 28, 1)",
            )
        report = build(calls, options)
    except BlockError as error:
        return Outcome(path, fence, None, ((error, position(error.where)),))
    except Exception as exc:  # a bug of ours is still a message, never a traceback
        bug = BlockError(f"internal error: {exc!r}; please report it")
        return Outcome(path, fence, None, ((bug, position(bug.where)),))
    claims = tuple((e, position(e.where)) for e in report.failed_claims)
    return Outcome(path, fence, report, claims)


def run_text(path: str, text: str, settings: Settings) -> list[Outcome]:
    """Every block of a Markdown text."""
    lines = text.split("\n")
    return [run_fence(path, fence, settings) for fence in find_fences(lines)]


def markdown_files(paths: list[Path]) -> list[Path]:
    """The Markdown files given, and those under the folders given, in a stable order."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files += sorted(p for p in path.rglob("*") if p.suffix in (".md", ".markdown") and p.is_file())
        else:
            files.append(path)
    return files


def register(built: dict[str, list[Outcome]]) -> tuple[Registry, list[str]]:
    """The blocks with an id, site-wide, and a message for each id used twice."""
    registry = Registry()
    clashes: list[str] = []
    for path, outcomes in built.items():
        for outcome in outcomes:
            block_id = outcome.declared_id
            if block_id is None:
                continue
            clash = registry.define(block_id, Defined(outcome.report, f"{path}:{outcome.line}"))
            if clash:
                column = read_options(outcome.fence)[1].get("id", 1)
                clashes.append(f"{path}:{outcome.line}:{column}: {clash}")
    return registry, clashes


# A code span as Markdown delimits it, and the `#!cnn` reference one may hold.
CODE_SPAN = re.compile(r"(?<![\\`])(?P<ticks>`+)(?P<body>.+?)(?<!`)(?P=ticks)(?!`)")
SHEBANG = re.compile(r"#!cnn\s+(?P<ref>.*\S)")


def check_references(path: str, text: str, registry: Registry) -> list[str]:
    """Every reference in a page's prose that does not resolve, located."""
    lines = text.split("\n")
    inside: set[int] = set()
    i = 0
    while i < len(lines):  # any fenced code: its lines are code, not prose
        m = FENCE.match(lines[i])
        if m is None:
            i += 1
            continue
        char, length = m.group("fence")[0], len(m.group("fence"))
        closing = re.compile(r"^[ \t>]*" + re.escape(char) + "{" + str(length) + r",}\s*$")
        j = i + 1
        while j < len(lines) and not closing.match(lines[j]):
            j += 1
        inside.update(range(i, j + 1))
        i = j + 1
    errors = []
    for number, line in enumerate(lines):
        if number in inside or "#!cnn" not in line:
            continue
        for span in CODE_SPAN.finditer(line):
            body = span.group("body")
            ref = SHEBANG.fullmatch(body.strip())
            if ref is None:
                continue
            try:
                resolve(ref.group("ref"), registry)
            except BlockError as error:
                column = span.start("body") + body.index(ref.group("ref")) + error.where.column
                errors.append(f"{path}:{number + 1}:{column}: {error.text()}")
    return errors

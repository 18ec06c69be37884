"""The one reader of a page: where its `cnn` blocks and its references stand.

The build, `mkdocs serve` and `paramcalc check` all take blocks and references from here, so
they find the same ones at the same places. Fences are read by the rules of pymdown-extensions'
superfences, which reads every other fence of the page: a fence closes on a line holding exactly
its run of backticks (or tildes); its lines keep the opening line's indentation and quote
markers; a fence that does not close is no fence, and one that never closes swallows the rest of
the page. A `cnn` fence that breaks these rules is still found, and said to be broken.

Prose is what lies outside fences and HTML comments; a reference is a code span of it that
reads `#!cnn id.field`. Everything here is one pass over the text.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from mkdocs_paramcalc.errors import BlockError, Location, gathered
from mkdocs_paramcalc.values import shortened

TAB = 4  # Python-Markdown's tab_length, by which superfences measures indentation
_PREFIX = " \t>"
_OPENER = re.compile(r"(?P<fence>`{3,}|~{3,})(?P<info>.*)")
# `cnn`, `.cnn` or `{.cnn ...}` as the fence's language (superfences reads `cnn-x` as another one).
_CNN = re.compile(r"[ \t]*(?:\.?cnn|\{[ \t:]*(?:[^\s.}][^\s}]*[ \t]+)*\.cnn)(?=[\s}]|$)")
# What superfences takes after the backticks: a language, then `{attributes}` or `key="value"`
# options (or bare keys). Anything else and superfences leaves the lines as text.
_LANGUAGE = re.compile(r"[ \t]*\.?[\w#.+-]+(?=[\t ]|$)")
_ATTRIBUTES = re.compile(r"[ \t]*\{[^\n]*\}[ \t]*")
_SUPER_OPTION = re.compile(r"""[ \t]*([a-zA-Z][a-zA-Z0-9_]*)(?:=(?:"([^"]*)"|'([^']*)'))?(?=[\t ]|$)""")
# The options superfences' highlighting takes on another fence; any other makes it no fence.
_HIGHLIGHT_OPTIONS: dict[str, re.Pattern[str] | None] = {
    "hl_lines": re.compile(r"^\d+(?:-\d+)?(?:[ \t]+\d+(?:-\d+)?)*$"),
    "linenums": re.compile(r"[\d]+(?:[ \t]+[\d]+)?(?:[ \t]+[\d]+)?"),
    "title": None,
    "title_mode": None,
}
_SNIPPET = re.compile(r"[ \t>]*-{1,}8<-{1,}[ \t]")  # pymdownx.snippets' `--8<-- "file"`
# A reference in a code span: `#!cnn mnist.total` (every front end reads its code spans with this).
SHEBANG = re.compile(r"#!cnn\s+(?P<ref>.*\S)", re.DOTALL)


@dataclass(frozen=True)
class Fence:
    """A `cnn` fence: where it opens, its header, its body, and why it is broken if it is."""

    opener: int  # index of the opening line
    info: str  # the header after the backticks
    info_column: int  # column (from 1) where `info` starts
    body: tuple[str, ...]  # as written, quote marks and indentation included
    end: int  # index of the last line the fence takes (its closing line, when it has one)
    broken: str = ""  # why Markdown would not read it as a block: the reason, in a sentence
    column: int = 1  # column (from 1) of its first backtick

    @property
    def includes(self) -> bool:
        """Whether a line of it asks pymdownx.snippets to put a file's text there (`--8<-- "x.cnn"`):
        the block is whole only once that extension has run, so only a build can read it."""
        return any(_SNIPPET.match(line) for line in self.body)


@dataclass(frozen=True)
class Reference:
    """A `#!cnn ...` code span in prose."""

    line: int  # index of its line
    start: int  # index of the opening backtick in the line
    end: int  # index just after the closing backtick
    text: str  # what follows `#!cnn`
    column: int  # column (from 1) where `text` starts


@dataclass(frozen=True)
class Page:
    fences: tuple[Fence, ...]
    references: tuple[Reference, ...]


def read(lines: Sequence[str]) -> Page:
    """The `cnn` fences and the references of a page's lines (without their line ends)."""
    fences: list[Fence] = []
    references: list[Reference] = []
    prose = _Prose(lines, references)
    closer = _Closer(lines)
    i = 0
    while i < len(lines):
        opened = _open(lines[i])
        cnn = opened is not None and _CNN.match(opened[3]) is not None
        if opened is None or (not cnn and not _header_ok(opened[3])):
            prose.read(i)  # superfences reads no fence here: the line is text
            i += 1
            continue
        width, quotes, fence, info, info_column, column = opened
        end, closed, why = closer.close(i, width, quotes, fence)
        if cnn:
            body = tuple(lines[i + 1 : end]) if closed else ()
            broken = "" if closed else why
            fences.append(Fence(i, info, info_column, body, end if closed else i, broken, column))
            # A broken cnn fence takes only its opening line: the lines after it are read again.
            i = end + 1 if closed else i + 1
            continue
        end = min(end, len(lines) - 1)
        if not closed:  # superfences leaves the lines as text, cnn fences among them
            fences += _swallowed(lines, i, end, fence, why)
            for j in range(i, end + 1):
                prose.read(j)
        i = end + 1
    return Page(tuple(fences), tuple(references))


def _open(line: str) -> tuple[int, int, str, str, int, int] | None:
    """An opening line: its indentation's width, its quote level, the fence, the header, the
    header's column and the fence's; None for any other line."""
    start = len(line) - len(line.lstrip(_PREFIX))
    if not line.startswith(("`", "~"), start):
        return None
    m = _OPENER.match(line, start)
    if m is None:
        return None
    ws = line[:start].expandtabs(TAB)
    return len(ws), ws.count(">"), m.group("fence"), m.group("info"), m.start("info") + 1, start + 1


def _header_ok(info: str) -> bool:
    """Whether superfences reads a fence with this header (else it leaves the lines as text)."""
    pos = 0
    language = _LANGUAGE.match(info)
    if language is not None:
        pos = language.end()
    attributes = _ATTRIBUTES.match(info, pos)
    if attributes is not None and attributes.end() == len(info):
        return True
    while (option := _SUPER_OPTION.match(info, pos)) is not None and option.end() > pos:
        value = option.group(2) if option.group(2) is not None else option.group(3)
        name = option.group(1)
        check = _HIGHLIGHT_OPTIONS.get(name)
        if value is None or name not in _HIGHLIGHT_OPTIONS or (check is not None and not check.match(value)):
            return False
        pos = option.end()
    return not info[pos:].strip(" \t")


class _Closer:
    """Where fences end. A scan's verdict on a line depends only on that line and the fence, so a
    fence opened inside the stretch an earlier scan of the same fence passed ends where that scan
    ended: a page of unclosed fences is read in linear time."""

    def __init__(self, lines: Sequence[str]) -> None:
        self.lines = lines
        self.scans: dict[tuple[int, int, str], tuple[int, int, bool, int]] = {}

    def close(self, opener: int, width: int, quotes: int, fence: str) -> tuple[int, bool, str]:
        """Where a fence ends, whether it closed there, and if not why, by superfences' rules."""
        key = (width, quotes, fence)
        scan = self.scans.get(key)
        if scan is None or not scan[0] < opener < scan[1]:
            end, closed, longer = _scan(self.lines, opener, width, quotes, fence)
            scan = self.scans[key] = (opener, end, closed, longer)
        _, end, closed, longer = scan
        return end, closed, "" if closed else _why(self.lines, end, fence, longer if longer > opener else -1)


def _scan(lines: Sequence[str], opener: int, width: int, quotes: int, fence: str) -> tuple[int, bool, int]:
    """The line a fence ends on, whether it closes there, and its first longer run of the fence's
    character (-1 if none)."""
    blank = False
    longer = -1
    for j in range(opener + 1, len(lines)):
        ws, content = _split(lines[j], width)
        level = ws.count(">")
        if quotes:
            if level > quotes or (content and len(ws) < width) or (content and blank and level < quotes):
                return j, False, longer
            if not content:
                blank = True
                continue
            if _closes(content, fence):
                return j, True, longer
        else:
            if level:
                return j, False, longer
            if not (ws + content).strip():
                continue
            if len(ws) != width and content:
                return j, False, longer
            if _closes(content, fence) and not content.startswith((" ", "\t")):
                return j, True, longer
        if longer < 0 and _is_longer(content, fence):
            longer = j
        blank = False
    return len(lines), False, longer


def _why(lines: Sequence[str], end: int, fence: str, longer: int) -> str:
    """Why a fence does not close, in a sentence."""
    if end < len(lines):
        ws, _ = _split(lines[end], len(lines[end]))
        if ">" in ws:
            return f"line {end + 1} does not keep the fence's quote marks (>)"
        return f"line {end + 1} is indented less than the fence's opening line"
    why = f"no line closes it with exactly {fence}"
    if longer >= 0:
        why += f" (line {longer + 1} has more {_mark(fence)}s: a fence closes on as many as it opens with)"
    return why


def _closes(content: str, fence: str) -> bool:
    return content.startswith(fence) and not content[len(fence) :].strip(" \t")


def _is_longer(content: str, fence: str) -> bool:
    run = content.rstrip(" \t")
    return len(run) > len(fence) and not run.strip(fence[0])


def _mark(fence: str) -> str:
    return "backtick" if fence[0] == "`" else "tilde"


def _split(line: str, width: int) -> tuple[str, str]:
    """A line's prefix up to the fence's indentation (tabs expanded), and the rest, as superfences
    splits it."""
    ws: list[str] = []
    virtual = 0
    taken = 0
    for char in line:
        if virtual >= width or char not in _PREFIX:
            break
        taken += 1
        if char == "\t":
            size = TAB - (virtual % TAB)
            virtual += size
            ws.append(" " * size)
        else:
            virtual += 1
            ws.append(char)
    return "".join(ws), line[taken:]


def _swallowed(lines: Sequence[str], opener: int, end: int, fence: str, why: str) -> Iterator[Fence]:
    """The cnn fences inside a fence that does not close: Markdown reads them as text."""
    for j in range(opener + 1, end + 1):
        opened = _open(lines[j])
        if opened is not None and _CNN.match(opened[3]):
            said = f"it stands in the {fence} fence of line {opener + 1}, which does not close ({why})"
            yield Fence(j, opened[3], opened[4], (), j, said, opened[5])


class _Prose:
    """Reads prose lines in order: HTML comments and code spans, and the references among the
    spans. A comment is one that Markdown reads as a comment: one that closes on its line, or
    one that opens a line (an HTML block) and closes on a later one."""

    def __init__(self, lines: Sequence[str], found: list[Reference]) -> None:
        self.lines = lines
        self.found = found
        self.in_comment = False
        self.last_close = max((i for i, line in enumerate(lines) if "-->" in line), default=-1)

    def read(self, number: int) -> None:
        line = self.lines[number]
        if not self.in_comment and "`" not in line and "<!--" not in line:
            return
        runs = _runs(line)
        closer = _next_same(runs)
        pos = k = 0
        while pos < len(line):
            if self.in_comment:
                close = line.find("-->", pos)
                if close < 0:
                    return
                self.in_comment, pos = False, close + 3
                continue
            while k < len(runs) and runs[k][0] < pos:
                k += 1
            tick = runs[k][0] if k < len(runs) else -1
            comment = line.find("<!--", pos, tick if tick >= 0 else len(line))
            if comment >= 0:
                close = line.find("-->", comment + 2)
                if close >= 0:
                    pos = close + 3
                    continue
                if not line[:comment].strip(" ") and comment < 4 and number < self.last_close:
                    self.in_comment = True
                    return
                pos = comment + 4
                continue
            if tick < 0:
                return
            if closer[k] < 0:  # a run that nothing closes is text
                pos = runs[k][1]
                continue
            body_start, close = runs[k][1], runs[closer[k]][0]
            end = runs[closer[k]][1]
            self._reference(number, runs[k][0], end, body_start, line[body_start:close])
            pos = end

    def _reference(self, number: int, start: int, end: int, body_start: int, body: str) -> None:
        if "#!cnn" not in body[:16]:
            return
        ref = SHEBANG.fullmatch(body.strip())
        if ref is not None:
            column = body_start + body.index(ref.group("ref")) + 1
            self.found.append(Reference(number, start, end, ref.group("ref"), column))


def _runs(line: str) -> list[tuple[int, int]]:
    """The runs of backticks of a line, as (start, end); a backslash escapes a run's first one."""
    runs = []
    pos = line.find("`")
    while pos >= 0:
        end = pos
        while end < len(line) and line[end] == "`":
            end += 1
        slashes = 0
        while slashes < pos and line[pos - 1 - slashes] == "\\":
            slashes += 1
        start = pos + 1 if slashes % 2 else pos  # an odd run of backslashes escapes a backtick
        if start < end:
            runs.append((start, end))
        pos = line.find("`", end)
    return runs


def _next_same(runs: list[tuple[int, int]]) -> list[int]:
    """For each run, the index of the next run of the same length (-1 if none): what closes it."""
    following: dict[int, int] = {}
    closer = [-1] * len(runs)
    for k in range(len(runs) - 1, -1, -1):
        length = runs[k][1] - runs[k][0]
        closer[k] = following.get(length, -1)
        following[length] = k
    return closer


@dataclass(frozen=True)
class Header:
    """A cnn fence's options: `key="value"` as written, with where each key and value starts."""

    options: dict[str, str]
    columns: dict[str, int]  # the column of each key
    value_columns: dict[str, int]  # the column of each value's first character


_WORD = re.compile(r"[^\s]+")
_KEY = re.compile(r"([A-Za-z_][\w-]*)=")
_ATTRIBUTE = re.compile(r"(?:\.cnn|:|#([^\s}]+))(?=[\s}]|$)")


def header(fence: Fence) -> Header:
    """The options on a cnn fence's line. Values are quoted with " or ', in which a backslash
    escapes the quote mark and itself, or bare up to the next space. Anything else on the line
    (a word without `=`, an option given twice, an open quote) is an error."""
    info = fence.info
    language = _CNN.match(info)
    pos = language.end() if language else 0
    closing = len(info.rstrip())
    if info.lstrip().startswith("{"):
        if not info.rstrip().endswith("}"):
            raise _header_error(
                fence, len(info.rstrip()), "the fence's `{` has no closing `}`", 'e.g. {.cnn id="mnist"}'
            )
        closing = len(info.rstrip()) - 1
        pos = info.index("{") + 1  # attributes may stand before `.cnn` too: {#mnist .cnn}
    found = Header({}, {}, {})
    errors: list[BlockError] = []
    while True:
        word = _WORD.search(info, pos, closing)
        if word is None:
            break
        try:
            pos = _option(fence, info, word.start(), closing, found)
        except BlockError as error:
            errors.append(error)
            pos = word.end()
    if errors:
        raise gathered(errors)
    return found


def _option(fence: Fence, info: str, start: int, closing: int, found: Header) -> int:
    """Reads the option starting at `start` into `found`; returns where reading goes on."""
    attribute = _ATTRIBUTE.match(info, start, closing)
    if attribute is not None:  # `.cnn` itself, or `#mnist` for id="mnist" ({#mnist .cnn})
        if attribute.group(1):
            if "id" in found.options:
                raise _header_error(fence, start, "the block's id is given twice", "keep one of them")
            found.options["id"] = attribute.group(1)
            found.columns["id"] = found.value_columns["id"] = fence.info_column + start + 1
        return attribute.end()
    key = _KEY.match(info, start)
    if key is None:
        word = _WORD.match(info, start, closing)
        shown = shortened(word.group() if word else info[start:closing])
        raise _header_error(
            fence,
            start,
            f"the fence's line holds {shown!r}, which is not an option",
            'write options as key="value", such as id="mnist" title="Our CNN"',
        )
    name = key.group(1)
    if name in found.options:
        raise _header_error(
            fence,
            start,
            f"option `{name}` is given twice (first at column {found.columns[name]})",
            "keep one of them",
        )
    value_start = key.end()
    quote = info[value_start : value_start + 1]
    if quote in ("'", '"'):
        value, end = _quoted(fence, info, value_start, closing, name)
        value_start += 1
    else:
        bare = _WORD.match(info, value_start, closing)
        value, end = (bare.group(), bare.end()) if bare else ("", value_start)
    found.options[name] = value
    found.columns[name] = fence.info_column + start
    found.value_columns[name] = fence.info_column + value_start
    return end


def option_text(key: str, value: str) -> str:
    """An option as a fence's line writes it, key="value", its quote marks and backslashes escaped
    as `header` reads them back: for the front ends that make a fence's line from options given
    elsewhere (command-line flags, directive options, pandoc's attributes)."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'{key}="{escaped}"'


def _quoted(fence: Fence, info: str, start: int, closing: int, name: str) -> tuple[str, int]:
    """A quoted value from its opening quote: the text, with `\\"` and `\\\\` read as one
    character, and where it ends."""
    quote = info[start]
    chars: list[str] = []
    i = start + 1
    while i < closing:
        char = info[i]
        if char == "\\" and i + 1 < closing and info[i + 1] in (quote, "\\"):
            chars.append(info[i + 1])
            i += 2
            continue
        if char == quote:
            return "".join(chars), i + 1
        chars.append(char)
        i += 1
    raise _header_error(
        fence, start, f"the value of `{name}` has no closing {quote}", f"end it with {quote} on the same line"
    )


def _header_error(fence: Fence, offset: int, message: str, hint: str) -> BlockError:
    return BlockError(message, Location(0, fence.info_column + offset), hint)

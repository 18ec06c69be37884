"""The Python-Markdown extension: renders ```cnn fences and `#!cnn` references.

`markdown.markdown(text, extensions=["mkdocs_paramcalc"])` is all it takes. Before any other
preprocessor runs, the page's lines go to the one reader (`reader.py`), which says where each
block and reference stands; each is replaced by a token that page text cannot forge (it holds a
hash of the page), and the token by its HTML once Markdown has normalized the page. No other
extension reads a block: superfences (loaded if the page's set-up has not) reads the other fences
by the rules our reader follows.

Without the MkDocs plugin a page is converted on its own: errors are logged and shown in the
page, references see the page's own blocks, and `inline_css` puts the stylesheet in the page.
Under Zensical, which runs the extension but no MkDocs plugin, the page's path and file are
read from Zensical's rendering context, so that errors name the file and its real lines.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from html import escape
from importlib.resources import files as package_files
from typing import Any
from xml.etree import ElementTree

from markdown import Extension, Markdown
from markdown.inlinepatterns import InlineProcessor
from markdown.postprocessors import Postprocessor
from markdown.preprocessors import Preprocessor
from markdown.util import AtomicString, parseBoolValue

from mkdocs_paramcalc.errors import Message
from mkdocs_paramcalc.frontends.pages import (
    Outcome,
    PageRun,
    Resolved,
    errors,
    normalized,
    register,
    resolve_references,
    run_fence,
)
from mkdocs_paramcalc.memo import Memo
from mkdocs_paramcalc.reading.options import SITE_OPTIONS, Settings
from mkdocs_paramcalc.reading.page import read
from mkdocs_paramcalc.report.references import Registry
from mkdocs_paramcalc.writers.html import HtmlRenderer

LANGUAGE = "cnn"
log = logging.getLogger("mkdocs_paramcalc")

Reporter = Callable[[str], None]
# A token: `pcb` (a block) or `pcr` (a reference), the page's hash, the item's number. Letters and
# digits only, so that no Markdown syntax reads into it.
_TOKEN = re.compile(r"pc([br])([0-9a-f]{20})n([0-9]+)x")
_BLOCK_LINE = re.compile(r"^([ \t>]*)pcb([0-9a-f]{20})n([0-9]+)x[ \t]*$")


# Each block's HTML, by what it shows: a block unchanged since the last build of `mkdocs serve`
# (same file, same place, same text, same settings) is not rendered again.
_BLOCK_HTML: Memo[Hashable, str] = Memo("markdown: block html", 8192)


def html_key(outcome: Outcome, settings: Settings) -> Hashable:
    """What a block's HTML depends on: its text and where it stands (its errors say where)."""
    return (outcome.path, outcome.offset, outcome.fence, settings)


def block_html(outcome: Outcome, settings: Settings) -> str | None:
    """A block's HTML, if it was rendered in this build or an earlier one of `mkdocs serve`."""
    return _BLOCK_HTML.get(html_key(outcome, settings))


@dataclass
class PageContext:
    """What the host knows of the page being converted; the MkDocs plugin fills it in."""

    path: str = "<markdown>"
    source: str | None = None  # the file's text, so that line numbers count front matter too
    errors: list[str] = field(default_factory=list)
    # Set by the MkDocs plugin: every block of the site with an id, and each page read, its
    # blocks built and references resolved (and their errors reported) before any page renders.
    registry: Registry | None = None
    built: dict[str, tuple[PageRun, tuple[Resolved, ...]]] | None = None
    refused: set[str] = field(default_factory=set)  # pages over the size limit: read as text only


def _log_warning(message: str) -> None:
    log.warning(message)


class ParamcalcExtension(Extension):
    """Renders `cnn` fences as the table and derivations of the network they describe."""

    def __init__(self, **kwargs: Any) -> None:
        defaults = Settings().as_config()
        self.config = {
            **{key: [defaults[key], meaning] for key, meaning in SITE_OPTIONS.items()},
            "inline_css": [False, "Put the stylesheet in each page with a block (sites without the plugin)"],
        }
        self.context = kwargs.pop("context", None) or PageContext()
        self.reporter: Reporter = kwargs.pop("reporter", None) or _log_warning
        # Checked before Python-Markdown sees them: its KeyError would not say what to write.
        switch = kwargs.get("inline_css")
        if isinstance(switch, str) and parseBoolValue(switch, False) is not None:
            kwargs["inline_css"] = parseBoolValue(switch, False)  # "false", as Zensical's config gives it
        Settings.from_config(kwargs, switches=("inline_css",))
        super().__init__(**kwargs)

    def extendMarkdown(self, md: Markdown) -> None:  # noqa: N802 (Python-Markdown's name)
        configs = self.getConfigs()
        inline_css = bool(configs.pop("inline_css"))
        settings = Settings.from_config(configs)
        conversion = Conversion(md, settings, self.context, self.reporter)
        if not _has_superfences(md):
            md.registerExtensions(["pymdownx.superfences"], {})
        # First of all: the reader sees the page's lines as written.
        md.preprocessors.register(_LineStep(md, conversion.read), "paramcalc_read", 1000)
        # After whitespace is normalized (30) and snippets are in (32), before superfences (25).
        md.preprocessors.register(_LineStep(md, conversion.place), "paramcalc_place", 29)
        # Before `backtick` (190), which inlinehilite also takes over.
        md.inlinePatterns.register(_Reference(conversion, md), "paramcalc_reference", 200)
        # After the raw HTML (30) is back in place: a token it held is text again.
        md.postprocessors.register(_TextStep(md, conversion.restore), "paramcalc_restore", 20)
        if inline_css:
            md.postprocessors.register(_Stylesheet(md), "paramcalc_stylesheet", 5)
        md.registerExtension(self)


def _has_superfences(md: Markdown) -> bool:
    if "fenced_code_block" not in md.preprocessors:
        return False
    return type(md.preprocessors["fenced_code_block"]).__module__.startswith("pymdownx")


def stylesheet() -> str:
    """The stylesheet of the blocks, as the plugin adds it to a site."""
    return (package_files("mkdocs_paramcalc") / "assets" / "paramcalc.css").read_text("utf-8")


_STYLED = re.compile(r'class="(?:[^"]*\s)?paramcalc')


class _Stylesheet(Postprocessor):
    """`inline_css`: the stylesheet, once, at the top of a page that shows a block or a reference."""

    def run(self, text: str) -> str:
        if not _STYLED.search(text):
            return text
        return f'<style id="paramcalc-css">\n{stylesheet()}</style>\n{text}'


def _host_page(md: Markdown, context: PageContext) -> tuple[str, str | None] | None:
    """The page being converted, as a host without the plugin tells it: Zensical registers a
    `rendering_context` preprocessor holding the page's path (under docs_dir) and the config.
    Returns the path to show in messages (from the project's root, as the plugin shows it)
    and the file's text, whose lines count front matter too."""
    if context.built is not None or "rendering_context" not in md.preprocessors:
        return None  # the plugin has said where we are, or the host says nothing
    host = md.preprocessors["rendering_context"]
    page, config = getattr(host, "page", None), getattr(host, "config", None)
    path = getattr(page, "path", None)
    if not isinstance(path, str) or not isinstance(config, dict):
        return None
    root = str(config.get("root_dir") or ".")
    file = os.path.join(root, str(config.get("docs_dir") or "docs"), path)
    try:
        with open(file, encoding="utf-8-sig") as f:
            source: str | None = f.read()
    except (OSError, UnicodeDecodeError):
        source = None
    return os.path.relpath(file, root).replace(os.sep, "/"), source


class Conversion:
    """One Markdown instance's blocks and references: read, built, reported, then placed."""

    def __init__(self, md: Markdown, settings: Settings, context: PageContext, reporter: Reporter) -> None:
        self.md = md
        self.settings = settings
        self.context = context
        self.reporter = reporter
        self.renderer = HtmlRenderer(settings)
        self.nonce = ""
        self.html: dict[tuple[str, int], str] = {}  # each token's HTML, by kind and number
        self.original: dict[tuple[str, int], str] = {}  # each token's text as written

    def read(self, lines: list[str]) -> list[str]:
        """The page's lines with each block and reference replaced by its token."""
        host = _host_page(self.md, self.context)
        if host is not None:
            self.context.path, self.context.source = host
        text = normalized("\n".join(lines))
        self.nonce = hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=10).hexdigest()
        self.html, self.original = {}, {}
        run, resolved = self._page(text)
        return self._tokens(text.split("\n"), run, resolved)

    def _page(self, text: str) -> tuple[PageRun, tuple[Resolved, ...]]:
        """The page as the plugin built it, if it is the text being converted; else built here,
        and its errors reported."""
        built = self.context.built.get(self.context.path) if self.context.built is not None else None
        if built is not None and built[0].text == text:
            return built
        if self.context.path in self.context.refused:
            return PageRun(self.context.path, text, 0, read([]), ()), ()
        source = self.context.source
        offset = source.count("\n", 0, len(source) - len(text)) if source and source.endswith(text) else 0
        return self._run(text, offset)

    def _run(self, text: str, offset: int, included: bool = False) -> tuple[PageRun, tuple[Resolved, ...]]:
        path = self.context.path
        page = read(text.split("\n"))
        fences = [fence for fence in page.fences if included or not fence.includes]
        outcomes = tuple(run_fence(path, fence, self.settings, offset) for fence in fences)
        run = PageRun(path, text, offset, page, outcomes)
        registry = self.context.registry
        if registry is None:  # on its own, a page can quote its own blocks
            registry, clashes = register([run])
            for message in clashes:
                self._say(message)
        resolved = resolve_references(run, registry)
        for message in errors(run, resolved):
            note = " (in text that another extension put in the page)" if included else ""
            self._say(Message(message.position, message.text + note))
        return run, resolved

    def _tokens(self, lines: list[str], run: PageRun, resolved: tuple[Resolved, ...]) -> list[str]:
        """The lines with each reference and block of `run` replaced by a token."""
        by_line: dict[int, list[Resolved]] = {}
        for item in resolved:
            by_line.setdefault(item.reference.line, []).append(item)
        for index, items in by_line.items():
            line, pieces, pos = lines[index], [], 0
            for item in items:  # in the order they stand: the line is cut once, whatever their number
                ref, number = item.reference, len(self.original)
                self.original["r", number] = line[ref.start : ref.end]
                self.html["r", number] = self._reference(item)
                pieces += [line[pos : ref.start], f"pcr{self.nonce}n{number}x"]
                pos = ref.end
            lines[index] = "".join(pieces) + line[pos:]
        out: list[str] = []
        done = 0
        for outcome in run.outcomes:
            fence, number = outcome.fence, len(self.original)
            out += lines[done : fence.opener]
            self.original["b", number] = "\n".join(lines[fence.opener : fence.end + 1])
            self.html["b", number] = self._render(outcome)
            out.append(f"{lines[fence.opener][: fence.column - 1]}pcb{self.nonce}n{number}x")
            done = fence.end + 1
        return out + lines[done:]

    def place(self, lines: list[str]) -> list[str]:
        """Each block's token replaced by its HTML, as Markdown keeps raw HTML. Blocks and
        references that another extension put in the page after it was read (a snippet) are
        built here."""
        if self.context.path not in self.context.refused and any("cnn" in line for line in lines):
            page = read(lines)
            if page.fences or page.references:
                run, resolved = self._run("\n".join(lines), 0, included=True)
                lines = self._tokens(lines, run, resolved)
        out = []
        for line in lines:
            m = _BLOCK_LINE.match(line)
            html = self.token("b", m.group(2), int(m.group(3))) if m is not None else None
            out.append(line if html is None or m is None else m.group(1) + self.md.htmlStash.store(html))
        return out

    def _render(self, outcome: Outcome) -> str:
        return _BLOCK_HTML.get_or_compute(html_key(outcome, self.settings), lambda: self._html(outcome))

    def _html(self, outcome: Outcome) -> str:
        if outcome.report is None:
            return "".join(self.renderer.error(e, located=str(p)) for e, p in outcome.failures)
        return self.renderer.report(outcome.report, [(e, str(p)) for e, p in outcome.failures])

    def _reference(self, item: Resolved) -> str:
        if item.value is not None:
            return self.renderer.reference(item.value)
        assert item.error is not None
        return self.renderer.reference_error(item.error, str(item.position))

    def _say(self, message: Message) -> None:
        self.context.errors.append(str(message))
        self.reporter(str(message))

    def token(self, kind: str, nonce: str, number: int) -> str | None:
        """A token's HTML, if the token is this page's."""
        return self.html.get((kind, number)) if nonce == self.nonce else None

    def restore(self, text: str) -> str:
        """Tokens that Markdown left as text (in raw HTML, code) are their text as written again."""
        if "pc" not in text:
            return text

        def back(m: re.Match[str]) -> str:
            original = self.original.get((m.group(1), int(m.group(3))))
            return (
                m.group(0) if m.group(2) != self.nonce or original is None else escape(original, quote=False)
            )

        return _TOKEN.sub(back, text)


class _LineStep(Preprocessor):
    """One of the conversion's steps over the page's lines."""

    def __init__(self, md: Markdown, step: Callable[[list[str]], list[str]]) -> None:
        super().__init__(md)
        self.step = step

    def run(self, lines: list[str]) -> list[str]:
        return self.step(lines)


class _TextStep(Postprocessor):
    """One of the conversion's steps over the page's HTML."""

    def __init__(self, md: Markdown, step: Callable[[str], str]) -> None:
        super().__init__(md)
        self.step = step

    def run(self, text: str) -> str:
        return self.step(text)


class _Reference(InlineProcessor):
    """A reference's token in the text: its value, or its error, in place."""

    def __init__(self, conversion: Conversion, md: Markdown) -> None:
        super().__init__(r"pcr([0-9a-f]{20})n([0-9]+)x", md)
        self.conversion = conversion

    def handleMatch(  # type: ignore[override]  # noqa: N802 (Python-Markdown's name)
        self, m: re.Match[str], data: str
    ) -> tuple[ElementTree.Element | str | None, int | None, int | None]:
        html = self.conversion.token("r", m.group(1), int(m.group(2)))
        if html is None:
            return None, None, None
        # An element, not raw HTML: where Markdown wants text (an image's alt, a heading's anchor)
        # it takes the element's text, where raw HTML would break the attribute it lands in.
        try:
            element = ElementTree.fromstring(html)  # noqa: S314 (our own HTML, its text escaped: no DTD)
        except ElementTree.ParseError:  # pragma: no cover (our HTML is XML)
            return self.md.htmlStash.store(html), m.start(0), m.end(0)
        for node in element.iter():  # its text is text: no inline pattern reads into it
            node.text = AtomicString(node.text) if node.text else node.text
            node.tail = AtomicString(node.tail) if node.tail else node.tail
        return element, m.start(0), m.end(0)


def makeExtension(**kwargs: Any) -> ParamcalcExtension:  # noqa: N802 (Python-Markdown's name)
    return ParamcalcExtension(**kwargs)

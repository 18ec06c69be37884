"""The Python-Markdown extension: renders ```cnn fences through pymdownx.superfences.

`markdown.markdown(text, extensions=["mkdocs_paramcalc"])` is all it takes; the
extension loads superfences if the page's set-up has not, and adds the `cnn`
fence to whichever superfences instance is active, keeping its other fences.

Without the MkDocs plugin a page is converted on its own: errors are logged and shown in the
page, references see the page's own blocks, and `inline_css` puts the stylesheet in the page.
Under Zensical, which runs the extension but no MkDocs plugin, the page's path and file are
read from Zensical's rendering context, so that errors name the file and its real lines.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from importlib.resources import files as package_files
from typing import Any

from markdown import Extension, Markdown
from markdown.inlinepatterns import InlineProcessor
from markdown.postprocessors import Postprocessor
from markdown.preprocessors import Preprocessor

from .errors import BlockError, Location
from .model import build
from .options import SITE_OPTIONS, Settings, parse_options
from .pages import CODE_SPAN, FENCE, SHEBANG, Fence, Outcome, find_fences, run_fence
from .parse import parse_block
from .references import Defined, Registry, resolve
from .render import HtmlRenderer

LANGUAGE = "cnn"
log = logging.getLogger("mkdocs_paramcalc")

Reporter = Callable[[str], None]


@dataclass
class PageContext:
    """What the host knows of the page being converted; the MkDocs plugin fills it in."""

    path: str = "<markdown>"
    source: str | None = None  # the file's text, so that line numbers count front matter too
    errors: list[str] = field(default_factory=list)
    # Set by the MkDocs plugin: every block of the site with an id, and each page's blocks,
    # built before any page renders. Without them a page is its own registry.
    registry: Registry | None = None
    built: dict[str, list[Outcome]] | None = None


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
        Settings.from_config(kwargs, switches=("inline_css",))
        super().__init__(**kwargs)

    def extendMarkdown(self, md: Markdown) -> None:  # noqa: N802 (Python-Markdown's name)
        configs = self.getConfigs()
        inline_css = bool(configs.pop("inline_css"))
        settings = Settings.from_config(configs)
        fence = CnnFence(settings, self.context, self.reporter)
        if "fenced_code_block" not in md.preprocessors or not _superfences(md):
            md.registerExtensions(["pymdownx.superfences"], {})
        # Runs before every other preprocessor: sees the page's lines as written.
        md.preprocessors.register(_Start(md, fence), "paramcalc_start", 1000)
        # Before `backtick` (190), which inlinehilite also takes over: `#!cnn id.total` is ours.
        md.inlinePatterns.register(_Reference(fence, md), "paramcalc_reference", 200)
        # Last: by then superfences has handed every fence it read to `format`.
        md.postprocessors.register(_Unrendered(md, fence), "paramcalc_unrendered", 0)
        if inline_css:
            # After the raw HTML (30) is back in place, so that the blocks can be seen.
            md.postprocessors.register(_Stylesheet(md), "paramcalc_stylesheet", 5)
        md.registerExtension(self)


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


def _superfences(md: Markdown) -> Any:
    if "fenced_code_block" not in md.preprocessors:
        return None
    return getattr(md.preprocessors["fenced_code_block"], "extension", None)


class _Unrendered(Postprocessor):
    """A cnn fence that superfences did not read as a fence (a stray character on its line, no
    closing fence) would reach the reader as plain text, its numbers unchecked: an error."""

    def __init__(self, md: Markdown, fence: CnnFence) -> None:
        super().__init__(md)
        self.fence = fence

    def run(self, text: str) -> str:
        self.fence.finish()
        return text


class _Start(Preprocessor):
    def __init__(self, md: Markdown, fence: CnnFence) -> None:
        super().__init__(md)
        self.fence = fence

    def run(self, lines: list[str]) -> list[str]:
        host = _host_page(self.md, self.fence.context)
        if host is not None:
            self.fence.context.path, self.fence.context.source = host
        superfences = _superfences(self.md)
        if superfences is not None and not any(f["name"] == LANGUAGE for f in superfences.superfences):
            superfences.extend_super_fences(LANGUAGE, self.fence.format, self.fence.validate, None)
        self.fence.start(lines)
        return quote_options(lines)


# A quoted string (kept as it is), or a bare `key=value` to quote.
_OPTION = re.compile(r"""("[^"]*"|'[^']*')|(?<![\w-])([A-Za-z][A-Za-z0-9_]*)=([^\s"']+)""")


def _quote(m: re.Match[str]) -> str:
    return m.group(1) or f'{m.group(2)}="{m.group(3)}"'


def quote_options(lines: list[str]) -> list[str]:
    """Quote bare option values (`id=mnist`) on cnn fences: superfences only reads `id="mnist"`
    and would otherwise leave the whole block as a paragraph of text."""
    out = list(lines)
    for found in find_fences(lines):
        line = lines[found.opener]
        m = FENCE.match(line)
        if m is not None:
            start = m.start("info")
            out[found.opener] = line[:start] + _OPTION.sub(_quote, line[start:])
    return out


def _key(lines: Sequence[str]) -> list[str]:
    stripped = [re.sub(r"^[ \t>]*", "", line).strip() for line in lines]
    while stripped and not stripped[-1]:
        stripped.pop()
    return stripped


class CnnFence:
    """The superfences validator and formatter for one Markdown instance."""

    def __init__(self, settings: Settings, context: PageContext, reporter: Reporter) -> None:
        self.settings = settings
        self.context = context
        self.reporter = reporter
        self.renderer = HtmlRenderer(settings)
        self.lines: list[str] = []
        self.fences: list[Fence] = []
        self.used: set[int] = set()

    def start(self, lines: list[str]) -> None:
        """A new conversion: the page's lines to locate errors in, its blocks built up front."""
        source = self.context.source
        self.lines = source.split("\n") if source is not None else list(lines)
        self.fences = find_fences(self.lines)
        self.used = set()
        self.used_references: set[tuple[int, int]] = set()
        path = self.context.path
        built = self.context.built.get(path) if self.context.built is not None else None
        if built is None:
            built = [run_fence(path, fence, self.settings) for fence in self.fences]
        self.built = {outcome.fence.opener: outcome for outcome in built}
        self.registry = self.context.registry
        if self.registry is None:  # on its own, a page can quote its own blocks
            self.registry = Registry()
            for outcome in built:
                if outcome.declared_id:
                    self.registry.define(
                        outcome.declared_id, Defined(outcome.report, f"{path}:{outcome.line}")
                    )

    def finish(self) -> None:
        """After a conversion: every block found in the page's text must have been rendered."""
        for index, fence in enumerate(self.fences):
            if index in self.used:
                continue
            self.used.add(index)  # once, even if a host runs the postprocessors again
            line = self.lines[fence.opener]
            column = len(line) - len(line.lstrip(" \t>")) + 1
            error = BlockError(
                "this cnn block was not rendered: Markdown read its fence as text",
                Location(),
                "check the opening line for stray characters and that a closing ``` ends the block",
            )
            self._say(f"{self.context.path}:{fence.opener + 1}:{column}: {error.text()}")

    def validate(
        self,
        language: str,
        inputs: dict[str, str],
        options: dict[str, str],
        attrs: dict[str, str],
        md: Markdown,
    ) -> bool:
        # Every option is accepted here and checked by `format`: a validator that says no
        # would make superfences print the block as plain code.
        options.update(inputs)
        return True

    def format(
        self,
        src: str = "",
        language: str = "",
        options: dict[str, str] | None = None,
        md: Markdown | None = None,
        **kwargs: Any,
    ) -> str:
        found = self._locate(src)
        try:
            outcome = self.built.get(found.opener) if found is not None else None
            if outcome is not None and found is not None and outcome.fence.body == found.body:
                return self._render(outcome)
            columns = self._columns(found)
            block_options = parse_options(dict(options or {}), self.settings, columns)
            report = build(parse_block(src), block_options)
            claims = [(claim, self._report(claim, found, src)) for claim in report.failed_claims]
            return self.renderer.report(report, claims)
        except BlockError as error:
            return self._fail(error, found, src)
        except Exception as exc:  # a bug of ours must still not print the block as plain code
            log.exception("paramcalc: internal error")
            return self._fail(BlockError(f"internal error: {exc!r}; please report it"), found, src)

    def _render(self, outcome: Outcome) -> str:
        """A block built before the page was converted."""
        for error, position in outcome.failures:
            self._say(f"{position}: {error.text()}")
        html = outcome.memo.get("html")
        if html is None:
            if outcome.report is None:
                error, position = outcome.failures[0]
                html = self.renderer.error(error, located=position)
            else:
                html = self.renderer.report(outcome.report, list(outcome.failures))
            outcome.memo["html"] = html
        return html

    def _say(self, message: str) -> None:
        self.context.errors.append(message)
        self.reporter(message)

    def reference(self, text: str, raw: str) -> str:
        """The HTML for a reference from prose; `raw` is how it is written, to locate errors."""
        try:
            return self.renderer.reference(resolve(text, self.registry or Registry()))
        except Exception as exc:  # a bug of ours is still a located message, never a traceback
            error = (
                exc
                if isinstance(exc, BlockError)
                else BlockError(f"internal error: {exc!r}; please report it")
            )
            position = self._reference_position(raw, text, error.where)
            self._say(f"{position}: {error.text()}")
            return self.renderer.reference_error(error, position)

    def _reference_position(self, raw: str, text: str, where: Location) -> str:
        offset = raw.index(text) if text in raw else 0
        for number, line in enumerate(self.lines):
            start = line.find(raw)
            while start != -1:
                if (number, start) not in self.used_references:
                    self.used_references.add((number, start))
                    return f"{self.context.path}:{number + 1}:{start + offset + where.column}"
                start = line.find(raw, start + 1)
        return f"{self.context.path}:1:1"

    def _locate(self, src: str) -> Fence | None:
        key = _key(src.split("\n"))
        for index, candidate in enumerate(self.fences):
            if index not in self.used and _key(candidate.body) == key:
                self.used.add(index)
                return candidate
        return None

    def _columns(self, found: Fence | None) -> dict[str, int]:
        if found is None:
            return {}
        header = self.lines[found.opener]
        return {m.group(1): m.start(1) + 1 for m in re.finditer(r"([A-Za-z_][\w-]*)\s*=", header)}

    def _position(self, where: Location, found: Fence | None, src: str) -> str:
        if found is None:
            return f"{self.context.path}:{max(where.line, 1)}:{where.column}"
        line = found.opener + where.line
        column = where.column
        if where.line >= 1:
            body = src.split("\n")
            if where.line <= len(body) and line < len(self.lines):
                column += len(self.lines[line]) - len(body[where.line - 1])
        return f"{self.context.path}:{line + 1}:{max(column, 1)}"

    def _report(self, error: BlockError, found: Fence | None, src: str) -> str:
        position = self._position(error.where, found, src)
        self._say(f"{position}: {error.text()}")
        return position

    def _fail(self, error: BlockError, found: Fence | None, src: str) -> str:
        position = self._report(error, found, src)
        return self.renderer.error(error, located=position)


class _Reference(InlineProcessor):
    def __init__(self, fence: CnnFence, md: Markdown) -> None:
        super().__init__(CODE_SPAN.pattern, md)
        self.fence = fence

    def handleMatch(  # type: ignore[override]  # noqa: N802 (Python-Markdown's name)
        self, m: re.Match[str], data: str
    ) -> tuple[str | None, int | None, int | None]:
        ref = SHEBANG.fullmatch(m.group("body").strip())
        if ref is None:
            return None, None, None  # ordinary inline code: the backtick pattern's
        html = self.fence.reference(ref.group("ref"), m.group(0))
        return self.md.htmlStash.store(html), m.start(0), m.end(0)


def makeExtension(**kwargs: Any) -> ParamcalcExtension:  # noqa: N802 (Python-Markdown's name)
    return ParamcalcExtension(**kwargs)

"""The MkDocs plugin: `plugins: [paramcalc]` is all a site needs."""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterator
from functools import partial
from importlib.resources import files as package_files
from typing import Any

from mkdocs.config import base
from mkdocs.config import config_options as c
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, CombinedEvent, event_priority, get_plugin_logger
from mkdocs.structure.files import File, Files
from mkdocs.structure.nav import Navigation
from mkdocs.structure.pages import Page
from mkdocs.utils.templates import TemplateContext

from mkdocs_paramcalc.errors import Message
from mkdocs_paramcalc.frontends.config_file import located
from mkdocs_paramcalc.frontends.markdown import PageContext, ParamcalcExtension, block_html
from mkdocs_paramcalc.frontends.pages import (
    PageRun,
    errors,
    register,
    resolve_references,
    run_page,
)
from mkdocs_paramcalc.memo import Memo
from mkdocs_paramcalc.reading.files import MAX_PAGE_BYTES, too_large
from mkdocs_paramcalc.reading.options import ConfigError, Settings
from mkdocs_paramcalc.values import quoted
from mkdocs_paramcalc.writers.html import BLOCK_START, MATH_END, MATH_START

log = get_plugin_logger("paramcalc")
_TAG = re.compile(r"<[^>]*>")  # our own HTML: attribute values are escaped, so no ">" inside a tag
_SPACE = re.compile(r"\s+")
STYLESHEET = "assets/paramcalc/paramcalc.css"
# How markdown_extensions can name the extension (a site that Zensical builds too lists it).
EXTENSION_NAMES = ("mkdocs_paramcalc", "paramcalc", "mkdocs_paramcalc.frontends.markdown")


# Each page as last read and built, by its path, text and the settings (see _build_blocks). It lives
# in this process only, so an upgraded package never sees a stale entry.
PAGES: Memo[tuple[str, str, Settings], PageRun] = Memo("plugin: pages read", 100_000)


class PluginConfig(base.Config):
    """Only `enabled` is declared to MkDocs: the other options are Settings', read and checked
    by Settings.from_config in load_config (one list of them for every front end), whose
    messages name the option and say what to write instead."""

    enabled = c.Type(bool, default=True)


class ParamcalcPlugin(BasePlugin[PluginConfig]):
    """Wires the `cnn` fence into the site's Markdown and fails strict builds on any error."""

    def __init__(self) -> None:
        self._aside: dict[str, tuple[str, str, str, list[str]]] = {}
        self.context = PageContext()
        self.config_dir = "."

    def on_startup(self, *, command: str, dirty: bool) -> None:
        """Defined so that MkDocs keeps this one instance, and its cache, for all of `mkdocs serve`."""

    def load_config(self, options: dict[str, Any], config_file_path: str | None = None) -> Any:
        # A mistake here is an error, not MkDocs' warning: a misspelt option would do nothing.
        try:
            settings = Settings.from_config(options, switches=("enabled",))
        except ConfigError as exc:
            path = os.path.relpath(config_file_path) if config_file_path else "mkdocs.yml"
            raise PluginError(str(located(path, exc))) from None
        self.settings = settings
        return super().load_config({"enabled": options.get("enabled", True)}, config_file_path)

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig | None:
        if not self.config.enabled:
            return config
        self.config_dir = os.path.dirname(config.config_file_path or "") or "."
        self.context = PageContext()
        settings = self.settings.as_config()
        self._take_over_listed_extension(config, settings)
        extension = ParamcalcExtension(context=self.context, reporter=self._report, **settings)
        config.markdown_extensions.append(extension)  # type: ignore[arg-type]  # Markdown takes instances
        config.extra_css.append(STYLESHEET)
        return config

    def _take_over_listed_extension(self, config: MkDocsConfig, settings: dict[str, Any]) -> None:
        """A site built by Zensical too lists the extension in markdown_extensions, since Zensical
        runs no plugin; here the plugin renders the blocks instead (with the site-wide registry and
        strict builds), so the listed one is dropped. Its options must agree with the plugin's."""
        for name in list(config.markdown_extensions):
            if not isinstance(name, str) or name.split(":")[0] not in EXTENSION_NAMES:
                continue
            listed = dict(config.mdx_configs.pop(name, {}) or {})
            config.markdown_extensions.remove(name)
            for key, value in listed.items():
                if key in settings and value != settings[key]:
                    raise PluginError(
                        f"paramcalc: markdown_extensions gives {name} {key}={quoted(value)}, but the plugin "
                        f"has {key}={settings[key]!r}; give both the same value (MkDocs uses the plugin's, "
                        "generators without plugins use the extension's)"
                    )

    def on_pre_build(self, *, config: MkDocsConfig) -> None:
        self.context.errors.clear()

    def on_files(self, files: Files, *, config: MkDocsConfig) -> Files | None:
        if self.config.enabled:
            css = (package_files("mkdocs_paramcalc") / "assets" / "paramcalc.css").read_text("utf-8")
            files.append(File.generated(config, STYLESHEET, content=css))
            self._build_blocks(files)
        return files

    def _build_blocks(self, files: Files) -> None:
        """Read every page and build its blocks before any page renders, so that references from
        prose can quote a block on any page, whatever the build order; report every error."""
        runs: list[PageRun] = []
        kept: list[tuple[str, str, Settings]] = []
        messages_before: list[Message] = []
        self.context.refused.clear()
        for file in files.documentation_pages():
            try:
                text = file.content_string
            except (OSError, UnicodeDecodeError):
                continue
            if "cnn" in text:
                path = self._path(file)
                size = os.path.getsize(file.abs_src_path) if file.abs_src_path else 0
                if size > MAX_PAGE_BYTES:  # as `paramcalc check` refuses it, and says so
                    self.context.refused.add(path)
                    messages_before.append(too_large(path, size).message)
                    continue
                # `mkdocs serve` rebuilds the whole site after each edit: a page whose text is
                # unchanged keeps the blocks built last time. Only this build's pages are kept,
                # so memory stays flat however many rebuilds there are.
                key = (path, text, self.settings)
                runs.append(PAGES.get_or_compute(key, partial(run_page, path, text, self.settings)))
                kept.append(key)
        PAGES.keep_only(kept)
        registry, messages = register(runs)
        messages += messages_before
        built = {}
        for run in runs:
            resolved = resolve_references(run, registry)
            built[run.path] = (run, resolved)
            messages += errors(run, resolved)
        for message in sorted(messages):
            self.context.errors.append(str(message))
            self._report(str(message))
        self.context.registry = registry
        self.context.built = built

    def _path(self, file: File) -> str:
        path = file.abs_src_path
        return os.path.relpath(path, self.config_dir) if path else file.src_uri

    def on_page_markdown(
        self, markdown: str, *, page: Page, config: MkDocsConfig, files: Files
    ) -> str | None:
        self.context.path = self._path(page.file)
        try:
            self.context.source = page.file.content_string
        except (OSError, UnicodeDecodeError):
            self.context.source = None
        return markdown

    # Search plugins parse every page's HTML to index it, and a block's HTML holds far more tags
    # than words (a derivation's MathML most of all): material's search parser spent more on it
    # than paramcalc spent computing and rendering it. While the search plugins run, each block is
    # set aside and its words stand in its place, as one paragraph: the index finds the same
    # names, shapes and counts, without the derivations' arithmetic. The blocks are put back before
    # the page is written.
    @event_priority(100)
    def _set_blocks_aside(
        self, context: TemplateContext, *, page: Page, config: MkDocsConfig, nav: Navigation
    ) -> TemplateContext | None:
        built = self.context.built.get(self._path(page.file)) if self.context.built else None
        outcomes = built[0].outcomes if built else ()
        ours = [html for o in outcomes if (html := block_html(o, self.settings))]
        if page.content and ours:
            original = page.content
            # Markers that no page can hold: they carry a hash of the page's own HTML.
            nonce = hashlib.blake2b(original.encode("utf-8", "surrogatepass"), digest_size=10).hexdigest()
            aside: list[str] = []
            pieces = []
            for between, block in _blocks(original, ours):
                pieces.append(between)
                if block:
                    words = _SPACE.sub(" ", _TAG.sub(" ", "".join(_outside_math(block)))).strip()
                    pieces.append(f"<!--{nonce}:{len(aside)}--><p>{words}</p><!--/{nonce}:{len(aside)}-->")
                    aside.append(block)
            page.content = "".join(pieces)
            self._aside[page.file.src_uri] = (original, page.content, nonce, aside)
        return context

    @event_priority(-100)
    def _put_blocks_back(
        self, context: TemplateContext, *, page: Page, config: MkDocsConfig, nav: Navigation
    ) -> TemplateContext | None:
        saved = self._aside.pop(page.file.src_uri, None)
        if saved is not None and page.content is not None:
            original, replaced, nonce, aside = saved
            # Unless a plugin between changed the page, it is given back as it was, whole.
            page.content = original if page.content == replaced else _put_back(page.content, nonce, aside)
            context["page"] = page
        return context

    on_page_context = CombinedEvent(_set_blocks_aside, _put_blocks_back)

    def on_post_build(self, *, config: MkDocsConfig) -> None:
        # `mkdocs build --strict -q` does not count warnings (mkdocs#4126): fail here as well.
        if config.strict and self.context.errors:
            count = len(self.context.errors)
            listing = "\n".join(self.context.errors)
            raise PluginError(
                f"paramcalc: {count} error{'s' if count > 1 else ''} in strict mode:\n{listing}"
            )

    def _report(self, message: str) -> None:
        log.warning(message)


def _blocks(html: str, ours: list[str]) -> Iterator[tuple[str, str]]:
    """The HTML between the page's own blocks, found by their whole HTML (markers alone could be
    written by the page), and each block after it ("" after the last)."""
    start = 0
    for block in ours:
        if not block.startswith(BLOCK_START):
            continue  # an error box: nothing to set aside
        begin = html.find(block, start)
        if begin < 0:
            continue
        yield html[start:begin], block
        start = begin + len(block)
    yield html[start:], ""


def _put_back(html: str, nonce: str, aside: list[str]) -> str:
    """The blocks back between their markers, in a page that a plugin changed while they were aside."""
    pieces = []
    pos = 0
    for index, block in enumerate(aside):
        start = html.find(f"<!--{nonce}:{index}-->", pos)
        end_marker = f"<!--/{nonce}:{index}-->"
        end = html.find(end_marker, start) if start >= 0 else -1
        if end < 0:
            break
        pieces += [html[pos:start], block]
        pos = end + len(end_marker)
    return "".join(pieces) + html[pos:]


def _outside_math(html: str) -> Iterator[str]:
    """The pieces of a block's HTML outside its derivations' math."""
    start = 0
    while (begin := html.find(MATH_START, start)) >= 0 and (end := html.find(MATH_END, begin)) >= 0:
        yield html[start:begin]
        start = end + len(MATH_END)
    yield html[start:]

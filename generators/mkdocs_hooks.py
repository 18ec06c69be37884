"""Runs MkDocs hooks' `on_page_markdown` as a Python-Markdown extension: for Zensical.

Zensical reads mkdocs.yml but runs no MkDocs plugin and no hook (`hooks:` is ignored).
It does run Python-Markdown extensions, and tells them which page they convert through
its `rendering_context` preprocessor. This extension hands each page's Markdown to the
hooks named in its `hooks` option before anything else reads it, with the little of
MkDocs' `page` and `config` that a hook such as docs/_hooks/catalogue.py uses:
`page.file.src_uri`, `config["docs_dir"]` and `config["config_file_path"]`.

It is not part of the paramcalc package: zensical.yml lists it as `mkdocs_hooks`, so
this folder must be importable (`PYTHONPATH=generators zensical build -f zensical.yml`,
as .ci/generators does).
"""

from __future__ import annotations

import importlib.util
import os
from types import ModuleType
from typing import Any

from markdown import Extension, Markdown
from markdown.preprocessors import Preprocessor

_loaded: dict[str, ModuleType] = {}


def _load(path: str) -> ModuleType:
    """A hook file, imported once, as MkDocs imports it."""
    if path not in _loaded:
        name = "mkdocs_hooks_" + os.path.splitext(os.path.basename(path))[0]
        spec = importlib.util.spec_from_file_location(name, path)
        if spec is None or spec.loader is None:
            raise ImportError(f"cannot load the hook {path}")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        _loaded[path] = module
    return _loaded[path]


class _File:
    def __init__(self, src_uri: str) -> None:
        self.src_uri = src_uri


class _Page:
    def __init__(self, src_uri: str) -> None:
        self.file = _File(src_uri)


class _Hooks(Preprocessor):
    def __init__(self, md: Markdown, hooks: list[str]) -> None:
        super().__init__(md)
        self.hooks = hooks

    def run(self, lines: list[str]) -> list[str]:
        if "rendering_context" not in self.md.preprocessors:
            raise RuntimeError("mkdocs_hooks needs Zensical's rendering context: build with Zensical")
        host: Any = self.md.preprocessors["rendering_context"]
        root = str(host.config.get("root_dir") or ".")
        config = {
            "docs_dir": os.path.join(root, str(host.config.get("docs_dir") or "docs")),
            # A hook reads the site's folder from it; Zensical does not keep the file's name.
            "config_file_path": os.path.join(root, "zensical.yml"),
        }
        page = _Page(str(host.page.path).replace(os.sep, "/"))
        markdown = "\n".join(lines)
        for path in self.hooks:
            hook = getattr(_load(os.path.join(root, path)), "on_page_markdown", None)
            if hook is not None:
                markdown = hook(markdown, page=page, config=config, files=None)
        return markdown.split("\n")


class MkDocsHooksExtension(Extension):
    def __init__(self, **kwargs: Any) -> None:
        self.config = {"hooks": [[], "Hook files, relative to the project's root"]}
        super().__init__(**kwargs)

    def extendMarkdown(self, md: Markdown) -> None:  # noqa: N802 (Python-Markdown's name)
        # Before every other preprocessor (paramcalc's is at 1000): MkDocs runs hooks'
        # on_page_markdown before the page's Markdown is converted at all.
        md.preprocessors.register(_Hooks(md, list(self.getConfig("hooks"))), "mkdocs_hooks", 2000)


def makeExtension(**kwargs: Any) -> MkDocsHooksExtension:  # noqa: N802 (Python-Markdown's name)
    return MkDocsHooksExtension(**kwargs)

"""Other generators than MkDocs (docs/generators.md): plain Python-Markdown, Zensical, ProperDocs.

Most tests need none of them: the extension on its own, what it takes from Zensical's
rendering context (imitated here), the plugin taking over a listed extension, the demo's
zensical.yml. Those that build with ProperDocs or Zensical look for them in .venv-properdocs
and .venv-zensical (made by .ci/generators, which runs this file again) or on PATH, and are
skipped where they are not installed.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import re
import shutil
import subprocess
from pathlib import Path
from types import ModuleType
from typing import Any

import markdown
import pytest
import yaml
from markdown.preprocessors import Preprocessor

from mkdocs_paramcalc.frontends.markdown import ParamcalcExtension, stylesheet
from tests.helpers import ROOT, SEED, mkdocs_build, site

LESSON = '```cnn id="mnist" title="Our simple CNN" expect="1,199,882"\n' + SEED + "```\n"
ERROR = "```cnn\nInput(8)\nDense(0)\n```\n"


def total(html: str) -> str:
    m = re.search(r'<tr class="paramcalc-total">.*?<td class="paramcalc-num">([^<]*)</td>', html, re.S)
    assert m is not None, html
    return m.group(1)


# Plain Python-Markdown: no set-up but the extension's name.


@pytest.mark.parametrize("name", ["mkdocs_paramcalc", "paramcalc"])
def test_plain_markdown_renders_the_lesson(name: str) -> None:
    html = markdown.markdown("# Lesson\n\n" + LESSON, extensions=[name])
    assert total(html) == "1,199,882"
    assert '<div class="paramcalc" id="paramcalc-mnist">' in html
    assert html.count('class="paramcalc-derivation"') == 4  # the layers with parameters
    assert "<style" not in html  # the stylesheet is the site's business unless asked for


def test_plain_markdown_errors_are_logged_and_shown(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="mkdocs_paramcalc"):
        html = markdown.markdown("Intro\n\n" + ERROR + "\n`#!cnn nowhere.total`\n", extensions=["paramcalc"])
    assert "<markdown>:5:7: dense: `units` must be at least 1, got 0" in caplog.text
    assert "<markdown>:8:8: no block has the id 'nowhere'" in caplog.text
    assert 'class="admonition failure paramcalc-error"' in html
    assert 'class="paramcalc-ref-error"' in html


def test_plain_markdown_references_see_their_own_page() -> None:
    seen: list[str] = []
    here = ParamcalcExtension(reporter=seen.append)
    html = markdown.markdown(LESSON + "\nTotal: `#!cnn mnist.total`.\n", extensions=[here])
    assert '<span class="paramcalc-ref">1,199,882</span>' in html
    assert seen == []
    # Another conversion is another page: the lesson's block is not there.
    elsewhere = ParamcalcExtension(reporter=seen.append)
    markdown.markdown("Total: `#!cnn mnist.total`.\n", extensions=[elsewhere])
    assert len(seen) == 1
    assert "no block has the id 'mnist'" in seen[0]


def test_inline_css_puts_the_stylesheet_once_in_pages_that_need_it() -> None:
    configs = {"mkdocs_paramcalc": {"inline_css": True}}
    two = LESSON + "\n" + LESSON.replace("mnist", "again")
    html = markdown.markdown(two, extensions=["mkdocs_paramcalc"], extension_configs=configs)
    assert html.count("<style") == 1
    assert html.startswith('<style id="paramcalc-css">\n' + stylesheet() + "</style>\n")
    assert ".paramcalc table" in html
    quiet = ParamcalcExtension(inline_css=True, reporter=lambda message: None)
    for text in (ERROR, "`#!cnn nowhere.total`"):  # an error, a reference: styled too
        assert markdown.markdown(text, extensions=[quiet]).startswith('<style id="paramcalc-css">')
    plain = markdown.markdown("# No blocks\n\n`code` and ```text```\n", extensions=["mkdocs_paramcalc"],
                              extension_configs=configs)  # fmt: skip
    assert "<style" not in plain


def test_inline_css_is_read_as_a_boolean() -> None:
    for value in ("false", False):
        html = markdown.markdown(LESSON, extensions=[ParamcalcExtension(inline_css=value)])
        assert "<style" not in html
    assert "<style" in markdown.markdown(LESSON, extensions=[ParamcalcExtension(inline_css="true")])


# Zensical: what the extension takes from its rendering context, imitated.


class _ZensicalPage:
    def __init__(self, path: str) -> None:
        self.path = path


class _RenderingContext(Preprocessor):
    """As zensical.extensions.context registers it: the page (path under docs_dir) and the config."""

    def __init__(self, md: markdown.Markdown, path: str, config: dict[str, Any]) -> None:
        super().__init__(md)
        self.page = _ZensicalPage(path)
        self.config = config

    def run(self, lines: list[str]) -> list[str]:
        return lines


def zensical_render(text: str, path: str, root: Path, *extensions: Any) -> str:
    """Markdown as Zensical converts a page: front matter already taken off, context first."""
    md = markdown.Markdown(extensions=list(extensions))
    config = {"root_dir": str(root), "docs_dir": "docs"}
    md.preprocessors.register(_RenderingContext(md, path, config), "rendering_context", 0)
    return md.convert(text)


def test_under_zensical_errors_name_the_file_and_its_lines(tmp_path: Path) -> None:
    front, body = "---\ntitle: Guide\n---\n", "# Guide\n\n" + ERROR
    (tmp_path / "docs" / "guide").mkdir(parents=True)
    (tmp_path / "docs" / "guide" / "a.md").write_text(front + body)
    seen: list[str] = []
    html = zensical_render(body, "guide/a.md", tmp_path, ParamcalcExtension(reporter=seen.append))
    # Line 8 of the file: Zensical gives the page without its three lines of front matter.
    assert seen == ["docs/guide/a.md:8:7: dense: `units` must be at least 1, got 0"]
    assert "docs/guide/a.md:8:7" in html
    # A file that cannot be read: the lines given are counted.
    seen.clear()
    zensical_render(body, "gone.md", tmp_path, ParamcalcExtension(reporter=seen.append))
    assert seen[0].startswith("docs/gone.md:5:7: ")


def _adapter() -> ModuleType:
    spec = importlib.util.spec_from_file_location("mkdocs_hooks", ROOT / "generators" / "mkdocs_hooks.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_hook_runs_as_a_markdown_extension_under_zensical() -> None:
    hooks = _adapter().makeExtension(hooks=["docs/_hooks/catalogue.py"])
    page = "# Keras\n\n<!-- paramcalc:catalogue-overview keras -->\n\n<!-- paramcalc:catalogue keras -->\n"
    seen: list[str] = []
    html = zensical_render(page, "layers.md", ROOT, hooks, ParamcalcExtension(reporter=seen.append))
    assert "paramcalc:catalogue" not in html
    assert html.count('<div class="paramcalc"') >= 40  # an example block a layer, rendered
    assert '<a href="#conv2d"><code>Conv2D</code></a>' in html  # the overview
    assert seen == []
    with pytest.raises(RuntimeError, match="rendering context"):
        markdown.markdown(page, extensions=[hooks])


def test_the_demo_zensical_config_agrees_with_mkdocs_yml() -> None:
    def load(name: str) -> Any:
        return yaml.load((ROOT / name).read_text(), Loader=yaml.FullLoader)

    mkdocs_yml, zensical_yml = load("mkdocs.yml"), load("zensical.yml")
    assert zensical_yml["INHERIT"] == "mkdocs.yml"
    plugin = next(p["paramcalc"] for p in mkdocs_yml["plugins"] if isinstance(p, dict) and "paramcalc" in p)
    listed = dict(
        pair for e in zensical_yml["markdown_extensions"] if isinstance(e, dict) for pair in e.items()
    )
    assert listed["mkdocs_paramcalc"] == {**plugin, "inline_css": True}
    assert listed["mkdocs_hooks"]["hooks"] == mkdocs_yml["hooks"]
    assert {"Other generators": "generators.md"} in mkdocs_yml["nav"]


# MkDocs (and ProperDocs): a site that lists the extension too, for Zensical.


def test_the_plugin_takes_over_a_listed_extension(tmp_path: Path) -> None:
    pages = {"index.md": LESSON + "\n" + ERROR, "other.md": "# Other\n\nTotal: `#!cnn mnist.total`.\n"}
    listed = "  - mkdocs_paramcalc:\n      separator: ','\n      inline_css: true\n"
    root = site(tmp_path, pages, extensions=listed)
    result = mkdocs_build(root)
    assert result.returncode == 0, result.stderr
    assert result.stderr.count("must be at least 1") == 1  # rendered once, by the plugin
    other = (root / "site" / "other" / "index.html").read_text()
    assert '<span class="paramcalc-ref">1,199,882</span>' in other  # the site-wide registry
    index = (root / "site" / "index.html").read_text()
    assert "paramcalc-css" not in index
    assert "assets/paramcalc/paramcalc.css" in index
    assert mkdocs_build(root, "--strict").returncode == 1


def test_a_listed_extension_must_agree_with_the_plugin(tmp_path: Path) -> None:
    root = site(tmp_path, {"index.md": LESSON}, extensions="  - paramcalc:\n      math: arithmatex\n")
    result = mkdocs_build(root)
    assert result.returncode == 1
    assert "markdown_extensions gives paramcalc math='arithmatex', but the plugin has math='mathml'" in (
        result.stderr
    )


# The generators themselves, where installed.


def tool(name: str) -> str:
    for candidate in (ROOT / f".venv-{name}" / "bin" / name, shutil.which(name)):
        if candidate and os.access(candidate, os.X_OK):
            return str(candidate)
    pytest.skip(f"{name} is not installed (.ci/generators installs it in .venv-{name})")


def run(root: Path, *command: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "DISABLE_MKDOCS_2_WARNING": "true", "NO_COLOR": "1"}
    return subprocess.run(
        command, cwd=root, capture_output=True, text=True, env=env, timeout=120, check=False
    )


PAGES = {
    "index.md": "---\ntitle: Lesson\n---\n# Lesson\n\n" + LESSON + "\n" + ERROR,
    "other.md": "# Other\n\nTotal: `#!cnn mnist.total`.\n",
}
# One config for MkDocs, ProperDocs and Zensical: the plugin, and the extension listed for Zensical.
SHARED = """\
site_name: Test
theme:
  name: material
markdown_extensions:
  - mkdocs_paramcalc:
      inline_css: true
plugins:
  - paramcalc
"""


def shared_site(tmp_path: Path) -> Path:
    (tmp_path / "docs").mkdir()
    for name, text in PAGES.items():
        (tmp_path / "docs" / name).write_text(text)
    (tmp_path / "mkdocs.yml").write_text(SHARED)
    return tmp_path


def test_properdocs_runs_the_plugin(tmp_path: Path) -> None:
    properdocs = tool("properdocs")
    root = shared_site(tmp_path)
    strict = run(root, properdocs, "build", "--strict", "-f", "mkdocs.yml")
    assert strict.returncode == 1
    assert "paramcalc: docs/index.md:18:7: dense: `units` must be at least 1, got 0" in strict.stderr
    assert "1 error in strict mode" in strict.stderr
    plain = run(root, properdocs, "build", "-f", "mkdocs.yml")
    assert plain.returncode == 0, plain.stderr
    index = (root / "site" / "index.html").read_text()
    assert total(index) == "1,199,882"
    assert (root / "site" / "assets" / "paramcalc" / "paramcalc.css").is_file()
    assert "paramcalc-css" not in index  # the plugin took over the listed extension
    other = (root / "site" / "other" / "index.html").read_text()
    assert '<span class="paramcalc-ref">1,199,882</span>' in other


def test_zensical_runs_the_extension_only(tmp_path: Path) -> None:
    zensical = tool("zensical")
    root = shared_site(tmp_path)
    result = run(root, zensical, "build", "--clean", "--strict", "-f", "mkdocs.yml")
    # Zensical's strict mode counts its own issues, not the extension's messages.
    assert result.returncode == 0, result.stdout + result.stderr
    said = result.stdout + result.stderr
    assert "docs/index.md:18:7: dense: `units` must be at least 1, got 0" in said
    assert "docs/other.md:3:15: no block has the id 'mnist'" in said  # references see one page
    index = (root / "site" / "index.html").read_text()
    assert total(index) == "1,199,882"
    assert 'class="admonition failure paramcalc-error"' in index
    assert '<style id="paramcalc-css">' in index  # no plugin, so no stylesheet file
    assert not (root / "site" / "assets" / "paramcalc").exists()
    other = (root / "site" / "other" / "index.html").read_text()
    assert 'class="paramcalc-ref-error"' in other
    # A page that Zensical takes from its cache is not converted again, and says nothing.
    again = run(root, zensical, "build", "-f", "mkdocs.yml")
    assert again.returncode == 0
    assert "must be at least 1" not in again.stdout + again.stderr

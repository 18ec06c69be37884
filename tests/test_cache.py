"""`mkdocs serve` rebuilds: unchanged pages keep their blocks, and memory stays flat."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from mkdocs.commands.build import build
from mkdocs.config import load_config

from mkdocs_paramcalc.frontends import pages, plugin

BLOCK = '```cnn id="{id}"\nInput(28, 28, 1)\nConv2D({filters}, 3)\nFlatten()\nDense(10)\n```\n'


def test_a_rebuild_recomputes_only_the_edited_page(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_MKDOCS_2_WARNING", "1")
    docs = tmp_path / "docs"
    docs.mkdir()
    for i in range(5):
        (docs / f"p{i}.md").write_text(f"# Page {i}\n\n" + BLOCK.format(id=f"b{i}", filters=8 + i))
    (docs / "index.md").write_text("# Home\n\nTotal of b4: `#!cnn b4.total`.\n")
    (tmp_path / "mkdocs.yml").write_text("site_name: t\nplugins:\n  - paramcalc\n")

    built: list[str] = []
    real = pages.run_page

    def counting(path: str, text: str, settings: object) -> pages.PageRun:
        built.append(path)
        return real(path, text, settings)  # type: ignore[arg-type]

    monkeypatch.setattr(plugin, "run_page", counting)

    def rebuild() -> plugin.ParamcalcPlugin:
        config = load_config(str(tmp_path / "mkdocs.yml"), site_dir=str(tmp_path / "site"))
        build(config)
        instance = config.plugins["paramcalc"]
        assert isinstance(instance, plugin.ParamcalcPlugin)
        return instance

    first = rebuild()
    assert sorted(built) == ["docs/index.md", *(f"docs/p{i}.md" for i in range(5))]
    built.clear()
    (docs / "p4.md").write_text("# Page 4\n\n" + BLOCK.format(id="b4", filters=16))
    second = rebuild()
    assert second is first  # MkDocs keeps a plugin with on_startup for the whole serve session
    assert built == ["docs/p4.md"]
    html = (tmp_path / "site" / "index.html").read_text()
    assert '<span class="paramcalc-ref">' + f"{(9 + 1) * 16 + 26 * 26 * 16 * 10 + 10:,}" in html

    (docs / "p0.md").unlink()
    for _ in range(20):
        rebuild()
    assert len(plugin.PAGES) == 5  # only the pages of the last build are kept
    assert os.path.exists(tmp_path / "site" / "p4" / "index.html")

"""Rendered blocks against stored HTML; `pytest --update-golden` rewrites them after a deliberate change."""

from __future__ import annotations

from pathlib import Path

import markdown
import pytest

GOLDEN = Path(__file__).parent / "golden"
CONFIGS = {"arithmatex": {"math": "arithmatex", "separator": "\u202f"}}


@pytest.mark.parametrize("case", sorted(p.stem for p in GOLDEN.glob("*.md")))
def test_golden(case: str, update_golden: bool) -> None:
    text = (GOLDEN / f"{case}.md").read_text()
    html = markdown.markdown(
        text,
        extensions=["mkdocs_paramcalc"],
        extension_configs={"mkdocs_paramcalc": CONFIGS.get(case, {})},
    )
    expected = GOLDEN / f"{case}.html"
    if update_golden or not expected.exists():
        expected.write_text(html + "\n")
        pytest.skip(f"wrote {expected.name}")
    assert html + "\n" == expected.read_text(), f"{case}: run pytest --update-golden and review the diff"

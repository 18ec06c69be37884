"""paramcalc: parameter counts of neural networks, computed and checked in Markdown."""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"


def makeExtension(**kwargs: Any) -> Any:  # noqa: N802 (Python-Markdown's name)
    """`markdown.markdown(text, extensions=["mkdocs_paramcalc"])` loads the extension."""
    from mkdocs_paramcalc.frontends.markdown import ParamcalcExtension

    return ParamcalcExtension(**kwargs)

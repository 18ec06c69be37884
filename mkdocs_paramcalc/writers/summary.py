"""The formats that `paramcalc summary` prints a block in: one writer a format.

Text, Markdown and LaTeX each write the table of report/table.py; JSON writes the counts and the
layers. A new format is one writer module and one entry here.
"""

from __future__ import annotations

from collections.abc import Callable

from mkdocs_paramcalc.report.model import Report
from mkdocs_paramcalc.writers.json_report import as_json, dump_json
from mkdocs_paramcalc.writers.latex import latex
from mkdocs_paramcalc.writers.markdown_table import markdown
from mkdocs_paramcalc.writers.text import text

# Each table format's writer: a report and its heading to text.
TABLES: dict[str, Callable[[Report, str], str]] = {"text": text, "markdown": markdown, "latex": latex}
FORMATS = (*TABLES, "json")  # JSON gathers every block into one document: see json_report.py

__all__ = ["FORMATS", "TABLES", "as_json", "dump_json", "latex", "markdown", "text"]

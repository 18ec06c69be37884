"""Report → an SVG bar chart of where the parameters go (`show="shares"`): a bar a part, its count
and its share, drawn at build time without JavaScript; words take the text's colour and bars a
half-transparent fill, so that it reads on light and dark pages, on paper and on a phone."""

from __future__ import annotations

from collections.abc import Callable
from html import escape

from mkdocs_paramcalc.report.model import Report
from mkdocs_paramcalc.report.shares import percent, shares

WIDTH = 560  # user units: the chart scales down with its column
LABEL = 150  # the parts' names, left of the bars
BAR_HEIGHT, GAP, TOP = 18, 10, 8


def chart(report: Report, written: Callable[[int], str]) -> str:
    """The chart in a figure; `written` prints a count as the table does (its separator)."""
    parts = shares(report)
    span = WIDTH - LABEL - 120  # room for the count and share after the longest bar
    largest = max((share.fraction for share in parts), default=1.0) or 1.0
    rows = []
    for index, share in enumerate(parts):
        y = TOP + index * (BAR_HEIGHT + GAP)
        width = max(share.fraction / largest * span, 1.0)
        text_y = y + BAR_HEIGHT * 0.72
        words = f"{written(share.params)} · {percent(share.fraction)}"
        rows.append(
            f'<text x="{LABEL - 8}" y="{text_y:.1f}" text-anchor="end">{escape(share.part)}</text>'
            f'<rect class="paramcalc-shares-bar" x="{LABEL}" y="{y}" width="{width:.1f}" '
            f'height="{BAR_HEIGHT}"/>'
            f'<text x="{LABEL + width + 6:.1f}" y="{text_y:.1f}">{escape(words)}</text>'
        )
    height = TOP * 2 + len(parts) * (BAR_HEIGHT + GAP)
    title = f"Where the {written(int(report.total))} parameters go"
    described = "; ".join(f"{s.part}: {written(s.params)} ({percent(s.fraction)})" for s in parts)
    return (
        '<div class="paramcalc-shares">'
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {WIDTH} {height}" width="100%" '
        f'style="max-width:{WIDTH}px" fill="currentColor" font-size="12">'
        f"<title>{escape(title)}</title><desc>{escape(described)}</desc>{''.join(rows)}</svg>"
        f'<p class="paramcalc-shares-caption">{escape(title)}</p></div>'
    )

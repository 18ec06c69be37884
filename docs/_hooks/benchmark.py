"""MkDocs hook for the docs site: the Performance page's figures, from the benchmark's results.

The marker `<!-- paramcalc:benchmark benchmarks/results/FILE.json -->` becomes a table of the
run's medians and ratios and a bar chart of them (inline SVG in the page's text colour, so it
reads in both palettes), with the machine the run was made on. The page quotes no figure that
a results file does not hold.
"""

from __future__ import annotations

import json
import re
from html import escape
from pathlib import Path

MARKER = re.compile(r"<!-- paramcalc:benchmark (?P<path>\S+) -->")


def on_page_markdown(markdown: str, page, config, files) -> str:
    root = Path(config["config_file_path"]).parent
    return MARKER.sub(lambda m: render(json.loads((root / m.group("path")).read_text())), markdown)


def render(results: dict) -> str:
    machine = results["machine"]
    # Columns: pages, the two medians, the paired ratio with its range, CPU-time ratio, memory.
    rows = [
        "| Pages | Plain site | With paramcalc | Ratio (median of pairs) | Lowest – highest "
        "| CPU time ratio | Peak memory, plain / paramcalc |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for size in results["sizes"]:
        low, high = size["paired_ratio_min"], size["paired_ratio_max"]
        memory = f"{size['plain_peak_mib']:.0f} / {size['plugin_peak_mib']:.0f} MiB"
        rows.append(
            f"| {size['pages']:,} | {size['plain_median_s']:.2f} s | {size['plugin_median_s']:.2f} s "
            f"| **{size['paired_ratio']:.3f}×** | {low:.2f} – {high:.2f} "
            f"| {size['cpu_paired_ratio']:.3f}× | {memory} |"
        )
    date = machine["date"][:10]
    about = (
        f"Measured on {date}: {machine['nproc']} cores ({escape(machine['cpu'])}), Python "
        f"{machine['python']}, MkDocs {machine['mkdocs']}, mkdocs-material {machine['mkdocs-material']}; "
        f"commit {escape(machine['commit'])}; {results['sizes'][0]['runs']} runs of each build."
    )
    return "\n".join([*rows, "", about, "", _chart(results["sizes"]), ""])


def _chart(sizes: list[dict]) -> str:
    """Horizontal bars: each size's plain and paramcalc medians, on one scale of seconds."""
    longest = max(max(s["plain_median_s"], s["plugin_median_s"]) for s in sizes)
    left, width, bar, gap = 150, 420, 18, 14
    scale = width / longest
    parts = []
    y = 10
    for size in sizes:
        parts.append(f'<text x="0" y="{y + bar + 4}" class="label">{size["pages"]:,} pages</text>')
        for key, label, css in (
            ("plain_median_s", "plain", "plain"),
            ("plugin_median_s", "paramcalc", "plugin"),
        ):
            seconds = size[key]
            parts.append(
                f'<rect x="{left}" y="{y}" width="{seconds * scale:.1f}" height="{bar}" class="{css}"/>'
                f'<text x="{left + seconds * scale + 6:.1f}" y="{y + bar - 4}" class="value">'
                f"{label} {seconds:.2f} s</text>"
            )
            y += bar + 4
        y += gap
    height, full = y, left + width + 160
    title = "Build time of the benchmark site, plain and with paramcalc"
    desc = "; ".join(
        f"{s['pages']} pages: plain {s['plain_median_s']:.2f} s, "
        f"with paramcalc {s['plugin_median_s']:.2f} s, ratio {s['paired_ratio']:.2f}"
        for s in sizes
    )
    return (
        '<figure class="paramcalc-benchmark">'
        f'<svg role="img" aria-labelledby="bench-title bench-desc" viewBox="0 0 {full} {height}" '
        f'width="{full}" style="max-width:100%;height:auto" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="bench-title">{escape(title)}</title><desc id="bench-desc">{escape(desc)}</desc>'
        "<style>.label,.value{fill:currentColor;font:13px sans-serif}"
        ".plain{fill:currentColor;opacity:.35}.plugin{fill:var(--md-accent-fg-color,#526cfe)}</style>"
        f"{''.join(parts)}</svg>"
        "<figcaption>Median wall time of a build, fresh process each time.</figcaption></figure>"
    )

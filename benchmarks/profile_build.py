"""Where a build's time goes: the synthetic sites built in-process, with a stopwatch on each stage.

    python benchmarks/profile_build.py --pages 200
    python benchmarks/profile_build.py --pages 200 --cprofile /tmp/plugin.prof

The plain site and the site with the plugin are each built once in a fresh process, with timers
wrapped around the stages that the plugin adds to or makes dearer: reading the blocks (parse),
computing them (build), rendering them (render), the rest of the Markdown conversion, the search
plugin's indexing of each page, and the templates. Timers cost little (a few thousand calls), so
the figures are close to an ordinary build's; one build is one sample, so run it twice if the
machine is busy. `--cprofile` also writes a cProfile of the build with the plugin (which makes
that build about twice as slow) and prints paramcalc's own functions from it.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from generate import write_sites

# The builds' environment. Bytecode is cached, as on an author's machine, but in a folder of its
# own (PYTHONPYCACHEPREFIX) rather than next to the sources; the first builds fill it. Without
# this, an environment with PYTHONDONTWRITEBYTECODE set would compile paramcalc afresh in every
# build (about 0.1 s), but not MkDocs, whose bytecode was written when it was installed.
ENV = {
    **{k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"},
    "PYTHONPYCACHEPREFIX": os.path.join(tempfile.gettempdir(), "paramcalc-bench-pycache"),
    "NO_MKDOCS_2_WARNING": "1",
    "SOURCE_DATE_EPOCH": "1790000000",
}

# Stage, what it covers; in the order printed.
STAGES = {
    "import": "importing paramcalc (after MkDocs, Markdown and the theme)",
    "parse": "reading the blocks: ast and the whitelist (parse.py)",
    "build": "shapes, counts and formulas (model.py, the catalogue)",
    "blocks, other": "finding the fences, options, locating errors (pages.py)",
    "render": "the table and the derivations as HTML (render.py, formula.py)",
    "markdown": "converting the pages, paramcalc's fence and render included",
    "page events": "on_page_context: the search plugin's indexing, paramcalc's math set aside and back",
    "search": "the search plugin's indexing of the pages (part of page events)",
    "templates": "the theme's templates, pages and others (jinja2)",
    "write": "writing the HTML files",
    "pages": "each page's events, templates and writing (build.py's _build_page)",
    "gc": "Python's garbage collector, during the build (in all the stages above)",
    "total": "the whole build, from the config loaded to the last file written",
}


def child(site: Path, cprofile: Path | None) -> None:
    """Build one site in this process and print the stages' totals as JSON."""
    totals: dict[str, float] = defaultdict(float)
    calls: dict[str, int] = defaultdict(int)

    def timed(owner: Any, name: str, stage: str) -> None:
        original: Callable[..., Any] = getattr(owner, name)

        def wrapper(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                totals[stage] += time.perf_counter() - start
                calls[stage] += 1

        setattr(owner, name, wrapper)

    import jinja2
    import markdown.core
    import mkdocs.commands.build as mkdocs_build
    import mkdocs.plugins
    import pymdownx.superfences  # noqa: F401 (imported by both sites: not paramcalc's cost)
    from material.plugins.search.plugin import SearchIndex
    from mkdocs.config import load_config

    plugin = "paramcalc" in (site / "mkdocs.yml").read_text(encoding="utf-8")
    if plugin:
        start = time.perf_counter()
        import mkdocs_paramcalc.frontends.plugin  # noqa: F401
        from mkdocs_paramcalc.frontends import pages
        from mkdocs_paramcalc.writers import html as render

        totals["import"] = time.perf_counter() - start
        timed(pages, "read_block", "parse")
        timed(pages, "build", "build")
        timed(pages, "run_fence", "blocks")
        timed(render.HtmlRenderer, "report", "render")
    timed(markdown.core.Markdown, "convert", "markdown")
    timed(SearchIndex, "add_entry_from_context", "search")
    timed(mkdocs_build, "_build_page", "pages")
    timed(mkdocs.plugins.PluginCollection, "on_page_context", "page events")
    timed(jinja2.Template, "render", "templates")
    timed(mkdocs_build.utils, "write_file", "write")
    config = load_config(str(site / "mkdocs.yml"), site_dir=tempfile.mkdtemp(prefix="out-", dir=site.parent))
    collecting: list[float] = []

    def collector(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            collecting.append(time.perf_counter())
        elif collecting:
            totals["gc"] += time.perf_counter() - collecting.pop()
            calls["gc"] += 1

    gc.callbacks.append(collector)
    profiler = None
    if cprofile is not None:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    start = time.perf_counter()
    mkdocs_build.build(config)
    totals["total"] = time.perf_counter() - start
    if profiler is not None and cprofile is not None:
        profiler.disable()
        profiler.dump_stats(cprofile)
    if plugin:
        totals["blocks, other"] = totals.pop("blocks") - totals["parse"] - totals["build"]
    print(json.dumps({"totals": totals, "calls": calls, "sympy": "sympy" in sys.modules}))


def run_child(site: Path, cprofile: Path | None = None) -> dict[str, Any]:
    command = [sys.executable, __file__, "--child", str(site)]
    if cprofile is not None:
        command += ["--cprofile", str(cprofile)]
    result = subprocess.run(command, env=ENV, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"the build of {site} failed:\n{result.stderr}")
    data: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return data


def report(pages: int, plain: dict[str, Any], plugin: dict[str, Any]) -> str:
    lines = [f"{'stage':<14} {'plain ms':>9} {'plugin ms':>10} {'added ms':>9} {'a page':>7}  covers"]
    for stage, covers in STAGES.items():
        a = plain["totals"].get(stage, 0.0) * 1000
        b = plugin["totals"].get(stage, 0.0) * 1000
        lines.append(f"{stage:<14} {a:>9.0f} {b:>10.0f} {b - a:>9.0f} {(b - a) / pages:>7.2f}  {covers}")
    lines.append(f"sympy imported: plain {plain['sympy']}, plugin {plugin['sympy']}")
    return "\n".join(lines)


def paramcalc_functions(path: Path, limit: int = 25) -> None:
    import pstats

    stats = pstats.Stats(str(path))
    stats.sort_stats("cumulative").print_stats("mkdocs_paramcalc", limit)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=200)
    parser.add_argument("--cprofile", type=Path, help="also write a cProfile of the build with the plugin")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        child(args.child, args.cprofile)
        return
    with tempfile.TemporaryDirectory(prefix=f"paramcalc-profile-{args.pages}-") as scratch:
        sites = write_sites(Path(scratch), args.pages)
        run_child(sites["plain"]), run_child(sites["plugin"])  # warm the file cache and the bytecode
        plain, plugin = run_child(sites["plain"]), run_child(sites["plugin"])
        print(report(args.pages, plain, plugin))
        if args.cprofile is not None:
            run_child(sites["plugin"], args.cprofile)
            paramcalc_functions(args.cprofile)


if __name__ == "__main__":
    main()

"""Builds the synthetic sites with and without the plugin, alternating, and reports the ratio.

    python benchmarks/run.py --pages 200 1000 --runs 5

Each build is a fresh `python -m mkdocs build` process. Reported per size: the median wall time
of each variant, the median of the paired ratios (plugin ÷ plain, one pair a run), the peak
memory of a build, and whether a site with the plugin but no block imported sympy. Results go to
benchmarks/results/ as JSON, with the machine they ran on.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from generate import write

ENV = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "SOURCE_DATE_EPOCH": "1790000000"}


def build(site: Path) -> tuple[float, int]:
    """Wall time (s) and peak memory (MiB) of one build in a fresh process."""
    command = [sys.executable, "-m", "mkdocs", "build", "-q", "-d", tempfile.mkdtemp()]
    start = time.perf_counter()
    process = subprocess.Popen(
        command, cwd=site, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = status
    elapsed = time.perf_counter() - start
    if status != 0:
        raise SystemExit(f"build of {site} failed")
    return elapsed, usage.ru_maxrss // 1024


def imports_sympy(site: Path) -> bool:
    code = (
        "import sys, runpy; sys.argv = ['mkdocs', 'build', '-q', '-d', sys.argv[1]]\n"
        "try:\n    runpy.run_module('mkdocs', run_name='__main__')\nexcept SystemExit:\n    pass\n"
        "print('sympy' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, tempfile.mkdtemp()], cwd=site, env=ENV, capture_output=True, text=True
    )
    return result.stdout.strip().endswith("True")


def machine() -> dict[str, object]:
    cpu = ""
    with contextlib.suppress(OSError, StopIteration):
        cpu = next(
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        )
    from importlib.metadata import version

    return {
        "cpus": os.cpu_count(),
        "cpu": cpu,
        "python": platform.python_version(),
        "mkdocs": version("mkdocs"),
        "mkdocs-material": version("mkdocs-material"),
        "paramcalc": version("mkdocs-paramcalc"),
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }


def measure(pages: int, runs: int) -> dict[str, object]:
    root = Path(tempfile.mkdtemp(prefix=f"bench-{pages}-"))
    plugin = write(root / "plugin", pages, plugin=True)
    plain = write(root / "plain", pages, plugin=False)
    none = write(root / "no-blocks", pages, plugin=True, blocks=False)
    build(plain), build(plugin)  # warm the file cache
    times: dict[str, list[float]] = {"plain": [], "plugin": []}
    memory: dict[str, int] = {"plain": 0, "plugin": 0}
    for run in range(runs):
        order = (
            [("plain", plain), ("plugin", plugin)] if run % 2 == 0 else [("plugin", plugin), ("plain", plain)]
        )
        for name, site in order:
            elapsed, peak = build(site)
            times[name].append(elapsed)
            memory[name] = max(memory[name], peak)
    ratios = [a / b for a, b in zip(times["plugin"], times["plain"], strict=True)]
    return {
        "pages": pages,
        "runs": runs,
        "plain_median_s": round(statistics.median(times["plain"]), 3),
        "plugin_median_s": round(statistics.median(times["plugin"]), 3),
        "paired_ratio": round(statistics.median(ratios), 3),
        "plain_peak_mib": memory["plain"],
        "plugin_peak_mib": memory["plugin"],
        "sympy_imported_without_blocks": imports_sympy(none),
        "times": times,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, nargs="+", default=[200])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    results = {"machine": machine(), "sizes": [measure(n, args.runs) for n in args.pages]}
    print(
        f"{'pages':>6} {'plain s':>8} {'plugin s':>9} {'ratio':>6} {'plain MiB':>10} {'plugin MiB':>11} sympy"
    )
    for r in results["sizes"]:
        print(
            f"{r['pages']:>6} {r['plain_median_s']:>8} {r['plugin_median_s']:>9} {r['paired_ratio']:>6} "
            f"{r['plain_peak_mib']:>10} {r['plugin_peak_mib']:>11} {r['sympy_imported_without_blocks']}"
        )
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    stamp = results["machine"]["date"].replace(":", "")  # type: ignore[index]
    (out / f"{stamp}.json").write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()

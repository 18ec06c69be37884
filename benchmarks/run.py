"""Builds the synthetic sites with and without the plugin, alternating, and reports the ratio.

    python benchmarks/run.py --pages 200 1000 --runs 5

Each build is a fresh `python -m mkdocs build -q` process into a scratch folder. Reported per size:
the median wall time of each variant, the median of the paired ratios (plugin ÷ plain, one pair a
run, the order of the two alternating from run to run) with the lowest and highest, the same ratio
in CPU time (user + system, less disturbed by other work on the machine), the peak memory of a build
(the child's ru_maxrss), and whether the builds with the plugin imported sympy (they must not: the
blocks are numeric). Results go to benchmarks/results/ as JSON, with the machine they ran on.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from importlib.metadata import version
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from generate import write_sites

HERE = Path(__file__).parent
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


def build(site: Path) -> dict[str, float]:
    """Wall time (s), CPU time (s) and peak memory (MiB) of one build in a fresh process."""
    out = Path(tempfile.mkdtemp(prefix="out-", dir=site.parent))
    command = [sys.executable, "-m", "mkdocs", "build", "-q", "-d", str(out)]
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=site, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    assert process.stderr is not None
    errors = process.stderr.read().decode(errors="replace")
    process.stderr.close()
    process.returncode = os.waitstatus_to_exitcode(status)
    shutil.rmtree(out, ignore_errors=True)
    if process.returncode != 0:
        raise SystemExit(f"the build of {site} failed:\n{errors}")
    return {
        "wall_s": elapsed,
        "cpu_s": usage.ru_utime + usage.ru_stime,
        "peak_mib": usage.ru_maxrss / 1024,  # Linux gives KiB
    }


# Builds a site in-process and says whether sympy was imported (a fresh interpreter each time).
_SYMPY_PROBE = """
import sys
from mkdocs.commands.build import build
from mkdocs.config import load_config
build(load_config("mkdocs.yml", site_dir=sys.argv[1]))
print("sympy" in sys.modules)
"""


def imports_sympy(site: Path) -> bool:
    with tempfile.TemporaryDirectory(dir=site.parent) as out:
        result = subprocess.run(
            [sys.executable, "-c", _SYMPY_PROBE, out], cwd=site, env=ENV, capture_output=True, text=True
        )
    if result.returncode != 0:
        raise SystemExit(f"the build of {site} failed:\n{result.stderr}")
    return result.stdout.strip().splitlines()[-1] == "True"


def machine() -> dict[str, object]:
    cpu = ""
    memory = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory = line.split(":", 1)[1].strip()
                break
    commit = ""
    with contextlib.suppress(OSError, subprocess.CalledProcessError):
        git = ["git", "-C", str(HERE)]
        commit = subprocess.run([*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout
        dirty = subprocess.run(
            [*git, "status", "--porcelain", "--", "../mkdocs_paramcalc"], capture_output=True
        )
        commit = commit.strip() + (" (with uncommitted changes to the package)" if dirty.stdout else "")
    package = subprocess.run(
        [sys.executable, "-c", "import mkdocs_paramcalc; print(mkdocs_paramcalc.__path__[0])"],
        cwd=tempfile.gettempdir(),
        env=ENV,
        capture_output=True,
        text=True,
    ).stdout.strip()
    return {
        "nproc": os.cpu_count(),
        "cpus_usable": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "cpu": cpu,
        "memory": memory,
        "os": platform.platform(),
        "python": platform.python_version(),
        "mkdocs": version("mkdocs"),
        "mkdocs-material": version("mkdocs-material"),
        "markdown": version("markdown"),
        "pymdown-extensions": version("pymdown-extensions"),
        "paramcalc": version("mkdocs-paramcalc"),
        "commit": commit,
        "package": package,  # where the builds import paramcalc from (PYTHONPATH can point elsewhere)
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }


def measure(pages: int, runs: int) -> dict[str, object]:
    with tempfile.TemporaryDirectory(prefix=f"paramcalc-bench-{pages}-") as scratch:
        sites = write_sites(Path(scratch), pages)
        plain, plugin = sites["plain"], sites["plugin"]
        load_before = os.getloadavg()
        build(plain), build(plugin)  # warm the file cache and the bytecode
        builds: dict[str, list[dict[str, float]]] = {"plain": [], "plugin": []}
        for run in range(runs):
            order = [("plain", plain), ("plugin", plugin)]
            for name, site in order if run % 2 == 0 else reversed(order):
                builds[name].append(build(site))
                print(f"  {pages} pages, run {run + 1}/{runs}, {name}: {builds[name][-1]['wall_s']:.2f} s")
        load_after = os.getloadavg()
        sympy = {"plugin": imports_sympy(plugin), "no-blocks": imports_sympy(sites["no-blocks"])}

    def column(name: str, key: str) -> list[float]:
        return [b[key] for b in builds[name]]

    wall = [a / b for a, b in zip(column("plugin", "wall_s"), column("plain", "wall_s"), strict=True)]
    cpu = [a / b for a, b in zip(column("plugin", "cpu_s"), column("plain", "cpu_s"), strict=True)]
    return {
        "pages": pages,
        "runs": runs,
        "plain_median_s": round(statistics.median(column("plain", "wall_s")), 3),
        "plugin_median_s": round(statistics.median(column("plugin", "wall_s")), 3),
        "paired_ratio": round(statistics.median(wall), 3),
        "paired_ratio_min": round(min(wall), 3),
        "paired_ratio_max": round(max(wall), 3),
        "cpu_paired_ratio": round(statistics.median(cpu), 3),
        # Noise only ever adds time: on a shared machine the fastest builds are the steadier figure.
        "fastest_ratio": round(min(column("plugin", "wall_s")) / min(column("plain", "wall_s")), 3),
        "plain_peak_mib": round(max(column("plain", "peak_mib")), 1),
        "plugin_peak_mib": round(max(column("plugin", "peak_mib")), 1),
        "sympy_imported": sympy,
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in load_after],
        "builds": builds,
    }


def table(sizes: list[dict[str, object]]) -> str:
    head = (
        f"{'pages':>6} {'plain s':>8} {'plugin s':>9} {'ratio':>6} {'(min-max)':>13} {'cpu ratio':>9} "
        f"{'fastest':>7} {'plain MiB':>9} {'plugin MiB':>10}  sympy"
    )
    lines = [head]
    for r in sizes:
        spread = f"({r['paired_ratio_min']}-{r['paired_ratio_max']})"
        sympy = r["sympy_imported"]
        assert isinstance(sympy, dict)
        lines.append(
            f"{r['pages']:>6} {r['plain_median_s']:>8} {r['plugin_median_s']:>9} {r['paired_ratio']:>6} "
            f"{spread:>13} {r['cpu_paired_ratio']:>9} {r['fastest_ratio']:>7} {r['plain_peak_mib']:>9} "
            f"{r['plugin_peak_mib']:>10}  " + ("imported" if any(sympy.values()) else "never imported")
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, nargs="+", default=[200], help="site sizes (default 200)")
    parser.add_argument("--runs", type=int, default=5, help="builds of each site per size (default 5)")
    parser.add_argument("--out", type=Path, help="the JSON file (default benchmarks/results/DATE.json)")
    parser.add_argument("--note", default="", help="a remark stored with the results")
    args = parser.parse_args()
    results: dict[str, object] = {"machine": machine(), "note": args.note, "sizes": []}
    sizes = results["sizes"]
    assert isinstance(sizes, list)
    for pages in args.pages:
        sizes.append(measure(pages, args.runs))
    print(table(sizes))
    out = args.out
    if out is None:
        stamp = str(results["machine"]["date"]).replace(":", "")  # type: ignore[index]
        out = HERE / "results" / f"{stamp}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"written to {out}")


if __name__ == "__main__":
    main()

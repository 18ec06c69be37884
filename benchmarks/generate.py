"""Writes the benchmark's synthetic sites: N pages, each with prose, headings, an admonition and one
VGG16-size model, once as a `cnn` block (with the plugin) and once as a plain code fence (without).

    python benchmarks/generate.py --pages 200 --out /tmp/bench
"""

from __future__ import annotations

import argparse
from pathlib import Path

CONFIG = """site_name: Benchmark
theme:
  name: material
  font: false
markdown_extensions:
  - admonition
  - pymdownx.superfences
  - toc
plugins:
  - search
{plugin}"""

# VGG16's convolutional stages: (convolutions, filters).
STAGES = [(2, 64), (2, 128), (3, 256), (3, 512), (3, 512)]


def model(index: int) -> str:
    """VGG16 with numbers that vary by page, so no two blocks are the same."""
    size = 224 + 32 * (index % 4)
    lines = [f"Input({size}, {size}, 3)"]
    for stage, (count, filters) in enumerate(STAGES, 1):
        width = filters + 8 * (index % 5)
        for n in range(1, count + 1):
            lines.append(
                f'Conv2D({width}, 3, padding="same", activation="relu", name="block{stage}_conv{n}")'
            )
        lines.append(f'MaxPooling2D(2, name="block{stage}_pool")')
    lines += [
        "Flatten()",
        f'Dense({4096 - index % 7}, activation="relu", name="fc1")',
        'Dense(4096, activation="relu", name="fc2")',
        'Dense(1000, activation="softmax", name="predictions")',
    ]
    return "\n".join(lines)


def page(index: int, language: str) -> str:
    prose = (
        "A convolutional network learns its filters from data. Each layer below has its own count, "
        "and the table adds them up. The dense layers at the end hold most of the weights.\n"
    )
    return (
        f"# Model {index}\n\n{prose}\n## The network\n\n{prose}\n"
        f'!!! note "About this model"\n\n    Variant {index} of VGG16, for the benchmark.\n\n'
        f"```{language}\n{model(index)}\n```\n\n## Discussion\n\n{prose}\n{prose}"
    )


def write(out: Path, pages: int, *, plugin: bool, blocks: bool = True) -> Path:
    docs = out / "docs"
    docs.mkdir(parents=True, exist_ok=True)
    language = "cnn" if plugin and blocks else "text"
    for i in range(pages):
        (docs / f"model-{i:04}.md").write_text(page(i, language), encoding="utf-8")
    (docs / "index.md").write_text("# Benchmark\n\nSynthetic pages.\n", encoding="utf-8")
    (out / "mkdocs.yml").write_text(
        CONFIG.format(plugin="  - paramcalc\n" if plugin else ""), encoding="utf-8"
    )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=200)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    write(args.out / "plugin", args.pages, plugin=True)
    write(args.out / "plain", args.pages, plugin=False)
    write(args.out / "no-blocks", args.pages, plugin=True, blocks=False)
    print(f"wrote {args.pages} pages three times under {args.out}")


if __name__ == "__main__":
    main()

"""Writes the benchmark's synthetic mkdocs-material sites of N pages, each page with a title, prose,
headings, an admonition and one VGG16-size Keras model whose numbers vary by page:

* `plugin/`: the model as a `cnn` block, plugins `[search, paramcalc]`;
* `plain/`: the same pages with the model as a plain `text` fence, plugins `[search]`;
* `no-blocks/`: the plain pages, built with the plugin (which must then never import sympy).

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

# VGG16's convolutional blocks: (convolutions, filters).
STAGES = [(2, 64), (2, 128), (3, 256), (3, 512), (3, 512)]


def model(index: int) -> str:
    """VGG16 (13 convolutions, 5 poolings, 3 dense layers) with numbers that vary by page: the input
    size, the filters and the first dense layer cycle, and the number of classes is 1000 + index,
    so no two pages have the same block."""
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
        'Flatten(name="flatten")',
        f'Dense({4096 - index % 7}, activation="relu", name="fc1")',
        'Dense(4096, activation="relu", name="fc2")',
        f'Dense({1000 + index}, activation="softmax", name="predictions")',
    ]
    return "\n".join(lines)


PROSE = [
    "A convolutional network learns its filters from data. Each layer below has its own count of "
    "weights and biases, and the table adds them up; the dense layers at the end hold most of them.",
    "The convolutions keep the height and width of their input, since they pad it, and the pooling "
    "layers halve both. The number of filters doubles from one block to the next, up to 512.",
    "Counting by hand is where mistakes creep in: a kernel of 3 × 3 over 64 channels, with one bias "
    "a filter, is easy to get wrong by a factor. The build computes every number instead.",
]


def page(index: int, language: str) -> str:
    """One page of the site; `language` is the fence's: `cnn` or `text`."""
    return (
        f"# Model {index}\n\n{PROSE[0]}\n\n{PROSE[index % 3]}\n\n"
        f"## The network\n\n{PROSE[1]}\n\n"
        f'!!! note "About this model"\n\n    Variant {index} of VGG16, with {1000 + index} classes.\n\n'
        f"```{language}\n{model(index)}\n```\n\n"
        f"## Discussion\n\n{PROSE[2]}\n\n{PROSE[(index + 1) % 3]}\n\n"
        f"### Further reading\n\n{PROSE[1]}\n"
    )


def write(out: Path, pages: int, *, plugin: bool, blocks: bool = True) -> Path:
    """A site of `pages` pages in `out`: with the plugin or without, with blocks or plain fences."""
    docs = out / "docs"
    docs.mkdir(parents=True, exist_ok=True)
    language = "cnn" if blocks else "text"
    for i in range(pages):
        (docs / f"model-{i:04}.md").write_text(page(i, language), encoding="utf-8")
    (docs / "index.md").write_text("# Benchmark\n\nSynthetic pages.\n", encoding="utf-8")
    (out / "mkdocs.yml").write_text(
        CONFIG.format(plugin="  - paramcalc\n" if plugin else ""), encoding="utf-8"
    )
    return out


def write_sites(root: Path, pages: int) -> dict[str, Path]:
    """The three variants under `root`."""
    return {
        "plugin": write(root / "plugin", pages, plugin=True),
        "plain": write(root / "plain", pages, plugin=False, blocks=False),
        "no-blocks": write(root / "no-blocks", pages, plugin=True, blocks=False),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=200)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    write_sites(args.out, args.pages)
    print(f"wrote plugin/, plain/ and no-blocks/ ({args.pages} pages each) under {args.out}")


if __name__ == "__main__":
    main()

"""The diagram: a well-formed, accessible SVG whose shapes follow the layers' sizes, laid out without
overlaps in rows, escaped, and the same in every build."""

from __future__ import annotations

import itertools
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import markdown
import pytest

from mkdocs_paramcalc.errors import BlockError
from mkdocs_paramcalc.reading.options import Settings, parse_options
from mkdocs_paramcalc.report.model import Report
from mkdocs_paramcalc.writers.svg import MAX_WIDTH, diagram
from tests.helpers import SEED, compute

SVG = "{http://www.w3.org/2000/svg}"
NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


def report(text: str, **options: str) -> Report:
    return compute(text, parse_options(dict(options), Settings()))


def svg_of(text: str, **options: str) -> ET.Element:
    """The diagram's <svg>, parsed as XML: it must be well-formed."""
    html = diagram(report(text, **options), set(), "1,234")
    box = ET.fromstring(html)
    assert box.get("class") == "paramcalc-diagram"
    (svg,) = list(box)
    return svg


def nodes(svg: ET.Element) -> list[ET.Element]:
    """The layers' shapes: the groups that carry a tooltip."""
    return [g for g in svg.iter(f"{SVG}g") if g.find(f"{SVG}title") is not None]


def points(element: ET.Element) -> list[tuple[float, float]]:
    """Every corner of the shapes under `element`."""
    out = []
    for e in element.iter():
        if e.tag == f"{SVG}rect":
            x, y, w, h = (float(e.get(k, "")) for k in ("x", "y", "width", "height"))
            out += [(x, y), (x + w, y + h)]
        elif e.tag in (f"{SVG}polygon", f"{SVG}polyline"):
            values = [float(v) for v in NUMBER.findall(e.get("points", ""))]
            out += list(zip(values[::2], values[1::2], strict=True))
    return out


def bbox(element: ET.Element) -> tuple[float, float, float, float]:
    xs, ys = zip(*points(element), strict=True)
    return min(xs), min(ys), max(xs), max(ys)


def texts(svg: ET.Element, cls: str) -> list[str]:
    return [t.text or "" for t in svg.iter(f"{SVG}text") if t.get("class") == f"paramcalc-diagram-{cls}"]


VGG16 = (
    "Input(224, 224, 3)\n"
    + "".join(
        "".join(f'Conv2D({c}, 3, padding="same", name="block{b}_conv{i}")\n' for i in range(1, n + 1))
        + f'MaxPooling2D(2, name="block{b}_pool")\n'
        for b, (c, n) in enumerate([(64, 2), (128, 2), (256, 3), (512, 3), (512, 3)], 1)
    )
    + 'Flatten()\nDense(4096, name="fc1")\nDense(4096, name="fc2")\nDense(1000, name="predictions")'
)


def test_every_layer_is_a_shape_with_its_name_and_shape_joined_by_arrows() -> None:
    svg = svg_of(SEED, title="Our simple CNN")
    assert [g.get("class") for g in nodes(svg)] == [
        "paramcalc-diagram-" + f for f in ("input", "conv", "conv", "pool", "reshape", "dense", "dense")
    ]
    names = ["Input", "Conv_1 + ReLU", "Conv_2 + ReLU", "Max Pool", "flatten", "FC_1", "FC_2 (Output)"]
    assert texts(svg, "name") == names
    assert texts(svg, "shape") == ["28×28×1", "26×26×32", "24×24×64", "12×12×64", "9216", "128", "10"]
    assert len(list(svg.iter(f"{SVG}polyline"))) == len(names) - 1
    # Feature maps are cuboids (three faces), vectors bars.
    faces = [len(g.findall(f".//{SVG}rect")) + len(g.findall(f".//{SVG}polygon")) for g in nodes(svg)]
    assert faces == [3] * 7
    assert texts(svg, "legend") == ["input", "convolution", "pooling", "reshaping", "dense"]


def test_it_is_accessible_and_responsive() -> None:
    svg = svg_of(SEED, title="Our simple CNN", id="mnist")
    assert svg.get("role") == "img"
    title, desc = svg.find(f"{SVG}title"), svg.find(f"{SVG}desc")
    assert title is not None
    assert desc is not None
    assert svg.get("aria-labelledby") == title.get("id") == "paramcalc-diagram-mnist-title"
    assert svg.get("aria-describedby") == desc.get("id")
    assert title.text == "Diagram of Our simple CNN"
    assert desc.text is not None
    assert desc.text.startswith(
        "6 layers, left to right: input 28×28×1, then Conv_1 + ReLU (Conv2D) 26×26×32,"
    )
    assert desc.text.endswith("FC_2 (Output) (Dense) 10. Total: 1,234 parameters.")
    # Scales with its column up to its own size, and scrolls rather than shrink below 3/4 of it.
    assert svg.get("width") == "100%"
    width = float(svg.get("viewBox", "").split()[2])
    style = dict(part.split(":") for part in svg.get("style", "").split(";"))
    assert float(style["max-width"].removesuffix("px")) == width
    assert float(style["min-width"].removesuffix("px")) == pytest.approx(0.75 * width, abs=0.1)


def test_colours_come_from_the_text_colour_and_the_stylesheet() -> None:
    svg = svg_of(SEED)
    assert svg.get("stroke") == "currentColor"
    assert all(t.get("fill") == "currentColor" for t in svg.iter(f"{SVG}text"))
    css = (Path(__file__).parent.parent / "mkdocs_paramcalc/assets/paramcalc.css").read_text()
    for g in nodes(svg):
        family = g.get("class", "")
        assert f".paramcalc-diagram .{family} {{\n  fill: var(--{family});" in css
        assert 0 < float(g.get("fill-opacity", "")) < 1  # lets the page's background through


def test_sizes_follow_the_maps_on_a_log_scale_within_bounds() -> None:
    svg = svg_of("Input(224, 224, 3)\nConv2D(512, 3, strides=32)\nFlatten()\nDense(10)")
    _, small, flat, dense = (bbox(g) for g in nodes(svg))

    def front(g: ET.Element) -> tuple[float, float]:
        rect = g.find(f".//{SVG}rect")
        assert rect is not None
        return float(rect.get("width", "")), float(rect.get("height", ""))

    (thin, tall), (thick, short) = front(nodes(svg)[0]), front(nodes(svg)[1])
    assert tall > short > 40  # 224 is taller than 7, and 7 is still plainly visible
    assert thick > thin > 5  # 512 channels are thicker than 3
    assert tall < 130
    assert thick < 60
    assert flat[3] - flat[1] > dense[3] - dense[1]  # 25,088 values against 10
    assert small[2] - small[0] > 0


def test_symbolic_sizes_are_labelled_in_full_and_drawn_dashed_at_a_nominal_size() -> None:
    svg = svg_of('Input(H, W, 1)\nConv2D(32, 3)\nMaxPooling2D(2)\nFlatten(name="Flatten")\nDense(10)')
    shapes = texts(svg, "shape")
    # A sum in brackets; a shape too long for one line broken after a ×.
    assert shapes == [
        "H × W × 1",
        "(H − 2) × (W − 2) ×",
        "32",
        "⌊(H − 2)/2⌋ ×",
        "⌊(W − 2)/2⌋ × 32",
        "32·⌊(H − 2)/2⌋·⌊(W − 2)/2⌋",
        "10",
    ]
    dashed = [g.get("stroke-dasharray") is not None for g in nodes(svg)]
    assert dashed == [True, True, True, True, False]
    assert "dashed: size not to scale" in texts(svg, "legend")
    # A symbolic height is drawn as one of 32.
    fixed = svg_of("Input(32, 32, 1)\nConv2D(32, 3)")
    (x0, y0, x1, y1), (u0, v0, u1, v1) = bbox(nodes(svg)[0]), bbox(nodes(fixed)[0])
    assert (x1 - x0, y1 - y0) == pytest.approx((u1 - u0, v1 - v0), abs=0.15)


def test_pytorch_maps_are_channels_first() -> None:
    keras = svg_of("Input(32, 32, 3)\nConv2D(6, 5)")
    torch = svg_of("Input(3, 32, 32)\nnn.Conv2d(3, 6, 5)\nnn.ReLU()")
    sizes = [[(x1 - x0, y1 - y0) for x0, y0, x1, y1 in map(bbox, nodes(svg))] for svg in (keras, torch)]
    assert sizes[0] == sizes[1][:2]
    assert texts(torch, "shape") == ["3×32×32", "6×28×28", "6×28×28"]
    assert nodes(torch)[2].get("class") == "paramcalc-diagram-keep"


def test_names_and_titles_are_escaped() -> None:
    name = "<img src=x onerror=alert(1)>&\"'"
    html = diagram(report(f"Input(8)\nDense(3, name={name!r})", title="<script>x</script>"), set())
    assert "<script" not in html
    assert "<img" not in html
    svg = ET.fromstring(html)[0]
    assert texts(svg, "name")[1] == name[:21] + "…"  # cut short on the figure
    tooltip = nodes(svg)[1].find(f"{SVG}title")
    assert tooltip is not None
    assert tooltip.text == f"{name} (Dense): 3"  # whole in the tooltip
    title = svg.find(f"{SVG}title")
    assert title is not None
    assert title.text == "Diagram of <script>x</script>"


def test_a_wide_network_wraps_into_rows_without_overlaps() -> None:
    svg = svg_of(VGG16)
    drawn = nodes(svg)
    assert len(drawn) == 23
    boxes = [bbox(g) for g in drawn]
    width = float(svg.get("viewBox", "").split()[2])
    assert width <= MAX_WIDTH
    assert len({round(b[3]) for b in boxes}) >= 3  # several rows
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1], (a, b)
    # Neighbouring names in a row lie apart by more than half of each (bold 12.5-unit type: ~0.6 em a letter).
    rows: dict[str, list[tuple[float, str]]] = {}
    for t in svg.iter(f"{SVG}text"):
        if t.get("class") == "paramcalc-diagram-name":
            rows.setdefault(t.get("y", ""), []).append((float(t.get("x", "")), t.text or ""))
    assert len(rows) >= 3
    for row in rows.values():
        for (x0, a), (x1, b) in itertools.pairwise(row):
            assert x1 - x0 > 0.6 * 12.5 * (len(a) + len(b)) / 2, (a, b)


def test_a_hundred_layers_stay_within_bounds() -> None:
    body = "Input(64, 64, 3)\n" + "".join(f'Conv2D(8, 3, padding="same", name="c{i}")\n' for i in range(100))
    html = diagram(report(body), set())
    svg = ET.fromstring(html)[0]
    _, _, width, height = (float(v) for v in svg.get("viewBox", "").split())
    assert width <= MAX_WIDTH
    assert height < 101 * 45  # rows of several layers, not a column of them
    assert len(html) < 101 * 1500
    x0, y0, x1, y1 = bbox(svg)
    assert x0 >= 0
    assert y0 >= 0
    assert x1 <= width
    assert y1 <= height
    for t in svg.iter(f"{SVG}text"):
        assert 0 <= float(t.get("x", "")) <= width
        assert 0 <= float(t.get("y", "")) <= height


def test_the_same_block_gives_the_same_bytes_in_any_process() -> None:
    script = (
        "from mkdocs_paramcalc.writers.svg import diagram\n"
        "from tests.helpers import compute\n"
        "import sys\n"
        "sys.stdout.write(diagram(compute(sys.stdin.read()), set(), '1'))\n"
    )
    block = 'Input(H, 28, 3)\nConv2D(N_f, 3, name="é <x>")\nMaxPooling2D(2)\nFlatten()\nDense(10)'
    root = Path(__file__).parent.parent
    runs = {
        subprocess.run(
            [sys.executable, "-c", script],
            input=block,
            capture_output=True,
            text=True,
            check=True,
            cwd=root,
            env={**os.environ, "PYTHONHASHSEED": seed},
        ).stdout
        for seed in ("1", "2", "3")
    }
    assert len(runs) == 1
    assert runs == {diagram(compute(block), set(), "1")}


def test_ids_are_unique_on_a_page() -> None:
    block = '```cnn show="diagram"\nInput(28, 28, 1)\nConv2D(8, 3)\n```\n'
    named = '```cnn id="net" show="table diagram"\nInput(28, 28, 1)\nConv2D(8, 3)\n```\n'
    html = markdown.markdown("\n".join([block, block, named]), extensions=["mkdocs_paramcalc"])
    ids = re.findall(r' id="([^"]+)"', html)
    assert len(ids) == len(set(ids))
    assert len(re.findall(r"<svg ", html)) == 3
    assert "paramcalc-diagram-net-title" in ids
    # The same page converted again gets the same ids.
    again = markdown.markdown("\n".join([block, block, named]), extensions=["mkdocs_paramcalc"])
    assert again == html


def test_show_diagram_places_the_figure_after_the_table() -> None:
    html = markdown.markdown(
        '```cnn show="table diagram derivations"\n' + SEED + "```\n", extensions=["mkdocs_paramcalc"]
    )
    assert html.index("<table") < html.index("<svg") < html.index("paramcalc-derivations")
    only = markdown.markdown('```cnn show="diagram"\n' + SEED + "```\n", extensions=["mkdocs_paramcalc"])
    assert "<svg" in only
    assert "<table" not in only


def test_an_unknown_part_still_names_the_diagram() -> None:
    with pytest.raises(BlockError, match='did you mean "diagram"'):
        parse_options({"show": "diagramm"}, Settings())


def test_the_legend_explains_the_merge_nodes_drawn() -> None:
    legend = "paramcalc-diagram-legend"
    residual = (
        "Input(16, 16, 8)\nRepeat(2, Residual(Conv2D(8, 3, padding='same'), ReLU()))\n"  # nested in Repeat
        "Branches([Conv2D(4, 1)], [Conv2D(4, 3, padding='same')], merge='concat')\n"
    )
    for body, wanted in [
        (SEED, []),
        ("Input(8, 8, 3)\nResidual(Conv2D(3, 1))", ["paths added"]),
        ("Input(8, 8, 3)\nBranches([Conv2D(4, 1)], [Conv2D(4, 1)])", ["paths joined on the channel axis"]),
        (residual, ["paths added", "paths joined on the channel axis"]),
    ]:
        svg = svg_of(body)
        words = texts(svg, "legend")
        assert [w for w in words if w.startswith("paths")] == wanted
        # Each entry's mark is the node it explains: a circled plus, a pill that says concat.
        marks = [e for e in svg.iter(f"{SVG}text") if e.get("class") != legend and e.text == "concat"]
        assert len(marks) == 2 * ("paths joined on the channel axis" in wanted)
        circles = len(list(svg.iter(f"{SVG}circle")))
        assert circles == 2 * ("paths added" in wanted)  # the Repeat's alike copies are drawn once
        # The legend stays inside the figure, after the layers' names and shapes.
        _, _, width, height = (float(v) for v in svg.get("viewBox", "").split())
        x0, y0, x1, y1 = bbox(svg)
        assert (x0, y0) >= (0, 0)
        assert (x1, y1) <= (width, height)
        entries = [t for t in svg.iter(f"{SVG}text") if t.get("class") == legend]
        assert all(float(t.get("x", "")) + 0.52 * 11.5 * len(t.text or "") <= width for t in entries)

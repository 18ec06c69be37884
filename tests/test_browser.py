"""The demo site in a real browser: headless Chromium, driven by Selenium, with no network.

The site is built once (`mkdocs build --strict`) and served from 127.0.0.1. The lesson page is looked at
in both palettes, at desktop and phone width, in print, and with JavaScript off. Browser tests carry the
`browser` marker and are skipped when Chromium or its driver is missing (Debian: `apt-get install chromium
chromium-driver`; `.ci/run` does it; CHROMIUM and CHROMEDRIVER name other paths). Selenium is given both
paths, so it never downloads anything. `PARAMCALC_UPDATE_SCREENSHOTS=1 pytest tests/test_browser.py`
refreshes the README's screenshots.
"""

from __future__ import annotations

import base64
import functools
import json
import os
import re
import struct
import threading
from collections.abc import Callable, Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from bs4 import BeautifulSoup

from tests.helpers import ROOT, SEED, mkdocs_build

WIDTHS = {"desktop": 1280, "phone": 375}
PRINT_WIDTH = 718  # an A4 page at 96 dpi, less Chromium's default margins
SCHEMES = ("default", "slate")  # mkdocs-material's light and dark palettes, as mkdocs.yml lists them
Lesson = Callable[[str, str], dict[str, Any]]  # (palette, width) → what the probe measured
RAW_LATEX = ("\\times", "\\text{", "\\left", "\\right", "\\frac", "\\lfloor", "{,}")

# Every `.paramcalc` block of the page that is laid out (a block in an unselected tab is not), measured.
PROBE = r"""
const visible = (e) => e.getClientRects().length > 0 && getComputedStyle(e).visibility === "visible";
const box = (e) => {
  const r = e.getBoundingClientRect(), f = frame(e).getBoundingClientRect();
  return {width: r.width, height: r.height, left: f.left, right: f.right, scrolled: frame(e) !== e};
};
const name = (e) => {
  const block = e.closest(".paramcalc");
  return `${block && block.id || "block"} ${e.tagName.toLowerCase()}.${e.getAttribute("class")} "${
    (e.textContent || "").trim().slice(0, 40)}"`;
};
const scrolls = (e) => ["auto", "scroll"].includes(getComputedStyle(e).overflowX)
  && !getComputedStyle(e).display.includes("table");  // overflow does not apply to a table's box
// What has to fit the viewport: the element, or the outermost box of its block that scrolls it sideways.
const frame = (e) => {
  let outer = e;
  for (let a = e; a; a = a.parentElement) {
    if (scrolls(a)) outer = a;
    if (a.classList.contains("paramcalc")) break;
  }
  return outer;
};
const parse = (c) => {  // rgb(…), rgba(…), or color(srgb …) as a color-mix() computes
  const m = c.match(/^(rgba?\(|color\(srgb )([^)]*)\)$/);
  if (!m) return null;
  const p = m[2].split(/[\s,/]+/).filter(Boolean).map(Number);
  const scale = m[1] === "color(srgb " ? 255 : 1;
  return [p[0] * scale, p[1] * scale, p[2] * scale, p.length > 3 ? p[3] : 1];
};
const over = (top, bottom) => [0, 1, 2].map((i) => top[3] * top[i] + (1 - top[3]) * bottom[i]).concat([1]);
const luminance = (c) => {
  const [r, g, b] = c.slice(0, 3).map((v) => { v /= 255;
    return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
};
const background = (e) => {
  const layers = [];
  for (let a = e; a; a = a.parentElement) {
    const c = parse(getComputedStyle(a).backgroundColor);
    if (c === null) return null;
    if (c[3] > 0) layers.push(c);
    if (c[3] === 1) break;
  }
  return layers.reverse().reduce((below, c) => over(c, below), [255, 255, 255, 1]);
};
const opacity = (e) => e ? Number(getComputedStyle(e).opacity) * opacity(e.parentElement) : 1;
const contrast = (e) => {
  const bg = background(e), fg = parse(getComputedStyle(e).color);
  if (bg === null || fg === null) return {what: name(e), ratio: 0, color: getComputedStyle(e).color};
  fg[3] *= opacity(e);
  const [a, b] = [luminance(over(fg, bg)), luminance(bg)];
  return {what: name(e), ratio: (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05),
    color: getComputedStyle(e).color, background: `rgb(${bg.slice(0, 3).map(Math.round)})`};
};

const blocks = [...document.querySelectorAll(".paramcalc")].filter(visible);
const inside = (selector) => blocks.flatMap((b) => [...b.querySelectorAll(selector)]).filter(visible);
const root = document.documentElement;
const texts = inside("caption, th, td, .paramcalc-kind, .paramcalc-layer strong, .paramcalc-note, "
  + ".paramcalc-free, math, mi, mn, mo, mtext, .paramcalc-diagram text")
  .filter((e) => (e.textContent || "").trim() !== "");
return {
  viewport: root.clientWidth,
  page_width: root.scrollWidth,
  scheme: document.body.getAttribute("data-md-color-scheme"),
  body_background: background(document.body),
  blocks: blocks.map((b) => b.id),
  tables: inside("table").map((t) => ({what: name(t), ...box(t), scroll_width: t.scrollWidth,
    client_width: t.clientWidth, scrolls: scrolls(t), rows: t.rows.length,
    caption: t.caption ? t.caption.textContent.trim() : "",
    unscoped: t.querySelectorAll("th:not([scope])").length})),
  cards: inside(".paramcalc-derivation").map((c) => ({what: name(c), ...box(c)})),
  overflowing: inside(".paramcalc-derivations, .paramcalc-derivations *, table, th, td, .paramcalc-free, "
    + ".paramcalc-diagram")
    .filter((e) => !e.closest("math") && getComputedStyle(e).display !== "inline")
    .filter((e) => e.scrollWidth > e.clientWidth + 1)
    .map((e) => ({what: name(e), scrolls: scrolls(e), scroll_width: e.scrollWidth,
      client_width: e.clientWidth})),
  math: inside("math").map((m) => ({what: name(m), ...box(m), display: getComputedStyle(m).display})),
  // Each diagram: its box, and the height on screen of its smallest text.
  diagrams: inside(".paramcalc-diagram svg").map((s) => ({what: name(s), ...box(s),
    role: s.getAttribute("role"), natural: s.viewBox.baseVal.width,
    title: s.querySelector("title").textContent, texts: s.querySelectorAll("text").length,
    smallest_text: Math.min(...[...s.querySelectorAll("text")].map((t) => t.getBoundingClientRect().height)),
  })),
  annotations: [...document.querySelectorAll(".paramcalc annotation")].filter(visible).map(name),
  text: document.body.innerText,
  contrast: texts.map(contrast),
  resources: performance.getEntriesByType("resource").map((r) => r.name).concat([location.href]),
};
"""


# The site and its server -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo site, built strictly once for the module."""
    out = tmp_path_factory.mktemp("site")
    result = mkdocs_build(ROOT, "--strict", "--quiet", "--site-dir", str(out))
    assert result.returncode == 0, result.stderr
    return out


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass  # no line on stderr for every file the browser loads


@pytest.fixture(scope="module")
def server(demo_site: Path) -> Iterator[str]:
    """The site's address on 127.0.0.1, at a port the system picks."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(demo_site)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


# The browser ------------------------------------------------------------------------------------------


def requested(driver: Any) -> list[str]:
    """Every URL the browser asked for since the last call, failed requests included."""
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


def view(
    driver: Any,
    url: str,
    *,
    width: int,
    scheme: str = "default",
    media: str = "",
    javascript: bool = True,
    height: int = 900,
    scale: float = 1,
) -> dict[str, Any]:
    """Loads `url` as a reader would see it and measures its blocks; `scheme` is the palette."""
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": scale, "mobile": width < 600},
    )
    driver.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": not javascript})
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": media})
    driver.get(url)
    if javascript:
        # The palette as mkdocs-material keeps the reader's choice: `__palette` in localStorage, read back
        # by the page's own script when it loads.
        driver.execute_script(
            """const inputs = [...document.querySelectorAll("input[data-md-color-scheme]")];
            const index = inputs.findIndex((i) => i.dataset.mdColorScheme === arguments[0]);
            const d = inputs[index].dataset;
            __md_set("__palette", {index, color: {media: d.mdColorMedia, scheme: d.mdColorScheme,
              primary: d.mdColorPrimary, accent: d.mdColorAccent}});""",
            scheme,
        )
        driver.refresh()
    result: dict[str, Any] = driver.execute_script(PROBE)
    result["requested"] = requested(driver)
    return result


@pytest.fixture(scope="module")
def lesson(browser: Any, server: str) -> Lesson:
    """The lesson page's measurements, one view per (palette, width), each loaded once."""
    cache: dict[tuple[str, str], dict[str, Any]] = {}

    def get(scheme: str, width: str) -> dict[str, Any]:
        if (scheme, width) not in cache:
            cache[scheme, width] = view(browser, server, width=WIDTHS[width], scheme=scheme)
        return cache[scheme, width]

    return get


# Checks shared by every view ---------------------------------------------------------------------------


def fits(page: dict[str, Any]) -> None:
    """Nothing makes the page scroll sideways; what is wider than its box scrolls inside it."""
    assert page["page_width"] <= page["viewport"], "the page scrolls sideways"
    for item in page["tables"] + page["cards"] + page["math"] + page["diagrams"]:
        assert item["left"] >= 0, item
        assert item["right"] <= page["viewport"] + 0.5, item
    for item in page["overflowing"]:
        assert item["scrolls"], f"cut off, and cannot be scrolled: {item}"


def shown(page: dict[str, Any], *, tables: int) -> None:
    """The lesson's blocks are laid out, with their tables, and every formula has a size."""
    assert "paramcalc-mnist" in page["blocks"]
    assert len(page["tables"]) == tables, page["tables"]
    for table in page["tables"]:
        assert table["width"] > 0, table
        assert table["height"] > 0, table
        assert table["rows"] >= 3, table
        assert table["caption"], f"a table without a caption: {table}"
        assert table["unscoped"] == 0, f"a header cell without scope: {table}"
    assert len(page["cards"]) >= 4 + 1  # the seed network's four, and the dense layer's
    assert len(page["math"]) >= 2 * len(page["cards"])
    for math in page["math"]:
        assert math["width"] > 0, math
        assert math["height"] > 0, math
        assert "math" in math["display"], f"not laid out as MathML: {math}"
    assert page["annotations"] == [], "the LaTeX annotations are shown"
    raw = [latex for latex in RAW_LATEX if latex in page["text"]]
    assert raw == [], f"raw LaTeX in the page's text: {raw}"


def local(page: dict[str, Any]) -> None:
    urls = set(page["requested"]) | set(page["resources"])
    assert urls, "no requests logged"
    outside = sorted(u for u in urls if not u.startswith(("http://127.0.0.1:", "data:", "blob:")))
    assert outside == [], f"requests leaving 127.0.0.1: {outside}"


# The tests ---------------------------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("scheme", SCHEMES)
def test_lesson_blocks_are_laid_out_and_fit(lesson: Lesson, scheme: str, width: str) -> None:
    page = lesson(scheme, width)
    assert page["scheme"] == scheme, "the palette was not applied"
    dark = sum(page["body_background"][:3]) / 3 < 100
    assert dark == (scheme == "slate"), page["body_background"]
    assert WIDTHS[width] - 20 <= page["viewport"] <= WIDTHS[width]
    # Six blocks: one tab of three is open, so four tables are laid out, one of them symbolic.
    shown(page, tables=4)
    fits(page)


@pytest.mark.browser
@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("scheme", SCHEMES)
def test_lesson_text_contrast(lesson: Lesson, scheme: str, width: str) -> None:
    page = lesson(scheme, width)
    assert len(page["contrast"]) > 100
    poor = [c for c in page["contrast"] if c["ratio"] < 4.5]
    assert poor == [], f"below WCAG AA (4.5:1) in the {scheme} palette: {poor}"


@pytest.mark.browser
@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("scheme", SCHEMES)
def test_lesson_fetches_nothing_from_outside(lesson: Lesson, scheme: str, width: str) -> None:
    local(lesson(scheme, width))


@pytest.mark.browser
@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("scheme", SCHEMES)
def test_lesson_diagram_is_drawn_and_readable(lesson: Lesson, scheme: str, width: str) -> None:
    """The lesson's figure is laid out, its words are as large on a phone as on a desktop (it scrolls
    instead of shrinking), and they are among the texts whose contrast is checked in both palettes."""
    page = lesson(scheme, width)
    (figure,) = page["diagrams"]
    assert figure["role"] == "img"
    assert figure["title"] == "Diagram of Our simple CNN"
    assert figure["width"] > 300
    assert figure["height"] > 100
    assert figure["texts"] >= 2 * 7  # a name and a shape for the input and each layer
    assert figure["smallest_text"] >= 10, figure
    scrolling = [o for o in page["overflowing"] if "paramcalc-diagram" in o["what"]]
    if width == "phone":  # shrunk to 3/4 of its size at most, then scrolled in its own box
        assert [o["scrolls"] for o in scrolling] == [True]
        assert figure["width"] == pytest.approx(0.75 * figure["natural"], abs=1)
    else:  # at full size
        assert scrolling == []
        assert figure["width"] == pytest.approx(figure["natural"], abs=1)
    drawn = [c for c in page["contrast"] if "paramcalc-diagram" in c["what"]]
    assert len(drawn) == figure["texts"]
    assert min(c["ratio"] for c in drawn) >= 4.5, drawn


@pytest.mark.browser
def test_print_shows_every_block_uncut(browser: Any, server: str) -> None:
    page = view(browser, server, width=PRINT_WIDTH, media="print")
    # In print every tab is shown, so all six tables are there.
    shown(page, tables=6)
    fits(page)
    assert page["overflowing"] == [], "a formula or a table would be cut off on paper"


@pytest.mark.browser
def test_without_javascript(browser: Any, server: str) -> None:
    for width in WIDTHS.values():
        page = view(browser, server, width=width, javascript=False)
        assert browser.execute_script("return typeof __md_get") == "undefined"
        shown(page, tables=4)
        fits(page)
        local(page)
    # The tabs are CSS: choosing another shows its block.
    browser.find_element("css selector", ".tabbed-labels label:nth-child(3)").click()
    caption = browser.find_element("css selector", ".tabbed-block:nth-child(3) .paramcalc caption")
    assert caption.is_displayed()
    assert caption.text == "The same filters on a colour image: three channels deep"


SCREENSHOTS = ROOT / "docs/assets/screenshots"
# The README's pictures: name, palette, width, height and pixel ratio of the window.
SHOTS = [
    ("lesson-light", "default", 1280, 860, 1),
    ("lesson-dark", "slate", 1280, 860, 1),
    ("lesson-phone", "default", 375, 812, 2),
]


@pytest.mark.browser
def test_screenshots(browser: Any, server: str, tmp_path: Path) -> None:
    """The README's screenshots of the lesson's network, taken each run; stored in docs/assets/screenshots
    when PARAMCALC_UPDATE_SCREENSHOTS=1 (they depend on the machine's fonts: look at them before committing).
    """
    update = os.environ.get("PARAMCALC_UPDATE_SCREENSHOTS") == "1"
    for name, scheme, width, height, scale in SHOTS:
        view(browser, server, width=width, height=height, scale=scale, scheme=scheme)
        # The window scrolled to the lesson's network, with the sentence that introduces it.
        browser.execute_script(
            """const block = document.getElementById("paramcalc-mnist");
            window.scrollTo(0, block.previousElementSibling.getBoundingClientRect().top + scrollY - 64);"""
        )
        # The header swaps the site's name for the page's title as it scrolls: a transition to wait for.
        browser.execute_async_script(
            """const done = arguments[arguments.length - 1];
            const settled = () => Promise.all(document.getAnimations().map((a) => a.finished));
            setTimeout(() => requestAnimationFrame(() => settled().then(() => done())), 100);"""
        )
        shot = browser.execute_cdp_cmd("Page.captureScreenshot", {"format": "png"})["data"]
        png = base64.b64decode(shot)
        assert png.startswith(b"\x89PNG")
        size = struct.unpack(">II", png[16:24])
        assert size == (width * scale, height * scale)
        (tmp_path / f"{name}.png").write_bytes(png)
        if update:
            (SCREENSHOTS / f"{name}.png").write_bytes(png)


# Without a browser -------------------------------------------------------------------------------------


def test_search_index_holds_the_counts(demo_site: Path) -> None:
    index = json.loads((demo_site / "search/search_index.json").read_text())
    lesson = " ".join(doc["text"] for doc in index["docs"] if doc["location"].split("#")[0] == "")
    for number in ("1,199,882", "18,496", "1,179,776"):
        assert number in lesson


ARITHMATEX_SITE = """\
site_name: Arithmatex
theme: mkdocs
markdown_extensions:
  - pymdownx.arithmatex:
      generic: true
plugins:
  - paramcalc:
      math: arithmatex
"""

ARITHMATEX_PAGE = r"""# Math

$$
(a + 1) \times b
$$

Inline $x \times y$.

```cnn id="any" input="H x W x 1"
"""
ARITHMATEX_PAGE += SEED.split("\n", 1)[1]  # the seed's layers, on symbols: its Input is the fence's
ARITHMATEX_PAGE += """```

FC_1 has `#!cnn any.layers["FC_1"].params` parameters.
"""


def test_arithmatex_gets_its_own_delimiters(tmp_path: Path) -> None:
    """With `math: arithmatex`, blocks carry LaTeX as pymdownx.arithmatex's generic mode writes it."""
    (tmp_path / "docs").mkdir()
    (tmp_path / "mkdocs.yml").write_text(ARITHMATEX_SITE)
    (tmp_path / "docs/index.md").write_text(ARITHMATEX_PAGE)
    result = mkdocs_build(tmp_path, "--strict", "--quiet")
    assert result.returncode == 0, result.stderr
    soup = BeautifulSoup((tmp_path / "site/index.html").read_text(), "html.parser")
    # What arithmatex makes of the page's own $$…$$ and $…$ is what the blocks must look like.
    own = soup.select("div[role=main] > div.arithmatex, div[role=main] > p > span.arithmatex")
    assert [str(e) for e in own] == [
        '<div class="arithmatex">\\[\n(a + 1) \\times b\n\\]</div>',
        '<span class="arithmatex">\\(x \\times y\\)</span>',
    ]
    block = soup.select_one(".paramcalc")
    assert block is not None
    assert block.select("math") == []
    displays = block.select(".paramcalc-derivation > div")
    assert len(displays) == 2 * 4  # four layers with parameters, the formula and the numbers each
    for display in displays:
        assert display.attrs == {"class": ["arithmatex"]}
        assert re.fullmatch(r"\\\[[^\n]+\\\]", display.get_text()), display
    assert "\\[((3 \\times 3 \\times 1) + 1) \\times 32 = 320\\]" in [d.get_text() for d in displays]
    # Symbolic shapes and counts in the table, and the reference from the text.
    inline = block.select("td span") + soup.select(".paramcalc-ref span")
    assert len(inline) == 5 + 2 + 1  # five shapes, two counts, one reference
    for span in inline:
        assert span.attrs == {"class": ["arithmatex"]}
        assert re.fullmatch(r"\\\([^\n]+\\\)", span.get_text()), span

"""The seed lesson as slides (issue 18): one Markdown source, examples/slides/lesson.md, as a
reveal.js deck shown in real headless Chromium, and as a Beamer PDF whose pages are rendered to
images — each beside the figures our source slides print, their typo corrected."""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import threading
from collections.abc import Callable, Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import NEEDS_PANDOC, PANDOC_FILTER, ROOT, pandoc

LESSON = ROOT / "examples" / "slides" / "lesson.md"
# reveal.js from the npm registry (.ci/run installs it and names it here).
REVEALJS = os.environ.get("PARAMCALC_REVEALJS", "")
pytestmark = NEEDS_PANDOC

# What the source slides print for each layer, and the total; Conv_2's 18,494 is their typo.
SEED_FIGURES = {
    "Conv_1": "((3 × 3 × 1) + 1) × 32 = 320",
    "Conv_2": "((3 × 3 × 32) + 1) × 64 = 18,494",
    "FC_1": "(9216 + 1) × 128 = 1,179,776",
    "FC_2": "(128 + 1) × 10 = 1,290",
    "Total": "1,199,882",
}
CORRECTED = {**SEED_FIGURES, "Conv_2": "((3 × 3 × 32) + 1) × 64 = 18,496"}


def _pandoc(out: Path, *args: str) -> None:
    shutil.copy(LESSON, out / "lesson.md")
    done = pandoc(out / "lesson.md", *args)
    assert (done.returncode, done.stderr) == (0, "")


def test_the_beamer_pages_hold_the_seed_slides_figures_corrected(tmp_path: Path) -> None:
    if shutil.which("pdftoppm") is None or shutil.which("pdflatex") is None:
        pytest.skip("TeX and poppler are not installed (.ci/run installs them)")
    _pandoc(tmp_path, "-t", "beamer", "-o", "lesson.pdf")
    pdf = tmp_path / "lesson.pdf"
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    for layer, figure in CORRECTED.items():
        assert figure in text, layer
    assert SEED_FIGURES["Conv_2"] not in text  # the typo is not repeated
    # Each page drawn as an image: the table's slide and a derivation's hold ink, not a blank page.
    subprocess.run(
        ["pdftoppm", "-r", "100", "-gray", "-f", "2", "-l", "4", str(pdf), str(tmp_path / "page")], check=True
    )
    for page in sorted(tmp_path.glob("page-*.pgm")):
        pixels = page.read_bytes().split(b"\n", 3)[3]  # P5 header: magic, size, maximum
        dark = sum(1 for value in pixels if value < 128)
        assert dark > 1000, f"{page.name} is nearly blank"  # a line of text is about 500 pixels


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def decks(tmp_path: Path) -> Iterator[Callable[[str], str]]:
    """A reveal.js deck of a Markdown source, served from 127.0.0.1 with reveal.js beside it."""
    if not REVEALJS or not Path(REVEALJS, "dist", "reveal.js").is_file():
        pytest.skip("reveal.js is not installed (.ci/run installs it from npm and sets PARAMCALC_REVEALJS)")
    (tmp_path / "reveal.js").symlink_to(REVEALJS)
    (tmp_path / "paramcalc.css").write_text(
        subprocess.run(
            [str(Path(PANDOC_FILTER).parent / "paramcalc"), "stylesheet"], capture_output=True, text=True
        ).stdout
    )
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(tmp_path)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()

    def deck(text: str) -> str:
        (tmp_path / "lesson.md").write_text(text)
        reveal = (
            "-t",
            "revealjs",
            "-s",
            "--mathml",
            "--css",
            "paramcalc.css",
            "-V",
            "revealjs-url=reveal.js",
        )
        done = pandoc(tmp_path / "lesson.md", *reveal, "-o", "lesson.html")
        assert (done.returncode, done.stderr) == (0, "")
        return f"http://127.0.0.1:{httpd.server_address[1]}/lesson.html"

    yield deck
    httpd.shutdown()
    httpd.server_close()


def _show(browser: Any, url: str, slide: int) -> dict[str, Any]:
    """A slide of the deck at rest, 1280 × 720, measured."""
    browser.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": 1280, "height": 720, "deviceScaleFactor": 1, "mobile": False},
    )
    browser.get(url)
    browser.execute_async_script(
        "const done = arguments[0]; Reveal.isReady() ? done() : Reveal.on('ready', done);"
    )
    browser.execute_script(f"Reveal.configure({{transition: 'none'}}); Reveal.slide({slide});")
    measured: dict[str, Any] = browser.execute_script(SLIDE)
    return measured


def _fits(measured: dict[str, Any]) -> None:
    box, view = measured["table"], measured["view"]
    assert 0 <= box["top"] < box["bottom"] <= view["height"], "the table fits its slide"
    assert 0 <= box["left"] < box["right"] <= view["width"]


SLIDE = r"""
const slide = Reveal.getCurrentSlide();
const box = (e) => e.getBoundingClientRect();
const table = slide.querySelector(".paramcalc table");
const view = {width: window.innerWidth, height: window.innerHeight};
return {
  total: Reveal.getTotalSlides(),
  heading: (slide.querySelector("h1, h2") || {}).textContent,
  text: slide.innerText,
  table: table && {top: box(table).top, bottom: box(table).bottom,
    left: box(table).left, right: box(table).right},
  math: [...slide.querySelectorAll("math")].map((m) => m.textContent),
  view: view,
};
"""


def test_the_reveal_deck_shows_the_table_and_a_derivation_a_slide(
    browser: Any, decks: Callable[[str], str], tmp_path: Path
) -> None:
    url = decks(LESSON.read_text())
    table = _show(browser, url, 1)
    assert table["total"] == 6  # the title, then a slide a heading
    assert "1,199,882" in table["text"]
    _fits(table)
    browser.execute_script("Reveal.slide(3);")
    typo = browser.execute_script(SLIDE)
    assert typo["heading"] == "Conv_2: the slides’ typo"
    assert any("18,496" in m for m in typo["math"]), typo["math"]
    assert browser.save_screenshot(str(tmp_path / "slide.png"))


@pytest.mark.parametrize("layers", [6, 12, 18, 24, 32])
def test_a_taller_table_still_fits_its_slide(browser: Any, decks: Callable[[str], str], layers: int) -> None:
    """A table of 11, 17 or 25 layers and more is set smaller on a slide, step by step."""
    body = "\n".join(["Input(64)", *(f"Dense({8 + i})" for i in range(layers))])
    url = decks(f"---\ntitle: Deep\n---\n\n# A deep MLP\n\n```{{.cnn #mlp}}\n{body}\n```\n")
    measured = _show(browser, url, 1)  # after the title slide
    assert measured["table"] is not None
    _fits(measured)

"""A site with a few bad blocks among many: every good page is right, every error is listed once,
and two builds are byte-identical whatever the order of the pages."""

from __future__ import annotations

import filecmp
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from .test_site import mkdocs, site

GOOD = (
    '```cnn id="m{i}" title="Model {i}"\n'
    'Input(28, 28, 1)\nConv2D({f}, 3, name="<b>conv</b>")\nFlatten()\nDense(10)\n```\n'
)
BAD = {
    7: "```cnn\nInput(28, 28, 1)\nConv2D(32, 50)\n```\n",
    23: '```cnn title="<script>alert(1)</script>"\nInput(28, 28, 1)\nConv2D(32, 3, expect=1)\n```\n',
    51: "```cnn\nInput(28, 28, 1)\nimport os\n```\n",
    88: "Quote: `#!cnn m3.layers[9].params`.\n",
}
PAGES = 100


def pages() -> dict[str, str]:
    out = {}
    for i in range(PAGES):
        body = f"# Page {i}\n\nSome prose about model {i}.\n\n"
        body += BAD.get(i, GOOD.format(i=i, f=8 + i))
        out[f"p{i:03}.md"] = body
    out["index.md"] = "# Home\n\nModel 5 has `#!cnn m5.total` parameters.\n"
    return out


def count(i: int) -> int:
    filters = 8 + i
    return (9 + 1) * filters + (26 * 26 * filters + 1) * 10


@pytest.fixture(scope="module", autouse=True)
def fixed_build_date() -> Iterator[None]:
    # MkDocs stamps the build date into pages and the sitemap unless told the date.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOURCE_DATE_EPOCH", "1790000000")
        yield


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = site(tmp_path_factory.mktemp("many"), pages())
    result = mkdocs(root)
    assert result.returncode == 0, result.stderr
    return root


def test_a_plain_build_renders_every_good_page_and_shows_each_error(built: Path) -> None:
    for i in range(PAGES):
        soup = BeautifulSoup((built / "site" / f"p{i:03}" / "index.html").read_text(), "html.parser")
        if i in BAD:
            assert soup.select_one(".paramcalc-error, .paramcalc-ref-error") is not None, i
            continue
        total = soup.select_one(".paramcalc tfoot .paramcalc-num")
        assert total is not None
        assert total.get_text() == f"{count(i):,}"
        assert "&lt;b&gt;conv&lt;/b&gt;" in str(soup.select_one(".paramcalc tbody"))  # escaped, never markup
    page23 = (built / "site" / "p023" / "index.html").read_text()
    assert "<script>alert(1)" not in page23
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page23
    home = BeautifulSoup((built / "site" / "index.html").read_text(), "html.parser")
    assert home.select_one(".paramcalc-ref").get_text() == f"{count(5):,}"


def test_a_strict_build_lists_every_error_once(built: Path) -> None:
    result = mkdocs(built, "--strict", "-q")
    assert result.returncode != 0
    listed = re.findall(r"^(docs/p\d{3}\.md:\d+:\d+): ", result.stderr.split("strict mode:")[-1], re.M)
    assert listed == ["docs/p007.md:7:1", "docs/p023.md:7:15", "docs/p051.md:7:1", "docs/p088.md:5:25"]


def test_two_builds_are_byte_identical_whatever_the_page_order(built: Path, tmp_path: Path) -> None:
    shuffled = dict(reversed(list(pages().items())))  # files written in the other order
    root = site(tmp_path, shuffled)
    assert mkdocs(root).returncode == 0
    first, second = built / "site", root / "site"
    names = sorted(p.relative_to(first).as_posix() for p in first.rglob("*") if p.is_file())
    assert names == sorted(p.relative_to(second).as_posix() for p in second.rglob("*") if p.is_file())
    stamped = {"sitemap.xml.gz"}  # MkDocs stamps the build date into these
    different = [
        n
        for n in names
        if n.split("/")[-1] not in stamped and not filecmp.cmp(first / n, second / n, shallow=False)
    ]
    assert different == []


@pytest.mark.parametrize("char", ["\x1b", "\x07", "\x00", "\u202e", "\x9b"])
def test_control_characters_in_fence_options_are_refused(char: str) -> None:
    from mkdocs_paramcalc.options import Settings
    from mkdocs_paramcalc.pages import run_text

    (outcome,) = run_text("p.md", f'```cnn title="a{char}b"\nInput(3)\nDense(1)\n```\n', Settings())
    assert outcome.errors == (
        f"p.md:1:8: option `title` holds the control character U+{ord(char):04X} "
        "(hint: remove it: a fence option is plain text)",
    )

"""A site with a few bad blocks among many: every good page is right, every error is listed once,
and two builds are byte-identical whatever the order of the pages."""

from __future__ import annotations

import filecmp
import re
import sys
import unicodedata
from collections.abc import Iterator
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from tests.helpers import mkdocs_build, site

GOOD = (
    '```cnn id="m{i}" title="Model {i}"\n'
    'Input(28, 28, 1)\nConv2D({f}, 3, name="<b>conv</b>")\nFlatten()\nDense(10)\n```\n'
)
BAD = {
    7: "```cnn\nInput(28, 28, 1)\nConv2D(32, 50)\n```\n",
    23: '```cnn title="<script>alert(1)</script>"\nInput(28, 28, 1)\nConv2D(32, 3, expect=1)\n```\n',
    51: "```cnn\nInput(28, 28, 1)\ndel os\n```\n",
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
    result = mkdocs_build(root)
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
    result = mkdocs_build(built, "--strict", "-q")
    assert result.returncode != 0
    listed = re.findall(r"^(docs/p\d{3}\.md:\d+:\d+): ", result.stderr.split("strict mode:")[-1], re.M)
    assert listed == ["docs/p007.md:7:1", "docs/p023.md:7:15", "docs/p051.md:7:1", "docs/p088.md:5:25"]


def test_two_builds_are_byte_identical_whatever_the_page_order(built: Path, tmp_path: Path) -> None:
    shuffled = dict(reversed(list(pages().items())))  # files written in the other order
    root = site(tmp_path, shuffled)
    assert mkdocs_build(root).returncode == 0
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


# One character of each kind refused: C0, DEL and C1 controls, the invisible bidirectional
# marks, overrides and isolates, line and paragraph separators, zero-width characters, the
# byte-order mark, the soft hyphen, a tag character, and unpaired surrogates.
REFUSED = [
    "\x00", "\x07", "\t", "\x1b", "\x7f", "\x85", "\x9b", "\u061c", "\u200e", "\u200f", "\u202a",
    "\u202e", "\u2066", "\u2069", "\u2028", "\u2029", "\ufeff", "\u200b", "\u200d", "\u2060", "\u00ad",
    "\u180e", "\U000e0041", "\ud800", "\udfff",
]  # fmt: skip


def _described(char: str) -> str:
    return f"U+{ord(char):04X}"


@pytest.mark.parametrize("char", REFUSED, ids=_described)
def test_fence_options_refuse_invisible_characters_and_point_at_them(char: str) -> None:
    from mkdocs_paramcalc.frontends.pages import run_text
    from mkdocs_paramcalc.reading.options import Settings

    # Columns count characters: the µ and é before the culprit are one column each.
    header = f'> ```cnn id="m" title="µé{char}x"'
    page = f"Text.\n\n{header}\n> Input(3)\n> Dense(1)\n> ```\n"
    (outcome,) = run_text("p.md", page, Settings())
    (message,) = outcome.errors
    column = header.index(char) + 1
    assert message.startswith(f"p.md:3:{column}: option `title` holds "), message
    assert f"U+{ord(char):04X}" in message
    assert "(hint: " in message
    # A bare value (id=m...) is read too, up to white space (which U+0085, U+2028 and U+2029
    # are); anywhere else on the fence's line the character is refused all the same.
    outside = (f"```cnn id=m{char}x", f'```cnn id="m"{char} title="T"', f"```cnn {char}")
    for header in outside if char != "\t" else ():  # a tab separates options, as a space does
        (outcome,) = run_text("p.md", f"{header}\nInput(3)\nDense(1)\n```\n", Settings())
        (message,) = outcome.errors
        assert message.startswith(f"p.md:1:{header.index(char) + 1}: "), message
        assert f"holds {'an unpaired surrogate (' if 0xD800 <= ord(char) < 0xE000 else 'the'}" in message
        assert f"U+{ord(char):04X}" in message


@pytest.mark.parametrize("char", REFUSED, ids=_described)
def test_a_page_shows_the_refused_option_in_place(char: str) -> None:
    import markdown

    page = f'# Page\n\n```cnn title="ab{char}"\nInput(3)\nDense(1)\n```\n'
    html = markdown.markdown(page, extensions=["mkdocs_paramcalc"], output_format="html")
    box = BeautifulSoup(html, "html.parser").select_one(".paramcalc-error")
    assert box is not None
    assert f"<markdown>:3:{page.split(chr(10))[2].index(char) + 1}" in box.get_text()
    assert char not in html  # the message names the character; it never carries it


@pytest.mark.parametrize("char", REFUSED, ids=_described)
def test_blocks_and_their_strings_refuse_the_same_characters(char: str) -> None:
    from mkdocs_paramcalc.errors import BlockError, Location
    from mkdocs_paramcalc.reading.parse import parse_block

    escape = f"\\u{ord(char):04x}" if ord(char) <= 0xFFFF else f"\\U{ord(char):08x}"
    string = len("Dense(1, name=") + 1  # where the string starts
    written = {
        # In a string, the character itself; a tab, which a block's text may hold, the string.
        f'Input(3)\nDense(1, name="ab{char}")': string if char == "\t" else string + 3,
        f'Input(3)\nDense(1, name="ab{escape}")': string,  # by escape: the string
    }
    if char != "\t":
        written[f"Input(3)\nDense(1)  # a comment{char}"] = len("Dense(1)  # a comment") + 1
    for text, column in written.items():
        with pytest.raises(BlockError, match=f"U\\+{ord(char):04X}") as info:
            parse_block(text)
        assert info.value.where == Location(2, column), text


def test_the_refused_characters_are_the_controls_formats_separators_and_surrogates() -> None:
    from mkdocs_paramcalc.reading.characters import UNSAFE, UNSAFE_IN_BLOCK

    every = "".join(map(chr, range(sys.maxunicode + 1)))
    refused = {m.group() for m in UNSAFE.finditer(every)}
    kinds = {"Cc", "Cf", "Cs", "Zl", "Zp"}
    expected = {c for c in every if unicodedata.category(c) in kinds}
    # Python's Unicode database may be older than the list, whose newer format characters it
    # calls unassigned (Cn); nothing else may be refused.
    assert expected <= refused
    assert {unicodedata.category(c) for c in refused - expected} <= {"Cn"}
    assert {m.group() for m in UNSAFE_IN_BLOCK.finditer(every)} == refused - {"\t", "\n"}


EMPTY = {
    "nothing": "```cnn\n```\n",
    "blank lines": "```cnn\n\n   \n```\n",
    "only comments": "```cnn\n# a network, one day\n```\n",
    "in a quote, with options": '> ```cnn id="m" title="T"\n> ```\n',
    "indented, attribute style": "  ~~~ {.cnn}\n  ~~~\n",
}


@pytest.mark.parametrize("block", EMPTY.values(), ids=list(EMPTY))
def test_an_empty_block_is_an_error_at_its_opening_fence(
    block: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import markdown

    from mkdocs_paramcalc.frontends.cli import main

    page = f"# Page\n\nText.\n\n{block}"
    opener = page.split("\n")[4]
    column = len(opener) - len(opener.lstrip(" >`~")) + 1  # the word cnn, or the { before it
    message = "the block is empty: it has no layers (hint: write one layer a line"
    (tmp_path / "p.md").write_text(page, encoding="utf-8")
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(tmp_path)
        assert main(["check", "p.md"]) == 1
    assert capsys.readouterr().out.startswith(f"p.md:5:{column}: {message}")
    html = markdown.markdown(page, extensions=["mkdocs_paramcalc"])
    box = BeautifulSoup(html, "html.parser").select_one(".paramcalc-error")
    assert box is not None
    assert f"<markdown>:5:{column}: {message.split(' (')[0]}" in box.get_text()


def test_an_input_on_the_fence_and_no_layers_is_not_empty() -> None:
    from mkdocs_paramcalc.frontends.pages import run_text
    from mkdocs_paramcalc.reading.options import Settings

    (outcome,) = run_text("p.md", '```cnn input="28x28x1"\n```\n', Settings())
    assert outcome.errors == ()
    assert outcome.report is not None
    assert outcome.report.total == 0


def test_the_hostile_page_in_a_site_shows_each_error_in_place_and_no_markup(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """examples/hostile.md among good pages: each error in place and escaped, all listed in strict mode."""
    from mkdocs_paramcalc.frontends.cli import main

    hostile = (Path(__file__).parent.parent / "examples" / "hostile.md").read_text(encoding="utf-8")
    root = site(
        tmp_path,
        {
            "index.md": "# Home\n\n" + GOOD.format(i=1, f=9),
            "hostile.md": hostile,
            "next.md": GOOD.format(i=2, f=10),
        },
    )
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(root)
        assert main(["check", "docs"]) == 1
    checked = re.findall(r"^(docs/hostile\.md:\d+:\d+): ", capsys.readouterr().out, re.M)
    assert len(checked) == hostile.count("```cnn") + hostile.count("`#!cnn") - 1  # all but `fine`

    assert mkdocs_build(root).returncode == 0
    for good, i in (("index.html", 1), ("next/index.html", 2)):
        soup = BeautifulSoup((root / "site" / good).read_text(), "html.parser")
        total = soup.select_one(".paramcalc tfoot .paramcalc-num")
        assert total is not None
        assert total.get_text() == f"{count(i):,}"
        assert soup.select_one(".paramcalc-error") is None
    page = BeautifulSoup((root / "site" / "hostile" / "index.html").read_text(), "html.parser")
    main_part = page.select_one("[role=main]")
    assert main_part is not None
    shown = [
        box.select_one("code").get_text()
        for box in main_part.select(".paramcalc-error, .paramcalc-ref-error")
    ]
    assert shown == checked  # every error, in place, in the order of the page
    assert main_part.select_one(".paramcalc table") is not None  # the `fine` block
    assert main_part.find_all(["script", "img", "iframe", "object", "style"]) == []
    good = BeautifulSoup((root / "site" / "next" / "index.html").read_text(), "html.parser")
    assert [str(s) for s in page.find_all("script")] == [
        str(s) for s in good.find_all("script")
    ]  # the theme's
    handlers = [
        (tag.name, a) for tag in main_part.find_all(True) for a in tag.attrs if a.lower().startswith("on")
    ]
    assert handlers == []
    assert "<script>alert(1)</script>" in main_part.get_text()  # shown as text, escaped

    result = mkdocs_build(root, "--strict")
    assert result.returncode != 0
    listing = result.stderr.split("strict mode:")[-1]
    assert re.findall(r"^(docs/hostile\.md:\d+:\d+): ", listing, re.M) == checked

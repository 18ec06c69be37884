"""Configuration mistakes are messages, never tracebacks, in every front end: the plugin (a real
`mkdocs build`), `paramcalc check --config-file`, and the Markdown extension's own config. And
nothing passes silently: an empty show, a separator that could be markup, an absurd claim."""

from __future__ import annotations

import math
import re
from pathlib import Path

import markdown
import pytest
from bs4 import BeautifulSoup

from mkdocs_paramcalc.errors import BlockError, Location
from mkdocs_paramcalc.frontends.cli import main
from mkdocs_paramcalc.reading.options import ConfigError, Options, Setting, Settings, parse_options
from mkdocs_paramcalc.reading.parse import parse_block
from mkdocs_paramcalc.report.model import build
from mkdocs_paramcalc.values import quoted, shortened
from mkdocs_paramcalc.writers.html import HtmlRenderer
from tests.helpers import SEED_BLOCK, built_page, mkdocs_build, site, table_rows

# (the options under `- paramcalc:`, as YAML lines; the option the message must name; words it must hold)
MISTAKES = [
    ("show: tabel", "show", ["unknown part 'tabel'", 'did you mean "table"?']),
    ("separator: 5", "separator", ["one character", "got 5 (a number)"]),
    ("show: [table, macs]", "show", ["(a list)", "write show: table macs"]),
    ("framework: 3", "framework", ["'keras' or 'pytorch'", "got 3"]),
    ("math: katex", "math", ["'mathml' or 'arithmatex'", "got 'katex'"]),
    ("shw: table", "shw", ["unknown option 'shw'", 'did you mean "show"?']),
    ('enabled: "yes"', "enabled", ["true or false", "got 'yes' (text)"]),
    ('show: ""', "show", ["show is empty"]),
    ("show:", "show", ["show has no value"]),
    ('separator: "1"', "separator", ["cannot be '1'"]),
    ('separator: ", "', "separator", ["one character", "got ', '"]),
]


def _yaml(options: str) -> str:
    return f"site_name: Test\nplugins:\n  - search\n  - paramcalc:\n      {options}\n"


def _where(config: str, option: str, at_name: bool) -> str:
    """`mkdocs.yml:LINE:COLUMN` of an option's name or value in the config text, found here."""
    for number, line in enumerate(config.splitlines(), 1):
        match = re.match(rf"(\s*){re.escape(option)}:\s*", line)
        if match:
            column = len(match.group(1)) + 1 if at_name else match.end() + 1
            return f"mkdocs.yml:{number}:{column}"
    raise AssertionError(f"{option} is not in the config")


@pytest.mark.parametrize(("options", "option", "words"), MISTAKES, ids=[m[0] for m in MISTAKES])
def test_a_config_mistake_stops_the_build_with_a_located_message(
    tmp_path: Path, options: str, option: str, words: list[str]
) -> None:
    root = site(tmp_path, {"index.md": SEED_BLOCK}, plugin="")
    (root / "mkdocs.yml").write_text(config := _yaml(options))
    result = mkdocs_build(root)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    where = _where(config, option, at_name=option == "shw")
    (line,) = [x for x in result.stderr.splitlines() if "paramcalc:" in x]
    assert line.startswith(f"Error: {where}")
    assert all(w in line for w in words), line


@pytest.mark.parametrize(("options", "option", "words"), MISTAKES, ids=[m[0] for m in MISTAKES])
def test_check_reads_the_same_mistakes_from_the_config_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], options: str, option: str, words: list[str]
) -> None:
    (tmp_path / "mkdocs.yml").write_text(config := _yaml(options))
    (tmp_path / "index.md").write_text(SEED_BLOCK)
    status = main(["check", "--config-file", str(tmp_path / "mkdocs.yml"), str(tmp_path / "index.md")])
    err = capsys.readouterr().err
    assert status == 2
    where = _where(config, option, at_name=option == "shw").replace(
        "mkdocs.yml", str(tmp_path / "mkdocs.yml")
    )
    assert err.startswith(f"{where}")
    assert ": paramcalc: " in err
    assert all(w in err for w in words), err
    assert "Traceback" not in err


def test_every_mistake_is_reported_at_once(tmp_path: Path) -> None:
    root = site(tmp_path, {"index.md": SEED_BLOCK}, plugin="  - paramcalc:\n      shw: x\n      math: tex\n")
    result = mkdocs_build(root)
    assert result.returncode != 0
    assert "unknown option 'shw'" in result.stderr
    assert "math must be" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("plugins", ["  paramcalc: 5\n", "  - paramcalc: 5\n", "  - paramcalc: [table]\n"])
def test_options_that_are_not_a_mapping(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], plugins: str
) -> None:
    root = site(tmp_path, {"index.md": SEED_BLOCK}, plugin=plugins)
    # MkDocs refuses these itself, before loading the plugin: its message names the plugin.
    result = mkdocs_build(root)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert "'paramcalc' plugin" in result.stderr
    # check, which reads the file itself, says what to write.
    status = main(["check", "--config-file", str(root / "mkdocs.yml"), str(root / "docs")])
    err = capsys.readouterr().err
    assert status == 2
    assert re.match(rf"{re.escape(str(root / 'mkdocs.yml'))}:4:\d+: paramcalc: the options must be", err), err


def test_a_config_file_that_is_not_yaml(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "mkdocs.yml").write_text("site_name: [\n")
    assert main(["check", "--config-file", str(tmp_path / "mkdocs.yml"), str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert f"{tmp_path / 'mkdocs.yml'}:2:1: paramcalc: the file is not valid YAML" in err


def test_a_good_config_is_read_the_same_everywhere(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    options = "separator: ' '\n      show: table macs\n      enabled: true"
    (tmp_path / "mkdocs.yml").write_text(_yaml(options))
    (tmp_path / "index.md").write_text(SEED_BLOCK)
    assert main(["summary", "--config-file", str(tmp_path / "mkdocs.yml"), str(tmp_path / "index.md")]) == 0
    out = capsys.readouterr().out
    assert "MACs" in out
    settings = Settings.from_config(
        {"separator": " ", "show": "table macs", "enabled": True}, switches=("enabled",)
    )
    assert settings == Settings(separator=" ", show=("table", "macs"))
    assert Settings.from_config(settings.as_config()) == settings


@pytest.mark.parametrize(
    ("config", "words"),
    [
        ({"shw": "table"}, ["unknown option 'shw'", 'did you mean "show"?']),
        ({"show": "tabel"}, ["unknown part 'tabel'"]),
        ({"separator": 5}, ["separator must be one character"]),
        ({"show": ["table"]}, ["show must be parts separated by spaces"]),
        ({"framework": 3}, ["framework must be"]),
        ({"inline_css": "maybe"}, ["inline_css must be true or false"]),
        ({"show": ""}, ["show is empty"]),
    ],
)
def test_the_extension_config_raises_a_value_error_naming_the_option(
    config: dict[str, object], words: list[str]
) -> None:
    with pytest.raises(ValueError, match=r"^paramcalc: ") as caught:
        markdown.markdown(
            "text", extensions=["mkdocs_paramcalc"], extension_configs={"mkdocs_paramcalc": config}
        )
    assert all(w in str(caught.value) for w in words), caught.value


def test_a_long_option_is_quoted_back_shortened() -> None:
    with pytest.raises(ConfigError) as caught:
        Settings.from_config({"x" * 5_000: 1, "math": "k" * 5_000})
    text = str(caught.value)
    assert len(text) < 600, text
    assert "(5,000 characters)" in text


def test_shortened_keeps_both_ends() -> None:
    text = "a" * 30 + "b" * 5_000 + "c" * 30
    short = shortened(text, 60)
    assert len(short) == 60
    assert short.startswith("a" * 30)
    assert short.endswith("c" * 20)
    assert "…" in short
    assert shortened("short", 60) == "short"
    assert quoted("x" * 100, 60).endswith("(100 characters)")
    assert quoted([1] * 1000, 60).endswith(", 1]")
    assert len(quoted([1] * 1000, 60)) == 60


# Fence options -----------------------------------------------------------------------------


def _fence_error(line: str) -> BlockError:
    """The error parse_options raises for a fence's options, located as the fence reader does."""
    raw = dict(re.findall(r'(\w+)="([^"]*)"', line))
    columns = {m.group(1): m.start() + 1 for m in re.finditer(r'(\w+)="', line)}
    values = {m.group(1): m.end() + 1 for m in re.finditer(r'(\w+)="', line)}
    with pytest.raises(BlockError) as caught:
        parse_options(raw, Settings(), columns, values)
    return caught.value


def test_an_empty_show_on_a_fence_is_an_error_at_its_value() -> None:
    line = '```cnn title="t" show=""'
    error = _fence_error(line)
    assert "show is empty" in error.message
    assert error.where == Location(0, line.index('show="') + len('show="') + 1)


def test_an_unknown_part_is_pointed_at() -> None:
    line = '```cnn show="table   tabel macs"'
    error = _fence_error(line)
    assert "unknown part 'tabel'" in error.message
    assert error.where == Location(0, line.index("tabel") + 1)


def test_a_long_unknown_fence_option_is_shortened() -> None:
    error = _fence_error("```cnn " + "k" * 5_000 + '="1"')
    assert len(error.message) < 200


# Claims and magnitudes ----------------------------------------------------------------------

SMALL = "Input(4)\nDense(2)"


@pytest.mark.parametrize("digits", [32, 4_299, 5_000, 100_000])
def test_a_claim_with_thousands_of_digits_is_a_located_message(digits: int) -> None:
    where = Location(0, 8)
    options = Options(Settings(), expect=Setting("1" * digits, where))
    with pytest.raises(BlockError) as caught:
        build(parse_block(SMALL), options)
    assert caught.value.where == where
    assert f"{digits:,} digits" in caught.value.message
    assert "internal error" not in caught.value.message


def test_a_layer_claim_with_many_digits_is_a_located_message() -> None:
    text = f'Input(4)\nDense(2, expect="{"9" * 900}")'
    with pytest.raises(BlockError) as caught:
        build(parse_block(text), Options(Settings()))
    assert caught.value.where.line == 2
    assert "900 digits" in caught.value.message


def test_a_claim_just_within_the_limit_is_compared() -> None:
    report = build(
        parse_block(SMALL), Options(Settings(), expect=Setting("0" * 5_000 + "10", Location(0, 8)))
    )
    assert report.failed_claims == ()


@pytest.mark.parametrize(("inputs", "units"), [(10**20, 10**12), (10**29, 10**10), (3 * 10**25, 4 * 10**6)])
def test_too_large_states_the_right_magnitude(inputs: int, units: int) -> None:
    with pytest.raises(BlockError) as caught:
        build(parse_block(f"Input({inputs})\nDense({units})"), Options(Settings()))
    exponent = math.floor(math.log10(inputs * units + units))
    assert f"about 10^{exponent} parameters" in caught.value.message


# The separator is data, like everything else ----------------------------------------------


@pytest.mark.parametrize("separator", ["<", "&", '"', ">"])
def test_the_separator_cannot_inject_markup(separator: str) -> None:
    block = "Input(28, 28, 1)\nConv2D(320, 3)\nFlatten()\nDense(1000)"
    options = parse_options({"show": "table derivations macs memory diagram"}, Settings(separator=separator))
    report = build(parse_block(block), options)
    html = HtmlRenderer(options.settings).report(report)
    soup = BeautifulSoup(html, "html.parser")
    totals = [td.get_text() for td in soup.select("tr.paramcalc-total td.paramcalc-num")]
    assert totals[0] == f"{report.total:,}".replace(",", separator)
    assert not re.search(rf"[0-9]{re.escape(separator)}[0-9]", html.replace("&amp;", "").replace("&lt;", ""))


def test_a_site_with_a_markup_separator_builds_and_shows_it_as_text(tmp_path: Path) -> None:
    root = site(tmp_path, {"index.md": SEED_BLOCK}, plugin="  - paramcalc:\n      separator: '<'\n")
    result = mkdocs_build(root, "--strict")
    assert result.returncode == 0, result.stderr
    assert table_rows(built_page(root))[-1][-1] == "1<199<882"


def test_a_long_input_is_quoted_back_shortened() -> None:
    options = Options(Settings(), input=Setting("x" * 5_000, Location(0, 8)))
    with pytest.raises(BlockError) as caught:
        build(parse_block("Dense(2)"), options)
    assert caught.value.where == Location(0, 8)
    assert len(caught.value.text()) < 300


def test_check_reads_inherit_and_env_as_mkdocs_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "base.yml").write_text(
        'plugins:\n  - paramcalc:\n      framework: pytorch\n      separator: !ENV [SEP, " "]\n'
    )
    (tmp_path / "mkdocs.yml").write_text("INHERIT: base.yml\nsite_name: t\n")
    # A PyTorch layer: checked in the inherited dialect it passes, in Keras' it fails.
    (tmp_path / "docs" / "index.md").write_text("```cnn\nInput(8, 8)\nGRU(8, 4)\n```\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SEP", "'")
    assert main(["check", "docs"]) == 0, capsys.readouterr()
    monkeypatch.setenv("SEP", "ab")  # the environment's value is checked like any other
    assert main(["check", "docs"]) == 2
    assert "separator" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("separator", "written"), [("%", r"\%"), ("\\", r"\backslash "), ("}", r"\}"), (" ", r"\,")]
)
def test_the_separator_is_latex_in_arithmatex_formulas(separator: str, written: str) -> None:
    text = "```cnn\nInput(28, 28, 1)\nConv2D(64, 3)\nFlatten()\nDense(100)\n```\n"
    configs = {"mkdocs_paramcalc": {"separator": separator, "math": "arithmatex"}}
    html = markdown.markdown(text, extensions=["mkdocs_paramcalc"], extension_configs=configs)
    latex = " ".join(m.get_text() for m in BeautifulSoup(html, "html.parser").select(".arithmatex"))
    assert f"= 4{{{written}}}326{{{written}}}500" in latex  # 4,326,500, grouped as LaTeX reads it
    assert f"4{{{separator}}}326" not in latex

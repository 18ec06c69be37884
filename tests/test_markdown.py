"""The Python-Markdown extension on its own, as generators without MkDocs plugins use it."""

from __future__ import annotations

import logging

import markdown
import pytest

from mkdocs_paramcalc.frontends.markdown import PageContext, ParamcalcExtension

BLOCK = '```cnn id="tiny" title="Tiny"\nInput(8)\nDense(10)\n```\n'


@pytest.mark.parametrize(
    "extensions",
    [
        ["mkdocs_paramcalc"],
        ["mkdocs_paramcalc", "pymdownx.superfences"],
        ["pymdownx.superfences", "mkdocs_paramcalc"],
    ],
)
def test_any_extension_order_renders(extensions: list[str]) -> None:
    html = markdown.markdown(BLOCK, extensions=extensions)
    assert 'id="paramcalc-tiny"' in html
    assert "<caption>Tiny</caption>" in html


def test_bare_option_values_are_read() -> None:
    html = markdown.markdown(
        '```cnn id=tiny expect=90 title="a b=c"\nInput(8)\nDense(10)\n```\n', extensions=["mkdocs_paramcalc"]
    )
    assert 'id="paramcalc-tiny"' in html
    assert "<caption>a b=c</caption>" in html
    assert "failure" not in html


def test_errors_are_reported_and_shown(caplog: pytest.LogCaptureFixture) -> None:
    context = PageContext(path="notes.md")
    seen: list[str] = []
    ext = ParamcalcExtension(context=context, reporter=seen.append)
    html = markdown.markdown("Intro\n\n```cnn\nInput(8)\nDense(0)\n```\n", extensions=[ext])
    assert seen == ["notes.md:5:7: dense: `units` must be at least 1, got 0"]
    assert context.errors == seen
    assert "notes.md:5:7" in html
    assert "admonition failure" in html


def test_default_reporter_logs_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="mkdocs_paramcalc"):
        markdown.markdown("```cnn\nInput(8)\nDense(0)\n```\n", extensions=["mkdocs_paramcalc"])
    assert "<markdown>:3:7: dense: `units` must be at least 1" in caplog.text


def test_identical_blocks_get_their_own_lines() -> None:
    seen: list[str] = []
    ext = ParamcalcExtension(reporter=seen.append)
    text = "```cnn\nInput(8)\nDense(0)\n```\n\ntext\n\n```cnn\nInput(8)\nDense(0)\n```\n"
    markdown.markdown(text, extensions=[ext])
    assert [s.split(": ")[0] for s in seen] == ["<markdown>:3:7", "<markdown>:10:7"]


def test_bad_extension_config_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown option 'colour'"):
        markdown.markdown(
            BLOCK, extensions=["mkdocs_paramcalc"], extension_configs={"mkdocs_paramcalc": {"colour": 1}}
        )
    with pytest.raises(ValueError, match="math must be"):
        markdown.markdown(
            BLOCK, extensions=["mkdocs_paramcalc"], extension_configs={"mkdocs_paramcalc": {"math": "katex"}}
        )


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("Intro\n\n```cnn\nInput(8)\nDense(2)\n", "notes.md:3:1"),  # never closed
        ("Intro\n\n> ```cnn\n> Input(8)\n> Dense(2)\n", "notes.md:3:3"),  # in a quote, never closed
        ('Intro\n\n```cnn title="T" \u200b\nInput(8)\nDense(2)\n```\n', "notes.md:3:18"),  # stray character
    ],
)
def test_a_block_markdown_reads_as_text_is_an_error(text: str, where: str) -> None:
    seen: list[str] = []
    ext = ParamcalcExtension(context=PageContext(path="notes.md"), reporter=seen.append)
    html = markdown.markdown(text, extensions=[ext])
    assert 'class="paramcalc"' not in html  # Markdown shows it as text, so the build must say so
    assert any(s.startswith(f"{where}: ") for s in seen), seen


def test_rendered_blocks_are_not_reported_as_unrendered() -> None:
    seen: list[str] = []
    ext = ParamcalcExtension(reporter=seen.append)
    admonition = "!!! note\n\n    ```cnn\n    Input(8)\n    Dense(2)\n    ```\n\n"
    text = admonition + "````markdown\n```cnn\nInput(8)\n```\n````\n"
    html = markdown.markdown(text, extensions=["admonition", ext])
    assert 'class="paramcalc"' in html
    assert seen == []

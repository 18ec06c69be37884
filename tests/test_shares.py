"""Where the parameters go (issue 17, item 5): `show="shares"` draws each part's share as an SVG
bar chart — no JavaScript, its words in the figure — and the parts add up to the total."""

from __future__ import annotations

import pytest

from mkdocs_paramcalc.errors import BlockError
from mkdocs_paramcalc.reading.options import Settings, parse_options
from mkdocs_paramcalc.report.shares import shares
from tests.helpers import GPT2, LLAMA, SYMBOLIC, compute, soup, to_html

TORCH_SHARES = parse_options({"framework": "pytorch", "show": "table shares"}, Settings())


def test_gpt2s_parameters_go_to_embeddings_attention_feed_forward_and_norms() -> None:
    report = compute(GPT2, TORCH_SHARES)
    found = {share.part: share.params for share in shares(report)}
    assert found == {
        "embeddings": 50257 * 768 + 1024 * 768,
        "attention": 12 * (4 * 768**2 + 4 * 768),
        "feed-forward": 12 * (2 * 768 * 3072 + 3072 + 768),
        "norms": 25 * 2 * 768,
    }
    assert sum(found.values()) == report.total == 124_439_808


def test_a_head_after_the_blocks_is_the_head_and_a_tied_one_adds_nothing() -> None:
    text = LLAMA.format(n=16, V=100, d=64, L=2, h=4, f=172)
    report = compute(text, TORCH_SHARES)
    found = {share.part: share.params for share in shares(report)}
    assert found["head"] == 64 * 100
    tied = text.replace('name="lm_head"', 'name="lm_head", tied="embed_tokens"')
    report = compute(tied, TORCH_SHARES)
    assert "head" not in {share.part for share in shares(report)}


def test_the_chart_is_an_svg_with_its_words_and_no_script() -> None:
    page = soup(to_html('```cnn framework="pytorch" show="table shares"\n' + GPT2 + "```\n"))
    chart = page.select_one("div.paramcalc-shares svg")
    assert chart is not None
    assert chart.find("title").get_text() == "Where the 124,439,808 parameters go"
    assert "attention: 28,348,416 (22.8%)" in chart.find("desc").get_text()
    assert len(chart.select("rect.paramcalc-shares-bar")) == 4
    assert page.find("script") is None


def test_shares_need_numbers() -> None:
    with pytest.raises(BlockError) as caught:
        compute(SYMBOLIC, TORCH_SHARES)
    assert "shares need numbers" in caught.value.message
    assert "shares need numbers" in to_html('```cnn framework="pytorch" show="shares"\n' + SYMBOLIC + "```\n")

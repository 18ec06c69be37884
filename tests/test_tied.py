"""Tied weights (issue 17, item 2): an output head that uses the embedding's matrix is counted
once, as model.parameters() counts a shared tensor, and the table says whose weights it uses —
written in a block with tied=, or pasted as code (lm_head.weight = wte.weight)."""

from __future__ import annotations

from typing import Any

import pytest

from mkdocs_paramcalc.errors import BlockError
from mkdocs_paramcalc.reading.options import Settings, parse_options
from tests.helpers import PYTORCH_SITE, compute, soup, table_rows, to_html
from tests.oracle import TORCH_MARKS, count, torch
from tests.pasted_code import GPT

pytestmark = TORCH_MARKS

BLOCK = """\
Input(64)
nn.Embedding(100, 32, name="wte")
nn.LayerNorm(32)
nn.Linear(32, 100, bias=False, tied="wte")
"""


class _Tied(torch.nn.Module):  # the same model, built by torch itself
    def __init__(self) -> None:
        super().__init__()
        self.wte = torch.nn.Embedding(100, 32)
        self.ln = torch.nn.LayerNorm(32)
        self.head = torch.nn.Linear(32, 100, bias=False)
        self.head.weight = self.wte.weight


def test_a_tied_head_is_counted_once_as_torch_counts_it() -> None:
    report = compute(BLOCK, PYTORCH_SITE)
    assert report.total == count(_Tied().parameters()) == 3_264
    head = report.rows[-1]
    assert (head.params, head.shares) == (0, "wte")
    cells = table_rows(soup(to_html('```cnn framework="pytorch"\n' + BLOCK + "```\n")))
    assert any("wte's weights" in cell for row in cells for cell in row)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        (BLOCK.replace('tied="wte"', 'tied="wtf"'), "names an earlier layer"),
        (BLOCK.replace("bias=False, ", ""), "write bias=False"),
        (BLOCK.replace("nn.Linear(32, 100", "nn.Linear(32, 99"), "uses all of wte's"),
    ],
)
def test_a_tie_that_cannot_be_is_a_located_error(text: str, words: str) -> None:
    with pytest.raises(BlockError) as caught:
        compute(text, PYTORCH_SITE)
    assert words in str(caught.value)
    assert caught.value.where.line == 4


@pytest.mark.usefixtures("one_torch_thread")
def test_pasted_code_that_ties_the_embedding_to_the_head() -> None:
    """nanoGPT writes `self.transformer.wte.weight = self.lm_head.weight`."""
    text = GPT.replace(
        "        self.lm_head = nn.Linear(config.n_embd, config.vocab_size, bias=False)\n",
        "        self.lm_head = nn.Linear(config.n_embd, config.vocab_size, bias=False)\n"
        "        self.transformer.wte.weight = self.lm_head.weight\n",
    )
    assert text != GPT
    report = compute(text, parse_options({"input": "64"}, Settings()))
    scope: dict[str, Any] = {}
    exec(text, scope)  # the test's own text, run by the real framework
    assert report.total == count(scope["model"].parameters()) == 33_920 - 3_200
    head = next(row for row in report.leaves() if row.name == "lm_head")
    assert (head.params, head.shares) == (0, "transformer.wte")

"""Transformers written as blocks (issue 17): GPT-2 small's 124,439,808 parameters, checked
against the same network built from torch.nn modules (its attention as nn.MultiheadAttention,
whose four projections hold what GPT-2's c_attn and c_proj hold)."""

from __future__ import annotations

from typing import Any

import pytest

from mkdocs_paramcalc.errors import BlockError
from tests.helpers import PYTORCH_SITE, compute
from tests.oracle import TORCH_MARKS, count, torch

pytestmark = TORCH_MARKS

GPT2 = """\
Input(1024)
nn.Embedding(50257, 768, name="wte")
nn.Parameter((1024, 768), name="wpe")
Repeat(12,
  Residual(nn.LayerNorm(768), nn.MultiheadAttention(768, 12)),
  Residual(nn.LayerNorm(768), nn.Linear(768, 3072), nn.GELU(), nn.Linear(3072, 768)),
)
nn.LayerNorm(768, name="ln_f")
"""


def _gpt2() -> Any:
    nn = torch.nn

    class Block(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.ln_1 = nn.LayerNorm(768)
            self.attn = nn.MultiheadAttention(768, 12)
            self.ln_2 = nn.LayerNorm(768)
            self.mlp = nn.Sequential(nn.Linear(768, 3072), nn.GELU(), nn.Linear(3072, 768))

    class GPT2(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.wte = nn.Embedding(50257, 768)
            self.wpe = nn.Embedding(1024, 768)
            self.h = nn.ModuleList([Block() for _ in range(12)])
            self.ln_f = nn.LayerNorm(768)

    return GPT2()


def test_gpt2_small_as_blocks_has_hugging_faces_count() -> None:
    report = compute(GPT2, PYTORCH_SITE)
    assert report.total == count(_gpt2().parameters()) == 124_439_808
    assert tuple(report.rows[-1].shape) == (1024, 768)
    repeat = report.rows[2]
    assert repeat.params == 12 * (12 * 768**2 + 13 * 768)  # 12·d² + 13·d a block


SYMBOLIC = """\
Input(n, d)
Repeat(L,
  Residual(nn.LayerNorm(d), nn.MultiheadAttention(d, h)),
  Residual(nn.LayerNorm(d), nn.Linear(d, 4*d), nn.GELU(), nn.Linear(4*d, d)),
)
"""


def test_a_repeat_of_a_name_folds_into_the_textbook_formula() -> None:
    """Repeat(L, ...): one block computed, counted L times: L·(12·d² + 13·d), which is GPT-2 small's
    blocks with L = 12 and d = 768."""
    import sympy

    report = compute(SYMBOLIC, PYTORCH_SITE)
    names = {s.name: s for s in report.total.free_symbols}
    layers, width = names["L"], names["d"]
    assert sympy.expand(report.total - (12 * layers * width**2 + 13 * layers * width)) == 0
    numbers = {s: {"L": 12, "d": 768}[s.name] for s in report.total.free_symbols if s.name in ("L", "d")}
    assert report.total.subs(numbers) == 12 * 7_087_872 == count(_gpt2().h.parameters())
    repeat = report.rows[0]
    assert repeat.group is not None
    assert len(repeat.group.paths) == 1


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("Input(n, d)\nRepeat(L, nn.Linear(d, 2*d))", "not alike"),
        ('Input(n, d)\nRepeat(L, nn.Linear(d, d), index="i")', "has no numbers"),
    ],
)
def test_a_repeat_of_a_name_needs_alike_copies(text: str, words: str) -> None:
    with pytest.raises(BlockError) as caught:
        compute(text, PYTORCH_SITE)
    assert words in str(caught.value)


BERT = """\
Input(512)
nn.Embedding(30522, 768, name="word_embeddings")
nn.Parameter((512, 768), name="position_embeddings")
Custom(params="2*768", name="token_type_embeddings")
nn.LayerNorm(768, name="embeddings.LayerNorm")
Repeat(12, nn.TransformerEncoderLayer(768, 12, 3072, activation="gelu"))
Custom(output=(768,), name="first token")
nn.Linear(768, 768, name="pooler")
nn.Tanh()
"""


def _bert() -> Any:
    nn = torch.nn

    class Bert(nn.Module):  # BertModel's parts, as torch.nn has them
        def __init__(self) -> None:
            super().__init__()
            self.word_embeddings = nn.Embedding(30522, 768)
            self.position_embeddings = nn.Embedding(512, 768)
            self.token_type_embeddings = nn.Embedding(2, 768)
            self.norm = nn.LayerNorm(768)
            layer = nn.TransformerEncoderLayer(768, 12, 3072, activation="gelu")
            self.encoder = nn.TransformerEncoder(layer, 12, enable_nested_tensor=False)
            self.pooler = nn.Linear(768, 768)

    return Bert()


def test_bert_base_with_its_pooler_as_blocks() -> None:
    report = compute(BERT, PYTORCH_SITE)
    assert report.total == count(_bert().parameters()) == 109_482_240

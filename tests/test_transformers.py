"""Transformers written as blocks (issue 17): GPT-2 small's 124,439,808 parameters, checked
against the same network built from torch.nn modules (its attention as nn.MultiheadAttention,
whose four projections hold what GPT-2's c_attn and c_proj hold)."""

from __future__ import annotations

from typing import Any

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

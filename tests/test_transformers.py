"""Transformers written as blocks (issue 17), each checked against the same network built from
torch.nn modules (on the meta device where it is large): GPT-2 small's 124,439,808 parameters (its
attention as nn.MultiheadAttention, whose four projections hold what c_attn and c_proj hold),
BERT-base with its pooler 109,482,240, ViT-B/16 86,567,656, a Llama-style decoder and
Llama-2-7B's 6,738,415,616; and Repeat(L, ...) folding a transformer's blocks into L·(12·d² + 13·d)."""

from __future__ import annotations

from typing import Any

import pytest
import sympy

from mkdocs_paramcalc.errors import BlockError
from tests.helpers import GPT2, LLAMA, PYTORCH_SITE, SYMBOLIC, compute
from tests.oracle import (
    BATCH,
    TORCH_MARKS,
    Chain,
    count,
    forward,
    fvcore_counts,
    input_and_layers,
    torch,
    torch_tree,
    zeros,
)

pytestmark = TORCH_MARKS


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


def test_a_repeat_of_a_name_folds_into_the_textbook_formula() -> None:
    """Repeat(L, ...): one block computed, counted L times: L·(12·d² + 13·d), which is GPT-2 small's
    blocks with L = 12 and d = 768."""
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


def _llama(V: int, d: int, L: int, h: int, f: int) -> Any:  # noqa: N803 (a paper's names)
    """A Llama-style decoder from torch.nn, on the meta device (no memory): RMSNorm, attention
    without biases, a SwiGLU feed-forward, an untied head."""
    nn = torch.nn

    class Block(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.input_layernorm = nn.RMSNorm(d)
            self.self_attn = nn.MultiheadAttention(d, h, bias=False)
            self.post_attention_layernorm = nn.RMSNorm(d)
            self.gate_proj = nn.Linear(d, f, bias=False)
            self.up_proj = nn.Linear(d, f, bias=False)
            self.down_proj = nn.Linear(f, d, bias=False)

    class Llama(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.embed_tokens = nn.Embedding(V, d)
            self.layers = nn.ModuleList([Block() for _ in range(L)])
            self.norm = nn.RMSNorm(d)
            self.lm_head = nn.Linear(d, V, bias=False)

    with torch.device("meta"):
        return Llama()


@pytest.mark.parametrize(
    ("sizes", "total"),
    [
        ({"n": 16, "V": 100, "d": 64, "L": 2, "h": 4, "f": 172}, None),
        ({"n": 4096, "V": 32000, "d": 4096, "L": 32, "h": 32, "f": 11008}, 6_738_415_616),  # Llama-2-7B
    ],
)
def test_a_llama_style_decoder_and_llama_2_7b(sizes: dict[str, int], total: int | None) -> None:
    report = compute(LLAMA.format(**sizes), PYTORCH_SITE)
    model = _llama(sizes["V"], sizes["d"], sizes["L"], sizes["h"], sizes["f"])
    assert report.total == count(model.parameters())
    if total is not None:
        assert report.total == total


VIT = """\
Input(224, 224, 3)
Conv2D(768, 16, strides=16, name="conv_proj")
Reshape((196, 768))
Parameter((1, 768), merge="concat", name="class_token")
Parameter((197, 768), name="pos_embedding")
Repeat(12,
  Residual(LayerNormalization(epsilon=1e-6), MultiHeadAttention(12, 64)),
  Residual(LayerNormalization(epsilon=1e-6), Dense(3072, activation="gelu"), Dense(768)),
)
LayerNormalization(epsilon=1e-6, name="ln")
Custom(output=(768,), name="class token out")
Dense(1000, name="heads")
"""


def test_vit_b16_as_torchvision_lays_it_out() -> None:
    """ViT-B/16 written in Keras' dialect; torchvision's layout built from torch.nn on the meta device."""
    nn = torch.nn

    class ViT(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.conv_proj = nn.Conv2d(3, 768, 16, 16)
            self.class_token = nn.Parameter(torch.zeros(1, 1, 768))
            self.pos_embedding = nn.Parameter(torch.zeros(1, 197, 768))
            layer = nn.TransformerEncoderLayer(768, 12, 3072, activation="gelu", norm_first=True)
            self.layers = nn.TransformerEncoder(layer, 12, norm=nn.LayerNorm(768), enable_nested_tensor=False)
            self.heads = nn.Linear(768, 1000)

    with torch.device("meta"):
        model = ViT()
    report = compute(VIT)
    assert report.total == count(model.parameters()) == 86_567_656


def test_a_repeat_of_a_name_derives_its_sum_in_brackets() -> None:
    """L × (2d + d(d + 1)): the copy's count is a sum, multiplied whole."""
    from tests.helpers import soup, to_html

    html = to_html(
        '```cnn framework="pytorch" show="derivations"\n'
        "Input(n, d)\nRepeat(L, Residual(nn.Linear(d, d), nn.LayerNorm(d)))\n```\n"
    )
    sums = [p.get_text() for p in soup(html).select("p.paramcalc-sum")]
    assert sums[1].startswith("L × (")


def test_what_a_7b_model_needs_in_memory() -> None:
    """As courses count it: the weights at each precision, training with Adam at 16 bytes a
    parameter, and the key/value cache a token (2 × layers × d values, in float16)."""
    from mkdocs_paramcalc.reading.options import Settings, parse_options
    from mkdocs_paramcalc.report import memory

    options = parse_options({"framework": "pytorch", "show": "table memory"}, Settings())
    report = compute(LLAMA.format(n=16, V=32000, d=4096, L=32, h=32, f=11008), options)
    sizes = memory.estimate(report)
    assert dict(sizes.params) == {
        "float32": 4 * 6_738_415_616,
        "float16": 2 * 6_738_415_616,
        "int8": 6_738_415_616,
        "int4": 6_738_415_616 // 2,
    }
    assert sizes.training == 16 * 6_738_415_616
    assert sizes.cache == 2 * 32 * 4096 * 2  # half a megabyte a token
    assert memory.estimate(compute(GPT2, options)).cache == 2 * 12 * 768 * 2


def test_memory_figures_are_quoted_from_prose() -> None:
    """`#!cnn ID.memory.float16` and its kin: sizes the block works out, never typed."""
    from tests.helpers import soup, to_html

    page = (
        '```cnn id="g" framework="pytorch"\nInput(16, 64)\nnn.MultiheadAttention(64, 4)\n```\n\n'
        "`#!cnn g.memory.float16`, `#!cnn g.memory.cache`, `#!cnn g.memory.training`, "
        "`#!cnn g.memory.int4`, `#!cnn g.memory.flot16`.\n"
    )
    quoted = [span.get_text() for span in soup(to_html(page)).select(".paramcalc-ref, .paramcalc-ref-error")]
    assert quoted[:4] == ["33.28 kB", "256 B", "266.24 kB", "8.32 kB"]  # 16,640 parameters
    assert "did you mean float16?" in quoted[4]


# ---------------------------------------------------------------------------------------------
# Encoder-decoder transformers: the stacks and nn.Transformer, a decoder's memory
# ---------------------------------------------------------------------------------------------

# A translation model as torch.nn builds one: the source through an encoder stack, the target
# through a decoder stack that attends to the encoder's output (memory=, 9 source tokens).
STACKS = """\
Input(12)
nn.Embedding(100, 32)
nn.TransformerEncoder(nn.TransformerEncoderLayer(32, 4, 64), 3, norm=nn.LayerNorm(32))
nn.TransformerDecoder(
    nn.TransformerDecoderLayer(32, 4, 64, batch_first=True), 2, nn.LayerNorm(32), memory=(9, 32)
)
nn.Linear(32, 100)
"""


def test_transformer_stacks_are_torchs_layer_by_layer() -> None:
    report = compute(STACKS, PYTORCH_SITE)
    shape, calls = input_and_layers(STACKS)
    modules = [torch_tree(call) for call in calls]
    assert [r.params for r in report.rows] == [count(m.parameters()) for m in modules]
    chain = Chain(modules)
    x = zeros(shape, calls, BATCH)
    with torch.no_grad():
        shapes = [tuple((x := forward(m, x, unbatched_too=False)).shape[1:]) for m in modules]
        assert [r.macs for r in report.rows] == fvcore_counts(chain, zeros(shape, calls, BATCH))
    assert [tuple(r.shape) for r in report.rows] == shapes
    for row, stack in zip(report.rows[1:3], modules[1:3], strict=True):
        assert row.group is not None
        layers, norm = row.group.rows
        assert layers.group is not None
        assert [r.params for r in layers.group.rows] == [count(m.parameters()) for m in stack.layers]
        assert norm.params == count(stack.norm.parameters())
    assert report.total == count(Chain(modules).parameters())


def test_the_transformer_of_attention_is_all_you_need() -> None:
    """nn.Transformer's defaults are the paper's base model: 44,140,544 parameters, its embeddings
    and output head aside; with symbols, the stacks print as L·(…)."""
    row = compute("Input(40, 512)\nnn.Transformer(tgt=(30, 512))", PYTORCH_SITE).rows[-1]
    assert (row.params, tuple(row.shape)) == (count(torch.nn.Transformer().parameters()), (30, 512))
    assert row.params == 44_140_544
    text = (
        "Input(S, d)\nnn.TransformerEncoder(nn.TransformerEncoderLayer(d, h, 4 * d), L, norm=nn.LayerNorm(d))"
    )
    report = compute(text, PYTORCH_SITE)
    names = {s.name: s for s in report.total.free_symbols}
    d, layers = names["d"], names["L"]
    assert sympy.expand(report.total - layers * (12 * d**2 + 13 * d) - 2 * d) == 0


@pytest.mark.parametrize(
    ("text", "words"),
    [
        (
            "nn.TransformerEncoder(nn.Linear(32, 32), 3)",
            "nn.TransformerEncoder copies an nn.TransformerEncoderLayer",
        ),
        (
            "nn.TransformerEncoder(nn.TransformerEncoderLayer(32, 4))",
            "needs its encoder_layer and num_layers",
        ),
        (
            "nn.TransformerEncoder(nn.TransformerEncoderLayer(32, 4), 0)",
            "num_layers is a whole number from 1",
        ),
        (
            "nn.TransformerEncoder(nn.TransformerEncoderLayer(32, 4), 2, memory=(3, 32))",
            "has no argument `memory`",
        ),
        (
            "nn.TransformerDecoder(nn.TransformerDecoderLayer(32, 4, memory=(3, 32)), 2, memory=(3, 32))",
            "memory= is given twice",
        ),
        (
            "nn.TransformerDecoder(nn.TransformerDecoderLayer(32, 4), 2, memory=(3, 16))",
            "the memory (3, 16) has 16",
        ),
        ("nn.Transformer(32, 4, tgt=(5, 16))", "the target (5, 16) has 16 features, but d_model is 32"),
        ("nn.Transformer(32, 4, custom_encoder=1)", "custom_encoder replaces the encoder"),
        ("nn.TransformerDecoderLayer(32, 4, memory=7)", "`memory` is the shape of the memory"),
    ],
)
def test_stacks_and_memories_that_cannot_be_built(text: str, words: str) -> None:
    with pytest.raises(BlockError) as caught:
        compute(f"Input(10, 32)\n{text}", PYTORCH_SITE)
    assert words in caught.value.message
    assert caught.value.where.line == 2

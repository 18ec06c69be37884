"""Pasted PyTorch code whose forward the reader does not follow (issue 16): hand-written
attention with view, transpose and @. The table still lists every module, as print(model)
does, each counted from its own arguments, and says that no shape is shown; the counts are
those real PyTorch gives for the same text."""

from __future__ import annotations

import json
from typing import Any

import pytest

from mkdocs_paramcalc.dialects.layers import is_unknown
from mkdocs_paramcalc.errors import BlockError
from mkdocs_paramcalc.reading.options import Settings, parse_options
from tests.helpers import compute, paramcalc, soup, to_html
from tests.oracle import TORCH_MARKS, count, torch, torch_leaf_shapes
from tests.pasted_code import GPT


def _run(text: str) -> Any:
    scope: dict[str, Any] = {}
    exec(text, scope)  # the test's own literal text, run by the real framework
    return scope["model"]


pytestmark = TORCH_MARKS


def _shapes(model: Any, x: Any) -> dict[str, tuple[int, ...]]:
    """Each leaf module's output shape (its first call), without the batch, as torch runs it."""
    seen, _ = torch_leaf_shapes(model, x)
    return {name: shapes[0] for name, shapes in seen.items()}


def test_every_module_is_counted_and_every_shape_shown_is_torchs() -> None:
    report = compute(GPT, parse_options({"input": "64"}, Settings()))
    model = _run(GPT)
    assert report.total == count(model.parameters()) == 33_920
    assert report.unfollowed == "torch.arange(...) is not followed (line 82)"
    theirs = _shapes(model, torch.zeros((2, 64), dtype=torch.long))
    rows = {row.name: row for row in report.leaves() if row.name in theirs}
    assert set(rows) == set(theirs)
    for name, module in model.named_modules():
        if name in rows:
            assert rows[name].params == count(module.parameters()), name
    known = {name: tuple(row.shape) for name, row in rows.items() if not is_unknown(row.shape)}
    assert known == {name: theirs[name] for name in known}
    # Followed to the first operation not followed (torch.arange, for the positions); never guessed after.
    assert known == {"transformer.wte": (64, 32)}
    assert is_unknown(rows["transformer.h.0.attn.c_proj"].shape)
    assert is_unknown(rows["transformer.wpe"].shape)


def test_the_page_and_the_command_line_say_which_shapes_are_not_followed(
    tmp_path: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    page = soup(to_html('```cnn input="64" framework="pytorch"\n' + GPT + "```\n"))
    cells = [td.get_text() for td in page.select("td.paramcalc-shape")]
    assert cells[0] == "(64)"
    assert "(64, 32)" in cells  # the token embedding's
    assert "not followed" in cells
    note = page.select_one("p.paramcalc-note")
    assert note is not None
    assert "torch.arange(...) is not followed (line 82)" in note.get_text()
    path = tmp_path / "gpt.py"
    path.write_text(GPT)
    status, out, err = paramcalc(capsys, "summary", "--input", "64", "--format", "json", str(path))
    assert (status, err) == (0, "")
    block = json.loads(out)["blocks"][0]
    assert block["total"] == 33_920
    assert block["macs"] is None
    assert block["shapes_not_followed"]
    embeddings = block["layers"][0]  # the token and position embeddings, added
    assert embeddings["output_shape"] is None
    assert [layer["output_shape"] for layer in embeddings["layers"]] == [[64, 32], None]


def test_where_even_that_cannot_go_on_every_module_is_listed_without_shapes() -> None:
    """A loop over a tensor's size: forward cannot be followed at all; the modules are listed
    as print(model) lists them, each counted."""
    text = GPT.replace(
        "        for block in self.transformer.h:",
        "        for i in range(t):\n            pass\n        for block in self.transformer.h:",
    )
    report = compute(text, parse_options({"input": "64"}, Settings()))
    assert report.total == 33_920
    assert report.unfollowed.startswith("a loop over a tensor's size is not followed (line ")
    assert all(is_unknown(row.shape) for row in report.leaves())
    assert report.leaves()[0].name == "transformer.wte"


def test_parts_that_need_shapes_say_why_they_cannot_be_shown() -> None:
    with pytest.raises(BlockError) as caught:
        compute(GPT, parse_options({"input": "64", "show": "table macs"}, Settings()))
    assert "macs need every layer's shape" in caught.value.message


def test_a_conditional_on_the_data_is_still_an_error() -> None:
    """A table shows one path through a model: before any operation it does not follow, an `if`
    on a tensor is an error that says so."""
    text = GPT.replace("        b, t = idx.size()\n", "        if idx:\n            idx = -idx\n")
    with pytest.raises(BlockError) as caught:
        compute(text, parse_options({"input": "64"}, Settings()))
    assert "conditional on the data" in caught.value.message


KERAS_OPS = """\
import keras
from keras import layers
i = keras.Input(shape=(8,))
x = keras.ops.relu(i)
model = keras.Model(i, layers.Dense(2)(x))
"""


def test_keras_code_that_is_not_followed_is_an_error() -> None:
    """A Keras layer's count needs its input's shape (Dense(2) does not say its inputs)."""
    with pytest.raises(BlockError) as caught:
        compute(KERAS_OPS, parse_options({}, Settings()))
    assert "not followed" in caught.value.message


def test_torch_itself_runs_the_text() -> None:
    model = _run(GPT)
    with torch.no_grad():
        out = model(torch.zeros((2, 64), dtype=torch.long))
    assert tuple(out.shape) == (2, 64, 100)


BUFFERS = """\
import math
import torch
import torch.nn as nn

class PositionalEncoding(nn.Module):
    def __init__(self, d_model, max_len=50):
        super().__init__()
        pe = torch.zeros(max_len, d_model)
        position = torch.arange(0, max_len).unsqueeze(1)
        pe = pe.unsqueeze(0)
        self.register_buffer('pe', pe)

    def forward(self, x):
        return x + self.pe

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(100, 16)
        self.pos = PositionalEncoding(16)
        self.register_buffer("mask", torch.tril(torch.ones(50, 50)).view(1, 1, 50, 50))
        self.fc = nn.Linear(16, 4)

    def forward(self, x):
        return self.fc(self.pos(self.emb(x)))

model = Net()
"""


def test_registered_buffers_are_counted_as_torch_counts_them() -> None:
    """A buffer added in forward is a row where it is added; one forward does not use (a causal
    mask) is a row after the layers; both count as buffers, as model.buffers() counts them."""
    report = compute(BUFFERS, parse_options({"input": "50"}, Settings()))
    model = _run(BUFFERS)
    assert (
        (report.total, report.buffers)
        == (count(model.parameters()), count(model.buffers()))
        == (1_668, 3_300)
    )
    assert [(r.name, r.kind, r.buffers) for r in report.leaves() if r.kind == "Buffer"] == [
        ("pos.pe", "Buffer", 800),
        ("mask", "Buffer", 2_500),
    ]
    assert not report.unfollowed

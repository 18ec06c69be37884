"""Model files as repositories write them (tests/pasted/): torchvision's ResNet with its weight
initialisation loop and `if self.downsample is not None:`, MobileNetV2 with a Sequential subclass
and a conditional residual, kuangliu's VGG built from a configuration list, an LSTM classifier
with its initial states, a U-Net whose Up block's forward takes two tensors and pads one. Each is read by
`paramcalc summary` (never run), and run by real PyTorch: the totals and buffers must agree."""

from __future__ import annotations

import json
import sys
import types
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import paramcalc
from tests.oracle import TORCH_MARKS, count, nn, torch

pytestmark = TORCH_MARKS

FILES = Path(__file__).parent / "pasted"
CASES = [
    ("torchvision_resnet.py", "3x224x224", 11_689_512),
    ("mobilenet_v2.py", "3x224x224", 3_504_872),
    ("vgg_cifar.py", "3x32x32", 14_728_266),
    # forward as written around operations not followed: states, indexing, F.pad; counts exact
    ("lstm_classifier.py", "20", 296_069),
    ("milesial_unet.py", "3x64x64", 1_864_194),
    # nn.MultiheadAttention called on (y, y, y): self-attention, followed to the end
    ("pre_ln_transformer.py", "16", 112_868),
    # nn.TransformerEncoder copies its layer num_layers times, as torch does
    ("transformer_encoder.py", "20", 525_954),
    # nanoGPT's model.py: hand-written attention, a LayerNorm of its own, the tied head, init loops
    ("nanogpt.py", "1024", 124_475_904),
    # a ViT from scratch: patches by flatten(2).transpose, a class token and position embedding as
    # nn.Parameters, nn.TransformerEncoder, the head on x[:, 0]
    ("vit_from_scratch.py", "3x32x32", 142_026),
]


def _run(path: Path) -> Any:
    scope: dict[str, Any] = {}
    exec(path.read_text(), scope)  # the test's own file, run by the real framework
    return scope.get("model") or scope["net"]


@pytest.mark.filterwarnings(
    "ignore:enable_nested_tensor is True:UserWarning"
)  # torch's note on a pre-LN encoder
@pytest.mark.parametrize(("name", "shape", "total"), CASES)
def test_a_repository_file_reads_as_torch_builds_it(
    name: str, shape: str, total: int, capsys: pytest.CaptureFixture[str]
) -> None:
    path = FILES / name
    status, out, err = paramcalc(capsys, "summary", "--input", shape, "--format", "json", str(path))
    assert (status, err) == (0, "")
    block = json.loads(out)["blocks"][0]
    model = _run(path)
    assert block["total"] == count(model.parameters()) == total
    assert block["buffers"] == count(model.buffers())


def test_a_notebook_pasted_whole_reads_its_model_and_reads_past_the_rest(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """IPython lines, data loaders, torchsummary, an optimiser, a training loop, plots and a save:
    none of it changes the model, and none of it is run. The Net is PyTorch's old MNIST example."""
    path = FILES / "mnist_notebook.py"
    status, out, err = paramcalc(capsys, "summary", "--input", "1x28x28", "--format", "json", str(path))
    assert (status, err) == (0, "")
    block = json.loads(out)["blocks"][0]
    assert block["total"] == 260 + 5_020 + 16_050 + 510 == 21_840
    classes = path.read_text().split("class Net(nn.Module):")[1].split("model = Net()")[0]
    model = _run_text(
        "import torch\nimport torch.nn as nn\nimport torch.nn.functional as F\nclass Net(nn.Module):"
        + classes
        + "model = Net()\n"
    )
    assert count(model.parameters()) == block["total"]


def _run_text(text: str) -> Any:
    scope: dict[str, Any] = {}
    exec(text, scope)  # the test's own text (the notebook's class), run by the real framework
    return scope["model"]


def test_a_keras_input_of_any_length_reads_as_a_name(capsys: pytest.CaptureFixture[str]) -> None:
    """keras.Input(shape=(None,)): the length is a name, T, and the counts are Keras'."""
    from tests.oracle import keras_on_torch

    keras_on_torch().backend.clear_session(free_memory=False)
    path = FILES / "keras_text_cnn.py"
    status, out, err = paramcalc(capsys, "summary", "--format", "json", str(path))
    assert (status, err) == (0, "")
    block = json.loads(out)["blocks"][0]
    assert block["total"] == _run(path).count_params() == 2_806_273
    assert block["layers"][0]["output_shape"] == ["T", 128]


def test_keras_attention_called_on_query_and_value(capsys: pytest.CaptureFixture[str]) -> None:
    """layers.MultiHeadAttention(...)(x, x): self-attention; the Softmax after it is softmax_1,
    as Keras names it (the attention made its own softmax)."""
    from tests.oracle import keras_on_torch

    keras_on_torch().backend.clear_session(free_memory=False)
    path = FILES / "keras_attention.py"
    status, out, err = paramcalc(capsys, "summary", "--format", "json", str(path))
    assert (status, err) == (0, "")
    block = json.loads(out)["blocks"][0]
    model = _run(path)
    assert block["total"] == model.count_params()
    theirs = [layer.name for layer in model.layers if type(layer).__name__ != "InputLayer"]

    def leaves(layers: list[dict[str, Any]]) -> list[str]:  # x + a is a Residual row, not a layer
        return [
            name
            for layer in layers
            for name in (leaves(layer["layers"]) if "layers" in layer else [layer["name"]])
        ]

    assert leaves(block["layers"]) == theirs
    assert "softmax_1" in theirs


def _without_fairscale(monkeypatch: pytest.MonkeyPatch) -> None:
    """Meta's Llama imports fairscale, which the tests do not install: a stand-in with its names, on
    one process (ColumnParallelLinear and RowParallelLinear are nn.Linear, ParallelEmbedding is
    nn.Embedding), and `.cuda()` a no-op, as the file moves its key/value cache to the GPU."""
    layers = types.ModuleType("fairscale.nn.model_parallel.layers")
    linear = lambda a, b, bias=True, **_: nn.Linear(a, b, bias=bias)  # noqa: E731
    layers.ColumnParallelLinear = layers.RowParallelLinear = linear  # type: ignore[attr-defined]
    layers.ParallelEmbedding = lambda n, d, **_: nn.Embedding(n, d)  # type: ignore[attr-defined]
    initialize = types.ModuleType("fairscale.nn.model_parallel.initialize")
    initialize.get_model_parallel_world_size = lambda: 1  # type: ignore[attr-defined]
    parallel = types.ModuleType("fairscale.nn.model_parallel")
    parallel.layers, parallel.initialize = layers, initialize  # type: ignore[attr-defined]
    for module in (types.ModuleType("fairscale"), types.ModuleType("fairscale.nn"), parallel):
        monkeypatch.setitem(sys.modules, module.__name__, module)
    for module in (layers, initialize):
        monkeypatch.setitem(sys.modules, module.__name__, module)
    monkeypatch.setattr(torch.Tensor, "cuda", lambda self, *args, **kwargs: self)


LLAMA_7B = "model = Transformer(ModelArgs(vocab_size=32000))\n"  # Llama-2-7B's params.json


def test_meta_llama_model_file_reads_as_torch_builds_it(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Meta's llama/model.py as its repository writes it: fairscale's parallel layers read as the
    torch layers they split on one process, RMSNorm's nn.Parameter, the rotary frequencies and the
    key/value cache plain tensors (torch counts them as neither parameters nor buffers), forward
    under @torch.inference_mode() taking (tokens, start_pos). A small configuration, run by torch;
    and Llama-2-7B's, 6,738,415,616 parameters, built by torch on the meta device."""
    _without_fairscale(monkeypatch)
    path = FILES / "llama_model.py"
    status, out, err = paramcalc(capsys, "summary", "--input", "16", "--format", "json", str(path))
    assert (status, err) == (0, "")
    block = json.loads(out)["blocks"][0]
    model = _run(path)
    assert block["total"] == count(model.parameters()) == 111_424
    assert block["buffers"] == count(model.buffers()) == 0
    assert model(torch.zeros(2, 16, dtype=torch.long), 0).shape == (2, 16, 100)  # the file runs as read

    text = path.read_text().split("\n\nmodel = Transformer(")[0] + "\n\n" + LLAMA_7B
    big = tmp_path / "llama_7b.py"
    big.write_text(text)
    status, out, err = paramcalc(capsys, "summary", "--input", "16", "--format", "json", str(big))
    assert (status, err) == (0, "")
    block = json.loads(out)["blocks"][0]
    with torch.device("meta"):
        model = _run(big)
    assert block["total"] == count(model.parameters()) == 6_738_415_616
    assert block["buffers"] == count(model.buffers()) == 0

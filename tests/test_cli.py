"""The `paramcalc` command: summary formats, check's messages and exit codes."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest

from tests.helpers import SEED, paramcalc, paramcalc_process
from tests.pasted_code import KERAS_MNIST, TORCH_MLP, TORCH_MNIST

PAGE = f"""# A page

Some text.

```cnn id="mnist" title="Our simple CNN"
{SEED}
```

> ```cnn
> Input(8)
> Dense(4, expect=30)
> ```
"""


@pytest.fixture
def page(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "docs").mkdir()
    path = tmp_path / "docs" / "page.md"
    path.write_text(PAGE, encoding="utf-8")
    return path


def test_check_lists_every_error_with_its_position(page: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (page.parent / "other.md").write_text("```cnn\nInput(28, 28, 1)\nConv2D(32, 50)\n```\n")
    code, out, err = paramcalc(capsys, "check", "docs")
    assert code == 1
    lines = out.splitlines()
    assert lines[0].startswith("docs/other.md:3:1: ")
    assert "kernel" in lines[0]
    assert lines[1] == "docs/page.md:18:12: dense: the text says 30, the formula gives 36"
    assert "3 blocks in 2 files: 2 errors" in err


def test_check_passes_a_good_tree(page: Path, capsys: pytest.CaptureFixture[str]) -> None:
    page.write_text(PAGE.replace("expect=30", "expect=36"))
    code, out, err = paramcalc(capsys, "check", str(page))
    assert (code, out) == (0, "")
    assert "2 blocks in 1 file: all hold" in err


def test_check_bad_usage(page: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert paramcalc(capsys, "check", "missing")[0] == 2
    assert paramcalc(capsys, "frobnicate")[0] == 2
    assert paramcalc(capsys, "check")[0] == 2
    assert paramcalc(capsys, "--help")[0] == 0


def test_summary_text_is_a_keras_like_table(page: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = paramcalc(capsys, "summary", str(page), "--id", "mnist")
    assert code == 0
    assert out.splitlines()[0] == "Our simple CNN (mnist)"
    assert "│ Conv_2 + ReLU (Conv2D)  │ (24, 24, 64) │    18,496 │" in out
    assert " Total params: 1,199,882 (4.58 MB)" in out
    assert " Non-trainable params: 0 (0.00 B)" in out


def test_summary_json_is_the_spec_shape(page: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = paramcalc(capsys, "summary", "--format", "json", str(page))
    assert code == 1  # the second block's claim fails, and is said on stderr
    assert "the text says 30" in err
    blocks = json.loads(out)["blocks"]
    first = blocks[0]
    assert {k: first[k] for k in ("id", "file", "line", "total", "trainable", "non_trainable")} == {
        "id": "mnist",
        "file": str(page),
        "line": 5,
        "total": 1_199_882,
        "trainable": 1_199_882,
        "non_trainable": 0,
    }
    assert first["layers"][0] == {
        "name": "Conv_1 + ReLU",
        "type": "Conv2D",
        "output_shape": [26, 26, 32],
        "params": 320,
        "macs": 26 * 26 * 32 * (3 * 3 * 1),
        "activation_bytes": 26 * 26 * 32 * 4,
    }
    assert first["macs"] == 11_992_448
    assert blocks[1]["total"] == 36


def test_summary_symbolic_values_are_strings(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        "sys.stdin", __import__("io").StringIO("Input(H, W, 1)\nConv2D(8, 3)\nFlatten()\nDense(2)\n")
    )
    _, out, _ = paramcalc(capsys, "summary", "--format", "json", "-")
    block = json.loads(out)["blocks"][0]
    assert block["file"] == "<stdin>"
    assert block["layers"][0]["params"] == 80
    assert block["layers"][1]["output_shape"] == ["8*(H - 2)*(W - 2)"]
    assert isinstance(block["total"], str)


def test_summary_markdown_and_latex(page: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, md, _ = paramcalc(capsys, "summary", "--format", "markdown", "--id", "mnist", str(page))
    assert "| Conv\\_2 + ReLU (Conv2D) | (24, 24, 64) | 18,496 |" in md
    assert "| **Total** | | **1,199,882** |" in md
    _, tex, _ = paramcalc(capsys, "summary", "--format", "latex", "--id", "mnist", str(page))
    assert r"Conv\_2 + ReLU (Conv2D) & $(24, 24, 64)$ & 18{,}496 \\" in tex
    assert tex.startswith(r"\begin{table}")


def test_summary_of_a_cnn_file_and_pytorch_buffers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model = tmp_path / "net.cnn"
    model.write_text("Input(3, 32, 32)\nnn.Conv2d(3, 16, 3)\nnn.BatchNorm2d(16)\n")
    code, out, _ = paramcalc(capsys, "summary", str(model))
    assert code == 0
    assert " Total params: 480" in out
    assert " Buffers (not parameters): 33" in out


def test_site_settings_come_from_mkdocs_yml(page: Path, capsys: pytest.CaptureFixture[str]) -> None:
    Path("mkdocs.yml").write_text(
        "site_name: t\nmarkdown_extensions:\n  - pymdownx.emoji:\n"
        "      emoji_index: !!python/name:material.extensions.emoji.twemoji\n"
        "plugins:\n  - search\n  - paramcalc:\n      framework: pytorch\n"
    )
    Path("m.cnn").write_text("Input(4, 8)\nReLU()\nFlatten()\n")
    _, out, _ = paramcalc(capsys, "summary", "--format", "json", "m.cnn")
    assert json.loads(out)["blocks"][0]["framework"] == "pytorch"
    Path("mkdocs.yml").write_text("plugins:\n  - paramcalc:\n      framework: tensorflow\n")
    code, _, err = paramcalc(capsys, "check", "m.cnn")
    assert code == 2
    assert "framework" in err


def test_console_script_and_module_run_without_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "bad.md"
    bad.write_bytes(b"\xff\xfe not utf-8")
    result = paramcalc_process("check", str(bad))
    assert result.returncode == 1  # an error in the tree, located, as any other (issue 13)
    assert "Traceback" not in result.stderr
    assert f"{bad}:1:1: cannot read it: it is not UTF-8 text (byte 0xff)" in result.stdout


def test_check_resolves_references_across_files(page: Path, capsys: pytest.CaptureFixture[str]) -> None:
    page.write_text(PAGE.replace("expect=30", "expect=36"))
    (page.parent / "quotes.md").write_text(
        'Total `#!cnn mnist.total`, FC_1 `#!cnn mnist.layers["FC_1"].params`.\n\n'
        'Wrong: `#!cnn mnist.layers["FC1"].params`; shown as code: `` `#!cnn nothing.total` ``.\n\n'
        "```python\nprint('`#!cnn not.checked`')\n```\n"
    )
    (page.parent / "zz-again.md").write_text('```cnn id="mnist"\nInput(3)\nDense(1)\n```\n')
    code, out, _ = paramcalc(capsys, "check", "docs")
    assert code == 1
    assert out.splitlines() == [
        "docs/quotes.md:3:28: no layer is named 'FC1'; the layers are 'Conv_1 + ReLU', 'Conv_2 + ReLU', "
        "'Max Pool', 'flatten', 'FC_1', 'FC_2 (Output)' (hint: did you mean `FC_1`?)",
        "docs/zz-again.md:1:8: two blocks have the id 'mnist'; the other is at docs/page.md:5",
    ]


def test_check_reads_stdin_and_says_its_version(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("```cnn\nInput(3)\nDense(2, use_bias=Flase)\n```\n"))
    code, out, _ = paramcalc(capsys, "check", "-")
    assert code == 1
    assert (
        out
        == "<stdin>:3:10: dense: `use_bias` must be True or False, got Flase (hint: did you mean False?)\n"
    )
    code, out, _ = paramcalc(capsys, "--version")
    assert code == 0
    assert out.startswith("paramcalc ")


def test_latex_escapes_what_latex_would_misread(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    model = tmp_path / "m.cnn"
    model.write_text('Input(4)\nDense(2, name="a|b <c> 50% & $x_1 #2 {y}")\n')
    _, tex, _ = paramcalc(capsys, "summary", "--format", "latex", str(model))
    assert r"a\textbar{}b \textless{}c\textgreater{} 50\% \& \$x\_1 \#2 \{y\} (Dense) & $(2)$ & 10 \\" in tex


def test_summary_show_adds_and_removes_columns(page: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = paramcalc(capsys, "summary", "--id", "mnist", "--show", "table macs memory", str(page))
    assert code == 0
    assert "┃ Layer (type)            ┃ Output shape ┃   Param # ┃       MACs ┃ Activations ┃" in out
    # Conv_2: 24 × 24 × 64 outputs, each 3 × 3 × 32 multiply-accumulates; float32 activations.
    assert f"│ {24 * 24 * 64 * 3 * 3 * 32:,} │   147.46 kB │" in out
    assert "Estimated total size:" in out
    _, md, _ = paramcalc(
        capsys, "summary", "--format", "markdown", "--id", "mnist", "--show", "macs", str(page)
    )
    assert "| Layer | Output shape | Parameters | MACs |" in md
    assert "| **Total** | | **1,199,882** | **11,992,448** |" in md
    # --show overrides a fence's own show, here to fewer columns.
    page.write_text(PAGE.replace('id="mnist"', 'id="mnist" show="table macs"'))
    _, plain, _ = paramcalc(capsys, "summary", "--id", "mnist", "--show", "table", str(page))
    _, fenced, _ = paramcalc(capsys, "summary", "--id", "mnist", str(page))
    assert "MACs ┃" in fenced
    assert "MACs ┃" not in plain
    assert "│ Conv_2 + ReLU (Conv2D)  │ (24, 24, 64) │    18,496 │" in plain


def test_summary_show_rejects_an_unknown_part(page: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = paramcalc(capsys, "summary", "--show", "table mac", str(page))
    assert (code, out) == (2, "")
    assert "argument --show: show: unknown part 'mac'" in err
    assert 'did you mean "macs"?' in err


# ---------------------------------------------------------------------------------------------
# Model code: `paramcalc summary model.py` (issue 16, item 5)
# ---------------------------------------------------------------------------------------------

# PyTorch's quickstart MLP (tests/pasted_code.py): the numbers tests/test_pasted.py proves against torch.
TORCH_MLP_TOTAL = "669,706"  # (784 + 1) × 512 + (512 + 1) × 512 + (512 + 1) × 10


# The PyTorch MNIST example's Net (github.com/pytorch/examples, mnist/main.py), without a model made.
TORCH_NET = TORCH_MNIST.replace("\n\nmodel = Net()\n", "\n")


@pytest.fixture
def code(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """model.py with the quickstart MLP, in a folder of its own without mkdocs.yml."""
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "model.py"
    path.write_text(TORCH_MLP, encoding="utf-8")
    return path


def test_summary_of_python_code_is_model_summary_without_running_it(
    code: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code_, out, err = paramcalc(capsys, "summary", "--input", "1x28x28", "model.py")
    assert (code_, err) == (0, "")
    lines = out.splitlines()
    assert lines[0] == "model.py"
    assert "│ Input        │ (1, 28, 28)  │       – │" in out
    assert "│ 1 (Linear)   │ (512)        │ 401,920 │" in out  # named as print(model) names it
    assert f" Total params: {TORCH_MLP_TOTAL} (2.55 MB)" in out
    # The shape as torch prints it reads the same.
    assert paramcalc(capsys, "summary", "--input", "(1, 28, 28)", "model.py") == (0, out, "")


def test_every_format_works_for_python_code(code: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, raw, _ = paramcalc(capsys, "summary", "--input", "1x28x28", "--format", "json", "model.py")
    block = json.loads(raw)["blocks"][0]
    assert {k: block[k] for k in ("id", "file", "line", "framework", "total", "non_trainable")} == {
        "id": None,
        "file": "model.py",
        "line": 1,
        "framework": "pytorch",
        "total": 669_706,
        "non_trainable": 0,
    }
    assert [layer["type"] for layer in block["layers"]] == [
        "Flatten",
        "Linear",
        "ReLU",
        "Linear",
        "ReLU",
        "Linear",
    ]
    _, md, _ = paramcalc(capsys, "summary", "--input", "1x28x28", "--format", "markdown", "model.py")
    assert md.startswith("**model.py**\n")
    assert f"| **Total** | | **{TORCH_MLP_TOTAL}** |" in md
    _, tex, _ = paramcalc(capsys, "summary", "--input", "1x28x28", "--format", "latex", "model.py")
    assert r"\caption{model.py}" in tex
    assert r"1 (Linear) & $(512)$ & 401{,}920 \\" in tex
    _, shown, _ = paramcalc(capsys, "summary", "--input", "1x28x28", "--show", "table macs", "model.py")
    assert "MACs ┃" in shown


def test_keras_code_says_its_own_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    model = tmp_path / "mnist.py"
    model.write_text(KERAS_MNIST)
    code, out, err = paramcalc(capsys, "summary", str(model))
    assert (code, err) == (0, "")
    assert "│ conv2d_1 (Conv2D)" in out
    assert " Total params: 34,826 (136.04 KB)" in out
    # The shape given twice, by the code and by the flag: the flag is what to drop.
    code, _, err = paramcalc(capsys, "summary", "--input", "28x28x1", str(model))
    assert code == 2
    assert err == (
        f"{model}: --input: the input shape is given twice "
        "(hint: the file says it already: leave out --input)\n"
    )


def test_pytorch_code_without_input_says_to_pass_it(code: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = paramcalc(capsys, "summary", "model.py")
    assert (status, out) == (1, "")
    # At the model (line 4) or its first layer (line 5), as the reader points: a line of the file.
    assert re.fullmatch(
        r"model\.py:[45]:\d+: the code does not say its input shape "
        r"\(hint: pass the shape of one example, without the batch: --input 1x28x28\)\n",
        err,
    )


def test_errors_in_code_say_the_files_own_lines(code: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code.write_text(
        TORCH_MLP.replace(
            "    nn.ReLU(),\n    nn.Linear(512, 512)", "    nn.Conv3x(1),\n    nn.Linear(512, 512)"
        )
    )
    assert code.read_text().splitlines()[6] == "    nn.Conv3x(1),"  # line 7
    status, out, err = paramcalc(capsys, "summary", "--input", "1x28x28", "model.py")
    assert (status, out) == (1, "")
    assert err.startswith("model.py:7:5: unknown PyTorch layer `Conv3x`")
    code.write_text("import torch\n\nx = foo(\n")
    status, _, err = paramcalc(capsys, "summary", "--input", "1x28x28", "model.py")
    assert status == 1
    assert err.startswith("model.py:3:")
    assert "'(' was never closed" in err
    # check says the same, at the same place.
    status, out, _ = paramcalc(capsys, "check", "--input", "1x28x28", "model.py")
    assert status == 1
    assert out.startswith("model.py:3:")


def test_a_bad_flag_is_bad_usage_and_named(code: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = paramcalc(capsys, "summary", "--input", "1xx28", "model.py")
    assert (status, out) == (2, "")
    assert err.startswith("model.py: --input: could not read ")
    status, out, _ = paramcalc(capsys, "check", "--input", 'a"b\\', "model.py")
    assert status == 2
    assert out.startswith("model.py: --input: ")
    status, _, err = paramcalc(capsys, "summary", "--input", "1\tx28", "model.py")
    assert status == 2
    assert "model.py: --input: option `input` holds the control character U+0009" in err
    assert "Traceback" not in err


def test_an_empty_python_file_defines_no_model(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "empty.py").write_text("import torch\n")
    status, _, err = paramcalc(capsys, "summary", str(tmp_path / "empty.py"))
    assert status == 1
    assert err.startswith(f"{tmp_path / 'empty.py'}:1:1: the file defines no model")


def test_python_is_read_when_named_and_never_walked_into(
    page: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    page.write_text(PAGE.replace("expect=30", "expect=36"))
    (page.parent / "broken.py").write_text("x = foo(\n")  # in the tree: not a page, so not read
    Path("model.py").write_text(TORCH_MLP)
    status, out, err = paramcalc(capsys, "check", "docs")
    assert (status, out) == (0, "")
    assert "2 blocks in 1 file: all hold" in err
    status, out, err = paramcalc(capsys, "check", "--input", "1x28x28", "docs", "model.py")
    assert (status, out) == (0, "")
    assert "3 blocks in 2 files: all hold" in err
    status, out, _ = paramcalc(capsys, "check", "docs", "model.py")
    assert status == 1
    assert re.match(r"model\.py:[45]:\d+: the code does not say its input shape", out)


def test_flags_for_a_fence_only_tree_are_bad_usage(page: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = paramcalc(capsys, "summary", "--input", "1x28x28", str(page))
    assert status == 2
    assert err.endswith(
        "paramcalc: --input applies to .py and .cnn files and to a block on standard input; "
        "a Markdown block says it on its fence (input=, model=)\n"
    )
    status, _, err = paramcalc(capsys, "check", "--model", "Net", "docs")
    assert status == 2
    assert "paramcalc: --model applies to .py and .cnn files" in err


def test_a_fence_in_a_docstring_is_not_a_block(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    model = tmp_path / "doc.py"
    model.write_text(
        '"""Notes.\n\n```cnn\nInput(3)\nDense(5)\n```\n"""\n'
        "from torch import nn\nmodel = nn.Sequential(nn.Linear(3, 2))\n"
    )
    _, out, _ = paramcalc(capsys, "summary", "--input", "3", "--format", "json", str(model))
    blocks = json.loads(out)["blocks"]
    assert len(blocks) <= 1  # the file, read as code: its docstring's Dense(5) (20 parameters) is no block
    assert all(block["total"] == 8 for block in blocks)


def test_code_and_cnn_lines_on_stdin_and_in_cnn_files_take_the_flags(
    code: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(TORCH_MLP))
    status, out, _ = paramcalc(capsys, "summary", "--input", "1x28x28", "-")
    assert status == 0
    assert out.splitlines()[0] == "Model"
    assert f" Total params: {TORCH_MLP_TOTAL} " in out
    Path("net.cnn").write_text("nn.Conv2d(3, 16, 3)\nnn.BatchNorm2d(16)\n")
    status, out, _ = paramcalc(capsys, "summary", "--input", "3x32x32", "net.cnn")
    assert status == 0
    assert "│ Conv2d-1 (Conv2d)           │ (16, 30, 30) │     448 │" in out
    status, _, err = paramcalc(capsys, "summary", "net.cnn")
    assert status == 1
    assert err == (
        "net.cnn:1:1: the block does not say its input shape (hint: start it with a line such as "
        "Input(28, 28, 1), or add --input 28x28x1)\n"
    )


def test_the_command_never_imports_a_framework(code: Path) -> None:
    (code.parent / "net.py").write_text(TORCH_NET)
    (code.parent / "mnist.py").write_text(KERAS_MNIST)
    script = (
        "import sys\n"
        "from mkdocs_paramcalc.frontends.cli import main\n"
        "for argv in (['summary', '--input', '1x28x28', 'model.py', 'net.py'], ['check', 'mnist.py'],\n"
        "             ['summary', '--format', 'json', '--input', '1x28x28', 'model.py']):\n"
        "    main(argv)\n"
        "loaded = sorted({m.split('.')[0] for m in sys.modules} & {'torch', 'keras', 'tensorflow', 'jax'})\n"
        "print('frameworks:', loaded)\n"
    )
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=code.parent,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert "Traceback" not in result.stderr
    assert result.stdout.splitlines()[-1] == "frameworks: []"
    assert f"Total params: {TORCH_MLP_TOTAL}" in result.stdout


def test_the_console_script_reads_code(code: Path) -> None:
    result = paramcalc_process("summary", "--input", "1x28x28", str(code))
    assert (result.returncode, result.stderr) == (0, "")
    assert f" Total params: {TORCH_MLP_TOTAL} " in result.stdout


def test_class_based_code_reads_as_torch_builds_it(code: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code.write_text(TORCH_NET)
    status, out, err = paramcalc(capsys, "summary", "--input", "1x28x28", "model.py")
    assert (status, err) == (0, "")
    assert " Total params: 1,199,882 " in out  # the seed network's count, as torch gives it
    assert "conv1" in out
    assert "fc2" in out


def test_model_chooses_among_several(code: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code.write_text(TORCH_NET + "\nnet = Net()\n\n" + TORCH_MLP.replace("model", "mlp"))
    status, out, err = paramcalc(capsys, "summary", "--input", "1x28x28", "--model", "mlp", "model.py")
    assert (status, err) == (0, "")
    assert out.splitlines()[0] == "mlp (model.py)"
    assert f" Total params: {TORCH_MLP_TOTAL} " in out
    _, out, _ = paramcalc(capsys, "summary", "--input", "1x28x28", "--model", "net", "model.py")
    assert " Total params: 1,199,882 " in out
    status, _, err = paramcalc(capsys, "summary", "--input", "1x28x28", "model.py")
    assert status == 1
    assert "--model" in err  # which of the two: the hint says the flag, not the fence's model=
    status, _, err = paramcalc(capsys, "summary", "--input", "1x28x28", "--model", "Nett", "model.py")
    assert status == 2
    assert err.startswith("model.py: --model: ")

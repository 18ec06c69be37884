"""The `paramcalc` command: summary formats, check's messages and exit codes."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from tests.helpers import SEED, paramcalc, paramcalc_process

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

"""Reports as a terminal prints them: text as `model.summary()` does, Markdown, LaTeX and JSON."""

from __future__ import annotations

import json
from typing import Any

from .model import Report
from .values import Number, as_text, is_symbolic, readable

FORMATS = ("text", "markdown", "latex", "json")
_BYTES = 4  # float32, as Keras and torchinfo assume


def _count(value: Number) -> str:
    return as_text(value) if is_symbolic(value) else f"{value:,}"


def _size(params: Number) -> str:
    """Memory for `params` float32 values, as Keras prints it: 4.58 MB (powers of 1024)."""
    if is_symbolic(params):
        return ""
    size = float(params * _BYTES)
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if size < 1024 or unit == "TB":
            return f" ({size:.2f} {unit})"
        size /= 1024
    return ""  # pragma: no cover (the loop always returns)


def _shape(shape: tuple[Number, ...]) -> str:
    return "(" + ", ".join(as_text(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"


def _layer(name: str, kind: str) -> str:
    return name if name == kind else f"{name} ({kind})"


def text(report: Report, heading: str) -> str:
    """A boxed table, as Keras 3's `model.summary()` draws it."""
    rows = [("Input", _shape(report.input_shape), "–")]
    rows += [(_layer(r.name, r.kind), _shape(r.shape), _count(r.params)) for r in report.rows]
    head = ("Layer (type)", "Output shape", "Param #")
    widths = [max(len(row[i]) for row in [head, *rows]) + 2 for i in range(3)]

    def line(left: str, mid: str, right: str, fill: str) -> str:
        return left + mid.join(fill * w for w in widths) + right

    def cells(row: tuple[str, str, str], bar: str) -> str:
        a, b, c = row
        padded = (a.ljust(widths[0] - 2), b.ljust(widths[1] - 2), c.rjust(widths[2] - 2))
        return bar + " " + f" {bar} ".join(padded) + " " + bar

    out = [heading, line("┏", "┳", "┓", "━"), cells(head, "┃"), line("┡", "╇", "┩", "━")]
    for i, row in enumerate(rows):
        if i:
            out.append(line("├", "┼", "┤", "─"))
        out.append(cells(row, "│"))
    out.append(line("└", "┴", "┘", "─"))
    out.append(f" Total params: {_count(report.total)}{_size(report.total)}")
    out.append(f" Trainable params: {_count(report.trainable)}{_size(report.trainable)}")
    out.append(f" Non-trainable params: {_count(report.non_trainable)}{_size(report.non_trainable)}")
    if report.buffers != 0:
        out.append(f" Buffers (not parameters): {_count(report.buffers)}{_size(report.buffers)}")
    return "\n".join(out)


def markdown(report: Report, heading: str) -> str:
    """A pipe table to paste into any Markdown."""
    esc = _markdown_escape
    out = [f"**{esc(heading)}**", "", "| Layer | Output shape | Parameters |", "|---|---|---:|"]
    out.append(f"| Input | {_shape(report.input_shape)} | – |")
    out += [
        f"| {esc(_layer(r.name, r.kind))} | {_shape(r.shape)} | {esc(_count(r.params))} |"
        for r in report.rows
    ]
    out.append(f"| **Total** | | **{esc(_count(report.total))}** |")
    if report.non_trainable != 0:
        out.append(f"| Trainable | | {esc(_count(report.trainable))} |")
        out.append(f"| Non-trainable | | {esc(_count(report.non_trainable))} |")
    if report.buffers != 0:
        out.append(f"| Buffers (not parameters) | | {esc(_count(report.buffers))} |")
    return "\n".join(out)


def _markdown_escape(text: str) -> str:
    return "".join("\\" + ch if ch in "|*_`[]<>\\" else ch for ch in text)


_LATEX_SPECIAL = {
    "\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
    "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
    "|": r"\textbar{}", "<": r"\textless{}", ">": r"\textgreater{}",
}  # fmt: skip


def _tex(text: str) -> str:
    return "".join(_LATEX_SPECIAL.get(ch, ch) for ch in text)


def _tex_number(value: Number) -> str:
    if is_symbolic(value):
        import sympy

        return f"${sympy.latex(readable(value), order='none')}$"
    return f"{value:,}".replace(",", "{,}")


def _tex_shape(shape: tuple[Number, ...]) -> str:
    parts = []
    for d in shape:
        if is_symbolic(d):
            import sympy

            parts.append(sympy.latex(readable(d), order="none"))
        else:
            parts.append(str(d))
    return "$(" + ", ".join(parts) + ")$"


def latex(report: Report, heading: str) -> str:
    """A booktabs table for a thesis or a Beamer slide (needs `\\usepackage{booktabs}`)."""
    out = [
        r"\begin{table}[htbp]",
        r"  \centering",
        rf"  \caption{{{_tex(heading)}}}",
        r"  \begin{tabular}{llr}",
        r"    \toprule",
        r"    Layer & Output shape & Parameters \\",
        r"    \midrule",
        rf"    Input & {_tex_shape(report.input_shape)} & -- \\",
    ]
    for r in report.rows:
        out.append(
            rf"    {_tex(_layer(r.name, r.kind))} & {_tex_shape(r.shape)} & {_tex_number(r.params)} \\"
        )
    out.append(r"    \midrule")
    out.append(rf"    \textbf{{Total}} & & \textbf{{{_tex_number(report.total)}}} \\")
    if report.non_trainable != 0:
        out.append(rf"    Trainable & & {_tex_number(report.trainable)} \\")
        out.append(rf"    Non-trainable & & {_tex_number(report.non_trainable)} \\")
    if report.buffers != 0:
        out.append(rf"    Buffers (not parameters) & & {_tex_number(report.buffers)} \\")
    out += [r"    \bottomrule", r"  \end{tabular}", r"\end{table}"]
    return "\n".join(out)


def _json_number(value: Number) -> int | str:
    return str(readable(value)) if is_symbolic(value) else int(value)


def as_json(report: Report, file: str, line: int) -> dict[str, Any]:
    """One block as the spec's JSON: numbers as integers, symbolic values as strings."""
    return {
        "id": report.options.id,
        "file": file,
        "line": line,
        "framework": report.framework,
        "total": _json_number(report.total),
        "trainable": _json_number(report.trainable),
        "non_trainable": _json_number(report.non_trainable),
        "buffers": _json_number(report.buffers),
        "layers": [
            {
                "name": r.name,
                "type": r.kind,
                "output_shape": [_json_number(d) for d in r.shape],
                "params": _json_number(r.params),
            }
            for r in report.rows
        ],
    }


def dump_json(blocks: list[dict[str, Any]]) -> str:
    return json.dumps({"blocks": blocks}, indent=2, ensure_ascii=False)

"""Reports as a terminal prints them: text as `model.summary()` does, Markdown, LaTeX and JSON."""

from __future__ import annotations

import json
from typing import Any

from mkdocs_paramcalc.report import memory
from mkdocs_paramcalc.report.model import Fold, Report, Row, shown
from mkdocs_paramcalc.values import Number, as_text, is_symbolic, readable

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


def _shown(report: Report, indent: str) -> list[tuple[str, Row | None, Fold | None]]:
    """The table's rows, each with its label indented by `indent` a level inside Residual,
    Branches and Repeat (a block's row holds its subtotal); a Repeat's identical copies are
    shown once, then a Fold line."""
    out: list[tuple[str, Row | None, Fold | None]] = []
    for depth, item in shown(report.rows):
        if isinstance(item, Fold):
            out.append((indent * depth + f"× {item.times} copies of the layers above", None, item))
        else:
            kind = item.kind
            if item.group is not None:
                kind = f"Repeat × {item.group.copies}" if kind == "Repeat" else kind
                kind = f"Branches, {item.group.merge}" if item.kind == "Branches" else kind
            out.append((indent * depth + _layer(item.name, kind), item, None))
    return out


def _extra_head(report: Report) -> tuple[str, ...]:
    """The headings of the MACs and memory columns, for a block that shows them."""
    show = report.options.show
    return (("MACs",) if "macs" in show else ()) + (("Activations",) if "memory" in show else ())


def _extra(report: Report, row: Row | None, size: str = "") -> tuple[str, ...]:
    """A row's MACs and activation size (`row` None: the Input row; `size` formats a size)."""
    show = report.options.show
    macs = (("–" if row is None else _count(row.macs)),) if "macs" in show else ()
    if "memory" not in show:
        return macs
    value = memory.input_bytes(report) if row is None else memory.activation_bytes(row)
    return (*macs, _bytes(value))


def _fold_extra(report: Report, fold: Fold | None) -> tuple[str, ...]:
    """A fold line's MACs (those of the copies it stands for) and a blank activation cell."""
    show = report.options.show
    macs = (_count(fold.macs if fold else 0),) if "macs" in show else ()
    return (*macs, "") if "memory" in show else macs


def _bytes(value: Number) -> str:
    return memory.size_text(value)


def _memory_lines(report: Report) -> list[str]:
    """torchinfo's size estimates, for one example."""
    sizes = ", ".join(
        f"{_bytes(memory.params_bytes(report, width))} ({name})" for name, width in memory.PRECISIONS
    )
    return [
        f"Params size: {sizes}",
        f"Forward/backward pass size: {_bytes(memory.forward_backward_bytes(report))}",
        f"Input size: {_bytes(memory.input_bytes(report))}",
        f"Estimated total size: {_bytes(memory.total_bytes(report))}",
    ]


def text(report: Report, heading: str) -> str:
    """A boxed table, as Keras 3's `model.summary()` draws it."""
    rows = [("Input", _shape(report.input_shape), "–", *_extra(report, None))]
    rows += [
        (label, _shape(r.shape), _count(r.params), *_extra(report, r))
        if r is not None
        else (label, "", _count(fold.params if fold else 0), *_fold_extra(report, fold))
        for label, r, fold in _shown(report, "  ")
    ]
    head = ("Layer (type)", "Output shape", "Param #", *_extra_head(report))
    widths = [max(len(row[i]) for row in [head, *rows]) + 2 for i in range(len(head))]

    def line(left: str, mid: str, right: str, fill: str) -> str:
        return left + mid.join(fill * w for w in widths) + right

    def cells(row: tuple[str, ...], bar: str) -> str:
        pairs = enumerate(zip(row, widths, strict=True))
        padded = [c.ljust(w - 2) if i < 2 else c.rjust(w - 2) for i, (c, w) in pairs]
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
    out.append(f" Total MACs: {_count(report.macs)} (one example, as fvcore counts them)")
    if "memory" in report.options.show:
        out.append(" Memory for one example, as torchinfo estimates it (1 MB = 10^6 bytes):")
        out += [f"   {line}" for line in _memory_lines(report)]
    return "\n".join(out)


def markdown(report: Report, heading: str) -> str:
    """A pipe table to paste into any Markdown."""
    esc = _markdown_escape
    extra_head = "".join(f" {h} |" for h in _extra_head(report))
    blank = " |" * len(_extra_head(report))

    def extra(row: Row | None) -> str:
        return "".join(f" {esc(c)} |" for c in _extra(report, row))

    out = [f"**{esc(heading)}**", "", f"| Layer | Output shape | Parameters |{extra_head}"]
    out.append("|---|---|---:|" + "---:|" * len(_extra_head(report)))
    out.append(f"| Input | {_shape(report.input_shape)} | – |{extra(None)}")
    for label, r, fold in _shown(report, "\u2003"):  # an em space: Markdown keeps it, unlike a space
        if r is not None:
            out.append(f"| {esc(label)} | {_shape(r.shape)} | {esc(_count(r.params))} |{extra(r)}")
        elif fold is not None:
            fold_extra = "".join(f" {esc(c)} |" for c in _fold_extra(report, fold))
            out.append(f"| {esc(label)} | | {esc(_count(fold.params))} |{fold_extra}")
    total_macs = f" **{esc(_count(report.macs))}** |" if "macs" in report.options.show else ""
    total_blank = " |" if "memory" in report.options.show else ""
    out.append(f"| **Total** | | **{esc(_count(report.total))}** |{total_macs}{total_blank}")
    if report.non_trainable != 0:
        out.append(f"| Trainable | | {esc(_count(report.trainable))} |{blank}")
        out.append(f"| Non-trainable | | {esc(_count(report.non_trainable))} |{blank}")
    if report.buffers != 0:
        out.append(f"| Buffers (not parameters) | | {esc(_count(report.buffers))} |{blank}")
    if "memory" in report.options.show:
        out += ["", *(f"- {esc(line)}" for line in _memory_lines(report))]
    return "\n".join(out)


def _markdown_escape(text: str) -> str:
    return "".join("\\" + ch if ch in "|*_`[]<>\\" else ch for ch in text)


_LATEX_SPECIAL = {
    "\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
    "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
    "|": r"\textbar{}", "<": r"\textless{}", ">": r"\textgreater{}", "×": r"$\times$",
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
        rf"  \begin{{tabular}}{{llr{'r' * len(_extra_head(report))}}}",
        r"    \toprule",
        rf"    Layer & Output shape & Parameters{''.join(f' & {h}' for h in _extra_head(report))} \\",
        r"    \midrule",
        rf"    Input & {_tex_shape(report.input_shape)} & --{_tex_extra(report, None)} \\",
    ]
    blank = " &" * len(_extra_head(report))
    for label, r, fold in _shown(report, "\t"):
        depth = len(label) - len(label.lstrip("\t"))
        text = r"\quad " * depth + _tex(label.lstrip("\t"))
        if r is not None:
            out.append(
                rf"    {text} & {_tex_shape(r.shape)} & {_tex_number(r.params)}{_tex_extra(report, r)} \\"
            )
        elif fold is not None:
            macs = f" & {_tex_number(fold.macs)}" if "macs" in report.options.show else ""
            memory_blank = " &" if "memory" in report.options.show else ""
            out.append(rf"    \textit{{{text}}} & & {_tex_number(fold.params)}{macs}{memory_blank} \\")
    total_macs = rf" & \textbf{{{_tex_number(report.macs)}}}" if "macs" in report.options.show else ""
    total_blank = " &" if "memory" in report.options.show else ""
    out.append(r"    \midrule")
    out.append(
        rf"    \textbf{{Total}} & & \textbf{{{_tex_number(report.total)}}}{total_macs}{total_blank} \\"
    )
    if report.non_trainable != 0:
        out.append(rf"    Trainable & & {_tex_number(report.trainable)}{blank} \\")
        out.append(rf"    Non-trainable & & {_tex_number(report.non_trainable)}{blank} \\")
    if report.buffers != 0:
        out.append(rf"    Buffers (not parameters) & & {_tex_number(report.buffers)}{blank} \\")
    out += [r"    \bottomrule", r"  \end{tabular}", r"\end{table}"]
    return "\n".join(out)


def _tex_extra(report: Report, row: Row | None) -> str:
    """A row's MACs and activation size as LaTeX cells."""
    show = report.options.show
    out = ""
    if "macs" in show:
        out += " & --" if row is None else f" & {_tex_number(row.macs)}"
    if "memory" in show:
        value = memory.input_bytes(report) if row is None else memory.activation_bytes(row)
        out += f" & {_tex(_bytes(value))}" if not is_symbolic(value) else f" & {_tex_number(value)} B"
    return out


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
        "macs": _json_number(report.macs),
        "memory": {  # bytes for one example, as torchinfo estimates them
            "params": {name: _json_number(memory.params_bytes(report, w)) for name, w in memory.PRECISIONS},
            "forward_backward": _json_number(memory.forward_backward_bytes(report)),
            "input": _json_number(memory.input_bytes(report)),
            "total": _json_number(memory.total_bytes(report)),
        },
        "layers": [_json_row(r) for r in report.rows],
    }


def _json_row(r: Row) -> dict[str, Any]:
    """A layer; a block construct also has its layers (every copy of a Repeat), its params their sum."""
    out: dict[str, Any] = {
        "name": r.name,
        "type": r.kind,
        "output_shape": [_json_number(d) for d in r.shape],
        "params": _json_number(r.params),
        "macs": _json_number(r.macs),
        "activation_bytes": _json_number(memory.activation_bytes(r)),
    }
    if r.group is not None:
        if r.kind == "Repeat":
            out["copies"] = r.group.copies
        else:  # Residual: the main path then the shortcut ([]: the identity)
            out["merge"] = r.group.merge
            out["paths"] = [[inner.name for inner in path] for path in r.group.paths]
        out["trainable"] = _json_number(r.trainable)
        out["non_trainable"] = _json_number(r.non_trainable)
        out["layers"] = [_json_row(inner) for inner in r.group.rows]
    return out


def dump_json(blocks: list[dict[str, Any]]) -> str:
    return json.dumps({"blocks": blocks}, indent=2, ensure_ascii=False)

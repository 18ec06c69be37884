"""Memory for one example, as torchinfo estimates it: the parameters, and the activations kept for training.

torchinfo's summary reports "Params size" (each parameter's bytes), "Forward/backward
pass size" (the output of every layer that has parameters, counted twice: the values and
their gradients) and an "Estimated Total Size" that adds the input. Sizes are in bytes,
and a megabyte is 10^6 bytes, as torchinfo prints them.
"""

from __future__ import annotations

from dataclasses import dataclass

from mkdocs_paramcalc.report.model import Report, Row, counted
from mkdocs_paramcalc.values import Number, as_text, is_symbolic, product

FLOAT32 = 4
# The precisions a parameter size is given at, and their bytes a value.
PRECISIONS: tuple[tuple[str, float], ...] = (("float32", 4), ("float16", 2), ("int8", 1), ("int4", 0.5))
ADAM_TRAINING = 16  # bytes a parameter to train with Adam: float32 weights, gradients and two moments


def activation_bytes(row: Row) -> Number:
    """The layer's output for one example, in float32: torchinfo's `output_bytes`."""
    return product(row.shape) * FLOAT32


def input_bytes(report: Report) -> Number:
    """The input for one example, in float32 (torchinfo adds Python's 64 bytes for the tensor object)."""
    return product(report.input_shape) * FLOAT32


def params_bytes(report: Report, width: float = FLOAT32) -> Number:
    """Every parameter, at `width` bytes each (PyTorch buffers are not parameters, as in torchinfo);
    half a byte (int4) rounds up."""
    if width < 1:
        if is_symbolic(report.total):
            return report.total / 2
        return -(-report.total // 2)
    return report.total * int(width)


def forward_backward_bytes(report: Report) -> Number:
    """The outputs of the layers with parameters, twice (values and gradients), as torchinfo counts."""
    return 2 * _sum([times * activation_bytes(r) for r, times in counted(report.rows) if r.params != 0])


def _sum(terms: list[Number]) -> Number:
    """The terms' sum, built at once: sympy re-sorts a growing sum at each `+` (quadratic)."""
    if not any(is_symbolic(t) for t in terms):
        return sum(terms, 0)
    import sympy

    result: Number = sympy.Add(*terms)
    return result


def training_bytes(report: Report) -> Number:
    """Training with Adam, as courses count it: the float32 weights, their gradients and Adam's two
    moments, 16 bytes a parameter (the activations aside)."""
    return report.total * ADAM_TRAINING


def cache_bytes_per_token(report: Report, width: int = 2) -> Number:
    """A decoder's key/value cache, a token: every attention layer's keys and values, in float16."""
    return _sum([times * row.cache for row, times in counted(report.rows) if row.cache]) * width


def total_bytes(report: Report) -> Number:
    """torchinfo's "Estimated Total Size": input, forward/backward pass and float32 parameters."""
    return input_bytes(report) + forward_backward_bytes(report) + params_bytes(report)


@dataclass(frozen=True)
class Estimate:
    """torchinfo's estimates for one example, in bytes: what every format's memory note says."""

    params: tuple[tuple[str, Number], ...]  # the parameters at each of PRECISIONS, by its name
    forward_backward: Number
    input: Number
    total: Number
    training: Number  # with Adam: 16 bytes a parameter
    cache: Number  # a decoder's key/value cache a token, float16; 0 without attention


def estimate(report: Report) -> Estimate:
    return Estimate(
        tuple((name, params_bytes(report, width)) for name, width in PRECISIONS),
        forward_backward_bytes(report),
        input_bytes(report),
        total_bytes(report),
        training_bytes(report),
        cache_bytes_per_token(report),
    )


def lines(report: Report) -> list[str]:
    """The estimates as the terminal formats list them, a line each."""
    sizes = estimate(report)
    params = ", ".join(f"{size_text(value)} ({name})" for name, value in sizes.params)
    return [
        f"Params size: {params}",
        f"Forward/backward pass size: {size_text(sizes.forward_backward)}",
        f"Input size: {size_text(sizes.input)}",
        f"Estimated total size: {size_text(sizes.total)}",
        f"Training with Adam (weights, gradients, two moments): {size_text(sizes.training)}",
        *([f"Key/value cache: {size_text(sizes.cache)} a token (float16)"] if sizes.cache else []),
    ]


_UNITS = ("kB", "MB", "GB", "TB")


def size_text(value: Number) -> str:
    """A size as people read it: 784 B, 3.14 kB, 4.80 MB (powers of 1000); a formula in bytes."""
    if is_symbolic(value):
        return f"{as_text(value)} B"
    if value < 1000:
        return f"{value} B"
    size = float(value)
    for unit in _UNITS:
        size /= 1000
        if size < 1000 or unit == _UNITS[-1]:
            return f"{size:,.2f} {unit}"
    raise AssertionError("unreachable")  # pragma: no cover


def keras_size(params: Number) -> str:
    """`params` float32 values as Keras' summary gives them: 4.58 MB (powers of 1024); "" for a formula."""
    if is_symbolic(params):
        return ""
    size = float(params * FLOAT32)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024:
            return f"{size:.2f} {unit}"
        size /= 1024
    return f"{size:.2f} TB"

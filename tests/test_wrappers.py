"""Wrappers (a layer inside a layer: Bidirectional, TimeDistributed) and the messages for what
authors paste: several layers on a line, whole models, module paths (issue 15, items 2 and 7).
Their counts are proved against Keras in tests/test_oracles.py."""

from __future__ import annotations

import pytest

from mkdocs_paramcalc.dialects.catalogue import CATALOGUES
from mkdocs_paramcalc.dialects.formula import TextPrinter
from mkdocs_paramcalc.errors import BlockError, Location, each
from mkdocs_paramcalc.reading.parse import WRAPPERS, Call, parse_block
from tests.helpers import compute


def test_the_parser_reads_a_layer_in_the_wrappers_the_catalogue_has() -> None:
    takes_layer = {n for n, k in CATALOGUES["keras"].items() if k.signature.names[:1] == ("layer",)}
    assert takes_layer == set(WRAPPERS)


def test_a_wrapped_layer_is_read_as_data_in_its_place() -> None:
    (_, call) = parse_block("Input(9, 7)\n  Bidirectional(LSTM(4, return_sequences=True), merge_mode='sum')")
    inner = call.args[0].value
    assert isinstance(inner, Call)
    assert (inner.name, inner.where, inner.args[0].where) == ("LSTM", Location(2, 17), Location(2, 22))
    assert call.keyword("merge_mode") is not None


def test_bidirectional_doubles_the_layer_and_its_derivation() -> None:
    report = compute(
        "Input(50, 16)\nBidirectional(LSTM(64, return_sequences=True))\nBidirectional(GRU(8), 'sum')"
    )
    first, second = report.rows
    assert (first.shape, first.params) == ((50, 128), 2 * 4 * (16 + 64 + 1) * 64)
    assert (second.shape, second.params) == ((8,), 2 * 3 * (128 + 8 + 2) * 8)
    assert first.formula is not None
    text = first.formula.render(TextPrinter(), numbers=True)
    assert text.startswith("2 × (4 × ((16 + 64 + 1) × 64))")


def test_time_distributed_applies_its_layer_to_each_step() -> None:
    report = compute("Input(5, 28, 28, 1)\nTimeDistributed(Conv2D(16, 3))\nTimeDistributed(Flatten())")
    assert [(r.name, r.shape, r.params) for r in report.rows] == [
        ("time_distributed", (5, 26, 26, 16), 160),
        ("time_distributed_1", (5, 10816), 0),
    ]


def test_the_wrapped_layer_takes_its_keras_name() -> None:
    report = compute("Input(9, 7)\nBidirectional(LSTM(4, return_sequences=True))\nLSTM(3)")
    assert [r.name for r in report.rows] == ["bidirectional", "lstm_1"]


def _errors(text: str) -> list[BlockError]:
    with pytest.raises(BlockError) as caught:
        compute(text)
    return list(each(caught.value))


@pytest.mark.parametrize(
    ("text", "message", "hint", "where"),
    [
        ("Input(9, 7)\nBidirectional(Dense(3))", "Dense is not one", "LSTM, GRU or SimpleRNN", (2, 15)),
        (
            "Input(9, 7)\nBidirectional(LSTM(3), merge_mode=None)",
            "two outputs",
            'merge_mode="concat"',
            (2, 24),
        ),
        (
            "Input(9, 7)\nBidirectional(LSTM(3), merge_mode='avg')",
            "`merge_mode` must be",
            'did you mean "ave"',
            (2, 24),
        ),
        (
            "Input(9, 7)\nBidirectional(LSTM(3), backward_layer=LSTM(3, go_backwards=True))",
            "backward_layer",
            "leave it out",
            (2, 24),
        ),
        (
            "Input(9, 7)\nBidirectional(LSTM(3), trainable=False)",
            "does not freeze",
            "LSTM(64, trainable=False)",
            (2, 24),
        ),
        ("Input(9, 7)\nBidirectional(64)", "`layer` must be a layer", "", (2, 15)),
        (
            "Input(9, 7)\nBidirectional(LTSM(3))",
            "unknown Keras layer `LTSM`",
            "did you mean `LSTM`?",
            (2, 15),
        ),
        ("Input(9, 7)\nBidirectional(nn.LSTM(7, 3))", "PyTorch name", "bidirectional=True", (2, 15)),
        (
            "Input(9, 7)\nTimeDistributed(Dense(3, expect=12))",
            "expect= inside a wrapper",
            "on TimeDistributed",
            (2, 26),
        ),
        ("Input(7)\nTimeDistributed(Dense(3))", "needs an input of time steps", "each step", (2, 1)),
        (
            "Input(9, 7)\nTimeDistributed(Dense(3, activation='rleu'))",
            "time_distributed: Dense: unknown activation",
            'did you mean "relu"',
            (2, 26),
        ),
    ],
)
def test_wrapper_errors_are_located_with_a_hint(
    text: str, message: str, hint: str, where: tuple[int, int]
) -> None:
    (error,) = _errors(text)
    assert message in error.message
    assert hint in error.hint
    assert (error.where.line, error.where.column) == where


def test_a_wrong_wrapped_layer_is_reported_with_the_other_errors() -> None:
    errors = _errors("Input(9, 7)\nDense(3, x=1)\nBidirectional(LSTM(3, foo=4))\nDense(y=2)")
    assert [e.where.line for e in errors] == [2, 3, 4]
    assert "bidirectional: LSTM: has no argument `foo`" in errors[1].message


@pytest.mark.parametrize(
    "text",
    [
        "Input(9, 7)\nBidirectional(nn.LSTM(7, 3))",
        "Input(9, 7)\nnn.Linear(7, 4)\nTimeDistributed(nn.Linear(4, 2))",
    ],
)
def test_pytorch_has_no_wrappers_and_says_what_to_write(text: str) -> None:
    (error,) = _errors(
        text.replace("Input(9, 7)\nBidirectional", "Input(9, 7)\nnn.Identity()\nBidirectional")
    )
    assert "PyTorch has no wrappers" in error.message
    assert "bidirectional=True" in error.hint or "nn.Linear" in error.hint


@pytest.mark.parametrize(
    ("text", "message", "hint"),
    [
        (
            "Input(28, 28, 1)\nConv2D(32, 3), MaxPooling2D()",
            "2 layers (Conv2D(...), MaxPooling2D(...))",
            "a line of its own",
        ),
        ("Input(28, 28, 1)\nConv2D(32, 3),", "a comma after the layer", "delete the comma"),
        ("Input(28, 28, 1)\n[Conv2D(32, 3), Flatten()]", "joined by a list", "a line of its own"),
        ("Input(3)\nResidual(nn.Sequential(nn.Linear(3, 3)))", "whole model", "one a line"),
        ("Input(3)\nkeras.Dense(3)", "`Dense`, not `keras.Dense`", "write Dense(...)"),
        ("Input(3)\nmodel.add(Dense(3))", "builds a model in code", "the layer alone"),
        ("Input(3)\nDense(3)(x)", "functional API", "the layer alone"),
        ("Input(3)\nDense(Conv2D(3, 3))", "cannot stand inside", "a line of its own"),
    ],
)
def test_what_authors_paste_gets_a_hint_they_can_follow(text: str, message: str, hint: str) -> None:
    with pytest.raises(BlockError) as caught:
        parse_block(text)
    (error,) = each(caught.value)
    assert message in error.message
    assert hint in error.hint


def test_semicolons_and_single_quotes_read_as_the_docs_write_them() -> None:
    one = compute("Input(8, 8, 3)\nConv2D(4, 3); MaxPooling2D()\nBranches([Dense(4)], [], merge='multiply')")
    two = compute('Input(8, 8, 3)\nConv2D(4, 3)\nMaxPooling2D()\nBranches([Dense(4)], [], merge="multiply")')
    assert [(r.shape, r.params) for r in one.rows] == [(r.shape, r.params) for r in two.rows]


def test_a_torch_wrapper_says_pytorch_needs_none() -> None:
    with pytest.raises(BlockError, match=r"torch\.nn has no TimeDistributed"):
        parse_block("nn.TimeDistributed(nn.Linear(8, 3))")

"""Shared helpers and the --update-golden flag."""

from __future__ import annotations

import pytest

from mkdocs_paramcalc.reading.options import Options, Settings
from mkdocs_paramcalc.reading.parse import parse_block
from mkdocs_paramcalc.report.model import Report, build


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden", action="store_true", help="rewrite tests/golden/*.html from the current output"
    )


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))


def compute(text: str, options: Options | None = None) -> Report:
    """The report for a block body."""
    return build(parse_block(text), options or Options(Settings()))


SEED = """\
Input(28, 28, 1)
Conv2D(32, 3, activation="relu", name="Conv_1 + ReLU")
Conv2D(64, 3, activation="relu", name="Conv_2 + ReLU")
MaxPooling2D(2, name="Max Pool")
Flatten()
Dense(128, activation="relu", name="FC_1")
Dense(10, name="FC_2 (Output)")
"""


# The spec's example of a ResNet stage (PyTorch dialect): two basic blocks with identity shortcuts.
STAGE = """\
Input(64, 56, 56)
Repeat(2,
    Residual(
        nn.Conv2d(64, 64, 3, padding=1, bias=False), nn.BatchNorm2d(64), nn.ReLU(),
        nn.Conv2d(64, 64, 3, padding=1, bias=False), nn.BatchNorm2d(64),
    ),
    nn.ReLU(),
)
"""

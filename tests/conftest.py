"""The --update-golden flag and the fixtures every test module may ask for (helpers: tests/helpers.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from mkdocs_paramcalc import memo


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden", action="store_true", help="rewrite tests/golden/*.html from the current output"
    )


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))


@pytest.fixture(scope="module")
def one_torch_thread() -> Iterator[None]:
    """Tiny tensors gain nothing from threads; on a busy 2-core machine torch's spinning ones cost 3×."""
    torch = pytest.importorskip("torch")
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(autouse=True)
def _fresh_memos() -> None:
    """Every test starts with nothing remembered, as a fresh build does: no test passes or fails
    for what an earlier one left in a memo."""
    memo.clear_all()

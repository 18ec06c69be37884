"""The --update-golden flag and the fixtures every test module may ask for (helpers: tests/helpers.py)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from typing import Any

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


# Headless Chromium, for the tests that look at pages as a reader does (test_browser.py, the slides).


def _executable(env: str, *names: str) -> str | None:
    """The program that the environment variable `env` names, or the first of `names` on PATH."""
    if os.environ.get(env):
        return shutil.which(os.environ[env])
    return next((path for path in map(shutil.which, names) if path), None)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Chromium through the system's chromedriver; skips when either, or Selenium, is missing."""
    chromium = _executable("CHROMIUM", "chromium", "chromium-browser")
    chromedriver = _executable("CHROMEDRIVER", "chromedriver")
    if chromium is None or chromedriver is None:
        pytest.skip("needs chromium and chromedriver (Debian: apt-get install chromium chromium-driver)")
    webdriver = pytest.importorskip("selenium.webdriver", reason="needs selenium (pip install -e '.[test]')")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--hide-scrollbars",
        # Nothing resolves but 127.0.0.1: a request for anything else fails at once, and is logged.
        "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
    ):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    # The driver's path given explicitly: Selenium Manager is never run, and downloads nothing.
    driver = webdriver.Chrome(service=webdriver.ChromeService(executable_path=chromedriver), options=options)
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()

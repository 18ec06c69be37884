"""Coverage-guided fuzzing of blocks with atheris, over the invariants of tests/test_fuzz.py.

    .venv/bin/pip install atheris
    .venv/bin/python tests/fuzz_atheris.py -max_total_time=900 -timeout=5 [CORPUS_DIR ...]

The arguments are libFuzzer's: -max_total_time (seconds), -atheris_runs=N (inputs),
-timeout=N (a slower input is a crash), -max_len=N (bytes). A corpus directory keeps the
interesting inputs between runs; seed it with a few blocks, one a file. An input that breaks
an invariant stops the run with its traceback and leaves crash-<sha1> in the working
directory; `python tests/fuzz_atheris.py crash-<sha1>` runs it again.

The first byte of an input chooses what the rest (UTF-8; invalid bytes become unpaired
surrogates) is: a block body, a body after an Input line, a page, or a page rendered by the
Markdown extension with `<script>` in a layer name and the title.

Pytest does not collect this file: its name does not start with test_.
"""

from __future__ import annotations

import importlib
import logging
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

try:
    import atheris
except ImportError:  # not installed: the harness says so, and nothing else imports it
    atheris = None


def one_input(data: bytes) -> None:
    """One fuzz input: raises (a crash, for atheris) if an invariant does not hold."""
    from tests.fuzzing import PAYLOAD, check_block, check_markdown, check_page

    if not data:
        return
    mode, text = data[0] % 4, data[1:].decode("utf-8", "surrogateescape")
    if mode == 0:
        check_block(text)
    elif mode == 1:
        check_block("Input(28, 28, 1)\n" + text)
    elif mode == 2:
        check_page(f"# Page\n\n```cnn\n{text}\n```\n\nProse `#!cnn m.total`.\n")
    else:
        # The fuzzed text is the block's body, without `<`: if it closes the fence early, what
        # follows is prose, where Markdown lets raw HTML through by design.
        body = text.replace("<", "[")
        check_markdown(
            f'```cnn id="m" title="{PAYLOAD}"\nInput(28, 28, 1)\nDense(3, name="{PAYLOAD}")\n{body}\n```\n'
        )


def main() -> int:
    if atheris is None:
        print("atheris is not installed: .venv/bin/pip install atheris", file=sys.stderr)
        return 1
    logging.disable(logging.CRITICAL)  # the extension logs each block's error as a warning
    with atheris.instrument_imports(include=["mkdocs_paramcalc"]):
        for module in ("mkdocs_paramcalc.frontends.markdown", "mkdocs_paramcalc.frontends.pages"):
            importlib.import_module(module)  # instrumented for coverage
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()
    return 0


if __name__ == "__main__":
    sys.exit(main())

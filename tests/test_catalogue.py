"""The catalogue loads both dialects itself: a lookup needs no other import first."""

from __future__ import annotations

import subprocess
import sys


def test_a_fresh_process_finds_both_dialects_through_the_catalogue_alone() -> None:
    # A fresh interpreter: in this one, other tests have imported the dialect modules already.
    code = (
        "from mkdocs_paramcalc.dialects.catalogue import lookup\n"
        "from mkdocs_paramcalc.errors import Location\n"
        "where = Location(1, 1)\n"
        "print(lookup('Conv2D', 'keras', where).name, lookup('Conv2d', 'pytorch', where).name)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["Conv2D", "Conv2d"]

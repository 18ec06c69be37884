"""`python -m mkdocs_paramcalc`: the `paramcalc` command."""

import sys

from .cli import main

sys.exit(main())

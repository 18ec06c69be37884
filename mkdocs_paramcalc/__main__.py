"""`python -m mkdocs_paramcalc`: the `paramcalc` command."""

import sys

from mkdocs_paramcalc.frontends.cli import main

sys.exit(main())

"""`extensions = ["mkdocs_paramcalc.sphinx"]` in a Sphinx or Jupyter Book conf.py: the `cnn`
directive and role (frontends/sphinx.py)."""

from mkdocs_paramcalc.frontends.sphinx import setup

__all__ = ["setup"]

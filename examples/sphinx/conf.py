# A Sphinx project whose pages hold cnn blocks, in reStructuredText and in MyST Markdown.
project = "Parameter counts"
extensions = ["myst_parser", "mkdocs_paramcalc.sphinx"]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
paramcalc = {"show": "table derivations"}  # the site's options, as the MkDocs plugin takes them
exclude_patterns = ["_build"]

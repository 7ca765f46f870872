"""Sphinx configuration: the API reference (autodoc + napoleon) and the tutorial (MyST Markdown).

Build with ``python -m sphinx -W --keep-going -b html docs docs/_build/html``.
"""

from __future__ import annotations

import groupcore

project = "groupcore"
author = "groupcore developers"
copyright = "groupcore developers"
release = groupcore.__version__
version = ".".join(release.split(".")[:2])

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
]

source_suffix = {".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build"]

# Markdown: $…$ maths, ::: fences, and anchors for headings down to level 3.
myst_enable_extensions = ["dollarmath", "colon_fence"]
myst_heading_anchors = 3

# NumPy-style docstrings carry the types; signatures stay short (no expanded type hints).
napoleon_google_docstring = False
napoleon_numpy_docstring = True
napoleon_use_rtype = False
# Types stay text: "array, shape (B, K)" names no object, and linking each word would point
# "shape" at whichever class happens to have a ``shape`` attribute.
napoleon_use_param = False
autodoc_member_order = "bysource"
autodoc_mock_imports = ["torch"]          # groupcore.torch's pages build without the optional extra
autodoc_typehints = "none"
autodoc_default_options = {"members": True, "show-inheritance": True}
autodoc_preserve_defaults = True
autoclass_content = "class"

html_theme = "alabaster"
html_static_path = ["_static"]
html_title = f"groupcore {release}"
html_theme_options = {
    "description": "Exact equivarification of neural networks for finite groups",
    "fixed_sidebar": True,
    "page_width": "1180px",
    "sidebar_width": "240px",
}


def _skip_namedtuple_aliases(app, what, name, obj, skip, options):
    """Skip a NamedTuple's field accessors: the class's ``Attributes`` section documents them."""
    if (getattr(obj, "__doc__", None) or "").startswith("Alias for field number"):
        return True
    return None


def setup(app):
    app.connect("autodoc-skip-member", _skip_namedtuple_aliases)

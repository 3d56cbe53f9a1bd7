"""Sphinx configuration for the skdnn documentation.

Build with ``sphinx-build -W -b html docs docs/_build/html``; the gallery in
``examples/`` is executed unless ``-D plot_gallery=0`` is given.
"""

import importlib.util
import os
import shutil
import socket
import sys
from importlib.metadata import version as _version
from pathlib import Path
from urllib.parse import urlsplit

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

# -- Project -----------------------------------------------------------------------------

project = "skdnn"
author = "The skdnn developers"
copyright = "2026, The skdnn developers"
release = _version("skdnn")
version = ".".join(release.split(".")[:2])

# -- General -----------------------------------------------------------------------------

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
    "myst_parser",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
templates_path = ["_templates"]
exclude_patterns = [
    "_build",
    "Thumbs.db",
    ".DS_Store",
    "auto_examples/*.ipynb",
    "auto_examples/*.py",
    "auto_examples/*.zip",
    "auto_examples/*.md5",
    "auto_examples/*.codeobj.json",
]

# MyST: $...$ and $$...$$ math, ::: fences, anchors for cross-page section links.
myst_enable_extensions = ["dollarmath", "colon_fence"]
myst_heading_anchors = 3

# -- autodoc, autosummary, numpydoc --------------------------------------------------------

autosummary_generate = True
autodoc_default_options = {"members": True, "inherited-members": False}
autodoc_typehints = "none"
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False

# -- HTML --------------------------------------------------------------------------------

html_theme = "pydata_sphinx_theme"
html_title = f"skdnn {release}"
html_theme_options = {
    "navigation_with_keys": False,
    "show_prev_next": False,
}
html_static_path = []

# -- Math --------------------------------------------------------------------------------
# The math renderer ships with the build, so formulas show when the pages are read
# without internet: MathJax 3 from the sphinx-mathjax-offline package (the docs extra),
# used as a source of files only. Its SVG output carries its own glyphs (no web fonts to
# load, which browsers may refuse for pages opened from disk); the TeX extensions that
# MathJax loads on demand come along. Without the package, Sphinx's default applies:
# MathJax from a CDN.

_MATHJAX_FILES = ("tex-svg.js", "input/tex/extensions")


def _mathjax_folder() -> Path | None:
    """The MathJax files of sphinx-mathjax-offline, or None when it is not installed."""
    spec = importlib.util.find_spec("sphinx-mathjax-offline")
    if spec is None or spec.origin is None:
        return None
    folder = Path(spec.origin).parent / "static" / "mathjax"
    return folder if all((folder / name).exists() for name in _MATHJAX_FILES) else None


_MATHJAX = _mathjax_folder()
if _MATHJAX is not None:
    mathjax_path = "mathjax/" + _MATHJAX_FILES[0]  # relative: served from _static/
else:
    print("skdnn docs: sphinx-mathjax-offline is not installed; the pages load MathJax from a CDN")


def _copy_mathjax(app, exc):
    """Copy the MathJax files into ``_static/mathjax`` of an HTML build."""
    if exc is not None or _MATHJAX is None or app.builder.format != "html":
        return
    target = Path(app.outdir, "_static", "mathjax")
    for name in _MATHJAX_FILES:
        source, dest = _MATHJAX / name, target / name
        dest.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, dest, dirs_exist_ok=True)
        else:
            shutil.copy2(source, dest)


# -- intersphinx ---------------------------------------------------------------------------
# Links into scikit-learn's and NumPy's documentation. The inventories come from the
# web, or from files named in SKDNN_DOCS_INVENTORIES (a folder holding sklearn.inv and
# numpy.inv). A build that can reach neither leaves those names as plain literals
# instead of failing under -W on an unreachable inventory.

_INTERSPHINX = {
    "sklearn": "https://scikit-learn.org/stable/",
    "numpy": "https://numpy.org/doc/stable/",
}


def _reachable(url: str, timeout: float = 3.0) -> bool:
    """Whether a TCP connection to the host of ``url`` can be opened."""
    host = urlsplit(url).hostname
    try:
        with socket.create_connection((host, 443), timeout=timeout):
            return True
    except OSError:
        return False


def _intersphinx_mapping() -> dict:
    """The inventories this build can read: local files first, then the web."""
    folder = os.environ.get("SKDNN_DOCS_INVENTORIES")
    mapping = {}
    for name, url in _INTERSPHINX.items():
        local = Path(folder, f"{name}.inv") if folder else None
        if local is not None and local.is_file():
            mapping[name] = (url, str(local))
        elif _reachable(url):
            mapping[name] = (url, None)
    return mapping


intersphinx_mapping = _intersphinx_mapping()
if len(intersphinx_mapping) < len(_INTERSPHINX):
    print(
        "skdnn docs: no inventory for "
        + ", ".join(sorted(set(_INTERSPHINX) - set(intersphinx_mapping)))
        + "; links to those projects are left as plain text"
    )

# -- sphinx-gallery ------------------------------------------------------------------------

sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": "/plot_",
    # examples/plugin/ is an installable package, not a gallery example.
    "ignore_pattern": r"(__init__\.py|[\\/]plugin[\\/])",
    "doc_module": ("skdnn",),
    "backreferences_dir": "generated/backreferences",
    "download_all_examples": False,
    "remove_config_comments": True,
    "within_subsection_order": "FileNameSortKey",
}


# -- autodoc hooks -------------------------------------------------------------------------


def _skip_metadata_requests(app, what, name, obj, skip, options):
    """Leave out scikit-learn's generated ``set_*_request`` methods.

    They are documented by scikit-learn (metadata routing), and their docstrings refer
    to its glossary, which this site does not have.
    """
    if name.startswith("set_") and name.endswith("_request"):
        return True
    return skip


def setup(app):
    """Connect the autodoc hook and the copy of the math renderer."""
    app.connect("autodoc-skip-member", _skip_metadata_requests)
    app.connect("build-finished", _copy_mathjax)

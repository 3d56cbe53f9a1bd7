"""Collection settings for the whole repository.

The docstring examples of :mod:`skdnn.plot` draw with matplotlib, an optional
dependency (the ``plot`` extra): without it they are not collected.
"""

import importlib.util

collect_ignore = []
if importlib.util.find_spec("matplotlib") is None:
    collect_ignore.append("skdnn/plot.py")

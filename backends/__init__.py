"""Array backends (NumPy reference, CuPy) running one kernel code path over the array API.

:func:`get` returns a :class:`Backend` (namespace ``xp`` and ``device``); moves between host and
backend are explicit (:meth:`Backend.asarray`, :func:`to_numpy`, :func:`to`). The kernels of the
lifted layers live in :mod:`groupcore.backends.kernels`. CuPy is imported only when asked for and
counts as usable only once a real kernel has run on a GPU.

Examples
--------
>>> from groupcore import backends
>>> be = backends.get("numpy")
>>> "numpy" in backends.available(), be.zeros((2,), "float64").tolist()
(True, [0.0, 0.0])
"""

from __future__ import annotations

from . import kernels
from .backend import BACKEND_NAMES, Backend, available, get, namespace_of, to, to_numpy
from .errors import BackendUnavailable

__all__ = [
    "Backend", "BackendUnavailable", "BACKEND_NAMES",
    "get", "available", "to", "to_numpy", "namespace_of",
    "kernels",
]

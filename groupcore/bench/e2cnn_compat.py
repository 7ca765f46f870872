"""Run e2cnn 0.2.3 (the last release) under NumPy 2, without touching e2cnn or NumPy.

Two of its calls no longer exist in NumPy 2, and both break the D4 P4CNN (``FlipRot2dOnR2``):

- ``ndarray.tostring()`` (removed; ``tobytes()`` is the same bytes), in the ``__hash__`` of the
  kernel bases of :mod:`e2cnn.kernels.irreps_basis`;
- ``np.array(x, copy=False)`` (now "never copy", which raises where a copy is needed; NumPy 1
  meant "copy only if needed", which is ``np.asarray``), in :mod:`e2cnn.kernels.utils`.

:func:`patch_numpy2` replaces those ``__hash__`` methods by ones hashing the same fields with
``tobytes()``, and gives ``e2cnn.kernels.utils`` its own ``np`` whose ``array`` maps
``copy=False`` to ``np.asarray``. Nothing else changes: ``numpy.ndarray`` gets no attribute, the
global ``numpy`` module is untouched. The benchmark applies it only inside the peer worker
process (:mod:`groupcore.bench.peer_worker`) that runs e2cnn.
"""

from __future__ import annotations

import types
from typing import Any

import numpy as np

__all__ = ["patch_numpy2", "numpy_with_copy_if_needed", "hash_with_tobytes"]


def numpy_with_copy_if_needed(numpy: Any = np) -> types.ModuleType:
    """A stand-in for the ``numpy`` module whose ``array(x, copy=False)`` means NumPy 1's "copy if needed".

    Every other attribute is looked up on the module itself.

    Examples
    --------
    >>> fake = numpy_with_copy_if_needed()
    >>> x = np.arange(3)
    >>> fake.array(x, copy=False) is x, fake.array([1, 2], copy=False).tolist(), fake.pi == np.pi
    (True, [1, 2], True)
    """
    def array(obj: Any, *args: Any, copy: Any = True, **kwargs: Any) -> Any:
        if copy is False:
            return numpy.asarray(obj, *args, **kwargs)
        return numpy.array(obj, *args, copy=copy, **kwargs)

    def __getattr__(name: str) -> Any:  # a module's attribute fallback (PEP 562)
        return getattr(numpy, name)

    shim = types.ModuleType(f"{numpy.__name__}_copy_if_needed")
    vars(shim).update(array=array, __getattr__=__getattr__)
    return shim


def _as_hashable(value: Any) -> Any:
    return value.tobytes() if isinstance(value, np.ndarray) else value


def hash_with_tobytes(self: Any) -> int:
    """``hash(in_irrep) + hash(out_irrep) + hash(mu) + hash(gamma)``, arrays hashed by their bytes.

    The fields e2cnn's ``__hash__`` of these bases hashes, with ``tobytes()`` for ``tostring()``.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> b = SimpleNamespace(in_irrep="a", out_irrep="b", mu=np.array([1, 2]), gamma=0.5)
    >>> hash_with_tobytes(b) == hash("a") + hash("b") + hash(np.array([1, 2]).tobytes()) + hash(0.5)
    True
    """
    return (hash(self.in_irrep) + hash(self.out_irrep) + hash(_as_hashable(self.mu))
            + hash(_as_hashable(self.gamma)))


def _calls_tostring(fn: Any) -> bool:
    code = getattr(fn, "__code__", None)
    return code is not None and "tostring" in code.co_names


def patch_numpy2(irreps_basis: Any, kernel_utils: Any) -> list[str]:
    """Patch e2cnn's modules ``irreps_basis`` and ``kernels.utils`` in place; returns what changed.

    Idempotent: a second call finds nothing left to patch (and returns ``[]``).

    Parameters
    ----------
    irreps_basis : module
        ``e2cnn.kernels.irreps_basis``: each class whose own ``__hash__`` calls ``tostring``
        gets :func:`hash_with_tobytes`.
    kernel_utils : module
        ``e2cnn.kernels.utils``: its ``np`` becomes :func:`numpy_with_copy_if_needed`.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> class Basis:
    ...     def __init__(self): self.in_irrep, self.out_irrep, self.mu, self.gamma = 1, 2, np.ones(2), 0.0
    ...     def __hash__(self): return hash(self.mu.tostring())
    >>> irreps, utils = SimpleNamespace(Basis=Basis), SimpleNamespace(np=np)
    >>> patch_numpy2(irreps, utils)
    ['Basis.__hash__: tostring() -> tobytes()', 'kernels.utils.np.array: copy=False -> asarray']
    >>> isinstance(hash(Basis()), int), utils.np is not np, patch_numpy2(irreps, utils)
    (True, True, [])
    """
    changed = []
    for name in sorted(vars(irreps_basis)):
        cls = getattr(irreps_basis, name)
        if isinstance(cls, type) and _calls_tostring(cls.__dict__.get("__hash__")):
            setattr(cls, "__hash__", hash_with_tobytes)  # noqa: B010 (mypy rejects assigning to a method)
            changed.append(f"{name}.__hash__: tostring() -> tobytes()")
    if kernel_utils.np is np:
        kernel_utils.np = numpy_with_copy_if_needed(np)
        changed.append("kernels.utils.np.array: copy=False -> asarray")
    return changed

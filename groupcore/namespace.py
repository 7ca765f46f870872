"""The array namespace of the data: one place where groupcore decides which library computes.

Every function of groupcore that touches a user's array (``Action.apply``, ``lift``,
``project``, ``regular_act``, the rotations, the optimizers, ``proofs.assert_equivariant``)
computes with the namespace of that array, as given by ``array_api_compat.array_namespace``:
NumPy, CuPy, PyTorch (CPU or CUDA), JAX and array-api-strict arrays go in and come out as the
same type on the same device. Nothing is converted silently; plain Python sequences and scalars,
which are not arrays, are read as NumPy.

For NumPy the namespace is ``array_api_compat.numpy``: NumPy's own functions, plus the array-API
names (``isdtype``, ``astype``, ``device=`` keywords) on every supported NumPy.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

import array_api_compat
import numpy as np

__all__ = ["namespace"]


def namespace(*arrays: Any) -> ModuleType:
    """The array-API namespace that computes on ``arrays``.

    Parameters
    ----------
    *arrays
        Arrays of one library (NumPy, CuPy, PyTorch, JAX, array-api-strict …). Arguments that
        are not arrays (lists, tuples, Python scalars, ``None``) are skipped: they count as
        NumPy.

    Returns
    -------
    module
        ``array_api_compat.array_namespace(*arrays)``; ``array_api_compat.numpy`` when no
        argument is an array.

    Raises
    ------
    TypeError
        The arrays come from different libraries (convert one of them explicitly).

    Examples
    --------
    >>> namespace(np.zeros(3)).__name__
    'array_api_compat.numpy'
    >>> namespace([1, 2, 3], None).__name__
    'array_api_compat.numpy'
    >>> xp = namespace(np.ones(2))
    >>> bool(xp.isdtype(np.ones(2).dtype, "real floating"))
    True
    """
    found = [a for a in arrays if array_api_compat.is_array_api_obj(a)]
    if not found:
        return _NUMPY
    try:
        return array_api_compat.array_namespace(*found)
    except TypeError as err:
        kinds = sorted({f"{type(a).__module__}.{type(a).__qualname__}" for a in found})
        raise TypeError(f"arrays from different libraries cannot be mixed ({', '.join(kinds)}); "
                        f"convert them to one library explicitly") from err


_NUMPY = array_api_compat.array_namespace(np.empty(0))

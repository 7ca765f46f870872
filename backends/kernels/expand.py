"""Weight-sharing expansion ``W = θ[index]`` (or a sparse combination) and its scatter-add gradient.

The array-API standard has no scatter-add, so the gradient is a gather: a *plan*, an integer table
``(size, m)`` listing for every entry of θ the positions of ``index`` that read it (padded with a
pointer to an appended zero), turns ``gθ[j] = Σ_{index[p] = j} gW[p]`` into one ``take`` and one
``sum``. The plan is built on the array's own device from ``index`` with standard calls (a stable
``argsort`` and ``searchsorted``) and cached for as long as that ``index`` array lives: pass the
same index array every step.
"""

from __future__ import annotations

import weakref
from types import ModuleType
from typing import Any

from array_api_compat import array_namespace, device

__all__ = ["expand", "expand_backward", "scatter_plan"]

_PLANS: dict[tuple[int, int], Any] = {}


def _check_index(index: Any, coef: Any, xp: ModuleType) -> None:
    if not xp.isdtype(index.dtype, "integral"):
        raise ValueError(f"index must be an integer array, got dtype {index.dtype}")
    if coef is not None and (index.ndim < 1 or tuple(coef.shape) != tuple(index.shape)):
        raise ValueError(f"with coef, index and coef must have the same shape (..., K), got "
                         f"index {tuple(index.shape)} and coef {tuple(coef.shape)}")


def expand(theta: Any, index: Any, coef: Any = None) -> Any:
    """The expanded weight: ``θ[index]``, or ``Σ_k coef[..., k] · θ[index[..., k]]`` with ``coef``.

    ``theta`` is read flat (C order); ``index`` holds positions into it.

    Examples
    --------
    >>> import numpy as np
    >>> theta = np.array([1.0, 2.0, 3.0])
    >>> expand(theta, np.array([[0, 2], [2, 1]])).tolist()
    [[1.0, 3.0], [3.0, 2.0]]
    >>> expand(theta, np.array([[0, 1]]), coef=np.array([[0.5, 0.25]])).tolist()
    [1.0]
    """
    xp = array_namespace(theta, index) if coef is None else array_namespace(theta, index, coef)
    _check_index(index, coef, xp)
    flat = xp.take(xp.reshape(theta, (-1,)), xp.reshape(index, (-1,)))
    w = xp.reshape(flat, tuple(index.shape))
    return w if coef is None else xp.sum(w * coef, axis=-1)


def scatter_plan(index: Any, size: int) -> Any:
    """The gather table ``(size, m)`` with which :func:`expand_backward` sums gradients.

    Row ``j`` lists the flat positions ``p`` with ``index[p] == j`` in increasing order, padded
    with ``index.size`` (the position of an appended zero); ``m`` is the largest count. Cached
    per ``index`` array while it lives.

    Raises
    ------
    ValueError
        If an entry of ``index`` lies outside ``[0, size)``.

    Examples
    --------
    >>> import numpy as np
    >>> scatter_plan(np.array([2, 0, 2, 2]), 3).tolist()
    [[1, 4, 4], [4, 4, 4], [0, 2, 3]]
    """
    key = (id(index), int(size))
    plan = _PLANS.get(key)
    if plan is None:
        plan = _build_plan(index, int(size), xp=array_namespace(index))
        try:
            weakref.finalize(index, _PLANS.pop, key, None)
        except TypeError:       # not weak-referenceable: rebuilt on every call
            return plan
        _PLANS[key] = plan
    return plan


def _build_plan(index: Any, size: int, *, xp: ModuleType) -> Any:
    if not xp.isdtype(index.dtype, "integral"):
        raise ValueError(f"index must be an integer array, got dtype {index.dtype}")
    flat = xp.reshape(index, (-1,))
    n, dev = flat.shape[0], device(index)
    order = xp.argsort(flat, stable=True)
    ordered = xp.take(flat, order)
    if n and (int(ordered[0]) < 0 or int(ordered[-1]) >= size):
        raise ValueError(f"index entries must lie in [0, {size}), found "
                         f"{int(ordered[0])} .. {int(ordered[-1])}")
    values = xp.arange(size, dtype=flat.dtype, device=dev)
    first = xp.searchsorted(ordered, values, side="left")
    count = xp.searchsorted(ordered, values, side="right") - first
    m = int(xp.max(count)) if size and n else 0
    slot = xp.arange(m, dtype=first.dtype, device=dev)[None, :]
    where = xp.where(slot < count[:, None], first[:, None] + slot, n)
    padded_order = xp.concat([xp.astype(order, first.dtype), xp.asarray([n], dtype=first.dtype, device=dev)])
    return xp.reshape(xp.take(padded_order, xp.reshape(where, (-1,))), (size, m))


def expand_backward(gW: Any, index: Any, size: int, coef: Any = None) -> Any:
    """Gradient of θ (flat, length ``size``) given the expanded weight's gradient ``gW``.

    ``gθ[j] = Σ_{p: index[p] = j} gW[p]``, or with ``coef``
    ``gθ[j] = Σ_{(p, k): index[p, k] = j} coef[p, k] · gW[p]``: the scatter-add of :func:`expand`.

    Examples
    --------
    >>> import numpy as np
    >>> expand_backward(np.array([[1.0, 2.0], [4.0, 8.0]]), np.array([[0, 2], [2, 1]]), 3).tolist()
    [1.0, 8.0, 6.0]
    """
    if coef is None:
        xp = array_namespace(gW, index)
        expected, values = tuple(index.shape), gW
    else:
        xp = array_namespace(gW, index, coef)
        expected, values = tuple(index.shape[:-1]), None
    _check_index(index, coef, xp)
    if tuple(gW.shape) != expected:
        raise ValueError(f"gW must have shape {expected} (the expanded weight's), got {tuple(gW.shape)}")
    if coef is not None:
        values = gW[..., None] * coef
    plan = scatter_plan(index, size)
    flat = xp.concat([xp.reshape(values, (-1,)), xp.zeros((1,), dtype=gW.dtype, device=device(gW))])
    picked = xp.take(flat, xp.reshape(plan, (-1,)))
    return xp.sum(xp.reshape(picked, tuple(plan.shape)), axis=1)

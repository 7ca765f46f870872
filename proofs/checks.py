"""Measure and assert equivariance of array functions, exhaustively over a finite group.

``equivariance_error`` measures ``f(g·x)`` against ``g·f(x)`` for **every** element ``g`` and
returns the numbers; ``assert_equivariant`` wraps it with tolerances chosen by the output's
dtype. Both work on NumPy arrays and on any array-API array (``x.__array_namespace__()``); the
actions act through their ``apply(g, x, axis=...)`` (DESIGN.md §2).
"""

from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np

__all__ = ["equivariance_error", "assert_equivariant", "default_rtol", "on_axes", "AxesAction"]


def _namespace(x: Any) -> Any:
    if isinstance(x, np.ndarray) or not hasattr(x, "__array_namespace__"):
        return np
    return x.__array_namespace__()


def _dtype_name(dtype: Any) -> str:
    name = getattr(dtype, "name", None)
    return name if isinstance(name, str) else str(dtype).rsplit(".", 1)[-1]


def default_rtol(dtype: Any, xp: Any = np) -> float:
    """The default relative tolerance for outputs of ``dtype``.

    ``1e-12`` for 64-bit floats (and complex128), ``1e-5`` for 32-bit, ``1e-2`` for 16-bit,
    ``0`` (exact) for integers and booleans.

    Examples
    --------
    >>> default_rtol(np.float64), default_rtol(np.float32), default_rtol(np.int64)
    (1e-12, 1e-05, 0.0)
    """
    if xp is np:
        dtype = np.dtype(dtype)
    if not xp.isdtype(dtype, ("real floating", "complex floating")):
        return 0.0
    bits = xp.finfo(dtype).bits
    return {64: 1e-12, 32: 1e-5, 16: 1e-2}.get(bits, 1e-12 if bits > 64 else 1e-2)


class AxesAction:
    """Several actions of one group, each on its own axes of the same array, applied together.

    ``apply(g, x)`` applies every ``(action, axis)`` pair's ``action.apply(g, ·, axis=axis)``;
    the pairs act on disjoint axes, so the order does not matter. Use it for outputs acted on
    in two places, e.g. a lifted feature map ``(B, C, |G|, H, W)`` in the diagonal frame:
    ``on_axes((Action.regular(G), 2), (grid, -2))``.

    Examples
    --------
    >>> import groupcore as gc
    >>> C4 = gc.cyclic(4)
    >>> act = on_axes((gc.Action.regular(C4), 0), (gc.Action.on_grid(C4, (2, 2)), 1))
    >>> act.apply(1, np.arange(16).reshape(4, 2, 2))[1].tolist()
    [[1, 3], [0, 2]]
    """

    def __init__(self, *pairs: tuple[Any, int]) -> None:
        if not pairs:
            raise ValueError("on_axes needs at least one (action, axis) pair")
        group = pairs[0][0].group
        for action, _ in pairs:
            if action.group != group:
                raise ValueError(f"all actions must be of the same group; got {group.name} and {action.group.name}")
        self.pairs = tuple((action, int(axis)) for action, axis in pairs)
        self.group = group

    def apply(self, g: int, x: Any, axis: int | None = None) -> Any:
        """Apply ``g`` through every pair (``axis`` must be ``None``: each pair has its own)."""
        if axis is not None:
            raise ValueError("AxesAction.apply takes no axis: each (action, axis) pair fixes its own")
        for action, ax in self.pairs:
            x = action.apply(g, x, axis=ax)
        return x

    def __repr__(self) -> str:
        return "on_axes(" + ", ".join(f"({getattr(a, 'name', a)!s}, {ax})" for a, ax in self.pairs) + ")"


def on_axes(*pairs: tuple[Any, int]) -> AxesAction:
    """Combine ``(action, axis)`` pairs into one action on arrays (see :class:`AxesAction`).

    Examples
    --------
    >>> import groupcore as gc
    >>> on_axes((gc.Action.regular(gc.cyclic(2)), 0)).group.order
    2
    """
    return AxesAction(*pairs)


def _inputs(inputs: Any) -> list[Any]:
    items = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
    if not items:
        raise ValueError("inputs must hold at least one array")
    return items


def _max_abs_diff(xp: Any, a: Any, b: Any) -> float:
    if xp.isdtype(a.dtype, ("real floating", "complex floating")):
        value = float(xp.max(xp.abs(a - b))) if a.size else 0.0
        return math.inf if math.isnan(value) else value          # a NaN is never equivariant
    if not bool(xp.any(a != b)):
        return 0.0
    a64, b64 = xp.astype(a, xp.float64), xp.astype(b, xp.float64)
    return max(float(xp.max(xp.abs(a64 - b64))), 1.0)


def _max_abs(xp: Any, a: Any) -> float:
    if a.size == 0:
        return 0.0
    if not xp.isdtype(a.dtype, ("real floating", "complex floating")):
        a = xp.astype(a, xp.float64)
    return float(xp.max(xp.abs(a)))


def equivariance_error(f: Callable[[Any], Any], act_in: Any, act_out: Any, inputs: Any, *,
                       axis_in: int | None = None, axis_out: int | None = None) -> dict[str, Any]:
    """Measure ``f(g·x) − g·f(x)`` for every element ``g`` of the group and every input.

    Parameters
    ----------
    f : callable
        Maps an array to an array.
    act_in, act_out : Action or AxesAction
        How the group acts on inputs and outputs (through ``apply(g, x, axis=...)``); for a
        Map(G, Z) output use ``Action.regular(G)`` with ``axis_out`` the G axis.
    inputs : array or list of arrays
        NumPy or array-API arrays.
    axis_in, axis_out : int, optional
        Passed to the actions' ``apply``.

    Returns
    -------
    dict
        ``abs`` and ``rel`` (per element, NumPy arrays), ``max_abs``, ``max_rel``,
        ``worst_element``, ``scale`` (largest ``|f(x)|``, the denominator of ``rel``),
        ``dtype``, ``group``, ``elements``, ``inputs``.

    Examples
    --------
    >>> import groupcore as gc
    >>> grid = gc.Action.on_grid(gc.dihedral(4), (3, 3))
    >>> img = np.arange(9.0).reshape(3, 3)
    >>> err = equivariance_error(lambda x: x ** 2, grid, grid, [img])
    >>> err["max_abs"], err["elements"], err["dtype"]
    (0.0, 8, 'float64')
    """
    return _measure(f, act_in, act_out, inputs, axis_in, axis_out)[0]


def _measure(f: Callable[[Any], Any], act_in: Any, act_out: Any, inputs: Any, axis_in: int | None,
             axis_out: int | None) -> tuple[dict[str, Any], float]:
    """The measurement and the default relative tolerance for the output dtype."""
    G = act_in.group
    if act_out.group != G:
        raise ValueError(f"act_in and act_out must be actions of the same group; got {G.name} and "
                         f"{act_out.group.name}")
    n = G.order
    abs_err = np.zeros(n)
    scale = 0.0
    items = _inputs(inputs)
    dtype = None
    for x in items:
        y = f(x)
        xp = _namespace(y)
        dtype = y.dtype
        scale = max(scale, _max_abs(xp, y))
        for g in range(n):
            lhs = f(act_in.apply(g, x, axis=axis_in))
            rhs = act_out.apply(g, y, axis=axis_out)
            if tuple(lhs.shape) != tuple(rhs.shape):
                raise ValueError(f"f(g·x) has shape {tuple(lhs.shape)} but g·f(x) has shape {tuple(rhs.shape)} "
                                 f"(g={g}); check act_out and axis_out")
            abs_err[g] = max(abs_err[g], _max_abs_diff(xp, lhs, rhs))
    if scale > 0:
        rel = abs_err / scale
    else:
        rel = np.where(abs_err > 0, np.inf, 0.0)
    worst = int(np.argmax(abs_err))
    return {"abs": abs_err, "rel": rel, "max_abs": float(abs_err.max()), "max_rel": float(rel.max()),
            "worst_element": worst, "scale": scale, "dtype": _dtype_name(dtype), "group": G.name,
            "elements": n, "inputs": len(items)}, default_rtol(dtype, xp)


def assert_equivariant(f: Callable[[Any], Any], act_in: Any, act_out: Any, inputs: Any, *,
                       rtol: float | None = None, atol: float = 0.0, axis_in: int | None = None,
                       axis_out: int | None = None) -> dict[str, Any]:
    """Assert ``f(g·x) == g·f(x)`` for every group element, within dtype-aware tolerances.

    An element passes when its largest absolute error is at most ``atol + rtol·scale``, where
    ``scale`` is the largest ``|f(x)|``. The default ``rtol`` comes from :func:`default_rtol`
    (``1e-12`` float64, ``1e-5`` float32, exact for integers).

    Returns
    -------
    dict
        The measurement of :func:`equivariance_error`.

    Raises
    ------
    AssertionError
        Naming the worst element, its error and the tolerance.

    Examples
    --------
    >>> import groupcore as gc
    >>> grid = gc.Action.on_grid(gc.cyclic(4), (4, 4))
    >>> img = np.random.default_rng(0).random((4, 4))
    >>> _ = assert_equivariant(lambda x: x + np.rot90(x, 2), grid, grid, [img])
    >>> assert_equivariant(lambda x: x + x[:, ::-1], grid, grid, [img])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    AssertionError: not equivariant under C4: element g=1 has max abs error ...
    """
    err, dtype_rtol = _measure(f, act_in, act_out, inputs, axis_in, axis_out)
    rtol = dtype_rtol if rtol is None else rtol
    bound = atol + rtol * err["scale"]
    failing = np.flatnonzero(err["abs"] > bound)
    if failing.size:
        g = int(failing[np.argmax(err["abs"][failing])])
        raise AssertionError(
            f"not equivariant under {err['group']}: element g={g} has max abs error {err['abs'][g]:.3e} "
            f"(relative {err['rel'][g]:.3e}) > tolerance {bound:.3e} (rtol={rtol:g}, atol={atol:g}, "
            f"dtype {err['dtype']}); {failing.size} of {err['elements']} elements fail")
    return err

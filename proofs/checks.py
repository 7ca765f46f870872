"""Measure and assert equivariance of array functions, exhaustively over a finite group.

``equivariance_error`` measures ``f(g·x)`` against ``g·f(x)`` for **every** element ``g`` and
returns the numbers; ``assert_equivariant`` wraps it with tolerances chosen by the output's
dtype. Both compute in the outputs' own namespace (:func:`groupcore.namespace.namespace`):
NumPy, CuPy, PyTorch, JAX (jitted functions included) and array-api-strict arrays, on any
device; only the per-element numbers of the report are converted to host floats. The actions
act through their ``apply(g, x, axis=...)`` (DESIGN.md §2); for groupcore layers and models,
which declare ``in_action`` and ``out_action``, they may be omitted.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
from array_api_compat import device, is_torch_array, size

from groupcore.namespace import namespace

__all__ = ["equivariance_error", "assert_equivariant", "default_rtol", "on_axes", "AxesAction"]

_INEXACT = ("real floating", "complex floating")


def _dtype_name(dtype: Any) -> str:
    """``"float32"`` for ``np.float32``, ``np.dtype("float32")``, ``torch.float32``, ``"float32"`` …"""
    if isinstance(dtype, str):
        return dtype
    name = getattr(dtype, "name", None) or getattr(dtype, "__name__", None)
    return name if isinstance(name, str) else str(dtype).rsplit(".", 1)[-1]


def default_rtol(dtype: Any, xp: Any = None) -> float:
    """The default relative tolerance for outputs of ``dtype``.

    ``1e-12`` for 64-bit floats (and complex128), ``1e-5`` for 32-bit, ``1e-2`` for 16-bit,
    ``0`` (exact) for integers and booleans.

    Parameters
    ----------
    dtype
        A dtype of ``xp`` (``np.float32``, ``torch.float32``, ``x.dtype`` …).
    xp : module, optional
        The library ``dtype`` belongs to: an array namespace (``namespace(x)``) or the library's
        module (``torch``, ``jax.numpy``). Default NumPy.

    Raises
    ------
    TypeError
        ``dtype`` is not a dtype of ``xp``.

    Examples
    --------
    >>> default_rtol(np.float64), default_rtol(np.float32), default_rtol(np.int64)
    (1e-12, 1e-05, 0.0)
    """
    module = np if xp is None else xp
    try:
        probe = module.empty((0,), dtype=dtype)
    except (TypeError, ValueError) as err:
        raise TypeError(f"{dtype!r} is not a dtype of {getattr(module, '__name__', module)}; pass the library it "
                        f"belongs to, e.g. default_rtol(x.dtype, xp=namespace(x))") from err
    xp = namespace(probe)
    if not xp.isdtype(probe.dtype, _INEXACT):
        return 0.0
    bits = xp.finfo(probe.dtype).bits
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


def _is_action(obj: Any) -> bool:
    return hasattr(obj, "group") and callable(getattr(obj, "apply", None))


def _describe(f: Any) -> str:
    name = getattr(f, "__qualname__", None)
    return f"function {name}" if isinstance(name, str) else f"model {type(f).__name__}"


def _declared(f: Any, attribute: str, argument: str) -> Any:
    """``f.in_action`` or ``f.out_action``, for a call that omitted ``act_in`` or ``act_out``."""
    __tracebackhide__ = True
    action = getattr(f, attribute, None)
    if action is None:
        why = f"has no {attribute}" if not hasattr(f, attribute) else f"has {attribute} None (no group)"
        raise TypeError(f"no {argument} given and the {_describe(f)} {why}; pass the actions explicitly: "
                        f"assert_equivariant(f, act_in, act_out, inputs)")
    return action


def _arguments(f: Any, act_in: Any, act_out: Any, inputs: Any) -> tuple[Any, Any, list[Any]]:
    """Resolve the call forms ``(f, act_in, act_out, inputs)``, ``(f, inputs)`` and ``(f, inputs=…)``."""
    __tracebackhide__ = True
    if inputs is None and act_out is None and act_in is not None and not _is_action(act_in):
        act_in, inputs = None, act_in                           # (model, inputs)
    for name, action in (("act_in", act_in), ("act_out", act_out)):
        if action is not None and not _is_action(action):
            raise TypeError(f"{name} must be an action (with .group and .apply(g, x, axis)); got "
                            f"{type(action).__name__} (the inputs come last, or as inputs=...)")
    if inputs is None:
        raise TypeError(f"no inputs given for the {_describe(f)}: pass inputs=[x, ...]")
    act_in = _declared(f, "in_action", "act_in") if act_in is None else act_in
    act_out = _declared(f, "out_action", "act_out") if act_out is None else act_out
    if act_out.group != act_in.group:
        raise ValueError(f"act_in and act_out must be actions of the same group; got {act_in.group.name} and "
                         f"{act_out.group.name}")
    items = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
    if not items:
        raise ValueError("inputs must hold at least one array")
    return act_in, act_out, items


def _widest_float(xp: Any, a: Any) -> Any:
    floats = xp.__array_namespace_info__().dtypes(kind="real floating", device=device(a))
    return max(floats.values(), key=lambda dt: xp.finfo(dt).bits)


def _host_float(v: Any) -> float:
    """A 0-d array as a host float (a torch value is detached from its graph first)."""
    return float(v.detach() if is_torch_array(v) else v)


def _max_abs_diff(xp: Any, a: Any, b: Any) -> float:
    """``max|a − b|`` as a host float: ``inf`` for a NaN, at least 1 for unequal exact values."""
    if size(a) == 0:
        return 0.0
    if xp.isdtype(a.dtype, _INEXACT):
        value = _host_float(xp.max(xp.abs(a - b)))
        return math.inf if math.isnan(value) else value          # a NaN is never equivariant
    if not bool(xp.any(a != b)):
        return 0.0
    wide = _widest_float(xp, a)
    return max(float(xp.max(xp.abs(xp.astype(a, wide) - xp.astype(b, wide)))), 1.0)


def _max_abs(xp: Any, a: Any) -> float:
    if size(a) == 0:
        return 0.0
    if not xp.isdtype(a.dtype, _INEXACT):
        a = xp.astype(a, _widest_float(xp, a))
    return _host_float(xp.max(xp.abs(a)))


def equivariance_error(f: Callable[[Any], Any], act_in: Any = None, act_out: Any = None, inputs: Any = None, *,
                       axis_in: int | None = None, axis_out: int | None = None) -> dict[str, Any]:
    """Measure ``f(g·x) − g·f(x)`` for every element ``g`` of the group and every input.

    Parameters
    ----------
    f : callable
        Maps an array to an array of the same library (NumPy, CuPy, PyTorch, JAX,
        array-api-strict …); a jitted JAX function or a ``torch.nn.Module`` works as it is.
    act_in, act_out : Action or AxesAction, optional
        How the group acts on inputs and outputs (through ``apply(g, x, axis=...)``); for a
        Map(G, Z) output use ``Action.regular(G)`` with ``axis_out`` the G axis. Omitted, they
        are read from ``f.in_action`` and ``f.out_action`` (groupcore layers and models declare
        them), so ``equivariance_error(model, inputs=x)`` measures a model.
    inputs : array or list of arrays
        Arrays of one library; the call ``equivariance_error(model, x)`` is read as
        ``inputs=x``.
    axis_in, axis_out : int, optional
        Passed to the actions' ``apply``.

    Returns
    -------
    dict
        ``abs`` and ``rel`` (per element, NumPy arrays of host floats), ``max_abs``,
        ``max_rel``, ``worst_element``, ``scale`` (largest ``|f(x)|``, the denominator of
        ``rel``), ``dtype`` (its name), ``group``, ``elements``, ``inputs``.

    Raises
    ------
    TypeError
        No inputs, an action that is not one, or omitted actions that ``f`` does not declare.
    ValueError
        Actions of different groups, no input, or ``f(g·x)`` and ``g·f(x)`` of different shapes.

    Examples
    --------
    >>> import groupcore as gc
    >>> grid = gc.Action.on_grid(gc.dihedral(4), (3, 3))
    >>> img = np.arange(9.0).reshape(3, 3)
    >>> err = equivariance_error(lambda x: x ** 2, grid, grid, [img])
    >>> err["max_abs"], err["elements"], err["dtype"]
    (0.0, 8, 'float64')
    """
    __tracebackhide__ = True
    return _measure(f, *_arguments(f, act_in, act_out, inputs), axis_in, axis_out)[0]


def _measure(f: Callable[[Any], Any], act_in: Any, act_out: Any, items: list[Any], axis_in: int | None,
             axis_out: int | None) -> tuple[dict[str, Any], float]:
    """The measurement and the default relative tolerance for the output dtype."""
    __tracebackhide__ = True
    G = act_in.group
    n = G.order
    abs_err = np.zeros(n)
    scale = 0.0
    for x in items:
        y = f(x)
        xp = namespace(y)
        scale = max(scale, _max_abs(xp, y))
        for g in range(n):
            lhs = f(act_in.apply(g, x, axis=axis_in))
            rhs = act_out.apply(g, y, axis=axis_out)
            if tuple(lhs.shape) != tuple(rhs.shape):
                raise ValueError(f"f(g·x) has shape {tuple(lhs.shape)} but g·f(x) has shape {tuple(rhs.shape)} "
                                 f"(g={g}); check act_out and axis_out")
            abs_err[g] = max(abs_err[g], _max_abs_diff(namespace(lhs, rhs), lhs, rhs))
    rel = abs_err / scale if scale > 0 else np.where(abs_err > 0, np.inf, 0.0)
    worst = int(np.argmax(abs_err))
    return {"abs": abs_err, "rel": rel, "max_abs": float(abs_err.max()), "max_rel": float(rel.max()),
            "worst_element": worst, "scale": scale, "dtype": _dtype_name(y.dtype), "group": G.name,
            "elements": n, "inputs": len(items)}, default_rtol(y.dtype, xp)


def assert_equivariant(f: Callable[[Any], Any], act_in: Any = None, act_out: Any = None, inputs: Any = None, *,
                       rtol: float | None = None, atol: float = 0.0, axis_in: int | None = None,
                       axis_out: int | None = None) -> dict[str, Any]:
    """Assert ``f(g·x) == g·f(x)`` for every group element, within dtype-aware tolerances.

    Takes the arguments of :func:`equivariance_error`: ``assert_equivariant(f, act_in,
    act_out, inputs)``, or ``assert_equivariant(model, inputs)`` for a model that declares
    ``in_action`` and ``out_action``. An element passes when its largest absolute error is at
    most ``atol + rtol·scale``, where ``scale`` is the largest ``|f(x)|``. The default ``rtol``
    comes from :func:`default_rtol` for the output's dtype, in its own library (``1e-12``
    float64, ``1e-5`` float32, exact for integers). A failure's traceback ends in the caller's
    test, not in here.

    Returns
    -------
    dict
        The measurement of :func:`equivariance_error`.

    Raises
    ------
    AssertionError
        Naming the worst element, its error and the tolerance.
    TypeError, ValueError
        As :func:`equivariance_error`.

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
    __tracebackhide__ = True
    err, dtype_rtol = _measure(f, *_arguments(f, act_in, act_out, inputs), axis_in, axis_out)
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

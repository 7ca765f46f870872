"""Fully connected layer ``y = x wᵀ + b`` (``w`` of shape ``(out, in)``) and its gradients."""

from __future__ import annotations

from typing import Any

from array_api_compat import array_namespace

from ._common import check_ndim

__all__ = ["dense", "dense_backward"]


def _check(x: Any, w: Any) -> None:
    check_ndim("x", x, 2, "(B, in)")
    check_ndim("w", w, 2, "(out, in)")
    if x.shape[1] != w.shape[1]:
        raise ValueError(f"x has {x.shape[1]} features but w expects {w.shape[1]} (w is (out, in))")


def dense(x: Any, w: Any, b: Any = None) -> Any:
    """``x @ w.T (+ b)`` for ``x`` (B, in), ``w`` (out, in), ``b`` (out,).

    Examples
    --------
    >>> import numpy as np
    >>> dense(np.ones((2, 3)), np.arange(6.0).reshape(2, 3), np.array([0.5, 0.0])).tolist()
    [[3.5, 12.0], [3.5, 12.0]]
    """
    xp = array_namespace(x, w)
    _check(x, w)
    y = xp.matmul(x, xp.matrix_transpose(w))
    return y if b is None else y + b


def dense_backward(x: Any, w: Any, gy: Any) -> tuple[Any, Any, Any]:
    """Gradients ``(gx, gw, gb)`` of :func:`dense` given ``gy`` (B, out).

    Examples
    --------
    >>> import numpy as np
    >>> gx, gw, gb = dense_backward(np.ones((2, 3)), np.ones((4, 3)), np.ones((2, 4)))
    >>> gx.shape, gw.shape, gb.tolist()
    ((2, 3), (4, 3), [2.0, 2.0, 2.0, 2.0])
    """
    xp = array_namespace(x, w, gy)
    _check(x, w)
    if tuple(gy.shape) != (x.shape[0], w.shape[0]):
        raise ValueError(f"gy must have shape {(x.shape[0], w.shape[0])}, got {tuple(gy.shape)}")
    return xp.matmul(gy, w), xp.matmul(xp.matrix_transpose(gy), x), xp.sum(gy, axis=0)

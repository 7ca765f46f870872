"""Spatial max and average pooling of ``(B, C, H, W)`` arrays and their gradients.

Windows of ``size × size`` every ``stride`` pixels, no padding; the output has
``(H - size) // stride + 1`` rows (likewise columns). Written with strided slices only, so every
array-API backend runs the same code.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any, NamedTuple

from array_api_compat import array_namespace, device

from ._common import check_ndim, check_positive

__all__ = ["PoolState", "max_pool2d", "max_pool2d_backward", "avg_pool2d", "avg_pool2d_backward"]


class PoolState(NamedTuple):
    """What :func:`max_pool2d_backward` needs: the winning window offset per output and the geometry.

    Examples
    --------
    >>> import numpy as np
    >>> _, state = max_pool2d(np.arange(16.0).reshape(1, 1, 4, 4), 2, 2)
    >>> state.argmax.tolist(), state.x_shape
    ([[[[3, 3], [3, 3]]]], (1, 1, 4, 4))
    """

    argmax: Any
    x_shape: tuple[int, ...]
    size: int
    stride: int


def _out_size(x_shape: tuple[int, ...], size: int, stride: int) -> tuple[int, int]:
    check_positive(size=size, stride=stride)
    h, w = x_shape[2], x_shape[3]
    if size > h or size > w:
        raise ValueError(f"pooling window {size} is larger than the {h}x{w} image")
    return (h - size) // stride + 1, (w - size) // stride + 1


def _window(i: int, j: int, ho: int, wo: int, stride: int) -> tuple[Any, ...]:
    """The slice picking offset ``(i, j)`` of every window."""
    return (slice(None), slice(None), slice(i, i + stride * (ho - 1) + 1, stride),
            slice(j, j + stride * (wo - 1) + 1, stride))


def _windows(x: Any, size: int, stride: int, *, xp: ModuleType) -> Any:
    """``(B, C, Ho, Wo, size·size)``: every window's values, offsets in row-major order."""
    ho, wo = _out_size(tuple(x.shape), size, stride)
    return xp.stack([x[_window(i, j, ho, wo, stride)] for i in range(size) for j in range(size)],
                    axis=-1)


def max_pool2d(x: Any, size: int, stride: int) -> tuple[Any, PoolState]:
    """Max over ``size × size`` windows every ``stride`` pixels; ``(y, state)`` for backward.

    Ties go to the first offset in row-major order.

    Examples
    --------
    >>> import numpy as np
    >>> y, state = max_pool2d(np.arange(16.0).reshape(1, 1, 4, 4), 2, 2)
    >>> y[0, 0].tolist()
    [[5.0, 7.0], [13.0, 15.0]]
    """
    xp = array_namespace(x)
    check_ndim("x", x, 4, "(B, C, H, W)")
    win = _windows(x, size, stride, xp=xp)
    return xp.max(win, axis=-1), PoolState(xp.argmax(win, axis=-1), tuple(x.shape), size, stride)


def max_pool2d_backward(gy: Any, state: PoolState) -> Any:
    """Gradient of :func:`max_pool2d`: ``gy`` routed to each window's maximum (summed on overlaps).

    Examples
    --------
    >>> import numpy as np
    >>> _, state = max_pool2d(np.arange(16.0).reshape(1, 1, 4, 4), 2, 2)
    >>> max_pool2d_backward(np.ones((1, 1, 2, 2)), state)[0, 0].tolist()[1]
    [0.0, 1.0, 0.0, 1.0]
    """
    xp = array_namespace(gy, state.argmax)
    ho, wo = _out_size(state.x_shape, state.size, state.stride)
    if tuple(gy.shape) != (*state.x_shape[:2], ho, wo):
        raise ValueError(f"gy must have the pooled shape {(*state.x_shape[:2], ho, wo)}, got "
                         f"{tuple(gy.shape)}")
    gx = xp.zeros(state.x_shape, dtype=gy.dtype, device=device(gy))
    for k in range(state.size * state.size):
        i, j = divmod(k, state.size)
        gx[_window(i, j, ho, wo, state.stride)] += xp.where(state.argmax == k, gy, 0.0)
    return gx


def avg_pool2d(x: Any, size: int, stride: int) -> Any:
    """Mean over ``size × size`` windows every ``stride`` pixels.

    Examples
    --------
    >>> import numpy as np
    >>> avg_pool2d(np.arange(16.0).reshape(1, 1, 4, 4), 2, 2)[0, 0].tolist()
    [[2.5, 4.5], [10.5, 12.5]]
    """
    xp = array_namespace(x)
    check_ndim("x", x, 4, "(B, C, H, W)")
    ho, wo = _out_size(tuple(x.shape), size, stride)
    y = xp.zeros((*x.shape[:2], ho, wo), dtype=x.dtype, device=device(x))
    for i in range(size):
        for j in range(size):
            y += x[_window(i, j, ho, wo, stride)]
    return y / (size * size)


def avg_pool2d_backward(gy: Any, x_shape: tuple[int, ...], size: int, stride: int) -> Any:
    """Gradient of :func:`avg_pool2d`: ``gy / size²`` spread over each window (summed on overlaps).

    Examples
    --------
    >>> import numpy as np
    >>> avg_pool2d_backward(np.ones((1, 1, 1, 2)), (1, 1, 2, 3), 2, 1)[0, 0].tolist()
    [[0.25, 0.5, 0.25], [0.25, 0.5, 0.25]]
    """
    xp = array_namespace(gy)
    x_shape = tuple(x_shape)
    if len(x_shape) != 4:
        raise ValueError(f"x_shape must be (B, C, H, W), got {x_shape}")
    ho, wo = _out_size(x_shape, size, stride)
    if tuple(gy.shape) != (*x_shape[:2], ho, wo):
        raise ValueError(f"gy must have the pooled shape {(*x_shape[:2], ho, wo)}, got {tuple(gy.shape)}")
    gx = xp.zeros(x_shape, dtype=gy.dtype, device=device(gy))
    share = gy / (size * size)
    for i in range(size):
        for j in range(size):
            gx[_window(i, j, ho, wo, stride)] += share
    return gx

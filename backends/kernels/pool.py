"""Spatial max and average pooling of ``(B, C, H, W)`` arrays and their gradients.

Windows of ``size × size`` every ``stride`` pixels, no padding; the output has
``(H - size) // stride + 1`` rows (likewise columns). Written with strided slices only, so every
array-API backend runs the same code. Max pooling is a running ``maximum`` over the ``size²``
window offsets, and its gradient goes to the first offset (row-major) that holds the maximum:
elementwise passes only, no ``where`` (whose data-dependent branches make NumPy's loop many times
slower than a multiplication by a mask).
"""

from __future__ import annotations

from typing import Any, Iterator, NamedTuple

from array_api_compat import array_namespace, device

from ._common import check_ndim, check_positive

__all__ = ["PoolState", "max_pool2d", "max_pool2d_backward", "avg_pool2d", "avg_pool2d_backward"]


class PoolState(NamedTuple):
    """What :func:`max_pool2d_backward` needs: the input, the pooled maxima and the geometry.

    ``argmax`` (computed on request) is the winning window offset of every output, row-major,
    ties to the first.

    Examples
    --------
    >>> import numpy as np
    >>> _, state = max_pool2d(np.arange(16.0).reshape(1, 1, 4, 4), 2, 2)
    >>> state.argmax.tolist(), state.x_shape
    ([[[[3, 3], [3, 3]]]], (1, 1, 4, 4))
    """

    x: Any
    y: Any
    size: int
    stride: int

    @property
    def x_shape(self) -> tuple[int, ...]:
        """The pooled input's shape."""
        return tuple(self.x.shape)

    @property
    def argmax(self) -> Any:
        """The winning offset ``i·size + j`` of every window (integer array of the output's shape)."""
        xp = array_namespace(self.x)
        am = xp.zeros(self.y.shape, dtype=xp.int64, device=device(self.x))
        for k, hit in enumerate(_first_hits(self)):
            am = am + k * xp.astype(hit, xp.int64)
        return am


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


def _offsets(x_shape: tuple[int, ...], size: int, stride: int) -> list[tuple[Any, ...]]:
    """The slices of every window offset, row-major."""
    ho, wo = _out_size(x_shape, size, stride)
    return [_window(i, j, ho, wo, stride) for i in range(size) for j in range(size)]


def _first_hits(state: PoolState) -> Iterator[Any]:
    """Per window offset, row-major: where it is the first to hold its window's maximum (bool)."""
    free = None
    for sl in _offsets(state.x_shape, state.size, state.stride):
        hit = state.x[sl] == state.y
        if free is not None:
            hit = hit & free
        free = ~hit if free is None else free & ~hit
        yield hit


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
    first, *rest = _offsets(tuple(x.shape), size, stride)
    y = x[first]
    for sl in rest:
        y = xp.maximum(y, x[sl])
    return y, PoolState(x, y, size, stride)


def max_pool2d_backward(gy: Any, state: PoolState) -> Any:
    """Gradient of :func:`max_pool2d`: ``gy`` routed to each window's maximum (summed on overlaps).

    Examples
    --------
    >>> import numpy as np
    >>> _, state = max_pool2d(np.arange(16.0).reshape(1, 1, 4, 4), 2, 2)
    >>> max_pool2d_backward(np.ones((1, 1, 2, 2)), state)[0, 0].tolist()[1]
    [0.0, 1.0, 0.0, 1.0]
    """
    xp = array_namespace(gy, state.x)
    if tuple(gy.shape) != tuple(state.y.shape):
        raise ValueError(f"gy must have the pooled shape {tuple(state.y.shape)}, got {tuple(gy.shape)}")
    h, w = state.x_shape[2:]
    ho, wo = state.y.shape[2:]
    tiles = state.size == state.stride and (h, w) == (ho * state.size, wo * state.size)
    gx = (xp.empty if tiles else xp.zeros)(state.x_shape, dtype=gy.dtype, device=device(gy))
    for sl, hit in zip(_offsets(state.x_shape, state.size, state.stride), _first_hits(state)):
        part = gy * xp.astype(hit, gy.dtype)
        if tiles:
            gx[sl] = part
        else:
            gx[sl] += part
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

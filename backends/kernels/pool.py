"""Spatial max and average pooling of ``(B, C, *S)`` arrays (1-, 2- or 3-d) and their gradients.

Windows of ``size`` along every spatial axis, every ``stride`` points, no padding; each axis of
the output has ``(n - size) // stride + 1`` points. Written with strided slices only, so every
array-API backend runs the same code. Max pooling is a running ``maximum`` over the window
offsets, and its gradient goes to the first offset (row-major) that holds the maximum:
elementwise passes only, no ``where`` (whose data-dependent branches make NumPy's loop many times
slower than a multiplication by a mask).
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import product
from typing import Any, NamedTuple

from array_api_compat import array_namespace, device

from ._common import check_positive, check_spatial

__all__ = ["PoolState", "max_pool", "max_pool_backward", "avg_pool", "avg_pool_backward"]


class PoolState(NamedTuple):
    """What :func:`max_pool_backward` needs: the input, the pooled maxima and the geometry.

    ``argmax`` (computed on request) is the winning window offset of every output, row-major,
    ties to the first.

    Examples
    --------
    >>> import numpy as np
    >>> _, state = max_pool(np.arange(16.0).reshape(1, 1, 4, 4), 2, 2)
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
        """The winning offset (row-major over the window) of every window (integer array of the output's shape)."""
        xp = array_namespace(self.x)
        am = xp.zeros(self.y.shape, dtype=xp.int64, device=device(self.x))
        for k, hit in enumerate(_first_hits(self)):
            am = am + k * xp.astype(hit, xp.int64)
        return am


def _out_size(x_shape: tuple[int, ...], size: int, stride: int) -> tuple[int, ...]:
    check_positive(size=size, stride=stride)
    sizes = x_shape[2:]
    if size > min(sizes):
        raise ValueError(f"pooling window {size} is larger than the {'x'.join(map(str, sizes))} input")
    return tuple((n - size) // stride + 1 for n in sizes)


def _window(offset: tuple[int, ...], out: tuple[int, ...], stride: int) -> tuple[Any, ...]:
    """The slice picking ``offset`` of every window."""
    return (slice(None), slice(None)) + tuple(slice(i, i + stride * (n - 1) + 1, stride)
                                              for i, n in zip(offset, out))


def _offsets(x_shape: tuple[int, ...], size: int, stride: int) -> list[tuple[Any, ...]]:
    """The slices of every window offset, row-major."""
    out = _out_size(x_shape, size, stride)
    return [_window(offset, out, stride) for offset in product(range(size), repeat=len(out))]


def _first_hits(state: PoolState) -> Iterator[Any]:
    """Per window offset, row-major: where it is the first to hold its window's maximum (bool)."""
    free = None
    for sl in _offsets(state.x_shape, state.size, state.stride):
        hit = state.x[sl] == state.y
        if free is not None:
            hit = hit & free
        free = ~hit if free is None else free & ~hit
        yield hit


def max_pool(x: Any, size: int, stride: int) -> tuple[Any, PoolState]:
    """Max over windows of ``size`` points per axis every ``stride``; ``(y, state)`` for backward.

    Ties go to the first offset in row-major order.

    Examples
    --------
    >>> import numpy as np
    >>> y, state = max_pool(np.arange(16.0).reshape(1, 1, 4, 4), 2, 2)
    >>> y[0, 0].tolist()
    [[5.0, 7.0], [13.0, 15.0]]
    >>> max_pool(np.arange(6.0).reshape(1, 1, 6), 2, 2)[0].tolist()
    [[[1.0, 3.0, 5.0]]]
    """
    xp = array_namespace(x)
    check_spatial("x", x)
    first, *rest = _offsets(tuple(x.shape), size, stride)
    y = x[first]
    for sl in rest:
        y = xp.maximum(y, x[sl])
    return y, PoolState(x, y, size, stride)


def max_pool_backward(gy: Any, state: PoolState) -> Any:
    """Gradient of :func:`max_pool`: ``gy`` routed to each window's maximum (summed on overlaps).

    Examples
    --------
    >>> import numpy as np
    >>> _, state = max_pool(np.arange(16.0).reshape(1, 1, 4, 4), 2, 2)
    >>> max_pool_backward(np.ones((1, 1, 2, 2)), state)[0, 0].tolist()[1]
    [0.0, 1.0, 0.0, 1.0]
    """
    xp = array_namespace(gy, state.x)
    if tuple(gy.shape) != tuple(state.y.shape):
        raise ValueError(f"gy must have the pooled shape {tuple(state.y.shape)}, got {tuple(gy.shape)}")
    tiles = state.size == state.stride and all(
        n == m * state.size for n, m in zip(state.x_shape[2:], state.y.shape[2:]))
    gx = (xp.empty if tiles else xp.zeros)(state.x_shape, dtype=gy.dtype, device=device(gy))
    for sl, hit in zip(_offsets(state.x_shape, state.size, state.stride), _first_hits(state)):
        part = gy * xp.astype(hit, gy.dtype)
        if tiles:
            gx[sl] = part
        else:
            gx[sl] += part
    return gx


def avg_pool(x: Any, size: int, stride: int) -> Any:
    """Mean over windows of ``size`` points per axis every ``stride``.

    Examples
    --------
    >>> import numpy as np
    >>> avg_pool(np.arange(16.0).reshape(1, 1, 4, 4), 2, 2)[0, 0].tolist()
    [[2.5, 4.5], [10.5, 12.5]]
    """
    xp = array_namespace(x)
    check_spatial("x", x)
    out = _out_size(tuple(x.shape), size, stride)
    y = xp.zeros((*x.shape[:2], *out), dtype=x.dtype, device=device(x))
    for sl in _offsets(tuple(x.shape), size, stride):
        y += x[sl]
    return y / (size ** len(out))


def avg_pool_backward(gy: Any, x_shape: tuple[int, ...], size: int, stride: int) -> Any:
    """Gradient of :func:`avg_pool`: ``gy / size^d`` spread over each window (summed on overlaps).

    Examples
    --------
    >>> import numpy as np
    >>> avg_pool_backward(np.ones((1, 1, 1, 2)), (1, 1, 2, 3), 2, 1)[0, 0].tolist()
    [[0.25, 0.5, 0.25], [0.25, 0.5, 0.25]]
    """
    xp = array_namespace(gy)
    x_shape = tuple(x_shape)
    if not 3 <= len(x_shape) <= 5:
        raise ValueError(f"x_shape must be (B, C, *S) with 1 to 3 spatial axes, got {x_shape}")
    out = _out_size(x_shape, size, stride)
    if tuple(gy.shape) != (*x_shape[:2], *out):
        raise ValueError(f"gy must have the pooled shape {(*x_shape[:2], *out)}, got {tuple(gy.shape)}")
    gx = xp.zeros(x_shape, dtype=gy.dtype, device=device(gy))
    share = gy / (size ** len(out))
    for sl in _offsets(x_shape, size, stride):
        gx[sl] += share
    return gx

"""Winograd F(2, 3) for 3-wide kernels on every axis, in 1, 2 or 3 dimensions (NumPy).

A 3-tap correlation producing 2 outputs from 4 inputs takes 4 multiplications instead of 6:
``y = Aᵀ[(G·w) ⊙ (Bᵀ·x)]``. Applied along every axis of a ``d``-dimensional tile, each tile of
``2^d`` outputs costs ``4^d`` multiply-adds per (input, output) channel pair instead of
``6^d`` — 2.25× fewer in 2-d, 3.4× fewer in 3-d — and the channel sums become ``4^d``
independent GEMMs ``(tiles, C) @ (C, O)``, one batched ``matmul``. The transforms are separable:
one pass per axis, each four vectorised adds or subtracts over strided views of channels-last
arrays (the coefficients of ``Bᵀ`` and ``Aᵀ`` are 0 and ±1, so they are exact; ``G`` holds
halves, applied to the filters once per call).

Examples
--------
>>> import numpy as np
>>> x, w = np.ones((1, 4, 4, 1)), np.ones((1, 1, 3, 3))
>>> y = np.empty((1, 1, 2, 2))
>>> correlate3(x, transform_filters(w), y, lambda tag, shape, dtype: np.empty(shape, dtype))
>>> y[0, 0].tolist()
[[9.0, 9.0], [9.0, 9.0]]
"""

from __future__ import annotations

import math
from collections.abc import Callable
from itertools import product

import numpy as np

__all__ = ["correlate3", "tiles", "transform_filters"]

Scratch = Callable[[str, tuple[int, ...], np.dtype], np.ndarray]


def transform_filters(w: np.ndarray) -> np.ndarray:
    """``(O, C, 3, …, 3)`` filters as ``(4^d, C, O)``: ``G·w`` along every kernel axis.

    Examples
    --------
    >>> transform_filters(np.ones((2, 5, 3))).shape
    (4, 5, 2)
    >>> transform_filters(np.arange(3.0).reshape(1, 1, 3))[:, 0, 0].tolist()
    [0.0, 1.5, 0.5, 2.0]
    """
    o, c, d = w.shape[0], w.shape[1], w.ndim - 2
    u = np.ascontiguousarray(np.moveaxis(w, (0, 1), (-1, -2)))       # (3, …, 3, C, O)
    for axis in range(d):
        src = np.moveaxis(u, axis, 0)
        u = np.empty(src.shape[1:axis + 1] + (4,) + src.shape[axis + 1:], w.dtype)
        dst = np.moveaxis(u, axis, 0)
        dst[0] = src[0]
        np.add(src[0], src[2], out=dst[1])
        np.subtract(dst[1], src[1], out=dst[2])
        dst[1] += src[1]
        dst[1:3] *= 0.5
        dst[3] = src[2]
    return u.reshape(4 ** d, c, o)


def tiles(out: tuple[int, ...]) -> tuple[int, ...]:
    """Tiles of 2 outputs per axis covering ``out`` (the input then spans ``2·tiles + 2`` per axis).

    Examples
    --------
    >>> tiles((22, 7))
    (11, 4)
    """
    return tuple(-(-n // 2) for n in out)


def _input_pass(src: np.ndarray, dst: np.ndarray, axis: int, t: int) -> None:
    """``dst[k] = (Bᵀ·src)[k]`` along ``axis`` of ``src`` (windows of 4 every 2, ``t`` of them)."""
    def tap(k: int) -> np.ndarray:
        return src[(slice(None),) * axis + (slice(k, k + 2 * t - 1, 2),)]
    np.subtract(tap(0), tap(2), out=dst[0])
    np.add(tap(1), tap(2), out=dst[1])
    np.subtract(tap(2), tap(1), out=dst[2])
    np.subtract(tap(1), tap(3), out=dst[3])


def _output_pass(src: np.ndarray, dst: np.ndarray) -> None:
    """``dst = Aᵀ·src`` along the first axis (4 → 2)."""
    np.add(src[0], src[1], out=dst[0])
    dst[0] += src[2]
    np.subtract(src[1], src[2], out=dst[1])
    dst[1] -= src[3]


def correlate3(x: np.ndarray, u: np.ndarray, y: np.ndarray, scratch: Scratch) -> None:
    """Write into ``y`` ``(n, O, *out)`` the correlation of ``x`` with the 3-wide filters ``u``.

    ``x`` is channels-last ``(n, *L, C)``, already zero-padded to ``L = 2·tiles(out) + 2``;
    ``u`` comes from :func:`transform_filters`; ``scratch(tag, shape, dtype)`` gives work arrays
    whose contents are overwritten, a distinct array per ``tag``.
    """
    n, c, o = x.shape[0], x.shape[-1], u.shape[-1]
    out = tuple(y.shape[2:])
    t, d = tiles(out), len(out)
    spans = tuple(x.shape[1:-1])
    for i in range(d):               # axis i of space sits after i four-point axes and n
        nxt = scratch(f"wino/in{i}", (4,) * (i + 1) + (n,) + t[:i + 1] + spans[i + 1:] + (c,), x.dtype)
        _input_pass(x, np.moveaxis(nxt, i, 0), 2 * i + 1, t[i])
        x = nxt
    m = scratch("wino/gemm", (4 ** d, n * math.prod(t), o), x.dtype)
    np.matmul(x.reshape(4 ** d, -1, c), u, out=m)
    z = m.reshape((4,) * d + (n,) + t + (o,))
    for i in range(d):               # the i-th four-point axis becomes two outputs
        nxt = scratch(f"wino/out{i}", (2,) * (i + 1) + (4,) * (d - i - 1) + (n,) + t + (o,), x.dtype)
        _output_pass(np.moveaxis(z, i, 0), np.moveaxis(nxt, i, 0))
        z = nxt
    for j in product(range(2), repeat=d):
        sizes = tuple(len(range(a, s, 2)) for a, s in zip(j, out))
        src = z[j][(slice(None),) + tuple(slice(0, s) for s in sizes)]
        y[(slice(None), slice(None)) + tuple(slice(a, None, 2) for a in j)] = np.moveaxis(src, -1, 1)

"""NumPy fast path of :mod:`.conv`: Winograd, im2col and in-place shifted GEMMs, micro-batched.

For 1-, 2- and 3-d inputs ``(B, C, *S)`` alike, each micro-batch of ``n`` images is copied once
into a zero-padded scratch buffer, then:

- Forward, 3-wide kernels with at least ``_WINOGRAD_MIN_CHANNELS`` input and output channels
  and ``_WINOGRAD_MIN_SIZE`` outputs per axis: Winograd F(2, 3) along every axis
  (:mod:`._winograd`), 2.25× fewer multiply-adds in 2-d and 3.4× in 3-d; on fewer channels or
  smaller grids its transforms cost more than they save (measured: 1.5× faster than im2col at
  80 channels on 24×24, 0.75× at 40 channels on 6×6).
- Forward, other kernels: im2col ``(n·prod(S_out), prod(kernel)·C)`` by one copy from an
  ``as_strided`` view of a channels-last buffer (inner runs of ``k_last·C`` values), or by
  ``prod(kernel)·C`` slab copies of a channels-first one when ``k_last·C < 16``; one GEMM per
  image, written by ``matmul(..., out=)`` straight into the channels-first result.
- Weight gradient: in the channels-last buffer read as rows ``(n·P, C)`` (``P`` points of the
  padded grid), the input rows that kernel tap ``a`` meets form one contiguous slice shifted by
  ``pos(a)``, so tap ``a``'s gradient is one GEMM ``X_aᵀ·gY`` over it, accumulated in place by
  BLAS (``beta = 1``), with ``gY`` laid out on the padded grid (zero at the points past the valid
  output). No im2col matrix; it pays while the padded grid has at most ``_MAX_WASTE`` points
  per output point, else the im2col above serves.
- Input gradient: the correlation of the zero-bordered output gradient with the flipped,
  transposed filter bank, by the same forward routine (no col2im).

Micro-batches keep each one's buffers near ``_CHUNK_BYTES``; when BLAS would run several
threads, two worker threads with single-threaded BLAS take alternate micro-batches
(:mod:`._threads`). Scratch buffers are per thread and reused across calls, but every call
writes each one whole (zero borders included) before reading it; nothing returned aliases them.
"""

from __future__ import annotations

import functools
import math
import threading
from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import as_strided
from scipy.linalg import blas

from . import _threads, _winograd

__all__ = ["correlate", "correlate_backward"]

_CHUNK_BYTES = 1 << 20
_SLAB_MAX_ROW = 16          # below k_last·C values per row, slab copies beat row copies
_MAX_WASTE = 1.25           # shifted GEMMs while the padded grid has at most this many points per output
_WINOGRAD_MIN_CHANNELS = 64  # Winograd from this many input and output channels ...
_WINOGRAD_MIN_SIZE = 8       # ... and outputs per axis (below, its transforms cost more than they save)
_MAX_BUFFERS = 64           # scratch arrays kept per thread (oldest dropped first)
_GEMM = {np.dtype(np.float32): blas.sgemm, np.dtype(np.float64): blas.dgemm}
_local = threading.local()


def supports(dtype: Any) -> bool:
    """Whether this path handles ``dtype`` (the BLAS GEMMs: float32 and float64)."""
    return np.dtype(dtype) in _GEMM


def _buffer(tag: str, shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
    """A per-thread scratch array for ``(tag, shape, dtype)``, allocated once, its contents undefined."""
    cache = getattr(_local, "buffers", None)
    if cache is None:
        cache = _local.buffers = {}
    key = (tag, shape, np.dtype(dtype).str)
    buf = cache.get(key)
    if buf is None:
        if len(cache) >= _MAX_BUFFERS:
            cache.pop(next(iter(cache)))
        buf = cache[key] = np.empty(shape, dtype)
    return buf


def _pad_into(buf: np.ndarray, x: np.ndarray, lo: tuple[int, ...], first_axis: int) -> None:
    """Write ``x`` into ``buf`` at ``lo[i]`` along axis ``first_axis + i``, and zeros all around
    it: the whole buffer, whatever it held."""
    inner = [slice(None)] * buf.ndim
    for i, p in enumerate(lo):
        ax = first_axis + i
        end = p + x.shape[ax]
        edge = [slice(None)] * buf.ndim
        for part in (slice(0, p), slice(end, None)):
            if part.stop != 0 and part.start != buf.shape[ax]:
                edge[ax] = part
                buf[tuple(edge)] = 0
        inner[ax] = slice(p, end)
    buf[tuple(inner)] = x


class _Geometry:
    """Padding, output size, micro-batches and the padded grid's row arithmetic of one correlation.

    ``pads`` may be negative (the input is cropped). ``starts`` lists the first image of each
    micro-batch of ``batch`` images; ``offsets`` are the kernel taps' row shifts, row-major.
    """

    def __init__(self, x: np.ndarray, kernel: tuple[int, ...], pads: tuple[int, ...],
                 per_image_values: Callable[[int, int], int]) -> None:
        crop = tuple(slice(max(-p, 0), s - max(-p, 0)) for p, s in zip(pads, x.shape[2:]))
        self.x = x[(slice(None), slice(None)) + crop]
        self.kernel, self.grow = kernel, tuple(max(p, 0) for p in pads)
        self.c = int(x.shape[1])
        self.padded = tuple(int(s) + 2 * p for s, p in zip(self.x.shape[2:], self.grow))
        self.out = tuple(s - k + 1 for s, k in zip(self.padded, kernel))
        self.P = math.prod(self.padded)
        self.strides = tuple(math.prod(self.padded[i + 1:]) for i in range(len(kernel)))
        b = int(x.shape[0])
        per_image = per_image_values(self.P, math.prod(self.out)) * x.dtype.itemsize
        chunks = max(-(-b * per_image // _CHUNK_BYTES), min(b, 2))     # two at least, for two threads
        self.batch = -(-b // chunks)          # equal chunks: 8 + 8 rather than 10 + 6
        self.starts = list(range(0, b, self.batch))

    @functools.cached_property
    def offsets(self) -> list[int]:
        """The row shift of every kernel tap, row-major."""
        return [sum(i * s for i, s in zip(a, self.strides)) for a in np.ndindex(*self.kernel)]

    def rows(self, n: int) -> int:
        """Rows ``M`` of the padded-grid output of ``n`` images (up to the last valid point)."""
        return (n - 1) * self.P + sum((m - 1) * s for m, s in zip(self.out, self.strides)) + 1

    def valid(self, full: np.ndarray, n: int) -> np.ndarray:
        """The valid points ``(n, O, *out)`` of a padded-grid output ``full`` ``(O, M)`` (a view)."""
        s = full.itemsize
        return as_strided(full, (n, full.shape[0]) + self.out,
                          (self.P * s, full.strides[0]) + tuple(t * s for t in self.strides))

    def channels_last(self, b0: int, n: int, spans: tuple[int, ...] | None = None) -> np.ndarray:
        """Images ``b0 .. b0+n`` zero-padded, channels last ``(n, *spans, C)`` (scratch); ``spans``
        (default: the padded size) may add zeros past the far edge."""
        spans = self.padded if spans is None else spans
        buf = _buffer("x", (n,) + spans + (self.c,), self.x.dtype)
        _pad_into(buf, np.moveaxis(self.x[b0:b0 + n], 1, -1), self.grow, 1)
        return buf

    def input_rows(self, b0: int, n: int) -> np.ndarray:
        """Images ``b0 .. b0+n`` zero-padded, channels last, as rows ``(n·P, C)`` (scratch)."""
        return self.channels_last(b0, n).reshape(n * self.P, self.c)


def _im2col(g: _Geometry, b0: int, n: int) -> np.ndarray:
    """im2col ``(prod(kernel)·C, n·prod(out))`` of images ``b0 .. b0+n``, rows ``(*offsets, c)``.

    Inputs with few channels (``k_last·C < 16``) are copied as ``prod(kernel)·C`` slabs of
    ``n·prod(out)`` values from a channels-first padded buffer; others as rows of
    ``k_last·C`` contiguous values from a channels-last one (the result then is the transpose
    of a C-ordered matrix; BLAS reads it either way).
    """
    d, m, k = len(g.kernel), n * math.prod(g.out), math.prod(g.kernel) * g.c
    if g.kernel[-1] * g.c < _SLAB_MAX_ROW:
        src = _buffer("x/slab", (n, g.c) + g.padded, g.x.dtype)
        _pad_into(src, g.x[b0:b0 + n], g.grow, 2)
        cols = _buffer("cols/slab", (k, m), g.x.dtype)
        s = src.strides
        view = as_strided(src, g.kernel + (g.c, n) + g.out, s[2:] + (s[1], s[0]) + s[2:])
        np.copyto(cols.reshape(g.kernel + (g.c, n) + g.out), view)
        return cols
    src = g.channels_last(b0, n)
    cols = _buffer("cols/row", (m, k), g.x.dtype)
    s = src.strides
    shape = (n,) + g.out + g.kernel[:-1] + (g.kernel[-1] * g.c,)
    view = as_strided(src, shape, (s[0],) + s[1:1 + d] + s[1:d] + (s[1 + d],))
    np.copyto(cols.reshape(shape), view)
    return cols.T


def _correlate_im2col(x: np.ndarray, w: np.ndarray, pads: tuple[int, ...]) -> np.ndarray:
    """:func:`correlate` by im2col and one GEMM per image (``K = prod(kernel)·C``)."""
    b, c, o = x.shape[0], x.shape[1], w.shape[0]
    kernel = tuple(int(k) for k in w.shape[2:])
    g = _Geometry(x, kernel, pads, lambda p, q: q * c * math.prod(kernel))
    y = np.empty((b, o, math.prod(g.out)), x.dtype)
    w_rows = np.moveaxis(w, 1, -1).reshape(o, -1)       # columns (*offsets, c), as im2col's rows

    def chunk(b0: int) -> None:
        n = min(g.batch, b - b0)
        cols = _im2col(g, b0, n)
        np.matmul(w_rows, cols.reshape(cols.shape[0], n, -1).transpose(1, 0, 2), out=y[b0:b0 + n])

    _threads.split(g.starts, chunk)
    return y.reshape((b, o) + g.out)


def _correlate_winograd(x: np.ndarray, w: np.ndarray, pads: tuple[int, ...]) -> np.ndarray:
    """:func:`correlate` for 3-wide kernels on every axis, by Winograd F(2, 3) (:mod:`._winograd`)."""
    b, c, o, d = x.shape[0], x.shape[1], w.shape[0], x.ndim - 2
    g = _Geometry(x, (3,) * d, pads, lambda p, q: p * (c + o) << d)
    u = _winograd.transform_filters(w)
    spans = tuple(2 * t + 2 for t in _winograd.tiles(g.out))
    y = np.empty((b, o) + g.out, x.dtype)

    def chunk(b0: int) -> None:
        n = min(g.batch, b - b0)
        _winograd.correlate3(g.channels_last(b0, n, spans), u, y[b0:b0 + n], _buffer)

    _threads.split(g.starts, chunk)
    return y


def correlate(x: np.ndarray, w: np.ndarray, pads: tuple[int, ...]) -> np.ndarray:
    """Cross-correlation with per-axis padding (negative crops); channels-first in and out (contiguous)."""
    out = [int(n) + 2 * p - 2 for n, p in zip(x.shape[2:], pads)]
    if set(w.shape[2:]) == {3} and min(x.shape[1], w.shape[0]) >= _WINOGRAD_MIN_CHANNELS \
            and min(out) >= _WINOGRAD_MIN_SIZE:
        return _correlate_winograd(x, w, pads)
    return _correlate_im2col(x, w, pads)


def _waste(sizes: tuple[int, ...], kernel: tuple[int, ...], padding: int) -> float:
    """Points of the padded grid per valid output point (what shifted GEMMs compute per output)."""
    padded = [int(s) + 2 * padding for s in sizes]
    return math.prod(padded) / math.prod(p - int(k) + 1 for p, k in zip(padded, kernel))


def _weight_grad_im2col(x: np.ndarray, w: np.ndarray, gy: np.ndarray, pads: tuple[int, ...]) -> np.ndarray:
    """``gw`` by im2col: one GEMM per micro-batch with ``K = n·prod(out)``."""
    b, c, o = x.shape[0], x.shape[1], w.shape[0]
    kernel = tuple(int(k) for k in w.shape[2:])
    g = _Geometry(x, kernel, pads, lambda p, q: q * c * math.prod(kernel))
    gy_rows = gy.reshape(b, o, -1)

    def chunk(b0: int) -> np.ndarray:                       # (o | *offsets, c)
        n = min(g.batch, b - b0)
        cols = _im2col(g, b0, n).reshape(-1, n, gy_rows.shape[2]).transpose(1, 2, 0)
        return np.matmul(gy_rows[b0:b0 + n], cols).sum(axis=0)

    gwm = sum(_threads.split(g.starts, chunk))
    return np.ascontiguousarray(np.moveaxis(gwm.reshape((o,) + kernel + (c,)), -1, 1))


def _weight_grad_shifted(x: np.ndarray, w: np.ndarray, gy: np.ndarray, pads: tuple[int, ...]) -> np.ndarray:
    """``gw`` by one GEMM ``X_a^T·gY`` per tap over the shifted row slices (``K = M``)."""
    b, c, o = x.shape[0], x.shape[1], w.shape[0]
    g = _Geometry(x, tuple(int(k) for k in w.shape[2:]), pads, lambda p, q: p * (c + o))
    gemm = _GEMM[x.dtype]

    def chunk_sum(starts: list[int]) -> np.ndarray:         # (taps, O, C): [t].T is tap t's (C, O)
        acc = np.zeros((len(g.offsets), o, c), x.dtype)
        for b0 in starts:
            n = min(g.batch, b - b0)
            rows, m = g.input_rows(b0, n), g.rows(n)
            full = _buffer("gy", (o, m), x.dtype)
            full.fill(0)
            np.copyto(g.valid(full, n), gy[b0:b0 + n])
            for t, off in enumerate(g.offsets):
                gemm(1.0, rows[off:off + m].T, full.T, beta=1.0, c=acc[t].T, overwrite_c=True)
        return acc

    acc = sum(_threads.split([g.starts[0::2], g.starts[1::2]], chunk_sum))
    return np.ascontiguousarray(np.moveaxis(acc, 0, -1)).reshape(w.shape)


def correlate_backward(x: np.ndarray, w: np.ndarray, gy: np.ndarray, padding: int,
                       need_gx: bool = True) -> tuple[np.ndarray | None, np.ndarray]:
    """``(gx, gw)`` of :func:`correlate` with equal padding ``padding`` on every axis."""
    pads = (padding,) * (x.ndim - 2)
    shifted = x.shape[1] * w.shape[-1] >= _SLAB_MAX_ROW and _waste(x.shape[2:], w.shape[2:], padding) <= _MAX_WASTE
    gw = (_weight_grad_shifted if shifted else _weight_grad_im2col)(x, w, gy, pads)
    if not need_gx:
        return None, gw
    d = x.ndim - 2
    flip = (slice(None), slice(None)) + (slice(None, None, -1),) * d
    w_back = np.swapaxes(w[flip], 0, 1)
    return correlate(gy, w_back, tuple(int(k) - 1 - padding for k in w.shape[2:])), gw

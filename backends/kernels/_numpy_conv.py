"""NumPy fast path of :mod:`.conv`: Winograd or strided im2col, micro-batched on two threads.

For 1-, 2- and 3-d inputs ``(B, C, *S)`` alike, each micro-batch of ``n`` images is copied once
into a zero-padded scratch buffer (or read in place where it needs no padding), then:

- 3-wide kernels where Winograd pays (:func:`winograd_pays`: enough channels and outputs per
  axis): Winograd F(2, 3) along every axis (:mod:`._winograd`), 2.25× fewer multiply-adds in
  2-d and 3.4× in 3-d. On few channels or small grids its transforms cost more than they save
  (measured, one thread, 16 images: 1.5× faster than im2col at 80 channels on 26×26, 1.1× at 80
  on 10×10, 0.75× at 40 on 8×8).
- Other kernels: im2col ``(prod(kernel)·C, n·prod(S_out))`` by ``prod(kernel)·C`` slab copies
  straight from the channels-first input (from a zero-padded copy when it needs padding), which
  the GEMM reads K-major, when output rows have at least 8 points or ``k_last·C < 16``
  (measured, one thread, 32 images: 1.05–1.5× faster forwards at 16–80 channels from 10×10
  outputs up, even at 6–8, slower at 4); else by one copy from an ``as_strided`` view of a
  channels-last buffer (inner runs of ``k_last·C`` values). One GEMM per image, written by
  ``matmul(..., out=)`` straight into the channels-first result.
- Weight gradient: the channels-last im2col (its GEMM, ``K = n·prod(out)``, reads that layout
  1.06–1.7× faster than slabs), one GEMM per micro-batch against the output gradient. (Per-tap
  GEMMs over shifted row slices, accumulated in place by BLAS with ``beta = 1``, avoid the
  im2col copy but were 15–25% slower here: their ``C × O`` outputs are too small.)
- Input gradient: the correlation of the zero-bordered output gradient with the flipped,
  transposed filter bank, by the same forward routine; when the output has fewer points than
  the kernel (a last layer as large as its input), a GEMM and a scatter-add of one block per
  output point instead, since the correlation would multiply mostly zeros there.

Micro-batches keep each one's buffers near ``_CHUNK_BYTES`` (``_WINOGRAD_CHUNK_BYTES`` for
Winograd, whose per-call overhead is larger); when BLAS would run several threads, two worker
threads with single-threaded BLAS take alternate micro-batches (:mod:`._threads`). Scratch
buffers are per thread, one per use (a view of the largest array that use has needed), and
reused across calls and layers, but every call writes each one whole (zero borders included)
before reading it; nothing returned aliases them.
"""

from __future__ import annotations

import math
import threading
import weakref
from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import as_strided

from . import _threads, _winograd

__all__ = ["correlate", "correlate_backward", "release_scratch", "supports", "winograd_pays"]

_CHUNK_BYTES = 1 << 20
_WINOGRAD_CHUNK_BYTES = 4 << 20  # Winograd's per-call overhead is larger: 1.3–1.9× faster than 1 MB (80 ch)
_SLAB_MAX_ROW = 16          # below k_last·C values per row, slab copies beat row copies
_SLAB_MIN_RUN = 8           # forward: slabs (K-major columns) once output rows are this long
_WINOGRAD_MIN_CHANNELS = 64  # see winograd_pays
_WINOGRAD_MIN_WORK = 512     # channels x outputs per axis
_COL2IM_BELOW = 1.0         # input gradient by col2im when the output has fewer points than the kernel
_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))
_local = threading.local()
_caches_lock = threading.Lock()


class _Scratch:
    """One thread's scratch arrays by ``(tag, dtype)``, held weakly by :data:`_caches`."""

    __slots__ = ("arrays", "__weakref__")

    def __init__(self) -> None:
        self.arrays: dict[tuple[str, str], np.ndarray] = {}


_caches: weakref.WeakSet[_Scratch] = weakref.WeakSet()     # every living thread's scratch arrays


def supports(dtype: Any) -> bool:
    """Whether this path handles ``dtype`` (those of the BLAS GEMMs: float32 and float64)."""
    return np.dtype(dtype) in _DTYPES


def _buffer(tag: str, shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
    """A per-thread scratch array of ``shape``, its contents undefined: a view of the one flat
    array this thread keeps for ``(tag, dtype)``, grown to the largest size asked so far (so a
    network's layers share it rather than each keeping its own)."""
    scratch = getattr(_local, "scratch", None)
    if scratch is None:
        scratch = _local.scratch = _Scratch()
        with _caches_lock:
            _caches.add(scratch)
    cache = scratch.arrays
    key, size = (tag, np.dtype(dtype).str), math.prod(shape)
    flat = cache.get(key)
    if flat is None or flat.size < size:
        flat = cache[key] = np.empty(size, dtype)
    return flat[:size].reshape(shape)


def release_scratch() -> None:
    """Free the scratch arrays the NumPy kernels keep per thread (they grow back on the next call).

    Call it between kernel calls, e.g. to measure memory afresh.

    Examples
    --------
    >>> release_scratch()
    """
    with _caches_lock:
        for scratch in _caches:
            scratch.arrays.clear()


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
    """Padding, output size and micro-batches of one correlation.

    ``pads`` may be negative (the input is cropped). ``starts`` lists the first image of each
    micro-batch of ``batch`` images.
    """

    def __init__(self, x: np.ndarray, kernel: tuple[int, ...], pads: tuple[int, ...],
                 per_image_values: Callable[[int, int], int], chunk_bytes: int | None = None) -> None:
        crop = tuple(slice(max(-p, 0), s - max(-p, 0)) for p, s in zip(pads, x.shape[2:]))
        self.x = x[(slice(None), slice(None)) + crop]
        self.kernel, self.grow = kernel, tuple(max(p, 0) for p in pads)
        self.c = int(x.shape[1])
        self.padded = tuple(int(s) + 2 * p for s, p in zip(self.x.shape[2:], self.grow))
        self.out = tuple(s - k + 1 for s, k in zip(self.padded, kernel))
        self.P = math.prod(self.padded)
        b = int(x.shape[0])
        per_image = per_image_values(self.P, math.prod(self.out)) * x.dtype.itemsize
        budget = _CHUNK_BYTES if chunk_bytes is None else chunk_bytes
        chunks = max(-(-b * per_image // budget), min(b, 2))     # two at least, for two threads
        self.batch = -(-b // chunks)          # equal chunks: 8 + 8 rather than 10 + 6
        self.starts = list(range(0, b, self.batch))

    def channels_last(self, b0: int, n: int, spans: tuple[int, ...] | None = None) -> np.ndarray:
        """Images ``b0 .. b0+n`` zero-padded, channels last ``(n, *spans, C)`` (scratch); ``spans``
        (default: the padded size) may add zeros past the far edge."""
        spans = self.padded if spans is None else spans
        buf = _buffer("x", (n,) + spans + (self.c,), self.x.dtype)
        _pad_into(buf, np.moveaxis(self.x[b0:b0 + n], 1, -1), self.grow, 1)
        return buf


def _im2col(g: _Geometry, b0: int, n: int, slabs: bool = False) -> np.ndarray:
    """im2col ``(prod(kernel)·C, n·prod(out))`` of images ``b0 .. b0+n``, rows ``(*offsets, c)``.

    As ``prod(kernel)·C`` slabs of ``n·prod(out)`` values copied from a channels-first padded
    buffer when ``slabs`` or the input has few channels (``k_last·C < 16``): the result is
    C-ordered, so a GEMM reads it K-major. Otherwise as rows of ``k_last·C`` contiguous values
    from a channels-last buffer: the result is the transpose of a C-ordered matrix, which the
    weight gradient's GEMM (``K = n·prod(out)``) reads faster.
    """
    d, m, k = len(g.kernel), n * math.prod(g.out), math.prod(g.kernel) * g.c
    if slabs or g.kernel[-1] * g.c < _SLAB_MAX_ROW:
        src = g.x[b0:b0 + n]                       # read in place unless it needs zero borders
        if any(g.grow):
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
        cols = _im2col(g, b0, n, slabs=g.out[-1] >= _SLAB_MIN_RUN)
        np.matmul(w_rows, cols.reshape(cols.shape[0], n, -1).transpose(1, 0, 2), out=y[b0:b0 + n])

    _threads.split(g.starts, chunk)
    return y.reshape((b, o) + g.out)


def _correlate_winograd(x: np.ndarray, w: np.ndarray, pads: tuple[int, ...]) -> np.ndarray:
    """:func:`correlate` for 3-wide kernels on every axis, by Winograd F(2, 3) (:mod:`._winograd`)."""
    b, c, o, d = x.shape[0], x.shape[1], w.shape[0], x.ndim - 2
    g = _Geometry(x, (3,) * d, pads, lambda p, q: p * (c + o) << d, _WINOGRAD_CHUNK_BYTES)
    u = _winograd.transform_filters(w)
    spans = tuple(2 * t + 2 for t in _winograd.tiles(g.out))
    y = np.empty((b, o) + g.out, x.dtype)

    def chunk(b0: int) -> None:
        n = min(g.batch, b - b0)
        _winograd.correlate3(g.channels_last(b0, n, spans), u, y[b0:b0 + n], _buffer)

    _threads.split(g.starts, chunk)
    return y


def winograd_pays(c: int, o: int, out: tuple[int, ...], kernel: tuple[int, ...]) -> bool:
    """Whether Winograd beats im2col for ``c → o`` channels, output size ``out``, ``kernel``.

    3-wide kernels on every axis, at least ``_WINOGRAD_MIN_CHANNELS`` input and output
    channels, and ``min(c, o)·min(out) >= _WINOGRAD_MIN_WORK``: the multiplications saved grow
    with the channels (GEMM work per point ∝ ``c·o``, transforms ∝ ``c + o``), and the tiles'
    share of the transforms' fixed costs falls with the grid. At 40 channels on 26×26 it was
    only 1.2× faster than im2col and changed the float32 rounding of a C4 P4CNN enough to lift
    its rotation-equivariance error from 0.9e-6 to 1.2e-6, so it starts at 64 channels.

    Examples
    --------
    >>> winograd_pays(80, 80, (24, 24), (3, 3)), winograd_pays(40, 40, (8, 8), (3, 3))
    (True, False)
    """
    least = min(c, o)
    return set(kernel) == {3} and least >= _WINOGRAD_MIN_CHANNELS and least * min(out) >= _WINOGRAD_MIN_WORK


def correlate(x: np.ndarray, w: np.ndarray, pads: tuple[int, ...]) -> np.ndarray:
    """Cross-correlation with per-axis padding (negative crops); channels-first in and out (contiguous)."""
    kernel = tuple(int(k) for k in w.shape[2:])
    out = tuple(int(n) + 2 * p - k + 1 for n, p, k in zip(x.shape[2:], pads, kernel))
    if winograd_pays(int(x.shape[1]), int(w.shape[0]), out, kernel):
        return _correlate_winograd(x, w, pads)
    return _correlate_im2col(x, w, pads)


def _weight_grad(x: np.ndarray, w: np.ndarray, gy: np.ndarray, pads: tuple[int, ...]) -> np.ndarray:
    """``gw`` of :func:`correlate`: im2col, one GEMM per micro-batch with ``K = n·prod(out)``."""
    b, c, o = x.shape[0], x.shape[1], w.shape[0]
    kernel = tuple(int(k) for k in w.shape[2:])
    g = _Geometry(x, kernel, pads, lambda p, q: q * c * math.prod(kernel))
    gy_rows = gy.reshape(b, o, -1)

    def chunk(b0: int) -> np.ndarray:                       # (o | *offsets, c)
        n = min(g.batch, b - b0)
        gy_t = np.moveaxis(gy_rows[b0:b0 + n], 1, 0).reshape(o, -1)     # (o, n·q), a small copy
        return gy_t @ _im2col(g, b0, n).T

    gwm = np.sum(_threads.split(g.starts, chunk), axis=0)
    return np.ascontiguousarray(np.moveaxis(gwm.reshape((o,) + kernel + (c,)), -1, 1))


def _input_grad_col2im(x_shape: tuple[int, ...], w: np.ndarray, gy: np.ndarray, padding: int) -> np.ndarray:
    """``gx`` as the GEMM ``gY·W`` and a scatter-add of each output point's
    ``(C, *kernel)`` block into the padded input: for outputs with fewer points than the kernel
    (a last layer as large as its input has one), where the full correlation would multiply
    mostly zeros."""
    b, o = gy.shape[0], gy.shape[1]
    kernel, out = tuple(int(k) for k in w.shape[2:]), tuple(int(n) for n in gy.shape[2:])
    blocks = np.matmul(np.moveaxis(gy.reshape(b, o, -1), 1, 2), w.reshape(o, -1))   # (b, q, C·prod(kernel))
    blocks = blocks.reshape((b, math.prod(out)) + tuple(w.shape[1:]))
    gx = np.zeros(tuple(x_shape[:2]) + tuple(int(s) + 2 * padding for s in x_shape[2:]), gy.dtype)
    for q, at in enumerate(np.ndindex(*out)):
        gx[(slice(None), slice(None)) + tuple(slice(i, i + k) for i, k in zip(at, kernel))] += blocks[:, q]
    inner = tuple(slice(padding, n - padding) for n in gx.shape[2:])
    return np.ascontiguousarray(gx[(slice(None), slice(None)) + inner]) if padding else gx


def correlate_backward(x: np.ndarray, w: np.ndarray, gy: np.ndarray, padding: int,
                       need_gx: bool = True) -> tuple[np.ndarray | None, np.ndarray]:
    """``(gx, gw)`` of :func:`correlate` with equal padding ``padding`` on every axis."""
    gw = _weight_grad(x, w, gy, (padding,) * (x.ndim - 2))
    if not need_gx:
        return None, gw
    if math.prod(gy.shape[2:]) < _COL2IM_BELOW * math.prod(w.shape[2:]):
        return _input_grad_col2im(tuple(x.shape), w, gy, padding), gw
    d = x.ndim - 2
    flip = (slice(None), slice(None)) + (slice(None, None, -1),) * d
    w_back = np.swapaxes(w[flip], 0, 1)
    return correlate(gy, w_back, tuple(int(k) - 1 - padding for k in w.shape[2:])), gw

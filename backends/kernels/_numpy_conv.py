"""NumPy fast path of :mod:`.conv`: strided im2col into reused buffers and micro-batched GEMMs.

For 1-, 2- and 3-d inputs ``(B, C, *S)`` alike:

- The padded input is copied once into a reused channels-last buffer; each micro-batch's im2col
  matrix ``(n·prod(S_out), prod(kernel)·C)`` is one copy from an ``as_strided`` view whose inner
  runs are ``k_last·C`` contiguous values. Inputs with few channels use ``prod(kernel)·C`` slab
  copies of ``n·prod(S_out)`` values from a channels-first buffer instead (the matrix
  transposed; BLAS reads it either way).
- Micro-batches keep the im2col matrix near ``_CHUNK_BYTES`` so copy and GEMM stay in cache;
  when BLAS would run several threads, two worker threads with single-threaded BLAS take
  alternate micro-batches instead (:mod:`._threads`).
- Each image's output ``(O, prod(S_out))`` is one GEMM of the filter bank with its patches, written by
  ``matmul(..., out=)`` straight into a contiguous channels-first result (no transposing copy).
- The input gradient is the correlation of the zero-bordered output gradient with the flipped,
  transposed filter bank: the same routine, no col2im.

Buffers are per thread and reused across calls; nothing returned aliases them.
"""

from __future__ import annotations

import threading

import numpy as np
from numpy.lib.stride_tricks import as_strided

from . import _threads

__all__ = ["correlate", "correlate_backward"]

_CHUNK_BYTES = 8 << 20
_SLAB_MAX_ROW = 16          # below kw·C values per row, slab copies beat row copies
_MAX_BUFFERS = 64         # scratch arrays kept per thread (oldest dropped first)
_local = threading.local()


def _buffer(tag: str, shape: tuple[int, ...], dtype: np.dtype, zero: bool = False) -> np.ndarray:
    """A per-thread scratch array for ``(tag, shape, dtype)``, allocated once and then reused.

    With ``zero=True`` it is zero-filled when created; callers that only overwrite an interior
    (the padded-input buffers, whose tag names the padding) rely on the borders staying zero.
    """
    cache = getattr(_local, "buffers", None)
    if cache is None:
        cache = _local.buffers = {}
    key = (tag, shape, np.dtype(dtype).str, zero)
    buf = cache.get(key)
    if buf is None:
        if len(cache) >= _MAX_BUFFERS:
            cache.pop(next(iter(cache)))
        buf = cache[key] = (np.zeros if zero else np.empty)(shape, dtype)
    return buf


def _padded(x: np.ndarray, pads: tuple[int, ...], channels_last: bool, tag: str) -> np.ndarray:
    """``x`` (B, C, *S) zero-padded by ``pads`` (negative crops), in a reused buffer.

    Laid out ``(B, *S, C)`` or ``(B, C, *S)``. Calls with the same tag, shape and padding share
    the buffer and only rewrite its interior.
    """
    crop = tuple(slice(max(-p, 0), s - max(-p, 0)) for p, s in zip(pads, x.shape[2:]))
    x = x[(slice(None), slice(None)) + crop]
    grow = tuple(max(p, 0) for p in pads)
    b, c, *sizes = x.shape
    full = tuple(s + 2 * p for s, p in zip(sizes, grow))
    inner = tuple(slice(p, p + s) for p, s in zip(grow, sizes))
    tag = f"{tag}/{grow}/{'last' if channels_last else 'first'}"
    if channels_last:
        buf = _buffer(tag, (b, *full, c), x.dtype, zero=True)
        buf[(slice(None),) + inner + (slice(None),)] = np.moveaxis(x, 1, -1)
    else:
        buf = _buffer(tag, (b, c, *full), x.dtype, zero=True)
        buf[(slice(None), slice(None)) + inner] = x
    return buf


class _Im2col:
    """im2col of a padded batch, one micro-batch at a time, into a reused buffer.

    ``matrix(b0)`` is ``(n·prod(S_out), prod(kernel)·C)`` for the ``n <= batch`` images from
    ``b0``, columns ordered ``(*offsets, c)``, matching the filter bank moved to
    ``(O, *kernel, C)``; ``starts`` lists the micro-batches.
    """

    def __init__(self, x: np.ndarray, kernel: tuple[int, ...], pads: tuple[int, ...], tag: str) -> None:
        b, c = x.shape[0], x.shape[1]
        self.kernel, self.c = kernel, c
        self.slabs = kernel[-1] * c < _SLAB_MAX_ROW
        self.xpad = _padded(x, pads, channels_last=not self.slabs, tag=tag)
        d = len(kernel)
        sizes = self.xpad.shape[2:] if self.slabs else self.xpad.shape[1:1 + d]
        self.out = tuple(int(s) - k + 1 for s, k in zip(sizes, kernel))
        self.rows = int(np.prod(self.out))
        k = int(np.prod(kernel)) * c
        per_image = self.rows * k * x.dtype.itemsize
        chunks = max(-(-b * per_image // _CHUNK_BYTES), min(b, 2))     # two at least, for two threads
        self.batch = -(-b // chunks)          # equal chunks: 8 + 8 rather than 10 + 6
        rows = self.batch * self.rows
        self.starts = list(range(0, b, self.batch))
        self.buf_key = (tag + "/cols", (k, rows) if self.slabs else (rows, k), x.dtype)

    def matrix(self, b0: int) -> np.ndarray:
        """The im2col matrix of images ``b0 .. b0 + batch`` in the calling thread's buffer."""
        kernel, c, out, d = self.kernel, self.c, self.out, len(self.kernel)
        n = min(self.batch, self.xpad.shape[0] - b0)
        m = n * self.rows
        src = self.xpad[b0:b0 + n]
        s = src.strides
        buf = _buffer(*self.buf_key)
        if self.slabs:      # src (n, C, *Sp) -> buf (*kernel, C | n, *S_out)
            cols = buf[:, :m]
            spatial = s[2:]
            view = as_strided(src, kernel + (c, n) + out, spatial + (s[1], s[0]) + spatial)
            np.copyto(cols.reshape(kernel + (c, n) + out), view)
            return cols.T
        cols = buf[:m]      # src (n, *Sp, C) -> buf (n, *S_out | *kernel[:-1], kernel[-1]·C)
        spatial = s[1:1 + d]
        shape = (n,) + out + kernel[:-1] + (kernel[-1] * c,)
        view = as_strided(src, shape, (s[0],) + spatial + spatial[:-1] + (s[1 + d],))
        np.copyto(cols.reshape(shape), view)
        return cols


def _filter_rows(w: np.ndarray) -> np.ndarray:
    """The filter bank ``(O, C, *kernel)`` as ``(O, prod(kernel)·C)``, columns ``(*offsets, c)``."""
    return np.moveaxis(w, 1, -1).reshape(w.shape[0], -1)


def correlate(x: np.ndarray, w: np.ndarray, pads: tuple[int, ...], tag: str = "fwd") -> np.ndarray:
    """Cross-correlation with per-axis padding (negative crops); channels-first in and out (contiguous)."""
    b, o = x.shape[0], w.shape[0]
    cols = _Im2col(x, tuple(int(k) for k in w.shape[2:]), pads, tag)
    w_rows = _filter_rows(w)
    rows, k = cols.rows, w_rows.shape[1]
    y = np.empty((b, o, rows), x.dtype)

    def chunk(b0: int) -> None:
        patches = cols.matrix(b0)
        n = patches.shape[0] // rows
        np.matmul(w_rows, patches.reshape(n, rows, k).transpose(0, 2, 1), out=y[b0:b0 + n])

    _threads.split(cols.starts, chunk)
    return y.reshape((b, o) + cols.out)


def correlate_backward(x: np.ndarray, w: np.ndarray, gy: np.ndarray, padding: int,
                       need_gx: bool = True) -> tuple[np.ndarray | None, np.ndarray]:
    """``(gx, gw)`` of :func:`correlate` with equal padding ``padding`` on every axis."""
    b, o, d = x.shape[0], w.shape[0], x.ndim - 2
    kernel = tuple(int(k) for k in w.shape[2:])
    cols = _Im2col(x, kernel, (padding,) * d, "bwd")
    rows = cols.rows
    gy_rows = np.moveaxis(gy, 1, -1)
    if not gy_rows.flags.c_contiguous:
        gy_rows = _buffer("bwd/gy", gy_rows.shape, gy.dtype)
        np.copyto(gy_rows, np.moveaxis(gy, 1, -1))
    gy_rows = gy_rows.reshape(b * rows, o)

    def chunk(b0: int) -> np.ndarray:                          # this chunk's gw as (*offsets, c | o)
        patches = cols.matrix(b0)
        return patches.T @ gy_rows[b0 * rows:b0 * rows + patches.shape[0]]

    gwm = sum(_threads.split(cols.starts, chunk))
    gw = np.ascontiguousarray(np.moveaxis(gwm.reshape(kernel + (x.shape[1], o)), (-1, -2), (0, 1)))
    if not need_gx:
        return None, gw
    flip = (slice(None), slice(None)) + (slice(None, None, -1),) * d
    w_back = np.swapaxes(w[flip], 0, 1)
    return correlate(gy, w_back, tuple(k - 1 - padding for k in kernel), tag="bwd/gx"), gw

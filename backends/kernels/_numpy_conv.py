"""NumPy fast path of :mod:`.conv`: strided im2col into reused buffers and micro-batched GEMMs.

- The padded input is copied once into a reused NHWC buffer; each micro-batch's im2col matrix
  ``(n·Ho·Wo, kh·kw·C)`` is one copy from an ``as_strided`` view whose inner runs are ``kw·C``
  contiguous values. Inputs with few channels use ``kh·kw·C`` slab copies of ``n·Ho·Wo`` values
  from an NCHW buffer instead (the matrix transposed; BLAS reads it either way).
- Micro-batches keep the im2col matrix near ``_CHUNK_BYTES`` so copy and GEMM stay in cache;
  when BLAS would run several threads, two worker threads with single-threaded BLAS take
  alternate micro-batches instead (:mod:`._threads`).
- Each image's output ``(O, Ho·Wo)`` is one GEMM of the filter bank with its patches, written by
  ``matmul(..., out=)`` straight into a contiguous NCHW result (no transposing copy).
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


def _padded(x: np.ndarray, ph: int, pw: int, nhwc: bool, tag: str) -> np.ndarray:
    """``x`` (B, C, H, W) zero-padded, in a reused buffer laid out NHWC or NCHW.

    Calls with the same tag, shape and padding share the buffer and only rewrite its interior.
    """
    b, c, h, w = x.shape
    ch, cw = max(-ph, 0), max(-pw, 0)
    x = x[:, :, ch:h - ch, cw:w - cw]
    ph, pw = max(ph, 0), max(pw, 0)
    b, c, h, w = x.shape
    tag = f"{tag}/{ph},{pw}/{'nhwc' if nhwc else 'nchw'}"
    if nhwc:
        buf = _buffer(tag, (b, h + 2 * ph, w + 2 * pw, c), x.dtype, zero=True)
        buf[:, ph:ph + h, pw:pw + w, :] = x.transpose(0, 2, 3, 1)
    else:
        buf = _buffer(tag, (b, c, h + 2 * ph, w + 2 * pw), x.dtype, zero=True)
        buf[:, :, ph:ph + h, pw:pw + w] = x
    return buf


class _Im2col:
    """im2col of a padded batch, one micro-batch at a time, into a reused buffer.

    ``matrix(b0)`` is ``(n·Ho·Wo, kh·kw·C)`` for the ``n <= batch`` images from ``b0``, columns
    ordered ``(i, j, c)``, matching the filter bank ``w.transpose(0, 2, 3, 1)``; ``starts`` lists
    the micro-batches.
    """

    def __init__(self, x: np.ndarray, kh: int, kw: int, ph: int, pw: int, tag: str) -> None:
        b, c = x.shape[0], x.shape[1]
        self.kh, self.kw, self.c = kh, kw, c
        self.slabs = kw * c < _SLAB_MAX_ROW
        self.xpad = _padded(x, ph, pw, nhwc=not self.slabs, tag=tag)
        hp, wp = (self.xpad.shape[2:4] if self.slabs else self.xpad.shape[1:3])
        self.ho, self.wo = hp - kh + 1, wp - kw + 1
        k = kh * kw * c
        per_image = self.ho * self.wo * k * x.dtype.itemsize
        chunks = max(-(-b * per_image // _CHUNK_BYTES), min(b, 2))     # two at least, for two threads
        self.batch = -(-b // chunks)          # equal chunks: 8 + 8 rather than 10 + 6
        rows = self.batch * self.ho * self.wo
        self.starts = list(range(0, b, self.batch))
        self.buf_key = (tag + "/cols", (k, rows) if self.slabs else (rows, k), x.dtype)

    def matrix(self, b0: int) -> np.ndarray:
        """The im2col matrix of images ``b0 .. b0 + batch`` in the calling thread's buffer."""
        kh, kw, c, ho, wo = self.kh, self.kw, self.c, self.ho, self.wo
        n = min(self.batch, self.xpad.shape[0] - b0)
        m = n * ho * wo
        src = self.xpad[b0:b0 + n]
        s = src.strides
        buf = _buffer(*self.buf_key)
        if self.slabs:      # src (n, C, Hp, Wp) -> buf (kh, kw, C | n, Ho, Wo)
            out = buf[:, :m]
            view = as_strided(src, (kh, kw, c, n, ho, wo), (s[2], s[3], s[1], s[0], s[2], s[3]))
            np.copyto(out.reshape(kh, kw, c, n, ho, wo), view)
            return out.T
        out = buf[:m]       # src (n, Hp, Wp, C) -> buf (n, Ho, Wo | kh, kw·C)
        view = as_strided(src, (n, ho, wo, kh, kw * c), (s[0], s[1], s[2], s[1], s[3]))
        np.copyto(out.reshape(n, ho, wo, kh, kw * c), view)
        return out


def correlate(x: np.ndarray, w: np.ndarray, ph: int, pw: int, tag: str = "fwd") -> np.ndarray:
    """Cross-correlation with per-axis padding (negative crops); NCHW in, contiguous NCHW out."""
    b, o, c, kh, kw = x.shape[0], w.shape[0], w.shape[1], w.shape[2], w.shape[3]
    cols = _Im2col(x, kh, kw, ph, pw, tag)
    rows, k = cols.ho * cols.wo, kh * kw * c
    w_rows = w.transpose(0, 2, 3, 1).reshape(o, k)
    y = np.empty((b, o, rows), x.dtype)

    def chunk(b0: int) -> None:
        patches = cols.matrix(b0)
        n = patches.shape[0] // rows
        np.matmul(w_rows, patches.reshape(n, rows, k).transpose(0, 2, 1), out=y[b0:b0 + n])

    _threads.split(cols.starts, chunk)
    return y.reshape(b, o, cols.ho, cols.wo)


def correlate_backward(x: np.ndarray, w: np.ndarray, gy: np.ndarray, padding: int,
                       need_gx: bool = True) -> tuple[np.ndarray | None, np.ndarray]:
    """``(gx, gw)`` of :func:`correlate` with equal padding ``padding`` on both axes."""
    b, o = x.shape[0], w.shape[0]
    kh, kw = w.shape[2], w.shape[3]
    cols = _Im2col(x, kh, kw, padding, padding, "bwd")
    rows = cols.ho * cols.wo
    gy_rows = gy.transpose(0, 2, 3, 1)
    if not gy_rows.flags.c_contiguous:
        gy_rows = _buffer("bwd/gy", gy_rows.shape, gy.dtype)
        np.copyto(gy_rows, gy.transpose(0, 2, 3, 1))
    gy_rows = gy_rows.reshape(b * rows, o)

    def chunk(b0: int) -> np.ndarray:                          # this chunk's gw as (i, j, c | o)
        patches = cols.matrix(b0)
        return patches.T @ gy_rows[b0 * rows:b0 * rows + patches.shape[0]]

    gwm = sum(_threads.split(cols.starts, chunk))
    gw = np.ascontiguousarray(gwm.reshape(kh, kw, x.shape[1], o).transpose(3, 2, 0, 1))
    if not need_gx:
        return None, gw
    w_back = w[:, :, ::-1, ::-1].transpose(1, 0, 2, 3)
    return correlate(gy, w_back, kh - 1 - padding, kw - 1 - padding, tag="bwd/gx"), gw

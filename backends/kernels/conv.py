"""2-D convolution (cross-correlation, stride 1) and its gradients: im2col + one GEMM.

The generic path uses only array-API calls (slicing, ``stack``, ``matmul``, ``tensordot``), so
NumPy, CuPy and ``array_api_strict`` run the same code. NumPy arrays take a fast path
(:mod:`._numpy_conv`: strided NHWC im2col into reused buffers, micro-batched GEMMs) that tests
check against the generic path. The input gradient is itself a convolution: the output gradient,
zero-bordered, correlated with the flipped, transposed filter bank.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

from array_api_compat import array_namespace, is_numpy_array

from . import _numpy_conv
from ._common import check_ndim, pad2d

__all__ = ["conv2d", "conv2d_backward", "conv2d_generic", "conv2d_backward_generic"]


def _check(x: Any, w: Any, padding: int) -> tuple[int, int]:
    """Validate shapes and padding; return the output size ``(Ho, Wo)``."""
    check_ndim("x", x, 4, "(B, C, H, W)")
    check_ndim("w", w, 4, "(O, C, kh, kw)")
    if isinstance(padding, bool) or not isinstance(padding, int) or padding < 0:
        raise ValueError(f"padding must be an int >= 0, got {padding!r}")
    if x.shape[1] != w.shape[1]:
        raise ValueError(f"x has {x.shape[1]} channels but w expects {w.shape[1]} (w is (O, C, kh, kw))")
    ho = x.shape[2] + 2 * padding - w.shape[2] + 1
    wo = x.shape[3] + 2 * padding - w.shape[3] + 1
    if ho < 1 or wo < 1:
        raise ValueError(f"a {w.shape[2]}x{w.shape[3]} kernel does not fit a {x.shape[2]}x{x.shape[3]} "
                         f"image with padding {padding}")
    return ho, wo


def _check_gy(x: Any, w: Any, gy: Any, padding: int) -> None:
    ho, wo = _check(x, w, padding)
    expected = (x.shape[0], w.shape[0], ho, wo)
    if tuple(gy.shape) != expected:
        raise ValueError(f"gy must have the output's shape {expected}, got {tuple(gy.shape)}")


def _use_fast_path(*arrays: Any) -> bool:
    return all(is_numpy_array(a) for a in arrays) and len({a.dtype for a in arrays}) == 1 \
        and arrays[0].dtype.kind == "f"


def _im2col(x: Any, kh: int, kw: int, *, xp: ModuleType) -> Any:
    """``(B, C, H, W)`` -> ``(B, C·kh·kw, Ho·Wo)`` with the patch axis ordered ``(c, i, j)``."""
    b, c, h, w = x.shape
    ho, wo = h - kh + 1, w - kw + 1
    patches = [x[:, :, i:i + ho, j:j + wo] for i in range(kh) for j in range(kw)]
    return xp.reshape(xp.stack(patches, axis=2), (b, c * kh * kw, ho * wo))


def _correlate(x: Any, w: Any, ph: int, pw: int, *, xp: ModuleType) -> Any:
    """Cross-correlate with per-axis padding (negative pads crop)."""
    b, c = x.shape[0], x.shape[1]
    o, _, kh, kw = w.shape
    xpad = pad2d(x, ph, pw, xp=xp)
    ho, wo = xpad.shape[2] - kh + 1, xpad.shape[3] - kw + 1
    y = xp.matmul(xp.reshape(w, (o, c * kh * kw)), _im2col(xpad, kh, kw, xp=xp))
    return xp.reshape(y, (b, o, ho, wo))


def _flip_transpose(w: Any, *, xp: ModuleType) -> Any:
    """The filter bank of the input gradient: spatially flipped, in/out channels swapped."""
    return xp.permute_dims(xp.flip(w, axis=(2, 3)), (1, 0, 2, 3))


def conv2d_generic(x: Any, w: Any, *, padding: int = 0) -> Any:
    """:func:`conv2d` through the array-API path only (the reference for the fast path).

    Examples
    --------
    >>> import numpy as np
    >>> conv2d_generic(np.ones((1, 1, 3, 3)), np.ones((1, 1, 2, 2))).tolist()
    [[[[4.0, 4.0], [4.0, 4.0]]]]
    """
    xp = array_namespace(x, w)
    _check(x, w, padding)
    return _correlate(x, w, padding, padding, xp=xp)


def conv2d_backward_generic(x: Any, w: Any, gy: Any, *, padding: int = 0,
                            need_gx: bool = True) -> tuple[Any, Any]:
    """:func:`conv2d_backward` through the array-API path only.

    Examples
    --------
    >>> import numpy as np
    >>> gx, gw = conv2d_backward_generic(np.ones((1, 1, 3, 3)), np.ones((1, 1, 2, 2)),
    ...                                  np.ones((1, 1, 2, 2)))
    >>> gx[0, 0].tolist(), gw[0, 0].tolist()
    ([[1.0, 2.0, 1.0], [2.0, 4.0, 2.0], [1.0, 2.0, 1.0]], [[4.0, 4.0], [4.0, 4.0]])
    """
    xp = array_namespace(x, w, gy)
    _check_gy(x, w, gy, padding)
    b, c = x.shape[0], x.shape[1]
    o, _, kh, kw = w.shape
    cols = _im2col(pad2d(x, padding, padding, xp=xp), kh, kw, xp=xp)
    gy3 = xp.reshape(gy, (b, o, gy.shape[2] * gy.shape[3]))
    gw = xp.reshape(xp.tensordot(gy3, cols, axes=([0, 2], [0, 2])), (o, c, kh, kw))
    if not need_gx:
        return None, gw
    gx = _correlate(gy, _flip_transpose(w, xp=xp), kh - 1 - padding, kw - 1 - padding, xp=xp)
    return gx, gw


def conv2d(x: Any, w: Any, *, padding: int = 0) -> Any:
    """Cross-correlate images with a filter bank, stride 1, zero padding ``padding``.

    ``y[b, o, i, j] = Σ_{c, a, d} x_pad[b, c, i + a, j + d] · w[o, c, a, d]``.

    Parameters
    ----------
    x : array, shape (B, C, H, W)
    w : array, shape (O, C, kh, kw)
    padding : int
        Zeros added on every side of both spatial axes.

    Returns
    -------
    array, shape (B, O, H + 2·padding - kh + 1, W + 2·padding - kw + 1)

    Examples
    --------
    >>> import numpy as np
    >>> x = np.arange(16.0).reshape(1, 1, 4, 4)
    >>> conv2d(x, np.ones((2, 1, 3, 3)), padding=1).shape
    (1, 2, 4, 4)
    >>> float(conv2d(x, np.ones((1, 1, 3, 3)))[0, 0, 0, 0])
    45.0
    """
    if _use_fast_path(x, w):
        _check(x, w, padding)
        return _numpy_conv.correlate(x, w, padding, padding)
    return conv2d_generic(x, w, padding=padding)


def conv2d_backward(x: Any, w: Any, gy: Any, *, padding: int = 0,
                    need_gx: bool = True) -> tuple[Any, Any]:
    """Gradients ``(gx, gw)`` of a loss through ``y = conv2d(x, w, padding=padding)``.

    ``gy`` is the gradient with respect to ``y``; ``gx`` has ``x``'s shape and ``gw`` ``w``'s.
    ``need_gx=False`` skips the input gradient (a first layer's) and returns ``(None, gw)``.

    Examples
    --------
    >>> import numpy as np
    >>> x, w = np.ones((2, 3, 5, 5)), np.ones((4, 3, 3, 3))
    >>> gx, gw = conv2d_backward(x, w, np.ones((2, 4, 5, 5)), padding=1)
    >>> gx.shape, gw.shape
    ((2, 3, 5, 5), (4, 3, 3, 3))
    """
    if _use_fast_path(x, w, gy):
        _check_gy(x, w, gy, padding)
        return _numpy_conv.correlate_backward(x, w, gy, padding, need_gx)
    return conv2d_backward_generic(x, w, gy, padding=padding, need_gx=need_gx)

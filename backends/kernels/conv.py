"""1-, 2- and 3-d convolution (cross-correlation, stride 1) and its gradients: im2col + one GEMM.

The generic path uses only array-API calls (slicing, ``stack``, ``matmul``, ``tensordot``), so
NumPy, CuPy and ``array_api_strict`` run the same code for ``(B, C, W)``, ``(B, C, H, W)`` and
``(B, C, D, H, W)`` inputs. NumPy float32/float64 arrays take a fast path (:mod:`._numpy_conv`:
Winograd F(2, 3) for 3-wide kernels on many channels, strided im2col otherwise, micro-batched on
two threads) that tests check against the generic path. The input gradient is itself a
convolution: the output gradient, zero-bordered, correlated with the flipped, transposed filter
bank.
"""

from __future__ import annotations

from itertools import product
from types import ModuleType
from typing import Any

from array_api_compat import array_namespace, is_numpy_array

from . import _numpy_conv
from ._common import check_spatial, pad

__all__ = ["conv", "conv_backward", "conv_backward_generic", "conv_generic"]


def _check(x: Any, w: Any, padding: int) -> tuple[int, ...]:
    """Validate shapes and padding; return the output's spatial size."""
    d = check_spatial("x", x)
    if w.ndim != x.ndim:
        raise ValueError(f"w must be (O, C, *kernel) with {d} kernel axes for x of shape {tuple(x.shape)}; "
                         f"got shape {tuple(w.shape)}")
    if isinstance(padding, bool) or not isinstance(padding, int) or padding < 0:
        raise ValueError(f"padding must be an int >= 0, got {padding!r}")
    if x.shape[1] != w.shape[1]:
        raise ValueError(f"x has {x.shape[1]} channels but w expects {w.shape[1]} (w is (O, C, *kernel))")
    out = tuple(int(s) + 2 * padding - int(k) + 1 for s, k in zip(x.shape[2:], w.shape[2:]))
    if min(out) < 1:
        raise ValueError(f"a {'x'.join(map(str, w.shape[2:]))} kernel does not fit a "
                         f"{'x'.join(map(str, x.shape[2:]))} input with padding {padding}")
    return out


def _check_gy(x: Any, w: Any, gy: Any, padding: int) -> None:
    expected = (x.shape[0], w.shape[0]) + _check(x, w, padding)
    if tuple(gy.shape) != expected:
        raise ValueError(f"gy must have the output's shape {expected}, got {tuple(gy.shape)}")


def _use_fast_path(*arrays: Any) -> bool:
    return all(is_numpy_array(a) for a in arrays) and len({a.dtype for a in arrays}) == 1 \
        and _numpy_conv.supports(arrays[0].dtype)


def _im2col(x: Any, kernel: tuple[int, ...], *, xp: ModuleType) -> Any:
    """``(B, C, *S)`` -> ``(B, C·prod(kernel), prod(S_out))`` with the patch axis ordered ``(c, *offsets)``."""
    b, c = x.shape[0], x.shape[1]
    out = tuple(int(s) - k + 1 for s, k in zip(x.shape[2:], kernel))
    patches = [x[(slice(None), slice(None)) + tuple(slice(o, o + n) for o, n in zip(offset, out))]
               for offset in product(*(range(k) for k in kernel))]
    rows = 1
    for n in out:
        rows *= n
    return xp.reshape(xp.stack(patches, axis=2), (b, c * len(patches), rows))


def _correlate(x: Any, w: Any, pads: tuple[int, ...], *, xp: ModuleType) -> Any:
    """Cross-correlate with per-axis padding (negative pads crop)."""
    b, o = x.shape[0], w.shape[0]
    kernel = tuple(int(k) for k in w.shape[2:])
    xpad = pad(x, pads, xp=xp)
    out = tuple(int(s) - k + 1 for s, k in zip(xpad.shape[2:], kernel))
    y = xp.matmul(xp.reshape(w, (o, -1)), _im2col(xpad, kernel, xp=xp))
    return xp.reshape(y, (b, o) + out)


def _flip_transpose(w: Any, *, xp: ModuleType) -> Any:
    """The filter bank of the input gradient: spatially flipped, in/out channels swapped."""
    axes = tuple(range(2, w.ndim))
    return xp.permute_dims(xp.flip(w, axis=axes), (1, 0) + axes)


def conv_generic(x: Any, w: Any, *, padding: int = 0) -> Any:
    """:func:`conv` through the array-API path only (the reference for the fast path).

    Examples
    --------
    >>> import numpy as np
    >>> conv_generic(np.ones((1, 1, 3, 3)), np.ones((1, 1, 2, 2))).tolist()
    [[[[4.0, 4.0], [4.0, 4.0]]]]
    """
    xp = array_namespace(x, w)
    _check(x, w, padding)
    return _correlate(x, w, (padding,) * (x.ndim - 2), xp=xp)


def conv_backward_generic(x: Any, w: Any, gy: Any, *, padding: int = 0,
                          need_gx: bool = True) -> tuple[Any, Any]:
    """:func:`conv_backward` through the array-API path only.

    Examples
    --------
    >>> import numpy as np
    >>> gx, gw = conv_backward_generic(np.ones((1, 1, 3, 3)), np.ones((1, 1, 2, 2)),
    ...                                np.ones((1, 1, 2, 2)))
    >>> gx[0, 0].tolist(), gw[0, 0].tolist()
    ([[1.0, 2.0, 1.0], [2.0, 4.0, 2.0], [1.0, 2.0, 1.0]], [[4.0, 4.0], [4.0, 4.0]])
    """
    xp = array_namespace(x, w, gy)
    _check_gy(x, w, gy, padding)
    d = x.ndim - 2
    b, o = x.shape[0], w.shape[0]
    kernel = tuple(int(k) for k in w.shape[2:])
    cols = _im2col(pad(x, (padding,) * d, xp=xp), kernel, xp=xp)
    gy3 = xp.reshape(gy, (b, o, -1))
    gw = xp.reshape(xp.tensordot(gy3, cols, axes=([0, 2], [0, 2])), tuple(w.shape))
    if not need_gx:
        return None, gw
    gx = _correlate(gy, _flip_transpose(w, xp=xp), tuple(k - 1 - padding for k in kernel), xp=xp)
    return gx, gw


def conv(x: Any, w: Any, *, padding: int = 0) -> Any:
    """Cross-correlate 1-, 2- or 3-d inputs with a filter bank, stride 1, zero padding ``padding``.

    ``y[b, o, i…] = Σ_{c, a…} x_pad[b, c, i + a…] · w[o, c, a…]``.

    Parameters
    ----------
    x : array, shape (B, C, *S)
        ``S`` is ``(W,)``, ``(H, W)`` or ``(D, H, W)``.
    w : array, shape (O, C, *kernel)
        As many kernel axes as ``x`` has spatial axes.
    padding : int
        Zeros added on every side of every spatial axis.

    Returns
    -------
    array, shape (B, O, *(S + 2·padding - kernel + 1))

    Examples
    --------
    >>> import numpy as np
    >>> x = np.arange(16.0).reshape(1, 1, 4, 4)
    >>> conv(x, np.ones((2, 1, 3, 3)), padding=1).shape
    (1, 2, 4, 4)
    >>> float(conv(x, np.ones((1, 1, 3, 3)))[0, 0, 0, 0])
    45.0
    >>> conv(np.ones((2, 3, 5, 5, 5)), np.ones((4, 3, 3, 3, 3))).shape
    (2, 4, 3, 3, 3)
    """
    if _use_fast_path(x, w):
        _check(x, w, padding)
        return _numpy_conv.correlate(x, w, (padding,) * (x.ndim - 2))
    return conv_generic(x, w, padding=padding)


def conv_backward(x: Any, w: Any, gy: Any, *, padding: int = 0,
                  need_gx: bool = True) -> tuple[Any, Any]:
    """Gradients ``(gx, gw)`` of a loss through ``y = conv(x, w, padding=padding)``.

    ``gy`` is the gradient with respect to ``y``; ``gx`` has ``x``'s shape and ``gw`` ``w``'s.
    ``need_gx=False`` skips the input gradient (a first layer's) and returns ``(None, gw)``.

    Examples
    --------
    >>> import numpy as np
    >>> x, w = np.ones((2, 3, 5, 5)), np.ones((4, 3, 3, 3))
    >>> gx, gw = conv_backward(x, w, np.ones((2, 4, 5, 5)), padding=1)
    >>> gx.shape, gw.shape
    ((2, 3, 5, 5), (4, 3, 3, 3))
    """
    if _use_fast_path(x, w, gy):
        _check_gy(x, w, gy, padding)
        return _numpy_conv.correlate_backward(x, w, gy, padding, need_gx)
    return conv_backward_generic(x, w, gy, padding=padding, need_gx=need_gx)

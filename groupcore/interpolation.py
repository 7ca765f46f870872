"""Image resampling as sparse linear operators, reproducing ``scipy.ndimage`` exactly.

``scipy.ndimage.map_coordinates`` / ``affine_transform`` / ``rotate`` are linear in the image:
the value at an output pixel is a weighted sum of (spline coefficients of) input pixels. This
module builds those weights directly with NumPy, following SciPy's own arithmetic (the tap
positions, the B-spline weights and the boundary mapping of ``ni_interpolation.c``), so that
an operator applied to an image equals SciPy's result to rounding. Only ``cval = 0`` is
representable (a non-zero fill value would make the map affine, not linear).

For spline orders above 1 SciPy first runs a recursive prefilter (``spline_filter``) that turns
samples into B-spline coefficients; it is separable, and :func:`prefilter_matrix` gives its 1-D
matrix, obtained from SciPy itself by filtering the identity.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
from numpy.typing import NDArray
from scipy import ndimage, sparse, special

__all__ = ["BOUNDARY_MODES", "SUPPORTED_ORDERS", "check_order_and_mode", "source_coordinates", "axis_taps",
           "prefilter_matrix", "interpolation_matrix", "disk_mask"]

#: Boundary modes, with SciPy's meaning (``cval`` fixed to 0).
BOUNDARY_MODES: tuple[str, ...] = ("constant", "grid-constant", "nearest", "reflect", "grid-mirror",
                                   "mirror", "grid-wrap", "wrap")
#: Spline orders: 0 nearest, 1 bilinear, 3 cubic B-spline (with SciPy's prefilter).
SUPPORTED_ORDERS: tuple[int, ...] = (0, 1, 3)

_PREPAD = 12          # SciPy pads by 12 before prefiltering in these modes (``_prepad_for_spline_filter``)
_PREPADDED: dict[str, Literal["edge", "constant"]] = {"nearest": "edge", "grid-constant": "constant"}


def check_order_and_mode(order: int, mode: str) -> str:
    """Validate ``order`` and ``mode``; return the canonical mode name (``grid-mirror`` is ``reflect``).

    Examples
    --------
    >>> check_order_and_mode(1, "grid-mirror")
    'reflect'
    """
    if isinstance(order, bool) or not isinstance(order, (int, np.integer)) or int(order) not in SUPPORTED_ORDERS:
        raise ValueError(f"interpolation order {order!r} is not supported: use 0 (nearest), 1 (bilinear) or "
                         f"3 (cubic B-spline with prefilter)")
    if mode not in BOUNDARY_MODES:
        raise ValueError(f"boundary mode {mode!r} is not supported: use one of {', '.join(BOUNDARY_MODES)}")
    return "reflect" if mode == "grid-mirror" else mode


def source_coordinates(shape: Sequence[int], angle: float) -> NDArray[np.float64]:
    """Where each output pixel samples the input in ``scipy.ndimage.rotate(img, angle, reshape=False)``.

    Counter-clockwise rotation by ``angle`` degrees about ``((H-1)/2, (W-1)/2)``; ``angle = 90``
    is ``np.rot90``. Computed with SciPy's operations in SciPy's order (``cosdg``/``sindg``, then
    ``offset + row·m0 + col·m1``), so the coordinates agree bit for bit.

    Returns
    -------
    ndarray
        ``(2, H·W)``: source row and column of each output pixel (row-major).

    Examples
    --------
    >>> source_coordinates((3, 3), 90.0)[:, 0].tolist()    # output (0, 0) reads input (0, 2)
    [0.0, 2.0]
    """
    shape_arr = np.asarray(shape, dtype=np.int64)
    c, s = special.cosdg(angle), special.sindg(angle)
    rot = np.array([[c, s], [-s, c]])
    in_center = (shape_arr - 1) / 2
    offset = in_center - rot @ in_center
    out_rows, out_cols = np.indices(tuple(shape_arr)).reshape(2, -1).astype(np.float64)
    return np.stack([(offset[i] + out_rows * rot[i, 0]) + out_cols * rot[i, 1] for i in range(2)])


def _map_coordinate(x: NDArray[np.float64], n: int, mode: str) -> NDArray[np.float64]:
    """SciPy's ``map_coordinate``: fold a coordinate outside ``[0, n-1]`` back, or -1 for ``constant``."""
    lo, hi = x < 0, x > n - 1
    if not (lo.any() or hi.any()):
        return x
    out = x.copy()
    if mode == "nearest":
        out[lo], out[hi] = 0.0, n - 1.0
        return out
    if mode == "constant":
        out[lo | hi] = -1.0
        return out
    if n <= 1:
        out[lo | hi] = 0.0
        return out
    xl, xh = x[lo], x[hi]
    if mode == "mirror":
        p = 2 * n - 2
        t = p * np.trunc(-xl / p) + xl
        out[lo] = np.where(t <= 1 - n, t + p, -t)
        t = xh - p * np.trunc(xh / p)
        out[hi] = np.where(t >= n, p - t, t)
    elif mode == "reflect":
        p = 2 * n
        t = np.where(xl < -p, p * np.trunc(-xl / p) + xl, xl)
        out[lo] = np.where(t < -n, t + p, np.where(t > -1e-15, 1e-15, -t) - 1)
        t = xh - p * np.trunc(xh / p)
        out[hi] = np.where(t >= n, p - t - 1, t)
    elif mode == "wrap":
        p = n - 1
        out[lo] = xl + p * (np.trunc(-xl / p) + 1)
        out[hi] = xh - p * np.trunc(xh / p)
    else:                                                   # grid-wrap
        out[lo] = xl + n * (np.trunc((-1 - xl) / n) + 1)
        out[hi] = xh - n * np.trunc(xh / n)
    return out


def _spline_weights(cc: NDArray[np.float64], order: int) -> NDArray[np.float64]:
    """SciPy's ``get_spline_interpolation_weights`` for orders 0, 1, 3; shape ``cc.shape + (order+1,)``."""
    if order == 0:
        return np.ones(cc.shape + (1,))
    x = cc - np.floor(cc)
    w = np.empty(cc.shape + (order + 1,))
    if order == 1:
        w[..., 0] = 1.0 - x
    else:
        y, z = x, 1.0 - x
        w[..., 1] = (y * y * (y - 2.0) * 3.0 + 4.0) / 6.0
        w[..., 2] = (z * z * (z - 2.0) * 3.0 + 4.0) / 6.0
        w[..., 0] = z * z * z / 6.0
    last = np.ones(cc.shape)
    for i in range(order):
        last -= w[..., i]
    w[..., order] = last
    return w


def axis_taps(coords: NDArray[np.float64], n: int, order: int, mode: str,
              prepad: int = 0) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    """Taps and weights of SciPy's spline interpolation along one axis of length ``n``.

    Parameters
    ----------
    coords : ndarray
        Sample positions in input pixel units (any shape).
    n : int
        Length of the (coefficient) axis sampled, including ``prepad`` on each side.
    order : {0, 1, 3}
    mode : str
        One of :data:`BOUNDARY_MODES` (canonical name).
    prepad : int
        Offset added to ``coords`` (SciPy's ``nprepad``).

    Returns
    -------
    taps, weights : ndarray
        Shape ``coords.shape + (order + 1,)``; taps are indices in ``0 … n-1``. Taps that read
        the constant 0 (a ``constant`` sample outside the image, a ``grid-constant`` tap past the
        edge) have weight 0.

    Examples
    --------
    >>> t, w = axis_taps(np.array([1.25]), 4, 1, "constant")
    >>> t.tolist(), w.tolist()
    ([[1, 2]], [[0.75, 0.25]])
    """
    cc = np.asarray(coords, dtype=np.float64) + float(prepad)
    outside = np.zeros(cc.shape, dtype=bool)
    if mode not in ("grid-constant", "nearest"):
        cc = _map_coordinate(cc, n, mode)
        outside = ~(cc > -1.0)
    start = np.floor(cc if order % 2 else cc + 0.5).astype(np.int64) - order // 2
    taps = start[..., None] + np.arange(order + 1)
    weights = _spline_weights(cc, order)
    if mode == "grid-constant":
        beyond = (taps < 0) | (taps >= n)
        weights[beyond] = 0.0
        taps = np.clip(taps, 0, n - 1)
    else:
        spline_mode = "mirror" if mode in ("constant", "wrap") else mode
        taps = _map_coordinate(taps.astype(np.float64), n, spline_mode).astype(np.int64)
    weights[outside] = 0.0
    taps[outside] = 0
    return taps, weights


def prefilter_matrix(n: int, order: int, mode: str) -> tuple[NDArray[np.float64], int]:
    """The B-spline prefilter of SciPy along one axis of length ``n``, as a matrix.

    Returns ``(P, prepad)`` with ``P`` of shape ``(n + 2·prepad, n)``: ``P @ x`` are the spline
    coefficients that ``map_coordinates(..., prefilter=True)`` interpolates, including SciPy's
    12-sample pre-padding in the ``nearest`` and ``grid-constant`` modes. ``P`` is the identity
    for orders 0 and 1.

    Examples
    --------
    >>> P, pad = prefilter_matrix(5, 3, "mirror")
    >>> x = np.arange(5.0) ** 2
    >>> bool(np.allclose(P @ x, ndimage.spline_filter1d(x, 3, mode="mirror"))), pad
    (True, 0)
    """
    if order <= 1:
        return np.eye(n), 0
    prepad = _PREPAD if mode in _PREPADDED else 0
    eye = np.eye(n)
    if prepad:
        eye = np.pad(eye, ((prepad, prepad), (0, 0)), mode=_PREPADDED[mode])
    return ndimage.spline_filter1d(eye, order, axis=0, mode=mode, output=np.float64), prepad


def interpolation_matrix(coords: NDArray[np.float64], coef_shape: Sequence[int], order: int, mode: str,
                         prepad: int = 0, rows: NDArray[np.bool_] | None = None,
                         flip_columns: bool = False) -> sparse.csr_matrix:
    """Sparse matrix of spline interpolation at ``coords`` on a grid of coefficients.

    Row ``p`` holds the separable weights with which output ``p`` reads the flattened
    ``coef_shape`` grid: ``(M @ c.ravel())[p]`` equals SciPy's interpolation of ``c`` at
    ``coords[:, p]`` with ``prefilter=False`` (``c`` already spline coefficients).

    Parameters
    ----------
    coords : ndarray
        ``(2, m)`` sample rows and columns.
    coef_shape : (int, int)
        Shape of the coefficient grid (the image, plus ``2·prepad`` per axis).
    order, mode, prepad
        As in :func:`axis_taps`.
    rows : ndarray of bool, optional
        Outputs to keep; the others get empty rows (a mask).
    flip_columns : bool
        Read the left-right mirror image of the grid (``np.fliplr`` before interpolating).

    Returns
    -------
    scipy.sparse.csr_matrix
        ``(m, H'·W')`` in canonical form: sorted indices, no duplicates, no explicit zeros.

    Examples
    --------
    >>> M = interpolation_matrix(np.array([[0.5], [1.0]]), (2, 2), 1, "constant")
    >>> M.toarray().tolist()
    [[0.0, 0.5, 0.0, 0.5]]
    """
    h, w = (int(s) for s in coef_shape)
    tr, wr = axis_taps(coords[0], h, order, mode, prepad)
    tc, wc = axis_taps(coords[1], w, order, mode, prepad)
    if flip_columns:
        tc = (w - 1) - tc
    m, t = coords.shape[1], order + 1
    data = wr[:, :, None] * wc[:, None, :]
    if rows is not None:
        data[~rows] = 0.0
    index = tr[:, :, None] * w + tc[:, None, :]
    mat = sparse.csr_matrix((data.reshape(-1), index.reshape(-1), np.arange(0, m * t * t + 1, t * t)),
                            shape=(m, h * w))
    mat.sum_duplicates()
    mat.eliminate_zeros()
    return mat


def disk_mask(shape: Sequence[int], radius: float) -> NDArray[np.bool_]:
    """Pixels whose centre lies within ``radius`` of the image centre ``((H-1)/2, (W-1)/2)``.

    Examples
    --------
    >>> disk_mask((3, 3), 1.0).astype(int).tolist()
    [[0, 1, 0], [1, 1, 1], [0, 1, 0]]
    """
    h, w = (int(s) for s in shape)
    r, c = np.indices((h, w), dtype=np.float64)
    return (r - (h - 1) / 2) ** 2 + (c - (w - 1) / 2) ** 2 <= radius * radius + 1e-9

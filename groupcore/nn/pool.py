"""Pooling: over G (``GroupPool``, invariant) and over space (``MaxPool2d``, ``AvgPool2d``).

Spatial pooling commutes with the rotations and flips of a square grid only when its windows
tile the (padded) grid symmetrically about the centre, i.e. when ``(n + 2·padding - size)`` is a
multiple of ``stride`` on both axes; otherwise rotating the image moves the pooling grid. The
spatial layers refuse such a geometry (at construction when ``input_size`` is given, else at the
first forward) unless ``allow_approximate=True``. In the regular frame G acts on lifted maps by
permuting the G axis only, so any geometry is exact there (``frame="regular"``); images
(4-D inputs) are always checked.
"""

from __future__ import annotations

from typing import Any, Sequence

from ..backends import kernels
from .conv import _check_int
from .frames import check_frame
from .layer import Layer

__all__ = ["GroupPool", "MaxPool2d", "AvgPool2d", "PoolingGeometryError", "pool_geometry_problem"]


class PoolingGeometryError(ValueError):
    """A spatial pooling geometry that would silently break equivariance.

    Examples
    --------
    >>> import numpy as np
    >>> issubclass(PoolingGeometryError, ValueError)
    True
    """


def pool_geometry_problem(shape: Sequence[int], size: int, stride: int, padding: int) -> str | None:
    """Why pooling an ``(H, W)`` grid breaks rotation/flip equivariance, or ``None`` if it does not.

    Examples
    --------
    >>> import numpy as np
    >>> pool_geometry_problem((24, 24), 2, 2, 0) is None
    True
    >>> print(pool_geometry_problem((25, 25), 2, 2, 0))
    pooling 2x2 windows every 2 pixels on 25 rows (padding 0) leaves 1 pixel(s) uncovered on one side only, so rotating or flipping the image moves the pooling grid; pick (H + 2·padding - size) divisible by stride
    """
    for n, axis in zip(shape, ("rows", "columns")):
        extent = int(n) + 2 * padding - size
        if extent < 0:
            return f"the {size}x{size} window does not fit {n} {axis} with padding {padding}"
        if extent % stride:
            return (f"pooling {size}x{size} windows every {stride} pixels on {n} {axis} (padding {padding}) "
                    f"leaves {extent % stride} pixel(s) uncovered on one side only, so rotating or flipping "
                    f"the image moves the pooling grid; pick (H + 2·padding - size) divisible by stride")
    return None


class GroupPool(Layer):
    """Pool over the G axis: ``(B, C, |G|, ...) → (B, C, ...)``, invariant (``"max"`` or ``"mean"``).

    On ``(B, C, |G|)`` class scores it is the invariant read-out.

    Examples
    --------
    >>> import numpy as np
    >>> GroupPool("max")(np.arange(6.0).reshape(1, 2, 3)).tolist()
    [[2.0, 5.0]]
    """

    def __init__(self, mode: str = "max") -> None:
        super().__init__()
        if mode not in ("max", "mean"):
            raise ValueError(f"GroupPool mode must be 'max' or 'mean'; got {mode!r}")
        self.mode = mode

    def config(self) -> dict[str, Any]:
        return {"mode": self.mode}

    def forward(self, x: Any) -> Any:
        if x.ndim < 3:
            raise ValueError(f"GroupPool expects a lifted map (B, C, |G|, ...); got shape {tuple(x.shape)}")
        xp = self.xp
        self._shape = tuple(x.shape)
        if self.mode == "mean":
            return xp.mean(x, axis=2)
        am = xp.argmax(x, axis=2)
        n = x.shape[2]
        g = xp.reshape(xp.arange(n, device=self.backend.device), (1, 1, n) + (1,) * (x.ndim - 3))
        self._mask = xp.astype(xp.expand_dims(am, axis=2) == g, x.dtype)
        return xp.max(x, axis=2)

    def backward(self, gy: Any) -> Any:
        xp = self.xp
        gy = xp.expand_dims(gy, axis=2)
        if self.mode == "mean":
            return xp.broadcast_to(gy / self._shape[2], self._shape)
        return gy * self._mask


class _SpatialPool(Layer):
    """Shared geometry, padding and checks of the spatial pooling layers."""

    _fill = 0.0

    def __init__(self, size: int, stride: int | None = None, *, padding: int = 0, frame: str = "diagonal",
                 input_size: Sequence[int] | None = None, allow_approximate: bool = False) -> None:
        super().__init__()
        stride = size if stride is None else stride
        _check_int(size=size, stride=stride, padding=padding)
        self.size, self.stride, self.padding = int(size), int(stride), int(padding)
        self.frame = check_frame(frame)
        self.allow_approximate = bool(allow_approximate)
        self.input_size = None if input_size is None else tuple(int(s) for s in input_size)
        self._checked: set[tuple[int, int]] = set()
        if self.input_size is not None:
            self._check(self.input_size, lifted=self.frame == "diagonal")

    def config(self) -> dict[str, Any]:
        return {"size": self.size, "stride": self.stride, "padding": self.padding, "frame": self.frame,
                "input_size": None if self.input_size is None else list(self.input_size),
                "allow_approximate": self.allow_approximate}

    def _check(self, shape: tuple[int, int], lifted: bool) -> None:
        if self.allow_approximate or (lifted and self.frame == "regular") or shape in self._checked:
            return
        problem = pool_geometry_problem(shape, self.size, self.stride, self.padding)
        if problem is not None:
            raise PoolingGeometryError(f"{type(self).__name__}: {problem} (or pass allow_approximate=True)")
        self._checked.add(shape)

    def forward(self, x: Any) -> Any:
        if x.ndim not in (4, 5):
            raise ValueError(f"{type(self).__name__} expects (B, C, H, W) or (B, C, |G|, H, W); "
                             f"got shape {tuple(x.shape)}")
        xp = self.xp
        self._shape = tuple(x.shape)
        self._check(self._shape[-2:], lifted=x.ndim == 5)
        x4 = x
        if x.ndim == 5:
            x4 = xp.reshape(x, (self._shape[0], self._shape[1] * self._shape[2]) + self._shape[3:])
        p = self.padding
        if p:
            B, C, H, W = x4.shape
            padded = xp.full((B, C, H + 2 * p, W + 2 * p), self._fill, dtype=x.dtype, device=self.backend.device)
            padded[:, :, p:p + H, p:p + W] = x4
            x4 = padded
        self._x4_shape = tuple(x4.shape)
        y = self._pool(x4)
        return xp.reshape(y, self._shape[:-2] + tuple(y.shape[-2:]))

    def backward(self, gy: Any) -> Any:
        xp = self.xp
        gy4 = xp.reshape(gy, self._x4_shape[:2] + tuple(gy.shape[-2:]))
        gx = self._unpool(gy4)
        p = self.padding
        if p:
            gx = gx[:, :, p:-p, p:-p]
        return xp.reshape(gx, self._shape)


class MaxPool2d(_SpatialPool):
    """Spatial max pooling of images or lifted maps (per copy), with the equivariance check.

    Examples
    --------
    >>> import numpy as np
    >>> MaxPool2d(2, input_size=(24, 24))(np.zeros((1, 3, 4, 24, 24))).shape
    (1, 3, 4, 12, 12)
    >>> MaxPool2d(2, input_size=(25, 25))
    Traceback (most recent call last):
    ...
    groupcore.nn.pool.PoolingGeometryError: MaxPool2d: pooling 2x2 windows every 2 pixels on 25 rows (padding 0) leaves 1 pixel(s) uncovered on one side only, so rotating or flipping the image moves the pooling grid; pick (H + 2·padding - size) divisible by stride (or pass allow_approximate=True)
    """

    _fill = float("-inf")

    def _pool(self, x4: Any) -> Any:
        y, self._state = kernels.max_pool2d(x4, self.size, self.stride)
        return y

    def _unpool(self, gy4: Any) -> Any:
        return kernels.max_pool2d_backward(gy4, self._state)


class AvgPool2d(_SpatialPool):
    """Spatial average pooling (zero padding counted), with the equivariance check.

    Examples
    --------
    >>> import numpy as np
    >>> AvgPool2d(2)(np.ones((1, 1, 4, 4))).tolist()
    [[[[1.0, 1.0], [1.0, 1.0]]]]
    """

    def _pool(self, x4: Any) -> Any:
        return kernels.avg_pool2d(x4, self.size, self.stride)

    def _unpool(self, gy4: Any) -> Any:
        return kernels.avg_pool2d_backward(gy4, self._x4_shape, self.size, self.stride)

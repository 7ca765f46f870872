"""Pooling: over G (``GroupPool``, invariant) and over space (``MaxPool1d/2d/3d``, ``AvgPool1d/2d/3d``).

Spatial pooling commutes with the rotations and flips of a (hyper)cubic grid only when its
windows tile the (padded) grid symmetrically about the centre, i.e. when
``(n + 2·padding - size)`` is a multiple of ``stride`` on every axis; otherwise transforming the
input moves the pooling grid. The spatial layers refuse such a geometry (at construction when
``input_size`` is given, else at the first forward) unless ``allow_approximate=True``. In the
regular frame G acts on lifted maps by permuting the G axis only, so any geometry is exact
there. Inside a :class:`~groupcore.nn.Sequential` the pool learns how G acts on its input from
the layers before it: a pool declaring ``frame="regular"`` where G moves the grid is refused.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..backends import kernels
from ..grid_action import GridAction
from ..map_action import MapAction
from ..protocol import TrivialAction
from .conv import check_int
from .frames import check_frame
from .layer import Layer

__all__ = ["GroupPool", "MaxPool1d", "MaxPool2d", "MaxPool3d", "AvgPool1d", "AvgPool2d", "AvgPool3d",
           "PoolingGeometryError", "pool_geometry_problem"]

_AXES = ("rows", "columns")


class PoolingGeometryError(ValueError):
    """A spatial pooling geometry that would silently break equivariance.

    Examples
    --------
    >>> import numpy as np
    >>> issubclass(PoolingGeometryError, ValueError)
    True
    """


def pool_geometry_problem(shape: Sequence[int], size: int, stride: int, padding: int) -> str | None:
    """Why pooling a grid of ``shape`` breaks rotation/flip equivariance, or ``None`` if it does not.

    Examples
    --------
    >>> import numpy as np
    >>> pool_geometry_problem((24, 24), 2, 2, 0) is None
    True
    >>> print(pool_geometry_problem((25, 25), 2, 2, 0))
    pooling windows of 2 every 2 points on axis 0 (25 points, padding 0) leaves 1 point(s) uncovered on one side only,
    so transforming the input moves the pooling grid; pick (n + 2·padding - size) divisible by stride
    """
    for axis, n in enumerate(shape):
        extent = int(n) + 2 * padding - size
        if extent < 0:
            return f"the window of {size} does not fit axis {axis} ({n} points) with padding {padding}"
        if extent % stride:
            return (f"pooling windows of {size} every {stride} points on axis {axis} ({n} points, padding {padding}) "
                    f"leaves {extent % stride} point(s) uncovered on one side only, so transforming the input "
                    f"moves the pooling grid; pick (n + 2·padding - size) divisible by stride")
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

    def propagate(self, action: Any) -> Any:
        """Pooling over G leaves the grid action of the diagonal frame, or invariant values."""
        if isinstance(action, MapAction):
            return TrivialAction(action.group) if action.spatial is None else action.spatial
        return action if isinstance(action, TrivialAction) else None

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


def _moves_grid(action: Any) -> bool:
    """Whether G moves the points of the grid under ``action`` (a grid action, or a diagonal-frame map)."""
    return isinstance(action, GridAction) or (isinstance(action, MapAction) and action.spatial is not None)


class _SpatialPool(Layer):
    """Shared geometry, padding and checks of the spatial pooling layers."""

    ndim = 2
    pointwise = False
    _fill = 0.0

    def __init__(self, size: int, stride: int | None = None, *, padding: int = 0, frame: str | None = None,
                 input_size: Sequence[int] | None = None, allow_approximate: bool = False) -> None:
        super().__init__()
        stride = size if stride is None else stride
        check_int(size=size, stride=stride, padding=padding)
        self.size, self.stride, self.padding = int(size), int(stride), int(padding)
        self.frame = None if frame is None else check_frame(frame)
        self.allow_approximate = bool(allow_approximate)
        self.input_size = None if input_size is None else tuple(int(s) for s in input_size)
        if self.input_size is not None and len(self.input_size) != self.ndim:
            raise ValueError(f"{type(self).__name__} pools {self.ndim}-d grids; input_size {self.input_size} "
                             f"has {len(self.input_size)} axes")
        #: Whether the geometry of lifted maps must commute with the grid's symmetries (not in the
        #: regular frame); images and voxels (no G axis) are always checked.
        self.check_geometry = self.frame != "regular" and not self.allow_approximate
        self._checked: set[tuple[int, ...]] = set()
        if self.input_size is not None:
            self._check(self.input_size, lifted=True)

    def config(self) -> dict[str, Any]:
        return {"size": self.size, "stride": self.stride, "padding": self.padding, "frame": self.frame,
                "input_size": None if self.input_size is None else list(self.input_size),
                "allow_approximate": self.allow_approximate}

    def propagate(self, action: Any) -> Any:
        """Keep the action; refuse a declared regular frame where G moves the grid."""
        if self.frame == "regular" and _moves_grid(action):
            raise ValueError(f"{type(self).__name__} declares frame='regular', but G moves the grid of its input "
                             f"({action!r}): drop frame= (it is inferred) or use frame='diagonal'")
        if isinstance(action, MapAction) and action.spatial is None and self.frame is None:
            self.check_geometry = False           # the regular frame: G only permutes the G axis
        elif _moves_grid(action) and not self.allow_approximate:
            self.check_geometry = True
            if self.input_size is not None:
                self._check(self.input_size, lifted=True)
        return action if isinstance(action, (GridAction, MapAction, TrivialAction)) else None

    def _check(self, shape: tuple[int, ...], lifted: bool) -> None:
        if self.allow_approximate or (lifted and not self.check_geometry) or shape in self._checked:
            return
        problem = pool_geometry_problem(shape, self.size, self.stride, self.padding)
        if problem is not None:
            raise PoolingGeometryError(f"{type(self).__name__}: {problem} (or pass allow_approximate=True)")
        self._checked.add(shape)

    def _pool(self, x: Any) -> Any:
        """Pool the standardised ``(B, C', *S)`` array."""
        raise NotImplementedError

    def _unpool(self, gy: Any) -> Any:
        """The gradient of :meth:`_pool`."""
        raise NotImplementedError

    def forward(self, x: Any) -> Any:
        d = self.ndim
        if x.ndim not in (2 + d, 3 + d):
            raise ValueError(f"{type(self).__name__} expects (B, C, *S) or (B, C, |G|, *S) with {d} grid axes; "
                             f"got shape {tuple(x.shape)}")
        xp = self.xp
        self._shape = tuple(x.shape)
        S = self._shape[-d:]
        self._check(S, lifted=x.ndim == 3 + d)
        x_std = xp.reshape(x, (self._shape[0], -1) + S)
        p = self.padding
        if p:
            padded = xp.full(tuple(x_std.shape[:2]) + tuple(s + 2 * p for s in S), self._fill, dtype=x.dtype,
                             device=self.backend.device)
            padded[(slice(None), slice(None)) + tuple(slice(p, p + s) for s in S)] = x_std
            x_std = padded
        self._std_shape = tuple(x_std.shape)
        y = self._pool(x_std)
        return xp.reshape(y, self._shape[:-d] + tuple(y.shape[2:]))

    def backward(self, gy: Any) -> Any:
        xp, d = self.xp, self.ndim
        gx = self._unpool(xp.reshape(gy, self._std_shape[:2] + tuple(gy.shape[-d:])))
        p = self.padding
        if p:
            gx = gx[(slice(None), slice(None)) + (slice(p, -p),) * d]
        return xp.reshape(gx, self._shape)


class _MaxPool(_SpatialPool):
    _fill = float("-inf")

    def _pool(self, x: Any) -> Any:
        y, self._state = kernels.max_pool(x, self.size, self.stride)
        return y

    def _unpool(self, gy: Any) -> Any:
        return kernels.max_pool_backward(gy, self._state)


class _AvgPool(_SpatialPool):
    def _pool(self, x: Any) -> Any:
        return kernels.avg_pool(x, self.size, self.stride)

    def _unpool(self, gy: Any) -> Any:
        return kernels.avg_pool_backward(gy, self._std_shape, self.size, self.stride)


class MaxPool1d(_MaxPool):
    """Max pooling of sequences or lifted maps on sequences (per copy), with the equivariance check.

    Examples
    --------
    >>> import numpy as np
    >>> MaxPool1d(2)(np.arange(6.0).reshape(1, 1, 6)).tolist()
    [[[1.0, 3.0, 5.0]]]
    """

    ndim = 1


class MaxPool2d(_MaxPool):
    """Spatial max pooling of images or lifted maps (per copy), with the equivariance check.

    Examples
    --------
    >>> import numpy as np
    >>> MaxPool2d(2, input_size=(24, 24))(np.zeros((1, 3, 4, 24, 24))).shape
    (1, 3, 4, 12, 12)
    >>> MaxPool2d(2, input_size=(25, 25))
    Traceback (most recent call last):
    ...
    groupcore.nn.pool.PoolingGeometryError: MaxPool2d: pooling windows of 2 every 2 points on axis 0 (25 points,
    padding 0) leaves 1 point(s) uncovered on one side only, so transforming the input moves the pooling grid;
    pick (n + 2·padding - size) divisible by stride (or pass allow_approximate=True)
    """

    ndim = 2


class MaxPool3d(_MaxPool):
    """Max pooling of voxel grids or lifted maps on voxels (per copy), with the equivariance check.

    Examples
    --------
    >>> import numpy as np
    >>> MaxPool3d(2)(np.zeros((1, 2, 24, 4, 4, 4))).shape
    (1, 2, 24, 2, 2, 2)
    """

    ndim = 3


class AvgPool1d(_AvgPool):
    """Average pooling of sequences (zero padding counted), with the equivariance check.

    Examples
    --------
    >>> import numpy as np
    >>> AvgPool1d(2)(np.arange(4.0).reshape(1, 1, 4)).tolist()
    [[[0.5, 2.5]]]
    """

    ndim = 1


class AvgPool2d(_AvgPool):
    """Spatial average pooling (zero padding counted), with the equivariance check.

    Examples
    --------
    >>> import numpy as np
    >>> AvgPool2d(2)(np.ones((1, 1, 4, 4))).tolist()
    [[[[1.0, 1.0], [1.0, 1.0]]]]
    """

    ndim = 2


class AvgPool3d(_AvgPool):
    """Average pooling of voxel grids (zero padding counted), with the equivariance check.

    Examples
    --------
    >>> import numpy as np
    >>> AvgPool3d(2)(np.ones((1, 1, 4, 4, 4))).shape
    (1, 1, 2, 2, 2)
    """

    ndim = 3

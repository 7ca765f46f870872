"""Pooling in PyTorch: over G (:class:`GroupPool`) and over space (:class:`SpatialPool`, 1-d to 3-d).

:class:`SpatialPool` is every ``MaxPool1d/2d/3d`` and ``AvgPool1d/2d/3d`` of :mod:`groupcore.nn`:
lifted maps ``(B, C, |G|, *S)`` pool each copy, padding is explicit (``-inf`` for max, zeros
counted for average, as in NumPy), and a geometry that would break equivariance is refused
exactly where the NumPy layer refuses it (:func:`groupcore.nn.pool_geometry_problem`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
import torch.nn.functional as F

from ..nn.pool import PoolingGeometryError, pool_geometry_problem

__all__ = ["GroupPool", "SpatialPool"]

_POOL: dict[tuple[str, int], Callable[..., torch.Tensor]] = {
    ("max", 1): F.max_pool1d, ("max", 2): F.max_pool2d, ("max", 3): F.max_pool3d,
    ("avg", 1): F.avg_pool1d, ("avg", 2): F.avg_pool2d, ("avg", 3): F.avg_pool3d}


class GroupPool(torch.nn.Module):
    """Max or mean over the G axis: ``(B, C, |G|, ...) → (B, C, ...)``, invariant.

    Where several copies hold the same maximum, their gradient is shared evenly (NumPy gives it
    to the first): the gradients differ only at such exact ties.

    Examples
    --------
    >>> GroupPool("max")(torch.arange(6.0).reshape(1, 2, 3)).tolist()
    [[2.0, 5.0]]
    """

    def __init__(self, mode: str = "max") -> None:
        super().__init__()
        if mode not in ("max", "mean"):
            raise ValueError(f"GroupPool mode must be 'max' or 'mean'; got {mode!r}")
        self.mode = mode

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.amax(2) if self.mode == "max" else x.mean(2)

    def extra_repr(self) -> str:
        return repr(self.mode)


class SpatialPool(torch.nn.Module):
    """Max or average pooling over the last ``ndim`` axes of images, voxels or lifted maps.

    Parameters
    ----------
    kind : {"max", "avg"}
    ndim : {1, 2, 3}
    size, stride, padding : int
    check : {"always", "images", "never"}
        When to refuse a geometry that breaks equivariance: on every input, on inputs without
        a G axis only (the regular frame, where G does not move the grid), or never.

    Examples
    --------
    >>> pool = SpatialPool("max", 2, 2, 2, 0, check="always")
    >>> pool(torch.zeros(1, 3, 4, 24, 24)).shape
    torch.Size([1, 3, 4, 12, 12])
    >>> pool(torch.zeros(1, 3, 4, 25, 25))
    Traceback (most recent call last):
    ...
    groupcore.nn.pool.PoolingGeometryError: SpatialPool: pooling windows of 2 every 2 points on axis 0 ...
    """

    def __init__(self, kind: str, ndim: int, size: int, stride: int, padding: int, *, check: str = "always") -> None:
        super().__init__()
        if (kind, ndim) not in _POOL or check not in ("always", "images", "never"):
            raise ValueError(f"need kind 'max' or 'avg', ndim 1-3 and check 'always', 'images' or 'never'; got "
                             f"{kind!r}, {ndim!r}, {check!r}")
        self.kind, self.ndim = kind, int(ndim)
        self.size, self.stride, self.padding = int(size), int(stride), int(padding)
        self.check = check

    @classmethod
    def from_layer(cls, layer: Any, kind: str) -> SpatialPool:
        """The torch form of a groupcore spatial pooling layer (its geometry checks included)."""
        check = "never" if layer.allow_approximate else "always" if layer.check_geometry else "images"
        return cls(kind, layer.ndim, layer.size, layer.stride, layer.padding, check=check)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        d = self.ndim
        S = tuple(x.shape[-d:])
        if self.check == "always" or (self.check == "images" and x.ndim == 2 + d):
            problem = pool_geometry_problem(S, self.size, self.stride, self.padding)
            if problem is not None:
                raise PoolingGeometryError(f"{type(self).__name__}: {problem}")
        lead = tuple(x.shape[:-d])
        y = x.reshape((lead[0], -1) + S)
        if self.padding:
            y = F.pad(y, (self.padding,) * (2 * d), value=float("-inf") if self.kind == "max" else 0.0)
        y = _POOL[self.kind, d](y, self.size, self.stride)
        return y.reshape(lead + tuple(y.shape[2:]))

    def extra_repr(self) -> str:
        return f"{self.kind}, {self.ndim}-d, size={self.size}, stride={self.stride}, padding={self.padding}"

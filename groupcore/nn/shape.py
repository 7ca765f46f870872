"""Reshaping and regularisation layers: ``Flatten`` and ``Dropout``."""

from __future__ import annotations

from typing import Any

import numpy as np

from .layer import Layer, _dtype_name

__all__ = ["Flatten", "Dropout"]


class Flatten(Layer):
    """``(B, ...) → (B, features)``; with ``keep_group=True``, ``(B, C, |G|, *S) → (B, C·prod(S), |G|)``.

    ``keep_group`` turns a lifted feature map into the ``(B, C', |G|)`` vectors of a
    :class:`~groupcore.nn.LiftedDense`. (In the diagonal frame this is equivariant when the
    spatial size is 1x1, e.g. after a convolution as large as its input.)

    Examples
    --------
    >>> Flatten()(np.zeros((2, 3, 4, 5))).shape, Flatten(keep_group=True)(np.zeros((2, 3, 4, 5, 5))).shape
    ((2, 60), (2, 75, 4))
    """

    def __init__(self, keep_group: bool = False) -> None:
        super().__init__()
        self.keep_group = bool(keep_group)

    def config(self) -> dict[str, Any]:
        return {"keep_group": self.keep_group}

    def forward(self, x: Any) -> Any:
        xp = self.xp
        self._shape = tuple(x.shape)
        if not self.keep_group:
            return xp.reshape(x, (x.shape[0], -1))
        if x.ndim < 3:
            raise ValueError(f"Flatten(keep_group=True) expects (B, C, |G|, ...); got shape {self._shape}")
        moved = xp.permute_dims(x, (0, 1) + tuple(range(3, x.ndim)) + (2,))
        return xp.reshape(moved, (x.shape[0], -1, x.shape[2]))

    def backward(self, gy: Any) -> Any:
        xp = self.xp
        if not self.keep_group:
            return xp.reshape(gy, self._shape)
        B, C, n = self._shape[:3]
        moved = xp.reshape(gy, (B, C) + self._shape[3:] + (n,))
        nd = len(self._shape)
        return xp.permute_dims(moved, (0, 1, nd - 1) + tuple(range(2, nd - 1)))


class Dropout(Layer):
    """Zero each value with probability ``p`` while training (scaling the rest by ``1/(1-p)``).

    The mask is drawn on the host from a seeded generator and moved to the backend.

    Examples
    --------
    >>> d = Dropout(0.5, seed=0)
    >>> y = d(np.ones((1, 1000)))
    >>> sorted(set(y.ravel().tolist())), d.eval()(np.ones(3)).tolist()
    ([0.0, 2.0], [1.0, 1.0, 1.0])
    """

    def __init__(self, p: float = 0.5, *, seed: Any = None) -> None:
        super().__init__()
        if not 0 <= p < 1:
            raise ValueError(f"dropout probability must be in [0, 1); got {p}")
        self.p = float(p)
        self._rng = np.random.default_rng(seed)

    def config(self) -> dict[str, Any]:
        return {"p": self.p}

    @property
    def per_sample(self) -> bool:
        """The masks come from one generator in call order, so slicing the batch changes them."""
        return not (self.training and self.p)

    def forward(self, x: Any) -> Any:
        if not self.training or self.p == 0:
            self._mask = None
            return x
        keep = self._rng.random(tuple(x.shape)) >= self.p
        self._mask = self.backend.asarray(keep / (1.0 - self.p), dtype=_dtype_name(x.dtype))
        return x * self._mask

    def backward(self, gy: Any) -> Any:
        return gy if self._mask is None else gy * self._mask

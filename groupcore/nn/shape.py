"""Reshaping and regularisation layers: ``Flatten`` and ``Dropout``."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..grid_action import GridAction
from ..map_action import MapAction
from ..protocol import TrivialAction
from .layer import Layer, _dtype_name

__all__ = ["Flatten", "Dropout", "check_single_point"]


def check_single_point(shape: tuple[int, ...]) -> None:
    """Raise ``ValueError`` unless the grid axes of a ``(B, C, |G|, *S)`` shape hold a single point.

    Examples
    --------
    >>> check_single_point((2, 3, 4, 1, 1))
    """
    if any(s != 1 for s in shape[3:]):
        raise ValueError(f"Flatten(keep_group=True) gets a {'x'.join(map(str, shape[3:]))} grid on which G "
                         f"acts (the diagonal frame): flattening it breaks equivariance. Reduce the grid to a "
                         f"single point first (a convolution as large as its input, or pooling), or pass "
                         f"allow_approximate=True")


class Flatten(Layer):
    """``(B, ...) → (B, features)``; with ``keep_group=True``, ``(B, C, |G|, *S) → (B, C·prod(S), |G|)``.

    ``keep_group`` turns a lifted feature map into the ``(B, C', |G|)`` vectors of a
    :class:`~groupcore.nn.LiftedDense`. In the regular frame that is always equivariant; in the
    diagonal frame (G also moves the grid) only when the grid is a single point, e.g. after a
    convolution as large as its input: inside a :class:`~groupcore.nn.Sequential` a larger grid
    is refused at the first forward unless ``allow_approximate=True``.

    Examples
    --------
    >>> Flatten()(np.zeros((2, 3, 4, 5))).shape, Flatten(keep_group=True)(np.zeros((2, 3, 4, 5, 5))).shape
    ((2, 60), (2, 75, 4))
    """

    def __init__(self, keep_group: bool = False, *, allow_approximate: bool = False) -> None:
        super().__init__()
        self.keep_group = bool(keep_group)
        self.allow_approximate = bool(allow_approximate)
        self._needs_point = False

    def config(self) -> dict[str, Any]:
        return {"keep_group": self.keep_group, "allow_approximate": self.allow_approximate}

    @property
    def needs_single_point(self) -> bool:
        """Whether a forward refuses a grid of more than one point (``keep_group`` in the diagonal frame)."""
        return self._needs_point

    def propagate(self, action: Any) -> Any:
        """With ``keep_group`` the G axis keeps its regular action; otherwise the values are read as invariant.

        Flattening a grid on which G still acts (after pooling over G in the diagonal frame) is
        invariant when the grid is a single point, as in :func:`~groupcore.nn.p4cnn`; on a larger
        grid the model is not invariant, which :func:`groupcore.proofs.assert_equivariant` reports.
        """
        if not self.keep_group:
            return TrivialAction(action.group) if isinstance(action, (GridAction, TrivialAction)) else None
        if not isinstance(action, MapAction):
            return super().propagate(action)
        self._needs_point = action.spatial is not None and not self.allow_approximate
        return MapAction(action.group)

    def forward(self, x: Any) -> Any:
        xp = self.xp
        self._shape = tuple(x.shape)
        if not self.keep_group:
            return xp.reshape(x, (x.shape[0], -1))
        if x.ndim < 3:
            raise ValueError(f"Flatten(keep_group=True) expects (B, C, |G|, ...); got shape {self._shape}")
        if self._needs_point:
            check_single_point(self._shape)
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

    pointwise = True

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

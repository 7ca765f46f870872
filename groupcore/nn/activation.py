"""Pointwise nonlinearities: they act on every value alike, so they commute with every G-action.

ReLU masks its gradient by a multiplication, not ``where``: NumPy's ``where`` branches on the
data and runs many times slower on the unpredictable sign pattern of activations.
"""

from __future__ import annotations

from typing import Any

from .layer import Layer

__all__ = ["ReLU", "LeakyReLU", "Tanh", "Sigmoid"]


class ReLU(Layer):
    """``max(x, 0)``.

    Examples
    --------
    >>> import numpy as np
    >>> ReLU()(np.array([-1.0, 2.0])).tolist()
    [0.0, 2.0]
    """

    pointwise = True

    def forward(self, x: Any) -> Any:
        self._pos = x > 0
        return self.xp.maximum(x, 0.0)

    def backward(self, gy: Any) -> Any:
        return gy * self.xp.astype(self._pos, gy.dtype)


class LeakyReLU(Layer):
    """``x`` where positive, ``negative_slope·x`` elsewhere.

    Examples
    --------
    >>> import numpy as np
    >>> LeakyReLU(0.5)(np.array([-2.0, 2.0])).tolist()
    [-1.0, 2.0]
    """

    pointwise = True

    def __init__(self, negative_slope: float = 0.01) -> None:
        super().__init__()
        self.negative_slope = float(negative_slope)

    def config(self) -> dict[str, Any]:
        return {"negative_slope": self.negative_slope}

    def forward(self, x: Any) -> Any:
        self._pos = x > 0
        return self.xp.where(self._pos, x, self.negative_slope * x)

    def backward(self, gy: Any) -> Any:
        return self.xp.where(self._pos, gy, self.negative_slope * gy)


class Tanh(Layer):
    """``tanh(x)``.

    Examples
    --------
    >>> import numpy as np
    >>> Tanh()(np.array([0.0])).tolist()
    [0.0]
    """

    pointwise = True

    def forward(self, x: Any) -> Any:
        self._y = self.xp.tanh(x)
        return self._y

    def backward(self, gy: Any) -> Any:
        return gy * (1.0 - self._y * self._y)


class Sigmoid(Layer):
    """``1 / (1 + exp(-x))``.

    Examples
    --------
    >>> import numpy as np
    >>> Sigmoid()(np.array([0.0])).tolist()
    [0.5]
    """

    pointwise = True

    def forward(self, x: Any) -> Any:
        self._y = 1.0 / (1.0 + self.xp.exp(-x))
        return self._y

    def backward(self, gy: Any) -> Any:
        return gy * self._y * (1.0 - self._y)

"""Fully connected layers: the plain ``Dense`` and the lifted ``LiftedDense`` on maps ``(B, C, |G|)``.

``LiftedDense`` is the lift of a dense layer from ``C·|G|`` to ``O`` features:
``W[o, g, c, h] = θ[o, c, g⁻¹h]``, one GEMM with ``O·|G|`` outputs. On vectors the regular and
diagonal frames coincide (no spatial axes), so it serves both.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..backends import kernels
from ..group import Group
from .conv import _check_input, _check_int, init_weight
from .layer import Layer, group_spec
from .sharing import group_sharing, identity_gather

__all__ = ["Dense", "LiftedDense"]


class Dense(Layer):
    """``y = x Wᵀ + b``: ``(B, in_features) → (B, out_features)``.

    Examples
    --------
    >>> d = Dense(3, 2, seed=0)
    >>> d(np.ones((4, 3), np.float32)).shape, d.num_params
    ((4, 2), 8)
    """

    def __init__(self, in_features: int, out_features: int, *, bias: bool = True, seed: Any = None) -> None:
        super().__init__()
        _check_int(in_features=in_features, out_features=out_features)
        self.in_features, self.out_features, self.bias = int(in_features), int(out_features), bool(bias)
        self.params["weight"] = init_weight(self.out_features * self.in_features, self.in_features,
                                            seed).reshape(self.out_features, self.in_features)
        if self.bias:
            self.params["bias"] = np.zeros(self.out_features, np.float32)

    def config(self) -> dict[str, Any]:
        return {"in_features": self.in_features, "out_features": self.out_features, "bias": self.bias}

    def forward(self, x: Any) -> Any:
        _check_input("Dense", x, 2, "(B, features)", self.in_features)
        self._x = x
        return kernels.dense(x, self.params["weight"], self.params.get("bias"))

    def backward(self, gy: Any) -> Any:
        gx, gw, gb = kernels.dense_backward(self._x, self.params["weight"], gy)
        self.grads["weight"] = gw
        if self.bias:
            self.grads["bias"] = gb
        return gx


class LiftedDense(Layer):
    """A dense layer between maps on G: ``(B, C, |G|) → (B, O, |G|)``, ``W[o, g, c, h] = θ[o, c, g⁻¹h]``.

    Examples
    --------
    >>> import groupcore as gc
    >>> d = LiftedDense(gc.cyclic(4), 3, 2, seed=0)
    >>> d.index.shape, d.num_params, d(np.ones((5, 3, 4), np.float32)).shape
    ((2, 4, 3, 4), 26, (5, 2, 4))
    """

    def __init__(self, group: Group, in_features: int, out_features: int, *, bias: bool = True,
                 seed: Any = None) -> None:
        super().__init__()
        if not isinstance(group, Group):
            raise TypeError(f"group must be a groupcore.Group; got {type(group).__name__}")
        _check_int(in_features=in_features, out_features=out_features)
        self.group = group
        self.in_features, self.out_features, self.bias = int(in_features), int(out_features), bool(bias)
        n = group.order
        self.sharing = group_sharing(group, self.out_features, self.in_features, identity_gather(n, 1), ())
        self.params["theta"] = init_weight(self.sharing.size, self.in_features * n, seed)
        if self.bias:
            self.params["bias"] = np.zeros(self.out_features, np.float32)

    def config(self) -> dict[str, Any]:
        return {"group": group_spec(self.group), "in_features": self.in_features,
                "out_features": self.out_features, "bias": self.bias}

    @property
    def index(self) -> np.ndarray:
        """The integer weight-sharing tensor ``(O, |G|, C, |G|)``: ``W_expanded = θ[index]``."""
        return self.sharing.index

    def forward(self, x: Any) -> Any:
        n = self.group.order
        _check_input("LiftedDense", x, 3, "(B, C, |G|)", self.in_features, n)
        xp = self.xp
        idx = self.const("index", lambda: self.sharing.index)
        self._w = self.derived("weight", lambda: xp.reshape(kernels.expand(self.params["theta"], idx),
                                                            (self.out_features * n, -1)))
        self._x = xp.reshape(x, (x.shape[0], -1))
        y = xp.reshape(kernels.dense(self._x, self._w), (x.shape[0], self.out_features, n))
        return y + xp.reshape(self.params["bias"], (1, -1, 1)) if self.bias else y

    def backward(self, gy: Any) -> Any:
        xp, n = self.xp, self.group.order
        B = gy.shape[0]
        gx, gW, _ = kernels.dense_backward(self._x, self._w, xp.reshape(gy, (B, -1)))
        idx = self.const("index", lambda: self.sharing.index)
        self.grads["theta"] = kernels.expand_backward(xp.reshape(gW, self.sharing.shape), idx, self.sharing.size)
        if self.bias:
            self.grads["bias"] = xp.sum(gy, axis=(0, 2))
        return xp.reshape(gx, (B, self.in_features, n))

    def unlifted(self) -> Dense:
        """The un-lifted dense layer F̃ on ``C·|G|`` features (same θ and bias)."""
        d = Dense(self.in_features * self.group.order, self.out_features, bias=self.bias)
        d = d.to(self.backend, self.float_name)
        d.params["weight"] = self.xp.reshape(self.params["theta"], (self.out_features, -1))
        if self.bias:
            d.params["bias"] = self.params["bias"]
        return d

"""Fully connected layers: the plain ``Dense``, the lifting ``LiftingDense`` and the lifted ``LiftedDense``.

``LiftingDense`` lifts a dense layer on functions on a G-set X (a set of points, a sequence, a
user's table): ``(B, C, |X|) → (B, O, |G|)`` with ``W[o, g, c, x] = θ[o, c, g⁻¹·x]``.
``LiftedDense`` lifts a dense layer from ``C·|G|`` to ``O`` features between maps on G:
``W[o, g, c, h] = θ[o, c, g⁻¹h]``. Both come from the orbit rule
(:mod:`groupcore.nn.sharing`) and run as one GEMM with ``O·|G|`` outputs. On vectors the regular
and diagonal frames coincide (no spatial axes).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..action import Action
from ..backends import kernels
from ..group import Group
from ..map_action import MapAction
from .conv import check_input, check_int, init_weight
from .layer import Layer, action_from_spec, action_spec, group_spec
from .sharing import Sharing, orbit_sharing

__all__ = ["Dense", "LiftingDense", "LiftedDense"]


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
        check_int(in_features=in_features, out_features=out_features)
        self.in_features, self.out_features, self.bias = int(in_features), int(out_features), bool(bias)
        self.params["weight"] = init_weight(self.out_features * self.in_features, self.in_features,
                                            seed).reshape(self.out_features, self.in_features)
        if self.bias:
            self.params["bias"] = np.zeros(self.out_features, np.float32)

    def config(self) -> dict[str, Any]:
        return {"in_features": self.in_features, "out_features": self.out_features, "bias": self.bias}

    def forward(self, x: Any) -> Any:
        check_input("Dense", x, 2, "(B, features)", self.in_features)
        self._x = x
        return kernels.dense(x, self.params["weight"], self.params.get("bias"))

    def backward(self, gy: Any) -> Any:
        gx, gw, gb = kernels.dense_backward(self._x, self.params["weight"], gy)
        self.grads["weight"] = gw
        if self.bias:
            self.grads["bias"] = gb
        return gx


class _SharedDense(Layer):
    """A dense layer into maps on G, ``(B, C, |X|) → (B, O, |G|)``, with orbit weight sharing."""

    group: Group
    sharing: Sharing
    _points: int

    def _setup(self, group: Group, in_table: np.ndarray, in_channels: int, out_features: int, bias: bool,
               seed: Any) -> None:
        check_int(in_channels=in_channels, out_features=out_features)
        self.group = group
        self.in_channels, self.out_features, self.bias = int(in_channels), int(out_features), bool(bias)
        self._points = int(in_table.shape[1])
        self.sharing = orbit_sharing(self.out_features, self.in_channels, group.table, in_table)
        self.params["theta"] = init_weight(self.sharing.size, self.in_channels * self._points, seed)
        if self.bias:
            self.params["bias"] = np.zeros(self.out_features, np.float32)

    @property
    def index(self) -> np.ndarray:
        """The integer weight-sharing tensor ``(O, |G|, C, |X|)``: ``W_expanded = θ[index]``."""
        return self.sharing.index

    @property
    def out_action(self) -> MapAction:
        """The regular action on the output's G axis."""
        return MapAction(self.group)

    def propagate(self, action: Any) -> Any:
        return self.expect(action, self.in_action, self.out_action)

    def forward(self, x: Any) -> Any:
        n = self.group.order
        check_input(type(self).__name__, x, 3, f"(B, C, {self._points})", self.in_channels)
        if x.shape[2] != self._points:
            raise ValueError(f"{type(self).__name__} acts on {self._points} points; got shape {tuple(x.shape)}")
        xp = self.xp
        idx = self.const("index", lambda: self.sharing.index)
        self._w = self.derived("weight", lambda: xp.reshape(kernels.expand(self.params["theta"], idx),
                                                            (self.out_features * n, -1)))
        self._x = xp.reshape(x, (x.shape[0], -1))
        y = xp.reshape(kernels.dense(self._x, self._w), (x.shape[0], self.out_features, n))
        return y + xp.reshape(self.params["bias"], (1, -1, 1)) if self.bias else y

    def backward(self, gy: Any) -> Any:
        xp = self.xp
        B = gy.shape[0]
        gx, gW, _ = kernels.dense_backward(self._x, self._w, xp.reshape(gy, (B, -1)))
        idx = self.const("index", lambda: self.sharing.index)
        self.grads["theta"] = kernels.expand_backward(xp.reshape(gW, self.sharing.shape), idx, self.sharing.size)
        if self.bias:
            self.grads["bias"] = xp.sum(gy, axis=(0, 2))
        return xp.reshape(gx, (B, self.in_channels, self._points))

    def unlifted(self) -> Dense:
        """The un-lifted dense layer F̃ on ``C·|X|`` features (same θ and bias)."""
        d = Dense(self.in_channels * self._points, self.out_features, bias=self.bias)
        d = d.to(self.backend, self.float_name)
        d.params["weight"] = self.xp.reshape(self.params["theta"], (self.out_features, -1))
        if self.bias:
            d.params["bias"] = self.params["bias"]
        return d


class LiftingDense(_SharedDense):
    """Lift a dense layer on functions on a G-set: ``(B, C, |X|) → (B, O, |G|)``, ``W[o, g, c, x] = θ[o, c, g⁻¹·x]``.

    Parameters
    ----------
    action : Action
        An exact action of G on X (S_n on n points, a user's table, cosets, a grid): G acts on
        the input's last axis by ``action.apply``.
    in_channels, out_features : int
    bias : bool
    seed : int or Generator, optional

    Examples
    --------
    >>> import groupcore as gc
    >>> S5 = gc.symmetric(5)
    >>> layer = LiftingDense(gc.Action.natural(S5), 1, 8, seed=0)
    >>> layer.index.shape, layer.num_params, layer(np.ones((2, 1, 5), np.float32)).shape
    ((8, 120, 1, 5), 48, (2, 8, 120))
    """

    def __init__(self, action: Action, in_channels: int, out_features: int, *, bias: bool = True,
                 seed: Any = None) -> None:
        super().__init__()
        if not isinstance(action, Action) and not getattr(action, "is_exact", False):
            raise TypeError(f"LiftingDense needs an exact action given by a table (groupcore.Action); got {action!r}")
        if not isinstance(action, Action):
            action = Action(action.group, action.table, shape=action.shape, validate=False)
        self.action = action
        self._setup(action.group, action.table.astype(np.int64), in_channels, out_features, bias, seed)

    @property
    def in_action(self) -> Action:
        """The action on the input's points."""
        return self.action

    def forward(self, x: Any) -> Any:
        self._in_shape = tuple(x.shape)
        if len(self.action.shape) > 1 and x.ndim == 2 + len(self.action.shape):
            x = self.xp.reshape(x, tuple(x.shape[:2]) + (-1,))
        return super().forward(x)

    def backward(self, gy: Any) -> Any:
        gx = super().backward(gy)
        return self.xp.reshape(gx, self._in_shape)

    def config(self) -> dict[str, Any]:
        return {"action": action_spec(self.action), "in_channels": self.in_channels,
                "out_features": self.out_features, "bias": self.bias}

    def __repr__(self) -> str:
        return (f"LiftingDense({self.action.name}, in_channels={self.in_channels}, "
                f"out_features={self.out_features}, bias={self.bias})")

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> LiftingDense:
        config = dict(config)
        config["action"] = action_from_spec(config["action"])
        return cls(**config)


class LiftedDense(_SharedDense):
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
        self._setup(group, group.table.astype(np.int64), in_features, out_features, bias, seed)

    @property
    def in_features(self) -> int:
        """Channels of the input map."""
        return self.in_channels

    @property
    def in_action(self) -> MapAction:
        """The regular action on the input's G axis."""
        return self.out_action

    def config(self) -> dict[str, Any]:
        return {"group": group_spec(self.group), "in_features": self.in_channels,
                "out_features": self.out_features, "bias": self.bias}

"""The paper's constructions, literally: lift a black-box layer or a whole network.

``lift_layer(F̃, G, action)`` is ``F̂(x)(g) = F̃(g⁻¹·x)`` (optionally followed by ``ρ_out(g)`` on
copy g, the diagonal frame's output action), evaluated by running F̃ once on the ``|G|`` copies
``g⁻¹·x`` stacked along the batch axis. ``equivarify(model, action)`` is the global construction,
the lift of the whole network. They are the references the weight-sharing layers are tested
against: no index tensors, no shortcuts.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..errors import NotAnActionError
from ..grid_action import GridAction
from ..group import Group
from ..map_action import MapAction
from .layer import Layer, action_from_spec, action_spec, group_from_spec, group_spec

__all__ = ["LiftLayer", "lift_layer", "equivarify"]


class LiftLayer(Layer):
    """``F̂(x)(g) = ρ_out(g)·F̃(g⁻¹·x)`` with the G axis at position 2 of the output.

    Parameters
    ----------
    f_tilde : Layer or callable
        The map being lifted; with a :class:`Layer`, ``backward`` works too (exact actions).
    group : Group
    action : GroupAction
        How G acts on the input (a :class:`~groupcore.GridAction`, a
        :class:`~groupcore.MapAction`, an :class:`~groupcore.Action` on a set …).
    output_action : GroupAction, optional
        Applied to output copy g by g (``None``: the regular frame, no output transform).

    The lift saves and loads (:func:`groupcore.nn.save`) when ``f_tilde`` is a layer and the
    actions have a saved form (tables, grid and map actions).

    Examples
    --------
    >>> import numpy as np, groupcore as gc
    >>> from groupcore import nn
    >>> G = gc.cyclic(4)
    >>> lifted = lift_layer(nn.Conv2d(1, 2, 3, seed=0), G, gc.GridAction(G))
    >>> lifted(np.zeros((5, 1, 8, 8), np.float32)).shape
    (5, 2, 4, 6, 6)
    """

    def __init__(self, f_tilde: Layer | Callable[[Any], Any], group: Group, action: Any,
                 output_action: Any = None) -> None:
        super().__init__()
        if not isinstance(group, Group):
            raise TypeError(f"group must be a groupcore.Group; got {type(group).__name__}")
        if action.group != group or (output_action is not None and output_action.group != group):
            raise ValueError(f"the actions must be actions of {group.name}")
        self.f_tilde, self.group, self.action, self.output_action = f_tilde, group, action, output_action

    def children(self) -> tuple[Layer, ...]:
        return (self.f_tilde,) if isinstance(self.f_tilde, Layer) else ()

    def _moved(self, dtype: str | None) -> None:
        if isinstance(self.f_tilde, Layer):
            self.f_tilde = self.f_tilde.to(self._backend, dtype)

    def _replicated(self) -> None:
        if isinstance(self.f_tilde, Layer):
            self.f_tilde = self.f_tilde.replica()

    def train(self, mode: bool = True) -> LiftLayer:
        for child in self.children():
            child.train(mode)
        return super().train(mode)

    def forward(self, x: Any) -> Any:
        G, xp = self.group, self.xp
        n, B = G.order, x.shape[0]
        stacked = xp.concat([self.action.apply(int(G.inverse[g]), x) for g in range(n)], axis=0)
        y = self.f_tilde.forward(stacked) if isinstance(self.f_tilde, Layer) else self.f_tilde(stacked)
        y = xp.reshape(y, (n, B) + tuple(y.shape[1:]))
        y = xp.permute_dims(y, (1, 2, 0) + tuple(range(3, y.ndim)))
        if self.output_action is None:
            return y
        return xp.stack([self.output_action.apply(g, y[:, :, g]) for g in range(n)], axis=2)

    def backward(self, gy: Any) -> Any:
        if not isinstance(self.f_tilde, Layer):
            raise TypeError("backward needs the lifted map to be a Layer with its own backward")
        for act in (self.action, self.output_action):
            if act is not None and not getattr(act, "is_exact", True):
                raise NotAnActionError("backward through the black-box lift needs exact actions, whose "
                                       "transposes are their inverses")
        G, xp = self.group, self.xp
        n = G.order
        if self.output_action is not None:
            gy = xp.stack([self.output_action.apply(int(G.inverse[g]), gy[:, :, g]) for g in range(n)], axis=2)
        B = gy.shape[0]
        moved = xp.permute_dims(gy, (2, 0, 1) + tuple(range(3, gy.ndim)))
        gx = self.f_tilde.backward(xp.reshape(moved, (n * B,) + tuple(moved.shape[2:])))
        if gx is None:
            return None
        parts = [self.action.apply(g, gx[g * B:(g + 1) * B]) for g in range(n)]
        out = parts[0]
        for p in parts[1:]:
            out = out + p
        return out

    @property
    def num_params(self) -> int:
        return sum(c.num_params for c in self.children())

    @property
    def in_action(self) -> Any:
        """How G acts on the input (``action``)."""
        return self.action

    @property
    def out_action(self) -> MapAction:
        """The regular action on the output's G axis, with ``output_action`` on each copy when it is a grid action."""
        spatial = self.output_action if isinstance(self.output_action, GridAction) else None
        return MapAction(self.group, spatial)

    def propagate(self, action: Any) -> Any:
        return self.expect(action, self.action, self.out_action)

    def config(self) -> dict[str, Any]:
        if not isinstance(self.f_tilde, Layer):
            raise TypeError(f"this black-box lift wraps a plain callable ({self.f_tilde!r}), which has no saved "
                            f"form; lift a groupcore.nn.Layer to save it, or save the model it wraps")
        return {"f_tilde": self.f_tilde.spec(), "group": group_spec(self.group), "action": action_spec(self.action),
                "output_action": None if self.output_action is None else action_spec(self.output_action)}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> LiftLayer:
        from .io import layer_from_spec
        out = config.get("output_action")
        return cls(layer_from_spec(config["f_tilde"]), group_from_spec(config["group"]),
                   action_from_spec(config["action"]), None if out is None else action_from_spec(out))

    def __repr__(self) -> str:
        return f"LiftLayer({self.f_tilde!r}, group={self.group.name})"


def lift_layer(f_tilde: Layer | Callable[[Any], Any], G: Group, action: Any,
               output_action: Any = None) -> LiftLayer:
    """The black-box lift of one layer (or a ``Sequential``): ``F̂(x)(g) = ρ_out(g)·F̃(g⁻¹·x)``.

    See :class:`LiftLayer`.

    Examples
    --------
    >>> import numpy as np, groupcore as gc
    >>> from groupcore import nn
    >>> G = gc.cyclic(2)
    >>> f = lift_layer(lambda x: x[:, :, :1], G, gc.Action.regular(G))
    >>> f(np.array([[[1.0, 2.0]]])).tolist()
    [[[[1.0], [2.0]]]]
    """
    return LiftLayer(f_tilde, G, action, output_action)


def equivarify(model: Layer | Callable[[Any], Any], action: Any, output_action: Any = None) -> LiftLayer:
    """The global construction: the whole network lifted at once, ``F̂(x)(g) = F(g⁻¹·x)``.

    The unique G-equivariant map with ``F̂(x)(e) = F(x)``; its output gains a G axis at
    position 2 (``(B, K) → (B, K, |G|)`` for class scores).

    Examples
    --------
    >>> import numpy as np, groupcore as gc
    >>> from groupcore import nn
    >>> G = gc.dihedral(4)
    >>> net = nn.Sequential(nn.Conv2d(1, 3, 3, seed=0), nn.ReLU(), nn.Flatten(), nn.Dense(75, 4, seed=1))
    >>> eq = equivarify(net, gc.GridAction(G))
    >>> x = np.random.default_rng(0).random((2, 1, 7, 7)).astype(np.float32)
    >>> bool(np.allclose(eq(x)[:, :, 0], net(x)))
    True
    """
    return LiftLayer(model, action.group, action, output_action)

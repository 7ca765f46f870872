"""The layer protocol: parameters on a backend, ``forward``/``backward``, specs for saving.

A layer keeps its trainable arrays in ``params`` (gradients land in ``grads`` after
``backward``), saved non-trainable state in ``buffers``, and host-side structure (index tensors)
as NumPy arrays that are moved to the backend once and cached (:meth:`Layer.const`).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np

from ..group import Group
from ..protocol import TrivialAction

__all__ = ["Layer", "default_backend", "group_spec", "group_from_spec", "action_spec", "action_from_spec",
           "describe_action"]

#: ``to``, ``train``, ``eval`` and ``replica`` return a layer of the caller's own type.
_L = TypeVar("_L", bound="Layer")


def default_backend() -> Any:
    """The NumPy backend, where layers are built.

    Examples
    --------
    >>> default_backend().name
    'numpy'
    """
    from .. import backends
    return backends.get("numpy")


def group_spec(G: Group) -> dict[str, Any]:
    """A JSON-ready description of a group: its name, Cayley table and matrices (its geometry).

    Examples
    --------
    >>> import groupcore as gc
    >>> group_spec(gc.cyclic(2))
    {'name': 'C2', 'table': [[0, 1], [1, 0]], 'matrices': [[[1, 0], [0, 1]], [[-1, 0], [0, -1]]]}
    """
    spec: dict[str, Any] = {"name": G.name, "table": G.table.tolist()}
    if G.matrices is not None:
        spec["matrices"] = G.matrices.tolist()
    return spec


def group_from_spec(spec: dict[str, Any]) -> Group:
    """Rebuild a group from :func:`group_spec` (validating its table and matrices).

    The name is only a label: the table and the matrices decide what the group is and how it
    acts on grids.

    Examples
    --------
    >>> import groupcore as gc
    >>> G = group_from_spec(group_spec(gc.dihedral(1)))
    >>> G == gc.dihedral(1), G.matrices[1].tolist()
    (True, [[1, 0], [0, -1]])
    """
    matrices = spec.get("matrices")
    return Group(np.asarray(spec["table"]), name=spec.get("name"),
                 matrices=None if matrices is None else np.asarray(matrices))


class Layer:
    """Base class of every layer: ``forward(x)``, ``backward(gy) -> gx``, ``params``, ``grads``.

    Subclasses set ``params`` (host NumPy at construction) and implement ``forward``,
    ``backward`` and ``config`` (the constructor's keyword arguments, JSON-ready).

    Examples
    --------
    >>> from groupcore import nn
    >>> layer = nn.ReLU()
    >>> layer.num_params, layer.spec()
    (0, {'type': 'ReLU', 'config': {}})
    """

    #: Whether :meth:`backward` must return ``∂L/∂x`` (a first layer's is not needed).
    needs_input_grad = True
    #: Whether the layer acts on each value alone (activations), so that it commutes with any
    #: action that moves values around.
    pointwise = False
    #: Arrays derived from the parameters, kept while they cannot change (a replica's life).
    _memo: dict[str, Any] | None = None

    def __init__(self) -> None:
        self.params: dict[str, Any] = {}
        self.grads: dict[str, Any] = {}
        self.buffers: dict[str, Any] = {}
        self.training = True
        self._backend: Any = None
        self._consts: dict[str, Any] = {}

    # ----------------------------------------------------------------- protocol
    def forward(self, x: Any) -> Any:
        """The layer's output for a batch ``x`` (caches what :meth:`backward` needs)."""
        raise NotImplementedError

    def backward(self, gy: Any) -> Any:
        """Given ``∂L/∂y`` for the last forward, set ``grads`` and return ``∂L/∂x``."""
        raise NotImplementedError

    def __call__(self, x: Any) -> Any:
        return self.forward(x)

    def config(self) -> dict[str, Any]:
        """Constructor keyword arguments that rebuild this layer (JSON-ready)."""
        return {}

    def spec(self) -> dict[str, Any]:
        """``{"type": class name, "config": ...}``, what :mod:`groupcore.nn.io` saves."""
        return {"type": type(self).__name__, "config": self.config()}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Layer:
        """Rebuild a layer from :meth:`config` (composite layers override this).

        Examples
        --------
        >>> from groupcore import nn
        >>> nn.Dense.from_config(nn.Dense(3, 2).config()).num_params
        8
        """
        config = dict(config)
        if "group" in config:
            config["group"] = group_from_spec(config["group"])
        return cls(**config)

    def children(self) -> tuple[Layer, ...]:
        """Sub-layers (composite layers override this)."""
        return ()

    # ----------------------------------------------------------------- actions
    @property
    def in_action(self) -> Any:
        """How G acts on this layer's input, for the layers built for a group; else ``None``."""
        return None

    @property
    def out_action(self) -> Any:
        """How G acts on this layer's output, for the layers built for a group; else ``None``."""
        return None

    def propagate(self, action: Any) -> Any:
        """The action on the output when G acts on the input by ``action`` (``None``: not equivariant).

        Pointwise layers keep the action; other layers keep only the trivial one (invariant
        inputs stay invariant). Layers built for a group check that ``action`` is theirs and
        raise ``ValueError`` with the reason when it is not (:meth:`expect`).

        Examples
        --------
        >>> import groupcore as gc
        >>> from groupcore import nn
        >>> nn.ReLU().propagate(gc.GridAction(gc.cyclic(4))) == gc.GridAction(gc.cyclic(4))
        True
        >>> nn.Dense(2, 2).propagate(gc.GridAction(gc.cyclic(4))) is None
        True
        """
        if self.pointwise or isinstance(action, TrivialAction):
            return action
        return None

    def expect(self, action: Any, wanted: Any, result: Any) -> Any:
        """``result`` if ``action`` is ``wanted`` (or unknown, ``None``); else ``ValueError`` naming both.

        Examples
        --------
        >>> import groupcore as gc
        >>> from groupcore import nn
        >>> layer = nn.GroupConv2d(gc.dihedral(1), 1, 1, 3, frame="diagonal")
        >>> layer.expect(gc.MapAction(gc.cyclic(2), gc.GridAction(gc.cyclic(2))), layer.in_action, None)
        Traceback (most recent call last):
        ...
        ValueError: GroupConv2d is built for D1 on the G axis and on the grid, D1 by the matrices [[[1, 0], [0, 1]],
        [[1, 0], [0, -1]]] (the diagonal frame), but its input is acted on by C2 on the G axis and on the grid, C2 by
        the matrices [[[1, 0], [0, 1]], [[-1, 0], [0, -1]]] (the diagonal frame): a network uses one group acting one
        way (same table and same geometry) and one frame
        """
        if action is None or action == wanted:
            return result
        raise ValueError(f"{type(self).__name__} is built for {describe_action(wanted)}, but its input is acted on "
                         f"by {describe_action(action)}: a network uses one group acting one way (same table and "
                         f"same geometry) and one frame")

    def leaves(self) -> list[Layer]:
        """Every layer without children, depth first (self for a simple layer)."""
        kids = self.children()
        return [self] if not kids else [leaf for c in kids for leaf in c.leaves()]

    @property
    def per_sample(self) -> bool:
        """Whether each sample's output and gradients depend on that sample only, whatever the batch.

        Then a batch may run in slices (micro-batches) in any order with the same result;
        layers with batch statistics or random masks in training mode say ``False``.
        """
        return all(child.per_sample for child in self.children())

    def replica(self: _L) -> _L:
        """A copy sharing the parameters, buffers and device constants, with its own caches and grads.

        Replicas run micro-batches side by side (each keeps its own forward state) while the
        parameters stay fixed; arrays derived from them (expanded weights) are computed once
        per replica (:meth:`derived`).

        Examples
        --------
        >>> from groupcore import nn
        >>> d = nn.Dense(2, 2)
        >>> r = d.replica()
        >>> r.params is d.params, r.grads is d.grads
        (True, False)
        """
        new = copy.copy(self)
        new.grads = {}
        new._memo = {}
        new._replicated()
        return new

    def _replicated(self) -> None:
        """Hook for composite layers: replace children by their replicas after :meth:`replica`."""

    def derived(self, key: str, build: Callable[[], Any]) -> Any:
        """``build()``, computed once per :meth:`replica` (whose parameters are fixed), every call otherwise.

        Examples
        --------
        >>> from groupcore import nn
        >>> r = nn.Dense(2, 2).replica()
        >>> r.derived("w", lambda: [1]) is r.derived("w", lambda: [2])
        True
        """
        if self._memo is None:
            return build()
        if key not in self._memo:
            self._memo[key] = build()
        return self._memo[key]

    # ----------------------------------------------------------------- state
    @property
    def backend(self) -> Any:
        """The backend the parameters live on (NumPy until :meth:`to` moves them)."""
        if self._backend is None:
            self._backend = default_backend()
        return self._backend

    @property
    def xp(self) -> Any:
        """The backend's array namespace."""
        return self.backend.xp

    @property
    def num_params(self) -> int:
        """Number of free (trainable) parameters."""
        return int(sum(int(np.prod(p.shape)) for p in self.params.values()))

    @property
    def float_name(self) -> str:
        """``"float32"`` or ``"float64"``: the parameters' dtype (``"float32"`` without parameters)."""
        for p in self.params.values():
            return _dtype_name(p.dtype)
        return "float32"

    def train(self: _L, mode: bool = True) -> _L:
        """Switch training mode (batch statistics, dropout) on or off; returns self."""
        self.training = bool(mode)
        return self

    def eval(self: _L) -> _L:
        """Switch to inference mode; returns self."""
        return self.train(False)

    def to(self: _L, backend: Any = None, dtype: str | None = None) -> _L:
        """A copy of this layer with its arrays on ``backend`` (and cast to ``dtype``).

        Examples
        --------
        >>> from groupcore import nn
        >>> d = nn.Dense(3, 2).to(dtype="float64")
        >>> str(d.params["weight"].dtype)
        'float64'
        """
        be = self.backend if backend is None else backend
        new = copy.copy(self)
        new._backend = be
        new._consts = {}
        new.grads = {}
        new.params = {k: _move(v, be, dtype) for k, v in self.params.items()}
        new.buffers = {k: _move(v, be, dtype) for k, v in self.buffers.items()}
        new._moved(dtype)
        return new

    def _moved(self, dtype: str | None) -> None:
        """Hook for composite layers: move (and cast) children after :meth:`to`."""

    def const(self, key: Any, build: Callable[[], Any], dtype: str | None = None) -> Any:
        """A host array (or tuple of arrays, ``None`` kept) built once and moved to the backend once.

        ``dtype`` casts floating arrays (e.g. interpolation weights to the parameters' dtype).
        """
        if key not in self._consts:
            host = build()
            move = (lambda a: None if a is None else _move(a, self.backend, dtype))
            self._consts[key] = tuple(map(move, host)) if isinstance(host, tuple) else move(host)
        return self._consts[key]

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.config().items() if k != "group")
        return f"{type(self).__name__}({args})"


def action_spec(action: Any) -> dict[str, Any]:
    """A JSON-ready description of an action: a table (finite G-set), a grid, lifted maps or trivial.

    Raises
    ------
    TypeError
        For actions that have no saved form (interpolated rotations of one grid, user classes).

    Examples
    --------
    >>> import groupcore as gc
    >>> action_spec(gc.MapAction(gc.cyclic(2)))["kind"]
    'map'
    """
    from ..action import Action
    from ..grid_action import GridAction
    from ..map_action import MapAction
    if isinstance(action, GridAction):
        return {"kind": "grid", "group": group_spec(action.group), "ndim": action.ndim,
                "interpolation": action.interpolation or None}
    if isinstance(action, MapAction):
        return {"kind": "map", "group": group_spec(action.group),
                "spatial": None if action.spatial is None else action_spec(action.spatial)}
    if isinstance(action, TrivialAction):
        return {"kind": "trivial", "group": group_spec(action.group)}
    if isinstance(action, Action):
        return {"kind": "table", "group": group_spec(action.group), "table": action.table.tolist(),
                "shape": list(action.shape), "name": action.name}
    raise TypeError(f"{action!r} has no saved form: save actions given by a table (groupcore.Action), a grid "
                    f"(GridAction), lifted maps (MapAction) or the trivial action")


def action_from_spec(spec: dict[str, Any]) -> Any:
    """Rebuild an action from :func:`action_spec`, validating its group and table.

    Examples
    --------
    >>> import groupcore as gc
    >>> act = gc.Action.on_grid(gc.dihedral(1), (5,))
    >>> action_from_spec(action_spec(act)) == act
    True
    """
    from ..action import Action
    from ..grid_action import GridAction
    from ..map_action import MapAction
    kind = spec.get("kind")
    group = group_from_spec(spec["group"])
    if kind == "grid":
        return GridAction(group, int(spec["ndim"]), interpolation=spec.get("interpolation"))
    if kind == "map":
        spatial = spec.get("spatial")
        return MapAction(group, None if spatial is None else action_from_spec(spatial))
    if kind == "trivial":
        return TrivialAction(group)
    if kind == "table":
        return Action(group, np.asarray(spec["table"]), shape=spec.get("shape"), name=spec.get("name"))
    raise ValueError(f"unknown action kind {kind!r} in a model spec; known: grid, map, trivial, table")


def describe_action(action: Any) -> str:
    """How an action acts, in words (its ``describe()`` when it has one).

    Examples
    --------
    >>> import groupcore as gc
    >>> describe_action(gc.TrivialAction(gc.cyclic(2)))
    'C2 trivially (invariant values)'
    """
    describe = getattr(action, "describe", None)
    return describe() if callable(describe) else repr(action)


def _dtype_name(dtype: Any) -> str:
    return "float64" if "64" in str(dtype) else "float32"


def _move(x: Any, backend: Any, dtype: str | None) -> Any:
    """Move to ``backend``; cast only floating arrays, and only when ``dtype`` is given."""
    return backend.asarray(x, dtype=dtype if dtype is not None and "float" in str(x.dtype) else None)

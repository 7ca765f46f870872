"""The layer protocol: parameters on a backend, ``forward``/``backward``, specs for saving.

A layer keeps its trainable arrays in ``params`` (gradients land in ``grads`` after
``backward``), saved non-trainable state in ``buffers``, and host-side structure (index tensors)
as NumPy arrays that are moved to the backend once and cached (:meth:`Layer.const`).
"""

from __future__ import annotations

import copy
from typing import Any, Callable

import numpy as np

from ..group import Group

__all__ = ["Layer", "default_backend", "group_spec", "group_from_spec"]


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
    """A JSON-ready description of a group (its name and Cayley table).

    Examples
    --------
    >>> import groupcore as gc
    >>> group_spec(gc.cyclic(2))
    {'name': 'C2', 'table': [[0, 1], [1, 0]]}
    """
    return {"name": G.name, "table": G.table.tolist()}


def group_from_spec(spec: dict[str, Any]) -> Group:
    """Rebuild a group from :func:`group_spec` (validating its table).

    Examples
    --------
    >>> import groupcore as gc
    >>> group_from_spec(group_spec(gc.dihedral(4))) == gc.dihedral(4)
    True
    """
    return Group(np.asarray(spec["table"]), name=spec.get("name"))


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

    def replica(self) -> Layer:
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

    def train(self, mode: bool = True) -> Layer:
        """Switch training mode (batch statistics, dropout) on or off; returns self."""
        self.training = bool(mode)
        return self

    def eval(self) -> Layer:
        """Switch to inference mode; returns self."""
        return self.train(False)

    def to(self, backend: Any = None, dtype: str | None = None) -> Layer:
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
        new._moved()
        return new

    def _moved(self) -> None:
        """Hook for composite layers: move children after :meth:`to`."""

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


def _dtype_name(dtype: Any) -> str:
    return "float64" if "64" in str(dtype) else "float32"


def _move(x: Any, backend: Any, dtype: str | None) -> Any:
    """Move to ``backend``; cast only floating arrays, and only when ``dtype`` is given."""
    return backend.asarray(x, dtype=dtype if dtype is not None and "float" in str(x.dtype) else None)

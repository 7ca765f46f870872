"""Save and load models as plain ``.npz`` files: parameters, buffers, index tensors, JSON specs.

The file holds only numeric and string arrays (``np.load(..., allow_pickle=False)`` reads it):
``spec`` (the model's layer specs as JSON, groups included as Cayley tables), and per leaf layer
``L{i}.param.{name}``, ``L{i}.buffer.{name}``, ``L{i}.index`` and ``L{i}.coef`` (weight sharing,
for export). Loading rebuilds the layers from the specs, checks that the rebuilt index tensors
equal the stored ones, and places the arrays on the requested backend. Writes are atomic.
"""

from __future__ import annotations

import json
import os
from typing import Any

import numpy as np

from ..fileio import atomic_open
from .layer import Layer

__all__ = ["save", "load", "layer_from_spec", "FORMAT_VERSION"]

#: Version of the file layout, stored as ``format`` in the file.
FORMAT_VERSION = 1


def _registry() -> dict[str, type[Layer]]:
    from . import __all__ as public
    from . import __dict__ as namespace
    return {name: namespace[name] for name in public
            if isinstance(namespace[name], type) and issubclass(namespace[name], Layer)}


def layer_from_spec(spec: dict[str, Any]) -> Layer:
    """Rebuild a layer (or a ``Sequential``) from :meth:`Layer.spec`, with fresh parameters.

    Examples
    --------
    >>> from groupcore import nn
    >>> layer_from_spec(nn.Dense(3, 2).spec()).num_params
    8
    """
    registry = _registry()
    kind = spec.get("type")
    if kind not in registry:
        raise ValueError(f"unknown layer type {kind!r} in the model spec; known: {sorted(registry)}")
    return registry[kind].from_config(dict(spec.get("config", {})))


def save(model: Layer, path: str | os.PathLike[str]) -> None:
    """Write ``model`` to ``path`` (a plain ``.npz``), atomically.

    Examples
    --------
    >>> import os, tempfile
    >>> from groupcore import nn
    >>> net = nn.Sequential(nn.Dense(3, 2, seed=0))
    >>> path = os.path.join(tempfile.mkdtemp(), "m.npz")
    >>> save(net, path)
    >>> bool(np.allclose(load(path).predict(np.ones((1, 3))), net.predict(np.ones((1, 3)))))
    True
    """
    if not isinstance(model, Layer):
        raise TypeError(f"can only save a groupcore.nn.Layer; got {type(model).__name__}")
    be = model.backend
    arrays: dict[str, np.ndarray] = {"spec": np.array(json.dumps(model.spec())),
                                     "format": np.array(FORMAT_VERSION)}
    for i, leaf in enumerate(model.leaves()):
        for name, p in leaf.params.items():
            arrays[f"L{i}.param.{name}"] = be.to_numpy(p)
        for name, b in leaf.buffers.items():
            arrays[f"L{i}.buffer.{name}"] = be.to_numpy(b)
        sharing = getattr(leaf, "sharing", None)
        if sharing is not None:
            arrays[f"L{i}.index"] = sharing.index
            if sharing.coef is not None:
                arrays[f"L{i}.coef"] = sharing.coef
    with atomic_open(path) as f:
        np.savez(f, **arrays)


def load(path: str | os.PathLike[str], backend: Any = None, dtype: str | None = None) -> Layer:
    """Read a model written by :func:`save`, onto ``backend`` (default NumPy), optionally cast.

    Raises
    ------
    ValueError
        For an unknown format or layer type, a missing array, or an index tensor that differs
        from the one the spec rebuilds.
    """
    with np.load(os.fspath(path), allow_pickle=False) as data:
        files = {k: data[k] for k in data.files}
    if "spec" not in files or int(files.get("format", -1)) != FORMAT_VERSION:
        raise ValueError(f"{os.fspath(path)} is not a groupcore model file of format {FORMAT_VERSION}")
    model = layer_from_spec(json.loads(str(files["spec"])))
    for i, leaf in enumerate(model.leaves()):
        for store, kind in ((leaf.params, "param"), (leaf.buffers, "buffer")):
            for name in list(store):
                key = f"L{i}.{kind}.{name}"
                if key not in files:
                    raise ValueError(f"{os.fspath(path)} lacks {key} for layer {i} ({type(leaf).__name__})")
                if tuple(files[key].shape) != tuple(store[name].shape):
                    raise ValueError(f"{key} has shape {files[key].shape}, expected {tuple(store[name].shape)}")
                store[name] = files[key]
        sharing = getattr(leaf, "sharing", None)
        if sharing is not None and f"L{i}.index" in files and not np.array_equal(files[f"L{i}.index"], sharing.index):
            raise ValueError(f"the stored index of layer {i} ({type(leaf).__name__}) differs from the one its "
                             f"spec builds")
    return model.to(backend, dtype)

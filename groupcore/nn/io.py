"""Save and load models as plain ``.npz`` files, checked on the way in.

A model file (format 2) is an ``.npz`` archive of plain arrays (``np.load(path,
allow_pickle=False)`` reads it):

- ``format``: 2;
- ``spec``: the layer specs as JSON (:meth:`~groupcore.nn.Layer.spec`; groups as Cayley tables);
- per leaf layer ``i`` (depth first): ``L{i}.param.{name}`` and ``L{i}.buffer.{name}`` (float32
  or float64), and for lifted layers ``L{i}.index``, the weight-sharing index tensor, and
  ``L{i}.coef``, its interpolation weights;
- ``checksum``: ``"sha256:"`` and the hex SHA-256 of every other array, in name order, each
  hashed as the JSON ``[name, dtype string, shape]`` followed by its bytes in C order
  (:func:`checksum`).

:func:`load` trusts nothing in the file. Before it builds a layer it checks the archive (each
header against the bytes stored, no pickled data: :class:`~groupcore.npzfile.NpzReader`), the
dtypes, the structure and layer types of the spec, and that the spec cannot allocate far more
than the file's arrays (:func:`~groupcore.nn.modelspec.memory_bound`); then the checksum. It then
builds the layers and checks every array: its shape, finite values, valid buffers (variances
>= 0), and every index tensor, rebuilt from the spec and compared with the stored one (which
must be present: it records how the group acts on the layer's grid, so a spec whose group was
renamed or changed is caught). Every failure is a :class:`ModelFileError` naming the file.
Writes are atomic. Format 1 files (written before checksums) load with every check but the
checksum.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import os
import re
from collections.abc import Mapping
from typing import Any

import numpy as np

from ..fileio import atomic_open
from ..npzfile import ArrayHeader, NpzFormatError, NpzReader
from .layer import Layer
from .modelspec import SpecError, largest_leaf, leaf_specs, memory_bound, parse_spec

__all__ = ["save", "load", "layer_from_spec", "register_layer", "checksum", "ModelFileError", "FORMAT_VERSION"]

#: Version of the file layout, stored as ``format`` in the file.
FORMAT_VERSION = 2
_READABLE = (1, 2)
#: A spec may build layers needing at most this multiple of the stored arrays' bytes (plus _SLACK).
_STORAGE_FACTOR = 512
_SLACK = 4 << 20
_MEMBER = re.compile(r"L(\d+)\.(?:(param|buffer)\.([A-Za-z_][A-Za-z0-9_]*)|(index|coef))")
#: Buffers with a range: name -> (check, what it must be).
_BUFFER_RULES = {"running_var": (lambda a: a >= 0, "non-negative (it is a variance)")}
_CUSTOM: dict[str, type[Layer]] = {}


class ModelFileError(ValueError):
    """A model file that cannot be written or read back faithfully; names the file and the problem.

    Attributes
    ----------
    path : str
    problem : str

    Examples
    --------
    >>> err = ModelFileError("m.npz", "no spec")
    >>> str(err), err.path
    ('m.npz: no spec', 'm.npz')
    """

    def __init__(self, path: str | os.PathLike[str], problem: str) -> None:
        super().__init__(f"{os.fspath(path)}: {problem}")
        self.path, self.problem = os.fspath(path), problem


def register_layer(cls: type[Layer]) -> type[Layer]:
    """Let :func:`save` and :func:`load` handle a layer class of your own (usable as a decorator).

    The class is found by its name in the spec and rebuilt with ``cls.from_config(config)``
    (by default ``cls(**config)``), so its constructor must take the keywords of its ``config()``.

    Raises
    ------
    TypeError
        ``cls`` is not a :class:`~groupcore.nn.Layer` subclass.
    ValueError
        Another class of the same name is registered or built in.

    Examples
    --------
    >>> from groupcore import nn
    >>> @register_layer
    ... class Doubler(nn.Layer):
    ...     def forward(self, x): return 2 * x
    ...     def backward(self, gy): return 2 * gy
    >>> layer_from_spec({"type": "Doubler", "config": {}})(np.ones(2)).tolist()
    [2.0, 2.0]
    """
    if not isinstance(cls, type) or not issubclass(cls, Layer):
        raise TypeError(f"register_layer takes a groupcore.nn.Layer subclass; got {cls!r}")
    known = _registry().get(cls.__name__)
    if known is not None and known is not cls:
        raise ValueError(f"a different layer class named {cls.__name__!r} is already known ({known.__module__}); "
                         f"rename yours")
    _CUSTOM[cls.__name__] = cls
    return cls


def _registry() -> dict[str, type[Layer]]:
    """Layer classes by name: the concrete public layers of ``groupcore.nn`` and registered ones."""
    from . import __all__ as public
    namespace = vars(importlib.import_module(__package__))
    built_in = {name: namespace[name] for name in public
                if isinstance(namespace[name], type) and issubclass(namespace[name], Layer)
                and namespace[name].forward is not Layer.forward}
    return {**built_in, **_CUSTOM}


def layer_from_spec(spec: dict[str, Any]) -> Layer:
    """Rebuild a layer (or a ``Sequential``) from :meth:`Layer.spec`, with fresh parameters.

    Raises
    ------
    SpecError
        An unknown layer type, or a config its class cannot be built from (a ``ValueError``).

    Examples
    --------
    >>> from groupcore import nn
    >>> layer_from_spec(nn.Dense(3, 2).spec()).num_params
    8
    """
    registry = _registry()
    kind = spec.get("type") if isinstance(spec, dict) else None
    if kind not in registry:
        raise SpecError(f"unknown layer type {kind!r} in the model spec; known: {', '.join(sorted(registry))} "
                        f"(layer classes of your own need groupcore.nn.io.register_layer)")
    config = spec.get("config", {})
    try:
        return registry[kind].from_config(dict(config))
    except SpecError:
        raise
    except (TypeError, ValueError, KeyError, AttributeError, IndexError, OverflowError, RecursionError) as err:
        shown = json.dumps(config, default=str)
        shown = shown if len(shown) <= 160 else shown[:160] + "…"
        raise SpecError(f"a {kind} cannot be built from the config {shown} ({type(err).__name__}: {err})") from None


def checksum(arrays: Mapping[str, np.ndarray]) -> str:
    """``"sha256:<hex>"`` over every array but ``checksum``: its name, dtype, shape and bytes, in name order.

    Examples
    --------
    >>> checksum({"a": np.zeros(2)}) == checksum({"a": np.zeros(2), "checksum": np.array("x")})
    True
    >>> checksum({"a": np.zeros(2)}) == checksum({"a": np.zeros(2, np.float32)})
    False
    """
    digest = hashlib.sha256()
    for name in sorted(arrays):
        if name == "checksum":
            continue
        a = np.ascontiguousarray(arrays[name])
        digest.update(json.dumps([name, a.dtype.str, list(a.shape)]).encode())
        digest.update(a.data if a.size else b"")
    return f"sha256:{digest.hexdigest()}"


# ----------------------------------------------------------------------------- saving
def _all_layers(model: Layer) -> list[Layer]:
    return [model] + [layer for child in model.children() for layer in _all_layers(child)]


def _check_savable(model: Layer, where: str) -> None:
    registry = _registry()
    for layer in _all_layers(model):
        cls = type(layer)
        if registry.get(cls.__name__) is not cls:
            raise ModelFileError(where, f"cannot save a {cls.__name__} layer: groupcore.nn.load could not rebuild it; "
                                        f"register its class first with groupcore.nn.io.register_layer("
                                        f"{cls.__name__}) (its constructor must take the keywords of its config())")


def save(model: Layer, path: str | os.PathLike[str]) -> None:
    """Write ``model`` to ``path`` (a plain ``.npz``, see the module docstring), atomically.

    Raises
    ------
    TypeError
        ``model`` is not a layer.
    ModelFileError
        A layer :func:`load` could not rebuild (a class of your own not registered with
        :func:`register_layer`, a black-box lift), a config that is not JSON, or parameters
        holding NaN or infinities (nothing is written).

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
    from ..backends import to_numpy
    if not isinstance(model, Layer):
        raise TypeError(f"can only save a groupcore.nn.Layer; got {type(model).__name__}")
    where = os.fspath(path)
    try:
        text = json.dumps(model.spec(), allow_nan=False)
    except (TypeError, ValueError) as err:
        raise ModelFileError(where, f"cannot save this model: {err}") from None
    _check_savable(model, where)
    arrays: dict[str, np.ndarray] = {"spec": np.array(text), "format": np.array(FORMAT_VERSION)}
    for i, leaf in enumerate(model.leaves()):
        for kind, store in (("param", leaf.params), ("buffer", leaf.buffers)):
            for name, value in store.items():
                host = np.asarray(to_numpy(value))
                if not np.isfinite(host).all():
                    raise ModelFileError(where, f"cannot save: the {kind} {name!r} of layer {i} "
                                                f"({type(leaf).__name__}) holds NaN or infinite values")
                arrays[f"L{i}.{kind}.{name}"] = host
        sharing = getattr(leaf, "sharing", None)
        if sharing is not None:
            arrays[f"L{i}.index"] = sharing.index
            if sharing.coef is not None:
                arrays[f"L{i}.coef"] = sharing.coef
    arrays["checksum"] = np.array(checksum(arrays))
    with atomic_open(path) as f:
        np.savez(f, **arrays)  # type: ignore[arg-type]  # numpy's stub: a name could be allow_pickle


# ----------------------------------------------------------------------------- loading
def _check_headers(headers: Mapping[str, ArrayHeader], where: str) -> None:
    """Every member is a known kind of array with a dtype that kind allows."""
    for name in ("format", "spec"):
        if name not in headers:
            raise ModelFileError(where, f"not a groupcore model file: no {name!r} array (it holds "
                                        f"{', '.join(map(repr, list(headers)[:8])) or 'no arrays'})")
    for name, h in headers.items():
        if name in ("spec", "checksum"):
            ok, want = h.dtype.kind == "U" and h.shape == (), "a single string"
        elif name == "format":
            ok, want = h.dtype.kind in "iu" and h.shape == (), "a single integer"
        else:
            found = _MEMBER.fullmatch(name)
            if found is None:
                raise ModelFileError(where, f"unexpected array {name!r}: not part of a groupcore model file")
            if found.group(4) == "index":
                ok, want = h.dtype.kind in "iu", "integers"
            else:
                ok, want = h.dtype.kind == "f" and h.dtype.itemsize in (4, 8), "float32 or float64"
        if not ok:
            raise ModelFileError(where, f"array {name!r} has dtype {h.dtype} and shape {h.shape}; it must hold {want}")


def _read_spec(npz: NpzReader, where: str) -> tuple[int, dict[str, Any], int]:
    """The format version, the parsed spec and its number of leaf layers."""
    version = int(npz.read("format"))
    if version not in _READABLE:
        raise ModelFileError(where, f"model file format {version}; this groupcore reads formats "
                                    f"{', '.join(map(str, _READABLE))} (a newer groupcore wrote it? upgrade)")
    if version >= 2 and "checksum" not in npz.headers:
        raise ModelFileError(where, "the 'checksum' array is missing: the file was damaged or edited")
    try:
        spec = parse_spec(str(npz.read("spec")))
        n_leaves = len(leaf_specs(spec))
        bound = memory_bound(spec)
    except SpecError as err:
        raise ModelFileError(where, f"bad model spec: {err}") from None
    for name in npz.headers:
        found = _MEMBER.fullmatch(name)
        if found is not None and int(found.group(1)) >= n_leaves:
            raise ModelFileError(where, f"array {name!r} belongs to layer {found.group(1)} but the spec has "
                                        f"{n_leaves} leaf layers")
    stored = sum(h.nbytes for h in npz.headers.values())
    if bound > _STORAGE_FACTOR * stored + _SLACK:
        i, kind, own = largest_leaf(spec)
        raise ModelFileError(where, f"the spec describes layers that need about {_human(bound)} (layer {i}, a "
                                    f"{kind}, about {_human(own)}) but the file stores {_human(stored)} of arrays: "
                                    f"the spec does not match the arrays")
    return version, spec, n_leaves


def _human(n: int) -> str:
    if n < 1024:
        return f"{n} bytes"
    size = float(n)
    for unit in ("KiB", "MiB", "GiB", "TiB"):
        size /= 1024
        if size < 1024:
            return f"{size:.3g} {unit}"
    return f"{size:.3g} TiB"


def _build(spec: dict[str, Any], n_leaves: int, where: str) -> Layer:
    registry = _registry()
    for i, leaf in enumerate(leaf_specs(spec)):
        if leaf["type"] not in registry:
            raise ModelFileError(where, f"layer {i} has the unknown type {leaf['type']!r}; known: "
                                        f"{', '.join(sorted(registry))} (classes of your own need "
                                        f"groupcore.nn.io.register_layer before loading)")
    try:
        model = layer_from_spec(spec)
    except SpecError as err:
        raise ModelFileError(where, f"bad model spec: {err}") from None
    if len(model.leaves()) != n_leaves:
        raise ModelFileError(where, f"the spec builds {len(model.leaves())} leaf layers, not the {n_leaves} it lists")
    return model


def _checked_values(value: np.ndarray, expected: tuple[int, ...], what: str, name: str, where: str) -> np.ndarray:
    if value.shape != expected:
        raise ModelFileError(where, f"{what} has shape {value.shape} but the layer its spec builds needs {expected}")
    value = value.astype(value.dtype.newbyteorder("="), copy=False)
    if not np.isfinite(value).all():
        bad = int(np.flatnonzero(~np.isfinite(value.ravel()))[0])
        raise ModelFileError(where, f"{what} holds {value.ravel()[bad]} at flat index {bad}: parameters and buffers "
                                    f"must be finite")
    rule = _BUFFER_RULES.get(name) if what.startswith("buffer") else None
    if rule is not None and not rule[0](value).all():
        raise ModelFileError(where, f"{what} must be {rule[1]}; it holds {value.min()}")
    return value


def _fill(model: Layer, arrays: dict[str, np.ndarray], where: str) -> None:
    """Put the stored parameters and buffers into the rebuilt layers, checking each array."""
    used = {"format", "spec", "checksum"}
    for i, leaf in enumerate(model.leaves()):
        label = f"layer {i} ({type(leaf).__name__})"
        for kind, store in (("param", leaf.params), ("buffer", leaf.buffers)):
            for name in list(store):
                key = f"L{i}.{kind}.{name}"
                if key not in arrays:
                    raise ModelFileError(where, f"the array {key!r} of {label} is missing")
                store[name] = _checked_values(arrays[key], tuple(store[name].shape), f"{kind} {key!r} of {label}",
                                              name, where)
                used.add(key)
        sharing = getattr(leaf, "sharing", None)
        if sharing is None:
            continue
        for key, rebuilt in ((f"L{i}.index", sharing.index), (f"L{i}.coef", sharing.coef)):
            if rebuilt is None:
                continue
            if key not in arrays:
                raise ModelFileError(where, f"the weight-sharing array {key!r} of {label} is missing; it is needed "
                                            f"to check the group's action the spec describes")
            stored = arrays[key]
            same = stored.shape == rebuilt.shape and (np.array_equal(stored, rebuilt) if key.endswith("index")
                                                      else np.allclose(stored, rebuilt, rtol=1e-9, atol=1e-12))
            if not same:
                raise ModelFileError(where, f"the stored {key.split('.')[-1]} of {label} differs from the one its "
                                            f"spec builds: the spec (its group, geometry or sizes) or the array was "
                                            f"changed")
            used.add(key)
    unused = sorted(set(arrays) - used)
    if unused:
        raise ModelFileError(where, f"unexpected array(s) {', '.join(map(repr, unused[:5]))}: not part of the model "
                                    f"the spec describes")


def _backend(backend: Any) -> Any:
    if isinstance(backend, str):
        from .. import backends
        return backends.get(backend)
    return backend


def load(path: str | os.PathLike[str], backend: Any = None, dtype: str | None = None) -> Layer:
    """Read a model written by :func:`save`, onto ``backend`` (a name or backend; default NumPy), optionally cast.

    Raises
    ------
    ModelFileError
        Anything wrong with the file: not an ``.npz`` archive, damaged, a checksum that does
        not match, a spec that is malformed, names an unknown layer or does not match the
        arrays, a dtype other than float32/float64, a non-finite value, an invalid buffer, or an
        index tensor that is missing or differs from the one the spec builds.
    OSError
        The file cannot be opened.
    ValueError
        ``dtype`` is not ``None``, ``"float32"`` or ``"float64"``.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.NamedTemporaryFile(suffix=".npz") as f:
    ...     try:
    ...         load(f.name)
    ...     except ModelFileError as err:
    ...         print(err.problem)
    not a readable .npz archive: the file is empty
    """
    if dtype not in (None, "float32", "float64"):
        raise ValueError(f"dtype must be None, 'float32' or 'float64'; got {dtype!r}")
    be = _backend(backend)
    where = os.fspath(path)
    try:
        with NpzReader(path) as npz:
            _check_headers(npz.headers, where)
            _, spec, n_leaves = _read_spec(npz, where)
            arrays = {name: npz.read(name) for name in npz.headers}
    except NpzFormatError as err:
        raise ModelFileError(where, err.problem) from None
    if "checksum" in arrays and str(arrays["checksum"]) != checksum(arrays):
        raise ModelFileError(where, "the checksum does not match the arrays: the file was damaged or edited "
                                    "after it was written")
    model = _build(spec, n_leaves, where)
    _fill(model, arrays, where)
    return model.to(be, dtype)

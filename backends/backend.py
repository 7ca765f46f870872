"""Backend objects: an array-API namespace plus a device, and explicit host <-> device moves.

Structure (groups, index tensors) is built on the host with NumPy and moved once with
:meth:`Backend.asarray`; parameters and activations live on the backend. Every move is explicit:
``asarray`` (host -> backend), :func:`to_numpy` (backend -> host) and :func:`to` (a whole tree).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import array_api_compat
import numpy as np

from ._cupy import load_cupy
from .errors import BackendUnavailable

__all__ = ["Backend", "BACKEND_NAMES", "get", "available", "to", "to_numpy", "namespace_of"]

#: Every backend name :func:`get` knows, in the order :func:`available` lists them.
BACKEND_NAMES: tuple[str, ...] = ("numpy", "array_api_strict", "cupy")

_FLOAT_NAMES = ("float32", "float64")
_DTYPE_NAMES = _FLOAT_NAMES + ("int32", "int64", "bool")


@dataclass(frozen=True)
class Backend:
    """An array backend: its array-API namespace ``xp`` and the device arrays are placed on.

    Attributes
    ----------
    name : str
        ``"numpy"``, ``"cupy"`` or ``"array_api_strict"``.
    xp : module
        The array-API namespace (``array_api_compat.numpy``/``.cupy``, or ``array_api_strict``).
    device : object
        The device new arrays are created on (``"cpu"``, a CuPy device, or
        ``array_api_strict.Device("device1")``).

    Examples
    --------
    >>> import numpy as np
    >>> be = get("numpy")
    >>> x = be.asarray([1, 2, 3], dtype="float32")
    >>> be.name, str(x.dtype), be.to_numpy(x).tolist()
    ('numpy', 'float32', [1.0, 2.0, 3.0])
    """

    name: str
    xp: ModuleType
    device: Any

    def float_dtype(self, name: str) -> Any:
        """The backend's floating dtype for ``"float32"`` or ``"float64"``.

        Examples
        --------
        >>> be = get("numpy")
        >>> be.zeros(2, be.float_dtype("float64")).dtype
        dtype('float64')
        """
        if name not in _FLOAT_NAMES:
            raise ValueError(f"float dtype must be one of {_FLOAT_NAMES}, got {name!r}")
        return getattr(self.xp, name)

    def dtype(self, dtype: Any) -> Any:
        """Resolve a dtype given by name (``"float32"``, ``"int64"``, ...) or as a dtype object.

        Examples
        --------
        >>> get("numpy").asarray([1.0, 2.0], dtype="int64").dtype
        dtype('int64')
        """
        if isinstance(dtype, str):
            if dtype not in _DTYPE_NAMES:
                raise ValueError(f"dtype name must be one of {_DTYPE_NAMES}, got {dtype!r}")
            return getattr(self.xp, dtype)
        return dtype

    def asarray(self, x: Any, dtype: Any = None) -> Any:
        """Copy host data (or another backend's array) onto this backend, explicitly.

        An array already on this backend and device is returned as is (cast if ``dtype`` asks).

        Examples
        --------
        >>> get("numpy").asarray(np.arange(3), dtype="float64").tolist()
        [0.0, 1.0, 2.0]
        """
        dtype = None if dtype is None else self.dtype(dtype)
        if self.owns(x):
            if dtype is None or x.dtype == dtype:
                return x
        else:
            x = to_numpy(x)
        return self.xp.asarray(x, dtype=dtype, device=self.device)

    def owns(self, x: Any) -> bool:
        """Whether ``x`` is an array of this backend on its device.

        Examples
        --------
        >>> be = get("numpy")
        >>> be.owns(np.zeros(2)), be.owns([0.0, 0.0])
        (True, False)
        """
        if not array_api_compat.is_array_api_obj(x):
            return False
        try:
            xp = array_api_compat.array_namespace(x)
        except TypeError:
            return False
        return xp is self.xp and array_api_compat.device(x) == self.device

    def to_numpy(self, x: Any) -> np.ndarray:
        """Copy an array of this backend to a NumPy array on the host, explicitly.

        Examples
        --------
        >>> get("numpy").to_numpy(np.ones(2)).tolist()
        [1.0, 1.0]
        """
        return to_numpy(x)

    def zeros(self, shape: int | tuple[int, ...], dtype: Any) -> Any:
        """A zero array on this backend's device; ``dtype`` by name or dtype object.

        Examples
        --------
        >>> get("numpy").zeros((2, 3), "float32").shape
        (2, 3)
        """
        return self.xp.zeros(shape, dtype=self.dtype(dtype), device=self.device)

    def __repr__(self) -> str:
        return f"Backend({self.name!r}, device={self.device!r})"


def _numpy() -> Backend:
    return Backend("numpy", array_api_compat.array_namespace(np.empty(0)), "cpu")


def _array_api_strict() -> Backend:
    try:
        xp = importlib.import_module("array_api_strict")
    except ImportError as err:
        raise BackendUnavailable(
            "array_api_strict", "not installed",
            f"`import array_api_strict` failed ({err}); `pip install 'groupcore[test]'` "
            f"(array-api-strict) installs it") from err
    return Backend("array_api_strict", xp, xp.Device("device1"))


def _cupy() -> Backend:
    cupy = load_cupy()
    return Backend("cupy", array_api_compat.array_namespace(cupy.empty(0)), cupy.cuda.Device())


_FACTORIES: dict[str, Callable[[], Backend]] = {
    "numpy": _numpy, "array_api_strict": _array_api_strict, "cupy": _cupy}
_CACHE: dict[str, Backend] = {}


def get(name: str) -> Backend:
    """The backend called ``name``: ``"numpy"``, ``"cupy"`` or ``"array_api_strict"``.

    ``"array_api_strict"`` is a testing backend: arrays on ``array_api_strict.Device("device1")``,
    which refuse implicit conversion to NumPy and mixing devices, as CuPy would.

    Raises
    ------
    ValueError
        For an unknown name.
    BackendUnavailable
        When the backend cannot run here, saying why and how to fix it.

    Examples
    --------
    >>> get("numpy").name
    'numpy'
    """
    if name not in _FACTORIES:
        raise ValueError(f"unknown backend {name!r}; choose one of {BACKEND_NAMES}")
    if name not in _CACHE:
        _CACHE[name] = _FACTORIES[name]()
    return _CACHE[name]


def available() -> list[str]:
    """Names of the backends usable now (CuPy only where a real kernel ran).

    Examples
    --------
    >>> "numpy" in available()
    True
    """
    names = []
    for name in BACKEND_NAMES:
        try:
            get(name)
        except BackendUnavailable:
            continue
        names.append(name)
    return names


def namespace_of(*arrays: Any) -> ModuleType:
    """The array-API namespace of ``arrays`` (``array_api_compat.array_namespace``).

    Examples
    --------
    >>> namespace_of(np.zeros(2)).__name__
    'array_api_compat.numpy'
    """
    return array_api_compat.array_namespace(*arrays)


def to_numpy(x: Any) -> np.ndarray:
    """Copy an array of any backend (or a scalar or nested list) to a NumPy array, explicitly.

    Examples
    --------
    >>> import array_api_strict as xps
    >>> y = xps.asarray([1.5, 2.5], device=xps.Device("device1"))
    >>> to_numpy(y).tolist()
    [1.5, 2.5]
    """
    if isinstance(x, np.ndarray):
        return x
    if array_api_compat.is_cupy_array(x):
        return x.get()
    xp = _namespace_or_none(x)
    if xp is not None and array_api_compat.is_array_api_strict_namespace(xp):
        return np.asarray(x.to_device(xp.Device("CPU_DEVICE")))
    return np.asarray(x)


def _namespace_or_none(x: Any) -> ModuleType | None:
    if not array_api_compat.is_array_api_obj(x):
        return None
    try:
        return array_api_compat.array_namespace(x)
    except TypeError:
        return None


def to(tree: Any, backend: Backend | str) -> Any:
    """Move every array in a nested dict/list/tuple onto ``backend``; other leaves are kept.

    Arrays already on the backend are not copied.

    Examples
    --------
    >>> params = {"theta": np.ones(3), "layers": [np.zeros(2), "relu"], "epochs": 3}
    >>> moved = to(params, "array_api_strict")
    >>> str(moved["theta"].device), moved["layers"][1], moved["epochs"]
    ("array_api_strict.Device('device1')", 'relu', 3)
    """
    be = get(backend) if isinstance(backend, str) else backend
    if isinstance(tree, dict):
        return type(tree)((k, to(v, be)) for k, v in tree.items())
    if isinstance(tree, tuple) and hasattr(tree, "_fields"):
        return type(tree)(*(to(v, be) for v in tree))
    if isinstance(tree, (list, tuple)):
        return type(tree)(to(v, be) for v in tree)
    if array_api_compat.is_array_api_obj(tree):
        return be.asarray(tree)
    return tree

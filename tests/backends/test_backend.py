"""Backend objects, explicit moves between host and backend, and availability."""

from __future__ import annotations

import subprocess
import sys
from typing import NamedTuple

import numpy as np
import pytest

from groupcore import backends
from groupcore.backends import BackendUnavailable, available, get, namespace_of, to, to_numpy


class Pair(NamedTuple):
    weight: object
    note: object


def tree() -> dict:
    return {"theta": np.arange(3.0), "layers": [np.ones((2, 2), np.float32), ("relu", 3, np.arange(4))],
            "pair": Pair(np.zeros(1), None), "scale": np.float64(0.5)}


def test_to_moves_every_array_and_keeps_the_structure(backend, checks):
    moved = to(tree(), backend)
    assert isinstance(moved["pair"], Pair) and moved["pair"].note is None
    assert moved["layers"][1][:2] == ("relu", 3) and isinstance(moved["layers"][1], tuple)
    leaves = [moved["theta"], moved["layers"][0], moved["layers"][1][2], moved["pair"].weight, moved["scale"]]
    checks.on_backend(backend, *leaves)
    assert [a.dtype for a in leaves] == [backend.dtype(n) for n in
                                         ("float64", "float32", "int64", "float64", "float64")]
    back = to(moved, "numpy")
    np.testing.assert_array_equal(back["theta"], np.arange(3.0))
    np.testing.assert_array_equal(back["pair"].weight, np.zeros(1))
    assert isinstance(back["layers"][1][2], np.ndarray) and back["scale"] == 0.5
    np.testing.assert_array_equal(to_numpy(moved["layers"][0]), np.ones((2, 2), np.float32))
    assert to(moved, backend)["theta"] is moved["theta"]


def test_asarray_and_to_numpy_round_trip(backend):
    host = np.arange(12.0).reshape(3, 4)
    x = backend.asarray(host, dtype="float32")
    assert x.dtype == backend.float_dtype("float32") and backend.owns(x)
    back = backend.to_numpy(x)
    assert isinstance(back, np.ndarray) and back.dtype == np.float32
    np.testing.assert_array_equal(back, host)
    assert backend.asarray(x) is x
    assert backend.owns(backend.asarray([1, 2, 3])) and not backend.owns([1, 2, 3])
    z = backend.zeros((2, 3), "float64")
    assert backend.owns(z) and z.shape == (2, 3) and namespace_of(z) is backend.xp


def test_strict_backend_refuses_implicit_conversion_to_numpy():
    x = get("array_api_strict").asarray(np.ones(3))
    with pytest.raises(RuntimeError, match="Can't convert array on"):
        np.asarray(x)
    np.testing.assert_array_equal(to_numpy(x), np.ones(3))


def test_get_returns_the_same_backend_and_lists_available_ones():
    assert get("numpy") is get("numpy")
    assert available()[:2] == ["numpy", "array_api_strict"]
    assert set(available()) <= set(backends.BACKEND_NAMES)


@pytest.mark.parametrize("call, match", [
    (lambda: get("torch"), r"unknown backend 'torch'; choose one of \('numpy'"),
    (lambda: get("numpy").float_dtype("float16"), r"float dtype must be one of \('float32', 'float64'\)"),
    (lambda: get("numpy").zeros(2, "complex64"), "dtype name must be one of"),
])
def test_invalid_names_are_refused(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_cupy_runs_a_kernel_or_says_why():
    try:
        be = get("cupy")
    except BackendUnavailable as err:
        assert err.backend == "cupy"
        assert err.reason in {"not installed", "no CUDA driver", "no device", "NVRTC missing", "kernel failed"}
        assert "cupy" not in available()
    else:
        assert int(be.to_numpy(be.xp.sum(be.asarray([1, 2, 3])))) == 6
        assert "cupy" in available()


def test_missing_array_api_strict_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "array_api_strict", None)
    monkeypatch.delitem(backends.backend._CACHE, "array_api_strict", raising=False)
    with pytest.raises(BackendUnavailable, match=r"array-api-strict"):
        get("array_api_strict")
    assert "array_api_strict" not in available()


def test_importing_backends_does_not_import_cupy():
    code = "import sys, groupcore.backends, groupcore.backends.kernels; print('cupy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"

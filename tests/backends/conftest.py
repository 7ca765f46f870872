"""Fixtures of the backend tests: placement checks, finite differences, dtype tolerances."""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

from groupcore.backends import Backend, namespace_of

#: relative tolerance of a float32 kernel against the float64 reference
F32_RTOL = 2e-5


def on_backend(backend: Backend, *arrays: Any) -> None:
    """Fail unless every array belongs to ``backend``'s namespace and device (no silent fall-back)."""
    for a in arrays:
        assert namespace_of(a) is backend.xp, f"result in {namespace_of(a).__name__}, not {backend.name}"
        assert backend.owns(a), f"result on {getattr(a, 'device', None)!r}, not {backend.device!r}"


def rel_err(a: Any, b: Any) -> float:
    """``max|a - b| / max|b|`` on the host (``b`` nonzero)."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return float(np.abs(a - b).max() / np.abs(b).max())


def fd_grad(f: Callable[[np.ndarray], float], x: np.ndarray, h: float = 1e-6) -> np.ndarray:
    """Central finite-difference gradient of a scalar function of a float64 array."""
    g = np.empty_like(x)
    flat, gflat = x.reshape(-1), g.reshape(-1)
    for i in range(flat.size):
        keep = flat[i]
        flat[i] = keep + h
        up = f(x)
        flat[i] = keep - h
        down = f(x)
        flat[i] = keep
        gflat[i] = (up - down) / (2 * h)
    return g


@pytest.fixture
def rng() -> np.random.Generator:
    """A seeded generator, fresh for every test."""
    return np.random.default_rng(1234)


@pytest.fixture
def checks() -> SimpleNamespace:
    """``on_backend``, ``rel_err``, ``fd_grad`` and ``F32_RTOL`` for the kernel tests."""
    return SimpleNamespace(on_backend=on_backend, rel_err=rel_err, fd_grad=fd_grad, F32_RTOL=F32_RTOL)

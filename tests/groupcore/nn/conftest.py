"""Helpers for the lifted-network tests: finite-difference gradient checks and group actions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import groupcore as gc
from groupcore import nn

EXACT = {"C4": lambda: gc.cyclic(4), "D4": lambda: gc.dihedral(4)}


@pytest.fixture(params=list(EXACT), ids=list(EXACT))
def exact_group(request: pytest.FixtureRequest) -> gc.Group:
    """C4 and D4, the exact rotation groups of a square grid."""
    return EXACT[request.param]()


@pytest.fixture(params=list(nn.FRAMES))
def frame(request: pytest.FixtureRequest) -> str:
    """Both frames."""
    return request.param


class Trivial:
    """The trivial action of a group (for invariant outputs)."""

    def __init__(self, group: gc.Group) -> None:
        self.group = group

    def apply(self, g: int, x: Any, axis: int | None = None) -> Any:
        return x


class JointAction:
    """G acting on joint logits ``(B, |G|·C)`` by permuting the pose blocks regularly."""

    def __init__(self, group: gc.Group, num_classes: int) -> None:
        self.group, self.C = group, num_classes

    def apply(self, g: int, y: Any, axis: int | None = None) -> Any:
        B = y.shape[0]
        blocks = y.reshape(B, self.group.order, self.C)
        return gc.regular_act(self.group, g, blocks, axis=1).reshape(B, -1)


@pytest.fixture
def trivial() -> type[Trivial]:
    return Trivial


@pytest.fixture
def joint_action() -> type[JointAction]:
    return JointAction


def _sample(shape: tuple[int, ...], k: int, rng: np.random.Generator) -> np.ndarray:
    size = int(np.prod(shape))
    return rng.choice(size, size=min(k, size), replace=False)


def finite_difference_error(layer: nn.Layer, x: np.ndarray, *, samples: int = 12, eps: float = 1e-6,
                            seed: int = 0, before: Callable[[], None] | None = None) -> float:
    """Worst relative error of ``backward`` against central differences (float64).

    The loss is ``sum(r · layer(x))`` for a fixed random ``r``; a sample of the coordinates of
    the input and of every parameter is perturbed. ``before`` runs before every forward (e.g.
    to reset a dropout generator).
    """
    rng = np.random.default_rng(seed)
    before = before or (lambda: None)
    before()
    y = layer.forward(x)
    r = rng.standard_normal(y.shape)
    gx = layer.backward(r)

    def loss() -> float:
        before()
        return float(np.sum(r * layer.forward(x)))

    worst = 0.0
    targets = [("x", x, gx)] + [(f"{id(leaf)}.{k}", leaf.params[k], leaf.grads[k])
                                for leaf in layer.leaves() for k in leaf.params]
    for _, arr, grad in targets:
        flat, gflat = arr.reshape(-1), np.asarray(grad).reshape(-1)
        for i in _sample(arr.shape, samples, rng):
            old = flat[i]
            flat[i] = old + eps
            up = loss()
            flat[i] = old - eps
            down = loss()
            flat[i] = old
            num = (up - down) / (2 * eps)
            scale = max(abs(num), abs(gflat[i]), 1e-3)
            worst = max(worst, abs(num - gflat[i]) / scale)
    return worst


@pytest.fixture
def fd_error() -> Callable[..., float]:
    """:func:`finite_difference_error`."""
    return finite_difference_error

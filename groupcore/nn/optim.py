"""Optimizers: SGD with momentum and Adam, both with (L2) weight decay.

``step(model)`` updates every parameter of every leaf layer from its gradient, on the backend
the parameters live on (no host transfer). Weight decay adds ``weight_decay·θ`` to the gradient.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

from ..namespace import namespace
from .layer import Layer

__all__ = ["Optimizer", "SGD", "Adam", "hyperparameter"]


def hyperparameter(value: Any, name: str, low: float, high: float, *, low_open: bool = False,
                   high_open: bool = False) -> float:
    """``value`` as a float if it is a finite real number in the interval; else an error naming it.

    ``TypeError`` for something that is not a real number (a string, a bool), ``ValueError`` for
    NaN, an infinity or a number outside the interval.

    Examples
    --------
    >>> hyperparameter(0.9, "momentum", 0.0, 1.0, high_open=True)
    0.9
    >>> hyperparameter(float("inf"), "lr", 0.0, math.inf, low_open=True)
    Traceback (most recent call last):
    ...
    ValueError: lr must be a finite number > 0; got inf
    """
    bounds = [f"{'>' if low_open else '>='} {low:g}"] if low > -math.inf else []
    bounds += [f"{'<' if high_open else '<='} {high:g}"] if high < math.inf else []
    want = f"{name} must be a finite number {' and '.join(bounds)}"
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{want}; got {value!r} ({type(value).__name__})")
    v = float(value)
    if not math.isfinite(v) or v < low or v > high or (low_open and v == low) or (high_open and v == high):
        raise ValueError(f"{want}; got {value!r}")
    return v


class Optimizer:
    """Base class: walks the model's parameters and calls ``_update`` for each.

    Examples
    --------
    >>> import numpy as np
    >>> from groupcore import nn
    >>> d = nn.Dense(2, 1, seed=0)
    >>> _ = d(np.ones((1, 2), np.float32)); _ = d.backward(np.ones((1, 1), np.float32))
    >>> before = d.params["bias"].copy()
    >>> SGD(lr=0.5).step(d)
    >>> (before - d.params["bias"]).tolist()
    [0.5]
    """

    def __init__(self, lr: float, weight_decay: float = 0.0) -> None:
        self.lr = hyperparameter(lr, "lr", 0.0, math.inf, low_open=True)
        self.weight_decay = hyperparameter(weight_decay, "weight_decay", 0.0, math.inf)
        self.state: dict[tuple[int, str], Any] = {}
        self.steps = 0

    def step(self, model: Layer) -> None:
        """Update the parameters of ``model`` (a layer or a ``Sequential``) in one step."""
        if not isinstance(model, Layer):
            raise TypeError(f"step takes a groupcore.nn.Layer; got {type(model).__name__}")
        self.steps += 1
        for layer in model.leaves():
            for name, p in layer.params.items():
                if name not in layer.grads:
                    raise RuntimeError(f"{type(layer).__name__}.{name} has no gradient: run backward first")
                g = layer.grads[name]
                if self.weight_decay:
                    g = g + self.weight_decay * p
                layer.params[name] = self._update((id(layer), name), p, g)

    def _update(self, key: tuple[int, str], p: Any, g: Any) -> Any:
        raise NotImplementedError


class SGD(Optimizer):
    """Stochastic gradient descent with (heavy-ball or Nesterov) momentum.

    Examples
    --------
    >>> SGD(lr=0.1, momentum=0.9).momentum
    0.9
    """

    def __init__(self, lr: float = 0.01, momentum: float = 0.0, weight_decay: float = 0.0,
                 nesterov: bool = False) -> None:
        super().__init__(lr, weight_decay)
        self.momentum = hyperparameter(momentum, "momentum", 0.0, 1.0, high_open=True)
        if not isinstance(nesterov, bool):
            raise TypeError(f"nesterov must be True or False; got {nesterov!r}")
        if nesterov and not self.momentum:
            raise ValueError("nesterov=True needs momentum > 0 (Nesterov momentum without momentum is plain SGD)")
        self.nesterov = nesterov

    def _update(self, key: tuple[int, str], p: Any, g: Any) -> Any:
        if self.momentum:
            v = self.state.get(key)
            v = g if v is None else self.momentum * v + g
            self.state[key] = v
            g = g + self.momentum * v if self.nesterov else v
        return p - self.lr * g


class Adam(Optimizer):
    """Adam (Kingma & Ba) with bias correction.

    Examples
    --------
    >>> Adam(lr=1e-3).betas
    (0.9, 0.999)
    """

    def __init__(self, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0) -> None:
        super().__init__(lr, weight_decay)
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise ValueError(f"betas must be a pair (beta1, beta2); got {betas!r}")
        self.betas = (hyperparameter(betas[0], "betas[0]", 0.0, 1.0, high_open=True),
                      hyperparameter(betas[1], "betas[1]", 0.0, 1.0, high_open=True))
        self.eps = hyperparameter(eps, "eps", 0.0, math.inf, low_open=True)

    def _update(self, key: tuple[int, str], p: Any, g: Any) -> Any:
        b1, b2 = self.betas
        m, v = self.state.get(key, (0.0, 0.0))
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * (g * g)
        self.state[key] = (m, v)
        step = self.lr * math.sqrt(1 - b2 ** self.steps) / (1 - b1 ** self.steps)
        xp = namespace(p)
        return p - step * m / (xp.sqrt(v) + self.eps)

"""Optimizers: SGD with momentum and Adam, both with (L2) weight decay.

``step(model)`` updates every parameter of every leaf layer from its gradient, on the backend
the parameters live on (no host transfer). Weight decay adds ``weight_decay·θ`` to the gradient.
"""

from __future__ import annotations

import math
from typing import Any

from .layer import Layer

__all__ = ["Optimizer", "SGD", "Adam"]


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
        if not lr > 0 or weight_decay < 0:
            raise ValueError(f"need lr > 0 and weight_decay >= 0; got lr={lr}, weight_decay={weight_decay}")
        self.lr, self.weight_decay = float(lr), float(weight_decay)
        self.state: dict[tuple[int, str], Any] = {}
        self.steps = 0

    def step(self, model: Layer) -> None:
        """Update the parameters of ``model`` (a layer or a ``Sequential``) in one step."""
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
        if not 0 <= momentum < 1:
            raise ValueError(f"momentum must be in [0, 1); got {momentum}")
        self.momentum, self.nesterov = float(momentum), bool(nesterov)

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
        if not (0 <= betas[0] < 1 and 0 <= betas[1] < 1) or not eps > 0:
            raise ValueError(f"need betas in [0, 1) and eps > 0; got betas={betas}, eps={eps}")
        self.betas, self.eps = (float(betas[0]), float(betas[1])), float(eps)

    def _update(self, key: tuple[int, str], p: Any, g: Any) -> Any:
        b1, b2 = self.betas
        m, v = self.state.get(key, (0.0, 0.0))
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * (g * g)
        self.state[key] = (m, v)
        step = self.lr * math.sqrt(1 - b2 ** self.steps) / (1 - b1 ** self.steps)
        xp = p.__array_namespace__()
        return p - step * m / (xp.sqrt(v) + self.eps)

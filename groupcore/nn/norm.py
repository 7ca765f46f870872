"""``GroupBatchNorm``: batch normalisation with statistics shared over G (and space).

Statistics of channel c are taken over every axis but the channel axis — batch, G and space —
so a G-action (which permutes the G axis and rotates space) leaves them unchanged and the layer
stays equivariant. It has the un-lifted batch norm's ``2·C`` parameters (γ, β per channel).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .conv import check_int
from .layer import Layer

__all__ = ["GroupBatchNorm"]


class GroupBatchNorm(Layer):
    """Normalise each channel over batch, G and space; running statistics for inference.

    Parameters
    ----------
    num_channels : int
    eps : float
    momentum : float
        Weight of the current batch in the running mean and (unbiased) variance.

    Examples
    --------
    >>> bn = GroupBatchNorm(2)
    >>> y = bn(np.random.default_rng(0).random((4, 2, 8, 3, 3)))
    >>> bool(abs(float(y[:, 0].mean())) < 1e-12), bn.num_params
    (True, 4)
    """

    def __init__(self, num_channels: int, *, eps: float = 1e-5, momentum: float = 0.1) -> None:
        super().__init__()
        check_int(num_channels=num_channels)
        if not eps > 0 or not 0 <= momentum <= 1:
            raise ValueError(f"need eps > 0 and 0 <= momentum <= 1; got eps={eps}, momentum={momentum}")
        self.num_channels, self.eps, self.momentum = int(num_channels), float(eps), float(momentum)
        self.params["weight"] = np.ones(self.num_channels, np.float32)
        self.params["bias"] = np.zeros(self.num_channels, np.float32)
        self.buffers["running_mean"] = np.zeros(self.num_channels, np.float32)
        self.buffers["running_var"] = np.ones(self.num_channels, np.float32)

    def config(self) -> dict[str, Any]:
        return {"num_channels": self.num_channels, "eps": self.eps, "momentum": self.momentum}

    def propagate(self, action: Any) -> Any:
        """Statistics shared over every axis but the channels: any action on the other axes is kept."""
        return action

    @property
    def per_sample(self) -> bool:
        """Batch statistics couple the samples while training."""
        return not self.training

    def _bcast(self, v: Any, ndim: int) -> Any:
        return self.xp.reshape(v, (1, -1) + (1,) * (ndim - 2))

    def forward(self, x: Any) -> Any:
        if x.ndim < 2 or x.shape[1] != self.num_channels:
            raise ValueError(f"GroupBatchNorm expects (B, {self.num_channels}, ...); got shape {tuple(x.shape)}")
        xp = self.xp
        axes = (0,) + tuple(range(2, x.ndim))
        if self.training:
            mean = xp.mean(x, axis=axes)
            var = xp.var(x, axis=axes)
            m = x.size // self.num_channels
            mom = self.momentum
            self.buffers["running_mean"] = (1 - mom) * self.buffers["running_mean"] + mom * mean
            self.buffers["running_var"] = ((1 - mom) * self.buffers["running_var"]
                                           + mom * var * (m / max(m - 1, 1)))
        else:
            mean, var = self.buffers["running_mean"], self.buffers["running_var"]
        self._inv = 1.0 / xp.sqrt(self._bcast(var, x.ndim) + self.eps)
        self._xhat = (x - self._bcast(mean, x.ndim)) * self._inv
        self._axes = axes
        return self._xhat * self._bcast(self.params["weight"], x.ndim) + self._bcast(self.params["bias"], x.ndim)

    def backward(self, gy: Any) -> Any:
        xp, axes, xhat = self.xp, self._axes, self._xhat
        self.grads["weight"] = xp.sum(gy * xhat, axis=axes)
        self.grads["bias"] = xp.sum(gy, axis=axes)
        g = gy * self._bcast(self.params["weight"], gy.ndim)
        if not self.training:
            return g * self._inv
        m = gy.size // self.num_channels
        mean_g = self._bcast(xp.sum(g, axis=axes) / m, gy.ndim)
        mean_gx = self._bcast(xp.sum(g * xhat, axis=axes) / m, gy.ndim)
        return (g - mean_g - xhat * mean_gx) * self._inv

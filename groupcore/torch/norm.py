"""``GroupBatchNorm`` in PyTorch: batch normalisation with statistics over batch, G and space.

``torch.nn.functional.batch_norm`` on the ``(B, C, -1)`` view takes each channel's statistics
over every other axis, as the NumPy layer does, and updates the running mean and the unbiased
running variance with the same momentum.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F

from .functional import to_tensor

__all__ = ["GroupBatchNorm"]


class GroupBatchNorm(torch.nn.Module):
    """Normalise each channel over batch, G and space (``weight``, ``bias``, running statistics).

    Parameters
    ----------
    layer : groupcore.nn.GroupBatchNorm
        Its parameters, buffers, ``eps`` and ``momentum`` are copied.

    Examples
    --------
    >>> from groupcore import nn
    >>> bn = GroupBatchNorm(nn.GroupBatchNorm(2))
    >>> y = bn(torch.randn(4, 2, 8, 3, 3)).detach()
    >>> bool(abs(float(y[:, 0].mean())) < 1e-6), sorted(bn.state_dict())
    (True, ['bias', 'running_mean', 'running_var', 'weight'])
    """

    running_mean: torch.Tensor
    running_var: torch.Tensor

    def __init__(self, layer: Any) -> None:
        super().__init__()
        self.eps, self.momentum = layer.eps, layer.momentum
        self.weight = torch.nn.Parameter(to_tensor(layer.params["weight"]))
        self.bias = torch.nn.Parameter(to_tensor(layer.params["bias"]))
        self.register_buffer("running_mean", to_tensor(layer.buffers["running_mean"]))
        self.register_buffer("running_var", to_tensor(layer.buffers["running_var"]))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = F.batch_norm(x.reshape(x.shape[0], x.shape[1], -1), self.running_mean, self.running_var, self.weight,
                         self.bias, self.training, self.momentum, self.eps)
        return y.reshape(x.shape)

    def extra_repr(self) -> str:
        return f"{self.weight.shape[0]}, eps={self.eps}, momentum={self.momentum}"

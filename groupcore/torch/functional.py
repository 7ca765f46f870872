"""The three operations the torch layers are made of: expand θ, gather along an axis, convolve.

- :func:`expand`: ``W = θ[index]``, or ``W = Σ_k coef[..., k]·θ[index[..., k]]`` for interpolated
  rotations, as one ``index_select`` (its gradient is the scatter-add of NumPy's backward);
- :func:`gather`: ``out[..., q] = Σ_k coef[q, k]·x[..., idx[q, k]]`` along the last axis (the
  sparse gathers of :mod:`groupcore.nn.transform`, e.g. moving lifted copies back);
- :func:`conv`: ``torch.nn.functional.conv1d/2d/3d``, picked by the filters' number of axes.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

__all__ = ["expand", "gather", "conv", "to_tensor"]

_CONV = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}


def expand(theta: torch.Tensor, index: torch.Tensor, coef: torch.Tensor | None = None) -> torch.Tensor:
    """The expanded weight ``θ[index]`` (shape of ``index``), or ``Σ_k coef·θ[index]`` (without the K axis).

    Examples
    --------
    >>> theta = torch.tensor([1.0, 2.0])
    >>> expand(theta, torch.tensor([[0, 1], [1, 0]])).tolist()
    [[1.0, 2.0], [2.0, 1.0]]
    >>> expand(theta, torch.tensor([[0, 1]]), torch.tensor([[0.5, 0.25]])).tolist()
    [1.0]
    """
    w = theta.index_select(0, index.reshape(-1)).reshape(index.shape)
    return w if coef is None else (w * coef).sum(-1)


def gather(x: torch.Tensor, idx: torch.Tensor, coef: torch.Tensor | None = None) -> torch.Tensor:
    """``out[..., q] = Σ_k coef[q, k]·x[..., idx[q, k]]`` along the last axis (``idx`` of shape ``(Q,)``: a take).

    Examples
    --------
    >>> x = torch.tensor([[10.0, 20.0, 30.0]])
    >>> gather(x, torch.tensor([2, 0, 1])).tolist()
    [[30.0, 10.0, 20.0]]
    >>> gather(x, torch.tensor([[0, 1]]), torch.tensor([[0.5, 0.5]])).tolist()
    [[15.0]]
    """
    if idx.ndim == 1:
        return x.index_select(-1, idx)
    y = x.index_select(-1, idx.reshape(-1)).reshape(tuple(x.shape[:-1]) + tuple(idx.shape))
    return y.sum(-1) if coef is None else (y * coef).sum(-1)


def conv(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None, padding: int) -> torch.Tensor:
    """Cross-correlation (stride 1) with ``weight`` of shape ``(O, C, *kernel)``, 1, 2 or 3 kernel axes.

    Examples
    --------
    >>> conv(torch.ones(1, 1, 5), torch.ones(2, 1, 3), None, 1).shape
    torch.Size([1, 2, 5])
    """
    return _CONV[weight.ndim - 2](x, weight, bias, padding=padding)


def to_tensor(array: Any) -> torch.Tensor:
    """A host array as a CPU tensor of the same dtype, owning its memory (read-only arrays are copied).

    Examples
    --------
    >>> import numpy as np
    >>> to_tensor(np.arange(3)).dtype
    torch.int64
    """
    return torch.from_numpy(np.array(array, copy=True))

"""Reshaping layers in PyTorch: ``Flatten`` (with ``keep_group``) and the joint (class, pose) read-out."""

from __future__ import annotations

import torch

from ..nn.shape import check_single_point

__all__ = ["Flatten", "JointReadout"]


class Flatten(torch.nn.Module):
    """``(B, ...) → (B, features)``; with ``keep_group``, ``(B, C, |G|, *S) → (B, C·prod(S), |G|)``.

    ``single_point`` (set by :func:`~groupcore.torch.to_torch` from the NumPy layer, as in the
    diagonal frame) refuses a grid of more than one point, on which flattening would break
    equivariance.

    Examples
    --------
    >>> Flatten()(torch.zeros(2, 3, 4, 5)).shape, Flatten(keep_group=True)(torch.zeros(2, 3, 4, 5, 5)).shape
    (torch.Size([2, 60]), torch.Size([2, 75, 4]))
    """

    def __init__(self, keep_group: bool = False, single_point: bool = False) -> None:
        super().__init__()
        self.keep_group, self.single_point = bool(keep_group), bool(single_point)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.keep_group:
            return x.reshape(x.shape[0], -1)
        if self.single_point:
            check_single_point(tuple(x.shape))
        return x.movedim(2, -1).reshape(x.shape[0], -1, x.shape[2])

    def extra_repr(self) -> str:
        return f"keep_group={self.keep_group}, single_point={self.single_point}"


class JointReadout(torch.nn.Module):
    """``(B, C, |G|) → (B, |G|·C)``: logit ``k·C + c`` is the score of class c at pose k.

    Examples
    --------
    >>> JointReadout()(torch.arange(6.0).reshape(1, 2, 3)).tolist()
    [[0.0, 3.0, 1.0, 4.0, 2.0, 5.0]]
    """

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.transpose(1, 2).reshape(x.shape[0], -1)

"""Containers in PyTorch: :class:`Sequential` (with the model's group actions) and :class:`Lift`.

:class:`Lift` is the black-box lift of :class:`groupcore.nn.LiftLayer`,
``F̂(x)(g) = ρ_out(g)·F̃(g⁻¹·x)``: the torch form of F̃ runs once on the ``|G|`` copies stacked
along the batch axis. The actions act on torch tensors directly (``action.apply``), so they must
be exact (permutations); interpolated rotations are resampled on the host and are refused.
"""

from __future__ import annotations

from typing import Any

import torch

from ..group import Group

__all__ = ["Sequential", "Lift"]


class Sequential(torch.nn.Sequential):
    """``torch.nn.Sequential`` that also says how the group acts on its input and output.

    ``in_action`` and ``out_action`` are those of the groupcore model it was made from (``None``
    for a model not built for a group), so ``groupcore.proofs.assert_equivariant(module, inputs)``
    checks it without being told the actions.

    Examples
    --------
    >>> import groupcore as gc
    >>> seq = Sequential(torch.nn.ReLU(), in_action=gc.GridAction(gc.cyclic(4)), out_action=None)
    >>> seq.in_action.group.order, seq(torch.tensor([-1.0, 2.0])).tolist()
    (4, [0.0, 2.0])
    """

    def __init__(self, *modules: torch.nn.Module, in_action: Any = None, out_action: Any = None) -> None:
        super().__init__(*modules)
        self.in_action, self.out_action = in_action, out_action


class Lift(torch.nn.Module):
    """``F̂(x)(g) = ρ_out(g)·F̃(g⁻¹·x)`` with the G axis at position 2 of the output.

    Parameters
    ----------
    f_tilde : torch.nn.Module
        The map being lifted.
    group : Group
    action : GroupAction
        How G acts on the input (exact).
    output_action : GroupAction, optional
        Applied to output copy g by g (``None``: the regular frame).

    Examples
    --------
    >>> import groupcore as gc
    >>> G = gc.cyclic(4)
    >>> lifted = Lift(torch.nn.Conv2d(1, 2, 3), G, gc.GridAction(G))
    >>> lifted(torch.zeros(5, 1, 8, 8)).shape
    torch.Size([5, 2, 4, 6, 6])
    """

    def __init__(self, f_tilde: torch.nn.Module, group: Group, action: Any, output_action: Any = None) -> None:
        super().__init__()
        for act in (action, output_action):
            if act is not None and not getattr(act, "is_exact", True):
                raise ValueError(f"the lift in torch needs exact actions (permutations); {act!r} resamples on the "
                                 f"host: use the weight-sharing layers (LiftingConv2d, GroupConv2d) instead")
        self.f_tilde, self.group, self.action, self.output_action = f_tilde, group, action, output_action

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        G = self.group
        n, B = G.order, x.shape[0]
        stacked = torch.cat([self.action.apply(int(G.inverse[g]), x) for g in range(n)], 0)
        y = self.f_tilde(stacked)
        y = y.reshape((n, B) + tuple(y.shape[1:])).movedim(0, 2)
        if self.output_action is None:
            return y
        return torch.stack([self.output_action.apply(g, y[:, :, g]) for g in range(n)], 2)

    def extra_repr(self) -> str:
        return f"group={self.group.name}"

"""``export``: a module of plain convolutions and dense layers with the expanded weights, for deployment.

Every :class:`SharedConv` and :class:`SharedDense` becomes an :class:`ExpandedConv` or
:class:`ExpandedDense` holding ``θ[index]`` as a fixed weight (no θ, no index, nothing to
expand at run time); the copy is in inference mode with gradients off. It runs under
``torch.export.export`` and ``torch.jit.trace`` and keeps ``in_action``/``out_action``, so its
equivariance is checked like the module's.
"""

from __future__ import annotations

import copy

import torch

from .convert import unwrap
from .layers import ExpandedConv, ExpandedDense, SharedConv, SharedDense

__all__ = ["export"]


def _expanded(module: torch.nn.Module) -> torch.nn.Module:
    if isinstance(module, (SharedConv, SharedDense)):
        fixed = ExpandedConv(module) if isinstance(module, SharedConv) else ExpandedDense(module)
        fixed.in_action, fixed.out_action = module.in_action, module.out_action
        return fixed
    for name, child in module.named_children():
        setattr(module, name, _expanded(child))
    return module


def export(module: torch.nn.Module) -> torch.nn.Module:
    """A deployment copy of ``module`` (from :func:`to_torch`): expanded weights, inference mode, no gradients.

    Examples
    --------
    >>> import groupcore as gc
    >>> from groupcore import nn
    >>> from groupcore.torch import to_torch
    >>> module = to_torch(nn.p4cnn(gc.dihedral(4), channels=2, input_size=22))
    >>> deployed = export(module)
    >>> x = torch.randn(2, 1, 22, 22)
    >>> bool(torch.allclose(deployed(x), module.eval()(x), rtol=1e-5, atol=1e-6))
    True
    >>> program = torch.export.export(deployed, (x,))
    >>> bool(torch.allclose(program.module()(x), deployed(x)))
    True
    """
    out = _expanded(copy.deepcopy(unwrap(module)))
    for sub in out.modules():
        sub.__dict__.pop("groupcore_spec", None)
    out.eval()
    out.requires_grad_(False)
    return out

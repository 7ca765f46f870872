"""groupcore in PyTorch: equivarified networks as ``torch.nn.Module``s (the optional ``torch`` extra).

:func:`to_torch` turns a groupcore model into a torch module with the same θ as ``Parameter``s
and the same index tensors as buffers, expanding ``θ[index]`` inside ``forward``: torch
optimizers, autograd, devices and ``DistributedDataParallel`` train it and it stays equivariant
by construction. :func:`from_torch` gives the trained groupcore model back (for
``groupcore.proofs`` and ``.npz`` files), :func:`export` a deployment copy with the expanded
weights fixed, and ``python -m groupcore.torch.train_ddp`` trains the P4CNN on several processes
(:mod:`groupcore.torch.train_ddp`).

Examples
--------
>>> import numpy as np, torch, groupcore as gc
>>> from groupcore import nn, proofs
>>> from groupcore.torch import to_torch, from_torch
>>> module = to_torch(nn.p4cnn(gc.cyclic(4), channels=2, input_size=22))
>>> opt = torch.optim.SGD(module.parameters(), lr=0.1)
>>> x, y = torch.randn(4, 1, 22, 22), torch.tensor([0, 1, 2, 3])
>>> for _ in range(3):
...     opt.zero_grad(); torch.nn.functional.cross_entropy(module(x), y).backward(); opt.step()
>>> with torch.no_grad():                                    # every element of C4, on torch tensors
...     _ = proofs.assert_equivariant(module, inputs=[x])
>>> _ = proofs.assert_equivariant(from_torch(module), inputs=[x.numpy()])
"""

from __future__ import annotations

from .convert import from_torch, to_torch, unwrap
from .export import export
from .layers import ExpandedConv, ExpandedDense, SharedConv, SharedDense
from .model import Lift, Sequential
from .norm import GroupBatchNorm
from .pool import GroupPool, SpatialPool
from .shape import Flatten, JointReadout

__all__ = [
    "to_torch", "from_torch", "export", "unwrap",
    "SharedConv", "SharedDense", "ExpandedConv", "ExpandedDense",
    "GroupPool", "SpatialPool", "GroupBatchNorm", "Flatten", "JointReadout", "Sequential", "Lift",
]

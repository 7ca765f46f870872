"""Ready-made networks: the Cohen & Welling P4CNN (any image group, either frame), its 3-d sibling
for the symmetries of the cube, and a plain CNN.

Both follow the MNIST-rot architecture of Cohen & Welling (2016): seven convolutions, 3x3 except
the last, which is as large as its input (4x4 on 28x28 images), ReLU after each but the last, a
2x2 max pooling after the second (placed before its ReLU: max commutes with the monotone ReLU);
the group version ends with a max over G.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from ..group import Group
from .activation import ReLU
from .conv import Conv2d, GroupConv2d, GroupConv3d, LiftingConv2d, LiftingConv3d
from .layer import Layer
from .model import Sequential
from .norm import GroupBatchNorm
from .pool import GroupPool, MaxPool2d, MaxPool3d
from .readout import JointReadout
from .shape import Dropout, Flatten

__all__ = ["p4cnn", "gcnn3d", "plain_cnn"]


def _sizes(input_size: int) -> int:
    """Spatial size entering the last convolution (its kernel size)."""
    s = int(input_size) - 4
    if s < 2 or s % 2:
        raise ValueError(f"input_size must be even and >= 6 for two 3x3 convolutions and a 2x2 pooling; "
                         f"got {input_size}")
    final = s // 2 - 8
    if final < 1:
        raise ValueError(f"input_size {input_size} is too small for seven convolutions (needs >= 22)")
    return final


def _block(layers: list[Layer], conv: Layer, channels: int, batch_norm: bool, dropout: float, seed: Any,
           pool: Layer | None = None) -> None:
    """conv [→ pool] [→ batch norm] → ReLU [→ dropout]; pooling before ReLU (they commute) touches 1/4 the data."""
    layers.append(conv)
    if pool is not None:
        layers.append(pool)
    if batch_norm:
        layers.append(GroupBatchNorm(channels))
    layers.append(ReLU())
    if dropout:
        layers.append(Dropout(dropout, seed=seed))


def p4cnn(group: Group, *, frame: str = "diagonal", channels: int = 10, in_channels: int = 1,
          num_classes: int = 10, input_size: int = 28, batch_norm: bool = False, dropout: float = 0.0,
          readout: str = "invariant", interpolation: Mapping[str, Any] | None = None,
          seed: Any = 0) -> Sequential:
    """The P4CNN of Cohen & Welling for ``group``: lifting + six group convolutions, ``channels`` per element.

    Parameters
    ----------
    group : Group
        C4 gives the P4CNN; D4 the P4MCNN; C8 etc. use interpolated rotations.
    frame : {"diagonal", "regular"}
    channels : int
        Channels per group element (10 in the paper).
    readout : {"invariant", "joint"}
        ``"invariant"``: max over G then ``num_classes`` logits; ``"joint"``: ``|G|·num_classes``
        (class, pose) logits (:class:`~groupcore.nn.JointReadout`).
    batch_norm, dropout :
        Optional GroupBatchNorm after each hidden convolution, dropout after each ReLU.

    Examples
    --------
    >>> import groupcore as gc
    >>> net = p4cnn(gc.cyclic(4))
    >>> net.num_params, net(np.zeros((2, 1, 28, 28), np.float32)).shape
    (24560, (2, 10))
    """
    if readout not in ("invariant", "joint"):
        raise ValueError(f"readout must be 'invariant' or 'joint'; got {readout!r}")
    final = _sizes(input_size)
    rng = np.random.default_rng(seed)
    opts: dict[str, Any] = {"frame": frame, "interpolation": interpolation}
    layers: list[Layer] = []
    _block(layers, LiftingConv2d(group, in_channels, channels, 3, seed=rng, **opts), channels, batch_norm,
           dropout, rng)
    s = int(input_size) - 4
    _block(layers, GroupConv2d(group, channels, channels, 3, seed=rng, **opts), channels, batch_norm, dropout, rng,
           pool=MaxPool2d(2, input_size=(s, s)))
    for _ in range(4):
        _block(layers, GroupConv2d(group, channels, channels, 3, seed=rng, **opts), channels, batch_norm,
               dropout, rng)
    layers.append(GroupConv2d(group, channels, num_classes, final, seed=rng, **opts))
    return Sequential(*layers, *_readout(readout))


def _readout(readout: str) -> list[Layer]:
    if readout == "invariant":
        return [GroupPool("max"), Flatten()]
    return [Flatten(keep_group=True), JointReadout()]


def gcnn3d(group: Group, *, frame: str = "diagonal", channels: int = 4, in_channels: int = 1, num_classes: int = 8,
           input_size: int = 8, batch_norm: bool = False, readout: str = "invariant", seed: Any = 0) -> Sequential:
    """The P4CNN recipe on voxels: lifting + six group convolutions, ``channels`` per element.

    All convolutions are 3x3x3 with padding 1 except the last, which is as large as its input
    (``input_size/2``) and leaves one voxel: ``(B, in_channels, s, s, s) → (B, num_classes)``.
    A 2x2x2 max pooling follows the second convolution; the read-out pools over G
    (``"invariant"``) or gives the joint (class, pose) logits (``"joint"``).

    Parameters
    ----------
    group : Group
        ``octahedral()`` (24 rotations), ``full_octahedral()`` (48), or any group of 3×3 signed
        permutation matrices.
    frame : {"diagonal", "regular"}
    input_size : int
        Side of the cubic input grid, even.

    Examples
    --------
    >>> import groupcore as gc
    >>> net = gcnn3d(gc.octahedral(), channels=2, input_size=4)
    >>> net(np.zeros((2, 1, 4, 4, 4), np.float32)).shape, len(net)
    ((2, 8), 16)
    """
    if readout not in ("invariant", "joint"):
        raise ValueError(f"readout must be 'invariant' or 'joint'; got {readout!r}")
    if isinstance(input_size, bool) or not isinstance(input_size, (int, np.integer)) or input_size < 2 \
            or input_size % 2:
        raise ValueError(f"input_size must be an even integer >= 2 (a 2x2x2 pooling halves it); got {input_size!r}")
    rng = np.random.default_rng(seed)
    opts: dict[str, Any] = {"frame": frame, "padding": 1}
    layers: list[Layer] = []
    _block(layers, LiftingConv3d(group, in_channels, channels, 3, seed=rng, **opts), channels, batch_norm, 0.0, rng)
    _block(layers, GroupConv3d(group, channels, channels, 3, seed=rng, **opts), channels, batch_norm, 0.0, rng,
           pool=MaxPool3d(2, input_size=(input_size,) * 3))
    for _ in range(4):
        _block(layers, GroupConv3d(group, channels, channels, 3, seed=rng, **opts), channels, batch_norm, 0.0, rng)
    layers.append(GroupConv3d(group, channels, num_classes, int(input_size) // 2, frame=frame, seed=rng))
    return Sequential(*layers, *_readout(readout))


def plain_cnn(*, channels: int = 40, in_channels: int = 1, num_classes: int = 10, input_size: int = 28,
              batch_norm: bool = False, dropout: float = 0.0, seed: Any = 0) -> Sequential:
    """The same seven-layer CNN without a group (``channels`` = 40 matches a C4 P4CNN's compute).

    Examples
    --------
    >>> plain_cnn()(np.zeros((2, 1, 28, 28), np.float32)).shape
    (2, 10)
    """
    final = _sizes(input_size)
    rng = np.random.default_rng(seed)
    layers: list[Layer] = []
    _block(layers, Conv2d(in_channels, channels, 3, seed=rng), channels, batch_norm, dropout, rng)
    _block(layers, Conv2d(channels, channels, 3, seed=rng), channels, batch_norm, dropout, rng,
           pool=MaxPool2d(2, allow_approximate=True))
    for _ in range(4):
        _block(layers, Conv2d(channels, channels, 3, seed=rng), channels, batch_norm, dropout, rng)
    layers += [Conv2d(channels, num_classes, final, seed=rng), Flatten()]
    return Sequential(*layers)

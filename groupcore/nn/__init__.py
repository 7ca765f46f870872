"""Lifted (equivarified) layers, weight-sharing tensors, models and training.

Inputs are ``(B, C, *S)`` (sequences ``S = (W,)``, images ``(H, W)``, voxels ``(D, H, W)``) or
``(B, C, |X|)`` for a G-set X; lifted maps ``(B, C, |G|, *S)`` (G axis right after channels).
Every linear lifted layer stores θ, of the un-lifted layer's size, and an explicit integer
``index`` (and ``coef`` for interpolated rotations) with ``W_expanded = θ[index]``, built from
the orbits of the group on pairs of points (:mod:`groupcore.nn.sharing`), for any finite group
and any action. Two frames (:mod:`groupcore.nn.frames`): ``"regular"``, the
paper's construction, and ``"diagonal"``, the G-CNN; the bridge ``u(g) = ρ(g)·s(g)`` maps one
to the other. :func:`lift_layer` and :func:`equivarify` are the literal constructions.

Examples
--------
>>> import numpy as np, groupcore as gc
>>> from groupcore import nn
>>> D4 = gc.dihedral(4)
>>> net = nn.Sequential(
...     nn.LiftingConv2d(D4, 1, 10, 3, frame="diagonal"), nn.ReLU(),
...     nn.GroupConv2d(D4, 10, 10, 3, frame="diagonal"), nn.ReLU(),
...     nn.GroupPool("max"), nn.Flatten(), nn.Dense(10 * 24 * 24, 10))
>>> net[0].index.shape, net.num_params
((10, 8, 1, 3, 3), 64920)
"""

from __future__ import annotations

from ..backends.kernels import release_scratch
from .activation import LeakyReLU, ReLU, Sigmoid, Tanh
from .conv import (
    Conv1d,
    Conv2d,
    Conv3d,
    GroupConv1d,
    GroupConv2d,
    GroupConv3d,
    LiftingConv1d,
    LiftingConv2d,
    LiftingConv3d,
)
from .dense import Dense, LiftedDense, LiftingDense
from .frames import FRAMES, frame_action, to_diagonal, to_regular
from .inputs import TrainingDivergedError
from .io import ModelFileError, checksum, load, register_layer, save
from .layer import Layer
from .model import Sequential
from .norm import GroupBatchNorm
from .optim import SGD, Adam, Optimizer
from .pool import (
    AvgPool1d,
    AvgPool2d,
    AvgPool3d,
    GroupPool,
    MaxPool1d,
    MaxPool2d,
    MaxPool3d,
    PoolingGeometryError,
    pool_geometry_problem,
)
from .readout import JointAction, JointReadout, decode_joint, invariant_logits, joint_labels
from .reference import LiftLayer, equivarify, lift_layer
from .shape import Dropout, Flatten
from .sharing import Sharing, action_gather, orbit_labels, orbit_sharing
from .zoo import gcnn3d, p4cnn, plain_cnn

__all__ = [
    "Layer", "Sequential",
    "Conv1d", "Conv2d", "Conv3d", "LiftingConv1d", "LiftingConv2d", "LiftingConv3d",
    "GroupConv1d", "GroupConv2d", "GroupConv3d", "Dense", "LiftingDense", "LiftedDense",
    "GroupPool", "MaxPool1d", "MaxPool2d", "MaxPool3d", "AvgPool1d", "AvgPool2d", "AvgPool3d",
    "PoolingGeometryError", "pool_geometry_problem",
    "GroupBatchNorm", "ReLU", "LeakyReLU", "Tanh", "Sigmoid", "Flatten", "Dropout",
    "JointReadout", "JointAction", "joint_labels", "decode_joint", "invariant_logits",
    "LiftLayer", "lift_layer", "equivarify",
    "FRAMES", "frame_action", "to_diagonal", "to_regular",
    "Sharing", "action_gather", "orbit_labels", "orbit_sharing",
    "SGD", "Adam", "Optimizer", "release_scratch",
    "save", "load", "register_layer", "checksum", "ModelFileError", "TrainingDivergedError",
    "p4cnn", "gcnn3d", "plain_cnn",
]

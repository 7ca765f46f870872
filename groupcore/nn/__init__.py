"""Lifted (equivarified) layers, weight-sharing tensors, models and training.

Images are ``(B, C, H, W)``; lifted maps ``(B, C, |G|, H, W)`` (G axis right after channels).
Every linear lifted layer stores θ, of the un-lifted layer's size, and an explicit integer
``index`` (and ``coef`` for interpolated rotations) with ``W_expanded = θ[index]``; see
:mod:`groupcore.nn.sharing`. Two frames (:mod:`groupcore.nn.frames`): ``"regular"``, the
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

from .activation import LeakyReLU, ReLU, Sigmoid, Tanh
from .conv import Conv2d, GroupConv2d, LiftingConv2d
from .dense import Dense, LiftedDense
from .frames import FRAMES, ImageAction, MapAction, frame_action, to_diagonal, to_regular
from .io import load, save
from .layer import Layer
from .model import Sequential
from .norm import GroupBatchNorm
from .optim import SGD, Adam, Optimizer
from .pool import AvgPool2d, GroupPool, MaxPool2d, PoolingGeometryError, pool_geometry_problem
from .readout import JointReadout, decode_joint, invariant_logits, joint_labels
from .reference import LiftLayer, equivarify, lift_layer
from .shape import Dropout, Flatten
from .sharing import Sharing, action_gather
from .zoo import p4cnn, plain_cnn

__all__ = [
    "Layer", "Sequential",
    "Conv2d", "LiftingConv2d", "GroupConv2d", "Dense", "LiftedDense",
    "GroupPool", "MaxPool2d", "AvgPool2d", "PoolingGeometryError", "pool_geometry_problem",
    "GroupBatchNorm", "ReLU", "LeakyReLU", "Tanh", "Sigmoid", "Flatten", "Dropout",
    "JointReadout", "joint_labels", "decode_joint", "invariant_logits",
    "LiftLayer", "lift_layer", "equivarify",
    "FRAMES", "ImageAction", "MapAction", "frame_action", "to_diagonal", "to_regular",
    "Sharing", "action_gather",
    "SGD", "Adam", "Optimizer",
    "save", "load",
    "p4cnn", "plain_cnn",
]

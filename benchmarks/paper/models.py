"""The networks of the paper's experiments: a small CNN, its equivarifications, and their cost.

One architecture, three convolutions with max pooling (LeNet-like, sized so that every pooling
window tiles its grid symmetrically and the diagonal frame stays exactly equivariant):

    28 ─conv5→ 24 ─pool2→ 12 ─conv3→ 10 ─pool2→ 5 ─conv5→ 1

- ``plain``: ``Conv2d`` layers, ``width`` channels, 10 logits.
- lifted (``group`` C4, D4, C8, ...): ``LiftingConv2d`` then ``GroupConv2d`` with ``width``
  channels per group element, in the ``"regular"`` frame (the paper's construction) or the
  ``"diagonal"`` frame (a G-CNN), ending in the paper's joint read-out: ``|G|·10`` logits,
  label of class c in pose k at ``k·10 + c``.

Experiment 1 also runs deeper networks (:data:`DEEP`, ``arch="p4cnn"``): Cohen & Welling's
seven-layer P4CNN (C4) and P4MCNN (D4) of :func:`groupcore.nn.p4cnn`, diagonal frame,
GroupBatchNorm, with the same joint read-out.

Widths are chosen so that every model of an experiment has about the same number of free
parameters (:data:`WIDTHS`); :func:`forward_flops` gives each model's compute.
"""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np

import groupcore as gc
from groupcore import nn

__all__ = ["GROUPS", "WIDTHS", "MODELS", "DEEP", "model_config", "group_of", "small_cnn", "build", "forward_flops",
           "describe"]

#: Group names accepted by the experiments (C8/C16 act by interpolated rotations).
GROUPS = ("C4", "D4", "C8", "C16")

#: Channels (per group element for lifted networks) giving about equal parameter counts
#: (plain 22 ≈ 10.6k, C4 8 ≈ 10.5k, D4 5 ≈ 12.1k, C8 5 ≈ 12.1k, C16 3 ≈ 14.0k).
WIDTHS = {"plain": 22, "C4": 8, "D4": 5, "C8": 5, "C16": 3}

NUM_CLASSES = 10

#: The experiments' models: name -> (group, frame, training augmentation).
MODELS: dict[str, tuple[str | None, str | None, str | None]] = {
    "plain": (None, None, None),
    "plain+C4-aug": (None, None, "C4"),
    "plain+D4-aug": (None, None, "D4"),
    "plain+angle-aug": (None, None, "angle"),
    "C4-regular": ("C4", "regular", None),
    "D4-regular": ("D4", "regular", None),
    "C4-diagonal": ("C4", "diagonal", None),
    "D4-diagonal": ("D4", "diagonal", None),
    "C8-regular": ("C8", "regular", None),
    "C16-regular": ("C16", "regular", None),
}

#: Deeper joint-read-out models (``groupcore.nn.p4cnn``, GroupBatchNorm, diagonal frame):
#: name -> (group, channels per element); about 25k parameters each.
DEEP: dict[str, tuple[str, int]] = {"C4-P4CNN": ("C4", 10), "D4-P4MCNN": ("D4", 7)}


def model_config(name: str) -> dict[str, Any]:
    """The configuration entries of model ``name`` (see :data:`MODELS` and :data:`DEEP`).

    Examples
    --------
    >>> model_config("D4-regular")
    {'model': 'D4-regular', 'group': 'D4', 'frame': 'regular', 'width': 5, 'augmentation': None}
    >>> model_config("C4-P4CNN")["arch"]
    'p4cnn'
    """
    if name in DEEP:
        group, channels = DEEP[name]
        return {"model": name, "group": group, "frame": "diagonal", "width": channels, "augmentation": None,
                "arch": "p4cnn", "batch_norm": True}
    if name not in MODELS:
        raise ValueError(f"unknown model {name!r}; choose from {sorted(MODELS) + sorted(DEEP)}")
    group, frame, aug = MODELS[name]
    return {"model": name, "group": group, "frame": frame, "width": WIDTHS[group or "plain"], "augmentation": aug}


def group_of(name: str) -> gc.Group:
    """The group called ``name`` ("C4", "D4", "C8", "C16").

    Examples
    --------
    >>> group_of("D4").order
    8
    """
    if name not in GROUPS:
        raise ValueError(f"unknown group {name!r}; choose one of {GROUPS}")
    n = int(name[1:])
    return gc.cyclic(n) if name[0] == "C" else gc.dihedral(n)


def small_cnn(group: str | None = None, *, frame: str = "regular", width: int | None = None,
              seed: int = 0) -> nn.Sequential:
    """The small CNN (``group=None``) or its equivarification for ``group`` in ``frame``.

    Examples
    --------
    >>> net = small_cnn("C4")
    >>> net(np.zeros((2, 1, 28, 28), np.float32)).shape
    (2, 40)
    >>> small_cnn()(np.zeros((2, 1, 28, 28), np.float32)).shape
    (2, 10)
    """
    rng = np.random.default_rng(seed)
    if group is None:
        w = WIDTHS["plain"] if width is None else int(width)
        return nn.Sequential(
            nn.Conv2d(1, w, 5, seed=rng), nn.ReLU(), nn.MaxPool2d(2, input_size=(24, 24)),
            nn.Conv2d(w, w, 3, seed=rng), nn.ReLU(), nn.MaxPool2d(2, input_size=(10, 10)),
            nn.Conv2d(w, NUM_CLASSES, 5, seed=rng), nn.Flatten())
    G = group_of(group)
    w = WIDTHS[group] if width is None else int(width)
    return nn.Sequential(
        nn.LiftingConv2d(G, 1, w, 5, frame=frame, seed=rng), nn.ReLU(),
        nn.MaxPool2d(2, frame=frame, input_size=(24, 24)),
        nn.GroupConv2d(G, w, w, 3, frame=frame, seed=rng), nn.ReLU(),
        nn.MaxPool2d(2, frame=frame, input_size=(10, 10)),
        nn.GroupConv2d(G, w, NUM_CLASSES, 5, frame=frame, seed=rng),
        nn.Flatten(keep_group=True), nn.JointReadout())


def build(config: Mapping[str, Any]) -> nn.Sequential:
    """The network of a run configuration (:func:`model_config` entries plus ``seed``), on NumPy.

    Examples
    --------
    >>> build({**model_config("C4-P4CNN"), "seed": 0})(np.zeros((1, 1, 28, 28), np.float32)).shape
    (1, 40)
    """
    seed = int(config["seed"])
    if config.get("arch") == "p4cnn":
        return nn.p4cnn(group_of(str(config["group"])), frame=str(config["frame"]), channels=int(config["width"]),
                        batch_norm=bool(config["batch_norm"]), readout="joint", seed=seed)
    return small_cnn(config.get("group"), frame=config.get("frame") or "regular", width=config.get("width"),
                     seed=seed)


def forward_flops(model: nn.Sequential, input_shape: tuple[int, ...] = (1, 1, 28, 28)) -> int:
    """Multiply-adds ×2 of one forward pass of the convolutions and dense layers, per image.

    Counts the expanded (lifted) convolutions as the dense convolutions they run as.

    Examples
    --------
    >>> forward_flops(small_cnn()) > 0
    True
    """
    x = np.zeros(input_shape, np.float32)
    total = 0
    for layer in model:
        y = layer(x)
        if isinstance(layer, (nn.Conv2d, nn.LiftingConv2d, nn.GroupConv2d)):
            n = getattr(getattr(layer, "group", None), "order", 1)
            cin = layer.in_channels * (n if isinstance(layer, nn.GroupConv2d) else 1)
            cout = layer.out_channels * n
            spatial = int(np.prod(y.shape[-2:]))
            total += 2 * cout * cin * layer.kernel_size ** 2 * spatial
        elif isinstance(layer, nn.Dense):
            total += 2 * layer.in_features * layer.out_features
        x = y
    return total // input_shape[0]


def describe(model: nn.Sequential) -> dict[str, Any]:
    """Parameter count and forward FLOPs per image of ``model``.

    Examples
    --------
    >>> sorted(describe(small_cnn()))
    ['forward_mflops', 'params']
    """
    return {"params": int(model.num_params), "forward_mflops": round(forward_flops(model) / 1e6, 3)}

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

from collections.abc import Mapping
from typing import Any

import numpy as np

import groupcore as gc
from groupcore import nn

__all__ = [
    "BASELINES",
    "DEEP",
    "GROUPS",
    "MODELS",
    "WIDTHS",
    "build",
    "describe",
    "forward_flops",
    "group_of",
    "model_config",
    "published_cnn",
    "small_cnn",
]

#: Group names accepted by the experiments (C8/C16 act by interpolated rotations).
GROUPS = ("C4", "D4", "C8", "C16")

#: Channels (per group element for lifted networks) giving about equal parameter counts
#: (plain 22: 10,460; C4 8: 10,530; D4 5: 11,945; C8 5: 11,945; C16 3: 13,387; checked by a test).
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

#: The fairer baselines of experiment 2: name -> configuration entries beyond :data:`MODELS`'.
#: ``plain-wide+G-aug``: the augmented plain CNN widened to the forward FLOPs of the G network
#: (32 channels: 2.78 MFLOP against C4's 2.83; 41: 4.23 against D4's 4.19) and trained longer
#: (``"training": "long"``, see ``data_sizes.py``); ``plain+G-aug-joint``: the augmented plain
#: CNN with the joint (class, pose) read-out, trained on the pose of each augmentation;
#: ``G-diagonal-invariant``: the G-CNN with a plain 10-class read-out (max over G).
BASELINES: dict[str, dict[str, Any]] = {
    "plain-wide+C4-aug": {"group": None, "frame": None, "width": 32, "augmentation": "C4", "training": "long"},
    "plain-wide+D4-aug": {"group": None, "frame": None, "width": 41, "augmentation": "D4", "training": "long"},
    "plain+C4-aug-joint": {"group": None, "frame": None, "width": 22, "augmentation": "C4", "readout": "joint"},
    "plain+D4-aug-joint": {"group": None, "frame": None, "width": 22, "augmentation": "D4", "readout": "joint"},
    "C4-diagonal-invariant": {"group": "C4", "frame": "diagonal", "width": 8, "augmentation": None,
                              "readout": "invariant"},
    "D4-diagonal-invariant": {"group": "D4", "frame": "diagonal", "width": 5, "augmentation": None,
                              "readout": "invariant"},
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
    if name in BASELINES:
        return {"model": name, **BASELINES[name]}
    if name in DEEP:
        group, channels = DEEP[name]
        return {"model": name, "group": group, "frame": "diagonal", "width": channels, "augmentation": None,
                "arch": "p4cnn", "batch_norm": True}
    if name not in MODELS:
        raise ValueError(f"unknown model {name!r}; choose from {sorted(MODELS) + sorted(DEEP) + sorted(BASELINES)}")
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


def _small_sizes(input_size: int) -> tuple[int, int, int]:
    """Grid sizes entering the two poolings and the last convolution's kernel (28 → 24, 10, 5; 32 → 28, 12, 6)."""
    first = int(input_size) - 4
    second = first // 2 - 2
    if first % 2 or second % 2 or second < 2:
        raise ValueError(f"input_size {input_size}: the 2x2 poolings must tile 28x28-like grids exactly "
                         "(input_size - 4 and (input_size - 4)/2 - 2 even)")
    return first, second, second // 2


def small_cnn(group: str | None = None, *, frame: str = "regular", width: int | None = None,
              readout: str | None = None, in_channels: int = 1, input_size: int = 28,
              seed: int = 0) -> nn.Sequential:
    """The small CNN (``group=None``) or its equivarification for ``group`` in ``frame``.

    ``readout``: the default is 10 logits for the plain CNN and the joint (class, pose) read-out
    for a lifted one; ``"joint"`` gives the plain CNN ``|G|·10`` outputs for the group of its
    augmentation (pass ``group`` via :func:`build`), ``"invariant"`` gives a lifted network the
    maximum over G and 10 logits. ``in_channels`` and ``input_size`` (28 or 32, say) size the
    first and last convolutions.

    Examples
    --------
    >>> net = small_cnn("C4")
    >>> net(np.zeros((2, 1, 28, 28), np.float32)).shape
    (2, 40)
    >>> small_cnn()(np.zeros((2, 1, 28, 28), np.float32)).shape
    (2, 10)
    """
    rng = np.random.default_rng(seed)
    a, b, last = _small_sizes(input_size)
    if group is None:
        w = WIDTHS["plain"] if width is None else int(width)
        return _plain_small(w, NUM_CLASSES, rng, in_channels, input_size)
    G = group_of(group)
    w = WIDTHS[group] if width is None else int(width)
    tail = [nn.GroupPool("max"), nn.Flatten()] if readout == "invariant" else [nn.Flatten(keep_group=True),
                                                                                nn.JointReadout()]
    return nn.Sequential(
        nn.LiftingConv2d(G, in_channels, w, 5, frame=frame, seed=rng), nn.ReLU(),
        nn.MaxPool2d(2, frame=frame, input_size=(a, a)),
        nn.GroupConv2d(G, w, w, 3, frame=frame, seed=rng), nn.ReLU(),
        nn.MaxPool2d(2, frame=frame, input_size=(b, b)),
        nn.GroupConv2d(G, w, NUM_CLASSES, last, frame=frame, seed=rng), *tail)


def _plain_small(width: int, outputs: int, rng: np.random.Generator, in_channels: int = 1,
                 input_size: int = 28) -> nn.Sequential:
    """The small plain CNN with ``width`` channels and ``outputs`` logits."""
    a, b, last = _small_sizes(input_size)
    return nn.Sequential(
        nn.Conv2d(in_channels, width, 5, seed=rng), nn.ReLU(), nn.MaxPool2d(2, input_size=(a, a)),
        nn.Conv2d(width, width, 3, seed=rng), nn.ReLU(), nn.MaxPool2d(2, input_size=(b, b)),
        nn.Conv2d(width, outputs, last, seed=rng), nn.Flatten())


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
    if config.get("group") is None and config.get("readout") == "joint":
        outputs = group_of(str(config["augmentation"])).order * NUM_CLASSES
        return _plain_small(int(config["width"]), outputs, np.random.default_rng(seed))
    return small_cnn(config.get("group"), frame=config.get("frame") or "regular", width=config.get("width"),
                     readout=config.get("readout"), in_channels=int(config.get("in_channels", 1)),
                     input_size=int(config.get("input_size", 28)), seed=seed)


def _published_block(layers: list[nn.Layer], conv: nn.Layer, channels: int, dropout: float, rng: Any) -> None:
    """conv → batch norm → ReLU [→ dropout], the order of ``ConvBNAct`` in Cohen & Welling's code."""
    layers += [conv, nn.GroupBatchNorm(channels), nn.ReLU()]
    if dropout:
        layers.append(nn.Dropout(dropout, seed=rng))


def published_cnn(group: str | None, channels: int, *, dropout: float = 0.0, seed: int = 0) -> nn.Sequential:
    """Cohen & Welling's MNIST-rot Z2CNN (``group=None``) or P4CNN-like G-CNN, as their released code builds it.

    ``MNIST_ROT/models/Z2CNN.py`` and ``P4CNN.py`` of ``tscohen/gconv_experiments``: six 3×3
    convolution → batch norm → ReLU blocks, a 2×2 max pooling after the second block's ReLU, a
    4×4 convolution to 10 channels, then the maximum over G (and over the 1×1 space). The Z2CNN
    has dropout 0.3 after the ReLU of blocks 1, 3, 4, 5 and 6 (pass ``dropout=0.3``); the P4CNN
    none. Weights are drawn from N(0, 1/fan_in), Chainer's and GrouPy's default
    (``groupy/gconv/chainer_gconv/splitgconv2d.py``), biases start at 0. Batch norm statistics are
    shared over G, space and batch, as Chainer's ``BatchNormalization(C)`` computes them on
    ``(B, C, |G|, H, W)`` maps. C8 and other non-grid groups use interpolated rotations.

    Examples
    --------
    >>> net = published_cnn("C4", 10)
    >>> net.num_params, net(np.zeros((2, 1, 28, 28), np.float32)).shape
    (24680, (2, 10))
    >>> published_cnn(None, 20, dropout=0.3)(np.zeros((1, 1, 28, 28), np.float32)).shape
    (1, 10)
    """
    rng = np.random.default_rng(seed)
    layers: list[nn.Layer] = []
    drops = [dropout, 0.0, dropout, dropout, dropout, dropout]
    if group is None:
        convs = [nn.Conv2d(1 if i == 0 else channels, channels, 3, seed=rng) for i in range(6)]
        top: nn.Layer = nn.Conv2d(channels, NUM_CLASSES, 4, seed=rng)
        pool = nn.MaxPool2d(2, allow_approximate=True)
        tail: list[nn.Layer] = [nn.Flatten()]
    else:
        G = group_of(group)
        convs = [nn.LiftingConv2d(G, 1, channels, 3, frame="diagonal", seed=rng)]
        convs += [nn.GroupConv2d(G, channels, channels, 3, frame="diagonal", seed=rng) for _ in range(5)]
        top = nn.GroupConv2d(G, channels, NUM_CLASSES, 4, frame="diagonal", seed=rng)
        pool = nn.MaxPool2d(2, frame="diagonal", input_size=(24, 24))
        tail = [nn.GroupPool("max"), nn.Flatten()]
    for i, (conv, p) in enumerate(zip(convs, drops)):
        _published_block(layers, conv, channels, p, rng)
        if i == 1:
            layers.append(pool)
    net = nn.Sequential(*layers, top, *tail)
    _chainer_scale(net)
    return net


def _chainer_scale(net: nn.Sequential) -> None:
    """Rescale He-normal N(0, 2/fan_in) convolution weights to Chainer's N(0, 1/fan_in)."""
    for leaf in net.leaves():
        for name in ("weight", "theta"):
            if name in leaf.params and not isinstance(leaf, nn.GroupBatchNorm):
                leaf.params[name] = (leaf.params[name] / np.float32(np.sqrt(2.0))).astype(np.float32)


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


def describe(model: nn.Sequential, input_shape: tuple[int, ...] = (1, 1, 28, 28)) -> dict[str, Any]:
    """Parameter count and forward FLOPs per image of ``model`` (on images of ``input_shape``).

    Examples
    --------
    >>> sorted(describe(small_cnn()))
    ['forward_mflops', 'params']
    """
    return {"params": int(model.num_params), "forward_mflops": round(forward_flops(model, input_shape) / 1e6, 3)}

"""``groupcore train``: train an equivarified (or plain) network on a dataset and save it.

The model is the Cohen & Welling P4CNN for a group (``--model p4cnn``), the plain CNN of equal
compute (``--group none``), or the demo's small network (``--model small``), in the frame and
with the read-out asked for. It is built for the data: the images' channels and side, and the
number of classes, come from the training and held-out sets (square images; the P4CNN needs an
even side >= 22, the small network a side >= 16). The output path is checked before the data
is read. The saved ``.npz`` holds θ, the index tensors and the layer specs and reloads on any
backend (:func:`groupcore.nn.load`); it is written only after training succeeded.
"""

from __future__ import annotations

import argparse
from typing import Any

import numpy as np

from .cli import positive_float_arg, positive_int_arg
from .names import parse_group

__all__ = ["build_model", "describe", "resolve_options", "configure_parser", "run"]

MODELS = ("p4cnn", "small")
FRAMES = ("regular", "diagonal")
READOUTS = ("invariant", "joint")


def resolve_options(group: str, model: str, frame: str | None, readout: str | None) -> tuple[str, str] | None:
    """The frame and read-out a model gets, defaults filled in; ``None`` for a plain CNN.

    Defaults: ``"diagonal"`` and ``"invariant"`` for the P4CNN, ``"regular"`` and ``"joint"``
    (the paper's construction) for the small network.

    Raises
    ------
    ValueError
        An unknown model, frame or read-out, or a frame or read-out given for a plain CNN.

    Examples
    --------
    >>> resolve_options("C4", "small", None, "invariant"), resolve_options("none", "small", None, None)
    (('regular', 'invariant'), None)
    """
    if model not in MODELS:
        raise ValueError(f"model must be one of {MODELS}; got {model!r}")
    if (frame is not None and frame not in FRAMES) or (readout is not None and readout not in READOUTS):
        raise ValueError(f"frame must be one of {FRAMES} and readout one of {READOUTS}; got {frame!r}, {readout!r}")
    if group.lower() == "none":
        if frame is not None or readout is not None:
            raise ValueError("--frame and --readout apply to networks built for a group; a plain CNN "
                             "(--group none) has neither")
        return None
    defaults = ("diagonal", "invariant") if model == "p4cnn" else ("regular", "joint")
    return frame or defaults[0], readout or defaults[1]


def build_model(group: str, model: str, frame: str | None, readout: str | None, seed: int, *,
                in_channels: int = 1, num_classes: int = 10, input_size: int = 28) -> Any:
    """The network named by the command-line options, for images ``(in_channels, input_size, input_size)``.

    ``frame`` and ``readout`` as in :func:`resolve_options`.

    Raises
    ------
    ValueError
        Bad options (:func:`resolve_options`), an unknown group, or an image side the model
        cannot take.

    Examples
    --------
    >>> build_model("C4", "p4cnn", None, None, 0).num_params
    24560
    >>> build_model("none", "small", None, None, 0, in_channels=3, input_size=32).num_params > 0
    True
    """
    from . import nn
    from .demo import small_cnn
    options = resolve_options(group, model, frame, readout)
    shape: dict[str, Any] = {"in_channels": in_channels, "num_classes": num_classes, "input_size": input_size}
    try:
        if options is None:
            return nn.plain_cnn(seed=seed, **shape) if model == "p4cnn" else small_cnn(None, seed=seed, **shape)
        G = parse_group(group)
        if model == "p4cnn":
            return nn.p4cnn(G, frame=options[0], readout=options[1], seed=seed, **shape)
        return small_cnn(G, frame=options[0], readout=options[1], seed=seed, **shape)
    except ValueError as err:
        raise ValueError(f"cannot build the {model} model for {group} on {in_channels}×{input_size}×{input_size} "
                         f"images with {num_classes} classes: {err}") from None


def describe(group: str, model: str, frame: str | None, readout: str | None) -> str:
    """What :func:`build_model` builds, in words (its real frame and read-out).

    Examples
    --------
    >>> describe("D4", "small", None, None)
    'small CNN lifted through D4 (regular frame, joint read-out)'
    >>> describe("none", "p4cnn", None, None)
    'plain CNN (the P4CNN without a group)'
    """
    options = resolve_options(group, model, frame, readout)
    if options is None:
        return "plain CNN (the P4CNN without a group)" if model == "p4cnn" else "small plain CNN"
    name = f"P4CNN for {group}" if model == "p4cnn" else f"small CNN lifted through {group}"
    return f"{name} ({options[0]} frame, {options[1]} read-out)"


def _data_shape(train: Any, test: Any) -> tuple[int, int, int]:
    """``(channels, side, classes)`` of the training and held-out images, which must agree and be square."""
    shapes = [tuple(ds.as_float()[:1].shape[1:]) for ds in (train, test)]
    if shapes[0] != shapes[1]:
        raise ValueError(f"the training images are {'×'.join(map(str, shapes[0]))} but the held-out ones "
                         f"{'×'.join(map(str, shapes[1]))}; they must have one shape")
    channels, height, width = shapes[0]
    if height != width:
        raise ValueError(f"the images are {height}×{width}; the rotation groups act on square images only "
                         f"(crop or pad them)")
    return channels, height, max(train.num_classes, test.num_classes)


def configure_parser(parser: argparse.ArgumentParser) -> None:
    """Options of ``groupcore train``."""
    from .backends import BACKEND_NAMES
    parser.add_argument("--data", default=None, help="dataset file or folder (default: the embedded digits); "
                                                     "the model is built for its images and classes")
    parser.add_argument("--group", default="C4", help="C4, D4, C8 (interpolated), ... or 'none' for a plain CNN")
    parser.add_argument("--model", choices=MODELS, default="p4cnn")
    parser.add_argument("--frame", choices=FRAMES, default=None,
                        help="default: diagonal for p4cnn, regular for small")
    parser.add_argument("--readout", choices=READOUTS, default=None,
                        help="default: invariant for p4cnn, joint (class, pose) for small")
    parser.add_argument("--epochs", type=positive_int_arg, default=3)
    parser.add_argument("--batch-size", type=positive_int_arg, default=64)
    parser.add_argument("--lr", type=positive_float_arg, default=1e-3, help="Adam learning rate")
    parser.add_argument("--backend", choices=BACKEND_NAMES, default="numpy")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="model.npz", help="where to save the trained model (.npz)")


def run(args: argparse.Namespace) -> int:
    """Train, report held-out accuracy upright and under every C4 element, save; returns 0.

    Errors (a bad option, data or output path, a diverging run) raise before anything is
    written; the console script reports them in one line.
    """
    from . import backends, nn
    from .datasets import apply_elements, load_train_test
    from .families import cyclic
    from .fileio import check_file_target
    out = check_file_target(args.out)
    resolve_options(args.group, args.model, args.frame, args.readout)
    if args.group.lower() != "none":
        parse_group(args.group)
    backend = backends.get(args.backend)
    train, test = load_train_test(args.data, seed=args.seed)
    channels, side, classes = _data_shape(train, test)
    model = build_model(args.group, args.model, args.frame, args.readout, args.seed, in_channels=channels,
                        num_classes=classes, input_size=side).to(backend)
    joint = (resolve_options(args.group, args.model, args.frame, args.readout) or ("", ""))[1] == "joint"
    print(f"{describe(args.group, args.model, args.frame, args.readout)}: {model.num_params} parameters on "
          f"{args.backend}; {len(train)} training images {channels}×{side}×{side}, {classes} classes")
    model.fit(train.as_float(), train.labels, epochs=args.epochs, batch_size=args.batch_size,
              optimizer=nn.Adam(lr=args.lr), seed=args.seed, progress=args.model)
    xt = test.as_float()
    for k in range(4):
        logits = model.predict(apply_elements(xt, cyclic(4), np.full(len(xt), k)))
        pred = nn.decode_joint(logits, classes)[0] if joint else logits.argmax(axis=1)
        print(f"held-out accuracy, images rotated by {90 * k:3d}°: {(pred == test.labels).mean():.4f}")
    model.save(out)
    print(f"saved {out}")
    return 0

"""``groupcore train``: train an equivarified (or plain) network on a dataset and save it.

The model is the Cohen & Welling P4CNN for a group (``--model p4cnn``), the plain CNN of equal
compute (``--group none``), or the demo's small network (``--model small``). The saved ``.npz``
holds θ, the index tensors and the layer specs and reloads on any backend
(:func:`groupcore.nn.load`).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import numpy as np

from .names import parse_group

__all__ = ["build_model", "configure_parser", "run"]


def build_model(group: str, model: str, frame: str, readout: str, seed: int) -> Any:
    """The network named by the command-line options.

    Examples
    --------
    >>> build_model("C4", "p4cnn", "diagonal", "invariant", 0).num_params
    24560
    >>> build_model("none", "p4cnn", "diagonal", "invariant", 0).num_params > 0
    True
    """
    from . import nn
    from .demo import demo_models
    if group.lower() == "none":
        return nn.plain_cnn(seed=seed) if model == "p4cnn" else demo_models(parse_group("C1"), seed)["plain"]
    G = parse_group(group)
    if model == "p4cnn":
        return nn.p4cnn(G, frame=frame, readout=readout, seed=seed)
    return demo_models(G, seed)["equivarified"]


def configure_parser(parser: argparse.ArgumentParser) -> None:
    """Options of ``groupcore train``."""
    parser.add_argument("--data", default=None, help="dataset file or folder (default: the embedded digits)")
    parser.add_argument("--group", default="C4", help="C4, D4, C8 (interpolated), ... or 'none' for a plain CNN")
    parser.add_argument("--model", choices=("p4cnn", "small"), default="p4cnn")
    parser.add_argument("--frame", choices=("regular", "diagonal"), default="diagonal")
    parser.add_argument("--readout", choices=("invariant", "joint"), default="invariant")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--lr", type=float, default=1e-3, help="Adam learning rate")
    parser.add_argument("--backend", default="numpy", help="numpy or cupy")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="model.npz", help="where to save the trained model (.npz)")


def run(args: argparse.Namespace) -> int:
    """Train, report held-out accuracy upright and under every C4 element, save; returns 0."""
    from . import backends, nn
    from .datasets import apply_elements, load_train_test
    from .families import cyclic
    train, test = load_train_test(args.data, seed=args.seed)
    model = build_model(args.group, args.model, args.frame, args.readout, args.seed)
    model = model.to(backends.get(args.backend))
    print(f"{args.model} for {args.group} ({args.frame} frame, {args.readout} read-out): "
          f"{model.num_params} parameters on {args.backend}; {len(train)} training digits")
    model.fit(train.as_float(), train.labels, epochs=args.epochs, batch_size=args.batch_size,
              optimizer=nn.Adam(lr=args.lr), seed=args.seed)
    xt = test.as_float()
    for k in range(4):
        logits = model.predict(apply_elements(xt, cyclic(4), np.full(len(xt), k)))
        pred = nn.decode_joint(logits, 10)[0] if args.readout == "joint" else logits.argmax(axis=1)
        print(f"held-out accuracy, digits rotated by {90 * k:3d}°: {(pred == test.labels).mean():.4f}")
    model.save(Path(args.out))
    print(f"saved {args.out}")
    return 0

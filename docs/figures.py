"""Regenerate the tutorial's figures as PNGs in ``docs/_static/figures/``.

Run from anywhere, on a clean checkout with the package and matplotlib installed::

    python docs/figures.py              # all figures
    python docs/figures.py d4_letter_f  # just the named ones

Every figure is computed with groupcore itself, so a figure that changes means the library's
behaviour changed. Files are written atomically (temporary file, then ``os.replace``).
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path
from typing import Callable

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import groupcore as gc  # noqa: E402

__all__ = ["FIGURES", "LETTER_F", "OUT_DIR", "d4_letter_f", "lift_letter_f", "main"]

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
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"{name}.png"
    fd, tmp = tempfile.mkstemp(dir=out_dir, suffix=".png.tmp")
    os.close(fd)
    try:
        fig.savefig(tmp, format="png", dpi=100, metadata={"Software": None})
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
        plt.close(fig)
    return target


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


FIGURES: dict[str, Callable[[Path], Path]] = {
    "d4_letter_f": d4_letter_f,
    "lift_letter_f": lift_letter_f,
}


def main(argv: list[str] | None = None) -> int:
    """Write the named figures (default: all) and print where they went."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", metavar="NAME", help=f"figures to make, of {', '.join(FIGURES)} (default: all)")
    parser.add_argument("--out", type=Path, default=OUT_DIR, help=f"output folder (default: {OUT_DIR})")
    args = parser.parse_args(argv)
    unknown = [name for name in args.names if name not in FIGURES]
    if unknown:
        parser.error(f"no figure named {', '.join(unknown)}; choose from {', '.join(FIGURES)}")
    for name in args.names or FIGURES:
        print(FIGURES[name](args.out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

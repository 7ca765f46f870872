"""Interpolated rotations: operator build time, throughput against scipy.ndimage.rotate, and the defect.

Targets: C16 on 64×64 built in < 100 ms; on a 256×28×28 float32 batch the precomputed operator
at least 3× faster than ``scipy.ndimage.rotate``. The anti-aliasing study measures what the spline
order (0/1/3) and the disk mask do to the defect for N = 4, 8, 16 and sizes 9, 28, 29, 64, on the
default smooth images (filling the grid) and on the same images tapered to vanish 2 px inside the
disk (the interior error alone). Writes rotations.json, rotation_defect.png and rotations.md.

    python benchmarks/rotations.py [--quick]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np
from scipy import ndimage

import groupcore as gc
from common import RESULTS, machine, timeit, write_json, write_text
from groupcore.bench.equivariance import tapered_images
from groupcore.defect import smooth_images
from groupcore.fileio import save_figure
from groupcore.interpolation import disk_mask

BUILD_TARGET_S = 0.1          # C16 on 64x64
SPEEDUP_TARGET = 3.0          # precomputed operator vs scipy.ndimage.rotate, 256x28x28 float32


def _build(n: int, size: int, order: int) -> Callable[[], Any]:
    """What is timed: building C_n (the group included) and its interpolated rotations of size x size."""
    return lambda: gc.interpolated_rotations(gc.cyclic(n), (size, size), order=order)


def build_times(repeats: int) -> list[dict[str, Any]]:
    rows = []
    for n in (8, 16):
        for size in (28, 64):
            for order in (1, 3):
                t = timeit(_build(n, size, order), repeats=repeats)
                rows.append({"group": f"C{n}", "size": size, "order": order, **t})
    return rows


def throughput(rounds: int) -> list[dict[str, Any]]:
    """One 45° element of C8 on a 256x28x28 float32 batch, ours and SciPy's interleaved round by round."""
    batch = np.random.default_rng(0).standard_normal((256, 28, 28)).astype(np.float32)
    rows = []
    for order in (0, 1, 3):
        act = gc.interpolated_rotations(gc.cyclic(8), (28, 28), order=order, mask=None)
        ours = partial(act.apply, 1, batch)
        ref = partial(ndimage.rotate, batch, 45.0, axes=(1, 2), reshape=False, order=order)
        diff = float(np.abs(ours().astype(np.float64) - ref()).max())
        t_ours, t_ref = [], []
        for _ in range(rounds):
            t_ours.append(timeit(ours, repeats=1, warmup=0)["median"])
            t_ref.append(timeit(ref, repeats=1, warmup=0)["median"])
        mo, mr = float(np.median(t_ours)), float(np.median(t_ref))
        rows.append({"order": order, "operator_s": mo, "scipy_s": mr, "speedup": mr / mo,
                     "operator_images_per_s": 256 / mo, "scipy_images_per_s": 256 / mr,
                     "max_abs_diff_float32": diff, "rounds": rounds})
    return rows


def measure(n: int, size: int, order: int, mask: str | None, operator_norm: bool) -> dict[str, Any]:
    act = gc.interpolated_rotations(gc.cyclic(n), (size, size), order=order, mask=mask)
    full = act.defect(power_iterations=20 if operator_norm else 1)
    inner = act.defect(tapered_images(size, radius=act.radius), power_iterations=1)
    return {"N": n, "size": size, "order": order, "mask": mask, "exact": act.is_exact,
            "defect_max": full["max"], "defect_mean": full["mean"], "worst_pair": full["argmax"],
            "interior_max": inner["max"], "interior_mean": inner["mean"],
            "operator_norm_max": full["operator_norm_max"] if operator_norm else None}


def edge_midpoint_share(size: int = 29) -> float:
    """Share of the worst pair's squared defect on the four edge-midpoint pixels (C8, order 3, no mask)."""
    act = gc.interpolated_rotations(gc.cyclic(8), (size, size), order=3, mask=None)
    g, h = act.defect(power_iterations=1)["argmax"]
    x = smooth_images((size, size))
    err = ((act.apply(g, act.apply(h, x)) - act.apply(int(act.group.table[g, h]), x)) ** 2).sum(axis=0)
    err = err * disk_mask((size, size), act.radius)
    mid = size // 2
    return float((err[mid, 0] + err[mid, -1] + err[0, mid] + err[-1, mid]) / err.sum())


def study(sizes: tuple[int, ...]) -> list[dict[str, Any]]:
    return [measure(n, size, order, mask, operator_norm=True)
            for n in (4, 8, 16) for size in sizes for order in (0, 1, 3) for mask in ("disk", None)]


def defect_against_n(sizes: tuple[int, ...], ns: tuple[int, ...]) -> list[dict[str, Any]]:
    return [measure(n, size, order, mask, operator_norm=False)
            for size in sizes for n in ns for order in (0, 1, 3) for mask in ("disk", None)]


def plot(rows: list[dict[str, Any]], path: str) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = sorted({r["size"] for r in rows})
    fig, axes = plt.subplots(1, len(sizes), figsize=(max(6.5, 5.5 * len(sizes)), 5.2), squeeze=False)
    colors = {0: "tab:red", 1: "tab:blue", 3: "tab:green"}
    series = (("disk", "defect_max", "-", "mask=disk"), (None, "defect_max", "--", "mask=None"),
              (None, "interior_max", ":", "interior images"))
    for ax, size in zip(axes[0], sizes):
        for order in (0, 1, 3):
            for mask, key, style, label in series:
                sel = [r for r in rows if r["size"] == size and r["order"] == order and r["mask"] == mask
                       and not r["exact"]]
                ax.plot([r["N"] for r in sel], [r[key] for r in sel], style, marker="o", ms=3,
                        color=colors[order], label=f"order {order}, {label}")
        exact = sorted({r["N"] for r in rows if r["exact"] and r["size"] == size})
        for n in exact:
            ax.axvline(n, color="0.8", lw=1)
        ax.text(max(exact), 1.01, f"N = {', '.join(map(str, exact))}: exact, defect 0 ",
                transform=ax.get_xaxis_transform(), ha="right", va="bottom", fontsize=7, color="0.4")
        ax.set_yscale("log")
        ax.set_xlabel("N (rotations C_N)")
        ax.set_ylabel("max over pairs of ‖ρ(g)ρ(h)x − ρ(gh)x‖ / ‖x‖ (disk)")
        ax.set_title(f"{size}×{size}, C_N, smooth images (σ = 2 px)", pad=14)
        ax.grid(True, which="both", alpha=0.3)
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, labels, fontsize=7, ncol=3, loc="lower center")
    fig.tight_layout(rect=(0, 0.16, 1, 1))
    save_figure(fig, path, dpi=120)
    plt.close(fig)


def _fmt(x: float | None) -> str:
    return "—" if x is None else ("0" if x == 0 else f"{x:.2e}")


def markdown(data: dict[str, Any], command: str) -> str:
    rows = [r for r in data["study"] if not r["exact"]]
    exact = sorted({(r["N"], r["size"]) for r in data["study"] if r["exact"]})
    lines = [
        "# Interpolated rotations: the defect and anti-aliasing",
        "",
        f"Produced by `{command}` on {data['machine'].get('cpu')} ({data['machine'].get('date')}); "
        "numbers in rotations.json. Defect = ‖ρ(g)ρ(h)x − ρ(gh)x‖ / ‖x‖ inside the disk of radius "
        "(size−1)/2, maximum and mean over all |G|² pairs; x = 4 seeded smooth images (white noise blurred "
        "with σ = 2 px, filling the grid); *interior* = the same images tapered to vanish 2 px inside the "
        "disk; operator norm = largest singular value of D(ρ(g)ρ(h) − ρ(gh))D (power iteration, worst pair). "
        "Boundary mode `constant`.",
        "",
        f"N = 4 is exact (pixel permutations): every defect and operator norm is exactly 0 for "
        f"{', '.join(f'{s}×{s}' for _, s in exact)}, all orders, with and without the mask.",
        "",
        "| N | size | order | mask | defect max | defect mean | interior max | operator norm |",
        "|---:|---:|---:|:---|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(f"| {r['N']} | {r['size']} | {r['order']} | {r['mask']} | {_fmt(r['defect_max'])} | "
                     f"{_fmt(r['defect_mean'])} | {_fmt(r['interior_max'])} | {_fmt(r['operator_norm_max'])} |")
    by_key = {(r["N"], r["size"], r["order"], r["mask"]): r for r in rows}
    mask_worse = sum(by_key[k]["defect_max"] > by_key[k[:3] + (None,)]["defect_max"] for k in by_key if k[3] == "disk")
    pairs_01 = [(by_key[(n, s, 1, m)], by_key[(n, s, 0, m)]) for (n, s, o, m) in by_key if o == 0]
    better_1 = sum(a["defect_max"] < b["defect_max"] for a, b in pairs_01)
    pairs_13 = [(by_key[(n, s, 3, m)], by_key[(n, s, 1, m)]) for (n, s, o, m) in by_key if o == 1]
    better_3_nomask = sum(a["defect_max"] < b["defect_max"] for a, b in pairs_13 if a["mask"] is None)
    better_3_interior = sum(a["interior_max"] < b["interior_max"] for a, b in pairs_13)
    n_disk = sum(1 for k in by_key if k[3] == "disk")
    interior_gap = max(abs(by_key[k]["interior_max"] - by_key[k[:3] + (None,)]["interior_max"])
                       / by_key[k[:3] + (None,)]["interior_max"] for k in by_key if k[3] == "disk")
    sizes = sorted({k[1] for k in by_key})
    rim_by_size = ", ".join(f"{s}: {_fmt(by_key[(8, s, 1, 'disk')]['defect_max'])}" for s in sizes)
    interior_ranges = "; ".join(
        f"order {o} between {_fmt(min(v))} and {_fmt(max(v))}" for o in (0, 1, 3)
        for v in [[by_key[k]["interior_max"] for k in by_key if k[2] == o and k[1] >= 28]])
    interior_ranges += " (sizes ≥ 28, max over pairs)"
    norm_ranges = ", ".join(
        f"{_fmt(min(v))}–{_fmt(max(v))} for order {o}" for o in (0, 1, 3)
        for v in [[by_key[k]["operator_norm_max"] for k in by_key if k[2] == o]])
    lines += [
        "",
        "## What the numbers say",
        "",
        f"- **Order.** Bilinear beats nearest in {better_1} of {len(pairs_01)} configurations (max defect). "
        f"Without the mask the cubic B-spline beats bilinear in {better_3_nomask} of {len(pairs_13) // 2}; on "
        f"the interior images it beats bilinear in {better_3_interior} of {len(pairs_13)}. Nearest neighbour "
        "moves pixels by up to half a pixel each time, so ρ(g)ρ(h) and ρ(gh) disagree by whole pixels; bilinear "
        "is a low-pass filter applied once per rotation, so two rotations blur twice and the defect is that "
        "extra blur; the cubic spline is closest to band-limited interpolation and blurs least.",
        f"- **The disk mask does not reduce the defect measured on the disk; it raises it** ({mask_worse} of "
        f"{n_disk} configurations). The mask zeroes ρ(h)x outside the disk, and ρ(g) then reads those zeros "
        "for the outputs on the rim, whose interpolation stencils reach up to one (bilinear) or two (cubic) "
        "pixels past the disk. On the interior images the mask changes the defect by at most "
        f"{interior_gap:.1e} (relative): away from the rim it does nothing. What the mask buys is elsewhere: "
        "rotated images are clean outside the disk "
        "(no corners half-filled from outside the grid), which matters for filters and for whole-image outputs.",
        "- **Odd sizes.** For an odd size the disk of radius (size−1)/2 holds the four edge-midpoint pixels, "
        "whose rotations read the image edge and the zeros beyond it; without the mask they dominate the defect "
        f"(29×29 against 28×28; at 29×29, C8, order 3 they carry {data['edge_midpoint_share']:.0%} of the squared "
        "error of the worst pair). The interior defects of 28 and 29 agree.",
        "- **Size.** With the mask the (rim-dominated) defect falls as the grid grows, since the rim is a "
        f"smaller share of the disk (C8, order 1: {rim_by_size}). The interior defect depends on the images' "
        f"smoothness relative to the pixel (σ = 2 px here) rather than on the size: {interior_ranges}.",
        f"- **Worst case.** Across N and sizes the operator norm (worst pair) spans {norm_ranges}: for the "
        "roughest images (pixel-scale checkerboards) the interpolated rotations are not close to an action at "
        "all. Smooth inputs (or smoothing before rotating) are what make the approximate equivariance useful; "
        "the defect is a property of the input class, so it is reported, never assumed small.",
        "- **Pairs.** Products where one factor is a multiple of 90° give defects at rounding level (≈1e-15, "
        "rotating the sample coordinates by 90° is exact but the floating-point coordinates differ in the last "
        "bit); products of two interpolated rotations carry the whole defect.",
        "",
        "## Speed (same run)",
        "",
        *[f"- Build C{r['group'][1:]} on {r['size']}×{r['size']}, order {r['order']}: median "
          f"{r['median'] * 1e3:.1f} ms (min {r['min'] * 1e3:.1f} ms)." for r in data["build"]],
        *[f"- C8 at 45° on a 256×28×28 float32 batch, order {r['order']}: precomputed operator "
          f"{r['operator_s'] * 1e3:.2f} ms, scipy.ndimage.rotate {r['scipy_s'] * 1e3:.2f} ms, "
          f"{r['speedup']:.1f}× (medians of {r['rounds']} interleaved rounds; max |difference| "
          f"{r['max_abs_diff_float32']:.1e} in float32)." for r in data["throughput"]],
        "",
        "The machine has 2 shared cores; absolute times move by 25–50% with its load, the interleaved ratios "
        "much less.",
        "",
        "Plot: rotation_defect.png (max defect against N for orders 0/1/3: with the mask, without it, and "
        "on the interior images).",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats, sizes 9/28/29 only (< 1 minute)")
    args = parser.parse_args()
    command = "python benchmarks/rotations.py" + (" --quick" if args.quick else "")
    t0 = time.perf_counter()
    sizes = (9, 28, 29) if args.quick else (9, 28, 29, 64)

    build = build_times(3 if args.quick else 7)
    print(f"{'build':<8}{'group':>6}{'size':>6}{'order':>6}{'median ms':>11}{'min ms':>9}")
    for r in build:
        flag = ""
        if r["group"] == "C16" and r["size"] == 64:
            flag = "  target < 100 ms: " + ("met" if r["median"] < BUILD_TARGET_S else "NOT met")
        print(f"{'':<8}{r['group']:>6}{r['size']:>6}{r['order']:>6}{r['median'] * 1e3:>11.1f}"
              f"{r['min'] * 1e3:>9.1f}{flag}")

    speed = throughput(5 if args.quick else 15)
    print("\nC8, 45°, 256x28x28 float32   operator ms   scipy ms   speedup   max |diff|")
    for r in speed:
        verdict = "met" if r["speedup"] >= SPEEDUP_TARGET else "NOT met"
        print(f"  order {r['order']}{'':<21}{r['operator_s'] * 1e3:>11.2f}{r['scipy_s'] * 1e3:>11.2f}"
              f"{r['speedup']:>9.1f}x   {r['max_abs_diff_float32']:.1e}   (target >= 3x: {verdict})")

    rows = study(sizes)
    print("\nanti-aliasing study (defect on the disk, smooth images; interior = tapered images)")
    print(f"{'N':>3}{'size':>5}{'order':>6}{'mask':>6}{'max':>10}{'mean':>10}{'interior':>10}{'op norm':>10}")
    for r in rows:
        print(f"{r['N']:>3}{r['size']:>5}{r['order']:>6}{r['mask']!s:>6}{_fmt(r['defect_max']):>10}"
              f"{_fmt(r['defect_mean']):>10}{_fmt(r['interior_max']):>10}{_fmt(r['operator_norm_max']):>10}")

    ns = (1, 2, 3, 4, 6, 8, 16) if args.quick else (1, 2, 3, 4, 5, 6, 8, 10, 12, 16)
    curve = defect_against_n((28,) if args.quick else (28, 64), ns)
    png = str(RESULTS / "rotation_defect.png")
    plot(curve, png)

    data = {"machine": machine(), "command": command, "build": build, "throughput": speed, "study": rows,
            "edge_midpoint_share": edge_midpoint_share(),
            "defect_against_N": curve, "targets": {"build_C16_64x64_s": BUILD_TARGET_S,
                                                   "speedup_vs_scipy": SPEEDUP_TARGET},
            "elapsed_s": time.perf_counter() - t0}
    out = write_json(RESULTS / "rotations.json", data)
    md = str(RESULTS / "rotations.md")
    write_text(md, markdown(data, command))
    print(f"\nwrote {out}, {png}, {md} in {data['elapsed_s']:.0f} s")


if __name__ == "__main__":
    main()

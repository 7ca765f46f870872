"""The general engine: index construction, a 3-d group convolution vs GEMM and torch, weight sharing vs the black box.

Measured in one run, float32 on NumPy (medians of interleaved rounds, groupcore.bench's timing):

- building every index tensor of a 7-layer ``full_octahedral()`` 3-d network (:func:`groupcore.nn.gcnn3d`);
- a ``GroupConv3d`` for ``octahedral()`` (10 channels per element, 16³ voxels, 3³ filters, batch 8)
  forward, against a square GEMM of the same FLOPs and an equal-FLOP ``torch.nn.Conv3d`` (when
  torch is installed; same process, threads limited alike);
- the first layer of a lifted network with weight sharing (one convolution with |G|·O outputs)
  against the black-box lift (the plain convolution run on |G| transformed copies);
- a regular-frame group convolution, forward and backward, through the group Fourier transform
  (``fourier=True``) against the direct path (``fourier=False``), for C4, D4, D6 and O.

Run: ``env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/engine.py [--rounds 7]``;
prints the table and writes ``benchmarks/results/engine.json``.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np
from threadpoolctl import threadpool_limits

import groupcore as gc
from common import RESULTS, machine, write_json
from groupcore import backends, nn
from groupcore.bench.roofline import square_gemm
from groupcore.bench.timing import interleaved


def build_times(rounds: int) -> dict[str, Any]:
    """Seconds to build the 7-layer full-octahedral network (index tensors included), cold and warm."""
    G = gc.full_octahedral()
    t0 = time.perf_counter()
    net = nn.gcnn3d(G, channels=4, input_size=8)
    first = time.perf_counter() - t0
    samples = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        nn.gcnn3d(G, channels=4, input_size=8)
        samples.append(time.perf_counter() - t0)
    indices = sum(leaf.index.size for leaf in net.leaves() if hasattr(leaf, "sharing"))
    return {"first_s": first, "median_s": float(np.median(samples)), "index_entries": int(indices),
            "layers": sum(hasattr(leaf, "sharing") for leaf in net.leaves()), "group": G.name}


def torch_conv3d(channels: int, size: int, batch: int) -> Callable[[], Any] | None:
    """An equal-FLOP ``torch.nn.Conv3d`` forward (``channels`` in and out), or None without torch."""
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(max(1, len(__import__("os").sched_getaffinity(0))))
    conv = torch.nn.Conv3d(channels, channels, 3).eval()
    x = torch.randn(batch, channels, size, size, size)

    def run() -> Any:
        with torch.no_grad():
            return conv(x)
    return run


def group_conv3d(rounds: int) -> dict[str, Any]:
    """GroupConv3d(octahedral, 10 → 10 per element) forward against GEMM and torch's Conv3d."""
    G, c, size, batch = gc.octahedral(), 10, 16, 8
    be = backends.get("numpy")
    layer = nn.GroupConv3d(G, c, c, 3, frame="diagonal", seed=0).to(be, "float32")
    x = be.asarray(np.random.default_rng(0).standard_normal((batch, c, G.order, size, size, size)), dtype="float32")
    channels = c * G.order
    out = size - 2
    flops = 2.0 * batch * channels * channels * 27 * out ** 3
    candidates: dict[str, Any] = {"GroupConv3d": lambda: layer(x),
                                  "GEMM (same FLOPs)": square_gemm(flops, "float32", be)}
    torch_run = torch_conv3d(channels, size, batch)
    if torch_run is not None:
        candidates["torch Conv3d (same FLOPs)"] = torch_run
    stats = interleaved(candidates, rounds=rounds, warmup=1)
    t = {k: v["median"] for k, v in stats.items()}
    return {"flops": flops, "median_s": t, "noisy": {k: v["noisy"] for k, v in stats.items()},
            "gflops": {k: flops / v / 1e9 for k, v in t.items()},
            "fraction_of_gemm": t["GEMM (same FLOPs)"] / t["GroupConv3d"],
            "torch_over_groupcore": (t["torch Conv3d (same FLOPs)"] / t["GroupConv3d"]) if torch_run else None}


def sharing_vs_black_box(rounds: int) -> dict[str, Any]:
    """The first layer (lifting) with weight sharing against the literal lift, for D4 images and O voxels."""
    be = backends.get("numpy")
    rng = np.random.default_rng(1)
    rows = {}
    for G, shape, make in ((gc.dihedral(4), (28, 28), nn.LiftingConv2d), (gc.octahedral(), (12, 12, 12),
                                                                          nn.LiftingConv3d)):
        layer = make(G, 1, 10, 3, frame="diagonal", seed=0).to(be, "float32")
        grid = gc.GridAction(G, len(shape))
        black_box = nn.lift_layer(layer.unlifted(), G, grid, grid)
        x = rng.standard_normal((16, 1) + shape).astype(np.float32)
        stats = interleaved({"sharing": partial(layer, x), "black box": partial(black_box, x)}, rounds=rounds)
        t = {k: v["median"] for k, v in stats.items()}
        rows[f"{make.__name__} {G.name}"] = {"median_s": t, "black_box_over_sharing": t["black box"] / t["sharing"],
                                             "group_order": G.order}
    return rows


#: (group, grid, channels per element, batch) of the Fourier-against-direct comparison
FOURIER_CASES = (("C4", (28, 28), 10, 8), ("D4", (28, 28), 5, 8), ("D4", (28, 28), 10, 8), ("D4", (12, 12), 10, 32),
                 ("D6", (28, 28), 10, 8), ("O", (10, 10, 10), 4, 2), ("O", (10, 10, 10), 10, 2))


def _forward_backward(layer: Any, x: Any, gy: Any) -> Any:
    layer.forward(x)
    return layer.backward(gy)


def fourier_vs_direct(rounds: int) -> dict[str, Any]:
    """A regular-frame ``GroupConv2d/3d`` (3-wide, padding 1), forward + backward, both paths, float32.

    Timed twice: with the default threads (the kernels split each call over two threads, as a
    layer called on its own runs) and on one thread (single-threaded BLAS, as inside a training
    step's workers).
    """
    default = _fourier_vs_direct(rounds)
    with threadpool_limits(1, user_api="blas"):
        return {"default threads": default, "one thread": _fourier_vs_direct(rounds)}


def _fourier_vs_direct(rounds: int) -> dict[str, Any]:
    be = backends.get("numpy")
    rng = np.random.default_rng(2)
    rows = {}
    for name, grid, c, batch in FOURIER_CASES:
        G = gc.parse_group(name)
        make = {2: nn.GroupConv2d, 3: nn.GroupConv3d}[len(grid)]
        layers = {path: make(G, c, c, 3, padding=1, fourier=path == "fourier", seed=0).to(be, "float32")
                  for path in ("direct", "fourier")}
        x = rng.standard_normal((batch, c, G.order) + grid).astype(np.float32)
        gy = rng.standard_normal((batch, c, G.order) + grid).astype(np.float32)
        stats = interleaved({path: partial(_forward_backward, layer, x, gy) for path, layer in layers.items()},
                            rounds=rounds, warmup=1)
        t = {k: v["median"] for k, v in stats.items()}
        dims = [irrep.dim for irrep in gc.real_irreps(G)]
        rows[f"{name} {'x'.join(map(str, grid))} c={c} batch {batch}"] = {
            "median_s": t, "noisy": {k: v["noisy"] for k, v in stats.items()},
            "direct_over_fourier": t["direct"] / t["fourier"],
            "multiply_add_saving": G.order ** 2 / sum(d ** 3 for d in dims),
            "auto_takes_fourier": make(G, c, c, 3, padding=1).fourier}
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    build = build_times(args.rounds)
    conv = group_conv3d(args.rounds)
    share = sharing_vs_black_box(args.rounds)
    fourier = fourier_vs_direct(args.rounds)
    print(f"build the 7-layer {build['group']} 3-d network ({build['layers']} lifted layers, "
          f"{build['index_entries']:,} index entries): first {1e3 * build['first_s']:.0f} ms, "
          f"median {1e3 * build['median_s']:.0f} ms (target < 500 ms)")
    print(f"GroupConv3d O 10→10 per element, 16³, batch 8 ({conv['flops'] / 1e9:.1f} GFLOP):")
    for name, t in conv["median_s"].items():
        print(f"  {name:<26} {1e3 * t:8.1f} ms  {conv['gflops'][name]:6.1f} GFLOP/s"
              + ("  (noisy)" if conv["noisy"][name] else ""))
    print(f"  GroupConv3d at {100 * conv['fraction_of_gemm']:.0f}% of the same-FLOP GEMM (target >= 40%)"
          + ("" if conv["torch_over_groupcore"] is None
             else f"; torch Conv3d / GroupConv3d = {conv['torch_over_groupcore']:.2f}"))
    for name, row in share.items():
        print(f"{name}: sharing {1e3 * row['median_s']['sharing']:.1f} ms, black box "
              f"{1e3 * row['median_s']['black box']:.1f} ms: {row['black_box_over_sharing']:.1f}x "
              f"(|G| = {row['group_order']})")
    for threads, rows in fourier.items():
        print(f"regular-frame group convolution, forward + backward, {threads}: direct / Fourier "
              f"(|G|²/Σd³ = multiply-add saving)")
        for name, row in rows.items():
            print(f"  {name:<28} direct {1e3 * row['median_s']['direct']:7.1f} ms, Fourier "
                  f"{1e3 * row['median_s']['fourier']:7.1f} ms: {row['direct_over_fourier']:.2f}x "
                  f"(saving {row['multiply_add_saving']:.1f}; "
                  f"auto takes {'Fourier' if row['auto_takes_fourier'] else 'direct'})"
                  + ("  (noisy)" if any(row["noisy"].values()) else ""))
    write_json(RESULTS / "engine.json", {"machine": machine(), "rounds": args.rounds, "build": build,
                                         "group_conv3d": conv, "sharing_vs_black_box": share,
                                         "fourier_vs_direct": fourier})


if __name__ == "__main__":
    main()

"""Speed and memory of the lifted convolutions and of a P4CNN training step, side by side.

Measures, in one process on the NumPy backend (float32, batch 64, 28×28):

- ``LiftingConv2d`` and ``GroupConv2d`` (C4 and D4, 10 and 32 channels per group element,
  ``frame="diagonal"``), forward and forward + backward;
- the Cohen & Welling P4CNN (C4, 7 layers of 3×3 — the last 4×4 — 10 channels per element, max
  pooling after layer 2), forward and a training step (forward, backward, SGD with momentum);
- next to one plain GEMM of the same FLOPs (the roofline, same dtype, same run), the layer's own
  im2col GEMM shape, and — when ``torch`` imports — a plain PyTorch CPU CNN of equal FLOPs;
- the time to build every index tensor of the P4CNN and of a D8 (|G| = 16) 7-layer network, and the
  peak memory of a training step against activations + expanded weights + their gradients.

Candidates are interleaved round by round and reported as medians. Run it, for the BLAS's own
kernel, as::

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE .venv/bin/python benchmarks/layers.py

Writes ``benchmarks/results/layers.json`` (atomically) and prints a table.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any, Callable

import numpy as np

import groupcore as gc
from groupcore import backends, nn
from groupcore.bench.report import machine
from groupcore.fileio import write_json

BATCH, SIZE = 64, 28
RESULTS = Path(__file__).resolve().parent / "results" / "layers.json"


# ----------------------------------------------------------------------------- machine
def load_torch() -> tuple[Any, str | None]:
    """``(torch, None)`` when importable, else ``(None, reason)``.

    Torch's OpenMP workers would otherwise spin after each call and steal the cores from the
    BLAS threads of the next (interleaved) candidate: they are made to sleep instead.
    """
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    try:
        import torch
    except ImportError as err:
        return None, f"torch is not installed ({err}); `pip install torch==2.13.0` adds the CPU peer"
    torch.set_num_threads(os.cpu_count() or 1)
    return torch, None


# ----------------------------------------------------------------------------- timing
def interleaved(candidates: dict[str, Callable[[], Any]], rounds: int, warmup: int = 2) -> dict[str, float]:
    """Median seconds of each candidate, timed round by round in turn after ``warmup`` rounds."""
    times: dict[str, list[float]] = {name: [] for name in candidates}
    for r in range(warmup + rounds):
        for name, fn in candidates.items():
            t0 = time.perf_counter()
            fn()
            if r >= warmup:
                times[name].append(time.perf_counter() - t0)
    return {name: statistics.median(ts) for name, ts in times.items()}


def square_gemm(flops: float, dtype: type) -> Callable[[], Any]:
    """One ``m × m`` GEMM of (about) ``flops`` floating-point operations, with its output buffer."""
    m = max(8, round((flops / 2) ** (1 / 3)))
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((m, m)).astype(dtype), rng.standard_normal((m, m)).astype(dtype)
    out = np.empty((m, m), dtype)
    return lambda: np.matmul(a, b, out=out)


def shaped_gemm(m: int, k: int, n: int, dtype: type) -> Callable[[], Any]:
    """The im2col GEMM of a convolution: ``(m, k) @ (k, n)``."""
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((m, k)).astype(dtype), rng.standard_normal((k, n)).astype(dtype)
    out = np.empty((m, n), dtype)
    return lambda: np.matmul(a, b, out=out)


def conv_flops(batch: int, c_in: int, c_out: int, k: int, h_out: int, w_out: int) -> float:
    return 2.0 * batch * h_out * w_out * c_in * c_out * k * k


# ----------------------------------------------------------------------------- layers
def layer_case(group: gc.Group, kind: str, c: int, rounds: int, torch: Any) -> dict[str, Any]:
    """Forward and forward+backward of one lifted layer next to its GEMM roofline and torch."""
    be, n = backends.get("numpy"), group.order
    rng = np.random.default_rng(0)
    if kind == "lifting":
        layer = nn.LiftingConv2d(group, 1, c, 3, frame="diagonal", seed=0)
        x = rng.standard_normal((BATCH, 1, SIZE, SIZE)).astype(np.float32)
        c_in, needs_gx = 1, False
    else:
        layer = nn.GroupConv2d(group, c, c, 3, frame="diagonal", seed=0)
        x = rng.standard_normal((BATCH, c, n, SIZE, SIZE)).astype(np.float32)
        c_in, needs_gx = c * n, True
    layer = layer.to(be, "float32")
    layer.needs_input_grad = needs_gx
    gy = np.ones_like(layer.forward(x))
    ho = SIZE - 2
    fwd = conv_flops(BATCH, c_in, c * n, 3, ho, ho)
    fb = fwd * (3 if needs_gx else 2)

    def forward_backward() -> None:
        layer.forward(x)
        layer.backward(gy)

    cands: dict[str, Callable[[], Any]] = {
        "forward": lambda: layer.forward(x), "forward+backward": forward_backward,
        "gemm roofline (fwd flops)": square_gemm(fwd, np.float32),
        "im2col gemm (fwd shape)": shaped_gemm(BATCH * ho * ho, c_in * 9, c * n, np.float32)}
    if torch is not None:
        conv = torch.nn.Conv2d(c_in, c * n, 3)
        tx = torch.from_numpy(x.reshape(BATCH, c_in, SIZE, SIZE).copy()).requires_grad_(needs_gx)
        tgy = torch.ones((BATCH, c * n, ho, ho))

        def torch_fb() -> None:
            conv.zero_grad(set_to_none=True)
            tx.grad = None
            conv(tx).backward(tgy)

        def torch_fwd() -> None:
            with torch.no_grad():
                conv(tx)

        cands["torch forward"], cands["torch forward+backward"] = torch_fwd, torch_fb
    t = interleaved(cands, rounds)
    out = {"layer": f"{'LiftingConv2d' if kind == 'lifting' else 'GroupConv2d'}", "group": group.name,
           "order": n, "channels_per_element": c, "in_channels_expanded": c_in, "out_channels_expanded": c * n,
           "flops_forward": fwd, "flops_forward_backward": fb, "median_s": t,
           "gflops": {"forward": fwd / t["forward"] / 1e9, "forward+backward": fb / t["forward+backward"] / 1e9,
                      "gemm roofline": fwd / t["gemm roofline (fwd flops)"] / 1e9,
                      "im2col gemm": fwd / t["im2col gemm (fwd shape)"] / 1e9}}
    out["ratios"] = {
        "forward / roofline gemm (fraction of roofline)": t["gemm roofline (fwd flops)"] / t["forward"],
        "forward+backward / roofline": t["gemm roofline (fwd flops)"] * fb / fwd / t["forward+backward"]}
    if torch is not None:
        out["ratios"]["forward time / torch"] = t["forward"] / t["torch forward"]
        out["ratios"]["forward+backward time / torch"] = t["forward+backward"] / t["torch forward+backward"]
    return out


# ----------------------------------------------------------------------------- P4CNN
def p4cnn(group: gc.Group, channels: int = 10, **options: Any) -> nn.Sequential:
    """Cohen & Welling's P4CNN for MNIST-rot: 7 lifted 3×3 layers (the last 4×4), pooling after 2."""
    conv = dict(frame="diagonal", **options)
    layers: list[Any] = [nn.LiftingConv2d(group, 1, channels, 3, seed=0, **conv), nn.ReLU()]
    for i in range(5):
        layers += [nn.GroupConv2d(group, channels, channels, 3, seed=i + 1, **conv), nn.ReLU()]
        if i == 0:
            layers.append(nn.MaxPool2d(2, 2, frame="diagonal"))
    layers += [nn.GroupConv2d(group, channels, 10, 4, seed=7, **conv), nn.GroupPool("max"), nn.Flatten()]
    return nn.Sequential(*layers)


P4CNN_CONVS = [(1, 3, 26), (1, 3, 24), (1, 3, 10), (1, 3, 8), (1, 3, 6), (1, 3, 4), (1, 4, 1)]


def p4cnn_flops(order: int, channels: int = 10) -> float:
    c = channels * order
    return sum(conv_flops(BATCH, (1 if i == 0 else c), c, k, h, h) for i, (_, k, h) in enumerate(P4CNN_CONVS))


def torch_p4cnn(torch: Any, width: int) -> Any:
    """A plain CNN with the P4CNN's layers and ``width`` channels: the same convolution FLOPs."""
    t = torch.nn
    layers = [t.Conv2d(1, width, 3), t.ReLU(), t.Conv2d(width, width, 3), t.ReLU(), t.MaxPool2d(2)]
    for _ in range(4):
        layers += [t.Conv2d(width, width, 3), t.ReLU()]
    layers += [t.Conv2d(width, width, 4), t.Flatten(), t.Linear(width, 10)]
    return t.Sequential(*layers)


def p4cnn_case(rounds: int, torch: Any) -> dict[str, Any]:
    group = gc.cyclic(4)
    model = p4cnn(group).to(backends.get("numpy"), "float32")
    rng = np.random.default_rng(0)
    x = rng.standard_normal((BATCH, 1, SIZE, SIZE)).astype(np.float32)
    y = rng.integers(0, 10, BATCH)
    opt = nn.SGD(lr=0.01, momentum=0.9)
    flops = p4cnn_flops(group.order)
    cands: dict[str, Callable[[], Any]] = {
        "forward": lambda: model.forward(x), "train step": lambda: model.train_step(x, y, opt),
        "gemm roofline (fwd flops)": square_gemm(flops, np.float32)}
    if torch is not None:
        net = torch_p4cnn(torch, 10 * group.order)
        topt = torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.9)
        tx, ty = torch.from_numpy(x), torch.from_numpy(y)

        def torch_step() -> None:
            topt.zero_grad(set_to_none=True)
            torch.nn.functional.cross_entropy(net(tx), ty).backward()
            topt.step()

        def torch_forward() -> None:
            with torch.no_grad():
                net(tx)

        cands["torch forward"], cands["torch train step"] = torch_forward, torch_step
    t = interleaved(cands, rounds)
    out = {"model": "P4CNN (C4, 10 channels per element, diagonal frame)", "num_params": model.num_params,
           "flops_forward": flops, "median_s": t,
           "gflops": {"forward": flops / t["forward"] / 1e9, "train step": 3 * flops / t["train step"] / 1e9,
                      "gemm roofline": flops / t["gemm roofline (fwd flops)"] / 1e9},
           "ratios": {"forward / roofline gemm (fraction of roofline)": t["gemm roofline (fwd flops)"] / t["forward"]}}
    if torch is not None:
        out["ratios"]["forward time / torch"] = t["forward"] / t["torch forward"]
        out["ratios"]["train step time / torch"] = t["train step"] / t["torch train step"]
    out["memory"] = step_memory(model, x, y, opt)
    return out


def step_memory(model: nn.Sequential, x: np.ndarray, y: np.ndarray, opt: Any) -> dict[str, float]:
    """Peak traced memory of a training step against activations + expanded weights + gradients."""
    acts, h = x.nbytes, x
    for layer in model:
        h = layer.forward(h)
        acts += h.nbytes
    weights = sum(int(np.prod(layer.index.shape[:5])) * 4 for layer in model if hasattr(layer, "index"))
    model.train_step(x, y, opt)
    tracemalloc.start()
    model.train_step(x, y, opt)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    base = acts + 2 * weights
    return {"peak_mb": peak / 2**20, "activations_mb": acts / 2**20, "expanded_weights_mb": weights / 2**20,
            "peak / (activations + 2 x expanded weights)": peak / base}


def index_build_times() -> dict[str, Any]:
    """Seconds to build every index tensor of the P4CNN (C4) and of a D8 7-layer network."""
    out: dict[str, Any] = {}
    for name, group, options in (("P4CNN C4", gc.cyclic(4), {}), ("7-layer D8", gc.dihedral(8), {})):
        best = float("inf")
        try:
            for _ in range(3):
                t0 = time.perf_counter()
                model = p4cnn(group, **options)
                for layer in model:
                    if hasattr(layer, "index"):
                        layer.index  # noqa: B018 - building the index is what is timed
                best = min(best, time.perf_counter() - t0)
            out[name] = {"seconds": best, "order": group.order}
        except Exception as err:  # report, do not hide: the benchmark keeps going
            out[name] = {"error": f"{type(err).__name__}: {err}"}
    return out


# ----------------------------------------------------------------------------- report
def table(result: dict[str, Any]) -> str:
    rows = [f"{'workload':44s} {'median ms':>10s} {'GFLOP/s':>8s}  ratios"]
    for case in result["layers"]:
        head = f"{case['layer']} {case['group']} c={case['channels_per_element']}"
        for key in ("forward", "forward+backward"):
            g = case["gflops"][key]
            rows.append(f"{head + ' ' + key:44s} {case['median_s'][key] * 1e3:10.2f} {g:8.1f}")
        rows.append(f"{'  gemm roofline (same FLOPs)':44s} {case['median_s']['gemm roofline (fwd flops)'] * 1e3:10.2f}"
                    f" {case['gflops']['gemm roofline']:8.1f}  "
                    + ", ".join(f"{k}: {v:.2f}" for k, v in case["ratios"].items()))
    p = result["p4cnn"]
    for key in ("forward", "train step"):
        rows.append(f"{'P4CNN ' + key:44s} {p['median_s'][key] * 1e3:10.2f} {p['gflops'][key]:8.1f}")
    for key in ("torch forward", "torch train step"):
        if key in p["median_s"]:
            rows.append(f"{'plain torch CNN ' + key[6:]:44s} {p['median_s'][key] * 1e3:10.2f}")
    rows.append("P4CNN ratios: " + ", ".join(f"{k}: {v:.2f}" for k, v in p["ratios"].items()))
    rows.append("memory: " + ", ".join(f"{k}: {v:.2f}" for k, v in p["memory"].items()))
    rows.append("index build: " + ", ".join(
        f"{k}: {v['seconds'] * 1e3:.1f} ms" if "seconds" in v else f"{k}: {v['error']}"
        for k, v in result["index_build"].items()))
    if result["torch"] != "ok":
        rows.append(f"torch peer skipped: {result['torch']}")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7, help="timed rounds per candidate (median)")
    parser.add_argument("--channels", type=int, nargs="+", default=[10, 32])
    parser.add_argument("--groups", nargs="+", default=["C4", "D4"], choices=["C4", "D4"])
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    torch, why = load_torch()
    if why:
        print(f"torch peer skipped: {why}", file=sys.stderr)
    groups = {"C4": gc.cyclic(4), "D4": gc.dihedral(4)}
    layers = [layer_case(groups[g], kind, c, args.rounds, torch)
              for g in args.groups for c in args.channels for kind in ("lifting", "group")]
    result = {"machine": machine(), "torch": "ok" if torch is not None else why,
              "torch_version": getattr(torch, "__version__", None),
              "settings": {"batch": BATCH, "size": SIZE, "dtype": "float32", "rounds": args.rounds,
                           "backend": "numpy", "frame": "diagonal"},
              "layers": layers, "p4cnn": p4cnn_case(args.rounds, torch), "index_build": index_build_times()}
    write_json(args.out, result)
    print(table(result))
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

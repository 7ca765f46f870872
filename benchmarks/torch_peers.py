"""groupcore.torch against e2cnn: the C4 P4CNN's training step, inference and construction, side by side.

Both networks are PyTorch convolutions of the same expanded filters (40 channels of 3x3 filters
between the group convolutions of a P4CNN with 10 channels per element): groupcore's
:func:`groupcore.torch.to_torch` module expands its filters by one gather ``θ[index]``, e2cnn's
``R2Conv`` by a contraction with its steerable basis. They run in one process, on the same torch
threads, batch and float32 data, their candidates interleaved round by round
(:func:`groupcore.bench.timing.interleaved`); the e2cnn peer is the harness's own
(:func:`groupcore.bench.peers.e2cnn_p4cnn`, patched for NumPy 2 by
:func:`groupcore.bench.peers.load_library`).

- training step: forward, cross-entropy, backward and SGD with momentum (training mode);
- inference: a forward without autograd (evaluation mode; e2cnn uses its cached filters);
- construction: groupcore builds the P4CNN's index tensors and converts it with ``to_torch``,
  e2cnn builds its network (the first build of each, cold, is reported apart).

Ratios are ``t_e2cnn / t_groupcore`` (above 1: groupcore faster). The targets: training step
>= 1.0, construction >= 10. Run::

    python benchmarks/torch_peers.py                       # writes benchmarks/results/torch_peers.json
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import groupcore as gc
from groupcore import nn
from groupcore.bench.peers import TorchModel, e2cnn_p4cnn, load_library, seeded_batch
from groupcore.bench.report import format_seconds, load_average, machine
from groupcore.bench.timing import interleaved
from groupcore.fileio import atomic_open
from groupcore.proofs import equivariance_error

TARGETS = {"train step": 1.0, "construction": 10.0}


def _cold(build: Callable[[], Any]) -> tuple[Any, float]:
    t0 = time.perf_counter()
    out = build()
    return out, time.perf_counter() - t0


def run(rounds: int, batch: int, input_size: int, channels: int) -> dict[str, Any]:
    """Every comparison of this benchmark; JSON-ready."""
    modules, why, info = load_library("e2cnn")
    if why is not None:
        raise SystemExit(f"e2cnn is needed for this benchmark: {why}")
    torch, e2cnn = modules["torch"], modules["e2cnn"]
    from groupcore.torch import to_torch  # torch is importable here

    C4 = gc.cyclic(4)

    def ours_build() -> Any:
        return to_torch(nn.p4cnn(C4, channels=channels, input_size=input_size))

    def theirs_build() -> Any:
        return e2cnn_p4cnn(e2cnn, "C4", channels, input_size)

    ours_module, ours_cold = _cold(ours_build)
    (theirs_module, field), theirs_cold = _cold(theirs_build)

    x, y = seeded_batch(batch, input_size, "float32")
    ours = TorchModel(torch, ours_module, x, y, "float32")
    theirs = TorchModel(torch, theirs_module, x, y, "float32", wrap=lambda t: e2cnn.nn.GeometricTensor(t, field))
    if ours.num_params != theirs.num_params:
        print(f"note: parameters differ: groupcore {ours.num_params}, e2cnn {theirs.num_params}", file=sys.stderr)

    results: dict[str, Any] = {}
    for name, a, b, r in (("train step", ours.train_step, theirs.train_step, rounds),
                          ("inference", ours.forward, theirs.forward, rounds),
                          ("construction", ours_build, theirs_build, max(3, rounds // 2))):
        timed = interleaved({"groupcore.torch": a, "e2cnn": b}, rounds=r, warmup=2)
        ratio = timed["e2cnn"]["median"] / timed["groupcore.torch"]["median"]
        results[name] = {**timed, "ratio": ratio, "target": TARGETS.get(name),
                         "met": None if name not in TARGETS else ratio >= TARGETS[name]}
    results["construction"]["cold_s"] = {"groupcore.torch": ours_cold, "e2cnn": theirs_cold}
    with torch.no_grad():
        err = equivariance_error(ours.inference, inputs=[ours.x[:8]])
    return {"benchmark": "groupcore.torch vs e2cnn, C4 P4CNN", "batch": batch, "input_size": input_size,
            "channels": channels, "dtype": "float32", "rounds": rounds, "torch_threads": torch.get_num_threads(),
            "e2cnn": info, "params": {"groupcore.torch": ours.num_params, "e2cnn": theirs.num_params},
            "equivariance_max_rel": {"groupcore.torch": err["max_rel"]}, "results": results}


def table(report: dict[str, Any]) -> str:
    """The medians (min–max) and the ratios, as a Markdown table."""
    lines = ["| workload | groupcore.torch | e2cnn | t_e2cnn / t_groupcore | target |", "|---|---:|---:|---:|---|"]
    for name, row in report["results"].items():
        cells = [f"{format_seconds(row[k]['median'])} ({format_seconds(row[k]['min'])}–{format_seconds(row[k]['max'])})"
                 for k in ("groupcore.torch", "e2cnn")]
        target = "—" if row["target"] is None else f"≥ {row['target']:g}: {'met' if row['met'] else 'not met'}"
        lines.append(f"| {name} | {cells[0]} | {cells[1]} | {row['ratio']:.2f} | {target} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--input-size", type=int, default=28)
    parser.add_argument("--channels", type=int, default=10)
    parser.add_argument("--out", default=str(Path(__file__).parent / "results" / "torch_peers.json"))
    args = parser.parse_args(argv)
    host = machine()
    report = run(args.rounds, args.batch, args.input_size, args.channels)
    report["machine"] = {**host, "load_average_end": load_average()}
    with atomic_open(args.out) as f:
        f.write(json.dumps(report, indent=2, default=str).encode())
    print(table(report))
    print(f"threads {report['torch_threads']}, load average {host['load_average']} -> "
          f"{report['machine']['load_average_end']}; written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

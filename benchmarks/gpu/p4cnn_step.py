"""The GPU target: CuPy's P4CNN forward+backward at batch 256 against NumPy on 2 cores.

The C4 P4CNN (float32, 28×28, 10 channels per element) takes training steps (forward, backward,
SGD with momentum) at batch 256 on NumPy and on CuPy, interleaved round by round with
:func:`groupcore.bench.interleaved`; the forward passes are timed beside them. NumPy runs as on
the project's 2-core machines: this process is pinned to two CPUs before NumPy loads, and its
BLAS to two threads. The JSON holds both timings, the ratio ``t_numpy / t_cupy`` of the training
steps and whether it meets the target (≥ 10); without a usable CuPy, the reason instead.

    python benchmarks/gpu/p4cnn_step.py --out p4cnn.json [--batch 256] [--rounds 5]
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from threadpoolctl import threadpool_limits

CORES = 2
if hasattr(os, "sched_setaffinity"):                      # before NumPy sizes its thread pool
    os.sched_setaffinity(0, sorted(os.sched_getaffinity(0))[:CORES])

import groupcore as gc  # noqa: E402 (NumPy loads after the pinning)
from groupcore import backends, nn  # noqa: E402 (as above)
from groupcore.bench import interleaved, machine, write_json  # noqa: E402 (as above)
from groupcore.bench.peers import seeded_batch  # noqa: E402 (as above)
from groupcore.bench.timing import blocking  # noqa: E402 (as above)

TARGET = 10.0


def candidates(backend: Any, batch: int) -> dict[str, Any]:
    """Forward and training step of a fresh C4 P4CNN on ``backend``, on the seeded batch."""
    model = nn.p4cnn(gc.cyclic(4), channels=10, input_size=28).to(backend, "float32")
    x, y = seeded_batch(batch, 28, "float32")
    xb = backend.asarray(x, dtype="float32")
    opt = nn.SGD(lr=0.01, momentum=0.9)
    return {f"{backend.name} forward": blocking(lambda: model.forward(xb), backend),
            f"{backend.name} train step": lambda: model.train_step(x, y, opt)}


def gpu_name(cupy: Any) -> str:
    """The CUDA device's name, as the runtime reports it."""
    props = cupy.cuda.runtime.getDeviceProperties(cupy.cuda.Device().id)
    name = props["name"]
    return name.decode() if isinstance(name, bytes) else str(name)


def measure(batch: int, rounds: int) -> dict[str, Any]:
    """Time both backends (or NumPy alone, with the reason CuPy is not usable); judge the target."""
    result: dict[str, Any] = {"model": "P4CNN C4, float32, 28x28, 10 channels per element", "batch": batch,
                              "rounds": rounds, "numpy_cores": len(os.sched_getaffinity(0))
                              if hasattr(os, "sched_getaffinity") else None,
                              "target": f"t_numpy / t_cupy >= {TARGET:g} (train step)"}
    cands = candidates(backends.get("numpy"), batch)
    try:
        cupy_backend = backends.get("cupy")
    except backends.BackendUnavailable as err:
        result["cupy_skipped"] = str(err)
    else:
        result["gpu"] = gpu_name(cupy_backend.xp)
        cands.update(candidates(cupy_backend, batch))
    with threadpool_limits(limits=CORES, user_api="blas"):
        result["timings"] = interleaved(cands, rounds=rounds, warmup=1)
    if "cupy train step" in result["timings"]:
        ratio = result["timings"]["numpy train step"]["median"] / result["timings"]["cupy train step"]["median"]
        result["ratio"], result["met"] = ratio, ratio >= TARGET
    else:
        result["ratio"] = result["met"] = None
    result["machine"] = machine()
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="the JSON file to write")
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    result = measure(args.batch, args.rounds)
    write_json(args.out, result)
    for name, t in result["timings"].items():
        print(f"{name:<20} median {t['median'] * 1e3:9.2f} ms  (min {t['min'] * 1e3:.2f}, max {t['max'] * 1e3:.2f})")
    if result["ratio"] is None:
        print(f"CuPy not measured: {result['cupy_skipped']}")
    else:
        print(f"t_numpy / t_cupy = {result['ratio']:.1f} (target >= {TARGET:g}: "
              f"{'met' if result['met'] else 'NOT met'}) on {result['gpu']}")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

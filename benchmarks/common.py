"""Shared benchmark plumbing: machine description, timing with medians, atomic JSON output."""

from __future__ import annotations

import json
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

from groupcore.info import collect

__all__ = ["machine", "timeit", "write_json", "RESULTS"]

RESULTS = Path(__file__).resolve().parent / "results"


def machine() -> dict[str, Any]:
    """The machine, CPU, BLAS (with its kernel) and library versions, for every result file."""
    info = collect()
    info["env"] = {k: os.environ.get(k) for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OMP_NUM_THREADS")}
    info["date"] = time.strftime("%Y-%m-%d %H:%M:%S %Z")
    return info


def timeit(fn: Callable[[], Any], repeats: int = 7, warmup: int = 1) -> dict[str, float]:
    """Median, min and max wall time of ``fn()`` in seconds, after ``warmup`` untimed calls.

    ``noisy`` is set when max and min differ by more than 20% of the median.
    """
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    med = statistics.median(times)
    return {"median": med, "min": min(times), "max": max(times), "repeats": repeats,
            "noisy": (max(times) - min(times)) > 0.2 * med}


def write_json(path: Path, data: Any) -> Path:
    """Write ``data`` as JSON atomically (temporary file in the same folder, then rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(data, fh, indent=2, default=str)
    os.replace(tmp, path)
    return path

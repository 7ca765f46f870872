"""Reports: the machine a result was measured on, atomic JSON files, and the printed table.

Every result file carries the CPU, core count, the BLAS and its kernel (threadpoolctl), library
versions, the environment variables that change BLAS or allocator speed, the load average
(the machines are shared) and the process's page faults.
"""

from __future__ import annotations

import os
import resource
import time
from collections.abc import Iterable
from typing import Any

from ..info import collect

__all__ = ["ENV_KEYS", "machine", "load_average", "page_faults", "table",
           "format_seconds"]

#: environment variables that change BLAS kernels/threads or the allocator, recorded with every result
ENV_KEYS = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS",
            "MKL_NUM_THREADS", "MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_")


def load_average() -> list[float] | None:
    """The 1, 5 and 15 minute load averages, or ``None`` where the OS has none.

    Examples
    --------
    >>> la = load_average()
    >>> la is None or len(la) == 3
    True
    """
    try:
        return [round(v, 2) for v in os.getloadavg()]
    except OSError:
        return None


def page_faults() -> dict[str, int]:
    """Minor and major page faults of this process so far.

    Examples
    --------
    >>> sorted(page_faults())
    ['major', 'minor']
    """
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {"minor": int(usage.ru_minflt), "major": int(usage.ru_majflt)}


def machine() -> dict[str, Any]:
    """The machine, CPU, BLAS (with its kernel), library versions, environment and load.

    Examples
    --------
    >>> info = machine()
    >>> {"cpu", "cores", "blas", "env", "date", "load_average"} <= set(info)
    True
    """
    info = collect()
    info["env"] = {k: os.environ.get(k) for k in ENV_KEYS}
    info["date"] = time.strftime("%Y-%m-%d %H:%M:%S %Z")
    info["load_average"] = load_average()
    return info


def format_seconds(s: float) -> str:
    """Seconds as a short human-readable duration (µs, ms or s).

    Examples
    --------
    >>> format_seconds(0.0123), format_seconds(2.5), format_seconds(4e-5)
    ('12.30 ms', '2.50 s', '40.0 µs')
    """
    if s >= 1:
        return f"{s:.2f} s"
    if s >= 1e-3:
        return f"{s * 1e3:.2f} ms"
    return f"{s * 1e6:.1f} µs"


def table(cases: Iterable[dict[str, Any]]) -> str:
    """The printed table: one line per timed candidate, then the case's ratios.

    ``cases`` are the ``"cases"`` of a ``groupcore bench`` result (each with ``name``,
    ``timings``, optional ``flops`` per candidate and ``ratios``).

    Examples
    --------
    >>> case = {"name": "demo", "timings": {"ours": {"median": 0.01, "min": 0.009, "max": 0.02,
    ...         "noisy": True}}, "flops": {"ours": 2e8}, "ratios": {"x": 2.0}}
    >>> print(table([case]))  # doctest: +NORMALIZE_WHITESPACE
    workload / candidate                                          median        min        max  GFLOP/s
    demo
      ours                                                      10.00 ms    9.00 ms   20.00 ms     20.0  noisy
      ratio x: 2.00
    """
    lines = [f"{'workload / candidate':<56}{'median':>12}{'min':>11}{'max':>11}{'GFLOP/s':>9}"]
    for case in cases:
        lines.append(case["name"])
        flops = case.get("flops", {})
        for cand, t in case["timings"].items():
            rate = f"{flops[cand] / t['median'] / 1e9:9.1f}" if flops.get(cand) else " " * 9
            lines.append(f"  {cand:<54}{format_seconds(t['median']):>12}{format_seconds(t['min']):>11}"
                         f"{format_seconds(t['max']):>11}{rate}" + ("  noisy" if t["noisy"] else ""))
        for key, value in case.get("ratios", {}).items():
            lines.append(f"  ratio {key}: {value:.2f}")
        if "memory" in case:
            lines.append("  memory: " + ", ".join(
                f"{k.removesuffix('_bytes')} {v / 2**20:.2f} MiB" if k.endswith("_bytes") else f"{k} = {v:.2f}"
                for k, v in case["memory"].items()))
        for key, value in case.get("skipped", {}).items():
            lines.append(f"  skipped {key}: {value}")
    return "\n".join(lines)

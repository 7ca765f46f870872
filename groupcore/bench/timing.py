"""Timing: warm-ups, medians with min/max, and candidates interleaved round by round.

A workload is a zero-argument callable; every candidate of one comparison is called in turn in
each round, so a change in the machine's load hits all of them alike. Only one workload runs at a
time (no threads, no overlap). A result is ``noisy`` when its max and min differ by more than
:data:`NOISY` of the median.
"""

from __future__ import annotations

import statistics
import time
from typing import Any, Callable, Mapping

__all__ = ["NOISY", "stats", "timeit", "interleaved", "blocking"]

#: relative spread (max − min) / median above which a result is flagged as noisy
NOISY = 0.2


def stats(times: list[float]) -> dict[str, Any]:
    """Median, min, max (seconds), the number of timed runs and the noisy flag.

    Examples
    --------
    >>> s = stats([1.0, 2.0, 3.0])
    >>> s["median"], s["min"], s["max"], s["repeats"], s["noisy"]
    (2.0, 1.0, 3.0, 3, True)
    """
    if not times:
        raise ValueError("stats needs at least one timed run")
    med = statistics.median(times)
    return {"median": med, "min": min(times), "max": max(times), "repeats": len(times),
            "noisy": (max(times) - min(times)) > NOISY * med}


def timeit(fn: Callable[[], Any], repeats: int = 7, warmup: int = 1) -> dict[str, Any]:
    """Time ``fn()`` ``repeats`` times after ``warmup`` untimed calls (see :func:`stats`).

    Examples
    --------
    >>> timeit(lambda: sum(range(100)), repeats=3)["repeats"]
    3
    """
    return interleaved({"fn": fn}, rounds=repeats, warmup=warmup)["fn"]


def interleaved(candidates: Mapping[str, Callable[[], Any]], rounds: int,
                warmup: int = 1) -> dict[str, dict[str, Any]]:
    """Time every candidate once per round, in turn; ``warmup`` untimed rounds first.

    Parameters
    ----------
    candidates : mapping of name to callable
        The workloads being compared (each call must finish its work before returning, e.g.
        synchronise a GPU).
    rounds : int
        Timed rounds (>= 1).
    warmup : int
        Untimed rounds before them (>= 0).

    Returns
    -------
    dict
        Name -> :func:`stats` of its timed runs.

    Examples
    --------
    >>> out = interleaved({"a": lambda: None, "b": lambda: None}, rounds=2, warmup=0)
    >>> sorted(out), out["a"]["repeats"]
    (['a', 'b'], 2)
    """
    if isinstance(rounds, bool) or not isinstance(rounds, int) or rounds < 1:
        raise ValueError(f"rounds must be an integer >= 1; got {rounds!r}")
    if isinstance(warmup, bool) or not isinstance(warmup, int) or warmup < 0:
        raise ValueError(f"warmup must be an integer >= 0; got {warmup!r}")
    times: dict[str, list[float]] = {name: [] for name in candidates}
    for r in range(warmup + rounds):
        for name, fn in candidates.items():
            t0 = time.perf_counter()
            fn()
            elapsed = time.perf_counter() - t0
            if r >= warmup:
                times[name].append(elapsed)
    return {name: stats(ts) for name, ts in times.items()}


def blocking(fn: Callable[[], Any], backend: Any) -> Callable[[], Any]:
    """``fn`` made to finish its device work before returning, on any backend.

    On NumPy the call is returned as is. On another backend (CuPy runs kernels asynchronously)
    one element of ``fn()``'s result (the first array of a tuple) is copied to the host, which
    waits for the queued work. ``backend`` is a :class:`groupcore.backends.Backend`.

    Examples
    --------
    >>> import numpy as np
    >>> from types import SimpleNamespace
    >>> f = blocking(lambda: np.ones(3), SimpleNamespace(name="numpy"))
    >>> f().shape
    (3,)
    """
    if backend.name == "numpy":
        return fn

    def call() -> Any:
        out = fn()
        arr = out[0] if isinstance(out, tuple) else out
        if hasattr(arr, "shape"):
            backend.to_numpy(backend.xp.reshape(arr, (-1,))[:1])
        return out

    return call

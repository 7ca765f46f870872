"""Timing: warm-ups, medians with min/max, and candidates interleaved round by round.

A workload is a zero-argument callable, or an :class:`Elsewhere` candidate that runs in another
process and times itself there (the peers: their thread pools must not meet ours). Every
candidate of one comparison runs in turn in each round, so a change in the machine's load hits
all of them alike; only one runs at a time.

Each timed sample is the mean of enough calls to last ``min_sample_s`` (counted in the warm-up),
so that short workloads are not lost in the timer's and the scheduler's jitter. Between
candidates that run in different processes the harness can sleep ``settle_s`` seconds, untimed:
idle BLAS and OpenMP worker threads keep polling for a while after a call (OpenBLAS for its
thread timeout, ~0.1 s), and would otherwise compete with the next process for the cores.

A result is ``noisy`` when the central 80% of its timed samples (10th to 90th percentile) spread
over more than :data:`NOISY` of the median: one outlier among many rounds does not flag it, a
machine whose speed keeps changing does.
"""

from __future__ import annotations

import math
import statistics
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["NOISY", "MAX_CALLS", "Elsewhere", "spread", "stats", "per_call", "timeit", "interleaved", "blocking"]

#: relative spread of the central 80% of the samples, over the median, above which a result is noisy
NOISY = 0.2
#: most calls averaged into one timed sample
MAX_CALLS = 1000


class Elsewhere(ABC):
    """A candidate that runs in another process and measures itself there.

    :func:`interleaved` calls :meth:`per_call` instead of timing the call itself, so the cost
    of talking to the other process is not counted. ``place`` names the process: the harness
    settles between candidates of different places.
    """

    place: str = "elsewhere"

    @abstractmethod
    def per_call(self, calls: int) -> float:
        """Run the workload ``calls`` times there; the mean seconds per call, timed there."""


Candidate = Callable[[], Any] | Elsewhere


def per_call(fn: Candidate, calls: int = 1) -> float:
    """Mean seconds per call of ``calls`` back-to-back calls of ``fn`` (in this process, or elsewhere).

    Examples
    --------
    >>> per_call(lambda: sum(range(10)), calls=3) > 0
    True
    """
    if isinstance(fn, Elsewhere):
        return fn.per_call(calls)
    t0 = time.perf_counter()
    for _ in range(calls):
        fn()
    return (time.perf_counter() - t0) / calls


def spread(times: list[float]) -> float:
    """The 90th minus the 10th percentile of ``times`` (linear interpolation), over their median.

    Examples
    --------
    >>> spread([1.0] * 10 + [5.0])          # one outlier in eleven samples
    0.0
    >>> round(spread([1.0, 2.0]), 2)
    0.53
    """
    if len(times) < 2:
        return 0.0
    deciles = statistics.quantiles(times, n=10, method="inclusive")
    return (deciles[-1] - deciles[0]) / statistics.median(times)


def stats(times: list[float]) -> dict[str, Any]:
    """Median, min, max (seconds), the number of timed samples and the noisy flag (see :func:`spread`).

    Examples
    --------
    >>> s = stats([1.0, 2.0, 3.0])
    >>> s["median"], s["min"], s["max"], s["repeats"], s["noisy"]
    (2.0, 1.0, 3.0, 3, True)
    """
    if not times:
        raise ValueError("stats needs at least one timed run")
    return {"median": statistics.median(times), "min": min(times), "max": max(times), "repeats": len(times),
            "noisy": spread(times) > NOISY}


def timeit(fn: Candidate, repeats: int = 7, warmup: int = 1, min_sample_s: float = 0.0) -> dict[str, Any]:
    """Time ``fn`` over ``repeats`` samples after ``warmup`` untimed ones (see :func:`interleaved`).

    Examples
    --------
    >>> timeit(lambda: sum(range(100)), repeats=3)["repeats"]
    3
    """
    return interleaved({"fn": fn}, rounds=repeats, warmup=warmup, min_sample_s=min_sample_s)["fn"]


def _check_count(name: str, value: Any, least: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < least:
        raise ValueError(f"{name} must be an integer >= {least}; got {value!r}")


def interleaved(candidates: Mapping[str, Candidate], rounds: int, warmup: int = 1,
                min_sample_s: float = 0.0, settle_s: float = 0.0) -> dict[str, dict[str, Any]]:
    """Time every candidate once per round, in turn; ``warmup`` untimed rounds first.

    Parameters
    ----------
    candidates : mapping of name to callable or :class:`Elsewhere`
        The workloads being compared (each call must finish its work before returning, e.g.
        synchronise a GPU: see :func:`blocking`).
    rounds : int
        Timed rounds (>= 1).
    warmup : int
        Untimed rounds before them (>= 0). The last one sets how many calls make a sample.
    min_sample_s : float
        Each timed sample averages enough calls (at most :data:`MAX_CALLS`) to last about this
        long; 0 times single calls.
    settle_s : float
        Untimed sleep before a candidate whose process differs from the previous candidate's.

    Returns
    -------
    dict
        Name -> :func:`stats` of its timed samples (seconds per call).

    Examples
    --------
    >>> out = interleaved({"a": lambda: None, "b": lambda: None}, rounds=2, warmup=0)
    >>> sorted(out), out["a"]["repeats"]
    (['a', 'b'], 2)
    """
    _check_count("rounds", rounds, 1)
    _check_count("warmup", warmup, 0)
    calls = {name: 1 for name in candidates}
    times: dict[str, list[float]] = {name: [] for name in candidates}
    place = "here"
    for r in range(warmup + rounds):
        for name, fn in candidates.items():
            where = fn.place if isinstance(fn, Elsewhere) else "here"
            if settle_s > 0 and where != place:
                time.sleep(settle_s)
            place = where
            seconds = per_call(fn, calls[name])
            if r >= warmup:
                times[name].append(seconds)
            elif min_sample_s > 0:
                calls[name] = min(MAX_CALLS, max(1, math.ceil(min_sample_s / max(seconds, 1e-9))))
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

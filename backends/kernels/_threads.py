"""Worker threads with single-threaded BLAS, for NumPy work split into independent parts.

Several BLAS threads on the small GEMMs of a convolution synchronise once per call and stall
whenever another process holds a core; two Python threads, each with single-threaded BLAS,
on alternate parts do not (NumPy releases the GIL in GEMMs, copies and ufuncs). When BLAS
already runs one thread (inside a worker, or set so by the user), the parts run in the calling
thread.

Examples
--------
>>> split([1, 2, 3], lambda v: v * 10)
[10, 20, 30]
"""

from __future__ import annotations

import contextlib
import functools
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from typing import Any, TypeVar

from threadpoolctl import ThreadpoolController

__all__ = ["cpu_count", "blas_controller", "single_threaded_blas", "executor", "split"]

T = TypeVar("T")
R = TypeVar("R")
_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def cpu_count() -> int:
    """CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:      # not on Linux
        return os.cpu_count() or 1


@functools.lru_cache(maxsize=1)
def blas_controller() -> Any:
    """threadpoolctl's controller of the BLAS libraries loaded now (scanned once)."""
    return ThreadpoolController().select(user_api="blas")


@contextlib.contextmanager
def single_threaded_blas() -> Iterator[None]:
    """BLAS limited to one thread inside the block."""
    with blas_controller().limit(limits=1):
        yield


def executor() -> ThreadPoolExecutor:
    """Long-lived worker threads, so their per-thread buffers survive between calls."""
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=max(1, cpu_count() - 1), thread_name_prefix="groupcore")
        return _pool


def _blas_threads() -> int:
    return max((lib.num_threads for lib in blas_controller().lib_controllers), default=1)


def split(items: Sequence[T], work: Callable[[T], R]) -> list[R]:
    """``[work(i) for i in items]``; on two threads (alternate items) with single-threaded BLAS
    when there are two items or more, two CPUs, and BLAS would otherwise run several threads.

    Examples
    --------
    >>> split(range(4), lambda i: i * i)
    [0, 1, 4, 9]
    """
    if len(items) < 2 or cpu_count() < 2 or _blas_threads() < 2:
        return [work(i) for i in items]
    with single_threaded_blas():
        future = executor().submit(lambda: [work(i) for i in items[1::2]])
        try:
            mine = [work(i) for i in items[0::2]]
            theirs = future.result()
        finally:
            wait([future])
    parts = (iter(mine), iter(theirs))
    return [next(parts[i % 2]) for i in range(len(items))]

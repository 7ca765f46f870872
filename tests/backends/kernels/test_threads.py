"""Work split over two threads with single-threaded BLAS equals the work done in one thread."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from groupcore.backends.kernels import _numpy_conv, _threads, conv, conv_backward


def test_split_keeps_item_order_and_runs_every_item_once():
    seen: list[int] = []
    lock = threading.Lock()

    def work(i: int) -> int:
        with lock:
            seen.append(i)
        return 3 * i

    with threadpool_limits(limits=2, user_api="blas"):
        out = _threads.split(list(range(7)), work)
    assert out == [3 * i for i in range(7)] and sorted(seen) == list(range(7))


def test_split_limits_blas_to_one_thread_in_both_threads_and_restores_it():
    if _threads.cpu_count() < 2:
        pytest.skip("needs two CPUs to split work over two threads")
    with threadpool_limits(limits=2, user_api="blas"):
        inside = _threads.split([0, 1], lambda _: (threading.get_ident(), _threads._blas_threads()))
        after = _threads._blas_threads()
    assert {n for _, n in inside} == {1} and len({t for t, _ in inside}) == 2 and after == 2


def test_split_reraises_a_worker_error():
    def work(i: int) -> int:
        if i == 1:
            raise KeyError("part 1 failed")
        return i

    with threadpool_limits(limits=2, user_api="blas"), pytest.raises(KeyError, match="part 1 failed"):
        _threads.split([0, 1, 2], work)


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["f64", "f32"])
def test_threaded_convolution_equals_single_threaded(rng, checks, monkeypatch, dtype):
    monkeypatch.setattr(_numpy_conv, "_CHUNK_BYTES", 1)      # one image per micro-batch: 5 parts
    monkeypatch.setattr(_numpy_conv, "_WINOGRAD_CHUNK_BYTES", 1)
    x = rng.standard_normal((5, 3, 9, 8)).astype(dtype)
    w = rng.standard_normal((4, 3, 3, 3)).astype(dtype)
    gy = rng.standard_normal((5, 4, 9, 8)).astype(dtype)
    one = conv(x, w, padding=1), *conv_backward(x, w, gy, padding=1)
    with threadpool_limits(limits=2, user_api="blas"):
        two = conv(x, w, padding=1), *conv_backward(x, w, gy, padding=1)
    rtol = 1e-12 if dtype == np.float64 else checks.F32_RTOL
    for a, b in zip(two, one):
        assert a.dtype == dtype and checks.rel_err(a, b) < rtol

"""Timing and roofline helpers of groupcore.bench (no timing assertions)."""

from __future__ import annotations

import numpy as np
import pytest

import groupcore as gc
from groupcore import backends, nn
from groupcore.bench import timing
from groupcore.bench.equivariance import invariance_error, tapered_images
from groupcore.bench.peer_process import PeerSet
from groupcore.bench.peers import e2cnn_p4cnn, equal_params_width
from groupcore.bench.roofline import conv_flops, gemm_size, shaped_gemm, square_gemm
from groupcore.bench.suites import get_suite
from groupcore.bench.timing import Elsewhere, interleaved, spread, stats
from groupcore.bench.workloads import model_flops


def test_interleaved_alternates_candidates_round_by_round():
    calls: list[str] = []
    out = interleaved({"a": lambda: calls.append("a"), "b": lambda: calls.append("b")}, rounds=3, warmup=1)
    assert calls == ["a", "b"] * 4
    assert out["a"]["repeats"] == out["b"]["repeats"] == 3


@pytest.mark.parametrize("rounds, warmup, match", [(0, 1, "rounds"), (2, -1, "warmup"), (True, 0, "rounds")])
def test_interleaved_rejects_bad_counts(rounds, warmup, match):
    with pytest.raises(ValueError, match=match):
        interleaved({"a": lambda: None}, rounds=rounds, warmup=warmup)


def test_stats_flag_a_wide_central_spread_not_one_outlier():
    steady = [1.0, 1.02, 0.98, 1.01, 0.99] * 3
    assert not stats(steady)["noisy"] and not stats(steady + [3.0])["noisy"]   # one slow round in 16
    assert stats([1.0, 1.3] * 8)["noisy"]                                      # the speed keeps changing
    assert spread([1.0]) == 0.0 and spread([1.0, 1.0]) == 0.0
    with pytest.raises(ValueError, match="at least one"):
        stats([])


class FakeRemote(Elsewhere):
    """A candidate 'in another process' that reports 2 ms per call and records what it was asked."""

    def __init__(self, place: str) -> None:
        self.place, self.asked = place, []

    def per_call(self, calls: int) -> float:
        self.asked.append(calls)
        return 0.002


def test_interleaved_calibrates_calls_and_takes_remote_times(monkeypatch):
    sleeps: list[float] = []
    monkeypatch.setattr(timing.time, "sleep", sleeps.append)
    remote, local = FakeRemote("worker"), []
    out = interleaved({"local": lambda: local.append(1), "remote": remote}, rounds=3, warmup=1,
                      min_sample_s=0.01, settle_s=0.5)
    assert remote.asked == [1, 5, 5, 5]                     # 10 ms / 2 ms per call, after the warm-up
    assert out["remote"]["median"] == 0.002 and out["remote"]["repeats"] == 3
    assert len(local) > 4                                   # local calls are fast: many per sample
    assert sleeps == [0.5] * 7                              # into the worker, and back, each round


def test_no_settling_between_candidates_of_one_place(monkeypatch):
    sleeps: list[float] = []
    monkeypatch.setattr(timing.time, "sleep", sleeps.append)
    interleaved({"a": lambda: None, "b": lambda: None}, rounds=2, warmup=0, settle_s=1.0)
    assert sleeps == []


def test_roofline_gemm_has_the_flops():
    m = gemm_size(conv_flops(64, 40, 40, 3, 26, 26))
    assert abs(2 * m ** 3 / conv_flops(64, 40, 40, 3, 26, 26) - 1) < 0.01
    out = square_gemm(2 * 50 ** 3, "float64", backends.get("numpy"))()
    assert out.shape == (50, 50) and out.dtype == np.float64
    assert shaped_gemm(7, 3, 5, "float32", backends.get("numpy"))().shape == (7, 5)
    with pytest.raises(ValueError, match="flops must be positive"):
        gemm_size(0)


def test_model_flops_of_the_p4cnn_scale_with_the_batch():
    one = np.zeros((1, 1, 28, 28), np.float32)
    fwd, step = model_flops(nn.p4cnn(gc.cyclic(4)), one)
    fwd2, _ = model_flops(nn.p4cnn(gc.cyclic(4)), np.zeros((2, 1, 28, 28), np.float32))
    lifting = conv_flops(1, 1, 40, 3, 26, 26)
    assert fwd2 == 2 * fwd and step == 3 * fwd - lifting


def test_equal_params_width_is_the_closest():
    target = nn.p4cnn(gc.cyclic(4)).num_params
    w = equal_params_width(target)
    gaps = {v: abs(nn.plain_cnn(channels=v).num_params - target) for v in (w - 1, w, w + 1)}
    assert min(gaps, key=gaps.get) == w


def test_peers_not_requested_are_skipped_with_the_reason():
    peers = PeerSet.load(enabled=False)
    assert not peers.available("torch") and not peers.available("e2cnn")
    assert set(peers.skipped) == {"torch", "e2cnn"} and all("--peers" in v for v in peers.skipped.values())
    with pytest.raises(ValueError, match="C4 and D4"):
        e2cnn_p4cnn(object(), "C8")


def test_invariance_error_sees_a_planted_non_invariant_map():
    x = tapered_images(12, count=2)[:, None]
    err = invariance_error(lambda v: v[:, :, :6].sum(axis=(1, 2, 3)), gc.cyclic(4), x)
    assert err["rel"][0] == 0 and err["max_rel_nontrivial"] > 1e-3


def test_suites_are_named():
    assert get_suite("quick").name == "quick"
    with pytest.raises(ValueError, match="unknown suite"):
        get_suite("huge")

"""Timing and roofline helpers of groupcore.bench (no timing assertions)."""

from __future__ import annotations

import numpy as np
import pytest

import groupcore as gc
from groupcore import backends, nn
from groupcore.bench.equivariance import invariance_error, tapered_images
from groupcore.bench.peers import PeerSet, e2cnn_p4cnn, equal_params_width
from groupcore.bench.roofline import conv_flops, gemm_size, square_gemm
from groupcore.bench.suites import get_suite
from groupcore.bench.timing import interleaved, stats
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


def test_stats_flags_spread_over_twenty_percent():
    assert not stats([1.0, 1.1, 1.2])["noisy"]            # spread 0.2 < 20% of the median 1.1
    assert stats([1.0, 1.1, 1.25])["noisy"]
    with pytest.raises(ValueError, match="at least one"):
        stats([])


def test_roofline_gemm_has_the_flops():
    m = gemm_size(conv_flops(64, 40, 40, 3, 26, 26))
    assert abs(2 * m ** 3 / conv_flops(64, 40, 40, 3, 26, 26) - 1) < 0.01
    out = square_gemm(2 * 50 ** 3, "float64", backends.get("numpy"))()
    assert out.shape == (50, 50) and out.dtype == np.float64
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
    assert peers.torch is None and peers.e2cnn is None
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

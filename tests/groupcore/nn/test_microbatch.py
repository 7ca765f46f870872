"""Micro-batched and threaded training steps equal the full-batch step up to float rounding."""

from __future__ import annotations

import numpy as np
import pytest

import groupcore as gc
from groupcore import backends, nn
from groupcore.nn import _microbatch as microbatch

TOL64 = 1e-12


def net64(G: gc.Group, frame: str) -> nn.Sequential:
    """Every per-sample layer kind between a lifting convolution and class scores (float64)."""
    return nn.Sequential(
        nn.LiftingConv2d(G, 1, 3, 3, frame=frame, seed=0), nn.ReLU(),
        nn.GroupConv2d(G, 3, 3, 3, frame=frame, padding=1, seed=1), nn.MaxPool2d(2, frame=frame), nn.Tanh(),
        nn.GroupConv2d(G, 3, 2, 4, frame=frame, seed=2), nn.Flatten(keep_group=True),
        nn.LiftedDense(G, 2, 4, seed=3), nn.GroupPool("max"), nn.Dense(4, 3, seed=4)).to(dtype="float64")


def batch(n: int = 7, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, 1, 10, 10)), rng.integers(0, 3, n)


def rel(a, b) -> float:
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return float(np.abs(a - b).max() / max(np.abs(b).max(), 1e-300))


def step(net: nn.Sequential, x, y, **options) -> tuple[float, np.ndarray, list[dict]]:
    """One SGD step (momentum) from a fresh copy of ``net``: loss, predictions, gradients, new params."""
    model = net.to()
    loss, pred = model.train_step(x, y, nn.SGD(lr=0.1, momentum=0.9), **options)
    grads = [{k: model.backend.to_numpy(v) for k, v in leaf.grads.items()} for leaf in model.leaves()]
    params = [{k: model.backend.to_numpy(v) for k, v in leaf.params.items()} for leaf in model.leaves()]
    return loss, pred, grads + params


@pytest.mark.parametrize("micro_batch, workers", [(3, 1), (2, 2), (1, 3), (7, 2)])
def test_micro_batched_step_equals_the_full_batch_step(exact_group, frame, micro_batch, workers):
    net = net64(exact_group, frame)
    x, y = batch()
    loss, pred, state = step(net, x, y, micro_batch=micro_batch, workers=workers)
    loss_ref, pred_ref, state_ref = step(net, x, y, micro_batch=None, workers=1)
    assert abs(loss - loss_ref) <= TOL64 * abs(loss_ref)
    assert np.array_equal(pred, pred_ref)
    for got, want in zip(state, state_ref):
        assert got.keys() == want.keys()
        for k in want:
            assert rel(got[k], want[k]) < TOL64


def test_threaded_float32_step_equals_one_thread_up_to_rounding():
    net = nn.p4cnn(gc.cyclic(4), input_size=22)
    rng = np.random.default_rng(1)
    x, y = rng.standard_normal((12, 1, 22, 22)).astype(np.float32), rng.integers(0, 10, 12)
    _, _, one = step(net, x, y, micro_batch=4, workers=1)
    _, _, two = step(net, x, y, micro_batch=4, workers=2)
    _, _, whole = step(net, x, y, micro_batch=None, workers=1)
    for a, b, c in zip(two, one, whole):
        for k in c:
            assert rel(a[k], b[k]) < 1e-5 and rel(b[k], c[k]) < 1e-5


def test_threaded_steps_are_reproducible():
    net = nn.p4cnn(gc.cyclic(4), input_size=22)
    rng = np.random.default_rng(2)
    x, y = rng.standard_normal((8, 1, 22, 22)).astype(np.float32), rng.integers(0, 10, 8)
    first, second = (step(net, x, y, micro_batch=2, workers=2)[2] for _ in range(2))
    for a, b in zip(first, second):
        for k in a:
            assert np.array_equal(a[k], b[k])


def test_micro_batches_on_array_api_strict_match_numpy():
    be = backends.get("array_api_strict")
    net = net64(gc.cyclic(4), "diagonal")
    x, y = batch(5, seed=3)
    loss, pred, state = step(net.to(be), x, y, micro_batch=2, workers=2)
    loss_ref, pred_ref, state_ref = step(net, x, y, micro_batch=None, workers=1)
    assert abs(loss - loss_ref) <= TOL64 * abs(loss_ref) and np.array_equal(pred, pred_ref)
    for got, want in zip(state, state_ref):
        for k in want:
            assert rel(got[k], want[k]) < TOL64


def test_fit_with_micro_batches_follows_the_same_path():
    x, y = batch(12, seed=4)
    runs = [net64(gc.cyclic(4), "regular").fit(x, y, epochs=2, batch_size=6, progress=False,
                                               micro_batch=mb, workers=w)
            for mb, w in ((None, 1), (4, 2))]
    for a, b in zip(*runs):
        assert abs(a["loss"] - b["loss"]) <= 1e-10 * abs(b["loss"]) and a["accuracy"] == b["accuracy"]


def test_auto_micro_batches_only_per_sample_models_on_numpy():
    G = gc.cyclic(4)
    plain = net64(G, "diagonal")
    assert microbatch.resolve(plain, 64, "auto", 1) == (microbatch.DEFAULT_MICRO_BATCH, 1)
    assert microbatch.resolve(plain, 5, "auto", 1) == (5, 1)
    assert microbatch.resolve(plain.to(backends.get("array_api_strict")), 64, "auto", 1) == (64, 1)
    normed = nn.Sequential(nn.LiftingConv2d(G, 1, 2, 3, seed=0), nn.GroupBatchNorm(2))
    assert not normed.per_sample and microbatch.resolve(normed, 64, "auto", "auto") == (64, 1)
    assert normed.eval().per_sample and normed.train().per_sample is False


@pytest.mark.parametrize("micro_batch, workers, match", [
    (0, 1, "micro_batch must be a positive int, None or 'auto'; got 0"),
    (2.5, 1, "micro_batch must be a positive int"),
    (True, 1, "micro_batch must be a positive int"),
    (4, 0, "workers must be a positive int or 'auto'; got 0"),
    (4, "two", "workers must be a positive int or 'auto'"),
])
def test_invalid_micro_batch_options_are_refused(micro_batch, workers, match):
    with pytest.raises(ValueError, match=match):
        microbatch.resolve(nn.Sequential(nn.Dense(2, 2)), 8, micro_batch, workers)


@pytest.mark.parametrize("layer, name", [(nn.GroupBatchNorm(2), "GroupBatchNorm"), (nn.Dropout(0.5), "Dropout")])
def test_micro_batches_are_refused_when_samples_are_coupled(layer, name):
    net = nn.Sequential(nn.Conv2d(1, 2, 3, seed=0), layer, nn.Flatten(), nn.Dense(18, 2, seed=1))
    x, y = np.ones((4, 1, 5, 5), np.float32), np.array([0, 1, 0, 1])
    with pytest.raises(ValueError, match=f"couple the samples of a batch \\({name} in training mode\\)"):
        net.train_step(x, y, nn.SGD(lr=0.1), micro_batch=2)
    loss, _ = net.train_step(x, y, nn.SGD(lr=0.1))          # "auto" runs the batch whole
    assert np.isfinite(loss)


def test_replicas_share_parameters_and_keep_their_own_state():
    net = net64(gc.cyclic(4), "diagonal")
    r = net.replica()
    for a, b in zip(net.leaves(), r.leaves()):
        assert a is not b and a.params is b.params and a.grads is not b.grads
    conv = r[0]
    w = conv._conv_weight(1)
    assert conv._conv_weight(1) is w                         # expanded once per replica
    assert net[0]._conv_weight(1) is not net[0]._conv_weight(1)
    np.testing.assert_array_equal(w, net[0]._conv_weight(1))

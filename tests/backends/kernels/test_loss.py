"""Softmax cross-entropy: SciPy reference, finite differences, stability, backends, error paths."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import log_softmax

from groupcore.backends.kernels import softmax_cross_entropy


def reference(logits: np.ndarray, labels: np.ndarray) -> float:
    return float(-log_softmax(logits, axis=1)[np.arange(len(labels)), labels].mean())


def test_loss_and_gradient_match_reference(backend, rng, checks):
    logits, labels = rng.standard_normal((6, 5)), rng.integers(0, 5, 6)
    loss, g = softmax_cross_entropy(backend.asarray(logits), backend.asarray(labels))
    checks.on_backend(backend, loss, g)
    assert loss.shape == ()
    assert abs(float(backend.to_numpy(loss)) - reference(logits, labels)) < 1e-12
    numeric = checks.fd_grad(lambda v: reference(v, labels), logits.copy())
    assert checks.rel_err(backend.to_numpy(g), numeric) < 1e-6


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_huge_logits_stay_finite(backend, dtype):
    logits = backend.asarray(np.array([[1e4, 0.0, -1e4], [0.0, 3e4, 0.0]]), dtype=dtype)
    loss, g = softmax_cross_entropy(logits, backend.asarray(np.array([0, 0])))
    assert np.isclose(float(backend.to_numpy(loss)), 1.5e4)
    assert np.allclose(backend.to_numpy(g), [[0, 0, 0], [-0.5, 0.5, 0]])
    assert g.dtype == backend.float_dtype(dtype)


def test_float32_matches_float64_reference(backend, rng, checks):
    logits, labels = rng.standard_normal((8, 10)) * 5, rng.integers(0, 10, 8).astype(np.int32)
    loss, g = softmax_cross_entropy(backend.asarray(logits, dtype="float32"), backend.asarray(labels))
    assert abs(float(backend.to_numpy(loss)) / reference(logits, labels) - 1) < checks.F32_RTOL
    assert checks.rel_err(backend.to_numpy(g), softmax_cross_entropy(logits, labels)[1]) < checks.F32_RTOL


def test_invalid_inputs_are_refused(backend):
    logits = backend.zeros((3, 4), "float64")
    with pytest.raises(ValueError, match=r"logits must have 2 axes \(B, K\)"):
        softmax_cross_entropy(backend.zeros((3,), "float64"), backend.zeros((3,), "int64"))
    with pytest.raises(ValueError, match=r"labels must have shape \(3,\) to match logits"):
        softmax_cross_entropy(logits, backend.zeros((4,), "int64"))
    with pytest.raises(ValueError, match="labels must be integers"):
        softmax_cross_entropy(logits, backend.zeros((3,), "float64"))


@pytest.mark.parametrize("bad", [-1, 4, 100])
def test_labels_outside_the_logits_never_give_a_finite_loss(backend, bad):
    """NumPy refuses them; a device backend poisons the loss and that row's gradient with NaN."""
    logits = backend.asarray(np.random.default_rng(0).standard_normal((3, 4)))
    labels = backend.asarray(np.array([0, bad, 2]))
    if backend.name == "numpy":
        with pytest.raises(ValueError, match=rf"labels must lie in \[0, 4\) for 4 logits; labels\[1\] = {bad} \(build"):
            softmax_cross_entropy(logits, labels)
        return
    loss, g = softmax_cross_entropy(logits, labels)
    g = backend.to_numpy(g)
    assert np.isnan(float(backend.to_numpy(loss)))
    assert np.isnan(g[1]).all() and np.isfinite(g[[0, 2]]).all()

"""Dense layer kernel: reference, finite differences, backends, error paths."""

from __future__ import annotations

import numpy as np
import pytest

from groupcore.backends.kernels import dense, dense_backward


def test_dense_and_gradients_match_reference(backend, rng, checks):
    x, w, b, gy = (rng.standard_normal(s) for s in ((5, 4), (3, 4), (3,), (5, 3)))
    y = dense(*(backend.asarray(a) for a in (x, w, b)))
    gx, gw, gb = dense_backward(*(backend.asarray(a) for a in (x, w, gy)))
    checks.on_backend(backend, y, gx, gw, gb)
    assert checks.rel_err(backend.to_numpy(y), x @ w.T + b) < 1e-12
    loss = lambda x_, w_, b_: float(np.sum((x_ @ w_.T + b_) * gy))
    assert checks.rel_err(backend.to_numpy(gx), checks.fd_grad(lambda v: loss(v, w, b), x.copy())) < 1e-6
    assert checks.rel_err(backend.to_numpy(gw), checks.fd_grad(lambda v: loss(x, v, b), w.copy())) < 1e-6
    assert checks.rel_err(backend.to_numpy(gb), checks.fd_grad(lambda v: loss(x, w, v), b.copy())) < 1e-6
    assert checks.rel_err(backend.to_numpy(dense(backend.asarray(x), backend.asarray(w))), x @ w.T) < 1e-12


def test_invalid_inputs_are_refused(backend):
    x, w = backend.zeros((5, 4), "float64"), backend.zeros((3, 4), "float64")
    with pytest.raises(ValueError, match="x has 4 features but w expects 2"):
        dense(x, backend.zeros((3, 2), "float64"))
    with pytest.raises(ValueError, match=r"w must have 2 axes \(out, in\)"):
        dense(x, backend.zeros((4,), "float64"))
    with pytest.raises(ValueError, match=r"gy must have shape \(5, 3\)"):
        dense_backward(x, w, backend.zeros((5, 4), "float64"))

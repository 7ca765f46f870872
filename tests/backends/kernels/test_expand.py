"""Weight-sharing expansion and its scatter-add gradient: NumPy references, backends, the plan cache."""

from __future__ import annotations

import numpy as np
import pytest

from groupcore.backends.kernels import expand, expand_backward, scatter_plan


def data(rng, sparse: bool):
    size = 7
    index = rng.integers(0, size, (4, 3, 3) + ((2,) if sparse else ()))
    index[0, 0, 0] = size - 1            # every run reaches the top entry ...
    index[index == 2] = 3                # ... and leaves entry 2 unused
    coef = rng.standard_normal(index.shape) if sparse else None
    return rng.standard_normal(size), index, coef, rng.standard_normal((4, 3, 3))


@pytest.mark.parametrize("sparse", [False, True], ids=["gather", "sparse"])
def test_expand_and_backward_match_numpy_references(backend, rng, checks, sparse):
    theta, index, coef, gW = data(rng, sparse)
    on = [backend.asarray(a) for a in (theta, index)]
    c = None if coef is None else backend.asarray(coef)
    w = expand(*on, coef=c)
    gtheta = expand_backward(backend.asarray(gW), on[1], theta.size, coef=c)
    checks.on_backend(backend, w, gtheta)
    want_w = theta[index] if coef is None else (theta[index] * coef).sum(-1)
    want_g = np.zeros_like(theta)
    if coef is None:
        np.add.at(want_g, index, gW)
    else:
        np.add.at(want_g, index, gW[..., None] * coef)
    assert checks.rel_err(backend.to_numpy(w), want_w) < 1e-12
    assert checks.rel_err(backend.to_numpy(gtheta), want_g) < 1e-12
    assert backend.to_numpy(gtheta)[2] == 0.0


@pytest.mark.parametrize("sparse", [False, True], ids=["gather", "sparse"])
def test_backward_is_the_gradient_of_expand(rng, checks, sparse):
    theta, index, coef, gW = data(rng, sparse)
    numeric = checks.fd_grad(lambda t: float(np.sum(expand(t, index, coef) * gW)), theta.copy())
    assert checks.rel_err(expand_backward(gW, index, theta.size, coef), numeric) < 1e-6


def test_float32_keeps_dtype(backend, rng, checks):
    theta, index, coef, gW = data(rng, True)
    t32, g32, c32 = (backend.asarray(a, dtype="float32") for a in (theta, gW, coef))
    idx = backend.asarray(index)
    w, gt = expand(t32, idx, c32), expand_backward(g32, idx, theta.size, c32)
    assert w.dtype == gt.dtype == backend.float_dtype("float32")
    assert checks.rel_err(backend.to_numpy(w), expand(theta, index, coef)) < checks.F32_RTOL
    assert checks.rel_err(backend.to_numpy(gt), expand_backward(gW, index, theta.size, coef)) < checks.F32_RTOL


def test_plan_lists_positions_and_is_cached_while_the_index_lives(backend):
    index = backend.asarray(np.array([[3, 0], [3, 3]]))
    plan = scatter_plan(index, 5)
    assert backend.to_numpy(plan).tolist() == [[1, 4, 4], [4, 4, 4], [4, 4, 4], [0, 2, 3], [4, 4, 4]]
    assert scatter_plan(index, 5) is plan
    assert scatter_plan(backend.asarray(np.array([[3, 0], [3, 3]])), 5) is not plan


@pytest.mark.parametrize("bad, match", [
    (np.array([0, 5]), r"index entries must lie in \[0, 5\), found 0 .. 5"),
    (np.array([-1, 2]), r"index entries must lie in \[0, 5\), found -1 .. 2"),
])
def test_out_of_range_index_is_refused(backend, bad, match):
    with pytest.raises(ValueError, match=match):
        expand_backward(backend.zeros((2,), "float64"), backend.asarray(bad), 5)


def test_invalid_arguments_are_refused(backend):
    theta, gW = backend.zeros((4,), "float64"), backend.zeros((2, 3), "float64")
    index = backend.asarray(np.zeros((2, 3), dtype=np.int64))
    with pytest.raises(ValueError, match="index must be an integer array"):
        expand(theta, backend.zeros((2, 3), "float64"))
    with pytest.raises(ValueError, match=r"index and coef must have the same shape \(..., K\)"):
        expand(theta, index, coef=backend.zeros((2, 2), "float64"))
    with pytest.raises(ValueError, match=r"gW must have shape \(2, 3\)"):
        expand_backward(backend.zeros((3, 2), "float64"), index, 4)
    with pytest.raises(ValueError, match=r"gW must have shape \(2,\)"):
        expand_backward(gW, index, 4, coef=backend.zeros((2, 3), "float64"))

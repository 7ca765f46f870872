"""Max and average pooling: loop reference, finite differences, backends, error paths."""

from __future__ import annotations

import numpy as np
import pytest

from groupcore.backends.kernels import avg_pool, avg_pool_backward, max_pool, max_pool_backward

# (spatial, size, stride): tiling, overlapping windows, windows that leave a remainder; 1-d and 3-d.
GEOMETRIES = [((6, 6), 2, 2), ((7, 5), 3, 1), ((7, 8), 3, 2), ((5, 5), 5, 3),
              ((7,), 2, 2), ((8,), 3, 1), ((4, 4, 4), 2, 2), ((5, 4, 6), 3, 2)]
IDS = [f"{'x'.join(map(str, g[0]))}-s{g[1]}-t{g[2]}" for g in GEOMETRIES]


def reference(x: np.ndarray, size: int, stride: int, reduce) -> np.ndarray:
    out_shape = tuple((n - size) // stride + 1 for n in x.shape[2:])
    out = np.empty(x.shape[:2] + out_shape)
    axes = tuple(range(2, x.ndim))
    for idx in np.ndindex(out_shape):
        win = x[(slice(None), slice(None)) + tuple(slice(i * stride, i * stride + size) for i in idx)]
        out[(slice(None), slice(None)) + idx] = reduce(win, axis=axes)
    return out


def data(rng, geometry):
    spatial, size, stride = geometry
    x = rng.standard_normal((2, 3) + spatial)
    out = tuple((n - size) // stride + 1 for n in spatial)
    return x, rng.standard_normal((2, 3) + out), size, stride


@pytest.mark.parametrize("geometry", GEOMETRIES, ids=IDS)
def test_max_pool_matches_reference_and_finite_differences(backend, rng, checks, geometry):
    x, gy, size, stride = data(rng, geometry)
    y, state = max_pool(backend.asarray(x), size, stride)
    gx = max_pool_backward(backend.asarray(gy), state)
    checks.on_backend(backend, y, gx, state.argmax)
    assert checks.rel_err(backend.to_numpy(y), reference(x, size, stride, np.max)) < 1e-12
    numeric = checks.fd_grad(lambda v: float(np.sum(reference(v, size, stride, np.max) * gy)), x.copy())
    assert checks.rel_err(backend.to_numpy(gx), numeric) < 1e-6


@pytest.mark.parametrize("geometry", GEOMETRIES, ids=IDS)
def test_avg_pool_matches_reference_and_finite_differences(backend, rng, checks, geometry):
    x, gy, size, stride = data(rng, geometry)
    y = avg_pool(backend.asarray(x), size, stride)
    gx = avg_pool_backward(backend.asarray(gy), x.shape, size, stride)
    checks.on_backend(backend, y, gx)
    assert checks.rel_err(backend.to_numpy(y), reference(x, size, stride, np.mean)) < 1e-12
    numeric = checks.fd_grad(lambda v: float(np.sum(reference(v, size, stride, np.mean) * gy)), x.copy())
    assert checks.rel_err(backend.to_numpy(gx), numeric) < 1e-6


@pytest.mark.parametrize("geometry", GEOMETRIES, ids=IDS)
def test_float32_pooling_keeps_dtype_and_matches(backend, rng, checks, geometry):
    x, gy, size, stride = data(rng, geometry)
    x32, gy32 = backend.asarray(x, dtype="float32"), backend.asarray(gy, dtype="float32")
    y, state = max_pool(x32, size, stride)
    a = avg_pool(x32, size, stride)
    gx = max_pool_backward(gy32, state)
    ga = avg_pool_backward(gy32, x.shape, size, stride)
    f32 = backend.float_dtype("float32")
    assert y.dtype == a.dtype == gx.dtype == ga.dtype == f32
    x_r = x.astype(np.float32).astype(np.float64)
    assert checks.rel_err(backend.to_numpy(y), reference(x_r, size, stride, np.max)) == 0.0
    assert checks.rel_err(backend.to_numpy(a), reference(x_r, size, stride, np.mean)) < checks.F32_RTOL
    assert checks.rel_err(backend.to_numpy(ga),
                          avg_pool_backward(gy, x.shape, size, stride)) < checks.F32_RTOL


def test_max_pool_routes_ties_to_first_offset(backend):
    _, state = max_pool(backend.asarray(np.ones((1, 1, 2, 2))), 2, 2)
    gx = max_pool_backward(backend.asarray(np.full((1, 1, 1, 1), 3.0)), state)
    assert backend.to_numpy(gx)[0, 0].tolist() == [[3.0, 0.0], [0.0, 0.0]]


@pytest.mark.parametrize("shape, size, stride, match", [
    ((2, 3), 2, 2, r"x must be \(B, C, W\), \(B, C, H, W\) or \(B, C, D, H, W\)"),
    ((1, 1, 4, 4), 0, 2, "size must be a positive int"),
    ((1, 1, 4, 4), 2, 0, "stride must be a positive int"),
    ((1, 1, 4, 4), 2.0, 2, "size must be a positive int"),
    ((1, 1, 3, 4), 4, 1, "pooling window 4 is larger than the 3x4 input"),
])
def test_invalid_pooling_is_refused(backend, shape, size, stride, match):
    x = backend.zeros(shape, "float64")
    with pytest.raises(ValueError, match=match):
        max_pool(x, size, stride)
    with pytest.raises(ValueError, match=match):
        avg_pool(x, size, stride)


def test_backward_refuses_gradient_of_wrong_shape(backend):
    x = backend.zeros((1, 2, 4, 4), "float64")
    _, state = max_pool(x, 2, 2)
    wrong = backend.zeros((1, 2, 3, 3), "float64")
    with pytest.raises(ValueError, match=r"gy must have the pooled shape \(1, 2, 2, 2\)"):
        max_pool_backward(wrong, state)
    with pytest.raises(ValueError, match=r"gy must have the pooled shape \(1, 2, 2, 2\)"):
        avg_pool_backward(wrong, (1, 2, 4, 4), 2, 2)
    with pytest.raises(ValueError, match=r"x_shape must be \(B, C, \*S\) with 1 to 3 spatial axes"):
        avg_pool_backward(wrong, (2, 4), 2, 2)

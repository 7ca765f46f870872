"""conv and its gradients: reference, finite differences, backends, fast path == generic path."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.signal import correlate

from groupcore.backends.kernels import _numpy_conv, conv, conv_backward
from groupcore.backends.kernels.conv import conv_backward_generic, conv_generic

# (B, C, spatial, O, kernel, padding): single channel (slab im2col), many channels (row im2col),
# non-square kernels and images, padding wider than the kernel (the input gradient crops);
# sequences (1-d) and voxels (3-d) beside images; 3-wide kernels on 6 channels (Winograd when
# its channel threshold is lowered), odd and even sizes; outputs with fewer points than the
# kernel (input gradient by col2im).
SHAPES = [
    (2, 1, (6, 5), 3, (3, 3), 0),
    (3, 5, (7, 6), 4, (3, 2), 1),
    (2, 8, (5, 5), 3, (2, 3), 2),
    (1, 3, (4, 6), 2, (3, 3), 4),
    (2, 1, (9,), 3, (3,), 1),
    (2, 6, (7,), 4, (2,), 0),
    (2, 1, (4, 5, 3), 2, (3, 2, 2), 1),
    (1, 7, (5, 4, 4), 3, (2, 3, 3), 0),
    (2, 6, (7, 8), 6, (3, 3), 1),
    (2, 6, (4, 5), 6, (3, 3), 4),
    (3, 6, (9,), 7, (3,), 0),
    (1, 6, (5, 4, 5), 6, (3, 3, 3), 1),
    (2, 6, (4, 4), 5, (4, 4), 0),
    (2, 3, (2, 3), 2, (3, 3), 1),
    (1, 2, (3, 3, 3), 3, (3, 3, 3), 0),
]
IDS = [f"B{s[0]}C{s[1]}{'x'.join(map(str, s[2]))}O{s[3]}k{''.join(map(str, s[4]))}p{s[5]}" for s in SHAPES]


def reference(x: np.ndarray, w: np.ndarray, padding: int) -> np.ndarray:
    d = x.ndim - 2
    xp = np.pad(x, ((0, 0), (0, 0)) + ((padding, padding),) * d)
    out_shape = tuple(s - k + 1 for s, k in zip(xp.shape[2:], w.shape[2:]))
    out = np.zeros((x.shape[0], w.shape[0]) + out_shape)
    for b in range(x.shape[0]):
        for o in range(w.shape[0]):
            for c in range(x.shape[1]):
                out[b, o] += correlate(xp[b, c], w[o, c], mode="valid")
    return out


def data(rng: np.random.Generator, shape: tuple, dtype=np.float64):
    b, c, spatial, o, kernel, p = shape
    x = rng.standard_normal((b, c) + spatial).astype(dtype)
    w = rng.standard_normal((o, c) + kernel).astype(dtype)
    out = tuple(s + 2 * p - k + 1 for s, k in zip(spatial, kernel))
    gy = rng.standard_normal((b, o) + out).astype(dtype)
    return x, w, gy, p


@pytest.mark.parametrize("shape", SHAPES, ids=IDS)
def test_forward_matches_reference_on_every_backend(backend, rng, checks, shape):
    x, w, _, p = data(rng, shape)
    y = conv(backend.asarray(x), backend.asarray(w), padding=p)
    checks.on_backend(backend, y)
    assert checks.rel_err(backend.to_numpy(y), reference(x, w, p)) < 1e-12


@pytest.mark.parametrize("shape", SHAPES, ids=IDS)
def test_gradients_match_finite_differences(rng, checks, shape):
    x, w, gy, p = data(rng, shape)
    gx, gw = conv_backward(x, w, gy, padding=p)
    loss_x = lambda v: float(np.sum(reference(v, w, p) * gy))
    loss_w = lambda v: float(np.sum(reference(x, v, p) * gy))
    assert checks.rel_err(gx, checks.fd_grad(loss_x, x.copy())) < 1e-6
    assert checks.rel_err(gw, checks.fd_grad(loss_w, w.copy())) < 1e-6


@pytest.mark.parametrize("shape", SHAPES, ids=IDS)
def test_generic_path_is_identical_on_numpy_and_strict_device(backend, rng, checks, shape):
    x, w, gy, p = data(rng, shape)
    args = [backend.asarray(a) for a in (x, w, gy)]
    y = conv_generic(*args[:2], padding=p)
    gx, gw = conv_backward_generic(*args, padding=p)
    checks.on_backend(backend, y, gx, gw)
    y0 = conv_generic(x, w, padding=p)
    gx0, gw0 = conv_backward_generic(x, w, gy, padding=p)
    for got, want in ((y, y0), (gx, gx0), (gw, gw0)):
        assert checks.rel_err(backend.to_numpy(got), want) < 1e-12


# Every route of the fast path: Winograd F(2, 3) for any channel count and grid, im2col by slabs
# and by rows, and the input gradient by col2im for every output size.
ROUTES = {
    "default": {},
    "winograd": {"_WINOGRAD_MIN_CHANNELS": 1, "_WINOGRAD_MIN_WORK": 1},
    "im2col": {"_WINOGRAD_MIN_CHANNELS": 10**9, "_COL2IM_BELOW": 0.0},
    "im2col-slabs": {"_WINOGRAD_MIN_CHANNELS": 10**9, "_SLAB_MIN_RUN": 1},
    "im2col-rows": {"_WINOGRAD_MIN_CHANNELS": 10**9, "_SLAB_MIN_RUN": 10**9, "_SLAB_MAX_ROW": 0},
    "col2im": {"_COL2IM_BELOW": float("inf")},
}


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["f64", "f32"])
@pytest.mark.parametrize("shape", SHAPES, ids=IDS)
def test_numpy_fast_path_equals_generic_path(rng, checks, shape, dtype, route, monkeypatch):
    rtol = 1e-12 if dtype == np.float64 else checks.F32_RTOL
    monkeypatch.setattr(_numpy_conv, "_CHUNK_BYTES", 1)      # one image per micro-batch
    monkeypatch.setattr(_numpy_conv, "_WINOGRAD_CHUNK_BYTES", 1)
    for name, value in ROUTES[route].items():
        monkeypatch.setattr(_numpy_conv, name, value)
    x, w, gy, p = data(rng, shape, dtype)
    y, (gx, gw) = conv(x, w, padding=p), conv_backward(x, w, gy, padding=p)
    assert y.dtype == gx.dtype == gw.dtype == dtype
    assert y.flags.c_contiguous and gx.flags.c_contiguous and gw.flags.c_contiguous
    assert checks.rel_err(y, conv_generic(x, w, padding=p)) < rtol
    gx0, gw0 = conv_backward_generic(x, w, gy, padding=p)
    assert checks.rel_err(gx, gx0) < rtol and checks.rel_err(gw, gw0) < rtol
    assert conv_backward(x, w, gy, padding=p, need_gx=False)[0] is None


@pytest.mark.parametrize("shape", SHAPES, ids=IDS)
def test_float32_within_dtype_tolerance_of_float64_reference(backend, rng, checks, shape):
    x, w, gy, p = data(rng, shape)
    args = [backend.asarray(a, dtype="float32") for a in (x, w, gy)]
    y = conv(*args[:2], padding=p)
    gx, gw = conv_backward(*args, padding=p)
    checks.on_backend(backend, y, gx, gw)
    assert y.dtype == backend.float_dtype("float32")
    gx0, gw0 = conv_backward_generic(x, w, gy, padding=p)
    assert checks.rel_err(backend.to_numpy(y), reference(x, w, p)) < checks.F32_RTOL
    assert checks.rel_err(backend.to_numpy(gx), gx0) < checks.F32_RTOL
    assert checks.rel_err(backend.to_numpy(gw), gw0) < checks.F32_RTOL


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("shape", SHAPES, ids=IDS)
def test_fast_path_never_reads_stale_scratch(rng, checks, shape, route, monkeypatch):
    """Scratch arrays that come back full of NaN (a reused buffer may hold anything) change nothing."""
    for name, value in ROUTES[route].items():
        monkeypatch.setattr(_numpy_conv, name, value)
    monkeypatch.setattr(_numpy_conv, "_buffer", lambda tag, shape, dtype: np.full(shape, np.nan, dtype))
    x, w, gy, p = data(rng, shape)
    gx0, gw0 = conv_backward_generic(x, w, gy, padding=p)
    gx, gw = conv_backward(x, w, gy, padding=p)
    assert checks.rel_err(conv(x, w, padding=p), conv_generic(x, w, padding=p)) < 1e-12
    assert checks.rel_err(gx, gx0) < 1e-12 and checks.rel_err(gw, gw0) < 1e-12


@pytest.mark.parametrize("dtype", [np.float16, np.longdouble], ids=["f16", "longdouble"])
def test_dtypes_without_blas_gemm_take_the_generic_path(rng, dtype):
    x, w, gy, p = data(rng, SHAPES[8], dtype)
    y, (gx, gw) = conv(x, w, padding=p), conv_backward(x, w, gy, padding=p)
    assert y.dtype == gx.dtype == gw.dtype == dtype
    np.testing.assert_array_equal(y, conv_generic(x, w, padding=p))


def test_fast_path_results_do_not_alias_reused_buffers(rng):
    x, w, gy, p = data(rng, SHAPES[1])
    y = conv(x, w, padding=p)
    gx, gw = conv_backward(x, w, gy, padding=p)
    kept = [y.copy(), gx.copy(), gw.copy()]
    conv(2 * x, w, padding=p)
    conv_backward(2 * x, w, 3 * gy, padding=p)
    for a, b in zip((y, gx, gw), kept):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("x_shape, w_shape, padding, match", [
    ((2, 3), (4, 3, 3), 0, r"x must be \(B, C, W\), \(B, C, H, W\) or \(B, C, D, H, W\)"),
    ((2, 3, 5, 5), (4, 3, 3), 0, r"w must be \(O, C, \*kernel\) with 2 kernel axes"),
    ((2, 3, 5, 5), (4, 2, 3, 3), 0, "x has 3 channels but w expects 2"),
    ((2, 3, 5, 5), (4, 3, 3, 3), -1, "padding must be an int >= 0"),
    ((2, 3, 5, 5), (4, 3, 3, 3), 1.5, "padding must be an int >= 0"),
    ((2, 3, 2, 5), (4, 3, 3, 3), 0, "a 3x3 kernel does not fit a 2x5 input with padding 0"),
    ((2, 3, 4, 4, 2), (4, 3, 3, 3, 3), 0, "a 3x3x3 kernel does not fit a 4x4x2 input"),
])
def test_invalid_inputs_are_refused(backend, x_shape, w_shape, padding, match):
    x, w = backend.zeros(x_shape, "float64"), backend.zeros(w_shape, "float64")
    with pytest.raises(ValueError, match=match):
        conv(x, w, padding=padding)
    with pytest.raises(ValueError, match=match):
        conv_backward(x, w, x, padding=padding)


def test_gradient_of_wrong_shape_is_refused(backend):
    x, w = backend.zeros((2, 3, 5, 5), "float64"), backend.zeros((4, 3, 3, 3), "float64")
    with pytest.raises(ValueError, match=r"gy must have the output's shape \(2, 4, 3, 3\)"):
        conv_backward(x, w, backend.zeros((2, 4, 5, 5), "float64"))

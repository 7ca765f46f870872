"""The group Fourier path of regular-frame group convolutions equals the direct path, on every backend."""

from __future__ import annotations

import numpy as np
import pytest

import groupcore as gc
from groupcore import nn, proofs
from groupcore.nn import fourier
from groupcore.nn.io import layer_from_spec

CONV = {1: nn.GroupConv1d, 2: nn.GroupConv2d, 3: nn.GroupConv3d}
#: name -> (group, grid of the input)
CASES = {
    "C4-2d": (lambda: gc.cyclic(4), (6, 5)),
    "D4-2d": (lambda: gc.dihedral(4), (5, 6)),
    "S3-1d": (lambda: gc.symmetric(3), (9,)),
    "Q8-2d": (gc.quaternion, (5, 5)),
    "C3-1d": (lambda: gc.cyclic(3), (8,)),
    "O-3d": (gc.octahedral, (4, 4, 4)),
}
#: Allowed difference between the paths, relative to the largest value compared, per dtype.
RTOL = {"float64": 1e-12, "float32": 1e-5}


def pair(G: gc.Group, ndim: int, padding: int, dtype: str, C: int = 3, O: int = 2) -> tuple[nn.Layer, nn.Layer]:
    """The same layer (θ and a non-zero bias) on the direct and on the Fourier path."""
    direct = CONV[ndim](G, C, O, 3, padding=padding, fourier=False, seed=1)
    direct.params["bias"] = np.linspace(-1, 1, O).astype(np.float32)
    spectral = type(direct).from_config({**direct.config(), "fourier": True})
    spectral.params = dict(direct.params)
    return direct.to(dtype=dtype), spectral.to(dtype=dtype)


def assert_paths_agree(direct: nn.Layer, spectral: nn.Layer, x: np.ndarray) -> None:
    """Outputs and the gradients of x, θ and the bias agree within the dtype's tolerance."""
    rtol = RTOL[str(x.dtype)]
    y = direct(x)
    gy = np.random.default_rng(5).standard_normal(y.shape).astype(x.dtype)
    pairs = [(y, spectral(x)), (direct.backward(gy), spectral.backward(gy))]
    pairs += [(direct.grads[k], spectral.grads[k]) for k in ("theta", "bias")]
    for a, b in pairs:
        assert a.shape == b.shape and a.dtype == b.dtype
        np.testing.assert_allclose(b, a, rtol=0, atol=rtol * np.abs(a).max())


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("padding", [0, 1])
@pytest.mark.parametrize("name", list(CASES))
def test_fourier_path_equals_direct_path(name, padding, dtype):
    make, grid = CASES[name]
    G = make()
    direct, spectral = pair(G, len(grid), padding, dtype)
    assert not direct.fourier and spectral.fourier
    x = np.random.default_rng(0).standard_normal((2, 3, G.order) + grid).astype(dtype)
    assert_paths_agree(direct, spectral, x)


def test_a_transposed_irrep_is_caught():
    """ρ(g)ᵀ in place of ρ(g) (an anti-homomorphism for non-abelian D4) makes the equality test fail."""
    G = gc.dihedral(4)
    direct, spectral = pair(G, 2, 1, "float64")
    x = np.random.default_rng(0).standard_normal((2, 3, 8, 5, 5))
    assert_paths_agree(direct, spectral, x)
    plan = fourier.fourier_plan(G)
    starts = np.cumsum([0] + [d * d for d in plan.dims])
    rows = np.concatenate([np.arange(s, s + d * d).reshape(d, d).T.ravel() for s, d in zip(starts, plan.dims)])
    assert not np.array_equal(rows, np.arange(len(rows)))
    broken = spectral.to(dtype="float64")                  # a copy, with its own device constants
    transposed = plan.transform[rows]
    broken._consts["fourier"] = (transposed, np.linalg.pinv(transposed))
    with pytest.raises(AssertionError):
        assert_paths_agree(direct, broken, x)
    assert_paths_agree(direct, spectral, x)                 # the original is untouched


@pytest.mark.parametrize("name", list(CASES))
def test_equivariant_under_every_element(name):
    make, grid = CASES[name]
    G = make()
    layer = CONV[len(grid)](G, 2, 3, 3, padding=1, fourier=True, seed=0).to(dtype="float64")
    x = np.random.default_rng(1).standard_normal((2, 2, G.order) + grid)
    report = proofs.assert_equivariant(layer, [x])
    assert report["elements"] == G.order


def test_runs_on_every_backend(backend):
    """One array-API code path: the Fourier layer on any backend matches NumPy's direct path (float64)."""
    direct, spectral = pair(gc.dihedral(4), 2, 1, "float64")
    x = np.random.default_rng(2).standard_normal((2, 3, 8, 5, 5))
    y = direct(x)
    gy = np.random.default_rng(3).standard_normal(y.shape)
    gx = direct.backward(gy)
    moved = spectral.to(backend)
    assert np.abs(backend.to_numpy(moved(backend.asarray(x))) - y).max() < 1e-12
    assert np.abs(backend.to_numpy(moved.backward(backend.asarray(gy))) - gx).max() < 1e-12
    for k in ("theta", "bias"):
        assert np.abs(backend.to_numpy(moved.grads[k]) - direct.grads[k]).max() < 1e-12


def test_first_layer_and_replica():
    """Without an input gradient only θ's is computed; a replica (fixed θ) reuses its filters."""
    direct, spectral = pair(gc.symmetric(3), 1, 1, "float64")
    x = np.random.default_rng(4).standard_normal((3, 3, 6, 7))
    gy = np.ones_like(direct(x))
    direct.backward(gy)
    spectral.needs_input_grad = False
    spectral(x)
    assert spectral.backward(gy) is None
    np.testing.assert_allclose(spectral.grads["theta"], direct.grads["theta"], rtol=0, atol=1e-12)
    replica = spectral.replica()
    assert replica._spectral_filters() is replica._spectral_filters()
    np.testing.assert_allclose(replica(x), direct(x), rtol=0, atol=1e-12)


def test_weights_and_conversions_are_unchanged():
    direct, spectral = pair(gc.dihedral(4), 2, 0, "float64")
    assert np.array_equal(direct.index, spectral.index) and direct.num_params == spectral.num_params
    assert np.array_equal(direct.expanded_weight(), spectral.expanded_weight())
    x = np.random.default_rng(6).standard_normal((2, 3, 8, 5, 5))
    np.testing.assert_allclose(spectral.unlifted()(x.reshape(2, 24, 5, 5)),
                               spectral(x).reshape(2, 2, 8, 3, 3)[:, :, 0], rtol=0, atol=1e-12)


def test_saved_with_fourier_reloads_identically(tmp_path):
    model = nn.Sequential(nn.GroupConv2d(gc.quaternion(), 2, 3, 3, padding=1, fourier=True, seed=0), nn.ReLU())
    x = np.random.default_rng(7).standard_normal((2, 2, 8, 5, 5)).astype(np.float32)
    model.save(str(tmp_path / "q8.npz"))
    loaded = nn.load(str(tmp_path / "q8.npz"))
    assert loaded[0].fourier and loaded[0].config()["fourier"] is True
    assert np.array_equal(loaded(x), model(x))


def test_a_config_without_the_option_still_loads():
    """Files written before the option existed have no ``fourier`` key: the default, ``"auto"``, applies."""
    config = nn.GroupConv2d(gc.dihedral(4), 8, 8, 3).config()
    del config["fourier"]
    layer = layer_from_spec({"type": "GroupConv2d", "config": config})
    assert layer.config()["fourier"] == "auto" and layer.fourier


def test_auto_rule():
    assert fourier.prefer_fourier(gc.dihedral(4), 6, 6) and fourier.prefer_fourier(gc.octahedral(), 4, 4)
    assert not fourier.prefer_fourier(gc.dihedral(4), 5, 5) and not fourier.prefer_fourier(gc.octahedral(), 3, 3)
    assert not fourier.prefer_fourier(gc.cyclic(4), 20, 20)          # Σ d³ = 10 against |G|² = 16
    assert not fourier.prefer_fourier(gc.quaternion(), 20, 20)       # Σ d³ = 68 against 64
    assert not fourier.prefer_fourier(gc.dihedral(4), 3, 20)         # too few channels: 3·64 < 30·12
    assert fourier.prefer_fourier(gc.dihedral(3), 9, 9) and not fourier.prefer_fourier(gc.dihedral(3), 8, 8)
    assert nn.GroupConv2d(gc.dihedral(4), 8, 8, 3).fourier
    assert not nn.GroupConv2d(gc.dihedral(4), 8, 8, 3, frame="diagonal").fourier
    assert not nn.GroupConv2d(gc.cyclic(4), 8, 8, 3).fourier


def test_bad_options_are_refused():
    with pytest.raises(ValueError, match="fourier=True needs frame='regular'"):
        nn.GroupConv2d(gc.cyclic(4), 2, 2, 3, frame="diagonal", fourier=True)
    for bad in ("yes", 1, None):
        with pytest.raises(ValueError, match="fourier must be True, False or 'auto'"):
            nn.GroupConv2d(gc.cyclic(4), 2, 2, 3, fourier=bad)

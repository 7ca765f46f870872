"""Weight sharing == the black-box lift == the global lift; the frames agree through the bridge.

All in float64 for the exact groups C4 and D4.
"""

from __future__ import annotations

import numpy as np
import pytest

import groupcore as gc
from groupcore import nn

rng = np.random.default_rng(5)
TOL = 1e-12


def close(a: np.ndarray, b: np.ndarray) -> bool:
    return a.shape == b.shape and float(np.abs(a - b).max()) <= TOL * max(1.0, float(np.abs(b).max()))


def f64(layer: nn.Layer) -> nn.Layer:
    return layer.to(dtype="float64")


def on_view(conv: nn.Conv2d):
    """F̃ of a group convolution: the plain convolution of the (B, C·|G|, H, W) view."""
    return lambda v: conv(v.reshape(v.shape[0], -1, *v.shape[3:]))


def test_lifting_equals_black_box_and_global(exact_group, frame):
    G = exact_group
    layer = f64(nn.LiftingConv2d(G, 2, 3, 3, frame=frame, padding=1, seed=0))
    img = gc.GridAction(G)
    out = img if frame == "diagonal" else None
    x = rng.standard_normal((2, 2, 7, 7))
    fast = layer(x)
    black_box = nn.lift_layer(layer.unlifted(), G, img, out)(x)
    global_ = nn.equivarify(nn.Sequential(layer.unlifted()), img, out)(x)
    assert close(fast, black_box) and close(fast, global_)


def test_group_conv_equals_black_box(exact_group, frame):
    G = exact_group
    layer = f64(nn.GroupConv2d(G, 2, 3, 3, frame=frame, seed=0))
    spatial = gc.GridAction(G) if frame == "diagonal" else None
    s = rng.standard_normal((2, 2, G.order, 6, 6))
    black_box = nn.lift_layer(on_view(layer.unlifted()), G, gc.MapAction(G, spatial), spatial)
    assert close(layer(s), black_box(s))


def test_lifted_dense_equals_black_box(exact_group):
    G = exact_group
    layer = f64(nn.LiftedDense(G, 3, 4, seed=0))
    dense = layer.unlifted()
    s = rng.standard_normal((5, 3, G.order))
    black_box = nn.lift_layer(lambda v: dense(v.reshape(v.shape[0], -1)), G, gc.MapAction(G))
    assert close(layer(s), black_box(s))


def test_layerwise_network_equals_global_lift(exact_group, frame):
    """Later layers whose θ reads only the identity copy make the layer-wise net the global lift."""
    G = exact_group
    plain = f64(nn.Sequential(nn.Conv2d(1, 3, 3, seed=0), nn.ReLU(), nn.Conv2d(3, 2, 3, seed=1), nn.Tanh()))
    lifted = f64(nn.Sequential(nn.LiftingConv2d(G, 1, 3, 3, frame=frame), nn.ReLU(),
                               nn.GroupConv2d(G, 3, 2, 3, frame=frame), nn.Tanh()))
    lifted[0].params["theta"] = plain[0].params["weight"].reshape(-1).copy()
    theta = np.zeros((2, 3, G.order, 3, 3))
    theta[:, :, 0] = plain[2].params["weight"]
    lifted[2].params["theta"] = theta.reshape(-1)
    for i in (0, 2):
        lifted[i].params["bias"] = plain[i].params["bias"].copy()
    img = gc.GridAction(G)
    x = rng.standard_normal((2, 1, 8, 8))
    assert close(lifted(x), nn.equivarify(plain, img, img if frame == "diagonal" else None)(x))


def back_rotating(layer: nn.GroupConv2d, spatial: gc.GridAction):
    """F̃ that first rotates every copy back (s ↦ u, u(h) = ρ(h)·s(h)) and then convolves."""
    conv = on_view(layer.unlifted())
    return lambda s: conv(nn.to_diagonal(s, spatial))


def test_frames_agree_through_the_bridge(exact_group):
    """A regular-frame net whose F̃ rotates copies back is the G-CNN: u(g) = ρ(g)·s(g) on every layer."""
    G = exact_group
    img = gc.GridAction(G)
    diag = f64(nn.Sequential(nn.LiftingConv2d(G, 1, 3, 3, frame="diagonal", seed=0), nn.ReLU(),
                             nn.GroupConv2d(G, 3, 3, 3, frame="diagonal", seed=1), nn.ReLU(),
                             nn.GroupConv2d(G, 3, 2, 3, frame="diagonal", padding=1, seed=2)))
    reg_lift = f64(nn.LiftingConv2d(G, 1, 3, 3, frame="regular"))
    reg_lift.params = dict(diag[0].params)
    regular = nn.Sequential(reg_lift, nn.ReLU(),
                            nn.lift_layer(back_rotating(diag[2], img), G, gc.MapAction(G)), nn.ReLU(),
                            nn.lift_layer(back_rotating(diag[4], img), G, gc.MapAction(G)))
    x = rng.standard_normal((2, 1, 9, 9))
    assert close(nn.to_diagonal(reg_lift(x), img), diag[0](x))
    assert close(nn.to_diagonal(regular(x), img), diag(x))


def plain_concatenation_pair(G: gc.Group) -> tuple[nn.Sequential, nn.Sequential]:
    """The paper's regular-frame net and the G-CNN with the same θ."""
    nets = [f64(nn.Sequential(nn.LiftingConv2d(G, 1, 3, 3, frame=f, seed=0), nn.ReLU(),
                              nn.GroupConv2d(G, 3, 2, 3, frame=f, seed=1))) for f in ("regular", "diagonal")]
    return nets[0], nets[1]


def test_plain_concatenation_is_a_different_network(exact_group):
    G = exact_group
    regular, diagonal = plain_concatenation_pair(G)
    x = rng.standard_normal((2, 1, 9, 9))
    gap = np.abs(nn.to_diagonal(regular(x), gc.GridAction(G)) - diagonal(x)).max()
    assert gap > 1e-3 * np.abs(diagonal(x)).max()


def shifted(x: np.ndarray, t: tuple[int, int]) -> np.ndarray:
    return np.roll(x, t, axis=(-2, -1))


def translation_error(net: nn.Layer, t: tuple[int, int]) -> float:
    x = np.zeros((2, 1, 16, 16))
    x[:, :, 5:11, 5:11] = rng.standard_normal((2, 1, 6, 6))
    y, y_t = net(x), net(shifted(x, t))
    a, b = t
    return float(np.abs(y_t[..., a:, b:] - y[..., :y.shape[-2] - a, :y.shape[-1] - b]).max() / np.abs(y).max())


def test_only_the_diagonal_frame_is_translation_equivariant(exact_group):
    regular, diagonal = plain_concatenation_pair(exact_group)
    assert translation_error(diagonal, (1, 2)) < TOL
    assert translation_error(regular, (1, 2)) > 1e-3


def test_regular_copies_translate_by_g_inverse_t(exact_group):
    """Copy g of a regular-frame lifting moves by ρ(g)⁻¹·t when the input moves by t."""
    G = exact_group
    layer = f64(nn.LiftingConv2d(G, 1, 2, 3, frame="regular", seed=0))
    x = np.zeros((1, 1, 15, 15))
    x[:, :, 5:10, 5:10] = rng.standard_normal((1, 1, 5, 5))
    t = (1, 2)
    y, y_t = layer(x), layer(shifted(x, t))
    impulse = np.zeros((15, 15))
    impulse[7 + t[0], 7 + t[1]] = 1.0          # the centre moved by t
    img = gc.GridAction(G)
    for g in range(G.order):
        d = np.argwhere(img.apply(int(G.inverse[g]), impulse) == 1.0)[0] - 7
        assert close(y_t[:, :, g], shifted(y[:, :, g], tuple(int(v) for v in d)))


def test_lift_layer_checks_its_actions():
    with pytest.raises(ValueError, match="actions of C4"):
        nn.lift_layer(nn.ReLU(), gc.cyclic(4), gc.GridAction(gc.dihedral(4)))
    with pytest.raises(TypeError, match="needs the lifted map to be a Layer"):
        layer = nn.lift_layer(lambda v: v, gc.cyclic(2), gc.MapAction(gc.cyclic(2)))
        layer(np.ones((1, 1, 2)))
        layer.backward(np.ones((1, 1, 2, 2)))

"""Any finite group, any action: sets, sequences, images and voxels, in both frames.

For every case: exact equivariance over every group element (float64 < 1e-12, float32 < 1e-5
relative, through the model's declared actions), weight sharing equal to the black-box lift of
the same un-lifted layers in float64, the un-lifted parameter count, finite-difference gradients
and a save/load round trip.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import groupcore as gc
from groupcore import nn, proofs

rng = np.random.default_rng(13)


def shift_action(n: int) -> gc.Action:
    """C_n acting on n positions by cyclic shifts, given as a user's table."""
    return gc.Action.from_table(gc.Group.from_table((np.arange(n)[:, None] + np.arange(n)) % n, name=f"C{n}"),
                                (np.arange(n)[:, None] + np.arange(n)) % n)


def table_only(G: gc.Group) -> gc.Group:
    """The same group given only by its Cayley table (no name, no geometry)."""
    return gc.Group.from_table(G.table.tolist())


def c2_cubed() -> gc.Group:
    return table_only(gc.direct_product(gc.direct_product(gc.cyclic(2), gc.cyclic(2)), gc.cyclic(2)))


# Each case: a model and an input shape. The models run float64.
def s5_mlp() -> tuple[nn.Sequential, tuple[int, ...]]:
    S5 = gc.symmetric(5)
    act = gc.Action.natural(S5)
    return nn.Sequential(nn.LiftingDense(act, 1, 4, seed=0), nn.ReLU(), nn.LiftedDense(S5, 4, 3, seed=1),
                         nn.ReLU(), nn.LiftedDense(S5, 3, 2, seed=2), nn.GroupPool("mean")), (3, 1, 5)


def d1_sequences(frame: str) -> Callable[[], tuple[nn.Sequential, tuple[int, ...]]]:
    def make() -> tuple[nn.Sequential, tuple[int, ...]]:
        D1 = gc.dihedral(1)
        return nn.Sequential(nn.LiftingConv1d(D1, 2, 3, 3, frame=frame, padding=1, seed=0), nn.ReLU(),
                             nn.MaxPool1d(2), nn.GroupConv1d(D1, 3, 3, 3, frame=frame, seed=1), nn.Tanh(),
                             nn.AvgPool1d(2), nn.GroupPool("max")), (3, 2, 12)
    return make


def c8_shifts() -> tuple[nn.Sequential, tuple[int, ...]]:
    act = shift_action(8)
    return nn.Sequential(nn.LiftingDense(act, 2, 4, seed=0), nn.ReLU(), nn.LiftedDense(act.group, 4, 2, seed=1)), \
        (4, 2, 8)


def q8_cosets() -> tuple[nn.Sequential, tuple[int, ...]]:
    Q = table_only(gc.quaternion())
    act = gc.Action.from_table(Q, gc.Action.on_cosets(gc.quaternion(), [0, 4]).table)   # Q8/{±1}: 4 points
    return nn.Sequential(nn.LiftingDense(act, 1, 3, seed=0), nn.ReLU(), nn.LiftedDense(Q, 3, 2, seed=1),
                         nn.GroupPool("max")), (3, 1, 4)


def c2cubed_on_8_points() -> tuple[nn.Sequential, tuple[int, ...]]:
    G = c2_cubed()
    act = gc.Action.from_table(G, G.table)                                             # user table: regular
    return nn.Sequential(nn.LiftingDense(act, 2, 3, seed=0), nn.Sigmoid(), nn.LiftedDense(G, 3, 2, seed=1)), \
        (3, 2, 8)


def voxels(make_group: Callable[[], gc.Group], frame: str, size: int) -> Callable[[], tuple[nn.Sequential, tuple]]:
    def make() -> tuple[nn.Sequential, tuple[int, ...]]:
        G = make_group()
        pool = nn.MaxPool3d(2) if size % 2 == 0 else nn.AvgPool3d(3, 2, padding=1)
        return nn.Sequential(nn.LiftingConv3d(G, 1, 2, 3, frame=frame, padding=1, seed=0), nn.ReLU(), pool,
                             nn.GroupConv3d(G, 2, 2, 2 if size % 2 == 0 else 3, frame=frame, seed=1),
                             nn.GroupBatchNorm(2).eval(), nn.GroupPool("max")), (2, 1, size, size, size)
    return make


def regular_group_conv(G: gc.Group) -> Callable[[], tuple[nn.Sequential, tuple[int, ...]]]:
    def make() -> tuple[nn.Sequential, tuple[int, ...]]:
        return nn.Sequential(nn.GroupConv2d(G, 2, 3, 3, frame="regular", padding=1, seed=0), nn.ReLU(),
                             nn.MaxPool2d(2), nn.GroupConv2d(G, 3, 2, 3, frame="regular", seed=1),
                             nn.Flatten(keep_group=True), nn.LiftedDense(G, 2 * 1 * 1, 2, seed=2)), \
            (2, 2, G.order, 7, 7)
    return make


CASES: dict[str, Callable[[], tuple[nn.Sequential, tuple[int, ...]]]] = {
    "S5-mlp": s5_mlp,
    "D1-seq-diagonal": d1_sequences("diagonal"),
    "D1-seq-regular": d1_sequences("regular"),
    "C8-shifts": c8_shifts,
    "Q8-table-cosets": q8_cosets,
    "C2xC2xC2-table": c2cubed_on_8_points,
    **{f"{name}-{frame}-{size}": voxels(make, frame, size)
       for name, make in (("O", gc.octahedral), ("Oh", gc.full_octahedral))
       for frame in nn.FRAMES for size in (4, 5)},
    "S3-regular-conv2d": regular_group_conv(gc.symmetric(3)),
    "Q8-regular-conv2d": regular_group_conv(gc.quaternion()),
}


@pytest.fixture(params=list(CASES), ids=list(CASES))
def case(request: pytest.FixtureRequest) -> tuple[str, nn.Sequential, np.ndarray]:
    model, shape = CASES[request.param]()
    return request.param, model.to(dtype="float64"), rng.standard_normal(shape)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_exact_equivariance_over_every_element(case, dtype):
    _, model, x = case
    model = model.to(dtype=dtype)
    assert model.in_action is not None and model.out_action is not None
    report = proofs.assert_equivariant(model, [x.astype(dtype)])
    assert report["elements"] == len(report["abs"]) == model.in_action.group.order


def test_a_planted_break_is_caught(case):
    """The same check fails once a weight-sharing index is corrupted (the tester can fail)."""
    _, model, x = case
    layer = next(leaf for leaf in model.leaves() if hasattr(leaf, "sharing"))
    index = layer.sharing.index.copy()
    flat = index.reshape(-1)
    flat[0], flat[-1] = flat[-1], flat[0]
    if np.array_equal(index, layer.sharing.index):
        pytest.skip("the first and last entries share one parameter")
    layer.sharing = nn.Sharing(index, layer.sharing.coef, layer.sharing.size)
    layer._consts.clear()
    with pytest.raises(AssertionError, match="not equivariant|element"):
        proofs.assert_equivariant(model, [x])


def _black_box(layer: nn.Layer) -> nn.Layer:
    """The literal lift of the layer's un-lifted F̃ through the layer's own input and output actions."""
    G = layer.group
    plain = layer.unlifted()
    flatten_in = isinstance(layer, (nn.LiftingDense, nn.LiftedDense))
    lifting = isinstance(layer, (nn.LiftingDense,)) or getattr(layer, "lifting", False)
    f_tilde = nn.Sequential(nn.Flatten(), plain) if flatten_in else plain
    if not lifting and not flatten_in:        # a group convolution reads the (B, C·|G|, *S) view
        f_tilde = nn.Sequential(_View(), plain)
    output = layer.out_action.spatial
    return nn.lift_layer(f_tilde, G, layer.in_action, output)


class _View(nn.Layer):
    """``(B, C, |G|, *S) → (B, C·|G|, *S)``."""

    pointwise = True

    def forward(self, x: Any) -> Any:
        self._shape = x.shape
        return x.reshape((x.shape[0], -1) + x.shape[3:])

    def backward(self, gy: Any) -> Any:
        return gy.reshape(self._shape)


def test_weight_sharing_equals_the_black_box_lift(case):
    _, model, x = case
    h = x
    checked = 0
    for layer in model:
        if hasattr(layer, "sharing"):
            fast, literal = layer(h), _black_box(layer)(h)
            assert fast.shape == literal.shape
            assert np.abs(fast - literal).max() <= 1e-12 * max(1.0, np.abs(literal).max())
            assert layer.num_params == layer.unlifted().num_params        # sharing keeps the model size
            checked += 1
        h = layer(h)
    assert checked >= 2


def test_gradients_match_finite_differences(case, fd_error):
    _, model, x = case
    for layer in model.leaves():            # batch norm in training mode too
        layer.train(True)
    assert fd_error(model, x, samples=6) < 1e-6


def test_save_and_load_give_identical_outputs(case, tmp_path):
    name, model, x = case
    path = tmp_path / f"{name}.npz"
    model.eval()
    model.save(str(path))
    loaded = nn.load(str(path), dtype="float64")
    assert np.array_equal(loaded.predict(x), model.predict(x))
    assert loaded.in_action == model.in_action and loaded.out_action == model.out_action


# ---------------------------------------------------------------------- the black-box lift saves too
def test_black_box_lift_saves_and_loads(tmp_path):
    G = gc.dihedral(4)
    lifted = nn.lift_layer(nn.Sequential(nn.Conv2d(1, 2, 3, seed=0), nn.ReLU()), G, gc.GridAction(G),
                           gc.GridAction(G))
    model = nn.Sequential(lifted, nn.GroupPool("max")).to(dtype="float64")
    x = rng.standard_normal((2, 1, 6, 6))
    model.save(str(tmp_path / "bb.npz"))
    loaded = nn.load(str(tmp_path / "bb.npz"), dtype="float64")
    assert np.array_equal(loaded(x), model(x))
    proofs.assert_equivariant(loaded, [x])
    with pytest.raises(ValueError, match="wraps a plain callable"):
        nn.Sequential(nn.lift_layer(lambda v: v, G, gc.GridAction(G))).save(str(tmp_path / "no.npz"))


# ---------------------------------------------------------------------- geometry decides, not names
def test_half_turn_and_flip_are_not_mixed():
    """C2 (half turn) and D1 (flip) have one table; a network mixing them is refused with the reason."""
    with pytest.raises(ValueError, match="built for D1 .*matrices.*acted on by C2 .*matrices"):
        nn.Sequential(nn.LiftingConv2d(gc.cyclic(2), 1, 2, 3, frame="diagonal"),
                      nn.GroupConv2d(gc.dihedral(1), 2, 2, 3, frame="diagonal"))
    # In the regular frame a group convolution only uses the table: mixing is exact, and allowed.
    net = nn.Sequential(nn.LiftingConv2d(gc.cyclic(2), 1, 2, 3, frame="regular"),
                        nn.GroupConv2d(gc.dihedral(1), 2, 2, 3, frame="regular")).to(dtype="float64")
    proofs.assert_equivariant(net, [rng.standard_normal((2, 1, 7, 6))])


def test_pools_declaring_the_other_frame_are_refused():
    G = gc.cyclic(4)
    with pytest.raises(ValueError, match="declares frame='regular', but G moves the grid"):
        nn.Sequential(nn.LiftingConv2d(G, 1, 2, 3, frame="diagonal"), nn.MaxPool2d(2, frame="regular"))
    net = nn.Sequential(nn.LiftingConv2d(G, 1, 2, 3, frame="diagonal"), nn.MaxPool2d(2))
    with pytest.raises(nn.PoolingGeometryError, match="uncovered on one side"):
        net(np.zeros((1, 1, 27, 27)))                                     # 25x25 maps


def test_flatten_of_a_moved_grid_is_refused_before_a_lifted_dense():
    G = gc.cyclic(4)
    net = nn.Sequential(nn.LiftingConv2d(G, 1, 2, 3, frame="diagonal"), nn.Flatten(keep_group=True),
                        nn.LiftedDense(G, 2 * 9, 2))
    with pytest.raises(ValueError, match="flattening it breaks equivariance"):
        net(np.zeros((1, 1, 5, 5)))
    ok = nn.Sequential(nn.LiftingConv2d(G, 1, 2, 5, frame="diagonal"), nn.Flatten(keep_group=True),
                       nn.LiftedDense(G, 2, 2)).to(dtype="float64")
    proofs.assert_equivariant(ok, [rng.standard_normal((2, 1, 5, 5))])


def test_lifting_dense_refuses_what_is_not_an_exact_action():
    with pytest.raises(TypeError, match="exact action given by a table"):
        nn.LiftingDense(gc.interpolated_rotations(gc.cyclic(8), (3, 3)), 1, 2)
    layer = nn.LiftingDense(gc.Action.natural(gc.symmetric(3)), 2, 2)
    with pytest.raises(ValueError, match="acts on 3 points"):
        layer(np.zeros((1, 2, 4)))


@pytest.mark.parametrize("readout", ["invariant", "joint"])
@pytest.mark.parametrize("frame", nn.FRAMES)
def test_gcnn3d_is_exactly_invariant(readout, frame):
    net = nn.gcnn3d(gc.octahedral(), frame=frame, channels=1, input_size=4, readout=readout).to(dtype="float64")
    x = rng.standard_normal((2, 1, 4, 4, 4))
    proofs.assert_equivariant(net, [x])
    assert net(x).shape == ((2, 8) if readout == "invariant" else (2, 24 * 8))


@pytest.mark.parametrize("make, size", [(nn.MaxPool1d, 7), (nn.AvgPool3d, 5), (nn.MaxPool3d, 9)])
def test_pool_geometry_is_checked_in_1d_and_3d(make, size):
    """A pooling grid that a reflection or rotation would move is refused in every dimension."""
    shape = (1, 1, 2) + (size,) * make.ndim
    with pytest.raises(nn.PoolingGeometryError, match="uncovered on one side only"):
        make(2)(np.zeros(shape))
    with pytest.raises(nn.PoolingGeometryError, match="uncovered on one side only"):
        make(2, input_size=(size,) * make.ndim)
    assert make(2, allow_approximate=True)(np.zeros(shape)).shape[-1] == size // 2

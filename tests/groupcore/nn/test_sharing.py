"""Weight-sharing tensors against their definitions, element by element."""

from __future__ import annotations

import numpy as np
import pytest

import groupcore as gc
from groupcore import nn
from groupcore.nn.sharing import Sharing, conv_sharing, orbit_labels, orbit_sharing
from groupcore.nn.transform import SparseGather, broadcast_gather, copies_gather
from groupcore.rotations import interpolated_rotations

rng = np.random.default_rng(2)


def test_lifting_expansion_rotates_filters(exact_group):
    G = exact_group
    layer = nn.LiftingConv2d(G, 2, 3, 3, frame="diagonal", seed=0)
    theta = layer.params["theta"].reshape(3, 2, 3, 3)
    W = layer.sharing.expand(layer.params["theta"])
    act = gc.GridAction(G)
    for g in range(G.order):
        assert np.array_equal(W[:, g], act.apply(g, theta))
    assert layer.index.dtype == np.int64 and layer.coef is None


@pytest.mark.parametrize("frame_", nn.FRAMES)
def test_group_expansion_matches_the_definition(exact_group, frame_):
    G, n = exact_group, exact_group.order
    layer = nn.GroupConv2d(G, 2, 3, 3, frame=frame_, seed=0)
    theta = layer.params["theta"].reshape(3, 2, n, 3, 3)
    W = layer.sharing.expand(layer.params["theta"])
    act = gc.GridAction(G)
    for r in range(n):
        for h in range(n):
            block = theta[:, :, G.table[G.inverse[r], h]]
            expected = act.apply(r, block) if frame_ == "diagonal" else block
            assert np.array_equal(W[:, r, :, h], expected)


def test_every_parameter_is_used_and_counts_are_balanced(exact_group):
    """Each θ entry appears |G| times in a lifting index and |G| times in a group index."""
    G = exact_group
    for layer in (nn.LiftingConv2d(G, 2, 3, 3, frame="diagonal"), nn.GroupConv2d(G, 2, 3, 3, frame="diagonal"),
                  nn.GroupConv2d(G, 2, 3, 3, frame="regular"), nn.LiftedDense(G, 2, 3)):
        counts = np.bincount(layer.index.ravel(), minlength=layer.sharing.size)
        assert np.all(counts == G.order)


def test_interpolated_sharing_reproduces_the_operators():
    C8 = gc.cyclic(8)
    act = interpolated_rotations(C8, (3, 3), order=1, mask=None)
    layer = nn.LiftingConv2d(C8, 1, 2, 3, frame="diagonal", interpolation={"order": 1, "mask": None})
    theta = layer.params["theta"].astype(np.float64)
    W = layer.sharing.expand(theta)
    for g in range(8):
        for o in range(2):
            assert np.allclose(W[o, g, 0].ravel(), act.operator(g) @ theta.reshape(2, 9)[o], atol=1e-15)
    assert layer.index.shape == layer.coef.shape and layer.index.shape[:-1] == (2, 8, 1, 3, 3)


def test_sharing_validates_its_inputs():
    G = gc.cyclic(4)
    with pytest.raises(ValueError, match="action tables must be"):
        orbit_labels(G.table, gc.cyclic(2).table)
    with pytest.raises(ValueError, match="filter taps must be a table"):
        conv_sharing(G, 1, 1, gc.Action.on_grid(G, (2, 2)), (3, 3), lifting=True)
    with pytest.raises(ValueError, match="do not have the tables"):
        orbit_sharing(1, 1, G.table, G.table, (3,), (4,))
    with pytest.raises(ValueError, match="θ must have 4 entries"):
        Sharing(np.arange(4), None, 4).expand(np.ones(3))


# ---------------------------------------------------------------------- the orbit rule
def _closed_form_lifting(G, O, C, taps):
    """The C_N/D_N formula: W[o, g, c, p] = θ[o, c, g⁻¹·p] (as flat θ positions)."""
    P = taps.shape[1]
    out = np.empty((O, G.order, C, P), dtype=np.int64)
    for o in range(O):
        for g in range(G.order):
            for c in range(C):
                out[o, g, c] = (o * C + c) * P + taps[G.inverse[g]]
    return out


def _closed_form_group(G, O, C, taps):
    """W[o, r, c, h, p] = θ[o, c, r⁻¹h, r⁻¹·p]."""
    n, P = G.order, taps.shape[1]
    out = np.empty((O, n, C, n, P), dtype=np.int64)
    for o in range(O):
        for r in range(n):
            ri = G.inverse[r]
            for c in range(C):
                for h in range(n):
                    out[o, r, c, h] = ((o * C + c) * n + G.table[ri, h]) * P + taps[ri]
    return out


@pytest.mark.parametrize("name", ["C1", "C2", "C4", "D1", "D2", "D4"])
@pytest.mark.parametrize("k", [1, 2, 3])
def test_orbit_rule_reproduces_the_rotation_group_tensors(name, k):
    """The general rule gives exactly the tensors of the closed C_N/D_N formulas."""
    G = (gc.dihedral if name[0] == "D" else gc.cyclic)(int(name[1]))
    taps = gc.Action.on_grid(G, (k, k)).table
    trivial = np.broadcast_to(np.arange(k * k), (G.order, k * k))
    lifting = conv_sharing(G, 2, 3, gc.Action.on_grid(G, (k, k)), (k, k), lifting=True)
    assert np.array_equal(lifting.index.reshape(2, G.order, 3, -1), _closed_form_lifting(G, 2, 3, taps))
    diagonal = conv_sharing(G, 2, 3, gc.Action.on_grid(G, (k, k)), (k, k), lifting=False)
    assert np.array_equal(diagonal.index.reshape(2, G.order, 3, G.order, -1), _closed_form_group(G, 2, 3, taps))
    regular = conv_sharing(G, 2, 3, None, (k, k), lifting=False)
    assert np.array_equal(regular.index.reshape(2, G.order, 3, G.order, -1), _closed_form_group(G, 2, 3, trivial))


def test_orbit_labels_are_exactly_the_orbits():
    """Pairs share a label iff one is moved onto the other; checked pair by pair (S3 on 3 points, C8 shifts)."""
    for G, act in ((gc.symmetric(3), gc.Action.natural(gc.symmetric(3))),
                   (gc.cyclic(8), gc.Action.from_table(gc.cyclic(8), (np.arange(8)[:, None] + np.arange(8)) % 8)),
                   (gc.quaternion(), gc.Action.on_cosets(gc.quaternion(), [0, 4]))):
        labels, count = orbit_labels(G.table, act.table)
        Y, X = labels.shape
        orbit_of = {}
        for y in range(Y):
            for x in range(X):
                orbit = frozenset((int(G.table[g, y]), int(act.table[g, x])) for g in range(G.order))
                orbit_of[(y, x)] = orbit
        for a in orbit_of:
            for b in orbit_of:
                assert (labels[a] == labels[b]) == (b in orbit_of[a])
        assert count == len(set(orbit_of.values()))


def test_dense_lift_on_a_set_is_equivariant_by_the_rule():
    """W[g·y, g·x] = W[y, x] for every element, for the S5 lift on 5 points."""
    S5 = gc.symmetric(5)
    act = gc.Action.natural(S5)
    s = orbit_sharing(1, 1, S5.table, act.table)
    W = s.index.reshape(S5.order, 5)
    for g in range(S5.order):
        assert np.array_equal(W[np.ix_(S5.table[g], act.table[g])], W)
    assert s.size == 5                                      # the un-lifted Dense(5, 1)


@pytest.mark.parametrize("interpolated", [False, True])
def test_sparse_gathers_and_their_transposes(interpolated):
    G = gc.cyclic(8) if interpolated else gc.dihedral(4)
    gather = nn.action_gather(gc.GridAction(G).at((4, 4)))
    for t in (copies_gather(gather, G.inverse), broadcast_gather(gather, G.inverse, 2)):
        dense = np.stack([t.apply(e) for e in np.eye(t.n_in)], axis=1)           # (n_out, n_in)
        dense_t = np.stack([t.transpose().apply(e) for e in np.eye(t.n_out)], axis=1)
        assert np.allclose(dense_t, dense.T, atol=1e-15)
    perm = SparseGather(rng.permutation(6), None, 6)
    assert perm.transpose().coef is None and perm.transpose().idx.ndim == 1

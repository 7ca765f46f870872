"""Weight-sharing tensors against their definitions, element by element."""

from __future__ import annotations

import numpy as np
import pytest

import groupcore as gc
from groupcore import nn
from groupcore.nn.sharing import Sharing, group_sharing, identity_gather, lifting_sharing
from groupcore.nn.transform import SparseGather, broadcast_gather, copies_gather
from groupcore.rotations import interpolated_rotations

rng = np.random.default_rng(2)


def test_lifting_expansion_rotates_filters(exact_group):
    G = exact_group
    layer = nn.LiftingConv2d(G, 2, 3, 3, frame="diagonal", seed=0)
    theta = layer.params["theta"].reshape(3, 2, 3, 3)
    W = layer.sharing.expand(layer.params["theta"])
    act = nn.ImageAction(G)
    for g in range(G.order):
        assert np.array_equal(W[:, g], act.apply(g, theta))
    assert layer.index.dtype == np.int64 and layer.coef is None


@pytest.mark.parametrize("frame_", nn.FRAMES)
def test_group_expansion_matches_the_definition(exact_group, frame_):
    G, n = exact_group, exact_group.order
    layer = nn.GroupConv2d(G, 2, 3, 3, frame=frame_, seed=0)
    theta = layer.params["theta"].reshape(3, 2, n, 3, 3)
    W = layer.sharing.expand(layer.params["theta"])
    act = nn.ImageAction(G)
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
    with pytest.raises(ValueError, match="spatial gather must have shape"):
        lifting_sharing(gc.cyclic(4), 1, 1, identity_gather(2, 9))
    with pytest.raises(ValueError, match="does not have the gather's 9 points"):
        group_sharing(gc.cyclic(2), 1, 1, identity_gather(2, 9), (2, 2))
    with pytest.raises(ValueError, match="θ must have 4 entries"):
        Sharing(np.arange(4), None, 4).expand(np.ones(3))


@pytest.mark.parametrize("interpolated", [False, True])
def test_sparse_gathers_and_their_transposes(interpolated):
    G = gc.cyclic(8) if interpolated else gc.dihedral(4)
    gather = nn.action_gather(nn.ImageAction(G).at((4, 4)))
    for t in (copies_gather(gather, G.inverse), broadcast_gather(gather, G.inverse, 2)):
        dense = np.stack([t.apply(e) for e in np.eye(t.n_in)], axis=1)           # (n_out, n_in)
        dense_t = np.stack([t.transpose().apply(e) for e in np.eye(t.n_out)], axis=1)
        assert np.allclose(dense_t, dense.T, atol=1e-15)
    perm = SparseGather(rng.permutation(6), None, 6)
    assert perm.transpose().coef is None and perm.transpose().idx.ndim == 1

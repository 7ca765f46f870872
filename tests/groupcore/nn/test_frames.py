"""The frames' actions on lifted maps are actions, and the bridge intertwines them."""

from __future__ import annotations

import numpy as np
import pytest

import groupcore as gc
from groupcore import nn

rng = np.random.default_rng(4)


def test_frame_actions_are_actions(exact_group, frame):
    G = exact_group
    act = nn.frame_action(G, frame)
    s = rng.standard_normal((1, 2, G.order, 3, 3))
    assert np.array_equal(act.apply(0, s), s)
    for g in range(G.order):
        for h in range(G.order):
            assert np.array_equal(act.apply(g, act.apply(h, s)), act.apply(int(G.table[g, h]), s))


def test_bridge_intertwines_regular_and_diagonal(exact_group):
    G = exact_group
    img = gc.GridAction(G)
    reg, diag = nn.frame_action(G, "regular"), nn.frame_action(G, "diagonal")
    s = rng.standard_normal((2, 2, G.order, 4, 4))
    assert np.array_equal(nn.to_regular(nn.to_diagonal(s, img), img), s)
    for h in range(G.order):
        assert np.array_equal(nn.to_diagonal(reg.apply(h, s), img), diag.apply(h, nn.to_diagonal(s, img)))


def test_image_action_resolves_exact_and_interpolated_groups():
    assert gc.GridAction(gc.dihedral(2)).is_exact
    c8 = gc.GridAction(gc.cyclic(8), interpolation={"order": 1})
    assert not c8.is_exact and c8.at((5, 5)) is c8.at((5, 5))
    with pytest.raises(ValueError, match="Q8 .* does not act on images: it carries no matrices"):
        gc.GridAction(gc.quaternion())
    with pytest.raises(ValueError, match="Q8 .* has no exact action on a 3-d grid"):
        gc.GridAction(gc.quaternion(), ndim=3)
    with pytest.raises(ValueError, match="ndim must be 1, 2 or 3"):
        gc.GridAction(gc.cyclic(4), ndim=4)
    with pytest.raises(TypeError, match="must be a groupcore.Group"):
        gc.GridAction("C4")


def test_map_action_checks_shapes():
    act = gc.MapAction(gc.cyclic(4))
    with pytest.raises(ValueError, match=r"shape \(B, C, 4, \.\.\.\)"):
        act.apply(1, np.zeros((1, 2, 3)))
    with pytest.raises(ValueError, match="G axis at position 2"):
        act.apply(1, np.zeros((1, 2, 4)), axis=1)
    with pytest.raises(ValueError, match="spatial action must be a GridAction of C4"):
        gc.MapAction(gc.cyclic(4), gc.GridAction(gc.dihedral(4)))
    with pytest.raises(ValueError, match="bridge needs a lifted map"):
        nn.to_diagonal(np.zeros((1, 2, 4)), gc.GridAction(gc.cyclic(4)))

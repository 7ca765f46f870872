"""The public Hypothesis strategies draw valid groups, actions, maps and images."""

from __future__ import annotations

import array_api_strict as xps
import numpy as np
import pytest
from hypothesis import find, given, settings
from hypothesis import strategies as st

import groupcore as gc
from groupcore.proofs import strategies as gst
from groupcore.validation import validate_table


@settings(max_examples=100)
@given(gst.groups(max_order=16))
def test_groups_are_valid_and_small(G: gc.Group) -> None:
    assert 1 <= G.order <= 16
    np.testing.assert_array_equal(validate_table(G.table), G.table)


@pytest.mark.parametrize("condition", [
    lambda G: G.order == 24 and not G.is_abelian(),                     # S4 or a product / permutation group
    lambda G: G.name.startswith("A") and G.order == 12,
    lambda G: G.name == "Q8",
    lambda G: "x" in G.name,                                          # direct products
    lambda G: G.name.startswith("G"),                                 # from random generators
    lambda G: G.name[0] == "D" and G.name[1:].isdigit() and G != gc.dihedral(int(G.name[1:])),  # relabelled
], ids=["order-24", "alternating", "quaternion", "product", "permutation-group", "relabelled"])
def test_groups_reach_every_kind(condition) -> None:
    assert condition(find(gst.groups(max_order=24), condition))


@settings(max_examples=100)
@given(gst.groups(max_order=12).flatmap(lambda G: st.tuples(st.just(G), gst.actions(G, max_size=30))))
def test_actions_are_actions_of_the_drawn_group(case: tuple[gc.Group, gc.Action]) -> None:
    G, action = case
    assert action.group == G and 1 <= action.size <= 30
    gc.Action.from_table(G, action.table)                               # re-validates the action law


@pytest.mark.parametrize("kind", ["regular", "cosets", "grid", "natural", "restriction", "product"])
def test_actions_reach_every_kind(kind: str) -> None:
    G = gc.symmetric(3) if kind == "natural" else gc.cyclic(4)
    is_kind = {
        "restriction": lambda a: a.name.startswith("cosets(C4xC"),        # restricted from G × C_k
        "product": lambda a: ")x" in a.name,
    }.get(kind, lambda a: a.name.startswith(kind))
    action = find(gst.actions(G), is_kind)
    assert is_kind(action)
    gc.Action.from_table(G, action.table)


def test_grid_actions_are_the_image_transforms() -> None:
    D4 = gc.dihedral(4)
    grid = find(gst.actions(D4), lambda a: a.name.startswith("grid") and a.size > 4)
    img = np.arange(grid.size).reshape(grid.shape)
    for g in range(8):
        flip, k = divmod(g, 4)                                          # element 4·flip + k: flip, then turn k
        np.testing.assert_array_equal(grid.apply(g, img), np.rot90(np.fliplr(img) if flip else img, k))


@settings(max_examples=50)
@given(gst.maps(7, 3), gst.images((2, 3), np.float32), gst.images((2,), np.int16, -5, 5),
       gst.group_elements(gc.dihedral(3)))
def test_maps_images_and_elements(F: np.ndarray, img: np.ndarray, ints: np.ndarray, g: int) -> None:
    assert F.shape == (7,) and F.dtype == np.int64 and F.min() >= 0 and F.max() <= 2
    assert img.shape == (2, 3) and img.dtype == np.float32 and np.abs(img).max() <= 1
    assert ints.dtype == np.int16 and np.abs(ints).max() <= 5
    assert 0 <= g < 6


@settings(max_examples=5)
@given(gst.maps(gc.Action.regular(gc.cyclic(5)), 2))
def test_maps_accept_an_action(F: np.ndarray) -> None:
    assert F.shape == (5,) and set(F.tolist()) <= {0, 1}


@settings(max_examples=10)
@given(gst.images((2, 3), "float32", xp=xps, device=xps.Device("device1")),
       gst.images((4,), np.int16, -3, 3, xp=xps))
def test_images_in_another_library_on_its_device(img, ints) -> None:
    assert img.dtype == xps.float32 and img.shape == (2, 3) and img.device == xps.Device("device1")
    assert ints.dtype == xps.int16 and ints.device == xps.Device("CPU_DEVICE")
    assert bool(xps.all(xps.abs(img) <= 1)) and bool(xps.all(xps.abs(ints) <= 3))


def test_profile_and_bad_arguments() -> None:
    from hypothesis import settings as current
    profile = current.get_profile(gst.CI_PROFILE)
    assert profile.derandomize and profile.deadline is None
    with pytest.raises(ValueError, match="max_order must be a positive integer; got 0"):
        gst.groups(max_order=0)
    with pytest.raises(ValueError, match="max_size must be a positive integer"):
        gst.actions(gc.cyclic(2), max_size=0)
    with pytest.raises(TypeError, match="G must be a groupcore.Group"):
        gst.actions("C2")
    with pytest.raises(ValueError, match="need n_in >= 0 and n_out >= 1"):
        gst.maps(3, 0)
    with pytest.raises(ValueError, match="float and integer dtypes"):
        gst.images((2,), np.complex128)
    with pytest.raises(ValueError, match="float and integer dtypes; got bfloat16"):
        gst.images((2,), "bfloat16")
    with pytest.raises(ValueError, match="has no dtype float16"):
        gst.images((2,), np.float16, xp=_NoFloat16())


class _NoFloat16:
    """A library without float16 (array-API namespaces need not have it)."""

    __name__ = "nofloat16"

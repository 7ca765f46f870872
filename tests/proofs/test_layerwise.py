"""Layer-wise statements: symbolic certificates, planted failures, and a numeric property test."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import groupcore as gc
from groupcore.proofs import LayerwiseCertificate, LemmaCheckError, layerwise, verify_layerwise
from groupcore.proofs import strategies as gst


def test_certificate_for_the_fixture_groups(group: gc.Group) -> None:
    cert = verify_layerwise(group, depth=3)
    assert isinstance(cert, LayerwiseCertificate)
    assert (cert.group, cert.depth, cert.points) == (group.name, 3, group.order)
    assert [name for name, _ in cert.checks][1] == "N is G-equivariant"
    assert "✓ N is G-equivariant" in str(cert)
    assert cert.to_markdown().startswith(f"### Layer-wise: {group.name} acting on regular({group.name})")


def test_coset_input_and_two_layers() -> None:
    S3 = gc.symmetric(3)
    cert = verify_layerwise(S3, gc.Action.on_cosets(S3, [0, 1]), depth=2)
    assert (cert.points, cert.depth) == (3, 2)


def test_other_convention_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    real_lift = gc.lift

    def other_convention(F: object, action: gc.Action) -> object:
        if callable(F):
            return real_lift(F, action)
        return np.asarray(F)[action.table.T]                     # F(g·x) for the first layer

    monkeypatch.setattr(layerwise, "lift", other_convention)
    with pytest.raises(LemmaCheckError, match=r"layer-wise = global check failed.*N\[\d+,\d+\] = "):
        verify_layerwise(gc.symmetric(3), depth=2)


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match=r"depth must be an integer >= 2 \(the number of layers\); got 1"):
        verify_layerwise(gc.cyclic(2), depth=1)
    with pytest.raises(ValueError, match="must be a groupcore.Action of C2"):
        verify_layerwise(gc.cyclic(2), gc.Action.regular(gc.cyclic(3)))


@st.composite
def networks(draw: st.DrawFn) -> tuple[gc.Group, gc.Action, np.ndarray, list[np.ndarray]]:
    G = draw(gst.groups(max_order=8))
    action = draw(gst.actions(G, max_size=12))
    first = draw(gst.maps(action.size, 3))
    weights = [np.array(draw(st.lists(st.integers(-2, 2), min_size=G.order, max_size=G.order)))
               for _ in range(2)]
    return G, action, first, weights


@settings(max_examples=60)
@given(networks())
def test_numeric_network_equals_global_lift(case: tuple[gc.Group, gc.Action, np.ndarray, list[np.ndarray]]) -> None:
    """Layers 2 and 3 read all |G| copies (a non-linear map of a weighted sum); N equals the lift of F."""
    G, action, first, weights = case
    readers = [lambda s, w=w: np.asarray((w @ s) ** 2 % 7) for w in weights]
    regular = gc.Action.regular(G)
    lifted = [gc.lift(r, regular) for r in readers]
    out = gc.lift(first, action)                                            # (m, n)
    out = np.stack([lifted[0](row) for row in out])
    net = np.stack([lifted[1](row) for row in out])
    composite = np.array([readers[1](row) for row in out])                   # F = F̃_3 ∘ F̂_2 ∘ F̂_1
    np.testing.assert_array_equal(net, gc.lift(composite, action))

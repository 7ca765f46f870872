"""The lemma's three properties for strategy-drawn (G, X, F), 200 examples each."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import groupcore as gc
from groupcore.proofs import lemma_system, solve_by_components
from groupcore.proofs import strategies as gst

MAX_ORDER = 12
MAX_SIZE = 24


@st.composite
def lemma_inputs(draw: st.DrawFn) -> tuple[gc.Group, gc.Action, np.ndarray]:
    G = draw(gst.groups(max_order=MAX_ORDER))
    action = draw(gst.actions(G, max_size=MAX_SIZE))
    F = draw(gst.maps(action.size, 5))
    return G, action, F


@settings(max_examples=200)
@given(lemma_inputs())
def test_lift_is_equivariant_for_every_element(case: tuple[gc.Group, gc.Action, np.ndarray]) -> None:
    G, action, F = case
    F_hat = gc.lift(F, action)                                   # (m, n)
    for h in range(G.order):
        moved = F_hat[action.table[h]]                           # F̂(h·x)
        shifted = gc.regular_act(G, h, F_hat, axis=1)            # h·F̂(x)
        np.testing.assert_array_equal(moved, shifted, err_msg=f"h={h}")


@settings(max_examples=200)
@given(lemma_inputs())
def test_projection_of_lift_is_F(case: tuple[gc.Group, gc.Action, np.ndarray]) -> None:
    _, action, F = case
    np.testing.assert_array_equal(gc.project(gc.lift(F, action), axis=1), F)


@settings(max_examples=200)
@given(lemma_inputs(), st.data())
def test_lift_is_the_only_equivariant_map_with_projection_F(case: tuple[gc.Group, gc.Action, np.ndarray],
                                                            data: st.DataObject) -> None:
    G, action, F = case
    F_hat = gc.lift(F, action)
    # The system's solution is unique (full rank) and is F̂ ...
    solution, rank = solve_by_components(action)
    system = lemma_system(action)
    assert rank == system.n_unknowns
    np.testing.assert_array_equal(F[solution], F_hat)
    # ... and changing any value Φ(x)(g), g ≠ e, of F̂ (keeping p∘Φ = F) breaks equivariance.
    if G.order > 1:
        x = data.draw(st.integers(0, action.size - 1), label="x")
        g = data.draw(st.integers(1, G.order - 1), label="g")
        Phi = F_hat.copy()
        Phi[x, g] = F_hat[x, g] + 1
        flat = Phi.ravel()
        assert (gc.project(Phi, axis=1) == F).all()
        assert (flat[system.lhs] != flat[system.rhs]).any()


@settings(max_examples=30)
@given(lemma_inputs())
def test_coefficient_matrix_has_full_column_rank_in_floating_point(case: tuple[gc.Group, gc.Action, np.ndarray]
                                                                   ) -> None:
    _, action, _ = case
    system = lemma_system(action)
    rows = system.n_equations
    A = np.zeros((rows, system.n_unknowns))
    k = system.n_equivariance
    A[np.arange(k), system.lhs] += 1.0
    A[np.arange(k), system.rhs] -= 1.0
    A[k + np.arange(action.size), system.pinned] = 1.0
    assert np.linalg.matrix_rank(A.T @ A) == system.n_unknowns             # rank(AᵀA) = rank(A)

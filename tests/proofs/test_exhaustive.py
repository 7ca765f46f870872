"""check_lemma_exhaustive and its agreement with the symbolic solve on the same inputs."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import groupcore as gc
from groupcore.proofs import (
    LemmaCheckError,
    check_lemma_exhaustive,
    exhaustive,
    lemma_system,
    solve_by_components,
    verify_lemma,
)
from groupcore.proofs import strategies as gst
from groupcore.proofs.system import LemmaSystem


@settings(max_examples=40)
@given(gst.groups(max_order=8).flatmap(lambda G: st.tuples(st.just(G), gst.actions(G, max_size=12))))
def test_symbolic_and_exhaustive_agree(case: tuple[gc.Group, gc.Action]) -> None:
    G, action = case
    symbolic = verify_lemma(G, action)
    exact = check_lemma_exhaustive(G, action)
    assert exact.solution == symbolic.solution
    assert (exact.rank, exact.unknowns, exact.equations) == (symbolic.rank, symbolic.unknowns, symbolic.equations)


def test_large_group_exhaustive_only() -> None:
    S5 = gc.symmetric(5)
    cert = check_lemma_exhaustive(S5, note="too large for SymPy")
    assert (cert.method, cert.unknowns, cert.rank, cert.equations) == ("exhaustive", 14400, 14400, 120 ** 3 + 120)
    assert cert.note == "too large for SymPy" and "note: too large for SymPy" in str(cert)


def test_grid_solution_is_the_lift() -> None:
    D4 = gc.dihedral(4)
    grid = gc.Action.on_grid(D4, (5, 5))
    solution, rank = solve_by_components(grid)
    assert rank == 25 * 8
    np.testing.assert_array_equal(solution, gc.lift(np.arange(25), grid))


def test_non_action_is_rejected_with_the_equation() -> None:
    C2 = gc.cyclic(2)
    broken = gc.Action(C2, [[0, 1], [0, 0]], validate=False)
    with pytest.raises(LemmaCheckError,
                       match=r"existence check failed: F̂ gives z\d ≠ z\d; offending equation: Φ\(h·x\)"):
        check_lemma_exhaustive(C2, broken)


def test_missing_equations_leave_unknowns_free(monkeypatch: pytest.MonkeyPatch) -> None:
    def identity_equations_only(action: gc.Action, **options: int) -> LemmaSystem:
        full = lemma_system(action, **options)
        keep = full.labels[:, 0] == 0
        return LemmaSystem(action, full.lhs[keep], full.rhs[keep], full.labels[keep])

    monkeypatch.setattr(exhaustive, "lemma_system", identity_equations_only)
    with pytest.raises(LemmaCheckError, match=r"uniqueness check failed: rank 3 < 9.*Φ\[0,1\] is free"):
        check_lemma_exhaustive(gc.cyclic(3))


def test_wrong_lift_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(exhaustive, "lift", lambda F, action: np.asarray(F)[action.table.T])   # F(g·x)
    with pytest.raises(LemmaCheckError, match="existence check failed"):
        check_lemma_exhaustive(gc.symmetric(3))


def test_wrong_group_is_rejected() -> None:
    with pytest.raises(ValueError, match="must be a groupcore.Action of C2"):
        check_lemma_exhaustive(gc.cyclic(2), gc.Action.regular(gc.cyclic(3)))

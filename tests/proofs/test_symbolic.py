"""verify_lemma: SymPy solves the lemma's system; the certificate; failures name the equation."""

from __future__ import annotations

import re

import numpy as np
import pytest
import sympy as sp

import groupcore as gc
from groupcore.proofs import (
    LemmaCertificate,
    LemmaCheckError,
    SymbolicTooLargeError,
    lemma_system,
    symbolic,
    verify_lemma,
)
from groupcore.proofs.system import LemmaSystem


def test_regular_action_certificate(group: gc.Group) -> None:
    n = group.order
    cert = verify_lemma(group, gc.Action.regular(group))
    assert isinstance(cert, LemmaCertificate)
    assert (cert.group, cert.order, cert.points, cert.method) == (group.name, n, n, "symbolic")
    assert cert.unknowns == cert.rank == n * n
    assert cert.equations == n ** 3 + n
    z = sp.symbols(f"z0:{n}")
    for x in range(n):
        for g in range(n):
            assert cert.solution[x][g] == z[group.table[group.inverse[g], x]]


def test_coset_and_grid_actions() -> None:
    S3 = gc.symmetric(3)
    cert = verify_lemma(S3, gc.Action.on_cosets(S3, [0, 1]))
    assert (cert.points, cert.unknowns, cert.rank) == (3, 18, 18)
    D4 = gc.dihedral(4)
    cert = verify_lemma(D4, gc.Action.on_grid(D4, (2, 2)))
    assert cert.rank == 32
    assert [row[0] for row in cert.solution] == list(sp.symbols("z0:4"))


def test_custom_symbols_and_default_action() -> None:
    a, b, c = sp.symbols("a b c")
    cert = verify_lemma(gc.cyclic(3), z_symbols=[a, b, c])
    assert cert.solution[0] == [a, c, b]
    assert verify_lemma(gc.cyclic(2), z_symbols="w").z_symbols == sp.symbols("w0:2")


def test_text_and_markdown_renderings() -> None:
    cert = verify_lemma(gc.alternating(4))
    text = str(cert)
    assert "A4" in text and "rank: 144" in text and "✓ uniqueness" in text and "4 more rows" in text
    md = cert.to_markdown()
    assert md.startswith("### A4 acting on regular(A4)")
    assert "| existence |" in md and "| x=0 | `z0` |" in md


def test_non_action_has_no_solution_and_the_equation_is_named() -> None:
    C2 = gc.cyclic(2)
    broken = gc.Action(C2, [[0, 1], [0, 0]], validate=False)          # element 1 is not a permutation
    expected = r"existence check failed.*Φ\(h·x\)\(g\) = Φ\(x\)\(h⁻¹g\) at h=1"
    with pytest.raises(LemmaCheckError, match=expected) as err:
        verify_lemma(C2, broken)
    assert err.value.check == "existence"


def test_wrong_lift_is_caught_symbol_for_symbol(monkeypatch: pytest.MonkeyPatch) -> None:
    def other_convention(F: np.ndarray, action: gc.Action) -> np.ndarray:
        return np.asarray(F)[action.table.T]                          # F(g·x) instead of F(g⁻¹·x)

    monkeypatch.setattr(symbolic, "lift", other_convention)
    S3 = gc.symmetric(3)
    with pytest.raises(LemmaCheckError, match=r"equals lift check failed: the solution is not F̂") as err:
        verify_lemma(S3)
    found = re.match(r"Φ\[(\d),(\d)\] = z\d but F̂", err.value.equation)
    assert found is not None
    assert S3.inverse[int(found.group(2))] != int(found.group(2))   # only g ≠ g⁻¹ tells the conventions apart


def test_missing_equations_make_the_solution_non_unique(monkeypatch: pytest.MonkeyPatch) -> None:
    def identity_equations_only(action: gc.Action) -> LemmaSystem:
        full = lemma_system(action)
        keep = full.labels[:, 0] == 0                                   # h = e: every equation reads 0 = 0
        return LemmaSystem(action, full.lhs[keep], full.rhs[keep], full.labels[keep])

    monkeypatch.setattr(symbolic, "lemma_system", identity_equations_only)
    with pytest.raises(LemmaCheckError, match=r"uniqueness check failed: the solution set has dimension 2"):
        verify_lemma(gc.cyclic(2))


def test_limits_and_bad_inputs() -> None:
    with pytest.raises(SymbolicTooLargeError, match=r"S4 acting on regular\(S4\) gives 13848 equations"):
        verify_lemma(gc.symmetric(4), max_equations=1000)
    with pytest.raises(ValueError, match="must be a groupcore.Action of C3"):
        verify_lemma(gc.cyclic(3), gc.Action.regular(gc.cyclic(4)))
    with pytest.raises(ValueError, match=r"one value per point of X \(3\); got 2"):
        verify_lemma(gc.cyclic(3), z_symbols=sp.symbols("a b"))
    with pytest.raises(ValueError, match="must not contain the unknowns"):
        verify_lemma(gc.cyclic(2), z_symbols=[sp.Symbol("Φ[0,1]"), sp.Symbol("b")])
    with pytest.raises(TypeError, match="G must be a groupcore.Group"):
        verify_lemma("C3", gc.Action.regular(gc.cyclic(3)))


def test_system_counts_and_description() -> None:
    action = gc.Action.on_cosets(gc.symmetric(3), [0, 1])
    system = lemma_system(action)
    assert (system.n_unknowns, system.n_equivariance, system.n_equations) == (18, 108, 111)
    assert system.pinned.tolist() == [0, 6, 12]
    h, x, g = system.labels[50]
    assert system.unknown(system.lhs[50]) == (action.table[h, x], g)
    assert system.unknown(system.rhs[50]) == (x, gc.symmetric(3).table[gc.symmetric(3).inverse[h], g])
    assert system.describe(50).startswith(f"Φ(h·x)(g) = Φ(x)(h⁻¹g) at h={h}, x={x}, g={g}")
    with pytest.raises(TypeError, match="action must be a groupcore.Action"):
        lemma_system(np.zeros((2, 2)))

"""The real irreps computed from Cayley tables: every defining property, checked independently."""

from __future__ import annotations

import numpy as np
import pytest

import groupcore as gc
from groupcore import irreps as irreps_module

R, C, H = "real", "complex", "quaternionic"
#: group -> the (dimension, kind) of its real irreps, in their sorted order.
EXPECTED = {
    "C1": (lambda: gc.cyclic(1), [(1, R)]),
    "C2": (lambda: gc.cyclic(2), [(1, R), (1, R)]),
    "C3": (lambda: gc.cyclic(3), [(1, R), (2, C)]),
    "C4": (lambda: gc.cyclic(4), [(1, R), (1, R), (2, C)]),
    "C5": (lambda: gc.cyclic(5), [(1, R), (2, C), (2, C)]),
    "D3": (lambda: gc.dihedral(3), [(1, R), (1, R), (2, R)]),
    "D4": (lambda: gc.dihedral(4), [(1, R)] * 4 + [(2, R)]),
    "S3": (lambda: gc.symmetric(3), [(1, R), (1, R), (2, R)]),
    "S4": (lambda: gc.symmetric(4), [(1, R), (1, R), (2, R), (3, R), (3, R)]),
    "Q8": (gc.quaternion, [(1, R)] * 4 + [(4, H)]),
    "C2xC2xC2": (lambda: gc.Group(np.bitwise_xor.outer(np.arange(8), np.arange(8))), [(1, R)] * 8),
    "O": (gc.octahedral, [(1, R), (1, R), (2, R), (3, R), (3, R)]),
    "Oh": (gc.full_octahedral, [(1, R)] * 4 + [(2, R)] * 2 + [(3, R)] * 4),
}
COMMUTANT = {R: 1, C: 2, H: 4}
TOL = 1e-9


@pytest.fixture(params=list(EXPECTED), ids=list(EXPECTED))
def case(request: pytest.FixtureRequest) -> tuple[gc.Group, list[tuple[int, str]]]:
    make, expected = EXPECTED[request.param]
    return make(), expected


def commutant_dim(m: np.ndarray) -> int:
    """``dim {X : ρ(g) X = X ρ(g) for all g}``, from the null space of the stacked linear conditions."""
    d = m.shape[1]
    eye = np.eye(d)
    rows = np.concatenate([np.kron(eye, r) - np.kron(r.T, eye) for r in m])
    return d * d - int(np.linalg.matrix_rank(rows, tol=1e-8))


def test_dimensions_and_kinds(case):
    G, expected = case
    irreps = gc.real_irreps(G)
    assert [(r.dim, r.kind) for r in irreps] == expected
    assert [(r.dim, r.commutant_dim) for r in irreps] == [(d, COMMUTANT[k]) for d, k in expected]
    assert np.allclose(irreps[0].matrices, 1.0, atol=TOL, rtol=0)                   # the trivial one first


def test_homomorphism_and_orthogonality(case):
    G, _ = case
    t = G.table
    for r in gc.real_irreps(G):
        m = r.matrices
        assert m.dtype == np.float64 and m.shape == (G.order, r.dim, r.dim)
        products = np.einsum("gab,hbc->ghac", m, m)
        assert np.abs(products - m[t]).max() < TOL                                  # ρ(g)ρ(h) = ρ(gh), all pairs
        assert np.abs(m @ m.transpose(0, 2, 1) - np.eye(r.dim)).max() < TOL
        assert np.allclose(r.character, np.trace(m, axis1=1, axis2=2), atol=TOL)


def test_irreducible_distinct_and_complete(case):
    G, expected = case
    irreps = gc.real_irreps(G)
    assert [commutant_dim(r.matrices) for r in irreps] == [COMMUTANT[k] for _, k in expected]
    chars = np.stack([r.character for r in irreps])
    assert np.allclose(chars @ chars.T / G.order, np.diag([r.commutant_dim for r in irreps]), atol=1e-9)
    assert sum(r.dim ** 2 / r.commutant_dim for r in irreps) == G.order
    real_classes = {frozenset(c.tolist()) | frozenset(G.inverse[c].tolist()) for c in G.conjugacy_classes()}
    assert len(irreps) == len(real_classes)


def test_regular_representation_decomposes(case):
    """Each irrep ρ occurs d/kind times in the regular representation: ``Σ (d/kind)·χ_ρ = |G|·δ_e``."""
    G, _ = case
    total = sum(r.dim / r.commutant_dim * r.character for r in gc.real_irreps(G))
    assert np.allclose(total, np.eye(G.order)[0] * G.order, atol=1e-9)


def test_deterministic_cached_and_read_only():
    G = gc.dihedral(4)
    first = gc.real_irreps(G)
    assert gc.real_irreps(gc.dihedral(4)) is first                              # equal tables share the cache
    irreps_module._real_irreps.cache_clear()
    again = gc.real_irreps(G)
    assert again is not first
    assert all(np.array_equal(a.matrices, b.matrices) for a, b in zip(first, again))
    with pytest.raises(ValueError, match="read-only"):
        first[-1].matrices[0, 0, 0] = 2.0
    with pytest.raises(AttributeError):
        first[0].dim = 3                                                        # type: ignore[misc]


def test_bad_input_is_refused():
    with pytest.raises(TypeError, match="must be a groupcore.Group"):
        gc.real_irreps(np.zeros((2, 2), int))                                   # type: ignore[arg-type]
    with pytest.raises(gc.GroupTooLargeError, match="real irreps of S4 .*max_bytes"):
        gc.real_irreps(gc.symmetric(4), max_bytes=1000)
    with pytest.raises(ValueError, match="max_bytes must be a positive integer"):
        gc.real_irreps(gc.cyclic(3), max_bytes=0)


def test_numerical_failure_raises(monkeypatch):
    """Eigenvalues lumped into one eigenspace give a reducible 'irrep': a RuntimeError, never a wrong answer."""
    irreps_module._real_irreps.cache_clear()
    monkeypatch.setattr(irreps_module, "_CLUSTER", 10.0)
    with pytest.raises(RuntimeError, match="real irreps of C6 .*failed their checks.*reducible"):
        gc.real_irreps(gc.cyclic(6))
    irreps_module._real_irreps.cache_clear()

"""Rotation facts: composition, exact quarter turns, and C_N off the grid for N ∉ {1, 2, 4}."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from groupcore.proofs import (
    RotationFact,
    grid_rotation_status,
    prove_quarter_turns_exact,
    prove_rotation_composition,
    rotation_facts,
    rotation_matrix,
)


def test_composition_and_quarter_turns() -> None:
    assert prove_rotation_composition().holds
    fact = prove_quarter_turns_exact(sizes=(1, 2, 3, 4, 5, 6, 7))
    assert fact.holds and "(H - j - 1, i)" in fact.detail


def test_rotation_matrix_is_exact() -> None:
    assert rotation_matrix(sp.pi) == -sp.eye(2)
    assert rotation_matrix(sp.pi / 3) ** 6 == sp.eye(2)


def _numerically_on_grid(N: int, size: int) -> bool:
    """Whether every pixel centre of a size×size grid rotates onto a pixel centre (floating point)."""
    c = (size - 1) / 2
    i, j = np.divmod(np.arange(size * size), size)
    x, y = j - c, c - i
    t = 2 * np.pi / N
    x2, y2 = np.cos(t) * x - np.sin(t) * y, np.sin(t) * x + np.cos(t) * y
    return bool(np.allclose(x2 + c, np.round(x2 + c), atol=1e-9) and np.allclose(c - y2, np.round(c - y2), atol=1e-9))


@pytest.mark.parametrize("N", range(1, 13))
def test_grid_status_matches_floating_point_rotation(N: int) -> None:
    fact = grid_rotation_status(N)
    assert isinstance(fact, RotationFact) and fact.holds
    assert fact.exact == (N in (1, 2, 4))
    for size in (3, 4):                                          # odd and even images
        assert _numerically_on_grid(N, size) == fact.exact


def test_witnesses_are_symbolic() -> None:
    detail = grid_rotation_status(8).detail
    assert "sqrt(2)/2 is irrational (minimal polynomial 2*t**2 - 1)" in detail
    assert "0 is not in Z + 1/2" in detail
    assert "-1/2 is not in Z + 0" in grid_rotation_status(3).detail


def test_rotation_facts_and_errors() -> None:
    facts = rotation_facts((3, 4))
    assert len(facts) == 4 and all(f.holds for f in facts)
    assert str(facts[2]).startswith("✓ rotation by 2π/3 maps pixel centres")
    with pytest.raises(ValueError, match="N must be a positive integer; got 0"):
        grid_rotation_status(0)


def test_rotation_matrix_never_parses_strings() -> None:
    with pytest.raises(TypeError, match="must be a SymPy expression or a number"):
        rotation_matrix("__import__('os').system('true')")
    assert rotation_matrix(0) == sp.eye(2)

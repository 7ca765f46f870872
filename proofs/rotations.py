"""Rotation facts proved with SymPy: composition, and which rotations keep a pixel grid exact.

- ``R(a)R(b) = R(a+b)`` for symbolic angles (Euler's formula: every entry is rewritten in
  complex exponentials and expands to zero).
- Quarter turns ``R(kπ/2)`` are integer matrices with integer inverses, so they map ``Z²``
  onto itself; on the centred grid of an ``H×H`` image (centre ``((H-1)/2, (H-1)/2)``, integer
  coordinates for odd H, half-integers for even H) the quarter turn sends pixel ``(i, j)`` to
  ``(H-1-j, i)``, again a pixel, for symbolic ``H, i, j``: the map ``np.rot90`` implements.
- For ``N ∉ {1, 2, 4}`` the rotation by ``2π/N`` sends a pixel centre off the grid: the image
  of ``(1, 0)`` (odd H) and of ``(1/2, 1/2)`` (even H) has a coordinate whose minimal
  polynomial shows it is irrational, or rational but not on the lattice. This is why C_N for
  such N acts on images only approximately (by interpolation).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy as sp

from groupcore import Action, cyclic

__all__ = ["rotation_matrix", "RotationFact", "prove_rotation_composition", "prove_quarter_turns_exact",
           "grid_rotation_status", "rotation_facts", "EXACT_ROTATION_ORDERS"]

#: The N for which rotation by 2π/N maps the pixel grid onto itself.
EXACT_ROTATION_ORDERS = (1, 2, 4)


@dataclass(frozen=True)
class RotationFact:
    """A statement about rotations, whether the computation confirms it, and the computation.

    ``exact`` is set by :func:`grid_rotation_status`: whether the rotation keeps the grid.

    Examples
    --------
    >>> print(prove_rotation_composition().statement)
    R(a)R(b) = R(a+b)
    """

    statement: str
    holds: bool
    detail: str
    exact: bool | None = None

    def __str__(self) -> str:
        detail = self.detail.replace("\n", "\n    ")
        return f"{'✓' if self.holds else '✗'} {self.statement}: {detail}"


def _angle(theta: Any) -> sp.Expr:
    """An angle as a SymPy expression: SymPy objects as they are, Python and NumPy numbers converted (never parsed)."""
    if isinstance(theta, sp.Basic):
        return theta
    if isinstance(theta, (int, np.integer)) and not isinstance(theta, (bool, np.bool_)):
        return sp.Integer(int(theta))
    if isinstance(theta, (float, np.floating)):
        return sp.Float(float(theta))
    raise TypeError(f"the angle must be a SymPy expression or a number; got {type(theta).__name__} {theta!r}")


def rotation_matrix(theta: Any) -> sp.Matrix:
    """The counter-clockwise rotation by ``theta`` of the plane, as a SymPy matrix.

    Examples
    --------
    >>> rotation_matrix(sp.pi / 2)
    Matrix([
    [0, -1],
    [1,  0]])
    """
    theta = _angle(theta)
    return sp.Matrix([[sp.cos(theta), -sp.sin(theta)], [sp.sin(theta), sp.cos(theta)]])


def prove_rotation_composition() -> RotationFact:
    """Prove ``R(a)R(b) = R(a+b)`` for real symbols ``a, b``.

    Examples
    --------
    >>> prove_rotation_composition().holds
    True
    """
    a, b = sp.symbols("a b", real=True)
    difference = rotation_matrix(a) * rotation_matrix(b) - rotation_matrix(a + b)
    reduced = difference.applyfunc(lambda v: sp.expand(v.rewrite(sp.exp)))
    holds = reduced == sp.zeros(2, 2)
    return RotationFact("R(a)R(b) = R(a+b)", holds,
                        "every entry of R(a)R(b) − R(a+b), rewritten with cos t = (e^{it}+e^{-it})/2 and "
                        f"sin t = (e^{{it}}−e^{{-it}})/2i, expands to {list(reduced)}")


def prove_quarter_turns_exact(sizes: tuple[int, ...] = (1, 2, 3, 4, 5)) -> RotationFact:
    """Prove that quarter turns map ``Z²`` and the centred grid of any square image onto itself.

    The symbolic part holds for every ``H``; ``sizes`` are concrete odd and even sizes where
    the formula is also compared with :meth:`groupcore.Action.on_grid` for C4 pixel by pixel.

    Examples
    --------
    >>> prove_quarter_turns_exact().holds
    True
    """
    quarter = [rotation_matrix(k * sp.pi / 2) for k in range(4)]
    integral = all(v.is_integer for R in quarter for v in R) and all(R.det() == 1 for R in quarter)
    cycles = quarter[1] ** 4 == sp.eye(2)
    H, i, j = sp.symbols("H i j", integer=True)
    c = (H - 1) / sp.Integer(2)
    x, y = j - c, c - i                                          # pixel (row i, column j) in the plane
    x2, y2 = quarter[1] * sp.Matrix([x, y])
    row, col = sp.simplify(c - y2), sp.simplify(x2 + c)         # back to (row, column)
    formula = (sp.expand(row - (H - 1 - j)) == 0) and (sp.expand(col - i) == 0)
    matches = all(_matches_rot90(size) for size in sizes)
    holds = bool(integral and cycles and formula and matches)
    return RotationFact(
        "rotations by multiples of 90° map Z² and the centred grid of every square image onto itself", holds,
        f"R(kπ/2) are integer matrices of determinant 1 with R(π/2)⁴ = I; for symbolic H, i, j the quarter "
        f"turn sends pixel (i, j) to ({row}, {col}), a pixel of the H×H grid for odd and even H; equal to "
        f"groupcore's C4 grid action for H in {list(sizes)}")


def _matches_rot90(size: int) -> bool:
    """The quarter-turn formula equals the C4 grid action's element 1 on an ``size×size`` grid."""
    table = Action.on_grid(cyclic(4), (size, size)).table[1]        # table[1, x] = 1·x
    i, j = np.divmod(np.arange(size * size), size)
    return bool(np.array_equal(table, (size - 1 - j) * size + i))


def _off_lattice(value: sp.Expr, offset: sp.Rational) -> str | None:
    """Why ``value`` is not in ``Z + offset`` (``None`` when it is)."""
    t = sp.Symbol("t")
    poly = sp.minimal_polynomial(value, t)
    if sp.degree(poly, t) > 1:
        return f"{value} is irrational (minimal polynomial {poly})"
    rational = sp.nsimplify(sp.solve(poly, t)[0])
    if (rational - offset).is_integer:
        return None
    return f"{rational} is not in Z + {offset}"


def grid_rotation_status(N: int) -> RotationFact:
    """Whether rotation by ``2π/N`` maps the pixel grids of odd and even square images onto themselves.

    Examples
    --------
    >>> grid_rotation_status(4).exact, grid_rotation_status(8).exact, grid_rotation_status(8).holds
    (True, False, True)
    >>> print(grid_rotation_status(3).detail.splitlines()[0])
    odd H: (1, 0) ↦ (-1/2, sqrt(3)/2), off Z² since -1/2 is not in Z + 0
    """
    if not isinstance(N, (int, np.integer)) or N < 1:
        raise ValueError(f"N must be a positive integer; got {N!r}")
    R = rotation_matrix(2 * sp.pi / int(N))
    if N in EXACT_ROTATION_ORDERS:
        entries = [R ** k for k in range(N)]
        holds = all(v.is_integer for M in entries for v in M)
        return RotationFact(f"rotation by 2π/{N} maps the pixel grid onto itself (C{N} acts exactly)", holds,
                            f"R(2π/{N})^k are the integer matrices {[list(M) for M in entries]}", exact=True)
    half = sp.Rational(1, 2)
    reasons = []
    for label, point, offset, lattice in (("odd H", (1, 0), sp.Integer(0), "Z²"),
                                          ("even H", (half, half), half, "(Z + 1/2)²")):
        image = R * sp.Matrix(point)
        why = next((w for w in (_off_lattice(v, offset) for v in image) if w is not None), None)
        if why is None:
            reasons.append(f"{label}: ({point[0]}, {point[1]}) ↦ ({image[0]}, {image[1]}) stays on {lattice}")
            break
        reasons.append(f"{label}: ({point[0]}, {point[1]}) ↦ ({image[0]}, {image[1]}), off {lattice} since {why}")
    return RotationFact(f"rotation by 2π/{N} maps pixel centres of odd (H ≥ 3) and even square grids off the grid "
                        f"(C{N} acts on images only approximately)", why is not None, "\n".join(reasons),
                        exact=False)


def rotation_facts(orders: tuple[int, ...] = (2, 3, 4, 5, 6, 8, 12)) -> list[RotationFact]:
    """All rotation facts: composition, exact quarter turns, and the status of each ``C_N``.

    Examples
    --------
    >>> [fact.holds for fact in rotation_facts((4, 8))]
    [True, True, True, True]
    """
    return [prove_rotation_composition(), prove_quarter_turns_exact()] + [grid_rotation_status(N) for N in orders]

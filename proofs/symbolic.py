"""The lemma for a concrete group and G-set, solved symbolically with SymPy.

``F``'s values are SymPy symbols ``z_x``; the unknown ``Φ: X → Map(G, Z)`` is a matrix of
unknowns ``Φ[x,g] = Φ(x)(g)``. Every equivariance equation and ``p∘Φ = F`` is imposed
(:mod:`groupcore.proofs.system`), the system is solved with :func:`sympy.linsolve`, and the
solution is shown to exist (it satisfies every equation when substituted back), to be unique
(no free unknowns, and the coefficient matrix has full column rank over ℚ) and to equal
``F̂ = groupcore.lift(F, action)`` symbol for symbol.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import numpy as np
import sympy as sp
from sympy.polys.matrices import DomainMatrix

from groupcore import Action, Group, lift

from .certificate import LemmaCertificate
from .errors import LemmaCheckError, SymbolicTooLargeError
from .system import LemmaSystem, lemma_equations, lemma_system, resolve_action

__all__ = ["verify_lemma", "z_symbols_for", "DEFAULT_MAX_EQUATIONS"]

#: Largest system (number of equations) :func:`verify_lemma` solves symbolically by default;
#: S4 acting on itself (13 848 equations) takes a few seconds.
DEFAULT_MAX_EQUATIONS = 20_000


def _plain_name(name: str, what: str) -> str:
    """``name`` if it is a plain identifier-like name; SymPy never parses it (no code runs)."""
    if not name.isidentifier():
        raise ValueError(f"{what} must be a plain name (letters, digits and underscores, not starting with a "
                         f"digit), used as a SymPy symbol without being parsed; got {name!r}: pass a "
                         f"sympy.Symbol or expression for anything else")
    return name


def _z_value(value: Any, x: int) -> sp.Expr:
    """One value of F: a plain name becomes a symbol; SymPy objects and numbers are kept."""
    what = f"z_symbols[{x}]"
    if isinstance(value, str):
        return sp.Symbol(_plain_name(value, what))
    if isinstance(value, sp.Basic):
        return value
    if isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_)):
        return sp.Integer(int(value))
    if isinstance(value, (float, np.floating)):
        return sp.Float(float(value))
    raise ValueError(f"{what} must be a plain name, a SymPy expression or a number; "
                     f"got {type(value).__name__} {value!r}")


def z_symbols_for(size: int, z_symbols: str | Sequence[Any] | None = None) -> tuple[sp.Expr, ...]:
    """The symbols standing for ``F(0), …, F(size-1)``.

    Strings are never evaluated: a prefix or a name must be identifier-like (``"z"``, ``"f_1"``)
    and becomes a :class:`sympy.Symbol` as it is.

    Parameters
    ----------
    size : int
        ``|X|``.
    z_symbols : str or sequence, optional
        A prefix (default ``"z"``: ``z0, z1, …``), or one value per point: a plain name, a SymPy
        expression or a number.

    Raises
    ------
    ValueError
        For a prefix or name that is not identifier-like (``"__import__('os')"``), a value of
        another type, or a sequence of the wrong length.

    Examples
    --------
    >>> z_symbols_for(3)
    (z0, z1, z2)
    >>> z_symbols_for(2, "f")
    (f0, f1)
    >>> z_symbols_for(2, ["a", sp.Symbol("b") + 1])
    (a, b + 1)
    """
    if z_symbols is None or isinstance(z_symbols, str):
        prefix = "z" if z_symbols is None else _plain_name(z_symbols, "the z_symbols prefix")
        return tuple(sp.Symbol(f"{prefix}{x}") for x in range(size))
    if not isinstance(z_symbols, (Sequence, np.ndarray)):
        raise ValueError(f"z_symbols must be a prefix string or a sequence with one value per point of X; "
                         f"got {type(z_symbols).__name__}")
    values = tuple(_z_value(v, x) for x, v in enumerate(z_symbols))
    if len(values) != size:
        raise ValueError(f"z_symbols must give one value per point of X ({size}); got {len(values)}")
    return values


def _unknowns(system: LemmaSystem) -> list[sp.Symbol]:
    n = system.group.order
    return [sp.Symbol(f"Φ[{x},{g}]") for x in range(system.action.size) for g in range(n)]


def _equations(system: LemmaSystem, phi: list[sp.Symbol], z: tuple[sp.Expr, ...]) -> list[sp.Expr]:
    eqs = [phi[a] - phi[b] for a, b in zip(system.lhs.tolist(), system.rhs.tolist())]
    return eqs + [phi[u] - z[x] for x, u in enumerate(system.pinned.tolist())]


def _describe(system: LemmaSystem, i: int, z: tuple[sp.Expr, ...]) -> str:
    if i < system.n_equivariance:
        return system.describe(i)
    x = i - system.n_equivariance
    return f"p(Φ(x)) = F(x) at x={x}: Φ[{x},0] = {z[x]}"


def _first_violated(eqs: list[sp.Expr], values: dict[sp.Symbol, Any]) -> int | None:
    for i, eq in enumerate(eqs):
        if sp.expand(eq.xreplace(values)) != 0:
            return i
    return None


def verify_lemma(G: Group, action: Action | None = None, z_symbols: str | Sequence[Any] | None = None, *,
                 max_equations: int = DEFAULT_MAX_EQUATIONS) -> LemmaCertificate:
    """Solve the lemma's equations for ``G`` acting on ``action`` with SymPy and certify the result.

    Parameters
    ----------
    G : Group
    action : Action, optional
        The finite G-set X (default: the regular action of G).
    z_symbols : str or sequence, optional
        Symbols for the values ``F(x)`` (see :func:`z_symbols_for`).
    max_equations : int
        Refuse systems with more equations than this (counted before anything is built).

    Returns
    -------
    LemmaCertificate
        With ``method="symbolic"``, the rank and the solution ``Φ(x)(g)``.

    Raises
    ------
    LemmaCheckError
        Naming the offending equation when no solution exists, when the solution is not
        unique, or when it differs from ``groupcore.lift(F, action)``.
    SymbolicTooLargeError
        When the system has more than ``max_equations`` equations.

    Examples
    --------
    >>> import groupcore as gc
    >>> cert = verify_lemma(gc.cyclic(3), gc.Action.regular(gc.cyclic(3)))
    >>> cert.unknowns, cert.rank, cert.solution[1]
    (9, 9, [z1, z0, z2])
    """
    start = time.perf_counter()
    action = resolve_action(G, action)
    if isinstance(max_equations, bool) or not isinstance(max_equations, (int, np.integer)) or max_equations < 1:
        raise ValueError(f"max_equations must be a positive integer; got {max_equations!r}")
    equations = lemma_equations(G.order, action.size)
    if equations > max_equations:
        raise SymbolicTooLargeError(
            f"{G.name} acting on {action.name} gives {equations} equations, more than "
            f"max_equations={max_equations}; use check_lemma_exhaustive or raise max_equations")
    z = z_symbols_for(action.size, z_symbols)
    system = lemma_system(action)
    phi = _unknowns(system)
    if set().union(*(v.free_symbols for v in z)) & set(phi):
        raise ValueError("z_symbols must not contain the unknowns Φ[x,g]")
    eqs = _equations(system, phi, z)
    n, m = G.order, action.size
    F_hat = lift(np.array(z, dtype=object), action)                     # F̂[x, g] = z[g⁻¹·x]

    solutions = sp.linsolve(eqs, phi)
    if solutions == sp.S.EmptySet:
        bad = _first_violated(eqs, {phi[x * n + g]: F_hat[x, g] for x in range(m) for g in range(n)})
        where = "none (F̂ satisfies every equation)" if bad is None else _describe(system, bad, z)
        raise LemmaCheckError("existence", where, "SymPy's linsolve finds no solution")
    (solution,) = solutions
    values = dict(zip(phi, solution))
    bad = _first_violated(eqs, values)
    if bad is not None:
        raise LemmaCheckError("existence", _describe(system, bad, z), "the solution found does not satisfy")

    free = sorted(set().union(*(v.free_symbols for v in solution)) & set(phi), key=str)
    if free:
        raise LemmaCheckError("uniqueness", f"{free[0]} is free",
                              f"the solution set has dimension {len(free)}, not 0")
    coefficients, _ = sp.linear_eq_to_matrix(eqs, phi)
    rank = int(DomainMatrix.from_Matrix(coefficients).convert_to(sp.QQ).rank())
    if rank != len(phi):
        raise LemmaCheckError("uniqueness", f"rank {rank} < {len(phi)} unknowns",
                              "the coefficient matrix does not have full column rank")

    for x in range(m):
        for g in range(n):
            if sp.expand(values[phi[x * n + g]] - F_hat[x, g]) != 0:
                raise LemmaCheckError("equals lift", f"Φ[{x},{g}] = {values[phi[x * n + g]]} but F̂[{x},{g}] = "
                                      f"F({G.inverse[g]}·{x}) = {F_hat[x, g]}", "the solution is not F̂")
    checks = (
        ("existence", f"sympy.linsolve returns a solution; substituted back, all {len(eqs)} equations hold"),
        ("uniqueness", f"no free unknowns, and rank {rank} = {len(phi)} unknowns: the solution set has dimension 0"),
        ("equals F̂", f"Φ(x)(g) = F(g⁻¹·x) = groupcore.lift(F, X)[x, g] symbol for symbol, "
                     f"all {len(phi)} entries"),
    )
    return LemmaCertificate(
        group=G.name, order=n, action=action.name, points=m, method="symbolic", equations=system.n_equations,
        unknowns=len(phi), rank=rank, solution=[list(solution[x * n:(x + 1) * n]) for x in range(m)],
        z_symbols=z, checks=checks, seconds=time.perf_counter() - start)

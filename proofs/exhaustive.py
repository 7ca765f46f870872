"""The lemma for a concrete group and G-set, checked exhaustively with exact integer arithmetic.

The equations of :mod:`groupcore.proofs.system` only equate unknowns with each other
(``Φ(h·x)(g) = Φ(x)(h⁻¹g)``) or with a value of F (``Φ(x)(e) = F(x)``), so they are solved
exactly by the connected components of the graph joining equated unknowns: a solution exists
when ``F̂`` satisfies every equation, it is unique when every component contains a pinned
``Φ(x)(e)``, and the rank of the system is ``#unknowns − #components without a pin``.

Taking ``F = (0, 1, …, |X|-1)`` (every point its own symbol ``z_x``) checks every F at once:
any other table factors through it, ``lift(F) = F[lift(arange(|X|))]``.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from groupcore import Action, Group, lift
from groupcore.validation import DEFAULT_MAX_BYTES

from .certificate import LemmaCertificate
from .errors import LemmaCheckError
from .symbolic import z_symbols_for
from .system import LemmaSystem, lemma_system, resolve_action

__all__ = ["check_lemma_exhaustive", "solve_by_components"]


def solve_by_components(action: Action) -> tuple[np.ndarray, int]:
    """Solve the lemma's system exactly: ``Φ[x, g]`` as an index into ``F``, and the rank.

    Returns
    -------
    (ndarray, int)
        ``(m, n)`` array with ``Φ(x)(g) = F(solution[x, g])`` (``-1`` where undetermined) and the
        rank of the system's coefficient matrix.

    Examples
    --------
    >>> import groupcore as gc
    >>> sol, rank = solve_by_components(gc.Action.regular(gc.cyclic(3)))
    >>> sol.tolist(), rank
    ([[0, 2, 1], [1, 0, 2], [2, 1, 0]], 9)
    """
    return _solve(lemma_system(action))


def _solve(system: LemmaSystem) -> tuple[np.ndarray, int]:
    action = system.action
    N = system.n_unknowns
    graph = coo_matrix((np.ones(system.lhs.size, dtype=np.int8), (system.lhs, system.rhs)), shape=(N, N))
    k, labels = connected_components(graph, directed=False)
    pin_of_component = np.full(k, -1, dtype=np.int64)
    pin_of_component[labels[system.pinned]] = np.arange(action.size)
    rank = N - int((pin_of_component < 0).sum())
    return pin_of_component[labels].reshape(action.size, action.group.order), rank


def check_lemma_exhaustive(G: Group, action: Action | None = None,
                           z_symbols: str | Sequence[Any] | None = None, note: str = "", *,
                           max_bytes: int = DEFAULT_MAX_BYTES) -> LemmaCertificate:
    """Check existence, uniqueness and ``Φ = F̂`` on every one of the ``|G|²·|X| + |X|`` equations.

    Parameters
    ----------
    G : Group
    action : Action, optional
        The finite G-set (default: the regular action).
    z_symbols : str or sequence, optional
        Names for ``F(x)`` in the certificate's solution (see :func:`z_symbols_for`).
    note : str
        Stored in the certificate (e.g. why the symbolic solve was skipped).
    max_bytes : int
        Memory budget of the check (see :func:`~groupcore.proofs.system.lemma_nbytes`), checked
        before the system is built.

    Raises
    ------
    LemmaCheckError
        Naming an equation ``F̂`` violates, an undetermined unknown, or an entry where the
        solution differs from ``groupcore.lift``.
    GroupTooLargeError
        When the check would need more than ``max_bytes``.

    Examples
    --------
    >>> import groupcore as gc
    >>> cert = check_lemma_exhaustive(gc.dihedral(4), gc.Action.on_grid(gc.dihedral(4), (3, 3)))
    >>> cert.method, cert.unknowns, cert.rank
    ('exhaustive', 72, 72)
    """
    start = time.perf_counter()
    action = resolve_action(G, action)
    n, m = G.order, action.size
    z = z_symbols_for(m, z_symbols)
    system = lemma_system(action, max_bytes=max_bytes)
    F_hat = lift(np.arange(m), action)                     # F̂[x, g] = index of F(g⁻¹·x)
    flat = F_hat.ravel()
    bad = np.flatnonzero(flat[system.lhs] != flat[system.rhs])
    if bad.size:
        i = int(bad[0])
        raise LemmaCheckError("existence", system.describe(i),
                              f"F̂ gives {z[flat[system.lhs[i]]]} ≠ {z[flat[system.rhs[i]]]}")
    off = np.flatnonzero(F_hat[:, 0] != np.arange(m))
    if off.size:
        x = int(off[0])
        raise LemmaCheckError("existence", f"p(F̂(x)) = F(x) at x={x}", f"F̂[{x},0] = {z[F_hat[x, 0]]} ≠ {z[x]}")
    solution, rank = _solve(system)
    loose = np.argwhere(solution < 0)
    if loose.size:
        x, g = (int(v) for v in loose[0])
        raise LemmaCheckError("uniqueness", f"Φ[{x},{g}] is free",
                              f"rank {rank} < {system.n_unknowns}: no equation ties Φ({x})({g}) to a value of F")
    diff = np.argwhere(solution != F_hat)
    if diff.size:
        x, g = (int(v) for v in diff[0])
        raise LemmaCheckError("equals lift", f"Φ[{x},{g}] = {z[solution[x, g]]} but F̂[{x},{g}] = {z[F_hat[x, g]]}",
                              "the solution is not F̂")
    checks = (
        ("existence", f"F̂ = groupcore.lift(F, X) satisfies all {system.n_equations} equations (checked one by one)"),
        ("uniqueness", f"every connected component of equated unknowns holds one Φ(x)(e): rank {rank} = "
                       f"{system.n_unknowns} unknowns"),
        ("equals F̂", f"the component solution equals groupcore.lift(F, X) on all {system.n_unknowns} entries"),
    )
    return LemmaCertificate(
        group=G.name, order=n, action=action.name, points=m, method="exhaustive", equations=system.n_equations,
        unknowns=system.n_unknowns, rank=rank, solution=[[z[i] for i in row] for row in solution.tolist()],
        z_symbols=z, checks=checks, seconds=time.perf_counter() - start, note=note)

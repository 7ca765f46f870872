"""The real irreducible representations of a finite group, computed from its Cayley table alone.

A symmetric matrix that commutes with the regular representation ``L(g) e_h = e_{g·h}`` has the
form ``M[u, v] = a[u⁻¹·v]`` with ``a[k] = a[k⁻¹]``. For a random ``a`` (a generic symmetric
element of the commutant) each eigenspace of ``M`` is one irreducible real subrepresentation,
and every real irrep ρ occurs, ``d_ρ / kind_ρ`` times. The eigenspaces are grouped into
isomorphism classes by their characters, and one of each class gives
``ρ(g) = Qᵀ L(g) Q`` (``Q`` an orthonormal basis of the eigenspace): real orthogonal matrices.

``kind`` is the dimension of the commutant of ρ: 1 (real type, ρ is absolutely irreducible),
2 (complex type: ρ is a complex irrep and its conjugate seen as real matrices, e.g. the rotation
by 120° of C3) or 4 (quaternionic type, e.g. the 4-d irrep of Q8). Then
``Σ_ρ d_ρ² / kind_ρ = |G|``, and the number of real irreps is the number of real classes
(each conjugacy class merged with the class of the inverses).

Examples
--------
>>> import groupcore as gc
>>> [(r.dim, r.kind) for r in real_irreps(gc.cyclic(3))]
[(1, 'real'), (2, 'complex')]
>>> [(r.dim, r.kind) for r in real_irreps(gc.quaternion())]
[(1, 'real'), (1, 'real'), (1, 'real'), (1, 'real'), (4, 'quaternionic')]
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from .group import Group
from .validation import DEFAULT_MAX_BYTES, check_budget

__all__ = ["Irrep", "real_irreps", "irreps_nbytes"]

#: Commutant dimension -> name of the type.
KINDS = {1: "real", 2: "complex", 4: "quaternionic"}
_SEEDS = (0, 1, 2, 3)        # tried in turn when two eigenvalues of the random element nearly coincide
_CLUSTER = 1e-8              # eigenvalues closer than this (relative to the spectrum) are one eigenspace
_TOL = 1e-9                  # the checks of the result
_CHUNK_BYTES = 1 << 26       # the gathered copies of a basis, per block of elements


@dataclass(frozen=True, eq=False)
class Irrep:
    """A real irreducible orthogonal representation of a finite group.

    Attributes
    ----------
    matrices : ndarray of float64
        ``(n, d, d)``, ``matrices[g] = ρ(g)``, orthogonal, with ``ρ(g·h) = ρ(g) ρ(h)`` (read-only).
    dim : int
        ``d``.
    kind : {"real", "complex", "quaternionic"}
        The type: its commutant has dimension 1, 2 or 4 (:attr:`commutant_dim`).
    character : ndarray of float64
        ``(n,)``, ``character[g] = tr ρ(g)`` (read-only).
    """

    matrices: NDArray[np.float64]
    dim: int
    kind: str
    character: NDArray[np.float64]

    @property
    def commutant_dim(self) -> int:
        """1, 2 or 4: the dimension of the commutant, the matrices that commute with every ``ρ(g)``."""
        return {v: k for k, v in KINDS.items()}[self.kind]


def irreps_nbytes(order: int) -> int:
    """Estimated peak memory, in bytes, of :func:`real_irreps` for a group of ``order`` elements.

    The commutant element and its eigenvectors (``order²`` float64 each), the eigensolver's
    workspace (about as much again) and the irreps themselves (``Σ d² ≤ 4·order`` entries per
    element).

    Examples
    --------
    >>> irreps_nbytes(48)
    147456
    """
    return 8 * 8 * order * order


def real_irreps(group: Group, *, max_bytes: int = DEFAULT_MAX_BYTES) -> tuple[Irrep, ...]:
    """Every real irreducible representation of ``group``, one per isomorphism class.

    Computed from the Cayley table alone (so for any finite group), deterministically (fixed
    seeds) and cached per group. Sorted: the trivial one first, then by dimension, type and
    character.

    Parameters
    ----------
    group : Group
        Any finite group.
    max_bytes : int
        Memory budget (:func:`irreps_nbytes`); the work takes time of order ``|G|³``.

    Returns
    -------
    tuple of Irrep

    Raises
    ------
    TypeError
        If ``group`` is not a :class:`~groupcore.Group`.
    GroupTooLargeError
        If the computation would need more than ``max_bytes``.
    RuntimeError
        If the numerics fail the checks (homomorphism and orthogonality to 1e-9, irreducible,
        pairwise distinct, ``Σ d²/kind = |G|``, one per real class) for every seed tried.

    Examples
    --------
    >>> import numpy as np, groupcore as gc
    >>> irreps = real_irreps(gc.dihedral(4))
    >>> [r.dim for r in irreps], np.rint(irreps[-1].character).astype(int).tolist()
    ([1, 1, 1, 1, 2], [2, 0, -2, 0, 0, 0, 0, 0])
    >>> rho = irreps[-1].matrices
    >>> G = gc.dihedral(4)
    >>> bool(np.allclose(rho[G.table[1, 4]], rho[1] @ rho[4]))
    True
    """
    if not isinstance(group, Group):
        raise TypeError(f"group must be a groupcore.Group; got {type(group).__name__}")
    check_budget(irreps_nbytes(group.order), max_bytes, f"the real irreps of {group.name} (order {group.order})",
                 order=group.order)
    return _real_irreps(group)


@functools.lru_cache(maxsize=32)
def _real_irreps(group: Group) -> tuple[Irrep, ...]:
    failures = []
    for seed in _SEEDS:
        irreps = _from_seed(group, seed)
        failure = _failure(group, irreps)
        if failure is None:
            return irreps
        failures.append(f"seed {seed}: {failure}")
    raise RuntimeError(f"the real irreps of {group.name} (order {group.order}) failed their checks: "
                       + "; ".join(failures))


def _from_seed(group: Group, seed: int) -> tuple[Irrep, ...]:
    """One eigenspace per class of a random symmetric element of the commutant."""
    t = group.table.astype(np.int64)
    inv = group.inverse.astype(np.int64)
    a = np.random.default_rng(seed).standard_normal(group.order)
    a = (a + a[inv]) / 2
    values, vectors = np.linalg.eigh(a[t[inv]])                  # M[u, v] = a[u⁻¹·v]
    scale = max(float(np.abs(values).max()), 1.0)
    cuts = np.flatnonzero(np.diff(values) > _CLUSTER * scale) + 1
    reps = [int(c[0]) for c in group.conjugacy_classes()]
    found: list[tuple[NDArray[np.float64], NDArray[np.float64]]] = []     # (character on the classes, basis)
    for block in np.split(np.arange(group.order), cuts):
        q = vectors[:, block]
        chi = _gram(q, t[inv[reps]]).trace(axis1=1, axis2=2)
        if not any(np.abs(chi - seen).max() < 1e-6 for seen, _ in found):
            found.append((chi, q))
    irreps = [_irrep(q, _gram(q, t[inv])) for _, q in found]
    return tuple(sorted(irreps, key=_order_key))


def _gram(q: NDArray[np.float64], perms: NDArray[np.int64]) -> NDArray[np.float64]:
    """``out[i] = qᵀ q[perms[i]]`` (``qᵀ L(g) q`` for ``perms[i] = g⁻¹·x``), in blocks of rows."""
    step = max(1, _CHUNK_BYTES // (8 * q.size))
    return np.concatenate([np.einsum("xa,gxb->gab", q, q[perms[i:i + step]])
                           for i in range(0, len(perms), step)])


def _irrep(q: NDArray[np.float64], matrices: NDArray[np.float64]) -> Irrep:
    character = matrices.trace(axis1=1, axis2=2)
    norm = float(np.mean(character ** 2))                        # ⟨χ, χ⟩ = dim of the commutant
    kind = KINDS.get(round(norm), f"reducible (<chi, chi> = {norm:.3f})")
    matrices.flags.writeable = False
    character.flags.writeable = False
    return Irrep(matrices, q.shape[1], kind, character)


def _order_key(r: Irrep) -> tuple[int, int, str, tuple[float, ...]]:
    trivial = r.dim == 1 and bool(np.allclose(r.character, 1.0))
    return (0 if trivial else 1, r.dim, r.kind, tuple((-np.round(r.character, 6)).tolist()))


def _failure(group: Group, irreps: tuple[Irrep, ...]) -> str | None:
    """Why ``irreps`` are not the real irreps of ``group`` (``None`` when they are)."""
    n, t = group.order, group.table
    generators = group.generators()
    total = 0.0
    for r in irreps:
        m, d = r.matrices, r.dim
        if r.kind not in KINDS.values():
            return f"an eigenspace of dimension {d} is {r.kind}"
        indicator = float(np.mean(m[t[np.arange(n), np.arange(n)]].trace(axis1=1, axis2=2)))
        if abs(indicator - {"real": 1, "complex": 0, "quaternionic": -2}[r.kind]) > 1e-6:
            return f"an eigenspace of dimension {d} is reducible (Frobenius-Schur sum {indicator:.3f})"
        if np.abs(m[0] - np.eye(d)).max() > _TOL or np.abs(m @ m.transpose(0, 2, 1) - np.eye(d)).max() > _TOL:
            return f"the {d}-d irrep is not orthogonal with rho(e) = I"
        for s in generators:                                    # closed under products: generators suffice
            if np.abs(m[s] @ m - m[t[s]]).max() > _TOL:
                return f"the {d}-d irrep is not a homomorphism (rho({s}) rho(h) != rho({s}·h))"
        total += d * d / r.commutant_dim
    chars = np.stack([r.character for r in irreps])
    if np.abs(chars @ chars.T / n - np.diag([r.commutant_dim for r in irreps])).max() > 1e-6:
        return "the characters fail the orthogonality relations (two eigenspaces are isomorphic)"
    if abs(total - n) > 1e-6:
        return f"sum of d^2/kind is {total:g}, not |G| = {n}"
    real_classes = {tuple(sorted(set(c.tolist()) | set(group.inverse[c].tolist())))
                    for c in group.conjugacy_classes()}
    if len(irreps) != len(real_classes):
        return f"{len(irreps)} irreps for {len(real_classes)} real classes"
    return None

"""Left actions of finite groups on finite sets, as tables ``A[g, x] = g·x``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from array_api_compat import device, is_array_api_obj
from numpy.typing import ArrayLike, NDArray

from .errors import ActionAxiomError
from .grid import check_grid_shape, grid_matrices, grid_table, no_exact_action
from .group import Group
from .namespace import namespace

__all__ = ["Action", "permute_axes"]


def permute_axes(x: Any, index: NDArray[np.integer], axis: int, ndim_acted: int) -> Any:
    """Gather ``x`` along ``ndim_acted`` consecutive axes starting at ``axis`` (flattened order).

    ``out[..., y, ...] = x[..., index[y], ...]`` where ``y`` runs over the flattened acted
    axes. Computes in ``x``'s own namespace (:func:`groupcore.namespace.namespace`): NumPy,
    CuPy, PyTorch, JAX or array-api-strict in, the same type on the same device out (the index
    is moved there). A plain sequence is read as a NumPy array.

    Examples
    --------
    >>> permute_axes(np.arange(4).reshape(2, 2), np.array([3, 2, 1, 0]), 0, 2).tolist()
    [[3, 2], [1, 0]]
    """
    xp = namespace(x)
    if not is_array_api_obj(x):
        x = xp.asarray(x)
    nd = x.ndim
    start = axis + nd if axis < 0 else axis
    if not 0 <= start <= nd - ndim_acted:
        raise ValueError(f"axis {axis} with {ndim_acted} acted axes does not fit an array of {nd} dims")
    shape = tuple(x.shape)
    acted = shape[start:start + ndim_acted]
    m = int(np.prod(acted))
    if m != index.shape[0]:
        raise ValueError(f"the action is on {index.shape[0]} points but axes {start}..{start + ndim_acted - 1} "
                         f"of the array have shape {acted}")
    flat = xp.reshape(x, shape[:start] + (m,) + shape[start + ndim_acted:])
    where = xp.asarray(np.asarray(index, dtype=np.int64), device=device(x))
    return xp.reshape(xp.take(flat, where, axis=start), shape)


class Action:
    """A left action of ``group`` on ``X = {0 … m-1}``: ``table[g, x] = g·x``.

    Arrays indexed by X (functions on X) are acted on by ``(g·s)[x] = s[table[g⁻¹, x]]``:
    the value at ``x`` moves to ``g·x``. ``shape`` says how X lays out on array axes:
    ``(m,)`` for a set, ``(H, W)`` for the pixels of an image (row-major).

    Parameters
    ----------
    group : Group
    table : array_like
        ``(group.order, m)`` integer table.
    shape : tuple of int, optional
        Layout of X on array axes (default ``(m,)``).
    validate : bool
        Check the identity and compatibility laws (default).
    name : str, optional

    Examples
    --------
    >>> import groupcore as gc
    >>> act = gc.Action.regular(gc.cyclic(3))
    >>> act.apply(1, np.array([10, 20, 30])).tolist()
    [30, 10, 20]
    """

    __slots__ = ("_group", "_table", "_shape", "_name")

    def __init__(self, group: Group, table: ArrayLike, *, shape: Sequence[int] | None = None,
                 validate: bool = True, name: str | None = None) -> None:
        if not isinstance(group, Group):
            raise TypeError(f"group must be a groupcore.Group; got {type(group).__name__}")
        t = np.asarray(table)
        if validate:
            t = _validate_action(group, t)
        t = np.ascontiguousarray(t, dtype=np.int32 if t.shape[1] < 2**31 else np.int64)
        t.flags.writeable = False
        self._group = group
        self._table = t
        self._shape = (t.shape[1],) if shape is None else tuple(int(s) for s in shape)
        if int(np.prod(self._shape)) != t.shape[1]:
            raise ActionAxiomError("shape", f"shape {self._shape} has {int(np.prod(self._shape))} points "
                                            f"but the action table acts on {t.shape[1]}")
        self._name = name

    # ----------------------------------------------------------------- constructors
    @classmethod
    def from_table(cls, group: Group, table: ArrayLike, validate: bool = True,
                   shape: Sequence[int] | None = None, name: str | None = None) -> Action:
        """Build an action from ``table[g, x] = g·x``, checking the action law by default.

        Raises
        ------
        ActionAxiomError
            Wrong shape, entries out of range, a non-permutation row, a non-trivial identity,
            or ``(g·h)·x != g·(h·x)`` (with the witness ``(g, h, x)``).

        Examples
        --------
        >>> import groupcore as gc
        >>> Action.from_table(gc.cyclic(2), [[0, 1], [1, 0]]).size
        2
        """
        return cls(group, table, validate=validate, shape=shape, name=name)

    @classmethod
    def regular(cls, group: Group) -> Action:
        """The left regular action of ``group`` on itself, ``g·x = table[g, x]``.

        Examples
        --------
        >>> import groupcore as gc
        >>> Action.regular(gc.cyclic(4)).table[1].tolist()
        [1, 2, 3, 0]
        """
        return cls(group, group.table, validate=False, name=f"regular({group.name})")

    @classmethod
    def on_cosets(cls, group: Group, subgroup: ArrayLike) -> Action:
        """The action on the left cosets ``gH`` (coset ``i`` as in ``group.cosets(H)``).

        Examples
        --------
        >>> import groupcore as gc
        >>> Action.on_cosets(gc.symmetric(3), [0, 1]).size
        3
        """
        cosets = group.cosets(subgroup, side="left")
        label = np.empty(group.order, dtype=np.int64)
        for i, c in enumerate(cosets):
            label[c] = i
        reps = np.array([c[0] for c in cosets])
        table = label[group.table[:, reps]]                  # g · (r_i H) = (g r_i) H
        return cls(group, table, validate=False, name=f"cosets({group.name}, {len(cosets)})")

    @classmethod
    def natural(cls, group: Group) -> Action:
        """The natural action of a permutation group on the points it permutes.

        Examples
        --------
        >>> import groupcore as gc
        >>> Action.natural(gc.symmetric(3)).size
        3
        """
        if group.permutations is None:
            raise ValueError(f"{group.name} was not built from permutations; use Action.from_table")
        return cls(group, group.permutations, validate=False, name=f"natural({group.name})")

    @classmethod
    def on_grid(cls, group: Group, shape: Sequence[int]) -> Action:
        """Exact index permutations of a group of signed permutation matrices on a 1-, 2- or 3-d grid.

        Quarter turns and flips of images (``cyclic(n)``, ``dihedral(n)`` for n in 1, 2, 4),
        reversal of sequences (``dihedral(1)``), the symmetries of the cube on voxels
        (``octahedral()``, ``full_octahedral()``), or any ``Group.from_matrices``; rotation about
        the grid's centre, odd and even sizes (see :mod:`groupcore.grid`).

        Raises
        ------
        ValueError
            The group carries no signed permutation matrices of dimension ``len(shape)`` (the
            message says what to use instead), or the grid's sides do not fit (quarter turns
            need equal sides).

        Examples
        --------
        >>> import groupcore as gc
        >>> img = np.arange(9).reshape(3, 3)
        >>> act = Action.on_grid(gc.cyclic(4), (3, 3))
        >>> bool((act.apply(1, img) == np.rot90(img)).all())
        True
        """
        dims = check_grid_shape(shape)
        mats = grid_matrices(group, len(dims))
        if mats is None:
            raise ValueError(no_exact_action(group, len(dims)))
        return cls(group, grid_table(mats, dims), shape=dims, validate=False,
                   name=f"grid({group.name}, {'x'.join(str(s) for s in dims)})")

    # ----------------------------------------------------------------- data
    @property
    def group(self) -> Group:
        """The acting group."""
        return self._group

    @property
    def table(self) -> NDArray[np.integer]:
        """Read-only ``(n, m)`` table with ``table[g, x] = g·x``."""
        return self._table

    @property
    def size(self) -> int:
        """Number of points ``m`` of X."""
        return int(self._table.shape[1])

    @property
    def shape(self) -> tuple[int, ...]:
        """Layout of X on array axes."""
        return self._shape

    @property
    def name(self) -> str:
        """A short label."""
        return self._name or f"action({self._group.name}, {self.size})"

    is_exact = True

    def __repr__(self) -> str:
        return f"Action({self.name}, group={self._group.name}, size={self.size})"

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, Action) and self._group == other._group
                and np.array_equal(self._table, other._table) and self._shape == other._shape)

    def __hash__(self) -> int:
        return hash((self._group, self._table.tobytes(), self._shape))

    # ----------------------------------------------------------------- operations
    def apply(self, g: int, x: Any, axis: int | None = None) -> Any:
        """Act by ``g`` on an array indexed by X: ``out[..., y, ...] = x[..., g⁻¹·y, ...]``.

        Parameters
        ----------
        g : int
            Group element.
        x : array
            NumPy or any array-API array; the ``len(self.shape)`` axes starting at ``axis``
            (default: the trailing ones) index X.
        axis : int, optional

        Examples
        --------
        >>> import groupcore as gc
        >>> act = Action.on_grid(gc.dihedral(4), (2, 2))
        >>> act.apply(4, np.array([[1, 2], [3, 4]])).tolist()    # the flip
        [[2, 1], [4, 3]]
        """
        self._group._check_element(g)
        k = len(self._shape)
        return permute_axes(x, self._table[self._group.inverse[g]], -k if axis is None else axis, k)

    def restrict(self, subgroup: ArrayLike) -> Action:
        """The action of the subgroup on ``subgroup`` (elements of this group) on the same X.

        Examples
        --------
        >>> import groupcore as gc
        >>> Action.regular(gc.cyclic(4)).restrict([0, 2]).group.order
        2
        """
        H, emb = self._group.subgroup(subgroup)
        return type(self)(H, self._table[emb], shape=self._shape, validate=False, name=f"{self.name}|{H.name}")

    def product(self, other: Action) -> Action:
        """The diagonal action on ``X × Y``, point ``(x, y)`` labelled ``x·|Y| + y``.

        Examples
        --------
        >>> import groupcore as gc
        >>> a = Action.regular(gc.cyclic(2))
        >>> a.product(a).table.tolist()
        [[0, 1, 2, 3], [3, 2, 1, 0]]
        """
        if other.group != self._group:
            raise ActionAxiomError("group", f"both actions must be of the same group; got {self._group.name} "
                                            f"and {other.group.name}")
        m = other.size
        t = self._table.astype(np.int64)[:, :, None] * m + other.table.astype(np.int64)[:, None, :]
        return Action(self._group, t.reshape(self._group.order, -1), validate=False,
                      shape=self._shape + other.shape, name=f"{self.name}x{other.name}")

    def permutation_matrices(self) -> NDArray[np.int8]:
        """The permutation representation: ``P[g]`` with ``P[g] @ s == self.apply(g, s)``.

        ``P[g][g·x, x] = 1``; ``P[g] @ P[h] == P[g·h]``.

        Examples
        --------
        >>> import groupcore as gc
        >>> P = Action.regular(gc.cyclic(3)).permutation_matrices()
        >>> bool((P[1] @ P[2] == P[0]).all())
        True
        """
        n, m = self._table.shape
        P = np.zeros((n, m, m), dtype=np.int8)
        P[np.arange(n)[:, None], self._table, np.arange(m)[None, :]] = 1
        return P

    def orbits(self) -> list[NDArray[np.int64]]:
        """The orbits ``G·x`` as sorted arrays, ordered by smallest point.

        Examples
        --------
        >>> import groupcore as gc
        >>> [o.tolist() for o in Action.on_grid(gc.cyclic(2), (1, 3)).orbits()]
        [[0, 2], [1]]
        """
        rep = self._table.min(axis=0)
        return [np.flatnonzero(rep == r) for r in np.unique(rep)]

    def stabilizer(self, x: int) -> NDArray[np.int64]:
        """Sorted elements ``g`` with ``g·x = x``.

        Examples
        --------
        >>> import groupcore as gc
        >>> Action.on_cosets(gc.symmetric(3), [0, 1]).stabilizer(0).tolist()
        [0, 1]
        """
        if not 0 <= int(x) < self.size:
            raise ValueError(f"{x!r} is not a point of X (0..{self.size - 1})")
        return np.flatnonzero(self._table[:, int(x)] == int(x))


def _validate_action(group: Group, t: NDArray[Any]) -> NDArray[np.integer]:
    n = group.order
    if t.ndim != 2 or t.shape[0] != n:
        raise ActionAxiomError("shape", f"an action table of {group.name} must have shape ({n}, m), one row per "
                                        f"group element; got {t.shape}")
    if t.dtype.kind not in "iu":
        raise ActionAxiomError("range", f"action table entries must be integers; got dtype {t.dtype}")
    m = t.shape[1]
    bad = (t < 0) | (t >= m)
    if bad.any():
        g, x = (int(i) for i in np.argwhere(bad)[0])
        raise ActionAxiomError("range", f"table[{g}, {x}] = {int(t[g, x])} is not a point of X (0..{m - 1})", (g, x))
    if not np.array_equal(t[0], np.arange(m)):
        x = int(np.flatnonzero(t[0] != np.arange(m))[0])
        raise ActionAxiomError("identity", f"the identity must act trivially, but e·{x} = {int(t[0, x])}", (0, x))
    # The elements g with table[g·h] == table[g][table[h]] for all h are closed under the
    # product, so checking a generating set checks every pair (O(k·n·m), not O(n²·m)).
    for g in group.generators():
        lhs = t[group.table[g]]           # (g·h)·x, shape (n, m)
        rhs = t[g][t]                     # g·(h·x)
        bad = lhs != rhs
        if bad.any():
            h, x = (int(i) for i in np.argwhere(bad)[0])
            raise ActionAxiomError(
                "compatibility",
                f"not an action: ({g}·{h})·{x} = {int(lhs[h, x])} but {g}·({h}·{x}) = {int(rhs[h, x])}", (g, h, x))
    return t

"""The paper's lemma: lift any map ``F: X → Z`` to the equivariant ``F̂: X → Map(G, Z)``.

``F̂(x)(g) = F(g⁻¹·x)``. Equivariance: ``F̂(h·x)(g) = F(g⁻¹h·x) = F̂(x)(h⁻¹g) = (h·F̂(x))(g)``;
``p(F̂(x)) = F̂(x)(e) = F(x)``; and any equivariant ``Φ`` with ``p∘Φ = F`` has
``Φ(x)(g) = (g⁻¹·Φ(x))(e) = Φ(g⁻¹·x)(e) = F(g⁻¹·x)``, so ``F̂`` is unique.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from array_api_compat import device, is_array_api_obj
from numpy.typing import ArrayLike

from .action import permute_axes
from .errors import NotAnActionError
from .group import Group
from .namespace import namespace

__all__ = ["lift", "project", "regular_act"]


def lift(F: ArrayLike | Callable[[Any], Any], action: Any, axis: int | None = None) -> Any:
    """The unique equivariant lift ``F̂`` of ``F`` with ``project(F̂) = F``.

    Parameters
    ----------
    F : array_like or callable
        A table with ``F[x]`` for each point of X (extra trailing axes are values in Z),
        or a function on arrays acted on by ``action.apply``. A table that is an array stays
        in its library and on its device; a plain sequence is read as NumPy.
    action : Action or ApproximateAction
        How G acts on X.
    axis : int, optional
        For callables: where the new G axis goes in the output. Default 2, right after
        ``(batch, channels)``, clipped to the output's number of dimensions.

    Returns
    -------
    array or callable
        For a table, ``F̂`` of shape ``(m, |G|, ...)`` with ``F̂[x, g] = F[g⁻¹·x]``, an array
        of the table's library. For a callable, ``x ↦ stack_g F(g⁻¹·x)``, stacked by the
        outputs' own namespace.

    Examples
    --------
    >>> import groupcore as gc
    >>> act = gc.Action.regular(gc.cyclic(3))
    >>> lift(np.array([5, 6, 7]), act).tolist()
    [[5, 7, 6], [6, 5, 7], [7, 6, 5]]
    """
    G: Group = action.group
    if callable(F):
        return _lift_callable(F, action, axis)
    xp = namespace(F)
    table: Any = F if is_array_api_obj(F) else xp.asarray(F)          # an array of any array-API library
    shape = tuple(table.shape)
    if not shape or shape[0] != action.size:
        raise ValueError(f"F must have one entry per point of X ({action.size}); got shape {shape}")
    if not getattr(action, "is_exact", True):
        raise NotAnActionError(f"{action!r} is not a group action (interpolated elements do not compose "
                               f"exactly), so a table on X cannot be lifted through it; lift a callable instead")
    index = action.table[G.inverse].T.astype(np.int64)                  # (m, n): A[g⁻¹, x]
    gathered = xp.take(table, xp.asarray(index.reshape(-1), device=device(table)), axis=0)
    return xp.reshape(gathered, index.shape + shape[1:])                # F̂[x, g] = F[A[g⁻¹, x]]


def _lift_callable(F: Callable[[Any], Any], action: Any, axis: int | None) -> Callable[[Any], Any]:
    G: Group = action.group

    def F_hat(x: Any) -> Any:
        outs = [F(action.apply(int(G.inverse[g]), x)) for g in range(G.order)]
        xp = namespace(*outs)
        pos = min(2, outs[0].ndim) if axis is None else axis
        return xp.stack(outs, axis=pos)

    F_hat.__name__ = f"lift({getattr(F, '__name__', 'F')})"
    F_hat.__doc__ = f"The equivariant lift of {getattr(F, '__name__', 'F')} through {action!r}."
    return F_hat


def project(s: Any, axis: int = -1) -> Any:
    """The projection ``p(s) = s(e)``: index 0 of the G axis.

    ``s`` keeps its library and device; a plain sequence is read as NumPy.

    Examples
    --------
    >>> project(np.array([[1, 2], [3, 4]]), axis=1).tolist()
    [1, 3]
    """
    if not is_array_api_obj(s):
        s = namespace(s).asarray(s)
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)) or not -s.ndim <= axis < s.ndim:
        raise ValueError(f"axis must be an integer naming the G axis of the {s.ndim}-d array (from {-s.ndim} to "
                         f"{s.ndim - 1}); got {axis!r}")
    if s.shape[axis] == 0:
        raise ValueError(f"axis {axis} of the array has length 0: a Map(G, Z) has one entry per element, the "
                         f"identity first")
    idx: list[Any] = [slice(None)] * s.ndim
    idx[int(axis)] = 0
    return s[tuple(idx)]


def regular_act(G: Group, h: int, s: Any, axis: int = -1) -> Any:
    """The left regular action on Map(G, Z): ``(h·s)[g] = s[h⁻¹·g]`` along ``axis``.

    ``s`` keeps its library and device (see :func:`groupcore.action.permute_axes`).

    Examples
    --------
    >>> import groupcore as gc
    >>> regular_act(gc.cyclic(3), 1, np.array([10, 20, 30])).tolist()
    [30, 10, 20]
    """
    G._check_element(h)
    return permute_axes(s, G.table[G.inverse[h]], axis, 1)

"""The layer-wise statements of the lemma, verified symbolically for small groups.

Layer 1 lifts ``F_1: X → Z_1`` to ``F̂_1: X → Map(G, Z_1)``; layer ``i ≥ 2`` lifts any map
``F̃_i: Map(G, Z_{i-1}) → Z_i`` (it reads all ``|G|`` copies) through the regular action,
``F̂_i(s)(g) = F̃_i(g⁻¹·s)``. The statements:

1. the network ``N = F̂_n ∘ … ∘ F̂_1`` equals the global lift of ``F = F̃_n ∘ F̂_{n-1} ∘ … ∘ F̂_1``
   (so it is G-equivariant);
2. choosing ``F̃_i = F_i ∘ p_{i-1}`` gives back the global lift of ``F_n ∘ … ∘ F_1``.

``F_1``'s values are SymPy symbols and every ``F̃_i``/``F_i`` is an *uninterpreted* SymPy
function, so equality of the resulting expressions, symbol for symbol, holds for every choice
of the layers. The network is built with :func:`groupcore.lift` (table and callable forms);
the global lift is evaluated from its definition ``F̂(x)(g) = F(g⁻¹·x)``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy as sp

from groupcore import Action, Group, lift

from .errors import LemmaCheckError
from .symbolic import z_symbols_for
from .system import resolve_action

__all__ = ["verify_layerwise", "LayerwiseCertificate"]

_Layer = Callable[[np.ndarray], np.ndarray]


@dataclass(frozen=True)
class LayerwiseCertificate:
    """The layer-wise statements verified for one group, G-set and depth.

    Examples
    --------
    >>> import groupcore as gc
    >>> cert = verify_layerwise(gc.cyclic(3), depth=2)
    >>> cert.depth, len(cert.checks)
    (2, 3)
    """

    group: str
    order: int
    action: str
    points: int
    depth: int
    checks: tuple[tuple[str, str], ...]
    seconds: float

    def __str__(self) -> str:
        lines = [f"Layer-wise lemma for {self.group} acting on {self.action} (|G| = {self.order}, "
                 f"|X| = {self.points}), up to {self.depth} layers: symbolic"]
        lines += [f"  ✓ {name}: {how}" for name, how in self.checks]
        lines.append(f"  ({self.seconds:.2f} s)")
        return "\n".join(lines)

    def to_markdown(self) -> str:
        """The certificate as a Markdown section.

        Examples
        --------
        >>> import groupcore as gc
        >>> verify_layerwise(gc.cyclic(2), depth=2).to_markdown().splitlines()[0]
        '### Layer-wise: C2 acting on regular(C2), up to 2 layers'
        """
        out = [f"### Layer-wise: {self.group} acting on {self.action}, up to {self.depth} layers", "",
               f"|G| = {self.order}, |X| = {self.points}; symbolic ({self.seconds:.2f} s).", "",
               "| statement | verified by |", "|---|---|"]
        out += [f"| {name} | {how} |" for name, how in self.checks]
        return "\n".join(out)


def _scalar(expr: sp.Expr) -> np.ndarray:
    out = np.empty((), dtype=object)
    out[()] = expr
    return out


def _reads_all(F: Any) -> _Layer:
    """The layer ``s ↦ F(*s)``, reading every entry of ``s``."""
    return lambda s: _scalar(F(*s))


def _reads_first(F: Any) -> _Layer:
    """The layer ``s ↦ F(s[0])``, reading ``s`` through the projection ``p``."""
    return lambda s: _scalar(F(s[0]))


def _network(first: np.ndarray, readers: list[_Layer], G: Group) -> list[np.ndarray]:
    """Outputs ``(|X|, |G|)`` of the lifted network after 1, 2, … layers."""
    regular = Action.regular(G)
    lifted = [lift(reader, regular) for reader in readers]
    outs = [first]
    for layer in lifted:
        outs.append(np.stack([layer(row) for row in outs[-1]]))
    return outs


def _global_lift(values: list[Any], action: Action) -> np.ndarray:
    """``F̂[x, g] = F(g⁻¹·x)`` straight from the definition."""
    G = action.group
    return np.array([[values[action.table[G.inverse[g], x]] for g in range(G.order)]
                     for x in range(action.size)], dtype=object)


def _compare(net: np.ndarray, expected: np.ndarray, what: str) -> None:
    bad = np.argwhere(net != expected)
    if bad.size:
        x, g = (int(v) for v in bad[0])
        raise LemmaCheckError(what, f"N[{x},{g}] = {net[x, g]} but the global lift gives {expected[x, g]}",
                              "the layer-wise network differs from the global lift")


def _check_equivariant(net: np.ndarray, action: Action) -> None:
    G = action.group
    A, T = action.table, G.table
    for h in range(G.order):
        moved, shifted = net[A[h]], net[:, T[G.inverse[h]]]          # N(h·x)(g) and (h·N(x))(g)
        bad = np.argwhere(moved != shifted)
        if bad.size:
            x, g = (int(v) for v in bad[0])
            raise LemmaCheckError("equivariance", f"N({h}·{x})({g}) = {moved[x, g]} but ({h}·N({x}))({g}) = "
                                  f"{shifted[x, g]}", "the layer-wise network is not equivariant")


def verify_layerwise(G: Group, action: Action | None = None, depth: int = 3) -> LayerwiseCertificate:
    """Verify both layer-wise statements for networks of 1 … ``depth`` layers.

    Parameters
    ----------
    G : Group
    action : Action, optional
        The input G-set ``X_0`` (default: the regular action).
    depth : int
        Number of layers, at least 2.

    Raises
    ------
    LemmaCheckError
        Naming the entry ``N[x, g]`` where the network and the global lift differ, or a
        triple ``(h, x, g)`` where the network is not equivariant.

    Examples
    --------
    >>> import groupcore as gc
    >>> print(verify_layerwise(gc.symmetric(3), depth=2).checks[0][0])
    N = F̂_k∘…∘F̂_1 equals the global lift of F̃_k∘F̂_{k-1}∘…∘F̂_1
    """
    start = time.perf_counter()
    action = resolve_action(G, action)
    if isinstance(depth, bool) or not isinstance(depth, (int, np.integer)) or depth < 2:
        raise ValueError(f"depth must be an integer >= 2 (the number of layers); got {depth!r}")
    depth = int(depth)
    f1 = np.array(z_symbols_for(action.size, "f"), dtype=object)
    first = lift(f1, action)

    readers_full = [sp.Function(f"F̃{i}") for i in range(2, depth + 1)]
    net = _network(first, [_reads_all(F) for F in readers_full], G)
    for k in range(2, depth + 1):
        composite = [readers_full[k - 2](*row) for row in net[k - 2]]     # F̃_k ∘ F̂_{k-1} ∘ … ∘ F̂_1
        _compare(net[k - 1], _global_lift(composite, action), "layer-wise = global")
    for out in net:
        _check_equivariant(out, action)

    readers_p = [sp.Function(f"F{i}") for i in range(2, depth + 1)]
    net_p = _network(first, [_reads_first(F) for F in readers_p], G)
    values = list(f1)
    for k in range(2, depth + 1):
        values = [readers_p[k - 2](v) for v in values]                    # F_k ∘ … ∘ F_1
        _compare(net_p[k - 1], _global_lift(values, action), "F̃ = F∘p")

    entries = action.size * G.order
    checks = (
        ("N = F̂_k∘…∘F̂_1 equals the global lift of F̃_k∘F̂_{k-1}∘…∘F̂_1",
         f"symbol for symbol on all {entries} entries, for k = 2 … {depth}, with the F̃_i uninterpreted "
         f"functions of all {G.order} copies"),
        ("N is G-equivariant", f"N(h·x)(g) = (h·N(x))(g) for every h, x, g after each of the {depth} layers"),
        ("F̃_i = F_i∘p_{i-1} gives the global lift of F_k∘…∘F_1",
         f"symbol for symbol on all {entries} entries, for k = 2 … {depth}"),
    )
    return LayerwiseCertificate(G.name, G.order, action.name, action.size, depth, checks,
                                time.perf_counter() - start)

"""The certificate a verification of the lemma returns, with text and Markdown renderings."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["LemmaCertificate"]

_SHOW_ROWS = 8
_SHOW_COLS = 12


def _more(rows: int) -> str:
    hidden = rows - _SHOW_ROWS
    return f"{hidden} more row{'s' if hidden > 1 else ''}"


@dataclass(frozen=True)
class LemmaCertificate:
    """What was checked for one group and G-set, and the solution found.

    Attributes
    ----------
    group, action : str
        Names of the group and of the G-set X.
    order, points : int
        ``|G|`` and ``|X|``.
    method : str
        ``"symbolic"`` (SymPy's linear solver) or ``"exhaustive"`` (exact solution of the same
        equations by connected components, plus the lift checked on every ``(h, x, g)``).
    equations, unknowns, rank : int
        Size of the linear system and the rank of its coefficient matrix.
    solution : list of list
        ``solution[x][g]`` is the solved ``Φ(x)(g)``, in terms of ``z_symbols``.
    z_symbols : tuple
        The symbols standing for ``F(x)``.
    checks : tuple of (str, str)
        Each property verified, with how.
    seconds : float
        Wall time of the verification.
    note : str
        Why a symbolic solve was skipped, when it was.

    Examples
    --------
    >>> from groupcore.proofs import verify_lemma
    >>> import groupcore as gc
    >>> cert = verify_lemma(gc.cyclic(2), gc.Action.regular(gc.cyclic(2)))
    >>> cert.rank == cert.unknowns == 4
    True
    """

    group: str
    order: int
    action: str
    points: int
    method: str
    equations: int
    unknowns: int
    rank: int
    solution: list[list[Any]]
    z_symbols: tuple[Any, ...]
    checks: tuple[tuple[str, str], ...]
    seconds: float
    note: str = field(default="")

    @property
    def title(self) -> str:
        """One line: group, G-set, sizes and method."""
        return (f"Lemma for {self.group} acting on {self.action} (|G| = {self.order}, |X| = {self.points}): "
                f"{self.method}")

    def _rows(self) -> list[tuple[str, list[str]]]:
        rows = []
        for x, row in enumerate(self.solution[:_SHOW_ROWS]):
            cells = [str(v) for v in row[:_SHOW_COLS]] + (["…"] if len(row) > _SHOW_COLS else [])
            rows.append((f"x={x}", cells))
        return rows

    def __str__(self) -> str:
        lines = [self.title]
        if self.note:
            lines.append(f"  note: {self.note}")
        lines.append(f"  unknowns Φ(x)(g): {self.unknowns}   equations: {self.equations}   rank: {self.rank}")
        lines += [f"  ✓ {name}: {how}" for name, how in self.checks]
        lines.append("  solution Φ(x)(g), row x, column g:")
        lines += [f"    {label}: " + " ".join(cells) for label, cells in self._rows()]
        if len(self.solution) > _SHOW_ROWS:
            lines.append(f"    … {_more(len(self.solution))}")
        lines.append(f"  ({self.seconds:.2f} s)")
        return "\n".join(lines)

    def to_markdown(self) -> str:
        """The certificate as a Markdown section with a table of checks and the solution.

        Examples
        --------
        >>> from groupcore.proofs import verify_lemma
        >>> import groupcore as gc
        >>> verify_lemma(gc.cyclic(2), gc.Action.regular(gc.cyclic(2))).to_markdown().splitlines()[0]
        '### C2 acting on regular(C2)'
        """
        out = [f"### {self.group} acting on {self.action}", "",
               f"|G| = {self.order}, |X| = {self.points}; method: **{self.method}**; "
               f"{self.unknowns} unknowns, {self.equations} equations, rank {self.rank} "
               f"({self.seconds:.2f} s).", ""]
        if self.note:
            out += [f"> {self.note}", ""]
        out += ["| property | verified by |", "|---|---|"]
        out += [f"| {name} | {how} |" for name, how in self.checks]
        width = len(self._rows()[0][1]) if self.solution else 0
        cols = [f"g={g}" for g in range(min(self.order, _SHOW_COLS))] + (["…"] if self.order > _SHOW_COLS else [])
        out += ["", "Solution Φ(x)(g):", "", "| x | " + " | ".join(cols[:width]) + " |",
                "|---" * (width + 1) + "|"]
        out += [f"| {label} | " + " | ".join(f"`{c}`" for c in cells) + " |" for label, cells in self._rows()]
        if len(self.solution) > _SHOW_ROWS:
            out.append(f"| … | {_more(len(self.solution))} |" + " |" * (width - 1))
        return "\n".join(out)

"""Run every verification for a list of groups and collect the certificates into one report."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import numpy as np

from groupcore import Action, Group, GroupTooLargeError, lift
from groupcore.validation import DEFAULT_MAX_BYTES, format_bytes, format_count

from .checks import assert_equivariant
from .derivation import derive_lemma
from .errors import DerivationError, LemmaCheckError
from .exhaustive import check_lemma_exhaustive
from .gsets import default_actions
from .layerwise import verify_layerwise
from .rotations import rotation_facts
from .symbolic import DEFAULT_MAX_EQUATIONS, verify_lemma
from .system import lemma_equations, lemma_nbytes

__all__ = ["VerificationReport", "verify_groups", "check_verifiable", "DEFAULT_GROUPS", "DEFAULT_ROTATION_ORDERS",
           "MAX_LAYERWISE_ORDER"]

#: Groups ``groupcore verify`` checks when none are named.
DEFAULT_GROUPS = ("C4", "D4", "S3", "Q8", "A4")
#: Rotation orders N whose grid status ``groupcore verify`` derives.
DEFAULT_ROTATION_ORDERS = (2, 3, 4, 5, 6, 8, 12)
#: Largest group for the symbolic layer-wise check (its expressions grow like ``|G|^depth``).
MAX_LAYERWISE_ORDER = 24

_FAILURES = (LemmaCheckError, DerivationError, AssertionError)


@dataclass
class VerificationReport:
    """Sections of text and Markdown, and the failures met on the way.

    Examples
    --------
    >>> report = verify_groups([], rotation_orders=())
    >>> report.passed, report.sections[0][0]
    (True, 'Abstract proof')
    """

    sections: list[tuple[str, list[Any]]] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def passed(self) -> bool:
        """True when every check passed."""
        return not self.failures

    def _summary(self) -> str:
        if self.passed:
            return f"all checks passed ({self.seconds:.1f} s)"
        return f"{len(self.failures)} check(s) FAILED ({self.seconds:.1f} s):\n" + "\n".join(
            f"  ✗ {f}" for f in self.failures)

    def __str__(self) -> str:
        out = ["groupcore verify: the equivarification lemma F̂(x)(g) = F(g⁻¹·x)"]
        for title, items in self.sections:
            out += ["", f"== {title} =="] + [str(item) for item in items]
        return "\n".join(out + ["", self._summary()])

    def to_markdown(self) -> str:
        """The report as a Markdown document.

        Examples
        --------
        >>> verify_groups([], rotation_orders=()).to_markdown().splitlines()[0]
        '# groupcore verify: the equivarification lemma'
        """
        out = ["# groupcore verify: the equivarification lemma", "",
               "For a finite group G acting on X and any F: X → Z, F̂(x)(g) = F(g⁻¹·x) is G-equivariant, "
               "p∘F̂ = F, and F̂ is the only such map."]
        for title, items in self.sections:
            out += ["", f"## {title}", ""]
            out += [item.to_markdown() if hasattr(item, "to_markdown") else f"- {item}" for item in items]
        return "\n".join(out + ["", f"**Result:** {self._summary()}"])


class _Note(str):
    """A plain line of the report."""


def _attempt(report: VerificationReport, label: str, check: Callable[[], Any]) -> Any:
    try:
        return check()
    except _FAILURES as err:
        report.failures.append(f"{label}: {err}")
        return _Note(f"✗ {label}: {err}")


def _numeric_check(action: Action) -> _Note:
    """``assert_equivariant`` on the lift of a non-linear map, in float64 and float32."""
    G, m = action.group, action.size
    rng = np.random.default_rng(0)
    weights = rng.standard_normal((3, m))
    lifted = lift(lambda s: np.tanh(weights.astype(s.dtype) @ s.reshape(m)), action)   # (3, |G|): G axis 1
    parts = []
    for dtype in (np.float64, np.float32):
        inputs = [rng.standard_normal(action.shape).astype(dtype) for _ in range(2)]
        err = assert_equivariant(lifted, action, Action.regular(G), inputs, axis_out=1)
        parts.append(f"{err['dtype']} max rel error {err['max_rel']:.1e}")
    return _Note(f"✓ numeric: the lift of s ↦ tanh(Ws) passes assert_equivariant on all {G.order} elements "
                 f"({'; '.join(parts)})")


def _lemma_items(report: VerificationReport, G: Group, action: Action, max_equations: int,
                 max_bytes: int) -> list[Any]:
    label = f"{G.name} on {action.name}"
    equations = lemma_equations(G.order, action.size)
    too_large = equations > max_equations
    note = f"{equations} equations exceed the symbolic limit {max_equations}: exhaustive check only"
    note = note if too_large else ""
    exhaustive = _attempt(report, f"{label} (exhaustive)",
                          lambda: check_lemma_exhaustive(G, action, note=note, max_bytes=max_bytes))
    if too_large:
        items = [exhaustive]
    else:
        symbolic = _attempt(report, f"{label} (symbolic)", lambda: verify_lemma(G, action, max_equations=max_equations))
        items = [symbolic]
        if isinstance(symbolic, _Note) or isinstance(exhaustive, _Note):
            items.append(exhaustive)
        elif symbolic.solution == exhaustive.solution:
            items.append(_Note(f"✓ exhaustive check agrees: same solution, rank {exhaustive.rank} "
                               f"({exhaustive.seconds:.2f} s)"))
        else:
            report.failures.append(f"{label}: symbolic and exhaustive solutions differ")
            items.append(_Note("✗ symbolic and exhaustive solutions differ"))
    items.append(_attempt(report, f"{label} (numeric)", lambda: _numeric_check(action)))
    return items


def check_verifiable(groups: Sequence[Group], *, max_bytes: int = DEFAULT_MAX_BYTES, knob: str = "max_bytes") -> None:
    """Refuse, in one message, every group whose exhaustive check would need more than ``max_bytes``.

    The exhaustive check of the lemma builds all ``|G|²·|X|`` equations for each default G-set
    (the regular action has ``|X| = |G|``): its memory grows like ``|G|³``.

    Parameters
    ----------
    groups : sequence of Group
    max_bytes : int
        The memory budget.
    knob : str
        How the message names the budget (``--max-bytes`` on the command line).

    Raises
    ------
    TypeError
        If an item is not a :class:`~groupcore.Group`.
    GroupTooLargeError
        Naming every group that is too large, the size of its largest check and the budget to ask for.

    Examples
    --------
    >>> import groupcore as gc
    >>> check_verifiable([gc.symmetric(5)])
    >>> check_verifiable([gc.cyclic(2), gc.symmetric(6)])   # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    groupcore.errors.GroupTooLargeError: too large to verify within max_bytes=1073741824 (1.0 GiB): S6 (order 720: the
    exhaustive check on regular(S6) solves 373,248,720 equations, about 27.8 GiB); ...
    """
    too_large = []
    for G in groups:
        if not isinstance(G, Group):
            raise TypeError(f"groups must hold groupcore.Group objects; got {type(G).__name__}")
        action = max(default_actions(G), key=lambda a: a.size)
        nbytes = lemma_nbytes(G.order, action.size)
        if nbytes > max_bytes:
            too_large.append((nbytes, f"{G.name} (order {format_count(G.order)}: the exhaustive check on "
                                      f"{action.name} solves {format_count(lemma_equations(G.order, action.size))} "
                                      f"equations, about {format_bytes(nbytes)})"))
    if too_large:
        need = max(nbytes for nbytes, _ in too_large)
        raise GroupTooLargeError(
            f"too large to verify within {knob}={max_bytes} ({format_bytes(max_bytes)}): "
            + ", ".join(text for _, text in too_large)
            + f"; pass {knob}={need} or more (with that much free memory), or verify smaller groups", nbytes=need)


def verify_groups(groups: Sequence[Group], *, max_equations: int = DEFAULT_MAX_EQUATIONS, depth: int = 3,
                  rotation_orders: Sequence[int] = DEFAULT_ROTATION_ORDERS,
                  max_bytes: int = DEFAULT_MAX_BYTES) -> VerificationReport:
    """The abstract proof, then per group the lemma on its default G-sets (symbolic where small
    enough, always exhaustive and numeric) and the layer-wise statements, then rotation facts.

    Failures are collected, not raised: see :attr:`VerificationReport.failures`. Groups too
    large for the exhaustive check within ``max_bytes`` are refused before any work starts
    (:func:`check_verifiable`).

    Raises
    ------
    GroupTooLargeError
        Naming every group whose exhaustive check would need more than ``max_bytes``.

    Examples
    --------
    >>> import groupcore as gc
    >>> report = verify_groups([gc.cyclic(2)], rotation_orders=(4,))
    >>> report.passed, [title for title, _ in report.sections]
    (True, ['Abstract proof', 'C2 (order 2)', 'Rotations'])
    """
    start = time.perf_counter()
    check_verifiable(groups, max_bytes=max_bytes)
    report = VerificationReport()
    report.sections.append(("Abstract proof", [_attempt(report, "abstract proof", derive_lemma)]))
    for G in groups:
        items: list[Any] = []
        for action in default_actions(G):
            items += _lemma_items(report, G, action, max_equations, max_bytes)
        if G.order <= MAX_LAYERWISE_ORDER:
            items.append(_attempt(report, f"{G.name} layer-wise", partial(verify_layerwise, G, depth=depth)))
        else:
            items.append(_Note(f"note: layer-wise check skipped for {G.name}: order {G.order} > "
                               f"{MAX_LAYERWISE_ORDER}"))
        report.sections.append((f"{G.name} (order {G.order})", items))
    if rotation_orders:
        facts = rotation_facts(tuple(rotation_orders))
        for fact in facts:
            if not fact.holds:
                report.failures.append(f"rotations: {fact.statement}")
        report.sections.append(("Rotations", facts))
    report.seconds = time.perf_counter() - start
    return report

"""Exceptions raised when a verification fails, each naming the offending equation or step."""

from __future__ import annotations

__all__ = ["LemmaCheckError", "DerivationError", "SymbolicTooLargeError"]


class LemmaCheckError(RuntimeError):
    """A check of the lemma failed: no solution, several solutions, or one different from F̂.

    Attributes
    ----------
    check : str
        ``"existence"``, ``"uniqueness"``, ``"equals lift"`` or ``"equivariance"``.
    equation : str
        The offending equation (or entry), written out.

    Examples
    --------
    >>> err = LemmaCheckError("existence", "Φ[1,0] = z1", "no solution")
    >>> err.check, err.equation
    ('existence', 'Φ[1,0] = z1')
    """

    def __init__(self, check: str, equation: str, message: str) -> None:
        super().__init__(f"{check} check failed: {message}; offending equation: {equation}")
        self.check = check
        self.equation = equation


class DerivationError(RuntimeError):
    """A step of an equational proof is not justified by the rule it names.

    Attributes
    ----------
    proof : str
        Name of the proof.
    step : int
        1-based index of the failing step (0 for the statement itself).
    rule : str
        The rule the step claims.

    Examples
    --------
    >>> DerivationError("existence", 2, "identity", "no match").step
    2
    """

    def __init__(self, proof: str, step: int, rule: str, message: str) -> None:
        super().__init__(f"proof {proof!r}, step {step} ({rule}): {message}")
        self.proof = proof
        self.step = step
        self.rule = rule


class SymbolicTooLargeError(ValueError):
    """The linear system is too large to solve symbolically within the configured limit.

    Examples
    --------
    >>> issubclass(SymbolicTooLargeError, ValueError)
    True
    """

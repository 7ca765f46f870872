"""The lemma proved over an abstract group, one named rule per step, checked by rewriting.

Every step of a :class:`Proof` rewrites the previous term by **one** application of **one**
named :class:`Rule` (an equation between patterns, usable in either direction) at one
position. :func:`check_proof` re-does that rewriting and raises :class:`DerivationError` for a
step its rule does not justify. Proven lemmas become rules for the proofs after them.

The rules: the group axioms (``associativity``, ``identity``, ``inverse``), the ``action law``,
and the definitions (``definition of F̂``: ``F̂(x)(g) = F(g⁻¹·x)``, ``definition of the regular
action``: ``(h·s)(g) = s(h⁻¹g)``, ``definition of p``: ``p(s) = s(e)``). The uniqueness proof
also assumes its hypotheses about Φ.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from .errors import DerivationError
from .terms import F, Fhat, Pattern, Phi, Term, Var, act, atom, e, ev, inv, match, mul, p, reg

__all__ = ["Rule", "Step", "Proof", "LemmaDerivation", "RULES", "check_proof", "check_derivation", "derive_lemma"]


@dataclass(frozen=True)
class Rule:
    """A named rule: equations between patterns, each usable left-to-right or right-to-left.

    Examples
    --------
    >>> str(RULES["identity"])
    'identity: ea = a; ae = a'
    """

    name: str
    equations: tuple[tuple[Pattern, Pattern], ...]

    def __post_init__(self) -> None:
        pairs = self.equations if isinstance(self.equations, tuple) else None
        if not pairs or not all(isinstance(eq, tuple) and len(eq) == 2
                                and all(isinstance(side, (Term, Var)) for side in eq) for eq in pairs):
            raise ValueError(f"rule {self.name!r}: equations must be a non-empty tuple of (lhs, rhs) pattern pairs, "
                             f"e.g. ((mul(e, a), a),); got {self.equations!r}")

    def __str__(self) -> str:
        return f"{self.name}: " + "; ".join(f"{lhs} = {rhs}" for lhs, rhs in self.equations)

    def rewrites(self, before: Pattern, after: Pattern) -> bool:
        """True when ``after`` is ``before`` with one subterm rewritten by one of the equations.

        Examples
        --------
        >>> a, b, c = atom("a"), atom("b"), atom("c")
        >>> RULES["associativity"].rewrites(mul(mul(a, b), c), mul(a, mul(b, c)))
        True
        >>> RULES["identity"].rewrites(mul(mul(a, b), c), mul(a, mul(b, c)))
        False
        """
        if before == after:
            return False
        for old, new in _rewrite_sites(before, after):
            for lhs, rhs in self.equations:
                for pattern, image in ((lhs, rhs), (rhs, lhs)):
                    binding = match(pattern, old)
                    if binding is not None and match(image, new, binding) is not None:
                        return True
        return False


def _rewrite_sites(before: Pattern, after: Pattern) -> list[tuple[Pattern, Pattern]]:
    """The pairs of subterms at the positions where one rewrite can turn ``before`` into ``after``.

    These are the positions on the path from the root to the deepest subterm containing every
    difference: outside that subterm the two terms must agree.
    """
    sites = [(before, after)]
    while (isinstance(before, Term) and isinstance(after, Term) and before.head == after.head
           and len(before.args) == len(after.args)):
        differ = [i for i, (u, v) in enumerate(zip(before.args, after.args)) if u != v]
        if len(differ) != 1:
            break
        before, after = before.args[differ[0]], after.args[differ[0]]
        sites.append((before, after))
    return sites


_a, _b, _c, _g, _h, _s, _x = (Var(n) for n in "abcghsx")

#: The axioms and definitions every proof may use, by name.
RULES: dict[str, Rule] = {r.name: r for r in (
    Rule("associativity", ((mul(mul(_a, _b), _c), mul(_a, mul(_b, _c))),)),
    Rule("identity", ((mul(e, _a), _a), (mul(_a, e), _a))),
    Rule("inverse", ((mul(inv(_a), _a), e), (mul(_a, inv(_a)), e))),
    Rule("action law", ((act(e, _x), _x), (act(_a, act(_b, _x)), act(mul(_a, _b), _x)))),
    Rule("definition of F̂", ((ev(Fhat(_x), _g), F(act(inv(_g), _x))),)),
    Rule("definition of the regular action", ((ev(reg(_h, _s), _g), ev(_s, mul(inv(_h), _g))),)),
    Rule("definition of p", ((p(_s), ev(_s, e)),)),
)}


@dataclass(frozen=True)
class Step:
    """One step: the new term and the name of the rule that justifies it.

    Examples
    --------
    >>> Step(e, "inverse").rule
    'inverse'
    """

    term: Term
    rule: str

    def __post_init__(self) -> None:
        if not isinstance(self.term, (Term, Var)) or not isinstance(self.rule, str):
            raise ValueError(f"a step is Step(term, rule name); got Step({self.term!r}, {self.rule!r})")


@dataclass(frozen=True)
class Proof:
    """An equational proof of ``lhs = rhs``: a chain of steps starting at ``lhs``.

    Attributes
    ----------
    name : str
        Also the rule name under which the proven equation is used later.
    lhs, rhs : Term
    steps : tuple of Step
    variables : tuple of str
        Atoms that are arbitrary (they become pattern variables when the proof is used as a rule).
    hypotheses : tuple of Rule
        Extra rules assumed by this proof only.

    Examples
    --------
    >>> a = atom("a")
    >>> proof = Proof("right identity twice", mul(mul(a, e), e), a,
    ...               (Step(mul(a, e), "identity"), Step(a, "identity")), ("a",))
    >>> check_proof(proof)
    >>> print(proof.statement)
    (ae)e = a
    """

    name: str
    lhs: Term
    rhs: Term
    steps: tuple[Step, ...]
    variables: tuple[str, ...] = ()
    hypotheses: tuple[Rule, ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.variables, tuple) or not all(isinstance(v, str) for v in self.variables):
            raise ValueError(f"proof {self.name!r}: variables must be a tuple of atom names like ('a', 'b'); "
                             f"got {self.variables!r}")
        if not isinstance(self.steps, tuple) or not all(isinstance(step, Step) for step in self.steps):
            raise ValueError(f"proof {self.name!r}: steps must be a tuple of Step objects; got {self.steps!r}")
        if not isinstance(self.hypotheses, tuple) or not all(isinstance(h, Rule) for h in self.hypotheses):
            raise ValueError(f"proof {self.name!r}: hypotheses must be a tuple of Rule objects; "
                             f"got {self.hypotheses!r}")

    @property
    def statement(self) -> str:
        """``lhs = rhs`` as text."""
        return f"{self.lhs} = {self.rhs}"

    def as_rule(self) -> Rule:
        """The proven equation as a rule, with :attr:`variables` generalised.

        Examples
        --------
        >>> str(derive_lemma().proofs[1].as_rule())
        'inverse of an inverse: (a⁻¹)⁻¹ = a'
        """
        return Rule(self.name, ((_generalise(self.lhs, self.variables), _generalise(self.rhs, self.variables)),))

    def lines(self) -> list[str]:
        """The chain, one step a line, each with its rule.

        Examples
        --------
        >>> derive_lemma().proofs[0].lines()
        ['    e⁻¹', '  = e⁻¹e   [identity]', '  = e      [inverse]']
        """
        width = max(_width(str(t)) for t in (self.lhs,) + tuple(s.term for s in self.steps))
        out = [f"    {self.lhs}"]
        out += [f"  = {s.term}{' ' * (width - _width(str(s.term)))}   [{s.rule}]" for s in self.steps]
        return out


def _width(text: str) -> int:
    """Printed width: combining marks (the hat of F̂) take no column."""
    return sum(not unicodedata.combining(c) for c in text)


def _generalise(t: Pattern, names: tuple[str, ...]) -> Pattern:
    if isinstance(t, Var):
        return t
    if not t.args and t.head in names:
        return Var(t.head)
    return Term(t.head, tuple(_generalise(a, names) for a in t.args))


def check_proof(proof: Proof, rules: Mapping[str, Rule] = RULES) -> None:
    """Check every step of ``proof`` by rewriting; return ``None`` or raise.

    Raises
    ------
    DerivationError
        Naming the first step whose rule is unknown or does not turn the previous term into
        the step's term, or a chain that does not end at the right-hand side.

    Examples
    --------
    >>> a = atom("a")
    >>> try:
    ...     check_proof(Proof("wrong", mul(a, e), a, (Step(a, "inverse"),), ("a",)))
    ... except DerivationError as err:
    ...     print(err)
    proof 'wrong', step 1 (inverse): ae → a is not one application of inverse: a⁻¹a = e; aa⁻¹ = e
    """
    available = {**rules, **{h.name: h for h in proof.hypotheses}}
    current = proof.lhs
    for i, step in enumerate(proof.steps, 1):
        rule = available.get(step.rule)
        if rule is None:
            raise DerivationError(proof.name, i, step.rule, f"unknown rule; available: {', '.join(available)}")
        if not rule.rewrites(current, step.term):
            raise DerivationError(proof.name, i, step.rule,
                                  f"{current} → {step.term} is not one application of {rule}")
        current = step.term
    if current != proof.rhs:
        raise DerivationError(proof.name, len(proof.steps), proof.steps[-1].rule if proof.steps else "-",
                              f"the chain ends at {current}, not at the right-hand side {proof.rhs}")


def check_derivation(proofs: Sequence[Proof], rules: Mapping[str, Rule] = RULES) -> dict[str, Rule]:
    """Check proofs in order, each proven equation becoming a rule for the later ones.

    Returns
    -------
    dict
        The rules available at the end (the given ones plus every lemma proved).

    Examples
    --------
    >>> sorted(check_derivation(derive_lemma().proofs))[:3]
    ['action law', 'associativity', 'definition of F̂']
    """
    available = dict(rules)
    for proof in proofs:
        check_proof(proof, available)
        available[proof.name] = proof.as_rule()
    return available


@dataclass(frozen=True)
class LemmaDerivation:
    """The checked abstract proof of the lemma: the rules and the proofs, in order.

    Examples
    --------
    >>> [proof.name for proof in derive_lemma().proofs][-3:]
    ['existence: p∘F̂ = F', 'equivariance of F̂', 'uniqueness']
    """

    rules: tuple[Rule, ...]
    proofs: tuple[Proof, ...]

    def __str__(self) -> str:
        lines = ["Abstract proof of the lemma (every step checked by rewriting with the named rule)", "Rules:"]
        lines += [f"  {rule}" for rule in self.rules]
        for proof in self.proofs:
            lines.append(f"{proof.name}: {proof.statement}")
            lines += [f"  assuming {h}" for h in proof.hypotheses]
            lines += proof.lines()
        return "\n".join(lines)

    def to_markdown(self) -> str:
        """The derivation as Markdown: the rules, then each proof as a fenced block.

        Examples
        --------
        >>> derive_lemma().to_markdown().splitlines()[0]
        '### Abstract proof (checked by rewriting)'
        """
        out = ["### Abstract proof (checked by rewriting)", "", "Rules:", ""]
        out += [f"- {rule}" for rule in self.rules]
        for proof in self.proofs:
            out += ["", f"**{proof.name}**: `{proof.statement}`", ""]
            out += [f"- assuming {h}" for h in proof.hypotheses]
            out += ["```", *proof.lines(), "```"]
        return "\n".join(out)


def _group_lemmas() -> tuple[Proof, ...]:
    a, b = atom("a"), atom("b")
    ab = mul(a, b)
    inverse_of_identity = Proof("inverse of the identity", inv(e), e, (
        Step(mul(inv(e), e), "identity"),
        Step(e, "inverse"),
    ))
    inverse_of_inverse = Proof("inverse of an inverse", inv(inv(a)), a, (
        Step(mul(inv(inv(a)), e), "identity"),
        Step(mul(inv(inv(a)), mul(inv(a), a)), "inverse"),
        Step(mul(mul(inv(inv(a)), inv(a)), a), "associativity"),
        Step(mul(e, a), "inverse"),
        Step(a, "identity"),
    ), ("a",))
    inverse_of_product = Proof("inverse of a product", inv(ab), mul(inv(b), inv(a)), (
        Step(mul(inv(ab), e), "identity"),
        Step(mul(inv(ab), mul(a, inv(a))), "inverse"),
        Step(mul(inv(ab), mul(mul(a, e), inv(a))), "identity"),
        Step(mul(inv(ab), mul(mul(a, mul(b, inv(b))), inv(a))), "inverse"),
        Step(mul(inv(ab), mul(mul(ab, inv(b)), inv(a))), "associativity"),
        Step(mul(inv(ab), mul(ab, mul(inv(b), inv(a)))), "associativity"),
        Step(mul(mul(inv(ab), ab), mul(inv(b), inv(a))), "associativity"),
        Step(mul(e, mul(inv(b), inv(a))), "inverse"),
        Step(mul(inv(b), inv(a)), "identity"),
    ), ("a", "b"))
    return inverse_of_identity, inverse_of_inverse, inverse_of_product


def _lemma_proofs() -> tuple[Proof, ...]:
    g, h, x = atom("g"), atom("h"), atom("x")
    existence = Proof("existence: p∘F̂ = F", p(Fhat(x)), F(x), (
        Step(ev(Fhat(x), e), "definition of p"),
        Step(F(act(inv(e), x)), "definition of F̂"),
        Step(F(act(e, x)), "inverse of the identity"),
        Step(F(x), "action law"),
    ), ("x",))
    equivariance = Proof("equivariance of F̂", ev(Fhat(act(h, x)), g), ev(reg(h, Fhat(x)), g), (
        Step(F(act(inv(g), act(h, x))), "definition of F̂"),
        Step(F(act(mul(inv(g), h), x)), "action law"),
        Step(F(act(mul(inv(g), inv(inv(h))), x)), "inverse of an inverse"),
        Step(F(act(inv(mul(inv(h), g)), x)), "inverse of a product"),
        Step(ev(Fhat(x), mul(inv(h), g)), "definition of F̂"),
        Step(ev(reg(h, Fhat(x)), g), "definition of the regular action"),
    ), ("g", "h", "x"))
    hypotheses = (Rule("Φ is equivariant", ((Phi(act(_h, _x)), reg(_h, Phi(_x))),)),
                  Rule("p∘Φ = F", ((p(Phi(_x)), F(_x)),)))
    uniqueness = Proof("uniqueness", ev(Phi(x), g), ev(Fhat(x), g), (
        Step(ev(Phi(x), mul(g, e)), "identity"),
        Step(ev(Phi(x), mul(inv(inv(g)), e)), "inverse of an inverse"),
        Step(ev(reg(inv(g), Phi(x)), e), "definition of the regular action"),
        Step(ev(Phi(act(inv(g), x)), e), "Φ is equivariant"),
        Step(p(Phi(act(inv(g), x))), "definition of p"),
        Step(F(act(inv(g), x)), "p∘Φ = F"),
        Step(ev(Fhat(x), g), "definition of F̂"),
    ), ("g", "x"), hypotheses)
    return existence, equivariance, uniqueness


def derive_lemma() -> LemmaDerivation:
    """The abstract proof of the lemma, checked step by step (raises if any step fails).

    Three group lemmas (``e⁻¹ = e``, ``(a⁻¹)⁻¹ = a``, ``(ab)⁻¹ = b⁻¹a⁻¹``) are proved from the
    axioms first; then existence (``p∘F̂ = F``), equivariance (``F̂(h·x) = h·F̂(x)``) and
    uniqueness (any equivariant Φ with ``p∘Φ = F`` equals F̂).

    Examples
    --------
    >>> d = derive_lemma()
    >>> print(d.proofs[-1].statement)
    Φ(x)(g) = F̂(x)(g)
    >>> len(d.proofs)
    6
    """
    proofs = _group_lemmas() + _lemma_proofs()
    check_derivation(proofs)
    return LemmaDerivation(tuple(RULES.values()), proofs)

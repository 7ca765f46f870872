"""derive_lemma: every step checked by rewriting; wrong justifications fail; the rules are sound."""

from __future__ import annotations

import itertools
from dataclasses import replace
from typing import Any

import numpy as np
import pytest

import groupcore as gc
from groupcore.proofs import RULES, DerivationError, Proof, Rule, Step, check_derivation, check_proof, derive_lemma
from groupcore.proofs.terms import F, Fhat, Phi, Term, Var, act, atom, e, ev, inv, match, mul, p, reg


def _lemma_rules() -> dict[str, Rule]:
    return check_derivation(derive_lemma().proofs)


def test_derivation_checks_and_proves_the_three_properties() -> None:
    d = derive_lemma()
    names = [proof.name for proof in d.proofs]
    assert names[-3:] == ["existence: p∘F̂ = F", "equivariance of F̂", "uniqueness"]
    g, h, x = atom("g"), atom("h"), atom("x")
    statements = {proof.name: (proof.lhs, proof.rhs) for proof in d.proofs}
    assert statements["existence: p∘F̂ = F"] == (p(Fhat(x)), F(x))
    assert statements["equivariance of F̂"] == (ev(Fhat(act(h, x)), g), ev(reg(h, Fhat(x)), g))
    assert statements["uniqueness"] == (ev(Phi(x), g), ev(Fhat(x), g))
    used = {step.rule for proof in d.proofs for step in proof.steps}
    assert set(RULES) <= used                                  # every axiom and definition is used
    text = str(d)
    assert "[definition of the regular action]" in text and "assuming Φ is equivariant" in text
    assert d.to_markdown().count("```") == 2 * len(d.proofs)


@pytest.mark.parametrize("proof_index", range(6))
def test_every_step_fails_under_every_wrong_rule(proof_index: int) -> None:
    proofs = derive_lemma().proofs
    available = check_derivation(proofs[:proof_index])
    proof = proofs[proof_index]
    available.update({hyp.name: hyp for hyp in proof.hypotheses})
    for i, step in enumerate(proof.steps):
        for name in available:
            if name == step.rule:
                continue
            steps = list(proof.steps)
            steps[i] = Step(step.term, name)
            wrong = replace(proof, steps=tuple(steps))
            with pytest.raises(DerivationError, match=rf"step {i + 1} \({name}\): .* is not one application"):
                check_proof(wrong, available)


def test_other_convention_for_the_regular_action_breaks_the_proof() -> None:
    other = Rule("definition of the regular action", ((ev(reg(Var("h"), Var("s")), Var("g")),
                                                       ev(Var("s"), mul(Var("h"), Var("g")))),))
    rules = {**_lemma_rules(), other.name: other}
    equivariance = derive_lemma().proofs[4]
    with pytest.raises(DerivationError, match=r"step 6 \(definition of the regular action\)"):
        check_proof(equivariance, rules)


def test_wrong_term_unknown_rule_wrong_end_and_no_op_steps_fail() -> None:
    g, x = atom("g"), atom("x")
    rules = _lemma_rules()
    with pytest.raises(DerivationError, match=r"step 1 \(definition of F̂\): F̂\(x\)\(g\) → F\(g·x\)"):
        check_proof(Proof("g for g⁻¹", ev(Fhat(x), g), F(act(g, x)), (Step(F(act(g, x)), "definition of F̂"),)),
                    rules)
    with pytest.raises(DerivationError, match="unknown rule; available: associativity"):
        check_proof(Proof("no such rule", inv(e), e, (Step(e, "magic"),)), rules)
    with pytest.raises(DerivationError, match=r"the chain ends at e⁻¹e, not at the right-hand side e"):
        check_proof(Proof("stops early", inv(e), e, (Step(mul(inv(e), e), "identity"),)), rules)
    with pytest.raises(DerivationError, match=r"step 1 \(identity\)"):
        check_proof(Proof("no-op", e, e, (Step(e, "identity"),)), rules)


def test_rewriting_is_one_step_at_one_position() -> None:
    a, b, c, d = (atom(n) for n in "abcd")
    assoc = RULES["associativity"]
    assert assoc.rewrites(inv(mul(mul(a, b), c)), inv(mul(a, mul(b, c))))          # inside a context
    assert assoc.rewrites(mul(a, mul(b, c)), mul(mul(a, b), c))                      # right to left
    two_steps = (mul(mul(mul(a, b), c), d), mul(a, mul(b, mul(c, d))))
    assert not assoc.rewrites(*two_steps)
    both_sides = (mul(mul(mul(a, b), c), mul(mul(a, b), c)), mul(mul(a, mul(b, c)), mul(a, mul(b, c))))
    assert not assoc.rewrites(*both_sides)                                           # two positions at once
    assert RULES["inverse"].rewrites(e, mul(inv(mul(a, b)), mul(a, b)))             # introduces a variable
    assert match(mul(Var("a"), Var("a")), mul(a, b)) is None


# -- soundness: every rule and proven lemma holds in concrete models ------------------------------

def _evaluate(t: Any, env: dict[str, Any], G: gc.Group, action: gc.Action, table: np.ndarray,
              phi: np.ndarray) -> Any:
    if isinstance(t, Var):
        return env[t.name]
    if not t.args:
        return 0 if t.head == "e" else env[t.head]
    v = [_evaluate(a, env, G, action, table, phi) for a in t.args]
    lift_table = gc.lift(table, action)
    ops = {
        "mul": lambda: int(G.table[v[0], v[1]]), "inv": lambda: int(G.inverse[v[0]]),
        "act": lambda: int(action.table[v[0], v[1]]), "F": lambda: int(table[v[0]]),
        "Fhat": lambda: tuple(lift_table[v[0]]), "Phi": lambda: tuple(phi[v[0]]),
        "ev": lambda: v[0][v[1]], "reg": lambda: tuple(gc.regular_act(G, v[0], np.array(v[1]))),
        "p": lambda: v[0][0],
    }
    return ops[t.head]()


def _variables(t: Any) -> set[str]:
    if isinstance(t, Var):
        return {t.name}
    return set().union(*(_variables(a) for a in t.args)) if t.args else set()


def _domain(name: str, G: gc.Group, action: gc.Action, values: list[tuple[int, ...]]) -> list[Any]:
    if name == "x":
        return list(range(action.size))
    if name == "s":
        return values
    return list(range(G.order))


@pytest.mark.parametrize("make_action", [lambda G: gc.Action.regular(G), lambda G: gc.Action.on_cosets(G, [0, 1])],
                         ids=["regular", "cosets"])
def test_rules_and_lemmas_hold_in_S3(make_action: Any) -> None:
    G = gc.symmetric(3)
    action = make_action(G)
    rng = np.random.default_rng(1)
    table = rng.integers(0, 4, size=action.size)
    phi = gc.lift(table, action)                       # the hypotheses on Φ hold for Φ = F̂
    values = [tuple(rng.integers(0, 9, size=G.order)) for _ in range(2)]
    rules = list(_lemma_rules().values()) + list(derive_lemma().proofs[-1].hypotheses)
    for rule in rules:
        for lhs, rhs in rule.equations:
            names = sorted(_variables(lhs) | _variables(rhs))
            for choice in itertools.product(*(_domain(n, G, action, values) for n in names)):
                env = dict(zip(names, choice))
                assert _evaluate(lhs, env, G, action, table, phi) == _evaluate(rhs, env, G, action, table, phi), (
                    rule.name, env)


def test_a_false_rule_is_refuted_by_the_model() -> None:
    G = gc.symmetric(3)
    a, b = Var("a"), Var("b")
    commutes = (mul(a, b), mul(b, a))
    action = gc.Action.regular(G)
    results = {_evaluate(commutes[0], {"a": i, "b": j}, G, action, np.zeros(6, int), np.zeros((6, 6), int))
               == _evaluate(commutes[1], {"a": i, "b": j}, G, action, np.zeros(6, int), np.zeros((6, 6), int))
               for i in range(6) for j in range(6)}
    assert results == {True, False}


def test_term_printing() -> None:
    g, h, x = atom("g"), atom("h"), atom("x")
    assert str(ev(Fhat(act(h, x)), g)) == "F̂(h·x)(g)"
    assert str(F(act(inv(mul(inv(h), g)), x))) == "F((h⁻¹g)⁻¹·x)"
    assert isinstance(e, Term) and str(p(Phi(x))) == "p(Φ(x))"

"""Bad inputs to the proofs package: each one raises a clear error naming what is wrong and the fix.

User strings never reach SymPy's parser, and systems too large for memory are refused before
they are built (a traced peak of a few megabytes where building would take gigabytes).
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sympy as sp

import groupcore as gc
from groupcore.cli import main
from groupcore.proofs import (
    DerivationError,
    Proof,
    Rule,
    Step,
    SymbolicTooLargeError,
    check_lemma_exhaustive,
    check_proof,
    lemma_system,
    verify_groups,
    verify_layerwise,
    verify_lemma,
)
from groupcore.proofs.cli import parse_bytes
from groupcore.proofs.report import check_verifiable
from groupcore.proofs.terms import Term, Var, atom, e, mul

C2, C3 = gc.cyclic(2), gc.cyclic(3)
S6 = gc.symmetric(6)
S6_REGULAR = gc.Action.regular(S6)


class _CodeInStr:
    """An object whose text is code: SymPy's lenient sympify would parse and run it."""

    def __str__(self) -> str:
        return "__import__('os').getcwd()"


Case = tuple[Callable[[], Any], type[Exception], str]

SYMBOLS: dict[str, Case] = {
    "space-in-name": (lambda: verify_lemma(C2, z_symbols=["a b", "c"]), ValueError,
                      r"z_symbols\[0\] must be a plain name .*got 'a b'"),
    "leading-digit": (lambda: verify_lemma(C2, z_symbols=["1x", "y"]), ValueError, r"got '1x'"),
    "empty-name": (lambda: verify_lemma(C2, z_symbols=["a", ""]), ValueError, r"z_symbols\[1\] must be a plain name"),
    "call-in-name": (lambda: verify_lemma(C2, z_symbols=["exit()", "b"]), ValueError, r"got 'exit\(\)'"),
    "expression-string": (lambda: verify_lemma(C2, z_symbols=["a+b", "c"]), ValueError,
                          r"pass a sympy\.Symbol or expression for anything else"),
    "bad-prefix": (lambda: verify_lemma(C2, z_symbols="z z"), ValueError,
                   r"the z_symbols prefix must be a plain name .*got 'z z'"),
    "empty-prefix": (lambda: verify_lemma(C2, z_symbols=""), ValueError, r"the z_symbols prefix must be a plain name"),
    "object-value": (lambda: verify_lemma(C2, z_symbols=[object(), 1]), ValueError,
                     r"z_symbols\[0\] must be a plain name, a SymPy expression or a number; got object"),
    "code-in-str-method": (lambda: verify_lemma(C2, z_symbols=[_CodeInStr(), 1]), ValueError, r"got _CodeInStr"),
    "bool-value": (lambda: verify_lemma(C2, z_symbols=[True, 1]), ValueError, r"got bool True"),
    "not-a-sequence": (lambda: verify_lemma(C2, z_symbols=5), ValueError,
                       r"z_symbols must be a prefix string or a sequence .*got int"),
    "unordered-set": (lambda: verify_lemma(C2, z_symbols={sp.Symbol("a"), sp.Symbol("b")}), ValueError, r"got set"),
    "wrong-length": (lambda: verify_lemma(C3, z_symbols=["a", "b"]), ValueError,
                     r"one value per point of X \(3\); got 2"),
    "exhaustive-symbols": (lambda: check_lemma_exhaustive(C2, z_symbols=["ok", "not ok"]), ValueError,
                           r"z_symbols\[1\] must be a plain name"),
}

ARGUMENTS: dict[str, Case] = {
    "group-not-a-group": (lambda: verify_lemma("C3"), TypeError, r"G must be a groupcore.Group; got str"),
    "action-of-another-group": (lambda: verify_lemma(C3, gc.Action.regular(C2)), ValueError,
                                r"action must be a groupcore.Action of C3"),
    "max-equations-zero": (lambda: verify_lemma(C2, max_equations=0), ValueError,
                           r"max_equations must be a positive integer; got 0"),
    "max-equations-bool": (lambda: verify_lemma(C2, max_equations=True), ValueError, r"got True"),
    "max-equations-string": (lambda: verify_lemma(C2, max_equations="100"), ValueError, r"got '100'"),
    "exhaustive-not-a-group": (lambda: check_lemma_exhaustive([[0]]), TypeError, r"G must be a groupcore.Group"),
    "exhaustive-zero-budget": (lambda: check_lemma_exhaustive(C2, max_bytes=0), ValueError,
                               r"max_bytes must be a positive integer"),
    "layerwise-depth-bool": (lambda: verify_layerwise(C2, depth=True), ValueError,
                             r"depth must be an integer >= 2 \(the number of layers\); got True"),
    "layerwise-depth-float": (lambda: verify_layerwise(C2, depth=2.5), ValueError, r"got 2\.5"),
    "layerwise-approximate-action": (lambda: verify_layerwise(gc.cyclic(8), gc.interpolated_rotations(
        gc.cyclic(8), (3, 3))), ValueError, r"an exact action: interpolated rotations are not one"),
    "report-not-a-group": (lambda: verify_groups(["C4"], rotation_orders=()), TypeError,
                           r"groups must hold groupcore.Group objects; got str"),
    "system-budget": (lambda: lemma_system(gc.Action.regular(C3), max_bytes=100), gc.GroupTooLargeError,
                      r"the lemma's system for C3 acting on regular\(C3\) \(30 equations\) needs about"),
}

TERMS: dict[str, Case] = {
    "list-args": (lambda: Term("mul", [atom("a"), atom("b")]), ValueError,
                  r"a term's args must be a tuple of terms .*write Term\('mul', tuple\(args\)\)"),
    "empty-head": (lambda: Term(""), ValueError, r"a term's head must be a non-empty string"),
    "number-atom": (lambda: atom(3), ValueError, r"head must be a non-empty string .*got 3"),
    "string-arg": (lambda: Term("F", ("x",)), ValueError, r"must be Term or Var objects; got 'x': wrap names"),
    "empty-variable": (lambda: Var(""), ValueError, r"a pattern variable's name must be a non-empty string"),
    "variables-as-string": (lambda: Proof("p", atom("a"), atom("a"), (), "ab"), ValueError,
                            r"variables must be a tuple of atom names like \('a', 'b'\); got 'ab'"),
    "steps-as-list": (lambda: Proof("p", mul(atom("a"), e), atom("a"), [Step(atom("a"), "identity")]), ValueError,
                      r"proof 'p': steps must be a tuple of Step objects"),
    "hypothesis-not-a-rule": (lambda: Proof("p", atom("a"), atom("a"), (), (), ("assume",)), ValueError,
                              r"hypotheses must be a tuple of Rule objects"),
    "rule-single-pair": (lambda: Rule("r", (mul(e, Var("a")), Var("a"))), ValueError,
                         r"rule 'r': equations must be a non-empty tuple of \(lhs, rhs\) pattern pairs"),
    "rule-no-equations": (lambda: Rule("r", ()), ValueError, r"rule 'r': equations must be a non-empty tuple"),
    "step-with-string-term": (lambda: Step("a", "identity"), ValueError,
                              r"a step is Step\(term, rule name\); got Step\('a', 'identity'\)"),
    "unknown-rule": (lambda: check_proof(Proof("p", mul(atom("a"), e), atom("a"),
                                               (Step(atom("a"), "magic"),), ("a",))),
                     DerivationError, r"proof 'p', step 1 \(magic\): unknown rule; available: associativity"),
}

#: Refusals that must come before the system is built.
TOO_LARGE: dict[str, Case] = {
    "symbolic-S6": (lambda: verify_lemma(S6, S6_REGULAR), SymbolicTooLargeError,
                    r"S6 acting on regular\(S6\) gives 373248720 equations, more than max_equations=20000"),
    "symbolic-S6-raised-limit": (lambda: verify_lemma(S6, S6_REGULAR, max_equations=10**12), gc.GroupTooLargeError,
                                 r"\(373,248,720 equations\) needs about 27\.8 GiB, more than max_bytes="),
    "exhaustive-S6": (lambda: check_lemma_exhaustive(S6, S6_REGULAR), gc.GroupTooLargeError,
                      r"the lemma's system for S6 acting on regular\(S6\) .*pass max_bytes=\d+ or more"),
    "verify-S6": (lambda: check_verifiable([S6], knob="--max-bytes"), gc.GroupTooLargeError,
                  r"too large to verify within --max-bytes=1073741824 \(1\.0 GiB\): S6 \(order 720: the "
                  r"exhaustive check on regular\(S6\) solves 373,248,720 equations, about 27\.8 GiB\)"),
}


BAD = {**SYMBOLS, **ARGUMENTS, **TERMS}


@pytest.mark.parametrize(("call", "error", "message"), list(BAD.values()), ids=list(BAD))
def test_bad_input_is_refused(call: Callable[[], Any], error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        call()


@pytest.mark.parametrize(("call", "error", "message"), list(TOO_LARGE.values()), ids=list(TOO_LARGE))
def test_too_large_is_refused_before_building(refused: Any, call: Callable[[], Any], error: type[Exception],
                                              message: str) -> None:
    refused(call, error, message)


def test_strings_are_never_evaluated(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    code = f"open({str(marker)!r}, 'w').close() or x"
    with pytest.raises(ValueError, match=r"z_symbols\[0\] must be a plain name"):
        verify_lemma(C2, z_symbols=[code, "y"])
    with pytest.raises(ValueError, match="the z_symbols prefix must be a plain name"):
        verify_lemma(C2, z_symbols=code)
    assert not marker.exists()


def test_plain_names_numbers_and_expressions_are_accepted() -> None:
    a = sp.Symbol("a")
    cert = verify_lemma(C2, z_symbols=["φ_1", a + 1])
    assert cert.z_symbols == (sp.Symbol("φ_1"), a + 1)
    assert verify_lemma(C2, z_symbols=[0, 1]).solution == [[0, 1], [1, 0]]


@pytest.mark.parametrize(("argv", "message"), [
    (["--groups", "C0", "X9", "S99"],
     r"^groupcore verify: error: 3 bad group names: unknown group name 'C0'.*'X9'.*group 'S99'.*--max-bytes"),
    (["--groups", "S6", "A6", "C4"],
     r"^groupcore verify: error: too large to verify within --max-bytes=1073741824 \(1\.0 GiB\): S6 .*, A6 .*"
     r"pass --max-bytes=\d+ or more"),
    (["--groups", "C2xxC3"], r"an empty factor between x number 1 and 2"),
], ids=["names", "sizes", "empty-factor"])
def test_verify_refuses_in_one_line(argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["verify", *argv]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert len(lines) == 1
    assert re.search(message, lines[0]), lines[0]


@pytest.mark.parametrize(("option", "value", "message"), [
    ("--max-bytes", "0", r"expected a positive number of bytes such as 4G, 512MiB or 1073741824; got '0'"),
    ("--max-bytes", "lots", r"got 'lots'"),
    ("--max-equations", "-5", r"expected a positive integer; got '-5'"),
    ("--rotations", "abc", r"rotation orders must be positive integers; got abc"),
])
def test_verify_rejects_bad_options(option: str, value: str, message: str,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["verify", option, value])
    assert info.value.code == 2
    assert re.search(message, capsys.readouterr().err)


def test_parse_bytes_names_the_forms() -> None:
    assert parse_bytes("2GiB") == 2 * 2**30
    with pytest.raises(argparse.ArgumentTypeError, match="expected a positive number of bytes"):
        parse_bytes("-1G")

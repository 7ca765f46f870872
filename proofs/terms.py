"""Terms over an abstract group acting on a set, with matching and one-step rewriting.

A :class:`Term` is an operator applied to arguments; atoms (``g``, ``h``, ``x``, ``e``) have no
arguments. Operators: ``mul(a, b)`` = ab, ``inv(a)`` = a⁻¹, ``act(g, x)`` = g·x, ``F(x)``,
``Fhat(x)`` = F̂(x), ``Phi(x)`` = Φ(x), ``ev(s, g)`` = s(g) for s in Map(G, Z),
``reg(h, s)`` = h·s (the regular action on Map(G, Z)) and ``p(s)``. A :class:`Var` is a
pattern variable of a rule.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Term", "Var", "Pattern", "atom", "e", "mul", "inv", "act", "F", "Fhat", "Phi", "ev", "reg", "p", "match"]


@dataclass(frozen=True)
class Var:
    """A pattern variable of a rule (printed by its name).

    Examples
    --------
    >>> str(mul(Var("a"), inv(Var("a"))))
    'aa⁻¹'
    """

    name: str

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise ValueError(f"a pattern variable's name must be a non-empty string; got {self.name!r}")

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True)
class Term:
    """An operator ``head`` applied to ``args`` (an atom when there are none).

    Examples
    --------
    >>> str(ev(reg(atom("h"), Fhat(atom("x"))), atom("g")))
    '(h·F̂(x))(g)'
    >>> str(act(mul(inv(atom("g")), atom("h")), atom("x")))
    '(g⁻¹h)·x'
    """

    head: str
    args: tuple[Pattern, ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.head, str) or not self.head:
            raise ValueError(f"a term's head must be a non-empty string (an operator or atom name); got {self.head!r}")
        if not isinstance(self.args, tuple):
            raise ValueError(f"a term's args must be a tuple of terms (lists compare unequal to tuples); "
                             f"got {type(self.args).__name__}: write Term({self.head!r}, tuple(args))")
        bad = next((a for a in self.args if not isinstance(a, (Term, Var))), None)
        if bad is not None:
            raise ValueError(f"the args of {self.head!r} must be Term or Var objects; got {bad!r}: "
                             f"wrap names with atom(...)")

    def __str__(self) -> str:
        return _show(self)


Pattern = Term | Var


def atom(name: str) -> Term:
    """An atom (a named element, point or constant).

    Examples
    --------
    >>> atom("g") == Term("g")
    True
    """
    return Term(name)


#: The identity element.
e = Term("e")


def mul(a: Pattern, b: Pattern) -> Term:
    """The product ``ab``.

    Examples
    --------
    >>> str(mul(atom("a"), mul(atom("b"), atom("c"))))
    'a(bc)'
    """
    return Term("mul", (a, b))


def inv(a: Pattern) -> Term:
    """The inverse ``a⁻¹``.

    Examples
    --------
    >>> str(inv(mul(atom("a"), atom("b"))))
    '(ab)⁻¹'
    """
    return Term("inv", (a,))


def act(g: Pattern, x: Pattern) -> Term:
    """The action ``g·x`` on the G-set X.

    Examples
    --------
    >>> str(act(atom("g"), atom("x")))
    'g·x'
    """
    return Term("act", (g, x))


def F(x: Pattern) -> Term:
    """The map ``F: X → Z`` applied to ``x``.

    Examples
    --------
    >>> str(F(atom("x")))
    'F(x)'
    """
    return Term("F", (x,))


def Fhat(x: Pattern) -> Term:
    """The lift ``F̂(x) ∈ Map(G, Z)``.

    Examples
    --------
    >>> str(Fhat(atom("x")))
    'F̂(x)'
    """
    return Term("Fhat", (x,))


def Phi(x: Pattern) -> Term:
    """An unknown map ``Φ: X → Map(G, Z)`` applied to ``x``.

    Examples
    --------
    >>> str(Phi(atom("x")))
    'Φ(x)'
    """
    return Term("Phi", (x,))


def ev(s: Pattern, g: Pattern) -> Term:
    """Evaluation ``s(g)`` of ``s ∈ Map(G, Z)`` at ``g``.

    Examples
    --------
    >>> str(ev(Phi(atom("x")), e))
    'Φ(x)(e)'
    """
    return Term("ev", (s, g))


def reg(h: Pattern, s: Pattern) -> Term:
    """The left regular action ``h·s`` on Map(G, Z).

    Examples
    --------
    >>> str(reg(atom("h"), Phi(atom("x"))))
    '(h·Φ(x))'
    """
    return Term("reg", (h, s))


def p(s: Pattern) -> Term:
    """The projection ``p(s) = s(e)``.

    Examples
    --------
    >>> str(p(Fhat(atom("x"))))
    'p(F̂(x))'
    """
    return Term("p", (s,))


_NAMES = {"F": "F", "Fhat": "F̂", "Phi": "Φ", "p": "p"}


def _factor(t: Pattern) -> str:
    """Show ``t`` as a factor of a product: products and actions get parentheses."""
    text = _show(t)
    return f"({text})" if isinstance(t, Term) and t.head in ("mul", "act") else text


def _show(t: Pattern) -> str:
    if isinstance(t, Var):
        return str(t)
    if not t.args:
        return t.head
    a = t.args
    if t.head == "mul":
        return _factor(a[0]) + _factor(a[1])
    if t.head == "inv":
        inner = _show(a[0])
        return (inner if isinstance(a[0], Var) or not a[0].args else f"({inner})") + "⁻¹"
    if t.head == "act":
        return f"{_factor(a[0])}·{_factor(a[1])}"
    if t.head == "ev":
        return f"{_show(a[0])}({_show(a[1])})"
    if t.head == "reg":
        return f"({_factor(a[0])}·{_show(a[1])})"
    return f"{_NAMES.get(t.head, t.head)}(" + ", ".join(_show(x) for x in a) + ")"


def match(pattern: Pattern, term: Pattern, binding: dict[str, Pattern] | None = None) -> dict[str, Pattern] | None:
    """Extend ``binding`` so that ``pattern`` instantiated equals ``term``, or return ``None``.

    Examples
    --------
    >>> b = match(mul(Var("a"), inv(Var("a"))), mul(atom("g"), inv(atom("g"))))
    >>> str(b["a"])
    'g'
    >>> match(mul(Var("a"), inv(Var("a"))), mul(atom("g"), inv(atom("h")))) is None
    True
    """
    binding = {} if binding is None else binding
    if isinstance(pattern, Var):
        bound = binding.get(pattern.name)
        if bound is None:
            return {**binding, pattern.name: term}
        return binding if bound == term else None
    if not isinstance(term, Term) or term.head != pattern.head or len(term.args) != len(pattern.args):
        return None
    for sub_pattern, sub_term in zip(pattern.args, term.args):
        binding = match(sub_pattern, sub_term, binding)
        if binding is None:
            return None
    return binding

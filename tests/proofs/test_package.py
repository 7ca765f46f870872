"""The package's public API, and ``groupcore verify`` without the test-only dependency Hypothesis."""

from __future__ import annotations

import subprocess
import sys

import groupcore.proofs as proofs


def test_every_exported_name_exists() -> None:
    assert len(set(proofs.__all__)) == len(proofs.__all__)
    for name in proofs.__all__:
        assert getattr(proofs, name) is not None, name


def test_verify_runs_without_hypothesis() -> None:
    code = ("import sys; sys.modules['hypothesis'] = None\n"
            "from groupcore.cli import main\n"
            "raise SystemExit(main(['verify', '--groups', 'C2', '--rotations']))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "all checks passed" in done.stdout

"""``groupcore verify``: exit status, formats, the exhaustive-only path, planted failures."""

from __future__ import annotations

import pytest

from groupcore.cli import main
from groupcore.proofs import LemmaCheckError, report, symbolic
from groupcore.proofs.report import DEFAULT_GROUPS


def test_default_run_passes(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["verify"]) == 0
    out = capsys.readouterr().out
    for name in DEFAULT_GROUPS:
        assert f"== {name} (order" in out
    assert "inverse of a product: (ab)⁻¹ = b⁻¹a⁻¹" in out
    assert "✓ exhaustive check agrees" in out and "Layer-wise lemma for A4" in out
    assert "C8 acts on images only approximately" in out
    assert out.rstrip().splitlines()[-1].startswith("all checks passed")


def test_markdown_and_options(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["verify", "--groups", "C2xC3", "V4", "--format", "markdown", "--layers", "2", "--rotations", "3"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("# groupcore verify: the equivarification lemma")
    assert "## C2xC3 (order 6)" in out and "### C2xC3 acting on regular(C2xC3)" in out
    assert "up to 2 layers" in out and "**Result:** all checks passed" in out


def test_large_groups_get_the_exhaustive_check_only(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["verify", "--groups", "S4", "--max-equations", "1000", "--layers", "2", "--rotations"]) == 0
    out = capsys.readouterr().out
    assert "13848 equations exceed the symbolic limit 1000: exhaustive check only" in out
    assert "Lemma for S4 acting on regular(S4) (|G| = 24, |X| = 24): exhaustive" in out
    assert "Lemma for S4 acting on cosets(S4, 12) (|G| = 24, |X| = 12): exhaustive" in out


def test_a_failing_check_gives_a_non_zero_exit(monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    import numpy as np
    monkeypatch.setattr(symbolic, "lift", lambda F, action: np.asarray(F)[action.table.T])   # F(g·x)
    assert main(["verify", "--groups", "S3", "--rotations"]) == 1
    out = capsys.readouterr().out
    assert "✗ S3 on regular(S3) (symbolic): equals lift check failed" in out
    assert "check(s) FAILED" in out


def test_a_failing_proof_gives_a_non_zero_exit(monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    def broken() -> None:
        raise LemmaCheckError("existence", "Φ[0,0] = z0", "planted")

    monkeypatch.setattr(report, "derive_lemma", broken)
    assert main(["verify", "--groups", "C2", "--rotations", "--format", "markdown"]) == 1
    assert "✗ abstract proof: existence check failed: planted" in capsys.readouterr().out


def test_bad_arguments(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["verify", "--groups", "Z5"]) == 2
    assert "unknown group name 'Z5'" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["verify", "--rotations", "0"])
    assert "rotation orders must be positive integers; got 0" in capsys.readouterr().err
    assert main(["verify", "--groups", "C2", "--layers", "1"]) == 2
